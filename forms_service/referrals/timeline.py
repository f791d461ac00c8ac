"""The Fast Track referral's eight weeks (003, "Fast Track to Attendance" and Appendix 6): what has
been done, what is due next and by when, with the dates counted in school days from the meetings.

The seed's steps:
- Week 1: Attendance Support Meeting; parent contract and actions; "A four-week review period will
  be given for improvements to be made with the review meeting date set at the meeting". The review
  date set at the meeting is used; without one, four school weeks (20 school days) after the
  meeting. (The seed calls this meeting "week 4" although it gives four weeks after week 1; the
  explicit four-week period is followed.)
- Week 4: review. Actions met: close to Fast Track. Not met: "a Final Warning should be issued
  immediately".
- Week 6: "the case can be referred ... 5 school days after warning has been sent to the parent"
  (the profile's `final_warning.gap_school_days`), where attendance is 50% or less (the profile's
  `fast_track_stage.week6_max_pct`) and the parent does not engage. When the school says it refers
  at week 6 (`referred_at`), the referral is due from that date and the week 8 review is not needed.
- Week 8: "A further review of 4 weeks will be given to track improvement from the date of Final
  Warning": 20 school days after it. Improved: no formal action, case closes. Not improved:
  complete the referral with all supporting evidence and send it to the LA.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from ..dates import as_date
from ..formatting import format_date
from ..formdefs import get_path
from ..policies import Policy
from ..register.marks import Register
from ..register.schooldays import SchoolCalendar, listed_closures

FORM_ID = "fast-track-referral"
REVIEW_PERIOD_DAYS = 20  # four school weeks (003: "A four-week review period"; "A further review of 4 weeks")

DONE, DUE, OVERDUE, UPCOMING, NOT_NEEDED = "done", "due", "overdue", "upcoming", "not_needed"
LABELS = {DONE: "Done", DUE: "Due", OVERDUE: "Overdue", UPCOMING: "Not yet", NOT_NEEDED: "Not needed"}


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    status: str
    date: dt.date | None  # when it was done, or when it is due
    note: str
    page: str | None  # the form page that records it

    @property
    def label(self) -> str:
        return LABELS[self.status]

    def to_dict(self) -> dict:
        out = asdict(self)
        out["date"] = self.date.isoformat() if self.date else None
        return out


@dataclass(frozen=True)
class Timeline:
    steps: tuple[Step, ...]
    closed: str | None  # why the case closed to Fast Track, when it did
    basis: str          # how school days were counted

    @property
    def next(self) -> Step | None:
        return next((s for s in self.steps if s.status in (DUE, OVERDUE, UPCOMING)), None)

    def to_dict(self) -> dict:
        nxt = self.next
        return {"steps": [s.to_dict() for s in self.steps], "next": nxt.id if nxt else None,
                "closed": self.closed, "basis": self.basis}


def _date(data: dict, path: str) -> dt.date | None:
    return as_date(get_path(data, path))


def _closures(data: dict) -> list[tuple[dt.date, dt.date]]:
    return listed_closures(get_path(data, "school_closures"))


def _pending(due: dt.date | None, today: dt.date) -> str:
    if due is None:
        return UPCOMING
    if due < today:
        return OVERDUE
    return DUE


def _on(day: dt.date | None) -> str:
    return format_date(day) if day else "a date not yet known"


def timeline(data: dict, *, register: Register | None, profile: Policy, today: dt.date,
             submitted: bool = False) -> Timeline:
    """Where the case stands on `today`, from the answers saved so far."""
    calendar = SchoolCalendar(register, _closures(data))
    gap = profile.param("final_warning", "gap_school_days", FORM_ID)
    meeting = _date(data, "support_meeting_date")
    set_review = _date(data, "week1.review_date")
    review = _date(data, "week4.meeting_date")
    outcome = get_path(data, "week4.outcome")
    warning = _date(data, "final_warning_date")
    week8 = _date(data, "week8.review_date")
    improved = get_path(data, "week8.improved")
    at_week6 = get_path(data, "referred_at") == "week6"
    max_pct = profile.param("fast_track_stage", "week6_max_pct", FORM_ID)
    steps: list[Step] = []
    closed = None

    if meeting:
        steps.append(Step("week1", "Week 1: Attendance Support Meeting", DONE, meeting,
                          f"Held on {format_date(meeting)}.", "week1"))
    else:
        steps.append(Step("week1", "Week 1: Attendance Support Meeting", DUE, None,
                          "Invite the parents to an Attendance Support Meeting, agree the parent contract and the "
                          "attendance actions, and set the review date.", "week1"))

    review_due = set_review or (calendar.add(meeting, REVIEW_PERIOD_DAYS) if meeting else None)
    if review:
        steps.append(Step("week4", "Week 4: Review Attendance Support Meeting", DONE, review,
                          f"Held on {format_date(review)}.", "week4"))
    else:
        how = ("the date set at the meeting" if set_review
               else f"{REVIEW_PERIOD_DAYS} school days (four weeks) after the meeting")
        steps.append(Step("week4", "Week 4: Review Attendance Support Meeting",
                          _pending(review_due, today) if meeting else UPCOMING, review_due,
                          f"Due on {_on(review_due)}, {how}." if review_due else
                          "Four weeks after the Attendance Support Meeting.", "week4"))

    if outcome == "close":
        closed = "Actions and expected attendance were met at the review: the case closes to Fast Track."
    if closed is None:
        if warning:
            steps.append(Step("final_warning", "Final Warning", DONE, warning,
                              f"Sent to all parents and carers on {format_date(warning)}.", "week6"))
        else:
            steps.append(Step("final_warning", "Final Warning", _pending(review, today) if review else UPCOMING,
                              review, "Issue it immediately at the review if there is no improvement and no "
                                      "mitigation.", "week6"))
        earliest = calendar.add(warning, gap) if warning else None
        if earliest:
            ready = today >= earliest
            note = (f"From {format_date(earliest)} ({gap} school days after the Final Warning) the case can be "
                    f"referred if non-attendance continues with attendance of {max_pct:g}% or less and no "
                    "engagement from the parent.")
            steps.append(Step("week6", "Week 6: earliest referral", DONE if ready else DUE, earliest, note, "week6"))
        else:
            steps.append(Step("week6", "Week 6: earliest referral", UPCOMING, None,
                              f"{gap} school days after the Final Warning.", "week6"))
        if at_week6:
            # 003, In summary, week 6: the case is referred from the earliest date; no week 8 review.
            steps.append(Step("week8", "Week 8: School review", NOT_NEEDED, None,
                              "Not needed: the case is referred at week 6.", "week8"))
            ready = earliest is not None and today >= earliest
            status = DONE if submitted else (DUE if ready else UPCOMING)
            steps.append(Step("referral", "Referral to the local authority", status, earliest,
                              "Submitted for the head teacher's sign-off." if submitted else
                              f"Referred at week 6: from {_on(earliest)}, where the non-attendance continues with "
                              f"attendance of {max_pct:g}% or less and there is no engagement from the parent, "
                              "complete this referral with all supporting evidence; it goes to the local "
                              "authority's legal interventions inbox when the head teacher signs it.", "referral"))
        else:
            week8_due = calendar.add(warning, REVIEW_PERIOD_DAYS) if warning else None
            if week8:
                steps.append(Step("week8", "Week 8: School review", DONE, week8, f"Held on {format_date(week8)}.",
                                  "week8"))
            else:
                steps.append(Step("week8", "Week 8: School review",
                                  _pending(week8_due, today) if warning else UPCOMING, week8_due,
                                  f"Due on {_on(week8_due)}, {REVIEW_PERIOD_DAYS} school days (four weeks) after the "
                                  "Final Warning." if week8_due else "Four weeks after the Final Warning.", "week8"))
            if improved is True:
                closed = ("Attendance improved following the agreed actions: no formal action; the case closes to "
                          "Fast Track and the school keeps reviewing the parent contract.")
            else:
                ready = week8 is not None and improved is False
                status = DONE if submitted else (DUE if ready else UPCOMING)
                steps.append(Step("referral", "Referral to the local authority", status, week8 if ready else None,
                                  "Complete this referral with all supporting evidence; it goes to the local "
                                  "authority's legal interventions inbox when the head teacher signs it."
                                  if not submitted else "Submitted for the head teacher's sign-off.", "referral"))

    if register is not None and register.sessions:
        basis = (f"School days are counted from the register marks up to {format_date(register.sessions[-1].date)}, "
                 "then Monday to Friday less bank holidays and the closures listed.")
    else:
        basis = "School days are counted Monday to Friday, less bank holidays and the school closures listed."
    return Timeline(tuple(steps), closed, basis)
