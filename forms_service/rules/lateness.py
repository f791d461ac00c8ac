"""Persistent lateness after the register has closed (code U): an LA's own threshold for a penalty
notice for lateness, where its profile sets one.

Knowsley's penalty notice code of conduct, quoted in 004 (Level 3, "Lateness has not improved or has
deteriorated"): "A penalty notice may be issued 'In cases where a child persistently arrives at
school after the register has closed and has accumulated 14 unauthorised late marks within a period
of no more than 10 weeks'". 004 (Level 1, Poor punctuality): "Arrival after registers close is coded
as U." Late before the register closed (L) is present, and not a late mark here.

The rule is always advisory: it signals that a lateness notice could be considered; it is not a
condition of the forms that list it. A profile without `late_marks_threshold` sets no lateness
threshold (national-2024, southend and stockport: their seeds set none), and the rule says so.

004 dates from 2021-2024. In England from 19 August 2024 a penalty notice follows the national threshold
(10 unauthorised sessions in 10 school weeks, U included: Working together to improve school attendance,
August 2024; SI 2024/210), which `unauthorised_sessions_threshold` checks; the reason says so (issue 20).
"""
from __future__ import annotations

from ..formatting import format_date, format_date_short
from ..register.marks import previous_school_weeks
from .engine import ADVISORY, Facts, Outcome, rule
from .law import law_of

RULE_ID = "late_marks_threshold"
LATE_AFTER_REGISTER_CLOSED = "U"  # in the 2024 set (SI 2024/208, reg. 10) and the older one (003, Appendix 1)


NATIONAL_NOTE = ("; from {since} the national threshold decides a penalty notice instead: {sessions} unauthorised "
                 "sessions in {weeks} school weeks, U included (Working together to improve school attendance, August "
                 "2024), checked on its own as \"Enough unauthorised absence in the recent school weeks\"")


def _national(f: Facts, on) -> str:
    """The note that the national threshold now applies, where the law in force on the form's date has one
    (rules/law.py: England's 2024 regime; Wales has none)."""
    if on is None or (regime := law_of(f.profile.jurisdiction).regime_on(on)).threshold is None:
        return ""
    sessions, weeks = regime.threshold
    return NATIONAL_NOTE.format(since=format_date(regime.in_force_from), sessions=sessions, weeks=weeks)


def _marks(n: int) -> str:
    return f"{n} late mark{'' if n == 1 else 's'}"


@rule(RULE_ID)
def late_marks_threshold(f: Facts) -> Outcome:
    """Advisory: [14] or more late marks after the register closed (U) in the previous [10] school
    weeks, measured from the form's date (004, Level 3; Knowsley's penalty notice code of conduct)."""
    if RULE_ID not in f.profile.rules:
        return Outcome(ADVISORY, f"The local authority's thresholds ({f.profile.name}) set none for lateness, so late "
                                 "marks are not checked for a penalty notice for lateness.", f.profile.name)
    needed, weeks = f.param(RULE_ID, "marks"), f.param(RULE_ID, "weeks")
    source = f.profile.source(RULE_ID)
    threshold = f"the profile's lateness threshold of {needed} late marks in {weeks} school weeks"
    if f.register is None:
        return Outcome(ADVISORY, f"Late marks were not checked against {threshold}: no register marks were "
                                 "uploaded.", source)
    on = f.measure_date
    if on is None:
        return Outcome(ADVISORY, f"Late marks were not checked against {threshold}: {f.measure_label} is not "
                                 "given.", source)
    window = previous_school_weeks(f.register, on, weeks)
    if not window.weeks:
        return Outcome(ADVISORY, f"Late marks were not checked against {threshold}: the register has no school "
                                 f"weeks up to {format_date(on)} ({f.measure_label}).", source)
    late = [s for s in window.sessions if s.code == LATE_AFTER_REGISTER_CLOSED]
    f.figures["late_marks_10wk"] = len(late)
    details = {"marks": needed, "weeks": weeks, "late_marks": len(late), "window_start": window.start.isoformat(),
               "window_end": window.end.isoformat(), "school_weeks": len(window.weeks),
               "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code} for s in late]}
    said = (f"{_marks(len(late))} after the register closed (code U) in the {len(window.weeks)} school weeks from "
            f"{format_date_short(window.start)} to {format_date_short(window.end)} ({f.measure_label})")
    if len(late) >= needed:
        return Outcome(ADVISORY, f"{said}: at or above {threshold}, so a penalty notice for persistent lateness may "
                                 f"be considered (a separate request){_national(f, on)}.", source, details)
    short = len(window.weeks) < weeks
    cover = f"; the register only covers {len(window.weeks)} of the {weeks} school weeks" if short else ""
    return Outcome(ADVISORY, f"{said}: below {threshold}{cover}{_national(f, on)}.", source, details)
