"""Sign in, sign out, set one's own password, and "Forgot your password?" (access/resets.py).

Signing out ends the account's browser sessions everywhere (a copied cookie too); it leaves API tokens
alone: a script's token ends when it is revoked (DELETE /api/v1/auth/token), expires, or the password
is reset or changed, or the user deactivated. A user whose password an administrator set can reach
only "Set your password" (and sign out) until they have chosen their own (auth.PASSWORD_FIRST_ENDPOINTS)."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..access import mfa, resets, throttle
from ..access.accounts import MAX_PASSWORD, MIN_PASSWORD, check_password
from ..access.auth import end_session, replace_password, start_session
from ..audit import record
from ..models import User, db
from .fields import email_field

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    # Trimmed before it is checked: an address pasted with a trailing space still signs in (issue 18).
    email = email_field("Email address", required="Enter your email address", example="name@example.com")
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter your password"), Length(max=MAX_PASSWORD)])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page.
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") else None


# A sign-in whose password (or single sign-on) was accepted but whose second factor is still to come: who,
# their session generation then (a sign-out everywhere or a reset since ends it), how they signed in, where
# to go afterwards, and when (it lasts PENDING_MINUTES). Nothing else is signed in meanwhile.
PENDING = "pending_sign_in"
PENDING_MINUTES = 10


def finish_sign_in(user: User, *, second_factor_done: bool = False, method: str = "password",
                   next_page: str | None = None):
    """After the password (or single sign-on, `method`) is accepted: if the second factor is done or not
    needed (access/mfa.needed), start the session, audit `signed_in` with the method and go to the safe
    `next` (`next_page`, where the caller kept one: single sign-on's comes back from the provider without
    it; else the request's, else the pending sign-in's) or home. Otherwise keep the user pending in this
    browser's session and go to the code page, or to setting up an app if they have none yet."""
    pending = session.get(PENDING) or {}
    target = (_safe_next(next_page) or _safe_next(request.args.get("next"))
              or _safe_next(pending.get("next")))
    if second_factor_done or not mfa.needed(user):
        start_session(user)
        record("signed_in", user=user, detail={"method": method})
        db.session.commit()
        return redirect(target or url_for("home.index"))
    session.clear()  # as start_session does: nothing from before carries over (session fixation)
    session[PENDING] = {"user": user.id, "generation": user.session_generation, "method": method,
                        "next": target, "at": int(time.time())}
    return redirect(url_for("second_factor.code" if mfa.enrolled(user) else "second_factor.set_up"))


def pending_user() -> tuple[User, dict] | None:
    """The user this browser is signing in as, and the pending state, while it lasts; None otherwise."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    user = db.session.get(User, pending.get("user")) if isinstance(pending.get("user"), int) else None
    if (user is None or not user.active or user.session_generation != pending.get("generation")
            or time.time() - pending["at"] >= PENDING_MINUTES * 60):
        session.pop(PENDING, None)
        return None
    return user, pending


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        attempt = throttle.reserve(email)  # counted before the password is checked
        if attempt.wait:
            form.email.errors.append(throttle.message(attempt.wait))
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(attempt.wait)}
        user = db.session.scalar(db.select(User).filter_by(email=email))
        if check_password(user, form.password.data) and user.active:
            response = finish_sign_in(user)
            throttle.succeeded(attempt)  # the codes that may follow are counted apart (throttle.code_key)
            return response
        throttle.failed(attempt, user)
        form.email.errors.append("Enter a correct email address and password")
    return render_template("auth/login.html", form=form)


@bp.post("/sign-out")
def logout():
    end_session()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


LENGTH = f"Your new password must be between {MIN_PASSWORD} and {MAX_PASSWORD} characters"


# The fields are made in page order once and shared by both forms below: WTForms orders a form's fields
# (and so its error summary) by when each field was made, not by class.
_CURRENT = PasswordField("Current password", widget=GovPasswordInput(),
                         validators=[DataRequired("Enter your current password"),
                                     Length(max=MAX_PASSWORD, message="Your current password is not correct")])
_NEW = PasswordField("New password", widget=GovPasswordInput(),
                     description=f"Between {MIN_PASSWORD} and {MAX_PASSWORD} characters. Only you should know it.",
                     validators=[DataRequired("Enter a new password"),
                                 Length(min=MIN_PASSWORD, max=MAX_PASSWORD, message=LENGTH)])
_CONFIRM = PasswordField("Confirm new password", widget=GovPasswordInput(),
                         validators=[DataRequired("Enter your new password again"),
                                     EqualTo("new", "Enter the same new password in both boxes")])


class NewPasswordForm(FlaskForm):
    """A new password, twice: the rules wherever one chooses one's own (here, and from an emailed link)."""
    new = _NEW
    confirm = _CONFIRM
    submit = SubmitField("Save password", widget=GovSubmitInput())


class PasswordForm(NewPasswordForm):
    current = _CURRENT


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Set your own password: required first after an administrator set it; anyone may change theirs.
    It ends the account's other browser sessions and its API tokens (whoever knew the old password
    is out), and keeps this session."""
    user = current_user.user
    pending = user.must_change_password
    form = PasswordForm()
    if form.validate_on_submit():
        # Counted as a sign-in is: a session left open is no way to guess the password.
        attempt = throttle.reserve(user.email)
        if attempt.wait:
            form.current.errors.append(throttle.message(attempt.wait))
            return _password_page(form, pending), 429, {"Retry-After": str(attempt.wait)}
        if not check_password(user, form.current.data):
            throttle.failed(attempt, user)
            form.current.errors.append("Your current password is not correct")
            return _password_page(form, pending), 422
        changed = form.new.data != form.current.data
        if changed:
            revoked = replace_password(user, form.new.data)
            user.must_change_password = False
            record("password_changed", user=user, detail={"was_set_by_administrator": pending,
                                                          "api_tokens_revoked": revoked})
        db.session.commit()
        throttle.succeeded(attempt)  # after the commit: the throttle writes on its own connection
        if changed:
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("home.index"))
        form.new.errors.append("Your new password must be different from the one "
                               + ("an administrator set" if pending else "you have now"))
    return _password_page(form, pending), 422 if request.method == "POST" else 200


def _password_page(form: PasswordForm, pending: bool):
    return render_template("auth/password.html", title="Set your password" if pending else "Change your password",
                           form=form, pending=pending)


# --- "Forgot your password?" -----------------------------------------------------------------------

class ForgotPasswordForm(FlaskForm):
    email = email_field("Email address", required="Enter your email address", example="name@example.com")
    submit = SubmitField("Send the link", widget=GovSubmitInput())


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link by email. Whether or not the address has an active account, the answer is the
    same redirect to the same page (access/resets.py)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        wait = throttle.reserve_reset(email)
        if wait:
            form.email.errors.append(throttle.reset_message(wait))
            return render_template("auth/forgot_password.html", form=form), 429, {"Retry-After": str(wait)}
        resets.request_link(email)
        return redirect(url_for("auth.reset_link_sent"), 303)
    return render_template("auth/forgot_password.html", form=form), 422 if request.method == "POST" else 200


@bp.get("/forgot-password/sent")
def reset_link_sent():
    return render_template("auth/reset_link_sent.html", lasts=resets.lasts())


# The link's page takes the token out of the address at once: its SHA-256 goes into this browser's
# (signed) session and the browser is sent on to /reset-password, so the token is in no later address,
# history entry or Referer (and the form's POST keeps the Referer that Flask-WTF checks over HTTPS).
RESET_SESSION_KEY = "password_reset"


@bp.get("/reset-password/<token>")
def reset_link(token: str):
    digest = resets.find_token(token)
    if digest is None:
        response = _link_expired()
    else:
        session[RESET_SESSION_KEY] = digest
        response = make_response(redirect(url_for("auth.reset_password"), 303))
    response.headers["Referrer-Policy"] = "no-referrer"  # kept by security.set_headers: the token is in this address
    return response


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password():
    """Choose a new password through the link (the rules of "Change your password"). Afterwards this
    browser is signed out and sent to sign in: every session of the account has ended."""
    digest = session.get(RESET_SESSION_KEY)
    if resets.find(digest) is None:
        session.pop(RESET_SESSION_KEY, None)
        return _link_expired()
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = resets.redeem(digest, form.new.data)
        session.pop(RESET_SESSION_KEY, None)
        if user is None:  # used or expired between showing the form and sending it
            return _link_expired()
        logout_user()
        session.clear()  # whoever was signed in here (another account, too) is signed out
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.login"), 303)
    return render_template("auth/reset_password.html", form=form), 422 if request.method == "POST" else 200


def _link_expired():
    """The same page for any link that does not work (used, expired, replaced, made up): never which."""
    return make_response(render_template("auth/reset_link_expired.html", lasts=resets.lasts()), 404)
