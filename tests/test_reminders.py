"""The daily digest (issue 22, "Reminders"; forms_service/reminders/digest.py), on SQLite and PostgreSQL: built
from records made through the API as the school makes them; sent through the outbox to a real SMTP server on
loopback, once per school and day even when made twice, from the command line, or by two workers at the same
moment; the child named by initials only, with the record's reference and a link to the case; a school that
switched it off on the admin's page gets none; the worker makes it once a day from DIGEST_HOUR; and its rows
and emails go at RETENTION_DIGEST."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from forms_service.cli import main
from forms_service.config import Config
from forms_service.delivery.outbox import deliver_due, worker_app
from forms_service.formatting import LOCAL_TZ, format_date
from forms_service.models import OutboxMessage, Referral, ReminderDigest, School, db
from forms_service.records import retention
from forms_service.reminders import digest
from forms_service.reminders.daily import DailyDigests

from support import records
from support.helpers import csrf, login, logout, text
from support.smtp_server import smtp_sink  # noqa: F401  (fixture)
from support.snapshot import made_once

ATTENDANCE = "attendance@demo.school"
NAMES = (records.AMELIA.first, records.AMELIA.last, records.TOBIAS.first, records.TOBIAS.last)


def _school(name: str) -> School:
    return db.session.scalar(select(School).filter_by(name=name))


def _leave_deadline(client, headers, rid: int) -> dt.date:
    """The leave request's deadline: 28 days after the child's return (003, Appendix 8)."""
    data = client.get(f"{records.API}/referrals/{rid}", headers=headers).get_json()["data"]
    return dt.date.fromisoformat(data["leave"]["return_date"]) + dt.timedelta(days=28)


@pytest.fixture
def world(app, client, backend, setups_made_once):
    """Two children's leave requests at Demo School (attendance contact set), one at Other School; the day
    three days before the first child's deadline. Made once per backend (three requests with their evidence PDFs)
    and restored into each test's own database and storage, as the tests here send and record digests."""
    return made_once(setups_made_once, backend, app, lambda: _world(app, client))


def _world(app, client) -> dict:
    office = records.office(client)
    amelia = records.create_referral(client, office, records.AMELIA, replace_one=False)
    tobias = records.create_referral(client, office, records.TOBIAS, replace_one=False)
    other = records.create_referral(client, records.office(client, "office@other.school"), records.AMELIA,
                                    replace_one=False)
    with app.app_context():
        _school("Demo School").attendance_email = ATTENDANCE
        db.session.commit()
    deadline = _leave_deadline(client, office, amelia)
    return {"office": office, "amelia": amelia, "tobias": tobias, "other": other, "deadline": deadline,
            "day": deadline - dt.timedelta(days=3)}


def _digests(app) -> list[tuple[str, dt.date, int]]:
    with app.app_context():
        return [(s, d, e) for s, d, e in db.session.execute(
            select(School.name, ReminderDigest.day, ReminderDigest.emails).join(School, School.id == ReminderDigest.school_id)
            .order_by(School.name, ReminderDigest.day))]


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == digest.KIND)))
        db.session.expunge_all()
        return rows


def _switch_off(client, school_name: str) -> None:
    """The LA's admin unticks the daily email on the school's page (the other settings as they were)."""
    login(client, "admin@demo.la")
    with client.application.app_context():
        school = _school(school_name)
        school_id, turn = school.id, ["email_head_awaiting_signoff", "email_office_sent_back",
                                      "email_office_la_decision"]
    page = client.get(f"/admin/schools/{school_id}")
    assert 'name="email_daily_digest"' in text(page) and "Daily email of what falls due" in text(page)
    saved = client.post(f"/admin/schools/{school_id}", data={"csrf_token": csrf(text(page)), "name": school_name,
                                                             "attendance_email": "", "turn_emails": turn})
    assert saved.status_code == 302, text(saved)
    logout(client)


def test_the_digest_goes_once_with_initials_a_reference_and_a_link(app, client, world, smtp_sink):
    app.config["SMTP_URL"] = smtp_sink.url
    _switch_off(client, "Other School")
    with app.app_context():
        assert _school("Demo School").email_daily_digest and not _school("Other School").email_daily_digest
        report = digest.make_digests(world["day"])
        assert (report.emailed, report.emails, report.switched_off, report.already) == (1, 1, 1, 0)
        again = digest.make_digests(world["day"])  # the command run twice, a second worker later in the day
        assert (again.emailed, again.already, again.switched_off) == (0, 1, 1)
    # ... and from the command line, as cron runs it: nothing more.
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "STORAGE_DIR": app.config["STORAGE_DIR"],
           "SECRET_KEY": "test-secret"}
    result = CliRunner(env=env).invoke(main, ["digest", "--date", world["day"].isoformat()])
    assert result.exit_code == 0, result.output
    assert "0 school(s) emailed" in result.output and "1 already made" in result.output
    assert not any(name in result.output for name in NAMES)
    assert CliRunner(env=env).invoke(main, ["digest", "--date", "2026-02-30"]).exit_code == 2  # not a date
    assert _digests(app) == [("Demo School", world["day"], 1)]

    with app.app_context():
        assert deliver_due() == 1 and deliver_due() == 0
    [message] = smtp_sink.messages()
    assert message["To"] == ATTENDANCE and message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"].endswith("- Demo School") and "in the next 7 days" in message["Subject"]
    body = message.get_content()
    service = app.config["SERVICE_URL"]
    with app.app_context():
        references = {rid: db.session.get(Referral, rid).reference for rid in (world["amelia"], world["tobias"])}
    # Both children's leave deadlines, three days on (the same return date): initials, the reference and the
    # case's link; no name.
    for rid, initials in ((world["amelia"], "AH"), (world["tobias"], "TN")):
        assert _leave_deadline(client, world["office"], rid) == world["deadline"]
        assert f"Pupil: {initials}. Reference: {references[rid]}.\n  {service}/referrals/{rid}/case\n" in body
    assert f"- {format_date(world['deadline'])}: Request for a penalty notice for leave" in body
    assert f"/referrals/{world['other']}/case" not in body  # Other School's child: not Demo School's digest
    assert not any(name in body or name in message["Subject"] for name in NAMES)
    assert body.rstrip().endswith("This message was sent by the attendance legal-intervention forms service.")


def test_a_day_with_nothing_due_sends_nothing_and_no_contact_falls_back_to_the_headteachers(app, client, world):
    with app.app_context():
        _school("Demo School").attendance_email = None
        db.session.commit()
        quiet = digest.make_digests(world["deadline"] - dt.timedelta(days=60))  # nothing due yet, nothing overdue
        assert (quiet.emailed, quiet.nothing_due) == (0, 2)
        report = digest.make_digests(world["day"])
        assert report.emailed == 2  # both schools: Other School's child is due too
    assert {m.recipient for m in _outbox(app)} == {"head@demo.school", "head@other.school"}
    assert [(s, e) for s, d, e in _digests(app) if d == world["day"]] == [("Demo School", 1), ("Other School", 1)]


def _together(app, target, n: int = 2) -> list[Exception]:
    """Run `target` in `n` threads at once, each in the app's context, as `n` workers would; what they raised."""
    errors = []

    def run():
        try:
            with app.app_context():
                target()
        except Exception as exc:  # reported to the test by the list returned
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def test_two_workers_at_the_same_moment_make_the_digest_once(app, world, smtp_sink):
    """Each worker reads the school's list, then both write at once: one digest, one email (the unique school and
    day; on PostgreSQL the second insert waits for the first to commit, on SQLite for the write lock)."""
    app.config["SMTP_URL"] = smtp_sink.url
    ready = threading.Barrier(2, timeout=30)
    results = []

    def worker():
        made = digest.draft(_school("Demo School"), world["day"])
        ready.wait()
        results.append(digest.queue(made))

    assert _together(app, worker) == []
    assert sorted(results) == [False, True]
    assert [m.recipient for m in _outbox(app)] == [ATTENDANCE]

    # Whole runs at once too (every school), as two `forms-service digest` or two workers at DIGEST_HOUR.
    day = world["day"] + dt.timedelta(days=1)
    reports = []
    start = threading.Barrier(2, timeout=30)

    def run():
        start.wait()
        reports.append(digest.make_digests(day))

    assert _together(app, run) == []
    assert sum(r.emailed for r in reports) == 2 and sum(r.already for r in reports) == 2
    assert [(s, d) for s, d, _ in _digests(app) if d == day] == [("Demo School", day), ("Other School", day)]
    with app.app_context():
        assert deliver_due() == 3 and deliver_due() == 0
    assert smtp_sink.count == 3  # Demo School's two days, Other School's one


def test_the_worker_makes_the_digests_once_a_day_from_digest_hour(app, world):
    """DailyDigests after each round of a worker: not before DIGEST_HOUR (England), then once that day, then again
    the next; with the worker's own app (configuration and database only)."""
    config = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "STORAGE_DIR": app.config["STORAGE_DIR"],
              "DIGEST_HOUR": "7"}
    daily = DailyDigests(worker_app(config))
    morning = dt.datetime.combine(world["day"], dt.time(6, 59), LOCAL_TZ)
    assert daily(morning) is None and _digests(app) == []
    report = daily(morning + dt.timedelta(minutes=1))
    assert report is not None and report.emailed == 2
    assert daily(morning + dt.timedelta(hours=5)) is None  # done today
    assert len(_outbox(app)) == 2
    tomorrow = daily(morning + dt.timedelta(days=1, minutes=1))
    assert tomorrow is not None and tomorrow.day == world["day"] + dt.timedelta(days=1)
    # Another worker (or one restarted) the same day finds them made and sends nothing more.
    later = DailyDigests(worker_app(config))(morning + dt.timedelta(days=1, hours=3))
    assert (later.emailed, later.already) == (0, 2)
    assert DailyDigests(worker_app({**config, "DIGEST_HOUR": "off"}))(morning + dt.timedelta(days=2)) is None
    assert len(_digests(app)) == 4


@pytest.mark.parametrize("value", ["24", "-1", "7am", "1.5"])
def test_digest_hour_is_checked(value):
    with pytest.raises(ValueError, match="DIGEST_HOUR must be an hour of the day, 0 to 23, or off"):
        Config({"DIGEST_HOUR": value})


def test_digests_and_their_emails_go_at_retention_digest(app, client, world, smtp_sink):
    app.config["SMTP_URL"] = smtp_sink.url
    with app.app_context():
        assert digest.make_digests(world["day"]).emailed == 2
        assert deliver_due() == 2
        start = dt.datetime.combine(world["day"], dt.time(), dt.timezone.utc)
        # Still kept the day before the period ends (90 days after the day; the emails were queued today,
        # at most a few weeks from it), gone after it: rows and emails, whose text is not cleared before.
        kept = retention.purge(start + dt.timedelta(days=89), dry_run=True)
        assert "reminder_digests" not in kept.rows
        now = max(start, max(m.created_at for m in db.session.scalars(select(OutboxMessage)))) + dt.timedelta(days=91)
        report = retention.purge(now)
        assert report.rows["reminder_digests"] == 2 and report.rows["outbox"] == 2
        assert db.session.scalar(select(func.count()).select_from(ReminderDigest)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == digest.KIND)) == 0
        assert report.counts()["periods"]["RETENTION_DIGEST"] == "90 days"
