"""A realistic, synthetic whole-school attendance register (upn,date,session,code), for demonstrations,
screening, the tests and the benchmarks. Nobody in it is real; the same seed gives the same file.

The calendar is an English school year's, worked out for any year: the autumn term from the first
Wednesday of September (two INSET days before it) to the last Friday on or before 20 December, the
spring term from the first Monday after New Year to the Friday before the fortnight around Easter,
the summer term from the Monday after that fortnight to 22 July (the Friday before, at a weekend).
Half-terms are the last full week of October, the week of the third Monday of February and the week
of the late May bank holiday, marked `#` (planned closure, as schools' exports show them); other
bank holidays in term have no sessions. For 2025/26 that is 3 September to 22 July with half-terms
27-31 October, 16-20 February and 25-29 May.

Pupils differ as a school's do: most attend well, about one in six is persistently absent (10%+), a
few are severely absent (50%+), some take a term-time holiday (G), some arrive after the register
closes (U), a few are dual registered (D) one day a week. Codes are the 2024 set's.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dateutil.easter import easter

from ..csvfiles import write_csv
from .schooldays import bank_holidays

ONE_DAY = dt.timedelta(days=1)
FIRST = ["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Mia", "Arthur", "Ivy", "Muhammad", "Freya",
         "Theo", "Zofia", "Kacper", "Aisha", "Rhys", "Siân", "Chidi", "Priya", "Mateo"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Khan", "Patel", "Nowak", "Okafor",
        "Evans", "Murphy", "O'Brien", "Hughes", "Ali", "Kowalski", "Davies", "Singh", "Clarke", "Walker"]
DETAILS_HEADER = ["upn", "first_name", "last_name", "date_of_birth", "year_group", "parent_name"]


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


@dataclass(frozen=True)
class SchoolYear:
    """The terms and half-terms of the school year that starts in September of `year`."""
    year: int

    @property
    def terms(self) -> list[tuple[dt.date, dt.date]]:
        y = self.year
        sunday = easter(y + 1)  # the Easter holiday: the week before Easter Sunday and the week after
        summer_end = dt.date(y + 1, 7, 22)
        return [(_weekday_on_or_after(dt.date(y, 9, 1), 2), _weekday_on_or_before(dt.date(y, 12, 20), 4)),
                (_weekday_on_or_after(dt.date(y + 1, 1, 3), 0), sunday - dt.timedelta(days=9)),
                (sunday + dt.timedelta(days=8), summer_end if summer_end.weekday() < 5
                 else _weekday_on_or_before(summer_end, 4))]

    @property
    def half_terms(self) -> list[tuple[dt.date, dt.date]]:
        y = self.year
        october = _weekday_on_or_before(dt.date(y, 10, 31), 4)  # the last full week of October
        february = _weekday_on_or_after(dt.date(y + 1, 2, 15), 0)  # the third Monday of February
        may = _weekday_on_or_before(dt.date(y + 1, 5, 31), 0)  # the late May bank holiday
        return [(october - dt.timedelta(days=4), october), (february, february + dt.timedelta(days=4)),
                (may, may + dt.timedelta(days=4))]

    def days(self, until: dt.date | None = None) -> Iterator[tuple[dt.date, bool]]:
        """(day, closed for half-term) for each weekday in term up to `until`, bank holidays left out."""
        last = self.terms[-1][1] if until is None else min(until, self.terms[-1][1])
        for first, end in self.terms:
            day = first
            while day <= min(end, last):
                if day.weekday() < 5 and day not in bank_holidays(day.year):
                    yield day, any(a <= day <= b for a, b in self.half_terms)
                day += ONE_DAY


def _profile(rng: random.Random) -> dict:
    r = rng.random()
    if r < 0.03:
        return {"absence": 0.55, "unauth_share": 0.7}  # severely absent
    if r < 0.20:
        return {"absence": rng.uniform(0.10, 0.25), "unauth_share": rng.uniform(0.3, 0.8)}  # persistently
    return {"absence": rng.uniform(0.0, 0.07), "unauth_share": rng.uniform(0.0, 0.3)}


def generate(pupils: int, until: dt.date, seed: int = 2026,
             year: int | None = None) -> tuple[Iterator[list[str]], list[list[str]]]:
    """(the register's rows, one [upn, date, session, code] at a time; each pupil's details row).
    `year`: the school year's first September (default: the one `until` falls in). The rows are made
    as they are read, so a school of thousands costs no more memory than one pupil."""
    if pupils < 1:
        raise ValueError("pupils must be 1 or more")
    school_year = SchoolYear(year if year is not None else (until.year if until.month >= 9 else until.year - 1))
    days = list(school_year.days(until))
    rng = random.Random(seed)
    details: list[list[str]] = []

    def rows() -> Iterator[list[str]]:
        for i in range(pupils):
            upn = f"Z{820000000000 + i:012d}"
            profile = _profile(rng)
            age_year = rng.randint(7, 11)
            born = dt.date(school_year.year - age_year - 5, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
            first, last = rng.choice(FIRST), rng.choice(LAST)
            details.append([upn, first, last, born.isoformat(), f"Year {age_year}", f"{rng.choice(FIRST)} {last}"])
            holiday = None
            mondays = [d for d, closed in days if not closed and d.weekday() == 0]
            if rng.random() < 0.08 and mondays:
                start = rng.choice(mondays)
                holiday = (start, start + dt.timedelta(days=rng.choice([2, 4, 9])))
            dual_day = rng.choice([2, 3]) if rng.random() < 0.02 else None
            late_habit = rng.random() < 0.05
            for day, closed in days:
                for session in ("AM", "PM"):
                    if closed:
                        code = "#"
                    elif dual_day is not None and day.weekday() == dual_day:
                        code = "D"
                    elif holiday and holiday[0] <= day <= holiday[1]:
                        code = "G"
                    elif rng.random() < profile["absence"]:
                        code = rng.choice("NOOU") if rng.random() < profile["unauth_share"] else rng.choice("IIIIMCRE")
                    elif session == "AM" and late_habit and rng.random() < 0.15:
                        code = rng.choice("LLU")
                    else:
                        code = "/" if session == "AM" else "\\"
                    yield [upn, day.isoformat(), session, code]

    return rows(), details


def write(out: Path, pupils: int, until: dt.date, seed: int = 2026, *, year: int | None = None,
          details_out: Path | None = None) -> None:
    """Write the register CSV to `out` (and the pupils' details to `details_out`)."""
    rows, details = generate(pupils, until, seed, year)
    Path(out).write_text(write_csv(["upn", "date", "session", "code"], rows), encoding="utf-8")
    if details_out is not None:
        Path(details_out).write_text(write_csv(DETAILS_HEADER, details), encoding="utf-8")
