"""The second factor (issue 23): an authenticator app's codes (TOTP, RFC 6238) and single-use recovery codes.

- Who: the roles in MFA_REQUIRED_ROLES must have one; anyone else may turn one on (`needed`).
- The secret (pyotp's 160 random bits) is kept encrypted with MFA_KEY (Fernet: AES-128-CBC with an HMAC-SHA256,
  authenticated, and MultiFernet lets the key be rotated), in its own table, never beside the password hash
  in clear. Without MFA_KEY, DEMO_MODE and the tests use a fixed demo key (a warning at start); a real
  deployment refuses to set up or check a second factor, saying why (`Unavailable`), rather than use a key
  that would be lost at the next restart.
- A code is accepted for the time step it was made in or the one either side (clocks drift, people type
  slowly: 30 s each way), and only for a step later than the last one accepted for that user: a code seen
  over a shoulder or replayed from a log is refused. The step is taken by one conditional UPDATE
  (`last_step < step`), so of two sign-ins racing with one code only one wins, on SQLite and PostgreSQL.
- Recovery codes: ten, shown once, 80 random bits each, kept as SHA-256 (like the API tokens and the calendar
  feed's secret). A slow hash (Argon2, as for passwords) protects guessable secrets; 80 random bits are out
  of reach of any guessing, and a fast hash lets a code be found by its hash and used up by one conditional
  UPDATE (`used_at IS NULL`), so it works once however many try it at once.
- Throttling is the sign-in's (access/throttle.py), done by the callers: a code is an attempt at the account.

The caller commits, and ends the user's other sessions and API tokens when a factor changes (web/second_factor).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, or_, select, update

from ..models import RecoveryCode, SecondFactor, User, db, utcnow

STEP = 30  # seconds: RFC 6238's default, and what every authenticator app assumes
WINDOW = 1  # steps either side of now still accepted
DIGITS = 6
RECOVERY_CODES = 10
ISSUER = "Attendance forms"  # the name the authenticator app shows beside the account
_DEMO_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"forms-service demo MFA key: never for real data").digest())
log = logging.getLogger(__name__)


class Unavailable(Exception):
    """No MFA_KEY in a real deployment: no secret can be encrypted or read."""

    def __str__(self) -> str:
        return ("The service cannot check or set up a second factor: its administrator has not set MFA_KEY. "
                "Ask them to set it, then try again.")


def now() -> float:
    """The time codes are checked at (the tests step it forward: tests/support/totp.py)."""
    return time.time()


def step_at(at: float) -> int:
    return int(at // STEP)


# --- who needs one --------------------------------------------------------------------------------

def required(user: User) -> bool:
    return user.role in current_app.config.get("MFA_REQUIRED_ROLES", ())


def factor_of(user: User) -> SecondFactor | None:
    return db.session.scalar(select(SecondFactor).where(SecondFactor.user_id == user.id))


def enrolled(user: User) -> bool:
    return factor_of(user) is not None


def needed(user: User) -> bool:
    """Whether signing in takes a code: the role requires one, or the user turned one on."""
    return required(user) or enrolled(user)


# --- the key --------------------------------------------------------------------------------------

def demo_key_in_use(config) -> bool:
    return not config.get("MFA_KEY") and bool(config.get("DEMO_MODE") or config.get("TESTING"))


def available() -> bool:
    config = current_app.config
    return bool(config.get("MFA_KEY")) or demo_key_in_use(config)


def _fernet() -> MultiFernet:
    config = current_app.config
    if config.get("MFA_KEY"):
        return MultiFernet([Fernet(key) for key in config["MFA_KEY"]])
    if demo_key_in_use(config):
        return MultiFernet([Fernet(_DEMO_KEY)])
    raise Unavailable


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def unseal(token: str) -> str | None:
    """The text sealed, or None if it was not sealed with a key in MFA_KEY (a key removed, a forged value)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def init_app(app) -> None:
    """Say at start what the key situation means (the entry points call it)."""
    if demo_key_in_use(app.config):
        if app.config.get("DEMO_MODE"):
            log.warning("MFA_KEY is not set: the second factors' secrets are encrypted with a fixed demo key. "
                        "Set MFA_KEY before real accounts use the service.")
    elif not app.config.get("MFA_KEY") and app.config.get("MFA_REQUIRED_ROLES"):
        log.warning("MFA_KEY is not set: no second factor can be set up or checked, so the roles %s cannot sign "
                    "in. Set MFA_KEY (a Fernet key).", ", ".join(app.config["MFA_REQUIRED_ROLES"]))


# --- secrets and codes ----------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()  # 32 characters: 160 bits, RFC 4226's recommended length


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The otpauth: address as an inline SVG QR code (segno writes only its own markup: no user text is
    evaluated; the email in it is escaped as an attribute-free path's data)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#0b0c0c", light="#ffffff",
                                                title="QR code for your authenticator app", svgclass="app-qr")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # named by its <title>


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP).at(step * STEP)


def _clean(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def is_totp(code: str | None) -> bool:
    cleaned = _clean(code)
    return len(cleaned) == DIGITS and cleaned.isdigit()


def matching_step(secret: str, code: str | None, *, after: int | None = None, at: float | None = None) -> int | None:
    """The time step within the window whose code `code` is, later than `after`; None if none."""
    cleaned = _clean(code)
    if len(cleaned) != DIGITS or not cleaned.isdigit():
        return None
    current = step_at(now() if at is None else at)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if (after is None or step > after) and hmac.compare_digest(code_at(secret, step), cleaned):
            return step
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 16 characters, 80 bits
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for `user`, replacing any before (the caller commits): shown once, then only
    their hashes exist."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id),
                       execution_options={"synchronize_session": False})
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_sha256=_code_hash(code)) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(db.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- enrolling, checking, resetting -----------------------------------------------------------------

def set_secret(user: User, secret: str, *, last_step: int | None = None) -> SecondFactor:
    """Make `secret` the user's (replacing any before; the caller commits)."""
    factor = factor_of(user)
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret_encrypted=seal(secret), last_step=last_step)
        db.session.add(factor)
    else:
        factor.secret_encrypted, factor.last_step, factor.created_at = seal(secret), last_step, utcnow()
    db.session.flush()
    return factor


def enrol(user: User, secret: str, code: str | None) -> list[str] | None:
    """Confirm a new app: `code` must be one of `secret`'s codes now. The secret becomes the user's (that
    step counts as used) with ten new recovery codes, returned; None if the code is not right."""
    step = matching_step(secret, code)
    if step is None:
        return None
    set_secret(user, secret, last_step=step)
    return new_recovery_codes(user)


def verify(user: User, code: str | None) -> str | None:
    """Check a code from the user's app ("totp") or a recovery code ("recovery"), using it up; None if it is
    not right, already used, or a replay of a step already accepted. In the caller's transaction."""
    factor = factor_of(user)
    if factor is None or not _clean(code):
        return None
    if is_totp(code):
        secret = unseal(factor.secret_encrypted)
        step = matching_step(secret, code, after=factor.last_step) if secret else None
        if step is None:
            return None
        taken = db.session.execute(
            update(SecondFactor).where(SecondFactor.id == factor.id,
                                       or_(SecondFactor.last_step.is_(None), SecondFactor.last_step < step))
            .values(last_step=step), execution_options={"synchronize_session": False}).rowcount
        db.session.expire(factor)
        return "totp" if taken == 1 else None
    used = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_sha256 == _code_hash(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()), execution_options={"synchronize_session": False}).rowcount
    return "recovery" if used == 1 else None


def reset(user: User) -> bool:
    """Remove the user's app and recovery codes (the caller ends their sessions and tokens, and commits);
    whether there was one."""
    removed = db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id),
                                 execution_options={"synchronize_session": False}).rowcount
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id),
                       execution_options={"synchronize_session": False})
    return bool(removed)
