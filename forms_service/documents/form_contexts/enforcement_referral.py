"""Stage 3 school attendance enforcement referral (000, Stage 3): the actions taken at Stages 1 and 2,
the parents' engagement, the unauthorised absence over 10 school weeks and the lead professional."""
from __future__ import annotations

from collections.abc import Mapping

from ..values import action_rows, extra, shown, unauthorised_in_window, yes_no


@extra("enforcement-referral")
def enforcement_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    return {
        "stage1_actions": action_rows(data.get("stage1_actions")),
        "stage2_actions": action_rows(data.get("stage2_actions")),
        "early_help_offered": yes_no(data.get("early_help_offered")),
        "non_engagement": shown(data.get("non_engagement")),
        "parents_could_do_more": shown(data.get("parents_could_do_more")),
        "other_agencies": shown(data.get("other_agencies")),
        "lead_professional_consulted": yes_no(data.get("lead_professional_consulted")),
        "lead_professional_name": shown(data.get("lead_professional_name")),
        "unauthorised_sessions": unauthorised_in_window(data, verdict, "unauthorised_sessions_threshold"),
    }
