"""A pupil's attendance register: code sets, import from CSV/JSON, and the calculations rules use.

Definitions follow DESIGN.md section 4: possible sessions leave out codes not counted; attendance %
is (present + approved activity) / possible x 100; a school week is a Monday-Sunday week with at
least one session that is not `#` (planned closure).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

CODESETS_DIR = Path(__file__).resolve().parent.parent / "schemas" / "codesets"
CODE_SETS = ("2024", "2006")
DEFAULT_CODE_SET = "2024"
CLASSES = ("present", "approved_activity", "authorised", "unauthorised", "not_counted")
ATTENDING = ("present", "approved_activity")
ABSENT = ("authorised", "unauthorised")
SESSIONS = ("AM", "PM")
CLOSED = "#"  # planned whole or partial school closure, in both code sets
LEAVE = "G"  # holiday not granted by the school, in both code sets

MAX_ROWS = 200_000  # a 1,500-pupil school's year is about 570,000 rows: split larger files
MAX_ERRORS = 50  # enough to see a pattern; more would bury the first one

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


# ---------------------------------------------------------------- code sets

@dataclass(frozen=True)
class CodeSet:
    name: str
    title: str
    source: str
    codes: Mapping[str, tuple[str, str]]  # code -> (class, description)

    def classify(self, code: str) -> str:
        try:
            return self.codes[code][0]
        except KeyError:
            raise KeyError(f"{code!r} is not in the {self.name} code set") from None

    def describe(self, code: str) -> str:
        return self.codes[code][1]

    def codes_in(self, klass: str) -> list[str]:
        return [c for c, (k, _) in self.codes.items() if k == klass]


@lru_cache(maxsize=None)
def load_code_set(name: str) -> CodeSet:
    """The code set `name` ("2024" or "2006") from schemas/codesets/<name>.json."""
    if name not in CODE_SETS:
        raise ValueError(f"Unknown code set {name!r}: use one of {', '.join(CODE_SETS)}")
    raw = json.loads((CODESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    codes = {}
    for code, entry in raw["codes"].items():
        if entry["class"] not in CLASSES:
            raise ValueError(f"Code set {name}: code {code!r} has unknown class {entry['class']!r}")
        codes[code] = (entry["class"], entry["description"])
    return CodeSet(name=raw["name"], title=raw["title"], source=raw["source"], codes=codes)


# ---------------------------------------------------------------- model

@dataclass(frozen=True, slots=True)
class Session:
    """One register mark: a date, AM or PM, and the code recorded."""
    date: dt.date
    session: str
    code: str
    upn: str | None = None

    @property
    def sort_key(self) -> tuple[dt.date, int]:
        return (self.date, 0 if self.session == "AM" else 1)


Mark = Session


@dataclass(frozen=True)
class Register:
    """A register's marks in date order (AM before PM), and the code set they are written in."""
    code_set: str = DEFAULT_CODE_SET
    sessions: tuple[Session, ...] = ()

    def __post_init__(self):
        load_code_set(self.code_set)  # an unknown code set is a programming error here
        ordered = sorted(self.sessions, key=lambda s: (*s.sort_key, s.upn or ""))
        object.__setattr__(self, "sessions", tuple(ordered))

    def classify(self, code: str) -> str:
        return load_code_set(self.code_set).classify(code)

    @property
    def upn(self) -> str | None:
        upns = {s.upn for s in self.sessions}
        return upns.pop() if len(upns) == 1 else None

    def until(self, day: dt.date) -> "Register":
        """The same register with only the sessions on or before `day`."""
        return Register(self.code_set, tuple(s for s in self.sessions if s.date <= day))

    def __len__(self) -> int:
        return len(self.sessions)


@dataclass(frozen=True)
class Window:
    """A run of school weeks: Monday of the first week, the last date counted, the weeks'
    Mondays (oldest first) and the sessions counted in them."""
    start: dt.date | None
    end: dt.date
    weeks: tuple[dt.date, ...]
    sessions: tuple[Session, ...]
    code_set: str = DEFAULT_CODE_SET


class RegisterError(ValueError):
    """Register data that cannot be used; `errors` is a list of {row, field, message}."""

    def __init__(self, errors: list[dict], stopped: bool = False):
        self.errors = errors
        self.stopped = stopped
        head = "; ".join(e["message"] for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        tail = f" Stopped after {MAX_ERRORS} errors." if stopped else ""
        super().__init__(f"{head}{more}.{tail}" if head else "Register data is not valid.")

    @property
    def messages(self) -> list[str]:
        """The errors as plain sentences, for a form's error summary."""
        return [e["message"] for e in self.errors]


# ---------------------------------------------------------------- import

class _Collector:
    """Gathers row errors and builds sessions, stopping at MAX_ERRORS."""

    def __init__(self, code_set: str, noun: str):
        self.code_set = load_code_set(code_set)
        self.noun = noun  # "Row" for CSV (spreadsheet rows), "Item" for JSON lists
        self.errors: list[dict] = []
        self.sessions: list[Session] = []
        self.seen: dict[tuple, int] = {}
        self.rows_with_upn: list[int] = []
        self.rows_without_upn: list[int] = []
        self.dates: dict[str, dt.date] = {}  # a register repeats each date many times: parse once

    def error(self, row: int, field_name: str, message: str) -> None:
        self.errors.append({"row": row, "field": field_name, "message": f"{self.noun} {row}: {message}"})
        if len(self.errors) >= MAX_ERRORS:
            raise RegisterError(self.errors, stopped=True)

    def add(self, row: int, date_value, session_value, code_value, upn_value) -> None:
        before = len(self.errors)
        day = self._date(row, date_value)
        session = self._session(row, session_value)
        code = self._code(row, code_value)
        upn = None if upn_value is None else str(upn_value).strip() or None
        if len(self.errors) > before:
            return
        key = (upn, day, session)
        if key in self.seen:
            who = f" for UPN {upn}" if upn else ""
            self.error(row, "session", f"a second mark{who} for {day.isoformat()} {session} "
                                       f"(the first is in {self.noun.lower()} {self.seen[key]})")
            return
        self.seen[key] = row
        (self.rows_with_upn if upn else self.rows_without_upn).append(row)
        self.sessions.append(Session(day, session, code, upn))

    def _date(self, row: int, value) -> dt.date | None:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value
        text = "" if value is None else str(value).strip()
        if text in self.dates:
            return self.dates[text]
        if not text:
            self.error(row, "date", "the date is empty")
            return None
        if not _ISO_DATE.match(text):
            self.error(row, "date", f"'{text}' is not a date written as YYYY-MM-DD (for example 2026-01-20)")
            return None
        try:
            day = self.dates[text] = dt.date.fromisoformat(text)
            return day
        except ValueError:
            self.error(row, "date", f"'{text}' is not a real date")
            return None

    def _session(self, row: int, value) -> str | None:
        text = "" if value is None else str(value).strip()
        if text.upper() in SESSIONS:
            return text.upper()
        self.error(row, "session", f"the session must be AM or PM, not '{text}'" if text else "the session is empty")
        return None

    def _code(self, row: int, value) -> str | None:
        text = "" if value is None else str(value).strip()
        if not text:
            self.error(row, "code", "the code is empty")
            return None
        if text in self.code_set.codes:
            return text
        hint = ""
        if text.upper() in self.code_set.codes:
            hint = f" (codes are case-sensitive: did you mean '{text.upper()}'?)"
        self.error(row, "code", f"code '{text}' is not in the {self.code_set.name} code set{hint}")
        return None

    def finish(self) -> Register:
        # A whole-school file gives every row a UPN; a single-pupil file may leave the column blank.
        if self.rows_with_upn and self.rows_without_upn:
            for row in self.rows_without_upn[:MAX_ERRORS]:
                self.error(row, "upn", "the UPN is empty, but other rows have one")
        if not self.errors and not self.sessions:
            self.errors.append({"row": 1, "field": "file", "message": "The register has no marks in it"})
        if self.errors:
            raise RegisterError(self.errors)
        return Register(self.code_set.name, tuple(self.sessions))


def _too_many_rows(row: int) -> RegisterError:
    return RegisterError([{"row": row, "field": "file",
                           "message": f"The register has more than {MAX_ROWS:,} rows: split it into smaller files "
                                      "(for example by year group) and import each one"}])


def parse_register_csv(data: bytes | str, code_set: str = DEFAULT_CODE_SET) -> Register:
    """Read a CSV with a header naming date, session and code (and optionally upn), in any order.

    Row numbers in errors are the rows a spreadsheet shows: the header is row 1."""
    if code_set not in CODE_SETS:
        raise RegisterError([{"row": 1, "field": "code_set",
                              "message": f"Unknown code set '{code_set}': use one of {', '.join(CODE_SETS)}"}])
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RegisterError([{"row": 1, "field": "file",
                                  "message": "The file is not UTF-8 text: save it from the spreadsheet as "
                                             "'CSV UTF-8' and try again"}]) from None
    data = data.removeprefix("\ufeff")
    if not data.strip():
        raise RegisterError([{"row": 1, "field": "file", "message": "The file is empty"}])

    reader = csv.reader(io.StringIO(data, newline=""))
    columns: dict[str, int] | None = None
    collector = _Collector(code_set, "Row")
    data_rows = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = [c.strip() for c in record]
            if not any(cells):
                continue  # blank spreadsheet rows are harmless
            if columns is None:
                columns = _header(number, cells)
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise _too_many_rows(number)

            def cell(name: str) -> str | None:
                i = columns.get(name)
                return cells[i] if i is not None and i < len(cells) else None

            collector.add(number, cell("date"), cell("session"), cell("code"), cell("upn"))
    except csv.Error as exc:
        raise RegisterError(collector.errors + [{"row": reader.line_num, "field": "file",
                                                 "message": f"Row {reader.line_num}: the CSV cannot be read ({exc})"}])
    if columns is None:
        raise RegisterError([{"row": 1, "field": "file", "message": "The file is empty"}])
    return collector.finish()


def _header(row: int, cells: list[str]) -> dict[str, int]:
    names = [c.lower() for c in cells]
    errors = []
    for name in ("date", "session", "code"):
        if name not in names:
            errors.append({"row": row, "field": name,
                           "message": f"Row {row} (the header): there is no '{name}' column; the header must "
                                      "name the columns date, session and code (and optionally upn)"})
    for name in ("date", "session", "code", "upn"):
        if names.count(name) > 1:
            errors.append({"row": row, "field": name,
                           "message": f"Row {row} (the header): the column '{name}' appears more than once"})
    if errors:
        raise RegisterError(errors)
    return {name: names.index(name) for name in ("date", "session", "code", "upn") if name in names}


def parse_register_json(obj: dict | list, code_set: str | None = None) -> Register:
    """Read `{code_set, sessions: [{date, session, code, upn?}]}` or a bare list of sessions.

    The object's own code_set wins; `code_set` is the fallback for a bare list. Errors number the
    sessions from 1 ("Item 3: ...")."""
    if isinstance(obj, dict):
        name = obj.get("code_set", code_set) or DEFAULT_CODE_SET
        items = obj.get("sessions")
        if items is None:
            raise RegisterError([{"row": None, "field": "sessions", "message": "The register has no 'sessions' list"}])
    else:
        name, items = code_set or DEFAULT_CODE_SET, obj
    if not isinstance(name, str) or name not in CODE_SETS:
        raise RegisterError([{"row": None, "field": "code_set",
                              "message": f"Unknown code set '{name}': use one of {', '.join(CODE_SETS)}"}])
    if not isinstance(items, list):
        raise RegisterError([{"row": None, "field": "sessions", "message": "The register's sessions must be a list"}])
    if len(items) > MAX_ROWS:
        raise _too_many_rows(MAX_ROWS + 1)
    collector = _Collector(name, "Item")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            collector.error(number, "sessions", "each session must be an object with date, session and code")
            continue
        collector.add(number, item.get("date"), item.get("session"), item.get("code"), item.get("upn"))
    return collector.finish()


def split_by_upn(register: Register) -> dict[str | None, Register]:
    """A whole-school register as one register per pupil, keyed by UPN (None when there is none)."""
    groups: dict[str | None, list[Session]] = {}
    for s in register.sessions:
        groups.setdefault(s.upn, []).append(s)
    return {upn: Register(register.code_set, tuple(sessions)) for upn, sessions in groups.items()}


def to_csv(register: Register) -> str:
    """The register as CSV in the accepted format (for exports and round trips)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    with_upn = any(s.upn for s in register.sessions)
    writer.writerow(["upn", "date", "session", "code"] if with_upn else ["date", "session", "code"])
    for s in register.sessions:
        row = [s.date.isoformat(), s.session, s.code]
        writer.writerow([s.upn or "", *row] if with_upn else row)
    return out.getvalue()


# ---------------------------------------------------------------- calculations

Marks = Register | Window | Iterable[Session]


def _unpack(marks: Marks, code_set: str | None) -> tuple[Sequence[Session], CodeSet]:
    own = getattr(marks, "code_set", None)
    sessions = marks.sessions if isinstance(marks, (Register, Window)) else tuple(marks)
    return sessions, load_code_set(code_set or own or DEFAULT_CODE_SET)


def count_by_class(sessions: Marks, code_set: str | None = None) -> dict[str, int]:
    """How many sessions fall in each class (every class present, zero if none)."""
    items, codes = _unpack(sessions, code_set)
    counts = Counter(codes.classify(s.code) for s in items)
    return {k: counts.get(k, 0) for k in CLASSES}


def possible_sessions(sessions: Marks, code_set: str | None = None) -> int:
    """Sessions counted as possible: all of them except codes not counted."""
    counts = count_by_class(sessions, code_set)
    return sum(counts.values()) - counts["not_counted"]


def attended_sessions(sessions: Marks, code_set: str | None = None) -> int:
    counts = count_by_class(sessions, code_set)
    return counts["present"] + counts["approved_activity"]


def attendance_pct(sessions: Marks, code_set: str | None = None) -> float | None:
    """(present + approved activity) / possible x 100; None when nothing was possible."""
    counts = count_by_class(sessions, code_set)
    possible = sum(counts.values()) - counts["not_counted"]
    if possible == 0:
        return None
    return (counts["present"] + counts["approved_activity"]) * 100 / possible


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week containing `day`."""
    return day - dt.timedelta(days=day.weekday())


def school_weeks(register: Marks) -> list[dt.date]:
    """Mondays of the weeks with at least one session that is not a planned closure (`#`)."""
    items, _ = _unpack(register, None)
    return sorted({week_of(s.date) for s in items if s.code != CLOSED})


def previous_school_weeks(register: Register, on: dt.date, n: int) -> Window:
    """The `n` most recent school weeks ending with the week containing `on`, counting sessions on
    or before `on`. The window may span terms and school years.

    Whether a week is a school week is judged from the sessions up to `on` only, so marks entered
    later never change the answer for a given date. Fewer than `n` weeks come back when the
    register does not go back that far."""
    if n < 1:
        raise ValueError("n must be at least 1")
    upto = [s for s in register.sessions if s.date <= on]
    weeks = tuple(school_weeks(upto)[-n:])
    if not weeks:
        return Window(None, on, (), (), register.code_set)
    chosen = set(weeks)
    sessions = tuple(s for s in upto if week_of(s.date) in chosen)
    return Window(weeks[0], on, weeks, sessions, register.code_set)


def school_days(register: Marks) -> list[dt.date]:
    """Days with at least one session that is not a planned closure."""
    items, _ = _unpack(register, None)
    return sorted({s.date for s in items if s.code != CLOSED})


def school_days_after(register: Marks, day: dt.date, until: dt.date | None = None) -> list[dt.date]:
    """Days after `day` (up to and including `until`, if given) on which the school was open."""
    return [d for d in school_days(register) if d > day and (until is None or d <= until)]


def broken_weeks(sessions: Marks, code_set: str | None = None) -> list[dt.date]:
    """Mondays of school weeks with at least one absence session, authorised or not (000, para 20)."""
    items, codes = _unpack(sessions, code_set)
    return sorted({week_of(s.date) for s in items if codes.classify(s.code) in ABSENT})


def academic_year(day: dt.date) -> tuple[dt.date, dt.date]:
    """The school year containing `day`: 1 September to 31 August."""
    start_year = day.year if day.month >= 9 else day.year - 1
    return dt.date(start_year, 9, 1), dt.date(start_year + 1, 8, 31)


def leave_sessions(register: Register, on: dt.date, until: dt.date | None = None) -> tuple[int, dt.date, dt.date]:
    """Sessions coded G (holiday not granted) in the academic year containing `on`; with `until`,
    only those on or before it. Returns (count, year start, year end)."""
    start, end = academic_year(on)
    last = end if until is None else min(end, until)
    count = sum(1 for s in register.sessions if s.code == LEAVE and start <= s.date <= last)
    return count, start, end
