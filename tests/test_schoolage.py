"""Compulsory school age (003, Section 1; Education Act 1996 s.8; the 1998 Order)."""
import datetime as dt

import pytest
from hypothesis import given, strategies as st

from forms_service.register.marks import academic_year
from forms_service.rules.schoolage import (birthday, compulsory_school_age_end, compulsory_school_age_start,
                                           is_compulsory_school_age, school_leaving_date)

D = dt.date


@pytest.mark.parametrize("dob, start", [
    (D(2010, 5, 15), D(2015, 8, 31)),   # 5 in May: the next prescribed day is 31 August
    (D(2010, 8, 31), D(2015, 8, 31)),   # 5 on a prescribed day: starts that day
    (D(2010, 9, 1), D(2015, 12, 31)),   # a day later: 31 December
    (D(2014, 12, 31), D(2019, 12, 31)),
    (D(2015, 1, 1), D(2020, 3, 31)),    # 31 December has passed: 31 March of the next year
    (D(2015, 3, 31), D(2020, 3, 31)),
    (D(2015, 4, 1), D(2020, 8, 31)),
])
def test_start_is_the_prescribed_day_on_or_after_the_fifth_birthday(dob, start):
    assert compulsory_school_age_start(dob) == start


@pytest.mark.parametrize("dob, end", [
    (D(2010, 5, 15), D(2026, 6, 26)),   # 16 in May 2026, school year 2025/26
    (D(2010, 8, 31), D(2026, 6, 26)),   # 16 on 31 August: still school year 2025/26, so June 2026
    (D(2010, 7, 10), D(2026, 6, 26)),   # 16 after the leaving date: that Friday is still the last day
    (D(2010, 9, 1), D(2027, 6, 25)),    # 16 on 1 September: school year 2026/27
    (D(2010, 1, 1), D(2026, 6, 26)),
])
def test_end_is_the_last_friday_in_june_of_the_school_year_the_child_turns_16(dob, end):
    assert compulsory_school_age_end(dob) == end


@pytest.mark.parametrize("year, friday", [(2023, D(2023, 6, 30)), (2024, D(2024, 6, 28)), (2025, D(2025, 6, 27)),
                                          (2026, D(2026, 6, 26)), (2027, D(2027, 6, 25))])
def test_school_leaving_date_is_the_last_friday_in_june(year, friday):
    assert school_leaving_date(year) == friday


def test_29_february_birthday_is_taken_as_1_march_in_other_years():
    assert birthday(D(2012, 2, 29), 5) == D(2017, 3, 1)
    assert birthday(D(2012, 2, 29), 16) == D(2028, 2, 29)  # 2028 is a leap year
    assert compulsory_school_age_start(D(2012, 2, 29)) == D(2017, 3, 31)
    assert compulsory_school_age_end(D(2012, 2, 29)) == D(2028, 6, 30)


def test_is_compulsory_school_age_at_its_edges():
    dob = D(2010, 5, 15)
    start, end = D(2015, 8, 31), D(2026, 6, 26)
    assert not is_compulsory_school_age(dob, start - dt.timedelta(days=1))
    assert is_compulsory_school_age(dob, start)
    assert is_compulsory_school_age(dob, end)
    assert not is_compulsory_school_age(dob, end + dt.timedelta(days=1))


births = st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31))


@given(births)
def test_start_is_a_prescribed_day_within_five_months_after_the_fifth_birthday(dob):
    start, fifth = compulsory_school_age_start(dob), birthday(dob, 5)
    assert (start.month, start.day) in {(3, 31), (8, 31), (12, 31)}
    assert fifth <= start
    assert (start - fifth).days < 153  # the longest gap is 1 April to 31 August


@given(births)
def test_end_is_a_june_friday_in_the_school_year_of_the_16th_birthday(dob):
    end, sixteenth = compulsory_school_age_end(dob), birthday(dob, 16)
    assert end.month == 6 and end.weekday() == 4 and (end + dt.timedelta(days=7)).month == 7
    assert academic_year(end) == academic_year(sixteenth)
    assert compulsory_school_age_start(dob) < end
