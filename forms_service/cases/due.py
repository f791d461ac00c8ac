"""What falls due next on a child's case (issue 22), each item with its date and the seed or law behind it.

Plain data in, plain data out: a `Record` (one of the child's records: its form, status, answers and register
marks) or a `Notice` (one the LA issued), and the LA's profile; no database. `cases/records.py` reads them.

Where each date comes from (never restated here: each is read from where the service already keeps it):
- a record's own date for a review or a meeting (OWN_DATES below: the parent contract's review date, 003
  Appendix 3; the meeting a letter invites the parents to), moved to the next school day where the school is
  closed on it (a meeting in school is held on a day the school is open: DESIGN.md §4 counts in school days);
- the profile's pathway (`policies.StageDue`: Knowsley's 3-week review of the Attendance Improvement Meeting,
  its 6 weeks at Level 3), counted in school days so it always lands on one;
- the Fast Track's weeks 4, 6 and 8 (referrals/timeline.py);
- the Final Warning's school weeks (the profile's `final_warning.valid_weeks`; rules/final_warning.valid_until);
- a leave request's deadline after the child's return (the profile's `leave_request_within_deadline.days`:
  003, Appendix 8, "no later than 4 weeks following the child's return to school": calendar days, as the
  rule counts them, so a half term in between changes nothing);
- a notice's dates as the LA issued them (la/notices.py keeps them on the notice: the Notice to Improve's
  period, the penalty notice's 21 and 28 days, or Wales's 28 and 42, from rules/law.py).

School days are the record's register's where it has marks, else the child's latest register from their other
records, else weekdays less bank holidays and the closures the record lists (register/schooldays.SchoolCalendar).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property

from ..dates import as_date
from ..formatting import format_date, format_money
from ..formdefs import get_form, get_path
from ..policies import Policy, StageDue
from ..referrals import timeline as fast_track
from ..register.marks import Register
from ..register.schooldays import SchoolCalendar, listed_closures
from ..rules.final_warning import valid_until
from ..rules.law import regime_for

# Kinds of item, for pages to group and filter by.
REVIEW, MEETING, STAGE, FAST_TRACK = "review", "meeting", "stage", "fast_track"
WARNING, LEAVE, NOTICE_TO_IMPROVE, PAYMENT, LA_LETTER = ("warning_lapses", "leave_deadline", "notice_to_improve_ends",
                                                         "penalty_payment", "la_letter")
KINDS = (REVIEW, MEETING, STAGE, FAST_TRACK, WARNING, LEAVE, NOTICE_TO_IMPROVE, PAYMENT, LA_LETTER)
# Still with the school: a request not yet signed and sent (or sent back, or returned by the LA).
WITH_THE_SCHOOL = ("draft", "awaiting_signoff", "sent_back", "returned")
CLOSED_DAY = "; a date on which the school is closed moves to the next day it is open"
FAST_TRACK_SOURCE = "003, Fast Track to Attendance (In summary: weeks 4, 6 and 8); Appendix 6"


@dataclass(frozen=True)
class OwnDate:
    """A date a form's record names for something still to happen: `field` is the answer, `done` the answer
    that records it happened (none: it happens on the day), `overdue`: whether it is still owed once past."""
    form: str
    field: str
    what: str
    source: str
    kind: str = REVIEW
    done: str | None = None
    overdue: bool = True


OWN_DATES = (
    OwnDate("parent-contract", "review_date", "Review meeting of the parent contract",
            "003, Appendix 3 (School Attendance Parent Contract: \"Review Period 2 weeks ... 6 weeks\", "
            "\"Review Date & Time\")",
            done="review.meeting_date"),
    OwnDate("attendance-contract-wales", "review_date", "Review of the Attendance Contract",
            "002, Step 2: \"A date should be set for review\"; Appendix 4"),
    OwnDate("attendance-improvement-plan", "next_meeting.date",
            "Next meeting to review the Attendance Improvement Plan",
            "000, Stage 2: \"The meeting should agree a clear, personalised plan with actions and targets. Should be "
            "reviewed every 4-6 weeks\"; Appendix 4"),
    OwnDate("medical-action-plan", "review_date", "Review of the Medical Action Plan",
            "000, How to complete the Medical Action Plan (At the Meeting): \"Put in place a short review period, "
            "no more than one academic month\"; Appendix 2"),
    OwnDate("stage2-letter", "meeting.date", "School Attendance Meeting the Stage 2 letter invites the parents to",
            "000, Appendix 7 (Stage 2 letter)", MEETING, overdue=False),
    OwnDate("high-absence-letter", "meeting.date", "Meeting with the parents, at which attendance targets are set",
            "001, Appendix B1 (Attendance below 90%): \"accompanied by request for a meeting. Attendance targets to "
            "be set at meeting\"", MEETING, overdue=False),
    OwnDate("formal-meeting-invitation", "meeting.date", "Formal attendance meeting with the LA Attendance Officer",
            "001, Appendix B1 (If attendance targets are not met)", MEETING, overdue=False),
    OwnDate("knowsley-attendance-letter", "meeting.date", "Meeting the attendance letter invites the parents to",
            "004, Toolkit, Level 1 and Level 2 (Attendance letters 1 and 2)", MEETING, overdue=False),
    OwnDate("sao-concern-letter", "meeting.date", "Meeting in school the letter of concern invites the parents to",
            "002, Step 2: \"Parent/guardian(s) should be encouraged to visit school to discuss attendance\"",
            MEETING, overdue=False),
    OwnDate("final-warning", "contact_by", "Date the Final Warning asks the parents to contact the school by",
            "003, Appendix 4 (Penalty Notice Warning Letter)", MEETING, overdue=False),
)
OWN_BY_FORM: dict[str, tuple[OwnDate, ...]] = {}
for _own in OWN_DATES:
    OWN_BY_FORM[_own.form] = OWN_BY_FORM.get(_own.form, ()) + (_own,)


@dataclass(frozen=True)
class Record:
    """One of the child's records as due.py reads it: `data` as signed (else as it stands), `marks` its register
    (None without), or a function that reads it: a case holds many records and reads few of their marks, so each
    is read on first use (`register`). `on`: the record's own date (its form's `measure_from` answer)."""
    id: int
    form_id: str
    status: str
    data: Mapping
    marks: Register | Callable[[], Register | None] | None = None
    reference: str | None = None

    @cached_property
    def register(self) -> Register | None:
        return self.marks() if callable(self.marks) else self.marks

    @property
    def on(self) -> dt.date | None:
        form = get_form(self.form_id)
        return as_date(get_path(dict(self.data), form.measure_from)) if form is not None else None


@dataclass(frozen=True)
class Notice:
    """A notice or letter the LA issued on one of the child's records (la/notices.py), as issued: `amounts`
    [{pence, pay_by, within_days}]; `settled`: paid, unpaid or withdrawn recorded."""
    id: int
    record_id: int
    kind: str
    issued_on: dt.date
    period_end: dt.date | None = None
    amounts: tuple = ()
    settled: bool = False
    reference: str | None = None


@dataclass(frozen=True, order=True)
class DueItem:
    """Something due on `due_on`: `what` in words, `source` the seed section or law, `record_id` the record it
    comes from, `kind` one of KINDS. `overdue_when_past`: still owed once its date has passed (a review, a
    deadline) rather than simply over (a meeting's day, a warning that lapsed). Sorted by date."""
    due_on: dt.date
    record_id: int
    what: str
    source: str = field(compare=False)
    kind: str = field(compare=False)
    overdue_when_past: bool = field(default=True, compare=False)
    notice_id: int | None = field(default=None, compare=False)

    def overdue_on(self, day: dt.date) -> bool:
        return self.overdue_when_past and self.due_on < day

    def to_dict(self) -> dict:
        out = {"what": self.what, "due_on": self.due_on.isoformat(), "source": self.source,
               "record_id": self.record_id, "kind": self.kind}
        if self.notice_id is not None:
            out["notice_id"] = self.notice_id
        return out


def calendar_for(record: Record, register: Register | None = None) -> SchoolCalendar:
    """The record's school days: its own marks, else `register` (the child's latest), else the calendar less
    the closures the record lists."""
    return SchoolCalendar(record.register if record.register is not None and record.register.sessions else register,
                          listed_closures(record.data.get("school_closures")))


def open_on_or_after(calendar: SchoolCalendar, day: dt.date) -> dt.date:
    """`day` if the school is open on it, else the next day it is."""
    return day if calendar.is_school_day(day) else calendar.add(day, 1)


def interval_end(calendar: SchoolCalendar, start: dt.date, unit: str, length: int) -> dt.date:
    """`length` `unit` after `start` (policies.DUE_UNITS): school days and weeks (five school days each) from the
    calendar; calendar days and weeks as they fall."""
    if unit == "school_days":
        return calendar.add(start, length)
    if unit == "school_weeks":
        return calendar.add(start, length * 5)
    return start + (dt.timedelta(days=length) if unit == "days" else dt.timedelta(weeks=length))


def _unit_words(unit: str, length: int) -> str:
    word = unit.replace("school_", "school ").rstrip("s")
    return f"{length} {word}{'s' if length != 1 else ''}"


def own_dates(record: Record, calendar: Callable[[], SchoolCalendar]) -> list[DueItem]:
    items = []
    for own in OWN_BY_FORM.get(record.form_id, ()):
        day = as_date(get_path(dict(record.data), own.field))
        if day is None or (own.done and as_date(get_path(dict(record.data), own.done)) is not None):
            continue
        due = open_on_or_after(calendar(), day)
        what = own.what if due == day else f"{own.what} (set for {format_date(day)}, when the school is closed)"
        items.append(DueItem(due, record.id, what, own.source + (CLOSED_DAY if due != day else ""), own.kind,
                             own.overdue))
    return items


def stage_dues(record: Record, profile: Policy, calendar: Callable[[], SchoolCalendar]) -> list[DueItem]:
    if profile.pathway is None:
        return []
    items = []
    for due in profile.pathway.due_for(record.form_id):
        start = as_date(get_path(dict(record.data), due.after))
        if start is None:
            continue
        items.append(DueItem(interval_end(calendar(), start, due.unit, due.length), record.id, due.what,
                             _stage_source(due, profile), STAGE))
    return items


def _stage_source(due: StageDue, profile: Policy) -> str:
    counted = f"{_unit_words(due.unit, due.length)} after {format_date_word(due.after)}"
    return f"{due.source} ({counted}; {profile.name})"


def format_date_word(answer: str) -> str:
    """The date answer a stage counts from, in words: "meeting.date" -> "the meeting's date"."""
    return {"meeting.date": "the meeting", "referral_date": "the referral"}.get(answer, answer.replace("_", " "))


def fast_track_dues(record: Record, profile: Policy, today: dt.date) -> list[DueItem]:
    """The Fast Track's weeks still to come, while the request is with the school (referrals/timeline.py)."""
    if record.form_id != fast_track.FORM_ID or record.status not in WITH_THE_SCHOOL:
        return []
    result = fast_track.timeline(dict(record.data), register=record.register, profile=profile, today=today,
                                 submitted=record.status not in ("draft", "sent_back", "returned"))
    return [DueItem(step.date, record.id, step.title, FAST_TRACK_SOURCE, FAST_TRACK)
            for step in result.steps if step.date is not None
            and step.status in (fast_track.DUE, fast_track.OVERDUE, fast_track.UPCOMING)]


def warning_lapses(record: Record, profile: Policy, calendar: Callable[[], SchoolCalendar]) -> list[DueItem]:
    """A Final Warning letter is valid for the profile's school weeks (003, Sanctions): the last day a request
    relying on it may be made."""
    sent = as_date(record.data.get("final_warning_date"))
    if record.form_id != "final-warning" or sent is None:
        return []
    weeks = int(profile.param("final_warning", "valid_weeks"))
    until = valid_until(calendar(), sent, weeks)
    if until is None:
        return []
    return [DueItem(until, record.id, f"The Final Warning of {format_date(sent)} lapses: it is valid for {weeks} "
                                      f"school weeks, to {format_date(until)}",
                    f"{profile.source('final_warning')} ({profile.param_source('final_warning', 'valid_weeks')})",
                    WARNING, overdue_when_past=False)]


def leave_deadline(record: Record, profile: Policy) -> list[DueItem]:
    """A request for a penalty notice for leave must be made within the profile's days of the child's return
    (calendar days, as rules/leave.leave_request_within_deadline counts them); owed until it is signed."""
    rule = "leave_request_within_deadline"
    returned = as_date(get_path(dict(record.data), "leave.return_date"))
    if rule not in (get_form(record.form_id).rules if get_form(record.form_id) else ()) or returned is None \
            or record.status not in WITH_THE_SCHOOL:
        return []
    days = int(profile.param(rule, "days"))
    deadline = returned + dt.timedelta(days=days)
    return [DueItem(deadline, record.id, f"Request for a penalty notice for leave: to be made within {days} days of "
                                         f"the child's return on {format_date(returned)}",
                    f"{profile.source(rule)} ({profile.param_source(rule, 'days')})", LEAVE)]


def record_due(record: Record, profile: Policy, *, today: dt.date, register: Register | None = None) -> list[DueItem]:
    """Everything due after one record, sorted by date. `register`: the child's latest marks, for a record with
    none of its own. `today` only says which Fast Track steps are done (referrals/timeline.py)."""
    calendar = cache(lambda: calendar_for(record, register))  # made only if a date is counted in school days
    items = (own_dates(record, calendar) + stage_dues(record, profile, calendar)
             + fast_track_dues(record, profile, today) + warning_lapses(record, profile, calendar)
             + leave_deadline(record, profile))
    return sorted(items)


def notice_due(notice: Notice, profile: Policy) -> list[DueItem]:
    """A notice's dates as issued: the Notice to Improve's period end (the profile's period), a penalty notice's
    days to pay (rules/law.py, in force on its date; the last owed until paid, unpaid or withdrawn is recorded),
    an Education Welfare Officer's Final Warning review or Pre-Court Meeting (002, Step 4)."""
    if notice.kind == "notice_to_improve" and notice.period_end is not None:
        name = f"The Notice to Improve {notice.reference}" if notice.reference else "The Notice to Improve"
        return [DueItem(notice.period_end, notice.record_id, f"{name} ends: check attendance over its period",
                        profile.source("notice_to_improve_served"), NOTICE_TO_IMPROVE, False, notice.id)]
    if notice.kind == "penalty_notice_issued" and not notice.settled:
        source = regime_for(profile, notice.issued_on).source
        amounts = sorted(notice.amounts, key=lambda a: a["pay_by"])
        name = f"Penalty notice {notice.reference}" if notice.reference else "Penalty notice"
        return [DueItem(dt.date.fromisoformat(a["pay_by"]), notice.record_id,
                        f"{name}: {format_money(a['pence'])} if paid by this day ({a['within_days']} days from "
                        "receipt)" + ("; then record whether it was paid" if last else ""),
                        source, PAYMENT, last, notice.id)
                for n, a in enumerate(amounts) for last in [n == len(amounts) - 1]]
    if notice.kind in ("ews_final_warning", "pre_court_invitation") and notice.period_end is not None:
        what = ("Review of the Education Welfare Officer's Final Warning" if notice.kind == "ews_final_warning"
                else "Pre-Court Meeting")
        return [DueItem(notice.period_end, notice.record_id, what, "002, Step 4 (Case Review and Assessment)",
                        LA_LETTER, False, notice.id)]
    return []


def latest_by_form(records: Iterable[Record]) -> list[Record]:
    """The latest record of each form (by its own date, then id): a later one (the next review, a new contract)
    takes over what its earlier ones had due. Leave requests stand each for its own leave, so all are kept."""
    latest: dict[str, Record] = {}
    kept = []
    for record in records:
        if record.form_id == "penalty-notice-leave":
            kept.append(record)
            continue
        key = (record.on or dt.date.min, record.id)
        held = latest.get(record.form_id)
        if held is None or key > (held.on or dt.date.min, held.id):
            latest[record.form_id] = record
    return kept + list(latest.values())


def case_due(records: Iterable[Record], notices: Iterable[Notice], profile: Policy, *, today: dt.date,
             register: Register | None = None) -> list[DueItem]:
    """Everything due on the child's case, sorted by date: from the latest record of each form, and from the
    LA's notices."""
    items = [i for r in latest_by_form(records) for i in record_due(r, profile, today=today, register=register)]
    items += [i for n in notices for i in notice_due(n, profile)]
    return sorted(items)


def split(items: Iterable[DueItem], as_of: dt.date, days: int | None = None) -> tuple[list[DueItem], list[DueItem]]:
    """(due, overdue) as of a day: due from `as_of` up to `days` after it (None: any time ahead), overdue before it
    and still owed. Each sorted by date."""
    items = sorted(items)
    until = as_of + dt.timedelta(days=days) if days is not None else dt.date.max
    return [i for i in items if as_of <= i.due_on <= until], [i for i in items if i.overdue_on(as_of)]
