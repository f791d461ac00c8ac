"""What the Education Welfare Service expects before it accepts a referral (002, Step 3;
forms_service/rules/ews.py): each rule at its boundaries, from the Cardiff sample and realistic
Welsh registers.

The sample (tests/samples/ews-referral.json) is Rhys Pritchard, Year 8 at a Cardiff high school in
2025/26, referred on Friday 20 March 2026. The test calendar (tests/support/registers.py) has
Cardiff's holidays: autumn half term 27-31 October 2025, Christmas 22 December to 2 January, February
half term 16-20 February 2026 and Easter 30 March to 10 April 2026.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import REGISTRY, evaluate
from forms_service.rules.ews import CERTIFICATE_SCHOOL_DAYS, MIN_LETTERS_OF_CONCERN
from forms_service.rules.titles import TITLES

from support.helpers import with_changes
from support.registers import D, typical_pupil

FORM = get_form("ews-referral")
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / "ews-referral.json").read_text("utf-8"))
REFERRAL = D(2026, 3, 20)  # a Friday
DAY_BEFORE = D(2026, 3, 19)
CARDIFF = load_profile("cardiff")
WALES = "wales-2010"
EWS_RULES = ("ews_class_teacher_action", "ews_head_of_year_action", "ews_letters_of_concern", "ews_meeting_invitation",
             "ews_sao_home_visit", "ews_medical_confirmation", "ews_registration_certificate")


def sample(**changes) -> dict:
    """The sample as the rules see it (dates as dates), both enclosures given, `changes` applied
    ("a__b" is a.b; None removes the answer)."""
    data = FORM.schema(complete=True).load(copy.deepcopy(SAMPLE_JSON))
    data["evidence"] = ["registration_certificate", "letters"]
    return with_changes(data, changes, drop=None)


def welsh_register(until=REFERRAL):
    """A Cardiff pupil's 2025/26 marks in the Welsh codes, up to `until`: the ordinary year of
    tests/support/registers.py, with 20 unexplained (O) sessions since Christmas."""
    pupil = typical_pupil(code_set=WALES)
    pupil.mark_sessions(20, "O", D(2026, 1, 5), D(2026, 3, 13), seed=5)
    return pupil.build(until=until)


def judge(data: dict, register=None, profile=CARDIFF):
    return evaluate(FORM, data, register=register, profile=profile, today=REFERRAL)


def outcome(rule_id: str, data: dict, register=None):
    return judge(data, register).rule(rule_id)


# --- the form and its rules --------------------------------------------------------------------------

def test_each_condition_of_step_3_is_a_rule_of_its_own_with_a_plain_title():
    assert set(EWS_RULES) <= set(REGISTRY) and set(EWS_RULES) <= set(FORM.rules)
    for rule_id in EWS_RULES:
        assert TITLES[rule_id] and "_" not in TITLES[rule_id]
    assert FORM.raw["jurisdictions"] == ["wales"] and FORM.raw["sample_profile"] == "cardiff"


def test_the_sample_passes_every_rule_and_is_eligible():
    verdict = judge(sample(), welsh_register())
    assert verdict.eligible, [r for r in verdict.rules if r.status in ("fail", "missing")]
    assert {r.id: r.status for r in verdict.rules if r.id in EWS_RULES} == dict.fromkeys(EWS_RULES, "pass")


def test_no_rule_of_englands_law_is_applied_in_wales():
    """Cardiff is in Wales: no Notice to Improve, and no England-2024 limit on penalty notices."""
    ids = {r.id for r in judge(sample()).rules}
    assert not ids & {"notice_to_improve_served", "penalty_notice_limit", "leave_sessions_minimum"}


# --- (a), (b): action by the class teacher and the head of year -----------------------------------

@pytest.mark.parametrize("rule_id, prefix, who", [
    ("ews_class_teacher_action", "class_teacher_action", "the class or form teacher"),
    ("ews_head_of_year_action", "head_of_year_action", "the head of year (secondary) or the head or deputy head"),
])
@pytest.mark.parametrize("when, status", [(DAY_BEFORE, "pass"), (REFERRAL, "fail"), (D(2026, 3, 23), "fail")])
def test_action_in_school_must_come_before_the_referral(rule_id, prefix, who, when, status):
    result = outcome(rule_id, sample(**{f"{prefix}_date": when}))
    assert result.status == status, result.reason
    assert who in result.reason
    if status == "fail":
        assert "not before the date of this referral (20 March 2026)" in result.reason


@pytest.mark.parametrize("rule_id, prefix", [("ews_class_teacher_action", "class_teacher_action"),
                                             ("ews_head_of_year_action", "head_of_year_action")])
def test_action_in_school_not_described_or_not_dated_is_missing(rule_id, prefix):
    undated = outcome(rule_id, sample(**{f"{prefix}_date": None}))
    assert undated.status == "missing" and undated.reason.startswith("The date of the action by")
    undescribed = outcome(rule_id, sample(**{prefix: None}))
    assert undescribed.status == "missing" and "is not described" in undescribed.reason
    assert "22 September 2025" in outcome("ews_class_teacher_action", sample(class_teacher_action=None)).reason
    neither = outcome(rule_id, sample(**{prefix: None, f"{prefix}_date": None}))
    assert neither.status == "missing" and "not described and not dated" in neither.reason


# --- (c): a sequence of letters of concern -------------------------------------------------------------

def letters(*days):
    return [{"date": day, "description": f"Letter of concern {n}"} for n, day in enumerate(days, start=1)]


@pytest.mark.parametrize("days, status, counted", [
    ((D(2025, 11, 10),), "fail", 1),                            # one letter is not a sequence
    ((D(2025, 11, 10), DAY_BEFORE), "pass", 2),                 # two: the fewest that make one
    ((D(2025, 10, 6), D(2025, 11, 10), D(2026, 1, 26)), "pass", 3),
    ((D(2025, 11, 10), REFERRAL), "fail", 1),                   # one dated on the referral: not before it
])
def test_letters_of_concern_at_least_two_before_the_referral(days, status, counted):
    assert MIN_LETTERS_OF_CONCERN == 2
    result = outcome("ews_letters_of_concern", sample(letters_of_concern=letters(*days)))
    assert result.status == status, result.reason
    assert result.details["before_referral"] == counted
    assert result.reason.startswith(f"{counted} letter")
    if REFERRAL in days:
        assert "not counted, as not before the referral: 20 March 2026" in result.reason


def test_no_letters_of_concern_is_missing():
    for value in (None, []):
        result = outcome("ews_letters_of_concern", sample(letters_of_concern=value))
        assert result.status == "missing" and "No letters of concern" in result.reason


# --- (d): the invitation to a meeting in school -----------------------------------------------------

@pytest.mark.parametrize("when, status", [(DAY_BEFORE, "pass"), (REFERRAL, "fail"), (None, "missing")])
def test_the_invitation_to_a_meeting_in_school(when, status):
    result = outcome("ews_meeting_invitation", sample(meeting_invitation_date=when))
    assert result.status == status, result.reason
    if status == "missing":
        assert "invited to a meeting in school is not given" in result.reason


# --- (e): the SAO's home visit ------------------------------------------------------------------------

def visits(*items):
    return [{"date": day, "kind": kind, "outcome": "Spoke with mum"} for day, kind in items]


@pytest.mark.parametrize("items, status", [
    ([(DAY_BEFORE, "home_visit")], "pass"),
    ([(REFERRAL, "home_visit")], "fail"),
    ([(D(2026, 3, 5), "school_meeting")], "missing"),   # meetings in school only: no home visit yet
    ([], "missing"),
])
def test_the_school_attendance_officer_visited_the_home_before_the_referral(items, status):
    result = outcome("ews_sao_home_visit", sample(sao_visits=visits(*items)))
    assert result.status == status, result.reason
    if items and items[0][1] == "school_meeting":
        assert "No home visit by the School Attendance Officer" in result.reason
        assert "meetings in school: 5 March 2026" in result.reason


def test_the_samples_visits_are_counted_by_kind():
    result = outcome("ews_sao_home_visit", sample())
    assert result.details == {"home_visits": 2, "school_meetings": 1}
    assert "2 home visits before the referral (26 February 2026, 12 March 2026)" in result.reason


# --- (f): medical confirmation where illness notes continue -----------------------------------------

@pytest.mark.parametrize("answer, status", [("yes", "pass"), ("not_applicable", "pass"), ("no", "fail"),
                                            (None, "missing")])
def test_medical_confirmation_where_absence_for_illness_continues(answer, status):
    result = outcome("ews_medical_confirmation", sample(medical_confirmation=answer))
    assert result.status == status, result.reason
    if answer == "not_applicable":
        assert result.reason.startswith("Not applicable")


# --- (g): an up to date registration certificate ------------------------------------------------------

@pytest.mark.parametrize("printed, status, days", [
    (REFERRAL, "pass", 0),
    (D(2026, 3, 16), "pass", 4),
    (D(2026, 3, 13), "pass", 5),    # exactly 5 school days before
    (D(2026, 3, 12), "fail", 6),    # one too many
    (D(2026, 3, 23), "fail", None),  # after the referral
])
def test_the_registration_certificate_is_printed_in_the_5_school_days_before(printed, status, days):
    assert CERTIFICATE_SCHOOL_DAYS == 5
    result = outcome("ews_registration_certificate", sample(registration_certificate_printed=printed),
                     welsh_register())
    assert result.status == status, result.reason
    if days is not None:
        assert result.details["school_days_before"] == days
    if status == "fail" and days:
        assert "print it again, no more than 5 school days before the referral" in result.reason


def test_school_days_over_half_term_are_the_registers():
    """Printed on Friday 13 February 2026, before the February half term; referred on Monday 23rd,
    the first day back: with the register's marks (half term all `#`) that is 1 school day. Without
    them, Monday to Friday are counted and the half term with them: 6, too old."""
    monday = D(2026, 2, 23)
    data = sample(referral_date=monday, registration_certificate_printed=D(2026, 2, 13))
    with_marks = evaluate(FORM, data, register=welsh_register(until=monday), profile=CARDIFF, today=monday)
    assert with_marks.rule("ews_registration_certificate").status == "pass"
    assert with_marks.rule("ews_registration_certificate").details["school_days_before"] == 1
    without = evaluate(FORM, data, profile=CARDIFF, today=monday).rule("ews_registration_certificate")
    assert without.status == "fail" and without.details["school_days_before"] == 6


def test_a_certificate_not_attached_or_not_dated_is_missing():
    unattached = outcome("ews_registration_certificate", sample(evidence=["letters"]))
    assert unattached.status == "missing"
    assert unattached.reason == ("The registration certificate printed on 18 March 2026, 2 school days before the "
                                 "referral, is not attached.")
    undated = outcome("ews_registration_certificate", sample(registration_certificate_printed=None))
    assert undated.status == "missing" and "printed is not given" in undated.reason


# --- the advisories: Year 11 and younger siblings, the absence band from Welsh marks ------------------

@pytest.mark.parametrize("siblings, words", [
    (True, "the form says younger siblings do have attendance concerns, so the EWS may still act"),
    (False, "the form says no younger siblings have attendance concerns"),
])
def test_year_11_with_less_than_one_and_a_half_terms_left_names_the_younger_siblings(siblings, words):
    """002, Step 5: "unlikely to start a prosecution, unless there are younger siblings with attendance
    concerns". Born 15 May 2010, Rhys would be in Year 11, with 14 weeks left on 20 March 2026."""
    data = sample(pupil__date_of_birth=D(2010, 5, 15), pupil__year_group="Year 11", younger_siblings_concerns=siblings)
    result = outcome("year11_timing", data)
    assert result.status == "advisory" and words in result.reason
    assert "14 weeks left before it ends on 26 June 2026" in result.reason
    assert judge(data, welsh_register()).eligible  # advisory: it never blocks


@pytest.mark.parametrize("on, status", [(D(2026, 2, 13), "pass"), (D(2026, 2, 14), "advisory")])
def test_year_11_at_one_and_a_half_terms(on, status):
    data = sample(pupil__date_of_birth=D(2010, 5, 15), referral_date=on)
    assert evaluate(FORM, data, profile=CARDIFF, today=on).rule("year11_timing").status == status


def test_the_absence_band_counts_welsh_marks():
    result = outcome("absence_band", sample(), welsh_register())
    assert result.status == "advisory" and "persistent" in result.reason.lower()
