"""Stage 3 school attendance enforcement referral (000, Stage 3): the actions taken at Stages 1 and 2,
the parents' engagement, the unauthorised absence over 10 school weeks and the lead professional."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import NOT_GIVEN, as_count, as_mapping, date_text, extra, rule_details, sessions_text, shown, yes_no


def _actions(items: Any) -> list[dict]:
    """One row per action, in date order as entered. With none, one row reading "Not given", so a
    draft keeps the table's rows (as the parents' rows do in the common context)."""
    rows = [as_mapping(item) for item in items] if isinstance(items, (list, tuple)) else []
    if not rows:
        return [{"number": "1", "action": NOT_GIVEN, "date": NOT_GIVEN, "outcome": NOT_GIVEN}]
    return [{"number": str(number), "action": shown(row.get("action")), "date": date_text(row.get("date")),
             "outcome": shown(row.get("outcome"))}
            for number, row in enumerate(rows, start=1)]


def _unauthorised(data: Mapping, verdict: Mapping) -> str:
    """The count, from the register when the verdict has it (it wins over a typed one, DESIGN.md §3),
    with the school weeks it was counted over."""
    counted = as_mapping(verdict.get("figures")).get("unauthorised_sessions_10wk")
    typed = as_mapping(data.get("figures")).get("unauthorised_sessions_10wk")
    from_register = as_count(counted) is not None
    text = sessions_text(counted if from_register else typed)
    if text == NOT_GIVEN:
        return text
    details = rule_details(verdict, "unauthorised_sessions_threshold")
    start, end = date_text(details.get("window_start")), date_text(details.get("window_end"))
    if not from_register:
        return f"{text} (as entered by the school)"
    if start != NOT_GIVEN and end != NOT_GIVEN:
        return f"{text} in the school weeks from {start} to {end} (counted from the register)"
    return f"{text} (counted from the register)"


@extra("enforcement-referral")
def enforcement_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    return {
        "stage1_actions": _actions(data.get("stage1_actions")),
        "stage2_actions": _actions(data.get("stage2_actions")),
        "early_help_offered": yes_no(data.get("early_help_offered")),
        "non_engagement": shown(data.get("non_engagement")),
        "parents_could_do_more": shown(data.get("parents_could_do_more")),
        "other_agencies": shown(data.get("other_agencies")),
        "lead_professional_consulted": yes_no(data.get("lead_professional_consulted")),
        "lead_professional_name": shown(data.get("lead_professional_name")),
        "unauthorised_sessions": _unauthorised(data, verdict),
    }
