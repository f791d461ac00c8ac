"""Single sign-on (issue 23): "Sign in with your school or council account" through the council's or
school's OpenID provider (forms_service/access/oidc.py), offered only when OIDC_ISSUER, OIDC_CLIENT_ID and
OIDC_CLIENT_SECRET are set (404 otherwise).

GET /sign-in/sso sends the browser to the provider; GET /sign-in/sso/callback is where it comes back. A
matched account is signed in by `auth_views.finish_sign_in`, which asks for this service's second factor
unless the provider checked more than one factor and OIDC_TRUST_PROVIDER_MFA says to believe it. Every
sign-in and every refusal is in the audit trail, with the email address's domain only."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, session

from ..access import oidc
from ..audit import record
from ..models import db
from .auth_views import _safe_next, finish_sign_in

bp = Blueprint("sso", __name__)

# What `oidc.begin` keeps for the callback (state, nonce, PKCE verifier, when), and the page to go on to.
PENDING = "sso_pending"
QUERY = ("state", "code", "error", "iss")  # all the callback reads of its query


@bp.app_context_processor
def _offered():
    return {"sso_offered": oidc.configured(current_app.config)}


def _settings() -> oidc.Settings:
    if not oidc.configured(current_app.config):
        abort(404)
    return oidc.settings(current_app.config)


@bp.get("/sign-in/sso")
def start():
    settings = _settings()
    try:
        url, pending = oidc.begin(settings)
    except oidc.Refused as refused:
        return _refused(refused)
    pending["next"] = _safe_next(request.args.get("next"))
    session[PENDING] = pending  # one sign-in at a time per browser: a second start replaces the first
    return redirect(url, 303)


@bp.get("/sign-in/sso/callback")
def callback():
    response = make_response(_callback())
    # Its address holds the provider's code and our state: a page shown at it sends neither on (kept by
    # security.set_headers).
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _callback():
    settings = _settings()
    pending = session.pop(PENDING, None)  # used once, whatever happens next
    args = {name: request.args.get(name) for name in QUERY}
    try:
        identity = oidc.complete(settings, pending, args)
        user = oidc.match(identity, require_hosted_domain=current_app.config["OIDC_REQUIRE_HOSTED_DOMAIN"])
    except oidc.Refused as refused:
        # Not recorded when no sign-in was started in this browser: anyone can call this address with
        # anything, and the trail is for sign-ins, not for noise.
        if refused.reason != "no_sign_in_started":
            record("sso_refused", actor="anonymous",
                   detail={"reason": refused.reason, "email_domain": refused.email_domain})
            db.session.commit()
        return _refused(refused)
    trusted = bool(current_app.config["OIDC_TRUST_PROVIDER_MFA"] and identity.mfa)
    record("sso_signed_in", user=user, detail={"email_domain": identity.email_domain,
                                                "provider_mfa": identity.mfa, "second_factor_done": trusted})
    db.session.commit()  # kept whether the session starts now or waits for this service's code
    # The page the person started from, kept at the start: the provider's callback cannot carry it.
    kept = pending.get("next") if isinstance(pending, dict) else None
    return finish_sign_in(user, second_factor_done=trusted, method="sso", next_page=kept)


# Each refusal's page: (heading, status). The reasons a person can act on have their own words; every
# other one (state, nonce, an expired or badly signed token...) is "start again", and the audit trail
# has the reason.
PAGES = {
    "no_account": ("You cannot sign in with that account", 403),
    "no_email": ("You cannot sign in with that account", 403),
    "email_not_verified": ("Your email address has not been confirmed", 403),
    "not_hosted_domain": ("You cannot sign in with a personal account", 403),
    "provider_unreachable": ("Signing in with your school or council account is not working", 502),
}
AGAIN = ("Your sign-in could not be finished", 400)


def _refused(refused: oidc.Refused):
    heading, status = PAGES.get(refused.reason, AGAIN)
    return render_template("auth/sso_refused.html", title=heading, reason=refused.reason), status
