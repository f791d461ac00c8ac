"""Check-your-answers rows, from the declaration: every field, as a reader would see it."""
from __future__ import annotations

from flask import url_for

from ..formdefs import FieldDef, FormDef, get_path
from ..models import Referral
from ..referrals.actions import form_of
from .pageforms import field_anchor

# Where a question page may send the user back to after a save (`?return=`): a fixed set of names,
# never a URL taken from the request, so that the parameter cannot become an open redirect.
RETURN_TO_CHECK = "check"
RETURN_PLACES = frozenset({RETURN_TO_CHECK})


def return_place(value: str | None) -> str | None:
    """The `return` parameter if it names a known place, else None (the page flows on as usual)."""
    return value if value in RETURN_PLACES else None


def check_url(referral: Referral, anchor: str | None = None) -> str:
    """The document's check-your-answers page: a request's check page, or a letter's (plan's) page;
    `anchor`: a page's answers on it (`answers-<page id>`)."""
    endpoint = "referrals.check" if form_of(referral).sends_to_la else "referrals.letter"
    return url_for(endpoint, referral_id=referral.id, _anchor=anchor)


def change_url(referral: Referral, page_id: str, anchor: str | None = None, return_to: str | None = None) -> str:
    """A Change link: the question page, coming back to check your answers once saved, opened at
    the field (GOV.UK's "Check answers" pattern)."""
    return url_for("referrals.page", referral_id=referral.id, page_id=page_id,
                   **({"return": return_to} if return_to else {}), _anchor=anchor)


def answer_rows(referral: Referral, data: dict | None = None, return_to: str | None = None) -> list[dict]:
    """[{page, title, rows: [{label, value | lines, change_url}], change_url}] — values are plain text
    (escaped on output). `data`: other answers than the referral's own, such as a signed version's.
    `return_to`: the check page the Change links come back to (RETURN_PLACES)."""
    data = (referral.data if data is None else data) or {}
    out = []
    for page in form_of(referral).pages:
        rows = []
        for f in page.fields:
            value = get_path(data, f.name)

            def link(anchor: str, page_id: str = page.id) -> str:
                return change_url(referral, page_id, anchor, return_to)

            if f.type == "list":
                items = value or []
                if not items:
                    rows.append({"label": f.label, "value": "None", "change_url": link(field_anchor(f))})
                for n, item in enumerate(items, 1):
                    rows.append({"label": f"{f.label} {n}", "lines": f.item_lines(item),
                                 "change_url": link(field_anchor(f, n - 1))})
            else:
                rows.append({"label": f.label, "value": f.display(value), "change_url": link(field_anchor(f))})
        out.append({"page": page.id, "title": page.title, "rows": rows,
                    "change_url": change_url(referral, page.id, return_to=return_to)})
    return out


def missing_list(referral: Referral, missing: dict, return_to: str | None = None) -> list[dict]:
    """The answers still needed, for the check page's error summary: [{text, href}], each message as
    it is at the field, linking to that field's page, opened at it (and back here once saved)."""
    form_def: FormDef = form_of(referral)
    out = []
    for page in form_def.pages:
        for f in page.fields:
            node = missing
            for part in f.path:
                node = node.get(part) if isinstance(node, dict) else None
            if not node:
                continue
            text, anchor = _first_message(f, node)
            if text:
                out.append({"text": text, "href": change_url(referral, page.id, anchor, return_to)})
    return out


def _first_message(f: FieldDef, node) -> tuple[str | None, str]:
    """The first message under a field's errors, and the id of the input it belongs to (inside a
    list, the item's question)."""
    if isinstance(node, list) and node and isinstance(node[0], str):
        return node[0], field_anchor(f)
    if f.type == "list" and isinstance(node, dict):
        for index in sorted(k for k in node if isinstance(k, int)):
            item = node[index]
            for i in f.item_fields:
                messages = item.get(i.name) if isinstance(item, dict) else None
                if isinstance(messages, list) and messages and isinstance(messages[0], str):
                    return messages[0], f"{f.html_name}-{index}-{field_anchor(i)}"
    return None, field_anchor(f)
