"""The data dictionary (DESIGN.md §6; schemas/data-dictionary.json): names that keep their meaning on every form.

Every form accepts them, so that an MIS can send the same pupil record to every endpoint (issue 21). A name
the form does not use is checked against its type here (a wrong one is refused, naming it, as it would be
on a form that uses it: the same record gets the same answer everywhere), then set aside before the form's
schema sees the data and reported as a warning. A name neither the dictionary nor the form declares is still
refused by the form's schema ("Unknown field.").
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .config import PROJECT_ROOT
from .formdefs import FormDef, LenientBoolean, StrictNumber

DICTIONARY_FILE = PROJECT_ROOT / "schemas" / "data-dictionary.json"


@dataclass(frozen=True)
class Entry:
    name: str  # dotted, as in the data ("pupil.upn"), or the key inside a list's item
    type: str  # text, date, boolean, number, list, kinds
    meaning: str = ""
    items: tuple["Entry", ...] = ()  # a list's item names
    kinds: tuple[str, ...] = ()  # the values a `kinds` list may hold


@dataclass(frozen=True)
class DataWarning:
    field: str  # the path as sent: "pupil.looked_after", "parents[0].date_of_birth"
    message: str

    def to_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass
class SetAside:
    kept: Any  # the data the form's schema is given
    dropped: dict  # the dictionary's names the form does not use, nested as sent
    warnings: list[DataWarning]


def _entry(raw: dict) -> Entry:
    return Entry(name=raw["name"], type=raw["type"], meaning=raw.get("meaning", ""),
                 items=tuple(_entry(i) for i in raw.get("items", ())), kinds=tuple(raw.get("kinds", ())))


@cache
def entries() -> tuple[Entry, ...]:
    return tuple(_entry(raw) for raw in json.loads(DICTIONARY_FILE.read_text(encoding="utf-8"))["names"])


def _tree(defs: tuple[Entry, ...]) -> dict:
    """{"pupil": {"upn": Entry}, "parents": Entry(list), ...}: the names nested as the data is."""
    tree: dict = {}
    for entry in defs:
        *groups, last = entry.name.split(".")
        node = tree
        for part in groups:
            node = node.setdefault(part, {})
        node[last] = entry
    return tree


@cache
def tree() -> dict:
    return _tree(entries())


# --- a name's type, checked where the form does not use it ---------------------------------------

def _field(entry: Entry, path: str) -> fields.Field:
    if entry.type == "text":
        return fields.String(allow_none=True, error_messages={"invalid": f"{path} must be text"})
    if entry.type == "date":
        return fields.Date(allow_none=True, error_messages={"invalid": f"{path} must be a real date, written as "
                                                                       "YYYY-MM-DD"})
    if entry.type == "boolean":
        return LenientBoolean(allow_none=True, error_messages={"invalid": f"{path} must be true or false"})
    if entry.type == "number":
        return StrictNumber(allow_none=True, error_messages={"invalid": f"{path} must be a number",
                                                             "special": f"{path} must be a number"})
    if entry.type == "kinds":
        return fields.List(fields.String(validate=validate.OneOf(entry.kinds, error="Unknown evidence kind: choose "
                                                                                    "from {choices}"),
                                         error_messages={"invalid": f"Each of {path} must be text",
                                                         "null": f"Each of {path} must be text"}),
                           allow_none=True, error_messages={"invalid": f"Give {path} as a list"})
    if entry.type == "list":
        return fields.List(fields.Nested(_schema_class(f"{path}[]", _tree(entry.items)),
                                         error_messages={"null": f"Give each of {path} as a set of answers"}),
                           allow_none=True, error_messages={"invalid": f"Give {path} as a list"})
    raise ValueError(f"unknown type {entry.type!r} for {entry.name} in {DICTIONARY_FILE.name}")


def _schema_class(prefix: str, node: dict) -> type[Schema]:
    attrs: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            attrs[key] = fields.Nested(_schema_class(path, value), allow_none=True)
        else:
            attrs[key] = _field(value, path)
    attrs["Meta"] = type("Meta", (), {"unknown": RAISE})
    # Given something other than an object: said in words, not marshmallow's "Invalid input type."
    attrs["error_messages"] = {"type": f"Give the answers in {prefix} as a set of answers"}
    return type(f"Dictionary_{prefix or 'data'}", (Schema,), attrs)


@cache
def _dictionary_schema() -> Schema:
    return _schema_class("", tree())()


# --- setting aside what a form does not use ------------------------------------------------------

def set_aside(form: FormDef, data: Any) -> SetAside:
    """The data with the dictionary's names that `form` does not use taken out, with a warning for each.

    Which names a form uses is read from its schema (so `evidence`, which every schema takes, is used); of
    `evidence`, the kinds the form does not take are set aside. Anything else is left for the schema."""
    if not isinstance(data, dict):
        return SetAside(data, {}, [])
    warnings: list[DataWarning] = []
    dropped: dict = {}
    kinds = {e["kind"] for e in form.evidence}

    def warn(path: str) -> None:
        warnings.append(DataWarning(path, f"{path} is not used by the {form.id} form and was ignored"))

    def unused(value, node, path: str) -> None:
        """Warnings for a value set aside whole: each dictionary name inside a group, a list as one."""
        if isinstance(node, dict) and isinstance(value, dict):
            for key, inner in value.items():
                if key in node:
                    unused(inner, node[key], f"{path}.{key}")
        else:
            warn(path)

    def walk(value: dict, schema: Schema, node: dict, prefix: str, out: dict) -> dict:
        kept = {}
        for key, inner in value.items():
            entry, used, path = node.get(key), schema.fields.get(key), f"{prefix}{key}"
            if entry is None:
                kept[key] = inner  # the form's own, or undeclared: the form's schema decides
            elif isinstance(entry, Entry) and entry.type == "kinds" and not prefix:
                if kinds and isinstance(inner, list):
                    left = [k for k in inner if isinstance(k, str) and k in entry.kinds and k not in kinds]
                    kept[key] = [k for k in inner if k not in left]
                    if left:
                        out[key] = left
                        warnings.append(DataWarning(path, f"{path}: {', '.join(map(str, left))} is not evidence the "
                                                      f"{form.id} form takes and was ignored"))
                elif kinds:
                    kept[key] = inner
                else:
                    out[key] = inner
                    warn(path)
            elif used is None:
                out[key] = inner
                unused(inner, entry, path)
            elif isinstance(entry, dict) and isinstance(used, fields.Nested) and isinstance(inner, dict):
                sub: dict = {}
                kept[key] = walk(inner, used.schema, entry, f"{path}.", sub)
                if sub:
                    out[key] = sub
            elif (isinstance(entry, Entry) and entry.type == "list" and isinstance(used, fields.List)
                  and isinstance(used.inner, fields.Nested) and isinstance(inner, list)):
                items, subs = [], []
                for index, item in enumerate(inner):
                    sub = {}
                    items.append(walk(item, used.inner.schema, _tree(entry.items), f"{path}[{index}].", sub)
                                 if isinstance(item, dict) else item)
                    subs.append(sub)
                kept[key] = items
                if any(subs):
                    out[key] = subs
            else:
                kept[key] = inner
        return kept

    kept = walk(data, form.schema(complete=False), tree(), "", dropped)
    return SetAside(kept, dropped, warnings)


def check_types(dropped: dict) -> dict:
    """The errors (nested as marshmallow's) of values set aside: a wrong type, or a name inside them that
    nobody declared (`parents[0].shoe_size` sent to a form without parents)."""
    if not dropped:
        return {}
    try:
        _dictionary_schema().load(dropped)
    except ValidationError as exc:
        return exc.messages
    return {}


def load(form: FormDef, data: Any, *, complete: bool = False) -> tuple[dict, list[DataWarning]]:
    """`data` loaded through the form's schema once the dictionary's names it does not use are set aside:
    (the loaded data, the warnings). A ValidationError carries every error, the form's and the set-aside
    values', nested as the data was sent."""
    aside = set_aside(form, data)
    errors = check_types(aside.dropped)
    try:
        loaded = form.schema(complete=complete).load(aside.kept)
    except ValidationError as exc:
        raise ValidationError(_merge(exc.messages, errors) if isinstance(exc.messages, dict) else exc.messages) from exc
    if errors:
        raise ValidationError(errors)
    return loaded, aside.warnings


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        elif isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + value
        else:
            out[key] = value
    return out
