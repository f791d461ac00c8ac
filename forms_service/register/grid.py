"""The week grid: a row per pupil and school week, as registration certificates and MIS "attendance
marks" reports print the register (issue 21).

Two shapes: a column per session (week commencing, then Mon AM, Mon PM ... Fri PM), or a column per
day whose cell holds the day's two marks, the morning's then the afternoon's ("/\\", "NN", "C1 C1").
The week commencing is the week's Monday; a blank cell is a session with no mark in the export (a
week before the pupil joined), and "-" a session the school has not marked yet: neither is counted,
and the second is said in a warning, since the register should have a mark for every session.
"""
from __future__ import annotations

import datetime as dt
import re
import zlib
from typing import Iterable

from .longform import cell_name, pupil_column
from .marks import SESSIONS, Collector, RegisterError, quoted, too_many_rows
from .mis_marks import LONGEST_MARK, statutory

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
_DAY_OF = {name: n for n, names in enumerate(
    (("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "weds", "wednesday"),
     ("thu", "thur", "thurs", "thursday"), ("fri", "friday"))) for name in names}
_WEEKEND = ("sat", "saturday", "sun", "sunday")
_SESSION_OF = {"am": "AM", "pm": "PM", "morning": "AM", "afternoon": "PM"}
WEEK_NAMES = ("week commencing", "week beginning", "week starting", "week start", "w/c", "w/b", "wc", "week")
_HEADER_CELL = re.compile(r"^(%s)\s*(am|pm|morning|afternoon)?$" % "|".join(
    sorted((*_DAY_OF, *_WEEKEND), key=len, reverse=True)))
NOT_MARKED = "-"  # SIMS's "no mark yet" in a printed register
_SEPARATORS = re.compile(r"[\s,;|]+")


class Columns:
    """Where a week grid's cells are: the week commencing, the pupil, and each (day, session) cell
    (session None for a day's cell holding both marks)."""

    def __init__(self, week: int, week_label: str, upn: int | None, cells: list[tuple[int, int, str | None, str]]):
        self.week, self.week_label, self.upn, self.cells = week, week_label, upn, cells

    @property
    def layout(self) -> str:
        return "day-grid" if self.cells and self.cells[0][2] is None else "week-grid"


def _heading(cell: str) -> tuple[str, str | None] | None:
    """("day", session or None) for a heading like "Mon AM", "Monday (a.m.)", "Tue"; None otherwise."""
    text = re.sub(r"[().\-_:]", " ", cell_name(cell).replace("a.m.", "am").replace("p.m.", "pm"))
    if not (m := _HEADER_CELL.match(" ".join(text.split()))):
        return None
    return m.group(1), m.group(2)


def columns_of(row: int, cells: list[str]) -> tuple[Columns, list[str]] | None:
    """The grid's columns when the header is a week grid's (a week commencing column and day columns),
    with warnings; None when it is not one. RegisterError when it is one with a day's columns missing."""
    names = [cell_name(c) for c in cells]
    week = next((i for i, n in enumerate(names) if n in WEEK_NAMES), None)
    headings = [_heading(c) for c in cells]
    found = [(i, h) for i, h in enumerate(headings) if h and h[0] in _DAY_OF]
    if week is None or not found:
        return None
    pupil, warnings = pupil_column(names)
    split = {(_DAY_OF[day], _SESSION_OF[session] if session else None): i for i, (day, session) in found}
    by_day = all((d, None) in split for d in range(5))
    by_session = all((d, s) in split for d in range(5) for s in SESSIONS)
    if not (by_day or by_session):
        wanted = [f"{DAYS[d]} {s}" for d in range(5) for s in SESSIONS if (d, s) not in split]
        raise RegisterError([{"row": row, "field": "file",
                              "message": f"Row {row} (the header): a week grid needs a column for every session, "
                                         f"Mon AM to Fri PM (or one per day, Mon to Fri); there is none for "
                                         f"{', '.join(wanted[:4])}{' and more' if len(wanted) > 4 else ''}"}])
    weekend = [cells[i] for i, h in enumerate(headings) if h and h[0] in _WEEKEND]
    if weekend:
        warnings.append(f"The columns {', '.join(weekend)} are not read: a week grid's school days are Monday to "
                        "Friday")
    if by_session:
        chosen = [(split[(d, s)], d, s, f"{DAYS[d]} {s}") for d in range(5) for s in SESSIONS]
    else:
        chosen = [(split[(d, None)], d, None, DAYS[d]) for d in range(5)]
    return Columns(week, cells[week].strip() or "Week commencing", names.index(pupil) if pupil else None,
                   chosen), warnings


def day_marks(cell: str, codes, code_set: str) -> list[str]:
    """A day's cell as its marks: split at spaces or commas where it has them ("C1 C1"), otherwise read
    mark by mark, the longest that is a code or an MIS sub-code first ("/\\", "NN", "C1C1", "I01I01").
    A stretch that is no mark is returned as it is, for the collector to name."""
    if _SEPARATORS.search(cell):
        return [part for part in _SEPARATORS.split(cell) if part]
    out, i = [], 0
    while i < len(cell):
        for length in range(min(LONGEST_MARK, len(cell) - i), 0, -1):
            piece = cell[i:i + length]
            if statutory(piece, code_set, codes) is not None:
                out.append(piece)
                i += length
                break
        else:
            return out + [cell[i:]]
    return out


def read_grid(records: Iterable[tuple[int, list]], collector: Collector, columns: Columns, max_rows: int,
              shard: tuple[int, int] | None = None) -> list[str]:
    """Add every mark of the grid's rows to `collector`; the warnings the rows call for. `shard=(k, n)`
    keeps only the pupils whose UPN falls in share k of n, as longform.read_long does."""
    not_marked = 0
    data_rows = 0
    codes, code_set = collector.code_set.codes, collector.code_set.name
    for number, record in records:
        if not any(str(c).strip() for c in record):
            continue
        data_rows += 1
        if data_rows > max_rows:
            raise too_many_rows(number, max_rows)
        width = len(record)
        cells = [(record[i].strip() if i < width else "", day, session, label)
                 for i, day, session, label in columns.cells]
        upn = record[columns.upn].strip() if columns.upn is not None and columns.upn < width else None
        if shard is not None and (zlib.crc32(upn.encode()) % shard[1] if upn else 0) != shard[0]:
            continue  # another share's pupil
        week_cell = record[columns.week].strip() if columns.week < width else ""
        if not any(cell for cell, *_ in cells):
            continue  # a week with no marks at all: nothing to read
        collector.column = columns.week_label
        monday = collector.date_of(number, week_cell) if week_cell else None
        if not week_cell:
            collector.error(number, "date", "the week commencing is empty")
        elif monday is not None and monday.weekday() != 0:
            collector.error(number, "date", f"{monday:%d %B %Y} is a {monday:%A}: the week commencing must be the "
                                            "week's Monday")
            monday = None
        for cell, day, session, label in cells:
            if not cell:
                continue
            collector.column = label
            if cell.strip(NOT_MARKED + " ") == "":
                not_marked += 2 if session is None else 1
                continue
            if monday is None:
                continue
            date_ = (monday + dt.timedelta(days=day)).isoformat()
            collector.dates.setdefault(date_, monday + dt.timedelta(days=day))
            if session is not None:
                collector.add(number, date_, session, cell, upn)
                continue
            marks = day_marks(cell, codes, code_set)
            if len(marks) != 2:
                plural = "s" if len(marks) != 1 else ""
                collector.error(number, "code", f"{quoted(cell)} holds {len(marks)} mark{plural}: a day's cell holds "
                                                "two, the morning's then the afternoon's, as '/\\' or 'NN'")
                continue
            collector.add(number, date_, "AM", marks[0], upn)
            collector.add(number, date_, "PM", marks[1], upn)
    collector.column = None
    if not_marked:
        return [f"{not_marked} session{'s have' if not_marked != 1 else ' has'} no mark yet ('-'): "
                f"{'they are' if not_marked != 1 else 'it is'} not counted"]
    return []
