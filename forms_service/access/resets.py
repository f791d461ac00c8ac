""""Forgot your password?" (issue 18): a link by email that sets a new password, once.

- Asking (`request_link`): for an active account with that email address, a random token
  (`secrets.token_urlsafe(32)`, 256 bits) goes by email through the outbox (kind `password_reset`, whose
  text is cleared once sent: delivery/outbox.py) as a link at SERVICE_URL; only its SHA-256 is stored
  (models.PasswordResetToken), so the database holds nothing that opens it. The link works for
  PASSWORD_RESET_MINUTES (30) and once; a newer link for the account, a new password however it was set,
  or a deactivation removes the unused ones (auth.revoke_tokens). An unknown or deactivated address
  gets nothing, and the person asking sees the same page either way (no way to learn who has an account);
  the work differs only by the rows written. How often one may ask: throttle.reserve_reset.
- Using it (`redeem`): the link is used up by one conditional UPDATE (not used, not expired), so two
  tabs or two clicks cannot both use it; then the password is replaced as an admin's reset does
  (auth.replace_password: every browser session and API token of the account ends), "Set your password"
  is no longer required, the account's sign-in throttle is cleared (the remedy for a lock-out) and the
  audit trail records it (`password_reset_by_email`, never a token).
- Retention (`purge_expired`): a link's row, and its email's, go RETENTION_PASSWORD_RESET (a day) after
  it expired.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..audit import record
from ..config import retention_period
from ..dates import add_period
from ..delivery.mail import FOOTER, link, service_message_id
from ..delivery.outbox import RESET_LINK_KIND
from ..models import OutboxMessage, PasswordResetToken, User, db, utcnow
from . import throttle
from .auth import replace_password

T = PasswordResetToken
SUBJECT = "Reset your password - attendance legal-intervention forms service"
REQUESTED, RESET = "password_reset_requested", "password_reset_by_email"
# Longer than any token we make (43 characters): anything longer is not worth hashing.
MAX_TOKEN = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def minutes() -> int:
    return current_app.config["PASSWORD_RESET_MINUTES"]


def lasts() -> str:
    """How long a link works, as a sentence's end: "30 minutes"."""
    n = minutes()
    return f"{n} minute{'s' if n != 1 else ''}"


def request_link(email: str) -> None:
    """Email a link to the active account with this (trimmed, lower-case) address, if there is one;
    nothing otherwise. The token is made either way, and one audit event is written either way. Commits."""
    token = secrets.token_urlsafe(32)
    digest = token_hash(token)
    user = db.session.scalar(select(User).filter_by(email=email))
    if user is not None and user.active:
        now = utcnow()
        # Only the newest link works: one asked for again replaces the one that did not arrive.
        db.session.execute(delete(T).where(T.user_id == user.id, T.used_at.is_(None)),
                           execution_options={"synchronize_session": False})
        db.session.add(T(user_id=user.id, token_sha256=digest, created_at=now,
                         expires_at=now + dt.timedelta(minutes=minutes())))
        db.session.add(OutboxMessage(kind=RESET_LINK_KIND, referral_id=None, pack_id=None, recipient=user.email,
                                     subject=SUBJECT, body=_body(token), message_id=service_message_id()))
    # The account's trail says a link was asked for (and whether one went); an unknown address leaves no
    # email behind, only that the form was used, and from where.
    record(REQUESTED, user=user, actor=None if user is not None else "anonymous",
           detail={"sent": bool(user is not None and user.active)} if user is not None else {"account": False})
    db.session.commit()


def _body(token: str) -> str:
    # No name, school or role: whoever reads this mailbox learns only that the address has an account here.
    return "\n".join([
        "Someone asked to reset the password for your account on the attendance legal-intervention forms service.",
        "",
        f"To choose a new password, open this link. It works once, and only for {lasts()}:",
        link("auth.reset_link", token=token),
        "",
        "If you did not ask to reset your password, ignore this email: your password has not changed.",
        "",
        FOOTER,
    ]) + "\n"


def find(digest: str | None, now: dt.datetime | None = None) -> PasswordResetToken | None:
    """The link with this token's SHA-256 while it still works (not used, not expired, its account active)."""
    if not isinstance(digest, str) or len(digest) != 64:
        return None
    row = db.session.scalar(select(T).where(T.token_sha256 == digest))
    if row is None or row.used_at is not None or row.expires_at <= (now or utcnow()) or not row.user.active:
        return None
    return row


def find_token(token: str) -> str | None:
    """The SHA-256 of a token from a link's address, if that link still works."""
    if len(token) > MAX_TOKEN:
        return None
    digest = token_hash(token)
    return digest if find(digest) is not None else None


def redeem(digest: str, password: str) -> User | None:
    """Use up the link and give its account `password`; the account, or None if the link no longer works
    (used meanwhile, expired, its account deactivated: nothing changes). Commits."""
    now = utcnow()
    used = db.session.execute(update(T).where(T.token_sha256 == digest, T.used_at.is_(None), T.expires_at > now)
                              .values(used_at=now), execution_options={"synchronize_session": False}).rowcount
    row = db.session.scalar(select(T).where(T.token_sha256 == digest)) if used == 1 else None
    if row is None or not row.user.active:
        db.session.rollback()
        return None
    user = row.user
    revoked = replace_password(user, password)
    user.must_change_password = False  # the password is the user's own now
    throttle.clear(user.email)
    record(RESET, user=user, detail={"api_tokens_revoked": revoked})
    db.session.commit()
    return user


def purge_expired(now: dt.datetime, report, dry_run: bool) -> None:
    """Remove links RETENTION_PASSWORD_RESET after they expired, and the emails that carried them
    (records/retention.purge, in its transaction)."""
    before = add_period(now, *retention_period(current_app.config, "RETENTION_PASSWORD_RESET"), -1)
    links = T.expires_at < before
    # An email's link expired PASSWORD_RESET_MINUTES after it was queued.
    emails = (OutboxMessage.kind == RESET_LINK_KIND) & (
        OutboxMessage.created_at < before - dt.timedelta(minutes=minutes()))
    for name, model, old in (("password_reset_tokens", T, links), ("password_reset_emails", OutboxMessage, emails)):
        if count := db.session.scalar(select(func.count()).select_from(model).where(old)):
            report.rows[name] += count
            if not dry_run:
                db.session.execute(delete(model).where(old), execution_options={"synchronize_session": False})
