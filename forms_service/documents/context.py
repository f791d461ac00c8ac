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
from collections.abc import Iterable, Mapping
from typing import Any

from ..formatting import format_datetime, format_money
from ..policies import DEFAULT_PROFILE, Policy, load_profile
from ..register.marks import Register
from . import form_contexts  # noqa: F401  (each module registers its form's extras)
from .language import language_of
from .letterhead import letterhead
from .values import (ATTACHED, BY_LAW, BY_PROFILE, DRAFT_NOTICE, DRAFT_STATUS, EXTRAS, NOT_ATTACHED, NOT_GIVEN,
                     NOT_SIGNED, SAME_AS_CHILD, SIGNED_STATUS, WITH_REGISTER, as_count, as_mapping, clean_text,
                     date_text, shown, yes_no)


def _pupil(pupil: Mapping) -> dict:
    first, last = clean_text(pupil.get("first_name")), clean_text(pupil.get("last_name"))
    return {
        "first_name": first or NOT_GIVEN,
        "last_name": last or NOT_GIVEN,
        "name": " ".join(part for part in (first, last) if part) or NOT_GIVEN,
        "date_of_birth": date_text(pupil.get("date_of_birth")),
        "upn": shown(pupil.get("upn")),
        "year_group": shown(pupil.get("year_group")),
        "address": shown(pupil.get("address")),
        "looked_after": yes_no(pupil.get("looked_after")),
    }


def _parents(parents: Any) -> list[dict]:
    items = [as_mapping(p) for p in parents] if isinstance(parents, (list, tuple)) else []
    # The documents repeat a row set per parent: with none, a draft would lose the rows
    # entirely, so it shows one empty parent instead, which reads "Not given" throughout.
    placeholder = not items
    items = items or [{}]
    result = []
    for number, parent in enumerate(items, start=1):
        name = shown(parent.get("name"))
        relationship = clean_text(parent.get("relationship"))
        result.append({
            "number": str(number),
            "name": name,
            "relationship": relationship or NOT_GIVEN,
            "display_name": f"{name} ({relationship})" if relationship else name,
            "date_of_birth": date_text(parent.get("date_of_birth")),
            # An empty address means the parent lives at the child's address (the form's hint).
            "address": NOT_GIVEN if placeholder else shown(parent.get("address"), default=SAME_AS_CHILD),
        })
    return result


def _recipient(data: Mapping, index: int | None) -> dict:
    """The parent a letter goes to: their name, and their own address or else the child's."""
    parents = data.get("parents") if isinstance(data.get("parents"), (list, tuple)) else []
    parent = as_mapping(parents[index]) if index is not None and 0 <= index < len(parents) else {}
    name = clean_text(parent.get("name"))
    address = clean_text(parent.get("address")) or clean_text(as_mapping(data.get("pupil")).get("address"))
    return {
        "name": name or "Parent/Carer",
        "relationship": clean_text(parent.get("relationship")),
        "address": address or NOT_GIVEN,
        "salutation": f"Dear {name}" if name else "Dear Parent/Carer",
        "language": language_of(parent.get("language")),  # their letters' language (issue 19)
    }


def _previous_notices(notices: Any) -> str:
    """One line per notice, for a single table cell."""
    if not isinstance(notices, (list, tuple)):
        return NOT_GIVEN
    if not notices:
        return "None"
    return "\n".join(
        f"{shown(notice.get('parent_name'))}, issued {date_text(notice.get('issued_on'))}"
        for notice in map(as_mapping, notices)
    )


def _evidence(form: Mapping, uploaded: Iterable[Mapping]) -> list[dict]:
    files: dict[str, list[str]] = {}
    for item in uploaded or ():
        item = as_mapping(item)
        kind = clean_text(item.get("kind"))
        if kind:
            files.setdefault(kind, []).append(shown(item.get("filename"), default="unnamed file"))
    declared = [(as_mapping(e).get("kind"), as_mapping(e).get("label")) for e in form.get("evidence", [])]
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
        rule = as_mapping(rule)
        if rule.get("id") != "penalty_notice_limit":
            continue
        amounts = as_mapping(rule.get("details")).get("amounts")
        if not isinstance(amounts, (list, tuple)):
            return []
        result = []
        for item in map(as_mapping, amounts):
            pence = as_count(item.get("pence", item.get("amount_pence")))
            label = clean_text(item.get("label"))
            if pence is not None and label:
                result.append({"label": label, "amount": format_money(pence)})
        return result
    return []


def _signature(signature: Mapping | None, school_name: str) -> dict:
    name = clean_text(as_mapping(signature).get("name"))
    role = shown(as_mapping(signature).get("role"), default="Head Teacher")
    signed_at = as_mapping(signature).get("signed_at")
    if not name or not isinstance(signed_at, dt.datetime):
        return {
            "signed": False, "name": NOT_SIGNED, "role": role, "school": school_name,
            "date": NOT_SIGNED, "statement": NOT_SIGNED,
        }
    when = format_datetime(signed_at)
    behalf = clean_text(as_mapping(signature).get("on_behalf_of"))
    role_text = f"{role}, on behalf of {behalf}" if behalf else role
    return {
        "signed": True,
        "name": name,
        "role": role,
        "school": school_name,
        "date": when,
        "statement": f"Signed electronically by {name}, {role_text}, on {when}",
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
    recipient: int | None = None,
    register: Register | None = None,
) -> dict:
    """Everything a print template of `form` needs, as strings ready to print. `recipient` is the
    index of the parent a letter is addressed to (letters go one per parent: 003, Sanctions). `la`: its
    name, inbox, jurisdiction and policy profile's id (`profile`, for a letter printing its numbers).
    `register`: the pupil's marks, for a document made from them (the registration certificate)."""
    data = as_mapping(data)
    verdict = as_mapping(verdict)
    school_name = shown(as_mapping(school).get("name"))
    sig = _signature(signature, school_name)
    source = clean_text(form.get("source"))
    referral_date = date_text(data.get("referral_date"))
    amounts = _penalty_amounts(verdict)
    when = f"on {referral_date}" if referral_date != NOT_GIVEN else "on the date of this request"
    # Only a referral goes through the head's sign-off; a letter, agreement, plan or meeting record
    # is the school's own document and is never marked DRAFT (print/base.html and the DOCX footer).
    draft = not sig["signed"] and form.get("kind", "referral") == "referral"
    context = {
        "form_id": clean_text(form.get("id")),
        "title": shown(form.get("title")),
        "source": source,
        "source_citation": f"Source: {source}" if source else "",
        "intro": [clean_text(line) for line in form.get("intro", [])],
        "reference": shown(reference, default="Not assigned yet"),
        "school_name": school_name,
        "letterhead": letterhead(school),
        "la_name": shown(as_mapping(la).get("name")),
        "return_to": shown(as_mapping(la).get("inbox")),
        "referral_date": referral_date,
        "is_draft": draft,
        "status": DRAFT_STATUS if draft else SIGNED_STATUS if sig["signed"] else "",
        "draft_notice": DRAFT_NOTICE if draft else "",
        "pupil": _pupil(as_mapping(data.get("pupil"))),
        "parents": _parents(data.get("parents")),
        "previous_penalty_notices": _previous_notices(data.get("previous_penalty_notices")),
        "evidence": _evidence(form, evidence),
        "policies_confirmed": yes_no(data.get("policies_confirmed")),
        "declaration": shown(form.get("declaration")),
        "signature": sig,
        "penalty_amounts": amounts,
        "penalty_amounts_heading": f"Penalty notice amounts in force {when}" if amounts else "",
    }
    if recipient is not None or any(d.get("per") == "parent" for d in form.get("documents", [])):
        context["recipient"] = _recipient(data, recipient)
        context["language"] = context["recipient"]["language"]
    add = EXTRAS.get(context["form_id"])
    if add is not None:
        # The LA's jurisdiction (its profile's) decides the law a letter states; England unless said.
        jurisdiction = clean_text(as_mapping(la).get("jurisdiction")) or "england"
        if context["form_id"] in WITH_REGISTER:
            context.update(add(form, data, verdict, _profile(form, as_mapping(la)), register))
        elif context["form_id"] in BY_LAW:
            context.update(add(form, data, verdict, jurisdiction))
        elif context["form_id"] in BY_PROFILE:
            context.update(add(form, data, verdict, _profile(form, as_mapping(la))))
        else:
            context.update(add(form, data, verdict))
    return context


def _profile(form: Mapping, la: Mapping) -> Policy:
    """The policy profile whose numbers a document prints: the LA's (`la["profile"]`, its id) where the form
    is used under it, else that of the profile whose own paperwork the form is (issue 20), else the
    service's default."""
    own = list(form.get("profiles") or ())
    chosen = clean_text(la.get("profile"))
    for name in ([chosen] if chosen and (not own or chosen in own) else []) + own:
        try:
            return load_profile(name)  # it checks the name against the profiles there are
        except ValueError:
            continue
    return load_profile(DEFAULT_PROFILE)
