"""The audit trail: one call records who did what, when and from where (append-only).

Append-only is enforced in the ORM: an AuditEvent that has been written cannot be changed or
deleted through a session (the flush raises AuditTrailError), and neither can a bulk
`update(AuditEvent)` / `delete(AuditEvent)` statement. The one exception is deleting events
whose retention period has passed, inside `retention_purge(session)`; nothing may ever change one.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .models import AuditEvent, Referral, User, db

_PURGE_FLAG = "audit_retention_purge"


class AuditTrailError(RuntimeError):
    """An attempt to change or delete an audit event."""


def record(action: str, *, user: User | None = None, referral: Referral | None = None,
           detail: dict | None = None, actor: str | None = None) -> AuditEvent:
    """Add an event to the current transaction; it commits with the change it describes."""
    event_ = AuditEvent(
        action=action,
        referral_id=referral.id if referral is not None else None,
        user_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else "system"),
        role=user.role if user is not None else None,
        detail=detail,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event_)
    return event_


# Who sees whom in a referral's trail: a school sees each event's actor by name and role, never an
# email address or an IP address (an LA officer's are the LA's, not the school's to know); the LA,
# which answers for the pack, sees everything, as the audit trail recorded it.
SCHOOL_ROLES = ("office", "headteacher")
SERVICE = "Service"  # the worker, a command run by the operator (its account name is the LA's business)


def trail(referral: Referral, viewer: User) -> list[dict]:
    """The referral's events, oldest first, as `viewer` may see them: dicts with created_at, actor,
    role, action, detail and ip (the web page and the API show the same)."""
    events = db.session.scalars(select(AuditEvent).filter_by(referral_id=referral.id).order_by(AuditEvent.id)).all()
    if viewer.role not in SCHOOL_ROLES:
        return [{"created_at": e.created_at, "actor": e.actor, "role": e.role, "action": e.action,
                 "detail": e.detail, "ip": e.ip} for e in events]
    ids = {e.user_id for e in events if e.user_id is not None}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return [{"created_at": e.created_at,
             "actor": SERVICE if e.user_id is None else names.get(e.user_id, "A former user"),
             "role": e.role, "action": e.action, "detail": e.detail, "ip": None} for e in events]


@contextmanager
def retention_purge(session=None):
    """Allow deleting audit events (only deleting, never changing) in this block: for the purge of
    records past their retention period. The caller commits."""
    session = session if session is not None else db.session()
    session.info[_PURGE_FLAG] = True
    try:
        yield session
    finally:
        session.info.pop(_PURGE_FLAG, None)


def _purging(session) -> bool:
    return bool(session is not None and session.info.get(_PURGE_FLAG))


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditTrailError(f"audit event {target.id} cannot be changed: the audit trail is append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    from sqlalchemy.orm import object_session

    if not _purging(object_session(target)):
        raise AuditTrailError(f"audit event {target.id} cannot be deleted: the audit trail is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state):
    """`session.execute(update(AuditEvent)...)`, `delete(...)` and `query(AuditEvent).update()`."""
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or not mapper.isa(AuditEvent.__mapper__):
        return
    if state.is_delete and _purging(state.session):
        return
    raise AuditTrailError("audit events cannot be " + ("changed" if state.is_update else "deleted")
                          + ": the audit trail is append-only")
