"""Request to issue a Penalty Notice for leave of absence taken in term time (003, Appendix 8)."""
from __future__ import annotations

from collections.abc import Mapping

from ..context import as_count, as_mapping, counted_sessions, date_range, date_text, extra, rule_details, sessions_text


@extra("penalty-notice-leave")
def leave_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    leave = as_mapping(data.get("leave"))
    # A figure counted from the register (in the verdict) wins over a typed one (DESIGN.md §3).
    counted = as_mapping(verdict.get("figures")).get("leave_sessions")
    typed = as_mapping(data.get("figures")).get("leave_sessions")
    sessions = counted if as_count(counted) is not None else typed
    sessions, note = counted_sessions(rule_details(verdict, "leave_sessions_minimum"), sessions)
    return {
        "leave": {
            "start_date": date_text(leave.get("start_date")),
            "end_date": date_text(leave.get("end_date")),
            "dates": date_range(leave.get("start_date"), leave.get("end_date")),
            "return_date": date_text(leave.get("return_date")),
            "sessions": f"{sessions_text(sessions)} ({note})" if note else sessions_text(sessions),
        },
    }
