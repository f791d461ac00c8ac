"""The child's case (issue 22), worked from the seeds, one profile at a time: where the child stands in the
pathway and every date that falls due, at its boundaries (a review on a closure day, a Final Warning lapsing
over Christmas, a leave return before a half term, overdue the day after). Plain data: no database.

The calendar is tests/support/registers.py's 2025/26 (half term 27-31 October 2025 marked #, no marks over
Christmas, 22 December to 2 January), so each date below can be counted by hand."""
from __future__ import annotations

import datetime as dt

import pytest

from forms_service.cases.attendance import weekly_attendance
from forms_service.cases.due import (FAST_TRACK, LA_LETTER, LEAVE, MEETING, NOTICE_TO_IMPROVE, PAYMENT, REVIEW, STAGE,
                                     WARNING, Notice, Record, case_due, notice_due, record_due, split)
from forms_service.cases.stage import standing
from forms_service.la.notices import amounts_due, received_on
from forms_service.policies import Policy, load_profile
from forms_service.referrals.timeline import timeline
from forms_service.register.schooldays import SchoolCalendar
from forms_service.rules.law import regime_for

from support.registers import PupilRegister

D = dt.date
AUTUMN = PupilRegister(D(2025, 9, 1), D(2026, 3, 27)).build()  # autumn and spring 2025/26, with their holidays


def by_kind(items, kind):
    return [i for i in items if i.kind == kind]


def due_on(items, kind) -> list[dt.date]:
    return [i.due_on for i in by_kind(items, kind)]


def overdue_day_after(item, *others):
    """On its date an item is due, not overdue; the day after it is overdue (and no longer due)."""
    due, overdue = split([item, *others], item.due_on, 7)
    assert item in due and item not in overdue
    due, overdue = split([item, *others], item.due_on + dt.timedelta(days=1), 7)
    assert item not in due and item in overdue


# --- Knowsley (004): Levels 1 to 4 ------------------------------------------------------------------------

KNOWSLEY = load_profile("knowsley")


def test_knowsley_level_2_review_3_school_weeks_on_skipping_the_half_term():
    """004, Level 2 / Step 2: "reviewed ... after 3 weeks" (the profile's aim_review.weeks, named by the pathway's
    stage): 15 school days from Wednesday 15 October 2025, the half term not counted, is Wednesday 12 November,
    the day rules/improvement_meeting.review_due gives too."""
    letter = Record(1, "knowsley-attendance-letter", "draft", {"letter_date": "2025-09-22"})
    aim = Record(2, "attendance-improvement-meeting", "draft", {"meeting": {"date": "2025-10-15"}}, AUTUMN)
    items = case_due([letter, aim], [], KNOWSLEY, today=D(2025, 10, 16))
    [review] = by_kind(items, STAGE)
    assert review.due_on == D(2025, 11, 12) == SchoolCalendar(AUTUMN).add(D(2025, 10, 15), 15)
    assert "3 school weeks after the meeting" in review.source and "004, Level 2 / Step 2" in review.source
    overdue_day_after(review)
    where = standing([letter, aim], KNOWSLEY)
    assert where.stage.id == "level-2"
    assert where.why == "Level 2: Early intervention — Record of the Attendance Improvement Meeting, 15 October 2025"


def test_knowsley_a_later_review_meeting_takes_over_and_level_3_runs_6_school_weeks():
    first = Record(2, "attendance-improvement-meeting", "draft", {"meeting": {"date": "2025-10-15"}}, AUTUMN)
    review = Record(3, "attendance-improvement-meeting", "draft",
                    {"meeting": {"date": "2025-11-12", "first": False, "first_date": "2025-10-15"}}, AUTUMN)
    referral = Record(4, "statutory-referral", "signed", {"referral_date": "2025-12-01"}, AUTUMN)
    items = case_due([first, review, referral], [], KNOWSLEY, today=D(2025, 12, 1))
    # Only the latest meeting's review is due: 15 school days from 12 November is 3 December.
    assert [(i.record_id, i.due_on) for i in by_kind(items, STAGE)] == [(3, D(2025, 12, 3)), (4, D(2026, 1, 26))]
    # Level 3: 30 school days from Monday 1 December, Christmas (no marks) not counted: 15 in December, then
    # 5 January to 23 January are 15 more, to Friday 23 January... plus the 30th: Monday 26 January.
    assert SchoolCalendar(AUTUMN).between(D(2025, 12, 1), D(2026, 1, 26)) == 30
    assert standing([first, review, referral], KNOWSLEY).stage.id == "level-3"


# --- Southend (003): the Fast Track's weeks 4, 6 and 8 ------------------------------------------------------

SOUTHEND = load_profile("southend")


def test_southend_fast_track_week_4_and_week_8_from_its_timeline():
    meeting = {"support_meeting_date": "2025-10-08"}
    record = Record(5, "fast-track-referral", "draft", meeting, AUTUMN)
    [week4] = due_on(record_due(record, SOUTHEND, today=D(2025, 10, 9)), FAST_TRACK)
    # 20 school days from 8 October, the half term not counted: 12 November (referrals/timeline.py's own date).
    assert week4 == D(2025, 11, 12) == timeline(meeting, register=AUTUMN, profile=SOUTHEND, today=D(2025, 10, 9)
                                                ).steps[1].date
    [item] = by_kind(record_due(record, SOUTHEND, today=D(2025, 10, 9)), FAST_TRACK)
    overdue_day_after(item)
    warned = {**meeting, "week4": {"meeting_date": "2025-11-12", "outcome": "final_warning"},
              "final_warning_date": "2025-11-13"}
    steps = by_kind(record_due(Record(5, "fast-track-referral", "draft", warned, AUTUMN), SOUTHEND,
                               today=D(2025, 11, 14)), FAST_TRACK)
    # Week 6: 5 school days after the warning (20 November); week 8: 20 school days after it (11 December).
    assert [(s.what, s.due_on) for s in steps] == [("Week 6: earliest referral", D(2025, 11, 20)),
                                                   ("Week 8: School review", D(2025, 12, 11))]
    # Once the request has gone to the LA, nothing of the Fast Track is the school's to do.
    assert by_kind(record_due(Record(5, "fast-track-referral", "signed", warned, AUTUMN), SOUTHEND,
                              today=D(2025, 11, 14)), FAST_TRACK) == []


# --- the Final Warning (003, Sanctions; every England profile): 10 school weeks --------------------------------

@pytest.mark.parametrize("profile_id", ["national-2024", "stockport"])
def test_a_final_warning_lapsing_over_christmas_does_not_count_the_holiday(profile_id):
    """Sent Wednesday 3 December 2025: its own week counts (Thursday and Friday are school days), the two
    Christmas weeks have no marks and do not; the 10th school week is that of 23 February 2026 (the February half
    term not counted either), so it is valid to Sunday 1 March. Without marks the calendar cannot see the
    holidays and counts them: Sunday 8 February."""
    profile = load_profile(profile_id)
    letter = {"final_warning_date": "2025-12-03"}
    [lapse] = by_kind(record_due(Record(6, "final-warning", "draft", letter), profile, today=D(2025, 12, 3),
                                 register=AUTUMN), WARNING)
    assert lapse.due_on == D(2026, 3, 1)
    assert "valid for 10 school weeks, to 1 March 2026" in lapse.what
    assert "Warning letters are valid for 10 school weeks" in lapse.source
    # A warning that lapsed is over, not overdue.
    assert split([lapse], D(2026, 3, 2)) == ([], [])
    assert due_on(record_due(Record(6, "final-warning", "draft", letter), profile, today=D(2025, 12, 3)),
                  WARNING) == [D(2026, 2, 8)]


# --- a leave request (003, Appendix 8): 28 calendar days from the return ---------------------------------------

@pytest.mark.parametrize("profile_id", ["southend", "cardiff"])
def test_a_leave_return_just_before_half_term_has_28_calendar_days(profile_id):
    """003, Appendix 8: "no later than 4 weeks following the child's return to school", which the profile keeps
    as 28 days and rules/leave.py counts in calendar days: a return on Thursday 23 October 2025, the day before
    the half term, has until Thursday 20 November; the half term does not extend it."""
    profile = load_profile(profile_id)
    data = {"leave": {"return_date": "2025-10-23"}}
    [deadline] = by_kind(record_due(Record(7, "penalty-notice-leave", "draft", data, AUTUMN), profile,
                                    today=D(2025, 10, 23)), LEAVE)
    assert deadline.due_on == D(2025, 11, 20)
    assert "003, Appendix 8" in deadline.source and "4 weeks following the child's return" in deadline.source
    overdue_day_after(deadline)
    # Signed and sent: met.
    assert by_kind(record_due(Record(7, "penalty-notice-leave", "signed", data, AUTUMN), profile,
                              today=D(2025, 10, 23)), LEAVE) == []


# --- the Peterborough trust (001): Appendix B1 ----------------------------------------------------------------

PETERBOROUGH = load_profile("peterborough")


def test_peterborough_contract_review_on_a_closure_day_moves_to_the_next_school_day():
    """The contract's own review date (003, Appendix 3), agreed for Monday 27 October 2025: the half term (#), so
    the review falls on the next day the school is open, Monday 3 November; overdue on the 4th; done once the
    review meeting is recorded."""
    records = [Record(8, "attendance-concern-letter", "draft", {"letter_date": "2025-09-15"}),
               Record(9, "high-absence-letter", "draft", {"letter_date": "2025-09-29",
                                                          "meeting": {"date": "2025-10-06"}}),
               Record(10, "parent-contract", "draft", {"support_meeting_date": "2025-10-08",
                                                       "review_date": "2025-10-27"}, AUTUMN)]
    items = case_due(records, [], PETERBOROUGH, today=D(2025, 10, 1))
    [review] = by_kind(items, REVIEW)
    assert review.due_on == D(2025, 11, 3)
    assert "set for 27 October 2025, when the school is closed" in review.what
    assert "moves to the next day it is open" in review.source
    overdue_day_after(review)
    # The meeting the high absence letter asks for is due on its day, and is over (not overdue) after it.
    [meeting] = by_kind(items, MEETING)
    assert meeting.due_on == D(2025, 10, 6) and split([meeting], D(2025, 10, 7)) == ([], [])
    where = standing(records, PETERBOROUGH)
    assert where.stage.id == "targets-not-met" and where.record_id == 10 and "8 October 2025" in where.why
    reviewed = Record(10, "parent-contract", "draft", {"support_meeting_date": "2025-10-08",
                                                       "review_date": "2025-10-27",
                                                       "review": {"meeting_date": "2025-11-03"}}, AUTUMN)
    assert by_kind(record_due(reviewed, PETERBOROUGH, today=D(2025, 11, 4)), REVIEW) == []


# --- Cardiff (002): Steps 1 to 5, under Welsh law -------------------------------------------------------------

CARDIFF = load_profile("cardiff")


def test_cardiff_steps_contract_review_and_the_welsh_penalty_notice_days():
    records = [Record(11, "sao-concern-letter", "draft", {"letter_date": "2025-09-10"}),
               Record(12, "attendance-contract-wales", "draft", {"contract_date": "2025-09-24",
                                                                 "review_date": "2025-10-22"}),
               Record(13, "ews-referral", "accepted", {"referral_date": "2025-11-03"})]
    assert standing(records, CARDIFF).stage.id == "step-3"
    issued = D(2025, 11, 20)
    amounts = amounts_due(issued, received_on(issued), 0, regime_for(CARDIFF, issued))
    notices = [Notice(40, 13, "penalty_notice_issued", issued, amounts=tuple(amounts), reference="CDF-1-EPN"),
               Notice(41, 13, "ews_final_warning", D(2025, 11, 10), period_end=D(2025, 12, 8))]
    items = case_due(records, notices, CARDIFF, today=D(2025, 11, 20))
    assert due_on(items, REVIEW) == [D(2025, 10, 22)]
    assert due_on(items, LA_LETTER) == [D(2025, 12, 8)]
    # Received Monday 24 November (second business day after posting): 28 days to 21 December, 42 to 4 January.
    first, last = by_kind(items, PAYMENT)
    assert (first.due_on, last.due_on) == (D(2025, 12, 21), D(2026, 1, 4))
    assert "£60" in first.what and "£120" in last.what and "Wales" in first.source
    assert split([first, last], D(2025, 12, 22), 7)[1] == []  # the lower amount's day passing is not overdue
    overdue_day_after(last)
    settled = Notice(40, 13, "penalty_notice_issued", issued, amounts=tuple(amounts), settled=True)
    assert notice_due(settled, CARDIFF) == []


# --- Stockport (000): a Notice to Improve and England's 21 and 28 days ------------------------------------------

def test_stockport_notice_to_improve_and_penalty_notice_days():
    stockport = load_profile("stockport")
    nti = Notice(50, 14, "notice_to_improve", D(2026, 1, 12), period_end=D(2026, 2, 4), reference="STK-1-NTI")
    [end] = notice_due(nti, stockport)
    assert end.due_on == D(2026, 2, 4) and end.kind == NOTICE_TO_IMPROVE and "STK-1-NTI" in end.what
    issued = D(2026, 2, 9)
    amounts = amounts_due(issued, received_on(issued), 0, regime_for(stockport, issued))
    first, last = notice_due(Notice(51, 14, "penalty_notice_issued", issued, amounts=tuple(amounts)), stockport)
    # Received Wednesday 11 February: £80 to 3 March (21 days), £160 to 10 March (28 days).
    assert (first.due_on, last.due_on) == (D(2026, 3, 3), D(2026, 3, 10))
    assert "£80" in first.what and "£160" in last.what and "2024" in first.source


def test_stockport_stages_1_to_3_and_their_dates():
    """000's staged process: a model letter and a Medical Action Plan at Stage 1; the Stage 2 letter's School
    Attendance Meeting, set for Monday 27 October 2025 in the half term, falls on Monday 3 November; the
    Attendance Improvement Plan's next meeting (its 4-6 week review) on its own date; the enforcement referral
    takes the child to Stage 3."""
    stockport = load_profile("stockport")
    records = [Record(60, "model-letter", "draft", {"letter_date": "2025-09-15"}),
               Record(61, "medical-action-plan", "draft", {"plan_date": "2025-09-22", "review_date": "2025-10-20"}),
               Record(62, "stage2-letter", "draft", {"letter_date": "2025-10-13", "meeting": {"date": "2025-10-27"}}),
               Record(63, "attendance-improvement-plan", "draft", {"meeting": {"date": "2025-11-03"},
                                                                   "next_meeting": {"date": "2025-12-15"}})]
    where = standing(records, stockport)
    assert where.stage.id == "stage-2" and where.record_id == 63 and "3 November 2025" in where.why
    assert standing(records[:2], stockport).stage.id == "stage-1"
    items = case_due(records, [], stockport, today=D(2025, 10, 1), register=AUTUMN)
    assert due_on(items, REVIEW) == [D(2025, 10, 20), D(2025, 12, 15)]
    [meeting] = by_kind(items, MEETING)
    assert meeting.due_on == D(2025, 11, 3) and "set for 27 October 2025, when the school is closed" in meeting.what
    assert "000, Appendix 7" in meeting.source
    referred = records + [Record(64, "enforcement-referral", "signed", {"referral_date": "2026-01-12"})]
    where = standing(referred, stockport)
    assert where.stage.id == "stage-3" and where.record_id == 64 and "000, STAGE 3" in where.stage.source


def test_southend_support_meeting_final_warning_then_the_legal_intervention_officer():
    """003: the Attendance Support Meeting's parent contract (its review at week 4 on its own date), the Final
    Warning (valid for 10 school weeks, over Christmas), then a referral to the Legal Intervention Officer."""
    records = [Record(70, "parent-contract", "draft", {"support_meeting_date": "2025-11-03",
                                                       "review_date": "2025-12-01"}, AUTUMN)]
    assert standing(records, SOUTHEND).stage.id == "support-meeting"
    assert due_on(case_due(records, [], SOUTHEND, today=D(2025, 11, 3)), REVIEW) == [D(2025, 12, 1)]
    records.append(Record(71, "final-warning", "draft", {"final_warning_date": "2025-12-01"}, AUTUMN))
    where = standing(records, SOUTHEND)
    assert where.stage.id == "final-warning" and where.record_id == 71
    # 10 school weeks from Monday 1 December: 3 to Christmas, none over it nor in the February half term, 7 from
    # 5 January; valid to Sunday 1 March.
    [lapse] = by_kind(case_due(records, [], SOUTHEND, today=D(2025, 12, 1)), WARNING)
    assert lapse.due_on == D(2026, 3, 1)
    records.append(Record(72, "penalty-notice-panel", "signed", {"panel_date": "2026-01-19"}))
    assert standing(records, SOUTHEND).stage.id == "legal-intervention"


# --- the profile's pathway as data -----------------------------------------------------------------------------

def _with_due(due: list) -> dict:
    raw = {"id": "test", "name": "Test", "jurisdiction": "england",
           "rules": {"aim_review": {"source": "s", "params": {"weeks": {"value": 3, "source": "s"}}}},
           "pathway": {"title": "T", "source": "S", "stages": [
               {"id": "one", "title": "One", "when": "w", "forms": ["attendance-improvement-meeting"], "source": "s",
                "due": due}]}}
    return raw


GOOD = {"form": "attendance-improvement-meeting", "what": "Review", "after": "meeting.date",
        "within": {"school_weeks": "aim_review.weeks"}, "source": "004"}


@pytest.mark.parametrize("change, message", [
    ({"form": "parent-contract"}, "not one of the stage's forms"),
    ({"within": {"fortnights": 2}}, "within must be one of days, weeks, school_days, school_weeks"),
    ({"within": {"days": 0}}, "within days must be a whole number above 0"),
    ({"within": {"school_weeks": "aim_review.months"}}, "is not a parameter of the profile's rules"),
    ({"source": ""}, "must be words"),
    ({"extra": 1}, "needs exactly"),
])
def test_a_stage_due_that_is_wrong_is_refused_naming_the_profile_and_stage(change, message):
    with pytest.raises(ValueError, match="Profile 'test': pathway stage 'one', due 1") as caught:
        Policy.from_dict(_with_due([{**GOOD, **change}]))
    assert message in str(caught.value)
    assert Policy.from_dict(_with_due([GOOD])).pathway.stages[0].due[0].length == 3


# --- the weekly attendance chart's figures ------------------------------------------------------------------------

def test_weekly_attendance_counts_each_week_with_possible_sessions():
    register = PupilRegister(D(2025, 10, 13), D(2025, 11, 7)).mark_days(D(2025, 10, 20), D(2025, 10, 21), "O").build()
    assert weekly_attendance(register) == [(D(2025, 10, 13), 100.0), (D(2025, 10, 20), 60.0), (D(2025, 11, 3), 100.0)]
    assert weekly_attendance(None) == []
