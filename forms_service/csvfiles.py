"""Every CSV the service writes goes through here (a test checks that no other module makes a
csv.writer), so no cell of one can run as a formula when a school opens it in a spreadsheet.

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (or, after the tab or CR is dropped, as one), which can fetch a URL with
the other cells' personal data or run a command (DDE). Such text, e.g. a UPN or a name typed as
"=HYPERLINK(...)" in a school's own export, is kept as text with a leading apostrophe, which
spreadsheets show as the text itself (OWASP's advice for CSV injection).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """One cell as text: "" for None; numbers as written (a negative number is a number, not a
    formula: only the service's own figures are numbers); text that would start a formula with "'"."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(header: Iterable[str], rows: Iterable[Iterable], *, lineterminator: str = "\n",
              delimiter: str = ",") -> str:
    """The header and rows as CSV text, every cell through `safe_cell` (`delimiter`: "\t" for Excel's
    "Unicode text")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator, delimiter=delimiter)
    writer.writerow([safe_cell(c) for c in header])
    writer.writerows([safe_cell(c) for c in row] for row in rows)
    return out.getvalue()
