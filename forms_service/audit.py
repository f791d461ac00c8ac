"""The audit trail: one call records who did what, when and from where (append-only)."""
from __future__ import annotations

from flask import has_request_context, request

from .models import AuditEvent, Referral, User, db


def record(action: str, *, user: User | None = None, referral: Referral | None = None,
           detail: dict | None = None, actor: str | None = None) -> AuditEvent:
    """Add an event to the current transaction; it commits with the change it describes."""
    event = AuditEvent(
        action=action,
        referral_id=referral.id if referral is not None else None,
        user_id=user.id if user is not None else None,
        actor=actor or (user.email if user is not None else "system"),
        role=user.role if user is not None else None,
        detail=detail,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
