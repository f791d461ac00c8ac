"""Fast Track to Attendance Legal Intervention Referral Form (003, Appendix 6), with the criteria and
the week 1, 4, 6 and 8 stages of 003, "Fast Track to Attendance" (Criteria for Fast Track; In summary).

The school fills the form in over the eight weeks and the head teacher signs it after the week 8
review, or from week 6 (at least 5 school days after the Final Warning, where the non-attendance
continues with 50% attendance or less and there is no engagement from the parent: 003, Fast Track,
In summary). The document says which ("Referred at"); referred at week 6, the week 8 rows read
"Not applicable: referred at week 6". Every string returned here is printed by both templates
(templates/html/print/fast-track-referral.html and templates/docx/fast-track-referral.docx): the
tests compare the two documents phrase by phrase.
The row labels are the seed's and live in the templates; this module gives the values.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import (NOT_GIVEN, as_count, as_figure, as_mapping, date_text, extra, figure_text, sessions_text, shown,
                      yes_no)

FORM_ID = "fast-track-referral"
# 003, Fast Track, In summary: a case is referred at week 6 or after the week 8 review. Referred at
# week 6, there is no week 8 review to report: its rows say so rather than "Not given".
WEEK8_NOT_APPLICABLE = "Not applicable: referred at week 6"


def _pct(value: Any) -> str:
    """A percentage to one decimal place, as the form's number fields hold it: 72.5 -> "72.5%"."""
    number = as_figure(value)
    if isinstance(number, float):
        number = round(number, 1)
    return figure_text(number, "%")


def _count(value: Any) -> str:
    number = as_count(value)
    return NOT_GIVEN if number is None else str(number)


def _choice(form: Mapping, name: str, value: Any) -> str:
    """The label the form gives a choice ("not_met" -> "Not met"), or "Not given"."""
    for page in form.get("pages", ()):
        for field in as_mapping(page).get("fields", ()):
            if as_mapping(field).get("name") == name:
                for choice in field.get("choices", ()):
                    if choice.get("value") == value:
                        return shown(choice.get("label"))
    return NOT_GIVEN


def _criteria(form: Mapping) -> dict:
    """003, Appendix 6, "Criteria for Fast Track": its opening line, the six points, and the paragraph
    after them, kept in that order as the form's intro (shown on the start page too)."""
    lines = [shown(line) for line in form.get("intro", ())]
    if len(lines) < 3:
        return {"lead": NOT_GIVEN, "bullets": lines or [NOT_GIVEN], "note": ""}
    return {"lead": lines[0], "bullets": lines[1:-1], "note": lines[-1]}


def _rule(verdict: Mapping, rule_id: str) -> Mapping:
    for result in verdict.get("rules") or ():
        result = as_mapping(result)
        if result.get("id") == rule_id:
            return result
    return {}


def _counted_window(details: Mapping) -> str:
    start, end = date_text(details.get("window_start")), date_text(details.get("window_end"))
    if NOT_GIVEN in (start, end):
        return "counted from the register marks"
    return f"counted from the register marks from {start} to {end}"


def _ten_weeks(data: Mapping, verdict: Mapping) -> dict:
    """The two figures the criteria name, over the 10 school weeks before the Final Warning (003,
    Appendix 6: "within the previous 10 school weeks from the Final Warning date"). A figure counted
    from the register wins over a typed one (DESIGN.md §3); without a verdict (a bare preview) the
    typed figure is shown."""
    typed = as_mapping(data.get("figures"))
    counted = as_mapping(verdict.get("figures"))

    attendance = _rule(verdict, "attendance_in_window")
    details = as_mapping(attendance.get("details"))
    if details.get("origin") == "register" and as_figure(counted.get("attendance_pct_10wk")) is not None:
        attended, possible = as_count(details.get("attended")), as_count(details.get("possible"))
        sessions = f" ({attended} of {possible} possible sessions)" if None not in (attended, possible) else ""
        attendance_text = f"{_pct(counted['attendance_pct_10wk'])}{sessions}, {_counted_window(details)}"
    elif as_figure(typed.get("attendance_pct_10wk")) is not None:
        attendance_text = f"{_pct(typed['attendance_pct_10wk'])} (as entered by the school)"
    else:
        attendance_text = NOT_GIVEN

    threshold = _rule(verdict, "unauthorised_sessions_threshold")
    details = as_mapping(threshold.get("details"))
    if details.get("origin") == "register" and as_count(counted.get("unauthorised_sessions_10wk")) is not None:
        unauthorised_text = f"{sessions_text(counted['unauthorised_sessions_10wk'])}, {_counted_window(details)}"
    elif as_count(typed.get("unauthorised_sessions_10wk")) is not None:
        unauthorised_text = f"{sessions_text(typed['unauthorised_sessions_10wk'])} (as entered by the school)"
    else:
        unauthorised_text = NOT_GIVEN
    return {"attendance": attendance_text, "unauthorised": unauthorised_text}


def _contacts(group: Mapping, *, outcomes: bool) -> dict:
    """The letters, home visits and phone calls rows of the "before" and "during" tables."""
    out = {}
    for key, count in (("letters", "letters_sent"), ("home_visits", "home_visits"), ("phone_calls", "phone_calls")):
        out[key] = _count(group.get(count))
        out[f"{key}_copy"] = yes_no(group.get(f"{key}_copy"))
        if outcomes:
            out[f"{key}_outcome"] = shown(group.get(f"{key}_outcome"))
    return out


@extra(FORM_ID)
def fast_track_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    week1, week4 = as_mapping(data.get("week1")), as_mapping(data.get("week4"))
    week6, week8 = as_mapping(data.get("week6")), as_mapping(data.get("week8"))
    during = as_mapping(data.get("during"))
    if data.get("referred_at") == "week6":
        week8_rows = dict.fromkeys(("review_date", "improved", "attendance_pct", "unauthorised_pct"),
                                   WEEK8_NOT_APPLICABLE)
    else:
        week8_rows = {
            "review_date": date_text(week8.get("review_date")),
            "improved": yes_no(week8.get("improved")),
            "attendance_pct": _pct(week8.get("attendance_pct")),
            "unauthorised_pct": _pct(week8.get("unauthorised_pct")),
        }
    return {
        "other_agencies": shown(data.get("other_agencies")),
        "lead_professional_consulted": yes_no(data.get("lead_professional_consulted")),
        "criteria": _criteria(form),
        "ten_weeks": _ten_weeks(data, verdict),
        # 003, Appendix 6: "List below all communications and activities ... prior to Attendance Support Meeting"
        "before": _contacts(as_mapping(data.get("before")), outcomes=False),
        # 003, Appendix 6, the week 1 rows; 003, Fast Track: the review meeting date is set at the meeting.
        "week1": {
            "date": date_text(data.get("support_meeting_date")),
            "parents_attended": yes_no(data.get("parents_attended_meeting")),
            "contract_agreed": yes_no(data.get("parent_contract_agreed")),
            "attendance_pct": _pct(week1.get("attendance_pct")),
            "unauthorised_pct": _pct(week1.get("unauthorised_pct")),
            "barriers_identified": yes_no(data.get("barriers_identified")),
            "barriers": shown(data.get("barriers")),
            "review_date": date_text(week1.get("review_date")),
        },
        # 003, Appendix 6, the week 4 rows; the outcome is 003, Fast Track, "In summary", week 4.
        "week4": {
            "contract_actions": shown(week4.get("contract_actions")),
            "date": date_text(week4.get("meeting_date")),
            "parents_attended": yes_no(week4.get("parents_attended")),
            "attendance_pct": _pct(week4.get("attendance_pct")),
            "possible_sessions": _count(week4.get("possible_sessions")),
            "sessions_attended": _count(week4.get("sessions_attended")),
            "unauthorised_sessions": _count(week4.get("unauthorised_sessions")),
            "actions_met": _choice(form, "week4.actions_met", week4.get("actions_met")),
            "outcome": _choice(form, "week4.outcome", week4.get("outcome")),
        },
        # 003, Appendix 6, the week 6 rows; "no engagement from the parent" is 003, Fast Track, In
        # summary, week 6 (a condition of referring then).
        "week6": {
            "final_warning_date": date_text(data.get("final_warning_date")),
            "attendance_pct_6wk": _pct(week6.get("attendance_pct_6wk")),
            "new_reasons": shown(week6.get("new_reasons")),
            "no_engagement": yes_no(week6.get("no_engagement")),
        },
        # 003, Appendix 6, the week 8 rows and "Insufficient improvements ... referred to Local Authority".
        "week8": week8_rows,
        # 003, Fast Track, In summary: referred at week 6, or at week 8 after the school review.
        "referred_at": _choice(form, "referred_at", data.get("referred_at")),
        # 003, Appendix 6: "List below all interventions ... during the preceding 8 weeks."
        "during": {**_contacts(during, outcomes=True),
                   "other_interventions": shown(during.get("other_interventions"))},
    }
