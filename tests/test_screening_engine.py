"""The columnar engine (register/columnar.py) against today's rules (register/screening.py, the reference):
on generated whole-school registers, with holidays, half terms, partly closed days, odd codes and several
pupils across the turn of a school year, both list the same pupils with the same figures, flags and bands,
in the same order, and count the same threshold crossings week for week (at, under and over the threshold across a
half term, from realistic registers). And what the engine leaves to the reader (other layouts and encodings, bad rows) still
comes out as the reader says it."""
import datetime as dt
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from forms_service.policies import list_profiles, load_profile
from forms_service.register import columnar, screening
from forms_service.register.marks import (CLOSED, CODE_SETS, Register, RegisterError, Session, count_by_class,
                                          load_code_set, previous_school_weeks, school_weeks, split_by_upn, to_csv)

from support.registers import PupilRegister

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Codes that make the rules' edges: return codes, illness, late, not counted, approved activity, leave.
LEANING = ["N", "O", "U", "G", "I", "I", "L", "/", "\\", "C1", "Y1", "D", "B", "M"]


@st.composite
def school_registers(draw):
    code_set = draw(st.sampled_from(CODE_SETS))
    every = sorted(c for c in load_code_set(code_set).codes if c != CLOSED)
    leaning = [c for c in LEANING if c in every]
    first = draw(st.dates(dt.date(2025, 6, 2), dt.date(2026, 7, 1)))
    days = [d for d in (first + dt.timedelta(days=i) for i in range(draw(st.integers(5, 110)))) if d.weekday() < 5]
    # The school's calendar: each weekday open, closed for all (`#`: half term, INSET) or a holiday (no marks).
    kinds = draw(st.lists(st.sampled_from(["open"] * 8 + ["closed", "holiday"]), min_size=len(days),
                          max_size=len(days)))
    sessions = []
    for p in range(draw(st.integers(1, 6))):
        upn = f"A{p:012d}"
        palette = draw(st.lists(st.sampled_from(leaning + every), min_size=1, max_size=4, unique=True))
        # Long runs of one code make the returns: a pupil mostly marks one code, now and then another.
        main = draw(st.sampled_from(palette))
        start = draw(st.integers(0, len(days)))
        for i, (day, kind) in enumerate(zip(days[start // 3:], kinds[start // 3:])):
            if kind == "holiday":
                continue
            for half in draw(st.sampled_from([("AM", "PM")] * 6 + [("AM",), ("PM",)])):
                code = CLOSED if kind == "closed" else draw(st.sampled_from([main] * 3 + palette + [CLOSED]))
                sessions.append(Session(day, half, code, upn))
    return Register(code_set, tuple(sessions))


@SETTINGS
@given(register=school_registers(), profile=st.sampled_from(list_profiles()), data=st.data())
def test_the_engine_and_the_rules_agree_pupil_for_pupil(register, profile, data):
    if not register.sessions:
        return
    policy = load_profile(profile)
    last = register.sessions[-1].date
    on = data.draw(st.sampled_from([None, last, last - dt.timedelta(days=20), last + dt.timedelta(days=3)]))
    text = to_csv(register).encode("utf-8")
    # Read whole, or in parts as a file over columnar.WHOLE_BYTES is (a pupil's marks all in one part).
    parts = data.draw(st.sampled_from([None, 2, 3]))
    found = screening.screen_schools(text, policy, code_set=register.code_set, on=on, parts=parts)
    assert found is not None and list(found) == [None]  # the engine read it itself
    reference = screening.screen_file(text, policy, code_set=register.code_set, on=on, workers=1, engine="python")
    assert found[None].to_dict() == reference.to_dict()
    # Threshold crossings, week for week: every school week up to the day screened (zeros too), each a Monday.
    assert found[None].crossings == reference.crossings
    on = on or last
    weeks = school_weeks([s for s in register.sessions if s.date <= on])
    assert [week for week, _ in reference.crossings] == weeks and all(w.weekday() == 0 for w in weeks)
    # The reference's crossings are the definition's: the window as marks.previous_school_weeks counts it as of
    # each week's Sunday (or `on`) meets the threshold, and as of the Sunday before it did not.
    thresholds = screening.thresholds_of(policy)
    expected = dict.fromkeys(weeks, 0)
    for pupil in split_by_upn(register).values():
        def meets(day):
            window = previous_school_weeks(pupil, day, thresholds["weeks"])
            return screening.meets_threshold(count_by_class(window)["unauthorised"], thresholds)
        for week in weeks:
            if meets(min(on, week + dt.timedelta(days=6))) and not meets(week - dt.timedelta(days=1)):
                expected[week] += 1
    assert dict(reference.crossings) == expected


def test_a_full_school_agrees():
    from forms_service.register import synthetic
    rows, _ = synthetic.generate(60, dt.date(2026, 6, 23), seed=11, year=2025)
    text = ("upn,date,session,code\n" + "\n".join(",".join(r) for r in rows) + "\n").encode()
    for profile in ("national-2024", "knowsley", "peterborough"):
        policy = load_profile(profile)
        assert screening.screen_file(text, policy).to_dict() == \
            screening.screen_file(text, policy, workers=1, engine="python").to_dict()


def test_school_column_screens_each_school_apart():
    text = b"URN,upn,date,session,code\n" + b"".join(
        f"{urn},A00000000000{p},2026-01-{d:02d},{s},N\n".encode()
        for urn in ("100001", "100002") for p in range(2) for d in range(5, 31) if dt.date(2026, 1, d).weekday() < 5
        for s in ("AM", "PM"))
    found = screening.screen_schools(text, load_profile("national-2024"))
    assert sorted(found) == ["100001", "100002"]
    assert [len(s.rows) for s in found.values()] == [2, 2] and found["100001"].pupils == 2


def test_mis_sub_codes_odd_headings_and_day_first_dates_are_read_as_the_reader_reads_them():
    text = ("\ufeffPupil UPN,Attendance Date,AM/PM,Mark,Name\n" + "".join(
        f"A000000000001,{d:02d}/01/2026,{s},I01,Someone\n" for d in range(5, 31) if dt.date(2026, 1, d).weekday() < 5
        for s in ("am", "PM"))).encode("utf-8")
    policy = load_profile("national-2024")
    assert screening.screen_schools(text, policy) is not None
    assert screening.screen_file(text, policy).to_dict() == \
        screening.screen_file(text, policy, workers=1, engine="python").to_dict()


@pytest.mark.parametrize("text", [
    "upn;date;session;code\nA000000000001;2026-01-05;AM;N\n".encode(),  # semicolons
    "upn,date,session,code\nA000000000001,2026-01-05,AM,N\n".encode("utf-16"),  # UTF-16
    b"upn,week commencing,Mon AM\nA000000000001,2026-01-05,N\n",  # a week grid
])
def test_other_layouts_and_encodings_are_left_to_the_reader(text):
    assert screening.screen_schools(text, load_profile("national-2024")) is None


def test_a_bad_row_is_the_readers_error_word_for_word():
    text = b"upn,date,session,code\nA000000000001,2026-01-05,AM,N\nA000000000001,2026-13-05,AM,Q9\n"
    policy = load_profile("national-2024")
    with pytest.raises(RegisterError) as fast:
        screening.screen_file(text, policy)
    with pytest.raises(RegisterError) as slow:
        screening.screen_file(text, policy, workers=1, engine="python")
    assert fast.value.errors == slow.value.errors


def test_a_file_too_big_for_the_reader_gets_the_engines_own_errors():
    text = b"upn,date,session,code\nA000000000001,2026-01-05,AM,N\nA000000000001,2026-01-05,AM,N\n" \
           b"A000000000001,2026-01-06,AM,Q9\n,2026-01-07,AM,N\n"
    with pytest.raises(RegisterError) as caught:
        screening.screen_schools(text, load_profile("national-2024"), max_fallback_rows=0)
    messages = " | ".join(e["message"] for e in caught.value.errors)
    assert "Row 4" in messages and "Q9" in messages and "Row 5" in messages
    text = b"upn,date,session,code\nA000000000001,2026-01-05,AM,N\nA000000000001,2026-01-05,AM,N\n"
    with pytest.raises(RegisterError) as caught:
        screening.screen_schools(text, load_profile("national-2024"), max_fallback_rows=0)
    assert caught.value.errors[0]["row"] == 3 and "second mark" in caught.value.errors[0]["message"]


@pytest.mark.parametrize("parts", [None, 4])
def test_a_whole_las_file_screens_each_school_as_the_rules_do_for_that_school_alone(parts):
    """Many schools in one file (the pupil and school packed into one number), read whole or in parts: each school's
    list is the reference's for that school's rows alone."""
    from forms_service.register import synthetic
    rows, _ = synthetic.generate(40, dt.date(2026, 6, 23), seed=5, year=2025)
    rows = list(rows)
    schools = {f"{100001 + s}": [r for i, r in enumerate(rows) if int(r[0][-3:]) % 7 == s] for s in range(7)}
    text = ("URN,upn,date,session,code\n" + "".join(f"{urn},{','.join(r)}\n" for urn, rs in schools.items()
                                                     for r in rs)).encode()
    policy = load_profile("knowsley")
    found = screening.screen_schools(text, policy, parts=parts)
    assert sorted(found) == sorted(schools)
    on = max(s.on for s in found.values())
    for urn, rs in schools.items():
        alone = ("upn,date,session,code\n" + "".join(",".join(r) + "\n" for r in rs)).encode()
        assert found[urn].to_dict() == screening.screen_file(alone, policy, on=on, workers=1, engine="python").to_dict()


# Threshold crossings from realistic registers (tests/support/registers.py): the October half term (27-31 October
# 2025, every session `#`) is not a school week, so the 10 school weeks ending 3 November reach back to 1 September.
NATIONAL, STOCKPORT = load_profile("national-2024"), load_profile("stockport")  # 10 sessions: inclusive, and not
HALF_TERM, AFTER = dt.date(2025, 10, 27), dt.date(2025, 11, 3)


def _pupil(upn: str, before: int, after: int) -> PupilRegister:
    """`before` unauthorised sessions in the week before half term, `after` in the week after it."""
    pupil = PupilRegister(upn=upn)
    pupil.mark_sessions(before, "O", dt.date(2025, 10, 20), dt.date(2025, 10, 24))
    pupil.mark_sessions(after, "O", AFTER, dt.date(2025, 11, 7), seed=2)
    return pupil


def _both(pupils, profile, on=dt.date(2025, 12, 19)) -> dict[dt.date, int]:
    """The crossings of a school of `pupils`, the columnar engine's, checked against the reference's."""
    text = "".join(p.csv() if i == 0 else p.csv().split("\n", 1)[1] for i, p in enumerate(pupils)).encode()
    fast = screening.screen_file(text, profile, on=on)
    slow = screening.screen_file(text, profile, on=on, workers=1, engine="python")
    assert fast.crossings == slow.crossings
    return dict(fast.crossings)


@pytest.mark.parametrize("profile, before, after, crossed", [
    (NATIONAL, 8, 1, 0),    # 9: just under
    (NATIONAL, 9, 1, 1),    # 10: at the threshold, which national-2024 counts
    (NATIONAL, 9, 2, 1),    # 11: just over
    (STOCKPORT, 9, 1, 0),   # 10: at the threshold, which Stockport does not count
    (STOCKPORT, 9, 2, 1),   # 11: just over
])
def test_a_pupil_crosses_in_the_week_after_half_term_just_under_at_and_over(profile, before, after, crossed):
    weeks = _both([_pupil("A000000000001", before, after)], profile)
    assert HALF_TERM not in weeks  # the half term is no school week: not listed, not counted
    assert weeks[AFTER] == crossed and sum(weeks.values()) == crossed
    assert dt.date(2025, 9, 1) in weeks and dt.date(2025, 12, 15) in weeks and max(weeks) == dt.date(2025, 12, 15)


def test_a_school_counts_each_pupil_in_the_week_they_cross():
    pupils = [_pupil("A000000000001", 8, 1), _pupil("A000000000002", 9, 1), _pupil("A000000000003", 9, 2),
              _pupil("A000000000004", 10, 0)]  # the last meets it the week before half term
    national = _both(pupils, NATIONAL)
    assert national[dt.date(2025, 10, 20)] == 1 and national[AFTER] == 2 and sum(national.values()) == 3
    stockport = _both(pupils, STOCKPORT)
    assert stockport[AFTER] == 1 and sum(stockport.values()) == 1


def test_the_window_reaches_back_over_the_half_term_and_a_pupil_can_cross_again():
    pupil = PupilRegister(upn="A000000000001")
    pupil.mark_days(dt.date(2025, 9, 3), dt.date(2025, 9, 5), "O", ["AM", "PM"])  # 6 in the first school week
    pupil.mark_days(dt.date(2025, 11, 10), dt.date(2025, 11, 11), "O")  # 4 more, 10 school weeks on (11 calendar)
    pupil.mark_days(dt.date(2025, 12, 1), dt.date(2025, 12, 5), "N")  # 10 more: over it again
    weeks = _both([pupil], NATIONAL)
    # 10 November: 6 + 4 (1 September is still in the window, the half term not counted); 17 November: only 4.
    assert weeks[dt.date(2025, 11, 10)] == 1 and weeks[dt.date(2025, 12, 1)] == 1 and sum(weeks.values()) == 2


def test_the_last_week_counts_up_to_the_day_screened_as_the_penalty_flag_does():
    pupil = _pupil("A000000000001", 9, 0).mark(dt.date(2025, 11, 6), "O", ["AM"])  # a Thursday
    on_wednesday = _both([pupil], NATIONAL, on=dt.date(2025, 11, 5))
    assert max(on_wednesday) == AFTER and on_wednesday[AFTER] == 0
    on_thursday = _both([pupil], NATIONAL, on=dt.date(2025, 11, 6))
    assert on_thursday[AFTER] == 1
    row = screening.screen_file(pupil.csv().encode(), NATIONAL, on=dt.date(2025, 11, 6)).rows[0]
    assert row.unauthorised_10wk == 10 and "penalty_notice" in row.flags


def test_schools_crossings_are_summed_by_week_and_the_processes_agree(monkeypatch):
    text = "URN,upn,date,session,code\n" + "".join(
        f"{urn},{line}\n" for urn, pupil in (("100001", _pupil("A000000000001", 9, 1)),
                                             ("100002", _pupil("A000000000002", 9, 2)),
                                             ("100002", _pupil("A000000000003", 10, 0)))
        for line in pupil.csv().strip().split("\n")[1:])
    found = screening.screen_schools(text.encode(), NATIONAL)
    assert dict(found["100001"].crossings)[AFTER] == 1 and dict(found["100002"].crossings)[AFTER] == 1
    merged = dict(screening.merged(list(found.values())).crossings)
    assert merged[AFTER] == 2 and merged[dt.date(2025, 10, 20)] == 1 and sum(merged.values()) == 3
    # The reference in processes of its own, each with a share of the pupils, sums the same.
    monkeypatch.setattr(screening, "PARALLEL_FROM_BYTES", 0)
    plain = "upn,date,session,code\n" + "".join(line.split(",", 1)[1] + "\n" for line in text.strip().split("\n")[1:])
    shared = screening.screen_file(plain.encode(), NATIONAL, workers=2, engine="python")
    assert dict(shared.crossings) == merged


# A file over columnar.WHOLE_BYTES is screened in parts, every mark of a pupil in one part, so that memory holds a
# part's marks and not the file's (issue 25: "peak memory bounded"). What it finds is the file's read whole.
def test_a_file_is_read_whole_up_to_its_limit_and_in_parts_past_it(tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "WHOLE_BYTES", 4000)
    monkeypatch.setattr(columnar, "PART_BYTES", 1000)
    path = tmp_path / "la.csv"
    for size, parts in ((3999, 1), (4000, 1), (4001, 5), (5000, 5), (5001, 6)):
        path.write_bytes(b"x" * size)
        assert columnar.parts_for(path) == parts and columnar.parts_for(b"x" * size) == parts


def _la_file(pupils: int = 40, schools: int = 7) -> bytes:
    from forms_service.register import synthetic
    rows, _ = synthetic.generate(pupils, dt.date(2026, 6, 23), seed=5, year=2025)
    return ("URN,upn,date,session,code\n" + "".join(f"{100001 + int(r[0][-3:]) % schools},{','.join(r)}\n"
                                                    for r in rows)).encode()


def test_a_large_file_on_disk_is_screened_in_parts_as_it_is_whole_and_leaves_no_part_behind(tmp_path, monkeypatch):
    text = _la_file()
    path = tmp_path / "la.csv"
    path.write_bytes(text)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(columnar, "WHOLE_BYTES", len(text) - 1)  # over the limit by a byte:
    monkeypatch.setattr(columnar, "PART_BYTES", len(text) // 3 + 1)  # three parts, by the file's size
    assert columnar.parts_for(path) == 3
    policy = load_profile("national-2024")
    in_parts = screening.screen_schools(path, policy)
    whole = screening.screen_schools(text, policy, parts=1)
    assert len(in_parts) == 7 and {school: s.to_dict() for school, s in in_parts.items()} == \
        {school: s.to_dict() for school, s in whole.items()}
    assert {school: s.crossings for school, s in in_parts.items()} == \
        {school: s.crossings for school, s in whole.items()}
    assert sum(s.pupils for s in in_parts.values()) == 40
    assert list(scratch.iterdir()) == []  # the parts were deleted


BAD = (b"upn,date,session,code\nA000000000001,2026-01-05,AM,N\n\nA000000000002,2026-01-06,AM,Q9\n"
       b"A000000000003,2026-13-06,AM,N\nA000000000004,2026-01-06,AM,N\n\n,2026-01-07,AM,N\n"
       b"A000000000005,2026-01-08,PM,ZZ\n")


@pytest.mark.parametrize("parts", [None, 2, 3, 5])
def test_bad_rows_in_any_part_are_listed_in_the_files_order_by_their_lines(parts):
    """The engine's own errors (a file too big for the reader) name each bad row by its line in the file, blank
    lines counted as the reader counts them, however many parts the pupils were screened in."""
    with pytest.raises(RegisterError) as reader:
        screening.screen_file(BAD, NATIONAL, workers=1, engine="python")
    with pytest.raises(RegisterError) as engine:
        screening.screen_schools(BAD, NATIONAL, max_fallback_rows=0, parts=parts)
    found = engine.value.errors
    # (The reader lists a row with no UPN after the others; the engine keeps to the file's order.)
    assert [(e["row"], e["field"]) for e in found] == sorted((e["row"], e["field"]) for e in reader.value.errors) == \
        [(4, "code"), (5, "date"), (8, "upn"), (9, "code")]
    # Each names its column as the file heads it, as the reader does; the words are the reader's but for an
    # empty UPN's.
    assert [e for e in found if e["field"] != "upn"] == [e for e in reader.value.errors if e["field"] != "upn"]
    assert all(e["column"] == e["field"] for e in found)
    # A file the reader can take is left to it, whole or in parts, so its errors are the reader's word for word.
    assert screening.screen_schools(BAD, NATIONAL, parts=parts) is None


@pytest.mark.parametrize("parts", [None, 3])
def test_a_second_mark_for_a_session_is_found_in_every_part(parts):
    lines = [f"A00000000000{p},2026-01-0{d},{s},/" for p in range(1, 7) for d in (5, 6) for s in ("AM", "PM")]
    lines.insert(3, "A000000000001,2026-01-05,AM,N")  # pupil 1's second AM mark on the 5th: line 5
    lines.append("A000000000006,2026-01-06,PM,O")  # pupil 6's second PM mark on the 6th: line 27
    text = ("upn,date,session,code\n" + "\n".join(lines) + "\n").encode()
    with pytest.raises(RegisterError) as caught:
        screening.screen_schools(text, NATIONAL, max_fallback_rows=0, parts=parts)
    assert [(e["row"], e["field"], e["column"]) for e in caught.value.errors] == \
        [(5, "session", "session"), (27, "session", "session")]
    assert "the first is in row 2" in caught.value.errors[0]["message"]
    assert "the first is in row 26" in caught.value.errors[1]["message"]


@pytest.mark.parametrize("text", [b"upn,date,session,code\n", b"upn,date,session,code\n\n,,,\n"])
def test_a_file_in_parts_with_no_marks_says_so(text):
    with pytest.raises(RegisterError) as caught:
        screening.screen_schools(text, NATIONAL, parts=3)
    assert caught.value.errors[0]["message"] == "The register has no marks in it"


def test_a_file_polars_cannot_parse_is_left_to_the_reader_in_parts_too():
    ragged = b"upn,date,session,code\nA000000000001,2026-01-05,AM,N\nA000000000001,2026-01-05,PM,N,extra\n"
    assert screening.screen_schools(ragged, NATIONAL, parts=1) is None
    assert screening.screen_schools(ragged, NATIONAL, parts=3) is None


@pytest.mark.parametrize("parts", [None, 2, 3, 7])
def test_a_upn_written_with_spaces_is_the_same_pupil_in_whichever_part(parts):
    lines = [f"A00000000000{p},2026-01-{d:02d},{s},N" for p in range(1, 5) for d in range(5, 24)
             if dt.date(2026, 1, d).weekday() < 5 for s in ("AM", "PM")]
    lines = [" " + line if i % 3 == 0 else line.replace(",2026", " ,2026", 1) if i % 5 == 0 else line
             for i, line in enumerate(lines)]
    text = ("upn,date,session,code\n" + "\n".join(lines) + "\n").encode()
    found = screening.screen_schools(text, NATIONAL, parts=parts)[None]
    assert found.pupils == 4
    assert found.to_dict() == screening.screen_file(text, NATIONAL, workers=1, engine="python").to_dict()
