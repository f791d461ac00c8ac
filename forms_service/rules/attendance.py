"""Rules on attendance figures over a window of school weeks, and the absence band (advisory)."""
from __future__ import annotations

import datetime as dt

from ..formatting import academic_year_label, format_date, format_date_short
from ..register.marks import (DEFAULT_CODE_SET, Window, academic_year, band_of, count_by_class, load_code_set,
                              previous_school_weeks)
from .coverage import WINDOW_GAP_DAYS, ends_short
from .earlier import not_counted_again, session_rows, typed_figure_cannot_leave_out, used_rows
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule
from .law import law_of
from .leave import LEAVE_FORMS, LEAVE_THRESHOLD_FROM, LEAVE_THRESHOLD_SOURCE, national_threshold_for_leave


def _span(window: Window | None, weeks: int, f: Facts) -> str:
    if window is None:
        return f"in the previous {weeks} school weeks"
    return (f"in the {len(window.weeks)} school weeks from {format_date_short(window.start)} to "
            f"{format_date_short(window.end)} ({f.measure_label})")


def _window(f: Facts, weeks: int) -> Window | None:
    if f.register is None or f.measure_date is None:
        return None
    return previous_school_weeks(f.register, f.measure_date, weeks)


def _cannot_measure(f: Facts, source: str) -> Outcome | None:
    """With a register, the rule needs a date to measure from and some school weeks before it."""
    if f.register is None:
        return None
    if f.measure_date is None:
        return Outcome(MISSING, f"{f.measure_label.capitalize()} is not given, so the register cannot be measured "
                                "from it.", source)
    if not previous_school_weeks(f.register, f.measure_date, 1).weeks:
        return Outcome(MISSING, f"The register has no school weeks up to {format_date(f.measure_date)} "
                                f"({f.measure_label}).", source)
    # Weeks without marks would count as closures and slide the window back over older weeks.
    if (short := ends_short(f.register, f.measure_date, WINDOW_GAP_DAYS)) is not None:
        return Outcome(MISSING, f"{short} ({f.measure_label}), so the school weeks before it can be counted.", source)
    return None


# A school year has 39 school weeks (190 days) in 52, so N school weeks always lie within the
# N + 13 calendar weeks before a date: sessions counted for an earlier notice before that cannot be
# in the window even when no register says where the window starts.
NON_SCHOOL_WEEKS = 13


@rule("unauthorised_sessions_threshold")
def unauthorised_sessions_threshold(f: Facts) -> Outcome:
    """At least [10] unauthorised sessions (G, N, O, U) in the previous [10] school weeks (national
    threshold from 2024, 000 para 5; 003, Attendance Panels). A profile may make the bound strict
    ("more than 10", 000 Stage 3).

    Sessions already counted for an earlier penalty notice (a request signed in this service, or
    a notice whose sessions the form lists) are not counted again: the LA must not fine twice for
    the same absence (issue 4). The sessions this check relied on are in `details["relied_on"]`."""
    rule_id = "unauthorised_sessions_threshold"
    needed, weeks = f.param(rule_id, "sessions"), f.param(rule_id, "weeks")
    inclusive = f.param(rule_id, "inclusive")
    source = f.profile.source(rule_id)
    if f.form_id in LEAVE_FORMS:
        # On the leave path the threshold is the law's (from 19 August 2024), not a panel's.
        law = law_of(f.profile.jurisdiction)
        if national_threshold_for_leave(f.referral_date, f.profile.jurisdiction):
            source = f"{LEAVE_THRESHOLD_SOURCE}; {f.profile.name}"
        elif law.national_leave_threshold_from is None:
            regulations = law.regime_on(f.referral_date).regulations
            return Outcome(PASS, f"Not applied: {law.name} sets no national threshold for leave of absence "
                                 f"({regulations}); the local authority's leave minimum applies (checked on its own).",
                           f"{regulations}; {f.profile.source('leave_sessions_minimum')}", {"in_force": False})
        else:
            return Outcome(PASS, f"Not applied: this request is dated {format_date(f.referral_date)}, before "
                                 f"{format_date(LEAVE_THRESHOLD_FROM)}, when the national threshold came into force "
                                 "for leave of absence; 003's leave minimum of that time applies (checked on its own).",
                           LEAVE_THRESHOLD_SOURCE, {"in_force": False})
    if (early := _cannot_measure(f, source)) is not None:
        return early
    window = _window(f, weeks)
    code_set = load_code_set(f.register.code_set if f.register else DEFAULT_CODE_SET)
    unauthorised = [s for s in window.sessions if code_set.classify(s.code) == "unauthorised"] \
        if window is not None else None
    figure = f.figure("unauthorised_sessions_10wk", len(unauthorised) if unauthorised is not None else None)
    if figure.value is None:
        return Outcome(MISSING, f"The number of unauthorised sessions in the previous {weeks} school weeks is not "
                                "given: enter it or upload the register marks.", source)
    details = {"needed": needed, "inclusive": inclusive, "weeks": weeks, "origin": figure.origin}
    if unauthorised is None:
        on = f.measure_date or f.referral_date
        clash = f.used.between(on - dt.timedelta(weeks=weeks + NON_SCHOOL_WEEKS), on)
        if clash:
            return Outcome(MISSING, f"{figure.value} unauthorised sessions in the previous {weeks} school weeks, as "
                                    f"entered on the form; but {typed_figure_cannot_leave_out(clash)}.", source, details)
        counted = figure.value
        fresh, used = [], []
    else:
        fresh, used = f.used.split(unauthorised)
        counted = len(fresh)
    met = counted >= needed if inclusive else counted > needed
    codes = ", ".join(code_set.codes_in("unauthorised"))
    need = f"at least {needed} are needed" if inclusive else f"more than {needed} are needed"
    noun = "unauthorised session" if figure.value == 1 else "unauthorised sessions"
    mix = f": {_mix(unauthorised, code_set)}" if unauthorised else ""
    reason = f"{figure.value} {noun} (codes {codes}) {_span(window, weeks, f)}{mix}, {figure.phrase()}; "
    if used:
        reason += f"{not_counted_again(used, counted)}; "
    reason += f"{need}."
    if window is not None:
        details.update(window_start=window.start and window.start.isoformat(), window_end=window.end.isoformat(),
                       school_weeks=len(window.weeks), counted=counted, relied_on=session_rows(fresh),
                       already_counted=used_rows(used), by_code=_by_code(unauthorised, code_set))
        if not met and len(window.weeks) < weeks:
            return Outcome(MISSING, f"{reason[:-1]}, but the register only covers {len(window.weeks)} of the "
                                    f"{weeks} school weeks: upload marks going back further.", source, details)
    return Outcome(PASS if met else FAIL, reason, source, details)


# What each unauthorised code is, in the words an officer uses (the code sets' own descriptions are
# longer): "6 G (leave), 4 U (late after the register closed)". G, N, O and U are unauthorised in
# both the 2024 and the 2006 code sets.
MIX_LABELS = {"G": "leave", "N": "reason not yet established", "O": "other unauthorised absence",
              "U": "late after the register closed"}


def _by_code(sessions, code_set) -> dict[str, int]:
    """{code: sessions}, in the code set's order."""
    order = code_set.codes_in("unauthorised")
    counts: dict[str, int] = {}
    for s in sorted(sessions, key=lambda s: order.index(s.code) if s.code in order else len(order)):
        counts[s.code] = counts.get(s.code, 0) + 1
    return counts


def _mix(sessions, code_set) -> str:
    """The sessions by code: "6 G (leave), 4 U (late after the register closed)"."""
    return ", ".join(f"{n} {c}" + (f" ({MIX_LABELS[c]})" if c in MIX_LABELS else "")
                     for c, n in _by_code(sessions, code_set).items())


@rule("attendance_in_window")
def attendance_in_window(f: Facts) -> Outcome:
    """Attendance at or below [90]% in the previous [10] school weeks (003, Fast Track; Attendance
    Panels)."""
    rule_id = "attendance_in_window"
    max_pct, weeks = f.param(rule_id, "max_pct"), f.param(rule_id, "weeks")
    source = f.profile.source(rule_id)
    if (early := _cannot_measure(f, source)) is not None:
        return early
    window = _window(f, weeks)
    counts = count_by_class(window) if window is not None else None
    possible = attended = None
    computed = None
    if counts is not None:
        possible = sum(counts.values()) - counts["not_counted"]
        attended = counts["present"] + counts["approved_activity"]
        computed = round(attended * 100 / possible, 1) if possible else None
        if possible == 0:
            return Outcome(MISSING, f"No possible sessions {_span(window, weeks, f)}, so attendance cannot be "
                                    "worked out from the register.", source)
    figure = f.figure("attendance_pct_10wk", computed, same=lambda typed, comp: round(typed, 1) == round(comp, 1))
    if figure.value is None:
        return Outcome(MISSING, f"Attendance over the previous {weeks} school weeks is not given: enter it or upload "
                                "the register marks.", source)
    details = {"max_pct": max_pct, "weeks": weeks, "origin": figure.origin}
    if counts is not None:
        met = attended * 100 <= max_pct * possible  # exact: 90% means 90%, whatever the rounding
        shown = f"Attendance {figure.value:g}% ({attended} of {possible} possible sessions)"
        details.update(possible=possible, attended=attended, school_weeks=len(window.weeks),
                       window_start=window.start.isoformat(), window_end=window.end.isoformat())
    else:
        met = figure.value <= max_pct
        shown = f"Attendance {figure.value:g}%"
    reason = f"{shown} {_span(window, weeks, f)}, {figure.phrase(lambda v: f'{v:g}%')}; it must be {max_pct}% or less."
    if window is not None and len(window.weeks) < weeks:
        return Outcome(MISSING, f"{reason[:-1]}, but the register only covers {len(window.weeks)} of the {weeks} "
                                "school weeks: upload marks going back further.", source, details)
    return Outcome(PASS if met else FAIL, reason, source, details)


@rule("absence_band")
def absence_band(f: Facts) -> Outcome:
    """Advisory: persistently (10%+) or severely (50%+) absent so far this academic year (001, 6.4)."""
    source = "001, 6.4 (persistent and severe absence)"
    on = f.measure_date or f.referral_date
    if f.register is None:
        return Outcome(ADVISORY, "Could not check the absence band: no register marks were uploaded.", source)
    start, _ = academic_year(on)
    year = academic_year_label(start.year)
    sessions = [s for s in f.register.sessions if start <= s.date <= on]
    counts = count_by_class(sessions, f.register.code_set)
    possible = sum(counts.values()) - counts["not_counted"]
    if possible == 0:
        return Outcome(ADVISORY, f"Could not check the absence band: no possible sessions in {year} up to "
                                 f"{format_date(on)}.", source)
    missed = possible - counts["present"] - counts["approved_activity"]
    pct = round(missed * 100 / possible, 1)
    f.figures["absence_pct_year"] = pct
    said = f"{pct:g}% of possible sessions missed ({missed} of {possible}) in {year} up to {format_date(on)}"
    details = {"missed": missed, "possible": possible, "academic_year": year}
    band = band_of(missed, possible)  # 001, 6.4: missing 10% or more; 50% or more
    if band == "severe":
        return Outcome(ADVISORY, f"Severely absent: {said}. Severely absent pupils need intensive support from all "
                                 "partners.", source, details)
    if band == "persistent":
        return Outcome(ADVISORY, f"Persistently absent: {said}. Make sure targeted support is in place.", source,
                       details)
    return Outcome(PASS, f"Neither persistently nor severely absent: {said}.", source, details)
