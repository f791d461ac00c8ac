"""The Peterborough trust's invitation to a formal attendance meeting (001, Appendix B1: "If attendance
targets are not met: Letter to be sent to parents inviting them to a formal attendance meeting supported
by LA Attendance Officer. Academy parenting contract to be put in place for 6 weeks."), one letter per
parent or carer. The seed names the letter but does not reproduce it: its words are the service's own.

- The targets set at the earlier meeting, each with whether it was met.
- The contract's weeks come from the verdict (`parent_contract_period`, the profile's number), never
  typed in a template; without a verdict (a bare preview) the letter says "the weeks the trust sets".
- What follows (Appendix B2): Formal Support, an Education Supervision Order, and prosecution where all
  else fails. The seed predates the 2024 national framework: the letter names the law in force on its
  date (forms_service/rules/law.py) and states no amounts, since the LA applies them.
"""
from __future__ import annotations

from collections.abc import Mapping

from ...dates import as_date
from ...rules.law import law_of
from ..values import (NOT_GIVEN, as_count, as_mapping, clean_text, date_text, extra, figure_text, rule_details, shown,
                      time_text)

WEEKS_UNKNOWN = "the number of weeks the trust's policy sets"


def _targets(items) -> list[dict]:
    out = []
    for item in items if isinstance(items, (list, tuple)) else ():
        item = as_mapping(item)
        met = item.get("met")
        out.append({"target": shown(item.get("target")),
                    "outcome": "met" if met is True else "not met" if met is False else NOT_GIVEN})
    return out or [{"target": NOT_GIVEN, "outcome": NOT_GIVEN}]


def _weeks(verdict: Mapping) -> str:
    weeks = as_count(rule_details(verdict, "parent_contract_period").get("weeks"))
    return f"{weeks} week{'s' if weeks != 1 else ''}" if weeks else WEEKS_UNKNOWN


def _attendance(data: Mapping, verdict: Mapping) -> str:
    """From the register where the verdict counted it (it wins over a typed figure, DESIGN.md §3)."""
    counted = as_mapping(verdict.get("figures")).get("attendance_pct")
    return figure_text(counted if counted is not None else as_mapping(data.get("figures")).get("attendance_pct"), "%")


def _law(letter_date) -> str:
    """The law in force on the letter's date, as law.py names it: the national framework from 19 August 2024,
    the penalty notice regulations as they stood before it."""
    england = law_of("england")
    on = as_date(letter_date)
    regime = england.regime_on(on) if on is not None else None
    if regime is not None and regime.in_force_from is None:
        return regime.regulations
    return england.notice_to_improve


def _when(meeting: Mapping) -> str:
    day = as_date(meeting.get("date"))
    day_text = f"{day.strftime('%A')} {date_text(day)}" if day else NOT_GIVEN
    return f"{time_text(meeting.get('time'))} on {day_text}"


@extra("formal-meeting-invitation")
def formal_meeting_invitation_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    pupil = as_mapping(data.get("pupil"))
    meeting = as_mapping(data.get("meeting"))
    signatory = as_mapping(data.get("signatory"))
    return {
        "letter": {
            "date": date_text(data.get("letter_date")),
            "child": clean_text(pupil.get("first_name")) or "your child",
            "targets_set_on": date_text(data.get("targets_set_on")),
            "targets": _targets(data.get("targets")),
            "attendance": _attendance(data, verdict),
            "officer": shown(data.get("la_officer")),
            "meeting_when": _when(meeting),
            "meeting_place": shown(meeting.get("place")),
            "contract_weeks": _weeks(verdict),
            "law": _law(data.get("letter_date")),
            "signatory_name": shown(signatory.get("name")),
            "signatory_role": shown(signatory.get("role")),
        },
    }
