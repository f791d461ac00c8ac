"""Registers as schools' MIS export them (issue 21): the long layout and the week grid, CSV in UTF-8,
UTF-16 and Windows-1252, Excel workbooks, and SIMS's sub-codes all read into the same marks, give the
same verdicts, and every problem in a file is reported at once naming its row and column.

The files are written by forms_service/register/mis_exports.py, which shares nothing with the reader.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from forms_service.policies import load_profile
from forms_service.register import exports, mis_exports, screening, synthetic
from forms_service.register.exports import read_export, read_register_file, read_school_file
from forms_service.register.marks import RegisterError, Session, session_json

from support.helpers import api_token, bearer, json_data, register_rows
from support.registers import D, PupilRegister

NATIONAL = load_profile("national-2024")
UPN = "A123456789012"


def pupil_rows(upn: str = UPN) -> list[list[str]]:
    """A pupil's year as rows [upn, date, session, code]: half terms (#), illness (I), a holiday (G),
    unexplained absences (N), lateness after the register closed (U) and a non-compulsory absence (X)."""
    pupil = PupilRegister(D(2025, 9, 1), D(2026, 3, 27), upn=upn)
    pupil.mark_days(D(2025, 10, 7), D(2025, 10, 8), "I")
    pupil.mark_days(D(2026, 1, 12), D(2026, 1, 16), "G")
    pupil.mark_sessions(9, "N", D(2026, 1, 19), D(2026, 3, 27), seed=3)
    pupil.mark_sessions(4, "U", D(2026, 1, 19), D(2026, 3, 27), seed=4)
    pupil.mark(D(2025, 11, 3), "X", ["AM"])
    return [[upn, s.date.isoformat(), s.session, s.code] for s in pupil.build().sessions]


def layouts(rows: list[list[str]]) -> dict[str, bytes]:
    """The same marks written every way the reader takes them, SIMS sub-codes (I01, X01) in most."""
    subbed = list(mis_exports.with_sub_codes(rows))
    return {
        "long CSV, UTF-8, ISO dates": mis_exports.to_csv_bytes(*mis_exports.long_rows(rows)),
        "long CSV, UK dates, sub-codes": mis_exports.to_csv_bytes(*mis_exports.long_rows(subbed, "uk")),
        "long CSV, '3 Sep 2026' dates, UTF-8 with its mark": mis_exports.to_csv_bytes(
            *mis_exports.long_rows(subbed, "text"), encoding="utf-8-sig"),
        "week grid CSV, sub-codes": mis_exports.to_csv_bytes(*mis_exports.grid_rows(subbed)),
        "day grid CSV": mis_exports.to_csv_bytes(*mis_exports.grid_rows(rows, by="day")),
        "week grid XLSX, sub-codes": mis_exports.to_xlsx(*mis_exports.grid_rows(subbed, date_style="date")),
        "long XLSX, dates as dates": mis_exports.to_xlsx(*mis_exports.long_rows(subbed, "date")),
        "week grid, UTF-16 'Unicode text' (tabs)": mis_exports.to_csv_bytes(*mis_exports.grid_rows(subbed),
                                                                            encoding="utf-16", delimiter="\t"),
        "long CSV, Windows-1252 with a name column": windows_1252(subbed),
    }


def windows_1252(rows: list[list[str]]) -> bytes:
    """Excel's plain "CSV" on a UK machine: a pupil's name with an ë is one byte."""
    header, out = mis_exports.long_rows(rows, "uk")
    return mis_exports.to_csv_bytes(header + ["Forename"], ([*row, "Zoë"] for row in out), encoding="cp1252")


def marks_of(register) -> list[tuple]:
    return [(s.date, s.session, s.code, s.upn) for s in register.sessions]


# --- the same marks, every way ------------------------------------------------------------------

def test_every_layout_and_encoding_gives_the_same_marks():
    rows = pupil_rows()
    expected = [(dt.date.fromisoformat(d), s, c, u) for u, d, s, c in rows]
    read = {name: read_export(data) for name, data in layouts(rows).items()}
    for name, export in read.items():
        assert marks_of(export.register) == expected, name
    assert {name: (e.layout, e.encoding) for name, e in read.items()} == {
        "long CSV, UTF-8, ISO dates": ("long", "UTF-8"),
        "long CSV, UK dates, sub-codes": ("long", "UTF-8"),
        "long CSV, '3 Sep 2026' dates, UTF-8 with its mark": ("long", "UTF-8 with a byte-order mark"),
        "week grid CSV, sub-codes": ("week-grid", "UTF-8"),
        "day grid CSV": ("day-grid", "UTF-8"),
        "week grid XLSX, sub-codes": ("week-grid", exports.WORKBOOK),
        "long XLSX, dates as dates": ("long", exports.WORKBOOK),
        "week grid, UTF-16 'Unicode text' (tabs)": ("week-grid", "UTF-16"),
        "long CSV, Windows-1252 with a name column": ("long", "Windows-1252"),
    }
    # The sub-code is kept beside the statutory code it is read as, and shown.
    sub = read["week grid XLSX, sub-codes"].register
    illness = [s for s in sub.sessions if s.code == "I"]
    assert illness and all(s.mark == "I01" and s.shown == "I01" for s in illness)
    assert [s.mark for s in sub.sessions if s.code == "X"] == ["X01"]
    assert all(s.mark is None for s in read["day grid CSV"].register.sessions)


def test_every_layout_gives_the_same_whole_school_screen(tmp_path):
    """Hidden-style: a school's export in each layout screens to the same pupils, flags and figures."""
    rows, _ = synthetic.generate(40, D(2026, 3, 13), seed=11)
    rows = list(rows)
    results = {}
    for name, data in layouts(rows).items():
        screen = screening.screen_file(data, NATIONAL, workers=1)
        results[name] = (screen.on, screen.pupils, [(r.upn, r.flags, r.bands, r.unauthorised_10wk, r.absence_pct)
                                                    for r in screen.rows])
    first = next(iter(results.values()))
    assert first[1] == 40 and first[2]  # pupils were read and some listed
    assert all(result == first for result in results.values()), {k: v[:2] for k, v in results.items()}


@pytest.mark.db
def test_every_layout_gives_the_same_verdict_through_the_api(client):
    """An integrator reads the file with POST /api/v1/registers/read and asks for the verdict with what
    it understood: the same verdict and figures from every layout."""
    token = bearer(api_token(client, "office@demo.school"))
    data = json_data()
    rows = [[UPN, d, s, c] for d, s, c in register_rows(data)]
    verdicts = {}
    for name, body in layouts(rows).items():
        read = client.post("/api/v1/registers/read", headers=token, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(body), "export.bin")})
        assert read.status_code == 200, (name, read.get_json())
        reading = read.get_json()
        assert reading["pupils"][0]["upn"] == UPN and reading["pupils"][0]["sessions"] == len(rows)
        verdict = client.post("/api/v1/eligibility/penalty-notice-leave", headers=token,
                              json={"data": data, "register": {"code_set": reading["code_set"],
                                                               "sessions": reading["sessions"]}})
        assert verdict.status_code == 200, (name, verdict.get_json())
        body_ = verdict.get_json()
        verdicts[name] = (body_["eligible"], [(r["id"], r["status"]) for r in body_["rules"]], body_["figures"])
    first = next(iter(verdicts.values()))
    assert first[2].get("leave_sessions") == 10
    assert all(v == first for v in verdicts.values())


# --- the week grid --------------------------------------------------------------------------------

GRID_HEADER = "UPN,Name,Week commencing,Mon AM,Mon PM,Tue AM,Tue PM,Wed AM,Wed PM,Thu AM,Thu PM,Fri AM,Fri PM\n"


def test_a_week_grid_reads_headings_as_reports_print_them():
    header = ("Pupil UPN,Week Beginning,Monday a.m.,Monday p.m.,Tue (AM),Tue (PM),Wed-AM,Wed-PM,ThuAM,ThuPM,Fri AM,"
              "Fri PM\n")
    body = f"{UPN},02/03/2026,/,\\,/,\\,N,N,/,\\,#,#\n{UPN},9 Mar 2026,I,I,/,\\,/,\\,/,\\,/,\\\n"
    export = read_export(header + body)
    assert export.layout == "week-grid" and len(export.register) == 20
    assert [(s.date, s.session, s.code) for s in export.register.sessions[:6]] == [
        (D(2026, 3, 2), "AM", "/"), (D(2026, 3, 2), "PM", "\\"), (D(2026, 3, 3), "AM", "/"),
        (D(2026, 3, 3), "PM", "\\"), (D(2026, 3, 4), "AM", "N"), (D(2026, 3, 4), "PM", "N")]


def test_a_day_grid_splits_each_days_two_marks():
    data = ("UPN,w/c,Mon,Tue,Wed,Thu,Fri\n"
            f"{UPN},07/09/2026,/\\,NN,C1 C1,I01I01,##\n"
            f"{UPN},14/09/2026,/N,\\\\,L\\,-,\n")
    export = read_export(data)
    assert export.layout == "day-grid"
    codes = [(s.date.day, s.session, s.code, s.mark) for s in export.register.sessions]
    assert codes[:10] == [(7, "AM", "/", None), (7, "PM", "\\", None), (8, "AM", "N", None), (8, "PM", "N", None),
                          (9, "AM", "C1", None), (9, "PM", "C1", None), (10, "AM", "I", "I01"),
                          (10, "PM", "I", "I01"), (11, "AM", "#", None), (11, "PM", "#", None)]
    # The second week: Thursday not marked yet ("-"), Friday blank (no marks in the export).
    assert [(d, s, c) for d, s, c, _ in codes[10:]] == [(14, "AM", "/"), (14, "PM", "N"), (15, "AM", "\\"),
                                                         (15, "PM", "\\"), (16, "AM", "L"), (16, "PM", "\\")]
    assert export.warnings == ["2 sessions have no mark yet ('-'): they are not counted"]


def test_every_problem_in_a_grid_is_named_by_row_and_column_at_once():
    data = (GRID_HEADER
            + f"{UPN},Amy,02/03/2026,/,\\,/,\\,?,\\,/,\\,/,\\\n"        # row 2: Wed AM is no code
            + f"{UPN},Amy,10/03/2026,/,\\,/,\\,/,\\,/,\\,/,\\\n"        # row 3: a Tuesday
            + f"{UPN},Amy,16/03/2026,/,\\,/,\\,/,\\,/,\\,/,y1\n"        # row 4: case matters
            + f"{UPN},Amy,,/,\\,/,\\,/,\\,/,\\,/,\\\n"                  # row 5: no week
            + f"{UPN},Amy,02/03/2026,/,\\,/,\\,/,\\,/,\\,/,\\\n")       # row 6: the week again
    with pytest.raises(RegisterError) as caught:
        read_register_file(data)
    errors = caught.value.errors
    assert [(e["row"], e.get("column")) for e in errors] == [
        (2, "Wed AM"), (3, "Week commencing"), (4, "Fri PM"), (5, "Week commencing"), (6, "Mon AM"), (6, "Mon PM"),
        (6, "Tue AM"), (6, "Tue PM"), (6, "Wed PM"), (6, "Thu AM"), (6, "Thu PM"), (6, "Fri AM"),
        (6, "Fri PM")]  # row 2's Wed AM was refused, so row 6's is the first
    assert errors[0]["message"] == "Row 2, column Wed AM: code '?' is not in the 2024 code set"
    assert errors[1]["message"] == ("Row 3, column Week commencing: 10 March 2026 is a Tuesday: the week commencing "
                                    "must be the week's Monday")
    assert "did you mean 'Y1'" in errors[2]["message"]
    assert errors[3]["message"] == "Row 5, column Week commencing: the week commencing is empty"
    assert errors[4]["message"].startswith("Row 6, column Mon AM: a second mark for UPN")


def test_a_day_cell_without_two_marks_is_an_error_not_a_guess():
    data = f"UPN,Week commencing,Mon,Tue,Wed,Thu,Fri\n{UPN},02/03/2026,/\\,N,/\\/,/\\,/\\\n"
    with pytest.raises(RegisterError) as caught:
        read_register_file(data)
    assert [e["message"] for e in caught.value.errors] == [
        "Row 2, column Tue: 'N' holds 1 mark: a day's cell holds two, the morning's then the afternoon's, as '/\\' "
        "or 'NN'",
        "Row 2, column Wed: '/\\/' holds 3 marks: a day's cell holds two, the morning's then the afternoon's, as "
        "'/\\' or 'NN'"]


def test_a_grid_missing_a_sessions_column_says_which():
    with pytest.raises(RegisterError) as caught:
        read_register_file("UPN,Week commencing,Mon AM,Mon PM,Tue AM,Tue PM,Wed AM\nA1,02/03/2026,/,\\,/,\\,/\n")
    assert caught.value.errors[0]["message"].startswith(
        "Row 1 (the header): a week grid needs a column for every session, Mon AM to Fri PM (or one per day, Mon to "
        "Fri); there is none for Wed PM, Thu AM, Thu PM, Fri AM and more")


def test_weekend_columns_are_named_as_not_read():
    data = GRID_HEADER.rstrip("\n") + ",Sat AM\n" + f"{UPN},Amy,02/03/2026,/,\\,/,\\,/,\\,/,\\,/,\\,/\n"
    export = read_export(data)
    assert len(export.register) == 10
    assert export.warnings == ["The columns Sat AM are not read: a week grid's school days are Monday to Friday"]


def test_a_file_without_upns_may_name_pupils_by_admission_number():
    data = "Adno,Date,Session,Mark\n001234,03/09/2026,AM,/\n001235,03/09/2026,AM,N\n"
    export = read_export(data, by_upn=True)
    assert set(export.pupils) == {"001234", "001235"}
    assert export.warnings == ["The file has no UPN column: its pupils are told apart by admission number (Adno)"]


# --- MIS sub-codes ------------------------------------------------------------------------------

@pytest.mark.parametrize("mark, code_set, code", [
    ("I01", "2024", "I"), ("X07", "2024", "X"), ("I_F", "2024", "I"), ("C101", "2024", "C1"), ("C10", "2024", "C"),
    ("7", "2006", "I"), ("8", "2006", "Y"), ("[", "2006", "Y"), ("=", "2006", "I"), ("I01", "wales-2010", "I")])
def test_mis_sub_codes_read_as_their_statutory_code_and_are_kept(mark, code_set, code):
    [session] = read_register_file(f"date,session,code\n2026-03-02,AM,{mark}\n", code_set).sessions
    assert (session.code, session.mark, session.shown) == (code, mark, mark)
    assert session_json(session) == {"date": "2026-03-02", "session": "AM", "code": code, "mark": mark}


@pytest.mark.parametrize("mark, code_set", [("Y01", "2024"), ("7", "2024"), ("I1", "2024"), ("I001", "2024"),
                                            ("Q01", "2006"), ("+", "2024"), ("I_", "2024"), ("i01", "2024")])
def test_an_unknown_mark_is_an_error_never_a_guess(mark, code_set):
    with pytest.raises(RegisterError) as caught:
        read_register_file(f"date,session,code\n2026-03-02,AM,{mark}\n", code_set)
    [error] = caught.value.errors
    assert error["row"] == 2 and error["field"] == "code" and f"code '{mark}' is not in the {code_set}" in \
        error["message"]


def test_a_stored_register_keeps_its_sub_codes():
    from forms_service.register.marks import parse_register_json, stored_register
    register = read_register_file("date,session,code\n2026-03-02,AM,I01\n2026-03-02,PM,I\n")
    stored = {"code_set": "2024", "sessions": [session_json(s) for s in register.sessions]}
    again = parse_register_json(stored)
    assert again.sessions == register.sessions == (Session(D(2026, 3, 2), "AM", "I", None, "I01"),
                                                   Session(D(2026, 3, 2), "PM", "I", None, None))
    # Read back without checking each mark again (a case page reads many), and the careful way when not as stored.
    assert stored_register(stored) == again
    with pytest.raises(RegisterError) as caught:
        stored_register({"code_set": "2024", "sessions": [{"date": "2026-03-02", "session": "AM", "code": "?"}]})
    assert caught.value.errors[0]["message"] == "Item 1: code '?' is not in the 2024 code set"


# --- workbooks ----------------------------------------------------------------------------------

def workbook(*sheets: list[list]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for n, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet(f"Sheet{n}")
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbooks_first_sheet_is_read_and_the_others_named():
    data = workbook([["Date", "Session", "Code"], [dt.datetime(2026, 3, 2), "AM", "/"], [None, None, None],
                     ["03/03/2026", "PM", "N"]], [["Notes"], ["not a register"]])
    export = read_export(data)
    assert marks_of(export.register) == [(D(2026, 3, 2), "AM", "/", None), (D(2026, 3, 3), "PM", "N", None)]
    assert export.encoding == exports.WORKBOOK
    assert export.warnings == ["The workbook has 2 sheets: only the first, 'Sheet1', was read"]


def test_a_formula_is_not_evaluated_and_its_row_is_named():
    data = workbook([["Date", "Session", "Code"], [dt.date(2026, 3, 2), "AM", "/"], [dt.date(2026, 3, 2), "PM", "=C2"],
                     ["=TODAY()", "AM", "/"]])
    with pytest.raises(RegisterError) as caught:
        read_register_file(data)
    assert [(e["row"], e["field"]) for e in caught.value.errors] == [(3, "code"), (4, "date")]
    assert "'=C2'" in caught.value.errors[0]["message"]


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize("data, message", [
    (zipped({"xl/workbook.xml": b"<workbook/>", "xl/sharedStrings.xml": b" " * (65 * 1024 * 1024)}),
     "The workbook unpacks to far more than a school's register"),
    (zipped({"xl/workbook.xml": b"not xml at all"}), "The Excel workbook cannot be opened"),
    (zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "This is an OpenDocument file"),
    (zipped({"readme.txt": b"hello"}), "This is a zip file, not a register export"),
    (b"PK\x03\x04" + bytes(200), "The file looks like an Excel workbook but cannot be opened"),
], ids=["a zip bomb", "damaged", "ods", "a zip", "cut short"])
def test_a_zip_that_is_no_readable_workbook_is_named(data, message):
    with pytest.raises(RegisterError) as caught:
        read_register_file(data)
    [error] = caught.value.errors
    assert error["row"] == 1 and error["message"].startswith(message)


def test_a_whole_school_workbook_reads_like_its_csv(tmp_path):
    rows, _ = synthetic.generate(60, D(2026, 2, 13), seed=5)
    rows = list(rows)
    csv_pupils = read_school_file(mis_exports.to_csv_bytes(*mis_exports.long_rows(rows)))
    for data in (mis_exports.to_xlsx(*mis_exports.long_rows(rows, "date")),
                 mis_exports.to_xlsx(*mis_exports.grid_rows(rows, date_style="date"))):
        pupils = read_school_file(data)
        assert pupils.keys() == csv_pupils.keys()
        assert all(pupils[upn].sessions == csv_pupils[upn].sessions for upn in pupils)


# --- the API ------------------------------------------------------------------------------------

@pytest.mark.db
def test_the_read_endpoint_says_what_it_understood_and_every_problem(client):
    token = bearer(api_token(client, "officer@demo.la"))
    data = ("UPN,Week commencing,Mon,Tue,Wed,Thu,Fri\n"
            f"{UPN},02/03/2026,/\\,I01I01,NN,-,##\n").encode("utf-16")
    reply = client.post("/api/v1/registers/read", headers=token, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(data), "grid.txt"), "code_set": "2024"})
    assert reply.status_code == 200
    body = reply.get_json()
    assert {k: body[k] for k in ("code_set", "layout", "encoding", "warnings")} == {
        "code_set": "2024", "layout": "day-grid", "encoding": "UTF-16",
        "warnings": ["2 sessions have no mark yet ('-'): they are not counted"]}
    assert body["sessions"][2:4] == [{"upn": UPN, "date": "2026-03-03", "session": "AM", "code": "I", "mark": "I01"},
                                     {"upn": UPN, "date": "2026-03-03", "session": "PM", "code": "I", "mark": "I01"}]
    assert body["pupils"] == [{"upn": UPN, "sessions": 8, "first_date": "2026-03-02", "last_date": "2026-03-06",
                               "attendance_pct": 33.3}]
    # Every problem at once, each naming its row (and column).
    bad = ("date,session,code\n2026-03-02,AM,?\n2026-03-02,XX,/\n31/02/2026,AM,/\n").encode()
    reply = client.post("/api/v1/registers/read", headers=token, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(bad), "bad.csv")})
    assert reply.status_code == 422
    body = reply.get_json()
    assert [(p["row"], p["field"], p["column"]) for p in body["problems"]] == [
        (2, "code", "code"), (3, "session", "session"), (4, "date", "date")]
    assert body["errors"]["file"][0] == "Row 2: code '?' is not in the 2024 code set"
    # A PDF is named for what it is; a missing file and an unknown code set name their fields.
    reply = client.post("/api/v1/registers/read", headers=token, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(b"%PDF-1.7\n"), "marks.pdf")})
    assert reply.status_code == 422 and reply.get_json()["errors"]["file"][0].startswith("This is a PDF")
    reply = client.post("/api/v1/registers/read", headers=token, content_type="multipart/form-data",
                        data={"code_set": "1999"})
    assert reply.status_code == 422 and set(reply.get_json()["errors"]) == {"file", "code_set"}


@pytest.mark.db
def test_the_read_endpoint_needs_a_token_and_bounds_the_file(app, client):
    reply = client.post("/api/v1/registers/read", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(b"date,session,code\n"), "x.csv")})
    assert reply.status_code == 401
    app.config["MAX_SCHOOL_REGISTER_BYTES"] = 1024 * 1024
    token = bearer(api_token(client, "office@demo.school"))
    big = b"date,session,code\n" + b"2026-03-02,AM,/\n" * 70_000
    reply = client.post("/api/v1/registers/read", headers=token, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(big), "x.csv")})
    assert reply.status_code == 422 and reply.get_json()["errors"]["file"] == ["The file must be smaller than 1 MB"]


# --- the pages ----------------------------------------------------------------------------------

@pytest.mark.db
def test_the_pages_take_a_workbook_and_say_how_it_was_read(client):
    from support.helpers import csrf, login, text
    office = bearer(api_token(client, "office@demo.school"))
    rid = client.post("/api/v1/referrals", headers=office,
                      json={"form": "penalty-notice-leave", "data": json_data()}).get_json()["id"]
    login(client, "office@demo.school")
    rows = [["", d, s, c] for d, s, c in register_rows(json_data())]
    book = mis_exports.to_xlsx(*mis_exports.grid_rows(list(mis_exports.with_sub_codes(rows)), date_style="date"))
    page = text(client.get(f"/referrals/{rid}/register"))
    assert f'accept="{exports.ACCEPT}"' in page
    reply = client.post(f"/referrals/{rid}/register", content_type="multipart/form-data",
                        data={"csrf_token": csrf(page), "code_set": "2024", "file": (io.BytesIO(book), "marks.xlsx")})
    assert reply.status_code == 302
    page = text(client.get(f"/referrals/{rid}/register"))
    assert f"{len(rows)} marks uploaded from marks.xlsx" in page
    assert "Read as a row per pupil and week, a column per session (Mon AM to Fri PM), in Excel workbook" in page
    stored = client.get(f"/api/v1/referrals/{rid}", headers=office).get_json()
    assert stored["eligibility"]["figures"]["leave_sessions"] == 10
    # The whole-school screen reads a workbook too.
    school, _ = synthetic.generate(30, D(2026, 3, 13), seed=2)
    book = mis_exports.to_xlsx(*mis_exports.long_rows(list(school), "date"))
    page = text(client.get("/screening/"))
    reply = client.post("/screening/", content_type="multipart/form-data",
                        data={"csrf_token": csrf(page), "code_set": "2024", "output": "page",
                              "file": (io.BytesIO(book), "school.xlsx")})
    assert reply.status_code == 200 and "30 pupils" in text(reply)
