"""The audit trail: one call records who did what, when and from where (append-only).

Append-only is enforced in the ORM: an AuditEvent that has been written cannot be changed or
deleted through a session (the flush raises AuditTrailError), and neither can a bulk
`update(AuditEvent)` / `delete(AuditEvent)` statement. The one exception is deleting events
whose retention period has passed, inside `retention_purge(session)`; nothing may ever change one.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import has_request_context, request
from sqlalchemy import event
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
