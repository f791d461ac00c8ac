"""WTForms question pages generated from a form's declaration (forms_service.formdefs).

The page only collects answers; the declaration's marshmallow schema is what validates them, so
the web and the API accept exactly the same data and say the same things about it.
"""
from __future__ import annotations

import datetime as dt
import json

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCharacterCount, GovDateInput, GovRadioInput, GovSubmitInput,
                                                GovTextInput)
from wtforms import Field, FieldList, Form, FormField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields import DateField

from .. import jsonlimits
from ..formdefs import FieldDef, PageDef, get_path, set_path


class GovDateField(DateField):
    """Day, month and year inputs. A crafted POST with missing parts gets a form error, not a 500
    (govuk-frontend-wtf's widget unpacks exactly three values: DESIGN.md §8)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            # A browser always sends the three inputs, empty or not: none at all is a crafted or
            # broken request, which must not silently clear a saved date.
            self.raw_data, self.data = ["", "", ""], None
            raise ValueError(f"{self.label.text} must include a day, month and year")
        parts = [str(v).strip() for v in valuelist][:3]
        self.raw_data = parts + [""] * (3 - len(parts))
        self.data = None
        if not any(self.raw_data):
            return
        day, month, year = self.raw_data
        if not all(self.raw_data):
            raise ValueError(f"{self.label.text} must include a day, month and year")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValueError(f"{self.label.text} must be a real date, with a 4-digit year")
        try:
            self.data = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date") from None


YES_NO = [("yes", "Yes"), ("no", "No")]


def _wt_field(f: FieldDef) -> Field:
    kwargs = {"description": f.hint or ""}
    if f.type in ("text", "time"):  # a time is typed as the office writes it; formdefs.TimeOfDay reads it
        return StringField(f.label, widget=GovTextInput(), **kwargs)
    if f.type == "textarea":
        return TextAreaField(f.label, widget=GovCharacterCount(), **kwargs)
    if f.type in ("integer", "number"):
        # Collected as text and validated by the schema: a typo keeps what was typed on the page.
        return StringField(f.label, widget=GovTextInput(), **kwargs)
    if f.type == "date":
        return GovDateField(f.label, **kwargs)
    if f.type == "boolean":
        return RadioField(f.label, choices=YES_NO, widget=GovRadioInput(), validate_choice=False, **kwargs)
    if f.type == "choice":
        return RadioField(f.label, choices=[(c["value"], c["label"]) for c in f.options["choices"]],
                          widget=GovRadioInput(), validate_choice=False, **kwargs)
    if f.type == "list":
        item_form = type(f"{f.html_name}_item", (Form,), {i.html_name: _item_field(i) for i in f.item_fields})
        return FieldList(FormField(item_form), label=f.label, min_entries=0,
                         max_entries=f.options.get("max_items", 50))
    raise ValueError(f"unknown field type {f.type}")


def _item_field(f: FieldDef) -> Field:
    """A question inside a list item. A list inside a list item (the sessions a previous notice
    used) is given through the API: the page carries it along unchanged, as JSON in a hidden field,
    so it moves with its item when items are added or removed."""
    if f.type == "list":
        return HiddenField(f.label)
    return _wt_field(f)


def page_form_class(form_id: str, page: PageDef) -> type[FlaskForm]:
    attrs = {f.html_name: _wt_field(f) for f in page.fields}
    attrs["submit"] = SubmitField("Save and continue", widget=GovSubmitInput())
    return type(f"{form_id}-{page.id}", (FlaskForm,), attrs)


def field_anchor(f: FieldDef, item: int | None = None) -> str:
    """The id of the first input a question shows on its page, for links that open the page at it
    (Change, error summaries): a date's day box and a yes/no's first radio, as GOV.UK links them.
    A list: its item `item`'s first question, or with no item its "Add" button (page.html)."""
    if f.type == "list":
        if item is None or not f.item_fields:
            return f"{f.html_name}-add"
        return f"{f.html_name}-{item}-{field_anchor(f.item_fields[0])}"
    if f.type == "date":
        return f"{f.html_name}-day"
    return f.html_name  # a text box's id; govuk-frontend-wtf gives the first radio the field's own id


# --- between the page and the stored data -----------------------------------------------------

def _to_form_value(f: FieldDef, value):
    if value is None:
        return None
    if f.type == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    if f.type == "boolean":
        return "yes" if value else "no"
    if f.type == "integer":
        return str(value)
    if f.type == "number":
        return f"{value:g}" if isinstance(value, (int, float)) else value
    if f.type == "list":
        return [{i.html_name: _to_item_value(i, (item or {}).get(i.name)) for i in f.item_fields} for item in value]
    return value


def _to_item_value(f: FieldDef, value):
    if f.type == "list":  # carried in a hidden field (_item_field)
        return json.dumps(value, default=str) if value else ""
    return _to_form_value(f, value)


def form_initial(page: PageDef, data: dict) -> dict:
    """The page's answers as form values. A list never answered starts from its declared default
    rows (a parent contract's standard actions, 003 Appendix 3), which the user can then edit."""
    initial = {}
    for f in page.fields:
        value = get_path(data, f.name)
        if value is None and f.type == "list" and isinstance(f.options.get("default"), list):
            value = f.options["default"]
        initial[f.html_name] = _to_form_value(f, value)
    return initial


def _from_form_value(f: FieldDef, field: Field):
    if f.type == "list":
        items = []
        for entry in field.entries:
            item = {}
            for i in f.item_fields:
                value = (_from_hidden_list(entry.form[i.html_name]) if i.type == "list"
                         else _from_form_value(i, entry.form[i.html_name]))
                if value not in (None, ""):
                    item[i.name] = value
            if item:  # an entirely empty block is an unused "add another", not an answer
                items.append(item)
        return items
    if f.type == "date":
        if field.data is None and any(field.raw_data or []):
            # Unparseable: keep what was typed so the schema reports it against this field.
            return "-".join(reversed(field.raw_data))
        return field.data.isoformat() if field.data else None
    if f.type == "boolean":
        # Anything but yes, no or nothing (a crafted post) goes to the schema, which says so at the
        # field, rather than clearing the saved answer without a word.
        return {"yes": True, "no": False, None: None, "": None}.get(field.data, field.data)
    if f.type == "integer":
        text = (field.data or "").strip().replace(",", "")
        if not text:
            return None
        return int(text) if text.lstrip("-").isdigit() else text
    if f.type == "number":
        text = (field.data or "").strip().rstrip("%").strip()
        try:
            return float(text) if text else None
        except ValueError:
            return text  # the schema reports it against this field, keeping what was typed
    return field.data.strip() if isinstance(field.data, str) else field.data


def _from_hidden_list(field: Field):
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        return jsonlimits.loads(text)
    except ValueError:
        return text  # tampered with: the schema refuses it against this field


def page_patch(page: PageDef, form: FlaskForm) -> dict:
    """The page's answers as a patch of the referral data (absent answers clear the field)."""
    patch: dict = {}
    for f in page.fields:
        value = _from_form_value(f, form[f.html_name])
        parts = f.name.split(".")
        node = patch
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value if value not in ("", []) or f.type == "list" else None
    return patch


def error_for(errors: dict, f: FieldDef) -> list[str]:
    node = errors
    for part in f.path:
        if not isinstance(node, dict) or part not in node:
            return []
        node = node[part]
    return node if isinstance(node, list) and all(isinstance(m, str) for m in node) else []


def apply_schema_errors(page: PageDef, form: FlaskForm, errors: dict) -> bool:
    """Puts the schema's messages on the page's fields; True when this page has any."""
    found = False
    for f in page.fields:
        field = form[f.html_name]
        if f.type == "list":
            node = errors
            for part in f.path:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, list):
                field.errors = list(node)
                found = found or bool(node)
            elif isinstance(node, dict):
                for index, item_errors in node.items():
                    if not isinstance(index, int) or index >= len(field.entries):
                        continue
                    entry = field.entries[index].form
                    for i in f.item_fields:
                        messages = item_errors.get(i.name) if isinstance(item_errors, dict) else None
                        if messages:
                            entry[i.html_name].errors = list(messages)
                            found = True
                # FieldList keeps the errors it had when validated: refresh them so the error
                # summary lists the schema's messages for each item too.
                if any(e.form.errors for e in field.entries):
                    field.errors = [e.form.errors for e in field.entries]
            continue
        messages = error_for(errors, f)
        if messages:
            field.errors = list(field.errors) + [m for m in messages if m not in field.errors]
            found = True
    return found


def set_in(data: dict, name: str, value) -> None:
    set_path(data, name, value)


def error_list(page: PageDef, form: FlaskForm) -> list[dict]:
    """The page's error summary: each field's first message (the one shown at the field), linking
    to the input it is about (`field_anchor`), in the page's order."""
    out = []
    for f in page.fields:
        field = form[f.html_name]
        if not field.errors:
            continue
        if f.type != "list":
            out.append({"text": field.errors[0], "href": f"#{field_anchor(f)}"})
            continue
        if isinstance(field.errors[0], str):  # about the list as a whole ("Add at least one ...")
            out.append({"text": field.errors[0], "href": f"#{field_anchor(f)}"})
        for index, entry in enumerate(field.entries):
            for i in f.item_fields:
                sub = entry.form[i.html_name]
                if sub.errors and isinstance(sub.errors[0], str):
                    out.append({"text": sub.errors[0], "href": f"#{f.html_name}-{index}-{field_anchor(i)}"})
    return out


def without_answers(patch: dict, names: set[str]) -> dict:
    """`patch` less the answers at these dotted names (their saved values then stay as they are),
    with any group left empty dropped."""
    out: dict = {}
    for key, value in patch.items():
        inner = {n.split(".", 1)[1] for n in names if "." in n and n.split(".", 1)[0] == key}
        if key in names:
            continue
        if isinstance(value, dict) and inner:
            value = without_answers(value, inner)
            if not value:
                continue
        out[key] = value
    return out
