"""LA-wide screening through the API (issue 25): POST /api/v1/la/screen with one or more files of every school's
marks, answered as JSON (or CSV with format=csv); the LA's officers and admins only, their own LA's schools only.
The files are read and answered, never stored; the screen is audited without a pupil in it."""
from __future__ import annotations

from flask import abort, current_app, jsonify, request
from flask_smorest import Blueprint

from ..access import quotas
from ..access.auth import api_user
from ..cases import la_screen
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


@blp.route("/la/screen", methods=["POST"])
@blp.doc(requestBody=SCREEN_BODY)
@blp.response(200, description="The LA's screen: {on, profile, pupils, schools, unknown_schools, rows}, each row "
                               "with its school, figures, flags, bands and what the service holds (`held`)")
@fails_with(blp, 403, 413, 422, 429)
def screen():
    """LA officer or admin: every pupil at the LA's schools in the files who meets a threshold or is in one of the
    profile's bands, most serious first, each joined to what the service holds for them (`held.stage`,
    `held.open_referral`, `held.last_letter`, `held.no_action_recorded`). School numbers that are not the LA's are
    listed in `unknown_schools` and their pupils left out. 422 names the field and each file's row and column."""
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
    if output not in ("json", "csv"):
        errors["format"] = ["Use json or csv"]
    if errors:
        return unprocessable("The request is incomplete", errors)
    limit, total, sources = current_app.config["MAX_LA_REGISTER_BYTES"], 0, []
    for upload in files:
        data = upload.read(limit + 1 - total)
        total += len(data)
        if total > limit:
            return unprocessable("The files are too large",
                                 {"file": [f"The files must be smaller than {limit / (1024 * 1024):g} MB in all"]})
        sources.append((upload.filename, data))
    quotas.take(user, quotas.HEAVY_JOB, field="file")
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
