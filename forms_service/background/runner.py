"""The runner of long jobs (issue 25): letters in bulk (letters/jobs.py) and LA-wide screens (cases/screen_jobs.py).

Where it runs:
- in `forms-service worker` processes (any number, on any machine sharing the database and storage), each running
  one job at a time beside its mail delivery: `run_forever`;
- in the web process, as a thread started when a job is queued or its page finds it waiting, when JOBS_IN_WEB is on
  (the default: the embedded default is one process); a deployment with workers sets it off: `start`.

Each job is claimed once (forms_service/claims.py); while it runs, a heartbeat renews the claim every third of
JOB_LEASE_SECONDS, so a long step (one large file) keeps it, and a runner that dies (SIGKILL, the machine gone)
leaves it to be taken over, from the start, once the lease ends.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app

from .. import claims
from ..cases import screen_jobs
from ..letters import jobs as letter_jobs
from ..models import BulkLetterJob, ScreenJob, db, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    claim_next: Callable[[], tuple[int, str] | None]
    run: Callable[[int, str], None]


KINDS = (Kind("letters in bulk", BulkLetterJob, letter_jobs.claim_next, letter_jobs.run),
         Kind("LA screen", ScreenJob, screen_jobs.claim_next, screen_jobs.run))


@contextmanager
def heartbeat(app: Flask, kind: Kind, job_id: int, token: str):
    """Renew the job's claim every third of the lease while the block runs (in a thread with its own session)."""
    lease = dt.timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            with app.app_context():
                try:
                    claims.update_claimed(kind.model, job_id, token, claimed_until=utcnow() + lease)
                except claims.LostClaim:
                    return  # finished, or taken over: the job's own next write says which
                except Exception:
                    log.exception("renewing the claim on %s %s failed", kind.name, job_id)
                finally:
                    db.session.remove()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_due(app: Flask, stop: threading.Event | None = None) -> int:
    """Run every job waiting, one at a time, oldest kind first, until none is left (or `stop` is set): how many
    were run. Needs no app context; makes its own."""
    ran = 0
    while stop is None or not stop.is_set():
        with app.app_context():
            try:
                for kind in KINDS:
                    if (claimed := kind.claim_next()) is not None:
                        with heartbeat(app, kind, *claimed):
                            kind.run(*claimed)
                        ran += 1
                        break
                else:
                    return ran
            finally:
                db.session.remove()
    return ran


def run_forever(app: Flask, stop: threading.Event, poll_seconds: float | None = None) -> None:
    """A worker's loop: run what is waiting, then look again every poll (longer after a database failure)."""
    poll = app.config["WORKER_POLL_SECONDS"] if poll_seconds is None else poll_seconds
    failures = 0
    while not stop.is_set():
        try:
            run_due(app, stop)
            failures = 0
        except Exception:  # the database gone away: the jobs stay claimable
            failures += 1
            log.exception("job runner: a round failed (%d in a row)", failures)
        stop.wait(poll if failures == 0 else min(poll * 2 ** failures, 60))


def start_worker_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    """`forms-service worker`'s job runner, beside its mail delivery: a thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(app, stop), name="job-runner", daemon=True)
    thread.start()
    return thread, stop


# --- in the web process (JOBS_IN_WEB) ------------------------------------------------------------

_lock = threading.Lock()


def start(app: Flask) -> None:
    """Make sure this web process has a runner looking for jobs, if JOBS_IN_WEB; it stops when none are left."""
    if not app.config["JOBS_IN_WEB"]:
        return
    with _lock:
        state = app.extensions.setdefault("job_runner", {"thread": None, "wanted": False})
        state["wanted"] = True
        if state["thread"] is None or not state["thread"].is_alive():
            state["thread"] = threading.Thread(target=_run_while_wanted, args=(app, state), name="job-runner",
                                               daemon=True)
            state["thread"].start()


def wake(job=None) -> None:
    """In a request: start this web process's runner (start) for a job just queued, or for `job` when it waits with
    no runner on it (claims.stalled: never taken, or its runner's lease ran out)."""
    if job is None or claims.stalled(job):
        start(current_app._get_current_object())


def _run_while_wanted(app: Flask, state: dict) -> None:
    while True:
        with _lock:
            if not state["wanted"]:
                state["thread"] = None
                return
            state["wanted"] = False
        try:
            run_due(app)
        except Exception:  # the database gone away: the jobs stay claimable, the next page view restarts it
            log.exception("job runner stopped")


def wait_idle(app: Flask, timeout: float | None = None) -> bool:
    """Wait for this process's runner to run out of jobs (for tests); True once it has."""
    state = app.extensions.get("job_runner")
    thread = state and state["thread"]
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True
