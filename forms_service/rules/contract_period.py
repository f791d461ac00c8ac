"""The parent contract's period where the profile sets one (issue 20): the Peterborough trust's
"Academy parenting contract to be put in place for 6 weeks" (001, Appendix B1, If attendance targets
are not met), against the 2 to 6 weeks the national contract allows (003, Appendix 3).

On the contract (`parent-contract`: `review_period`, `review_date`) the review period must be the
profile's weeks, and the review date must fall in that school week after the meeting's week. A week is a
school week if the school is open on one of its days (`register.schooldays.SchoolCalendar`): where the
register has marks, as they show it (a half term has no marks or only closures, `#`), and ahead of the
marks Monday to Friday less England's bank holidays, which cannot see a half term. The reason says which;
a review later than the calendar's week that a holiday in the unseen weeks would explain is advisory
(worth a check) rather than a bar, since a contract is agreed before its weeks have marks.

On the letter that announces the contract (`formal-meeting-invitation`, which has no review to check) the
rule states the period, for the letter to print (the documents take the profile's numbers from the
verdict, never typed in a template).

A profile without `parent_contract_period` sets no period: the 2 to 6 weeks of 003 stand.
"""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date
from ..register.marks import week_of
from ..register.schooldays import SchoolCalendar
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule

RULE_ID = "parent_contract_period"
WEEK = dt.timedelta(days=7)
NATIONAL = "003, Appendix 3 (a review period of 2 to 6 weeks)"
# How far ahead to look for the review's school week: a school year and a half; never reached in practice.
HORIZON_WEEKS = 80


def _weeks(n: int) -> str:
    return f"{n} week{'s' if n != 1 else ''}"


def _from_calendar(calendar: SchoolCalendar, monday: dt.date) -> bool:
    """Whether any weekday of the week lies outside the register's marks (judged from the calendar)."""
    return any(not calendar.from_register(monday + dt.timedelta(days=i)) for i in range(5))


def school_weeks_after(calendar: SchoolCalendar, meeting: dt.date, day: dt.date) -> tuple[int, int]:
    """School weeks after the meeting's week, up to and including the week of `day`; and how many of them
    were judged from the calendar rather than the register's marks (any of which may be a holiday)."""
    count, guessed, monday = 0, 0, week_of(meeting) + WEEK
    while monday <= week_of(day):
        if calendar.is_school_week(monday):
            count += 1
            guessed += _from_calendar(calendar, monday)
        monday += WEEK
    return count, guessed


def nth_school_week(calendar: SchoolCalendar, meeting: dt.date, n: int) -> tuple[dt.date | None, bool]:
    """The Monday of the n-th school week after the meeting's week (None past the horizon), and whether
    any school week on the way was judged from the calendar."""
    monday = calendar.nth_school_week(meeting, n, HORIZON_WEEKS) if n >= 1 else None
    until = monday if monday is not None else week_of(meeting) + WEEK * HORIZON_WEEKS
    return monday, school_weeks_after(calendar, meeting, until)[1] > 0


def _counted(f: Facts, calendar: SchoolCalendar, guessed: bool) -> str:
    if f.register is None or not f.register.sessions:
        return ("counted Monday to Friday less England's bank holidays, as no register marks are uploaded: a half "
                "term cannot be seen without marks, so check the period does not cross one")
    last = f.register.sessions[-1].date
    if guessed:
        return (f"counted from the register's marks to {format_date(last)} and, after them, Monday to Friday less "
                "England's bank holidays: a half term cannot be seen without marks, so check the weeks after "
                f"{format_date(last)} do not include one")
    return "counted from the register's marks, in which a week without marks or with only closures is not a school week"


@rule(RULE_ID)
def parent_contract_period(f: Facts) -> Outcome:
    """The contract's review period and date are the profile's weeks after the meeting, where it sets them."""
    if RULE_ID not in f.profile.rules:
        if _announces(f):
            return Outcome(MISSING, f"{f.profile.name} sets no period for the academy parenting contract this letter "
                                    "announces: choose the profile whose paperwork it is.", f.profile.name)
        return Outcome(PASS, f"{f.profile.name} sets no period of its own for a parent contract: the review period "
                             "of 2 to 6 weeks agreed at the meeting stands.", f"{NATIONAL}; {f.profile.name}",
                       {"weeks": None})
    weeks = f.param(RULE_ID, "weeks")
    source = f"{f.profile.source(RULE_ID)} ({f.profile.param_source(RULE_ID, 'weeks', f.form_id)})"
    details = {"weeks": weeks}
    if _announces(f):
        return Outcome(PASS, f"The academy parenting contract this letter announces is put in place for "
                             f"{_weeks(weeks)}.", source, details)
    meeting, review = f.date("support_meeting_date"), f.date("review_date")
    period = f.get("review_period")
    if meeting is None:
        return Outcome(MISSING, "The date of the meeting is not given, so the contract's period cannot be checked.",
                       source, details)
    if period is None:
        return Outcome(MISSING, f"The review period is not given: the academy parenting contract is for "
                                f"{_weeks(weeks)}.", source, details)
    if str(period) != str(weeks):
        return Outcome(FAIL, f"The review period chosen is {_weeks(int(period)) if str(period).isdigit() else period}, "
                             f"but the academy parenting contract is put in place for {_weeks(weeks)}: choose "
                             f"{_weeks(weeks)}.", source, details)
    if review is None:
        return Outcome(MISSING, f"The review date is not given: it should be {_weeks(weeks)} of school after the "
                                f"meeting on {format_date(meeting)}.", source, details)
    if review < meeting:
        return Outcome(FAIL, f"The review date ({format_date(review)}) is before the meeting "
                             f"({format_date(meeting)}).", source, details)
    calendar = SchoolCalendar(f.register)
    counted, guessed = school_weeks_after(calendar, meeting, review)
    due, guessed_due = nth_school_week(calendar, meeting, weeks)
    details.update(school_weeks=counted, weeks_from_calendar=guessed, review_week=due.isoformat() if due else None,
                   origin="register" if not (guessed or guessed_due) else "calendar")
    how = _counted(f, calendar, bool(guessed or guessed_due))
    said = (f"The review on {format_date(review)} is in school week {counted} after the meeting on "
            f"{format_date(meeting)}, {how}")
    if counted == weeks:
        return Outcome(PASS, f"{said}. That is the end of the {_weeks(weeks)} the academy parenting contract runs for.",
                       source, details)
    when = f"; hold it in the week beginning {format_date(due)}" if due else ""
    if weeks < counted <= weeks + guessed:
        # Weeks counted from the calendar may be a half term or a holiday the marks would show: the review may
        # be right, so it is for the school to check, not a bar.
        return Outcome(ADVISORY, f"{said}. The academy parenting contract runs for {_weeks(weeks)} of school: if "
                                 f"{counted - weeks} of the weeks counted {'is' if counted - weeks == 1 else 'are'} a "
                                 "half term or holiday, the review is right; otherwise it falls in school week "
                                 f"{weeks}{when}.", source, details)
    return Outcome(FAIL, f"{said}. The academy parenting contract runs for {_weeks(weeks)} of school, so the review "
                         f"falls in school week {weeks}{when}.", source, details)


def _announces(f: Facts) -> bool:
    """A letter announcing the contract has no review of its own to check (the formal meeting invitation)."""
    return not any(getattr(field, "name", None) == "review_period" for field in getattr(f.form, "fields", ()))
