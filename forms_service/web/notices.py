"""Notices on the web (issue 15): an LA officer issues a Notice to Improve or a penalty notice, and where the
LA's profile lists them the Education Welfare Officer's letters (issue 19), from the referral's page; whoever
may read the referral (its LA's officers, its school's staff) downloads the documents as issued."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from .. import storage
from ..access.auth import get_visible_referral, require_roles
from ..audit import record
from ..la import notice_documents, notices
from ..la.inbox import date_from_parts
from ..models import db
from ..referrals.actions import ActionError
from ..referrals.evidence import DOCX, PDF
from .la import UNREADABLE, posted_referral, referral_page, refused

bp = Blueprint("notices", __name__)


@bp.post("/la/referrals/<id:referral_id>/notices")
@require_roles("la_officer")
def issue(referral_id: int):
    referral = posted_referral(referral_id)
    form = request.form
    parts = {p: form.get(f"issue-date-{p}", "") for p in ("day", "month", "year")}
    day = date_from_parts("The date of issue", parts["day"], parts["month"], parts["year"])
    values = {"kind": form.get("issue-kind") or None, "parent": form.get("issue-parent") or None,
              **{f"date-{p}": v for p, v in parts.items()}}
    body = {"kind": values["kind"], "parent": values["parent"], "issued_on": None if isinstance(day, str) else day}
    date_error = day if isinstance(day, str) else ("Enter the date of issue" if day is None else None)
    date_errors = _letter_fields(form, values["kind"], body, values)
    try:
        row = notices.issue(current_user.user, referral, body, date_error=date_error, date_errors=date_errors)
    except ActionError as exc:
        if exc.status != 422:
            return refused(exc, referral)
        db.session.rollback()
        return referral_page(referral, notice_errors=exc.errors, notice_rules=exc.rules or [], notice_values=values,
                     status=422)
    flash(f"{notice_documents.TITLES[notice_documents.kind_of(row)]} {row.notice_reference} has been issued to {row.parent_name}.",
          "success")
    return redirect(url_for("la.show", referral_id=referral.id, _anchor="notices"))


# The Education Welfare Officer's letters' own boxes (la/ewo_letters.py): field -> (the form's name, label).
LETTER_DATES = {"ews_final_warning": (("review_on", "issue-review", "The review date"),),
                "pre_court_invitation": (("meeting_on", "issue-meeting", "The date of the meeting"),)}
LETTER_BOXES = {"ews_final_warning": (("attendance_pct", "issue-attendance-pct"),
                                      ("attendance_period", "issue-attendance-period")),
                "pre_court_invitation": (("meeting_time", "issue-meeting-time"),
                                         ("meeting_place", "issue-meeting-place"))}


def _letter_fields(form, kind: str | None, body: dict, values: dict) -> dict:
    """The chosen letter's boxes into `body` (only the chosen one's: the others' are not sent) and, to show
    again, `values`; returns the date inputs' own errors by field."""
    errors = {}
    for field, name, label in LETTER_DATES.get(kind, ()):
        parts = {p: form.get(f"{name}-{p}", "") for p in ("day", "month", "year")}
        values.update({f"{name.removeprefix('issue-')}-{p}": v for p, v in parts.items()})
        day = date_from_parts(label, parts["day"], parts["month"], parts["year"])
        if isinstance(day, str):
            errors[field] = day
        body[field] = day if not isinstance(day, str) else None
    for field, name in LETTER_BOXES.get(kind, ()):
        body[field] = values[field] = form.get(name, "")
    return errors


@bp.get("/notices/<id:notice_id>/document.<any(pdf, docx):fmt>")
@login_required
def document(notice_id: int, fmt: str):
    row = notices.find(notice_id)
    if row is None:
        abort(404)
    referral = get_visible_referral(current_user.user, row.referral_id)
    try:
        item, data = notices.document(row, fmt)
    except notices.ChangedFile:
        abort(409, "This file no longer matches the notice as issued.")
    except storage.StorageError:
        abort(503, UNREADABLE)
    record("notice_downloaded", user=current_user.user, referral=referral,
           detail={"reference": row.notice_reference, "format": fmt})
    db.session.commit()
    return Response(data, mimetype=PDF if fmt == "pdf" else DOCX,
                    headers={"Content-Disposition": f'attachment; filename="{item.name}"'})
