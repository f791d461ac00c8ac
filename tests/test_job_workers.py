"""Long jobs in `forms-service worker` processes (issue 25; forms_service/background/runner.py, claims.py), with
real processes on SQLite and PostgreSQL: two workers share two jobs of letters in bulk, each claimed once; the
worker holding one is SIGKILLed mid-job, and the other takes it over once its claim runs out and makes it, once.
A job whose runners keep dying fails with words saying so, its personal data cleared; a screen's files go with it.
With JOBS_IN_WEB off the web process only queues, and `worker --once` runs what is waiting.
Times are printed (`pytest -s`), never asserted."""
from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import signal
import time
import zipfile

import pytest
from faults.service import Process, service_env, wait_until
from test_bulk_letters import plan_for

from forms_service import claims, storage
from forms_service.background import runner
from forms_service.cases import screen_jobs
from forms_service.letters import bulk, jobs
from forms_service.models import BulkLetterJob, School, ScreenJob, User, db, utcnow

LEASE = 3  # seconds: a killed worker's job waits this long (the service's default is two minutes)


def queue_letters(app, copies: int) -> int:
    """A confirmed job of `copies` × the plan's letters (each its own reference), as `jobs.confirm` leaves it."""
    plan = plan_for(bulk.Criteria(penalty_threshold=True))
    plan.letters = [{**letter, "number": n + 1} for n, letter in enumerate(plan.letters * copies)]
    with app.app_context():
        school = db.session.scalar(db.select(School).filter_by(name="Demo School"))
        user = db.session.scalar(db.select(User).filter_by(email="office@demo.school"))
        now = utcnow()
        job = BulkLetterJob(school_id=school.id, created_by_id=user.id, form_id="stage2-letter", status="queued",
                            total=len(plan.letters), created_at=now, expires_at=now + dt.timedelta(days=7))
        db.session.add(job)
        db.session.flush()
        plan.batch = f"B{job.id}"
        job.plan, job.summary = plan.to_json(), plan.summary()
        db.session.commit()
        return job.id


def job_row(app, model, job_id: int):
    """The job as the database has it now (the test runs in an app context: `ctx`)."""
    db.session.rollback()
    return db.session.get(model, job_id, populate_existing=True)


def worker_env(app, **settings) -> dict:
    # SMTP_URL: a worker needs one; nothing is queued to send, so nothing listens there.
    return service_env(app, SMTP_URL="smtp://127.0.0.1:9", JOB_LEASE_SECONDS=LEASE, WORKER_POLL_SECONDS=0.5,
                       **settings)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def workers(tmp_path):
    started: list[Process] = []

    def start(env: dict, *args: str) -> Process:
        started.append(Process(["worker", *args], env, tmp_path / f"worker-{len(started) + 1}.log"))
        return started[-1]

    yield start
    for process in started:
        process.kill()


def test_two_workers_share_the_jobs_and_one_killed_mid_job_is_taken_over_once(app, ctx, workers):
    first, second = queue_letters(app, 16), queue_letters(app, 16)
    env = worker_env(app)
    a, b = workers(env), workers(env)
    pids = {a.proc.pid: a, b.proc.pid: b}

    def under_way() -> bool:
        one, two = job_row(app, BulkLetterJob, first), job_row(app, BulkLetterJob, second)
        return one.status == "running" and one.done >= 1 and two.status in ("running", "done")

    wait_until(under_way, 240, "each worker taking a job, the first with letters made")
    held = job_row(app, BulkLetterJob, first)
    holders = {job_row(app, BulkLetterJob, j).claimed_by for j in (first, second)}
    assert len(holders) == 2  # each job claimed by one worker, not both by the same
    victim = pids[int(held.claimed_by.rsplit(":", 1)[1])]
    killed_at = time.monotonic()
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait(10)
    survivor = b if victim is a else a

    def finished() -> bool:
        return all(job_row(app, BulkLetterJob, j).status in ("done", "failed") for j in (first, second))

    wait_until(finished, 480, "the survivor finishing both jobs")
    print(f"\nthe killed worker's job was finished {time.monotonic() - killed_at:.1f} s after the SIGKILL")
    assert survivor.alive
    for job_id, attempts in ((first, 2), (second, 1)):
        job = job_row(app, BulkLetterJob, job_id)
        assert job.status == "done", (job.error, survivor.output())
        assert job.attempts == attempts and job.plan is None and job.claim is None
        assert job.claimed_by is not None
        with app.app_context():
            with zipfile.ZipFile(io.BytesIO(storage.get(job.storage_key))) as archive:
                letters = [n for n in archive.namelist() if n.endswith(".pdf") and n != bulk.PRINT_PDF]
        assert len(letters) == len(set(letters)) == job.total == 16  # every letter once: none twice, none lost
    with app.app_context():
        zips = [f.key for f in storage.list_files("bulk-letters/")]
    assert sorted(zips) == sorted(job_row(app, BulkLetterJob, j).storage_key for j in (first, second))


def test_a_job_whose_runners_keep_dying_fails_saying_so(app):
    """After MAX_ATTEMPTS claims that never finished, the next runner fails the job rather than dying with it too;
    the letters' plan (personal data) is cleared, and a screen's uploaded files are deleted."""
    letters = queue_letters(app, 1)
    with app.app_context():
        now = utcnow()
        user = db.session.scalar(db.select(User).filter_by(email="officer@demo.la"))
        screen = screen_jobs.queue(user, [("la.csv", b"URN,upn,date,session,code\n")], "2024")
        for model, job_id in ((BulkLetterJob, letters), (ScreenJob, screen.id)):
            row = db.session.get(model, job_id)
            row.status, row.claim, row.attempts = "running", "gone", claims.MAX_ATTEMPTS
            row.claimed_until = now - dt.timedelta(seconds=1)
        db.session.commit()
        assert jobs.claim_next() is None and screen_jobs.claim_next() is None
        for model, job_id in ((BulkLetterJob, letters), (ScreenJob, screen.id)):
            row = db.session.get(model, job_id, populate_existing=True)
            assert row.status == "failed" and row.error.startswith("The service stopped 3 times while working on this")
        assert db.session.get(BulkLetterJob, letters).plan is None
        assert db.session.get(ScreenJob, screen.id).inputs is None
        assert storage.list_files("la-screens/") == []


def test_with_jobs_out_of_the_web_a_worker_runs_them(app, ctx, workers):
    """JOBS_IN_WEB=off: a queued screen waits in the database (no thread of the web process takes it) until
    `forms-service worker --once` screens it; its page then shows the list."""
    app.config["JOBS_IN_WEB"] = False
    with app.app_context():
        db.session.scalar(db.select(School).filter_by(name="Demo School")).urn = "100001"
        user = db.session.scalar(db.select(User).filter_by(email="officer@demo.la"))
        days = [dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(68)]
        rows = [f"100001,A100000000002,{d.isoformat()},{s},O" for d in days if d.weekday() < 5 for s in ("AM", "PM")]
        job = screen_jobs.queue(user, [("la.csv", ("URN,upn,date,session,code\n" + "\n".join(rows)).encode())],
                                "2024")
        job_id = job.id
    runner.start(app)
    assert runner.wait_idle(app, 1) and job_row(app, ScreenJob, job_id).status == "queued"
    once = workers(worker_env(app), "--once")
    assert once.proc.wait(120) == 0, once.output()
    assert "Ran 1 job(s)." in once.output()
    done = job_row(app, ScreenJob, job_id)
    assert done.status == "done" and done.inputs is None and done.summary["listed"] == 1, done.error
    with app.app_context():
        kept = json.loads(gzip.decompress(storage.get(done.result_key)))
    assert [row[1]["upn"] for row in kept["rows"]] == ["A100000000002"]
