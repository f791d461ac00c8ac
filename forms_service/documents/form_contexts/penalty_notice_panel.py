"""Request to issue a Penalty Notice following the school's Attendance Panel (003, Appendix 7).

The seed's eight numbered rows each hold several facts in one "details" cell (the meeting's date,
who came, the actions and the contract; the panel's date/s and the figures that led to it). They
are composed here, line by line, so the Word document and the PDF print the same words.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import (NOT_GIVEN, as_count, as_mapping, clean_text, counted_sessions, date_text, extra, rule_details,
                      sessions_text, shown, yes_no)

FORM_ID = "penalty-notice-panel"


def _figure(data: Mapping, verdict: Mapping, name: str) -> tuple[Any, bool]:
    """(value, counted from the register?): a counted figure wins over a typed one (DESIGN.md §3)."""
    counted = as_mapping(verdict.get("figures")).get(name)
    if isinstance(counted, (int, float)) and not isinstance(counted, bool):
        details = rule_details(verdict, "unauthorised_sessions_threshold" if name.startswith("unauth")
                                else "attendance_in_window")
        if details.get("origin") == "register":
            return counted, True
    typed = as_mapping(data.get("figures")).get(name)
    if isinstance(typed, (int, float)) and not isinstance(typed, bool):
        return typed, False
    return None, False


def _window(verdict: Mapping) -> str:
    details = rule_details(verdict, "unauthorised_sessions_threshold")
    start, end = date_text(details.get("window_start")), date_text(details.get("window_end"))
    if start != NOT_GIVEN and end != NOT_GIVEN:
        return f"the 10 school weeks from {start} to {end}"
    return "the 10 school weeks before the panel"


def _figures_lines(data: Mapping, verdict: Mapping) -> list[str]:
    lines = []
    sessions, counted = _figure(data, verdict, "unauthorised_sessions_10wk")
    how = "counted from the register" if counted else "as entered by the school"
    window = _window(verdict) if counted else "the 10 school weeks before the panel"
    if as_count(sessions) is not None:
        sessions, note = counted_sessions(rule_details(verdict, "unauthorised_sessions_threshold"), sessions)
        noun = sessions_text(sessions).replace("session", "unauthorised session")
        lines.append(f"{noun} in {window} ({how}{'; ' + note if note else ''})")
    else:
        lines.append(f"Unauthorised sessions in the 10 school weeks before the panel: {NOT_GIVEN}")
    pct, counted = _figure(data, verdict, "attendance_pct_10wk")
    how = "counted from the register" if counted else "as entered by the school"
    if pct is not None:
        lines.append(f"Attendance {pct:g}% in the same 10 school weeks ({how})")
    else:
        lines.append(f"Attendance in the 10 school weeks before the panel: {NOT_GIVEN}")
    return lines


def _panel_dates(data: Mapping) -> str:
    dates = []
    earlier = data.get("earlier_panels")
    for item in earlier if isinstance(earlier, (list, tuple)) else ():
        text = date_text(as_mapping(item).get("date"))
        if text != NOT_GIVEN:
            dates.append(text)
    latest = date_text(data.get("panel_date"))
    if not dates:
        return latest
    return f"{', '.join(dates)} and {latest}"


def _new_barriers(data: Mapping) -> str:
    answer = yes_no(data.get("new_barriers_at_panel"))
    details = clean_text(data.get("new_barriers_details"))
    return f"{answer}\n{details}" if details else answer


@extra(FORM_ID)
def panel_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    # The enclosures' statuses are the common context's `evidence` rows: the templates place the
    # row of each kind beside the numbered row it belongs to (extras do not see the uploads).
    meeting = date_text(data.get("support_meeting_date"))
    support_lines = [
        f"Attendance support meeting held on {meeting}",
        f"Parents/carers attended: {yes_no(data.get('parents_attended_meeting'))}",
        f"Actions agreed: {shown(data.get('support_actions'))}",
        f"Parenting Contract (or alternative plan) agreed: {yes_no(data.get('parent_contract_agreed'))}",
    ]
    panel_lines = [f"Attendance Panel: {_panel_dates(data)}"] + _figures_lines(data, verdict)
    return {
        "other_agencies": shown(data.get("other_agencies")),
        "barriers": shown(data.get("barriers")),
        "support_meeting": {
            "date": meeting,
            "details": "\n".join(support_lines),
        },
        "panel": {
            "date": date_text(data.get("panel_date")),
            "dates": _panel_dates(data),
            "details": "\n".join(panel_lines),
            "parents_attended": yes_no(data.get("parents_attended_panel")),
            "new_barriers": _new_barriers(data),
        },
        "final_warning": {
            "date": date_text(data.get("final_warning_date")),
            "details": f"Final Warning issued to all parents/carers on {date_text(data.get('final_warning_date'))}",
        },
    }
