"""The long layout: one row per mark (date, session, code, and the pupil's UPN in a whole-school file).

This is how Wonde's and Groupcall's attendance exports and SIMS's and Arbor's session reports give
the register: the columns in any order and under any of the names those exports use (HEADER_NAMES),
other columns (names, year groups) ignored. Rows come from a CSV or a workbook alike
(register/exports.py): a list of cells each, numbered as a spreadsheet numbers them.
"""
from __future__ import annotations

import zlib
from typing import Iterable

from .marks import Collector, RegisterError, too_many_rows

# The columns' names as MIS exports and reports write them (issue 21: SIMS, Arbor, Bromcom, Wonde, Groupcall),
# in any case and order; each means one of the four columns the reader needs. A file without a UPN column
# may name its pupils by admission number (Adno), as SIMS reports do.
HEADER_NAMES = {
    "date": ("date", "attendance date", "session date"),
    "session": ("session", "am/pm", "am / pm", "am_pm", "ampm", "period"),
    "code": ("code", "mark", "attendance mark", "attendance code", "mark code"),
    "upn": ("upn", "unique pupil number", "pupil upn"),
    "adno": ("adno", "admission number", "adm no", "admission no"),
}
_HEADER_OF = {alias: name for name, aliases in HEADER_NAMES.items() for alias in aliases}
COLUMNS = ("date", "session", "code", "upn")


def cell_name(cell: str) -> str:
    """A header cell as the aliases are written: lower case, single spaces."""
    return " ".join(str(cell).lower().split())


def pupil_column(names: list[str]) -> tuple[str | None, list[str]]:
    """Which column names the pupil ("upn", else "adno", else None) and the warnings that choice needs."""
    if "upn" in names:
        return "upn", []
    if "adno" in names:
        return "adno", ["The file has no UPN column: its pupils are told apart by admission number (Adno)"]
    return None, []


def header_columns(row: int, cells: list[str]) -> tuple[dict[str, int], list[str]]:
    """The long layout's columns by index ({date, session, code, upn?}) and any warnings; RegisterError
    naming each column missing or repeated."""
    names = [_HEADER_OF.get(cell_name(c), cell_name(c)) for c in cells]
    errors = []
    for name in ("date", "session", "code"):
        if name not in names:
            errors.append({"row": row, "field": name,
                           "message": f"Row {row} (the header): there is no '{name}' column; the header must "
                                      "name the columns date, session and code (and optionally upn), as "
                                      f"{' or '.join(repr(a) for a in HEADER_NAMES[name][:2])} for example, or "
                                      "be a week grid (a 'week commencing' column, then Mon AM to Fri PM)"})
    for name in HEADER_NAMES:
        if names.count(name) > 1:
            errors.append({"row": row, "field": name,
                           "message": f"Row {row} (the header): the column '{name}' appears more than once"})
    if errors:
        raise RegisterError(errors)
    pupil, warnings = pupil_column(names)
    columns = {name: names.index(name) for name in ("date", "session", "code") if name in names}
    if pupil:
        columns["upn"] = names.index(pupil)
    return columns, warnings


def read_long(records: Iterable[tuple[int, list]], collector: Collector, columns: dict[str, int], max_rows: int,
              shard: tuple[int, int] | None = None, quoted: bool = True) -> None:
    """Add every mark of the rows after the header to `collector`. `shard=(k, n)` keeps only the pupils
    whose UPN falls in share k of n (rows without one go to share 0); `quoted` says a cell may hold a line
    break (a CSV with a quote mark in it), which only an unclosed quote would put there."""
    wanted = [columns.get(name) for name in COLUMNS]
    date_at, session_at, code_at, upn_at = wanted
    widest = max(i for i in wanted if i is not None)
    data_rows = 0
    for number, record in records:
        if not any(record):
            continue  # blank spreadsheet rows are harmless
        if shard is not None:
            # Another share's pupil: counted towards the limit, otherwise left to that share.
            upn = record[upn_at].strip() if upn_at is not None and upn_at < len(record) else ""
            if (zlib.crc32(upn.encode()) % shard[1] if upn else 0) != shard[0]:
                data_rows += 1
                if data_rows > max_rows:
                    raise too_many_rows(number, max_rows)
                continue
        # Only the four wanted cells are stripped (a row may carry names and more): a row whose
        # wanted cells are blank is skipped like a blank row when the rest is blank too.
        if len(record) > widest:  # the usual row: every wanted cell is there
            date_, session, code = record[date_at].strip(), record[session_at].strip(), record[code_at].strip()
            upn = None if upn_at is None else record[upn_at].strip()
        else:
            width = len(record)
            date_, session, code, upn = (record[i].strip() if i is not None and i < width else None
                                         for i in wanted)
        if not (date_ or session or code or upn) and not any(c.strip() for c in record):
            continue
        data_rows += 1
        if data_rows > max_rows:
            raise too_many_rows(number, max_rows)
        if quoted and any(cell and ("\n" in cell or "\r" in cell) for cell in (date_, session, code, upn)):
            collector.error(number, "file", "a quote mark (\") that is not closed joins this row to the rows "
                                            "after it: close it or remove it")
            continue
        collector.add(number, date_, session, code, upn)

