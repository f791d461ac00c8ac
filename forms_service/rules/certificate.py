"""When the registration certificate the service makes from the register marks stands for the one a form asks
for (issue 21): every referral's enclosures include "an up to date print out of the registration certificate"
(002, Step 3; 000, Appendix 7; 003, Appendices 5-8), and the certificate made from the marks at signing
(forms_service/register/certificate.py, document `registration-certificate`) is that print-out when the marks
cover what the form measures. The service's reading, precisely:

- up to date: the marks reach the date of the request to within CERTIFICATE_SCHOOL_DAYS (5) school days, the
  age 002, Step 3 is read as allowing a printed certificate (rules/ews.py); school days are the register's open
  days where it has marks and Monday to Friday less bank holidays after them (register/schooldays.py);
- going back far enough: the register has the school weeks the form's rules count (the longest `weeks` of its
  window rules under the profile, 10 where it has none: 000, para 5's "10 school weeks"), ending with the week
  of the date the form measures from, each a school week as the rules judge one (marks.previous_school_weeks).

The school can still upload its own certificate; an upload is judged as before, and the one made from the marks
then goes with it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..formatting import format_date, format_date_short
from ..register.marks import Register, Window, previous_school_weeks
from ..register.schooldays import SchoolCalendar
from .engine import Facts

KIND = "registration_certificate"  # the evidence kind the forms declare
DOCUMENT_ID = "registration-certificate"
CERTIFICATE_SCHOOL_DAYS = 5  # 002, Step 3's "up to date": the service's reading (see rules/ews.py)
DEFAULT_WEEKS = 10  # 000, para 5: "10 unauthorised absence sessions in 10 school weeks"
WINDOW_RULES = ("unauthorised_sessions_threshold", "attendance_in_window")  # the rules counting school weeks
MADE_FROM_REGISTER = "the registration certificate made from the register marks"


def weeks_counted(rules, form_id: str | None, profile) -> int:
    """The school weeks a form's `rules` count under `profile`: the longest window among its rules that count
    one; for a form with none, the profile's window for unauthorised sessions (else DEFAULT_WEEKS)."""
    weeks = []
    for rule_id in (r for r in WINDOW_RULES if r in (rules or ())):
        try:
            weeks.append(int(profile.param(rule_id, "weeks", form_id)))
        except KeyError:
            continue
    if weeks:
        return max(weeks)
    try:
        return int(profile.param("unauthorised_sessions_threshold", "weeks", form_id))
    except KeyError:
        return DEFAULT_WEEKS


@dataclass(frozen=True)
class Coverage:
    covered: bool
    reason: str  # a clause: "the marks cover the 10 school weeks from 8 Sep to 14 Nov 2025, up to ..."
    weeks: int
    window: Window | None = None

    def to_dict(self) -> dict:
        return {"covered": self.covered, "weeks": self.weeks,
                "window_start": self.window.start.isoformat() if self.window and self.window.start else None,
                "window_end": self.window.end.isoformat() if self.window else None}


def coverage(register: Register | None, *, on: dt.date, measure: dt.date | None, weeks: int) -> Coverage:
    """Whether `register` makes a certificate up to date on `on` (the request's date) covering the `weeks`
    school weeks up to `measure` (the date the form measures from)."""
    if register is None or not register.sessions:
        return Coverage(False, "no register marks were given", weeks)
    upto = register.until(on)
    if not upto.sessions:
        return Coverage(False, f"the register has no marks up to {format_date(on)}", weeks)
    last = upto.sessions[-1].date
    behind = SchoolCalendar(register).between(last, on)
    if behind > CERTIFICATE_SCHOOL_DAYS:
        return Coverage(False, f"the register's marks end on {format_date(last)}, {behind} school days before "
                               f"{format_date(on)}, so a certificate made from them is not up to date (no more than "
                               f"{CERTIFICATE_SCHOOL_DAYS} school days)", weeks)
    measure = measure or on
    window = previous_school_weeks(register, measure, weeks)
    if len(window.weeks) < weeks:
        have = len(window.weeks)
        return Coverage(False, f"the register's marks cover {have} of the {weeks} school weeks up to "
                               f"{format_date(measure)}", weeks, window)
    return Coverage(True, f"its marks cover the {weeks} school weeks from {format_date_short(window.start)} to "
                          f"{format_date_short(window.end)} and reach {format_date(last)}", weeks, window)


def covers(f: Facts) -> Coverage:
    """The coverage of the facts' register for their form: up to date on the request's date, going back over
    the weeks its rules count from the date it measures from."""
    return coverage(f.register, on=f.referral_date, measure=f.measure_date, weeks=weeks_counted(getattr(f.form, "rules", ()), f.form_id, f.profile))


def coverage_for(form, data: dict, register: Register | None, profile, today: dt.date) -> Coverage:
    """`covers` for a form's data outside a verdict (a referral's documents list their enclosures)."""
    return covers(Facts(form, data, register, profile, today))


def made_from_register(verdict) -> bool | None:
    """Whether a verdict's rules took the certificate made from the register marks for the one asked for;
    None when the verdict does not say (no register, or an upload of the school's own)."""
    for result in (verdict or {}).get("rules") or ():
        made = ((result or {}).get("details") or {}).get("made_from_register")
        if isinstance(made, dict):
            return bool(made.get("covered"))
    return None
