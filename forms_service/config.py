"""Configuration from the environment (DESIGN.md §6). One place reads os.environ."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings read once when the app is created. Tests pass overrides to create_app."""

    def __init__(self, environ: dict | None = None):
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("VAR_DIR", DEFAULT_VAR_DIR))
        self.SQLALCHEMY_DATABASE_URI = _database_url(env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'forms.sqlite3'}")
        self.STORAGE_DIR = env.get("STORAGE_DIR") or str(var_dir / "storage")
        # Without SECRET_KEY a random one is used: sessions end at restart, which is safe, not convenient.
        self.SECRET_KEY = env.get("SECRET_KEY") or secrets.token_hex(32)
        self.POLICY_PROFILE = env.get("POLICY_PROFILE", "national-2024")
        self.LA_INBOX = env.get("LA_INBOX", "legal-interventions@la.invalid")
        # Unset: `forms-service serve` starts a local sink that keeps what it receives (demo).
        self.SMTP_URL = env.get("SMTP_URL") or None
        self.MAIL_FROM = env.get("MAIL_FROM", "forms-service@localhost")
        self.DEMO_MODE = _bool(env.get("DEMO_MODE"))
        self.SESSION_COOKIE_SECURE = _bool(env.get("SESSION_COOKIE_SECURE"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.MAX_EVIDENCE_BYTES = int(env.get("MAX_EVIDENCE_BYTES", 10 * 1024 * 1024))
        self.MAX_REGISTER_BYTES = int(env.get("MAX_REGISTER_BYTES", 8 * 1024 * 1024))
        # A whole-school export for screening: 1,500 pupils for a year is about 16 MB.
        self.MAX_SCHOOL_REGISTER_BYTES = int(env.get("MAX_SCHOOL_REGISTER_BYTES", 40 * 1024 * 1024))
        # Whole request cap: the largest upload plus room for the form fields.
        self.MAX_CONTENT_LENGTH = max(self.MAX_EVIDENCE_BYTES, self.MAX_REGISTER_BYTES,
                                      self.MAX_SCHOOL_REGISTER_BYTES) + 1024 * 1024
        self.API_TOKEN_HOURS = int(env.get("API_TOKEN_HOURS", 12))
        self.WORKER_POLL_SECONDS = float(env.get("WORKER_POLL_SECONDS", 2))
        self.DELIVERY_MAX_ATTEMPTS = int(env.get("DELIVERY_MAX_ATTEMPTS", 12))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.WTF_CSRF_TIME_LIMIT = None  # a long form may take a morning; the token lives with the session
        # flask-smorest / OpenAPI
        self.API_TITLE = "Attendance legal-intervention forms service"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def _database_url(url: str) -> str:
    # PostgreSQL URLs as people write them use the psycopg (3) driver we install.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
