"""Request to issue a Penalty Notice for leave of absence taken in term time (003, Appendix 8)."""
from __future__ import annotations

from collections.abc import Mapping

from ..values import as_count, as_mapping, counted_sessions, date_range, date_text, extra, rule_details, sessions_text


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
            "threshold": _threshold(data, verdict),
        },
    }


def _threshold(data: Mapping, verdict: Mapping) -> str:
    """The national threshold's count as the rules made it (issue 15): "10 sessions (6 G, 4 U), from
    24 November 2025 to 10 February 2026", or why it did not apply."""
    details = rule_details(verdict, "unauthorised_sessions_threshold")
    if details.get("in_force") is False:
        return "Not applied: the request is dated before 19 August 2024"
    counted = as_mapping(verdict.get("figures")).get("unauthorised_sessions_10wk")
    if as_count(counted) is None:
        counted = as_mapping(data.get("figures")).get("unauthorised_sessions_10wk")
    text = sessions_text(counted)
    by_code = as_mapping(details.get("by_code"))
    if by_code:
        text += " (" + ", ".join(f"{as_count(n)} {code}" for code, n in by_code.items()) + ")"
    if details.get("window_start") and details.get("window_end"):
        text += f", from {date_range(details['window_start'], details['window_end'])}"
    return text
