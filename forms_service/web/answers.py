"""Check-your-answers rows, from the declaration: every field, as a reader would see it."""
from __future__ import annotations

from flask import url_for

from ..formdefs import get_path
from ..models import Referral
from ..referrals.actions import form_of


def answer_rows(referral: Referral, data: dict | None = None) -> list[dict]:
    """[{page, title, rows: [{label, value, items?}], change_url}] — values are plain text (escaped on output).
    `data`: other answers than the referral's own, such as a signed version's."""
    data = (referral.data if data is None else data) or {}
    out = []
    for page in form_of(referral).pages:
        rows = []
        for f in page.fields:
            value = get_path(data, f.name)
            if f.type == "list":
                items = value or []
                if not items:
                    rows.append({"label": f.label, "value": "None"})
                for n, item in enumerate(items, 1):
                    rows.append({"label": f"{f.label} {n}", "lines": f.item_lines(item)})
            else:
                rows.append({"label": f.label, "value": f.display(value)})
        out.append({"page": page.id, "title": page.title, "rows": rows,
                    "change_url": url_for("referrals.page", referral_id=referral.id, page_id=page.id)})
    return out
