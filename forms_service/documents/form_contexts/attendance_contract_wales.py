"""The Attendance Contract (002, Appendix 4; Step 2): "a formal 'Attendance Contract' ... which
outlines expectations, actions and responsibilities for the pupil and their parent(s) for improved
attendance, which they must agree and sign together with the school, School Attendance Officer or
EWO". 002, Step 2: "The parent and pupil should be given achievable target(s) to improve attendance.
A date should be set for review."

The seed describes the contract but does not reproduce it: its text is the service's own, in the
templates (templates/html/print/attendance-contract-wales.html, tools/docx_templates/
attendance_contract_wales.py), every fixed word translatable. The parents receive it, so it is
printed in the language the first parent or carer chose for letters (one contract for the family,
signed by all on paper). This module adds its values, ready to print; it is never marked DRAFT.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..language import language_of
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, figure_text, shown

OFFICER_ROLES = ("sao", "ewo")


def _lines(items, key: str) -> list[str]:
    """The answers of a list question, one text per item (a draft without any shows "Not given")."""
    items = items if isinstance(items, (list, tuple)) else []
    return [text for text in (clean_text(as_mapping(item).get(key)) for item in items) if text] or [NOT_GIVEN]


@extra("attendance-contract-wales")
def attendance_contract_wales_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    commitments, signatories = as_mapping(data.get("commitments")), as_mapping(data.get("signatories"))
    parents = data.get("parents") if isinstance(data.get("parents"), (list, tuple)) else []
    first_parent = as_mapping(parents[0]) if parents else {}
    attendance = figure_text(as_mapping(data.get("figures")).get("attendance_pct"), "%")
    role = signatories.get("officer_role")
    return {
        "language": language_of(first_parent.get("language")),
        "contract": {
            "date": date_text(data.get("contract_date")),
            "attendance": "" if attendance == NOT_GIVEN else attendance,
            "targets": _lines(data.get("targets"), "target"),
            "review_date": date_text(data.get("review_date")),
            "pupil": _lines(commitments.get("pupil"), "action"),
            "parents": _lines(commitments.get("parents"), "action"),
            "school": _lines(commitments.get("school"), "action"),
            "officer": _lines(commitments.get("officer"), "action"),
            # The templates name the role in the contract's language; a draft without one says SAO.
            "officer_role": role if role in OFFICER_ROLES else "sao",
            "school_signatory": shown(signatories.get("school")),
            "officer_name": shown(signatories.get("officer")),
        },
    }
