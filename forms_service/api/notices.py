"""LA notices through the API (DESIGN.md §6): an officer issues a Notice to Improve, a penalty notice or,
where the LA's profile lists them, an Education Welfare Officer's letter (issue 19) to a parent named on an
accepted referral; the notice and its documents are read by whoever may read
the referral (the LA's officers, the school's staff)."""
from __future__ import annotations

from flask import Response, abort, jsonify, request
from flask_smorest import Blueprint
from werkzeug.exceptions import NotFound

from .. import storage
from ..access.auth import api_user, get_visible_referral
from ..audit import record
from ..la import decisions as la_decisions, notices
from ..models import db
from ..referrals import actions
from ..referrals.evidence import DOCX, PDF
from .catalogue import unprocessable
from .docs import fails_with, files
from .guard import authenticate
from .schemas import Notice, NoticeRequest

blp = Blueprint("api_notices", __name__, description="LA notices")
blp.before_request(authenticate)


def _failure(exc: actions.ActionError):
    db.session.rollback()
    if exc.status == 422:
        extra = {"rules": exc.rules} if exc.rules else {}
        return unprocessable(exc.message, exc.errors, **extra)
    abort(exc.status, exc.message)


@blp.route("/referrals/<id:referral_id>/notices", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": NoticeRequest}}})
@blp.response(201, Notice)
@fails_with(blp, 403, 404, 409, 413, 422)
def issue(referral_id: int):
    """LA officer of the referral's LA, on an accepted referral: issue a Notice to Improve or a penalty
    notice to one parent named on it, dated `issued_on` (the day it is posted first class). The service
    renders the notice as PDF and DOCX from one context, stores both with their SHA-256, and records it
    as the LA's outcome. A penalty notice states the amounts and the last days to pay, counted from the
    day it is taken to be received (the second working day after posting); a Notice to Improve, its
    improvement period. 422 with `rules` when it may not be issued: a third penalty notice to the parent
    for the child in three years (`penalty_notice_limit`), or, where the LA's profile requires it, a
    penalty notice for irregular attendance before a Notice to Improve was served and its period ended
    (`notice_to_improve_served`).

    Where the referral's LA profile lists them (`la_letters`: Cardiff's 5 Step Approach, 002 Step 3 and
    Step 4), the Education Welfare Officer's letters to a parent, in the parent's language for letters:
    `initial_warning`; `ews_final_warning` (with `review_on`, and optionally `attendance_pct` and
    `attendance_period`), after an Initial Warning to that parent (`initial_warning_sent`);
    `pre_court_invitation` (with `meeting_on`, `meeting_time`, `meeting_place`), after a Final Warning
    (`final_warning_sent`) whose review date has come (`final_warning_review_reached`)."""
    user = api_user()
    try:
        la_decisions.require_officer(user)
        referral = get_visible_referral(user, referral_id)
        row = notices.issue(user, referral, request.get_json(silent=True))
    except actions.ActionError as exc:
        return _failure(exc)
    return jsonify(notices.as_json(row)), 201


def _visible(notice_id: int):
    row = notices.find(notice_id)
    if row is None:
        raise NotFound("No such notice")
    get_visible_referral(api_user(), row.referral_id)  # 404 for anyone who may not read the referral
    return row


@blp.route("/notices/<id:notice_id>", methods=["GET"])
@blp.response(200, Notice)
@fails_with(blp, 404)
def show(notice_id: int):
    """A notice: who it went to, when, what is payable by when (or its improvement period), its status
    (issued, paid, unpaid, withdrawn with grounds; a Notice to Improve running or ended) and its
    documents. For a Notice to Improve, `unauthorised_since`: the unauthorised sessions in the referral's
    register during its period (null when the register does not reach it)."""
    return jsonify(notices.as_json(_visible(notice_id)))


@blp.route("/notices/<id:notice_id>/document", methods=["GET"])
@blp.doc(parameters=[{"in": "query", "name": "format", "schema": {"type": "string", "enum": ["pdf", "docx"]},
                      "description": "pdf (default) or docx"}],
         responses=files("The notice as issued", PDF, DOCX))
@fails_with(blp, 404, 409, 422, 503)
def document(notice_id: int):
    """The notice's document as issued, checked against its SHA-256 (409 if it no longer matches)."""
    row = _visible(notice_id)
    unknown = {key: ["Unknown parameter: use format"] for key in request.args if key != "format"}
    if unknown:
        return unprocessable("Unknown parameter", unknown)
    fmt = request.args.get("format", "pdf")
    if fmt not in ("pdf", "docx"):
        return unprocessable("Unknown format", {"format": ["Choose pdf or docx"]})
    try:
        item, data = notices.document(row, fmt)
    except notices.ChangedFile:
        abort(409, "This file no longer matches the notice as issued")
    except storage.StorageError:
        abort(503, "The file could not be read from storage. Try again later.")
    record("notice_downloaded", user=api_user(), referral=row.referral,
           detail={"reference": row.notice_reference, "format": fmt})
    db.session.commit()
    return Response(data, mimetype=PDF if fmt == "pdf" else DOCX,
                    headers={"Content-Disposition": f'attachment; filename="{item.name}"'})
