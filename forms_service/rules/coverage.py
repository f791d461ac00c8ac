"""Whether the register marks cover the period a rule measures. Days without marks are unknown,
not days of attendance or absence: a rule that would otherwise judge them says `missing` (issue 4:
"A rule cannot pass on data it was not given").

A gap is measured in weekdays less England's bank holidays (forms_service.register.schooldays), the days
the school may have been open. Two tolerances:
- WINDOW_GAP_DAYS (10) for a window of school weeks: marks exported before a two-week holiday
  (Christmas, Easter) for a request made during or just after it are still whole, since holiday
  weeks are not school weeks; a gap longer than that may hide school weeks.
- SHORT_GAP_DAYS (1) where every day counts (attendance since the Final Warning at week 6, a few
  school days after it): an export from the day before is normal, anything more is not.
"""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date
from ..register.marks import Register
from ..register.schooldays import SchoolCalendar

WINDOW_GAP_DAYS = 10
SHORT_GAP_DAYS = 1
_CALENDAR = SchoolCalendar()  # no register: weekdays less bank holidays


def weekdays_between(after: dt.date, until: dt.date) -> int:
    """Weekdays that are not bank holidays, after `after` up to and including `until`."""
    return _CALENDAR.between(after, until) if until > after else 0


def ends_short(register: Register, on: dt.date, tolerance: int) -> str | None:
    """A sentence saying the marks stop too long before `on`, or None when they reach it."""
    if not register.sessions:
        return f"The register has no marks up to {format_date(on)}"
    last = register.sessions[-1].date
    gap = weekdays_between(last, on)
    if gap <= tolerance:
        return None
    return (f"The register's marks end on {format_date(last)}, {gap} weekdays before {format_date(on)}: upload "
            f"marks up to {format_date(on)}")


def starts_late(register: Register, since: dt.date, tolerance: int) -> str | None:
    """A sentence saying the marks start too long after `since`, or None when they cover it."""
    if not register.sessions:
        return f"The register has no marks after {format_date(since)}"
    first = register.sessions[0].date
    gap = weekdays_between(since, first - dt.timedelta(days=1))
    if gap <= tolerance:
        return None
    return (f"The register's marks start on {format_date(first)}, {gap} weekdays after {format_date(since)}: "
            f"upload marks from {format_date(since)}")
