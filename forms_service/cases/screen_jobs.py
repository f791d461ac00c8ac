"""LA-wide screens in the background (issue 25): a 30,000-pupil LA's file takes seconds to screen and far longer to
upload, so the page keeps the upload as a job (models.ScreenJob) and a runner (forms_service/background/runner.py:
a `forms-service worker` process, or a thread of the web process in the embedded default) screens it, telling the
job's page how far it has got.

What is kept, and for how long:
- the uploaded files, in storage, only until they are screened (or the job fails): then they are deleted;
- the list found (personal data: UPNs, attendance, what the service holds), in storage as JSON, until
  RETENTION_LA_SCREENS (7 days) after the screen, for the officer to come back to and download;
- the job's counts (how many screened and listed, and the threshold crossings each school week: no pupil in them),
  with the row. `forms-service purge` removes a job past its retention with its files, but keeps the counts of
  each LA's latest screen (its list and files gone) for the dashboard's "Threshold crossings per week".
The audit trail keeps counts only, as for a screen on the page.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import logging

from flask import current_app
from sqlalchemy import delete, func, null, select

from .. import claims, storage
from ..config import retention_period
from ..dates import add_period
from ..models import School, ScreenJob, User, db, utcnow
from ..policies import load_profile
from ..register import screening
from ..register.marks import RegisterError
from . import la_screen

log = logging.getLogger(__name__)

SETTING = "RETENTION_LA_SCREENS"
FAILED = ("The files could not be screened because of a fault in the service. Upload them again, and if it happens "
          "again tell the service's administrators.")


def queue(user: User, files: list[tuple[str, bytes]], code_set: str) -> ScreenJob:
    """Keep the uploaded files for a runner to screen; commits. storage.StorageError if they cannot be kept."""
    now = utcnow()
    job = ScreenJob(la_id=user.la_id, created_by_id=user.id, status="queued", code_set=code_set, done=0,
                    total=la_screen.steps(files), stage="Waiting to start", created_at=now,
                    expires_at=add_period(now, *retention_period(current_app.config, SETTING)))
    inputs = []
    try:
        for name, data in files:
            key = storage.new_key(f"la-screens/{user.la_id}")
            storage.put(key, data)
            inputs.append({"name": name, "key": key, "size": len(data)})
    except storage.StorageError:
        _discard([i["key"] for i in inputs])
        raise
    job.inputs = inputs
    db.session.add(job)
    db.session.commit()
    return job


# --- the runner's side ---------------------------------------------------------------------------

def claim_next(now: dt.datetime | None = None) -> tuple[int, str] | None:
    """Claim the oldest screen waiting (or whose runner died): (id, claim) or None. One whose runners died
    claims.MAX_ATTEMPTS times fails; its files are deleted (`tidy`)."""
    claimed = claims.claim_next(ScreenJob, claims.lease(), now, start={"done": 0})
    tidy()
    return claimed


def tidy() -> None:
    """Delete the files of screens that failed without a runner to delete them (its runners died)."""
    for job in db.session.scalars(select(ScreenJob).where(ScreenJob.status == "failed",
                                                          ScreenJob.inputs.is_not(None))):
        _discard([i["key"] for i in job.inputs or ()])
        job.inputs = null()
    db.session.commit()


def run(job_id: int, token: str) -> None:
    """Screen the job's files as its officer (what they may see of each pupil), store the list, record the counts,
    delete the files. Holds no transaction while screening (progress is written in short ones)."""
    job = db.session.get(ScreenJob, job_id)
    user, la, inputs, code_set = job.created_by, job.la, list(job.inputs or ()), job.code_set
    profile = load_profile(la.policy_profile or current_app.config["POLICY_PROFILE"])
    db.session.commit()

    def progress(done: int, stage: str) -> None:
        claims.update_claimed(ScreenJob, job_id, token, done=done, stage=stage[:200],
                              claimed_until=utcnow() + claims.lease())

    key = None
    try:
        sources = [(i["name"], storage.get(i["key"])) for i in inputs]
        result = la_screen.screen_la(sources, la, profile, user=user, code_set=code_set, progress=progress)
        key = storage.new_key(f"la-screens/{la.id}")
        storage.put(key, gzip.compress(json.dumps(stored(result)).encode(), 6))
        la_screen.audit(user, result, len(inputs), "background")
        claims.finish(ScreenJob, job_id, token, result_key=key, done=la_screen.steps(inputs), stage="Done",
                      inputs=null(), summary=counts(result, len(inputs)), crossings=crossings(result))
    except claims.LostClaim:
        db.session.rollback()
        _discard([key] if key else [])
        return  # the runner that took it over has the files
    except RegisterError as exc:
        db.session.rollback()
        _discard([key] if key else [])
        claims.fail(ScreenJob, job_id, token, "\n".join(exc.messages[:10]), inputs=null(), stage="Not screened")
    except storage.StorageError as exc:
        db.session.rollback()
        _discard([key] if key else [])
        claims.fail(ScreenJob, job_id, token, f"The files could not be screened: {exc}", inputs=null(),
                    stage="Not screened")
    except Exception:
        log.exception("LA screen job %s failed", job_id)
        db.session.rollback()
        _discard([key] if key else [])
        claims.fail(ScreenJob, job_id, token, FAILED, inputs=null(), stage="Not screened")
    _discard([i["key"] for i in inputs] if _ended(job_id) else [])


def _ended(job_id: int) -> bool:
    status = db.session.scalar(select(ScreenJob.status).where(ScreenJob.id == job_id))
    db.session.commit()
    return status in ("done", "failed")


def _discard(keys: list[str]) -> None:
    for key in keys:
        try:
            storage.delete(key)
        except storage.StorageError:
            pass  # left for the purge of files nothing accounts for


# --- what is kept of a screen --------------------------------------------------------------------

def stored(result: la_screen.LAScreen) -> dict:
    """The list as kept: schools by id (the LA's own), each row's figures and what the service held then."""
    return {"on": result.on.isoformat(), "profile": result.thresholds["profile"], "pupils": result.pupils,
            "schools": [[school.id, n, k] for school, n, k in result.schools], "unknown": result.unknown,
            "rows": [[r.school.id, r.row.to_dict(),
                      {"stage": r.held.stage, "open_referral": r.held.open_referral,
                       "last_letter": r.held.last_letter}] for r in result.rows]}


def counts(result: la_screen.LAScreen, files: int) -> dict:
    return {"on": result.on.isoformat(), "profile": result.thresholds["profile"], "files": files,
            "pupils": result.pupils, "schools": len(result.schools), "listed": len(result.rows),
            "no_action": sum(r.held.nothing for r in result.rows), "unknown_schools": len(result.unknown)}


def crossings(result: la_screen.LAScreen) -> list:
    """[[the week's Monday, school id, pupils who crossed the threshold that week]]: counts only."""
    return [[week.isoformat(), school.id, n] for week, school, n in result.crossings]


def result_of(job: ScreenJob) -> la_screen.LAScreen:
    """A finished job's list, as the page and the CSV show it. storage.StorageError if it cannot be read."""
    kept = json.loads(gzip.decompress(storage.get(job.result_key)))
    schools = {s.id: s for s in db.session.scalars(select(School).where(School.la_id == job.la_id))}
    thresholds = screening.thresholds_of(load_profile(kept["profile"]))
    rows = [la_screen.Listed(schools[school_id], screening.PupilScreen(**row), la_screen.Held(**held))
            for school_id, row, held in kept["rows"] if school_id in schools]
    return la_screen.LAScreen(dt.date.fromisoformat(kept["on"]), thresholds, kept["pupils"],
                              [(schools[i], n, k) for i, n, k in kept["schools"] if i in schools], rows,
                              kept["unknown"])


def for_la(la_id: int, job_id: int) -> ScreenJob | None:
    return db.session.scalar(select(ScreenJob).where(ScreenJob.id == job_id, ScreenJob.la_id == la_id))


def recent(la_id: int, limit: int = 10) -> list[ScreenJob]:
    return list(db.session.scalars(select(ScreenJob).where(ScreenJob.la_id == la_id)
                                   .order_by(ScreenJob.id.desc()).limit(limit)))


def progress(job: ScreenJob) -> dict:
    return {"id": job.id, "status": job.status, "done": job.done, "total": job.total, "stage": job.stage,
            "percent": 100 if job.status == "done" else (job.done * 100 // job.total if job.total else 0),
            "error": job.error, "finished": job.status in ("done", "failed"), "text": job.stage or ""}


# --- retention -----------------------------------------------------------------------------------

def _latest_done() -> set[int]:
    """Each LA's latest finished screen: its counts stay for the dashboard after its list has gone."""
    return set(db.session.scalars(select(func.max(ScreenJob.id)).where(ScreenJob.status == "done")
                                  .group_by(ScreenJob.la_id)))


def purge_expired(now: dt.datetime, report, dry_run: bool) -> None:
    """Remove screens past RETENTION_LA_SCREENS with their files (records/retention.purge calls this in its
    transaction); an LA's latest screen keeps its row of counts, its list and files removed."""
    expired = list(db.session.scalars(select(ScreenJob).where(ScreenJob.expires_at < now)))
    if not expired:
        return
    keep = _latest_done()
    for job in expired:
        report.files.extend(k for k in [job.result_key, *(i["key"] for i in job.inputs or ())] if k)
    gone = [job.id for job in expired if job.id not in keep]
    emptied = [job for job in expired if job.id in keep and job.result_key]
    report.rows["la_screens"] += len(gone) + len(emptied)
    if not dry_run:
        for job in emptied:
            job.result_key, job.inputs = None, null()
        if gone:
            db.session.execute(delete(ScreenJob).where(ScreenJob.id.in_(gone)),
                               execution_options={"synchronize_session": False})


def stored_keys() -> set[str]:
    """Storage keys the screens still account for (so the purge of unaccounted files leaves them)."""
    keys = set()
    for result_key, inputs in db.session.execute(select(ScreenJob.result_key, ScreenJob.inputs)):
        keys.update(k for k in [result_key, *(i["key"] for i in inputs or ())] if k)
    return keys
