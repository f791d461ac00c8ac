"""Letters to many families at once: Stage 2 letters (000, Appendix 7) and model letters (000,
Appendix 6) for every pupil a filter selects from the school's register export, one letter per
parent as DOCX and PDF, zipped with a manifest.

Inputs: the whole-school register export the screen reads (upn,date,session,code), a pupils file
(one row per pupil: the child's and each parent's details, columns named after the letters' own
declarations, `detail_columns()`), the letter's own answers (date, signatory, variant) given once,
and a filter. Nothing here is a second version of a rule:
- the filter uses the whole-school screen's figures and the LA's policy profile
  (screening.screen_pupil) and the register's own attendance figure;
- each letter's figures are counted from that pupil's marks as a single letter's are
  (figures, up to the letter's date), and the letter is checked by its form's schema and
  rules exactly as the single-letter download is: a pupil it cannot be made for is listed as
  skipped with the reason, never silently dropped;
- each letter is rendered by the same context and renderers as the single-letter download.

A whole school's export is read and its pupils selected in shares across the cores, as the screen
reads it, and the letters are rendered in a pool of processes, one per core (screening's
`screening.process_context`: fork in a single-threaded command, a fork server in the threaded web service).
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import os
import re
import threading
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, BinaryIO

from marshmallow import ValidationError
from pypdf import PdfReader, PdfWriter

from ..csvfiles import write_csv
from ..documents import rendering
from ..documents.context import build_context
from ..formatting import format_date, format_time, parse_time
from ..formdefs import FieldDef, FormDef, check_required_when, dump_data, get_form, nested_schema, set_path
from ..policies import Policy, load_profile
from ..referrals.documents import recipients
from ..register import exports, figures, marks, screening, textfiles
from ..rules import evaluate
from ..rules.engine import BLOCKING
from ..text import has_bad_characters

# The letters made in bulk: Stockport's (000), and the letters a trust or LA sends when a pupil falls into one
# of its bands (issue 20): the Peterborough trust's concern below 96% (001, Appendix B1) and Knowsley's
# attendance letters (004). Each is offered only where its form is used (referrals/actions.offered).
LETTERS = ("stage2-letter", "model-letter", "attendance-concern-letter", "knowsley-attendance-letter")
MAX_PUPIL_ROWS = 5_000  # a very large secondary school; more is not one school's file
MAX_LETTERS = 5_000  # every family of a large school; a batch of an hour at most on two cores
MAX_WORKERS = 4
PARALLEL_FROM = 8  # fewer letters than this are made in this process: starting processes costs more
CHUNK = 4  # letters handed to a process at a time: small enough for a smooth progress bar

# Why a pupil or a parent has no letter (the manifest's `reason`, and counts kept with a job).
SKIP_REASONS = {
    "no_details": "No row for this pupil in the pupils file",
    "no_parent": "No parent or carer named in the pupils file",
    "no_address": "No address for this parent or carer, and none for the child",
    "no_marks": "No register marks for this pupil in the school year up to the letter's date",
    "not_eligible": "The letter's checks do not pass",
    "incomplete": "The letter is missing an answer it needs",
}


class BulkError(ValueError):
    """Input that cannot be used. `errors` are {row, column, message} (a file) or {field, message}
    (an answer); `messages` are sentences for an error summary or a terminal."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(self.messages[:3]))

    @property
    def messages(self) -> list[str]:
        return [e["message"] for e in self.errors]


# --- the filter ----------------------------------------------------------------------------------

BAND_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")  # as a profile names its bands; anything else is never echoed


@dataclass(frozen=True)
class Criteria:
    """Which pupils get a letter. `below`: attendance this school year below this percentage (the
    exact figure: the letter prints it to one decimal place). The flags are the screen's own. `band`:
    one of the profile's attendance bands (policies.Band) by id, as the screen puts pupils in it;
    `band_label` is its label, taken from the profile by `checked` (never from what a user typed)."""
    below: float | None = None
    penalty_threshold: bool = False
    persistent: bool = False
    severe: bool = False
    match: str = "all"  # "all": a pupil must meet every criterion chosen; "any": at least one
    band: str | None = None
    band_label: str = ""

    def __post_init__(self):
        if self.match not in ("all", "any"):
            raise BulkError([{"field": "match", "message": "Choose whether pupils must meet all or any of the filters"}])
        if self.below is not None and not 0 < self.below <= 100:
            raise BulkError([{"field": "below", "message": "Attendance below must be a percentage above 0 and up "
                                                           "to 100, like 90"}])
        if self.band is not None and (not isinstance(self.band, str) or not BAND_ID.match(self.band)):
            raise BulkError([{"field": "band", "message": "Choose one of your profile's attendance bands"}])
        if not self.chosen():
            raise BulkError([{"field": "filter", "message": "Choose at least one filter: attendance below a "
                                                            "percentage, the penalty-notice threshold, persistent "
                                                            "or severe absence"}])

    def checked(self, profile: Policy) -> "Criteria":
        """These criteria with the band's label from `profile`; BulkError (field "band") naming the
        profile's bands if it has no band by that id."""
        if self.band is None:
            return self
        band = profile.band(self.band)
        if band is None:
            known = "; ".join(f"{b.id} ({b.label})" for b in profile.bands)
            raise BulkError([{"field": "band", "message": f"{profile.name} names no attendance band {self.band!r}"
                                                          + (f": choose one of {known}" if known else
                                                             ": its policy names no attendance bands")}])
        return dataclasses.replace(self, band_label=band.label)

    def chosen(self) -> list[str]:
        return [name for name, on in (("below", self.below is not None), ("band", self.band is not None),
                                      ("penalty_threshold", self.penalty_threshold),
                                      ("persistent", self.persistent), ("severe", self.severe)) if on]

    def label(self, name: str) -> str:
        if name == "below":
            return f"attendance below {self.below:g}%"
        if name == "band":
            return self.band_label or self.band
        return {"penalty_threshold": "meets the penalty-notice threshold",
                "persistent": "persistently absent (10% or more missed)",
                "severe": "severely absent (50% or more missed)"}[name]

    def describe(self) -> str:
        return f" {'and' if self.match == 'all' else 'or'} ".join(self.label(n) for n in self.chosen())

    def each(self, row: screening.PupilScreen) -> list[str]:
        """The chosen criteria this pupil meets, each on its own: the screen's own test of its row
        (screening.meets), so the screen and the letters never disagree about a pupil."""
        return [name for name in self.chosen()
                if screening.meets(row, screening.BAND + self.band if name == "band" else SCREEN_CRITERION[name],
                                   self.below)]

    def met(self, row: screening.PupilScreen) -> list[str]:
        """The criteria this pupil meets, if they are selected; [] if not."""
        met = self.each(row)
        selected = len(met) == len(self.chosen()) if self.match == "all" else bool(met)
        return met if selected else []

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


SCREEN_CRITERION = {"below": "below", "penalty_threshold": "penalty_notice", "persistent": "persistent",
                    "severe": "severe"}


# --- meeting slots -------------------------------------------------------------------------------

SLOT_MINUTES = (5, 120)  # shorter is no meeting; longer is more than a school can give each family
LAST_SLOT_ENDS = "18:00"  # after school, but not into the evening: later slots are refused, not printed


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Slots:
    """Each family's School Attendance Meeting: the first family (in the letters' order) at `first`,
    each next one `minutes` later, all on the meeting's date. `first` None: every letter leaves a line
    for the school to write the time in by hand."""
    first: str | None = None  # "HH:MM"
    minutes: int | None = None

    @classmethod
    def read(cls, first, minutes) -> "Slots":
        """From the time of the first meeting as typed (9:30, 15.30, 3pm, 3.30pm, or empty: written in
        by hand) and the minutes for each. BulkError naming the field (meeting.time, slot_minutes)."""
        first_text = " ".join(str(first or "").split())
        if not first_text:
            return cls()
        errors = []
        parsed = parse_time(first_text)
        if parsed is None:
            errors.append({"field": "meeting.time", "message": "Enter the time of the first meeting like 9:30am, 2pm "
                                                               "or 14:30, or leave it empty to write the times in by hand"})
        low, high = SLOT_MINUTES
        text = re.sub(r"\s*(minutes?|mins?)$", "", str(minutes if minutes is not None else "").strip(), flags=re.I)
        number = None
        if not text:
            errors.append({"field": "slot_minutes", "message": f"Enter the minutes for each meeting, from {low} to {high}"})
        elif not re.fullmatch(r"\d{1,6}", text):
            errors.append({"field": "slot_minutes", "message": "Minutes for each meeting must be a whole number, like 15"})
        elif not low <= int(text) <= high:
            errors.append({"field": "slot_minutes",
                           "message": f"Minutes for each meeting must be between {low} and {high}"})
        else:
            number = int(text)
        if errors:
            raise BulkError(errors)
        return cls(parsed, number)

    def at(self, n: int) -> str | None:
        """The n-th family's time (from 0), "HH:MM"; None when the times are written in by hand."""
        return None if self.first is None else _hhmm(_minutes(self.first) + n * self.minutes)

    def check(self, families: int) -> None:
        """Refuse slots running past LAST_SLOT_ENDS (or midnight) rather than print them."""
        if self.first is None or not families:
            return
        ends = _minutes(self.first) + families * self.minutes
        if ends > _minutes(LAST_SLOT_ENDS):
            last = _minutes(self.first) + (families - 1) * self.minutes
            at = format_time(_hhmm(last)) if last < 24 * 60 else "the next day"
            raise BulkError([{"field": "meeting.time", "message":
                              f"{families} families need {self.minutes}-minute meetings from "
                              f"{format_time(self.first)}: the last would start at {at}, and every meeting must end "
                              f"by {format_time(LAST_SLOT_ENDS)}. Choose an earlier first meeting or shorter "
                              "meetings, or leave the time empty to write each family's time in by hand"}])

    def describe(self) -> str:
        if self.first is None:
            return "Written in by hand on each letter"
        return f"{self.minutes} minutes each, the first at {format_time(self.first)}"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def slots_of(answers: Mapping, minutes=None) -> Slots:
    """The slots of a batch whose letters arrange a meeting (the first at the answers' meeting.time);
    none for any other letter. BulkError naming the field."""
    if answers.get("next_step") != "meeting":
        return Slots()
    return Slots.read((answers.get("meeting") or {}).get("time"), minutes)


# --- the pupils file -----------------------------------------------------------------------------

def _letter_forms() -> list[FormDef]:
    return [get_form(form_id) for form_id in LETTERS]


def _is_detail(f: FieldDef) -> bool:
    """A per-child answer: the child, the parents, and a figure the register cannot give."""
    return (f.name.startswith("pupil.") or f.name == "parents"
            or (f.name.startswith("figures.") and not f.options.get("from_register")))


@cache
def _detail_fields() -> tuple[FieldDef, ...]:
    """The pupils file's questions, from the letters' declarations (the same in both letters),
    relaxed where a gap is a reason to skip a letter rather than a fault in the file: an address
    (a parent may have their own) and the parents themselves."""
    seen: dict[str, FieldDef] = {}
    for form in _letter_forms():
        for f in form.fields:
            if _is_detail(f):
                seen.setdefault(f.name, f)
    out = []
    for f in seen.values():
        if f.name == "pupil.address":
            f = dataclasses.replace(f, required=False)
        elif f.name == "parents":
            f = dataclasses.replace(f, required=False, options={**f.options, "min_items": 0})
        elif f.name.startswith("figures."):
            f = dataclasses.replace(f, required=False,
                                    options={k: v for k, v in f.options.items() if k != "required_when"})
        out.append(f)
    return tuple(out)


def _parents_field() -> FieldDef:
    return next(f for f in _detail_fields() if f.name == "parents")


def max_parents() -> int:
    return _parents_field().options.get("max_items", 6)


@dataclass(frozen=True)
class Column:
    name: str  # as written in the file's header
    path: str  # where it goes in the letter's data: "pupil.first_name", "parents.0.name", "figures.lessons_missed"
    field: FieldDef
    required: bool  # the header must have it


@cache
def detail_columns() -> tuple[Column, ...]:
    """The pupils file's columns: upn, then the child's (first_name, ..., address), then each parent's
    (parent1_name, parent1_relationship, parent1_address, parent2_...), then per-child figures
    (lessons_missed, for the model letters). Only upn, the child's required answers and the first
    parent's name and relationship must be in the header."""
    upn = FieldDef("upn", "UPN", "text", True, options={"max_length": 20})
    columns = [Column("upn", "upn", upn, True)]
    for f in _detail_fields():
        if f.name.startswith("pupil."):
            columns.append(Column(f.name.split(".", 1)[1], f.name, f, f.required))
    parents = _parents_field()
    for n in range(1, max_parents() + 1):
        for item in parents.item_fields:
            columns.append(Column(f"parent{n}_{item.name}", f"parents.{n - 1}.{item.name}", item,
                                  n == 1 and item.required))
    for f in _detail_fields():
        if f.name.startswith("figures."):
            columns.append(Column(f.name.split(".", 1)[1], f.name, f, False))
    return tuple(columns)


def columns_help() -> list[tuple[str, str]]:
    """(column, what it holds) for the pages and the README."""
    out = []
    for c in detail_columns():
        if c.name.startswith("parent") and not c.name.startswith("parent1_"):
            continue
        label = c.field.label if not c.name.startswith("parent1_") else f"Parent or carer 1: {c.field.label.lower()}"
        out.append((c.name, label + ("" if c.required else " (optional)")))
    out.append((f"parent2_name … parent{max_parents()}_address", "Further parents or carers, the same three columns "
                                                                    "each (optional)"))
    return out


def _normal_header(cell: str) -> str:
    """"First name" -> first_name, "Parent 1 name" -> parent1_name."""
    text = re.sub(r"[\s\-]+", "_", cell.strip().lower())
    return re.sub(r"^parent_?(\d+)_?", r"parent\1_", text)


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _typed(f: FieldDef, text: str):
    """A cell as the schema reads it; anything unreadable is passed on as typed for the schema to
    name (so every message about a value comes from the declaration)."""
    if f.type == "date":
        match = _DMY.match(text)  # the UK spreadsheet style, 21/11/2013, as well as 2013-11-21
        if match:
            day, month, year = map(int, match.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return text
        return text
    if f.type == "integer":
        return int(text) if re.fullmatch(r"\d{1,9}", text) else text
    if f.type == "number":
        return float(text) if re.fullmatch(r"\d{1,9}(\.\d+)?", text) else text
    return text


@dataclass
class PupilDetails:
    row: int
    upn: str
    data: dict  # {"pupil": {...}, "parents": [...], "figures": {...}} as JSON-ready answers
    parent_columns: list[int]  # the parent number (1, 2, ...) of each item of data["parents"]

    @property
    def name(self) -> str:
        pupil = self.data.get("pupil", {})
        return " ".join(p for p in (pupil.get("first_name"), pupil.get("last_name")) if p)


@cache
def _details_schema():
    return nested_schema("bulk-pupil-details", _detail_fields(), True)()


def _messages_at(errors: Any, prefix: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Each message of a marshmallow error tree with its path."""
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            yield from _messages_at(value, prefix + (key,))
    elif isinstance(errors, list):
        for item in errors:
            if isinstance(item, str):
                yield prefix, item
            else:
                yield from _messages_at(item, prefix)
    elif isinstance(errors, str):
        yield prefix, errors


def parse_details(data: bytes | str) -> dict[str, PupilDetails]:
    """The pupils file, keyed by UPN (upper case). Raises BulkError naming each bad row and column
    (row 1 is the header, as a spreadsheet numbers them)."""
    try:
        text = textfiles.decode(data).text
    except marks.RegisterError as exc:
        raise BulkError([{"row": 1, "column": "file", "message": f"The pupils file: {m}"} for m in exc.messages]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[dict] = []

    def error(row: int, column: str, message: str) -> None:
        errors.append({"row": row, "column": column, "message": f"Pupils file, row {row}, column {column}: {message}"})
        if len(errors) >= marks.MAX_ERRORS:
            raise BulkError(errors)

    columns = {c.name: c for c in detail_columns()}
    at: dict[str, int] | None = None
    out: dict[str, PupilDetails] = {}
    rows_of: dict[str, int] = {}  # each UPN's first row, valid or not
    pupils = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = [c.strip() for c in record]
            if at is None:
                if not any(cells):
                    continue
                at = _details_header(number, cells, columns)
                continue
            if not any(cells):
                continue
            pupils += 1
            if pupils > MAX_PUPIL_ROWS:
                raise BulkError([{"row": number, "column": "file",
                                  "message": f"The pupils file has more than {MAX_PUPIL_ROWS:,} pupils: split it "
                                             "(for example by year group)"}])
            upn = cells[at["upn"]].upper() if at["upn"] < len(cells) else ""
            if upn in rows_of:
                error(number, "upn", f"UPN {upn} is already on row {rows_of[upn]}: one row per pupil")
                continue
            if upn:
                rows_of[upn] = number
            details = _details_row(number, cells, at, columns, error)
            if details is not None:
                out[details.upn] = details
    except csv.Error as exc:
        errors.append({"row": reader.line_num, "column": "file",
                       "message": f"Pupils file, row {reader.line_num}: the CSV cannot be read ({exc})"})
    if at is None:
        raise BulkError([{"row": 1, "column": "file", "message": "The pupils file is empty"}])
    if errors:
        raise BulkError(errors)
    if not out:
        raise BulkError([{"row": 2, "column": "file", "message": "The pupils file has no pupils in it"}])
    return out


def _details_header(row: int, cells: list[str], columns: dict[str, Column]) -> dict[str, int]:
    names = [_normal_header(c) for c in cells]
    errors = []
    for index, name in enumerate(names):
        if not name:
            continue
        if name not in columns:
            errors.append({"row": row, "column": cells[index] or f"column {index + 1}",
                           "message": f"Pupils file, row {row} (the header): the column '{cells[index]}' is not one "
                                      "the service reads; the columns are upn, "
                                      + ", ".join(c for c in columns if c != "upn" and not re.match(r"parent[2-9]", c))
                                      + f" and parent2_… to parent{max_parents()}_… for further parents"})
        elif names.count(name) > 1 and names.index(name) == index:
            errors.append({"row": row, "column": name,
                           "message": f"Pupils file, row {row} (the header): the column '{name}' appears more than once"})
    for column in columns.values():
        if column.required and column.name not in names:
            errors.append({"row": row, "column": column.name,
                           "message": f"Pupils file, row {row} (the header): there is no '{column.name}' column "
                                      f"({column.field.label.lower()})"})
    if errors:
        raise BulkError(errors)
    return {name: index for index, name in enumerate(names) if name}


def _details_row(number: int, cells: list[str], at: dict[str, int], columns: dict[str, Column],
                 error: Callable[[int, str, str], None]) -> PupilDetails | None:
    values = {name: cells[index] if index < len(cells) else "" for name, index in at.items()}
    upn = values.get("upn", "").upper()
    if not upn:
        error(number, "upn", "the UPN is empty: every pupil needs theirs, to find their register marks")
        return None
    if len(upn) > 20 or has_bad_characters(upn):
        error(number, "upn", "this is not a UPN (a letter and 12 digits, as the register export has it)")
        return None
    data: dict = {}
    by_parent: dict[int, dict] = {}
    for name, text in values.items():
        column = columns[name]
        if name == "upn" or not text:
            continue
        if column.path.startswith("parents."):
            _, n, item = column.path.split(".")
            by_parent.setdefault(int(n), {})[item] = _typed(column.field, text)
        else:
            set_path(data, column.path, _typed(column.field, text))
    numbers = sorted(by_parent)
    if numbers:
        data["parents"] = [by_parent[n] for n in numbers]
    try:
        _details_schema().load(data)
    except ValidationError as exc:
        for path, message in _messages_at(exc.messages):
            error(number, _column_of(path, numbers), message)
        return None
    return PupilDetails(number, upn, data, [n + 1 for n in numbers])


def _column_of(path: tuple, parent_numbers: list[int]) -> str:
    if path and path[0] == "parents" and len(path) >= 3 and isinstance(path[1], int):
        return f"parent{parent_numbers[path[1]] + 1}_{path[2]}"
    if path and path[0] in ("pupil", "figures") and len(path) >= 2:
        return str(path[1])
    return ".".join(map(str, path)) or "file"


# --- the letter's own answers --------------------------------------------------------------------

def letter_fields(form: FormDef) -> list[FieldDef]:
    """The answers given once for every letter of a batch: the date, the signatory, the variant. The
    meeting's time is the first family's (Slots): optional, as empty means each is written in by hand."""
    return [_first_meeting(f) if f.name == "meeting.time" else f
            for f in form.fields if not _is_detail(f) and not f.options.get("from_register")]


def _first_meeting(f: FieldDef) -> FieldDef:
    options = {k: v for k, v in f.options.items() if k != "required_when"}
    return dataclasses.replace(f, label="Time of the first meeting", required=False, options=options,
                               hint="For example, 9:30am, 2pm or 14:30. Each family has the next meeting: with "
                                    "15-minute meetings from 9am, the first family's is at 9:00am, the next at "
                                    "9:15am. Leave it empty to write each family's time on the letter by hand.")


@cache
def _answers_schema(form_id: str):
    return nested_schema(f"bulk-{form_id}-answers", letter_fields(get_form(form_id)), True)()


def _flat_names(data: Mapping, prefix: str = "") -> Iterator[str]:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flat_names(value, f"{name}.")
        else:
            yield name


def check_answers(form: FormDef, answers: Mapping) -> dict:
    """The letter's answers, checked by its declaration as the single letter's are (lengths, choices,
    a meeting after the letter's date, what a variant needs); JSON-ready. BulkError naming each
    field (its `field` is the answer's name, e.g. "signatory.name") otherwise."""
    fields = {f.name: f for f in letter_fields(form)}
    unknown = [n for n in _flat_names(answers) if n not in fields]
    if unknown:
        raise BulkError([{"field": n, "message": f"{n} is not one of this letter's answers: "
                                                 f"{', '.join(fields)}"} for n in unknown])
    answers = {k: v for k, v in answers.items() if v not in (None, "")}
    errors: list[dict] = []
    loaded: dict = {}
    try:
        loaded = _answers_schema(form.id).load(answers)
    except ValidationError as exc:
        errors += [{"field": ".".join(map(str, path)), "message": message} for path, message in _messages_at(exc.messages)]
        loaded = exc.valid_data if isinstance(exc.valid_data, dict) else {}
    try:  # what a variant needs (a meeting's date and time), also when other answers are wrong
        check_required_when([f for f in fields.values() if f.options.get("required_when")], loaded)
    except ValidationError as exc:
        named = {e["field"] for e in errors}
        errors += [{"field": name, "message": message} for path, message in _messages_at(exc.messages)
                   if (name := ".".join(map(str, path))) not in named]
    if errors:
        raise BulkError(errors)
    return dump_data(loaded)


def answers_from_pairs(form: FormDef, pairs: Iterable[str], base: Mapping | None = None) -> dict:
    """`name=value` pairs (the command line's --set) as answers; values read by the field's type
    (dates YYYY-MM-DD, yes/no, numbers). BulkError for a pair that is not name=value."""
    fields = {f.name: f for f in letter_fields(form)}
    answers: dict = {}
    for name, value in copy.deepcopy(dict(base or {})).items():  # {"signatory.name": ...} as well as nested
        if "." in name:
            set_path(answers, name, value)
        else:
            answers[name] = value
    errors = []
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name:
            errors.append({"field": pair, "message": f"'{pair}' is not NAME=VALUE, for example signatory.name=Mrs J Patel"})
            continue
        f = fields.get(name)
        if f is None:
            errors.append({"field": name, "message": f"{name} is not one of this letter's answers: {', '.join(fields)}"})
            continue
        if f.type == "boolean":
            value = {"yes": True, "true": True, "no": False, "false": False}.get(text.lower(), text)
        else:
            value = _typed(f, text)
        set_path(answers, name, value)
    if errors:
        raise BulkError(errors)
    return answers


# --- the plan: who gets which letter -------------------------------------------------------------

# The figures each manifest row carries, counted as the letters count theirs: this school year up to
# the letter's date (figures: `to` the letter's date, from 1 September).
MANIFEST_FIGURES = ("attendance_pct", "days_missed", "broken_weeks", "school_weeks")


def _year_sessions(register: marks.Register, on: dt.date) -> tuple[marks.Session, ...]:
    start = marks.academic_year(on)[0]
    return tuple(s for s in register.sessions if start <= s.date <= on)


def _figures(sessions, code_set: str) -> dict:
    out = {}
    for name in MANIFEST_FIGURES:
        value = figures.FIGURES[name](sessions, code_set)
        out[name] = None if value is None else round(value, 1) if isinstance(value, float) else value
    return out


@dataclass
class Plan:
    """The letters a batch makes (one per parent) and the rows it skips, JSON-ready so a job can
    keep it in the database until it is done."""
    form_id: str
    school: dict
    la: dict
    on: str  # the letter's date: figures count up to it
    criteria: dict
    profile: str
    pupils_screened: int
    batch: str = "1"  # names the batch in each reference; a job sets its own once it has an id
    selected: int = 0  # pupils the filter selected (with a letter or skipped for a reason)
    letters: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    slots: dict = field(default_factory=dict)  # Slots.to_dict(); {} for a letter with no meeting
    answers: dict = field(default_factory=dict)  # the letter's own answers, to ask them again on "Change"
    stats: dict = field(default_factory=dict)  # figures (never names) that say why a filter found nobody
    code_set: str = marks.DEFAULT_CODE_SET  # the register export's, to ask again on "Change"

    def families(self) -> list[dict]:
        """The pupils with letters, in the letters' order, each with the parents written to and the
        meeting slot: the list the school checks before the letters are made."""
        out: dict[int, dict] = {}
        for letter in self.letters:
            row, pupil = letter["row"], letter["data"]["pupil"]
            family = out.setdefault(letter["number"], {
                "reference": self.reference(letter["number"]), "upn": row["upn"], "pupil": row["pupil"],
                "year_group": pupil.get("year_group", ""), "attendance_pct": row["figures"].get("attendance_pct"),
                "meeting_time": row.get("meeting_time", ""), "parents": [], "selected_because": row["selected_because"]})
            family["parents"].append(row["parent"])
        return list(out.values())

    def why_nobody(self) -> str:
        """Why the filter selected no pupil, in plain words (nobody_reason)."""
        return nobody_reason(self.stats, Criteria(**self.criteria), dt.date.fromisoformat(self.on),
                             screening.thresholds_of(load_profile(self.profile)))

    def reference(self, number: int) -> str:
        """One reference a pupil, shared by their parents' letters: "S2L-B42-0007"."""
        return f"{get_form(self.form_id).reference_prefix}-{self.batch}-{number:04d}"

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping) -> "Plan":
        return cls(**raw)

    def summary(self) -> dict:
        """Counts only, no names: what a job keeps after its letters are deleted, and the audit trail."""
        return {"form_id": self.form_id, "letters": len(self.letters), "slots": self.slots,
                "pupils": len({letter["row"]["upn"] for letter in self.letters}), "selected": self.selected,
                "skipped": dict(sorted(Counter(row["reason_code"] for row in self.skipped).items())),
                "pupils_screened": self.pupils_screened, "filter": self.criteria, "profile": self.profile,
                "on": self.on}


def read_register(data: bytes | str, code_set: str = marks.DEFAULT_CODE_SET) -> dict[str, marks.Register]:
    """The school's register export, one register per pupil keyed by UPN (upper case), as the screen
    reads it; RegisterError naming the rows otherwise."""
    pupils = screening.require_upns(exports.read_school_file(data, code_set, max_rows=screening.MAX_SCHOOL_ROWS))
    return {upn.upper(): register for upn, register in pupils.items()}


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "", ascii_)[:40] or "x"


def _skip(upn: str, reason: str, *, details: PupilDetails | None = None, parent: int | None = None,
          parent_name: str = "", figures: dict | None = None, text: str | None = None, met: list[str] = ()) -> dict:
    return {"status": "skipped", "reference": "", "upn": upn, "pupil": details.name if details else "",
            "parent_number": parent or "", "parent": parent_name, "reason_code": reason,
            "reason": text or SKIP_REASONS[reason], "figures": figures or {}, "selected_because": list(met)}


def make_plan(pupils: Mapping[str, marks.Register], details: Mapping[str, PupilDetails], form: FormDef, answers: Mapping,
              criteria: Criteria, profile: Policy, *, school: Mapping, la: Mapping, batch: str = "1",
              slots: Slots | None = None) -> Plan:
    """Who gets which letter. `answers` are check_answers' output; `batch` names this batch in each
    letter's reference (Plan.reference); `slots` each family's meeting (default: written in by hand)."""
    if form.id not in LETTERS:
        raise BulkError([{"field": "letter", "message": f"Choose one of the letters: {', '.join(LETTERS)}"}])
    criteria = criteria.checked(profile)
    picked = _select(pupils, details, form.id, answers, criteria, profile.id)
    plan = _assemble([picked], set(pupils), details, form, answers, criteria, profile, school, la, batch,
                     slots or Slots())
    plan.code_set = next((r.code_set for r in pupils.values()), marks.DEFAULT_CODE_SET)
    return plan


def plan_from_export(data: bytes | str, details: Mapping[str, PupilDetails], form: FormDef, answers: Mapping,
                     criteria: Criteria, profile: Policy, *, school: Mapping, la: Mapping, batch: str = "1",
                     code_set: str = marks.DEFAULT_CODE_SET, workers: int | None = None,
                     slots: Slots | None = None) -> Plan:
    """make_plan from the register export itself. A whole school's file is read and its pupils
    selected in shares across the cores, as the screen reads it (screening.PARALLEL_FROM_BYTES):
    each process reads the file and takes its own share of the pupils. RegisterError naming the rows."""
    if form.id not in LETTERS:
        raise BulkError([{"field": "letter", "message": f"Choose one of the letters: {', '.join(LETTERS)}"}])
    criteria = criteria.checked(profile)
    text = exports.prepared(data)
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or not exports.is_text(text) or len(text) < screening.PARALLEL_FROM_BYTES:
        return make_plan(read_register(text, code_set), details, form, answers, criteria, profile, school=school,
                         la=la, batch=batch, slots=slots)
    with _process_context().Pool(workers) as pool:
        shares = pool.starmap(_select_share, [(text, code_set, (k, workers), details, form.id, answers, criteria,
                                               profile.id) for k in range(workers)])
    errors = [e for share in shares if share[0] == "error" for e in share[1]]
    if errors:
        raise marks.RegisterError(sorted(errors, key=lambda e: e["row"])[:marks.MAX_ERRORS])
    picked = [share[1] for share in shares]
    seen = set().union(*(p["upns"] for p in picked))
    if not seen:
        raise marks.RegisterError([{"row": 1, "field": "file", "message": "The register has no marks in it"}])
    plan = _assemble(picked, seen, details, form, answers, criteria, profile, school, la, batch, slots or Slots())
    plan.code_set = code_set
    return plan


def _select_share(text: str, code_set: str, share: tuple[int, int], details, form_id: str, answers, criteria,
                  profile_id: str):
    """One process's share of the register export: its pupils read and selected (in a worker)."""
    try:
        pupils = screening.require_upns(exports.read_school_file(text, code_set, max_rows=screening.MAX_SCHOOL_ROWS,
                                                                 shard=share))
    except marks.RegisterError as exc:
        return "error", exc.errors
    pupils = {upn.upper(): register for upn, register in pupils.items()}
    return "ok", _select(pupils, details, form_id, answers, criteria, profile_id)


def _select(pupils: Mapping[str, marks.Register], details: Mapping[str, PupilDetails], form_id: str, answers: Mapping,
            criteria: Criteria, profile_id: str) -> dict:
    """The pupils the filter selects from these registers, each with their letter's data (counted
    from their marks and checked) or the reason they have none. Plain data, so a worker can return it."""
    form, profile = get_form(form_id), load_profile(profile_id)
    on = dt.date.fromisoformat(answers["letter_date"])
    thresholds = screening.thresholds_of(profile)
    out = {"upns": set(pupils), "selected": 0, "pupils": [], "skipped": [], "stats": _no_stats()}
    for upn, register in pupils.items():
        # Every pupil is screened exactly as the screen does (screening.screen_pupil, as of the
        # letter's date) and chosen by the screen's own test of its row (Criteria.met), so the two
        # select the same pupils; a pupil without marks this school year is still screened (the
        # penalty-notice window may reach back into the last school year).
        row = screening.screen_pupil(upn, register, on, thresholds)
        _count(out["stats"], register, row, criteria.each(row))
        met = criteria.met(row)
        if not row.possible:
            if upn in details or met:
                out["selected"] += bool(met)
                out["skipped"].append(_skip(upn, "no_marks", details=details.get(upn), met=met))
            continue
        if not met:
            continue
        out["selected"] += 1
        year = _year_sessions(register, on)
        figures = {**_figures(year, register.code_set), "unauthorised_sessions_10wk": row.unauthorised_10wk}
        d = details.get(upn)
        if d is None:
            out["skipped"].append(_skip(upn, "no_details", figures=figures, met=met))
        elif not d.data.get("parents"):
            out["skipped"].append(_skip(upn, "no_parent", details=d, figures=figures, met=met))
        else:
            data, problem = _letter_data(form, {**copy.deepcopy(dict(answers)), **_declared(form, d.data)}, register,
                                         profile)
            if problem is not None:
                out["skipped"].append(_skip(upn, problem[0], details=d, figures=figures, met=met, text=problem[1]))
            else:
                out["pupils"].append({"upn": upn, "details": d, "data": data, "figures": figures, "met": met})
    return out


# --- why a filter found nobody ------------------------------------------------------------------

def _no_stats() -> dict:
    return {"first": None, "last": None, "counted": 0, "lowest": None, "most_missed": None, "most_unauthorised": None,
            "each": {}}


def _count(stats: dict, register: marks.Register, row: screening.PupilScreen, each: list[str]) -> None:
    """Add one pupil to the figures that explain an empty selection (no names: counts and extremes)."""
    if register.sessions:
        first, last = register.sessions[0].date.isoformat(), register.sessions[-1].date.isoformat()
        stats["first"] = min(filter(None, (stats["first"], first)))
        stats["last"] = max(filter(None, (stats["last"], last)))
    stats["most_unauthorised"] = max(stats["most_unauthorised"] or 0, row.unauthorised_10wk)
    if row.possible:
        stats["counted"] += 1
        stats["lowest"] = min(x for x in (stats["lowest"], row.attendance_pct) if x is not None)
        stats["most_missed"] = max(x for x in (stats["most_missed"], row.absence_pct) if x is not None)
    for name in each:
        stats["each"][name] = stats["each"].get(name, 0) + 1


def _merge_stats(shares: Iterable[dict]) -> dict:
    out = _no_stats()
    for s in shares:
        for key, pick in (("first", min), ("last", max), ("lowest", min), ("most_missed", max),
                          ("most_unauthorised", max)):
            values = [v for v in (out[key], s[key]) if v is not None]
            out[key] = pick(values) if values else None
        out["counted"] += s["counted"]
        for name, n in s["each"].items():
            out["each"][name] = out["each"].get(name, 0) + n
    return out


def _school_year(on: dt.date) -> str:
    start = marks.academic_year(on)[0].year
    return f"the school year {start} to {start + 1}"


def _threshold_words(thresholds: dict) -> str:
    sessions, weeks = thresholds["sessions"], thresholds["weeks"]
    need = f"{sessions} or more" if thresholds["inclusive"] else f"more than {sessions}"
    return f"{need} unauthorised sessions in the last {weeks} school weeks"


def _how_many(name: str, n: int, criteria: Criteria) -> str:
    """"6 have attendance below 90%", "1 meets the penalty-notice threshold"."""
    one = n == 1
    if name == "below":
        return f"{n} {'has' if one else 'have'} attendance below {criteria.below:g}%"
    if name == "penalty_threshold":
        return f"{n} {'meets' if one else 'meet'} the penalty-notice threshold"
    if name == "band":
        return f"{n} {'is' if one else 'are'} in the band {criteria.label(name)}"
    return f"{n} {'is' if one else 'are'} {criteria.label(name)}"


def nobody_reason(stats: Mapping, criteria: Criteria, on: dt.date, thresholds: dict) -> str:
    """Why a filter selected no pupil, in the school's words: the letter's date past the export's
    marks, a school year with no marks, or each criterion with the figure that came nearest."""
    date = format_date(on)
    first = dt.date.fromisoformat(stats["first"]) if stats.get("first") else None
    last = dt.date.fromisoformat(stats["last"]) if stats.get("last") else None
    if last is None:
        return "The register export has no marks in it"
    if not stats.get("counted"):
        if last < on and last < marks.academic_year(on)[0]:
            return (f"The register export has no marks after {format_date(last)}, and none in {_school_year(on)}, "
                    f"which the letter's date ({date}) is in. Letters count this school year's marks up to their "
                    "date: choose a date in the school year the export covers, or export this year's marks")
        if first is not None and first > on:
            return (f"The register export has no marks on or before the letter's date, {date} (its first marks are "
                    f"on {format_date(first)}): letters count the marks up to their date")
        return f"The register export has no marks in {_school_year(on)} up to the letter's date, {date}"
    each = stats.get("each") or {}
    said = []
    for name in criteria.chosen():
        if each.get(name):
            continue
        if name == "below":
            said.append(f"No pupil's attendance is below {criteria.below:g}% (the lowest is {stats['lowest']:g}%)")
        elif name == "band":
            said.append(f"No pupil is in the band {criteria.label(name)} (the lowest attendance is "
                        f"{stats['lowest']:g}%)")
        elif name == "penalty_threshold":
            said.append(f"No pupil meets the penalty-notice threshold of {_threshold_words(thresholds)} (the most "
                        f"any pupil has is {stats['most_unauthorised']})")
        else:
            band = {"persistent": ("persistently", 10), "severe": ("severely", 50)}[name]
            said.append(f"No pupil is {band[0]} absent, {band[1]}% or more of sessions missed this school year (the "
                        f"most any pupil has missed is {stats['most_missed']:g}%)")
    if not said:  # each criterion finds someone, but nobody meets them all
        found = [_how_many(name, each[name], criteria) for name in criteria.chosen()]
        said.append(f"No pupil meets all the filters together: of the {stats['counted']} pupils with marks this "
                    f"school year, {', '.join(found[:-1])} and {found[-1]}")
    if last < on:
        said.insert(0, f"The register export has no marks after {format_date(last)} (the letter is dated {date}), "
                       "so the figures are counted to then")
    return ". ".join(said)


def _order(pupil: Mapping) -> tuple:
    """Year group, then surname and first name: the order a school files and posts its letters in.
    A year group is read for its number ("Year 7", "Y7", "7"; Reception before Year 1); any other
    text comes after the numbered years."""
    text = str(pupil.get("year_group") or "").strip()
    number = re.search(r"\d+", text)
    if number:
        year = (0, int(number.group()), "")
    elif re.match(r"(?i)n(ursery)?$", text):
        year = (0, -2, "")
    elif re.match(r"(?i)r(eception)?$", text):
        year = (0, -1, "")
    else:
        year = (1, 0, text.casefold())
    return (*year, str(pupil.get("last_name", "")).casefold(), str(pupil.get("first_name", "")).casefold())


def _assemble(picked: list[dict], seen: set[str], details: Mapping[str, PupilDetails], form: FormDef, answers: Mapping,
              criteria: Criteria, profile: Policy, school: Mapping, la: Mapping, batch: str, slots: Slots) -> Plan:
    """The plan from the selected pupils: by year group and name, one reference each, a letter for
    each parent with an address to write to, and each family's meeting slot."""
    plan = Plan(form.id, dict(school), {**la, "jurisdiction": profile.jurisdiction, "profile": profile.id}, answers["letter_date"], criteria.to_dict(), profile.id, len(seen),
                batch)
    plan.answers = copy.deepcopy(dict(answers))
    plan.stats = _merge_stats(p["stats"] for p in picked)
    plan.selected = sum(p["selected"] for p in picked)
    plan.skipped = [row for p in picked for row in p["skipped"]]
    plan.skipped += [_skip(upn, "no_marks", details=d) for upn, d in details.items() if upn not in seen]
    chosen = sorted((c for p in picked for c in p["pupils"]), key=lambda c: (*_order(c["data"]["pupil"]), c["upn"]))
    meeting = answers.get("next_step") == "meeting"
    if meeting:
        plan.slots = slots.to_dict()
    doc = form.documents[0]
    number = 0
    for c in chosen:
        upn, d, data, figures, met = c["upn"], c["details"], c["data"], c["figures"], c["met"]
        pupil = data["pupil"]
        writable = [i for i in recipients(doc, data) if data["parents"][i].get("address") or pupil.get("address")]
        if writable:
            number += 1
        slot = slots.at(number - 1) if meeting and writable else None
        if meeting:  # the family's own slot, or no time: the letter leaves a line to write it in
            data.setdefault("meeting", {}).pop("time", None)
            if slot:
                data["meeting"]["time"] = slot
        for index in recipients(doc, data):
            parent = data["parents"][index]
            parent_number = d.parent_columns[index]
            if index not in writable:
                plan.skipped.append(_skip(upn, "no_address", details=d, parent=parent_number,
                                          parent_name=parent.get("name", ""), figures=figures, met=met))
                continue
            name = f"{_slug(pupil.get('last_name', ''))}-{_slug(pupil.get('first_name', ''))}-parent{parent_number}"
            plan.letters.append({
                "number": number, "name": name, "recipient": index, "data": data,
                "row": {"status": "letter", "upn": upn, "pupil": d.name,
                        "parent_number": parent_number, "parent": parent.get("name", ""), "reason_code": "",
                        "reason": "", "figures": figures, "selected_because": met, "meeting_time": slot or ""},
            })
    plan.skipped.sort(key=lambda r: (r["pupil"] == "", r["pupil"].casefold(), r["upn"], str(r["parent_number"])))
    if len(plan.letters) > MAX_LETTERS:
        raise BulkError([{"field": "filter", "message": f"The filter selects {plan.selected:,} pupils, "
                                                        f"{len(plan.letters):,} letters: more than {MAX_LETTERS:,} at "
                                                        "once. Choose a narrower filter, or split the pupils file"}])
    if meeting:
        slots.check(number)
    return plan


def _declared(form: FormDef, details: dict) -> dict:
    """The pupils file's answers this letter asks for (one file serves both letters: the Stage 2
    letter has no lessons missed)."""
    names = {f.name for f in form.fields}
    out = copy.deepcopy(details)
    figures = {k: v for k, v in out.pop("figures", {}).items() if f"figures.{k}" in names}
    if figures:
        out["figures"] = figures
    return out


def _said(form: FormDef, errors) -> str:
    """Schema errors as one sentence naming each answer by its label."""
    labels = {f.name: f.label for f in form.fields}
    return "; ".join(f"{labels.get('.'.join(map(str, path)), '.'.join(map(str, path)))}: {message}"
                     for path, message in _messages_at(errors))


def _letter_data(form: FormDef, raw: dict, register: marks.Register, profile: Policy) -> tuple[dict, tuple | None]:
    """The letter's data with the figures counted from the marks, checked as a single letter is
    before it can be downloaded (every answer it needs, every rule passing): (data, None), or
    (data, (reason code, reason)) when it cannot be made."""
    try:
        loaded = form.schema(complete=False).load(raw)
    except ValidationError as exc:
        return raw, ("incomplete", _said(form, exc.messages))
    loaded = figures.apply(loaded, figures.fill(form, loaded, register))
    data = dump_data(loaded)
    errors = form.schema(complete=True).validate(data)
    # The child's own address only matters as the parents' fallback, checked per parent (no_address).
    # A meeting with no time is one the school writes in by hand (Slots); a slot is given later.
    for group, name in (("pupil", "address"), ("meeting", "time")):
        if isinstance(errors.get(group), dict):
            errors[group].pop(name, None)
            if not errors[group]:
                errors.pop(group)
    if errors:
        return data, ("incomplete", _said(form, errors))
    verdict = evaluate(form, loaded, register=register, profile=profile)
    if not verdict.eligible:
        return data, ("not_eligible", " ".join(r.reason for r in verdict.rules if r.status in BLOCKING))
    return data, None


# --- rendering and the zip -----------------------------------------------------------------------

_tools = threading.local()


def _batch_tools() -> tuple:
    """What a worker reuses from letter to letter (a quarter of each letter's time): WeasyPrint's font
    configuration, and a DOCX environment keeping each template's compiled Jinja (docxtpl compiles
    the document's XML afresh on every render otherwise). One per thread: neither is shared between
    threads (a worker process has one; the web service may run a small batch in a job thread)."""
    if not hasattr(_tools, "fonts"):
        from weasyprint.text.fonts import FontConfiguration

        env = rendering.docx_env.overlay()
        env.from_string = functools.lru_cache(maxsize=16)(env.from_string)
        _tools.fonts, _tools.env = FontConfiguration(), env
    return _tools.fonts, _tools.env


def _render_one(task: dict) -> tuple[int, bytes, bytes]:
    """One parent's letter as (its index, DOCX, PDF): the same context and renderers as the
    single-letter download (documents.render_letter). Runs in a worker process."""
    form = get_form(task["form"])
    doc = form.documents[0]
    data = form.schema(complete=False).load(task["data"])
    context = build_context(form.raw, data, school=task["school"], la=task["la"], reference=task["reference"],
                            signature=None, verdict=None, recipient=task["recipient"])
    fonts, env = _batch_tools()
    return (task["index"], rendering.render_docx(doc["docx"], context, jinja_env=env),
            rendering.render_pdf(doc["html"], context, title=doc["title"], font_config=fonts))


def _process_context():
    """screening's choice (fork in a single-threaded command, a fork server in a threaded web
    service), with this module preloaded in the fork server so each worker starts with the
    renderers imported."""
    context = screening.process_context()
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([screening.__name__, __name__])
    return context


def _rendered(tasks: list[dict], workers: int) -> Iterator[tuple[int, bytes, bytes]]:
    if workers < 2 or len(tasks) < PARALLEL_FROM:
        for task in tasks:
            yield _render_one(task)
        return
    with _process_context().Pool(min(workers, len(tasks))) as pool:
        yield from pool.imap(_render_one, tasks, chunksize=CHUNK)


MANIFEST_COLUMNS = ["status", "reference", "upn", "pupil", "parent_number", "parent", "meeting_time", "docx",
                    "docx_sha256", "pdf", "pdf_sha256", *MANIFEST_FIGURES, "unauthorised_sessions_10wk",
                    "selected_because", "reason"]
PRINT_PDF = "all-letters-for-printing.pdf"  # in the zip, and downloaded on its own from the job's page


def _add_to_print(writer: PdfWriter, pdf: bytes) -> None:
    """One letter's pages onto the end of the file for printing. Page by page (pypdf's add_page,
    not append): a printer needs only the pages, and copying each letter's tag tree and outline as
    well took half as long again. Each letter keeps its tags in its own PDF."""
    for page in PdfReader(io.BytesIO(pdf)).pages:
        writer.add_page(page)


def _finish_print(writer: PdfWriter, title: str) -> bytes:
    # Identical objects (fonts and images every letter repeats) kept once: a quarter of the size.
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.add_metadata({"/Title": title, "/Producer": "attendance legal-intervention forms service"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def combine_pdfs(pdfs: Iterable[bytes], title: str) -> bytes:
    """Every letter in one PDF for printing, each from a new page, in the order given. pypdf copies
    the pages as they are (WeasyPrint's layout is not redone)."""
    writer = PdfWriter()
    for pdf in pdfs:
        _add_to_print(writer, pdf)
    return _finish_print(writer, title)


def _figure(value):
    """A manifest cell before csvfiles.safe_cell: a float as its shortest form (95.0 -> 95)."""
    return f"{value:g}" if isinstance(value, float) else value


def manifest_csv(rows: list[dict], criteria: Criteria | None = None) -> str:
    """Every cell goes through csvfiles.safe_cell: a name typed as "=..." in the pupils file is kept as
    text, never run as a formula."""
    values = ({**row, **row.get("figures", {}),
               "selected_because": "; ".join(criteria.label(n) if criteria else n for n in row["selected_because"])}
              for row in rows)
    return write_csv(MANIFEST_COLUMNS, ([_figure(v.get(c)) for c in MANIFEST_COLUMNS] for v in values),
                     lineterminator="\r\n")


README = """Letters made by the attendance legal-intervention forms service.

{letter}, dated {on}, for {school}: one letter for each parent or carer, as Word (.docx) and PDF.
all-letters-for-printing.pdf holds every letter in one file, each starting on a new page, in the
order of the references (by year group, then surname).
Pupils selected: {filter} ({profile} thresholds), counted from the register export up to the
letter's date.

manifest.csv has one row for each letter made (status "letter": the files, their SHA-256 and the
figures the letter gives) and one for each pupil or parent left out (status "skipped", with the
reason): pupils the filter selected with no row in the pupils file, no parent or carer named, no
address, or whose letter's checks did not pass; and pupils in the pupils file with no register marks
this school year.

These files hold children's and parents' personal data. Keep them as the school's own records are
kept, and delete this folder once the letters are sent.
"""


@dataclass
class Result:
    letters: int
    pupils: int
    skipped: int
    rows: list[dict]
    skipped_by_reason: dict


def write_zip(plan: Plan, out: BinaryIO, *, progress: Callable[[int, int], None] | None = None,
              workers: int | None = None) -> Result:
    """Render every letter of the plan (DOCX and PDF) into a zip written to `out`, with manifest.csv and
    a README.txt. `progress(done, total)` is called as letters are made."""
    form = get_form(plan.form_id)
    criteria = Criteria(**plan.criteria)
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    tasks = [{"index": i, "form": plan.form_id, "data": letter["data"], "school": plan.school, "la": plan.la,
              "reference": plan.reference(letter["number"]), "recipient": letter["recipient"]}
             for i, letter in enumerate(plan.letters)]
    rows = [{**letter["row"], "reference": task["reference"]} for letter, task in zip(plan.letters, tasks)]
    total = len(tasks)
    if progress:
        progress(0, total)
    printing = PdfWriter()  # filled as the letters come, in order (imap keeps it), while workers render
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, (index, docx, pdf) in enumerate(_rendered(tasks, workers), start=1):
            _add_to_print(printing, pdf)
            stem = f"{tasks[index]['reference']}-{plan.letters[index]['name']}"
            for suffix, content in (("docx", docx), ("pdf", pdf)):
                # Both are compressed already (a DOCX is a zip, WeasyPrint compresses its streams):
                # stored as they are, so the zip costs no time.
                archive.writestr(f"{stem}.{suffix}", content, compress_type=zipfile.ZIP_STORED)
                rows[index][suffix] = f"{stem}.{suffix}"
                rows[index][f"{suffix}_sha256"] = hashlib.sha256(content).hexdigest()
            if progress:
                progress(done, total)
        if total:
            title = f"{form.title}: {total} letters, {format_date(dt.date.fromisoformat(plan.on))}"
            archive.writestr(PRINT_PDF, _finish_print(printing, title), compress_type=zipfile.ZIP_STORED)
        every = rows + plan.skipped
        archive.writestr("manifest.csv", "\ufeff" + manifest_csv(every, criteria))  # BOM: Excel reads it as UTF-8
        archive.writestr("README.txt", README.format(letter=form.title, on=format_date(dt.date.fromisoformat(plan.on)),
                                                     school=plan.school.get("name", ""),
                                                     filter=criteria.describe(), profile=plan.profile))
    return Result(len(rows), len({r["upn"] for r in rows}), len(plan.skipped), every,
                  dict(Counter(r["reason_code"] for r in plan.skipped)))


def summary_lines(plan: Plan, result: Result) -> list[str]:
    """For the terminal: counts, and each reason for leaving someone out."""
    lines = [f"{result.letters} letter(s) for {result.pupils} pupil(s) ({get_form(plan.form_id).short_title}, "
             f"dated {plan.on}); {plan.pupils_screened} pupils in the register export.",
             f"Selected: {Criteria(**plan.criteria).describe()} ({plan.profile} thresholds)."]
    if result.skipped:
        lines.append(f"{result.skipped} left out (listed in manifest.csv):")
        lines += [f"  {SKIP_REASONS[code]}: {n}" for code, n in sorted(result.skipped_by_reason.items())]
    return lines
