"""LA-wide screening through the API (issue 25): POST /api/v1/la/screen with one or more files of every school's
marks, answered in the request as JSON (or CSV with format=csv), the files read and never stored; or POST
/api/v1/la/screens, screened in the background as the page's screens are (cases/screen_jobs.py), and GET
/api/v1/la/screens/{job_id} for its progress and list. The LA's officers and admins only, their own LA's schools
and screens only; every screen is audited without a pupil in it."""
from __future__ import annotations

from flask import abort, current_app, jsonify, request, url_for
from flask_smorest import Blueprint

from .. import storage
from ..access import quotas
from ..access.auth import api_user
from ..background import runner
from ..cases import la_screen, screen_jobs
from ..models import db
from ..policies import load_profile
from ..register.marks import CODE_SETS, DEFAULT_CODE_SET, RegisterError
from ..web.la_screening import csv_response
from .catalogue import unprocessable
from .docs import BINARY, fails_with
from .guard import authenticate

blp = Blueprint("api_la_screening", __name__, description="LA-wide screening")
blp.before_request(authenticate)

SCREEN_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {**BINARY, "description": "A file of every school's marks (repeat the field for several): "
                                                     "the long layout with a school column (URN or DfE number), or "
                                                     "one file a school named by its number"},
                   "code_set": {"type": "string", "enum": list(CODE_SETS), "default": DEFAULT_CODE_SET},
                   "format": {"type": "string", "enum": ["json", "csv"], "default": "json"}}}}}}


def _uploads(formats: tuple[str, ...] = ("json", "csv")):
    """(sources, code_set, format, None) from the multipart request, or (.., .., .., the 422 answer naming each
    field); 403 for anyone but the LA's officers and admins."""
    user = api_user()
    if user.role not in ("la_officer", "admin"):
        abort(403, "Only the local authority's officers and admins screen its schools")
    request.max_content_length = current_app.config["MAX_LA_REGISTER_BYTES"] + 1024 * 1024
    code_set = request.form.get("code_set") or DEFAULT_CODE_SET
    output = request.form.get("format") or request.args.get("format") or "json"
    errors = {}
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        errors["file"] = ["Attach the register files as multipart/form-data field 'file' (repeat it for several)"]
    if code_set not in CODE_SETS:
        errors["code_set"] = [f"Use one of {', '.join(CODE_SETS)}"]
    if output not in formats:
        errors["format"] = [f"Use {' or '.join(formats)}"]
    if errors:
        return [], code_set, output, unprocessable("The request is incomplete", errors)
    limit, total, sources = current_app.config["MAX_LA_REGISTER_BYTES"], 0, []
    for upload in files:
        data = upload.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            return [], code_set, output, unprocessable(
                "The files are too large", {"file": [f"The files must be smaller than {limit / (1024 * 1024):g} MB in all"]})
        sources.append((upload.filename, data))
    quotas.take(user, quotas.HEAVY_JOB, field="file")
    return sources, code_set, output, None


@blp.route("/la/screen", methods=["POST"])
@blp.doc(requestBody=SCREEN_BODY)
@blp.response(200, description="The LA's screen: {on, profile, pupils, schools, unknown_schools, rows}, each row "
                               "with its school, figures, flags, bands and what the service holds (`held`)")
@fails_with(blp, 403, 413, 422, 429)
def screen():
    """LA officer or admin: every pupil at the LA's schools in the files who meets a threshold or is in one of the
    profile's bands, most serious first, each joined to what the service holds for them (`held.stage`,
    `held.open_referral`, `held.last_letter`, `held.no_action_recorded`). School numbers that are not the LA's are
    listed in `unknown_schools` and their pupils left out. 422 names the field and each file's row and column.
    Answered in the request: for a large LA's files, `POST /la/screens` screens them in the background."""
    sources, code_set, output, refused = _uploads()
    if refused:
        return refused
    user = api_user()
    profile = load_profile(user.la.policy_profile or current_app.config["POLICY_PROFILE"])
    try:
        result = la_screen.screen_la(sources, user.la, profile, user=user, code_set=code_set)
    except RegisterError as exc:
        return unprocessable("The files could not be read", {"file": exc.messages}, problems=exc.errors)
    la_screen.audit(user, result, len(sources), output)
    db.session.commit()
    if output == "csv":
        return csv_response(result)
    return jsonify(result.to_dict())


QUEUE_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": SCREEN_BODY["content"]["multipart/form-data"]["schema"]["properties"]["file"],
                   "code_set": {"type": "string", "enum": list(CODE_SETS), "default": DEFAULT_CODE_SET}}}}}}


def _job_body(job) -> dict:
    return {**screen_jobs.progress(job), "summary": job.summary, "links": {"self": url_for(".job", job_id=job.id)}}


@blp.route("/la/screens", methods=["POST"])
@blp.doc(requestBody=QUEUE_BODY)
@blp.response(202, description="The screen, queued: {id, status, done, total, percent, stage, text, error, "
                               "finished, summary, links.self}; Location: where to ask how far it has got")
@fails_with(blp, 403, 413, 422, 429, 503)
def queue():
    """LA officer or admin: the files kept and screened in the background (by a `forms-service worker`, or the web
    process in the embedded default), as `POST /la/screen` screens them; ask `GET /la/screens/{job_id}` how far it
    has got, and for the list once `status` is `done`. The files are deleted once screened."""
    sources, code_set, _, refused = _uploads(formats=("json",))
    if refused:
        return refused
    try:
        job = screen_jobs.queue(api_user(), sources, code_set)
    except storage.StorageError:
        abort(503, "The files could not be kept for screening. Try again in a few minutes.")
    runner.wake()
    return jsonify(_job_body(job)), 202, {"Location": url_for(".job", job_id=job.id)}


@blp.route("/la/screens/<int:job_id>", methods=["GET"])
@blp.response(200, description="How far the screen has got ({id, status, done, total, percent, stage, text, error, "
                               "finished, summary}); once done, `result` as `POST /la/screen` answers (or the CSV "
                               "with format=csv)")
@fails_with(blp, 403, 404, 503)
def job(job_id: int):
    """LA officer or admin: one of the LA's own screens (another LA's: 404). `error` names each file's bad rows when
    it failed; `result` is there while the list is kept (RETENTION_LA_SCREENS)."""
    user = api_user()
    if user.role not in ("la_officer", "admin"):
        abort(403, "Only the local authority's officers and admins screen its schools")
    job = screen_jobs.for_la(user.la_id, job_id)
    if job is None:
        abort(404)
    runner.wake(job)
    body = _job_body(job)
    if job.status == "done" and job.result_key:
        try:
            result = screen_jobs.result_of(job)
        except storage.StorageError:
            abort(503, "The list could not be read from storage. Try again in a few minutes.")
        if (request.args.get("format") or "json") == "csv":
            return csv_response(result)
        body["result"] = result.to_dict()
    return jsonify(body)
