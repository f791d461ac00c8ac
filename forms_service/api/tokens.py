"""POST /api/v1/auth/token: a bearer token for an email and password (and a second factor's code, `totp`, for
an account that has one: access/mfa.py); DELETE revokes the one sent.

Only the token's SHA-256 is stored (models.ApiToken); a token ends after API_TOKEN_HOURS, when it is
revoked, when its user's password is reset or changed, or when the user is deactivated. Signing out of
the website does not end tokens (it ends the browser sessions): a script's token is revoked on its own.
A user whose password an administrator set gets no token until they set their own (403)."""
from __future__ import annotations

import json

from flask import current_app
from flask_smorest import Blueprint

from ..access import mfa, throttle
from ..access.accounts import check_password
from ..access.auth import bearer_token, issue_token
from ..audit import record
from ..errors import error_response
from ..models import User, db
from .docs import fails_with
from .guard import authenticate
from .schemas import TokenRequest, TokenResponse

blp = Blueprint("api_tokens", __name__, description="Authentication")
blp.before_request(authenticate)


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.doc(security=[])  # the one operation that needs no bearer token
@fails_with(blp, 400, 403, 413, 429)
def token(body):
    """A bearer token for an email address and password, and for an account with a second factor (issue 23)
    the code from its authenticator app or a recovery code as `totp`."""
    email = body["email"].strip().lower()
    attempt = throttle.reserve(email)  # counted before the password is checked
    if attempt.wait:
        response, status = error_response(429, throttle.message(attempt.wait))
        response.headers["Retry-After"] = str(attempt.wait)
        return response, status
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if not check_password(user, body["password"]) or not user.active:
        throttle.failed(attempt, user)
        return error_response(401, "Email address or password is not correct")
    if user.must_change_password:  # an administrator knows this password: it opens nothing but setting one's own
        return error_response(403, "Your password was set by an administrator. Sign in on the website and set "
                                   "your own password, then ask for a token with it.")
    if mfa.needed(user):
        refused = _second_factor(user, body.get("totp"))
        if refused is not None:
            return refused
    record("token_issued", user=user)
    token = issue_token(user)  # commits: the throttle's own connection must not wait on this session's write
    throttle.succeeded(attempt)
    return {"token": token, "expires_in": current_app.config["API_TOKEN_HOURS"] * 3600}


def _second_factor(user: User, code: str | None):
    """None when `code` is the account's right, unused code (used up now); else the answer refusing the token.
    A wrong code keeps this request's throttle count, as a wrong password does."""
    if not mfa.enrolled(user):
        return error_response(403, "Your account needs a second factor and has none yet. Sign in on the website to "
                                   "set up your authenticator app, then ask for a token with its code as totp.")
    if not code:
        return _needs_code("This account needs a second factor: send the code from your authenticator app (or a "
                           "recovery code) as totp")
    try:
        kind = mfa.verify(user, code)
    except mfa.Unavailable as error:
        return error_response(503, str(error))
    if kind is None:
        record("second_factor_failed", user=user, detail={"api": True})
        db.session.commit()
        return _needs_code("The totp code is not correct, or was already used: send the code your app shows now")
    if kind == "recovery":
        record("recovery_code_used", user=user, detail={"left": mfa.recovery_codes_left(user), "api": True})
    return None


def _needs_code(message: str):
    response, status = error_response(401, message)
    response.set_data(json.dumps({**response.get_json(), "second_factor_required": True}))
    return response, status


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
def revoke():
    """Revoke the bearer token sent with this request (signing out of the API): it stops working at
    once. The user's other tokens are unchanged. A token that is unknown, expired or already
    revoked is a 401."""
    row = bearer_token()
    if row is None:
        response, status = error_response(401, "Send the valid bearer token to revoke in the Authorization header")
        response.headers["WWW-Authenticate"] = 'Bearer realm="forms-service"'
        return response, status
    user = row.user
    db.session.delete(row)
    record("token_revoked", user=user)
    db.session.commit()
    return None
