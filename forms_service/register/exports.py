"""A register file as a school's MIS exports it, read into marks: the front door of every upload
(a pupil's register on a referral, a whole-school screen, bulk letters, POST /api/v1/registers/read).

What it reads (issue 21): a CSV in UTF-8, UTF-16 or Windows-1252 (register/textfiles.py), separated
by commas, tabs or semicolons, or an Excel workbook (register/workbooks.py); in the long layout, a
row per mark (register/longform.py), or as a week grid, a row per pupil and week
(register/grid.py). Marks are the code set's codes or an MIS's sub-codes (register/mis_marks.py).
Every problem is reported at once, up to MAX_ERRORS, each naming its row (and its column, where a
row holds many marks); what the reader had to decide is said in `warnings`.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Callable, Iterator

from . import grid, longform, marks, textfiles, workbooks
from .marks import DEFAULT_CODE_SET, MAX_ERRORS, Collector, Register, RegisterError

LAYOUTS = {"long": "a row per mark (date, session, code)",
           "week-grid": "a row per pupil and week, a column per session (Mon AM to Fri PM)",
           "day-grid": "a row per pupil and week, a column per day holding its two marks"}
WORKBOOK = "Excel workbook (.xlsx)"
# What a file input offers for a register export: CSV (or Excel's "Unicode text") and Excel workbooks.
ACCEPT = (".csv,.txt,.tsv,.xlsx,text/csv,text/plain,text/tab-separated-values,"
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_DELIMITERS = ("\t", ";", ",")


@dataclass
class Export:
    """What a register file held, as the reader understood it."""
    code_set: str
    layout: str  # one of LAYOUTS
    encoding: str  # "UTF-8", "UTF-8 with a byte-order mark", "UTF-16", "Windows-1252" or WORKBOOK
    register: Register | None = None  # a pupil's file (by_upn=False)
    pupils: dict[str | None, Register] | None = None  # a whole school's, by UPN (by_upn=True)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Source:
    rows: Iterator[tuple[int, list]]
    encoding: str
    quoted: bool  # a CSV with a quote mark: a cell may hold a line break
    warnings: list[str]
    line: Callable[[], int] | None = None  # the CSV reader's line, for its own errors
    close: Callable[[], None] | None = None  # a workbook's: closed however the reading ends


def prepared(data: bytes | str) -> bytes | str:
    """The file ready to be shared between processes: a CSV's text (decoded once), a workbook's bytes."""
    if isinstance(data, bytes) and workbooks.is_zip(data):
        return data
    return textfiles.decode(data).text


def is_text(prepared_data: bytes | str) -> bool:
    """Whether prepared() gave a CSV's text, which processes can each read their share of."""
    return isinstance(prepared_data, str)


def _delimiter(text: str) -> str:
    """The CSV's separator, from its first line: Excel's "Unicode text" separates with tabs, and Excel
    in some locales with semicolons; a comma otherwise."""
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _source(data: bytes | str) -> _Source:
    if isinstance(data, bytes) and workbooks.is_zip(data):
        sheet = workbooks.first_sheet(data)
        return _Source(enumerate(sheet.rows, start=1), WORKBOOK, False, sheet.warnings, close=sheet.rows.close)
    decoded = textfiles.decode(data)
    text = decoded.text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    return _Source(enumerate(reader, start=1), decoded.encoding, '"' in text, [], lambda: reader.line_num)


def read_export(data: bytes | str, code_set: str = DEFAULT_CODE_SET, *, by_upn: bool = False,
                max_rows: int | None = None, shard: tuple[int, int] | None = None) -> Export:
    """Read a register file. `by_upn` keeps one register per pupil (a whole school's file); `max_rows`
    bounds the rows; `shard=(k, n)` keeps only the pupils whose UPN falls in share k of n, so n
    processes can each read the same file and take their own pupils. RegisterError naming the rows."""
    source = _source(data)
    collector = Collector(code_set, "Row", by_upn=by_upn)
    max_rows = max_rows or marks.MAX_ROWS
    warnings = list(source.warnings)
    layout = None
    try:
        for number, record in source.rows:
            cells = [str(c).strip() for c in record]
            if not any(cells):
                continue
            found = grid.columns_of(number, cells)
            if found is not None:
                columns, said = found
                layout = columns.layout
                warnings += said
                warnings += grid.read_grid(source.rows, collector, columns, max_rows, shard)
            else:
                columns, said = longform.header_columns(number, cells)
                # Each error names its column as the file's header does ("Mark", "AM/PM"), for the API's problems.
                collector.headings = {name: cells[at] for name, at in columns.items()}
                layout = "long"
                warnings += said
                longform.read_long(source.rows, collector, columns, max_rows, shard, source.quoted)
            break
    except csv.Error as exc:
        row = source.line()
        raise RegisterError((collector.errors + [{"row": row, "field": "file",
                                                  "message": f"Row {row}: {_csv_problem(str(exc))}"}])[:MAX_ERRORS]
                            ) from None
    finally:
        if source.close is not None:
            source.close()
    if layout is None:
        raise RegisterError([{"row": 1, "field": "file", "message": "The file is empty"}])
    export = Export(collector.code_set.name, layout, source.encoding, warnings=warnings)
    if by_upn:
        export.pupils = collector.finish_by_upn(allow_empty=shard is not None)
    else:
        export.register = collector.finish()
    return export


def _csv_problem(error: str) -> str:
    """What the csv module's complaint means for the person who made the file."""
    if "field limit" in error:
        return ("a cell is longer than 131,072 characters: most likely a quote mark (\") that is not closed has "
                "joined the rows after it into one cell")
    return f"the CSV cannot be read ({error})"


def read_register_file(data: bytes | str, code_set: str = DEFAULT_CODE_SET, *, max_rows: int | None = None) -> Register:
    """A pupil's register from a file in any layout and encoding read_export reads. Row numbers in errors
    are the rows a spreadsheet shows: the header is row 1."""
    return read_export(data, code_set, max_rows=max_rows).register


def read_school_file(data: bytes | str, code_set: str = DEFAULT_CODE_SET, *, max_rows: int | None = None,
                     shard: tuple[int, int] | None = None) -> dict[str | None, Register]:
    """A whole-school file as one register per pupil, keyed by UPN, without sorting the whole file (each
    pupil's marks are ordered on their own). With `shard`, a share may be empty, and reports only its own
    rows' errors."""
    return read_export(data, code_set, by_upn=True, max_rows=max_rows, shard=shard).pupils
