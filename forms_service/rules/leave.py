"""Rules for leave of absence taken in term time (003, Unauthorised Leave During Term Time; Appendix 8)."""
from __future__ import annotations

import datetime as dt

from ..formatting import academic_year_label, format_date
from ..register import LEAVE, academic_year
from .earlier import not_counted_again, session_rows, typed_figure_cannot_leave_out, used_rows
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@rule("leave_sessions_minimum")
def leave_sessions_minimum(f: Facts) -> Outcome:
    """At least [6] sessions of code G in the academic year of the leave (003, Unauthorised Leave
    During Term Time: "6 sessions (3 consecutive days) or more ... during an academic year").

    Sessions already counted for an earlier penalty notice are not counted again (issue 4: the LA
    must not fine twice for the same absence); `details["relied_on"]` lists those this check used."""
    rule_id = "leave_sessions_minimum"
    minimum = f.param(rule_id, "minimum")
    source = f.profile.source(rule_id)
    # The academic year is the leave's: a request made in September for leave in July counts July's year.
    anchor = f.date("leave.start_date") or f.referral_date
    year_start, year_end = academic_year(anchor)
    last = min(year_end, f.referral_date)
    year = academic_year_label(year_start.year)
    leave = None
    if f.register is not None:  # the sessions register.leave_sessions counts
        leave = [s for s in f.register.sessions if s.code == LEAVE and year_start <= s.date <= last]
    figure = f.figure("leave_sessions", len(leave) if leave is not None else None)
    details = {"academic_year": year, "minimum": minimum, "origin": figure.origin}
    if figure.value is None:
        return Outcome(MISSING, "The number of sessions of unauthorised leave (code G) this academic year is not given: "
                                "enter it or upload the register marks.", source, details)
    reason = (f"{_plural(figure.value, 'session')} of unauthorised leave (code G) in the academic year {year}, "
              f"{figure.phrase()}; ")
    if leave is None:
        clash = f.used.between(year_start, last)
        if clash:
            return Outcome(MISSING, f"{reason}but {typed_figure_cannot_leave_out(clash)}.", source, details)
        counted, used = figure.value, []
    else:
        fresh, used = f.used.split(leave)
        counted = len(fresh)
        details.update(counted=counted, relied_on=session_rows(fresh), already_counted=used_rows(used))
        if used:
            reason += f"{not_counted_again(used, counted)}; "
    reason += f"at least {minimum} are needed."
    return Outcome(PASS if counted >= minimum else FAIL, reason, source, details)


@rule("leave_request_within_deadline")
def leave_request_within_deadline(f: Facts) -> Outcome:
    """The request is made no later than [28] days after the child's return (003, Appendix 8: "no
    later than 4 weeks following the child's return to school")."""
    rule_id = "leave_request_within_deadline"
    days = f.param(rule_id, "days")
    source = f.profile.source(rule_id)
    returned, made = f.date("leave.return_date"), f.referral_date
    if returned is None:
        return Outcome(MISSING, "The date the child returned to school is not given, so the deadline for the request "
                                "cannot be checked.", source)
    deadline = returned + dt.timedelta(days=days)
    elapsed = (made - returned).days
    details = {"return_date": returned.isoformat(), "referral_date": made.isoformat(),
               "deadline": deadline.isoformat(), "days_after_return": elapsed, "days_allowed": days}
    if made < returned:
        return Outcome(FAIL, f"The return date ({format_date(returned)}) is after the date of this request "
                             f"({format_date(made)}): the request can only be made once the child is back at school.",
                       source, details)
    when = f"Request made on {format_date(made)}, {_plural(elapsed, 'day')} after the child returned to school on " \
           f"{format_date(returned)}"
    if made <= deadline:
        return Outcome(PASS, f"{when}; it must be made within {days} days, by {format_date(deadline)}.", source, details)
    return Outcome(FAIL, f"{when}; it had to be made within {days} days, by {format_date(deadline)}, so the referral "
                         "may be returned and a Penalty Notice may not be issued.", source, details)
