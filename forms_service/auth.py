"""Who is asking: web sessions (Flask-Login), API bearer tokens, roles, and record scoping.

Every read of referrals goes through `visible_referrals`, so scoping lives in one place.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import wraps

from flask import abort, current_app, g, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from .models import ApiToken, Referral, User, db, utcnow

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


@login_manager.user_loader
def _load_user(user_id: str):
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session.get(GENERATION) != user.session_generation:
        return None  # deactivated, or the password was reset or the user signed out since
    return WebUser(user)


def start_session(user: User) -> None:
    """Sign in with a fresh session: nothing from before sign-in is kept (a session, or a CSRF token,
    planted by someone else is dropped: session fixation)."""
    session.clear()
    login_user(WebUser(user))
    session[GENERATION] = user.session_generation


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


def init_app(app) -> None:
    login_manager.init_app(app)


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
