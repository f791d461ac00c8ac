"""Knowsley's attendance letters 1 and 2 and its Penalty Warning Notice letter (004, Toolkit), one per parent.

004 names them among its resources but does not reproduce them (Level 1, "Evidence of successful Level 1
practice": "Penalty Warning Notice letter"; Level 2, Resources: "Attendance letter 1", "Attendance letter
2"): their text is the service's own, in templates/html/print/knowsley-attendance-letter.html and
tools/docx_templates/knowsley_attendance_letter.py, from what 004 says a letter does:
- letter 1 (Level 1): "Schools should notify parents of their concerns. The message to both pupil and parents
  should be one of support and encouragement while making it clear that improvement is expected";
- letter 2 (Level 2): attendance "has not improved ... despite early support interventions", and the
  Attendance Improvement Meeting the Traded Officer organises (Level 2 / Step 2), or a school attendance meeting;
- every letter (Level 2 / Step 2, Note): "At the point of parent contact, either by letter or verbally, the parent
  should be made aware that any further absences may not be authorised unless medical evidence is provided";
- the penalty warning (Level 1: "Schools could send a education penalty notice warning letter"; Level 3:
  "Inform the parent that if their child's attendance doesn't improve, the LA has to consider statutory action";
  "Warning notice to parents"). 004 (2021-2024) predates the national framework: the letter states the law in
  force on its date (documents/penalty_amounts.py), and what its 14 late marks now mean (Level 1: "Arrival
  after registers close is coded as U"), which counts towards the national threshold from 19 August 2024.

The rule `unauthorised_sessions_threshold` is deliberately not one of the form's: a warning is sent before
a penalty notice is considered, so a child below the threshold is exactly who gets one; the letter states
the threshold and, when given, the child's count. The letter is the school's, signed by the member of
staff named on the form; it is never marked DRAFT.
"""
from __future__ import annotations

from collections.abc import Mapping

from ...dates import as_date
from ...policies import load_profile
from ..penalty_amounts import amounts_in_force, law_in_force
from ..values import (NOT_GIVEN, as_count, as_mapping, clean_text, date_text, extra, figure_text, rule_details, shown,
                      time_text)

LETTER_TYPES = ("letter_1", "letter_2", "penalty_warning")
UNAUTHORISED_FIELD = "figures.unauthorised_sessions_10wk"


def _optional(text: str) -> str:
    return "" if text == NOT_GIVEN else text


def _level(verdict: Mapping) -> str:
    """"95%" where the verdict found attendance below the profile's level for the letter (004, Level 1), so
    the letter may say why it is written; "" otherwise (above it, the school chose to write anyway)."""
    for rule in verdict.get("rules") or ():
        rule = as_mapping(rule)
        if rule.get("id") == "attendance_this_year" and rule.get("status") == "pass":
            details = rule_details(verdict, "attendance_this_year")
            level = figure_text(details.get("max_pct"), "%")
            return "" if level == NOT_GIVEN else ("" if details.get("inclusive") else "below ") + level
    return ""


def _weeks(form: Mapping) -> str:
    """The school weeks the unauthorised sessions are counted over: the field's own window."""
    for page in form.get("pages") or ():
        for field in as_mapping(page).get("fields") or ():
            if as_mapping(field).get("name") == UNAUTHORISED_FIELD:
                return str(as_mapping(field.get("from_register")).get("weeks") or "")
    return ""


def _late_marks(form: Mapping) -> dict:
    """Knowsley's own lateness threshold (004, Level 3, quoting its code of conduct: 14 late marks after the
    register closed in no more than 10 weeks), from the profile whose paperwork this form is, for the
    sentence on what it means now."""
    profile = load_profile((form.get("profiles") or ["knowsley"])[0])
    if "late_marks_threshold" not in profile.rules:
        return {"marks": "", "weeks": ""}
    return {"marks": str(profile.param("late_marks_threshold", "marks")),
            "weeks": str(profile.param("late_marks_threshold", "weeks"))}


@extra("knowsley-attendance-letter", by_law=True)
def knowsley_attendance_letter_context(form: Mapping, data: Mapping, verdict: Mapping,
                                       jurisdiction: str = "england") -> dict:
    chosen = data.get("letter_type")
    # A preview before the choice is made shows letter 1, the first the seed names.
    letter_type = chosen if chosen in LETTER_TYPES else "letter_1"
    meeting, sender, figures = (as_mapping(data.get(key)) for key in ("meeting", "sender", "figures"))
    meeting_date = _optional(date_text(meeting.get("date"))) if as_date(meeting.get("date")) else ""
    letter_date = as_date(data.get("letter_date"))
    unauthorised = as_count(figures.get("unauthorised_sessions_10wk"))
    return {
        "letter": {
            "type": letter_type,
            "date": date_text(data.get("letter_date")),
            "attendance": _optional(figure_text(figures.get("attendance_pct"), "%")),
            "level": _level(verdict),
            "unauthorised": "" if unauthorised is None else
            f"{unauthorised} session{'' if unauthorised == 1 else 's'}",
            "unauthorised_weeks": _weeks(form),
            "traded_officer": clean_text(data.get("traded_officer")),
            "meeting": {
                "date": meeting_date,
                "time": time_text(meeting.get("time")) if meeting_date and clean_text(meeting.get("time")) else "",
                "place": clean_text(meeting.get("place")) if meeting_date else "",
            },
            "contact": shown(data.get("contact_details")),
            "sender_name": shown(sender.get("name")),
            "sender_role": shown(sender.get("role")),
            # 004's £60/£120 and its 14 late marks predate the 2024 framework: the law on the letter's date.
            "amounts": amounts_in_force(letter_date, jurisdiction),
            "law": law_in_force(letter_date, jurisdiction),
            "late_marks": _late_marks(form),
        },
    }
