"""Telling people it is their turn (issue 17, point 4): the headteacher when a request waits for their
sign-off; whoever submitted it when the headteacher sends it back, or the LA returns or accepts it.

Every message goes through the outbox (kind `school_notice`, text only, retried like the packs),
names the pupil by initials and the reference only, as the pack email does, and links to the page where
the work waits, at SERVICE_URL (never the address a request came in on: a client chooses its Host
header). A school's admin can switch each kind off (School.email_*, SWITCHES).
"""
from __future__ import annotations

from sqlalchemy import select

# FOOTER and link are shared with every email the service writes (delivery/mail.py); named here too for
# the pack's and the LA's messages (referrals/signing.py, la/decisions.py).
from ..delivery.mail import FOOTER, link, service_message_id
from ..formatting import initials
from ..formdefs import get_form
from ..models import AuditEvent, OutboxMessage, Referral, School, User, db
from .changes import Changes

# The School column that switches each kind of message, and what the admin's page calls it.
SWITCHES = {
    "email_head_awaiting_signoff": "The headteachers, when a request is waiting for their sign-off",
    "email_office_sent_back": "Whoever submitted a request, when the headteacher sends it back",
    "email_office_la_decision": "Whoever submitted a request, when the local authority returns or accepts it",
}


def queue(referral: Referral, recipients, subject: str, body: str) -> list[str]:
    """An outbox message to each address (once each); returns the addresses. Not committed."""
    recipients = list(dict.fromkeys(r for r in recipients if r))
    for recipient in recipients:
        db.session.add(OutboxMessage(kind="school_notice", referral_id=referral.id, pack_id=None, recipient=recipient,
                                     subject=subject, body=body, message_id=service_message_id()))
    return recipients


def submitter(referral: Referral) -> User | None:
    """The school user who last submitted the referral, while their account is active at its school."""
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.referral_id == referral.id,
                                                       AuditEvent.action == "submitted")
                              .order_by(AuditEvent.id.desc()).limit(1))
    user = db.session.get(User, event.user_id) if event is not None and event.user_id else None
    return user if user is not None and user.active and user.school_id == referral.school_id else None


def headteachers(school: School) -> list[User]:
    return list(db.session.scalars(select(User).where(User.school_id == school.id, User.role == "headteacher",
                                                      User.active.is_(True)).order_by(User.id)))


def summary_lines(referral: Referral, data: dict | None = None) -> list[str]:
    """Reference, form and the pupil's initials: what every message says the request is."""
    pupil = (data if data is not None else referral.data or {}).get("pupil") or {}
    return [f"Reference: {referral.reference}", f"Form: {get_form(referral.form_id).title}",
            f"Pupil: {initials(pupil)}"]


def change_lines(changes: Changes | None) -> list[str]:
    """The changes since the last signed version, by name only (no answers' values in an email)."""
    if changes is None:
        return []
    if not changes:
        return ["", f"Nothing has changed since version {changes.since}."]
    return ["", f"Changed since version {changes.since}:", *[f"- {line}" for line in changes.headlines()]]


def awaiting_signoff(referral: Referral, submitted_by: User, changes: Changes | None) -> list[str]:
    """To the school's headteachers (not the one who submitted it): a request waits for sign-off."""
    if not referral.school.email_head_awaiting_signoff:
        return []
    heads = [u.email for u in headteachers(referral.school) if u.id != submitted_by.id]
    title = get_form(referral.form_id).title
    body = "\n".join([
        f"{submitted_by.name} has submitted this request. It is waiting for your sign-off before it goes to the "
        "local authority.",
        "",
        *summary_lines(referral),
        *change_lines(changes),
        "",
        f"Review it and sign it, or send it back to the office: {link('signoff.review', referral_id=referral.id)}",
        "",
        FOOTER,
    ]) + "\n"
    return queue(referral, heads, f"[{referral.reference}] Waiting for your sign-off - {title}", body)


def sent_back(referral: Referral, head: User, reason: str) -> list[str]:
    """To whoever submitted it: the headteacher sent the request back, and why."""
    office = submitter(referral)
    if office is None or not referral.school.email_office_sent_back:
        return []
    body = "\n".join([
        f"{head.name}, Head Teacher, has sent this request back to the office before signing it.",
        "",
        *summary_lines(referral),
        "",
        "What needs changing:",
        reason,
        "",
        f"Make the changes and submit it again: {link('referrals.show', referral_id=referral.id)}",
        "",
        FOOTER,
    ]) + "\n"
    return queue(referral, [office.email], f"[{referral.reference}] Sent back by the headteacher", body)


def la_decision_recipients(referral: Referral) -> list[str]:
    """Whoever submitted it, told of the LA's return or acceptance, unless the school switched it off."""
    office = submitter(referral)
    return [office.email] if office is not None and referral.school.email_office_la_decision else []
