"""The second factor's pages (issue 23; the logic is access/mfa.py):

- while signing in (auth_views.finish_sign_in left the user pending, nothing signed in): the code from the
  authenticator app or a recovery code (`code`), or, for a role that requires one and has none yet, setting up
  an app (`set_up`: a QR code and the secret as text, confirmed by a code);
- signed in, "Second factor" (`account`): set up a new app, or for a role that does not require one, turn
  it on or off (`turn_off`, with a code).

Ten recovery codes are shown once, in the answer to the POST that made them (never in the session), with
`Cache-Control: no-store`, as the calendar feed's address is. A new secret waiting for its first code is
kept in this browser's session encrypted with MFA_KEY (the cookie is signed, not encrypted).
Every code is an attempt at the account, throttled as a password is (access/throttle.py); setting up,
changing or turning off an app ends the user's other sessions and API tokens (access/auth.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..access import mfa, throttle
from ..access.auth import GENERATION, end_sessions, require_roles, revoke_tokens
from ..audit import record
from ..models import User, db
from .auth_views import finish_sign_in, pending_user

bp = Blueprint("second_factor", __name__)

SETUP = "second_factor_setup"  # the new secret, sealed with MFA_KEY, until its first code is entered
ROLES = ("office", "headteacher", "la_officer", "admin")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CodeForm(FlaskForm):
    code = StringField("Code", widget=GovTextInput(), filters=[_strip],
                       description="The 6-digit code your authenticator app shows now, or one of your recovery codes "
                                   "(like abcd-efgh-ijkl-mnop).",
                       validators=[DataRequired("Enter the code from your authenticator app, or a recovery code"),
                                   Length(max=40, message="Enter a correct code: 6 digits, or a recovery code")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpForm(FlaskForm):
    code = StringField("Code from your app", widget=GovTextInput(), filters=[_strip],
                       description="The 6-digit code your authenticator app shows for this service.",
                       validators=[DataRequired("Enter the 6-digit code from your authenticator app"),
                                   Length(max=40, message="Enter the 6-digit code from your authenticator app")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class TurnOffForm(CodeForm):
    submit = SubmitField("Turn off", widget=GovSubmitInput())


def _no_store(page, status: int = 200, **headers):
    return page, status, {"Cache-Control": "no-store", **headers}


def _check(user: User, form: CodeForm, template: str, **context):
    """Throttle and check the form's code for `user`; None when it was right (used up), else the page again
    with the error on the field."""
    attempt = throttle.reserve(throttle.code_key(user.email))
    if attempt.wait:
        form.code.errors.append(throttle.message(attempt.wait))
        return _no_store(render_template(template, form=form, **context), 429, **{"Retry-After": str(attempt.wait)})
    try:
        kind = mfa.verify(user, form.code.data)
    except mfa.Unavailable as error:
        form.code.errors.append(str(error))
        return _no_store(render_template(template, form=form, **context), 503)
    if kind is None:
        record("second_factor_failed", user=user)
        db.session.commit()
        form.code.errors.append("Enter a correct code: it may have expired or been used already")
        return _no_store(render_template(template, form=form, **context), 422)
    if kind == "recovery":
        record("recovery_code_used", user=user, detail={"left": mfa.recovery_codes_left(user)})
    db.session.commit()
    throttle.succeeded(attempt)  # after the commit: the throttle writes on its own connection
    return None


# --- while signing in ----------------------------------------------------------------------------

def _pending_or_restart():
    found = pending_user()
    if found is None:
        flash("Sign in again to continue.", "info")
        return None, redirect(url_for("auth.login"))
    return found, None


@bp.route("/sign-in/code", methods=["GET", "POST"])
def code():
    found, restart = _pending_or_restart()
    if restart:
        return restart
    user, pending = found
    if not mfa.enrolled(user):
        return redirect(url_for("second_factor.set_up"))
    form = CodeForm()
    if form.validate_on_submit():
        refused = _check(user, form, "auth/second_factor_code.html")
        if refused:
            return refused
        return finish_sign_in(user, second_factor_done=True, method=pending.get("method", "password"))
    return _no_store(render_template("auth/second_factor_code.html", form=form), 422 if form.errors else 200)


def _setup_secret(*, fresh: bool = False) -> str:
    """The secret being set up in this browser (a new one when there is none, or `fresh`)."""
    sealed = None if fresh else session.get(SETUP)
    secret = mfa.unseal(sealed) if isinstance(sealed, str) else None
    if secret is None:
        secret = mfa.new_secret()
        session[SETUP] = mfa.seal(secret)
    return secret


def _set_up_page(user: User, form: SetUpForm, status: int, **context):
    try:
        secret = _setup_secret()
    except mfa.Unavailable as error:
        return _no_store(render_template("auth/second_factor_unavailable.html", message=str(error)), 503)
    uri = mfa.provisioning_uri(user, secret)
    return _no_store(render_template("auth/second_factor_set_up.html", form=form, qr=mfa.qr_svg(uri),
                                     secret=mfa.spaced(secret), account=user, **context), status)


def _enrol(user: User, form: SetUpForm) -> list[str] | None:
    """Confirm the secret being set up with the form's code (throttled); the recovery codes, or None with
    the error on the field."""
    attempt = throttle.reserve(throttle.code_key(user.email))
    if attempt.wait:
        form.code.errors.append(throttle.message(attempt.wait))
        form.throttled = True  # the page answers 429
        return None
    secret = _setup_secret()
    had_one = mfa.enrolled(user)
    codes = mfa.enrol(user, secret, form.code.data)
    if codes is None:
        record("second_factor_failed", user=user, detail={"setting_up": True})
        db.session.commit()
        form.code.errors.append("Enter the code your app shows now: the one you entered is not right for this QR code")
        return None
    session.pop(SETUP, None)
    # A new factor: whoever held the old one, or a session or token from before, is out.
    revoked = revoke_tokens(user)
    end_sessions(user)
    record("second_factor_changed" if had_one else "second_factor_set_up", user=user,
           detail={"api_tokens_revoked": revoked})
    db.session.commit()
    throttle.succeeded(attempt)
    return codes


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
def set_up():
    """Setting up an app at the first sign-in of a role that requires one."""
    found, restart = _pending_or_restart()
    if restart:
        return restart
    user, pending = found
    if mfa.enrolled(user):
        return redirect(url_for("second_factor.code"))
    return _set_up(user, signing_in=True, then=lambda: finish_sign_in(
        user, second_factor_done=True, method=pending.get("method", "password")).location)


# --- signed in: "Second factor" ---------------------------------------------------------------------

@bp.get("/account/second-factor")
@require_roles(*ROLES)
def account():
    user = current_user.user
    return _no_store(render_template("auth/second_factor.html", title="Second factor", enrolled=mfa.enrolled(user),
                                     required=mfa.required(user), codes_left=mfa.recovery_codes_left(user)))


@bp.route("/account/second-factor/set-up", methods=["GET", "POST"])
@require_roles(*ROLES)
def set_up_signed_in():
    """Set up an app (turn the second factor on), or a new one in place of the old."""
    user = current_user.user

    def then() -> str:
        session[GENERATION] = user.session_generation  # this browser stays signed in; the others end
        return url_for("second_factor.account")
    return _set_up(user, signing_in=False, then=then)


def _set_up(user, *, signing_in: bool, then):
    """The set-up form, at the first sign-in or signed in: a code from the new app sets it up and shows the
    recovery codes once, going on to `then()` (called once it is set up); otherwise the page again."""
    form = SetUpForm()
    if form.validate_on_submit():
        try:
            codes = _enrol(user, form)
        except mfa.Unavailable as error:
            return _no_store(render_template("auth/second_factor_unavailable.html", message=str(error)), 503)
        if codes is not None:
            return _no_store(render_template("auth/recovery_codes.html", codes=codes, next=then()))
        return _set_up_page(user, form, 429 if getattr(form, "throttled", False) else 422, signing_in=signing_in)
    return _set_up_page(user, form, 422 if form.errors else 200, signing_in=signing_in)


@bp.route("/account/second-factor/turn-off", methods=["GET", "POST"])
@require_roles(*ROLES)
def turn_off():
    """For a role that does not require one: turn the second factor off, with a code (someone at an unlocked
    screen cannot)."""
    user = current_user.user
    if mfa.required(user) or not mfa.enrolled(user):
        abort(404)
    form = TurnOffForm()
    if form.validate_on_submit():
        refused = _check(user, form, "auth/second_factor_turn_off.html")
        if refused:
            return refused
        mfa.reset(user)
        revoked = revoke_tokens(user)
        end_sessions(user)
        session[GENERATION] = user.session_generation
        record("second_factor_turned_off", user=user, detail={"api_tokens_revoked": revoked})
        db.session.commit()
        flash("Your second factor is turned off. You have been signed out everywhere else.", "success")
        return redirect(url_for("second_factor.account"), 303)
    return _no_store(render_template("auth/second_factor_turn_off.html", form=form), 422 if form.errors else 200)

