"""A letter's life once it is made (issue 18): the school records that it sent it — posted, handed over
or emailed, on which day, to which of the parents it names or to someone else — and the record shows it.

Only a document the school issues itself (a letter, agreement, plan or record: any form but a request,
which goes to the LA through sign-off) is sent this way, and only once it can be downloaded (every
answer given, every check passing), as only then can the service have made it. The day is the day it
left: not in the future, and not before the letter's own date (its form's `measure_from` answer: the
letter's date, the meeting's, the plan's). Several sendings may be recorded. Once one is, the letter is
locked (actions.sent_lock) and cannot be deleted (records/deletion.py).

The audit event names the sending, its method and day and which parents by position — never a name.
"""
from __future__ import annotations

import datetime as dt

from ..audit import record
from ..formatting import format_date, local_today
from ..formdefs import get_path
from ..models import SENDING_METHODS, LetterSending, Referral, User, db
from ..text import check_text
from .actions import ActionError, form_of, ready_to_issue, require_school_staff, working_data

METHOD_LABELS = {"posted": "Posted", "handed": "Handed over", "emailed": "Emailed"}
METHOD_VERBS = {"posted": "posted to", "handed": "handed to", "emailed": "emailed to"}
SOMEONE_ELSE = "other"  # the recipients' choice for a person the letter does not name
NAME_LIMIT = 200
FIELDS = ("method", "sent_on", "recipients", "other_name")  # as the errors name them


def sendable(referral: Referral) -> bool:
    """A document the school issues itself (not a request to the LA)."""
    form = form_of(referral)
    return form is not None and not form.sends_to_la


def parents(referral: Referral) -> list[str]:
    """The names of the parents and carers the letter names, in its order (a blank name as 'Parent N')."""
    listed = (referral.data or {}).get("parents") or []
    return [(p.get("name") or "").strip() or f"Parent {i + 1}" if isinstance(p, dict) else f"Parent {i + 1}"
            for i, p in enumerate(listed)]


def letter_date(referral: Referral) -> dt.date | None:
    """The document's own date (its form's `measure_from` answer), if given."""
    form = form_of(referral)
    value = get_path(working_data(referral), form.measure_from) if form is not None else None
    return value if isinstance(value, dt.date) else None


def record_sending(user: User, referral: Referral, *, method, sent_on: dt.date | None, chosen,
                   other_name=None, date_error: str | None = None) -> LetterSending:
    """Record one sending. `chosen`: the recipients ticked, each a parent's position as text ("0", "1")
    or SOMEONE_ELSE with `other_name`. `date_error`: the date's boxes could not be read (the message).
    ActionError 422 naming each field at fault (FIELDS); 409 when the document cannot be sent."""
    require_school_staff(user, referral)
    form = form_of(referral)
    if not sendable(referral):
        raise ActionError("A request goes to the local authority when the headteacher signs it: it is not "
                          "marked as sent", status=409)
    missing, verdict = ready_to_issue(referral)
    if missing or not verdict.eligible:
        raise ActionError(f"Complete the {form.noun} first: it can be marked as sent once it can be downloaded",
                          status=409)
    errors: dict[str, list[str]] = {}
    if method not in SENDING_METHODS:
        errors["method"] = [f"Select how the {form.noun} was sent"]
    if date_error or sent_on is None:
        errors["sent_on"] = [date_error or f"Enter the date the {form.noun} was sent"]
    elif sent_on > local_today():
        errors["sent_on"] = ["The date it was sent must be today or in the past"]
    elif (dated := letter_date(referral)) is not None and sent_on < dated:
        errors["sent_on"] = [f"The date it was sent must be on or after the {form.noun}'s date ({format_date(dated)})"]
    names = parents(referral)
    chosen = [c for c in (chosen or []) if isinstance(c, str)]
    recipients: list[dict] = []
    for index, name in enumerate(names):
        if str(index) in chosen:
            recipients.append({"parent": index, "name": name})
    unknown = [c for c in chosen if c != SOMEONE_ELSE and c not in {str(i) for i in range(len(names))}]
    if unknown:
        errors["recipients"] = [f"Select who the {form.noun} was sent to from the people listed"]
    elif SOMEONE_ELSE in chosen:
        other, problem = check_text(other_name, label="the name of the person it was sent to", max_length=NAME_LIMIT,
                                    multiline=False, required="Enter the name of the person it was sent to")
        if problem:
            errors["other_name"] = [problem]
        else:
            recipients.append({"parent": None, "name": other})
    elif not recipients:
        errors["recipients"] = [f"Select who the {form.noun} was sent to"]
    if errors:
        raise ActionError(f"Some details of how the {form.noun} was sent need correcting", errors=errors)
    sending = LetterSending(referral=referral, method=method, sent_on=sent_on, recipients=recipients,
                            recorded_by_id=user.id)
    db.session.add(sending)
    db.session.flush()
    record("letter_sent", user=user, referral=referral, detail={
        "sending": sending.id, "method": method, "sent_on": sent_on.isoformat(),
        "parents": [r["parent"] for r in recipients if r["parent"] is not None],
        "someone_else": any(r["parent"] is None for r in recipients)})
    db.session.commit()
    return sending


def to_whom(sending: LetterSending) -> str:
    """'Mrs X', 'Mrs X and Mr Y', 'A, B and C'."""
    names = [r.get("name") or "" for r in sending.recipients or []]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def sendings_view(referral: Referral) -> list[dict]:
    """Each sending, oldest first, as the pages, the API and a subject access export show it."""
    return [{"id": s.id, "method": s.method, "method_label": METHOD_LABELS.get(s.method, s.method),
             "summary": f"{METHOD_VERBS.get(s.method, s.method)} {to_whom(s)} on {format_date(s.sent_on)}",
             "sent_on": s.sent_on, "recipients": [dict(r) for r in s.recipients or []],
             "recorded_by": s.recorded_by.name, "recorded_by_email": s.recorded_by.email, "recorded_at": s.recorded_at}
            for s in referral.sendings]
