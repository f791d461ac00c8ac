"""The stage a Fast Track case has reached (003, "Fast Track to Attendance", In summary; Appendix 6).

003 gives two points at which a case can be referred, and two at which it closes instead:
- Week 4: "Actions and expected attendance met, close to Fast Track, monitor and support through
  usual school systems"; not met: "issue Final Warning".
- Week 6: "If the non-attendance continues with 50% attendance or less and there is no engagement
  from the parent, the case can be referred to the School Attendance Legal Intervention Officer.
  (This must be at least 5 school days after the Final Warning has been issued to the parent.)"
  The 5 school days are `final_warning_gap`; the [50]% is this rule's profile parameter.
- Week 8: "where satisfactory improvements are evidenced, no formal action will be taken ... Case
  closes to Fast Track"; "Where no or insufficient improvements are made, a referral (Appendix 6)
  is sent".

For a week 6 referral the attendance is counted from the register when marks are given: the
sessions after the Final Warning up to the referral date (the weeks the non-attendance "continues"
since the warning). Without marks, the form's typed "Attendance % over the past 6 weeks" (003,
Appendix 6, week 6 row) is used, and the reason says so.
"""
from __future__ import annotations

from ..formatting import format_date
from ..register.marks import CLOSED, count_by_class
from .coverage import SHORT_GAP_DAYS, ends_short
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule

RULE_ID = "fast_track_stage"
ROUTES = ("week6", "week8")  # the form's `referred_at` choices


def _pct(value: float) -> str:
    return f"{round(value, 1):g}%"


def _sentence(parts: list[str]) -> str:
    """The parts as one sentence: the first, a colon, then the others separated by semicolons."""
    head, *rest = parts
    text = f"{head}: {'; '.join(rest)}" if rest else head
    return text[:1].upper() + text[1:] + "."


@rule(RULE_ID)
def fast_track_stage(f: Facts) -> Outcome:
    """A case is referred only from week 6 or week 8 of Fast Track, and only if it has not closed."""
    source = f.profile.source(RULE_ID)
    outcome = f.get("week4.outcome")
    review = f.date("week4.meeting_date")
    at_review = f"at the week 4 review on {format_date(review)}" if review else "at the week 4 review"
    if outcome == "close":
        return Outcome(FAIL, f"The actions and expected attendance were met {at_review}, so the case closed to Fast "
                             "Track and cannot be referred under it: the school monitors and supports through its "
                             "usual systems.", source, {"week4_outcome": outcome})
    if outcome is None:
        return Outcome(MISSING, "The outcome of the week 4 review is not given: a case is referred only where the "
                                "actions and expected attendance were not met and a Final Warning was issued.", source)
    route = f.get("referred_at")
    if route not in ROUTES:
        return Outcome(MISSING, "Whether the case is referred at week 6 or after the week 8 review is not given.",
                       source)
    return _week6(f, source) if route == "week6" else _week8(f, source)


def _week8(f: Facts, source: str) -> Outcome:
    """003, In summary, week 8: improved, the case closes; not improved, the referral is sent."""
    improved, on = f.flag("week8.improved"), f.date("week8.review_date")
    held = f"at the week 8 school review on {format_date(on)}" if on else "at the week 8 school review"
    details = {"referred_at": "week8", "review_date": on.isoformat() if on else None, "improved": improved}
    if improved is True:
        return Outcome(FAIL, f"Attendance had improved following the agreed actions {held}: satisfactory "
                             "improvements mean no formal action, and the case closes to Fast Track.", source, details)
    if improved is None:
        return Outcome(MISSING, f"Whether attendance had improved following the agreed actions {held} is not given.",
                       source, details)
    if on is None:
        return Outcome(MISSING, "The date of the week 8 school review is not given: a week 8 referral follows it.",
                       source, details)
    if on > f.referral_date:
        return Outcome(FAIL, f"The week 8 school review on {format_date(on)} is after this referral on "
                             f"{format_date(f.referral_date)}: a week 8 referral follows the review.", source, details)
    overall = f.get("week8.attendance_pct")
    figure = f" (overall attendance {_pct(overall)})" if isinstance(overall, (int, float)) else ""
    return Outcome(PASS, f"Referred at week 8: attendance had not improved following the agreed actions {held}"
                         f"{figure}, so the case goes to the local authority.", source, details)


def _week6(f: Facts, source: str) -> Outcome:
    """003, In summary, week 6: [50]% attendance or less and no engagement from the parent."""
    max_pct = f.param(RULE_ID, "week6_max_pct")
    warning, on = f.date("final_warning_date"), f.referral_date
    details: dict = {"referred_at": "week6", "max_pct": max_pct}
    if warning is None:
        return Outcome(MISSING, "Referred at week 6, but the date of the Final Warning is not given, so the attendance "
                                "since it cannot be checked.", source, details)
    failed, missing, said = [], [], ["referred at week 6"]

    typed = f.get("week6.attendance_pct_6wk")
    typed = typed if isinstance(typed, (int, float)) and not isinstance(typed, bool) else None
    short_marks = ends_short(f.register, on, SHORT_GAP_DAYS) if f.register is not None else None
    if short_marks is not None:
        # Every day since the warning counts: marks that stop short cannot show attendance stayed low.
        details["origin"] = "register"
        missing.append(f"{short_marks[:1].lower()}{short_marks[1:]} to show attendance since the Final Warning")
        said.append(missing[-1])
    elif f.register is not None:
        sessions = [s for s in f.register.sessions if warning < s.date <= on]
        counts = count_by_class(sessions, f.register.code_set)
        possible = sum(counts.values()) - counts["not_counted"]
        attended = counts["present"] + counts["approved_activity"]
        last_mark = f.register.sessions[-1].date if f.register.sessions else None
        short = f" (the register's marks run to {format_date(last_mark)})" if last_mark and last_mark < on else ""
        details.update(origin="register", possible=possible, attended=attended)
        if possible == 0:
            text = (f"the register has no possible sessions after the Final Warning of {format_date(warning)} up to "
                    f"{format_date(on)}{short}: upload marks up to the referral date")
            missing.append(text)
            said.append(text)
        else:
            open_days = [s.date for s in sessions if s.code != CLOSED]
            first, last = open_days[0], open_days[-1]
            shown = round(attended * 100 / possible, 1)
            f.figures["attendance_pct_since_warning"] = shown
            details.update(window_start=first.isoformat(), window_end=last.isoformat(), attendance_pct=shown)
            text = (f"attendance since the Final Warning of {format_date(warning)} is {_pct(shown)} ({attended} of "
                    f"{possible} possible sessions from {format_date(first)} to {format_date(last)}, counted from the "
                    f"register{short})")
            met = attended * 100 <= max_pct * possible  # exact: 50% means 50%, whatever the rounding
            _judge(met, text, max_pct, failed, said)
            if typed is not None:  # a different window: shown, not compared
                said.append(f"the form gives {_pct(typed)} over the past 6 weeks, and the register's count is the "
                            "one used")
    elif typed is None:
        text = "attendance over the past 6 weeks is not given: enter it or upload the register marks"
        missing.append(text)
        said.append(text)
    else:
        details.update(origin="typed", attendance_pct=typed)
        text = f"attendance over the past 6 weeks is {_pct(typed)}, as entered on the form"
        _judge(typed <= max_pct, text, max_pct, failed, said)

    engaged = f.flag("week6.no_engagement")
    details["no_engagement"] = engaged
    if engaged is True:
        said.append("there has been no engagement from the parent since the Final Warning")
    elif engaged is False:
        text = ("the parent has engaged since the Final Warning, and a week 6 referral needs no engagement from the "
                "parent: review the case at week 8 instead")
        failed.append(text)
        said.append(text)
    else:
        text = "whether the parent has engaged since the Final Warning is not given"
        missing.append(text)
        said.append(text)

    status = FAIL if failed else MISSING if missing else PASS
    return Outcome(status, _sentence(said), source, details)


def _judge(met: bool, text: str, max_pct: float, failed: list, said: list) -> None:
    if met:
        said.append(f"{text}, which is {max_pct:g}% or less")
    else:
        line = f"{text}, but a week 6 referral needs {max_pct:g}% or less"
        failed.append(line)
        said.append(line)

