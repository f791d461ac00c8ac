"""Sign in and sign out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from .. import throttle
from ..accounts import check_password
from ..audit import record
from ..auth import end_session, start_session
from ..models import User, db

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[DataRequired("Enter your email address"),
                                   Regexp(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$", message="Enter an email address in the correct format, like name@example.com"),
                                   Length(max=320)])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[DataRequired("Enter your password"), Length(max=200)])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page.
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") else None


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
            start_session(user)
            record("signed_in", user=user)
            db.session.commit()
            throttle.succeeded(attempt)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
        throttle.failed(attempt, user)
        form.email.errors.append("Enter a correct email address and password")
    return render_template("auth/login.html", form=form)


@bp.post("/sign-out")
def logout():
    end_session()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
