"""How dates, times and money read in letters, forms and rule reasons (British English)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

# Times are stored in UTC and shown in the time schools and LAs work in.
LOCAL_TZ = ZoneInfo("Europe/London")


def format_date(value: dt.date | None) -> str:
    """3 March 2026"""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_date_short(value: dt.date | None) -> str:
    """3 Mar 2026 (for reasons that name several dates)"""
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y}"


def format_datetime(value: dt.datetime | None) -> str:
    """23 November 2026 at 2:05pm (UK local time)"""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    local = value.astimezone(LOCAL_TZ)
    hour = local.hour % 12 or 12
    return f"{format_date(local.date())} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


# A time of day as offices write it: 9:30, 09.30, 15:30, 3pm, 3.30pm, 11:15 AM.
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m\.?", re.I)
_TIME_24 = re.compile(r"(\d{1,2})[:.](\d{2})")


def parse_time(text) -> str | None:
    """A time of day typed as offices write it, as "HH:MM" on the 24-hour clock; None if it is not one.
    "9:30" and "9.30" are morning (a 12-hour time without am or pm is read as 24-hour, as schools'
    letters write afternoon times with pm); "3pm" is 15:00; "12am" is midnight, "12pm" noon."""
    text = " ".join(str(text or "").split())
    match = _TIME.fullmatch(text)
    if match:
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3).lower()
        if not 1 <= hour <= 12 or minute > 59:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
        return f"{hour:02d}:{minute:02d}"
    match = _TIME_24.fullmatch(text)
    if match and int(match.group(1)) <= 23 and int(match.group(2)) <= 59:
        return f"{int(match.group(1)):02d}:{match.group(2)}"
    return None


def format_time(value) -> str:
    """"14:30" as "2:30pm", "12:00" as "12 noon"; a value that is not a time, as it is."""
    parsed = parse_time(value)
    if parsed is None:
        return " ".join(str(value or "").split())
    hour, minute = int(parsed[:2]), parsed[3:]
    if (hour, minute) == (12, "00"):
        return "12 noon"
    return f"{hour % 12 or 12}:{minute}{'am' if hour < 12 else 'pm'}"


def format_money(pence: int) -> str:
    """£80 or £80.50"""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def academic_year_label(start_year: int) -> str:
    """2025/26"""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def local_today() -> dt.date:
    """Today in England (a request signed at 00:30 BST is dated that day, not the UTC day)."""
    return dt.datetime.now(LOCAL_TZ).date()


def initials(pupil: dict) -> str:
    """"O. B." for Oliver Bennett: how emails name a child (no more than the reader needs). The first
    letter of each name, skipping anything before it that is not a letter (a right-to-left mark, a
    quote, a space), so an invisible control character never reaches the email; "?" if there is none."""
    out = []
    for key in ("first_name", "last_name"):
        name = str(pupil.get(key) or "")
        letter = next((c for c in name if c.isalpha()), "?")
        out.append(f"{letter.upper()}.")
    return "".join(out)
