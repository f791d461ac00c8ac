"""Rules about the child: compulsory school age, looked-after status, Year 11 timing, lead professional."""
from __future__ import annotations

import datetime as dt
import re

from ..formatting import format_date
from .engine import ADVISORY, FAIL, MISSING, PASS, Facts, Outcome, rule
from .schoolage import birthday, compulsory_school_age_end, compulsory_school_age_start

AGE_SOURCE = ("003, Section 1; Education Act 1996 s.8; Education (Start of Compulsory School Age) Order 1998; "
              "000, para 9")


@rule("compulsory_school_age")
def compulsory_school_age(f: Facts) -> Outcome:
    """Legal intervention only applies to a child of compulsory school age (000, para 9)."""
    dob, on = f.date("pupil.date_of_birth"), f.measure_date
    if dob is None:
        return Outcome(MISSING, "The child's date of birth is not given, so compulsory school age cannot be checked.",
                       AGE_SOURCE)
    if on is None:
        return Outcome(MISSING, f"{f.measure_label.capitalize()} is not given, so compulsory school age cannot be "
                                "checked.", AGE_SOURCE)
    start, end = compulsory_school_age_start(dob), compulsory_school_age_end(dob)
    details = {"on": on.isoformat(), "start": start.isoformat(), "end": end.isoformat()}
    if on < start:
        return Outcome(FAIL, f"Not yet of compulsory school age on {format_date(on)}: it starts on {format_date(start)}, "
                             f"the prescribed day after the 5th birthday ({format_date(birthday(dob, 5))}).",
                       AGE_SOURCE, details)
    if on > end:
        return Outcome(FAIL, f"No longer of compulsory school age on {format_date(on)}: it ended on {format_date(end)}, "
                             "the last Friday in June of the school year in which the child turned 16.",
                       AGE_SOURCE, details)
    return Outcome(PASS, f"Of compulsory school age on {format_date(on)} (from {format_date(start)} to "
                         f"{format_date(end)}).", AGE_SOURCE, details)


@rule("not_looked_after")
def not_looked_after(f: Facts) -> Outcome:
    source = "003, Sanctions; 003, Fast Track to Attendance (Case meets criteria)"
    looked_after = f.flag("pupil.looked_after")
    if looked_after is None:
        return Outcome(MISSING, "The form does not say whether the child is looked after by the local authority.",
                       source)
    if looked_after:
        return Outcome(FAIL, "The child is looked after by the local authority: legal action for non-attendance is "
                             "not available; work with the Virtual School and the child's social worker instead.",
                       source)
    return Outcome(PASS, "The child is not looked after by the local authority.", source)


# 002, Step 5 speaks of "one and a half terms" left. Half the spring term and the summer term up to
# the last Friday in June run from the spring half-term, about 19 calendar weeks before that Friday.
ONE_AND_A_HALF_TERMS = dt.timedelta(weeks=19)


@rule("year11_timing")
def year11_timing(f: Facts) -> Outcome:
    """Advisory: Year 11 pupils with little time left are unlikely to lead to a prosecution."""
    source = "002, Step 5 (Prosecution of parents of Year 11 pupils)"
    dob, on = f.date("pupil.date_of_birth"), f.measure_date or f.referral_date
    if dob is None:
        return Outcome(ADVISORY, "Could not check how long is left before the end of compulsory school age: the "
                                 "child's date of birth is not given.", source)
    end = compulsory_school_age_end(dob)
    final_year_start = dt.date(end.year - 1, 9, 1)
    if not final_year_start <= on <= end:
        return Outcome(PASS, f"Not in the final school year of compulsory school age (which ends on "
                             f"{format_date(end)}).", source)
    weeks = (end - on).days // 7
    if end - on < ONE_AND_A_HALF_TERMS:
        return Outcome(ADVISORY, f"In the final year of compulsory school age with {weeks} weeks left before it ends "
                                 f"on {format_date(end)}, less than one and a half terms: a prosecution is unlikely "
                                 f"unless younger siblings have attendance concerns{_siblings(f)}.", source,
                       {"weeks_left": weeks})
    return Outcome(PASS, f"In the final year of compulsory school age with {weeks} weeks left before it ends on "
                         f"{format_date(end)}, more than one and a half terms.", source, {"weeks_left": weeks})


def _siblings(f: Facts) -> str:
    """What the form says about younger siblings (`younger_siblings_concerns`, where a form asks it:
    002, Step 5's exception), for the advisory's reason."""
    answer = f.flag("younger_siblings_concerns")
    if answer is None:
        return ""
    if answer:
        return " (the form says younger siblings do have attendance concerns, so the EWS may still act)"
    return " (the form says no younger siblings have attendance concerns)"


# Words in the "other agencies" answer that mean a social worker or a multi-agency plan is involved.
_LEAD_PROFESSIONAL = re.compile(
    r"social\s*(care|worker|services)|child\s*protection|\bcp\b|child\s*in\s*need|\bcin\b|\btac\b|\btaf\b|"
    r"team\s*around|early\s*help|supporting\s*families", re.IGNORECASE)


@rule("lead_professional")
def lead_professional(f: Facts) -> Outcome:
    """With a social worker or a TAC/TAF/CP process, consult the lead professional first (000, Stage
    3). Advisory by default (DESIGN.md §3); a profile that says `blocking` (Stockport, whose Stage 3
    says such referrals "should not be made without consultation") makes it fail, and an unanswered
    question missing. Reads `other_agencies` (text) and `lead_professional_consulted` (bool)."""
    blocking = f.param("lead_professional", "blocking")
    source = f.profile.source("lead_professional")
    agencies = f.text("other_agencies")
    if agencies is None:
        return Outcome(MISSING if blocking else ADVISORY,
                       "Could not check: the form does not say which other agencies work with the family. "
                       "If the child has a social worker or is in a TAC/TAF or Child Protection process, "
                       "consult the lead professional before referring.", source)
    if not _LEAD_PROFESSIONAL.search(agencies):
        return Outcome(PASS, "No social worker, TAC/TAF or Child Protection process is named among the other "
                             "agencies working with the family.", source)
    consulted = f.flag("lead_professional_consulted")
    if consulted:
        return Outcome(PASS, "Other agencies are involved and the lead professional has been consulted.", source)
    advice = (f"Other agencies are involved ({agencies[:120]}): consult the lead professional or social worker "
              "before referring, and record that you have.")
    if not blocking:
        return Outcome(ADVISORY, advice, source)
    if consulted is None:
        return Outcome(MISSING, f"{advice} The form does not say whether they were consulted.", source)
    return Outcome(FAIL, f"{advice} This local authority's referrals for a child in a TAC/TAF or Child Protection "
                         "process are not made without that consultation.", source)
