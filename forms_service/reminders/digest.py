"""The daily digest (issue 22, "Reminders"): each morning, an email to each school's attendance contact of what
falls due in the next 7 days and what is overdue across the school's children (cases/lists.school_due_list, the
office's list as its staff see it), each item with its date, the child's initials, the record's reference and a
link to the case; never a child's name.

- To whom: the school's attendance contact (School.attendance_email, set on the admin's school page), else its
  active headteachers, as the LA's notices to the school go (la/decisions.school_recipients).
- Switched per school (School.email_daily_digest, on unless the admin unticks it, as the turn emails are:
  referrals/notify.py). A day with nothing due or overdue sends nothing.
- Once per school and day, however many workers or cron runs make it: the digest's row (ReminderDigest, unique
  on school and day) is inserted ON CONFLICT DO NOTHING in the same transaction as its emails' outbox rows, so
  of two runs making the same digest at once the second inserts nothing (on PostgreSQL it waits for the first
  to commit; SQLite has one writer at a time) and rolls its emails back. The list is read first, in a
  transaction of its own that ends before the write begins: SQLite cannot turn a reader into the writer while
  another connection writes.
- Through the outbox (kind `daily_digest`, text only): retried while the mail server is down, each message once
  (delivery/outbox.py). The row and its emails go RETENTION_DIGEST after the day (records/retention.py).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, select

from ..cases.lists import Row, school_due_list
from ..delivery.mail import FOOTER, service_message_id
from ..formatting import format_date
from ..la.decisions import school_recipients
from ..models import OutboxMessage, ReminderDigest, School, db, insert_ignoring
from .links import case_url

log = logging.getLogger(__name__)

KIND = "daily_digest"  # the outbox rows' kind
DAYS = 7  # "due in the next 7 days" (issue 22)


@dataclass(frozen=True)
class Draft:
    """A school's digest for a day, read but not yet queued."""
    school_id: int
    day: dt.date
    due: tuple[Row, ...]
    overdue: tuple[Row, ...]
    recipients: tuple[str, ...]
    subject: str
    body: str


@dataclass
class Report:
    """What one run did, in counts (for the CLI: no names, no references)."""
    day: dt.date
    emailed: int = 0  # schools whose digest was queued now
    emails: int = 0
    nothing_due: int = 0  # schools with nothing due or overdue: no email
    no_recipient: int = 0  # something due, but no attendance contact and no active headteacher
    already: int = 0  # made before (another run, another worker)
    switched_off: int = 0

    def lines(self) -> list[str]:
        return [f"Daily digests for {format_date(self.day)}: {self.emailed} school(s) emailed ({self.emails} "
                f"email(s) queued), {self.nothing_due} with nothing due or overdue, {self.already} already made, "
                f"{self.switched_off} switched off"
                + (f", {self.no_recipient} with no one to send to (no attendance contact or headteacher)"
                   if self.no_recipient else "") + "."]


def _lines(rows: tuple[Row, ...]) -> list[str]:
    out = []
    for row in rows:
        out += [f"- {format_date(row.item.due_on)}: {row.item.what}",
                f"  Pupil: {row.initials or '?'}. Reference: {row.reference or 'none yet (a draft)'}.",
                f"  {case_url(row.item.record_id)}"]
    return out


def compose(school: School, day: dt.date, due: list[Row], overdue: list[Row]) -> tuple[str, str]:
    """(subject, body) of the school's digest."""
    until = day + dt.timedelta(days=DAYS)
    subject = f"What falls due: {len(overdue)} overdue, {len(due)} in the next {DAYS} days - {school.name}"
    body = [f"What falls due at {school.name} from {format_date(day)} to {format_date(until)}, and what is overdue, "
            "across the school's records in the attendance legal-intervention forms service.", ""]
    if overdue:
        body += [f"Overdue ({len(overdue)}):", *_lines(tuple(overdue)), ""]
    body += [f"Due in the next {DAYS} days ({len(due)}):", *(_lines(tuple(due)) if due else ["- Nothing."]), ""]
    body += ["Each item names the pupil by initials and the record by its reference: open the link to see the "
             "child's case, what is due and why.",
             "These emails come each morning on which something is due or overdue. The local authority's "
             "administrator can stop them for the school (the school's settings, \"Daily email of what falls due\").",
             "", FOOTER]
    return subject, "\n".join(body) + "\n"


def draft(school: School, day: dt.date) -> Draft:
    """The school's digest for `day`, read from its records (no write); the read transaction is ended."""
    due, overdue = school_due_list(school, day, DAYS)
    to = tuple(school_recipients(school)) if due or overdue else ()
    subject, body = compose(school, day, due, overdue)
    out = Draft(school.id, day, tuple(due), tuple(overdue), to, subject, body)
    db.session.rollback()  # end the read: the write that follows begins as a writer (see the module's note)
    return out


def queue(made: Draft) -> bool:
    """Record the digest and queue its emails, in one transaction, unless the school's digest for the day was
    made already (by another run or worker): then nothing is written. True if queued now. Commits."""
    session = db.session
    # RETURNING, not the row count: psycopg reports none (-1) for an INSERT whose ids SQLAlchemy fetched.
    inserted = session.execute(insert_ignoring(
        ReminderDigest.__table__, session.get_bind().dialect.name,
        {"school_id": made.school_id, "day": made.day, "due": len(made.due), "overdue": len(made.overdue),
         "emails": len(made.recipients)}, conflict=["school_id", "day"]).returning(ReminderDigest.id)).scalar()
    if inserted is None:
        session.rollback()
        return False
    for recipient in made.recipients:
        session.add(OutboxMessage(kind=KIND, referral_id=None, pack_id=None, recipient=recipient,
                                  subject=made.subject, body=made.body, message_id=service_message_id()))
    session.commit()
    return True


def made_on(day: dt.date) -> set[int]:
    """The schools whose digest for `day` has been made."""
    return set(db.session.scalars(select(ReminderDigest.school_id).where(ReminderDigest.day == day)))


def make_digests(day: dt.date) -> Report:
    """Make every school's digest for `day` that is not made yet (needs an app context). Commits each school's
    on its own, so a failure leaves the others made."""
    report = Report(day)
    schools = list(db.session.scalars(select(School).order_by(School.id)))
    done = made_on(day)
    for school in schools:
        if not school.email_daily_digest:
            report.switched_off += 1
            continue
        if school.id in done:
            report.already += 1
            continue
        made = draft(school, day)
        if not queue(made):
            report.already += 1
        elif not (made.due or made.overdue):
            report.nothing_due += 1
        elif not made.recipients:
            report.no_recipient += 1
            log.warning("daily digest: school %s has something due but no attendance contact or headteacher",
                        made.school_id)
        else:
            report.emailed += 1
            report.emails += len(made.recipients)
    db.session.rollback()
    log.info("%s", report.lines()[0])
    return report


def purge_expired(add_period, now: dt.datetime, report, dry_run: bool) -> None:
    """Remove digests past RETENTION_DIGEST after their day, and their emails (once no longer queued) past it
    after they were queued (records/retention.py purge calls this in its transaction; `add_period(start,
    "digest")` is the period), counted in the report's rows."""
    def past(start: dt.datetime) -> bool:
        return add_period(start, "digest") < now

    days = db.session.execute(select(ReminderDigest.id, ReminderDigest.day)).all()
    digests = [i for i, day in days if past(dt.datetime.combine(day, dt.time(), dt.timezone.utc))]
    emails = [i for i, created in db.session.execute(select(OutboxMessage.id, OutboxMessage.created_at).where(
        OutboxMessage.kind == KIND, OutboxMessage.status != "queued")).all() if past(created)]
    if digests:
        report.rows["reminder_digests"] += len(digests)
    if emails:
        report.rows["outbox"] += len(emails)
    if not dry_run:
        opts = {"synchronize_session": False}
        if digests:
            db.session.execute(delete(ReminderDigest).where(ReminderDigest.id.in_(digests)), execution_options=opts)
        if emails:
            db.session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(emails)), execution_options=opts)
