"""Claiming background jobs (letters in bulk, LA screens): a job is a row any process may take, by a conditional
UPDATE that only one process's statement matches (the outbox claims mail the same way, delivery/outbox.py), and
holds for a lease that its runner renews as it goes. A runner that dies (a crash, a SIGKILL, the machine gone)
stops renewing; once the lease ends the next runner takes the job over from the start. A job taken MAX_ATTEMPTS
times without finishing fails with a message saying so, rather than being taken for ever.

Why not a job library: Huey keeps its queue in Redis or SQLite (not PostgreSQL), Procrastinate in PostgreSQL only,
Dramatiq in Redis or RabbitMQ; the service runs on SQLite by default and PostgreSQL in production, and already
claims its mail this way, tested with two processes. So jobs live in the service's own database.

A job model has the columns `status` ("queued", "running", "done", "failed"; "pending" rows are never claimed),
`claim`, `claimed_until`, `claimed_by`, `attempts`, `started_at`, `finished_at` and `error`.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket

from flask import current_app
from sqlalchemy import or_, select, update

from .models import db, utcnow

MAX_ATTEMPTS = 3
DIED = ("The service stopped {n} times while working on this (the process running it ended before it finished), so "
        "it was not tried again. Nothing was sent to anyone; start again, and if it happens again tell the service's "
        "administrators.")


def lease() -> dt.timedelta:
    """How long a claim holds unless renewed (JOB_LEASE_SECONDS): how long a job whose runner died waits."""
    return dt.timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


class LostClaim(Exception):
    """Another process has taken the job over (this one's lease ended): stop quietly."""


def claimable(model, now: dt.datetime):
    """Queued, or running with a lease nobody renewed."""
    return or_(model.status == "queued", (model.status == "running") & (model.claimed_until < now))


def claim_next(model, lease: dt.timedelta, now: dt.datetime | None = None, *, start: dict | None = None,
               give_up: dict | None = None) -> tuple[int, str] | None:
    """Claim the oldest job of `model` waiting (or whose runner stopped renewing): (id, claim token), or None.
    `start`: more values set as it is claimed (the work done so far, started again from nothing). A job already
    taken MAX_ATTEMPTS times is failed instead, with `give_up`'s values (what it held cleared), and the next is
    looked at."""
    now = now or utcnow()
    candidates = list(db.session.execute(select(model.id, model.attempts).where(claimable(model, now))
                                         .order_by(model.id)))
    db.session.commit()
    for job_id, attempts in candidates:
        if attempts >= MAX_ATTEMPTS:
            _give_up(model, job_id, attempts, now, give_up or {})
            continue
        token = secrets.token_hex(16)
        # Only one process's UPDATE matches: the row no longer qualifies once claimed (nor once attempts moved on).
        changed = db.session.execute(
            update(model).where(model.id == job_id, model.attempts == attempts, claimable(model, now))
            .values(status="running", claim=token, claimed_until=now + lease, started_at=now,
                    claimed_by=runner_name(), attempts=attempts + 1, **(start or {}))
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if changed == 1:
            return job_id, token
    return None


def runner_name() -> str:
    """This process, as an operator finds it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _give_up(model, job_id: int, attempts: int, now: dt.datetime, values: dict) -> None:
    db.session.execute(
        update(model).where(model.id == job_id, model.attempts == attempts, claimable(model, now))
        .values(status="failed", error=DIED.format(n=attempts), finished_at=now, claim=None, claimed_until=None,
                **values)
        .execution_options(synchronize_session=False))
    db.session.commit()


def update_claimed(model, job_id: int, token: str, **values) -> None:
    """Write `values` to the job while this runner's claim holds; LostClaim if another has taken it over."""
    changed = db.session.execute(
        update(model).where(model.id == job_id, model.claim == token)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if changed != 1:
        raise LostClaim(job_id)


def finish(model, job_id: int, token: str, **values) -> None:
    """The job done: its claim released."""
    update_claimed(model, job_id, token, status="done", finished_at=utcnow(), claim=None, claimed_until=None,
                   **values)


def fail(model, job_id: int, token: str, message: str, **values) -> None:
    """The job failed with `message` (for its page); a runner that has lost the claim leaves it to the new one."""
    try:
        update_claimed(model, job_id, token, status="failed", error=message[:2000], finished_at=utcnow(), claim=None,
                       claimed_until=None, **values)
    except LostClaim:
        pass


def stalled(job, now: dt.datetime | None = None) -> bool:
    """Waiting with no runner on it: queued, or running with a lease nobody renewed."""
    now = now or utcnow()
    return job.status == "queued" or (job.status == "running" and job.claimed_until is not None
                                      and job.claimed_until < now)
