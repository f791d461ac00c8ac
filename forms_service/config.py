"""Configuration from the environment (DESIGN.md §6). One place reads os.environ."""
from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from .storage import parse_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = PROJECT_ROOT / "var"


def _service_url(value: str) -> str:
    """SERVICE_URL: http(s)://host[:port][/path], without a query or fragment; no trailing slash."""
    parts = urlsplit(value.strip())
    try:
        parts.port
    except ValueError:
        raise ValueError("SERVICE_URL has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ValueError("SERVICE_URL must be the service's address, such as https://forms.example.gov.uk "
                         "(http or https, a host, no query)")
    return value.strip().rstrip("/")


def _tsa_url(value: str | None) -> str | None:
    """SIGNING_TSA_URL: an http(s) address, or unset."""
    text = (value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("SIGNING_TSA_URL must be a timestamp authority's http or https address")
    return text


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings read once when the app is created. Tests pass overrides to create_app."""

    def __init__(self, environ: dict | None = None):
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("VAR_DIR", DEFAULT_VAR_DIR))
        # How long a request waits for the database before it answers 503 instead of hanging
        # (README "Reliability"). PostgreSQL: to open a connection (a server down or unreachable
        # behind a firewall that drops packets would otherwise wait for TCP's own timeout, minutes);
        # 5 s is ample on a working network and short enough for a person waiting (libpq's least is 2).
        # SQLite: for another connection's write lock ("database is locked"); 5 s is sqlite3's default.
        # Both go into the URL, so every engine made from it (web, worker, migrations) has them.
        self.DATABASE_CONNECT_TIMEOUT = int(env.get("DATABASE_CONNECT_TIMEOUT", 5))
        self.DATABASE_BUSY_TIMEOUT = float(env.get("DATABASE_BUSY_TIMEOUT", 5))
        # PostgreSQL: how long an open connection may go unanswered by the network (a firewall that
        # forgot it, a server machine gone) before it is dropped and the request answers 503, or the
        # pool opens a new one; otherwise TCP waits about 15 minutes. Only silence counts: a slow query
        # on a live server is not cut short (its machine still answers TCP). models.init_db.
        self.DATABASE_SILENCE_TIMEOUT = float(env.get("DATABASE_SILENCE_TIMEOUT", 20))
        self.SQLALCHEMY_DATABASE_URI = _with_timeouts(
            _database_url(env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'forms.sqlite3'}"),
            self.DATABASE_CONNECT_TIMEOUT, self.DATABASE_BUSY_TIMEOUT)
        self.STORAGE_DIR = env.get("STORAGE_DIR") or str(var_dir / "storage")
        # Shared storage (forms_service/storage.py, README "Shared storage"): unset, files are kept in
        # STORAGE_DIR; s3://bucket/prefix keeps them in S3-compatible object storage, at S3_ENDPOINT_URL
        # for a server other than AWS's. Credentials only from the AWS_* variables boto3 reads, never
        # here. Checked now, so that a typo stops the service starting rather than failing a signing.
        self.STORAGE_URL = (env.get("STORAGE_URL") or "").strip() or None
        self.S3_ENDPOINT_URL = (env.get("S3_ENDPOINT_URL") or "").strip() or None
        self.S3_REGION = (env.get("S3_REGION") or "").strip() or None
        if self.STORAGE_URL:
            parse_url(self.STORAGE_URL)
        if self.S3_ENDPOINT_URL:
            _check_endpoint(self.S3_ENDPOINT_URL)
        # Without SECRET_KEY a random one is used: sessions end at restart, which is safe, not convenient.
        self.SECRET_KEY = env.get("SECRET_KEY") or secrets.token_hex(32)
        # The second factor (forms_service/access/mfa.py, issue 23). Roles that must use an authenticator app (the
        # others may turn one on): those whose signature or decision sends a family towards a fine or court, and
        # the administrators who manage them. A role not in models.ROLES is a typo: refused at start.
        self.MFA_REQUIRED_ROLES = _roles(env.get("MFA_REQUIRED_ROLES"), "headteacher,la_officer,admin")
        # The key(s) the TOTP secrets are encrypted with at rest (Fernet; comma-separated to rotate: the first
        # encrypts, any decrypts). Unset: in DEMO_MODE or tests a fixed demo key (with a warning); otherwise
        # the service starts but no second factor can be set up or checked, saying why (unlike SECRET_KEY, a
        # random key cannot stand in: every secret would be lost at the next restart).
        self.MFA_KEY = _fernet_keys(env.get("MFA_KEY"))
        # The demo users of those roles are enrolled with this secret (printed at start beside the demo logins).
        self.DEMO_TOTP_SECRET = _base32(env.get("DEMO_TOTP_SECRET") or DEMO_TOTP_SECRET)
        self.POLICY_PROFILE = env.get("POLICY_PROFILE", "national-2024")
        self.LA_INBOX = env.get("LA_INBOX", "legal-interventions@la.invalid")
        # Unset: `forms-service serve` starts a local sink that keeps what it receives (demo).
        self.SMTP_URL = env.get("SMTP_URL") or None
        self.MAIL_FROM = env.get("MAIL_FROM", "forms-service@localhost")
        # The address people reach the service at, for the links in its emails (issue 17: "it is your
        # turn"). From configuration, never from a request's Host header, which a client chooses.
        self.SERVICE_URL = _service_url(env.get("SERVICE_URL") or f"http://localhost:{env.get('PORT') or 5000}")
        self.DEMO_MODE = _bool(env.get("DEMO_MODE"))
        self.VAR_DIR = str(var_dir)
        # The seal on a signed pack (forms_service/referrals/seal.py, issue 24): the deployment's signing key and
        # certificate, each a PEM file's path or the PEM text itself (a secret store's variable). Unset, a key
        # and a self-signed certificate are made once under VAR_DIR/signing/: for the demonstration and tests.
        self.SIGNING_KEY = (env.get("SIGNING_KEY") or "").strip() or None
        self.SIGNING_CERT = (env.get("SIGNING_CERT") or "").strip() or None
        if bool(self.SIGNING_KEY) != bool(self.SIGNING_CERT):
            raise ValueError("Set both SIGNING_KEY and SIGNING_CERT (PEM files or PEM text), or neither")
        # An RFC 3161 timestamp authority: set, every seal carries its timestamp (PAdES B-T).
        self.SIGNING_TSA_URL = _tsa_url(env.get("SIGNING_TSA_URL"))
        # Session cookies (forms_service/security.py): never readable by scripts, not sent on
        # cross-site posts, and Secure when SESSION_COOKIE_SECURE=1 or the request came over HTTPS.
        self.SESSION_COOKIE_SECURE = _bool(env.get("SESSION_COOKIE_SECURE"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # A signed-in session ends this long after sign-in even if the browser stays open (a working day),
        # however often its cookie was re-signed since: the sign-in time is kept in the session
        # (forms_service/access/auth.py). Also the cookie signature's own limit (Flask's session lifetime).
        self.SESSION_HOURS = _number(env, "SESSION_HOURS", 12, "a number of hours above 0")
        self.PERMANENT_SESSION_LIFETIME = int(self.SESSION_HOURS * 3600)
        # ... and this long after its last request (a computer left signed in). An hour: a long question
        # page is saved well within it; a session left longer is more likely someone's unattended screen.
        self.SESSION_IDLE_MINUTES = _number(env, "SESSION_IDLE_MINUTES", 60, "a whole number of minutes, 1 or more",
                                            whole=True)
        # Reverse proxies in front of the service whose X-Forwarded-* headers are believed (ProxyFix);
        # 0: none are, so a client cannot claim another address or HTTPS.
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", 0))
        self.MAX_EVIDENCE_BYTES = int(env.get("MAX_EVIDENCE_BYTES", 10 * 1024 * 1024))
        self.MAX_REGISTER_BYTES = int(env.get("MAX_REGISTER_BYTES", 8 * 1024 * 1024))
        # A whole-school export for screening: 1,500 pupils for a year is about 16 MB.
        self.MAX_SCHOOL_REGISTER_BYTES = int(env.get("MAX_SCHOOL_REGISTER_BYTES", 40 * 1024 * 1024))
        # An LA's files of every school's marks (issue 25): only the LA screening routes take this much.
        self.MAX_LA_REGISTER_BYTES = int(env.get("MAX_LA_REGISTER_BYTES", 512 * 1024 * 1024))
        # Whole request cap: the largest upload plus room for the form fields.
        self.MAX_CONTENT_LENGTH = max(self.MAX_EVIDENCE_BYTES, self.MAX_REGISTER_BYTES,
                                      self.MAX_SCHOOL_REGISTER_BYTES) + 1024 * 1024
        self.API_TOKEN_HOURS = int(env.get("API_TOKEN_HOURS", 12))
        # Limits on what one school or one user can make the service store or do (forms_service/access/quotas.py,
        # issue 14). Evidence a school uploads, replaced and removed files included (they are kept until the
        # record's retention ends): 5 GB is about 6 years of a large secondary's referrals at a few MB of
        # scans each. Uploads (evidence, register marks) and heavy jobs (a whole-school screen, a bulk-letter
        # run) per user per clock hour: far above a busy office's pace, low enough to stop a script.
        self.SCHOOL_STORAGE_QUOTA = parse_size(env.get("SCHOOL_STORAGE_QUOTA") or "5GB", "SCHOOL_STORAGE_QUOTA")
        self.UPLOADS_PER_HOUR = _number(env, "UPLOADS_PER_HOUR", 120, WHOLE, whole=True)
        self.HEAVY_JOBS_PER_HOUR = _number(env, "HEAVY_JOBS_PER_HOUR", 20, WHOLE, whole=True)
        # Sign-in throttling (forms_service/access/throttle.py, which says why these numbers). One account from
        # one network address: LOGIN_MAX_FAILURES wrong passwords free, then a wait of
        # LOGIN_BACKOFF_SECONDS that doubles with each further one, up to LOGIN_LOCK_MINUTES.
        self.LOGIN_MAX_FAILURES = _number(env, "LOGIN_MAX_FAILURES", 5, WHOLE, whole=True)
        self.LOGIN_BACKOFF_SECONDS = _number(env, "LOGIN_BACKOFF_SECONDS", 60, WHOLE, whole=True)
        self.LOGIN_LOCK_MINUTES = _number(env, "LOGIN_LOCK_MINUTES", 15, WHOLE, whole=True)
        # One account from every address it has not signed in from: this many wrong passwords free, then
        # 1 s doubling up to LOGIN_ACCOUNT_MAX_WAIT_SECONDS (low: it must slow an attacker, never wall a user).
        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = _number(env, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 20, WHOLE, whole=True)
        self.LOGIN_ACCOUNT_MAX_WAIT_SECONDS = _number(env, "LOGIN_ACCOUNT_MAX_WAIT_SECONDS", 60, WHOLE, whole=True)
        # One network address: how many *different* accounts may have wrong passwords not yet followed by a
        # right one before a further account's first attempt waits (1 s doubling, up to LOGIN_LOCK_MINUTES).
        self.LOGIN_MAX_FAILURES_PER_IP = _number(env, "LOGIN_MAX_FAILURES_PER_IP", 30, WHOLE, whole=True)
        # A run of wrong passwords with no attempt for this long is forgotten.
        self.LOGIN_FORGET_HOURS = _number(env, "LOGIN_FORGET_HOURS", 24, WHOLE, whole=True)
        if self.LOGIN_FORGET_HOURS * 60 < self.LOGIN_LOCK_MINUTES:  # a wait would be forgotten before it ended
            raise ValueError("LOGIN_FORGET_HOURS must be at least as long as LOGIN_LOCK_MINUTES")
        # "Forgot your password?" (forms_service/access/resets.py): the emailed link works once and for this many
        # minutes. Half an hour: time to reach the mailbox and use it, short enough that a link left in a mailbox
        # (or read by whoever can see that mailbox later) is of no use. At most a day.
        self.PASSWORD_RESET_MINUTES = _number(env, "PASSWORD_RESET_MINUTES", 30, "a whole number of minutes, 1 to 1440",
                                              whole=True)
        if self.PASSWORD_RESET_MINUTES > 24 * 60:
            raise ValueError(f"PASSWORD_RESET_MINUTES must be a whole number of minutes, 1 to 1440: "
                             f"{self.PASSWORD_RESET_MINUTES!r} is not")
        # Links asked for in an hour (forms_service/access/throttle.py): per email address, so that the form cannot
        # fill someone's inbox; per network address, so that it cannot be run down a list of addresses (a
        # school's staff share one address: far above what they ask for).
        self.PASSWORD_RESETS_PER_EMAIL = _number(env, "PASSWORD_RESETS_PER_EMAIL", 3, WHOLE, whole=True)
        self.PASSWORD_RESETS_PER_IP = _number(env, "PASSWORD_RESETS_PER_IP", 20, WHOLE, whole=True)
        # Single sign-on (forms_service/access/oidc.py, README "Single sign-on"): offered only when all three are
        # set. The issuer exactly as the provider's metadata names it; https, or http on this machine only (a
        # test or a local provider): over plain http anyone on the way could read the tokens.
        self.OIDC_ISSUER = _issuer(env.get("OIDC_ISSUER"))
        self.OIDC_CLIENT_ID = (env.get("OIDC_CLIENT_ID") or "").strip() or None
        self.OIDC_CLIENT_SECRET = env.get("OIDC_CLIENT_SECRET") or None
        # Off: an SSO sign-in still asks for this service's own second factor. On: not when the provider's ID
        # token says (its `amr`) that it checked more than one factor itself (access/oidc.py asserts_mfa).
        self.OIDC_TRUST_PROVIDER_MFA = _bool(env.get("OIDC_TRUST_PROVIDER_MFA"))
        # The ID token's `hd` (Google Workspace's hosted domain) must be the email address's domain: on by default
        # for Google's issuer, where anyone can have Google verify a work address on a personal account.
        self.OIDC_REQUIRE_HOSTED_DOMAIN = _bool(env.get("OIDC_REQUIRE_HOSTED_DOMAIN"),
                                                default=self.OIDC_ISSUER == "https://accounts.google.com")
        self.WORKER_POLL_SECONDS = float(env.get("WORKER_POLL_SECONDS", 2))
        # Long jobs (letters in bulk, LA screens: forms_service/background/runner.py) run in a thread of the web
        # process when this is on (the embedded default: one process); a deployment that runs `forms-service
        # worker` processes for them turns it off, so that web processes only queue them.
        self.JOBS_IN_WEB = _bool(env.get("JOBS_IN_WEB"), default=True)
        # How long a runner's claim on a job lasts unless renewed (it is renewed every third of it while the job
        # runs): how long a job whose runner died waits before another takes it over. Two minutes; the crash test
        # uses a few seconds.
        self.JOB_LEASE_SECONDS = _number(env, "JOB_LEASE_SECONDS", 120, "a number of seconds, 3 or more")
        if self.JOB_LEASE_SECONDS < 3:
            raise ValueError("JOB_LEASE_SECONDS must be a number of seconds, 3 or more")
        # The daily digest of what falls due (forms_service/reminders/digest.py): from this hour of the day in
        # England (0-23) a delivery worker makes the day's digests, once a day, however many workers run (7:
        # in the office's inbox before the school day starts); "off": only `forms-service digest` makes
        # them (from cron).
        self.DIGEST_HOUR = _digest_hour(env.get("DIGEST_HOUR"))
        self.DELIVERY_MAX_ATTEMPTS = int(env.get("DELIVERY_MAX_ATTEMPTS", 12))
        # The wait before the first retry of a message the mail server did not take; it doubles with
        # each failure up to an hour (+0-10% jitter). A minute: a mail server restarting or a brief
        # network cut is usually over by then, and twelve attempts then cover about half a day.
        # Only the fault tests shorten it (to about a second) so that they run in seconds.
        self.DELIVERY_BACKOFF_SECONDS = float(env.get("DELIVERY_BACKOFF_SECONDS", 60))
        # How long a worker's claim on a message lasts. It must outlast sending one message (the
        # SMTP timeout is 30 s per step; a pack of several 10 MB files to a slow server takes a
        # while); a worker killed mid-send leaves its messages this long before another worker
        # retries them (with the same Message-ID). Five minutes; the fault tests use about a second.
        self.DELIVERY_CLAIM_SECONDS = float(env.get("DELIVERY_CLAIM_SECONDS", 300))
        for name in ("DELIVERY_BACKOFF_SECONDS", "DELIVERY_CLAIM_SECONDS", "DATABASE_BUSY_TIMEOUT",
                     "DATABASE_SILENCE_TIMEOUT"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a number of seconds above 0")
        # The watchdog of `forms-service worker` (delivery.py, run_worker): a step of a delivery round that
        # takes longer ends the process for its supervisor to restart. A message's step is useful while its
        # claim lasts; 30 s more is one SMTP timeout (mail.py), for a send still waiting on the mail server
        # when the claim ran out to end by itself. Shorter than the claim, a slow send that would have gone
        # out would be killed instead, and five such sends fail the message.
        watchdog = env.get("WORKER_WATCHDOG_SECONDS")
        self.WORKER_WATCHDOG_SECONDS = float(watchdog) if watchdog else self.DELIVERY_CLAIM_SECONDS + 30
        if not self.WORKER_WATCHDOG_SECONDS > self.DELIVERY_CLAIM_SECONDS:
            raise ValueError(f"WORKER_WATCHDOG_SECONDS must be more than DELIVERY_CLAIM_SECONDS "
                             f"({self.DELIVERY_CLAIM_SECONDS:g} s): a message's send may take its whole claim")
        if self.DATABASE_CONNECT_TIMEOUT < 2:
            raise ValueError("DATABASE_CONNECT_TIMEOUT must be a whole number of seconds, 2 or more")
        # Retention (issue 5, README "Data protection"): how long each kind of record is kept after
        # its last change; `forms-service purge` removes what is past it. Values: "<n>y" (calendar
        # years), "<n>d" or a bare number (days). Checked here so a typo stops the service starting.
        for name, default in RETENTION_DEFAULTS.items():
            value = env.get(name) or default
            parse_period(value, name)
            setattr(self, name, value)
        # hide_parameters: a database error's message (which may reach a log) names no pupil's details.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
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
    # Letters made in bulk (forms_service/letters/jobs.py): the zip of every family's letter is the school's to
    # download and send; the service's copy is only a delivery, so it goes a week after it was made.
    "RETENTION_BULK_LETTERS": "7d",
    # An LA-wide screen's list (forms_service/cases/screen_jobs.py: UPNs, attendance, what the service holds),
    # kept for the officer to come back to and download: a week, as for letters made in bulk. The counts of each
    # LA's latest screen (no pupil in them) stay for the dashboard.
    "RETENTION_LA_SCREENS": "7d",
    # The record that an account signed in from a network address (forms_service/access/throttle.py): the address
    # counts as known to the account for this long after its last use there, so that failures sprayed from
    # elsewhere do not slow it there: a term. (Counts of failures go LOGIN_FORGET_HOURS after the last one.)
    "RETENTION_SIGN_IN": "90d",
    # The school's pupils as its MIS exported them (forms_service/roll/): a copy for choosing a pupil when
    # starting a letter, refreshed by each import. A school year and a term after the last import it is
    # out of date (pupils left, families moved) and held for nothing: it goes.
    "RETENTION_ROLL": "1y",
    # A password-reset link (forms_service/access/resets.py: the SHA-256 of its token, whose account, when it was
    # sent, used or expired) and the email that carried it: kept a day after the link expired, to answer "the
    # link did not work" while it is fresh; the link itself is of no use once expired.
    "RETENTION_PASSWORD_RESET": "1d",
    # A school's daily digest of what falls due (forms_service/reminders/digest.py: its row, counts only, and its
    # emails, which name children by initials and records by reference): kept as long as any delivered email's
    # text is (RETENTION_OUTBOX_BODY), to answer "were we reminded?" while it matters; then both go. The records
    # themselves, and what falls due on them, stay with the records.
    "RETENTION_DIGEST": "90d",
}
# Audit events have no period of their own: they are kept as long as the referral they belong to and
# are deleted with it (forms_service/records/retention.py).


def retention_period(settings, name: str) -> tuple[int, str]:
    """The retention setting `name` (e.g. RETENTION_SIGN_IN) as the app's settings give it, else its default."""
    return parse_period(settings.get(name) or RETENTION_DEFAULTS[name], name)


def parse_period(value: str, name: str = "period") -> tuple[int, str]:
    """"6y" -> (6, "years"); "90d" or "90" -> (90, "days"). ValueError naming the setting otherwise."""
    match = re.fullmatch(r"\s*(\d{1,5})\s*(y|years?|d|days?)?\s*", str(value), flags=re.IGNORECASE)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{name}: {value!r} is not a retention period; write e.g. 6y (years) or 90d (days)")
    unit = (match.group(2) or "d").lower()
    return int(match.group(1)), ("years" if unit.startswith("y") else "days")


WHOLE = "a whole number, 1 or more"
# The demo's authenticator secret (base32, 160 bits as RFC 4226 recommends): public, like the demo password.
DEMO_TOTP_SECRET = "DEMOTOTPSECRETFORTHEFORMSSERVICE"
_ROLE_NAMES = ("office", "headteacher", "la_officer", "admin")  # models.ROLES (the root's config imports no models)


def _roles(value: str | None, default: str) -> tuple[str, ...]:
    """MFA_REQUIRED_ROLES: comma-separated role names (may be empty: "none")."""
    value = default if value is None else value
    roles = tuple(r.strip() for r in value.split(",") if r.strip() and r.strip().lower() != "none")
    if unknown := [r for r in roles if r not in _ROLE_NAMES]:
        raise ValueError(f"MFA_REQUIRED_ROLES: {', '.join(unknown)} is not a role; "
                         f"the roles are {', '.join(_ROLE_NAMES)}")
    return roles


def _fernet_keys(value: str | None) -> tuple[str, ...] | None:
    """MFA_KEY: one or more Fernet keys (32 bytes, URL-safe base64), comma-separated; ValueError naming it,
    never repeating it, otherwise."""
    keys = tuple(k.strip() for k in (value or "").split(",") if k.strip())
    for key in keys:
        try:
            ok = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise ValueError("MFA_KEY must be Fernet keys (32 bytes in URL-safe base64), comma-separated; make one with: "
                             "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'")
    return keys or None


def _base32(value: str) -> str:
    """DEMO_TOTP_SECRET: base32, at least 16 characters (80 bits)."""
    secret = value.strip().replace(" ", "").upper()
    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        secret = ""
    if len(secret) < 16:
        raise ValueError("DEMO_TOTP_SECRET must be base32 (A-Z, 2-7), at least 16 characters")
    return secret



def _issuer(value: str | None) -> str | None:
    """OIDC_ISSUER: an https address without a query or fragment (http only for localhost or 127.0.0.1)."""
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    loopback = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not (parts.scheme == "https" or loopback) or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise ValueError("OIDC_ISSUER must be the provider's https address, such as "
                         "https://login.microsoftonline.com/<tenant>/v2.0 (no query)")
    return value


def _digest_hour(value: str | None) -> int | None:
    """DIGEST_HOUR: a whole hour 0-23 (default 7), or "off"; ValueError naming it otherwise."""
    value = (value or "7").strip().lower()
    if value == "off":
        return None
    if not value.isdigit() or not 0 <= int(value) <= 23:
        raise ValueError(f"DIGEST_HOUR must be an hour of the day, 0 to 23, or off: {value!r} is not")
    return int(value)


def _number(env, name: str, default: float, what: str, *, whole: bool = False) -> float:
    """A setting that is a positive number (whole if `whole`); ValueError naming it otherwise."""
    value = env.get(name) or default
    try:
        number = int(value) if whole else float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 < number < float("inf"):  # also refuses nan
        raise ValueError(f"{name} must be {what}: {value!r} is not")
    return number


def parse_size(value: str, name: str = "size") -> int:
    """"5GB" -> 5 * 1024**3 bytes; KB, MB, GB and TB (of 1024), or a bare number of bytes. ValueError
    naming the setting otherwise."""
    match = re.fullmatch(r"\s*(\d{1,12})\s*(b|kb|mb|gb|tb)?\s*", str(value), flags=re.IGNORECASE)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{name}: {value!r} is not a size; write e.g. 5GB or 500MB")
    power = ("b", "kb", "mb", "gb", "tb").index((match.group(2) or "b").lower())
    return int(match.group(1)) * 1024 ** power


def _check_endpoint(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if "@" in parts.netloc:  # checked first: the message must not repeat a secret
        raise ValueError("S3_ENDPOINT_URL must not carry credentials: set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY in the environment instead")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"S3_ENDPOINT_URL: {url!r} is not a web address; write e.g. https://s3.example.org")


def _with_timeouts(url: str, connect_timeout: int, busy_timeout: float) -> str:
    """The URL with the driver's timeout (psycopg `connect_timeout`, sqlite3 `timeout`) unless it
    names one itself."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    key, value = {"postgresql": ("connect_timeout", str(connect_timeout)),
                  "sqlite": ("timeout", f"{busy_timeout:g}")}.get(backend, (None, None))
    if key is None or key in parsed.query:
        return url
    return parsed.update_query_dict({key: value}).render_as_string(hide_password=False)


def _database_url(url: str) -> str:
    # PostgreSQL URLs as people write them use the psycopg (3) driver we install.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
