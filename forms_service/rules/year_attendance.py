"""Attendance this school year, counted cumulatively, against a level the profile sets per form (issue 20).

The Peterborough trust's letters follow its Appendix B1 (001): "Attendance below 96%" (a notification of
concern, at the headteacher's discretion) and "Attendance below 90%" (a letter with a request for a
meeting), attendance "calculated cumulatively" (001, 6.3). Knowsley's Level 1 begins "when attendance
drops below 95%" (004, Level 1; Appendix C), and its educational neglect factor is attendance "75% or
below" (004, Appendix D). So the level, whether it is "below" or "at or below" (`inclusive`), and whether
a pupil above it blocks the document or is only worth a look (`blocking`), are the profile's, per form.

Counted from 1 September of the school year of the form's date up to that date, over possible sessions
(codes not counted left out), exactly: 96% means 96%, whatever the rounding of the figure shown.
"""
from __future__ import annotations

from ..formatting import academic_year_label, format_date
from ..policies import at_level
from ..register.marks import academic_year, count_by_class
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule

RULE_ID = "attendance_this_year"


def _level(max_pct, inclusive: bool) -> str:
    return f"{max_pct:g}% or below" if inclusive else f"below {max_pct:g}%"


@rule(RULE_ID)
def attendance_this_year(f: Facts) -> Outcome:
    """Cumulative attendance this school year [below / at or below] the profile's level for this form."""
    if RULE_ID not in f.profile.rules:
        # A draft started under one profile and checked after its LA moved to another: say so, never fail.
        return Outcome(ADVISORY, f"The local authority's thresholds ({f.profile.name}) set no attendance level for "
                                 "this document, so attendance this school year was not checked against one.",
                       f.profile.name)
    max_pct, inclusive = f.param(RULE_ID, "max_pct"), bool(f.param(RULE_ID, "inclusive"))
    blocking = bool(f.param(RULE_ID, "blocking"))
    source = f"{f.profile.source(RULE_ID)} ({f.profile.param_source(RULE_ID, 'max_pct', f.form_id)})"
    short, unmet = (FAIL, MISSING) if blocking else (ADVISORY, ADVISORY)
    level = _level(max_pct, inclusive)
    on = f.measure_date
    computed = possible = attended = None
    year = None
    if f.register is not None and on is not None:
        start, _ = academic_year(on)
        year = academic_year_label(start.year)
        counts = count_by_class([s for s in f.register.sessions if start <= s.date <= on], f.register.code_set)
        possible = sum(counts.values()) - counts["not_counted"]
        attended = counts["present"] + counts["approved_activity"]
        computed = round(attended * 100 / possible, 1) if possible else None
    figure = f.figure("attendance_pct", computed, same=lambda typed, comp: round(typed, 1) == round(comp, 1))
    if figure.value is None:
        why = ("the register has no possible sessions this school year up to the date" if possible == 0
               else "it is not given: enter it or upload the register marks")
        return Outcome(unmet, f"Attendance this school year cannot be checked against {level}: {why}.", source,
                       {"max_pct": max_pct, "inclusive": inclusive})
    details = {"max_pct": max_pct, "inclusive": inclusive, "origin": figure.origin}
    if computed is not None:
        # Exact, in whole sessions: 959 of 1,000 is below 96%, 960 of 1,000 is not.
        met = at_level(attended, possible, max_pct, inclusive)
        shown = (f"Attendance {figure.value:g}% ({attended} of {possible} possible sessions) in {year} up to "
                 f"{format_date(on)}")
        details.update(attended=attended, possible=possible, academic_year=year, on=on.isoformat())
    else:
        met = figure.value <= max_pct if inclusive else figure.value < max_pct
        shown = f"Attendance {figure.value:g}% this school year"
    what = getattr(f.form, "short_title", None) or "document"
    reason = f"{shown}, {figure.phrase(lambda v: f'{v:g}%')}; the {what[0].lower() + what[1:]} is for attendance {level}"
    if met:
        return Outcome(PASS, f"{reason}.", source, details)
    if blocking:
        return Outcome(short, f"{reason}, so it cannot be used for this child.", source, details)
    return Outcome(short, f"{reason}: it is not, so send it only if the headteacher judges it right.", source, details)
