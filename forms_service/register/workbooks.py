"""An Excel workbook (.xlsx) as rows of cells, as MIS reports export the register to Excel (issue 21).

openpyxl reads it in read-only mode, a row at a time, so memory stays bounded like the CSV reader's;
formulas are not evaluated (a formula is read as its text, and then refused as a date or a mark);
XML goes through defusedxml. Before openpyxl sees the file, the zip's own directory is checked: a
workbook that would unpack to far more than any school's register (a "zip bomb") is refused, and a
Word document or an OpenDocument spreadsheet is named for what it is.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import Iterator

from openpyxl import load_workbook

from .marks import RegisterError

ZIP_MAGIC = b"PK\x03\x04"
# A 1,500-pupil school's year in the long layout unpacks to about 150 MB of sheet XML; its text (the
# shared strings) to a few kilobytes, since codes, sessions and UPNs repeat. openpyxl holds the shared
# strings in memory: they are bounded tightly, the sheet (streamed) generously.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024


@dataclass
class Sheet:
    """The rows of a workbook's first worksheet (each a list of cells as text), and what was said about it."""
    name: str
    rows: Iterator[list[str]]
    warnings: list[str] = field(default_factory=list)


def _refused(message: str) -> RegisterError:
    return RegisterError([{"row": 1, "field": "file", "message": message}])


def is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


def _checked_zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename: info for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refused("The file looks like an Excel workbook but cannot be opened (it may be damaged or cut "
                       "short): export it again") from None
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise _refused("This is a Word document (.docx), not a register export: export the attendance marks "
                           "from your MIS as a CSV or Excel (.xlsx) file")
        if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
            raise _refused("This is an OpenDocument file (.ods or .odt), not an Excel workbook: save it as Excel "
                           "(.xlsx) or as 'CSV UTF-8'")
        raise _refused("This is a zip file, not a register export: export the attendance marks as a CSV or Excel "
                       "(.xlsx) file")
    shared = names.get("xl/sharedStrings.xml")
    if (sum(info.file_size for info in names.values()) > MAX_UNPACKED_BYTES
            or (shared is not None and shared.file_size > MAX_SHARED_STRINGS_BYTES)):
        raise _refused("The workbook unpacks to far more than a school's register: split it into smaller files "
                       "(for example by year group)")
    return archive


def _text(value) -> str:
    """A cell as the reader takes it: dates as ISO dates, whole numbers without ".0", nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def first_sheet(data: bytes) -> Sheet:
    """The workbook's first worksheet, its rows read lazily (close the workbook by exhausting them or
    by closing the generator); RegisterError when the file is no workbook."""
    _checked_zip(data).close()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook; each means the same to a school
        raise _refused("The Excel workbook cannot be opened (it may be damaged, or saved with a password): "
                       "export it again") from None
    sheets = workbook.worksheets
    if not sheets:
        workbook.close()
        raise _refused("The Excel workbook has no worksheet")
    sheet = sheets[0]
    sheet.reset_dimensions()  # the size a writer declared may be wrong: read the rows that are there
    warnings = []
    if len(sheets) > 1:
        warnings.append(f"The workbook has {len(sheets)} sheets: only the first, '{sheet.title[:40]}', was read")

    def rows() -> Iterator[list[str]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_text(v) for v in values]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, SyntaxError) as exc:
            # SyntaxError: defusedxml's and the XML parser's errors derive from it.
            raise _refused(f"The Excel workbook is damaged part way through ({type(exc).__name__}): export it "
                           "again") from None
        finally:
            workbook.close()

    return Sheet(sheet.title, rows(), warnings)
