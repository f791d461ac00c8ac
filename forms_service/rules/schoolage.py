"""Compulsory school age (003, Section 1; Education Act 1996 s.8; the Education (Start of Compulsory
School Age) Order 1998).

003, Section 1 puts it simply: it "starts the first day of term after a child's fifth birthday" and
ends "on the last Friday in June, in the school year that a child reaches 16". The law is more exact,
and that is what is computed here:

- start (s.8(2) and the 1998 Order): the prescribed day (31 December, 31 March or 31 August) on or
  next after the 5th birthday;
- end (s.8(3)-(4)): the school leaving date, the last Friday in June, of the school year
  (1 September to 31 August) in which the child turns 16. That Friday is the last day of
  compulsory school age, even for a child whose 16th birthday falls in July or August.
"""
from __future__ import annotations

import datetime as dt

# The Education (Start of Compulsory School Age) Order 1998: the prescribed days, as (month, day).
PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))
FRIDAY = 4


def birthday(dob: dt.date, age: int) -> dt.date:
    """The day the child attains `age`.

    A child born on 29 February attains an age on 1 March in a year that is not a leap year
    (Family Law Reform Act 1969 s.9: an age is attained at the start of the anniversary of birth,
    and a non-leap year has no 29 February, so the anniversary is taken as 1 March)."""
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:
        return dt.date(dob.year + age, 3, 1)


def compulsory_school_age_start(dob: dt.date) -> dt.date:
    """The first of 31 March, 31 August or 31 December on or after the 5th birthday."""
    fifth = birthday(dob, 5)
    for month, day in PRESCRIBED_DAYS:
        candidate = dt.date(fifth.year, month, day)
        if candidate >= fifth:
            return candidate
    raise AssertionError("31 December is on or after any day in its year")


def school_leaving_date(year: int) -> dt.date:
    """The last Friday in June of `year`."""
    last = dt.date(year, 6, 30)
    return last - dt.timedelta(days=(last.weekday() - FRIDAY) % 7)


def compulsory_school_age_end(dob: dt.date) -> dt.date:
    """The last day of compulsory school age: the last Friday in June of the school year
    (1 September to 31 August) in which the child turns 16."""
    sixteenth = birthday(dob, 16)
    june_year = sixteenth.year + 1 if sixteenth.month >= 9 else sixteenth.year
    return school_leaving_date(june_year)


def is_compulsory_school_age(dob: dt.date, on: dt.date) -> bool:
    return compulsory_school_age_start(dob) <= on <= compulsory_school_age_end(dob)
