"""The child's case and what falls due, through the API (issue 22; forms_service/cases)."""
from __future__ import annotations

from flask import abort
from flask_smorest import Blueprint
from marshmallow import RAISE

from ..access.auth import api_user, get_visible_referral
from ..cases import lists, records
from ..cases.kept import kept
from ..formatting import local_today
from .docs import fails_with
from .guard import authenticate
from .schemas import Case, DueList, DueQuery

blp = Blueprint("api_cases", __name__, description="The child's case and what is due")
blp.before_request(authenticate)


@blp.route("/referrals/<id:referral_id>/case", methods=["GET"])
@blp.response(200, Case)
@fails_with(blp, 404)
def case(referral_id: int):
    """The child this record is about: every record of theirs the caller may see and what the LA did with them,
    the stage they stand at, what is due and what is overdue. Another school's child is a 404."""
    user = api_user()
    referral = get_visible_referral(user, referral_id)
    today = local_today()
    return kept("api", user, referral, today, lambda: records.case_of(user, referral, today).to_dict())


@blp.route("/due", methods=["GET"])
@blp.arguments(DueQuery, location="query", unknown=RAISE)
@blp.response(200, DueList)
@fails_with(blp, 403, 422)
def due(args):
    """School staff: what falls due across the school's children in the next `days` days, and what is overdue.
    An LA officer: the same for the notices on the LA's accepted referrals."""
    user = api_user()
    if not lists.may_list(user):
        abort(403, "Only a school's staff or an LA officer has a list of what is due")
    upcoming, overdue = lists.due_list(user, local_today(), args["days"])
    return {"due": [r.to_dict() for r in upcoming], "overdue": [r.to_dict() for r in overdue]}
