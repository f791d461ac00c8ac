"""Register files as schools really send them, and as no one should: random rows, huge files, other
encodings (UTF-8 with a byte-order mark reads; Windows-1252 and UTF-16 are refused saying where and
what to do), mixed line endings, blank lines, trailing commas, unclosed quotes. The pupil's register (on a request) and the whole-school export
(screening) either read or are refused with errors that name the row, in a sentence of bounded
length; never an exception, never a 500; and reading a large legal file takes memory in proportion
to its size.
"""
from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import tracemalloc

import docx
import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from forms_service.policies import load_profile
from forms_service.register import mis_exports, screening
from forms_service.register.exports import read_export, read_register_file, read_school_file
from forms_service.register.marks import MAX_ERRORS, RegisterError, parse_register_json

from support.helpers import api_token, bearer, csrf, json_data, login, register_csv_for, text
from support.registers import D, PupilRegister, generated_school

NATIONAL = load_profile("national-2024")
MESSAGE_LIMIT = 300  # characters: a sentence, whatever the file holds
ROW = re.compile(r"^Row (\d+)[: ]")


def rows_of(data) -> list[tuple]:
    return [(s.date, s.session, s.code, s.upn) for s in read_register_file(data).sessions]


def errors_of(data, parse=read_register_file) -> list[dict]:
    with pytest.raises(RegisterError) as info:
        parse(data)
    return info.value.errors


WHOLE_FILE = ("The file is empty", "The register has no marks in it", "The file is not text that can be read")


def assert_clear(errors: list[dict], noun: str = "Row") -> None:
    """Every error names its row (in its words, and as a number), in a bounded sentence; or is
    about the whole file."""
    assert errors and len(errors) <= MAX_ERRORS + 1
    for error in errors:
        message = error["message"]
        assert len(message) <= MESSAGE_LIMIT, message[:400]
        if error["row"] is not None:
            assert isinstance(error["row"], int) and error["row"] >= 1
            assert message.startswith((f"{noun} {error['row']}:", f"{noun} {error['row']} ", *WHOLE_FILE)) or \
                f"row {error['row']} " in message, message
        assert not re.search(r"[\x00-\x1f]", message), repr(message)


# --- encodings --------------------------------------------------------------------------------------

PUPIL = PupilRegister(D(2026, 1, 5), D(2026, 1, 16))
CLEAN = PUPIL.csv()
EXPECTED = rows_of(CLEAN)


def with_note_column(csv_text: str, header_note: str = "note", note: str = "") -> str:
    """The same file with a column the service ignores (a note, a name)."""
    lines = csv_text.strip("\n").split("\n")
    return "\n".join([f"{lines[0]},{header_note}"] + [f"{line},{note}" for line in lines[1:]]) + "\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_reads_with_or_without_its_byte_order_mark(encoding):
    text_ = with_note_column(CLEAN, "Élève (£ fee)", "Zażółć gęślą jaźń – Llŷr’s £5 ✓")
    assert rows_of(text_.encode(encoding)) == EXPECTED


@pytest.mark.parametrize("data", [codecs.BOM_UTF16_LE + CLEAN.replace(",", "\t").encode("utf-16-le"),
                                  codecs.BOM_UTF16_BE + CLEAN.replace(",", "\t").encode("utf-16-be"),
                                  CLEAN.encode("utf-16-le"), CLEAN.replace(",", "\t").encode("utf-16-be")],
                         ids=["LE with its mark, tabs", "BE with its mark, tabs", "LE without", "BE without, tabs"])
def test_utf16_reads_and_says_so(data):
    """Excel's "Unicode text" (UTF-16, tabs between cells), with its byte-order mark or without."""
    export = read_export(data)
    assert [(s.date, s.session, s.code, s.upn) for s in export.register.sessions] == EXPECTED
    assert export.encoding == "UTF-16" and export.layout == "long"


def test_windows_1252_reads_and_says_so():
    """Excel's plain "CSV" on a UK Windows machine: £ and é are single bytes, not UTF-8. It is read
    as Windows-1252 (charset-normalizer tells it from UTF-8), and the encoding is reported."""
    lines = with_note_column(CLEAN).split("\n")
    lines[0] += "é"  # the header
    lines[6] += "Paid the £5 trip to the café"
    for ending in ("\n", "\r\n", "\r"):
        export = read_export(ending.join(lines).encode("cp1252"))
        assert [(s.date, s.session, s.code, s.upn) for s in export.register.sessions] == EXPECTED
        assert export.encoding == "Windows-1252"
    assert read_export(CLEAN.encode("utf-8")).encoding == "UTF-8"
    assert read_export(CLEAN.encode("utf-8-sig")).encoding == "UTF-8 with a byte-order mark"


def test_bytes_no_encoding_reads_are_refused_naming_the_row():
    lines = with_note_column(CLEAN).split("\n")
    lines[6] += "\x81\x8d"
    errors = errors_of("\n".join(lines).encode("latin-1"))
    assert len(errors) == 1 and errors[0]["row"] == 7 and errors[0]["field"] == "file"
    assert errors[0]["message"].startswith("The file is not text that can be read: row 7 has bytes")
    assert_clear(errors)


def test_nul_characters_in_a_utf8_file_are_refused_in_words():
    errors = errors_of(CLEAN.replace("\n2026-01-07", "\n2026-01-07\x00", 1).encode())
    assert_clear(errors)
    assert "NUL" in errors[0]["message"] and errors[0]["row"] > 1


# --- the shape of the file ------------------------------------------------------------------------

def test_mixed_line_endings_blank_lines_and_trailing_commas_read():
    lines = CLEAN.strip("\n").split("\n")
    mixed = lines[0] + ",\r\n"
    for i, line in enumerate(lines[1:]):
        mixed += line + ("," if i % 3 == 0 else "") + ("\r\n", "\n", "\r")[i % 3]
        if i % 4 == 0:  # a blank row of one kind or another
            mixed += ("\n", "\r\n", ",,,\n", "   \n")[i // 4 % 4]
    assert rows_of(mixed) == EXPECTED


def test_rows_are_numbered_as_the_spreadsheet_shows_them_whatever_the_line_endings():
    lines = CLEAN.strip("\n").split("\n")
    lines[9] = lines[9].rsplit(",", 1)[0] + ",Q9"
    for ending in ("\n", "\r\n", "\r"):
        text_ = ending.join(lines[:3]) + ending + ending + ending.join(lines[3:]) + ending  # a blank row 4
        [error] = errors_of(text_)
        assert error["row"] == 11 and error["message"].startswith("Row 11: code 'Q9'")


def test_an_unclosed_quote_names_its_row_and_says_what_happened():
    lines = CLEAN.strip("\n").split("\n")
    lines[4] = '"' + lines[4]
    errors = errors_of("\n".join(lines) + "\n")
    assert_clear(errors)
    assert errors[0]["row"] == 5 and "quote mark" in errors[0]["message"]


def test_a_cell_too_long_to_read_names_its_row():
    lines = CLEAN.strip("\n").split("\n")
    lines[3] += ',"' + "x" * 200_000 + '"'
    errors = errors_of("\n".join(lines) + "\n")
    assert_clear(errors)
    assert errors[-1]["row"] == 4 and "131,072 characters" in errors[-1]["message"]


def test_a_long_bad_cell_is_quoted_short():
    lines = CLEAN.strip("\n").split("\n")
    lines[2] = "2026-01-06," + "AM\tPM" * 5000 + ",/"
    [error] = errors_of("\n".join(lines) + "\n")
    assert error["row"] == 3 and error["message"].endswith("…'") and "\t" not in error["message"]
    assert_clear([error])


# --- random rows --------------------------------------------------------------------------------

CELL = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc")), max_size=20) | \
    st.sampled_from(["2026-01-05", "2026-02-30", "AM", "pm", "/", "\\", "G", "#", "", " ", '"', "A123456789012",
                     "0000-00-00", "2026-1-5", "9999-12-31"])
ROWS = st.lists(st.lists(CELL, min_size=0, max_size=6), max_size=25)


def to_csv_text(header: str, rows: list[list[str]], ending: str) -> str:
    # Cells as a careless program writes them: joined with commas, nothing quoted.
    return header + ending + ending.join(",".join(cells) for cells in rows) + ending


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=ROWS, ending=st.sampled_from(["\n", "\r\n", "\r"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
       header=st.sampled_from(["date,session,code", "upn,date,session,code", "Date , Session,CODE,note", "date,code"]))
def test_random_rows_either_read_or_name_their_rows(rows, ending, encoding, header):
    data = to_csv_text(header, rows, ending).encode(encoding, errors="replace")
    for parse in (read_register_file, read_school_file):
        try:
            parse(data)
        except RegisterError as exc:
            assert_clear(exc.errors)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_either_read_or_name_their_rows(data):
    for parse in (read_register_file, read_school_file):
        try:
            parse(b"date,session,code\n" + data)
        except RegisterError as exc:
            assert_clear(exc.errors)


JSON_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=8)
ITEM = st.fixed_dictionaries({}, optional={"date": JSON_VALUE | st.sampled_from(["2026-01-05", "2026-13-01"]),
                                           "session": JSON_VALUE | st.sampled_from(["AM", "PM"]),
                                           "code": JSON_VALUE | st.sampled_from(["/", "G", "Q"]),
                                           "upn": JSON_VALUE})


@settings(max_examples=150, deadline=None)
@given(st.lists(ITEM | JSON_VALUE, max_size=12), st.one_of(st.none(), st.sampled_from(["2024", "2006"]), JSON_VALUE))
def test_random_json_registers_either_read_or_name_their_items(items, code_set):
    for obj in (items, {"code_set": code_set, "sessions": items}):
        try:
            parse_register_json(obj)
        except RegisterError as exc:
            assert_clear(exc.errors, noun="Item")


# --- through the web pages ------------------------------------------------------------------------

def docx_bytes() -> bytes:
    """A real Word document, as a school might upload by mistake."""
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


BAD_FILES = {
    "unreadable bytes": (with_note_column(register_csv_for(), "note", "\x81\x8d").encode("latin-1"),
                         "The file is not text that can be read: row 2 has"),
    "unclosed quote": ('date,session,code\n"2026-01-05,AM,/\n2026-01-05,PM,/\n'.encode(), "Row 2: a quote mark"),
    "random bytes": (bytes(range(256)) * 50, "Row 1: the row has a NUL character"),
    "a pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "This is a PDF, not a register export"),
    "a word file": (docx_bytes(), "This is a Word document (.docx), not a register export"),
    "a damaged zip": (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "The file looks like an Excel workbook but "
                                                                      "cannot be opened"),
    "an old excel file": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "This is an older Word or Excel file"),
    "a photo": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100), "This is a picture (JPEG), not a register export"),
}


def page_errors(response) -> list[str]:
    page = lxml.html.document_fromstring(text(response))
    return [a.text_content().strip() for s in page.find_class("govuk-error-summary") for a in s.iter("a")]


def upload(client, url: str, data: bytes, fields: dict):
    page = text(client.get(url))
    return client.post(url, content_type="multipart/form-data",
                       data={"csrf_token": csrf(page), "code_set": "2024", **fields,
                             "file": (io.BytesIO(data), "marks.csv")})


def office_draft(client) -> int:
    """The office signed in on the pages, and a leave request's draft (made through the API) to upload to."""
    office = bearer(api_token(client, "office@demo.school"))
    login(client, "office@demo.school")
    return client.post("/api/v1/referrals", headers=office,
                       json={"form": "penalty-notice-leave", "data": json_data()}).get_json()["id"]


@pytest.mark.db
def test_bad_register_files_are_refused_on_the_pages_naming_the_row(app, client):
    rid = office_draft(client)
    for name, (data, expected) in BAD_FILES.items():
        for url, fields in ((f"/referrals/{rid}/register", {}), ("/screening/", {"output": "page"})):
            response = upload(client, url, data, fields)
            assert response.status_code == 422, (name, url, response.status_code)
            errors = page_errors(response)
            assert errors and errors[0].startswith(expected), (name, url, errors)
            assert all(len(e) <= MESSAGE_LIMIT for e in errors)
    # A UTF-8 file with a byte-order mark, Windows line endings and a note column reads on both.
    good = "\ufeff" + with_note_column(register_csv_for(), "Élève", "Zażółć").replace("\n", "\r\n")
    response = upload(client, f"/referrals/{rid}/register", good.encode(), {})
    assert response.status_code == 302
    school = "\ufeff" + with_note_column(PupilRegister(D(2025, 9, 1), D(2026, 3, 13), upn="A100000000001").csv(),
                                         "Élève", "Zażółć").replace("\n", "\r")
    assert upload(client, "/screening/", school.encode(), {"output": "page"}).status_code == 200


@pytest.mark.db
def test_a_json_register_with_values_of_any_type_is_a_422_naming_the_item(client):
    """On the API the register is JSON: a code given as a list (unhashable) after a good row once
    made a 500."""
    office = bearer(api_token(client, "office@demo.school"))
    sessions = [{"date": "2026-01-05", "session": "AM", "code": "/"},
                {"date": "2026-01-05", "session": "PM", "code": ["/"]},
                {"date": {"y": 2026}, "session": None, "code": {"G": 1}},
                "not an object"]
    response = client.post("/api/v1/referrals", headers=office,
                           json={"form": "penalty-notice-leave", "data": json_data(),
                                 "register": {"code_set": "2024", "sessions": sessions}})
    assert response.status_code == 422
    messages = response.get_json()["errors"]["register"]
    assert [m.split(":")[0] for m in messages] == ["Item 2", "Item 3", "Item 3", "Item 3", "Item 4"], messages
    assert all(len(m) <= MESSAGE_LIMIT for m in messages)


@pytest.mark.db
def test_files_over_the_limits_are_refused_before_they_are_read(app, client):
    rid = office_draft(client)
    huge = b"date,session,code\n" + b"2026-01-05,AM,/\n" * (app.config["MAX_REGISTER_BYTES"] // 16 + 1)
    assert len(huge) > app.config["MAX_REGISTER_BYTES"]
    response = upload(client, f"/referrals/{rid}/register", huge, {})
    assert response.status_code == 422
    assert page_errors(response) == ["The file must be smaller than 8 MB: split it into smaller files"]
    app.config["MAX_SCHOOL_REGISTER_BYTES"] = 1024 * 1024  # the real limit is 40 MB: the same check
    response = upload(client, "/screening/", huge[:2 * 1024 * 1024], {"output": "page"})
    assert response.status_code == 422 and page_errors(response) == ["The file must be smaller than 1 MB"]
    # Rows past the whole-school limit: refused naming the row where the limit was passed.
    rows = "\n".join(f"A{n:012d},2026-01-05,AM,/" for n in range(1, 12))
    errors = errors_of(("upn,date,session,code\n" + rows).encode(), lambda d: read_school_file(d, max_rows=10))
    assert errors[0]["row"] == 12 and "more than 10 rows" in errors[0]["message"]


# --- memory -------------------------------------------------------------------------------------

# Reading keeps each mark (a date, a session, a code, a UPN) and the row it came from: memory grows
# with the file, by this much at most (measured: about 15 times the file's size).
MEMORY_PER_INPUT_BYTE = 30
MEMORY_OVERHEAD = 4 * 1024 * 1024
PEAKS: dict[str, tuple[int, int]] = {}


def peak_of(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_legal_file_reads_in_memory_proportional_to_its_size(tmp_path):
    school = generated_school(tmp_path, pupils=100, until="2026-03-13", seed=5)
    pupil = "date,session,code\n" + "\n".join(
        f"{dt.date(1990, 1, 1) + dt.timedelta(days=i // 2)},{'AM' if i % 2 == 0 else 'PM'},/" for i in range(40_000))
    # The same school as an Excel workbook, in the long layout and as a week grid: read within the limits
    # of its CSV (a workbook is compressed, so the bound is the CSV's size, the marks it holds).
    rows = [line.split(",") for line in school.decode().splitlines()[1:]]
    long_book = mis_exports.to_xlsx(*mis_exports.long_rows(rows, "date"))
    grid_book = mis_exports.to_xlsx(*mis_exports.grid_rows(rows, date_style="date"))
    cases = {
        "whole-school export, read": (school, school, lambda: read_school_file(school)),
        "whole-school export, screened": (school, school, lambda: screening.screen_file(school, NATIONAL, workers=1)),
        "whole-school workbook (long), read": (long_book, school, lambda: read_school_file(long_book)),
        "whole-school workbook (week grid), read": (grid_book, school, lambda: read_school_file(grid_book)),
        "one pupil, 40,000 rows": (pupil.encode(), pupil.encode(), lambda: read_register_file(pupil.encode())),
    }
    for name, (data, basis, read) in cases.items():
        peak = peak_of(read)
        PEAKS[name] = (len(data), peak)
        assert peak <= MEMORY_PER_INPUT_BYTE * len(basis) + MEMORY_OVERHEAD, \
            f"{name}: {peak / 2**20:.1f} MB for {len(data) / 2**20:.1f} MB"
    print("\nregister memory (file MB, peak MB):",
          {k: (round(n / 2**20, 2), round(p / 2**20, 1)) for k, (n, p) in PEAKS.items()})
