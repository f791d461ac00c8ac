"""The Fast Track referral's eight weeks (003, Fast Track to Attendance): what is due next and when,
counted in school days (forms_service/referrals/timeline.py, forms_service/register/schooldays.py)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from forms_service.policies import Policy, load_profile
from forms_service.referrals.timeline import DONE, DUE, NOT_NEEDED, OVERDUE, UPCOMING, timeline
from forms_service.register.schooldays import SchoolCalendar

from support.registers import PupilRegister

D = dt.date
SOUTHEND = load_profile("southend")
HALF_TERM_2026 = {"start_date": D(2026, 10, 26), "end_date": D(2026, 10, 30), "description": "October half-term"}


def steps(result) -> dict:
    return {s.id: s for s in result.steps}


# --- school days -----------------------------------------------------------------------------------

def test_school_days_ahead_of_the_register_skip_weekends_and_bank_holidays():
    calendar = SchoolCalendar()
    assert calendar.add(D(2026, 9, 8), 20) == D(2026, 10, 6)   # four full weeks of weekdays
    # Christmas Day (Fri), Boxing Day observed (Mon 28th) and New Year's Day are not school days.
    assert calendar.add(D(2026, 12, 14), 20) == D(2027, 1, 14)
    assert calendar.between(D(2026, 12, 24), D(2026, 12, 29)) == 1  # only Tuesday 29th


def test_closures_the_school_lists_are_not_school_days():
    calendar = SchoolCalendar(closures=[(D(2026, 12, 21), D(2027, 1, 1))])
    assert calendar.add(D(2026, 12, 14), 20) == D(2027, 1, 25)
    half_term = SchoolCalendar(closures=[(D(2026, 10, 26), D(2026, 10, 30))])
    assert half_term.add(D(2026, 10, 21), 5) == D(2026, 11, 4)
    assert SchoolCalendar().add(D(2026, 10, 21), 5) == D(2026, 10, 28)


def test_where_the_register_has_marks_its_open_days_are_the_school_days():
    register = PupilRegister(D(2025, 9, 1), D(2025, 12, 19)).build()  # half-term 27–31 Oct 2025 marked #
    calendar = SchoolCalendar(register)
    assert calendar.add(D(2025, 10, 22), 5) == D(2025, 11, 5)
    assert not calendar.is_school_day(D(2025, 9, 1))  # an INSET day (#) in the marks
    # After the last mark (19 Dec 2025) the calendar takes over: Christmas week is weekdays.
    assert calendar.is_school_day(D(2025, 12, 22)) and not calendar.is_school_day(D(2025, 12, 25))


def test_school_weeks_skip_the_half_term_and_holidays_end_half_terms():
    """Issue 20: periods counted in school weeks (Knowsley's 3-week review, the trust's 6-week contract) and
    ended at a half term. The register's 2025/26 autumn: half term 27-31 October marked #, Christmas after
    its last mark (19 December) known only from the closures the school lists."""
    register = PupilRegister(D(2025, 9, 1), D(2025, 12, 19)).build()
    calendar = SchoolCalendar(register, closures=[(D(2025, 12, 22), D(2026, 1, 2))])
    assert calendar.is_school_week(D(2025, 10, 20)) and not calendar.is_school_week(D(2025, 10, 27))
    # From Monday 13 October: week 1 is 20 October, the half term is no week, week 2 is 3 November.
    assert calendar.nth_school_week(D(2025, 10, 15), 0) == D(2025, 10, 13)
    assert calendar.nth_school_week(D(2025, 10, 15), 1) == D(2025, 10, 20)
    assert calendar.nth_school_week(D(2025, 10, 15), 2) == D(2025, 11, 3)
    assert SchoolCalendar().nth_school_week(D(2025, 10, 15), 2) == D(2025, 10, 27)  # no marks: a weekday week
    # The half term is one run; Christmas's two weeks are one run, not two.
    assert calendar.holiday_runs(D(2025, 10, 1), D(2026, 1, 9)) == [
        [D(2025, 10, 27)], [D(2025, 12, 22), D(2025, 12, 29)]]
    # A week counts only once its Friday is by `until`, and only after the week of `after`.
    assert calendar.holiday_runs(D(2025, 10, 1), D(2025, 10, 30)) == []
    assert calendar.holiday_runs(D(2025, 10, 1), D(2025, 10, 31)) == [[D(2025, 10, 27)]]
    assert calendar.holiday_runs(D(2025, 10, 28), D(2025, 12, 5)) == []


# --- the timeline ------------------------------------------------------------------------------------

def test_a_new_case_starts_with_the_attendance_support_meeting():
    result = timeline({}, register=None, profile=SOUTHEND, today=D(2026, 9, 1))
    assert result.next.id == "week1" and result.next.status == DUE
    assert [s.status for s in result.steps[1:]] == [UPCOMING] * (len(result.steps) - 1)
    assert result.closed is None


@pytest.mark.parametrize("today, status", [(D(2026, 9, 20), DUE), (D(2026, 10, 6), DUE), (D(2026, 10, 7), OVERDUE)])
def test_the_review_is_due_four_school_weeks_after_the_meeting(today, status):
    result = timeline({"support_meeting_date": D(2026, 9, 8)}, register=None, profile=SOUTHEND, today=today)
    review = steps(result)["week4"]
    assert steps(result)["week1"].status == DONE
    assert review.date == D(2026, 10, 6) and review.status == status and result.next is review
    assert "20 school days (four weeks) after the meeting" in review.note


def test_the_review_date_set_at_the_meeting_is_the_one_used():
    data = {"support_meeting_date": D(2026, 9, 8), "week1": {"review_date": D(2026, 10, 1)}}
    review = steps(timeline(data, register=None, profile=SOUTHEND, today=D(2026, 9, 9)))["week4"]
    assert review.date == D(2026, 10, 1) and "the date set at the meeting" in review.note


def _after_warning(**extra) -> dict:
    data = {"support_meeting_date": D(2026, 9, 16), "week4": {"meeting_date": D(2026, 10, 21), "outcome": "final_warning"},
            "final_warning_date": D(2026, 10, 21), "school_closures": [HALF_TERM_2026]}
    data.update(extra)
    return data


@pytest.mark.parametrize("today, status", [(D(2026, 11, 3), DUE), (D(2026, 11, 4), DONE)])
def test_the_earliest_referral_is_five_school_days_after_the_final_warning_skipping_half_term(today, status):
    result = timeline(_after_warning(), register=None, profile=SOUTHEND, today=today)
    week6 = steps(result)["week6"]
    assert week6.date == D(2026, 11, 4) and week6.status == status
    assert "5 school days after the Final Warning" in week6.note


def test_the_week8_review_is_four_school_weeks_after_the_final_warning():
    result = timeline(_after_warning(), register=None, profile=SOUTHEND, today=D(2026, 11, 10))
    week8 = steps(result)["week8"]
    assert week8.date == D(2026, 11, 25) and week8.status == DUE and result.next is week8
    assert steps(result)["referral"].status == UPCOMING
    assert "closures listed" in result.basis


def test_a_case_that_improves_at_the_review_closes_to_fast_track():
    data = {"support_meeting_date": D(2026, 9, 8), "week4": {"meeting_date": D(2026, 10, 6), "outcome": "close"}}
    result = timeline(data, register=None, profile=SOUTHEND, today=D(2026, 10, 7))
    assert "closes to Fast Track" in result.closed
    assert [s.id for s in result.steps] == ["week1", "week4"] and result.next is None


def test_a_case_that_improves_by_week8_closes_without_a_referral():
    data = _after_warning(week8={"review_date": D(2026, 11, 25), "improved": True})
    result = timeline(data, register=None, profile=SOUTHEND, today=D(2026, 11, 26))
    assert "no formal action" in result.closed and "referral" not in steps(result)


def test_no_improvement_at_week8_makes_the_referral_due_until_it_is_submitted():
    data = _after_warning(week8={"review_date": D(2026, 11, 25), "improved": False})
    due = timeline(data, register=None, profile=SOUTHEND, today=D(2026, 11, 26))
    assert due.next.id == "referral" and due.next.status == DUE and due.next.date == D(2026, 11, 25)
    sent = timeline(data, register=None, profile=SOUTHEND, today=D(2026, 11, 26), submitted=True)
    assert steps(sent)["referral"].status == DONE and sent.next is None


def test_the_timeline_counts_from_the_register_where_it_has_marks():
    register = PupilRegister(D(2025, 9, 1), D(2025, 12, 19)).build()
    data = {"support_meeting_date": D(2025, 9, 16), "week4": {"meeting_date": D(2025, 10, 22), "outcome": "final_warning"},
            "final_warning_date": D(2025, 10, 22)}
    result = timeline(data, register=register, profile=SOUTHEND, today=D(2025, 11, 3))
    assert steps(result)["week6"].date == D(2025, 11, 5)  # half-term from the marks, no closures typed
    assert "register marks up to 19 December 2025" in result.basis
    assert result.to_dict()["next"] == "week6"


# --- a referral at week 6 (003, Fast Track, In summary: "Week 6 - If the non-attendance continues with
# 50% attendance or less and there is no engagement from the parent, the case can be referred")

@pytest.mark.parametrize("today, referral, next_step", [
    (D(2026, 11, 3), UPCOMING, "week6"),   # the day before the earliest date: not yet
    (D(2026, 11, 4), DUE, "referral"),     # 5 school days after the warning of 21 October, half-term skipped
    (D(2026, 11, 30), DUE, "referral"),    # no week 8 review to wait for, and nothing overdue
])
def test_a_week6_referral_is_due_from_the_earliest_date_and_needs_no_week8_review(today, referral, next_step):
    result = timeline(_after_warning(referred_at="week6"), register=None, profile=SOUTHEND, today=today)
    by_id = steps(result)
    assert [s.id for s in result.steps] == ["week1", "week4", "final_warning", "week6", "week8", "referral"]
    assert (by_id["week8"].status, by_id["week8"].date) == (NOT_NEEDED, None)
    assert by_id["week8"].label == "Not needed" and "referred at week 6" in by_id["week8"].note
    assert (by_id["referral"].status, by_id["referral"].date) == (referral, D(2026, 11, 4))
    assert by_id["referral"].note.startswith("Referred at week 6: from 4 November 2026, where the non-attendance "
                                             "continues with attendance of 50% or less")
    assert result.next.id == next_step and result.closed is None
    assert result.to_dict()["steps"][4] == {"id": "week8", "title": "Week 8: School review", "status": "not_needed",
                                            "date": None, "note": "Not needed: the case is referred at week 6.",
                                            "page": "week8"}


def test_a_week6_referral_is_done_once_submitted_and_ignores_week8_answers():
    data = _after_warning(referred_at="week6", week8={"review_date": D(2026, 11, 25), "improved": True})
    result = timeline(data, register=None, profile=SOUTHEND, today=D(2026, 11, 5), submitted=True)
    assert result.closed is None  # the week 8 review belongs to the other route
    assert steps(result)["referral"].status == DONE and result.next is None
    assert steps(result)["week8"].status == NOT_NEEDED


def test_a_week6_referral_before_the_final_warning_waits_for_it():
    data = {"support_meeting_date": D(2026, 9, 16), "referred_at": "week6",
            "week4": {"meeting_date": D(2026, 10, 21), "outcome": "final_warning"}}
    result = timeline(data, register=None, profile=SOUTHEND, today=D(2026, 10, 21))
    assert result.next.id == "final_warning" and result.next.status == DUE
    assert (steps(result)["referral"].status, steps(result)["referral"].date) == (UPCOMING, None)
    assert "from a date not yet known" in steps(result)["referral"].note


def test_a_case_closed_at_week4_stays_closed_whatever_the_route():
    data = {"support_meeting_date": D(2026, 9, 8), "week4": {"meeting_date": D(2026, 10, 6), "outcome": "close"},
            "referred_at": "week6"}
    result = timeline(data, register=None, profile=SOUTHEND, today=D(2026, 10, 20))
    assert "closes to Fast Track" in result.closed and [s.id for s in result.steps] == ["week1", "week4"]


def test_the_week6_percentage_in_the_notes_is_the_profiles():
    raw = json.loads((Path(__file__).resolve().parents[1] / "schemas/policies/southend.json").read_text())
    raw["rules"]["fast_track_stage"]["params"]["week6_max_pct"]["value"] = 40
    result = timeline(_after_warning(referred_at="week6"), register=None, profile=Policy.from_dict(raw),
                      today=D(2026, 11, 4))
    assert "attendance of 40% or less" in steps(result)["week6"].note
    assert "attendance of 40% or less" in steps(result)["referral"].note
