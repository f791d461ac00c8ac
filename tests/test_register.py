"""Register import (CSV and JSON), code sets and the calculations of DESIGN.md section 4."""
import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from forms_service.register import marks as reg
from forms_service.register.exports import read_register_file
from forms_service.register.marks import (CLASSES, Register, RegisterError, Session, academic_year, attendance_pct,
                                          broken_weeks, count_by_class, leave_sessions, load_code_set,
                                          parse_register_json, possible_sessions, previous_school_weeks,
                                          school_days_after, school_weeks, split_by_upn, to_csv)

from support.registers import D, PupilRegister, generated_school, typical_pupil

# ------------------------------------------------------------------ code sets (DESIGN.md section 4)

DESIGN_2024 = {
    "present": {"/", "\\", "L"},
    "approved_activity": {"K", "V", "P", "W", "B"},
    "authorised": {"C", "C1", "C2", "M", "J1", "S", "T", "R", "I", "E"},
    "unauthorised": {"G", "N", "O", "U"},
    "not_counted": {"D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#"},
}
DESIGN_2006 = {
    "present": {"/", "\\", "L"},
    "approved_activity": {"B", "J", "P", "V", "W"},
    "authorised": {"C", "E", "F", "H", "I", "M", "R", "S", "T"},
    "unauthorised": {"G", "N", "O", "U"},
    "not_counted": {"D", "X", "Y", "Z", "#"},
}


@pytest.mark.parametrize("name, design", [("2024", DESIGN_2024), ("2006", DESIGN_2006)])
def test_code_sets_are_exactly_those_in_the_design(name, design):
    codes = load_code_set(name)
    assert {k: set(codes.codes_in(k)) for k in CLASSES} == design
    assert codes.source and all(codes.describe(c) for c in codes.codes)


def test_code_set_differences_that_matter():
    new, old = load_code_set("2024"), load_code_set("2006")
    assert old.classify("J") == "approved_activity" and new.classify("J1") == "authorised"
    assert old.classify("D") == "not_counted"  # listed under approved activity in 003, but not counted
    assert "H" not in new.codes and "J" not in new.codes and "J1" not in old.codes
    assert load_code_set("2024") is new  # cached
    with pytest.raises(ValueError, match="2024, 2006"):
        load_code_set("2013")


# ------------------------------------------------------------------ CSV import

def test_csv_header_in_any_order_and_case_with_bom_and_upn():
    data = "\ufeff Code ,UPN,Session , DATE\n\\,A123456789012,pm,2026-01-06\n/,A123456789012,AM,2026-01-06\n"
    register = read_register_file(data.encode("utf-8"))
    assert [(s.date, s.session, s.code, s.upn) for s in register.sessions] == [
        (D(2026, 1, 6), "AM", "/", "A123456789012"), (D(2026, 1, 6), "PM", "\\", "A123456789012")]
    assert register.upn == "A123456789012" and register.code_set == "2024"


def test_csv_bom_in_a_string_and_extra_columns_and_blank_rows_are_fine():
    data = "\ufeffdate,session,code,name\n2026-01-05,AM,/,Ava\n\n,,,\n2026-01-05,PM,#,Ava\n"
    assert [s.code for s in read_register_file(data).sessions] == ["/", "#"]


def test_a_row_blank_in_the_register_columns_is_skipped_only_if_blank_everywhere():
    # Only the date, session, code and upn cells are read; whitespace elsewhere is still a blank row,
    # but a row that carries something else (a name) and no mark is a row with its marks missing.
    data = "date,session,code,name\n2026-01-05,AM,/,Ava\n , ,  ,   \n2026-01-05,PM,#,Ava\n"
    assert [s.code for s in read_register_file(data).sessions] == ["/", "#"]
    errors = errors_of(data.replace(" , ,  ,   ", ",,,Ava"))
    assert [e["field"] for e in errors] == ["date", "session", "code"]
    assert errors[0]["message"] == "Row 3: the date is empty"


def test_realistic_register_round_trips_through_csv():
    pupil = typical_pupil(upn="A123456789012").mark_days(D(2026, 1, 12), D(2026, 1, 16), "G")
    assert read_register_file(pupil.csv()) == pupil.build()


def test_2006_code_set_accepts_its_own_codes_only():
    data = "date,session,code\n2024-06-03,AM,J\n2024-06-03,PM,H\n"
    assert [s.code for s in read_register_file(data, code_set="2006").sessions] == ["J", "H"]
    with pytest.raises(RegisterError) as err:
        read_register_file(data)
    assert err.value.messages == ["Row 2: code 'J' is not in the 2024 code set",
                                  "Row 3: code 'H' is not in the 2024 code set"]


def errors_of(data, **kwargs):
    with pytest.raises(RegisterError) as err:
        read_register_file(data, **kwargs)
    return err.value.errors


def test_errors_name_the_spreadsheet_row_counting_the_header_as_row_1():
    pupil = PupilRegister(D(2026, 1, 5), D(2026, 1, 7))
    lines = pupil.csv().splitlines()
    lines.insert(3, "")                      # a blank row still has a row number in a spreadsheet
    lines[6] = "2026-02-30,AM,/"             # row 7
    errors = errors_of("\n".join(lines))
    assert errors == [{"row": 7, "field": "date", "column": "date",
                       "message": "Row 7: '2026-02-30' is not a real date"}]


@pytest.mark.parametrize("row, field, message", [
    ("2026-01-05,AM,g", "code", "Row 2: code 'g' is not in the 2024 code set (codes are case-sensitive: did you "
                                "mean 'G'?)"),
    ("2026-01-05,AM,J", "code", "Row 2: code 'J' is not in the 2024 code set"),
    ("2026-01-05,AM,", "code", "Row 2: the code is empty"),
    ("2026-01-05,XM,/", "session", "Row 2: the session must be AM or PM, not 'XM'"),
    ("2026-01-05,,/", "session", "Row 2: the session is empty"),
    ("01/05/2026/1,AM,/", "date", "Row 2: '01/05/2026/1' is not a date written as 2026-01-20, 20/01/2026 or 20 Jan "
                                  "2026 (day before month)"),
    ("Jan 5 2026,AM,/", "date", "Row 2: 'Jan 5 2026' is not a date written as 2026-01-20, 20/01/2026 or 20 Jan 2026 "
                                "(day before month)"),
    ("31/02/2026,AM,/", "date", "Row 2: '31/02/2026' is not a real date"),
    ("05/13/2026,AM,/", "date", "Row 2: '05/13/2026' is not a real date"),  # month-first is never guessed
    ("2025-02-29,AM,/", "date", "Row 2: '2025-02-29' is not a real date"),
    (",AM,/", "date", "Row 2: the date is empty"),
])
def test_each_kind_of_bad_row(row, field, message):
    # The header names each column: the error names it as the header does.
    assert errors_of(f"date,session,code\n{row}\n") == [{"row": 2, "field": field, "column": field,
                                                            "message": message}]


@pytest.mark.parametrize("written", ["2026-09-03", "03/09/2026", "3/9/2026", "03-09-2026", "03.09.2026", "3 Sep 2026",
                                     "3 Sept 2026", "3 September 2026", "3rd September 2026", "Thu 03/09/2026",
                                     "Thursday, 3 Sep 2026", "03-Sep-2026"])
def test_dates_as_mis_exports_and_excel_write_them_are_read_day_first(written):
    """Issue 21: SIMS, Arbor and Excel write dates these ways; each is 3 September 2026, never 9 March."""
    register = read_register_file(f'date,session,code\n"{written}",AM,/\n')
    assert register.sessions[0].date == dt.date(2026, 9, 3)


@pytest.mark.parametrize("header", ["Date,Session,Mark", "DATE,AM/PM,Code", "Attendance Date,AM / PM,Attendance Mark",
                                    "session date,ampm,attendance code"])
def test_headers_as_mis_exports_name_their_columns(header):
    register = read_register_file(f"UPN,{header}\nA123,03/09/2026,am,/\nA123,03/09/2026,Afternoon,N\n")
    assert [(s.upn, s.session, s.code) for s in register.sessions] == [("A123", "AM", "/"), ("A123", "PM", "N")]


def test_a_header_without_a_date_column_names_what_it_could_be_called():
    errors = errors_of("Day,Session,Mark\n03/09/2026,AM,/\n")
    assert errors == [{"row": 1, "field": "date", "message": "Row 1 (the header): there is no 'date' column; the header "
                       "must name the columns date, session and code (and optionally upn), as 'date' or 'attendance "
                       "date' for example, or be a week grid (a 'week commencing' column, then Mon AM to Fri PM)"}]


def test_lower_case_sessions_are_accepted_and_codes_are_case_sensitive():
    register = read_register_file("date,session,code\n2026-01-05,am,/\n2026-01-05,Pm,\\\n2026-01-06,AM,#\n")
    assert [(s.session, s.code) for s in register.sessions] == [("AM", "/"), ("PM", "\\"), ("AM", "#")]


def test_duplicate_sessions_name_both_rows():
    errors = errors_of("date,session,code\n2026-01-05,AM,/\n2026-01-05,PM,\\\n2026-01-05,am,N\n")
    assert errors == [{"row": 4, "field": "session", "column": "session",
                       "message": "Row 4: a second mark for 2026-01-05 AM (the first is in row 2)"}]


def test_same_session_for_different_pupils_is_not_a_duplicate_but_mixed_upns_are_an_error():
    ok = "upn,date,session,code\nA1,2026-01-05,AM,/\nB2,2026-01-05,AM,N\n"
    assert len(read_register_file(ok)) == 2
    errors = errors_of("upn,date,session,code\nA1,2026-01-05,AM,/\n,2026-01-05,PM,\\\n")
    assert errors == [{"row": 3, "field": "upn", "column": "upn",
                       "message": "Row 3: the UPN is empty, but other rows have one"}]


def test_missing_columns_are_named():
    errors = errors_of("date,code\n2026-01-05,/\n")
    assert [(e["row"], e["field"]) for e in errors] == [(1, "session")]
    assert "there is no 'session' column" in errors[0]["message"]


@pytest.mark.parametrize("data", [b"", "", "   \n\n", "date,session,code\n", "\ufeff"])
def test_empty_files(data):
    errors = errors_of(data)
    assert len(errors) == 1 and errors[0]["row"] == 1
    assert errors[0]["message"] in ("The file is empty", "The register has no marks in it")


def test_bytes_that_are_no_text_in_any_encoding_a_school_writes_are_refused():
    # 0x81 and 0x8D are no character in UTF-8 or Windows-1252, and the file is no UTF-16.
    [error] = errors_of(b"date,session,code\n2026-01-05,AM,/\x81\x8d\n")
    assert error["row"] == 2 and "UTF-8, UTF-16 or Windows-1252" in error["message"]


def test_stops_after_50_errors():
    data = "date,session,code\n" + "".join(f"2026-01-{d:02d},AM,?\n" for d in range(1, 29)) * 3
    with pytest.raises(RegisterError) as err:
        read_register_file(data)
    assert len(err.value.errors) == 50 and err.value.stopped
    assert "Stopped after 50 errors" in str(err.value)


def test_more_than_200000_rows_is_refused():
    start = D(1990, 1, 1)
    rows = (f"{start + dt.timedelta(days=i // 2)},{'AM' if i % 2 == 0 else 'PM'},/" for i in range(200_001))
    errors = errors_of("date,session,code\n" + "\n".join(rows))
    assert errors == [{"row": 200_002, "field": "file",
                       "message": "The register has more than 200,000 rows: split it into smaller files (for example "
                                  "by year group) and import each one"}]


def test_exactly_200000_rows_is_accepted(monkeypatch):
    monkeypatch.setattr(reg, "MAX_ROWS", 4)
    assert len(read_register_file(PupilRegister(D(2026, 1, 5), D(2026, 1, 6)).csv())) == 4
    with pytest.raises(RegisterError):
        read_register_file(PupilRegister(D(2026, 1, 5), D(2026, 1, 7)).csv())


# ------------------------------------------------------------------ JSON import

def test_json_object_and_bare_list():
    obj = {"code_set": "2006", "sessions": [{"date": "2024-06-03", "session": "pm", "code": "J"},
                                            {"date": D(2024, 6, 3), "session": "AM", "code": "/"}]}
    register = parse_register_json(obj, code_set="2024")  # the object's own code set wins
    assert register.code_set == "2006" and [s.session for s in register.sessions] == ["AM", "PM"]
    bare = parse_register_json([{"date": "2024-06-03", "session": "AM", "code": "J"}], code_set="2006")
    assert bare.code_set == "2006"
    assert parse_register_json([{"date": "2026-01-05", "session": "AM", "code": "/"}]).code_set == "2024"


@pytest.mark.parametrize("obj, message", [
    ({"code_set": "2013", "sessions": []}, "Unknown code set '2013': use one of 2024, 2006, wales-2010"),
    ({"code_set": "2024"}, "The register has no 'sessions' list"),
    ({"sessions": "all present"}, "The register's sessions must be a list"),
    ([], "The register has no marks in it"),
    ([{"date": "2026-01-05", "session": "AM", "code": "/"}, "x"],
     "Item 2: each session must be an object with date, session and code"),
    ([{"date": "2026-01-05", "session": "AM"}], "Item 1: the code is empty"),
    ([{"date": "2026-13-05", "session": "AM", "code": "/"}], "Item 1: '2026-13-05' is not a real date"),
])
def test_json_errors(obj, message):
    with pytest.raises(RegisterError) as err:
        parse_register_json(obj)
    assert err.value.errors[0]["message"] == message


# ------------------------------------------------------------------ whole-school file from forms_service/register/synthetic.py

@pytest.fixture(scope="module")
def school_csv(tmp_path_factory):
    return generated_school(tmp_path_factory.mktemp("school"), pupils=40, until="2026-02-13", seed=11)


def test_whole_school_file_splits_by_upn(school_csv):
    register = read_register_file(school_csv)
    pupils = split_by_upn(register)
    rows = list(csv.DictReader(io.StringIO(school_csv.decode())))
    assert len(pupils) == 40 and sum(len(p) for p in pupils.values()) == len(rows) == len(register)
    for upn, pupil in pupils.items():
        mine = [r for r in rows if r["upn"] == upn]
        assert pupil.upn == upn and len(pupil) == len(mine)
        assert list(pupil.sessions) == sorted(pupil.sessions, key=lambda s: s.sort_key)
        # The same figures counted independently from the raw rows.
        g = sum(1 for r in mine if r["code"] == "G")
        assert leave_sessions(pupil, D(2026, 1, 1))[0] == g
        possible = sum(1 for r in mine if r["code"] not in ("D", "#"))
        attended = sum(1 for r in mine if r["code"] in ("/", "\\", "L"))
        assert possible_sessions(pupil) == possible
        assert attendance_pct(pupil) == pytest.approx(attended * 100 / possible)
        # Half-term weeks are all '#', so they are not school weeks.
        assert D(2025, 10, 27) not in school_weeks(pupil) and D(2026, 2, 9) in school_weeks(pupil)


# ------------------------------------------------------------------ calculations on realistic registers

def test_counts_and_attendance_for_a_typical_pupil():
    pupil = typical_pupil()
    register = pupil.build()
    counts = count_by_class(register)
    assert counts == {"present": 384, "approved_activity": 0, "authorised": 5, "unauthorised": 1, "not_counted": 36}
    assert possible_sessions(register) == 390
    assert attendance_pct(register) == pytest.approx(384 * 100 / 390)


def test_attendance_is_none_when_nothing_was_possible():
    only_closed = [Session(D(2026, 2, 16), "AM", "#"), Session(D(2026, 2, 16), "PM", "#")]
    assert attendance_pct(only_closed) is None and possible_sessions(only_closed) == 0
    assert attendance_pct([]) is None


def test_school_weeks_leave_out_half_term_and_holidays_but_keep_the_inset_week():
    weeks = school_weeks(PupilRegister().build())
    assert D(2025, 9, 1) in weeks            # INSET Monday and Tuesday, open Wednesday to Friday
    assert D(2025, 10, 27) not in weeks      # half term: '#' only
    assert D(2025, 12, 22) not in weeks      # Christmas: no sessions at all
    assert D(2026, 5, 4) in weeks            # bank holiday Monday, open the rest of the week
    assert len(weeks) == 15 + 11 + 14  # autumn, spring, summer


def test_previous_school_weeks_span_half_term_and_christmas():
    register = PupilRegister().build()
    window = previous_school_weeks(register, D(2026, 1, 20), 10)
    assert window.weeks == (D(2025, 11, 3), D(2025, 11, 10), D(2025, 11, 17), D(2025, 11, 24), D(2025, 12, 1),
                            D(2025, 12, 8), D(2025, 12, 15), D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 19))
    assert window.start == D(2025, 11, 3) and window.end == D(2026, 1, 20)
    assert len(window.sessions) == 9 * 10 + 4  # the last week counts Monday and Tuesday only


def test_previous_school_weeks_span_school_years():
    register = PupilRegister(first=D(2025, 6, 2)).build()
    window = previous_school_weeks(register, D(2025, 9, 10), 4)
    assert window.weeks == (D(2025, 7, 14), D(2025, 7, 21), D(2025, 9, 1), D(2025, 9, 8))


def test_previous_school_weeks_ignore_marks_after_the_date():
    register = PupilRegister().build()
    # Monday 16 Feb is half term: the week is not a school week, whatever comes later.
    window = previous_school_weeks(register, D(2026, 2, 16), 2)
    assert window.weeks == (D(2026, 2, 2), D(2026, 2, 9)) and window.end == D(2026, 2, 16)
    assert previous_school_weeks(register.until(D(2026, 2, 16)), D(2026, 2, 16), 2) == window


def test_previous_school_weeks_when_the_register_is_short():
    register = PupilRegister(D(2026, 1, 5), D(2026, 1, 23)).build()
    assert previous_school_weeks(register, D(2026, 1, 23), 10).weeks == (D(2026, 1, 5), D(2026, 1, 12),
                                                                          D(2026, 1, 19))
    empty = previous_school_weeks(register, D(2025, 12, 1), 10)
    assert empty.weeks == () and empty.sessions == () and empty.start is None


def test_school_days_after_skip_closures_and_holidays():
    register = PupilRegister().build()
    assert school_days_after(register, D(2026, 2, 12), until=D(2026, 2, 24)) == [
        D(2026, 2, 13), D(2026, 2, 23), D(2026, 2, 24)]
    assert len(school_days_after(register, D(2025, 12, 18))) == len(PupilRegister().open_days(D(2025, 12, 19)))


def test_broken_weeks_count_weeks_with_any_absence():
    pupil = PupilRegister().mark(D(2026, 1, 6), "I", ["AM"]).mark(D(2026, 1, 7), "O").mark(D(2026, 3, 2), "U", ["AM"])
    pupil.mark(D(2026, 1, 14), "L", ["AM"]).mark(D(2026, 1, 21), "V")  # late and a trip are not absences
    assert broken_weeks(pupil.build()) == [D(2026, 1, 5), D(2026, 3, 2)]


def test_academic_year():
    assert academic_year(D(2026, 8, 31)) == (D(2025, 9, 1), D(2026, 8, 31))
    assert academic_year(D(2026, 9, 1)) == (D(2026, 9, 1), D(2027, 8, 31))


def test_leave_sessions_count_g_in_the_academic_year_only():
    pupil = PupilRegister(first=D(2025, 6, 2))
    pupil.mark_days(D(2025, 7, 14), D(2025, 7, 15), "G")       # 2024/25: 4 sessions
    pupil.mark_days(D(2026, 1, 12), D(2026, 1, 14), "G")       # 2025/26: 6 sessions
    pupil.mark(D(2026, 6, 1), "G", ["AM"])                      # later in 2025/26
    register = pupil.build()
    assert leave_sessions(register, D(2026, 2, 1)) == (7, D(2025, 9, 1), D(2026, 8, 31))
    assert leave_sessions(register, D(2026, 2, 1), until=D(2026, 2, 1))[0] == 6
    assert leave_sessions(register, D(2025, 7, 20))[0] == 4


# ------------------------------------------------------------------ properties

ALL_2024 = sorted(load_code_set("2024").codes)


@st.composite
def registers(draw, code_set="2024"):
    codes = sorted(load_code_set(code_set).codes)
    keys = draw(st.sets(st.tuples(st.dates(D(2025, 6, 1), D(2026, 8, 31)), st.sampled_from(["AM", "PM"])),
                        max_size=120))
    sessions = tuple(Session(d, s, draw(st.sampled_from(codes))) for d, s in keys)
    return Register(code_set, sessions)


@given(registers())
def test_attendance_is_a_percentage_or_none(register):
    pct = attendance_pct(register)
    assert (pct is None) == (possible_sessions(register) == 0)
    assert pct is None or 0 <= pct <= 100


@given(st.sampled_from(["2024", "2006"]).flatmap(registers))
def test_possible_is_total_less_not_counted(register):
    counts = count_by_class(register)
    assert sum(counts.values()) == len(register)
    assert possible_sessions(register) == len(register) - counts["not_counted"]


@given(registers())
def test_school_weeks_are_exactly_the_weeks_with_a_session_that_is_not_closure(register):
    weeks = set(school_weeks(register))
    for s in register.sessions:
        monday = s.date - dt.timedelta(days=s.date.weekday())
        if s.code != "#":
            assert monday in weeks
    for monday in weeks:
        assert monday.weekday() == 0
        assert any(s.code != "#" and monday <= s.date < monday + dt.timedelta(days=7) for s in register.sessions)


@given(registers(), st.dates(D(2025, 6, 1), D(2026, 9, 30)), st.integers(1, 15))
def test_previous_school_weeks_are_the_latest_n_up_to_the_date(register, on, n):
    window = previous_school_weeks(register, on, n)
    eligible = [w for w in school_weeks(register.until(on))]
    assert len(window.weeks) <= n
    assert list(window.weeks) == eligible[-n:]
    assert all(s.date <= on for s in window.sessions)
    assert set(window.sessions) == {s for s in register.sessions
                                    if s.date <= on and s.date - dt.timedelta(days=s.date.weekday()) in window.weeks}
    assert previous_school_weeks(register.until(on), on, n) == window


@given(registers())
def test_broken_weeks_are_school_weeks(register):
    assert set(broken_weeks(register)) <= set(school_weeks(register))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(registers(), st.permutations(["date", "session", "code"]), st.booleans())
def test_csv_round_trip_in_any_column_order(register, columns, upper):
    rows = [[{"date": s.date.isoformat(), "session": s.session.lower(), "code": s.code}[c] for c in columns]
            for s in register.sessions]
    out = io.StringIO()
    csv.writer(out).writerows([[c.upper() if upper else c for c in columns], *rows])
    if not register.sessions:
        with pytest.raises(RegisterError):
            read_register_file(out.getvalue())
    else:
        assert read_register_file(out.getvalue()) == register
        assert read_register_file(to_csv(register)) == register


@given(st.text(max_size=300))
def test_any_text_either_parses_or_raises_register_error(text):
    try:
        read_register_file("date,session,code\n" + text)
    except RegisterError as err:
        assert err.errors and all(e["message"] for e in err.errors)


@given(st.binary(max_size=200))
def test_any_bytes_either_parse_or_raise_register_error(data):
    try:
        read_register_file(data)
    except RegisterError as err:
        assert err.errors
