"""School days: which days a school is open, counted from the register where it has marks and,
ahead of it, Monday to Friday less England's bank holidays and the closures the school lists.

Deadlines in the seeds are counted in school days ("at least 5 school days after the Final
Warning", 003 Fast Track, week 6); a date in the future has no marks yet, so it is reckoned from
the calendar and says so.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property, lru_cache

import holidays

from ..dates import as_date
from .marks import Register, school_days, week_of

ONE_DAY = dt.timedelta(days=1)
ONE_WEEK = dt.timedelta(weeks=1)


@lru_cache(maxsize=16)
def bank_holidays(year: int) -> frozenset[dt.date]:
    """England's bank holidays (including substitute days) in a calendar year."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def listed_closures(items) -> list[tuple[dt.date, dt.date]]:
    """The closures a form lists (`school_closures`: [{start_date, end_date}], dates as dates or ISO
    strings; an end left out is the start: a single day), skipping any not yet complete."""
    out = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and (start := as_date(item.get("start_date"))):
            out.append((start, as_date(item.get("end_date")) or start))
    return out


class SchoolCalendar:
    """Open days: the register's where it has marks (first to last), the calendar's elsewhere."""

    def __init__(self, register: Register | None = None, closures: Iterable[tuple[dt.date, dt.date]] = ()):
        self.closures = [(a, b) for a, b in closures if a and b and a <= b]
        self.first = self.last = None
        self._register = register if register is not None and register.sessions else None
        if self._register is not None:
            self.first, self.last = register.sessions[0].date, register.sessions[-1].date

    @cached_property
    def open_days(self) -> frozenset[dt.date]:
        # Counted on first use: a child's case makes a calendar for each record, and most never ask it a day.
        return frozenset(school_days(self._register)) if self._register is not None else frozenset()

    def from_register(self, day: dt.date) -> bool:
        return self.first is not None and self.first <= day <= self.last

    def is_school_day(self, day: dt.date) -> bool:
        if self.from_register(day):
            return day in self.open_days
        return (day.weekday() < 5 and day not in bank_holidays(day.year)
                and not any(a <= day <= b for a, b in self.closures))

    def add(self, start: dt.date, n: int) -> dt.date:
        """The n-th school day after `start` (n >= 1)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, counted = start, 0
        while counted < n:
            day += ONE_DAY
            if self.is_school_day(day):
                counted += 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """School days after `start`, up to and including `end`."""
        count, day = 0, start + ONE_DAY
        while day <= end:
            count += self.is_school_day(day)
            day += ONE_DAY
        return count

    # Weeks (issue 20): the seeds count some periods in school weeks ("reviewed ... after 3 weeks", "a 6-week
    # parenting contract") and end others at a half term ("not extended beyond one half term"). A school
    # week is a Monday-to-Friday week with a school day in it; a half term ends at a week without one.
    def is_school_week(self, monday: dt.date) -> bool:
        """Whether the week from `monday` has a school day (a half-term or holiday week has none)."""
        return any(self.is_school_day(monday + dt.timedelta(days=i)) for i in range(5))

    def nth_school_week(self, start: dt.date, n: int, horizon: int = 80) -> dt.date | None:
        """The Monday of the n-th school week after the week of `start` (n = 0: that week's own Monday);
        None if it lies beyond `horizon` weeks (a year and a half: never, in practice)."""
        monday, counted = week_of(start), 0
        for _ in range(horizon):
            if counted == n:
                return monday
            monday += ONE_WEEK
            counted += self.is_school_week(monday)
        return monday if counted == n else None

    def holiday_runs(self, after: dt.date, until: dt.date) -> list[list[dt.date]]:
        """The runs of whole weeks with no school day (their Mondays) after the week of `after`, each week
        ending (its Friday) by `until`; consecutive weeks (Christmas, Easter) are one run."""
        runs: list[list[dt.date]] = []
        monday = week_of(after) + ONE_WEEK
        while monday + dt.timedelta(days=4) <= until:
            if not self.is_school_week(monday):
                if runs and runs[-1][-1] == monday - ONE_WEEK:
                    runs[-1].append(monday)
                else:
                    runs.append([monday])
            monday += ONE_WEEK
        return runs
