"""Request the Local Authority hold a Pupil Planning Meeting (PPM) (003, Appendix 5).

Every string returned here is printed by both templates (templates/html/print/ppm-request.html and
templates/docx/ppm-request.docx): the tests compare the two documents phrase by phrase.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import (NOT_GIVEN, as_count, as_mapping, clean_text, date_range, date_text, extra, sessions_text, shown,
                      yes_no)

# 003, Appendix 5, between the interventions table and the declaration.
ATTENDING_NOTE = ("School representees attending the PPM must come with prior knowledge of school's "
                  "interventions and any new information gained since this request has been made.")


def _counted(count: Any, singular: str, plural: str, note: Any = None, note_label: str = "") -> str:
    """"4 letters" (or "Not given"), then the note on the next line when there is one."""
    number = as_count(count)
    lines = [NOT_GIVEN if number is None else f"{number} {singular if number == 1 else plural}"]
    note_text = clean_text(note)
    if note_text:
        lines.append(f"{note_label}{note_text}")
    return "\n".join(lines)


def _support_meeting(data: Mapping) -> str:
    return "\n".join([
        f"Meeting held on {date_text(data.get('support_meeting_date'))}",
        f"Actions agreed: {shown(data.get('support_meeting_actions'))}",
        f"Parent/carer attended the meeting: {yes_no(data.get('parents_attended_meeting'))}",
        f"Parenting contract (or alternative plan) agreed: {yes_no(data.get('parent_contract_agreed'))}",
    ])


def _interventions(items: Any) -> list[dict]:
    rows = [as_mapping(i) for i in items] if isinstance(items, (list, tuple)) else []
    # With none (a draft), one row reading "Not given" keeps the table's shape in both documents.
    rows = rows or [{}]
    return [{
        "intervention": shown(item.get("intervention")),
        "dates": date_range(item.get("start_date"), item.get("end_date")) if item.get("end_date")
        else date_text(item.get("start_date")),
        "outcome": shown(item.get("outcome")),
        "copy_attached": yes_no(item.get("copy_attached")),
    } for item in rows]


@extra("ppm-request")
def ppm_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    # A figure counted from the register (in the verdict) wins over a typed one (DESIGN.md §3).
    counted = as_mapping(verdict.get("figures")).get("unauthorised_sessions_10wk")
    typed = as_mapping(data.get("figures")).get("unauthorised_sessions_10wk")
    unauthorised = counted if as_count(counted) is not None else typed
    return {
        "other_agencies": shown(data.get("other_agencies")),
        "lead_professional_consulted": yes_no(data.get("lead_professional_consulted")),
        "ppm": {
            "letters": _counted(data.get("letters_sent"), "letter", "letters", data.get("letters_details")),
            "home_visits": _counted(data.get("home_visits"), "home visit", "home visits",
                                    data.get("home_visits_outcome"), "Outcome: "),
            "support_meeting": _support_meeting(data),
            "phone_calls": _counted(data.get("phone_calls"), "phone call", "phone calls",
                                    data.get("phone_calls_outcome"), "Outcome: "),
            "meetings": _counted(data.get("meetings_held"), "meeting", "meetings",
                                 data.get("meetings_outcome"), "Outcome: "),
            "parents_attended_all_meetings": yes_no(data.get("parents_attended_all_meetings")),
            "barriers": shown(data.get("barriers")),
            "send_details": shown(data.get("send_details")),
            "unauthorised_sessions": sessions_text(unauthorised),
            "attending_note": ATTENDING_NOTE,
        },
        "interventions": _interventions(data.get("interventions")),
    }
