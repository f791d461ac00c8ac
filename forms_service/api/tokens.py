"""POST /api/v1/auth/token: a bearer token for an email and password."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from .. import throttle
from ..accounts import check_password
from ..audit import record
from ..auth import issue_token
from ..errors import error_response
from ..models import User, db
from .schemas import TokenRequest, TokenResponse
from .guard import authenticate

blp = Blueprint("api_tokens", __name__, description="Authentication")
blp.before_request(authenticate)


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
def token(body):
    email = body["email"].strip().lower()
    if wait := throttle.wait_seconds(email):
        response, status = error_response(429, throttle.message(wait))
        response.headers["Retry-After"] = str(wait)
        return response, status
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if not check_password(user, body["password"]) or not user.active:
        throttle.failed(email, user)
        return error_response(401, "Email address or password is not correct")
    record("token_issued", user=user)
    return {"token": issue_token(user), "expires_in": current_app.config["API_TOKEN_HOURS"] * 3600}
