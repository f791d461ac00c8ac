"""Referrals through the API: create, read, change, evidence, submit, sign, documents, audit."""
from __future__ import annotations

import re

from flask import Response, abort, jsonify, request
from flask_smorest import Blueprint
from werkzeug.exceptions import NotFound

from .. import dictionary, storage
from ..access import quotas
from ..access.auth import api_user, get_visible_referral
from ..audit import record, trail as audit_trail
from ..delivery.outbox import DeliveryStateError, delivery_status, resend_latest_pack
from ..formatting import local_today
from ..formdefs import deep_merge, get_form
from ..la import decisions as la_decisions, inbox, outcomes as la_outcomes
from ..models import STATUSES, Referral as ReferralRow, db
from ..referrals import actions, documents as docs
from ..referrals.evidence import DOCX, JPEG, JSON_TYPE, PDF, PNG
from ..referrals.signing import sign as sign_referral
from ..roll import answers as roll_answers, search as roll_search
from ..security import DOCUMENT_POLICY
from ..storage import StorageError
from .catalogue import unprocessable
from .docs import BINARY, fails_with, files
from .guard import authenticate
from .schemas import (AuditEvent as AuditSchema, Check, DecisionRequest, Delivery, DocumentFile, EvidenceItem,
                      OutcomeRequest, Referral, ReferralCreate, ReferralList, ReferralPatch, SendBackRequest,
                      SignRequest)

blp = Blueprint("api_referrals", __name__, description="Referrals")
blp.before_request(authenticate)


def _out(referral: ReferralRow) -> dict:
    body = Referral().dump(referral)
    delivery = delivery_status(referral)
    body["delivery"] = Delivery().dump(delivery) if delivery else None
    timeline = actions.timeline(referral, local_today())
    if timeline is not None:  # the Fast Track referral's eight weeks: what is due next, and when
        body["timeline"] = timeline.to_dict()
    return body


def _reply(body: dict, status: int = 200):
    # Already dumped by `_out`: a Response stops flask-smorest dumping it a second time through the
    # Referral schema (which reads model attributes), while the schema still documents the shape.
    return jsonify(body), status


def _failure(exc: actions.ActionError):
    if exc.status == 422:
        extra = {"rules": exc.rules} if exc.rules else {}
        return unprocessable(exc.message, exc.errors, **extra)
    abort(exc.status, exc.message)


def _register_or_error(raw):
    if raw is None:
        return None
    # Marks sent to be stored are an upload (quotas.py): counted before the work of reading them.
    quotas.take(api_user(), quotas.UPLOAD, field="register")
    return actions.parse_register(raw)


# Validated by forms_service.la.inbox.parse (shared with the LA inbox page), documented here. An empty
# value is no filter, as the page sends it.
FILTERS = [{"in": "query", "name": name, "allowEmptyValue": True, "schema": schema, "description": text}
           for name, schema, text in (
               ("school", {"type": "integer"}, "A school's id (of those you see)"),
               ("form", {"type": "string"}, "A form's id (GET /api/v1/forms)"),
               ("status", {"type": "string", "enum": list(STATUSES)}, "The referral's status"),
               ("date_field", {"type": "string", "enum": list(inbox.DATE_FIELDS)},
                "Which date from and to apply to: signed (the default) or decided"),
               ("from", {"type": "string", "format": "date"}, "YYYY-MM-DD, inclusive"),
               ("to", {"type": "string", "format": "date"}, "YYYY-MM-DD, inclusive"))]


@blp.route("/referrals", methods=["GET"])
@blp.response(200, ReferralList)
@blp.doc(parameters=FILTERS)
@fails_with(blp, 422)
def list_referrals():
    """Filters (all optional, query string): school (id), form (form id), status, date_field (signed, the
    default, or decided) with from / to (YYYY-MM-DD, inclusive, in England's time). A bad value is a 422
    naming the parameter. Always within what the caller may see (an officer: their LA's sent referrals)."""
    user = api_user()
    unknown = {key: ["Unknown filter: use " + ", ".join(inbox.PARAMS)] for key in request.args
               if key not in inbox.PARAMS}
    filters = inbox.parse(user, request.args)
    if unknown or filters.errors:
        return unprocessable("Some filters are not valid", {**unknown, **filters.errors})
    query = inbox.query(user, filters).order_by(ReferralRow.updated_at.desc())
    return _reply({"referrals": [_out(r) for r in db.session.scalars(query.limit(500))]})


@blp.route("/referrals", methods=["POST"])
@blp.arguments(ReferralCreate)
@blp.response(201, Referral)
@fails_with(blp, 400, 403, 413, 429)
def create(body):
    """School staff: a new draft of `form` with `data`, or from one of the school's pupils (`pupil`,
    GET /api/v1/pupils: their details and parents, with `data` laid over them)."""
    user, data = api_user(), body["data"]
    if body.get("pupil") is not None and user.school_id is not None:
        pupil = roll_search.get(user.school_id, body["pupil"])
        if pupil is None:
            return unprocessable("Unknown pupil", {"pupil": ["No pupil of your school has this id: find it with "
                                                             "GET /api/v1/pupils"]})
        form = get_form(body["form"])
        data = deep_merge(roll_answers.answers_for(form, pupil), data) if form is not None else data
    try:
        register = _register_or_error(body.get("register"))
        referral = actions.create(user, body["form"], data, register)
    except actions.ActionError as exc:
        return _failure(exc)
    out = _out(referral)
    out["eligibility"] = actions.verdict(referral).to_dict()
    out["warnings"] = _warnings(actions.form_of(referral), data)
    return _reply(out, 201)


def _warnings(form, data: dict) -> list[dict]:
    """The data dictionary's names the form does not use, which actions.validate_draft set aside."""
    return [w.to_dict() for w in dictionary.set_aside(form, data).warnings]


@blp.route("/referrals/<id:referral_id>", methods=["GET"])
@blp.response(200, Referral)
@fails_with(blp, 404)
def read(referral_id: int):
    referral = get_visible_referral(api_user(), referral_id)
    out = _out(referral)
    if referral.status in actions.EDITABLE_STATUSES:
        out["eligibility"] = actions.verdict(referral).to_dict()
    return _reply(out)


@blp.route("/referrals/<id:referral_id>", methods=["PATCH"])
@blp.arguments(ReferralPatch)
@blp.response(200, Referral)
@fails_with(blp, 400, 403, 404, 409, 413, 429)
def patch(body, referral_id: int):
    referral = get_visible_referral(api_user(), referral_id)
    try:
        register = _register_or_error(body["register"]) if "register" in body else False
        actions.update(api_user(), referral, body["data"], register=register, expected_version=body.get("version"))
    except actions.ActionError as exc:
        return _failure(exc)
    out = _out(referral)
    out["eligibility"] = actions.verdict(referral).to_dict()
    out["warnings"] = _warnings(actions.form_of(referral), body["data"])
    return _reply(out)


EVIDENCE_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["kind", "file"],
    "properties": {"kind": {"type": "string", "description": "One of the form's evidence kinds (GET /api/v1/forms)"},
                   "file": {**BINARY, "description": "A PDF, JPG or PNG"}}}}}}


@blp.route("/referrals/<id:referral_id>/evidence", methods=["POST"])
@blp.response(201, EvidenceItem)
@blp.doc(requestBody=EVIDENCE_BODY)
@fails_with(blp, 403, 404, 409, 413, 422, 429, 503)
def upload_evidence(referral_id: int):
    """multipart/form-data with `kind` and `file`."""
    referral = get_visible_referral(api_user(), referral_id)
    upload = request.files.get("file")
    errors = {}
    if not request.form.get("kind"):
        errors["kind"] = ["Say what the file is: kind is required"]
    if upload is None or not upload.filename:
        errors["file"] = ["Attach the file as multipart/form-data field 'file'"]
    if errors:
        return unprocessable("The upload is incomplete", errors)
    try:
        item = actions.attach_evidence(api_user(), referral, request.form["kind"], upload.filename, upload.read())
    except actions.ActionError as exc:
        return _failure(exc)
    except StorageError:
        abort(503, "The file could not be stored. Try again later.")
    return item, 201


@blp.route("/referrals/<id:referral_id>/submit", methods=["POST"])
@blp.response(200, Referral)
@fails_with(blp, 403, 404, 409, 422)
def submit(referral_id: int):
    referral = get_visible_referral(api_user(), referral_id)
    try:
        actions.submit(api_user(), referral)
    except actions.ActionError as exc:
        return _failure(exc)
    return _reply(_out(referral))


@blp.route("/referrals/<id:referral_id>/sign", methods=["POST"])
@blp.arguments(SignRequest)
@blp.response(200, Referral)
@fails_with(blp, 400, 403, 404, 409, 413, 503)
def sign(body, referral_id: int):
    referral = get_visible_referral(api_user(), referral_id)
    try:
        sign_referral(api_user(), referral, name=body["name"], declaration=body["declaration"],
                      on_behalf_of=body.get("on_behalf_of"), client_address=request.remote_addr)
    except actions.ActionError as exc:
        db.session.rollback()
        return _failure(exc)
    except StorageError:
        db.session.rollback()
        abort(503, "The pack could not be stored, so the request has not been signed. Nothing was sent.")
    return _reply(_out(referral))


@blp.route("/referrals/<id:referral_id>/send-back", methods=["POST"])
@blp.arguments(SendBackRequest)
@blp.response(200, Referral)
@fails_with(blp, 400, 403, 404, 409, 413)
def send_back(body, referral_id: int):
    """The school's headteacher, on a request awaiting their sign-off: send it back to the office with
    what needs changing. Its status becomes `sent_back` (the office can change it and submit it again),
    the referral carries `sent_back: {reason, by, at}`, and the office user who submitted it is emailed
    (the reference and the pupil's initials, never the child's name)."""
    referral = get_visible_referral(api_user(), referral_id)
    try:
        actions.return_to_office(api_user(), referral, body["reason"])
    except actions.ActionError as exc:
        db.session.rollback()
        return _failure(exc)
    return _reply(_out(referral))


def _officer_referral(referral_id: int) -> ReferralRow:
    """The LA's side: any other role is refused (403) before looking; another LA's record is 404."""
    user = api_user()
    la_decisions.require_officer(user)
    return get_visible_referral(user, referral_id)


CHECKS_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": {"type": "boolean"},
    "description": "{check_id: true|false, ...}: ids from the form's checklist (GET /api/v1/referrals/<id>: checks)",
    "example": {"child_details": True, "parent_details": False}}}}}


@blp.route("/referrals/<id:referral_id>/checks", methods=["POST"])
@blp.doc(requestBody=CHECKS_BODY)
@blp.response(200, Check(many=True))
@fails_with(blp, 403, 404, 409, 413, 422)
def checks(referral_id: int):
    """LA officer: tick (true) or untick (false) rows of the form's checklist on the current signed version.

    Unknown ids, or values other than true/false, are refused (422, each named under errors)."""
    try:
        referral = _officer_referral(referral_id)
        la_decisions.record_checks(api_user(), referral, request.get_json(silent=True))
    except actions.ActionError as exc:
        db.session.rollback()
        return _failure(exc)
    return _reply(_out(referral)["checks"])


DECISION_KEYS = ("decision", "reasons", "rule_ids", "check_ids")


@blp.route("/referrals/<id:referral_id>/decision", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": DecisionRequest}}})
@blp.response(200, Referral)
@fails_with(blp, 403, 404, 409, 413, 422)
def decision(referral_id: int):
    """LA officer: accept the signed version, or return it to the school with reasons (emailed to the school's
    attendance contact). A returned referral is corrected, submitted and signed again as a new version.

    Validated in one place (forms_service.la.decisions), so every error is named by its field under `errors`."""
    try:
        referral = _officer_referral(referral_id)
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise actions.ActionError("Send the decision as a JSON object",
                                      errors={"decision": ["Send a JSON object with decision and reasons"]})
        unknown = {key: ["Unknown field"] for key in body if key not in DECISION_KEYS}
        if unknown:
            raise actions.ActionError("The decision has fields this service does not know", errors=unknown)
        la_decisions.decide(api_user(), referral, body.get("decision"), body.get("reasons"), body.get("rule_ids"),
                            body.get("check_ids"))
    except actions.ActionError as exc:
        db.session.rollback()
        return _failure(exc)
    return _reply(_out(referral))


@blp.route("/referrals/<id:referral_id>/outcomes", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": OutcomeRequest}}})
@blp.response(201, Referral)
@fails_with(blp, 403, 404, 409, 413, 422)
def outcomes(referral_id: int):
    """LA officer, on an accepted referral: record what followed. kind is one of penalty_notice_issued
    (date, notices: [{parent_name, reference}] - one notice per parent, each with its own reference),
    ppm_held (date, ppm_outcome: revised_contract|penalty_notice|prosecution|dismissed; ppm-request only),
    notice_to_improve (date), penalty_notice_paid / penalty_notice_unpaid / penalty_notice_withdrawn (date,
    notice: the notice's reference), year_end_review (date, notes: what the review decided; where the LA's
    profile holds one, as Cardiff's 002 does). Answers the referral with its `outcomes`. A withdrawn notice no
    longer counts towards the limit on penalty notices; Wales has no Notice to Improve to record."""
    try:
        referral = _officer_referral(referral_id)
        la_outcomes.record_outcome(api_user(), referral, request.get_json(silent=True))
    except actions.ActionError as exc:
        db.session.rollback()
        return _failure(exc)
    return _reply(_out(referral), 201)


@blp.route("/referrals/<id:referral_id>/delivery", methods=["POST"])
@blp.response(200, Referral)
@fails_with(blp, 403, 404, 409)
def resend_delivery(referral_id: int):
    """LA officer or admin: send the latest signed version's pack to the LA's inbox again after its
    delivery failed (`delivery.state` "failed": the mail server refused it, its retries ran out, or the
    worker stopped while sending it). The same message (the same Message-ID) is queued with a full set of
    retries, and the change is audited; 409 if its delivery has not failed."""
    user = api_user()
    if user.role not in ("la_officer", "admin"):
        abort(403)
    referral = get_visible_referral(user, referral_id)
    try:
        resend_latest_pack(referral, user)
    except DeliveryStateError as exc:
        db.session.rollback()
        abort(409, str(exc))
    return _reply(_out(referral))


def _documents(referral: ReferralRow) -> list[dict]:
    return [{"name": f.name, "role": f.role, "content_type": f.content_type, "size": f.size, "sha256": f.sha256,
             "version": pack.version} for pack in referral.packs for f in pack.files]


@blp.route("/referrals/<id:referral_id>/documents", methods=["GET"])
@blp.response(200, DocumentFile(many=True))
@fails_with(blp, 404)
def documents(referral_id: int):
    user = api_user()
    referral = get_visible_referral(user, referral_id)
    if referral.packs:  # listing a signed pack is viewing it, as the LA's pack page is
        record("pack_viewed", user=user, referral=referral, detail={"via": "api"})
        db.session.commit()
    return _documents(referral)


@blp.route("/referrals/<id:referral_id>/documents/<name>", methods=["GET"])
@blp.response(200)
@blp.doc(parameters=[{"in": "query", "name": "version", "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
                      "description": "A signed version (default: the latest)"}],
         responses=files("The file: a signed pack's PDF, DOCX, evidence (PDF, PNG, JPEG) or manifest.json; "
                         "before signing, the draft as PDF or HTML",
                         PDF, DOCX, PNG, JPEG, JSON_TYPE, "text/html"))
@fails_with(blp, 404, 409, 422, 503)
def document(referral_id: int, name: str):
    """A file of the latest signed pack (or `?version=N`). Before signing: `draft.pdf` and `draft.html`."""
    user = api_user()
    referral = get_visible_referral(user, referral_id)
    # A misspelt parameter (?versoin=2) must not quietly give the latest version either.
    unknown = {key: ["Unknown parameter: use version"] for key in request.args if key != "version"}
    if unknown:
        return unprocessable("Unknown parameter", unknown)
    version = request.args.get("version")
    if version is not None and not re.fullmatch(r"[1-9][0-9]{0,8}", version):
        # A typo must not quietly give the latest version (nor, before signing, the draft).
        return unprocessable("Unknown version", {"version": ["Give a signed version: a whole number from 1"]})
    if not referral.packs:
        if version is None and name in ("draft.pdf", "draft.html"):
            fmt = name.rpartition(".")[2]
            record("preview_viewed", user=user, referral=referral, detail={"format": fmt, "via": "api"})
            db.session.commit()
            if fmt == "pdf":
                return Response(docs.preview_pdf(referral, actions.verdict(referral).to_dict()), mimetype="application/pdf")
            return Response(docs.preview_html(referral, actions.verdict(referral).to_dict()), mimetype="text/html",
                            headers={"Content-Security-Policy": DOCUMENT_POLICY})  # as the web preview
        raise NotFound("This referral has no signed documents yet: ask for draft.pdf or draft.html")
    version = int(version) if version is not None else referral.latest_pack.version
    pack = next((p for p in referral.packs if p.version == version), None)
    item = next((f for f in pack.files if f.name == name), None) if pack else None
    if item is None:
        raise NotFound("No such document in this pack")
    try:
        data = storage.get(item.storage_key)
    except StorageError:
        abort(503, "The file could not be read from storage. Try again later.")
    if storage.sha256(data) != item.sha256:
        abort(409, "This file no longer matches the signed pack")
    record("pack_file_downloaded", user=user, referral=referral, detail={"version": version, "file": name})
    db.session.commit()
    return Response(data, mimetype=item.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{item.name}"'})


@blp.route("/referrals/<id:referral_id>/audit", methods=["GET"])
@blp.response(200, AuditSchema(many=True))
@fails_with(blp, 404)
def audit(referral_id: int):
    """The referral's audit trail: a school's users see each actor's name and role (no email address,
    no IP address; `ip` is null); the LA sees everything recorded."""
    user = api_user()
    return audit_trail(get_visible_referral(user, referral_id), user)
