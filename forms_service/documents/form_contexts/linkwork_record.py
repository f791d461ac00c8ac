"""The Linkwork Record (002, Step 2 and Appendix 5): the notes of the regular meeting between the school's
link Education Welfare Officer and its School Attendance Officer. "Appendix 5 contains an example Linkwork
record which the EWO and SAO's complete and agree at these meetings"; "The EWO will take notes from this
meeting and share agreed actions with the School"; "Discussions, advice and actions to be recorded, with a
copy kept by both the EWS and school" (002, Step 2).

The seed describes the record but does not reproduce it: its layout is the service's own, following the
seed's "PROPOSED AGENDA FOR MEETING WITH LINK EWO" (General Preventative, Early Intervention, New Referrals
to EWS for support, Reviewing Cases) and Step 2's "The SAO and EWO will discuss and agree actions which
needs to be taken; when and by whom". This module turns the answers into the record's words:
templates/html/print/linkwork-record.html and templates/docx/linkwork-record.docx only place them.

A record about several pupils (the form declares `"about_pupils": "pupils"`): the common context's single
`pupil` stays empty, and each pupil discussed is named in the table. Only a name and year group are asked
for, and nothing else about the child is printed (data minimisation: the seed's own practice is to share
pupils' names between the school and the EWS, not more).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, shown

# 002, Step 2: the suggested structure of the meeting, in the seed's order and words.
SECTIONS = (
    ("general_preventative", "General Preventative"),
    ("early_intervention", "Early Intervention"),
    ("new_referrals", "New Referrals to EWS for support"),
    ("reviewing_cases", "Reviewing Cases"),
)
# The part of the agenda a pupil was discussed under (the form's choice), in the seed's order.
PUPIL_SECTIONS = {
    "general_preventative": "General Preventative",
    "early_intervention": "Early Intervention",
    "new_referral": "New Referral to EWS for support",
    "reviewing_case": "Reviewing Cases",
}
NOT_DISCUSSED = "Not discussed at this meeting"
NOBODY_ELSE = "None"


def _items(value: Any) -> list[Mapping]:
    return [as_mapping(item) for item in value] if isinstance(value, (list, tuple)) else []


def _others(people: Any) -> str:
    """One person a line: "Gareth Evans – Senior Lead for Attendance"."""
    lines = []
    for person in _items(people):
        name, role = shown(person.get("name")), clean_text(person.get("role"))
        lines.append(f"{name} – {role}" if role else name)
    return "\n".join(lines) or NOBODY_ELSE


def _pupils(items: Any) -> list[dict]:
    """The pupils discussed, grouped by the part of the agenda, in the seed's order (a stable sort keeps
    the order typed within each part)."""
    order = list(PUPIL_SECTIONS)
    rows = sorted(_items(items), key=lambda p: order.index(p["section"]) if p.get("section") in order else len(order))
    return [{
        "name": shown(p.get("name")),
        "year_group": shown(p.get("year_group")),
        "section": PUPIL_SECTIONS.get(p.get("section"), NOT_GIVEN),
        "concern": shown(p.get("concern")),
        "action": shown(p.get("action")),
        "by_whom": shown(p.get("by_whom")),
        "by_when": date_text(p.get("by_when")),
    } for p in rows]


def _actions(items: Any) -> list[dict]:
    return [{"action": shown(a.get("action")), "by_whom": shown(a.get("by_whom")),
             "by_when": date_text(a.get("by_when"))} for a in _items(items)]


def _count(pupils: list) -> str:
    if not pupils:
        return "No individual pupils were discussed at this meeting."
    return f"{len(pupils)} pupil{'s' if len(pupils) != 1 else ''} discussed."


@extra("linkwork-record")
def linkwork_record_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    meeting = as_mapping(data.get("meeting"))
    agenda = as_mapping(data.get("agenda"))
    pupils = _pupils(data.get("pupils"))
    actions = _actions(data.get("actions"))
    ewo, sao = shown(meeting.get("ewo_name")), shown(meeting.get("sao_name"))
    return {
        "linkwork": {
            "date": date_text(meeting.get("date")),
            "ewo": ewo,
            "sao": sao,
            "others": _others(data.get("others_present")),
            "sections": [{"title": title, "notes": shown(agenda.get(key), default=NOT_DISCUSSED)}
                         for key, title in SECTIONS],
            "pupils": pupils,
            "pupil_count": _count(pupils),
            "actions": actions,
            "no_actions": "" if actions else "No other actions were agreed.",
            "next_meeting": date_text(as_mapping(data.get("next_meeting")).get("date")),
            # 002, Step 2: "The EWO will take notes from this meeting and share agreed actions with the School".
            "agreed_by": f"Completed and agreed at the meeting by {ewo} (link EWO) and {sao} (SAO). A copy is "
                         "kept by the school and by the Education Welfare Service.",
        },
    }
