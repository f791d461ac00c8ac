"""Headteacher pages: what awaits sign-off, the review with the seed's declaration, and signing."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import Regexp

from ..access.auth import get_visible_referral, require_roles
from ..formatting import local_today
from ..la import decisions as la_decisions
from ..models import Referral, db
from ..referrals import actions, changes
from ..referrals.signing import sign as sign_referral
from ..storage import StorageError
from .answers import answer_rows

bp = Blueprint("signoff", __name__)


class SignForm(FlaskForm):
    declaration = BooleanField("I confirm the declaration above", widget=GovCheckboxInput())
    name = StringField("Your full name", widget=GovTextInput(),
                       description="Typing your name here is your signature on the request. It must be your own "
                                   "name, as it is on your account.",
                       validators=[Regexp(r"^[^\x00-\x1f\x7f]*$",
                                          message="Remove the control characters from your name")])
    on_behalf_of = StringField("If you sign as acting headteacher, on whose behalf (optional)", widget=GovTextInput(),
                               description="For example, the headteacher, Mrs A Okafor. Leave it empty if you are "
                                           "the headteacher.",
                               validators=[Regexp(r"^[^\x00-\x1f\x7f]*$",
                                                  message="Remove the control characters or line breaks")])
    submit = SubmitField("Sign and send to the local authority", widget=GovSubmitInput())


class SendBackForm(FlaskForm):
    reason = TextAreaField("What needs changing?", widget=GovTextArea())
    submit = SubmitField("Send back to the office", widget=GovSubmitInput())


@bp.get("/sign-off")
@require_roles("headteacher")
def index():
    rows = db.session.scalars(db.select(Referral).where(
        Referral.school_id == current_user.school_id, Referral.status == "awaiting_signoff")
        .order_by(Referral.submitted_at)).all()
    recent = db.session.scalars(db.select(Referral).where(
        Referral.school_id == current_user.school_id, Referral.status.in_(("signed", "returned", "accepted")))
        .order_by(Referral.updated_at.desc()).limit(20)).all()
    return render_template("signoff/index.html", title="Awaiting sign-off", referrals=rows, recent=recent)


def _render_review(referral, form, send_back, status=200):
    # As signing will check it: measured from today, the day the request would go.
    verdict = actions.verdict(referral, request_date=local_today()).to_dict()
    return render_template("signoff/review.html", title=f"Sign off {referral.reference}", referral=referral,
                           form_def=actions.form_of(referral), verdict=verdict, rows=answer_rows(referral),
                           form=form, send_back=send_back, la_return=la_decisions.latest_return(referral),
                           changes=changes.since_last_signed(referral)), status


@bp.get("/referrals/<id:referral_id>/sign")
@require_roles("headteacher")
def review(referral_id: int):
    referral = get_visible_referral(current_user.user, referral_id)
    if referral.status != "awaiting_signoff":
        return redirect(url_for("referrals.show", referral_id=referral.id))
    return _render_review(referral, SignForm(), SendBackForm())


@bp.post("/referrals/<id:referral_id>/sign")
@require_roles("headteacher")
def sign(referral_id: int):
    referral = get_visible_referral(current_user.user, referral_id)
    form = SignForm()
    if not form.validate_on_submit():
        return _render_review(referral, form, SendBackForm(), 400 if "csrf_token" in form.errors else 422)
    try:
        sign_referral(current_user.user, referral, name=form.name.data or "", declaration=bool(form.declaration.data),
                      on_behalf_of=form.on_behalf_of.data or None, client_address=request.remote_addr)
    except actions.ActionError as exc:
        db.session.rollback()
        if exc.status == 422:
            form.name.errors = exc.errors.get("name", [])
            form.declaration.errors = exc.errors.get("declaration", [])
            form.on_behalf_of.errors = exc.errors.get("on_behalf_of", [])
            if exc.rules:
                flash(exc.message, "info")
            return _render_review(referral, form, SendBackForm(), 422)
        if exc.status == 503:  # the timestamp authority did not answer (referrals/seal.py): sign again later
            form.name.errors = [exc.message]
            return _render_review(referral, form, SendBackForm(), 503)
        flash(exc.message, "info")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    except StorageError:
        db.session.rollback()
        form.name.errors = ["The pack could not be saved, so the request has not been signed. "
                            "Nothing has been sent. Try again later or contact support."]
        return _render_review(referral, form, SendBackForm(), 503)
    return redirect(url_for("signoff.confirmation", referral_id=referral.id))


@bp.get("/referrals/<id:referral_id>/signed")
@require_roles("headteacher")
def confirmation(referral_id: int):
    referral = get_visible_referral(current_user.user, referral_id)
    if referral.status == "awaiting_signoff" or not referral.packs:
        return redirect(url_for("signoff.review", referral_id=referral.id))
    return render_template("signoff/confirmation.html", title="Request signed", referral=referral,
                           pack=referral.latest_pack, form_def=actions.form_of(referral))


@bp.post("/referrals/<id:referral_id>/send-back")
@require_roles("headteacher")
def send_back(referral_id: int):
    referral = get_visible_referral(current_user.user, referral_id)
    form = SendBackForm()
    if not form.validate_on_submit():
        return _render_review(referral, SignForm(), form, 400)
    try:
        actions.return_to_office(current_user.user, referral, form.reason.data or "")
    except actions.ActionError as exc:
        form.reason.errors = exc.errors.get("reason", [exc.message])
        return _render_review(referral, SignForm(), form, 422)
    flash(f"{referral.reference} has been sent back to the office.", "success")
    return redirect(url_for("signoff.index"))
