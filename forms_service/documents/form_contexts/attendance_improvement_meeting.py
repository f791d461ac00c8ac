"""Knowsley's Attendance Improvement Meeting (004, Level 2 / Step 2): the record of the meeting and its action
plan, kept by the school as the evidence of Level 2 casework (Appendix C: "School must gather appropriate
evidence of the casework completed to create an evidential base should it need to move to L3").

The seed names the parts (who attends, the strategies "selected" from Appendix A's menu, "an action plan",
its review "after 3 weeks", "not extended beyond one half term") but reproduces no template, so the layout
is the service's own. The review date and the end of Level 2 are the ones the rules computed in school days
(rules/improvement_meeting.py), read from the verdict: the document never prints a date the rules did not
count. templates/html/print/attendance-improvement-meeting.html and the DOCX only place these words.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...dates import as_date
from ...formatting import format_date
from ..values import NOT_GIVEN, as_mapping, date_text, extra, figure_text, rule_details, shown

FORM_ID = "attendance-improvement-meeting"
NOT_WORKED_OUT = "Not worked out: the date of the meeting is not given"
NOT_KNOWN_END = ("Not known: half-terms are known only from the register marks or the closures listed on the form; "
                 "upload the marks or list the next half-term")


def _items(value: Any) -> list[Mapping]:
    return [as_mapping(item) for item in value] if isinstance(value, (list, tuple)) else []


def _labels(form: Mapping, list_name: str, item_name: str) -> dict[str, str]:
    """The choices' labels as the form declares them (Appendix A's menu, Level 1's actions): one wording."""
    for page in form.get("pages") or ():
        for field in page.get("fields") or ():
            if field.get("name") == list_name:
                item = next(i for i in field["item_fields"] if i["name"] == item_name)
                return {c["value"]: c["label"] for c in item["choices"]}
    return {}


def _attended(value: Any) -> str:
    return {True: "Yes", False: "No"}.get(value, NOT_GIVEN)


def _people(meeting: Mapping, data: Mapping) -> list[dict]:
    """Everyone invited: the Traded Officer, who leads it, and the school attendance lead first (the seed's
    meeting is theirs), then the family, then the other professionals."""
    rows = [{"name": shown(meeting.get("traded_officer")), "role": "Traded Officer, School Attendance Service",
             "attended": "Yes"},
            {"name": shown(meeting.get("attendance_lead")), "role": "School attendance lead", "attended": "Yes"}]
    for member in _items(data.get("parents")):
        relationship = shown(member.get("relationship"))
        rows.append({"name": shown(member.get("name")), "role": f"Family: {relationship}",
                     "attended": _attended(member.get("attended"))})
    for person in _items(data.get("professionals")):
        rows.append({"name": shown(person.get("name")), "role": shown(person.get("role")),
                     "attended": _attended(person.get("attended"))})
    return rows


def _family_note(data: Mapping) -> str:
    """Said only when no one from the family came: how they were told the actions (004, Level 2 / Step 2)."""
    family = _items(data.get("parents"))
    if not family or any(m.get("attended") is True for m in family):
        return ""
    shared = as_date(as_mapping(data.get("family_informed")).get("date"))
    when = f"on {format_date(shared)}" if shared else "(date not given)"
    return f"No one from the family attended. The Traded Officer shared the actions with them in writing {when}."


def _first(meeting: Mapping) -> str:
    if meeting.get("first") is False:
        return date_text(meeting.get("first_date"))
    if meeting.get("first") is True:
        return "This meeting"
    return NOT_GIVEN


def _review(verdict: Mapping, data: Mapping) -> dict:
    details = rule_details(verdict, "aim_review_date")
    due = as_date(details.get("review_date"))
    if due is None:
        return {"date": NOT_WORKED_OUT, "how": ""}
    weeks, days = details.get("weeks"), details.get("school_days")
    how = (f"The action plan is reviewed by the Traded Officer and school on {format_date(due)}, {weeks} school "
           f"weeks ({days} school days) after the meeting, {details.get('basis')}.")
    typed = as_date(as_mapping(data.get("review")).get("date"))
    if typed is not None and typed != due:
        how += f" The date entered on the form, {format_date(typed)}, is not that day."
    return {"date": format_date(due), "how": how}


def _level2_end(verdict: Mapping, meeting: Mapping) -> dict:
    details = rule_details(verdict, "aim_half_term_limit")
    ends, holiday = as_date(details.get("ends_by")), as_date(details.get("holiday_from"))
    start = as_date(details.get("level2_start"))
    if ends is None or holiday is None:
        return {"date": NOT_KNOWN_END, "how": "", "escalate": ""}
    count = details.get("half_terms")
    span = "one half term" if count == 1 else f"{count} half terms"
    how = (f"Level 2 began with the first Attendance Improvement Meeting on {format_date(start)}; cases at Level 2 "
           f"should not be extended beyond {span}. The holiday that ends the half term begins on "
           f"{format_date(holiday)} (known {details.get('basis')}).")
    held = as_date(meeting.get("date"))
    escalate = ""
    if held is not None and held > ends:
        escalate = ("This meeting was held after Level 2 ended: escalate the case to Level 3 (the Traded Officer's "
                    "step-up to the Statutory Officer or Family First).")
    return {"date": format_date(ends), "how": how, "escalate": escalate}


@extra(FORM_ID)
def attendance_improvement_meeting_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    meeting = as_mapping(data.get("meeting"))
    level1 = _labels(form, "level1_actions", "action")
    menu = _labels(form, "strategies", "strategy")
    attendance = as_mapping(verdict.get("figures")).get("attendance_pct")
    if attendance is None:
        attendance = as_mapping(data.get("figures")).get("attendance_pct")
    return {
        "aim": {
            "date": date_text(meeting.get("date")),
            "first_date": _first(meeting),
            "attendance": figure_text(attendance, "%"),
            "level1": [{"action": level1.get(a.get("action"), NOT_GIVEN), "details": shown(a.get("details")),
                        "date": date_text(a.get("date"))} for a in _items(data.get("level1_actions"))]
                      or [{"action": NOT_GIVEN, "details": "", "date": ""}],
            "early_help": date_text(as_mapping(data.get("early_help")).get("date")),
            "people": _people(meeting, data),
            "family_note": _family_note(data),
            "barriers": shown(data.get("barriers")),
            "strategies": [{"strategy": menu.get(s.get("strategy"), NOT_GIVEN), "details": shown(s.get("details"))}
                           for s in _items(data.get("strategies"))] or [{"strategy": NOT_GIVEN, "details": ""}],
            "actions": [{"action": shown(a.get("action")), "who": shown(a.get("who")),
                         "by_when": date_text(a.get("by_when"))} for a in _items(data.get("actions"))]
                       or [{"action": NOT_GIVEN, "who": "", "by_when": ""}],
            "review": _review(verdict, data),
            "level2_end": _level2_end(verdict, meeting),
        },
    }
