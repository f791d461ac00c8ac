"""A private calendar feed (issue 22, "Reminders"): what falls due, as the user's due list gives it
(cases/lists.due_list: a school's staff, the school's children; an LA officer, the LA's accepted referrals), as
all-day events an Outlook or Google calendar subscribes to at a secret address, `/calendar/<token>.ics`.

- The secret: `secrets.token_urlsafe(32)` (256 bits); only its SHA-256 is stored (models.CalendarFeed), as API
  tokens and reset links are, so the database holds nothing that opens a feed. Shown once, when made; one per
  user: making a new address ends the old one; revoking deletes it. The account's password replaced (by the
  user, a reset link or an administrator) or the account deactivated ends it too (access/auth.revoke_tokens):
  whoever knew the old password may have made one.
- Looking a token up costs the same whatever it is: any token is hashed (cut to MAX_TOKEN first), the hash is
  looked up by its unique index and compared in constant time; a wrong, revoked or malformed token, or one whose
  account is deactivated or may no longer list, is the same 404. Guessing is hopeless at 256 bits, so there is no
  throttle beyond that.
- The events: what is due from today up to a year ahead, and what is overdue (its summary says so), each with a
  UID made from what it is (the record, the notice, its kind and words), not from its date or place in the list,
  so a calendar app updates an event whose date moves rather than adding another. The summary and description
  give the child's initials and the record's reference, never a name, and the event links to the case.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import delete, select

from ..audit import record
from ..cases.lists import Row, due_list, may_list
from ..formatting import format_date
from ..models import CalendarFeed, User, db, utcnow
from .links import case_url

AHEAD_DAYS = 366  # a year ahead: a Final Warning's 10 school weeks, a review's date, a notice's 28 days
MAX_TOKEN = 100  # longer than any token made (43 characters): longer ones are cut before hashing
PRODID = "-//Attendance legal-intervention forms service//Calendar feed//EN"


def token_hash(token: str) -> str:
    return hashlib.sha256(token[:MAX_TOKEN].encode("utf-8", "replace")).hexdigest()


def feed_url(token: str) -> str:
    return current_app.config["SERVICE_URL"] + f"/calendar/{token}.ics"


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create(user: User) -> str:
    """A new secret address for `user`'s feed, replacing any they had; the token (shown once). Commits."""
    token = secrets.token_urlsafe(32)
    replaced = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id),
                                  execution_options={"synchronize_session": False}).rowcount
    db.session.add(CalendarFeed(user_id=user.id, token_sha256=token_hash(token)))
    record("calendar_feed_created", user=user, detail={"replaced": bool(replaced)})
    db.session.commit()
    return token


def revoke(user: User) -> bool:
    """End `user`'s feed; False if they had none. Commits."""
    gone = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id),
                              execution_options={"synchronize_session": False}).rowcount
    if gone:
        record("calendar_feed_revoked", user=user)
    db.session.commit()
    return bool(gone)


def find(token: str) -> User | None:
    """The user whose feed this token opens, while it works; None for any other token (the module's note)."""
    digest = token_hash(token if isinstance(token, str) else "")
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_sha256 == digest))
    matches = hmac.compare_digest(feed.token_sha256 if feed is not None else "0" * 64, digest)
    if feed is None or not matches or not feed.user.active or not may_list(feed.user):
        return None
    return feed.user


def _uid(row: Row, domain: str, seen: set[str]) -> str:
    item = row.item
    what = f"{item.record_id}|{item.notice_id or ''}|{item.kind}|{item.what}"
    uid = hashlib.sha256(what.encode()).hexdigest()[:32]
    while uid in seen:  # the same words twice on one record: kept apart, in date order
        uid = hashlib.sha256(uid.encode()).hexdigest()[:32]
    seen.add(uid)
    return f"{uid}@{domain}"


def _event(row: Row, overdue: bool, uid: str, stamp: dt.datetime) -> Event:
    item = row.item
    reference = row.reference or "no reference yet"
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", item.due_on)
    event.add("dtend", item.due_on + dt.timedelta(days=1))  # all day: DTEND is the next day (RFC 5545 3.6.1)
    event.add("summary", f"{'Overdue: ' if overdue else ''}{row.initials or '?'} ({reference}): {item.what}")
    link = case_url(item.record_id)
    event.add("description", "\n".join([
        f"{'Overdue since' if overdue else 'Due on'} {format_date(item.due_on)}: {item.what}",
        f"Pupil: {row.initials or '?'}. Reference: {reference}.", f"Why: {item.source}", "", f"The case: {link}"]))
    event.add("url", link)
    event.add("categories", [item.kind.replace("_", " ")])
    event.add("transp", "TRANSPARENT")  # a reminder, not time taken
    return event


def calendar_name(user: User) -> str:
    where = user.school.name if user.school is not None else (user.la.name if user.la is not None else "")
    return f"Attendance: what falls due{f' ({where})' if where else ''}"


def ics(user: User, today: dt.date) -> bytes:
    """The user's feed as of `today`, as iCalendar text (RFC 5545; icalendar escapes the text values)."""
    due, overdue = due_list(user, today, AHEAD_DAYS)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name(user))
    # How often to fetch it again (RFC 7986; Outlook reads the X- one): the list changes by the day.
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    domain = urlsplit(current_app.config["SERVICE_URL"]).hostname or "localhost"
    stamp, seen = utcnow().replace(microsecond=0), set()
    for row, late in [(r, True) for r in overdue] + [(r, False) for r in due]:
        cal.add_component(_event(row, late, _uid(row, domain, seen), stamp))
    return cal.to_ical()
