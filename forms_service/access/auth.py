"""Who is asking: web sessions (Flask-Login), API bearer tokens, roles, and record scoping.

Every read of referrals goes through `visible_referrals`, so scoping lives in one place.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from functools import wraps
from urllib.parse import urlsplit, urlunsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_url, login_user, logout_user

from ..models import ApiToken, CalendarFeed, PasswordResetToken, Referral, User, db, utcnow
from .accounts import hash_password

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"

# Referrals an LA sees: only those a headteacher has signed and sent.
LA_VISIBLE_STATUSES = ("signed", "returned", "accepted")


class WebUser:
    """Flask-Login's view of a User (kept apart so the model stays a plain table)."""

    def __init__(self, user: User):
        self.user = user
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return str(self.user.id)

    def __getattr__(self, name):
        return getattr(self.user, name)


# The session key holding the user's session generation at sign-in (models.User.session_generation).
GENERATION = "_generation"
# When the session signed in, and when it last made a request (whole seconds since the epoch), kept in
# the signed cookie: a session ends SESSION_HOURS after sign-in and SESSION_IDLE_MINUTES after its last
# request. The cookie's own signature time is no use for either: every response that changes the session
# (a flash message, a new CSRF token) signs it again, which would make the lifetime slide.
SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
# The last-request time is written again only once it is this old, not on every request: Flask's cookie
# sessions are last-writer-wins, and a response re-signing the cookie for nothing can overwrite what a
# request running beside it put there (a flash message). So a session ends between SESSION_IDLE_MINUTES
# less a minute and SESSION_IDLE_MINUTES after its last request.
SEEN_EVERY = 60
# What a signed-in session holds beyond an anonymous one (Flask-Login's keys and ours).
SIGNED_IN_KEYS = ("_user_id", "_fresh", "_id", "_remember", GENERATION, SIGNED_IN_AT, SEEN_AT)


def now() -> float:
    """The time the session checks use (the tests set it)."""
    return time.time()


def _ended(at: float) -> str | None:
    """Why this request's signed-in session has ended ("lifetime", "idle", "old"), or None while it lasts."""
    signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in, int) or not isinstance(seen, int):
        return "old"  # signed in before sessions carried their times: sign in again, once
    if at - signed_in >= current_app.config["SESSION_HOURS"] * 3600:
        return "lifetime"
    if at - seen >= current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    return None


@login_manager.user_loader
def _load_user(user_id: str):
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session.get(GENERATION) != user.session_generation:
        return None  # deactivated, or the password was reset or the user signed out since
    at = now()
    if reason := _ended(at):
        # The cookie no longer names the user, so nothing can revive it. Only the sign-in is dropped, not
        # the whole session: the page may already have put its form's CSRF token there (the sign-in page).
        for key in SIGNED_IN_KEYS:
            session.pop(key, None)
        g.session_ended = reason
        return None
    if at - session[SEEN_AT] >= SEEN_EVERY:
        session[SEEN_AT] = int(at)
    return WebUser(user)


def ended_reason(reason: str) -> str:
    """The sentence saying why a session ended by itself."""
    if reason == "idle":
        minutes = current_app.config["SESSION_IDLE_MINUTES"]
        return f"Your session has ended because you were inactive for {minutes} minute{'s' if minutes != 1 else ''}."
    if reason == "lifetime":
        hours = current_app.config["SESSION_HOURS"]
        return f"Your session has ended because you signed in {hours:g} hour{'s' if hours != 1 else ''} ago."
    return "Your session has ended."


@login_manager.unauthorized_handler
def _unauthorized():
    """To the sign-in page, and back here afterwards (Flask-Login's own behaviour). A session that
    ended by itself says why; if a form was being sent, it says that what was typed was not saved
    (it cannot be kept for later: the session cookie is signed, not encrypted, so it never holds a
    child's details)."""
    reason = g.pop("session_ended", None)
    if reason is None:
        message = login_manager.login_message
    elif request.method == "POST":
        message = (f"{ended_reason(reason)} What you entered on the page you were on has not been saved: "
                   "sign in again, then enter it again.")
    else:
        message = f"{ended_reason(reason)} Sign in again to continue."
    flash(message, "info")
    return redirect(login_url(login_manager.login_view, _return_to()))


def _return_to() -> str:
    """Where to come back to after signing in: this page, or for a form sent, the page it was on
    (its address may take only a POST); only ever a page of this site."""
    referrer = urlsplit(request.referrer or "")
    if request.method == "POST" and referrer.netloc == request.host and referrer.path.startswith("/"):
        return urlunsplit(("", "", referrer.path, referrer.query, ""))
    return request.url


def start_session(user: User) -> None:
    """Sign in with a fresh session: nothing from before sign-in is kept (a session, or a CSRF token,
    planted by someone else is dropped: session fixation)."""
    session.clear()
    login_user(WebUser(user))
    session[GENERATION] = user.session_generation
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(now())


def end_sessions(user: User) -> None:
    """End every browser session of `user` (the caller commits)."""
    user.session_generation = (user.session_generation or 0) + 1


def end_session() -> None:
    """Sign out: this browser's session is cleared, and the user's others end too, so a copy of the
    cookie (from a shared computer, a proxy log) no longer signs anyone in."""
    if current_user.is_authenticated:
        end_sessions(current_user.user)
        db.session.commit()
    logout_user()
    session.clear()


# What a user whose password an administrator set may still reach: everything else on the web sends
# them to "Set your password"; the API issues them no token (api/tokens.py).
PASSWORD_FIRST_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.login", "static", "healthz",
                            # "Forgot your password?": pages for anyone, signed in or not
                            "auth.forgot_password", "auth.reset_link_sent", "auth.reset_link", "auth.reset_password"}


def _password_first():
    if request.endpoint in PASSWORD_FIRST_ENDPOINTS or request.path.startswith("/api/"):
        return None
    if current_user.is_authenticated and current_user.user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


def init_app(app) -> None:
    login_manager.init_app(app)
    app.before_request(_password_first)


def replace_password(user: User, password: str) -> int:
    """A new password for `user`: whoever knew the old one is out, so every API token is revoked and
    every browser session ended, except this browser's when it is the user's own (the caller commits).
    How many tokens were revoked."""
    user.password_hash = hash_password(password)
    revoked = revoke_tokens(user)
    end_sessions(user)
    if current_user.is_authenticated and current_user.user.id == user.id:
        session[GENERATION] = user.session_generation
    return revoked


def revoke_tokens(user: User) -> int:
    """Delete every API token of `user`, any password-reset link not yet used (a new password or a
    deactivation: an emailed link must not undo it) and their calendar feed's address (reminders/feed.py:
    whoever knew the old password may have made one). The caller commits; how many API tokens there were."""
    tokens = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id)).all()
    for token in tokens:
        db.session.delete(token)
    db.session.execute(db.delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id,
                                                           PasswordResetToken.used_at.is_(None)),
                       execution_options={"synchronize_session": False})
    db.session.execute(db.delete(CalendarFeed).where(CalendarFeed.user_id == user.id),
                       execution_options={"synchronize_session": False})
    return len(tokens)


def web_user() -> User | None:
    return current_user.user if current_user.is_authenticated else None


# --- API tokens -------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_HOURS"]
    db.session.add(ApiToken(user=user, token_sha256=_token_hash(token),
                            expires_at=utcnow() + dt.timedelta(hours=hours)))
    db.session.commit()
    return token


def bearer_token() -> ApiToken | None:
    """The request's bearer token, if it is one we issued, not expired nor revoked, of an active user."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = db.session.scalar(db.select(ApiToken).filter_by(token_sha256=_token_hash(token.strip())))
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row


def user_from_bearer() -> User | None:
    row = bearer_token()
    return row.user if row is not None else None


def api_user() -> User:
    return g.api_user


# --- roles and scoping ------------------------------------------------------------------------

def require_roles(*roles: str):
    """Web views: signed in, with one of these roles (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def visible_referrals(user: User):
    """A SELECT of the referrals this user may see: their school's, or their LA's sent ones."""
    query = db.select(Referral)
    if user.role in ("office", "headteacher"):
        return query.where(Referral.school_id == user.school_id)
    if user.role == "la_officer":
        return query.where(Referral.la_id == user.la_id, Referral.status.in_(LA_VISIBLE_STATUSES))
    if user.role == "admin":
        return query.where(Referral.la_id == user.la_id)
    return query.where(db.false())


def get_visible_referral(user: User, referral_id: int) -> Referral:
    """The referral, or 404 — also when it exists but belongs to someone else (no leak)."""
    referral = db.session.scalar(visible_referrals(user).where(Referral.id == referral_id))
    if referral is None:
        abort(404)
    return referral
