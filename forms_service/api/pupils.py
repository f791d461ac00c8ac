"""The school's pupils through the API (issue 18: pupils entered once): the caller's own school's
pupils, found by name or UPN, to start a letter or request from (POST /api/v1/referrals `pupil`)."""
from __future__ import annotations

from flask import abort
from flask_smorest import Blueprint
from marshmallow import RAISE

from ..access.auth import api_user
from ..roll import search
from .catalogue import unprocessable
from .docs import fails_with
from .guard import authenticate
from .schemas import PupilList, PupilQuery

blp = Blueprint("api_pupils", __name__, description="The school's pupils")
blp.before_request(authenticate)


@blp.route("/pupils", methods=["GET"])
@blp.arguments(PupilQuery, location="query", unknown=RAISE)  # a misspelt ?query= must not list every pupil
@blp.response(200, PupilList)
@fails_with(blp, 403, 422)
def pupils(args):
    """School staff: their school's pupils whose name or UPN matches `q` — from the pupils file the
    school imported, then the children of its own records — each with their parents."""
    user = api_user()
    if user.role not in ("office", "headteacher") or user.school_id is None:
        abort(403, "Only a school's staff can list its pupils")
    try:
        found = search.find(user.school_id, args.get("q") or "")
    except search.QueryError as exc:
        return unprocessable("The search cannot be run", {"q": [str(exc)]})
    return {"pupils": [p.as_json() for p in found]}
