"""Knowsley's Attendance Improvement Meeting (004, Level 2 / Step 2; Appendix C; Toolkit, Level 2): Level 1
done first, the family told of the actions, the review 3 school weeks on, and no more than one half term
at Level 2.

Dates are counted in school days: the register's where it has marks (a half-term marked `#`, or a week
with no marks, is no school day), beyond them weekdays less bank holidays and the closures the form lists
(`schooldays.SchoolCalendar`). Half terms are known only from the marks or that list, and the reasons say so.
"""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date
from ..register.marks import week_of
from ..register.schooldays import SchoolCalendar, listed_closures
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule
from .graduated_response import EHA_SOURCE, LEVEL1_SOURCE, dates_of, early_help_before, level1_before

SOURCE_FAMILY = ("004, Level 2 / Step 2 (\"If the family does not attend the meeting, communication clearly explaining "
                 "the actions of the meeting is shared with them by the Traded Officer\")")
REVIEW = "aim_review"  # the profile's weeks and max_half_terms
SCHOOL_WEEK_DAYS = 5   # a school week is five school days, as the Fast Track's four weeks are 20 (referrals/timeline)
# How far ahead to look for the half-term holiday: longer than any half term (the longest runs about 8 weeks).
HALF_TERM_SEARCH_WEEKS = 16


def level2_start(f: Facts) -> dt.date | None:
    """The first Attendance Improvement Meeting: this one, unless the form says an earlier one was first."""
    if f.flag("meeting.first") is False:
        return f.date("meeting.first_date")
    return f.date("meeting.date")


def calendar_of(f: Facts) -> SchoolCalendar:
    return SchoolCalendar(f.register, listed_closures(f.get("school_closures")))


def _basis(calendar: SchoolCalendar, upto: dt.date) -> str:
    """How the school days up to `upto` were known, in words for the reason."""
    listed = " and the closures listed on the form" if calendar.closures else ""
    if calendar.last is not None and upto <= calendar.last:
        return "counted from the register marks"
    if calendar.last is not None:
        return (f"counted from the register marks to {format_date(calendar.last)}, then as weekdays less bank holidays"
                f"{listed}")
    if calendar.closures:
        return "counted as weekdays less bank holidays and the closures listed on the form"
    return ("counted as weekdays less bank holidays: without register marks the service cannot know the school's "
            "half-terms or other closures, so upload the marks or list them on the form")


def review_due(f: Facts) -> tuple[dt.date, int, str] | None:
    """(the review date, the school days to it, how they were counted): [3] school weeks after the meeting."""
    meeting = f.date("meeting.date")
    if meeting is None:
        return None
    days = int(f.param(REVIEW, "weeks")) * SCHOOL_WEEK_DAYS
    calendar = calendar_of(f)
    due = calendar.add(meeting, days)
    return due, days, _basis(calendar, due)


def half_term_end(f: Facts, start: dt.date, half_terms: int) -> tuple[dt.date, dt.date, str] | None:
    """(the last school day before the holiday, the holiday's Monday, how it was known) for the
    `half_terms`-th half-term holiday after `start`: a week (Monday to Friday) with no school day. None
    when no such week is known within HALF_TERM_SEARCH_WEEKS (no marks or listed closures that far)."""
    calendar = calendar_of(f)
    runs = calendar.holiday_runs(start, week_of(start) + dt.timedelta(weeks=HALF_TERM_SEARCH_WEEKS, days=4))
    if len(runs) < half_terms:
        return None
    # A holiday of several weeks (Christmas, Easter) ends one half term, not several.
    monday = runs[half_terms - 1][0]
    last = monday - dt.timedelta(days=1)
    while not calendar.is_school_day(last) and last > start:
        last -= dt.timedelta(days=1)
    how = ("from the register marks" if calendar.from_register(monday + dt.timedelta(days=4))
           else "from the closures listed on the form")
    return last, monday, how


def _before_first_aim(f: Facts) -> tuple[dt.date, str] | None:
    start = level2_start(f)
    return None if start is None else (start, f"the first Attendance Improvement Meeting ({format_date(start)})")


@rule("aim_level1_completed")
def aim_level1_completed(f: Facts) -> Outcome:
    """Level 1 actions recorded before the first Attendance Improvement Meeting ("must")."""
    if (first := _before_first_aim(f)) is None:
        return Outcome(MISSING, "The date of the first Attendance Improvement Meeting is not given, so the Level 1 "
                                "actions cannot be checked as done before it.", LEVEL1_SOURCE)
    return level1_before(dates_of(f.items("level1_actions")), *first)


@rule("aim_early_help_assessment")
def aim_early_help_assessment(f: Facts) -> Outcome:
    """An Early Help Assessment completed before the first Attendance Improvement Meeting ("need to")."""
    if (first := _before_first_aim(f)) is None:
        return Outcome(MISSING, "The date of the first Attendance Improvement Meeting is not given, so the Early Help "
                                "Assessment cannot be checked as done before it.", EHA_SOURCE)
    return early_help_before(f.date("early_help.date"), *first)


@rule("aim_family_informed")
def aim_family_informed(f: Facts) -> Outcome:
    """A family that did not attend is told the actions in writing by the Traded Officer."""
    family = [m for m in f.items("parents") or () if isinstance(m, dict)]
    if not family:
        return Outcome(MISSING, "No family member is listed: say who in the family was invited and whether they "
                                "attended.", SOURCE_FAMILY)
    came = [str(m.get("name") or "").strip() for m in family if m.get("attended") is True]
    if came:
        return Outcome(PASS, f"The family attended the meeting ({', '.join(n for n in came if n)}).", SOURCE_FAMILY)
    shared, meeting = f.date("family_informed.date"), f.date("meeting.date")
    if shared is None:
        return Outcome(MISSING, "No one from the family attended: give the date the Traded Officer shared the "
                                "meeting's actions with them in writing.", SOURCE_FAMILY)
    if meeting is not None and shared < meeting:
        return Outcome(FAIL, f"The actions were shared with the family on {format_date(shared)}, before the meeting on "
                             f"{format_date(meeting)}.", SOURCE_FAMILY)
    return Outcome(PASS, f"No one from the family attended; the Traded Officer shared the actions with them in "
                         f"writing on {format_date(shared)}.", SOURCE_FAMILY)


@rule("aim_review_date")
def aim_review_date(f: Facts) -> Outcome:
    """The review [3] school weeks after the meeting; a review date typed must be that day."""
    source = f"{f.profile.source(REVIEW)} ({f.profile.param_source(REVIEW, 'weeks', f.form_id)})"
    weeks = f.param(REVIEW, "weeks")
    due = review_due(f)
    if due is None:
        return Outcome(MISSING, "The date of the meeting is not given, so the review date cannot be worked out.", source)
    review, days, basis = due
    meeting, typed = f.date("meeting.date"), f.date("review.date")
    details = {"review_date": review.isoformat(), "school_days": days, "weeks": weeks, "basis": basis}
    after = f"{weeks} school weeks ({days} school days) after the meeting on {format_date(meeting)}"
    if typed is not None and typed != review:
        details["typed"] = typed.isoformat()
        return Outcome(FAIL, f"The review date entered ({format_date(typed)}) is not {after}: that is "
                             f"{format_date(review)}, {basis}. Change the review date to {format_date(review)}.",
                       source, details)
    return Outcome(PASS, f"The action plan is reviewed on {format_date(review)}, {after}, {basis}.", source, details)


@rule("aim_half_term_limit")
def aim_half_term_limit(f: Facts) -> Outcome:
    """Level 2 runs no more than [one] half term from the first Attendance Improvement Meeting: to the last
    school day before the holiday that ends the half term it began in (Level 3: "where the Attendance
    Improvement meeting actions haven't worked within the half term"); each further half term the profile
    allows runs to the next holiday.

    Advisory, not blocking: the seed says cases "should not be extended beyond one half term" (not
    "must"), and its Toolkit leaves the step-up to the review ("continue for another 3 weeks and then
    escalate this"); a meeting held after the limit still has to be recorded, as the evidence the school
    "must gather" for Level 3 (Appendix C)."""
    source = (f"{f.profile.source(REVIEW)} ({f.profile.param_source(REVIEW, 'max_half_terms', f.form_id)}); "
              "Toolkit, Level 2; Appendix C")
    half_terms = int(f.param(REVIEW, "max_half_terms"))
    start, meeting = level2_start(f), f.date("meeting.date")
    if start is None or meeting is None:
        return Outcome(ADVISORY, "The date of the first Attendance Improvement Meeting is not given, so the end of "
                                 "Level 2 cannot be worked out.", source)
    span = "one half term" if half_terms == 1 else f"{half_terms} half terms"
    found = half_term_end(f, start, half_terms)
    if found is None:
        return Outcome(ADVISORY, f"The end of the half term after the first Attendance Improvement Meeting on "
                                 f"{format_date(start)} is not known: half-terms are known only from the register "
                                 f"marks (closures or weeks without marks) or the closures listed on the form. Upload "
                                 f"the marks or list the next half-term so the service can say when Level 2 ends "
                                 f"({span} at most).", source, {"level2_start": start.isoformat()})
    ends, holiday, how = found
    details = {"level2_start": start.isoformat(), "ends_by": ends.isoformat(), "holiday_from": holiday.isoformat(),
               "half_terms": half_terms, "basis": how}
    said = (f"Level 2 began with the first Attendance Improvement Meeting on {format_date(start)} and ends by "
            f"{format_date(ends)}, the last school day before the holiday that ends the half term, from "
            f"{format_date(holiday)} (known {how})")
    if meeting > ends:
        return Outcome(ADVISORY, f"{said}. This meeting on {format_date(meeting)} is after that: cases at Level 2 "
                                 f"should not be extended beyond {span}, so escalate to Level 3 (the Traded Officer's "
                                 "step-up to the Statutory Officer or Family First).", source, details)
    due = review_due(f)
    if due is not None and due[0] > ends:
        details["review_date"] = due[0].isoformat()
        return Outcome(ADVISORY, f"{said}. The review on {format_date(due[0])} falls after that: if attendance has not "
                                 "improved, the review should step the case up to Level 3 rather than extend it.",
                       source, details)
    return Outcome(PASS, f"{said}.", source, details)
