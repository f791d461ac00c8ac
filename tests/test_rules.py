"""Eligibility rules at their boundaries, built from realistic registers (tests/support/registers.py)."""
import copy
import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from forms_service.policies import Policy, list_profiles, load_profile
from forms_service.register.exports import read_register_file
from forms_service.register.marks import split_by_upn
from forms_service.rules import REGISTRY, evaluate, penalty_amounts, regime_on
from forms_service.rules.penalties import window_start

from support.registers import D, PupilRegister, generated_school, typical_pupil

ROOT = Path(__file__).resolve().parents[1]
LEAVE_FORM = SimpleNamespace(**json.loads((ROOT / "schemas/forms/penalty-notice-leave.json").read_text()))
TODAY = D(2026, 2, 10)


def form(rules, form_id="test-form", measure_from="referral_date", evidence=()):
    return SimpleNamespace(id=form_id, rules=list(rules), evidence=list(evidence), measure_from=measure_from,
                           source="003, test")


def run(rule_id, data, *, register=None, profile=None, form_id="test-form", measure_from="referral_date",
        today=TODAY):
    verdict = evaluate(form([rule_id], form_id, measure_from), data, register=register, profile=profile, today=today)
    return verdict.rules[0], verdict


def leave_case(**changes):
    """Ava took three days' holiday in January 2026 (Wed 14 to Fri 16) and was back on Monday 19th."""
    data = {
        "pupil": {"first_name": "Ava", "last_name": "Nowak", "date_of_birth": D(2014, 3, 27), "year_group": "Year 6",
                  "address": "1 High Street", "looked_after": False},
        "parents": [{"name": "Zofia Nowak", "date_of_birth": D(1986, 6, 14), "address": None, "relationship": "mother"},
                    {"name": "Kacper Nowak", "date_of_birth": D(1984, 2, 2), "address": None, "relationship": "father"}],
        "referral_date": D(2026, 2, 10),
        "leave": {"start_date": D(2026, 1, 14), "end_date": D(2026, 1, 16), "return_date": D(2026, 1, 19)},
        "previous_penalty_notices": [],
        "policies_confirmed": True,
        "figures": {},
        "evidence": ["leave_request", "warning_letter", "registration_certificate"],
    }
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return data


def holiday_register(first=D(2026, 1, 14), last=D(2026, 1, 16)):
    return typical_pupil().mark_days(first, last, "G")


# ------------------------------------------------------------------ the whole penalty-notice-leave form

def test_complete_leave_referral_is_eligible():
    # The framework's own example: 4 sessions... here 6 of holiday and 4 late after the register
    # closed (U) within the 10 school weeks to the request meet the national threshold.
    register = holiday_register().mark_sessions(4, "U", D(2026, 1, 5), D(2026, 2, 6), seed=3).build()
    verdict = evaluate(LEAVE_FORM, leave_case(), register=register, today=TODAY)
    assert [(r.id, r.status) for r in verdict.rules] == [(rule, "pass") for rule in LEAVE_FORM.rules]
    assert verdict.eligible and verdict.disagreements == []
    assert verdict.figures == {"leave_sessions": 6, "unauthorised_sessions_10wk": 10}
    out = verdict.to_dict()
    assert set(out) == {"eligible", "rules", "figures", "disagreements"}
    assert all({"id", "status", "reason", "source"} <= set(r) for r in out["rules"])
    json.dumps(out)  # plain JSON for the API


def test_an_empty_draft_is_missing_everything_it_needs_and_never_passes():
    verdict = evaluate(LEAVE_FORM, {}, today=TODAY)
    statuses = {r.id: r.status for r in verdict.rules}
    assert not verdict.eligible
    assert statuses == {rule: "missing" for rule in LEAVE_FORM.rules}


def test_a_missing_referral_date_means_today():
    data = leave_case()
    del data["referral_date"]
    result, _ = run("leave_request_within_deadline", data, today=D(2026, 2, 17))
    assert result.status == "fail" and "29 days after" in result.reason


def test_advisory_never_blocks_and_fail_does():
    data = leave_case(pupil__date_of_birth=D(2010, 5, 15), referral_date=D(2026, 5, 1))
    verdict = evaluate(form(["compulsory_school_age", "year11_timing"]), data, today=TODAY)
    assert [r.status for r in verdict.rules] == ["pass", "advisory"] and verdict.eligible
    verdict = evaluate(form(["year11_timing", "not_looked_after"]), leave_case(pupil__looked_after=True), today=TODAY)
    assert not verdict.eligible


def test_a_whole_school_register_must_be_split_first():
    school = read_register_file("upn,date,session,code\nA1,2026-01-05,AM,/\nB2,2026-01-05,AM,G\n")
    with pytest.raises(ValueError, match="split_by_upn"):
        evaluate(LEAVE_FORM, leave_case(), register=school, today=TODAY)


def test_every_holiday_in_a_generated_school_is_judged_from_its_own_register(tmp_path):
    """The synthetic register (forms_service/register/synthetic.py) gives some pupils a term-time holiday (G) starting on a Monday."""
    pupils = split_by_upn(read_register_file(generated_school(tmp_path, pupils=120, until="2026-07-22", seed=3)))
    holidays = {upn: [s for s in register.sessions if s.code == "G"] for upn, register in pupils.items()}
    holidays = {upn: g for upn, g in holidays.items() if g}
    assert len(holidays) >= 3
    for upn, g in holidays.items():
        last = g[-1].date
        back = next((s.date for s in pupils[upn].sessions if s.date > last and s.code != "#"), None)
        if back is None:
            continue  # the holiday ran to the end of the summer term: no return to measure from
        data = leave_case(leave__start_date=g[0].date, leave__end_date=last, leave__return_date=back,
                          referral_date=back + dt.timedelta(days=28), figures={"leave_sessions": 6})
        verdict = evaluate(LEAVE_FORM, data, register=pupils[upn], today=TODAY)
        assert verdict.figures["leave_sessions"] == len(g)
        assert verdict.rule("leave_sessions_minimum").status == ("pass" if len(g) >= 6 else "fail")
        assert verdict.rule("leave_request_within_deadline").status == "pass"
        assert verdict.disagreements == ([] if len(g) == 6 else
                                         [{"figure": "leave_sessions", "typed": 6, "computed": len(g)}])


def test_unknown_rule_is_a_clear_error():
    with pytest.raises(KeyError, match="no_such_rule"):
        evaluate(form(["no_such_rule"]), {}, today=TODAY)


def test_every_rule_in_the_design_is_implemented():
    design = {"compulsory_school_age", "not_looked_after", "unauthorised_sessions_threshold", "attendance_in_window",
              "leave_sessions_minimum", "leave_request_within_deadline", "final_warning_issued", "final_warning_valid",
              "final_warning_gap", "fast_track_stage", "support_recency", "no_identified_barriers", "barriers_described",
              "evidence_attached", "penalty_notice_limit", "policies_confirmed", "year11_timing", "absence_band",
              "lead_professional", "late_marks_threshold",  # issue 4, Knowsley's lateness threshold (004)
              "leave_dates_match_register",  # issue 15: the stated leave checked against the marks
              # issue 19: what the EWS expects before it accepts a referral (002, Step 3)
              "ews_class_teacher_action", "ews_head_of_year_action", "ews_letters_of_concern", "ews_meeting_invitation",
              "ews_sao_home_visit", "ews_medical_confirmation", "ews_registration_certificate",
              # issue 19: the Children Missing Education checklist (002, Appendix 6)
              "cme_last_attendance", "cme_home_visit", "cme_enquiries_made", "cme_safeguarding"}
    design.add("third_day_absence")  # issue 19: Cardiff's letter on the third day (002, Step 1)
    design.add("attendance_this_year")  # issue 20: 001 Appendix B1's levels, 004's Level 1 and Appendix D
    design |= {"aim_level1_completed", "aim_early_help_assessment", "aim_family_informed", "aim_review_date",
               "aim_half_term_limit"}  # issue 20: 004, Level 2 / Step 2 (Attendance Improvement Meeting)
    design.add("penalty_warning_school_age")  # issue 20: Knowsley's Penalty Warning Notice letter (004)
    # issue 20: Knowsley's Statutory Referral Form (004, Level 3)
    design |= {"statutory_referrer", "statutory_level1_actions", "statutory_early_help_assessment",
               "statutory_level2_meeting", "statutory_level2_weeks", "statutory_casework_evidence",
               "statutory_penalty_notice_threshold"}
    design.update({"targets_not_met", "parent_contract_period"})  # issue 20: 001 Appendix B1, targets not met
    # issue 20: Knowsley's educational neglect referral (004, Appendix D; Level 4)
    design |= {"neglect_engagement_evidence", "neglect_statutory_half_term", "neglect_screening_tool",
               "neglect_avcg_recommended"}
    assert set(REGISTRY) == design


# ------------------------------------------------------------------ compulsory_school_age

def test_compulsory_school_age_reason_names_the_dates():
    result, _ = run("compulsory_school_age", leave_case(pupil__date_of_birth=D(2010, 5, 15),
                                                        referral_date=D(2026, 1, 20)))
    assert result.status == "pass"
    assert result.reason == "Of compulsory school age on 20 January 2026 (from 31 August 2015 to 26 June 2026)."
    assert "003, Section 1" in result.source and "s.8" in result.source


@pytest.mark.parametrize("dob, on, status", [
    (D(2010, 5, 15), D(2026, 6, 25), "pass"),   # the day before the last day
    (D(2010, 5, 15), D(2026, 6, 26), "pass"),   # the last Friday in June of Year 11
    (D(2010, 5, 15), D(2026, 6, 27), "fail"),   # the day after
    (D(2021, 1, 10), D(2026, 3, 30), "fail"),   # turned 5 on 10 January; starts 31 March
    (D(2021, 1, 10), D(2026, 3, 31), "pass"),
    (D(2021, 1, 10), D(2026, 4, 1), "pass"),
])
def test_compulsory_school_age_boundaries(dob, on, status):
    result, _ = run("compulsory_school_age", leave_case(pupil__date_of_birth=dob, referral_date=on))
    assert result.status == status
    if status == "fail":
        assert "compulsory school age on" in result.reason


def test_compulsory_school_age_measures_from_the_forms_date():
    data = leave_case(pupil__date_of_birth=D(2010, 5, 15), referral_date=D(2026, 7, 1))
    data["final_warning_date"] = D(2026, 6, 26)
    result, _ = run("compulsory_school_age", data, measure_from="final_warning_date")
    assert result.status == "pass" and "26 June 2026" in result.reason
    del data["final_warning_date"]
    assert run("compulsory_school_age", data, measure_from="final_warning_date")[0].status == "missing"


def test_compulsory_school_age_without_date_of_birth():
    data = leave_case()
    del data["pupil"]["date_of_birth"]
    assert run("compulsory_school_age", data)[0].status == "missing"


# ------------------------------------------------------------------ not_looked_after, policies_confirmed

@pytest.mark.parametrize("value, status", [(False, "pass"), (True, "fail"), (None, "missing")])
def test_not_looked_after(value, status):
    result, _ = run("not_looked_after", leave_case(pupil__looked_after=value))
    assert result.status == status and result.source.startswith("003, Sanctions")


@pytest.mark.parametrize("value, status", [(True, "pass"), (False, "fail"), (None, "missing")])
def test_policies_confirmed(value, status):
    assert run("policies_confirmed", leave_case(policies_confirmed=value))[0].status == status


# ------------------------------------------------------------------ leave under the law in force
#
# From 19 August 2024 (Working together to improve school attendance, August 2024; SI 2024/210) a
# leave request meets the national threshold or not: 10 sessions of G, N, O or U in the 10 school
# weeks ending with the week of the request. For Tuesday 10 February 2026 those are the weeks of
# 24 Nov 2025 to 9 Feb 2026 (Christmas has no sessions, so it is not a school week).

WINDOW_10_FEB = (D(2025, 11, 24), D(2026, 2, 10))


def leave_verdict(register, **changes):
    return evaluate(LEAVE_FORM, leave_case(**changes), register=register, today=TODAY)


def test_six_sessions_of_leave_alone_do_not_meet_the_national_threshold():
    verdict = leave_verdict(holiday_register().build())
    threshold = verdict.rule("unauthorised_sessions_threshold")
    assert threshold.status == "fail" and not verdict.eligible
    assert threshold.reason == ("6 unauthorised sessions (codes G, N, O, U) in the 10 school weeks from 24 Nov 2025 to "
                                "10 Feb 2026 (the date of the request): 6 G (leave), counted from the register; at "
                                "least 10 are needed.")
    assert threshold.source.startswith("Working together to improve school attendance (DfE, August 2024)")
    # The leave rule reports the leave, and says which law applied.
    leave = verdict.rule("leave_sessions_minimum")
    assert leave.status == "pass" and leave.details["law"] == "2024"
    assert leave.reason.startswith("6 sessions of unauthorised leave (code G) from 14 Jan 2026 to 16 Jan 2026, "
                                   "counted from the register; for a request dated from 19 August 2024 the national threshold decides")


@pytest.mark.parametrize("u_marks, status", [(3, "fail"), (4, "pass"), (5, "pass")])
def test_leave_and_late_marks_together_meet_the_threshold(u_marks, status):
    """The framework's example: holiday plus late-after-close (U) marks in any mix."""
    pupil = holiday_register().mark_sessions(u_marks, "U", *WINDOW_10_FEB, seed=11)
    assert pupil.count("U", *WINDOW_10_FEB) == u_marks
    threshold = leave_verdict(pupil.build()).rule("unauthorised_sessions_threshold")
    assert threshold.status == status
    assert f": 6 G (leave), {u_marks} U (late after the register closed), counted from the register" in threshold.reason


def test_the_same_late_marks_one_school_week_outside_the_window_do_not_count():
    inside = holiday_register().mark_sessions(4, "U", D(2025, 11, 24), D(2025, 11, 28), seed=2)
    outside = holiday_register().mark_sessions(4, "U", D(2025, 11, 17), D(2025, 11, 21), seed=2)
    assert leave_verdict(inside.build()).rule("unauthorised_sessions_threshold").status == "pass"
    result = leave_verdict(outside.build()).rule("unauthorised_sessions_threshold")
    assert result.status == "fail" and result.details["counted"] == 6 and result.details["window_start"] == "2025-11-24"


def test_ten_sessions_of_leave_across_the_february_half_term_meet_it():
    """Thursday 12 to Wednesday 25 February 2026, half-term (16-20 Feb, closed) in between: 4 + 6 sessions."""
    pupil = typical_pupil().mark_days(D(2026, 2, 12), D(2026, 2, 25), "G")
    data = dict(leave__start_date=D(2026, 2, 12), leave__end_date=D(2026, 2, 25), leave__return_date=D(2026, 2, 26),
                referral_date=D(2026, 3, 3))
    verdict = evaluate(LEAVE_FORM, leave_case(**data), register=pupil.build(), today=D(2026, 3, 3))
    assert pupil.count("G", D(2026, 2, 1), D(2026, 2, 28)) == 10
    assert verdict.rule("unauthorised_sessions_threshold").status == "pass"
    assert ": 10 G (leave)," in verdict.rule("unauthorised_sessions_threshold").reason
    assert verdict.rule("leave_sessions_minimum").details["counted"] == 10
    assert verdict.rule("leave_dates_match_register").status == "pass"
    assert verdict.eligible


def test_leave_before_the_ten_school_weeks_cannot_be_relied_on():
    # Leave in October 2025 for a request of 10 February 2026: outside the window (from 24 Nov).
    pupil = typical_pupil().mark_days(D(2025, 10, 13), D(2025, 10, 17), "G")
    result = leave_verdict(pupil.build(), leave__start_date=D(2025, 10, 13), leave__end_date=D(2025, 10, 17),
                           leave__return_date=D(2025, 10, 20)).rule("leave_sessions_minimum")
    assert result.status == "fail" and "does not lie within the 10 school weeks from 24 Nov 2025" in result.reason


def test_leave_counted_for_a_request_is_the_stated_leave_not_the_whole_year():
    # Five days of G in October as well as the three stated days in January: 6 are the leave's.
    pupil = holiday_register().mark_days(D(2025, 10, 13), D(2025, 10, 17), "G")
    result, verdict = run("leave_sessions_minimum", leave_case(), register=pupil.build())
    assert result.status == "pass" and verdict.figures == {"leave_sessions": 6}


@pytest.mark.parametrize("typed, status", [(0, "fail"), (1, "pass"), (6, "pass")])
def test_leave_sessions_typed_without_register(typed, status):
    result, verdict = run("leave_sessions_minimum", leave_case(figures={"leave_sessions": typed}))
    assert result.status == status and "as entered on the form" in result.reason
    assert verdict.figures == {"leave_sessions": typed} and verdict.disagreements == []


@pytest.mark.parametrize("typed, status", [(9, "fail"), (10, "pass"), (11, "pass")])
def test_the_threshold_typed_without_register_on_the_leave_form(typed, status):
    verdict = evaluate(LEAVE_FORM, leave_case(figures={"leave_sessions": 6, "unauthorised_sessions_10wk": typed}),
                       today=TODAY)
    result = verdict.rule("unauthorised_sessions_threshold")
    assert result.status == status and "as entered on the form" in result.reason
    assert verdict.rule("leave_dates_match_register").status == "advisory"


def test_leave_sessions_register_wins_over_typed_and_the_disagreement_is_shown():
    data = leave_case(figures={"leave_sessions": 4}, leave__start_date=D(2026, 1, 13))
    result, verdict = run("leave_sessions_minimum", data, register=holiday_register(D(2026, 1, 13)).build())
    assert result.status == "pass"
    assert verdict.figures == {"leave_sessions": 8, "leave_sessions_typed": 4}
    assert verdict.disagreements == [{"figure": "leave_sessions", "typed": 4, "computed": 8}]
    assert "counted from the register (the form says 4, which does not match)" in result.reason


def test_leave_sessions_missing_when_neither_given():
    result, verdict = run("leave_sessions_minimum", leave_case())
    assert result.status == "missing" and verdict.figures == {}


# Before 19 August 2024: 003's "6 sessions (3 consecutive days) or more ... during an academic year".

def leave_case_2024(**changes):
    """Ava's three days of holiday in January 2024 (Wed 17 to Fri 19), back on Monday 22nd, asked for
    on 6 February 2024: before the national threshold came in."""
    return leave_case(leave__start_date=D(2024, 1, 17), leave__end_date=D(2024, 1, 19),
                      leave__return_date=D(2024, 1, 22), referral_date=D(2024, 2, 6), **changes)


def register_2024(g_days: int, extra_g: int = 0):
    """Weekdays of spring term 2024 up to 16 Feb, present but for `g_days` days of G from 17 Jan and
    `extra_g` single sessions of G in the week of 5 Feb."""
    rows, day, g = ["date,session,code"], D(2024, 1, 8), 0
    while day <= D(2024, 2, 16):
        if day.weekday() < 5:
            for session in ("AM", "PM"):
                code = "/" if session == "AM" else "\\"
                if day >= D(2024, 1, 17) and (day - D(2024, 1, 17)).days < g_days:
                    code = "G"
                elif day >= D(2024, 2, 5) and g < extra_g:
                    code, g = "G", g + 1
                rows.append(f"{day.isoformat()},{session},{code}")
        day += dt.timedelta(days=1)
    return read_register_file("\n".join(rows) + "\n")


@pytest.mark.parametrize("g_days, extra, status", [(2, 1, "fail"), (3, 0, "pass"), (3, 1, "pass")])
def test_a_request_dated_before_19_august_2024_takes_the_older_leave_minimum(g_days, extra, status):
    verdict = evaluate(LEAVE_FORM, leave_case_2024(), register=register_2024(g_days, extra), today=D(2024, 2, 6))
    leave = verdict.rule("leave_sessions_minimum")
    n = g_days * 2 + extra
    assert leave.status == status and leave.details["law"] == "before-2024"
    assert leave.reason == (f"{n} sessions of unauthorised leave (code G) in the academic year 2023/24, counted from "
                            "the register; at least 6 are needed (003's minimum, the rule for a request dated before "
                            "19 August 2024; from then the national threshold governs leave).")
    assert leave.source.endswith("(the law before 19 August 2024)")
    threshold = verdict.rule("unauthorised_sessions_threshold")
    assert threshold.status == "pass" and threshold.details == {"in_force": False}
    assert threshold.reason.startswith("Not applied: this request is dated 6 February 2024, before 19 August 2024")


@pytest.mark.parametrize("on, law", [(D(2024, 8, 18), "before-2024"), (D(2024, 8, 19), "2024")])
def test_the_law_changes_on_19_august_2024(on, law):
    data = leave_case(leave__start_date=D(2024, 7, 10), leave__end_date=D(2024, 7, 12),
                      leave__return_date=D(2024, 7, 15), referral_date=on, figures={"leave_sessions": 6})
    result, _ = run("leave_sessions_minimum", data, form_id="penalty-notice-leave")
    assert result.details["law"] == law


def test_leave_sessions_count_the_leaves_academic_year_before_2024():
    # A request made in September 2023 for July's leave counts July's academic year (2022/23).
    data = leave_case(leave__start_date=D(2023, 7, 10), leave__end_date=D(2023, 7, 12),
                      leave__return_date=D(2023, 9, 6), referral_date=D(2023, 9, 20), figures={"leave_sessions": 6})
    result, _ = run("leave_sessions_minimum", data)
    assert result.status == "pass" and "2022/23" in result.reason


# ------------------------------------------------------------------ leave_dates_match_register

def test_the_stated_leave_agrees_with_the_marks():
    result, _ = run("leave_dates_match_register", leave_case(), register=holiday_register().build())
    assert result.status == "pass"
    assert result.reason == ("The register marks agree with the stated leave: 6 sessions of unauthorised absence from "
                             "14 Jan 2026 to 16 Jan 2026, and the child was back on 19 January 2026.")


def test_leave_dates_the_marks_contradict_fail_and_list_the_dates():
    # Stated: Monday 12 to Friday 16 January, back on the 19th; the marks: present that week, G the next.
    pupil = typical_pupil().mark_days(D(2026, 1, 19), D(2026, 1, 23), "G")
    data = leave_case(leave__start_date=D(2026, 1, 12), leave__end_date=D(2026, 1, 16),
                      leave__return_date=D(2026, 1, 19))
    result, _ = run("leave_dates_match_register", data, register=pupil.build())
    assert result.status == "fail"
    assert result.reason.startswith("10 sessions of the stated leave are not marked as unauthorised absence: "
                                    "12 Jan 2026 AM (/), 12 Jan 2026 PM (\\),")
    assert "the child was absent after the stated return date of 19 January 2026: 19 Jan 2026 AM (G)" in result.reason
    assert len(result.details["absent_after_return"]) == 10
    # And the leave rule finds no leave on the stated dates.
    assert run("leave_sessions_minimum", data, register=pupil.build())[0].status == "fail"


@pytest.mark.parametrize("return_code, status", [("/", "pass"), ("I", "fail"), ("G", "fail")])
def test_absence_on_the_stated_return_date_fails(return_code, status):
    pupil = holiday_register().mark(D(2026, 1, 19), return_code, ["AM"])
    result, _ = run("leave_dates_match_register", leave_case(), register=pupil.build())
    assert result.status == status
    if status == "fail":
        assert result.details["absent_after_return"] == [{"date": "2026-01-19", "session": "AM", "code": return_code}]


def test_one_session_of_the_leave_present_fails():
    pupil = holiday_register().mark(D(2026, 1, 16), "/", ["AM"])
    result, _ = run("leave_dates_match_register", leave_case(), register=pupil.build())
    assert result.status == "fail" and result.reason.startswith(
        "1 session of the stated leave is not marked as unauthorised absence: 16 Jan 2026 AM (/)")


def test_leave_dates_without_marks_are_advisory_and_marks_that_miss_them_are_missing():
    assert run("leave_dates_match_register", leave_case())[0].status == "advisory"
    short = typical_pupil(last=D(2026, 1, 15)).build()
    assert run("leave_dates_match_register", leave_case(), register=short)[0].status == "missing"


# ------------------------------------------------------------------ leave_request_within_deadline

@pytest.mark.parametrize("referral, status, days", [
    (D(2026, 1, 19), "pass", 0),
    (D(2026, 2, 15), "pass", 27),
    (D(2026, 2, 16), "pass", 28),    # exactly 4 weeks after the return
    (D(2026, 2, 17), "fail", 29),
])
def test_leave_request_deadline(referral, status, days):
    result, _ = run("leave_request_within_deadline", leave_case(referral_date=referral))
    assert result.status == status
    assert f"{days} days after the child returned to school on 19 January 2026" in result.reason
    assert "by 16 February 2026" in result.reason
    assert result.details["days_after_return"] == days


def test_leave_request_before_the_return_is_an_error():
    result, _ = run("leave_request_within_deadline", leave_case(referral_date=D(2026, 1, 18)))
    assert result.status == "fail" and "is after the date of this request" in result.reason


def test_leave_request_without_return_date():
    assert run("leave_request_within_deadline", leave_case(leave__return_date=None))[0].status == "missing"


def test_leave_request_deadline_comes_from_the_profile():
    raw = {**json.loads((ROOT / "schemas/policies/southend.json").read_text()), "id": "strict"}
    raw["rules"]["leave_request_within_deadline"]["params"]["days"]["value"] = 14
    strict = Policy.from_dict(raw)
    result, _ = run("leave_request_within_deadline", leave_case(referral_date=D(2026, 2, 3)), profile=strict)
    assert result.status == "fail" and result.source.endswith("; " + strict.name)


# ------------------------------------------------------------------ penalty_notice_limit

def notices(*pairs):
    return [{"parent_name": name, "issued_on": day} for name, day in pairs]


def test_first_notices_for_each_parent():
    result, _ = run("penalty_notice_limit", leave_case())
    assert result.status == "pass"
    assert result.reason.startswith("Zofia Nowak: no earlier notice in the 3 years to 10 February 2026, so this would be "
                                    "a first notice: £80 if paid within 21 days, £160 within 28 days. Kacper Nowak:")
    assert [p["amounts"] for p in result.details["parents"]] == [
        [{"within_days": 21, "pence": 8000}, {"within_days": 28, "pence": 16000}]] * 2
    assert [(a["label"], a["pence"]) for a in result.details["amounts"]] == [
        ("Zofia Nowak: first penalty notice, paid within 21 days", 8000),
        ("Zofia Nowak: first penalty notice, paid within 28 days", 16000),
        ("Kacper Nowak: first penalty notice, paid within 21 days", 8000),
        ("Kacper Nowak: first penalty notice, paid within 28 days", 16000)]
    assert "Amendment) Regulations 2024" in result.source and "000, Stage 3A" in result.source


def test_second_notice_matches_the_name_ignoring_case_and_spaces():
    data = leave_case(previous_penalty_notices=notices(("  zofia   NOWAK ", D(2025, 3, 3))))
    result, _ = run("penalty_notice_limit", data)
    assert result.status == "pass"
    assert "Zofia Nowak: 1 earlier notice in the 3 years to 10 February 2026 (3 Mar 2025), so this would be a second " \
           "notice: £160 if paid within 28 days" in result.reason
    zofia, kacper = result.details["parents"]
    assert zofia["amounts"] == [{"within_days": 28, "pence": 16000}] and zofia["notice_number"] == 2
    assert kacper["notice_number"] == 1


@pytest.mark.parametrize("oldest, status", [
    (D(2023, 2, 10), "pass"),   # exactly 3 years before the request: outside the rolling period
    (D(2023, 2, 11), "fail"),   # the first day of the 3 years ending with the request
])
def test_third_notice_within_three_years_fails(oldest, status):
    data = leave_case(previous_penalty_notices=notices(("Zofia Nowak", oldest), ("Zofia Nowak", D(2025, 3, 3))))
    result, _ = run("penalty_notice_limit", data)
    assert result.status == status
    if status == "fail":
        assert "Zofia Nowak: 2 earlier notices" in result.reason
        assert "consider other action, such as prosecution" in result.reason
        assert result.details["parents"][0]["allowed"] is False and result.details["parents"][0]["amounts"] == []
        assert result.details["parents"][1]["allowed"] is True  # Kacper can still be issued one
        assert {a["parent"] for a in result.details["amounts"]} == {"Kacper Nowak"}


def test_notices_before_the_2024_regulations_count_towards_the_limit():
    data = leave_case(previous_penalty_notices=notices(("Kacper Nowak", D(2023, 5, 1)),
                                                       ("Kacper Nowak", D(2024, 6, 1))))
    result, _ = run("penalty_notice_limit", data)
    assert result.status == "fail" and "Notices issued before 19 August 2024 are counted." in result.reason


def test_before_19_august_2024_the_old_amounts_and_no_limit_apply():
    data = leave_case(referral_date=D(2024, 8, 18),
                      previous_penalty_notices=notices(("Zofia Nowak", D(2023, 1, 9)), ("Zofia Nowak", D(2024, 2, 5))))
    result, _ = run("penalty_notice_limit", data)
    assert result.status == "pass" and "£60 if paid within 21 days, £120 within 28 days" in result.reason
    assert result.details["regime"] == "before-2024" and "003, Following Penalty Notice issue" in result.source
    data["referral_date"] = D(2024, 8, 19)
    assert run("penalty_notice_limit", data)[0].status == "fail"


def test_notices_to_someone_not_on_the_referral_are_reported_not_counted():
    data = leave_case(previous_penalty_notices=notices(("Zophia Nowak", D(2025, 3, 3))))
    result, _ = run("penalty_notice_limit", data)
    assert result.status == "pass" and "Not matched to a parent named on this referral: Zophia Nowak." in result.reason


@pytest.mark.parametrize("change", [
    {"previous_penalty_notices": None},
    {"previous_penalty_notices": [{"parent_name": "Zofia Nowak"}]},
    {"previous_penalty_notices": [{"issued_on": D(2025, 3, 3)}]},
    {"parents": []},
    {"parents": [{"name": "  "}]},
])
def test_penalty_notice_limit_missing_facts(change):
    assert run("penalty_notice_limit", leave_case(**change))[0].status == "missing"


def test_penalty_amounts_for_documents():
    assert [(p.within_days, p.pence) for p in penalty_amounts(D(2026, 1, 5), 0)] == [(21, 8000), (28, 16000)]
    assert [(p.within_days, p.pence) for p in penalty_amounts(D(2026, 1, 5), 1)] == [(28, 16000)]
    assert penalty_amounts(D(2026, 1, 5), 2) == ()
    assert [(p.within_days, p.pence) for p in penalty_amounts(D(2024, 8, 18), 5)] == [(21, 6000), (28, 12000)]
    assert regime_on(D(2024, 8, 19)).limit == 2
    assert window_start(D(2028, 2, 29)) == D(2025, 3, 1)


# ------------------------------------------------------------------ evidence_attached

@pytest.mark.parametrize("evidence, status, absent", [
    (["leave_request", "warning_letter", "registration_certificate"], "pass", []),
    (["leave_request"], "missing", ["Copy of warning letter issued by head teacher",
                                     "Registration certificate detailing current attendance"]),
    (None, "missing", ["Copy of leave request from parent", "Copy of warning letter issued by head teacher",
                       "Registration certificate detailing current attendance"]),
])
def test_evidence_attached(evidence, status, absent):
    verdict = evaluate(LEAVE_FORM, leave_case(evidence=evidence), today=TODAY)
    result = verdict.rule("evidence_attached")
    assert result.status == status
    for label in absent:
        assert label in result.reason
    assert result.source == "003, Appendix 8 (enclosures)"


def test_evidence_may_be_given_as_uploads_with_a_kind():
    uploads = [{"kind": "leave_request", "filename": "request.pdf"}, {"kind": "warning_letter"},
               {"kind": "registration_certificate"}]
    assert evaluate(LEAVE_FORM, leave_case(evidence=uploads), today=TODAY).rule("evidence_attached").status == "pass"


# ------------------------------------------------------------------ unauthorised_sessions_threshold

WINDOW_20_JAN = (D(2025, 11, 3), D(2026, 1, 20))  # the 10 school weeks up to Tuesday 20 January 2026


def truant(n, outside=0):
    """n unauthorised sessions (a realistic mix of N, O and U) inside the window, and `outside`
    more in October that the window must not count."""
    pupil = typical_pupil(first=D(2025, 9, 1))
    codes = ["N", "O", "U"]
    for i in range(n):
        pupil.mark_sessions(1, codes[i % 3], *WINDOW_20_JAN, seed=100 + i)
    pupil.mark_sessions(outside, "O", D(2025, 10, 1), D(2025, 10, 24), seed=5)
    return pupil


@pytest.mark.parametrize("n, status", [(9, "fail"), (10, "pass"), (11, "pass")])
def test_unauthorised_sessions_threshold_boundaries(n, status):
    pupil = truant(n, outside=6)
    data = leave_case(referral_date=D(2026, 1, 20))
    result, verdict = run("unauthorised_sessions_threshold", data, register=pupil.build())
    assert pupil.count(("N", "O", "U"), *WINDOW_20_JAN) == n
    assert result.status == status and verdict.figures["unauthorised_sessions_10wk"] == n
    assert result.reason.startswith(f"{n} unauthorised sessions (codes G, N, O, U) in the 10 school weeks from 3 Nov "
                                    "2025 to 20 Jan 2026 (the date of the request): ")
    assert result.reason.endswith(", counted from the register; at least 10 are needed.")


@pytest.mark.parametrize("n, status", [(10, "fail"), (11, "pass")])
def test_a_profile_can_make_the_threshold_strict(n, status):
    raw = json.loads((ROOT / "schemas/policies/national-2024.json").read_text())
    raw["id"] = "more-than-10"
    raw["rules"]["unauthorised_sessions_threshold"]["params"]["inclusive"]["value"] = False
    result, _ = run("unauthorised_sessions_threshold", leave_case(referral_date=D(2026, 1, 20)),
                    register=truant(n).build(), profile=Policy.from_dict(raw))
    assert result.status == status and "more than 10 are needed" in result.reason


def test_threshold_over_a_short_register_is_missing_unless_already_met():
    pupil = PupilRegister(D(2026, 1, 5), D(2026, 1, 23)).mark_days(D(2026, 1, 6), D(2026, 1, 7), "O")
    data = leave_case(referral_date=D(2026, 1, 23))
    result, _ = run("unauthorised_sessions_threshold", data, register=pupil.build())
    assert result.status == "missing" and "only covers 3 of the 10 school weeks" in result.reason
    pupil.mark_days(D(2026, 1, 12), D(2026, 1, 14), "N")
    assert run("unauthorised_sessions_threshold", data, register=pupil.build())[0].status == "pass"


def test_register_without_school_weeks_before_the_date_is_missing():
    register = PupilRegister(D(2026, 1, 5), D(2026, 1, 23)).build()
    for rule_id in ("unauthorised_sessions_threshold", "attendance_in_window"):
        result, _ = run(rule_id, leave_case(referral_date=D(2025, 12, 1)), register=register)
        assert result.status == "missing" and "no school weeks up to 1 December 2025" in result.reason


def test_threshold_from_a_typed_figure():
    data = leave_case(figures={"unauthorised_sessions_10wk": 10})
    result, _ = run("unauthorised_sessions_threshold", data)
    assert result.status == "pass" and "as entered on the form" in result.reason


# ------------------------------------------------------------------ attendance_in_window

FRIDAY_23_JAN = D(2026, 1, 23)  # 10 full school weeks, 3 Nov 2025 to 23 Jan 2026: 100 possible sessions


@pytest.mark.parametrize("absences, status, pct", [(9, "fail", "91"), (10, "pass", "90"), (11, "pass", "89")])
def test_attendance_in_window_boundaries(absences, status, pct):
    pupil = typical_pupil()
    pupil.mark_sessions(absences, "I", D(2025, 11, 3), FRIDAY_23_JAN, seed=absences)
    pupil.mark_sessions(20, "O", D(2025, 9, 8), D(2025, 10, 24), seed=3)  # before the window: not counted
    data = leave_case(referral_date=FRIDAY_23_JAN)
    result, verdict = run("attendance_in_window", data, register=pupil.build())
    assert result.status == status
    assert result.reason.startswith(f"Attendance {pct}% ({100 - absences} of 100 possible sessions) in the 10 school "
                                    "weeks from 3 Nov 2025 to 23 Jan 2026")
    assert verdict.figures == {"attendance_pct_10wk": float(pct)}


def test_attendance_sessions_not_counted_leave_the_possible():
    pupil = typical_pupil().mark_days(D(2026, 1, 12), D(2026, 1, 16), "Y2")  # travel disruption: not possible
    pupil.mark_sessions(9, "N", D(2025, 11, 3), FRIDAY_23_JAN, seed=2)
    result, verdict = run("attendance_in_window", leave_case(referral_date=FRIDAY_23_JAN), register=pupil.build())
    assert result.details["possible"] == 90 and result.status == "pass"  # 81 of 90 is 90%
    assert verdict.figures["attendance_pct_10wk"] == 90.0


def test_attendance_measured_from_the_final_warning():
    pupil = typical_pupil()
    pupil.mark_sessions(10, "O", D(2025, 11, 3), FRIDAY_23_JAN, seed=9)
    pupil.mark_days(D(2026, 1, 26), D(2026, 2, 13), "/", ["AM"])
    data = leave_case(referral_date=D(2026, 2, 13), final_warning_date=FRIDAY_23_JAN)
    result, _ = run("attendance_in_window", data, register=pupil.build(), measure_from="final_warning_date")
    assert result.status == "pass" and "(the Final Warning date)" in result.reason


def test_attendance_typed_figure_disagreement_ignores_rounding():
    pupil = typical_pupil()
    pupil.mark_sessions(12, "I", D(2025, 11, 3), FRIDAY_23_JAN, seed=4)
    data = leave_case(referral_date=FRIDAY_23_JAN, figures={"attendance_pct_10wk": 88.0})
    _, verdict = run("attendance_in_window", data, register=pupil.build())
    assert verdict.disagreements == []
    data["figures"]["attendance_pct_10wk"] = 91
    result, verdict = run("attendance_in_window", data, register=pupil.build())
    assert verdict.disagreements == [{"figure": "attendance_pct_10wk", "typed": 91, "computed": 88.0}]
    assert result.status == "pass" and "the form says 91%" in result.reason


# ------------------------------------------------------------------ final warning

def warning_case(warning, referral, **changes):
    return leave_case(final_warning_date=warning, referral_date=referral, **changes)


@pytest.mark.parametrize("referral, status, days", [
    (D(2026, 1, 15), "fail", 4),
    (D(2026, 1, 16), "pass", 5),
    (D(2026, 1, 19), "pass", 6),
])
def test_final_warning_gap(referral, status, days):
    result, _ = run("final_warning_gap", warning_case(D(2026, 1, 9), referral), register=typical_pupil().build())
    assert result.status == status and result.details["school_days_since"] == days


# Without marks the school days are counted from the calendar (issue 15), as the Fast Track timeline
# counts those ahead of the register: Monday to Friday less England's bank holidays and the closures
# the form lists. Warning on Friday 9 Jan 2026: 12, 13, 14, 15 Jan are 4 school days, 16 Jan the 5th.
@pytest.mark.parametrize("referral, status, days", [
    (D(2026, 1, 15), "fail", 4),
    (D(2026, 1, 16), "pass", 5),
    (D(2026, 1, 19), "pass", 6),
])
def test_final_warning_gap_without_marks_counts_weekdays(referral, status, days):
    result, _ = run("final_warning_gap", warning_case(D(2026, 1, 9), referral))
    assert result.status == status and result.details["school_days_since"] == days, result
    assert result.details["origin"] == "calendar"
    assert "counted Monday to Friday less England's bank holidays" in result.reason
    assert "none is listed on the form" in result.reason and "no register marks are uploaded" in result.reason


HALF_TERM = [{"start_date": D(2026, 2, 16), "end_date": D(2026, 2, 20), "description": "February half-term"}]


@pytest.mark.parametrize("referral, closures, status, days", [
    # Warning on Thursday 12 Feb; the half-term listed: 13, 23, 24, 25 Feb are 4 school days, 26 Feb the 5th.
    (D(2026, 2, 25), HALF_TERM, "fail", 4),
    (D(2026, 2, 26), HALF_TERM, "pass", 5),
    (D(2026, 2, 27), HALF_TERM, "pass", 6),
    # Not listed, the half-term's weekdays count: the form must list the closures.
    (D(2026, 2, 25), [], "pass", 9),
])
def test_final_warning_gap_without_marks_leaves_out_the_closures_listed(referral, closures, status, days):
    result, _ = run("final_warning_gap", warning_case(D(2026, 2, 12), referral, school_closures=closures))
    assert result.status == status and result.details["school_days_since"] == days, result
    assert ("the 1 school closure listed on the form" in result.reason) == bool(closures)


@pytest.mark.parametrize("referral, status, days", [
    # Warning on Thursday 30 Apr 2026; Monday 4 May is the Early May bank holiday: 1, 5, 6, 7 May are 4.
    (D(2026, 5, 7), "fail", 4),
    (D(2026, 5, 8), "pass", 5),
])
def test_final_warning_gap_without_marks_leaves_out_bank_holidays(referral, status, days):
    result, _ = run("final_warning_gap", warning_case(D(2026, 4, 30), referral))
    assert result.status == status and result.details["school_days_since"] == days, result


def test_final_warning_gap_after_the_request_fails_with_or_without_marks():
    for register in (None, typical_pupil().build()):
        result, _ = run("final_warning_gap", warning_case(D(2026, 1, 20), D(2026, 1, 16)), register=register)
        assert result.status == "fail" and "is after the date of this request" in result.reason, result


def test_final_warning_gap_skips_half_term():
    register = typical_pupil().build()
    # Warning on Thursday 12 Feb: Friday 13th, then half term, then 23, 24, 25, 26 Feb.
    assert run("final_warning_gap", warning_case(D(2026, 2, 12), D(2026, 2, 25)), register=register)[0].status == "fail"
    assert run("final_warning_gap", warning_case(D(2026, 2, 12), D(2026, 2, 26)), register=register)[0].status == "pass"


@pytest.mark.parametrize("referral, status", [
    (D(2026, 3, 27), "pass"),   # school week 10 after a warning on Friday 9 January
    (D(2026, 4, 1), "fail"),    # Easter holiday, after the 10th school week ended on 29 March
    (D(2026, 4, 13), "fail"),   # school week 11
])
def test_final_warning_valid_for_ten_school_weeks(referral, status):
    pupil = typical_pupil().mark(D(2026, 1, 14), "N", ["AM"])
    result, _ = run("final_warning_valid", warning_case(D(2026, 1, 9), referral), register=pupil.build())
    assert result.status == status
    if status == "fail":
        assert "valid for 10 school weeks, to 29 March 2026" in result.reason


def test_final_warning_valid_is_missing_when_the_register_stops_short():
    """Marks ending weeks before the request cannot show the warning is still in force (an
    expired warning must not pass on an old export); a register a few days short is normal."""
    register = typical_pupil().mark(D(2026, 1, 14), "N", ["AM"]).build().until(D(2026, 2, 6))
    result, _ = run("final_warning_valid", warning_case(D(2026, 1, 9), D(2026, 4, 20)), register=register)
    assert result.status == "missing" and "register marks end on 6 February 2026" in result.reason
    result, _ = run("final_warning_valid", warning_case(D(2026, 1, 9), D(2026, 2, 10)), register=register)
    assert result.status == "pass"


def test_final_warning_needs_an_unauthorised_absence_after_it():
    pupil = typical_pupil().mark(D(2026, 1, 9), "O", ["PM"])  # on the day of the warning: not after it
    data = warning_case(D(2026, 1, 9), D(2026, 1, 30))
    result, _ = run("final_warning_valid", data, register=pupil.build())
    assert result.status == "fail" and "No unauthorised absence has been recorded since" in result.reason
    pupil.mark(D(2026, 1, 27), "U", ["AM"])
    result, _ = run("final_warning_valid", data, register=pupil.build())
    assert result.status == "pass" and "the first on 27 January 2026 AM (code U)" in result.reason
    assert run("final_warning_valid", data)[0].status == "missing"  # no register


@pytest.mark.parametrize("warning, status", [(None, "missing"), (D(2026, 1, 9), "pass"), (D(2026, 2, 11), "fail")])
def test_final_warning_issued(warning, status):
    result, _ = run("final_warning_issued", warning_case(warning, TODAY))
    assert result.status == status
    if status == "pass":
        assert "to all 2 parents and carers named (Zofia Nowak, Kacper Nowak)" in result.reason


# ------------------------------------------------------------------ support and barriers

@pytest.mark.parametrize("form_id, measure_from, meeting, status", [
    ("ppm-request", "referral_date", D(2025, 6, 10), "pass"),           # exactly 9 months before 10 March 2026
    ("ppm-request", "referral_date", D(2025, 6, 9), "fail"),
    ("penalty-notice-panel", "panel_date", D(2025, 9, 10), "pass"),     # 6 months for a panel (003, Appendix 7)
    ("penalty-notice-panel", "panel_date", D(2025, 9, 9), "fail"),
])
def test_support_recency(form_id, measure_from, meeting, status):
    data = leave_case(referral_date=D(2026, 3, 10), panel_date=D(2026, 3, 10), support_meeting_date=meeting,
                      parent_contract_agreed=True, parents_attended_meeting=True)
    result, _ = run("support_recency", data, form_id=form_id, measure_from=measure_from)
    assert result.status == status


@pytest.mark.parametrize("attended, contract, status", [
    (True, True, "pass"), (False, False, "pass"), (True, False, "fail"), (None, False, "missing"), (True, None, "missing"),
])
def test_support_recency_parent_contract(attended, contract, status):
    data = leave_case(support_meeting_date=D(2025, 12, 1), parents_attended_meeting=attended,
                      parent_contract_agreed=contract)
    assert run("support_recency", data)[0].status == status


@pytest.mark.parametrize("form_id, field, value, status", [
    ("fast-track-referral", "barriers_identified", True, "fail"),
    ("fast-track-referral", "barriers_identified", False, "pass"),
    ("fast-track-referral", "barriers_identified", None, "missing"),
    ("penalty-notice-panel", "new_barriers_at_panel", True, "fail"),
    ("penalty-notice-panel", "new_barriers_at_panel", False, "pass"),
])
def test_no_identified_barriers(form_id, field, value, status):
    assert run("no_identified_barriers", leave_case(**{field: value}), form_id=form_id)[0].status == status


@pytest.mark.parametrize("text, status", [
    ("Poor attendance.", "fail"), ("poor attendance and lateness", "fail"), ("N/A", "fail"), (None, "missing"),
    ("Anxiety about PE changing rooms; school agreed a quiet space and a phased timetable.", "pass"),
])
def test_barriers_described(text, status):
    assert run("barriers_described", leave_case(barriers=text))[0].status == status


# ------------------------------------------------------------------ advisories

@pytest.mark.parametrize("on, status", [
    (D(2026, 2, 13), "pass"),       # 19 weeks before 26 June 2026
    (D(2026, 2, 14), "advisory"),   # less than one and a half terms left
    (D(2025, 6, 1), "pass"),        # not yet the final year
])
def test_year11_timing(on, status):
    result, _ = run("year11_timing", leave_case(pupil__date_of_birth=D(2010, 5, 15), referral_date=on))
    assert result.status == status


@pytest.mark.parametrize("missed, status", [(17, "pass"), (18, "advisory"), (88, "advisory")])
def test_absence_band(missed, status):
    # 2025/26 up to Friday 23 January: 73 open days in the autumn term and 15 in January.
    pupil = PupilRegister().mark_sessions(missed, "O", D(2025, 9, 3), D(2026, 1, 23), seed=1)
    assert pupil.count(("/", "\\", "O"), D(2025, 9, 1), D(2026, 1, 23)) == 176
    result, verdict = run("absence_band", leave_case(referral_date=D(2026, 1, 23)), register=pupil.build())
    assert result.status == status  # 17 of 176 is 9.7%; 18 is 10.2%
    if missed == 88:
        assert result.reason.startswith("Severely absent: 50% of possible sessions missed (88 of 176)")
    else:
        assert verdict.figures["absence_pct_year"] == round(missed * 100 / 176, 1)


@pytest.mark.parametrize("agencies, consulted, status", [
    ("Social care (social worker: J Okafor)", False, "advisory"),
    ("Social care (social worker: J Okafor)", True, "pass"),
    ("School nurse", None, "pass"),
    (None, None, "advisory"),
])
def test_lead_professional(agencies, consulted, status):
    data = leave_case(other_agencies=agencies, lead_professional_consulted=consulted)
    assert run("lead_professional", data)[0].status == status


# ------------------------------------------------------------------ policy profiles

def test_profiles_hold_the_seed_numbers_with_citations():
    assert {"national-2024", "southend"} <= set(list_profiles())
    for name in ("national-2024", "southend"):
        p = load_profile(name)
        assert p.name and p.description
        assert p.param("leave_sessions_minimum", "minimum") == 6
        assert p.param("leave_request_within_deadline", "days") == 28
        assert [p.param("unauthorised_sessions_threshold", k) for k in ("sessions", "weeks", "inclusive")] == [10, 10,
                                                                                                             True]
        assert [p.param("attendance_in_window", k) for k in ("max_pct", "weeks")] == [90, 10]
        assert p.param("support_recency", "months") == 9
        assert p.param("support_recency", "months", "ppm-request") == 9
        assert p.param("support_recency", "months", "penalty-notice-panel") == 6
        assert [p.param("final_warning", k) for k in ("valid_weeks", "gap_school_days")] == [10, 5]
        assert "Appendix 7" in p.param_source("support_recency", "months", "penalty-notice-panel")
        assert p.source("leave_request_within_deadline") == f"003, Appendix 8; {p.name}"


def test_loaded_profiles_are_read_only():
    profile = load_profile("southend")
    with pytest.raises(TypeError):
        profile.rules["leave_sessions_minimum"]["params"]["minimum"]["value"] = 1
    assert load_profile("southend").param("leave_sessions_minimum", "minimum") == 6


def test_profiles_contain_no_email_address():
    profiles = sorted((ROOT / "schemas/policies").glob("*.json"))
    assert len(profiles) >= 4, "the glob found the profiles"
    for path in profiles:
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", path.read_text()), path.name


@pytest.mark.parametrize("name", ["nowhere", "../codesets/2024", "", "Southend"])
def test_unknown_profile_lists_the_known_ones(name):
    with pytest.raises(ValueError, match="known profiles are .*national-2024.*southend"):
        load_profile(name)


def test_a_profile_parameter_without_a_source_is_refused():
    raw = copy.deepcopy(json.loads((ROOT / "schemas/policies/southend.json").read_text()))
    del raw["rules"]["final_warning"]["params"]["gap_school_days"]["source"]
    with pytest.raises(ValueError, match="final_warning.gap_school_days"):
        Policy.from_dict(raw)
