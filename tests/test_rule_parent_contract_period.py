"""parent_contract_period (forms_service/rules/contract_period.py): the Peterborough trust's "Academy
parenting contract to be put in place for 6 weeks" (001, Appendix B1) on the parent contract (003,
Appendix 3), whose review period is otherwise 2 to 6 weeks.

The case is the parent contract's sample: Lily-Mae Cartwright's contract agreed on Tuesday 20 January
2026. Counted in school weeks after the meeting's week, with the February half term (16-20 February
2026) marked `#` in the register: 26 Jan (1), 2 Feb (2), 9 Feb (3), 23 Feb (4), 2 Mar (5), 9 Mar (6),
16 Mar (7). Counted from the calendar, which cannot see the half term, 9 March is week 7.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.form_case import FormCase
from support.registers import D, PupilRegister

RULE = "parent_contract_period"
CASE = FormCase("parent-contract", school={"name": "All Saints CE Primary Academy"},
                la={"name": "Peterborough City Council", "inbox": "attendance@la.invalid"},
                reference="SAPC-2026-000012", today=D(2026, 3, 27), profile="peterborough")
MEETING = D(2026, 1, 20)
PETERBOROUGH, NATIONAL = load_profile("peterborough"), load_profile("national-2024")
# Marks for the whole spring term: the half term week is closures (`#`).
SPRING = PupilRegister(D(2025, 9, 1), D(2026, 3, 27))


def check(review_date: dt.date | None, *, period: str | None = "6", register=None, profile=PETERBOROUGH,
          meeting: dt.date | None = MEETING):
    data = CASE.sample(review_period=period, review_date=review_date, support_meeting_date=meeting)
    return evaluate(CASE.form, data, register=register, profile=profile, today=D(2026, 3, 27)).rule(RULE)


def test_the_profile_holds_the_trusts_six_weeks_with_its_source():
    assert PETERBOROUGH.param(RULE, "weeks") == 6
    assert "Academy parenting contract to be put in place for 6 weeks" in PETERBOROUGH.param_source(RULE, "weeks")
    assert RULE in get_form("parent-contract").rules


# --- the review period: 5, 6 and 7 weeks -----------------------------------------------------------------------

@pytest.mark.parametrize("period, status", [("5", "fail"), ("6", "pass"), ("2", "fail")])
def test_the_review_period_must_be_the_trusts_six_weeks(period, status):
    result = check(D(2026, 3, 10), period=period, register=SPRING.build())
    assert result.status == status, result.reason
    if status == "fail":
        assert result.reason == (f"The review period chosen is {period} weeks, but the academy parenting contract is "
                                 "put in place for 6 weeks: choose 6 weeks.")
    assert "001, Appendix B1" in result.source and "Peterborough Diocese Education Trust" in result.source


def test_seven_weeks_cannot_be_chosen_on_the_form_at_all():
    """The contract's choices stop at 6 weeks (003, Appendix 3): a 7-week period never reaches the rule."""
    choices = next(f for f in CASE.form.fields if f.name == "review_period").options["choices"]
    assert "7" not in [c["value"] for c in choices]


# --- the review date in school weeks from real register marks, across the February half term -------------------

@pytest.mark.parametrize("review, week, status", [
    (D(2026, 3, 6), 5, "fail"),    # Friday of school week 5: one week short
    (D(2026, 3, 9), 6, "pass"),    # Monday of school week 6
    (D(2026, 3, 13), 6, "pass"),   # Friday of school week 6
    (D(2026, 3, 16), 7, "fail"),   # Monday of school week 7: a week over
])
def test_the_review_falls_in_the_sixth_school_week_counted_from_the_marks(review, week, status):
    result = check(review, register=SPRING.build())
    assert (result.status, result.details["school_weeks"]) == (status, week), result.reason
    assert result.details["review_week"] == "2026-03-09" and result.details["origin"] == "register"
    assert f"is in school week {week} after the meeting on 20 January 2026, counted from the register's marks" in \
        result.reason
    assert "half term cannot be seen" not in result.reason
    if status == "fail":
        assert result.reason.endswith("runs for 6 weeks of school, so the review falls in school week 6; hold it in "
                                      "the week beginning 9 March 2026.")


def test_the_half_term_is_not_a_school_week_in_the_marks():
    """Six calendar weeks after the meeting (Tuesday 3 March) is only school week 5: the half term is closures."""
    assert {code for (day, _), code in SPRING.marks.items() if D(2026, 2, 16) <= day <= D(2026, 2, 20)} == {"#"}
    result = check(D(2026, 3, 3), register=SPRING.build())
    assert result.status == "fail" and result.details["school_weeks"] == 5


def test_a_week_with_no_marks_at_all_is_not_a_school_week_either():
    """A register that leaves the half term out (no rows, rather than `#`) shows the same."""
    register = PupilRegister(D(2025, 9, 1), D(2026, 3, 27))
    for key in [k for k in register.marks if D(2026, 2, 16) <= k[0] <= D(2026, 2, 20)]:
        del register.marks[key]
    assert check(D(2026, 3, 10), register=register.build()).status == "pass"
    assert check(D(2026, 3, 3), register=register.build()).status == "fail"


# --- without marks: the calendar, which cannot see a half term -------------------------------------------------

def test_without_marks_the_weeks_are_counted_from_the_calendar_and_the_reason_says_so():
    result = check(D(2026, 3, 3))  # six calendar weeks on
    assert result.status == "pass" and result.details["school_weeks"] == 6
    assert result.details["origin"] == "calendar"
    assert ("counted Monday to Friday less England's bank holidays, as no register marks are uploaded: a half term "
            "cannot be seen without marks, so check the period does not cross one") in result.reason


def test_without_marks_a_review_a_half_term_later_is_advisory_not_a_bar():
    """Agreed on 20 January, the contract has no marks for the weeks ahead: the calendar counts the half term
    as week 4, so the right review (10 March) reads as week 7. That is worth a check, not a refusal."""
    result = check(D(2026, 3, 10), register=SPRING.build(until=MEETING))
    assert result.status == "advisory" and result.details["school_weeks"] == 7
    assert "counted from the register's marks to 20 January 2026 and, after them, Monday to Friday less" in result.reason
    assert "if 1 of the weeks counted is a half term or holiday, the review is right" in result.reason
    assert check(D(2026, 3, 10), register=SPRING.build(until=MEETING)).details["weeks_from_calendar"] == 7


@pytest.mark.parametrize("review, status", [(D(2026, 2, 27), "fail"), (D(2026, 3, 3), "pass")])
def test_without_marks_a_review_before_the_sixth_week_is_refused(review, status):
    """Five weeks by the calendar cannot be six of school: a holiday only makes the count smaller."""
    result = check(review)
    assert result.status == status, result.reason


# --- missing answers and other profiles ---------------------------------------------------------------------

@pytest.mark.parametrize("changes, words", [
    ({"period": None}, "The review period is not given: the academy parenting contract is for 6 weeks."),
    ({"review_date_none": True}, "The review date is not given: it should be 6 weeks of school after the meeting on "
                                 "20 January 2026."),
    ({"meeting": None}, "The date of the meeting is not given"),
])
def test_missing_answers_say_what_is_needed(changes, words):
    review = None if changes.pop("review_date_none", False) else D(2026, 3, 10)
    result = check(review, **changes)
    assert result.status == "missing" and result.reason.startswith(words)


@pytest.mark.parametrize("profile", ["national-2024", "southend", "knowsley"])
@pytest.mark.parametrize("period", ["2", "5"])
def test_a_profile_without_a_period_leaves_the_2_to_6_weeks_standing(profile, period):
    result = check(D(2026, 2, 3), period=period, profile=load_profile(profile))
    assert result.status == "pass" and result.details == {"weeks": None}
    assert result.reason.endswith("sets no period of its own for a parent contract: the review period of 2 to 6 "
                                  "weeks agreed at the meeting stands.")
    assert result.source.startswith("003, Appendix 3")


def test_the_parent_contract_sample_is_still_eligible_under_the_national_profile():
    verdict = evaluate(CASE.form, CASE.sample(), profile=NATIONAL, today=D(2026, 2, 24))
    assert verdict.eligible and verdict.rule(RULE).status == "pass"


def test_the_parent_contract_sample_is_refused_under_the_trust_for_its_five_weeks():
    verdict = evaluate(CASE.form, CASE.sample(), profile=PETERBOROUGH, today=D(2026, 2, 24))
    assert CASE.sample()["review_period"] == "5"
    assert not verdict.eligible and verdict.rule(RULE).status == "fail"


# --- on the letter that announces the contract (formal-meeting-invitation) ------------------------------------

INVITATION = FormCase("formal-meeting-invitation", school={"name": "All Saints CE Primary Academy"},
                      la={"name": "Peterborough City Council", "inbox": "attendance@la.invalid"},
                      reference="FMI-2026-000003", today=D(2026, 3, 3), profile="peterborough")


def test_the_invitation_states_the_trusts_period_for_the_letter_to_print():
    result = evaluate(INVITATION.form, INVITATION.sample(), profile=PETERBOROUGH, today=D(2026, 3, 3)).rule(RULE)
    assert (result.status, result.details) == ("pass", {"weeks": 6})
    assert result.reason == "The academy parenting contract this letter announces is put in place for 6 weeks."


def test_the_invitation_under_a_profile_without_a_period_is_missing_it():
    """Never offered there (its `profiles`), but the rule alone says why the letter could not be written."""
    only_this_rule = dataclasses.replace(INVITATION.form, rules=(RULE,))
    result = evaluate(only_this_rule, INVITATION.sample(), profile=NATIONAL, today=D(2026, 3, 3)).rule(RULE)
    assert result.status == "missing" and "sets no period for the academy parenting contract" in result.reason
