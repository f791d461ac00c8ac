"""Values ready to print, shared by every form's context (documents/context.py) and the extras each
form adds (documents/form_contexts/): user text cleaned for XML, dates, counts and "Not given", and
the registry of the forms' extras. Plain strings, lists and dicts: the templates only place them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..dates import as_date
from ..formatting import format_date, format_time

NOT_GIVEN = "Not given"
SAME_AS_CHILD = "Same as child"
NOT_SIGNED = "Not signed"
ATTACHED = "Attached"
NOT_ATTACHED = "Not attached"
DRAFT_STATUS = "DRAFT – not signed"
SIGNED_STATUS = "Signed by the head teacher"
DRAFT_NOTICE = (
    "This request has not been signed by the head teacher and must not be sent to the local "
    "authority."
)

# XML 1.0 forbids most C0 controls, and docxtpl turns \a and \f into new paragraphs and page
# breaks: drop them. Tab and newline are kept (newline becomes a line break in both outputs).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Line and paragraph separators (U+2028, U+2029, NEL) are line breaks the fonts have no glyph for:
# a PDF would show a box where the person typed a new line.
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")


def clean_text(value: Any) -> str:
    """User text as printable characters, otherwise unchanged; "" for None."""
    if value is None:
        return ""
    text = _LINE_BREAKS.sub("\n", str(value))
    text = _XML_ILLEGAL.sub("", text)
    # Lone surrogates (possible from JSON "\ud800") cannot be encoded to UTF-8 at all.
    text = _SURROGATE.sub("\ufffd", text)
    return text.strip()


def shown(value: Any, default: str = NOT_GIVEN) -> str:
    text = clean_text(value)
    return text if text else default


def as_mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def date_text(value: Any) -> str:
    """A date as "3 March 2026"; text that is not a date is shown as typed rather than lost."""
    parsed = as_date(value)
    if parsed is not None:
        return format_date(parsed)
    return shown(value)


def time_text(value: Any) -> str:
    """A time of day as a letter prints it: "2:30pm", "12 noon"; text that is not a time, as typed."""
    return format_time(clean_text(value)) or NOT_GIVEN


def yes_no(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return NOT_GIVEN


def as_figure(value: Any) -> int | float | None:
    """A whole number or a decimal figure (84, 84.5); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return int(value) if value.is_integer() else value
    return as_count(value)


def figure_text(value: Any, suffix: str = "") -> str:
    """84 -> "84", 84.5 -> "84.5", with a suffix such as "%"; "Not given" when absent."""
    number = as_figure(value)
    return NOT_GIVEN if number is None else f"{number:g}{suffix}"


def rule_details(verdict: Mapping, rule_id: str) -> Mapping:
    """The `details` a rule of the verdict recorded ({} when it did not run)."""
    for rule in verdict.get("rules") or ():
        rule = as_mapping(rule)
        if rule.get("id") == rule_id:
            return as_mapping(rule.get("details"))
    return {}


def counted_sessions(details: Mapping, total: Any) -> tuple[Any, str]:
    """(sessions the check counted, a note) where some of the register's sessions had already been
    counted for an earlier penalty notice and were left out (issue 4), else (total, "")."""
    rows = [as_mapping(r) for r in details.get("already_counted") or ()]
    remaining = as_count(details.get("counted"))
    if not rows or remaining is None:
        return total, ""
    labels = ", ".join(dict.fromkeys(clean_text(label) for r in rows for label in r.get("counted_for") or ()))
    n = len(rows)
    return remaining, (f"{n} more in the register {'was' if n == 1 else 'were'} already counted for an earlier penalty "
                       f"notice ({labels}) and {'is' if n == 1 else 'are'} not counted again")


def as_count(value: Any) -> int | None:
    if isinstance(value, bool):  # bool is an int: True is not "1 session"
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# Per-form additions to the common context: a form whose documents need more than the common
# parts (pupil, parents, evidence, signature, declaration) registers a function here, in a module
# of forms_service/form_contexts named after the form.
EXTRAS: dict[str, Callable[..., dict]] = {}
# The forms whose extras state the law (penalty notice amounts): they are also given the
# jurisdiction whose law applies, as `fn(form, data, verdict, jurisdiction)` (issue 19).
BY_LAW: set[str] = set()
# The forms whose extras print the LA's or trust's own numbers (the Peterborough trust's letters: evidence
# of appointments below 90%, 001 6.2): they are given its policy profile, as `fn(form, data, verdict,
# profile)` (issue 20), so a letter prints the profile's value, never a number typed in a template.
BY_PROFILE: set[str] = set()
# The forms whose documents are made from the register marks themselves (issue 21: the registration
# certificate): given the profile and the register (or None), as `fn(form, data, verdict, profile, register)`.
WITH_REGISTER: set[str] = set()


def extra(form_id: str, *, by_law: bool = False, by_profile: bool = False, with_register: bool = False):
    """Register `fn(form, data, verdict) -> dict` as the extra context of a form's documents;
    `by_law`: `fn(form, data, verdict, jurisdiction)`; `by_profile`: `fn(form, data, verdict, profile)`;
    `with_register`: `fn(form, data, verdict, profile, register)`."""
    def register(fn):
        EXTRAS[form_id] = fn
        if by_law:
            BY_LAW.add(form_id)
        if by_profile:
            BY_PROFILE.add(form_id)
        if with_register:
            WITH_REGISTER.add(form_id)
        return fn
    return register


def sessions_text(value: Any) -> str:
    count = as_count(value)
    if count is None:
        return NOT_GIVEN
    return f"{count} session" if count == 1 else f"{count} sessions"


def action_rows(items: Any) -> list[dict]:
    """One row per action ({number, action, date, outcome}), in the order entered. With none, one row
    reading "Not given", so a draft keeps the table's rows (as the parents' rows do in the common context)."""
    rows = [as_mapping(item) for item in items] if isinstance(items, (list, tuple)) else []
    if not rows:
        return [{"number": "1", "action": NOT_GIVEN, "date": NOT_GIVEN, "outcome": NOT_GIVEN}]
    return [{"number": str(number), "action": shown(row.get("action")), "date": date_text(row.get("date")),
             "outcome": shown(row.get("outcome"))}
            for number, row in enumerate(rows, start=1)]


def unauthorised_in_window(data: Mapping, verdict: Mapping, rule_id: str) -> str:
    """The unauthorised sessions of the last school weeks (`unauthorised_sessions_10wk`), from the register
    when the verdict has them (they win over a typed count, DESIGN.md §3), with the school weeks the rule
    `rule_id` counted them over."""
    counted = as_mapping(verdict.get("figures")).get("unauthorised_sessions_10wk")
    typed = as_mapping(data.get("figures")).get("unauthorised_sessions_10wk")
    details = rule_details(verdict, rule_id)
    # The verdict's figures hold a typed count too when there are no marks: the rule says which it used.
    from_register = as_count(counted) is not None and details.get("origin") != "typed"
    text = sessions_text(counted if from_register else typed)
    if text == NOT_GIVEN:
        return text
    start, end = date_text(details.get("window_start")), date_text(details.get("window_end"))
    if not from_register:
        return f"{text} (as entered by the school)"
    if start != NOT_GIVEN and end != NOT_GIVEN:
        return f"{text} in the school weeks from {start} to {end} (counted from the register)"
    return f"{text} (counted from the register)"


def date_range(start: Any, end: Any) -> str:
    start_text, end_text = date_text(start), date_text(end)
    if start_text == NOT_GIVEN and end_text == NOT_GIVEN:
        return NOT_GIVEN
    if start_text == end_text:
        return start_text
    return f"{start_text} to {end_text}"
