"""Realistic pupil registers for tests.

The calendar is an English school's: the end of the 2024/25 summer term, then 2025/26 with INSET
days, half-term weeks marked `#` (planned closure) and the May Day bank holiday, and no sessions at
all over the Christmas, Easter and summer holidays. A pupil starts fully present (`/` in the
morning, `\\` in the afternoon) and tests then mark the absences they need, so that every figure a
test expects can be counted by hand from the calendar below.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Iterable

from forms_service.register import synthetic as synthetic_register
from forms_service.register.marks import Register, Session, to_csv

D = dt.date
TERMS = [
    (D(2025, 6, 2), D(2025, 7, 22)),    # 2024/25 summer term, second half
    (D(2025, 9, 1), D(2025, 12, 19)),   # autumn 2025 (1-2 Sep INSET)
    (D(2026, 1, 5), D(2026, 3, 27)),    # spring 2026
    (D(2026, 4, 13), D(2026, 7, 22)),   # summer 2026
]
HALF_TERMS = [(D(2025, 10, 27), D(2025, 10, 31)), (D(2026, 2, 16), D(2026, 2, 20)), (D(2026, 5, 25), D(2026, 5, 29))]
CLOSED_DAYS = {D(2025, 9, 1), D(2025, 9, 2),  # INSET days
               D(2026, 5, 4)}                 # May Day bank holiday
SESSIONS = ("AM", "PM")


def present_code(session: str) -> str:
    return "/" if session == "AM" else "\\"


def calendar(first: dt.date, last: dt.date) -> list[tuple[dt.date, bool]]:
    """Weekdays in term between `first` and `last`, with whether the school is open."""
    days = []
    d = first
    while d <= last:
        if d.weekday() < 5 and any(a <= d <= b for a, b in TERMS):
            closed = d in CLOSED_DAYS or any(a <= d <= b for a, b in HALF_TERMS)
            days.append((d, not closed))
        d += dt.timedelta(days=1)
    return days


class PupilRegister:
    """A pupil's marks over the calendar, present by default; mark absences, then build."""

    def __init__(self, first: dt.date = D(2025, 9, 1), last: dt.date = D(2026, 7, 22), *, upn: str | None = None,
                 code_set: str = "2024"):
        self.upn, self.code_set = upn, code_set
        self.marks: dict[tuple[dt.date, str], str] = {}
        for day, open_ in calendar(first, last):
            for s in SESSIONS:
                self.marks[(day, s)] = present_code(s) if open_ else "#"

    def open_days(self, first: dt.date | None = None, last: dt.date | None = None) -> list[dt.date]:
        return sorted({d for (d, s), code in self.marks.items() if code != "#"
                       and (first is None or d >= first) and (last is None or d <= last)})

    def mark(self, day: dt.date, code: str, sessions: Iterable[str] = SESSIONS) -> "PupilRegister":
        for s in sessions:
            if self.marks.get((day, s), "#") == "#":
                raise ValueError(f"{day} {s} is not an open session in the test calendar")
            self.marks[(day, s)] = code
        return self

    def mark_days(self, first: dt.date, last: dt.date, code: str, sessions: Iterable[str] = SESSIONS) -> "PupilRegister":
        """Mark every open day from `first` to `last` (inclusive)."""
        for day in self.open_days(first, last):
            self.mark(day, code, sessions)
        return self

    def mark_sessions(self, n: int, code: str, first: dt.date, last: dt.date, seed: int = 1) -> "PupilRegister":
        """Mark `n` of the present sessions between `first` and `last`, chosen at random but repeatably."""
        present = [(d, s) for (d, s), c in sorted(self.marks.items()) if first <= d <= last and c in ("/", "\\")]
        for d, s in random.Random(seed).sample(present, n):
            self.marks[(d, s)] = code
        return self

    def sessions(self) -> list[Session]:
        return [Session(d, s, c, self.upn) for (d, s), c in sorted(self.marks.items())]

    def build(self, until: dt.date | None = None) -> Register:
        return Register(self.code_set, tuple(s for s in self.sessions() if until is None or s.date <= until))

    def csv(self, until: dt.date | None = None) -> str:
        return to_csv(self.build(until))

    def count(self, codes: str | Iterable[str], first: dt.date, last: dt.date) -> int:
        wanted = {codes} if isinstance(codes, str) else set(codes)
        return sum(1 for (d, _), c in self.marks.items() if first <= d <= last and c in wanted)


def typical_pupil(seed: int = 7, **kwargs) -> PupilRegister:
    """A pupil with the ordinary mix of a year: two days of illness, an appointment, some lateness
    before the register closed, and one unexplained absence. All of it falls in September and
    October 2025, so tests can count windows from November onwards by hand."""
    pupil = PupilRegister(**kwargs)
    early_autumn = (D(2025, 9, 3), D(2025, 10, 24))
    pupil.mark_days(D(2025, 10, 7), D(2025, 10, 8), "I")
    pupil.mark(D(2025, 9, 22), "M", ["PM"])
    pupil.mark_sessions(4, "L", *early_autumn, seed=seed)
    pupil.mark_sessions(1, "N", *early_autumn, seed=seed + 1)
    return pupil


def generated_school(directory: Path, *, pupils: int, until: str, seed: int) -> bytes:
    """A whole-school CSV (upn,date,session,code) from forms_service/register/synthetic.py, written to
    `directory` as a school's export would be."""
    out = directory / "school.csv"
    synthetic_register.write(out, pupils, dt.date.fromisoformat(until), seed)
    return out.read_bytes()
