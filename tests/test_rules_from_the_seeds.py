"""The eligibility rules written from the seeds' own words (issue 4).

For every rule id of DESIGN.md section 3 (and `fast_track_stage`): a worked case whose docstring
quotes the seed sentence it encodes; every numeric threshold one under, at and one over, with the
value read from each shipped profile; register windows across the October half-term and Christmas;
the code-set differences (J and J1, H gone in 2024); compulsory-school-age edges; penalty-notice
amounts and the two-in-three-years limit either side of 19 August 2024; and, for every fact a rule
reads, a case with that fact absent, which must come out `missing` (never `pass`).

Every case runs a real form declaration (forms_service.formdefs.get_form) through
forms_service.rules.evaluate with a shipped profile (forms_service.policies.load_profile). The base
cases are the shipped samples (tests/samples/<form>.json) loaded through the form's own schema (so
every field is one the form has); the Fast Track case is moved into 2025/26 so that its register fits
tests/support/registers.py. That calendar: autumn term 3 Sep (INSET 1-2 Sep) to 19 Dec 2025, half-term 27-31
Oct; spring term 5 Jan to 27 Mar 2026, half-term 16-20 Feb; summer term 13 Apr to 22 Jul 2026,
half-term 25-29 May, May Day 4 May. Half-terms are `#` (planned closure); Christmas and Easter have
no sessions at all. The previous 10 school weeks of a Friday in term hold 100 possible sessions.

The tests on registers that stop short of a date, or start after one, and on a parent without a
name, found six cases where a rule passed (or failed) on facts it was not given; each is fixed.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

import pytest

from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.register.exports import read_register_file
from forms_service.register.marks import Register, RegisterError
from forms_service.rules import evaluate

from support.helpers import with_changes
from support.registers import D, PupilRegister, present_code

SAMPLES = Path(__file__).resolve().parent / "samples"
PROFILES = ("national-2024", "southend", "stockport")
UNAUTHORISED = ("N", "O", "U")  # a realistic mix; G is leave

# Each form's seed profile: the LA whose form it is (003 is Southend's, 000 Stockport's).
SEED_PROFILE = {"ppm-request": "southend", "fast-track-referral": "southend", "penalty-notice-panel": "southend",
                "penalty-notice-leave": "southend", "enforcement-referral": "stockport",
                "stage2-letter": "stockport"}

# Dates of the base cases (see each builder below).
PPM_REFERRAL = D(2026, 3, 20)        # Friday: its 10 school weeks run from Monday 5 January, 100 sessions
ENF_REFERRAL = D(2026, 3, 20)
PANEL = D(2026, 3, 6)                # Friday: from Monday 8 December 2025 (Christmas and February half-term)
PANEL_REFERRAL = D(2026, 3, 19)
AFTER_PANEL = D(2026, 3, 16)         # the first unauthorised absence after the panel's Final Warning
LEAVE_REFERRAL = D(2026, 3, 24)
FT_WARNING = D(2025, 10, 6)          # Fast Track: week 4 review and Final Warning, Monday 6 October 2025
FT_WEEK8 = D(2025, 11, 3)
FT_REFERRAL = D(2025, 11, 5)
FT_WEEK6_REFERRAL = D(2025, 10, 20)  # two weeks after the warning: 10 school days, 20 sessions


# ------------------------------------------------------------------------------------------ helpers

def raw_sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


# The Fast Track sample (Riley Hammond) is set in autumn 2026; the same case one year earlier, so that
# the register of tests/support/registers.py covers it. Riley (born 23 November 2012) is in Year 8 in 2025/26.
FAST_TRACK_2025 = {
    "pupil": {"year_group": "Year 8"},
    "other_agencies": "School nurse (drop-in sessions since June 2025). No other agency is involved.",
    "support_meeting_date": "2025-09-08",
    "week1": {"review_date": "2025-10-06"},
    "school_closures": [{"start_date": "2025-10-27", "end_date": "2025-10-31", "description": "October half-term"}],
    "week4": {"meeting_date": "2025-10-06"},
    "final_warning_date": FT_WARNING.isoformat(),
    "week8": {"review_date": FT_WEEK8.isoformat()},
    "referral_date": FT_REFERRAL.isoformat(),
}


def _merge(base: dict, patch: dict) -> dict:
    out = dict(base)
    for key, value in patch.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


# Referral forms whose figures are optional (counted from the register when marks are uploaded).
OPTIONAL_FIGURES = {"ppm-request", "fast-track-referral", "penalty-notice-panel", "penalty-notice-leave",
                    "enforcement-referral"}


@lru_cache(maxsize=None)
def _loaded(form_id: str) -> dict:
    """The sample through the form's complete schema (it must be valid), every enclosure supplied."""
    form = get_form(form_id)
    raw = raw_sample(form_id)
    if form_id == "fast-track-referral":
        raw = _merge(raw, FAST_TRACK_2025)
    if form_id in OPTIONAL_FIGURES:
        raw.pop("figures", None)  # the register decides; tests that need typed figures give them
    if form.evidence:
        raw["evidence"] = [e["kind"] for e in form.evidence]
    return form.schema(complete=True).load(raw)


DROP = object()  # in case(): take the answer out


def case(form_id: str, **changes) -> dict:
    """A copy of the form's base case with `changes`: "a__b" is the path a.b; DROP removes it."""
    return with_changes(copy.deepcopy(_loaded(form_id)), changes, drop=DROP)


def without(data: dict, path: str) -> dict:
    """A copy of `data` with the fact at the dotted path (list indexes allowed) taken out."""
    data = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        del node[int(last)]
    else:
        del node[last]
    return data


def judge(form_id: str, data: dict, register: PupilRegister | Register | None = None, *,
          profile: str | None = None, today: dt.date | None = None):
    built = register.build() if isinstance(register, PupilRegister) else register
    on = data.get("referral_date") or today or D(2026, 7, 22)
    return evaluate(get_form(form_id), data, register=built, profile=load_profile(profile or SEED_PROFILE[form_id]),
                    today=today or on)


def outcome(rule_id: str, form_id: str, data: dict, register=None, **kwargs):
    return judge(form_id, data, register, **kwargs).rule(rule_id)


def spread(pupil: PupilRegister, n: int, first: dt.date, last: dt.date, codes=UNAUTHORISED, seed: int = 0):
    """Mark `n` present sessions between `first` and `last` with the codes in turn (repeatably)."""
    for i in range(n):
        pupil.mark_sessions(1, codes[i % len(codes)], first, last, seed=seed + i)
    return pupil


# ------------------------------------------------------------------------------------------ registers

def ppm_register(unauthorised: int = 14) -> PupilRegister:
    """Chloe Harding (PPM request, 20 March 2026): `unauthorised` sessions in the 10 school weeks from
    5 January, a day of illness in the autumn, and one unauthorised session on Friday 19 December, the
    school week before the window, which must not count."""
    pupil = PupilRegister(last=PPM_REFERRAL)
    pupil.mark(D(2025, 11, 12), "I").mark(D(2025, 12, 19), "O", ["AM"])
    return spread(pupil, unauthorised, D(2026, 1, 5), PPM_REFERRAL, seed=40)


def enforcement_register(unauthorised: int = 14) -> PupilRegister:
    """Kacey Thornton (Stockport Stage 3, 20 March 2026): as Chloe's, the window from 5 January."""
    pupil = PupilRegister(last=ENF_REFERRAL)
    pupil.mark(D(2025, 10, 2), "M", ["PM"]).mark(D(2025, 12, 19), "O", ["PM"])
    return spread(pupil, unauthorised, D(2026, 1, 5), ENF_REFERRAL, seed=60)


def panel_register(unauthorised: int = 12, *, until: dt.date = PANEL_REFERRAL, panel: dt.date = PANEL,
                   after_panel: bool = True) -> PupilRegister:
    """Jayden Clarke (attendance panel on 6 March 2026): `unauthorised` sessions in the 10 school weeks
    from 8 December 2025 (over Christmas and the February half-term), one on Friday 5 December (the
    week before, not counted), and a day of unauthorised absence on Monday 16 March, after the panel."""
    pupil = PupilRegister(last=until)
    pupil.mark(D(2025, 12, 5), "O", ["AM"])
    window = pupil.open_days(D(2025, 12, 8), panel)
    spread(pupil, unauthorised, window[0], window[-1], codes=("O", "N"), seed=11)
    if after_panel and AFTER_PANEL <= until:
        pupil.mark(AFTER_PANEL, "O")
    return pupil


def leave_register(first: dt.date = D(2026, 3, 9), last: dt.date = D(2026, 3, 13), code: str = "G",
                   code_set: str = "2024") -> PupilRegister:
    """Oliver Bennett: a term-time holiday from `first` to `last`, back at school on Monday 16 March."""
    pupil = PupilRegister(last=LEAVE_REFERRAL, code_set=code_set)
    pupil.mark(D(2025, 11, 20), "I")
    return pupil.mark_days(first, last, code)


def riley(after_warning_attended: int | None = None, *, until: dt.date = FT_REFERRAL) -> Register:
    """Riley Hammond's Fast Track, 2025/26, with marks up to `until`. In the 10 school weeks to the
    Final Warning on Monday 6 October (30 June to 6 October 2025, over the summer holiday: 82 possible
    sessions) he has 12 unauthorised sessions and 2 of illness: 68 of 82, 82.9%. After the warning the
    absence goes on. With `after_warning_attended`, of the 20 sessions from 7 to 20 October he attends
    exactly that many."""
    pupil = PupilRegister(first=D(2025, 6, 2), last=FT_REFERRAL)
    pupil.mark(D(2025, 7, 21), "O")                              # the last Monday of the summer term
    pupil.mark(D(2025, 9, 10), "I")                              # ill: authorised
    pupil.mark_days(D(2025, 9, 15), D(2025, 9, 16), "O")
    pupil.mark(D(2025, 9, 22), "U", ["AM"])                      # arrived after the register closed
    pupil.mark(D(2025, 9, 29), "O").mark(D(2025, 10, 2), "N", ["AM"]).mark(D(2025, 10, 3), "O")
    if after_warning_attended is None:
        pupil.mark(D(2025, 10, 14), "O").mark(D(2025, 10, 21), "U", ["AM"])
        pupil.mark(D(2025, 11, 3), "O").mark(D(2025, 11, 4), "O", ["AM"])
    else:
        after = [(d, s) for d in pupil.open_days(D(2025, 10, 7), FT_WEEK6_REFERRAL) for s in ("AM", "PM")]
        assert len(after) == 20
        for d, s in after[after_warning_attended:]:
            pupil.mark(d, "O", [s])
    return pupil.build(until=until)


def week6_case(**changes) -> dict:
    """Riley referred at week 6 (003, In summary, Week 6), on Monday 20 October 2025."""
    return case("fast-track-referral", **{"referred_at": "week6", "referral_date": FT_WEEK6_REFERRAL,
                                          "week6__no_engagement": True, **changes})


BASES = {  # form id -> (data, register) for a complete, eligible case
    "ppm-request": lambda: (case("ppm-request"), ppm_register()),
    "enforcement-referral": lambda: (case("enforcement-referral"), enforcement_register()),
    "penalty-notice-panel": lambda: (case("penalty-notice-panel"), panel_register()),
    "penalty-notice-leave": lambda: (case("penalty-notice-leave"), leave_register()),
    "fast-track-referral": lambda: (case("fast-track-referral"), riley()),
}


# ====================================================================================== the base cases

@pytest.mark.parametrize("form_id", sorted(BASES))
def test_each_base_case_is_a_valid_form_that_no_rule_blocks(form_id):
    """The starting point of every test below: with its register, the case passes every blocking rule,
    so a test that changes one fact sees that fact's effect alone."""
    data, register = BASES[form_id]()
    verdict = judge(form_id, data, register)
    assert verdict.eligible, [(r.id, r.status, r.reason) for r in verdict.rules if r.status in ("fail", "missing")]
    assert [r.id for r in verdict.rules] == list(get_form(form_id).rules)
    assert verdict.disagreements == []


# ====================================================================================== worked cases

def test_compulsory_school_age_worked_case():
    """003, Section 1: "Compulsory school age starts the first day of term after a child's fifth
    birthday. A child ceases to be of compulsory school age on the last Friday in June, in the school
    year that a child reaches 16 years old." 000, para 9: "Attendance legal intervention can only be
    used for pupils of compulsory school age".

    Kacey Thornton, born 9 February 2011, turned 5 on 9 February 2016 (the next prescribed day is 31
    March 2016) and turns 16 on 9 February 2027, in the school year 2026/27, whose last Friday in June
    is 25 June 2027."""
    result = outcome("compulsory_school_age", "enforcement-referral", case("enforcement-referral"),
                     enforcement_register())
    assert result.status == "pass"
    assert result.reason == "Of compulsory school age on 20 March 2026 (from 31 March 2016 to 25 June 2027)."
    assert result.details == {"on": "2026-03-20", "start": "2016-03-31", "end": "2027-06-25"}
    assert "003, Section 1" in result.source and "000, para 9" in result.source


def test_not_looked_after_worked_case():
    """003, Sanctions: "Where a child is looked after by the local authority, legal action for
    non-attendance at school is not an available course of action." (and 003, Fast Track, Case meets
    criteria: "the pupil is not 'looked after' by the local authority")."""
    data, register = BASES["ppm-request"]()
    assert outcome("not_looked_after", "ppm-request", data, register).status == "pass"
    data["pupil"]["looked_after"] = True
    verdict = judge("ppm-request", data, register)
    result = verdict.rule("not_looked_after")
    assert result.status == "fail" and not verdict.eligible
    assert "Virtual School" in result.reason and result.source.startswith("003, Sanctions")


def test_unauthorised_sessions_threshold_worked_case():
    """003, Sanctions: "Penalty Notices may be issued following an Attendance Panel ... where there
    have been unacceptable levels of unauthorised absence equating to 10 school sessions or more within
    a 10-week period (term time) prior to the panel meeting."

    Jayden's panel on Friday 6 March 2026: 12 unauthorised sessions from 8 December 2025 (the 10 school
    weeks, Christmas and the February half-term not being school weeks); the one on 5 December and the
    day on 16 March (after the panel) are outside."""
    result = outcome("unauthorised_sessions_threshold", "penalty-notice-panel", case("penalty-notice-panel"),
                     panel_register())
    assert result.status == "pass"
    assert result.reason == ("12 unauthorised sessions (codes G, N, O, U) in the 10 school weeks from 8 Dec 2025 to "
                             "6 Mar 2026 (the attendance panel date): 6 N (reason not yet established), 6 O (other "
                             "unauthorised absence), counted from the register; at least 10 are needed.")
    assert result.details["window_start"] == "2025-12-08" and result.details["school_weeks"] == 10
    assert result.source == ("003, Attendance Panels; Appendix 7; national threshold from 2024 (000, para 5); "
                             "Southend-on-Sea")


def test_attendance_in_window_worked_case():
    """003, Attendance Panels: "The pupil has an attendance rate of 90% or less within the previous 10
    weeks". Jayden attended 88 of the 100 possible sessions from 8 December 2025 to 6 March 2026."""
    result = outcome("attendance_in_window", "penalty-notice-panel", case("penalty-notice-panel"), panel_register())
    assert result.status == "pass"
    assert result.reason.startswith("Attendance 88% (88 of 100 possible sessions) in the 10 school weeks from "
                                    "8 Dec 2025 to 6 Mar 2026 (the attendance panel date), counted from the register")
    assert result.reason.endswith("it must be 90% or less.")


def test_leave_sessions_minimum_worked_case():
    """003, Unauthorised Leave During Term Time (2023): "schools can refer into the School Attendance
    Team to issue a penalty notice where there have been 6 sessions (3 consecutive days) or more of
    unauthorised absence due to leave taken during an academic year." The law in force wins over the
    seed: from 19 August 2024 the national threshold (10 sessions of unauthorised absence in 10 school
    weeks, leave included; Working together to improve school attendance, August 2024) decides a
    leave request too. Oliver's holiday, Monday 9 to Friday 13 March 2026, is 10 sessions of code G:
    it lies in the 10 school weeks to the request and meets the threshold on its own."""
    verdict = judge("penalty-notice-leave", case("penalty-notice-leave"), leave_register())
    result = verdict.rule("leave_sessions_minimum")
    assert result.status == "pass"
    assert result.reason == ("10 sessions of unauthorised leave (code G) from 9 Mar 2026 to 13 Mar 2026, counted from "
                             "the register; for a request dated from 19 August 2024 the national threshold decides "
                             "(checked on its own), and 003's minimum of 6 sessions in an academic year no longer "
                             "applies.")
    threshold = verdict.rule("unauthorised_sessions_threshold")
    assert threshold.status == "pass"
    assert threshold.reason == ("10 unauthorised sessions (codes G, N, O, U) in the 10 school weeks from 12 Jan 2026 "
                                "to 24 Mar 2026 (the date of the request): 10 G (leave), counted from the register; at "
                                "least 10 are needed.")
    assert verdict.rule("leave_dates_match_register").status == "pass"


def test_leave_request_within_deadline_worked_case():
    """003, Appendix 8: "Form must be completed and returned no later than 4 weeks following the
    child's return to school. If submitted later than 4 weeks, the referral may be returned to you and
    Penalty Notice may not be issued." Oliver was back on Monday 16 March; the request is dated
    Tuesday 24 March, 8 days later; the last day is Monday 13 April (over the Easter holiday: weeks,
    not school weeks)."""
    result = outcome("leave_request_within_deadline", "penalty-notice-leave", case("penalty-notice-leave"))
    assert result.status == "pass"
    assert result.reason == ("Request made on 24 March 2026, 8 days after the child returned to school on 16 March "
                             "2026; it must be made within 28 days, by 13 April 2026.")


def test_final_warning_issued_worked_case():
    """003, Fast Track (Case meets criteria): "there is evidence of a written Final Warning letter sent
    to all parents and carers"; Attendance Panels: "the Final Warning must be sent ... to all
    parents/carers with responsibility and day to day care of the pupil"."""
    result = outcome("final_warning_issued", "penalty-notice-panel", case("penalty-notice-panel"), panel_register())
    assert result.status == "pass"
    assert result.reason == ("The Final Warning was sent on 6 March 2026 to all 2 parents and carers named "
                             "(Chloe Clarke, Ryan Clarke).")


def test_final_warning_valid_worked_case():
    """003, Sanctions: "Warning letters are valid for 10 school weeks." and "a Penalty Notice would be
    issued after the first unauthorised absence after parent had received the warning letter".
    Jayden's warning was handed over at the panel on 6 March; he was absent without reason all day on
    Monday 16 March; the request is made on Thursday 19 March."""
    result = outcome("final_warning_valid", "penalty-notice-panel", case("penalty-notice-panel"), panel_register())
    assert result.status == "pass"
    assert result.reason == ("The Final Warning of 6 March 2026 is still valid (school week 2 of 10), and there has "
                             "been unauthorised absence since: 2 sessions, the first on 16 March 2026 AM (code O).")


def test_final_warning_gap_worked_case():
    """003, Fast Track, In summary, Week 6: "the case can be referred to the School Attendance Legal
    Intervention Officer. (This must be at least 5 school days after the Final Warning has been issued
    to the parent.)" Riley's warning on Monday 6 October 2025; referred on Monday 13 October, the
    5th school day after it."""
    data = week6_case(referral_date=D(2025, 10, 13))
    result = outcome("final_warning_gap", "fast-track-referral", data, riley(until=D(2025, 10, 13)))
    assert result.status == "pass" and result.details == {"school_days_since": 5, "needed": 5}
    assert result.reason == ("This request on 13 October 2025 is 5 school days after the Final Warning of 6 October "
                             "2025; at least 5 are needed.")


def test_support_recency_worked_case():
    """003, Appendix 5: "Please demonstrate how the above has been implemented in the last 9 months
    prior to a request for a Pupil Planning Meeting"; Attendance Panels: "attendance support meetings
    and school attendance parent contract within the last 9 calendar months". Chloe's support meeting
    was on 10 November 2025, a contract agreed; the request is dated 20 March 2026."""
    result = outcome("support_recency", "ppm-request", case("ppm-request"), ppm_register())
    assert result.status == "pass"
    assert result.reason == ("Attendance support meeting on 10 November 2025, within the 9 months before the date of "
                             "the request (20 March 2026), and a parent contract (or equivalent plan) was agreed.")
    assert result.details["earliest"] == "2025-06-20"


def test_no_identified_barriers_worked_case():
    """003, Criteria for Fast Track: "Where parents identify concerns or barriers to attending school,
    such as bullying, SEND, parenting or other additional needs requiring support, the fast-track
    framework would not be appropriate". 003, Appendix 7: "where additional needs; other barriers to
    attending school; or requests for support are identified at an attendance panel, it is not
    appropriate to issue a final warning"."""
    data = case("fast-track-referral")
    assert outcome("no_identified_barriers", "fast-track-referral", data, riley()).status == "pass"
    data.update(barriers_identified=True, barriers="Riley told his mum he is being bullied in PE.")
    verdict = judge("fast-track-referral", data, riley())
    assert verdict.rule("no_identified_barriers").status == "fail" and not verdict.eligible
    panel = case("penalty-notice-panel", new_barriers_at_panel=True,
                 new_barriers_details="Mrs Clarke said Jayden is being bullied on the school bus.")
    result = outcome("no_identified_barriers", "penalty-notice-panel", panel, panel_register())
    assert result.status == "fail" and result.source == "003, Appendix 7"


def test_barriers_described_worked_case():
    """003, Appendix 5: "Details of identified barriers to attending school and the support provided by
    the school to address attendance concerns (Please detail) Please do not just add poor attendance as
    the barrier"."""
    data = case("ppm-request")
    assert outcome("barriers_described", "ppm-request", data).status == "pass"
    data["barriers"] = "Poor attendance"
    result = outcome("barriers_described", "ppm-request", data)
    assert result.status == "fail" and "poor attendance alone is not a barrier" in result.reason


def test_evidence_attached_worked_case():
    """003, Appendix 8: "All the below sections must be completed ... (The request will be returned if
    not fully completed)": "Copy of leave request from parent (attached)", "Copy of warning letter
    issued by head teacher (attached)", and (003, Attendance Panels) "An up-to-date accurate
    attendance record"."""
    data = case("penalty-notice-leave")
    result = outcome("evidence_attached", "penalty-notice-leave", data)
    assert result.status == "pass" and result.source == "003, Appendix 8 (enclosures)"
    data["evidence"] = ["leave_request", "registration_certificate"]
    result = outcome("evidence_attached", "penalty-notice-leave", data)
    assert result.status == "missing"
    assert result.reason == "Not yet attached: Copy of warning letter issued by head teacher."


def test_penalty_notice_limit_worked_case():
    """000, Stage 3A: "the first fine issued to a parent in relation to a particular child ... will be
    £80 if paid within 21 days or £160 if paid within 22- 28 days. Fines for second offences of either
    type will be for £160 payable within 28 days. No further Education Penalty Notices can be issued if
    two have already been issued within a rolling three year period". Oliver's mother had a notice for
    him on 14 October 2024; his father has had none."""
    data = case("penalty-notice-leave",
                previous_penalty_notices=[{"parent_name": "Sarah Bennett", "issued_on": D(2024, 10, 14)}])
    result = outcome("penalty_notice_limit", "penalty-notice-leave", data)
    assert result.status == "pass"
    assert result.reason == (
        "Sarah Bennett: 1 earlier notice in the 3 years to 24 March 2026 (14 Oct 2024), so this would be a second "
        "notice: £160 if paid within 28 days. Daniel Bennett: no earlier notice in the 3 years to 24 March 2026, so "
        "this would be a first notice: £80 if paid within 21 days, £160 within 28 days.")


def test_policies_confirmed_worked_case():
    """003, Appendix 8 (and 5-7): "Confirmation that all school policies are up to date with the new
    guidance in the Southend code of conduct and this has been shared with parents"."""
    data = case("penalty-notice-leave")
    assert outcome("policies_confirmed", "penalty-notice-leave", data).status == "pass"
    data["policies_confirmed"] = False
    verdict = judge("penalty-notice-leave", data, leave_register())
    assert verdict.rule("policies_confirmed").status == "fail" and not verdict.eligible


def test_fast_track_stage_worked_case():
    """003, Fast Track to Attendance, In summary, Week 6: "If the non-attendance continues with 50%
    attendance or less and there is no engagement from the parent, the case can be referred to the
    School Attendance Legal Intervention Officer." Riley attended 9 of the 20 sessions from 7 to 20
    October 2025 (45%) and his parents have not engaged."""
    data = week6_case(week6__attendance_pct_6wk=DROP)  # counted from the register, not typed
    verdict = judge("fast-track-referral", data, riley(9, until=FT_WEEK6_REFERRAL))
    result = verdict.rule("fast_track_stage")
    assert result.status == "pass" and verdict.eligible
    assert result.reason == (
        "Referred at week 6: attendance since the Final Warning of 6 October 2025 is 45% (9 of 20 possible sessions "
        "from 7 October 2025 to 20 October 2025, counted from the register), which is 50% or less; there has been "
        "no engagement from the parent since the Final Warning.")


def test_year11_timing_worked_case():
    """002, Step 5 (Prosecution of parents of Year 11 pupils): "If a Year 11 pupil has less than one and
    a half terms of school left the EWS is unlikely to start a prosecution, unless there are younger
    siblings with attendance concerns." A Year 11 pupil (born 15 May 2010) referred on 20 March 2026
    has 14 weeks left before 26 June 2026: advisory, and it does not block."""
    data = case("enforcement-referral", pupil__date_of_birth=D(2010, 5, 15), pupil__year_group="Year 11")
    verdict = judge("enforcement-referral", data, enforcement_register())
    result = verdict.rule("year11_timing")
    assert result.status == "advisory" and verdict.eligible
    assert "with 14 weeks left before it ends on 26 June 2026, less than one and a half terms" in result.reason


def test_absence_band_worked_case():
    """001, 6.4: "Where absence escalates and pupils miss 10% or more of school ... the academy will work
    with the local authority to put additional targeted support in place" and "those missing 50% or
    more of school ... These severely absent pupils". Up to Tuesday 27 January 2026 there were 180
    possible sessions; missing 27 of them (ill or unauthorised) is 15%."""
    pupil = PupilRegister(last=D(2026, 1, 27))
    spread(pupil, 27, D(2025, 9, 3), D(2026, 1, 27), codes=("I", "O", "N"), seed=5)
    verdict = judge("ppm-request", case("ppm-request", referral_date=D(2026, 1, 27)), pupil)
    result = verdict.rule("absence_band")
    assert result.status == "advisory"
    assert result.reason.startswith("Persistently absent: 15% of possible sessions missed (27 of 180) in 2025/26 up to "
                                    "27 January 2026.")
    assert verdict.figures["absence_pct_year"] == 15.0


def test_lead_professional_worked_case():
    """000, Stage 3: "Referrals for enforcement for children that are part of a TAC/TAC or Child
    Protection process should not be made without consultation with the lead professional or Social
    Worker." Under Stockport's profile it blocks; under the national profile it is advisory."""
    data = case("enforcement-referral", other_agencies="Child Protection plan since January 2026 (social worker: "
                                                       "Amara Osei, Stockport Children's Social Care)",
                lead_professional_consulted=False)
    result = outcome("lead_professional", "enforcement-referral", data, enforcement_register())
    assert result.status == "fail" and result.source == "000, Stage 3; Stockport"
    assert outcome("lead_professional", "enforcement-referral", data, enforcement_register(),
                   profile="national-2024").status == "advisory"
    data["lead_professional_consulted"] = True
    assert outcome("lead_professional", "enforcement-referral", data, enforcement_register()).status == "pass"


# ============================================================== thresholds: one under, at, one over

# What each profile's seed says about the bound: national (000, para 5: "the statutory threshold of 10
# unauthorised absence sessions"; Stage 3A "at least 10"), Southend (003: "10 school sessions or
# more"), Stockport (000, Stage 3: "More than 10 sessions").
THRESHOLD_FORM = {"national-2024": ("ppm-request", ppm_register),
                  "southend": ("penalty-notice-panel", panel_register),
                  "stockport": ("enforcement-referral", enforcement_register)}
SEED_INCLUSIVE = {"national-2024": True, "southend": True, "stockport": False}


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_unauthorised_sessions_threshold_from_the_register(profile, delta):
    form_id, register = THRESHOLD_FORM[profile]
    p = load_profile(profile)
    needed = p.param("unauthorised_sessions_threshold", "sessions")
    assert (needed, p.param("unauthorised_sessions_threshold", "weeks")) == (10, 10)
    assert p.param("unauthorised_sessions_threshold", "inclusive") is SEED_INCLUSIVE[profile]
    n = needed + delta
    verdict = judge(form_id, case(form_id), register(n), profile=profile)
    result = verdict.rule("unauthorised_sessions_threshold")
    met = n >= needed if SEED_INCLUSIVE[profile] else n > needed
    assert result.status == ("pass" if met else "fail"), result.reason
    assert verdict.figures["unauthorised_sessions_10wk"] == n  # the session the week before is not counted
    assert ("at least 10 are needed" if SEED_INCLUSIVE[profile] else "more than 10 are needed") in result.reason


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_unauthorised_sessions_threshold_as_typed(profile, delta):
    form_id, _ = THRESHOLD_FORM[profile]
    needed = load_profile(profile).param("unauthorised_sessions_threshold", "sessions")
    n = needed + delta
    result = outcome("unauthorised_sessions_threshold", form_id,
                     case(form_id, figures={"unauthorised_sessions_10wk": n}), profile=profile)
    met = n >= needed if SEED_INCLUSIVE[profile] else n > needed
    assert result.status == ("pass" if met else "fail") and "as entered on the form" in result.reason


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_attendance_in_window_from_the_register(profile, delta):
    """Every seed says "90% or less": 100 possible sessions, so one session either side of the limit."""
    max_pct = load_profile(profile).param("attendance_in_window", "max_pct")
    assert max_pct == 90
    absences = (100 - max_pct) - delta  # under: attended one session fewer than the limit allows
    verdict = judge("penalty-notice-panel", case("penalty-notice-panel"), panel_register(absences), profile=profile)
    result = verdict.rule("attendance_in_window")
    assert result.details["possible"] == 100 and result.details["attended"] == 100 - absences
    assert result.status == ("pass" if 100 - absences <= max_pct else "fail"), result.reason
    assert verdict.figures["attendance_pct_10wk"] == float(100 - absences)


@pytest.mark.parametrize("delta", [-0.1, 0, 0.1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_attendance_in_window_as_typed(profile, delta):
    max_pct = load_profile(profile).param("attendance_in_window", "max_pct")
    typed = round(max_pct + delta, 1)
    result = outcome("attendance_in_window", "penalty-notice-panel",
                     case("penalty-notice-panel", figures={"attendance_pct_10wk": typed}), profile=profile)
    assert result.status == ("pass" if typed <= max_pct else "fail") and "as entered on the form" in result.reason


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_leave_meets_the_national_threshold(profile, delta):
    """Every English profile judges a leave request dated from 19 August 2024 by the national
    threshold, inclusive (Stockport's "more than 10" is its Stage 3 referral's, not the law's for a
    penalty notice): 9 sessions of leave fail, 10 pass, and 10 of leave with one U mark pass."""
    needed = load_profile(profile).param("unauthorised_sessions_threshold", "sessions", "penalty-notice-leave")
    assert load_profile(profile).param("unauthorised_sessions_threshold", "inclusive", "penalty-notice-leave")
    n = needed + delta
    pupil = leave_register(D(2026, 3, 9), D(2026, 3, 13))
    if n == needed - 1:
        pupil.mark(D(2026, 3, 9), present_code("AM"), ["AM"])  # back for the Monday morning
    elif n == needed + 1:
        pupil.mark(D(2026, 2, 24), "U", ["AM"])
    data = case("penalty-notice-leave", leave__start_date=D(2026, 3, 9),
                leave__end_date=D(2026, 3, 13))
    verdict = judge("penalty-notice-leave", data, pupil, profile=profile)
    result = verdict.rule("unauthorised_sessions_threshold")
    assert verdict.figures["unauthorised_sessions_10wk"] == n
    assert result.status == ("pass" if n >= needed else "fail"), result.reason


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_leave_request_within_deadline(profile, delta):
    """003, Appendix 8: "no later than 4 weeks following the child's return to school": 28 days, and
    the Easter holiday inside them still counts (the seed says weeks, not school weeks)."""
    days = load_profile(profile).param("leave_request_within_deadline", "days")
    back = D(2026, 3, 16)
    made = back + dt.timedelta(days=days + delta)
    result = outcome("leave_request_within_deadline", "penalty-notice-leave", case("penalty-notice-leave",
                     referral_date=made), profile=profile)
    assert result.status == ("pass" if delta <= 0 else "fail"), result.reason
    assert result.details["deadline"] == "2026-04-13" and result.details["days_after_return"] == days + delta


SUPPORT_CASES = {  # form -> (measure date field, the date, the earliest meeting for 9 or 6 months)
    "ppm-request": ("referral_date", D(2026, 3, 20), {9: D(2025, 6, 20)}),
    "penalty-notice-panel": ("panel_date", D(2026, 3, 5), {6: D(2025, 9, 5)}),
}


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("form_id", sorted(SUPPORT_CASES))
@pytest.mark.parametrize("profile", PROFILES)
def test_support_recency(profile, form_id, delta):
    """9 calendar months for a PPM request (003, Appendix 5), 6 for a panel (003, Appendix 7: "during
    the 6 months prior to holding an attendance panel"); each profile holds both."""
    field, on, earliest = SUPPORT_CASES[form_id]
    months = load_profile(profile).param("support_recency", "months", form_id)
    first = earliest[months]
    meeting = first + dt.timedelta(days=delta)
    data = case(form_id, support_meeting_date=meeting, **{field: on})
    if form_id == "penalty-notice-panel":
        data["final_warning_date"] = on
    result = outcome("support_recency", form_id, data, profile=profile)
    assert result.status == ("fail" if delta < 0 else "pass"), result.reason
    assert result.details["earliest"] == first.isoformat() and result.details["months"] == months


# Fridays of the school weeks after a Final Warning on Friday 24 October 2025: the October half-term
# and Christmas are not school weeks, so week 10 is the week of 19 January 2026.
WEEKS_AFTER_24_OCT = [D(2025, 11, 7), D(2025, 11, 14), D(2025, 11, 21), D(2025, 11, 28), D(2025, 12, 5),
                      D(2025, 12, 12), D(2025, 12, 19), D(2026, 1, 9), D(2026, 1, 16), D(2026, 1, 23),
                      D(2026, 1, 30)]


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["week 9", "week 10", "week 11"])
@pytest.mark.parametrize("profile", PROFILES)
def test_final_warning_valid_across_half_term_and_christmas(profile, delta):
    """003, Sanctions: "Warning letters are valid for 10 school weeks." A warning at the panel on
    Friday 24 October 2025, the last day before half-term; a late arrival after the register closed
    (U) on Tuesday 4 November."""
    weeks = load_profile(profile).param("final_warning", "valid_weeks")
    on = WEEKS_AFTER_24_OCT[weeks - 1 + delta]
    pupil = PupilRegister(last=on).mark(D(2025, 11, 4), "U", ["AM"])
    data = case("penalty-notice-panel", panel_date=D(2025, 10, 24), final_warning_date=D(2025, 10, 24),
                referral_date=on)
    result = outcome("final_warning_valid", "penalty-notice-panel", data, pupil, profile=profile)
    assert result.details["school_weeks_since"] == weeks + delta
    assert result.status == ("fail" if delta > 0 else "pass"), result.reason
    if delta > 0:
        assert "was valid for 10 school weeks, to 25 January 2026" in result.reason
    else:
        assert "the first on 4 November 2025 AM (code U)" in result.reason


def test_final_warning_valid_over_the_christmas_holiday():
    """A request made during the Christmas holiday is in the 7th school week after the warning."""
    pupil = PupilRegister(last=D(2025, 12, 19)).mark(D(2025, 11, 4), "U", ["AM"])
    data = case("penalty-notice-panel", panel_date=D(2025, 10, 24), final_warning_date=D(2025, 10, 24),
                referral_date=D(2025, 12, 23))
    result = outcome("final_warning_valid", "penalty-notice-panel", data, pupil)
    assert result.status == "pass" and result.details["school_weeks_since"] == 7


# The school days after a Final Warning, across a closure: the first six of them.
GAP_CASES = {
    "October half-term": (D(2025, 10, 22), [D(2025, 10, 23), D(2025, 10, 24), D(2025, 11, 3), D(2025, 11, 4),
                                            D(2025, 11, 5), D(2025, 11, 6)]),
    "Christmas": (D(2025, 12, 16), [D(2025, 12, 17), D(2025, 12, 18), D(2025, 12, 19), D(2026, 1, 5),
                                    D(2026, 1, 6), D(2026, 1, 7)]),
    "May Day": (D(2026, 4, 29), [D(2026, 4, 30), D(2026, 5, 1), D(2026, 5, 5), D(2026, 5, 6), D(2026, 5, 7),
                                 D(2026, 5, 8)]),
}


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("closure", sorted(GAP_CASES))
@pytest.mark.parametrize("profile", PROFILES)
def test_final_warning_gap_counts_school_days_across_closures(profile, closure, delta):
    """003, Fast Track, week 6: "at least 5 school days after the Final Warning has been issued"."""
    gap = load_profile(profile).param("final_warning", "gap_school_days")
    warning, school_days = GAP_CASES[closure]
    on = school_days[gap - 1 + delta]
    data = week6_case(final_warning_date=warning, week4__meeting_date=warning, referral_date=on)
    result = outcome("final_warning_gap", "fast-track-referral", data, PupilRegister(last=on), profile=profile)
    assert result.details == {"school_days_since": gap + delta, "needed": gap}
    assert result.status == ("fail" if delta < 0 else "pass"), result.reason


@pytest.mark.parametrize("delta", [-1, 0, 1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_fast_track_week6_attendance_from_the_register(profile, delta):
    """003, Week 6: "50% attendance or less": of the 20 sessions after the warning, one either side."""
    max_pct = load_profile(profile).param("fast_track_stage", "week6_max_pct")
    attended = max_pct * 20 // 100 + delta
    result = outcome("fast_track_stage", "fast-track-referral", week6_case(), riley(attended, until=FT_WEEK6_REFERRAL),
                     profile=profile)
    assert (result.details["attended"], result.details["possible"]) == (attended, 20)
    assert result.status == ("pass" if attended * 100 <= max_pct * 20 else "fail"), result.reason


@pytest.mark.parametrize("delta", [-0.1, 0, 0.1], ids=["under", "at", "over"])
@pytest.mark.parametrize("profile", PROFILES)
def test_fast_track_week6_attendance_as_typed(profile, delta):
    max_pct = load_profile(profile).param("fast_track_stage", "week6_max_pct")
    typed = round(max_pct + delta, 1)
    result = outcome("fast_track_stage", "fast-track-referral", week6_case(week6__attendance_pct_6wk=typed),
                     profile=profile)
    assert result.status == ("pass" if typed <= max_pct else "fail"), result.reason
    assert "as entered on the form" in result.reason


@pytest.mark.parametrize("missed, status, band", [
    (17, "pass", "Neither"), (18, "advisory", "Persistently"), (19, "advisory", "Persistently"),   # 10% of 180
    (89, "advisory", "Persistently"), (90, "advisory", "Severely"), (91, "advisory", "Severely"),  # 50% of 180
])
def test_absence_band_at_10_and_50_percent(missed, status, band):
    """001, 6.4: "miss 10% or more" (persistent) and "missing 50% or more" (severe): 180 possible
    sessions from 3 September 2025 to Tuesday 27 January 2026, so 18 is 10% and 90 is 50% exactly."""
    pupil = PupilRegister(last=D(2026, 1, 27))
    spread(pupil, missed, D(2025, 9, 3), D(2026, 1, 27), codes=("I", "O"), seed=3)
    result = outcome("absence_band", "ppm-request", case("ppm-request", referral_date=D(2026, 1, 27)), pupil)
    assert result.status == status and result.reason.startswith(band)
    assert result.details["possible"] == 180 and result.details["missed"] == missed


@pytest.mark.parametrize("on, status", [
    (D(2026, 2, 12), "pass"),      # 134 days before 26 June 2026
    (D(2026, 2, 13), "pass"),      # 133 days: exactly 19 weeks, one and a half terms
    (D(2026, 2, 14), "advisory"),  # less than that
])
def test_year11_timing_at_one_and_a_half_terms(on, status):
    """002, Step 5: "less than one and a half terms of school left" (19 weeks before the last Friday in
    June: the spring half-term to the end of compulsory school age)."""
    data = case("enforcement-referral", pupil__date_of_birth=D(2010, 5, 15), pupil__year_group="Year 11",
                referral_date=on)
    assert outcome("year11_timing", "enforcement-referral", data).status == status


# ============================================================== windows across half-term and Christmas

WINDOWS = {  # measured on (a Friday) -> (first Monday of its 10 school weeks, a day in the week before)
    "October half-term": (D(2025, 11, 28), D(2025, 9, 15), D(2025, 9, 12)),
    "Christmas": (D(2026, 1, 23), D(2025, 11, 3), D(2025, 10, 24)),    # the week before is before half-term
    "half-term and Christmas": (D(2026, 1, 9), D(2025, 10, 13), D(2025, 10, 10)),
    "Christmas and February half-term": (D(2026, 3, 6), D(2025, 12, 8), D(2025, 12, 5)),
}


@pytest.mark.parametrize("name", list(WINDOWS))
def test_the_unauthorised_window_skips_closed_weeks(name):
    """DESIGN.md section 4: "The previous N school weeks ... the window may span terms and school
    years"; a week of planned closure only is not a school week. Ten sessions on the window's first
    Monday and later count; one on the school day before it does not."""
    on, first, before = WINDOWS[name]
    pupil = PupilRegister(last=on).mark(before, "O", ["PM"]).mark(first, "N", ["AM"])
    spread(pupil, 9, first, on, seed=21)
    data = case("ppm-request", referral_date=on)
    result = outcome("unauthorised_sessions_threshold", "ppm-request", data, pupil, profile="national-2024")
    assert result.status == "pass", result.reason
    assert result.details["window_start"] == first.isoformat() and result.details["school_weeks"] == 10
    assert result.reason.startswith("10 unauthorised sessions")
    # Stockport's "more than 10" is not met by the same 10 (the one the week before does not count).
    stockport = outcome("unauthorised_sessions_threshold", "ppm-request", data, pupil, profile="stockport")
    assert stockport.status == "fail"


@pytest.mark.parametrize("name", list(WINDOWS))
def test_the_attendance_window_skips_closed_weeks(name):
    """Ten absences in the 100 possible sessions of the window: 90%, "90% or less"; ten more in the
    school week before the window would make it 80% if they were wrongly counted."""
    on, first, before = WINDOWS[name]
    pupil = PupilRegister(last=on)
    week_before = pupil.open_days(before - dt.timedelta(days=before.weekday()), before)
    for day in week_before:
        pupil.mark(day, "I")
    spread(pupil, 10, first, on, codes=("I", "O"), seed=31)
    data = case("penalty-notice-panel", panel_date=on, final_warning_date=on)
    result = outcome("attendance_in_window", "penalty-notice-panel", data, pupil)
    assert (result.details["possible"], result.details["attended"]) == (100, 90)
    assert result.status == "pass" and result.details["window_start"] == first.isoformat()


def test_the_fast_track_window_before_the_final_warning_spans_the_summer_holiday():
    """003, Appendix 6: "within the previous 10 school weeks from the Final Warning date": from a
    warning on Monday 6 October 2025 the window goes back to 30 June 2025, in the previous school year."""
    verdict = judge("fast-track-referral", case("fast-track-referral"), riley())
    window = verdict.rule("attendance_in_window")
    assert window.status == "pass" and window.details["window_start"] == "2025-06-30"
    assert (window.details["possible"], window.details["attended"]) == (82, 68)
    assert verdict.figures == {"attendance_pct_10wk": 82.9, "unauthorised_sessions_10wk": 12,
                               "absence_pct_year": verdict.figures["absence_pct_year"]}


# ============================================================== code sets: J and J1, H gone in 2024

def _interview_register(code_set: str) -> Register:
    """Jayden's panel window with 9 sessions of unauthorised absence and a morning at an interview
    for another school on Tuesday 20 January 2026: `J` in the older codes, `J1` in the 2024 codes."""
    pupil = PupilRegister(last=PANEL_REFERRAL, code_set=code_set)
    window = pupil.open_days(D(2025, 12, 8), PANEL)
    spread(pupil, 9, window[0], D(2026, 1, 16), codes=("O", "N"), seed=7)
    pupil.mark(D(2026, 1, 20), "J" if code_set == "2006" else "J1", ["AM"])
    return read_register_file(pupil.csv(), code_set=code_set)


@pytest.mark.parametrize("code_set, attended, status", [
    ("2006", 91, "fail"),  # 003, Appendix 1 era: J is an approved educational activity, so attending
    ("2024", 90, "pass"),  # SI 2024/208: J1 is an authorised absence
])
def test_j_and_j1_fall_either_side_of_90_percent(code_set, attended, status):
    result = outcome("attendance_in_window", "penalty-notice-panel", case("penalty-notice-panel"),
                     _interview_register(code_set))
    assert result.status == status and result.details["attended"] == attended, result.reason


def test_j_and_h_are_refused_in_a_2024_file_naming_the_row():
    """H (authorised family holiday) and J no longer exist after August 2024."""
    older = PupilRegister(first=D(2026, 1, 5), last=D(2026, 1, 9), code_set="2006")
    older.mark(D(2026, 1, 6), "J", ["AM"]).mark(D(2026, 1, 8), "H")
    with pytest.raises(RegisterError) as err:
        read_register_file(older.csv())
    assert err.value.messages == ["Row 4: code 'J' is not in the 2024 code set",
                                  "Row 8: code 'H' is not in the 2024 code set",
                                  "Row 9: code 'H' is not in the 2024 code set"]


@pytest.mark.parametrize("code, leave, status", [("G", 6, "pass"), ("H", 0, "fail")])
def test_an_authorised_holiday_h_is_not_leave(code, leave, status):
    """In the older codes H was an *authorised* family holiday: it is not unauthorised leave (G), the
    only code 003's "unauthorised absence due to leave" counts."""
    register = read_register_file(leave_register(D(2026, 3, 11), D(2026, 3, 13), code, "2006").csv(), code_set="2006")
    data = case("penalty-notice-leave", leave__start_date=D(2026, 3, 11))
    verdict = judge("penalty-notice-leave", data, register)
    assert verdict.figures["leave_sessions"] == leave and verdict.rule("leave_sessions_minimum").status == status


def test_lateness_after_the_register_closed_counts_and_lateness_before_does_not():
    """DESIGN.md section 4: the unauthorised codes are G N O U, "so lateness after the register closes
    counts"; L (late before the register closed) is present."""
    pupil = PupilRegister(last=PPM_REFERRAL)
    spread(pupil, 10, D(2026, 1, 5), PPM_REFERRAL, codes=("U",), seed=2)
    spread(pupil, 6, D(2026, 1, 5), PPM_REFERRAL, codes=("L",), seed=50)
    verdict = judge("ppm-request", case("ppm-request"), pupil, profile="national-2024")
    assert verdict.rule("unauthorised_sessions_threshold").status == "pass"
    assert verdict.figures["unauthorised_sessions_10wk"] == 10


# ============================================================== compulsory school age at its edges

@pytest.mark.parametrize("dob, before, start", [
    (D(2020, 12, 31), D(2025, 12, 30), D(2025, 12, 31)),  # 5 on 31 December: starts that day
    (D(2021, 1, 1), D(2026, 3, 30), D(2026, 3, 31)),      # 5 the day after: waits for 31 March
    (D(2021, 3, 31), D(2026, 3, 30), D(2026, 3, 31)),     # 5 on 31 March
    (D(2021, 4, 1), D(2026, 8, 30), D(2026, 8, 31)),      # 5 the day after: 31 August
    (D(2020, 8, 31), D(2025, 8, 30), D(2025, 8, 31)),     # 5 on 31 August
    (D(2020, 9, 1), D(2025, 12, 30), D(2025, 12, 31)),    # 5 the day after: 31 December
])
def test_compulsory_school_age_starts_on_the_prescribed_day(dob, before, start):
    """Education Act 1996 s.8(2) and the 1998 Order (DESIGN.md section 3: "from the prescribed day after
    the 5th birthday (31 Dec, 31 Mar, 31 Aug)"); a 5th birthday on a prescribed day starts it that day.
    A Stage 2 letter (000, Appendix 7) to the parents of a Reception child, dated either side."""
    for on, status in ((before, "fail"), (start, "pass"), (start + dt.timedelta(days=1), "pass")):
        data = case("stage2-letter", pupil__date_of_birth=dob, pupil__year_group="Reception", letter_date=on)
        result = outcome("compulsory_school_age", "stage2-letter", data)
        assert result.status == status, (on, result.reason)
        assert result.details["start"] == start.isoformat()
    assert f"it starts on {start.day} {start:%B %Y}" in outcome(
        "compulsory_school_age", "stage2-letter",
        case("stage2-letter", pupil__date_of_birth=dob, letter_date=before)).reason


@pytest.mark.parametrize("dob, last_day", [
    (D(2010, 6, 26), D(2026, 6, 26)),   # 16 on the last Friday in June itself
    (D(2010, 6, 27), D(2026, 6, 26)),   # 16 the day after: still that Friday, before the birthday
    (D(2010, 8, 31), D(2026, 6, 26)),   # 16 on 31 August: the same school year
    (D(2010, 9, 1), D(2027, 6, 25)),    # 16 on 1 September: the next school year
    (D(2010, 12, 31), D(2027, 6, 25)),
    (D(2011, 1, 1), D(2027, 6, 25)),
])
def test_compulsory_school_age_ends_on_the_last_friday_in_june(dob, last_day):
    """003, Section 1: "A child ceases to be of compulsory school age on the last Friday in June, in the
    school year that a child reaches 16 years old." A Stockport Stage 3 referral on that Friday and on
    the day after."""
    for on, status in ((last_day, "pass"), (last_day + dt.timedelta(days=1), "fail")):
        data = case("enforcement-referral", pupil__date_of_birth=dob, pupil__year_group="Year 11", referral_date=on)
        result = outcome("compulsory_school_age", "enforcement-referral", data)
        assert result.status == status, (on, result.reason)
        assert result.details["end"] == last_day.isoformat()
        if status == "fail":
            assert result.reason.startswith(f"No longer of compulsory school age on {on.day} {on:%B %Y}")


# ============================================================== penalty notices either side of 19 August 2024

def leave_on(day: dt.date, *earlier: tuple[str, dt.date]) -> dict:
    """Oliver's leave request dated `day`, with earlier notices (parent, date) for him."""
    return case("penalty-notice-leave", referral_date=day,
                previous_penalty_notices=[{"parent_name": name, "issued_on": on} for name, on in earlier])


def amounts(result, parent: int = 0) -> list[tuple[int, int]]:
    return [(a["within_days"], a["pence"]) for a in result.details["parents"][parent]["amounts"]]


@pytest.mark.parametrize("day, regime, first", [
    (D(2024, 8, 18), "before-2024", [(21, 6000), (28, 12000)]),   # 003: "£60 ... and £120"
    (D(2024, 8, 19), "2024", [(21, 8000), (28, 16000)]),          # 000, Stage 3A: "£80 ... or £160"
])
def test_first_notice_amounts_follow_the_date_of_the_notice(day, regime, first):
    result = outcome("penalty_notice_limit", "penalty-notice-leave", leave_on(day))
    assert result.status == "pass" and result.details["regime"] == regime
    assert amounts(result, 0) == amounts(result, 1) == first


@pytest.mark.parametrize("day, second", [
    (D(2024, 8, 18), [(21, 6000), (28, 12000)]),  # before 2024 every notice cost the same
    (D(2024, 8, 19), [(28, 16000)]),              # 000, Stage 3A: "second offences ... £160 payable within 28 days"
])
def test_second_notice_amounts_follow_the_date_of_the_notice(day, second):
    result = outcome("penalty_notice_limit", "penalty-notice-leave", leave_on(day, ("Sarah Bennett", D(2023, 5, 22))))
    assert result.status == "pass" and amounts(result, 0) == second


@pytest.mark.parametrize("day, status", [(D(2024, 8, 18), "pass"), (D(2024, 8, 19), "fail")])
def test_the_two_in_three_years_limit_applies_from_19_august_2024(day, status):
    """000, Stage 3A: "No further Education Penalty Notices can be issued if two have already been
    issued within a rolling three year period" (the 2024 regulations; no such limit before)."""
    data = leave_on(day, ("Sarah Bennett", D(2022, 3, 14)), ("Sarah Bennett", D(2023, 11, 20)))
    result = outcome("penalty_notice_limit", "penalty-notice-leave", data)
    assert result.status == status
    assert result.details["parents"][1]["allowed"] is True  # Daniel has had none
    if status == "fail":
        assert "consider other action, such as prosecution" in result.reason and amounts(result, 0) == []


def test_notices_dated_18_and_19_august_2024_both_count_towards_a_third():
    """A notice on 18 August 2024 (old regime) and one on 19 August 2024 (new): a third for the same
    parent and child in March 2026 is within three years of both."""
    data = leave_on(LEAVE_REFERRAL, ("Daniel Bennett", D(2024, 8, 18)), ("Daniel Bennett", D(2024, 8, 19)))
    result = outcome("penalty_notice_limit", "penalty-notice-leave", data)
    assert result.status == "fail"
    assert result.details["parents"][1]["earlier_dates"] == ["2024-08-18", "2024-08-19"]
    assert "Notices issued before 19 August 2024 are counted." in result.reason


@pytest.mark.parametrize("oldest, status", [
    (D(2023, 3, 23), "pass"),   # three years before 24 March 2026 and one day more: outside
    (D(2023, 3, 24), "pass"),   # exactly three years before: outside the rolling period
    (D(2023, 3, 25), "fail"),   # inside: a third notice within a rolling 3 years
])
def test_a_third_notice_within_a_rolling_three_years(oldest, status):
    data = leave_on(LEAVE_REFERRAL, ("Sarah Bennett", oldest), ("Sarah Bennett", D(2025, 7, 14)))
    result = outcome("penalty_notice_limit", "penalty-notice-leave", data)
    assert result.status == status, result.reason
    assert result.details["window_start"] == "2023-03-25"
    if status == "pass":
        assert amounts(result, 0) == [(28, 16000)]  # a second notice within the period


# ============================================================== missing, never pass

# (rule, form, base register?, fact taken out, status expected): the base case passes the rule.
MISSING = [
    ("compulsory_school_age", "ppm-request", True, "pupil.date_of_birth", "missing"),
    ("compulsory_school_age", "penalty-notice-panel", True, "panel_date", "missing"),
    ("compulsory_school_age", "fast-track-referral", True, "final_warning_date", "missing"),
    ("not_looked_after", "ppm-request", True, "pupil.looked_after", "missing"),
    ("unauthorised_sessions_threshold", "ppm-request", False, None, "missing"),
    ("unauthorised_sessions_threshold", "penalty-notice-panel", True, "panel_date", "missing"),
    ("unauthorised_sessions_threshold", "enforcement-referral", False, None, "missing"),
    ("unauthorised_sessions_threshold", "fast-track-referral", True, "final_warning_date", "missing"),
    ("attendance_in_window", "penalty-notice-panel", False, None, "missing"),
    ("attendance_in_window", "penalty-notice-panel", True, "panel_date", "missing"),
    ("attendance_in_window", "fast-track-referral", True, "final_warning_date", "missing"),
    ("leave_sessions_minimum", "penalty-notice-leave", False, None, "missing"),
    ("leave_request_within_deadline", "penalty-notice-leave", True, "leave.return_date", "missing"),
    ("final_warning_issued", "penalty-notice-panel", True, "final_warning_date", "missing"),
    ("final_warning_issued", "penalty-notice-panel", True, "parents", "missing"),
    ("final_warning_issued", "fast-track-referral", True, "final_warning_date", "missing"),
    ("final_warning_valid", "penalty-notice-panel", True, "final_warning_date", "missing"),
    ("final_warning_valid", "penalty-notice-panel", False, None, "missing"),
    ("final_warning_gap", "fast-track-referral", True, "final_warning_date", "missing"),
    # final_warning_gap without marks counts school days from the calendar (issue 15): see
    # test_rules.test_final_warning_gap_without_marks_*.
    ("support_recency", "ppm-request", True, "support_meeting_date", "missing"),
    ("support_recency", "penalty-notice-panel", True, "panel_date", "missing"),
    ("support_recency", "ppm-request", True, "parent_contract_agreed", "missing"),
    ("no_identified_barriers", "fast-track-referral", True, "barriers_identified", "missing"),
    ("no_identified_barriers", "penalty-notice-panel", True, "new_barriers_at_panel", "missing"),
    ("barriers_described", "ppm-request", True, "barriers", "missing"),
    ("evidence_attached", "ppm-request", True, "evidence", "missing"),
    ("penalty_notice_limit", "penalty-notice-leave", True, "previous_penalty_notices", "missing"),
    # Issue 15: the national threshold on the leave path, and the stated leave against the marks.
    ("unauthorised_sessions_threshold", "penalty-notice-leave", False, None, "missing"),
    ("leave_dates_match_register", "penalty-notice-leave", True, "leave.start_date", "missing"),
    ("leave_dates_match_register", "penalty-notice-leave", True, "leave.return_date", "missing"),
    ("leave_dates_match_register", "penalty-notice-leave", False, None, "advisory"),
    ("penalty_notice_limit", "penalty-notice-leave", True, "parents", "missing"),
    ("penalty_notice_limit", "penalty-notice-panel", True, "previous_penalty_notices", "missing"),
    ("policies_confirmed", "penalty-notice-leave", True, "policies_confirmed", "missing"),
    ("policies_confirmed", "fast-track-referral", True, "policies_confirmed", "missing"),
    ("fast_track_stage", "fast-track-referral", True, "week4.outcome", "missing"),
    ("fast_track_stage", "fast-track-referral", True, "referred_at", "missing"),
    ("fast_track_stage", "fast-track-referral", True, "week8.improved", "missing"),
    ("fast_track_stage", "fast-track-referral", True, "week8.review_date", "missing"),
    ("lead_professional", "enforcement-referral", True, "other_agencies", "missing"),  # Stockport: blocking
    # Advisories cannot be missing (they never block), but they never pass on what they were not given.
    ("year11_timing", "enforcement-referral", True, "pupil.date_of_birth", "advisory"),
    ("absence_band", "enforcement-referral", False, None, "advisory"),
    ("lead_professional", "ppm-request", True, "other_agencies", "advisory"),       # Southend: advisory
]


@pytest.mark.parametrize("rule_id, form_id, with_register, fact, expected", MISSING,
                         ids=[f"{r}-{f}-{x or 'register'}" for r, f, _, x, _ in MISSING])
def test_an_absent_fact_is_missing_never_pass(rule_id, form_id, with_register, fact, expected):
    """Issue 4: "A rule cannot pass on data it was not given: absent facts make it `missing`, never
    `pass`." Each fact a rule reads, taken out in turn from a case that passes it ("register" = the
    register marks not uploaded, and no figure typed)."""
    data, register = BASES[form_id]()
    assert outcome(rule_id, form_id, data, register).status == "pass"
    if fact is not None:
        data = without(data, fact)
    result = outcome(rule_id, form_id, data, register if with_register else None)
    assert result.status == expected, result.reason


WEEK6_MISSING = ["final_warning_date", "week6.no_engagement"]


@pytest.mark.parametrize("fact", WEEK6_MISSING)
def test_week6_facts_absent_are_missing(fact):
    register = riley(9, until=FT_WEEK6_REFERRAL)
    assert outcome("fast_track_stage", "fast-track-referral", week6_case(), register).status == "pass"
    result = outcome("fast_track_stage", "fast-track-referral", without(week6_case(), fact), register)
    assert result.status == "missing", result.reason


def test_week6_attendance_neither_counted_nor_typed_is_missing():
    data = without(week6_case(), "week6.attendance_pct_6wk")
    assert outcome("fast_track_stage", "fast-track-referral", data).status == "missing"


@pytest.mark.parametrize("fact", ["previous_penalty_notices.0.issued_on", "previous_penalty_notices.0.parent_name",
                                  "parents.1.name"])
def test_penalty_notice_facts_absent_are_missing(fact):
    data = leave_on(LEAVE_REFERRAL, ("Sarah Bennett", D(2024, 10, 14)))
    assert outcome("penalty_notice_limit", "penalty-notice-leave", data).status == "pass"
    assert outcome("penalty_notice_limit", "penalty-notice-leave", without(data, fact)).status == "missing"


@pytest.mark.parametrize("form_id", sorted(BASES))
def test_each_enclosure_absent_in_turn_is_missing_and_named(form_id):
    form = get_form(form_id)
    assert form.evidence and "evidence_attached" in form.rules
    data, register = BASES[form_id]()
    for item in form.evidence:
        data["evidence"] = [e["kind"] for e in form.evidence if e["kind"] != item["kind"]]
        result = outcome("evidence_attached", form_id, data, register)
        if item["kind"] == "registration_certificate" and register is not None:
            # Issue 21: the certificate made from the marks stands for an upload where they cover the window,
            # and the reason says which; without the marks the school's own is needed.
            made = result.details["made_from_register"]
            assert result.status == ("pass" if made["covered"] else "missing"), result.reason
            assert "the registration certificate made from the register marks" in result.reason.lower()
            result = outcome("evidence_attached", form_id, data, None)
        assert result.status == "missing" and result.details["missing"] == [item["kind"]]
        assert item["label"] in result.reason


def test_support_without_saying_whether_a_contract_was_agreed_is_missing():
    """003, Appendix 6: "where the parent(s) carer(s) attended the attendance support meeting, a parent
    contract was agreed": with attendance given and the contract not, or neither, it is missing."""
    for change in ({"parent_contract_agreed": DROP}, {"parent_contract_agreed": DROP, "parents_attended_meeting": DROP},
                   {"parent_contract_agreed": False, "parents_attended_meeting": DROP}):
        assert outcome("support_recency", "ppm-request", case("ppm-request", **change)).status == "missing"


def test_a_blank_barriers_answer_is_missing():
    assert outcome("barriers_described", "ppm-request", case("ppm-request", barriers="  \n ")).status == "missing"


def test_a_stockport_lead_professional_not_asked_is_missing():
    data = case("enforcement-referral", other_agencies="Team Around the Family (TAF) since January 2026")
    assert outcome("lead_professional", "enforcement-referral", data).status == "missing"


# ============================================================== registers that do not reach the date

def test_a_register_up_to_the_day_before_the_request_is_measured_normally():
    """An export made the day before the request: the window is still the 10 school weeks to the
    request (3 November to 20 January), and October's absences are outside it."""
    pupil = PupilRegister(last=D(2026, 1, 19)).mark_days(D(2025, 10, 6), D(2025, 10, 10), "O")
    data = case("ppm-request", referral_date=D(2026, 1, 20))
    result = outcome("unauthorised_sessions_threshold", "ppm-request", data, pupil)
    assert result.status == "fail" and result.details["window_start"] == "2025-11-03"


@pytest.mark.parametrize("rule_id, code", [("unauthorised_sessions_threshold", "O"), ("attendance_in_window", "I")])
def test_a_register_that_stops_weeks_before_the_date_cannot_pass(rule_id, code):
    """The autumn term's export (marks to Friday 19 December) for a request on Tuesday 20 January: the
    10 school weeks to the request are 3 November to 20 January, and the three January weeks have no
    marks. A week of absence in October (6-10 October) is outside those weeks; the rule must not use it
    to pass. DESIGN.md section 4: the previous N school weeks end "with the week that contains that
    date"; issue 4: absent facts make a rule missing, never pass."""
    pupil = PupilRegister(last=D(2025, 12, 19)).mark_days(D(2025, 10, 6), D(2025, 10, 10), code)
    data = case("penalty-notice-panel", panel_date=D(2026, 1, 20), final_warning_date=D(2026, 1, 20),
                referral_date=D(2026, 1, 20))
    result = outcome(rule_id, "penalty-notice-panel", data, pupil)
    assert result.status == "missing", result.reason


def test_marks_exported_before_the_christmas_holiday_still_measure_a_request_after_it():
    """The other side of the test above: the autumn term's export (to Friday 19 December) for a
    request on Monday 5 January. The 8 weekdays in between (less Christmas, Boxing Day and New
    Year's Day) are within the holiday tolerance, and holiday weeks are not school weeks, so the 10
    school weeks to 19 December are whole and the rule judges them."""
    pupil = PupilRegister(last=D(2025, 12, 19))
    spread(pupil, 11, D(2025, 10, 20), D(2025, 12, 19))
    data = case("penalty-notice-panel", panel_date=D(2026, 1, 5), final_warning_date=D(2026, 1, 5),
                referral_date=D(2026, 1, 5))
    result = outcome("unauthorised_sessions_threshold", "penalty-notice-panel", data, pupil)
    assert result.status == "pass", result.reason


def test_a_final_warning_within_the_registers_marks_is_judged_on_them():
    pupil = PupilRegister(first=D(2025, 9, 1), last=D(2026, 2, 10)).mark(D(2026, 1, 14), "O", ["AM"])
    data = case("penalty-notice-panel", panel_date=D(2025, 10, 9), final_warning_date=D(2025, 10, 9),
                referral_date=D(2026, 2, 10))
    result = outcome("final_warning_valid", "penalty-notice-panel", data, pupil)
    # Thursday 9 October: the Friday after it makes that week the first of the 10 (to 21 December).
    assert result.status == "fail" and "valid for 10 school weeks, to 21 December 2025" in result.reason
    assert result.details["school_weeks_since"] == 16


def test_a_final_warning_before_the_registers_first_mark_cannot_pass():
    """003, Sanctions: "Warning letters are valid for 10 school weeks." A warning at a panel on Thursday
    9 October 2025 ran out on Sunday 21 December 2025 (the previous test). Given only the spring term's
    marks (from 5 January), the service cannot see the autumn's school weeks and must not call the
    warning "still valid" (it says "school week 6 of 10") on 10 February: missing or fail, never pass."""
    pupil = PupilRegister(first=D(2026, 1, 5), last=D(2026, 2, 10)).mark(D(2026, 1, 14), "O", ["AM"])
    data = case("penalty-notice-panel", panel_date=D(2025, 10, 9), final_warning_date=D(2025, 10, 9),
                referral_date=D(2026, 2, 10))
    result = outcome("final_warning_valid", "penalty-notice-panel", data, pupil)
    assert result.status != "pass", result.reason


def test_week6_attendance_needs_marks_up_to_the_referral():
    """003, Week 6: "If the non-attendance continues with 50% attendance or less". Marks that end the
    day after the warning (Riley absent on 7 October) for a referral on 20 October: 2 of the 20
    sessions since the warning are known, so it cannot be said that attendance stayed at 50% or less."""
    pupil = riley(0, until=D(2025, 10, 7))  # absent both sessions of 7 October
    result = outcome("fast_track_stage", "fast-track-referral", week6_case(), pupil)
    assert result.status == "missing", result.reason


def test_final_warning_gap_on_marks_that_stop_short_is_missing():
    """A warning on Wednesday 7 January 2026 and a referral on Friday 16 January (7 school days later),
    with marks only to Friday 9 January: the register cannot show the 5 school days, nor that they were
    not there. Issue 4: absent facts make a rule missing."""
    data = week6_case(final_warning_date=D(2026, 1, 7), week4__meeting_date=D(2026, 1, 7),
                      referral_date=D(2026, 1, 16))
    result = outcome("final_warning_gap", "fast-track-referral", data, PupilRegister(last=D(2026, 1, 9)))
    assert result.status == "missing", result.reason


def test_final_warning_to_a_parent_without_a_name_is_missing():
    """003, Fast Track: "a written Final Warning letter sent to all parents and carers": a parent with
    no name cannot be shown to have been sent it (penalty_notice_limit already says missing here)."""
    data = case("penalty-notice-panel", parents=[{"relationship": "mother"}])
    result = outcome("final_warning_issued", "penalty-notice-panel", data, panel_register())
    assert result.status == "missing", result.reason
