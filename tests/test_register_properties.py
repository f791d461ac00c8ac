"""Properties of the register calculations (DESIGN.md section 4), over generated registers.

The strategy draws what real registers look like: a few months of weekdays from June 2025 to
September 2026, each open (two sessions, now and then only one), closed (`#`, as INSET days and
half terms) or missing (holidays), with codes drawn from a small palette of one code set so that
runs of the same mark are common, and optionally one pupil's UPN on every row. Each property is
checked against an independent count, never against the function under test.
"""
import datetime as dt
import random
from fractions import Fraction
from itertools import groupby

from hypothesis import HealthCheck, given, settings, strategies as st

from forms_service.register.exports import read_register_file
from forms_service.register.marks import (ABSENT, CLASSES, CLOSED, CODE_SETS, RETURN_CODES, Register, Session,
                                          absence_band, academic_year, attendance_pct, attendance_return,
                                          attendance_return_periods, attended_sessions, broken_weeks, count_by_class,
                                          late_marks, late_marks_in_window, load_code_set, longest_run,
                                          possible_sessions, previous_school_weeks, school_days, school_days_after,
                                          school_weeks, sickness_days, sickness_return_due, sickness_run, to_csv,
                                          week_of)

from support.registers import D, PupilRegister

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ONE_DAY = dt.timedelta(days=1)


@st.composite
def registers(draw, code_set=None, max_days=120, pool=None):
    """A pupil's register over up to `max_days` calendar days (weekdays only have marks), its codes
    from a palette of up to five codes of the set (or of `pool`)."""
    code_set = code_set or draw(st.sampled_from(CODE_SETS))
    codes = sorted(pool or (c for c in load_code_set(code_set).codes if c != CLOSED))
    palette = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=5, unique=True))
    first = draw(st.dates(D(2025, 6, 1), D(2026, 8, 31)))
    weekdays = [d for d in (first + dt.timedelta(days=i) for i in range(draw(st.integers(0, max_days))))
                if d.weekday() < 5]
    n = len(weekdays)
    kinds = draw(st.lists(st.sampled_from(["open"] * 6 + ["closed", "missing"]), min_size=n, max_size=n))
    halves = draw(st.lists(st.sampled_from([("AM", "PM")] * 5 + [("AM",), ("PM",)]), min_size=n, max_size=n))
    partly_closed = [CLOSED] if draw(st.integers(0, 3)) == 0 else []  # a `#` session on an open day
    marks = iter(draw(st.lists(st.sampled_from(palette + partly_closed), min_size=2 * n, max_size=2 * n)))
    upn = draw(st.sampled_from([None, "A123456789012"]))
    sessions = [Session(day, s, CLOSED if kind == "closed" else code, upn)
                for day, kind, which in zip(weekdays, kinds, halves) if kind != "missing"
                for s, code in zip(which, marks)]
    return Register(code_set, tuple(sessions))


def shuffled(register: Register, seed: int) -> list[Session]:
    items = list(register.sessions)
    random.Random(seed).shuffle(items)
    return items


dates = st.dates(D(2025, 5, 20), D(2026, 12, 31))


# ------------------------------------------------------------------ counts and percentages

@FAST
@given(registers())
def test_class_counts_sum_to_the_sessions_and_possible_is_at_most_the_total(register):
    counts = count_by_class(register)
    assert set(counts) == set(CLASSES)
    assert sum(counts.values()) == len(register)
    codes = load_code_set(register.code_set)
    assert counts["not_counted"] == sum(1 for s in register.sessions if codes.classify(s.code) == "not_counted")
    assert 0 <= possible_sessions(register) <= len(register)


@FAST
@given(registers())
def test_attended_authorised_and_unauthorised_make_up_the_possible_sessions(register):
    counts = count_by_class(register)
    assert attended_sessions(register) + counts["authorised"] + counts["unauthorised"] == possible_sessions(register)


@FAST
@given(registers())
def test_attendance_is_a_percentage_and_none_only_when_nothing_was_possible(register):
    pct = attendance_pct(register)
    possible = possible_sessions(register)
    assert (pct is None) == (possible == 0)
    if pct is not None:
        assert 0 <= pct <= 100
        assert pct == attended_sessions(register) * 100 / possible


@FAST
@given(registers())
def test_absence_band_agrees_with_the_percentage_missed(register):
    possible = possible_sessions(register)
    band = absence_band(register)
    if possible == 0:
        assert band is None
        return
    counts = count_by_class(register)
    missed = Fraction(sum(counts[k] for k in ABSENT) * 100, possible)  # exact
    assert band == ("severe" if missed >= 50 else "persistent" if missed >= 10 else None)
    assert missed == 100 - Fraction(attended_sessions(register) * 100, possible)
    attendance = attendance_pct(register)  # a float: only compare away from the thresholds
    if attendance < 50 - 1e-9:
        assert band == "severe"
    if 50 + 1e-9 < attendance < 90 - 1e-9:
        assert band == "persistent"
    if attendance > 90 + 1e-9:
        assert band is None


# ------------------------------------------------------------------ weeks and days

@FAST
@given(registers(), dates, st.integers(1, 15))
def test_previous_school_weeks_are_a_suffix_of_the_school_weeks_up_to_the_date(register, on, n):
    window = previous_school_weeks(register, on, n)
    upto = school_weeks(register.until(on))
    assert len(window.weeks) <= n
    assert list(window.weeks) == upto[len(upto) - len(window.weeks):]  # a suffix...
    assert len(window.weeks) == min(n, len(upto))                       # ...of n weeks when there are n
    assert all(w <= on for w in window.weeks) and all(s.date <= on for s in window.sessions)
    assert set(window.weeks) <= set(school_weeks(register))
    assert window.start == (window.weeks[0] if window.weeks else None) and window.end == on
    assert set(window.sessions) == {s for s in register.sessions if s.date <= on and week_of(s.date) in window.weeks}
    # A school week before the week of `on` is one whatever comes later; only that last week can differ.
    full = [w for w in school_weeks(register) if w < week_of(on)]
    assert [w for w in window.weeks if w < week_of(on)] == full[len(full) - len([w for w in window.weeks
                                                                                  if w < week_of(on)]):]


@FAST
@given(registers())
def test_broken_weeks_are_school_weeks_with_an_absence(register):
    broken = set(broken_weeks(register))
    assert broken <= set(school_weeks(register))
    codes = load_code_set(register.code_set)
    assert broken == {week_of(s.date) for s in register.sessions if codes.classify(s.code) in ABSENT}


@FAST
@given(registers(), dates, st.one_of(st.none(), dates))
def test_school_days_after_a_date(register, day, until):
    after = school_days_after(register, day, until)
    open_days = {s.date for s in register.sessions if s.code != CLOSED}
    expected = sorted(d for d in open_days if d > day and (until is None or d <= until))
    assert after == expected
    assert len(school_days_after(register, day)) == len(school_days(register)) - sum(
        1 for d in school_days(register) if d <= day)


# ------------------------------------------------------------------ runs

def open_sessions(register: Register) -> list[Session]:
    return [s for s in register.sessions if s.code != CLOSED]


@st.composite
def register_and_codes(draw):
    register = draw(registers())
    used = sorted({s.code for s in register.sessions} | {"N", "#"})
    codes = draw(st.lists(st.sampled_from(used), min_size=1, max_size=3, unique=True))
    return register, codes


@FAST
@given(register_and_codes())
def test_longest_run_is_the_longest_stretch_of_those_codes_among_open_sessions(case):
    register, codes = case
    run = longest_run(register, codes)
    wanted = set(codes) - {CLOSED}
    count = sum(1 for s in register.sessions if s.code in wanted)
    assert 0 <= run.length <= count
    # An independent answer: group the open sessions by whether their code is wanted.
    marks = open_sessions(register)
    lengths = [len(list(g)) for k, g in groupby(marks, key=lambda s: s.code in wanted) if k]
    assert run.length == max(lengths, default=0)
    if run.length == 0:
        assert run.first is None and run.last is None
        return
    i, j = marks.index(run.first), marks.index(run.last)
    inside = marks[i:j + 1]
    assert len(inside) == run.length and all(s.code in wanted for s in inside)
    assert i == 0 or marks[i - 1].code not in wanted            # maximal at both ends
    assert j == len(marks) - 1 or marks[j + 1].code not in wanted
    assert run.start <= run.end


@FAST
@given(registers(), dates, st.integers(1, 12))
def test_late_marks_in_a_window_are_at_most_those_of_the_whole_register(register, on, weeks):
    count, window = late_marks_in_window(register, on, weeks)
    assert count == sum(1 for s in window.sessions if s.code == "U")
    assert 0 <= count <= late_marks(register) == sum(1 for s in register.sessions if s.code == "U")
    assert late_marks(register, ("L", "U")) >= late_marks(register)
    assert late_marks_in_window(register, on, weeks + 1)[0] >= count  # a longer window never counts fewer


def day_qualifies(sessions, codes) -> bool:
    opened = [s for s in sessions if s.code != CLOSED]
    return bool(opened) and all(s.code in codes for s in opened)


@FAST
@given(registers(max_days=150, pool=["G", "N", "O", "U", "/", "I", "Y1"]), st.one_of(st.none(), dates))
def test_attendance_return_periods_are_maximal_runs_of_qualifying_school_days(register, on):
    periods = attendance_return_periods(register, on, min_days=3)
    marks = (register.until(on) if on else register).sessions
    days = [(d, list(g)) for d, g in groupby(marks, key=lambda s: s.date)]
    days = [(d, g) for d, g in days if any(s.code != CLOSED for s in g)]  # school days only
    flags = [day_qualifies(g, RETURN_CODES) for _, g in days]
    expected = [len(list(g)) for k, g in groupby(flags) if k]
    assert [p.length for p in periods] == [n for n in expected if n >= 3]
    index = {d: i for i, (d, _) in enumerate(days)}
    for p in periods:
        assert p.unit == "days" and p.first.code in RETURN_CODES and p.last.code in RETURN_CODES
        i, j = index[p.start], index[p.end]
        assert j - i + 1 == p.length and all(flags[i:j + 1])
        assert on is None or p.end <= on
    latest = attendance_return(register, on, min_days=3)
    assert latest == (periods[-1] if periods else None)


@FAST
@given(registers(max_days=240, pool=["I", "I", "/", "N", "M"]), dates)
def test_sickness_days_and_return(register, on):
    consecutive, total = sickness_days(register, on)
    start, _ = academic_year(on)
    open_days = [d for d in school_days(register) if d <= on]
    sick = {d for d in open_days if day_qualifies([s for s in register.sessions if s.date == d], {"I"})}
    in_year = [d for d in open_days if d >= start]
    assert total == len(sick.intersection(in_year)) <= len(in_year)
    assert (consecutive == 0) == (total == 0)
    run = sickness_run(register, on)
    assert run.length == consecutive and run.unit == "days"
    if run:
        assert start <= run.end <= on  # reaches into this school year, up to the date
        inside = [d for d in open_days if run.start <= d <= run.end]
        assert len(inside) == run.length and sick.issuperset(inside)
        before = [d for d in open_days if d < run.start]
        after = [d for d in open_days if d > run.end]
        assert (not before or before[-1] not in sick) and (not after or after[0] not in sick)  # maximal
        assert consecutive <= total or run.start < start  # longer than the total only by reaching back
    assert sickness_return_due(register, on) == (consecutive >= 15 or total >= 15)


# ------------------------------------------------------------------ CSV, and order of input

@FAST
@given(registers())
def test_csv_round_trip_gives_the_same_register(register):
    if register.sessions:
        assert read_register_file(to_csv(register), code_set=register.code_set) == register


@FAST
@given(registers(), dates, st.integers(0, 2**32 - 1))
def test_calculations_do_not_depend_on_the_order_of_the_marks(register, on, seed):
    items = shuffled(register, seed)
    assert Register(register.code_set, tuple(items)) == register
    cs = register.code_set
    assert count_by_class(items, cs) == count_by_class(register)
    assert possible_sessions(items, cs) == possible_sessions(register)
    assert attendance_pct(items, cs) == attendance_pct(register)
    assert absence_band(items, cs) == absence_band(register)
    assert school_weeks(items) == school_weeks(register)
    assert school_days(items) == school_days(register)
    assert school_days_after(items, on) == school_days_after(register, on)
    assert broken_weeks(items, cs) == broken_weeks(register)
    assert late_marks(items) == late_marks(register)
    for codes in (["N"], ["G", "N", "O", "U"], ["/", "\\"], ["I"]):
        assert longest_run(items, codes) == longest_run(register, codes)
    rebuilt = Register(cs, tuple(items))
    assert previous_school_weeks(rebuilt, on, 10) == previous_school_weeks(register, on, 10)
    assert late_marks_in_window(rebuilt, on, 10) == late_marks_in_window(register, on, 10)
    assert attendance_return_periods(rebuilt, on) == attendance_return_periods(register, on)
    assert sickness_days(rebuilt, on) == sickness_days(register, on)


# ------------------------------------------------------------------ the realistic calendar

HOLIDAY_WEEKS = {D(2025, 10, 27), D(2025, 12, 22), D(2025, 12, 29), D(2026, 2, 16), D(2026, 3, 30), D(2026, 4, 6),
                 D(2026, 5, 25)}
CALENDAR = PupilRegister(first=D(2025, 6, 2)).build()


@settings(max_examples=80, deadline=None)
@given(st.dates(D(2025, 6, 2), D(2026, 8, 31)), st.integers(1, 12))
def test_windows_in_the_school_calendar_skip_holidays_and_span_years(on, n):
    window = previous_school_weeks(CALENDAR, on, n)
    assert not set(window.weeks) & HOLIDAY_WEEKS
    assert not any(D(2025, 7, 28) <= w <= D(2025, 8, 25) for w in window.weeks)  # the summer holiday
    # The calendar starts on 2 June 2025: after that there are always n school weeks to count back.
    weeks_so_far = len(school_weeks(CALENDAR.until(on)))
    assert len(window.weeks) == min(n, weeks_so_far)
    assert all(b - a >= dt.timedelta(days=7) for a, b in zip(window.weeks, window.weeks[1:]))
    after = school_days_after(CALENDAR, on, on + dt.timedelta(days=28))
    assert all(d.weekday() < 5 and week_of(d) not in HOLIDAY_WEEKS for d in after)
    assert not {D(2025, 9, 1), D(2025, 9, 2), D(2026, 5, 4)} & set(after)  # INSET and the May Day bank holiday
