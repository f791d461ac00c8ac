"""Knowsley's Statutory Referral Form (004, Level 3): who refers, the Level 1 actions and the Early Help
Assessment, the Level 2 meetings and their outcome, the information 004 (Level 2 / Step 1) says to
gather before engaging other services, and the attendance. 004 names the form but does not reproduce
it: the rows are the service's own, one per step of Levels 1-3.

Every string returned here is printed by both templates (templates/html/print/statutory-referral.html
and templates/docx/statutory-referral.docx): the tests compare the two documents phrase by phrase.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import (NOT_GIVEN, action_rows, as_count, as_mapping, clean_text, date_text, extra, figure_text,
                      rule_details, shown, unauthorised_in_window, yes_no)

REFERRED_BY = {"school": "The school", "traded_officer": "The traded officer"}
MEETINGS = {"aim": "Attendance Improvement Meeting (AIM)", "aim_review": "Review of the AIM action plan",
            "taf": "Team Around the Family (TAF) meeting"}
WEEKS_RULE = "statutory_level2_weeks"
HOW_COUNTED = {"register": "counted from the register", "calendar": "counted Monday to Friday, without register marks",
               "both": "counted from the register, and Monday to Friday beyond its marks"}


def _meetings(items: Any) -> list[dict]:
    """One row per Level 2 meeting, in date order; with none, one row reading "Not given"."""
    rows = [as_mapping(item) for item in items] if isinstance(items, (list, tuple)) else []
    rows.sort(key=lambda row: str(row.get("date") or ""))
    made = [{"date": date_text(row.get("date")),
             "kind": MEETINGS.get(clean_text(row.get("kind")), shown(row.get("kind"))),
             "attended_by": shown(row.get("attended_by")), "outcome": shown(row.get("outcome"))} for row in rows]
    return made or [{"date": NOT_GIVEN, "kind": NOT_GIVEN, "attended_by": NOT_GIVEN, "outcome": NOT_GIVEN}]


def _weeks(verdict: Mapping) -> str:
    """The school weeks of Level 2 work before the referral, as the rule counted them."""
    details = rule_details(verdict, WEEKS_RULE)
    weeks = as_count(details.get("school_weeks"))
    if weeks is None:
        return NOT_GIVEN
    how = HOW_COUNTED.get(details.get("origin"), HOW_COUNTED["calendar"])
    noun = "school week" if weeks == 1 else "school weeks"
    return f"{weeks} {noun} from {date_text(details.get('from'))} to the referral ({how})"


def _risks(data: Mapping) -> str:
    answer = yes_no(data.get("needs_risks_increased"))
    details = clean_text(data.get("needs_risks_details"))
    return f"{answer}: {details}" if data.get("needs_risks_increased") is True and details else answer


@extra("statutory-referral")
def statutory_referral_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    # The year's attendance as the rules counted it (from the register when there are marks), else as typed.
    typed = as_mapping(data.get("figures")).get("attendance_pct")
    attendance = as_mapping(verdict.get("figures")).get("attendance_pct", typed)
    return {
        "statutory": {
            "referred_by": REFERRED_BY.get(clean_text(data.get("referred_by")), NOT_GIVEN),
            "referrer_name": shown(data.get("referrer_name")),
            "has_sla": yes_no(data.get("school_has_knowsley_sla")),
            "sla_provider": shown(data.get("sla_provider")),
            "eha_date": date_text(data.get("early_help_assessment_date")),
            "eha_outcome": shown(data.get("early_help_assessment_outcome")),
            "action_plan": shown(data.get("action_plan")),
            "level2_outcome": shown(data.get("level2_outcome")),
            "level2_weeks": _weeks(verdict),
            "risks_increased": _risks(data),
            "historical_attendance": shown(data.get("historical_attendance")),
            "siblings": shown(data.get("siblings")),
            "behaviour": shown(data.get("behaviour")),
            "send": shown(data.get("send")),
            "gp_medical": shown(data.get("gp_medical")),
            "pastoral_support": shown(data.get("pastoral_support")),
            "multi_agency_support": shown(data.get("multi_agency_support")),
            "attendance": figure_text(attendance, "%"),
            "unauthorised_sessions": unauthorised_in_window(data, verdict, "statutory_penalty_notice_threshold"),
        },
        "level1_actions": action_rows(data.get("level1_actions")),
        "level2_meetings": _meetings(data.get("level2_meetings")),
    }
