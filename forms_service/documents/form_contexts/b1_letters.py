"""What the Peterborough Diocese Education Trust's two Appendix B1 letters share (001, Appendix B1 and 6.3):
the child's attendance this school year, the trust's levels and what each means in days of learning lost
over a school year, and the member of staff parents contact. The letters' own values are in
attendance_concern_letter.py (below 96%) and high_absence_letter.py (below 90%); the templates share
templates/html/print/_b1_letter.html and tools/docx_templates/b1_letter_parts.py.

Every number comes from the policy profile (`policies.Policy.param`), never from a template: the levels are
the `attendance_this_year` rule's `max_pct` for each letter, so a trust that changes its level in its
profile changes its letters too. The days lost are computed from the attendance figure, never typed.
"""
from __future__ import annotations

from collections.abc import Mapping

from ...policies import Policy
from ..values import NOT_GIVEN, as_figure, as_mapping, clean_text, date_text, shown

CONCERN_LETTER = "attendance-concern-letter"
HIGH_ABSENCE_LETTER = "high-absence-letter"
LEVEL_RULE = "attendance_this_year"
# Schools in England meet for at least 380 sessions (190 days) a school year: The Education (School Day and
# School Year) (England) Regulations 1999, regulation 3. 001, 6.4 counts the same way: missing 10% is "1 day
# or more a fortnight across a full academy year".
SCHOOL_YEAR_DAYS = 190
DAYS_A_WEEK = 5


def level_text(profile: Policy, form_id: str) -> str:
    """The level the trust sends a letter at, as 001 says it: "below 96%" (or "96% or below")."""
    pct = profile.param(LEVEL_RULE, "max_pct", form_id)
    return f"{pct:g}% or below" if profile.param(LEVEL_RULE, "inclusive", form_id) else f"below {pct:g}%"


def days_lost(pct) -> int | None:
    """The school days missed over a full school year at attendance `pct`, to the nearest day."""
    number = as_figure(pct)
    if number is None:
        return None
    return round((100 - number) * SCHOOL_YEAR_DAYS / 100)


def days_text(days: int) -> str:
    """"8 days (1.6 school weeks)"; a week is 5 school days."""
    weeks = round(days / DAYS_A_WEEK, 1)
    day_word = "day" if days == 1 else "days"
    week_word = "school week" if weeks == 1 else "school weeks"
    return f"{days} {day_word} ({weeks:g} {week_word})"


def _pct(profile: Policy, form_id: str) -> str:
    return f"{profile.param(LEVEL_RULE, 'max_pct', form_id):g}%"


def shared(data: Mapping, profile: Policy) -> dict:
    """The values both letters print, under `letter`."""
    pupil, figures = as_mapping(data.get("pupil")), as_mapping(data.get("figures"))
    contact, sender = as_mapping(data.get("contact")), as_mapping(data.get("sender"))
    attendance = as_figure(figures.get("attendance_pct"))
    lost = days_lost(attendance)
    concern_level = profile.param(LEVEL_RULE, "max_pct", CONCERN_LETTER)
    high_level = profile.param(LEVEL_RULE, "max_pct", HIGH_ABSENCE_LETTER)
    return {
        "date": date_text(data.get("letter_date")),
        "child": clean_text(pupil.get("first_name")) or "your child",
        "trust": profile.name,
        "attendance": NOT_GIVEN if attendance is None else f"{attendance:g}%",
        # Blank without a figure (a preview): the letter then leaves out the sentence about the child's year.
        "days_lost": "" if lost is None else days_text(lost),
        "year_days": str(SCHOOL_YEAR_DAYS),
        "concern_pct": _pct(profile, CONCERN_LETTER),
        "concern_days": days_text(days_lost(concern_level)),
        "high_pct": _pct(profile, HIGH_ABSENCE_LETTER),
        "high_level": level_text(profile, HIGH_ABSENCE_LETTER),
        "high_days": days_text(days_lost(high_level)),
        "contact_name": shown(contact.get("name")),
        "contact_details": shown(contact.get("details")),
        "sender_name": shown(sender.get("name")),
        "sender_role": shown(sender.get("role")),
    }
