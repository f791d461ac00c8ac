"""A record's life after it is made (issue 18), for the school's staff: mark a letter (agreement, plan,
record) as sent, and delete a draft nobody needs after an "Are you sure?" page. The actions are
referrals/sendings.py and records/deletion.py; these are their pages."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..access.auth import get_visible_referral, require_roles
from ..formatting import local_today
from ..la.inbox import date_from_parts
from ..models import Referral, db
from ..records import deletion
from ..referrals import actions, sendings

bp = Blueprint("letter_life", __name__, url_prefix="/referrals")
SCHOOL = ("office", "headteacher")
# Each field's errors link to its first box (GOV.UK: the error summary links to the field).
ANCHORS = {"method": "method", "sent_on": "sent-on", "recipients": "recipients", "other_name": "other-name"}
DATE_PARTS = ("day", "month", "year")


class _CsrfForm(FlaskForm):
    """The CSRF check; the answers are read from the request and judged by the action."""


@bp.app_template_global("sendings_of")
def _sendings_of(referral: Referral) -> list[dict]:
    """For the record's pages (show, letter): how it was sent, oldest first."""
    return sendings.sendings_view(referral)


@bp.app_template_global("deletable")
def _deletable(referral: Referral) -> bool:
    """For the record's page: whether to offer "Delete this draft"."""
    return deletion.refusal(referral) is None


def _referral(referral_id: int) -> Referral:
    return get_visible_referral(current_user.user, referral_id)


def _refused(exc: actions.ActionError, referral: Referral):
    """403/404 as errors; a refusal of the action itself (409) as a message on the record's page."""
    db.session.rollback()
    if exc.status in (403, 404):
        abort(exc.status)
    flash(exc.message, "info")
    return redirect(url_for("referrals.show", referral_id=referral.id))


@bp.route("/<id:referral_id>/sent", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def mark_sent(referral_id: int):
    """Record that the letter was sent: how, when, to whom."""
    referral = _referral(referral_id)
    if not sendings.sendable(referral):
        flash("A request goes to the local authority when the headteacher signs it: it is not marked as sent.", "info")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    values = {"method": "", "recipients": [], "other_name": "", **{f"sent-on-{p}": "" for p in DATE_PARTS}}
    errors: dict = {}
    if request.method == "POST":
        if not _CsrfForm().validate_on_submit():
            abort(400, "Your session has expired. Reload the page and try again.")
        form = request.form
        values = {"method": form.get("method", ""), "recipients": form.getlist("recipients"),
                  "other_name": form.get("other_name", ""),
                  **{f"sent-on-{p}": form.get(f"sent-on-{p}", "") for p in DATE_PARTS}}
        day = date_from_parts("The date it was sent", *(values[f"sent-on-{p}"] for p in DATE_PARTS))
        try:
            sendings.record_sending(
                current_user.user, referral, method=values["method"] or None,
                sent_on=None if isinstance(day, str) else day, chosen=values["recipients"],
                other_name=values["other_name"], date_error=day if isinstance(day, str) else None)
        except actions.ActionError as exc:
            if exc.status != 422:
                return _refused(exc, referral)
            db.session.rollback()
            errors = exc.errors
        else:
            flash(f"Recorded: {sendings.sendings_view(referral)[-1]['summary']}.", "success")
            return redirect(url_for("referrals.letter", referral_id=referral.id, _anchor="sent"))
    else:
        missing, verdict = actions.ready_to_issue(referral)
        if missing or not verdict.eligible:
            flash(f"Complete the {actions.form_of(referral).noun} first: it can be marked as sent once it can be "
                  "downloaded.", "info")
            return redirect(url_for("referrals.letter", referral_id=referral.id))
    form_def = actions.form_of(referral)
    error_list = [{"text": errors[name][0], "href": f"#{anchor}"} for name, anchor in ANCHORS.items()
                  if errors.get(name)]
    return render_template(
        "referrals/sent.html", title=f"Record that the {form_def.noun} was sent", referral=referral,
        form_def=form_def, values=values, errors=errors, error_list=error_list, today=local_today(),
        parents=sendings.parents(referral), methods=sendings.METHOD_LABELS, other=sendings.SOMEONE_ELSE,
        letter_date=sendings.letter_date(referral), sendings=sendings.sendings_view(referral),
    ), 422 if errors else 200


@bp.route("/<id:referral_id>/delete", methods=["GET", "POST"])
@require_roles(*SCHOOL)
def delete(referral_id: int):
    """Are you sure? Yes deletes the draft for good; No goes back to it."""
    referral = _referral(referral_id)
    form_def = actions.form_of(referral)
    noun = form_def.noun if form_def else "record"
    if (why := deletion.refusal(referral)) is not None:
        flash(why, "info")
        return redirect(url_for("referrals.show", referral_id=referral.id))
    error = None
    if request.method == "POST":
        if not _CsrfForm().validate_on_submit():
            abort(400, "Your session has expired. Reload the page and try again.")
        answer = request.form.get("confirm")
        if answer == "no":
            return redirect(url_for("referrals.show", referral_id=referral.id))
        if answer == "yes":
            try:
                gone = deletion.delete_draft(current_user.user, referral)
            except actions.ActionError as exc:
                return _refused(exc, referral)
            flash(f"The draft {gone['noun']} {gone['reference']} has been deleted.", "success")
            return redirect(url_for("referrals.index"))
        error = f"Select yes if you want to delete this draft {noun}"
    return render_template("referrals/delete.html", title=f"Are you sure you want to delete this draft {noun}?",
                           referral=referral, form_def=form_def, noun=noun, error=error), 422 if error else 200
