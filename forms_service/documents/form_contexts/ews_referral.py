"""Referral to the Education Welfare Service (002, Step 3): the reasons for concern, the attendance
figures, and the evidence of the work at Steps 1 and 2 that the EWS expects before it accepts a
referral. 002 describes the "formal SAO and EWS referral forms" but does not reproduce them: the
rows below are the service's own, one per condition of 002, Steps 2-3.

Every string returned here is printed by both templates (templates/html/print/ews-referral.html and
templates/docx/ews-referral.docx): the tests compare the two documents phrase by phrase.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..language import LANGUAGES, language_of
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, figure_text, sessions_text, shown, yes_no

VISIT_KINDS = {"home_visit": "Home visit", "school_meeting": "Meeting in school"}
MEDICAL = {"yes": "Yes: the parents were told that medical confirmation is required",
           "no": "No",
           "not_applicable": "Not applicable: absences for illness are not continuing to be covered by notes"}


def _rows(items: Any, make) -> list[dict]:
    """One row per item, in date order; with none, one row reading "Not given" (both documents keep
    the table's shape for a draft)."""
    rows = [as_mapping(item) for item in items] if isinstance(items, (list, tuple)) else []
    rows.sort(key=lambda row: str(row.get("date") or ""))
    return [make(row) for row in rows] or [make({})]


def _letter(row: Mapping) -> dict:
    return {"date": date_text(row.get("date")), "description": shown(row.get("description"))}


def _visit(row: Mapping) -> dict:
    kind = clean_text(row.get("kind"))
    return {"date": date_text(row.get("date")), "kind": VISIT_KINDS.get(kind, shown(kind)),
            "outcome": shown(row.get("outcome"))}


def _action(data: Mapping, text_field: str, date_field: str) -> str:
    action = shown(data.get(text_field))
    when = date_text(data.get(date_field))
    return action if when == NOT_GIVEN else f"{when}: {action}"


def _languages(parents: Any) -> list[dict]:
    """Each parent's language for the EWO's letters (Welsh Language Standards), English by default."""
    rows = [as_mapping(p) for p in parents] if isinstance(parents, (list, tuple)) else []
    return [{"name": shown(p.get("name")), "language": LANGUAGES[language_of(p.get("language"))]} for p in rows]


def _figures(data: Mapping) -> dict:
    typed = as_mapping(data.get("figures"))
    return {
        "attendance": figure_text(typed.get("attendance_pct"), "%"),
        "authorised": figure_text(typed.get("authorised_pct"), "%"),
        "unauthorised": figure_text(typed.get("unauthorised_pct"), "%"),
        "unauthorised_sessions": sessions_text(typed.get("unauthorised_sessions")),
    }


def _siblings(data: Mapping) -> str:
    answer = yes_no(data.get("younger_siblings_concerns"))
    details = clean_text(data.get("younger_siblings_details"))
    return f"{answer}: {details}" if data.get("younger_siblings_concerns") is True and details else answer


@extra("ews-referral")
def ews_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    return {
        "ews": {
            "concerns": shown(data.get("concerns")),
            "other_agencies": shown(data.get("other_agencies")),
            "younger_siblings": _siblings(data),
            "figures": _figures(data),
            "class_teacher_action": _action(data, "class_teacher_action", "class_teacher_action_date"),
            "head_of_year_action": _action(data, "head_of_year_action", "head_of_year_action_date"),
            "meeting_invitation": date_text(data.get("meeting_invitation_date")),
            "meeting_outcome": shown(data.get("meeting_outcome")),
            "medical_confirmation": MEDICAL.get(clean_text(data.get("medical_confirmation")), NOT_GIVEN),
            "certificate_printed": date_text(data.get("registration_certificate_printed")),
            "languages": _languages(data.get("parents")),
        },
        "letters_of_concern": _rows(data.get("letters_of_concern"), _letter),
        "sao_visits": _rows(data.get("sao_visits"), _visit),
    }
