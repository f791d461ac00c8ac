"""Form declarations (schemas/forms/*.json): the one source of truth for each form.

A declaration names its pages and fields once; from it come the marshmallow schema (API and
saved data), the WTForms pages (forms_service/web/pageforms.py), the check-your-answers rows,
and the document context. Behaviour (validation, rules) lives here and in forms_service/rules.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from .config import PROJECT_ROOT
from .dates import add_months
from .formatting import format_date, format_time, parse_time
from .policies import JURISDICTIONS, PLACES, list_profiles, profile_name
from .text import has_bad_characters

FORMS_DIR = PROJECT_ROOT / "schemas" / "forms"

EARLIEST_DATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class FieldDef:
    name: str  # dotted path in the data, e.g. "pupil.first_name", or the key inside a list item
    label: str
    type: str  # text, textarea, date, time (of day, "HH:MM"), boolean, integer, number (decimal), choice, list
    required: bool = False
    hint: str | None = None
    options: dict = field(default_factory=dict, hash=False, compare=False)
    item_fields: tuple["FieldDef", ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    @property
    def html_name(self) -> str:
        return self.name.replace(".", "__")

    def display(self, value) -> str:
        """The answer as a reader sees it (check your answers, what changed between versions): plain
        text, escaped where it is shown."""
        if value is None or value == "" or value == []:
            return "Not given"
        if self.type == "date":
            try:
                return format_date(dt.date.fromisoformat(value))
            except (TypeError, ValueError):
                return str(value)
        if self.type == "boolean":
            return "Yes" if value else "No"
        if self.type == "time":
            return format_time(value)
        if self.type == "choice":
            return next((c["label"] for c in self.options["choices"] if c["value"] == value), str(value))
        if self.type == "list" and isinstance(value, list):  # a list inside a list item: one line of items
            return ", ".join(" ".join(i.display((item or {}).get(i.name)) for i in self.item_fields) for item in value)
        if self.type == "number" and isinstance(value, (int, float)):
            return f"{value:g}{self.options.get('suffix', '')}"
        return str(value)

    def item_lines(self, item) -> list[str]:
        """One item of a list question, a line for each question in it ("Full name: Sarah Bennett")."""
        return [f"{i.label}: {i.display((item or {}).get(i.name))}" for i in self.item_fields]

    def required_message(self) -> str:
        """What a person is told when the answer is missing, in GOV.UK's words ("Enter ...", "Select
        yes if ..."), naming the question once, as a person would: never the question repeated.
        A question a rule cannot turn into a sentence (every yes/no question, and a choice asked as
        a question) declares its own `required_message`."""
        if "required_message" in self.options:
            return self.options["required_message"]
        label = f"{self.label[0].lower()}{self.label[1:]}"
        if self.type == "boolean":
            return "Select yes or no"
        if self.type == "choice":  # "Select which letter", "Select the review period"
            wh = label.split(" ", 1)[0] in ("which", "what", "when", "how", "who", "where", "whether")
            return f"Select {label.rstrip('?')}" if wh else f"Select the {label}"
        if self.type == "list":
            return f"Add at least one {self.label.lower()}"
        if self.options.get("about_child") and not label.startswith("child's "):
            return f"Enter the child's {label}"
        return f"Enter the {label}" if label.startswith("child's ") else f"Enter {label}"


@dataclass(frozen=True)
class PageDef:
    id: str
    title: str
    hint: str | None
    fields: tuple[FieldDef, ...]


# DESIGN.md §2's kinds of document; only a referral is sent to the LA.
DOCUMENT_NOUNS = {"referral": "request", "letter": "letter", "agreement": "agreement", "plan": "plan",
                  "record": "record", "evidence": "certificate"}


@dataclass(frozen=True)
class FormDef:
    id: str
    title: str
    short_title: str
    kind: str
    source: str
    reference_prefix: str
    measure_from: str
    pages: tuple[PageDef, ...]
    evidence: tuple[dict, ...]
    rules: tuple[str, ...]
    checklist: tuple[dict, ...]
    declaration: str
    documents: tuple[dict, ...]
    intro: tuple[str, ...]
    raw: dict = field(hash=False, compare=False, repr=False)

    @property
    def fields(self) -> list[FieldDef]:
        return [f for page in self.pages for f in page.fields]

    @property
    def sends_to_la(self) -> bool:
        """A referral goes to the LA after sign-off; every other kind (letter, agreement, plan,
        meeting record) is produced by the school and downloaded."""
        return self.kind == "referral"

    @property
    def uses_register(self) -> bool:
        """Whether register marks can be uploaded: every referral (for its rules), a document made from the
        marks themselves (kind "evidence": the registration certificate), and any other document with figures
        the marks can fill in (`from_register`)."""
        return self.sends_to_la or self.kind == "evidence" or any(f.options.get("from_register") for f in self.fields)

    @property
    def noun(self) -> str:
        """What the pages call the finished document: "letter", "agreement", "plan", "record"."""
        return self.raw.get("noun") or DOCUMENT_NOUNS.get(self.kind, "document")

    def documents_for(self, data: dict) -> list[dict]:
        """The documents this data produces: one declared with `"when": "<answer>"` only once that
        answer is given (a parent contract's Review exists once the review meeting is recorded)."""
        return [d for d in self.documents if not d.get("when") or get_path(data, d["when"]) not in (None, "", [], False)]

    def page(self, page_id: str) -> PageDef | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def evidence_label(self, kind: str) -> str:
        return next((e["label"] for e in self.evidence if e["kind"] == kind), str(kind).replace("_", " ").capitalize())

    # Words for people (issue 18): what a page calls a part of the answers or a document, never its key.
    def answer_label(self, key: str) -> str:
        """The answers under a top-level key of the data (as the history lists what changed): the
        question's label, or the title of the page that asks them."""
        for page in self.pages:
            for f in page.fields:
                if f.name == key:
                    return f.label
                if f.name.startswith(f"{key}."):
                    return page.title
        return str(key).replace("_", " ").capitalize()

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        """Where the form is used (issue 19): the law its words and process stand on. A school is offered
        a form only when its LA's profile is of one of these (referrals/actions.offered)."""
        return tuple(self.raw["jurisdictions"])

    @property
    def profiles(self) -> tuple[str, ...]:
        """The profiles whose own paperwork this is (issue 20: Knowsley's meeting record, the Peterborough
        trust's letters), or () for a form used under every profile of its jurisdictions."""
        return tuple(self.raw.get("profiles") or ())

    def used_under(self, profile) -> bool:
        """Whether a school whose LA has `profile` (a policies.Policy) is offered this form: its law, and
        its own paperwork where the form is one profile's."""
        return profile.jurisdiction in self.jurisdictions and (not self.profiles or profile.id in self.profiles)

    def where_used(self) -> str:
        """Where the form is used, in words: "Wales", or "Knowsley (England)" for one profile's own paperwork."""
        places = " and ".join(PLACES[p] for p in self.jurisdictions)
        if not self.profiles:
            return places
        return f"{' and '.join(profile_name(p) for p in self.profiles)} ({places})"

    def document_title(self, document_id: str) -> str:
        return next((d["title"] for d in self.documents if d["id"] == document_id), "The document")

    def schema(self, *, complete: bool) -> Schema:
        return _schema(self.id, complete)

    def catalogue_entry(self) -> dict:
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "source": self.source,
            "jurisdictions": list(self.jurisdictions), "profiles": list(self.profiles),
            "fields": [_describe(f) for f in self.fields],
            "evidence": list(self.evidence), "rules": list(self.rules),
        }


def _field(raw: dict) -> FieldDef:
    known = {"name", "label", "type", "required", "hint", "item_fields"}
    options = {k: v for k, v in raw.items() if k not in known}
    if raw["name"].startswith("pupil."):
        # "Enter the child's date of birth", not "Enter date of birth": the page is about the child,
        # but the message is read alone too (the error summary, check your answers).
        options.setdefault("about_child", True)
    return FieldDef(
        name=raw["name"], label=raw["label"], type=raw["type"], required=raw.get("required", False),
        hint=raw.get("hint"), options=options,
        item_fields=tuple(_field(f) for f in raw.get("item_fields", ())),
    )


def _describe(f: FieldDef) -> dict:
    out = {"name": f.name, "label": f.label, "type": f.type, "required": f.required}
    if f.hint:
        out["hint"] = f.hint
    out.update({k: v for k, v in f.options.items()
                if k in ("max_length", "min", "max", "places", "min_items", "max_items", "pattern", "choices", "default",
                         "not_more_than", "after", "not_before", "within_months", "from_register",
                         "required_when")})
    if f.item_fields:
        out["item_fields"] = [_describe(i) for i in f.item_fields]
    return out


@cache
def load_forms() -> dict[str, FormDef]:
    forms = {}
    for path in sorted(FORMS_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        places = raw.get("jurisdictions")
        if not places or not isinstance(places, list) or any(p not in JURISDICTIONS for p in places):
            raise ValueError(f"{path.name} must say where it is used: \"jurisdictions\", some of {', '.join(JURISDICTIONS)}")
        only = raw.get("profiles", [])
        if not isinstance(only, list) or any(p not in list_profiles() for p in only):
            raise ValueError(f"{path.name}: \"profiles\" must list known policy profiles ({', '.join(list_profiles())})")
        forms[raw["id"]] = FormDef(
            id=raw["id"], title=raw["title"], short_title=raw.get("short_title", raw["title"]),
            kind=raw["kind"], source=raw["source"], reference_prefix=raw["reference_prefix"],
            measure_from=raw.get("measure_from", "referral_date"),
            pages=tuple(PageDef(p["id"], p["title"], p.get("hint"), tuple(_field(f) for f in p["fields"]))
                        for p in raw["pages"]),
            evidence=tuple(raw.get("evidence", ())), rules=tuple(raw.get("rules", ())),
            checklist=tuple(raw.get("checklist", ())), declaration=raw.get("declaration", ""),
            documents=tuple(raw.get("documents", ())), intro=tuple(raw.get("intro", ())), raw=raw,
        )
    return forms


def get_form(form_id: str) -> FormDef | None:
    return load_forms().get(form_id)


# --- marshmallow schemas, generated -----------------------------------------------------------

class CleanString(fields.String):
    """Strips surrounding whitespace and refuses control characters (other than line breaks)."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if has_bad_characters(text, multiline=self.multiline):
            raise ValidationError("Remove the control characters or line breaks from this answer")
        return text


class TimeOfDay(CleanString):
    """A time of day as offices type it (9:30, 15.30, 3pm, 3.30pm), stored as "HH:MM" (24-hour)."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = parse_time(super()._deserialize(value, attr, data, **kwargs))
        if parsed is None:
            raise self.make_error("invalid")
        return parsed


class LenientBoolean(fields.Boolean):
    truthy = {True, "true", "True", "yes", "Yes", "1", 1}
    falsy = {False, "false", "False", "no", "No", "0", 0}


class StrictNumber(fields.Float):
    """A number given as a number (or, from a web page, as its digits): never a bool, NaN or infinity."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str) and not re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
            raise self.make_error("invalid")
        number = super()._deserialize(value, attr, data, **kwargs)
        if number != number or number in (float("inf"), float("-inf")):
            raise self.make_error("invalid")
        return number


class _Places(validate.Validator):
    def __init__(self, places: int, error: str):
        self.places, self.error = places, error

    def __call__(self, value: float) -> float:
        if round(value, self.places) != value:
            raise ValidationError(self.error)
        return value


def _ma_field(f: FieldDef, complete: bool) -> fields.Field:
    o = f.options
    required = f.required and complete
    # Every message is written for a person, never marshmallow's own ("Missing data for required
    # field.", "Not a valid date."), and names the question once at most: it is shown at the field
    # and in the error summary as it is (issue 18).
    msgs = {"required": f.required_message(), "null": f.required_message()}
    if f.type in ("text", "textarea"):
        checks = [validate.Length(max=o.get("max_length", 1000),
                                  error=f"{f.label} must be {o.get('max_length', 1000)} characters or fewer")]
        if required:
            checks.append(validate.Length(min=1, error=f.required_message()))
        if "pattern" in o:
            checks.append(validate.Regexp(o["pattern"], error=o.get("pattern_message", f"{f.label} is not in the right format")))
        return CleanString(multiline=f.type == "textarea", required=required, allow_none=not required,
                           validate=validate.And(*checks) if len(checks) > 1 else checks[0],
                           error_messages={**msgs, "invalid": f"{f.label} must be text"})
    if f.type == "time":
        return TimeOfDay(required=required, allow_none=not required,
                         error_messages={**msgs, "invalid": f"Enter the {f.label[0].lower()}{f.label[1:]} like 9:30am, "
                                                            "2pm or 14:30"})
    if f.type == "choice":
        values = [c["value"] for c in o["choices"]]
        return fields.String(required=required, allow_none=not required,
                             validate=validate.OneOf(values, error=f.required_message()),
                             error_messages={**msgs, "invalid": f.required_message()})
    if f.type == "date":
        return fields.Date(required=required, allow_none=not required,
                           error_messages={**msgs, "invalid": f"{f.label} must be a real date, written as YYYY-MM-DD"})
    if f.type == "boolean":
        return LenientBoolean(required=required, allow_none=not required,
                              error_messages={**msgs, "invalid": f.required_message()})
    if f.type == "integer":
        return fields.Integer(strict=True, required=required, allow_none=not required,
                              validate=validate.Range(min=o.get("min"), max=o.get("max"),
                                                      error=f"{f.label} must be between {o.get('min')} and {o.get('max')}"),
                              error_messages={**msgs, "invalid": f"{f.label} must be a whole number"})
    if f.type == "number":
        # A figure such as an attendance percentage: up to `places` decimal places (default 1).
        places = o.get("places", 1)
        checks = [validate.Range(min=o.get("min"), max=o.get("max"),
                                 error=f"{f.label} must be between {o.get('min')} and {o.get('max')}"),
                  validate.Predicate("is_integer", error=f"{f.label} can have at most {places} decimal "
                                                         f"place{'s' if places != 1 else ''}")
                  if places == 0 else _Places(places, f"{f.label} can have at most {places} decimal "
                                                      f"place{'s' if places != 1 else ''}")]
        return StrictNumber(required=required, allow_none=not required, validate=validate.And(*checks),
                            error_messages={**msgs, "invalid": f"{f.label} must be a number, like 87.5",
                                            "special": f"{f.label} must be a number, like 87.5"})
    if f.type == "list":
        item = nested_schema(f"{f.name}Item", f.item_fields, complete)
        low = o.get("min_items", 0) if complete else 0
        high = o.get("max_items", 50)
        checks = [validate.Length(max=high, error=f"You can add no more than {high}: remove the rest")]
        if low:
            checks.insert(0, validate.Length(min=low, error=f.required_message() if low == 1 else f"Add at least {low}"))
        item_type = f"Each {f.label[0].lower()}{f.label[1:]} must be a set of answers"
        return fields.List(fields.Nested(item, error_messages={"type": item_type, "null": item_type}),
                           required=required, allow_none=False, validate=validate.And(*checks),
                           error_messages={**msgs, "invalid": f"Give the answers for {f.label[0].lower()}{f.label[1:]} as a list"})
    raise ValueError(f"unknown field type {f.type!r} for {f.name}")


def _date_checks(defs: list[FieldDef], data: dict, today: dt.date) -> dict:
    """Cross-field checks declared on fields: dates (past, after, not_before) and figures
    (not_more_than another: broken weeks cannot exceed school weeks). Returns errors by path."""
    errors: dict = {}

    def get(path):
        node = data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def add(path, message):
        node = errors
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1], []).append(message)

    for f in defs:
        other_name = f.options.get("not_more_than")
        if f.type in ("integer", "number") and other_name:
            value, other = get(f.path), get(tuple(other_name.split(".")))
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (value, other)) and value > other:
                other_label = next((d.label for d in defs if d.name == other_name), other_name)
                add(f.path, f"{f.label} cannot be more than {other_label[0].lower()}{other_label[1:]} ({other:g})")
        if f.type != "date":
            continue
        value = get(f.path)
        if not isinstance(value, dt.date):
            continue
        o = f.options
        if value < EARLIEST_DATE:
            add(f.path, f"{f.label} must be after 1 January 1900")
        if o.get("past") and value >= today:
            add(f.path, f"{f.label} must be in the past")
        if o.get("past_or_today") and value > today:
            add(f.path, f"{f.label} must be today or in the past")
        if value > today + dt.timedelta(days=366 * 2):
            add(f.path, f"{f.label} is too far in the future")
        for key, strict in (("after", True), ("not_before", False)):
            other_name = o.get(key)
            if not other_name:
                continue
            other = get(tuple(other_name.split(".")))
            other_label = next((d.label for d in defs if d.name == other_name), other_name)
            if isinstance(other, dt.date) and (value <= other if strict else value < other):
                word = "after" if strict else "the same as or after"
                add(f.path, f"{f.label} must be {word} {other_label[0].lower()}{other_label[1:]}")
        within = o.get("within_months")  # {"of": "<date answer>", "months": n}: a review no later than that
        if within:
            other = get(tuple(within["of"].split(".")))
            months = int(within["months"])
            if isinstance(other, dt.date) and value > add_months(other, months):
                other_label = next((d.label for d in defs if d.name == within["of"]), within["of"])
                add(f.path, f"{f.label} must be no more than {months} month{'s' if months != 1 else ''} after "
                            f"{other_label[0].lower()}{other_label[1:]}")
    return errors


def nested_schema(name: str, defs: tuple[FieldDef, ...] | list[FieldDef], complete: bool) -> type[Schema]:
    """Builds a Schema class for fields whose dotted names nest ("pupil.first_name")."""
    groups: dict[str, list[FieldDef]] = {}
    attrs: dict[str, Any] = {}
    for f in defs:
        head, _, rest = f.name.partition(".")
        if rest:
            groups.setdefault(head, []).append(FieldDef(rest, f.label, f.type, f.required, f.hint, f.options, f.item_fields))
        else:
            attrs[head] = _ma_field(f, complete)
    for head, sub in groups.items():
        attrs[head] = fields.Nested(nested_schema(f"{name}_{head}", sub, complete), required=False,
                                    error_messages={"type": f"Give the answers in {head} as a set of answers",
                                                    "null": f"Give the answers in {head} as a set of answers"})
    flat = list(defs)

    @validates_schema
    def _cross(self, data, **kwargs):
        errors = _date_checks(flat, data, dt.date.today())
        if errors:
            raise ValidationError(errors)

    attrs["_cross"] = _cross
    if complete and groups:
        # A missing group ("pupil" absent) must still report each required field inside it.
        @pre_load
        def _groups(self, data, **kwargs):
            if isinstance(data, dict):
                data = {**{head: {} for head in groups}, **data}
            return data
        attrs["_groups"] = _groups
    attrs["Meta"] = type("Meta", (), {"unknown": RAISE})
    return type(name, (Schema,), attrs)


@cache
def _schema(form_id: str, complete: bool) -> Schema:
    """One instance per form and mode, shared: a marshmallow schema keeps no state between loads,
    and building one (copying every declared field, nested schemas included) cost more than a load."""
    return _schema_class(form_id, complete)()


@cache
def _schema_class(form_id: str, complete: bool) -> type[Schema]:
    form = load_forms()[form_id]
    schema = nested_schema(f"{form.id}-{'complete' if complete else 'draft'}", form.fields, complete)
    # Evidence kinds: on the API's eligibility check the caller says what is enclosed; on a saved
    # referral the service fills this in from the uploaded files.
    kinds = [e["kind"] for e in form.evidence]
    extra = {
        "evidence": fields.List(fields.String(validate=validate.OneOf(kinds, error="Unknown evidence kind: choose from {choices}"))),
    }
    if complete:
        conditional = [f for f in form.fields
                       if f.options.get("required_when") or any(i.options.get("required_when") for i in f.item_fields)]
        if conditional:
            extra["_required_when"] = validates_schema(skip_on_field_errors=False)(
                lambda self, data, **kwargs: check_required_when(conditional, data))
    return type(schema.__name__, (schema,), extra)


def check_required_when(defs: list[FieldDef], data: dict) -> None:
    """`"required_when": {"next_step": ["meeting"]}`: required only when another answer is one of
    those values (a letter variant that prints the field). On a list's item field the condition
    is read from the whole record and applies to every item (each contract action's "met" answer
    once the review is held). Checked on complete data only."""
    errors: dict = {}

    def applies(f: FieldDef) -> bool:
        return all(get_path(data, name) in values for name, values in f.options["required_when"].items())

    def add(path: tuple, message: str) -> None:
        node = errors
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = [message]

    for f in defs:
        if f.options.get("required_when") and applies(f) and get_path(data, f.name) in (None, "", []):
            add(f.path, f.required_message())
        for item_def in f.item_fields:
            if not (item_def.options.get("required_when") and applies(item_def)):
                continue
            items = get_path(data, f.name)
            for index, item in enumerate(items if isinstance(items, list) else ()):
                if isinstance(item, dict) and item.get(item_def.name) in (None, "", []):
                    add((*f.path, index, item_def.name), item_def.required_message())
    if errors:
        raise ValidationError(errors)


def dump_data(data: dict) -> dict:
    """Loaded data (dates as date objects) back to JSON-ready values for storage and the API."""
    def conv(value):
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: conv(v) for k, v in value.items()}
        if isinstance(value, list):
            return [conv(v) for v in value]
        return value
    return conv(data)


def deep_merge(base: dict, patch: dict) -> dict:
    """PATCH semantics: dicts merge, anything else (lists included) replaces; None clears."""
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def get_path(data: dict, name: str):
    node: Any = data
    for part in name.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def set_path(data: dict, name: str, value) -> None:
    parts = name.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is None or value == "" or value == []:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


