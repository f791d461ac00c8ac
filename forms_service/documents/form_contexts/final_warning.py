"""The Final Warning: Penalty Notice Warning Letter, s.23(1) Anti-social Behaviour Act 2003 (003,
Appendix 4). One letter per parent or carer: `build_context(..., recipient=i)` gives the `recipient`
it is addressed to; this module adds the letter's own words.

Letters are not signed through the referral sign-off: the head teacher types their name on the form
(`head_teacher_name`) and the letter closes with it. The common context never marks a letter as
a DRAFT (only referrals are signed off).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ...dates import as_date
from ...formatting import format_money
from ...rules.penalties import describe_amounts, penalty_amounts, regime_on
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, shown


def _amounts(letter_date: dt.date | None, jurisdiction: str = "england") -> dict:
    """The figures of the seed's amounts paragraph, as in force on the letter's date.

    The seed (003, Appendix 4) says "£60 ... within 21 days ... increase to £120": that predates The
    Education (Penalty Notices) (England) (Amendment) Regulations 2024 (in force 19 August 2024:
    £80 within 21 days, £160 within 28; a second notice to the same parent for the same child within
    3 years £160). The amounts therefore come from forms_service.rules.penalties, never from the
    template (DESIGN.md §2). A letter not yet dated is worded for today, the date it would get. In
    Wales the Education (Penalty Notices) (Wales) Regulations 2013 apply (£60 within 28 days, £120
    within 42: forms_service/rules/law.py), whatever the seed says.
    """
    on = letter_date or dt.date.today()
    regime = regime_on(on, jurisdiction)
    first = penalty_amounts(on, 0, regime)  # a first notice to a parent for this child
    lower, higher = first[0], first[-1]
    repeat = penalty_amounts(on, 1, regime)
    # A second notice costs more only where the law says so (England from 2024); the templates word it.
    second = {"amount": "", "days": "", "amounts": "", "years": ""}
    if regime.limit is not None and repeat and repeat != first:
        second["years"] = str(regime.years)
        if len(repeat) == 1:
            second.update(amount=format_money(repeat[0].pence), days=str(repeat[0].within_days))
        else:
            second["amounts"] = describe_amounts(repeat)
    return {
        "lower": format_money(lower.pence), "lower_days": str(lower.within_days),
        "higher": format_money(higher.pence), "higher_days": str(higher.within_days),
        "second": second,
        "regime_source": regime.source,
    }


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
            "amounts": _amounts(as_date(data.get("final_warning_date")), jurisdiction),
            "contact_by": date_text(data.get("contact_by")),
            "head_teacher_name": shown(data.get("head_teacher_name")),
        },
    }
