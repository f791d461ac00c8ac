"""A pupil's attendance register: code sets, import from CSV/JSON, and the calculations rules use.

Definitions follow DESIGN.md section 4: possible sessions leave out codes not counted; attendance %
is (present + approved activity) / possible x 100; a school week is a Monday-Sunday week with at
least one session that is not `#` (planned closure).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

from ..config import PROJECT_ROOT
from ..csvfiles import write_csv
from .mis_marks import statutory

CODESETS_DIR = PROJECT_ROOT / "schemas" / "codesets"
# The code sets a register may use, with how a person choosing one knows it (England's 2024 codes from
# 19 August 2024 and its 2006 codes before; the Welsh Government's codes under the Education (Pupil
# Registration) (Wales) Regulations 2010). Each is data in schemas/codesets/<name>.json.
CODE_SET_CHOICES = (("2024", "The codes in use since 19 August 2024"), ("2006", "The older codes (before August 2024)"),
                    ("wales-2010", "The codes used in Wales"))
CODE_SETS = tuple(name for name, _ in CODE_SET_CHOICES)
DEFAULT_CODE_SET = "2024"
CLASSES = ("present", "approved_activity", "authorised", "unauthorised", "not_counted")
ABSENT = ("authorised", "unauthorised")
SESSIONS = ("AM", "PM")
CLOSED = "#"  # planned whole or partial school closure, in every code set
LEAVE = "G"  # holiday not granted by the school, in every code set

MAX_ROWS = 200_000  # a 1,500-pupil school's year is about 570,000 rows: split larger files
MAX_ERRORS = 50  # enough to see a pattern; more would bury the first one

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# Dates as MIS reports and Excel write them in England and Wales (issue 21): 03/09/2026, 3/9/2026, 03-09-2026,
# 03.09.2026, 3 Sep 2026, 3 September 2026, with or without the weekday (Wed 03/09/2026). Day first, always:
# 03/09/2026 is 3 September, never 9 March (a US month-first date would be misread, so none is guessed).
_DAY_FIRST = re.compile(r"^(?:[A-Za-z]{3,9},?\s+)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$", re.ASCII)
_DAY_MONTH_NAME = re.compile(r"^(?:[A-Za-z]{3,9},?\s+)?(\d{1,2})(?:st|nd|rd|th)?[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{4})$",
                             re.ASCII)
_MONTHS = {name: n for n, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}


# Sessions as exports name them besides AM and PM ("a.m.", "Morning").
_SESSION_NAMES = {"am": "AM", "pm": "PM", "morning": "AM", "afternoon": "PM"}


def _date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a date as a register export writes it, or None if it is not one of those forms
    (the date itself may still not exist: 31/02/2026)."""
    if _ISO_DATE.match(text):
        return int(text[:4]), int(text[5:7]), int(text[8:])
    if m := _DAY_FIRST.match(text):
        return int(m.group(3)), int(m.group(2)), int(m.group(1))
    if (m := _DAY_MONTH_NAME.match(text)) and (month := _MONTHS.get(m.group(2).lower())):
        return int(m.group(3)), month, int(m.group(1))
    return None


# ---------------------------------------------------------------- code sets

@dataclass(frozen=True)
class CodeSet:
    name: str
    title: str
    source: str
    codes: Mapping[str, tuple[str, str]]  # code -> (class, description)
    classes: Mapping[str, str] = field(default_factory=dict)  # class -> its name for readers ("Authorised absence")

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
    """The code set `name` (one of CODE_SETS) from schemas/codesets/<name>.json."""
    if name not in CODE_SETS:
        raise ValueError(f"Unknown code set {name!r}: use one of {', '.join(CODE_SETS)}")
    raw = json.loads((CODESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    codes = {}
    for code, entry in raw["codes"].items():
        if entry["class"] not in CLASSES:
            raise ValueError(f"Code set {name}: code {code!r} has unknown class {entry['class']!r}")
        codes[code] = (entry["class"], entry["description"])
    return CodeSet(name=raw["name"], title=raw["title"], source=raw["source"], codes=codes,
                   classes=dict(raw.get("classes") or {}))


# ---------------------------------------------------------------- model

@dataclass(frozen=True, slots=True)
class Session:
    """One register mark: a date, AM or PM, and the code recorded. `mark` is the export's own mark when
    it was an MIS sub-code or local mark (I01, X03) read as the statutory `code`; None when they are the same."""
    date: dt.date
    session: str
    code: str
    upn: str | None = None
    mark: str | None = None

    @property
    def shown(self) -> str:
        """The mark as the school's register has it (its sub-code, where it has one)."""
        return self.mark or self.code

    @property
    def sort_key(self) -> tuple[dt.date, int]:
        return (self.date, 0 if self.session == "AM" else 1)



@dataclass(frozen=True)
class Register:
    """A register's marks in date order (AM before PM), and the code set they are written in."""
    code_set: str = DEFAULT_CODE_SET
    sessions: tuple[Session, ...] = ()

    def __post_init__(self):
        load_code_set(self.code_set)  # an unknown code set is a programming error here
        # "AM" sorts before "PM", so the session's text orders a day's marks.
        ordered = sorted(self.sessions, key=lambda s: (s.date, s.session, s.upn or ""))
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

class Collector:
    """Gathers row errors and builds sessions, stopping at MAX_ERRORS."""

    def __init__(self, code_set: str, noun: str, by_upn: bool = False):
        if code_set not in CODE_SETS:
            raise RegisterError([{"row": 1, "field": "code_set",
                                  "message": f"Unknown code set {quoted(str(code_set))}: use one of "
                                             f"{', '.join(CODE_SETS)}"}])
        self.code_set = load_code_set(code_set)
        self.by_upn: dict[str | None, list[Session]] | None = {} if by_upn else None
        self.noun = noun  # "Row" for CSV (spreadsheet rows), "Item" for JSON lists
        self.errors: list[dict] = []
        self.sessions: list[Session] = []
        self.seen: dict[tuple, int] = {}
        self.with_upn = 0  # rows with a UPN
        self.rows_without_upn: list[int] = []  # the first few without one, to name in an error
        self.dates: dict[str, dt.date] = {}  # a register repeats each date many times: parse once
        self.column: str | None = None  # the column an error is in, where a row holds many marks (a week grid)
        self.headings: dict[str, str] = {}  # each field's column as the file's header names it (the long layout)

    def error(self, row: int, field_name: str, message: str) -> None:
        where = f"{self.noun} {row}, column {self.column}" if self.column else f"{self.noun} {row}"
        entry = {"row": row, "field": field_name, "message": f"{where}: {message}"}
        if column := self.column or self.headings.get(field_name):
            entry["column"] = column
        self.errors.append(entry)
        if len(self.errors) >= MAX_ERRORS:
            raise RegisterError(self.errors, stopped=True)

    def add(self, row: int, date_value, session_value, code_value, upn_value) -> None:
        # Fast path for the usual clean row (a whole-school file has hundreds of thousands): a date
        # already seen, AM/PM and a known code, as given. Anything else takes the checking path.
        day = self.dates.get(date_value) if type(date_value) is str else None
        # (A JSON register may give any value: a list is no code, and cannot even be looked up.)
        if (day is not None and session_value in SESSIONS and type(code_value) is str
                and code_value in self.code_set.codes and (upn_value is None or type(upn_value) is str)):
            session, code, upn = session_value, code_value, upn_value.strip() or None if upn_value else None
            mark = None
        else:
            before = len(self.errors)
            day = self.date_of(row, date_value)
            session = self._session(row, session_value)
            code, mark = self._code(row, code_value)
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
        if upn:
            self.with_upn += 1
        elif len(self.rows_without_upn) < MAX_ERRORS:
            self.rows_without_upn.append(row)
        kept = Session(day, session, code, upn, mark)
        if self.by_upn is None:
            self.sessions.append(kept)
        else:
            self.by_upn.setdefault(upn, []).append(kept)

    def date_of(self, row: int, value) -> dt.date | None:
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
        parts = _date_parts(text)
        if parts is None:
            self.error(row, "date", f"{quoted(text)} is not a date written as 2026-01-20, 20/01/2026 or 20 Jan 2026 "
                                    "(day before month)")
            return None
        try:
            day = self.dates[text] = dt.date(*parts)
            return day
        except ValueError:
            self.error(row, "date", f"{quoted(text)} is not a real date")
            return None

    def _session(self, row: int, value) -> str | None:
        text = "" if value is None else str(value).strip()
        if text.upper() in SESSIONS:
            return text.upper()
        if (named := _SESSION_NAMES.get(text.lower().replace(".", ""))) is not None:
            return named
        self.error(row, "session", f"the session must be AM or PM, not {quoted(text)}" if text else "the session is empty")
        return None

    def _code(self, row: int, value) -> tuple[str | None, str | None]:
        """(statutory code, the export's own mark when it differs): an MIS sub-code (I01) is read as its
        code (I) and kept; anything else outside the code set is an error, never a guess."""
        text = "" if value is None else str(value).strip()
        if not text:
            self.error(row, "code", "the code is empty")
            return None, None
        if text in self.code_set.codes:
            return text, None
        if (code := statutory(text, self.code_set.name, self.code_set.codes)) is not None:
            return code, text
        hint = ""
        if text.upper() in self.code_set.codes:
            hint = f" (codes are case-sensitive: did you mean '{text.upper()}'?)"
        self.error(row, "code", f"code {quoted(text)} is not in the {self.code_set.name} code set{hint}")
        return None, None

    def finish(self, allow_empty: bool = False) -> Register:
        # A whole-school file gives every row a UPN; a single-pupil file may leave the column blank.
        if self.with_upn and self.rows_without_upn:
            for row in self.rows_without_upn:
                self.error(row, "upn", "the UPN is empty, but other rows have one")
        if not self.errors and not (self.sessions or self.by_upn) and not allow_empty:
            self.errors.append({"row": 1, "field": "file", "message": "The register has no marks in it"})
        if self.errors:
            raise RegisterError(self.errors)
        return Register(self.code_set.name, tuple(self.sessions))

    def finish_by_upn(self, allow_empty: bool = False) -> dict[str | None, Register]:
        self.finish(allow_empty)
        return {upn: Register(self.code_set.name, tuple(marks)) for upn, marks in self.by_upn.items()}


def too_many_rows(row: int, limit: int = MAX_ROWS) -> RegisterError:
    return RegisterError([{"row": row, "field": "file",
                           "message": f"The register has more than {limit:,} rows: split it into smaller files "
                                      "(for example by year group) and import each one"}])


def quoted(text: str, limit: int = 40) -> str:
    """A cell as an error message quotes it: short, on one line."""
    text = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]+", " ", text)
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit - 1]}…'"


def parse_register_json(obj: dict | list, code_set: str | None = None) -> Register:
    """Read `{code_set, sessions: [{date, session, code, upn?, mark?}]}` or a bare list of sessions (`mark`:
    the MIS sub-code a stored register kept, read in place of the code).

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
                              "message": f"Unknown code set {quoted(str(name))}: use one of {', '.join(CODE_SETS)}"}])
    if not isinstance(items, list):
        raise RegisterError([{"row": None, "field": "sessions", "message": "The register's sessions must be a list"}])
    if len(items) > MAX_ROWS:
        raise too_many_rows(MAX_ROWS + 1)
    collector = Collector(name, "Item")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            collector.error(number, "sessions", "each session must be an object with date, session and code")
            continue
        # A stored register keeps an MIS sub-code as `mark` beside its code: the mark is read again.
        mark = item.get("mark")
        collector.add(number, item.get("date"), item.get("session"), mark if isinstance(mark, str) and mark else
                      item.get("code"), item.get("upn"))
    return collector.finish()


def stored_register(obj: dict) -> Register:
    """A register as the service stored it (parse_register_json checked every mark when it was saved), rebuilt
    without checking each mark again: a child's case page reads the registers of all their records. Anything
    not in the stored shape is read the careful way, which names what is wrong."""
    try:
        name = obj.get("code_set") or DEFAULT_CODE_SET
        codes = load_code_set(name).codes
        days: dict[str, dt.date] = {}
        sessions = []
        for item in obj["sessions"]:
            text, code = item["date"], item["code"]
            day = days.get(text)
            if day is None:
                day = days[text] = dt.date.fromisoformat(text)
            if code not in codes or item["session"] not in SESSIONS:
                raise ValueError(code)
            sessions.append(Session(day, item["session"], code, item.get("upn"), item.get("mark")))
        return Register(name, tuple(sessions))
    except (KeyError, TypeError, ValueError, AttributeError):
        return parse_register_json(obj)


def split_by_upn(register: Register) -> dict[str | None, Register]:
    """A whole-school register as one register per pupil, keyed by UPN (None when there is none)."""
    groups: dict[str | None, list[Session]] = {}
    for s in register.sessions:
        groups.setdefault(s.upn, []).append(s)
    return {upn: Register(register.code_set, tuple(sessions)) for upn, sessions in groups.items()}


def session_json(s: Session) -> dict:
    """One mark in the stored JSON shape: its MIS sub-code kept as `mark` where it had one."""
    out = {"date": s.date.isoformat(), "session": s.session, "code": s.code}
    if s.mark:
        out["mark"] = s.mark
    return out


def to_csv(register: Register) -> str:
    """The register as CSV in the accepted format (for exports and round trips). Through
    csvfiles like every CSV the service writes: codes and dates never start a formula, a UPN could."""
    with_upn = any(s.upn for s in register.sessions)
    header = ["upn", "date", "session", "code"] if with_upn else ["date", "session", "code"]
    rows = ([s.upn or "", s.date.isoformat(), s.session, s.code] if with_upn
            else [s.date.isoformat(), s.session, s.code] for s in register.sessions)
    return write_csv(header, rows)


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


@lru_cache(maxsize=8192)  # a register repeats each date twice per pupil: a whole-school screen asks millions of times
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


# ---------------------------------------------------------------- runs, late marks, bands and returns
#
# A run is counted over OPEN sessions (or open days) in the register's order: a planned closure
# (`#`), a weekend or a holiday is not a session the pupil could attend, so it neither breaks a
# run nor adds to it. A school day is a day with at least one open session (as school_days).
# These are one pupil's figures: split a whole-school register with split_by_upn first.

PERSISTENT_PCT, SEVERE_PCT = 10, 50  # 001, 6.4: "miss 10% or more"; "missing 50% or more"
LATE_CODE = "U"  # arrived after the register closed: an unauthorised absence, in every code set
LATE_MARKS_THRESHOLD, LATE_MARKS_WEEKS = 14, 10  # 004 (Knowsley), Level 3: "14 unauthorised late marks
                                                 # within a period of no more than 10 weeks"
RETURN_CODES = ("G", "N", "O", "U")  # 000 para 6 (i)-(iv); regulation 10 of the 2024 regulations
ATTENDANCE_RETURN_DAYS = 10  # 000 para 6: "a continuous period of at least ten school days"
SICKNESS_CODE = "I"  # illness, in every code set
SICKNESS_RETURN_DAYS = 15  # 000 para 7: "at least 15 consecutive school days" / "a total of at least 15"


@dataclass(frozen=True)
class Run:
    """A run of consecutive open sessions (unit "sessions") or school days (unit "days").

    `length` counts them; `first` and `last` are the run's first and last open sessions (for a run
    of days, the first open session of its first day and the last of its last day), None when the
    run is empty."""
    length: int
    first: Session | None
    last: Session | None
    unit: str = "sessions"

    @property
    def start(self) -> dt.date | None:
        return self.first.date if self.first else None

    @property
    def end(self) -> dt.date | None:
        return self.last.date if self.last else None

    def __bool__(self) -> bool:
        return self.length > 0


NO_RUN = Run(0, None, None)


def _ordered(items: Iterable[Session]) -> list[Session]:
    """Sessions in register order whatever order they came in (as Register sorts them)."""
    return sorted(items, key=lambda s: (*s.sort_key, s.upn or ""))


def _code_set_of(codes: str | Iterable[str]) -> frozenset[str]:
    return frozenset((codes,) if isinstance(codes, str) else codes)


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(first index, last index) of each maximal stretch of True, oldest first."""
    out, begin = [], None
    for i, flag in enumerate(flags):
        if flag and begin is None:
            begin = i
        elif not flag and begin is not None:
            out.append((begin, i - 1))
            begin = None
    if begin is not None:
        out.append((begin, len(flags) - 1))
    return out


def longest_run(marks: Marks, codes: str | Iterable[str]) -> Run:
    """The longest run of consecutive open sessions whose code is in `codes` (a single code may be
    given as a string, so "C1" is one code).

    Consecutive means next to each other among the register's open sessions: `#` (planned closure),
    weekends and holidays do not break a run, and `#` is never part of one even if `codes` names it.
    Of two runs of the same length, the earlier is returned. A run of "broken" attendance (for
    example N and U sessions in a row, 000 para 6) or of illness (I, 000 para 7) is what the seeds'
    returns ask about; `Run(0, None, None)` when no open session has one of the codes."""
    wanted = _code_set_of(codes)
    items, _ = _unpack(marks, None)
    open_sessions = [s for s in _ordered(items) if s.code != CLOSED]
    best = None
    for a, b in _runs([s.code in wanted for s in open_sessions]):
        if best is None or b - a > best[1] - best[0]:
            best = (a, b)
    if best is None:
        return NO_RUN
    a, b = best
    return Run(b - a + 1, open_sessions[a], open_sessions[b])


def late_marks(marks: Marks, codes: str | Iterable[str] = (LATE_CODE,)) -> int:
    """Sessions marked with one of `codes`: by default U, "arrived in school after the register
    closed", which is an unauthorised absence (DESIGN.md section 4; 004, Knowsley, Level 3: "14
    unauthorised late marks within a period of no more than 10 weeks"). L (late before the register
    closed) counts as present and is left out unless `codes` names it."""
    wanted = _code_set_of(codes)
    items, _ = _unpack(marks, None)
    return sum(1 for s in items if s.code in wanted)


def late_marks_in_window(register: Register, on: dt.date, weeks: int = LATE_MARKS_WEEKS,
                         codes: str | Iterable[str] = (LATE_CODE,)) -> tuple[int, Window]:
    """Unauthorised late marks (U) in the previous `weeks` school weeks ending with the week that
    contains `on` (previous_school_weeks: half terms, Christmas and the summer holiday are skipped,
    and marks after `on` are not counted). Knowsley's code of conduct (004, Level 3) allows a
    penalty notice at LATE_MARKS_THRESHOLD (14) such marks within LATE_MARKS_WEEKS (10) weeks.
    Returns (count, window)."""
    window = previous_school_weeks(register, on, weeks)
    return late_marks(window, codes), window


def absence_band(marks: Marks, code_set: str | None = None) -> str | None:
    """The absence band: "severe" when 50% or more of possible sessions were missed, "persistent"
    when 10% or more, otherwise None; None too when no session was possible (001, 6.4: "miss 10% or
    more", "missing 50% or more"; DESIGN.md section 3). Same thresholds as rules.attendance.

    Missed sessions are the absences, authorised or not (possible less present and approved
    activity). Compared in whole numbers (missed x 100 >= 10 x possible), so a pupil at exactly 10%
    is persistently absent whatever floating point would make of it."""
    counts = count_by_class(marks, code_set)
    return band_of(sum(counts[k] for k in ABSENT), sum(counts.values()) - counts["not_counted"])


def band_of(missed: int, possible: int) -> str | None:
    """absence_band from the counts: missed sessions of possible ones."""
    if possible == 0:
        return None
    if missed * 100 >= SEVERE_PCT * possible:
        return "severe"
    if missed * 100 >= PERSISTENT_PCT * possible:
        return "persistent"
    return None


def _school_days_with_sessions(items: Iterable[Session]) -> list[tuple[dt.date, tuple[Session, ...]]]:
    """Each school day (oldest first) with its open sessions in order. Grouped by day first, so only
    each day's one or two sessions need ordering (this runs per pupil in a whole-school screen)."""
    days: dict[dt.date, list[Session]] = {}
    for s in items:
        if s.code != CLOSED:
            days.setdefault(s.date, []).append(s)
    return [(day, _day_in_order(sessions)) for day, sessions in sorted(days.items())]


def _day_in_order(sessions: list[Session]) -> tuple[Session, ...]:
    """One day's sessions in register order: the usual one or two compared directly, as _ordered
    would order them (AM before PM, then UPN), without a sort per day."""
    if len(sessions) == 1:
        return (sessions[0],)
    if len(sessions) == 2:
        a, b = sessions
        return (a, b) if (a.session, a.upn or "") <= (b.session, b.upn or "") else (b, a)
    return tuple(_ordered(sessions))


def _day_runs(days: Sequence[tuple[dt.date, tuple[Session, ...]]], codes: frozenset[str]) -> list[Run]:
    """Maximal runs of consecutive school days on which every open session has one of `codes`."""
    flags = [all(s.code in codes for s in sessions) for _, sessions in days]
    return [Run(b - a + 1, days[a][1][0], days[b][1][-1], "days") for a, b in _runs(flags)]


def attendance_return_periods(register: Register, on: dt.date | None = None,
                              min_days: int = ATTENDANCE_RETURN_DAYS) -> list[Run]:
    """Every continuous period of at least `min_days` (10) school days, up to and including `on`
    (all marks when `on` is None), on which the pupil's absence is recorded exclusively with G, N,
    O or U (000 para 6; regulation 10): every open session of each of those days has one of the
    four codes, in any mix. A day with any other mark (present, I, M, a not-counted code such as
    Y1...) ends the period; a day of closure only, a weekend or a holiday neither ends nor extends
    it. Oldest first; each is a Run of unit "days"."""
    items = register.sessions if on is None else [s for s in register.sessions if s.date <= on]
    days = _school_days_with_sessions(items)
    return [r for r in _day_runs(days, frozenset(RETURN_CODES)) if r.length >= min_days]


def attendance_return(register: Register, on: dt.date | None = None,
                      min_days: int = ATTENDANCE_RETURN_DAYS) -> Run | None:
    """The period that calls for an attendance return (000 para 6, lines 46-50), or None.

    The MOST RECENT qualifying period up to `on` is returned, counted up to `on`: when the pupil is
    still absent on `on` that is the current period, the one the school has to act on now; an
    earlier period will already have called for its own return, and attendance_return_periods
    lists them all. The period is the whole continuous stretch (it may exceed 10 days)."""
    periods = attendance_return_periods(register, on, min_days)
    return periods[-1] if periods else None


def sickness_run(register: Register, on: dt.date) -> Run:
    """The longest run of consecutive sickness days (see sickness_days) with at least one day in
    the school year containing `on`, counted up to `on`. The run is counted in full even where it
    began in the previous school year: 000 para 7 (i) asks about "15 consecutive school days"
    without limiting them to one school year, and the summer holiday has no school days to break
    it. Of two runs of the same length, the earlier is returned; NO_RUN (unit "days") when none."""
    return _sickness_run(_school_days_with_sessions(s for s in register.sessions if s.date <= on), on)


def _sickness_run(days: Sequence[tuple[dt.date, tuple[Session, ...]]], on: dt.date) -> Run:
    year_start, _ = academic_year(on)
    best = Run(0, None, None, "days")
    for run in _day_runs(days, frozenset((SICKNESS_CODE,))):
        if run.end >= year_start and run.length > best.length:
            best = run
    return best


def sickness_days(register: Register, on: dt.date) -> tuple[int, int]:
    """(consecutive, total) school days of sickness for the sickness return (000 para 7, lines
    51-56), judged from the marks up to and including `on`.

    A sickness day is a school day on which every open session is coded I (illness). A half day
    (I in one session, any other mark in the other, even N) is not a sickness day and ends a
    consecutive run: the return counts "school days" the child was "unable to attend because of
    sickness", and a child marked otherwise for part of the day was not recorded as unable to
    attend that day; counting half days as halves would make the count depend on the mix of
    sessions, which the regulation does not. A day with one session I and the other `#` (partial
    closure) is a sickness day: I is every open session of it.

    `total` counts sickness days from 1 September of the school year containing `on` to `on`;
    `consecutive` is the length of sickness_run (which may reach back before 1 September, so it
    can exceed `total`)."""
    year_start, _ = academic_year(on)
    days = _school_days_with_sessions(s for s in register.sessions if s.date <= on)
    total = sum(1 for day, sessions in days
                if day >= year_start and all(s.code == SICKNESS_CODE for s in sessions))
    return _sickness_run(days, on).length, total


def sickness_return_due(register: Register, on: dt.date, days: int = SICKNESS_RETURN_DAYS) -> bool:
    """True when the marks up to `on` show at least `days` (15) consecutive school days of
    sickness, or a total of at least 15 in the school year (000 para 7 (i) and (ii)). The register
    shows only what has happened: a school expecting a long illness should make the return sooner
    ("will be unable to attend"), and need not make a second one for the same continuous absence in
    the same school year."""
    consecutive, total = sickness_days(register, on)
    return consecutive >= days or total >= days
