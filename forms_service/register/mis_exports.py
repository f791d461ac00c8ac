"""A register written the ways schools' MIS export it, from rows of [upn, date, session, code]: the
long layout or a week grid, as CSV in UTF-8, UTF-16 or Windows-1252, or as an Excel workbook, with
SIMS's sub-codes where asked. For the demonstration, the tests (the same marks in every layout must
give the same sessions and verdicts) and the benchmarks (reading a whole school in each layout).

The reader (register/exports.py) shares nothing with this module but the layouts' description, so
a test reading what this writes checks the one against the other.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Iterator

from openpyxl import Workbook

from ..csvfiles import write_csv

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
# SIMS 8's statutory sub-codes (schemas/codesets/mis-marks.json) for the codes that have them here.
SIMS_SUB_CODES = {"I": "I01", "X": "X01"}


def with_sub_codes(rows: Iterable[list[str]], sub_codes: dict[str, str] = SIMS_SUB_CODES) -> Iterator[list[str]]:
    """The same rows with each code that has an MIS sub-code written as it (I as I01)."""
    for upn, date, session, code in rows:
        yield [upn, date, session, sub_codes.get(code, code)]


def long_rows(rows: Iterable[list[str]], date_style: str = "iso") -> tuple[list[str], Iterator[list]]:
    """The long layout as SIMS and Arbor reports head it, dates in `date_style` ("iso", "uk": 03/09/2026,
    "text": 3 Sep 2026, "date": a date value, for a workbook)."""
    def out() -> Iterator[list]:
        for upn, date, session, code in rows:
            yield [upn, _date(date, date_style), session, code]
    return ["UPN", "Attendance Date", "AM/PM", "Mark"], out()


def _date(iso: str, style: str):
    day = dt.date.fromisoformat(iso)
    if style == "uk":
        return day.strftime("%d/%m/%Y")
    if style == "text":
        return f"{day.day} {day:%b %Y}"
    if style == "date":
        return day
    return iso


def grid_rows(rows: Iterable[list[str]], by: str = "session",
              date_style: str = "uk") -> tuple[list[str], Iterator[list]]:
    """A week grid: a row per pupil and week (rows must come a pupil at a time, in date order, as
    synthetic.generate makes them), a column per session (`by="session"`: Mon AM ... Fri PM) or per day
    (`by="day"`: the day's two marks in one cell, "/\\", separated by a space where a mark has two
    characters)."""
    if by == "session":
        header = ["UPN", "Week commencing"] + [f"{d} {s}" for d in DAYS for s in ("AM", "PM")]
    else:
        header = ["UPN", "Week commencing"] + list(DAYS)

    def out() -> Iterator[list]:
        current = None
        cells: dict[tuple[int, str], str] = {}
        for upn, date, session, code in rows:
            day = dt.date.fromisoformat(date)
            monday = day - dt.timedelta(days=day.weekday())
            if (upn, monday) != current:
                if current is not None:
                    yield _grid_row(current, cells, by, date_style)
                current, cells = (upn, monday), {}
            cells[(day.weekday(), session)] = code
        if current is not None:
            yield _grid_row(current, cells, by, date_style)
    return header, out()


def _grid_row(key, cells, by: str, date_style: str) -> list:
    upn, monday = key
    if by == "session":
        marks = [cells.get((d, s), "") for d in range(5) for s in ("AM", "PM")]
    else:
        marks = []
        for d in range(5):
            am, pm = cells.get((d, "AM"), ""), cells.get((d, "PM"), "")
            marks.append(f"{am} {pm}" if len(am) > 1 or len(pm) > 1 else am + pm)
    return [upn, _date(monday.isoformat(), date_style)] + marks


def to_csv_bytes(header: list[str], rows: Iterable[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """The rows as a CSV file in `encoding` ("utf-16" writes its byte-order mark, as Excel's "Unicode text" does),
    through csvfiles like every CSV the service writes."""
    return write_csv(header, rows, lineterminator="\r\n", delimiter=delimiter).encode(encoding)


def to_xlsx(header: list[str], rows: Iterable[list], sheet: str = "Attendance") -> bytes:
    """The rows as an Excel workbook (openpyxl's write-only mode: a row at a time, as a large report needs);
    date values are written as dates, as Excel shows them."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
