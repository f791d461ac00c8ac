"""The Attendance Improvement Plan (000, Appendix 4): the record of a meeting with the family at Stage 1
or Stage 2 (Getting Help) of the Attendance Intervention Staged Process.

000, Stage 2: "The meeting should agree a clear, personalised plan with actions and targets. Should be
reviewed every 4-6 weeks and have clear achievable targets for all involved." The seed's form is one
table: School name / Date, Name of Pupil / Meeting Number, Attendees, Apologies, Reason for Meeting,
Brief Background and issues that are affecting attendance, General Notes of Meeting, then the actions
(Actions / Responsibility / When / Outcomes), Date of next meeting and Agenda. This module turns the
answers into those cells' words; templates/html/print/attendance-improvement-plan.html and
templates/docx/attendance-improvement-plan.docx only place them, so both say the same.

What the seed does not print, and why it is here:
- the child's date of birth and year group: the seed's other forms for the same meetings (000,
  Appendix 2, Medical Action Plan: "PUPIL NAME / DATE OF BIRTH / YEAR GROUP"; Appendix 3: "Child's
  DOB") identify the child by them, and the plan is kept on the child's file;
- parents who neither came nor sent apologies ("Did not attend", printed only when there are any):
  000, Stage 3B: "If parents don't attend the meeting then all reasonable attempts to engage the parents
  should be made and these should be recorded", and a Stage 3 referral needs that record.

A plan is the school's own record: it is never marked DRAFT and carries no sign-off.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import NOT_GIVEN, as_count, as_mapping, clean_text, date_text, extra, shown

# 000, Appendix 4, "Reason for Meeting: eg Improving attendance plan, education of sick children
# education provision, reintegration support plan etc" — the seed's three examples, as it words them.
REASONS = {
    "improving_attendance": "Improving attendance plan",
    "sick_children": "Education of sick children education provision",
    "reintegration": "Reintegration support plan",
}
OTHER_REASON = "other"
# Where each parent or carer is listed, from their answer to "Did they come to the meeting?".
ATTENDED, APOLOGIES, DID_NOT_ATTEND = "attended", "apologies", "did_not_attend"
# An empty Apologies list means nobody sent any (the seed's row would be left blank).
NO_APOLOGIES = "None"
# "Has a next meeting been arranged?" answered no: the plan ended, or the case moves to another stage.
NO_NEXT_MEETING = "No further meeting arranged"
NO_AGENDA = "None"


def _items(value: Any) -> list[Mapping]:
    return [as_mapping(item) for item in value] if isinstance(value, (list, tuple)) else []


def _person(name: Any, role: Any) -> str:
    """"Joanne Kelly – School Attendance Officer"; just the name when no role is given."""
    name_text, role_text = shown(name), clean_text(role)
    return f"{name_text} – {role_text}" if role_text else name_text


def _parent(parent: Mapping) -> str:
    """A parent or carer listed by their relationship to the child: "Lisa Bradshaw – Mother"."""
    relationship = clean_text(parent.get("relationship"))
    return _person(parent.get("name"), relationship[:1].upper() + relationship[1:])


def _people(data: Mapping) -> dict:
    """The Attendees and Apologies cells (one person a line), parents and carers first, and the
    parents who did neither. A parent whose answer is not given yet (a draft) is not placed."""
    parents = _items(data.get("parents"))
    by_answer = {answer: [_parent(p) for p in parents if p.get("attendance") == answer]
                 for answer in (ATTENDED, APOLOGIES, DID_NOT_ATTEND)}
    attendees = by_answer[ATTENDED] + [_person(a.get("name"), a.get("role")) for a in _items(data.get("attendees"))]
    apologies = by_answer[APOLOGIES] + [_person(a.get("name"), a.get("role")) for a in _items(data.get("apologies"))]
    return {
        "attendees": "\n".join(attendees) or NOT_GIVEN,
        "apologies": "\n".join(apologies) or NO_APOLOGIES,
        "did_not_attend": "\n".join(by_answer[DID_NOT_ATTEND]),  # empty: the row is left out
    }


def _reason(meeting: Mapping) -> str:
    reason = meeting.get("reason")
    if reason == OTHER_REASON:
        return shown(meeting.get("reason_other"))
    return REASONS.get(reason, NOT_GIVEN)


def _actions(items: Any) -> list[dict]:
    rows = _items(items)
    # With none (a draft), one row reading "Not given" keeps the table's shape in both documents.
    rows = rows or [{}]
    return [{
        "action": shown(item.get("action")),
        "responsibility": shown(item.get("responsibility")),
        "when": shown(item.get("when")),
        # Filled in at the next meeting: blank until then, as on the seed's paper form.
        "outcome": clean_text(item.get("outcome")),
    } for item in rows]


def _next_meeting(next_meeting: Mapping) -> dict:
    if next_meeting.get("arranged") is False:
        return {"date": NO_NEXT_MEETING, "agenda": NO_AGENDA}
    return {"date": date_text(next_meeting.get("date")), "agenda": shown(next_meeting.get("agenda"))}


@extra("attendance-improvement-plan")
def attendance_improvement_plan_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    meeting = as_mapping(data.get("meeting"))
    number = as_count(meeting.get("number"))
    return {
        "plan": {
            "date": date_text(meeting.get("date")),
            "number": NOT_GIVEN if number is None else str(number),
            **_people(data),
            "reason": _reason(meeting),
            "background": shown(data.get("background")),
            "notes": shown(data.get("notes")),
            "actions": _actions(data.get("actions")),
            "next_meeting": _next_meeting(as_mapping(data.get("next_meeting"))),
        },
    }
