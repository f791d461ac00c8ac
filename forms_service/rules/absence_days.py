"""Consecutive school days of unexplained absence: the letter home on the third day (002, Step 1).

002, Step 1, "Good practice at Step 1": "Phoning home on the 1st day of unauthorised absence. Sending
a letter home on the 3rd consecutive day of unauthorised absence." The seed counts DAYS, not
sessions, so a day counts when every session the register has for it is an unauthorised absence
(the code set's class `unauthorised`, which holds N, "no reason yet provided", in every set
including wales-2010): 3 days are up to 6 sessions, and a day the child was in for a morning is
not a day of absence. U (arrived after the register closed) is an unauthorised absence in law but
the child was in school: it is not a day of absence from home that first-day calling and the third
day's letter chase, so it ends a run. Consecutive means on consecutive SCHOOL days: weekends, bank
holidays, half terms and closures (`#`) are not school days and neither break nor extend a run, so
Friday, Monday and Tuesday are three consecutive days.
"""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date
from ..register.marks import CLOSED, LATE_CODE, Register, load_code_set
from ..register.schooldays import SchoolCalendar
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule

RULE_ID = "third_day_absence"
DAYS = 3  # "third" in the reasons below; 002, Step 1: "the 3rd consecutive day of unauthorised absence"
THIRD_DAY_LETTER = "third_day"  # the sao-concern-letter's letter_type that this rule is about
SOURCE = ("002, Step 1 (Good practice at Step 1: \"Sending a letter home on the 3rd consecutive day of "
          "unauthorised absence\")")


def _days(n: int) -> str:
    return f"{n} consecutive school day{'' if n == 1 else 's'}"


def absence_run(register: Register, on: dt.date) -> list[dt.date]:
    """The school days of the most recent run of consecutive days of unexplained absence up to and
    including `on` (oldest first; [] when there is none): days on which every open session is an
    unauthorised absence other than U. Days with only `#` (and days with no marks) are not school
    days and are skipped; a day with any other mark ends the run."""
    absent = frozenset(load_code_set(register.code_set).codes_in("unauthorised")) - {LATE_CODE}
    days: dict[dt.date, list[str]] = {}
    for s in register.sessions:
        if s.date <= on and s.code != CLOSED:
            days.setdefault(s.date, []).append(s.code)
    last: list[dt.date] = []
    current: list[dt.date] = []
    for day in sorted(days):
        if all(code in absent for code in days[day]):
            current.append(day)
            last = current
        else:
            current = []
    return list(last)


def _verdict(n: int, said: str, details: dict) -> Outcome:
    if n >= DAYS:
        return Outcome(PASS, f"{said}: the letter on the third day follows the third consecutive day of "
                             "unauthorised absence.", SOURCE, details)
    return Outcome(FAIL, f"{said}: the letter on the third day is sent on the third consecutive day of "
                         f"unauthorised absence, so {DAYS - n} more {'day is' if DAYS - n == 1 else 'days are'} "
                         "needed; send a letter of concern instead if there is a pattern of absence.",
                   SOURCE, details)


@rule(RULE_ID)
def third_day_absence(f: Facts) -> Outcome:
    """The third-day letter (002, Step 1) needs 3 consecutive school days of unexplained absence up
    to the letter's date: from the register marks when given, else from the dates typed on the form
    (school days on the calendar: weekdays less the bank holidays of England and Wales)."""
    letter_type = f.text("letter_type")
    if letter_type is not None and letter_type != THIRD_DAY_LETTER:
        return Outcome(PASS, "A letter of concern, not the letter on the third day: it needs no count of "
                             "consecutive days.", SOURCE)
    on = f.measure_date or f.today
    first, last = f.date("absence.first_day"), f.date("absence.last_day")
    if f.register is not None and f.register.sessions:
        run = absence_run(f.register, on)
        f.figures["consecutive_absence_days"] = len(run)
        details = {"days": len(run), "needed": DAYS, "on": on.isoformat(), "origin": "register",
                   "dates": [d.isoformat() for d in run]}
        if not run:
            said = f"No school day of unauthorised absence in the register up to {format_date(on)}"
        else:
            said = (f"{_days(len(run))} of unauthorised absence in the register, {format_date(run[0])} to "
                    f"{format_date(run[-1])} (up to {format_date(on)}, the date of the letter)")
            if first is not None and first != run[0]:
                said += f"; the form says the absence began on {format_date(first)}, which does not match"
                details["typed_first_day"] = first.isoformat()
        return _verdict(len(run), said, details)
    if first is None:
        return Outcome(MISSING, "Neither register marks nor the first day of the absence are given, so the "
                                "consecutive days of absence cannot be counted.", SOURCE)
    end = min(last or on, on)
    if end < first:
        return Outcome(FAIL, f"The absence begins on {format_date(first)}, after the date of the letter "
                             f"({format_date(on)}).", SOURCE, {"days": 0, "needed": DAYS, "origin": "typed"})
    calendar = SchoolCalendar()
    n = int(calendar.is_school_day(first)) + calendar.between(first, end)
    f.figures["consecutive_absence_days"] = n
    said = (f"{_days(n)} from {format_date(first)} to {format_date(end)}, as entered on the form (school days "
            "on the calendar: weekdays less bank holidays; a half term or closure in between is known only from "
            "the register marks)")
    return _verdict(n, said, {"days": n, "needed": DAYS, "on": on.isoformat(), "origin": "typed"})
