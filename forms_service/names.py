"""Names of people and places (a local authority, a school, a user) as they enter the service: one
check for the admin pages and the `create-la`, `create-school` and `create-user` commands.

A name is one line of text. It travels into email headers (a pack's Subject names the school), the
audit trail, documents and CSVs, and a line break in one once made every pack of a school
undeliverable (issue 14, finding 8). So: trimmed, 1-200 characters (the database's columns), and no
control characters: C0 (tab, CR, LF...), DEL, C1 (NEL...), the Unicode line and paragraph separators,
the bidirectional overrides and isolates that can make a name display as something else, and lone
surrogates or non-characters that cannot be encoded. Accents, apostrophes, hyphens and any script
are names like any other.
"""
from __future__ import annotations

import re

from wtforms.validators import ValidationError

MAX_NAME = 200
NOT_IN_A_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


class BadName(ValueError):
    """A name that cannot be stored; str() is a sentence naming the field, fit to show."""


def clean_name(value, what: str = "the name") -> str:
    """`value` trimmed, or BadName. `what` names the field in the message, e.g. "the school's name"."""
    text = value.strip() if isinstance(value, str) else ""
    field = what[:1].upper() + what[1:]
    if not text:
        raise BadName(f"Enter {what}")
    if len(text) > MAX_NAME:
        raise BadName(f"{field} must be {MAX_NAME} characters or fewer")
    if NOT_IN_A_NAME.search(text):
        raise BadName(f"{field} must be on one line, without tabs, line breaks or other control characters")
    return text


class NameCheck:
    """The same check as a WTForms validator."""

    def __init__(self, what: str):
        self.what = what

    def __call__(self, form, field) -> None:
        try:
            clean_name(field.data, self.what)
        except BadName as exc:
            raise ValidationError(str(exc)) from None
