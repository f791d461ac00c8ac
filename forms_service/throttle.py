"""Sign-in throttling: after repeated wrong passwords for one address, or from one network address,
further attempts are refused for a while, on the web and the API alike.

Failures are audit events (`sign_in_failed`), so every process of the service, on any machine
sharing the database, sees the same count; nothing is kept in one process's memory. Whether the
address belongs to an account is never revealed: an unknown address is throttled the same way.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context, request
from sqlalchemy import func, select

from .audit import record
from .models import AuditEvent, User, db, utcnow

FAILED = "sign_in_failed"


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def _ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def wait_seconds(email: str, now: dt.datetime | None = None) -> int:
    """0 when a sign-in may be tried; otherwise the seconds until it may (whole, at least 1)."""
    now = now or utcnow()
    since = now - _window()
    limits = [(AuditEvent.actor == email, current_app.config["LOGIN_MAX_FAILURES"])]
    if (ip := _ip()) is not None:  # many addresses tried from one place: credential stuffing
        limits.append((AuditEvent.ip == ip, current_app.config["LOGIN_MAX_FAILURES_PER_IP"]))
    wait = 0
    for condition, limit in limits:
        recent = select(AuditEvent.created_at).where(AuditEvent.action == FAILED, condition,
                                                     AuditEvent.created_at > since)
        count = db.session.scalar(select(func.count()).select_from(recent.subquery()))
        if count >= limit:
            # Free again once the oldest failure that still counts has left the window.
            times = sorted(db.session.scalars(recent).all(), reverse=True)[:limit]
            wait = max(wait, int((times[-1] + _window() - now).total_seconds()) + 1)
    return wait


def failed(email: str, user: User | None) -> None:
    """Record a wrong password (or an inactive or unknown account) for `email`."""
    record(FAILED, user=user, actor=email)
    db.session.commit()


def message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (f"Too many sign-in attempts. Wait {minutes} minute{'s' if minutes != 1 else ''} and try again, "
            "or ask your administrator to reset your password.")
