"""Referral for educational neglect (004, Appendix D, Knowsley MBC Educational Neglect Policy; Level 4):
the MARF-ready summary for MASH. The policy does not reproduce the MARF: the rows are the service's own,
one per part of Appendix D's process (the factors, the attempts to engage the family, the screening tool,
the Attendance Vulnerable Children Group's recommendation that the MARF must explain).

Every string returned here is printed by both templates (templates/html/print/educational-neglect-referral.html
and templates/docx/educational-neglect-referral.docx): the tests compare the two documents phrase by phrase.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, figure_text, shown, yes_no


def _declared(form: Mapping, name: str, item: str | None = None) -> dict[str, str]:
    """A choice question's labels by value (of a list's item field when `item` is given)."""
    for page in form.get("pages", ()):
        for field in as_mapping(page).get("fields", ()):
            field = as_mapping(field)
            if field.get("name") != name:
                continue
            if item is not None:
                field = next((as_mapping(i) for i in field.get("item_fields", ()) if as_mapping(i).get("name") == item),
                             {})
            return {c["value"]: clean_text(c["label"]) for c in field.get("choices", ())}
    return {}


def _label(labels: Mapping[str, str], value: Any) -> str:
    return labels.get(clean_text(value)) or shown(value)


def _items(value: Any) -> list[Mapping]:
    return [as_mapping(item) for item in value] if isinstance(value, (list, tuple)) else []


def _factors(form: Mapping, data: Mapping) -> list[dict]:
    labels = _declared(form, "factors", "factor")
    rows = [{"factor": _label(labels, row.get("factor")), "details": shown(row.get("details"))}
            for row in _items(data.get("factors"))]
    return rows or [{"factor": NOT_GIVEN, "details": NOT_GIVEN}]


def _engagement(form: Mapping, data: Mapping) -> list[dict]:
    """The attempts to engage the family in date order (a level's work before the next's)."""
    levels, responses = _declared(form, "engagement", "level"), _declared(form, "engagement", "response")
    rows = sorted(_items(data.get("engagement")), key=lambda row: (str(row.get("date") or ""), str(row.get("level"))))
    out = []
    for row in rows:
        response = _label(responses, row.get("response"))
        details = clean_text(row.get("response_details"))
        out.append({"level": _label(levels, row.get("level")), "date": date_text(row.get("date")),
                    "action": shown(row.get("action")), "response": f"{response}: {details}" if details else response})
    return out or [{"level": NOT_GIVEN, "date": NOT_GIVEN, "action": NOT_GIVEN, "response": NOT_GIVEN}]


def _siblings(data: Mapping) -> list[dict]:
    rows = [{"name": shown(row.get("name")), "date_of_birth": date_text(row.get("date_of_birth")),
             "school": shown(row.get("school")),
             "attendance_concerns": shown(row.get("attendance_concerns"), "None given")}
            for row in _items(data.get("siblings"))]
    return rows or [{"name": "None listed", "date_of_birth": "", "school": "", "attendance_concerns": ""}]


def _referrer(data: Mapping) -> str:
    name, role = clean_text(data.get("referrer_name")), clean_text(data.get("referrer_role"))
    return ", ".join(part for part in (name, role) if part) or NOT_GIVEN


def _recommendation(data: Mapping) -> str:
    """The sentence the MARF must carry (Appendix D: "explaining that this has been recommended by the
    Attendance Vulnerable Children Group"), only as the group's recorded decision supports it."""
    met = date_text(data.get("avcg_date"))
    if met == NOT_GIVEN:
        return "Not yet recorded: the Attendance Vulnerable Children Group's recommendation comes before this referral."
    if data.get("avcg_threshold_met") is True and data.get("avcg_all_avenues_tried") is True:
        return (f"This referral has been recommended by the Attendance Vulnerable Children Group, which met on {met} "
                "and decided that the threshold for an educational neglect referral has been met and that all "
                "agencies and services have tried all other avenues.")
    return f"Not recommended: the Attendance Vulnerable Children Group met on {met}; see its decision below."


@extra("educational-neglect-referral")
def educational_neglect_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    figures = as_mapping(data.get("figures"))
    return {
        "neglect": {
            "recommendation": _recommendation(data),
            "referred_by": _label(_declared(form, "referred_by"), data.get("referred_by")),
            "referrer": _referrer(data),
            "referrer_contact": shown(data.get("referrer_contact")),
            "figures": {"attendance": figure_text(figures.get("attendance_pct"), "%"),
                        "authorised": figure_text(figures.get("authorised_pct"), "%"),
                        "unauthorised": figure_text(figures.get("unauthorised_pct"), "%")},
            "family_refused": yes_no(data.get("family_refused_engagement")),
            "statutory_start": date_text(data.get("statutory_work_start")),
            "statutory_officer": shown(data.get("statutory_officer")),
            "statutory_outcome": shown(data.get("statutory_outcome")),
            "screening_tool": _label(_declared(form, "screening_tool"), data.get("screening_tool")),
            "screening_date": date_text(data.get("screening_date")),
            "screening_outcome": shown(data.get("screening_outcome")),
            "avcg_date": date_text(data.get("avcg_date")),
            "avcg_threshold_met": yes_no(data.get("avcg_threshold_met")),
            "avcg_all_avenues_tried": yes_no(data.get("avcg_all_avenues_tried")),
            "avcg_recommendation": shown(data.get("avcg_recommendation")),
        },
        "neglect_factors": _factors(form, data),
        "engagement": _engagement(form, data),
        "siblings": _siblings(data),
    }
