"""Calendar arithmetic shared by the form declarations' checks and the rules."""
from __future__ import annotations

import calendar
import datetime as dt
from typing import Any


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string (as stored answers hold them); None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def add_period(start: dt.datetime, n: int, unit: str, sign: int = 1) -> dt.datetime:
    """start plus (sign -1: minus) `n` "days" or calendar "years" (29 February + 1 year -> 28 February),
    as config.parse_period reads a retention setting."""
    if unit == "days":
        return start + dt.timedelta(days=sign * n)
    try:
        return start.replace(year=start.year + sign * n)
    except ValueError:
        return start.replace(year=start.year + sign * n, day=28)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later, or earlier when negative; a day the month lacks
    becomes its last (31 January plus one month is 28 or 29 February)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
