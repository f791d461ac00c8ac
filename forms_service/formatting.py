"""How dates, times and money read in letters, forms and rule reasons (British English)."""
from __future__ import annotations

import datetime as dt
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
