"""Deleting a draft the school does not need (issue 18): a request, letter, agreement, plan or record
started and never used — a request still a draft or sent back before it was ever signed, a document never
marked as sent. Only the staff of its own school (office or headteacher) may.

It goes by the retention purge's own path (retention.remove_record): its evidence and files in storage
(replaced uploads included), its rows and its audit events. What outlives it is one event with no
referral, as the purge's `retention_purged` is: which record (its id, reference and form) and who deleted
it — never the child's details.
"""
from __future__ import annotations

from sqlalchemy import select

from ..audit import record
from ..models import Referral, User, db
from ..referrals.actions import ActionError, form_of, require_school_staff
from .retention import remove_record

ACTION = "draft_deleted"
DELETABLE_STATUSES = ("draft", "sent_back")


def refusal(referral: Referral) -> str | None:
    """Why the record cannot be deleted (a sentence to show), or None if it can."""
    form = form_of(referral)
    noun = form.noun if form is not None else "record"
    if referral.sendings:
        return f"This {noun} has been sent, so it is kept on the child's record and cannot be deleted."
    if referral.status not in DELETABLE_STATUSES or referral.packs:
        # Signed once (or awaiting signature): the LA has it, or will; its history is the record.
        return (f"This {noun} has been submitted for signing, so it is kept on the child's record and cannot "
                "be deleted.")
    return None


def delete_draft(user: User, referral: Referral) -> dict:
    """Delete the draft; {"reference", "form", "noun"} of what was deleted. ActionError: 403 for anyone
    but school staff, 404 for another school's record, 409 for a record that is not a deletable draft."""
    require_school_staff(user, referral)
    # On PostgreSQL, hold the row while deciding, so a submission at the same moment waits and then
    # finds it gone, rather than the deletion removing a request just sent for signing.
    # (The row alone: PostgreSQL locks no outer-joined table, and the school and its LA are joined to it.)
    db.session.execute(select(Referral.id).where(Referral.id == referral.id).with_for_update())
    db.session.refresh(referral)
    if (why := refusal(referral)) is not None:
        raise ActionError(why, status=409)
    form = form_of(referral)
    kept = {"referral_id": referral.id, "reference": referral.reference, "form": referral.form_id,
            "status": referral.status}
    user_id, email, role = user.id, user.email, user.role  # read now: the purge's path detaches every row

    def event():
        kept_event = record(ACTION, actor=email, detail=kept)
        kept_event.user_id, kept_event.role = user_id, role

    remove_record(referral, event)
    return {"reference": kept["reference"], "form": kept["form"], "noun": form.noun if form else "record"}

