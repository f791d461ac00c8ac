"""Rules on the Final Warning letter (003, Appendix 4): sent to every parent, still valid with an
unauthorised absence since, and a fast-track referral not too soon after it."""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date
from ..register.marks import Register, school_days_after, school_weeks, week_of
from ..register.schooldays import SchoolCalendar, listed_closures
from .coverage import WINDOW_GAP_DAYS, starts_late, weekdays_between
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule

RULE_PARAMS = "final_warning"  # the profile keeps valid_weeks and gap_school_days together


def valid_until(calendar: SchoolCalendar, sent: dt.date, valid_weeks: int, horizon: int = 80) -> dt.date | None:
    """The last day a Final Warning sent on `sent` is valid (003, Sanctions: "valid for 10 school weeks"), as
    final_warning_valid counts it: the school weeks with a school day after the warning (its own week counts
    if the school is open later in it), holidays and half terms not counted; valid to the Sunday that ends
    the last of them. School days are the register's where it has marks, else the calendar's. None past
    `horizon` weeks."""
    monday, counted = week_of(sent), 0
    for _ in range(horizon):
        if any(calendar.is_school_day(day) for i in range(5) if (day := monday + dt.timedelta(days=i)) > sent):
            counted += 1
            if counted == valid_weeks:
                return monday + dt.timedelta(days=6)
        monday += dt.timedelta(weeks=1)
    return None


def _register_note(register: Register, on: dt.date) -> str:
    last = register.sessions[-1].date if register.sessions else None
    return f" (the register's marks run to {format_date(last)})" if last and last < on else ""


@rule("final_warning_issued")
def final_warning_issued(f: Facts) -> Outcome:
    """`final_warning_date` is, by the data dictionary, when the warning was sent to all parents."""
    source = "003, Fast Track to Attendance (Case meets criteria); Attendance Panels; Appendix 4"
    sent, parents = f.date("final_warning_date"), f.items("parents")
    if sent is None:
        return Outcome(MISSING, "The date the Final Warning was sent to all parents and carers is not given.", source)
    if not parents:
        return Outcome(MISSING, "No parent or carer is named, so it cannot be seen who the Final Warning went to.",
                       source)
    if sent > f.referral_date:
        return Outcome(FAIL, f"The Final Warning date ({format_date(sent)}) is after the date of this request "
                             f"({format_date(f.referral_date)}).", source)
    names = [(p.get("name") or "").strip() if isinstance(p, dict) else "" for p in parents]
    if not all(names):
        return Outcome(MISSING, f"{len(names) - len([n for n in names if n])} of the parents and carers listed has no "
                                "name, so it cannot be shown the Final Warning went to every one of them.", source)
    named = ", ".join(names)
    who = "the parent or carer" if len(parents) == 1 else f"all {len(parents)} parents and carers"
    return Outcome(PASS, f"The Final Warning was sent on {format_date(sent)} to {who} named ({named}).", source)


@rule("final_warning_valid")
def final_warning_valid(f: Facts) -> Outcome:
    """Within its [10] school weeks at the request, with an unauthorised absence after it (003,
    Sanctions: "Warning letters are valid for 10 school weeks"; a penalty notice follows "the first
    unauthorised absence after the warning")."""
    valid_weeks = f.param(RULE_PARAMS, "valid_weeks")
    source = f.profile.source(RULE_PARAMS)
    sent, on = f.date("final_warning_date"), f.referral_date
    if sent is None:
        return Outcome(MISSING, "The date of the Final Warning is not given.", source)
    if f.register is None:
        return Outcome(MISSING, f"Upload the register marks so the service can check the Final Warning is still "
                                f"within its {valid_weeks} school weeks and that there has been an unauthorised "
                                "absence since.", source)
    if on < sent:
        return Outcome(FAIL, f"The Final Warning date ({format_date(sent)}) is after the date of this request "
                             f"({format_date(on)}).", source)
    if (late := starts_late(f.register, sent, WINDOW_GAP_DAYS)) is not None:
        # The school weeks since the warning cannot be counted from marks that begin after it.
        return Outcome(MISSING, f"{late}, so the school weeks since the Final Warning can be counted.", source)
    # School weeks after the warning: the first is the one with the first open day after it.
    after = [s for s in f.register.sessions if sent < s.date <= on]
    weeks = school_weeks(after)
    valid = set(weeks[:valid_weeks])
    details = {"school_weeks_since": len(weeks), "valid_weeks": valid_weeks}
    last = f.register.sessions[-1].date if f.register.sessions else None
    if last is not None and last < on and len(weeks) < valid_weeks:
        # Marks that stop short of the request cannot show the warning is still in force: the
        # weeks in between may be school weeks. Up to a week short is normal (an export from
        # yesterday) and cannot push the count past the limit.
        unknown = (week_of(on) - week_of(last)).days // 7
        if len(weeks) + unknown > valid_weeks:
            return Outcome(MISSING, f"The register marks end on {format_date(last)}, {unknown} weeks before this "
                                    f"request on {format_date(on)}: upload marks up to the request so the service can "
                                    f"check the Final Warning of {format_date(sent)} is still within its "
                                    f"{valid_weeks} school weeks.", source, details)
    if len(weeks) >= valid_weeks and on > (expiry := weeks[valid_weeks - 1] + dt.timedelta(days=6)):
        return Outcome(FAIL, f"The Final Warning of {format_date(sent)} was valid for {valid_weeks} school weeks, to "
                             f"{format_date(expiry)}; this request on {format_date(on)} is after that.", source, details)
    unauthorised = [s for s in after if f.register.classify(s.code) == "unauthorised" and week_of(s.date) in valid]
    if not unauthorised:
        return Outcome(FAIL, f"No unauthorised absence has been recorded since the Final Warning of "
                             f"{format_date(sent)} up to {format_date(on)}{_register_note(f.register, on)}: a penalty "
                             "notice follows the first unauthorised absence after the warning.", source, details)
    first = unauthorised[0]
    details["first_unauthorised"] = first.date.isoformat()
    return Outcome(PASS, f"The Final Warning of {format_date(sent)} is still valid (school week {len(weeks)} of "
                         f"{valid_weeks}), and there has been unauthorised absence since: {len(unauthorised)} "
                         f"session{'s' if len(unauthorised) > 1 else ''}, the first on {format_date(first.date)} "
                         f"{first.session} (code {first.code}).", source, details)


@rule("final_warning_gap")
def final_warning_gap(f: Facts) -> Outcome:
    """A fast-track referral at least [5] school days after the Final Warning (003, Fast Track, week 6)."""
    gap = f.param(RULE_PARAMS, "gap_school_days")
    source = f.profile.source(RULE_PARAMS)
    sent, on = f.date("final_warning_date"), f.referral_date
    if sent is None:
        return Outcome(MISSING, "The date of the Final Warning is not given.", source)
    if on < sent:
        return Outcome(FAIL, f"The Final Warning date ({format_date(sent)}) is after the date of this request "
                             f"({format_date(on)}).", source)
    if f.register is None:
        return _gap_from_the_calendar(f, sent, on, gap, source)
    days = len(school_days_after(f.register, sent, until=on))
    details = {"school_days_since": days, "needed": gap}
    said = f"This request on {format_date(on)} is {days} school day{'s' if days != 1 else ''} after the Final " \
           f"Warning of {format_date(sent)}"
    if days >= gap:
        return Outcome(PASS, f"{said}; at least {gap} are needed.", source, details)
    last = f.register.sessions[-1].date if f.register.sessions else sent
    unknown = weekdays_between(max(last, sent), on)
    if days + unknown >= gap:
        # Days after the last mark may be school days: the register cannot show the gap either way.
        details["weekdays_without_marks"] = unknown
        return Outcome(MISSING, f"{said} counted from the register, whose marks end on {format_date(last)}; the "
                                f"{unknown} weekday{'s' if unknown != 1 else ''} after that have no marks. Upload marks "
                                f"up to {format_date(on)}: at least {gap} school days are needed.", source, details)
    return Outcome(FAIL, f"{said}{_register_note(f.register, on)}; it can only be made at least {gap} school days "
                         "after the warning.", source, details)


def _gap_from_the_calendar(f: Facts, sent: dt.date, on: dt.date, gap: int, source: str) -> Outcome:
    """Without marks, school days are counted as the Fast Track timeline counts those ahead of the
    register (forms_service.referrals.timeline): Monday to Friday, less England's bank holidays and the
    closures the form lists (issue 15). The reason says so, since a closure not listed would count."""
    closures = listed_closures(f.get("school_closures"))
    days = SchoolCalendar(None, closures).between(sent, on)
    details = {"school_days_since": days, "needed": gap, "origin": "calendar", "closures_listed": len(closures)}
    listed = f"the {len(closures)} school closure{'s' if len(closures) != 1 else ''} listed on the form" \
        if closures else "school closures (none is listed on the form)"
    said = (f"This request on {format_date(on)} is {days} school day{'s' if days != 1 else ''} after the Final "
            f"Warning of {format_date(sent)}, counted Monday to Friday less England's bank holidays and {listed}, "
            "as no register marks are uploaded")
    if days >= gap:
        return Outcome(PASS, f"{said}; at least {gap} are needed.", source, details)
    return Outcome(FAIL, f"{said}; it can only be made at least {gap} school days after the warning.", source, details)
