"""The penalty notice amounts a letter to parents states, as in force on the letter's date (DESIGN.md §2):
the figures for its sentences, from forms_service/rules/penalties.py and rules/law.py, never typed in a
template. Shared by the Final Warning (003, Appendix 4) and Knowsley's Penalty Warning Notice letter (004),
whose seeds' £60/£120 predate The Education (Penalty Notices) (England) (Amendment) Regulations 2024."""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date, format_money
from ..rules.law import law_of
from ..rules.penalties import describe_amounts, penalty_amounts, regime_on


def amounts_in_force(letter_date: dt.date | None, jurisdiction: str = "england") -> dict:
    """The amounts of a first notice and, where the law charges a second more, of a second one. A letter
    not yet dated is worded for today, the date it would get. In Wales the Education (Penalty Notices)
    (Wales) Regulations 2013 apply (£60 within 28 days, £120 within 42), whatever a seed says."""
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


def law_in_force(letter_date: dt.date | None, jurisdiction: str = "england") -> dict:
    """What a penalty warning says of the law besides the amounts, as in force on the letter's date: the
    regulations, the limit on repeat notices, the national threshold and whether a Notice to Improve may
    come first ("" or False where that law has none: England before 19 August 2024, Wales)."""
    on = letter_date or dt.date.today()
    law = law_of(jurisdiction)
    regime = law.regime_on(on)
    sessions, weeks = regime.threshold or ("", "")
    return {
        "regulations": regime.regulations,
        "in_force_from": format_date(regime.in_force_from) if regime.in_force_from else "",
        "limit": str(regime.limit) if regime.limit is not None else "", "years": str(regime.years),
        "threshold": {"sessions": str(sessions), "weeks": str(weeks)},
        # The Notice to Improve came with the national framework and its threshold (19 August 2024).
        "notice_to_improve": law.notice_to_improve is not None and regime.threshold is not None,
    }
