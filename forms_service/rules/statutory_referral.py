"""Knowsley's Statutory Referral Form (004, Level 3): what the Statutory Officer needs to see before
assessing whether a case can be progressed. One rule per step of the graduated response, so that an
officer returning a referral can name the one not done:

- Level 1 before Level 2: the school's actions and an Early Help Assessment, both before the first
  Level 2 meeting ("must", 004 Level 1; Level 2 / Step 1); blocking.
- Level 2: an Attendance Improvement Meeting or a Team Around the Family meeting held (Toolkit,
  Level 3: "AIM and/or TAF meeting actions have failed to improve attendance"), and at least the
  profile's `escalation_after.weeks` (6) school weeks of that work before the step up (Appendix C:
  "After 6 weeks is the child attending school? NO: School must refer case to Statutory officer"),
  unless the needs and risks to the child have increased (Level 3); blocking.
- The evidence of the casework attached ("School must gather appropriate evidence", Appendix C);
  blocking.
- Who refers: a school with Knowsley's SLA leaves the step up to its traded officer (Level 3);
  advisory.
- The national threshold for a penalty notice, advisory: the form asks the Statutory Officer to assess
  the case, not to issue a notice ("A penalty notice may be considered at this point", Level 3), so a
  case below the threshold may still be stepped up for other statutory work (Level 4: prosecution,
  an Education Supervision Order, educational neglect). The enforcement and penalty notice requests
  (000 Stage 3; 003 Appendices 7-8) block on it because the threshold is their legal condition.

School weeks are counted as the seed's "weeks" everywhere in this service (DESIGN.md §4): weeks with
the school open, from the register's marks where it has them (a half term, or a week closed all week,
is not one), and Monday to Friday less England's bank holidays beyond them, which the reasons say.
"""
from __future__ import annotations

import datetime as dt

from ..dates import as_date
from ..formatting import format_date
from ..register.schooldays import SchoolCalendar
from .attendance import unauthorised_sessions_threshold
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule
from .graduated_response import dates_of, early_help_before, level1_before, listed
from .paperwork import evidence_attached

MEETING_SOURCE = ("004, Level 2 / Step 2 (Attendance Improvement Meeting); Toolkit, Level 3: \"AIM and/or TAF meeting "
                  "actions have failed to improve attendance\"")
EVIDENCE_SOURCE = ("004, Appendix C: \"School must gather appropriate evidence of the casework completed to create an "
                   "evidential base should it need to move to L3\"; Toolkit, Level 2 (Evidence of successful Level 2 "
                   "practice)")
REFERRER_SOURCE = ("004, Level 3: \"If stepping up to Statutory Officer and the schools have bought into the SLA. "
                   "There is no further action to take, the traded officer will move this forward. If a school has "
                   "another provider for their SLA then the school will need to complete a Statutory Referral Form\"")
PENALTY_SOURCE = "004, Level 3: \"A penalty notice may be considered at this point\""
RISK_SOURCE = ("004, Level 3: \"where the Attendance Improvement meeting actions haven't worked within the half term "
               "or if the needs and risks to the child have increased\"")

# The meetings that start Level 2 work (a review of the AIM's plan continues it).
LEVEL2_STARTS = {"aim": "Attendance Improvement Meeting", "taf": "Team Around the Family meeting"}


def _level2_start(f: Facts) -> tuple[dt.date, str] | None:
    """The first AIM or TAF meeting before the referral, and which it was; None if there is none."""
    on = f.referral_date
    starts = sorted((d, kind) for item in f.items("level2_meetings") or [] if isinstance(item, dict)
                    and (kind := item.get("kind")) in LEVEL2_STARTS and (d := as_date(item.get("date"))) and d < on)
    return starts[0] if starts else None


def _before_level2(f: Facts) -> tuple[dt.date, str]:
    """What Level 1 must come before: the first Level 2 meeting, or the referral if none is listed."""
    start = _level2_start(f)
    if start is None:
        return f.referral_date, f"the date of this referral ({format_date(f.referral_date)})"
    return start[0], f"the first Level 2 meeting ({LEVEL2_STARTS[start[1]]}, {format_date(start[0])})"


@rule("statutory_level1_actions")
def statutory_level1_actions(f: Facts) -> Outcome:
    """The school's Level 1 actions, dated before Level 2 began (the first AIM or TAF meeting)."""
    return level1_before(dates_of(f.items("level1_actions")), *_before_level2(f))


@rule("statutory_early_help_assessment")
def statutory_early_help_assessment(f: Facts) -> Outcome:
    """An Early Help Assessment, dated before Level 2 began."""
    return early_help_before(f.date("early_help_assessment_date"), *_before_level2(f))


@rule("statutory_level2_meeting")
def statutory_level2_meeting(f: Facts) -> Outcome:
    """An Attendance Improvement Meeting or a TAF meeting held before the referral; its reviews named."""
    on = f.referral_date
    meetings = f.items("level2_meetings") or []
    aims = dates_of(meetings, lambda m: m.get("kind") == "aim")
    tafs = dates_of(meetings, lambda m: m.get("kind") == "taf")
    reviews = [d for d in dates_of(meetings, lambda m: m.get("kind") == "aim_review") if d < on]
    held = {name: [d for d in days if d < on] for name, days in (("aim", aims), ("taf", tafs))}
    details = {"aim": len(held["aim"]), "taf": len(held["taf"]), "reviews": len(reviews)}
    if not held["aim"] and not held["taf"]:
        late = [d for d in aims + tafs if d >= on]
        if late:
            return Outcome(FAIL, f"The Level 2 meetings listed ({listed(sorted(late))}) are not before the date of "
                                 f"this referral ({format_date(on)}): the step up follows the AIM or TAF meeting's "
                                 "actions.", MEETING_SOURCE, details)
        return Outcome(MISSING, "No Attendance Improvement Meeting (AIM) or Team Around the Family (TAF) meeting is "
                                "listed: the step up to the Statutory Officer follows their actions at Level 2.",
                       MEETING_SOURCE, details)
    parts = []
    if held["aim"]:
        parts.append(f"Attendance Improvement Meeting on {listed(held['aim'])}")
    if held["taf"]:
        parts.append(f"TAF meeting{'s' if len(held['taf']) > 1 else ''} on {listed(held['taf'])}")
    said = " and ".join(parts)
    plan = f"; the action plan reviewed on {listed(reviews)}" if reviews else "; no review of the action plan listed"
    if not held["aim"]:
        plan += " (no AIM listed)"
    return Outcome(PASS, f"Level 2: {said}{plan}.", MEETING_SOURCE, details)


def school_weeks_reached(start: dt.date, weeks: int, calendar: SchoolCalendar) -> dt.date:
    """The date `weeks` school weeks after `start`: its weekday in the `weeks`-th school week after the
    week of `start` (a week with no school day, such as a half term, is not counted)."""
    return calendar.nth_school_week(start, weeks) + dt.timedelta(days=start.weekday())


def school_weeks_since(start: dt.date, on: dt.date, calendar: SchoolCalendar) -> int:
    """Whole school weeks from `start` to `on` (the largest n with school_weeks_reached(n) <= on)."""
    n = 0
    while school_weeks_reached(start, n + 1, calendar) <= on:
        n += 1
    return n


def _origin(start: dt.date, on: dt.date, calendar: SchoolCalendar) -> str:
    """Where the school weeks from `start` to `on` were counted from: "register", "calendar" or "both"."""
    if calendar.first is None:
        return "calendar"
    return "register" if calendar.first <= start and on <= calendar.last else "both"


def _counted_how(origin: str, calendar: SchoolCalendar) -> str:
    """How the weeks were counted, in words."""
    unknown = ("half terms and holidays are known only from the register, so a week of holiday in between counts "
               "as a school week")
    if origin == "calendar":
        return f"counted Monday to Friday less England's bank holidays as no register marks are uploaded ({unknown})"
    if origin == "register":
        return ("counted from the register (a week without marks or closed all week, such as a half term, is not a "
                "school week)")
    return (f"counted from the register from {format_date(calendar.first)} to {format_date(calendar.last)}, and "
            f"outside it Monday to Friday less England's bank holidays ({unknown})")


@rule("statutory_level2_weeks")
def statutory_level2_weeks(f: Facts) -> Outcome:
    """At least [6] school weeks of Level 2 work, from the first AIM or TAF meeting to the referral,
    unless the needs and risks to the child have increased (then advisory, saying so)."""
    weeks = f.param("escalation_after", "weeks")
    source = f"{f.profile.source('escalation_after')} ({f.profile.param_source('escalation_after', 'weeks')})"
    start = _level2_start(f)
    if start is None:
        return Outcome(MISSING, f"No AIM or TAF meeting before this referral is listed, so the {weeks} school weeks "
                                "of Level 2 work cannot be counted.", source)
    began, kind = start
    on = f.referral_date
    calendar = SchoolCalendar(f.register)
    done = school_weeks_since(began, on, calendar)
    due = school_weeks_reached(began, weeks, calendar)
    origin = _origin(began, on, calendar)
    details = {"school_weeks": done, "needed": weeks, "from": began.isoformat(), "reached_on": due.isoformat(),
               "origin": origin}
    said = (f"This referral on {format_date(on)} is {done} school week{'s' if done != 1 else ''} after the first "
            f"Level 2 meeting ({LEVEL2_STARTS[kind]}, {format_date(began)}), {_counted_how(origin, calendar)}")
    if done >= weeks:
        return Outcome(PASS, f"{said}; at least {weeks} are needed.", source, details)
    if f.flag("needs_risks_increased"):
        return Outcome(ADVISORY, f"{said}, fewer than the {weeks} school weeks (reached on {format_date(due)}); the "
                                 "school says the needs and risks to the child have increased, which allows an earlier "
                                 "step up.", f"{source}; {RISK_SOURCE}", details)
    return Outcome(FAIL, f"{said}; at least {weeks} school weeks of Level 2 work are needed before the step up, "
                         f"reached on {format_date(due)}, unless the needs and risks to the child have increased.",
                   source, details)


@rule("statutory_casework_evidence")
def statutory_casework_evidence(f: Facts) -> Outcome:
    """Every piece of the evidence of Levels 1-2 the form lists, attached (the enclosures' check, cited to
    Appendix C's "must gather appropriate evidence")."""
    enclosures = evidence_attached(f)
    if enclosures.status == PASS:
        return enclosures._replace(source=EVIDENCE_SOURCE)
    return enclosures._replace(reason=f"{enclosures.reason[:-1]}: the school must gather the evidence of the casework "
                                      "completed for the Statutory Officer.", source=EVIDENCE_SOURCE)


@rule("statutory_referrer")
def statutory_referrer(f: Facts) -> Outcome:
    """Advisory: a school that has Knowsley's SLA leaves the step up to its traded officer."""
    by, sla = f.text("referred_by"), f.flag("school_has_knowsley_sla")
    if by is None or sla is None:
        return Outcome(ADVISORY, "The form does not yet say who is making the referral and whether the school has "
                                 "bought into Knowsley's attendance SLA.", REFERRER_SOURCE)
    if sla and by == "school":
        return Outcome(ADVISORY, "The school has bought into Knowsley's attendance SLA: its traded officer moves the "
                                 "step up to the Statutory Officer forward, with no further action for the school. "
                                 "Send this form only if the traded officer has asked for it.", REFERRER_SOURCE)
    if sla:
        return Outcome(PASS, "The traded officer is stepping the case up for a school with Knowsley's attendance SLA.",
                       REFERRER_SOURCE)
    return Outcome(PASS, "The school has another provider for its attendance SLA, so it completes the Statutory "
                         "Referral Form itself.", REFERRER_SOURCE)


@rule("statutory_penalty_notice_threshold")
def statutory_penalty_notice_threshold(f: Facts) -> Outcome:
    """The national threshold for a penalty notice (`unauthorised_sessions_threshold`, the profile's
    numbers), for the Statutory Officer to see: met is a pass (its sessions kept as relied on, as an
    enforcement referral keeps them), not met or not known is advisory, never blocking."""
    inner = unauthorised_sessions_threshold(f)
    source = f"{PENALTY_SOURCE}; {inner.source}"
    if inner.status == PASS:
        return inner._replace(reason=f"{inner.reason[:-1]}: the national threshold for a penalty notice is met, so "
                                     "the Statutory Officer may consider one.", source=source)
    if inner.status == FAIL:
        tail = ("the national threshold for a penalty notice is not met. This does not stop the referral: the "
                "Statutory Officer assesses the case for statutory work, and a penalty notice only once the "
                "threshold is met.")
    else:
        tail = "this does not stop the referral: the Statutory Officer checks the threshold before any penalty notice."
    return inner._replace(status=ADVISORY, reason=f"{inner.reason[:-1]}; {tail}", source=source)
