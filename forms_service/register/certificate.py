"""A registration certificate's content, made from the register's own marks (issue 21): every referral in the
seeds asks for "an up to date print out of the registration certificate" (002, Step 3; 000, Appendix 7;
003, Appendices 5-8), and the service holds the very marks it shows.

One row per school week with marks (a holiday week, which has none, is left out; a week of planned closures
`#` is shown, closures and all), each cell the mark as the register has it (`Session.shown`: the MIS's own
sub-code, I01, where it had one), and the sessions a rule counted picked out. Totals by class, possible
sessions and attendance follow DESIGN.md section 4 (`marks.count_by_class`, `marks.attendance_pct`); the key
gives each mark used in its code set's words (the regulation's table). Pure: the documents wing turns this
into words.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .marks import CLASSES, SESSIONS, Session, attendance_pct, count_by_class, load_code_set, week_of

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
COLUMNS = tuple(f"{day} {session}" for day in WEEKDAYS for session in SESSIONS)
NO_MARK = "–"  # a session the register has no mark for (before the marks start, or after they end)


@dataclass(frozen=True)
class Cell:
    mark: str  # as the register has it, or NO_MARK
    counted: bool = False  # an unauthorised session the rules counted


@dataclass(frozen=True)
class WeekRow:
    monday: dt.date
    cells: tuple[Cell, ...]  # Mon AM, Mon PM, ... Fri PM: len(COLUMNS)


SessionKey = tuple[dt.date, str]


def week_rows(sessions: Iterable[Session], counted: Collection[SessionKey] = ()) -> list[WeekRow]:
    """One row per week holding any mark, oldest first. `counted`: (date, "AM"|"PM") of the sessions to pick
    out. A mark on a Saturday or Sunday has no column: registers record school days only."""
    by_week: dict[dt.date, dict[SessionKey, Session]] = {}
    for s in sessions:
        if s.date.weekday() < 5:
            by_week.setdefault(week_of(s.date), {})[(s.date, s.session)] = s
    rows = []
    for monday in sorted(by_week):
        marks = by_week[monday]
        cells = []
        for offset in range(5):
            day = monday + dt.timedelta(days=offset)
            for session in SESSIONS:
                s = marks.get((day, session))
                cells.append(Cell(NO_MARK) if s is None else Cell(s.shown, (day, session) in counted))
        rows.append(WeekRow(monday, tuple(cells)))
    return rows


@dataclass(frozen=True)
class Totals:
    by_class: dict[str, int]  # every class in CLASSES order
    possible: int
    attended: int
    pct: float | None


def totals(sessions: Iterable[Session], code_set: str) -> Totals:
    items = tuple(sessions)
    counts = count_by_class(items, code_set)
    possible = sum(counts.values()) - counts["not_counted"]
    return Totals(counts, possible, counts["present"] + counts["approved_activity"], attendance_pct(items, code_set))


def class_names(code_set: str) -> dict[str, str]:
    """Each class's name as the code set's data gives it ("Authorised absence")."""
    named = load_code_set(code_set).classes
    return {k: named.get(k, k.replace("_", " ").capitalize()) for k in CLASSES}


@dataclass(frozen=True)
class KeyEntry:
    mark: str  # as the register has it
    code: str  # the statutory code it stands for
    description: str  # the code set's words for `code`
    klass: str

    @property
    def recorded_as(self) -> str | None:
        """"recorded as I" for an MIS sub-code (I01) read as its statutory code; None for the code itself."""
        return f"recorded as {self.code}" if self.mark != self.code else None


def key(sessions: Iterable[Session], code_set: str) -> list[KeyEntry]:
    """Every mark used, once, in the code set's order (a sub-code after its code)."""
    codes = load_code_set(code_set)
    order = list(codes.codes)
    used = {(s.shown, s.code) for s in sessions}
    ranked = sorted(used, key=lambda pair: (order.index(pair[1]) if pair[1] in order else len(order),
                                            pair[0] != pair[1], pair[0]))
    return [KeyEntry(mark, code, codes.describe(code), codes.classify(code)) for mark, code in ranked]
