"""The one template context a form's DOCX and PDF are both rendered from.

Every value here is a plain string, list, dict or bool, ready to print: the templates only place
values, they never compose words, so the Word document and the PDF say the same thing. User text is
cleaned of characters that cannot appear in XML (a DOCX is XML) but otherwise kept exactly as typed;
escaping is the renderers' job (autoescape), never this module's.

Drafts are previews of partial data, so nothing here assumes a value is present: anything absent
reads "Not given".
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .formatting import format_date, format_datetime, format_money

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


def clean_text(value: Any) -> str:
    """User text as printable characters, otherwise unchanged; "" for None."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _XML_ILLEGAL.sub("", text)
    # Lone surrogates (possible from JSON "\ud800") cannot be encoded to UTF-8 at all.
    text = _SURROGATE.sub("\ufffd", text)
    return text.strip()


def _text(value: Any, default: str = NOT_GIVEN) -> str:
    text = clean_text(value)
    return text if text else default


def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _date(value: Any) -> str:
    """A date as "3 March 2026"; text that is not a date is shown as typed rather than lost."""
    parsed = _as_date(value)
    if parsed is not None:
        return format_date(parsed)
    return _text(value)


def _yes_no(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return NOT_GIVEN


def _count(value: Any) -> int | None:
    if isinstance(value, bool):  # bool is an int: True is not "1 session"
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _sessions(value: Any) -> str:
    count = _count(value)
    if count is None:
        return NOT_GIVEN
    return f"{count} session" if count == 1 else f"{count} sessions"


def _leave_dates(start: Any, end: Any) -> str:
    start_text, end_text = _date(start), _date(end)
    if start_text == NOT_GIVEN and end_text == NOT_GIVEN:
        return NOT_GIVEN
    if start_text == end_text:
        return start_text
    return f"{start_text} to {end_text}"


def _pupil(pupil: Mapping) -> dict:
    first, last = clean_text(pupil.get("first_name")), clean_text(pupil.get("last_name"))
    return {
        "first_name": first or NOT_GIVEN,
        "last_name": last or NOT_GIVEN,
        "name": " ".join(part for part in (first, last) if part) or NOT_GIVEN,
        "date_of_birth": _date(pupil.get("date_of_birth")),
        "upn": _text(pupil.get("upn")),
        "year_group": _text(pupil.get("year_group")),
        "address": _text(pupil.get("address")),
        "looked_after": _yes_no(pupil.get("looked_after")),
    }


def _parents(parents: Any) -> list[dict]:
    items = [_mapping(p) for p in parents] if isinstance(parents, (list, tuple)) else []
    # The documents repeat a row set per parent: with none, a draft would lose the rows
    # entirely, so it shows one empty parent instead, which reads "Not given" throughout.
    placeholder = not items
    items = items or [{}]
    result = []
    for number, parent in enumerate(items, start=1):
        name = _text(parent.get("name"))
        relationship = clean_text(parent.get("relationship"))
        result.append({
            "number": str(number),
            "name": name,
            "relationship": relationship or NOT_GIVEN,
            "display_name": f"{name} ({relationship})" if relationship else name,
            "date_of_birth": _date(parent.get("date_of_birth")),
            # An empty address means the parent lives at the child's address (the form's hint).
            "address": NOT_GIVEN if placeholder else _text(parent.get("address"), default=SAME_AS_CHILD),
        })
    return result


def _previous_notices(notices: Any) -> str:
    """One line per notice, for a single table cell."""
    if not isinstance(notices, (list, tuple)):
        return NOT_GIVEN
    if not notices:
        return "None"
    return "\n".join(
        f"{_text(notice.get('parent_name'))}, issued {_date(notice.get('issued_on'))}"
        for notice in map(_mapping, notices)
    )


def _evidence(form: Mapping, uploaded: Iterable[Mapping]) -> list[dict]:
    files: dict[str, list[str]] = {}
    for item in uploaded or ():
        item = _mapping(item)
        kind = clean_text(item.get("kind"))
        if kind:
            files.setdefault(kind, []).append(_text(item.get("filename"), default="unnamed file"))
    declared = [(_mapping(e).get("kind"), _mapping(e).get("label")) for e in form.get("evidence", [])]
    declared_kinds = {kind for kind, _ in declared}
    # Files of a kind the form does not ask for are still listed, so the LA sees all it receives.
    extra = [(kind, kind.replace("_", " ").capitalize()) for kind in files if kind not in declared_kinds]
    rows = []
    for kind, label in declared + extra:
        names = files.get(kind, [])
        rows.append({
            "kind": kind,
            # The seed's rows read "Copy of leave request from parent (attached)" (003, Appendix 8).
            "label": f"{clean_text(label)} (attached)",
            "attached": bool(names),
            "status": f"{ATTACHED}: {', '.join(names)}" if names else NOT_ATTACHED,
            "files": names,
        })
    return rows


def _penalty_amounts(verdict: Mapping) -> list[dict]:
    """Amounts in force, only as the rules state them (the seed's £60/£120 predate Aug 2024).

    Reads `details.amounts` of the `penalty_notice_limit` rule: a list of `{label, pence}`.
    Anything else prints nothing rather than guessing an amount.
    """
    for rule in verdict.get("rules") or ():
        rule = _mapping(rule)
        if rule.get("id") != "penalty_notice_limit":
            continue
        amounts = _mapping(rule.get("details")).get("amounts")
        if not isinstance(amounts, (list, tuple)):
            return []
        result = []
        for item in map(_mapping, amounts):
            pence = _count(item.get("pence", item.get("amount_pence")))
            label = clean_text(item.get("label"))
            if pence is not None and label:
                result.append({"label": label, "amount": format_money(pence)})
        return result
    return []


def _signature(signature: Mapping | None, school_name: str) -> dict:
    name = clean_text(_mapping(signature).get("name"))
    role = _text(_mapping(signature).get("role"), default="Head Teacher")
    signed_at = _mapping(signature).get("signed_at")
    if not name or not isinstance(signed_at, dt.datetime):
        return {
            "signed": False, "name": NOT_SIGNED, "role": role, "school": school_name,
            "date": NOT_SIGNED, "statement": NOT_SIGNED,
        }
    when = format_datetime(signed_at)
    return {
        "signed": True,
        "name": name,
        "role": role,
        "school": school_name,
        "date": when,
        "statement": f"Signed electronically by {name}, {role}, on {when}",
    }


def build_context(
    form: dict,
    data: dict,
    *,
    school: dict,
    la: dict,
    reference: str | None,
    signature: dict | None,
    verdict: dict | None = None,
    evidence: Iterable[dict] = (),
) -> dict:
    """Everything a print template of `form` needs, as strings ready to print."""
    data = _mapping(data)
    verdict = _mapping(verdict)
    school_name = _text(_mapping(school).get("name"))
    leave = _mapping(data.get("leave"))
    # A figure counted from the register (in the verdict) wins over a typed one (DESIGN.md §3).
    verdict_sessions = _mapping(verdict.get("figures")).get("leave_sessions")
    typed_sessions = _mapping(data.get("figures")).get("leave_sessions")
    sessions = verdict_sessions if _count(verdict_sessions) is not None else typed_sessions
    sig = _signature(signature, school_name)
    source = clean_text(form.get("source"))
    referral_date = _date(data.get("referral_date"))
    amounts = _penalty_amounts(verdict)
    when = f"on {referral_date}" if referral_date != NOT_GIVEN else "on the date of this request"
    return {
        "form_id": clean_text(form.get("id")),
        "title": _text(form.get("title")),
        "source": source,
        "source_citation": f"Source: {source}" if source else "",
        "intro": [clean_text(line) for line in form.get("intro", [])],
        "reference": _text(reference, default="Not assigned yet"),
        "school_name": school_name,
        "la_name": _text(_mapping(la).get("name")),
        "return_to": _text(_mapping(la).get("inbox")),
        "referral_date": referral_date,
        "is_draft": not sig["signed"],
        "status": SIGNED_STATUS if sig["signed"] else DRAFT_STATUS,
        "draft_notice": "" if sig["signed"] else DRAFT_NOTICE,
        "pupil": _pupil(_mapping(data.get("pupil"))),
        "parents": _parents(data.get("parents")),
        "leave": {
            "start_date": _date(leave.get("start_date")),
            "end_date": _date(leave.get("end_date")),
            "dates": _leave_dates(leave.get("start_date"), leave.get("end_date")),
            "return_date": _date(leave.get("return_date")),
            "sessions": _sessions(sessions),
        },
        "previous_penalty_notices": _previous_notices(data.get("previous_penalty_notices")),
        "evidence": _evidence(form, evidence),
        "policies_confirmed": _yes_no(data.get("policies_confirmed")),
        "declaration": _text(form.get("declaration")),
        "signature": sig,
        "penalty_amounts": amounts,
        "penalty_amounts_heading": f"Penalty notice amounts in force {when}" if amounts else "",
    }
