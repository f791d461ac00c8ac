"""A register export read back to the integrator (issue 21): POST /api/v1/registers/read shows exactly
what the reader understood of a file (its layout, encoding, code set, every mark and every pupil, and
what it had to decide) through the same reader the pages, the screen and bulk letters use. Nothing is
stored: the file is read and answered."""
from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from ..access import quotas
from ..access.auth import api_user
from ..register import exports
from ..register.marks import CODE_SETS, DEFAULT_CODE_SET, RegisterError, attendance_pct, session_json
from ..register.screening import MAX_SCHOOL_ROWS
from .catalogue import unprocessable
from .docs import BINARY, fails_with
from .guard import authenticate
from .schemas import RegisterReading

blp = Blueprint("api_registers", __name__, description="Register exports, read back")
blp.before_request(authenticate)

READ_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {**BINARY, "description": "The MIS's export: CSV (UTF-8, UTF-16 or Windows-1252) or "
                                                     "Excel (.xlsx), in the long layout or as a week grid"},
                   "code_set": {"type": "string", "enum": list(CODE_SETS), "default": DEFAULT_CODE_SET}}}}}}


@blp.route("/registers/read", methods=["POST"])
@blp.response(200, RegisterReading)
@blp.doc(requestBody=READ_BODY)
@fails_with(blp, 413, 422, 429)
def read():
    """multipart/form-data with `file` and optionally `code_set`: what the register reader understood —
    `{code_set, layout, encoding, sessions, pupils, warnings}` — or 422 with every problem in the file
    (up to 50), each naming its row and, in a week grid, its column."""
    upload = request.files.get("file")
    code_set = request.form.get("code_set") or DEFAULT_CODE_SET
    errors = {}
    if upload is None or not upload.filename:
        errors["file"] = ["Attach the register export as multipart/form-data field 'file'"]
    if code_set not in CODE_SETS:
        errors["code_set"] = [f"Use one of {', '.join(CODE_SETS)}"]
    if errors:
        return unprocessable("The request is incomplete", errors)
    data = upload.read()
    limit = current_app.config["MAX_SCHOOL_REGISTER_BYTES"]
    if len(data) > limit:
        return unprocessable("The register is too large",
                             {"file": [f"The file must be smaller than {limit / (1024 * 1024):g} MB"]})
    # A pupil's file is an upload; a whole school's is a heavy job (access/quotas.py), counted before reading.
    heavy = len(data) > current_app.config["MAX_REGISTER_BYTES"]
    quotas.take(api_user(), quotas.HEAVY_JOB if heavy else quotas.UPLOAD, field="file")
    try:
        export = exports.read_export(data, code_set, by_upn=True, max_rows=MAX_SCHOOL_ROWS)
    except RegisterError as exc:
        return unprocessable("The register could not be read", {"file": exc.messages}, problems=exc.errors)
    pupils, sessions = [], []
    for upn, register in export.pupils.items():
        pct = attendance_pct(register)
        pupils.append({"upn": upn, "sessions": len(register), "first_date": register.sessions[0].date,
                       "last_date": register.sessions[-1].date,
                       "attendance_pct": None if pct is None else round(pct, 1)})
        sessions.extend({"upn": upn, **session_json(s)} if upn else session_json(s) for s in register.sessions)
    return {"code_set": export.code_set, "layout": export.layout, "encoding": export.encoding,
            "sessions": sessions, "pupils": pupils, "warnings": export.warnings}
