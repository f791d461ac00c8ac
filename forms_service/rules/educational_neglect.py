"""What Knowsley's Educational Neglect Policy (004, Appendix D) asks before a school refers a family
through the MARF into MASH, one rule per condition, so that a returned referral names the one not met.

- "there will need to be substantial evidence of attempts to engage the family before this point"
  (`neglect_engagement_evidence`, blocking). The policy's graduated response names who works with the
  family at each level ("At Level 1, schools ..., at Level 2 Early Help or Traded Attendance Officers
  ..., at Level 3 Statutory Officers or Family First workers"), so the service reads "substantial" as
  at least one dated attempt at each of Levels 1, 2 and 3 before the referral, with the family's
  response: the policy gives no number.
- "If the work of the statutory officer does not result in the required attendance improvement within
  a half term, this may be escalated" (004, Level 4) unless "the family refuse to engage with Level 1,
  2 and 3 intervention" (Appendix D) (`neglect_statutory_half_term`, blocking): the end of a half term
  in the register and, as Appendix C has it, 6 school weeks of the work. See the rule.
- "The GCP2 tool or the Neglect screening tool should be used ... prior to referral"
  (`neglect_screening_tool`): "should", so advisory.
- The Attendance Vulnerable Children Group decides "if the threshold has been met ... and whether all
  agencies/ services have tried all other avenues"; "The school will then be asked to refer ... via the
  MARF ... explaining that this has been recommended by the Attendance Vulnerable Children Group"
  (`neglect_avcg_recommended`, blocking: without the group's recommendation there is nothing to refer).
"""
from __future__ import annotations

import datetime as dt

from ..dates import as_date
from ..formatting import format_date
from ..register.marks import Register
from ..register.schooldays import SchoolCalendar
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule

POLICY = "004, Appendix D (Knowsley MBC Educational Neglect Policy)"
LEVELS = ("1", "2", "3")


def _dates(days) -> str:
    return ", ".join(format_date(d) for d in days)


@rule("neglect_engagement_evidence")
def neglect_engagement_evidence(f: Facts) -> Outcome:
    """At least one attempt to engage the family at each of Levels 1, 2 and 3, dated before the
    referral, each with how the family responded (the service's reading of "substantial evidence")."""
    source = (f"{POLICY}, Rationale: \"there will need to be substantial evidence of attempts to engage the family "
              "before this point\"; an attempt at each of Levels 1, 2 and 3 (the service's reading: the policy "
              "gives no number)")
    on = f.referral_date
    attempts = [item for item in f.items("engagement") or [] if isinstance(item, dict)]
    by_level: dict[str, list[dt.date]] = {level: [] for level in LEVELS}
    late = []
    refused = 0
    for item in attempts:
        when, level = as_date(item.get("date")), item.get("level")
        if when is None or level not in by_level:
            continue
        if when >= on:
            late.append(when)
            continue
        by_level[level].append(when)
        refused += item.get("response") == "refused"
    counted = sum(len(days) for days in by_level.values())
    details = {"by_level": {level: len(days) for level, days in by_level.items()}, "refused": refused}
    if not attempts:
        return Outcome(MISSING, "No attempts to engage the family are listed: give the work at Levels 1, 2 and 3, "
                                "with dates and how the family responded.", source, details)
    said = "; ".join(f"Level {level}: {_dates(sorted(days)) if days else 'none'}" for level, days in by_level.items())
    if late:
        said += f"; not counted, as not before the referral on {format_date(on)}: {_dates(sorted(late))}"
    absent = [level for level, days in by_level.items() if not days]
    if absent:
        which = " and ".join(f"Level {level}" for level in absent)
        return Outcome(FAIL, f"Attempts to engage the family before the referral: {said}. There is no attempt at "
                             f"{which}: the policy needs substantial evidence of attempts to engage the family "
                             "before a referral for educational neglect.", source, details)
    return Outcome(PASS, f"{counted} attempts to engage the family before the referral ({said}); the family refused "
                         f"or did not engage {refused} time{'s' if refused != 1 else ''}.", source, details)


def _covers(register: Register, start: dt.date, on: dt.date) -> bool:
    """Whether the marks run from `start` to `on`: a register ending on Friday covers a referral dated
    the weekend after it."""
    if not register.sessions:
        return False
    first, last = register.sessions[0].date, register.sessions[-1].date
    return first <= start and all((last + dt.timedelta(days=i)).weekday() >= 5 for i in range(1, (on - last).days + 1))


@rule("neglect_statutory_half_term")
def neglect_statutory_half_term(f: Facts) -> Outcome:
    """A half term of the Statutory Officer's work before the referral (profile: escalation_after.
    statutory_half_terms), unless the family refused to engage at Levels 1-3.

    004, Level 4 gives the Statutory Officer "a half term" to bring the required improvement, and
    004, Appendix C asks at the same step "Family First and/or Statutory Officer work with family.
    After 6 weeks is the child attending school? NO: Level 4" (escalation_after.weeks). The service
    asks for both, as a referral into social care without the family's consent is not to be made
    early: at least 6 school weeks (30 school days) of the work, and the end of a half term since it
    began. Half terms are known only from the register (a whole week with no school day: a closure
    `#` or no marks), and school days are counted from its open days, so a holiday is never counted
    as work. Work begun in a half term's last week has not had a half term at the break.

    Without marks covering the work, a half term cannot be seen (the calendar knows bank holidays,
    not a school's holidays): the service counts the 6 weeks alone, as 30 weekdays less bank
    holidays, and says so."""
    half_terms = f.param("escalation_after", "statutory_half_terms")
    weeks = f.param("escalation_after", "weeks")
    needed = weeks * 5
    # The profile's sources already cite 004, Level 4 and Appendix C in the seed's words.
    source = (f"{f.profile.param_source('escalation_after', 'statutory_half_terms')}; "
              f"{f.profile.param_source('escalation_after', 'weeks')}; {POLICY}: "
              "\"if the family refuse to engage with Level 1, 2 and 3 intervention\"")
    on, start = f.referral_date, f.date("statutory_work_start")
    noun = "a half term" if half_terms == 1 else f"{half_terms} half terms"
    if f.flag("family_refused_engagement"):
        also = f" (the Statutory Officer's work began on {format_date(start)})" if start else ""
        return Outcome(PASS, f"The family refused to engage with the intervention at Levels 1, 2 and 3{also}: the "
                             f"policy allows the referral without waiting for {noun} of statutory work.", source)
    if start is None:
        return Outcome(MISSING, "The date the Statutory Officer's work with the family began is not given: a case "
                                f"is escalated to educational neglect after {noun} of statutory work without the "
                                "required improvement, or if the family refused to engage at Levels 1, 2 and 3.",
                       source)
    if start >= on:
        return Outcome(FAIL, f"The Statutory Officer's work is dated {format_date(start)}, not before this referral "
                             f"({format_date(on)}): {noun} of statutory work comes first.", source)
    register = f.register
    days = SchoolCalendar(register).between(start, on)
    began = f"The Statutory Officer's work began on {format_date(start)}, {days} school days before this referral"
    details = {"start": start.isoformat(), "half_terms": half_terms, "school_days": days, "needed": needed}
    enough = days >= needed
    short = f"fewer than the {needed} school days ({weeks} school weeks) the graduated response gives the work"
    seen = register is not None and _covers(register, start, on)
    if seen:
        runs = SchoolCalendar(register).holiday_runs(start, on)  # a half term ends at a week without school
        details.update({"from": "register"}, breaks=[run[0].isoformat() for run in runs])
        ended = len(runs) >= half_terms
        shown = (f"the register shows the end of {noun} since (no school in the week of "
                 f"{format_date(runs[half_terms - 1][0])})" if ended else
                 "the register shows no week without school days since, so the half term has not ended" if not runs
                 else f"the register shows only {len(runs)} of the {half_terms} half terms' ends since")
        if ended and enough:
            return Outcome(PASS, f"{began} (counted from the register), and {shown}: the case may be escalated to "
                                 "educational neglect.", source, details)
        why = shown if enough else f"{shown}, {'but' if ended else 'and'} {days} school days are {short}"
        return Outcome(FAIL, f"{began} (counted from the register); {why}: the statutory work has not yet had "
                             f"{noun}.", source, details)
    details["from"] = "calendar"
    unseen = (f"Half terms are known only from the register's marks, which do not cover {format_date(start)} to "
              f"{format_date(on)}, so the service counts {weeks} school weeks ({needed} school days: weekdays less "
              "bank holidays) instead")
    if enough:
        return Outcome(PASS, f"{began}. {unseen}: enough.", source, details)
    return Outcome(FAIL, f"{began}. {unseen}: the statutory work has not yet had {noun}.", source, details)


@rule("neglect_screening_tool")
def neglect_screening_tool(f: Facts) -> Outcome:
    """"The GCP2 tool or the Neglect screening tool should be used to assist in the decision making
    process prior to referral" (to the Attendance Vulnerable Children Group): should, so advisory."""
    source = (f"{POLICY}, Process: \"The GCP2 tool or the Neglect screening tool should be used to assist in the "
              "decision making process prior to referral\" (should: advisory)")
    tool, when = f.text("screening_tool"), f.date("screening_date")
    names = {"gcp2": "The GCP2 tool", "neglect_screening": "The Neglect screening tool"}
    if tool is None or tool == "none":
        said = "No screening tool is recorded" if tool is None else "Neither screening tool was used"
        return Outcome(ADVISORY, f"{said}: the policy says the GCP2 tool or the Neglect screening tool should be used "
                                 "before the referral to the Attendance Vulnerable Children Group.", source)
    name = names.get(tool, tool)
    if when is None:
        return Outcome(ADVISORY, f"{name} was used, but its date is not given.", source)
    before = f.date("avcg_date") or f.referral_date
    what = "the Attendance Vulnerable Children Group met" if f.date("avcg_date") else "this referral"
    if when > before:
        return Outcome(ADVISORY, f"{name} was completed on {format_date(when)}, after {what} "
                                 f"({format_date(before)}): the policy uses it before the referral to the group.",
                       source)
    return Outcome(PASS, f"{name} was completed on {format_date(when)}, before {what}.", source)


@rule("neglect_avcg_recommended")
def neglect_avcg_recommended(f: Facts) -> Outcome:
    """The Attendance Vulnerable Children Group met before the referral and decided both that the
    threshold is met and that all agencies have tried all other avenues: its recommendation is what
    the school's MARF explains."""
    source = (f"{POLICY}, Process: \"At the meeting it will be decided if the threshold has been met for an "
              "educational neglect referral and whether all agencies/ services have tried all other avenues\"; "
              "\"The school will then be asked to refer the child/family via the MARF referral process into MASH "
              "explaining that this has been recommended by the Attendance Vulnerable Children Group\"")
    met, threshold, avenues = f.date("avcg_date"), f.flag("avcg_threshold_met"), f.flag("avcg_all_avenues_tried")
    on = f.referral_date
    if met is None:
        return Outcome(MISSING, "The date of the Attendance Vulnerable Children Group meeting is not given: the "
                                "school refers through the MARF once the group has recommended it.", source)
    if met > on:
        return Outcome(FAIL, f"The Attendance Vulnerable Children Group meeting is dated {format_date(met)}, after "
                             f"this referral ({format_date(on)}): the group's recommendation comes first.", source)
    unanswered = [what for what, answer in (("whether the threshold for an educational neglect referral has been met",
                                             threshold),
                                            ("whether all agencies have tried all other avenues", avenues))
                  if answer is None]
    if unanswered:
        return Outcome(MISSING, f"The group's decision on {' and '.join(unanswered)} is not recorded.", source)
    if threshold is False:
        return Outcome(FAIL, f"The Attendance Vulnerable Children Group decided on {format_date(met)} that the "
                             "threshold for an educational neglect referral has not been met: it cannot be made.",
                       source)
    if avenues is False:
        return Outcome(FAIL, f"The Attendance Vulnerable Children Group decided on {format_date(met)} that not all "
                             "agencies have tried all other avenues: try them before referring.", source)
    return Outcome(PASS, f"The Attendance Vulnerable Children Group met on {format_date(met)}, decided the threshold "
                         "is met and all other avenues have been tried, and recommended this referral.", source)
