"""Text as it enters the service: the characters no document can carry (`has_bad_characters`), the
one check for a free-text answer typed outside a form (`check_text`: a signature, a reason, notes),
and names of people and places (`clean_name`).

Names (a local authority, a school, a user): one check for the admin pages and the `create-la`,
`create-school` and `create-user` commands.

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


# Text may hold line breaks and tabs; other control characters only ever arrive by accident or
# attack, and would corrupt DOCX (XML 1.0 forbids them, and U+FFFE and U+FFFF). Lone surrogates
# (JSON's "\ud800") are not characters at all: no page, PDF or DOCX can encode them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def has_bad_characters(text: str, *, multiline: bool = False) -> bool:
    """Control characters (or line breaks in a one-line answer) that no document can carry."""
    return bool(CONTROL.search(text)) or (not multiline and ("\n" in text or "\r" in text))


def check_text(value, *, label: str, max_length: int, multiline: bool = True, required: str | None = None,
               too_long: str | None = None, bad: str | None = None) -> tuple[str, str | None]:
    """(the answer trimmed, the message for its field or None) for free text typed outside a form's
    schema. `label` names it in the default messages ("the reasons"); `required` is the message when
    it must be given; `too_long` and `bad` replace the default messages."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "", f"Write {label} as text"
    text = value.strip()
    if not text and required:
        return text, required
    if len(text) > max_length:
        return text, too_long or f"{label[:1].upper()}{label[1:]} must be {max_length} characters or fewer"
    if has_bad_characters(text, multiline=multiline):
        return text, bad or f"Remove the control characters {'' if multiline else 'or line breaks '}from {label}"
    return text, None


def same_name(a: str, b: str) -> bool:
    """Two names for one person, case and spacing aside ("jane  SMITH" is "Jane Smith"): a parent as a
    notice or a form names them, a typed signature and the account's name."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


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
