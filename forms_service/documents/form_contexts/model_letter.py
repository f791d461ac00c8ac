"""Model letters to parents about attendance (000, Appendix 6): three letters, one chosen by
`letter_type` — the general message about the importance of attendance, absence due to lateness,
absence due to school worries. One letter per parent or carer: `build_context(..., recipient=i)`
gives the `recipient`; this module adds the letter's own values.

The seed's gaps are filled from the form: `{Pupil Name}` is the child's name, the `{#}` days and
lessons are `figures.days_missed` / `figures.lessons_missed` (typed by the school from its register
for now, not read from an uploaded register), "At ____ school" is the school's name and
"[insert staff member name and contact information]" is `contact.name` and `contact.details`.

Letters are not signed through the referral sign-off: the sender types their name and role on the
form. The common context never marks a letter as a DRAFT (only referrals are signed off).
"""
from __future__ import annotations

from collections.abc import Mapping

from ..values import NOT_GIVEN, as_figure, as_mapping, clean_text, date_text, extra, shown

LETTER_TYPES = ("general", "lateness", "school_worries")


def _count(value, one: str, many: str) -> str:
    count = as_figure(value)  # days may be half days (one session) when counted from the register
    if count is None:
        return NOT_GIVEN
    return f"{count:g} {one if count == 1 else many}"


def _contact(contact: Mapping) -> str:
    name, details = clean_text(contact.get("name")), clean_text(contact.get("details"))
    if name and details:
        return f"{name} on {details}"
    return name or details or NOT_GIVEN


@extra("model-letter")
def model_letter_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    chosen = data.get("letter_type")
    # A preview before the choice is made shows the general letter, the seed's first.
    letter_type = chosen if chosen in LETTER_TYPES else "general"
    figures = as_mapping(data.get("figures"))
    sender = as_mapping(data.get("sender"))
    return {
        "letter": {
            "type": letter_type,
            "date": date_text(data.get("letter_date")),
            "days_missed": _count(figures.get("days_missed"), "day", "days"),
            "lessons_missed": _count(figures.get("lessons_missed"), "lesson", "lessons"),
            "contact": _contact(as_mapping(data.get("contact"))),
            "sender_name": shown(sender.get("name")),
            "sender_role": shown(sender.get("role")),
        },
    }
