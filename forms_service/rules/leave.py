"""Rules for leave of absence taken in term time (003, Unauthorised Leave During Term Time; Appendix 8),
under the law in force on the date of the request.

From 19 August 2024 the national framework sets one threshold for considering a penalty notice for
any unauthorised absence, leave included: 10 sessions of G, N, O or U in any mix within a rolling 10
school weeks (Working together to improve school attendance, DfE, August 2024; The Education
(Penalty Notices) (England) (Amendment) Regulations 2024, SI 2024/210). A leave request is then
checked against that threshold (`unauthorised_sessions_threshold`, over the 10 school weeks ending
with the week of the request, as the panel and fast-track paths are) and the leave must lie in those
weeks. 003's "6 sessions (3 consecutive days) or more ... during an academic year" (2023) is the rule
only for requests dated before then (DESIGN.md section 3 gave it as the default until it was
corrected)."""
from __future__ import annotations

import datetime as dt

from ..formatting import academic_year_label, format_date, format_date_short
from ..register.marks import ABSENT, CLOSED, LEAVE, Register, academic_year, previous_school_weeks
from .earlier import not_counted_again, session_rows, typed_figure_cannot_leave_out, used_rows
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule
from .law import REGIME_2024, law_of

# The forms asking for a penalty notice for leave of absence.
LEAVE_FORMS = ("penalty-notice-leave",)
LEAVE_THRESHOLD_FROM = REGIME_2024.in_force_from  # 19 August 2024
LEAVE_THRESHOLD_SOURCE = (
    "Working together to improve school attendance (DfE, August 2024), the national threshold: 10 sessions of "
    "unauthorised absence, leave included, in a rolling 10 school weeks; The Education (Penalty Notices) (England) "
    "(Amendment) Regulations 2024 (SI 2024/210), in force 19 August 2024")


def national_threshold_for_leave(on: dt.date, jurisdiction: str = "england") -> bool:
    """Whether a leave request dated `on` is judged by a national threshold: in England from 19
    August 2024; never in Wales, where the LA's code of conduct sets the leave minimum (issue 19)."""
    since = law_of(jurisdiction).national_leave_threshold_from
    return since is not None and on >= since


def _local_minimum_law(f: Facts) -> tuple[str, str]:
    """(what the source adds, why this minimum applies) for the profile's own leave minimum."""
    law = law_of(f.profile.jurisdiction)
    if law.national_leave_threshold_from is None:
        regulations = law.regime_on(f.referral_date).regulations
        return (f" ({regulations}: no national threshold; the local authority's code of conduct sets it)",
                f"the local authority's minimum; {law.name} sets no national threshold ({regulations})")
    return (" (the law before 19 August 2024)",
            "003's minimum, the rule for a request dated before 19 August 2024; from then the national threshold "
            "governs leave")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _leave_dates(f: Facts) -> tuple[dt.date | None, dt.date | None]:
    start = f.date("leave.start_date")
    return start, f.date("leave.end_date") or start


@rule("leave_sessions_minimum")
def leave_sessions_minimum(f: Facts) -> Outcome:
    """The leave sessions a request relies on, by the law in force on its date: from 19 August 2024
    the sessions of code G on the stated leave dates, which must lie in the national threshold's 10
    school weeks (the threshold itself is `unauthorised_sessions_threshold`); before then at least
    [6] sessions of code G in the academic year of the leave (003, Unauthorised Leave During Term
    Time: "6 sessions (3 consecutive days) or more ... during an academic year").

    Sessions already counted for an earlier penalty notice are not counted again (issue 4: the LA
    must not fine twice for the same absence); `details["relied_on"]` lists those this check used."""
    if national_threshold_for_leave(f.referral_date, f.profile.jurisdiction):
        return _leave_in_the_threshold_window(f)
    rule_id = "leave_sessions_minimum"
    minimum = f.param(rule_id, "minimum")
    law_note, why = _local_minimum_law(f)
    source = f"{f.profile.source(rule_id)}{law_note}"
    # The academic year is the leave's: a request made in September for leave in July counts July's year.
    anchor = f.date("leave.start_date") or f.referral_date
    year_start, year_end = academic_year(anchor)
    last = min(year_end, f.referral_date)
    year = academic_year_label(year_start.year)
    leave = None
    if f.register is not None:  # the sessions register.leave_sessions counts
        leave = [s for s in f.register.sessions if s.code == LEAVE and year_start <= s.date <= last]
    figure = f.figure("leave_sessions", len(leave) if leave is not None else None)
    details = {"academic_year": year, "minimum": minimum, "origin": figure.origin, "law": "before-2024"}
    if figure.value is None:
        return Outcome(MISSING, "The number of sessions of unauthorised leave (code G) this academic year is not given: "
                                "enter it or upload the register marks.", source, details)
    reason = (f"{_plural(figure.value, 'session')} of unauthorised leave (code G) in the academic year {year}, "
              f"{figure.phrase()}; ")
    counted, reason = _counted(f, leave, figure.value, reason, details, year_start, last)
    if counted is None:
        return Outcome(MISSING, reason, source, details)
    reason += f"at least {minimum} are needed ({why})."
    return Outcome(PASS if counted >= minimum else FAIL, reason, source, details)


def _leave_in_the_threshold_window(f: Facts) -> Outcome:
    source = f"{LEAVE_THRESHOLD_SOURCE}; {f.profile.name}"
    weeks = f.param("unauthorised_sessions_threshold", "weeks")
    start, end = _leave_dates(f)
    if start is None:
        return Outcome(MISSING, "The dates of the leave are not given.", source)
    on = f.referral_date
    when = f"from {format_date_short(start)} to {format_date_short(end)}" if end != start else \
        f"on {format_date_short(start)}"
    law = (f"for a request dated from {format_date(LEAVE_THRESHOLD_FROM)} the national threshold decides (checked "
           "on its own), and 003's minimum of 6 sessions in an academic year no longer applies")
    leave = None
    if f.register is not None:
        leave = [s for s in f.register.sessions if s.code == LEAVE and start <= s.date <= end]
    figure = f.figure("leave_sessions", len(leave) if leave is not None else None)
    details = {"law": "2024", "leave_start": start.isoformat(), "leave_end": end.isoformat(), "origin": figure.origin}
    if figure.value is None:
        return Outcome(MISSING, "The number of sessions of unauthorised leave (code G) is not given: enter it or upload "
                                "the register marks.", source, details)
    reason = f"{_plural(figure.value, 'session')} of unauthorised leave (code G) {when}, {figure.phrase()}; "
    counted, reason = _counted(f, leave, figure.value, reason, details, start, end)
    if counted is None:
        return Outcome(MISSING, reason, source, details)
    # Without marks the school weeks cannot be told apart from holidays; a request made within 28
    # days of the return (leave_request_within_deadline) is well within 10 school weeks.
    if leave is not None:
        window = previous_school_weeks(f.register, on, weeks)
        if window.start is not None:
            details.update(window_start=window.start.isoformat(), window_end=window.end.isoformat())
        if end > on:
            return Outcome(FAIL, f"{reason}the leave ends after the date of this request ({format_date(on)}).",
                           source, details)
        if window.start is None or start < window.start:
            since = f"from {format_date_short(window.start)} " if window.start else ""
            return Outcome(FAIL, f"{reason}the leave does not lie within the {weeks} school weeks {since}to "
                                 f"{format_date(on)} that the national threshold counts, so it cannot be relied on "
                                 "for this request.", source, details)
    if counted == 0:
        why = "so none is left for this request" if figure.value else \
            "a request for leave of absence needs leave (code G) on the stated dates"
        return Outcome(FAIL, f"{reason}{why}.", source, details)
    return Outcome(PASS, f"{reason}{law}.", source, details)


def _counted(f: Facts, leave, typed, reason: str, details: dict, first: dt.date, last: dt.date):
    """(sessions counted, the reason so far): the register's leave sessions (`leave`) less those
    already counted for an earlier notice, or the typed figure when there are no marks; (None, why)
    when a typed figure cannot show that sessions used between `first` and `last` are left out."""
    if leave is None:
        if clash := f.used.between(first, last):
            return None, f"{reason}but {typed_figure_cannot_leave_out(clash)}."
        return typed, reason
    fresh, used = f.used.split(leave)
    details.update(counted=len(fresh), relied_on=session_rows(fresh), already_counted=used_rows(used))
    if used:
        reason += f"{not_counted_again(used, len(fresh))}; "
    return len(fresh), reason


@rule("leave_dates_match_register")
def leave_dates_match_register(f: Facts) -> Outcome:
    """The stated leave agrees with the register marks: every session of the leave dates is
    unauthorised absence, and the child was not absent on returning (issue 15: a request whose
    dates the marks contradict must not pass on a count made elsewhere in the year). Without marks
    it can only be said that nothing was checked (advisory)."""
    source = "003, Appendix 8 (Dates of leave; Date child returned to school); school attendance codes (DfE, 2024)"
    start, end = _leave_dates(f)
    returned = f.date("leave.return_date")
    if start is None or returned is None:
        return Outcome(MISSING, "The dates of the leave and the date the child returned are needed to check them "
                                "against the register marks.", source)
    if f.register is None:
        return Outcome(ADVISORY, "No register marks are uploaded, so the leave dates and the return date have not been "
                                 "checked against them.", source)
    marks = [s for s in f.register.sessions if s.code != CLOSED]
    if not marks or marks[0].date > start or marks[-1].date < returned:
        return Outcome(MISSING, f"The register marks run from {format_date(marks[0].date) if marks else '-'} to "
                                f"{format_date(marks[-1].date) if marks else '-'}: upload marks from the first day of "
                                f"the leave ({format_date(start)}) to the return ({format_date(returned)}).", source)
    during = [s for s in marks if start <= s.date <= end]
    not_absent = [s for s in during if f.register.classify(s.code) != "unauthorised"]
    after = _absent_on_return(f.register, marks, returned)
    details = {"leave_sessions": len(during), "not_unauthorised": _rows(not_absent), "absent_after_return": _rows(after)}
    problems = []
    if not during:
        problems.append(f"the register has no school sessions from {format_date_short(start)} to "
                        f"{format_date_short(end)}, the stated leave")
    elif not_absent:
        problems.append(f"{_plural(len(not_absent), 'session')} of the stated leave "
                        f"{'is' if len(not_absent) == 1 else 'are'} not marked as unauthorised absence: "
                        f"{_listed(not_absent)}")
    if after:
        problems.append(f"the child was absent after the stated return date of {format_date(returned)}: "
                        f"{_listed(after)}")
    if problems:
        return Outcome(FAIL, "; ".join(p[0].upper() + p[1:] if i == 0 else p for i, p in enumerate(problems))
                       + ". Correct the dates from the register, or the register.", source, details)
    return Outcome(PASS, f"The register marks agree with the stated leave: {_plural(len(during), 'session')} of "
                         f"unauthorised absence from {format_date_short(start)} to {format_date_short(end)}, and the "
                         f"child was back on {format_date(returned)}.", source, details)


def _absent_on_return(register: Register, marks: list, returned: dt.date) -> list:
    """The unbroken run of absence (authorised or not) from the first session on or after the
    stated return date: empty when the child was there."""
    run = []
    for s in (m for m in marks if m.date >= returned):
        if register.classify(s.code) not in ABSENT:
            break
        run.append(s)
    return run


def _rows(sessions) -> list[dict]:
    return [{"date": s.date.isoformat(), "session": s.session, "code": s.code} for s in sessions]


def _listed(sessions) -> str:
    """"2 Nov AM (/), 2 Nov PM (\\), 3 Nov AM (/)", shortened past 10 sessions."""
    shown = [f"{format_date_short(s.date)} {s.session} ({s.code})" for s in sessions[:10]]
    more = f" and {len(sessions) - 10} more" if len(sessions) > 10 else ""
    return ", ".join(shown) + more


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
