"""Limits on what one school can make the service store, and on how often one user can upload or
start a heavy job (issue 14, finding 9). Settings: SCHOOL_STORAGE_QUOTA, UPLOADS_PER_HOUR,
HEAVY_JOBS_PER_HOUR (forms_service/config.py).

Storage: the bytes of every evidence file held for the school's records — the current uploads and
those replaced or removed since, which are kept until their record's retention ends (retention.py)
— counted from the `evidence_uploaded` audit events of the school's records, which name each file's
size and go with the record when it is purged. Checked before a new file is stored, one upload of a
school at a time (check_storage), so the quota is never passed. Not counted:
signed packs (the service makes them at signing, which must never fail for want of room before a
legal deadline, and their evidence is already counted), register marks (kept in the record as data,
one set per record, replaced rather than kept) and bulk-letter zips (made by the service, kept a week,
and bounded by the heavy-job limit).

Rates: a counter per user, kind and clock hour in the database (models.RateCount), so every process
and machine agrees. Taking one is a single conditional UPDATE (`count < limit`), so two requests at
once can never both take the last place; attempts count, not only successes, since the work of
reading a file is done either way.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..errors import LimitReached  # raised here, answered as a 429 by the error handlers
from ..models import AuditEvent, RateCount, Referral, School, User, db, insert_ignoring, utcnow

UPLOAD = "upload"
HEAVY_JOB = "heavy_job"
SETTING = {UPLOAD: "UPLOADS_PER_HOUR", HEAVY_JOB: "HEAVY_JOBS_PER_HOUR"}
WHAT = {UPLOAD: ("upload", "uploads"), HEAVY_JOB: ("whole-school screen or letter run", "whole-school screens or letter runs")}


class StorageQuotaExceeded(Exception):
    """A file that would take its school past SCHOOL_STORAGE_QUOTA; `message` is for the person uploading."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- rates ---------------------------------------------------------------------------------------

def take(user: User, kind: str, *, field: str, now: dt.datetime | None = None) -> None:
    """Count one `kind` for `user` this hour, or raise LimitReached if the hour's limit is used up.
    Commits (the count stands whatever happens next in the request)."""
    limit = current_app.config[SETTING[kind]]
    now = now or utcnow()
    window = now.replace(minute=0, second=0, microsecond=0)
    mine = (RateCount.user_id == user.id) & (RateCount.kind == kind)
    db.session.execute(delete(RateCount).where(mine, RateCount.window_start < window))  # past hours
    db.session.execute(insert_ignoring(RateCount.__table__, db.session.get_bind().dialect.name,
                                       {"user_id": user.id, "kind": kind, "window_start": window, "count": 0}))
    taken = db.session.execute(update(RateCount).where(mine, RateCount.window_start == window,
                                                       RateCount.count < limit)
                               .values(count=RateCount.count + 1)).rowcount
    db.session.commit()
    if not taken:
        wait = max(1, int((window + dt.timedelta(hours=1) - now).total_seconds()))
        raise LimitReached(_rate_message(kind, limit, wait), wait, field)


def _rate_message(kind: str, limit: int, seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (f"You have reached the limit of {limit} {WHAT[kind][limit != 1]} an hour. Wait {minutes} "
            f"minute{'s' if minutes != 1 else ''} and try again; nothing you have already saved is lost.")


def refused_page(page, exc: LimitReached):
    """A page re-shown with the limit's message on its field: a 429 that says when to try again."""
    body = page[0] if isinstance(page, tuple) else page
    return body, 429, {"Retry-After": str(exc.retry_after)}


def purge_expired(now: dt.datetime, report, dry_run: bool) -> None:
    """Remove the counts of hours that are over (the retention of RateCount), in retention.purge's
    transaction as jobs.purge_expired and throttle.purge_expired do; counted in its report."""
    past = RateCount.window_start < now.replace(minute=0, second=0, microsecond=0)
    if count := db.session.scalar(select(func.count()).select_from(RateCount).where(past)):
        report.rows["rate_counts"] += count
        if not dry_run:
            db.session.execute(delete(RateCount).where(past))


# --- storage -------------------------------------------------------------------------------------

def school_bytes(school_id: int) -> int:
    """The bytes of evidence held for the school's records (current, replaced and removed files)."""
    size = AuditEvent.detail["size"].as_integer()
    return db.session.scalar(
        select(func.coalesce(func.sum(size), 0)).join(Referral, Referral.id == AuditEvent.referral_id)
        .where(Referral.school_id == school_id, AuditEvent.action == "evidence_uploaded")) or 0


def check_storage(school_id: int, new_bytes: int) -> None:
    """Raise StorageQuotaExceeded if a new file of `new_bytes` would take the school past its quota."""
    quota = current_app.config["SCHOOL_STORAGE_QUOTA"]
    # The school's uploads take turns from here to their commit, so two at once cannot both fit in the last
    # room: a no-change UPDATE of its row holds that row's lock on PostgreSQL, the write lock on SQLite.
    db.session.execute(update(School).where(School.id == school_id).values(la_id=School.la_id))
    used = school_bytes(school_id)
    if used + new_bytes > quota:
        raise StorageQuotaExceeded(
            f"The file cannot be stored: your school's files take up {_size(used)} of its {_size(quota)} "
            f"allowance, and this file is {_size(new_bytes)}. Files replaced or removed on a record are kept "
            "until its retention period ends. Ask your local authority or the service administrator to raise "
            "the school's allowance.")


def _size(n: int) -> str:
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"
