"""The year-end review of referrals still open (issue 19; 002, "Status of referrals open to the EWS at the
end of an academic year": "All referrals that are EWS at the end of an academic year will be subject to a
formal review. The referral will remain open and active at the start of the next academic year if the
attendance concerns persist.").

Whether an LA holds one is its profile's (`year_end_review`.`required`: Cardiff's), never its name. An
accepted referral is open; it is due for review once an academic year it was open in has reached its end
(31 August), or is in its last weeks (from 1 July, when the summer term's reviews are held), until the
officer records the review as an outcome (`year_end_review`, outcomes.record_outcome) dated in that
window or later. Advisory: it asks for a review, it stops nothing.
"""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date
from ..models import Referral
from ..policies import load_profile
from ..referrals.actions import profile_name

RULE = "year_end_review"
REVIEWS_FROM = (7, 1)  # the summer term's last weeks: a review held from then counts for that year's end


def _year_end(day: dt.date) -> dt.date:
    """The end (31 August) of the academic year `day` is in."""
    return dt.date(day.year if day.month < 9 else day.year + 1, 8, 31)


def reviews_held(referral: Referral) -> list[dt.date]:
    return sorted(o.occurred_on for o in referral.outcomes if o.kind == RULE)


def required(referral: Referral) -> bool:
    return _holds_review(load_profile(profile_name(referral)))


def _holds_review(profile) -> bool:
    return RULE in profile.rules and bool(profile.param(RULE, "required"))


def review_due(referral: Referral, today: dt.date) -> dict | None:
    """An advisory rule ({id, status, reason, source}) when the referral is due for its year-end review."""
    if referral.status != "accepted":
        return None
    profile = load_profile(profile_name(referral))
    if not _holds_review(profile):
        return None
    accepted = max((d.decided_at.date() for d in referral.decisions if d.decision == "accept"), default=None)
    if accepted is None:
        return None
    # The year end to review for: this year's from 1 July, otherwise the last one.
    this_end = _year_end(today)
    window = dt.date(this_end.year, *REVIEWS_FROM)
    if today < window:
        this_end = dt.date(this_end.year - 1, 8, 31)
        window = dt.date(this_end.year, *REVIEWS_FROM)
    if accepted > this_end:
        return None  # accepted since: no year end has passed with it open
    if any(day >= window for day in reviews_held(referral)):
        return None
    ended = "ends" if today <= this_end else "ended"
    school_year = f"{this_end.year - 1}/{str(this_end.year)[2:]}"
    return {"id": RULE, "status": "advisory",
            "reason": f"Still open as the {school_year} school year {ended} on {format_date(this_end)} (accepted on "
                      f"{format_date(accepted)}): hold the formal year-end review and record it. The referral stays "
                      "open into the next school year only if the attendance concerns persist.",
            "source": profile.source(RULE)}
