"""A register file's bytes as text, and the encoding it was written in (issue 21).

Schools' exports come as UTF-8 (Excel's "CSV UTF-8", with a byte-order mark), as UTF-16 (Excel's
"Unicode text", tab-separated) and as Windows-1252 (Excel's plain "CSV" on a UK machine: a £ or an
é is one byte). UTF-8 is tried first, strictly: most files are, and it is exact. Anything else is
handed to charset-normalizer, limited to the encodings a school's machine writes, and the one it
finds is reported back so that the school can see how its file was read. Bytes that are no text in
any of them (a binary file, NUL characters) are refused, naming the row; a PDF, Word or Excel file
or a picture is named for what it is instead of getting advice about encodings.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from .marks import RegisterError

# The encodings a school's machine writes besides UTF-8: Excel's "Unicode text" (UTF-16, with or
# without its byte-order mark) and a UK Windows machine's code page. Wider guessing (cp1250,
# KOI8-R...) would misread a register's names rather than refuse the file.
LEGACY_ENCODINGS = ("cp1252", "utf_16_le", "utf_16_be")
ENCODING_NAMES = {"utf_8": "UTF-8", "utf-8-sig": "UTF-8 with a byte-order mark", "utf_16": "UTF-16",
                  "utf_16_le": "UTF-16", "utf_16_be": "UTF-16", "cp1252": "Windows-1252"}

NUL_MESSAGE = ("the row has a NUL character, so the file is not CSV text (it may not be a spreadsheet export at "
               "all): export the marks from your MIS as CSV and try again")

# Files schools upload by mistake, known by their first bytes (issue 21: "a PDF or Word file uploaded as a
# register gets 'this is a PDF, not a register export', not advice about encodings"). An Excel workbook
# (.xlsx) is read (register/workbooks.py); a zip that is not one is named here.
OTHER_FILES = (
    (b"%PDF", "This is a PDF, not a register export: export the attendance marks from your MIS as a CSV or "
              "Excel (.xlsx) file"),
    (b"\xd0\xcf\x11\xe0", "This is an older Word or Excel file (.doc or .xls), not a register export that can be "
                         "read: save it as an Excel workbook (.xlsx) or as 'CSV UTF-8'"),
    (b"\x89PNG", "This is a picture (PNG), not a register export: export the attendance marks as a CSV or Excel "
                 "file"),
    (b"\xff\xd8\xff", "This is a picture (JPEG), not a register export: export the attendance marks as a CSV or "
                      "Excel file"),
)


@dataclass(frozen=True)
class Text:
    """A file's text and the encoding it was read in, as a person would name it ("Windows-1252")."""
    text: str
    encoding: str


def other_file(data: bytes) -> str | None:
    """What a file that is not a register export is, by its first bytes; None for anything else."""
    return next((message for magic, message in OTHER_FILES if data.startswith(magic)), None)


def row_at(text: str) -> int:
    """The row (line) the end of `text` is on, counting any line ending a spreadsheet writes."""
    return len(re.findall(r"\r\n|\r|\n", text)) + 1


def _refused(row: int, message: str) -> RegisterError:
    return RegisterError([{"row": row, "field": "file", "message": message}])


def decode(data: bytes | str) -> Text:
    """The text of a CSV file, not empty, in UTF-8, UTF-16 or Windows-1252; RegisterError otherwise."""
    if isinstance(data, str):
        return _checked(data.removeprefix("\ufeff"), "UTF-8")
    if (kind := other_file(data)) is not None:
        raise _refused(1, kind)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _checked(data.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError:
            raise _refused(1, "The file says it is UTF-16 text ('Unicode text') but is not: export it again as "
                              "'CSV UTF-8'") from None
    if b"\x00" in data[:65536] and (best := from_bytes(data, cp_isolation=["utf_16_le", "utf_16_be"]).best()):
        # UTF-16 without its byte-order mark (every other byte of plain text is NUL, which UTF-8 allows).
        return _checked(str(best), ENCODING_NAMES[best.encoding])
    try:
        return _checked(data.decode("utf-8-sig"), ENCODING_NAMES["utf-8-sig" if data.startswith(codecs.BOM_UTF8)
                                                                  else "utf_8"])
    except UnicodeDecodeError as exc:
        not_utf8_at = exc.start
    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best() if not data.startswith(codecs.BOM_UTF8) \
        else None
    if best is None or best.encoding not in ENCODING_NAMES:
        row = row_at(data[:not_utf8_at].decode("utf-8-sig", errors="replace"))
        if b"\x00" in data:
            row = row_at(data[:data.index(b"\x00")].decode("utf-8", errors="replace"))
            raise _refused(row, f"Row {row}: {NUL_MESSAGE}")
        raise _refused(row, f"The file is not text that can be read: row {row} has bytes that are no character in "
                            "UTF-8, UTF-16 or Windows-1252. Export the marks again as 'CSV UTF-8'")
    return _checked(str(best), ENCODING_NAMES[best.encoding])


def _checked(text: str, encoding: str) -> Text:
    if not text.strip():
        raise _refused(1, "The file is empty")
    if "\x00" in text:
        row = row_at(text[:text.index("\x00")])
        raise _refused(row, f"Row {row}: {NUL_MESSAGE}")
    return Text(text, encoding)
