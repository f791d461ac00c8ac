"""Configuration from the environment (DESIGN.md §6). One place reads os.environ."""
from __future__ import annotations

import os
import re
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
        # Sign-in throttling (forms_service/throttle.py): wrong passwords per address, and per network
        # address, within LOGIN_LOCK_MINUTES before further attempts wait.
        self.LOGIN_MAX_FAILURES = int(env.get("LOGIN_MAX_FAILURES", 5))
        self.LOGIN_MAX_FAILURES_PER_IP = int(env.get("LOGIN_MAX_FAILURES_PER_IP", 30))
        self.LOGIN_LOCK_MINUTES = int(env.get("LOGIN_LOCK_MINUTES", 15))
        self.WORKER_POLL_SECONDS = float(env.get("WORKER_POLL_SECONDS", 2))
        self.DELIVERY_MAX_ATTEMPTS = int(env.get("DELIVERY_MAX_ATTEMPTS", 12))
        # Retention (issue 5, README "Data protection"): how long each kind of record is kept after
        # its last change; `forms-service purge` removes what is past it. Values: "<n>y" (calendar
        # years), "<n>d" or a bare number (days). Checked here so a typo stops the service starting.
        for name, default in RETENTION_DEFAULTS.items():
            value = env.get(name) or default
            parse_period(value, name)
            setattr(self, name, value)
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


# --- retention -----------------------------------------------------------------------------------
# Each period runs from the record's last change (for a signed referral: its last signing or LA
# decision, whichever is later). Why these defaults:
RETENTION_DEFAULTS = {
    # A referral drafted (or submitted for sign-off) but never signed: it was never sent to the LA and
    # nothing relied on it. A school year and a term is long enough for the school to come back to it
    # (a pupil whose attendance dips again the next autumn); after that it is data held for nothing.
    "RETENTION_DRAFT": "1y",
    # Letters, contracts, plans and meeting records the school made and downloaded (kinds other than
    # "referral"): the school keeps what it sent in its own files; the service's copy is needed while a
    # referral may still rely on it (a Final Warning or a Parent Contract is evidence for the penalty
    # notice or PPM request that follows, in that school year or the next): two years.
    "RETENTION_DOCUMENT": "2y",
    # Signed and sent to the LA (signed, accepted): the signed packs, evidence, LA decisions and the
    # audit trail may be needed in court or to answer a complaint or claim about the penalty notice or
    # prosecution that followed. Six years, the usual limitation period for civil claims (Limitation
    # Act 1980) and the period LAs commonly keep legal-intervention case files.
    "RETENTION_SIGNED": "6y",
    # Returned by the LA and never corrected and signed again (abandoned): no notice was issued on it,
    # but the LA's reasons may matter if the school refers the same child again; two years covers the
    # school year of the return and the next.
    "RETENTION_RETURNED": "2y",
    # The text of an email once it has been delivered: the LA already has the pack (kept with the
    # referral), and the body is only needed to answer "what did you send?" soon after. 90 days, then
    # the body is cleared; the row (recipient, subject, times) stays until its referral is purged.
    "RETENTION_OUTBOX_BODY": "90d",
}
# Audit events have no period of their own: they are kept as long as the referral they belong to and
# are deleted with it (forms_service/retention.py).


def parse_period(value: str, name: str = "period") -> tuple[int, str]:
    """"6y" -> (6, "years"); "90d" or "90" -> (90, "days"). ValueError naming the setting otherwise."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*(y|years?|d|days?)?\s*", str(value), flags=re.IGNORECASE)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{name}: {value!r} is not a retention period; write e.g. 6y (years) or 90d (days)")
    unit = (match.group(2) or "d").lower()
    return int(match.group(1)), ("years" if unit.startswith("y") else "days")


def _database_url(url: str) -> str:
    # PostgreSQL URLs as people write them use the psycopg (3) driver we install.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
