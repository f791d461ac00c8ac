"""Bulk letters in the background: a job is a row (forms_service.models.BulkLetterJob) holding the
plan of letters to make, its progress and, when done, where the zip is stored, so that any process
of the service can show how far it has got.

A job is run by the background runner (forms_service/background/runner.py: in `forms-service worker` processes,
or a thread of the web process in the embedded default), which renders the letters in a pool of processes
(bulk.write_zip). The runner claims the job before starting it (forms_service/claims.py): a conditional UPDATE
that one process wins, renewed as letters are made. A process that dies leaves its claim to expire; the job is
then taken over, from the start, by the next runner, and fails clearly if its runners keep dying.

Nothing is made until the school has checked the list: `prepare` keeps the plan as a `pending`
job (never claimed by a runner), the page lists who will get a letter, and `confirm` queues it, once,
only for the list the page showed (its digest) and only for CONFIRM_WITHIN after it was made. A
pending job nobody confirms is purged after CONFIRM_WITHIN, well inside the retention period.

The plan holds personal data and is cleared once the letters are made (or have failed); the zip
and the row are removed when the retention period (RETENTION_BULK_LETTERS, 7 days) ends, by
`forms-service purge` (forms_service/records/retention.py). The audit trail keeps counts only.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import tempfile
import time

from flask import current_app
from sqlalchemy import delete, null, or_, select, update

from .. import claims, storage
from ..audit import record
from ..config import retention_period
from ..dates import add_period
from ..documents.rendering import RenderError
from ..models import BulkLetterJob, User, db, utcnow
from . import bulk

log = logging.getLogger(__name__)

SETTING = "RETENTION_BULK_LETTERS"
PROGRESS_EVERY = 0.5  # seconds between progress writes: enough for a progress bar, little for the database
CONFIRM_WITHIN = dt.timedelta(hours=2)  # a list older than this may no longer be what the school meant to send
FAILED = ("The letters could not be made because of a fault in the service. Nothing was sent to anyone; "
          "start again, and if it happens again tell the service's administrators.")


class NotConfirmed(Exception):
    """A confirmation refused (already started, too old, or not the list the page showed); the
    message says which, for the page."""


def expires_at(made: dt.datetime) -> dt.datetime:
    """When a job made at `made` goes (RETENTION_BULK_LETTERS after it, calendar years as retention counts them)."""
    return add_period(made, *retention_period(current_app.config, SETTING))


def prepare(user: User, plan: bulk.Plan) -> BulkLetterJob:
    """Keep a plan for the school to check before anything is made (a pending job; no runner takes
    it). The user's earlier unconfirmed lists go: this one replaces them."""
    now = utcnow()
    db.session.execute(delete(BulkLetterJob).where(BulkLetterJob.created_by_id == user.id,
                                                   BulkLetterJob.status == "pending"),
                       execution_options={"synchronize_session": False})
    job = BulkLetterJob(school_id=user.school_id, created_by_id=user.id, form_id=plan.form_id, status="pending",
                        total=len(plan.letters), created_at=now, expires_at=expires_at(now))
    db.session.add(job)
    db.session.flush()
    plan.batch = f"B{job.id}"
    job.plan = plan.to_json()
    job.summary = plan.summary()
    db.session.commit()
    return job


def stale(job: BulkLetterJob, now: dt.datetime | None = None) -> bool:
    """A pending list too old to confirm."""
    return job.status == "pending" and job.created_at < (now or utcnow()) - CONFIRM_WITHIN


def digest(job: BulkLetterJob) -> str:
    """The list a confirmation is for: the plan as stored, so a confirmation of any other (an edited
    form, a list replaced since) does not match."""
    canonical = json.dumps(job.plan, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{job.id}:{canonical}".encode()).hexdigest()


def confirm(user: User, job: BulkLetterJob, seen: str, now: dt.datetime | None = None) -> None:
    """Queue a pending job the school has checked, for a runner to take. NotConfirmed if
    it was started already, is older than CONFIRM_WITHIN, makes no letters, or `seen` is not the
    digest of its list."""
    now = now or utcnow()
    if job.status != "pending":
        raise NotConfirmed("These letters have already been started: their progress is on this page.")
    if stale(job, now):
        raise NotConfirmed(f"This list was made more than {CONFIRM_WITHIN.seconds // 3600} hours ago, so it may no "
                           "longer be right. Upload the files again to make a new list.")
    if not job.total:
        raise NotConfirmed("There are no letters to make from this list.")
    if not hmac.compare_digest(str(seen or ""), digest(job)):
        raise NotConfirmed("The list you confirmed is not the one the service made. Check the list below again, "
                           "then make the letters.")
    # One confirmation wins (a double click, two tabs): the row stops being pending on the first.
    changed = db.session.execute(
        update(BulkLetterJob).where(BulkLetterJob.id == job.id, BulkLetterJob.status == "pending")
        .values(status="queued").execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        raise NotConfirmed("These letters have already been started: their progress is on this page.")
    record("bulk_letters_started", user=user, detail={"job": job.id, **(job.summary or {})})
    db.session.commit()


# --- the runner (forms_service/background/runner.py runs it, in a worker or a web process) -------------

def claim_next(now: dt.datetime | None = None) -> tuple[int, str] | None:
    """Claim the oldest job waiting (or whose runner stopped renewing its claim): (id, claim) or None. A job
    whose runners died MAX_ATTEMPTS times fails, its plan cleared."""
    return claims.claim_next(BulkLetterJob, claims.lease(), now, start={"done": 0}, give_up={"plan": null()})


def _update(job_id: int, token: str, **values) -> None:
    claims.update_claimed(BulkLetterJob, job_id, token, **values)


def run(job_id: int, token: str) -> None:
    """Make the job's letters, store the zip, record the result. Holds no database transaction while
    rendering (progress is written in short ones)."""
    job = db.session.get(BulkLetterJob, job_id)
    plan = bulk.Plan.from_json(job.plan)
    school_id = job.school_id
    db.session.commit()
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        if done < total and time.monotonic() - last < PROGRESS_EVERY:
            return
        last = time.monotonic()
        _update(job_id, token, done=done, claimed_until=utcnow() + claims.lease())

    key = None
    try:
        with tempfile.TemporaryFile() as out:
            bulk.write_zip(plan, out, progress=progress)
            size = out.tell()
            out.seek(0)
            data = out.read()
        key = storage.new_key(f"bulk-letters/{school_id}")
        digest = storage.put(key, data)
        claims.finish(BulkLetterJob, job_id, token, storage_key=key, sha256=digest, size=size,
                      done=len(plan.letters), plan=null())
    except claims.LostClaim:
        db.session.rollback()
        _discard(key)
    except (bulk.BulkError, RenderError, storage.StorageError) as exc:
        db.session.rollback()
        _discard(key)
        claims.fail(BulkLetterJob, job_id, token, f"The letters could not be made: {exc}", plan=null())
    except Exception:
        log.exception("bulk letters job %s failed", job_id)
        db.session.rollback()
        _discard(key)
        claims.fail(BulkLetterJob, job_id, token, FAILED, plan=null())


def _discard(key: str | None) -> None:
    if key is None:
        return
    try:
        storage.delete(key)
    except storage.StorageError:
        pass  # left for the purge of files nothing accounts for


# --- what the pages show -------------------------------------------------------------------------

def for_school(school_id: int, job_id: int) -> BulkLetterJob | None:
    return db.session.scalar(select(BulkLetterJob).where(BulkLetterJob.id == job_id,
                                                         BulkLetterJob.school_id == school_id))


def recent(school_id: int, limit: int = 20) -> list[BulkLetterJob]:
    return list(db.session.scalars(select(BulkLetterJob).where(BulkLetterJob.school_id == school_id)
                                   .order_by(BulkLetterJob.id.desc()).limit(limit)))


def progress(job: BulkLetterJob) -> dict:
    return {"id": job.id, "status": job.status, "done": job.done, "total": job.total,
            "percent": 100 if job.status == "done" else (job.done * 100 // job.total if job.total else 0),
            "error": job.error, "finished": job.status in ("done", "failed"),
            "text": f"{job.done} of {job.total} letters made"}


# --- retention -----------------------------------------------------------------------------------

def purge_expired(now: dt.datetime, report, dry_run: bool) -> None:
    """Remove jobs past their retention (forms_service/retention.purge calls this in its transaction):
    counted in the report's rows, their zips added to the files it deletes once committed."""
    expired = list(db.session.scalars(select(BulkLetterJob).where(
        or_(BulkLetterJob.expires_at < now,
            (BulkLetterJob.status == "pending") & (BulkLetterJob.created_at < now - CONFIRM_WITHIN)))))
    if not expired:
        return
    report.rows["bulk_letter_jobs"] += len(expired)
    report.files.extend(job.storage_key for job in expired if job.storage_key)
    if not dry_run:
        db.session.execute(delete(BulkLetterJob).where(BulkLetterJob.id.in_([job.id for job in expired])),
                           execution_options={"synchronize_session": False})


def stored_keys() -> set[str]:
    """Storage keys the jobs still account for (so the purge of unaccounted files leaves them)."""
    return set(db.session.scalars(select(BulkLetterJob.storage_key).where(BulkLetterJob.storage_key.is_not(None))))
