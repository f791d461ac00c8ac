"""Check-your-answers rows, from the declaration: every field, as a reader would see it."""
from __future__ import annotations

import datetime as dt

from flask import url_for

from ..formatting import format_date
from ..formdefs import FieldDef, get_path
from ..models import Referral
from ..referrals.actions import form_of


def _display(f: FieldDef, value) -> str:
    if value is None or value == "" or value == []:
        return "Not given"
    if f.type == "date":
        try:
            return format_date(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if f.type == "boolean":
        return "Yes" if value else "No"
    if f.type == "choice":
        return next((c["label"] for c in f.options["choices"] if c["value"] == value), str(value))
    if f.type == "list" and isinstance(value, list):  # a list inside a list item: one line of items
        return ", ".join(" ".join(_display(i, (item or {}).get(i.name)) for i in f.item_fields) for item in value)
    if f.type == "number" and isinstance(value, (int, float)):
        return f"{value:g}{f.options.get('suffix', '')}"
    return str(value)


def answer_rows(referral: Referral) -> list[dict]:
    """[{page, title, rows: [{label, value, items?}], change_url}] — values are plain text (escaped on output)."""
    data = referral.data or {}
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
                    lines = [f"{i.label}: {_display(i, item.get(i.name))}" for i in f.item_fields]
                    rows.append({"label": f"{f.label} {n}", "lines": lines})
            else:
                rows.append({"label": f.label, "value": _display(f, value)})
        out.append({"page": page.id, "title": page.title, "rows": rows,
                    "change_url": url_for("referrals.page", referral_id=referral.id, page_id=page.id)})
    return out
