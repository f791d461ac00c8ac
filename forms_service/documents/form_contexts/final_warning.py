"""The Final Warning: Penalty Notice Warning Letter, s.23(1) Anti-social Behaviour Act 2003 (003,
Appendix 4). One letter per parent or carer: `build_context(..., recipient=i)` gives the `recipient`
it is addressed to; this module adds the letter's own words.

Letters are not signed through the referral sign-off: the head teacher types their name on the form
(`head_teacher_name`) and the letter closes with it. The common context never marks a letter as
a DRAFT (only referrals are signed off).
"""
from __future__ import annotations

from collections.abc import Mapping

from ...dates import as_date
from ..penalty_amounts import amounts_in_force
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, shown


@extra("final-warning", by_law=True)
def final_warning_context(form: Mapping, data: Mapping, verdict: Mapping, jurisdiction: str = "england") -> dict:
    meeting = as_mapping(data.get("meeting"))
    fast_track = meeting.get("fast_track")
    # Which meeting (True: Fast Track; False: the Panel; None: not answered yet) and its date: the templates
    # word the plan's heading, a message in the parent's language.
    meeting_date = date_text(meeting.get("date"))

    items = data.get("plan") if isinstance(data.get("plan"), (list, tuple)) else []
    plan = [text for text in (clean_text(as_mapping(item).get("action")) for item in items) if text]

    return {
        "letter": {
            "date": date_text(data.get("final_warning_date")),
            "fast_track": fast_track if isinstance(fast_track, bool) else None,
            "meeting_date": "" if meeting_date == NOT_GIVEN else meeting_date,
            "plan": plan or [NOT_GIVEN],
            # The seed's "£60 ... £120" predates the 2024 regulations: the amounts in force on the letter's date.
            "amounts": amounts_in_force(as_date(data.get("final_warning_date")), jurisdiction),
            "contact_by": date_text(data.get("contact_by")),
            "head_teacher_name": shown(data.get("head_teacher_name")),
        },
    }
