"""Request to issue a Penalty Notice for leave of absence taken in term time (003, Appendix 8).

The threshold row follows the law of the LA's profile (issue 19): England's national threshold from 19
August 2024 (Working together to improve school attendance, August 2024; SI 2024/210); in Wales none,
the LA's code of conduct deciding the sessions of leave (forms_service/rules/law.py)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ...formatting import format_date
from ...rules.law import law_of
from ..values import as_count, as_mapping, counted_sessions, date_range, date_text, extra, rule_details, sessions_text


@extra("penalty-notice-leave", by_law=True)
def leave_context(form: Mapping, data: Mapping, verdict: Mapping, jurisdiction: str = "england") -> dict:
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
            "threshold_label": _threshold_label(jurisdiction),
            "threshold": _threshold(data, verdict, jurisdiction),
        },
    }


def _threshold_label(jurisdiction: str) -> str:
    law = law_of(jurisdiction)
    if law.national_leave_threshold_from is None:
        return f"National threshold for leave of absence ({law.name} sets none)"
    return (f"Unauthorised absence in the 10 school weeks to this request (the national threshold from "
            f"{format_date(law.national_leave_threshold_from)}: 10 sessions of codes G, N, O and U)")


def _threshold(data: Mapping, verdict: Mapping, jurisdiction: str = "england") -> str:
    """The national threshold's count as the rules made it (issue 15): "10 sessions (6 G, 4 U), from
    24 November 2025 to 10 February 2026", or why it did not apply."""
    law = law_of(jurisdiction)
    if law.national_leave_threshold_from is None:
        return ("Not applied: the local authority's code of conduct decides, on the sessions of leave above "
                f"({law.regime_on(dt.date.today()).regulations})")
    details = rule_details(verdict, "unauthorised_sessions_threshold")
    if details.get("in_force") is False:
        return f"Not applied: the request is dated before {format_date(law.national_leave_threshold_from)}"
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
