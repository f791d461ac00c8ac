"""The private calendar feed (issue 22, "Reminders"; forms_service/reminders/feed.py, web/calendar_feed.py), on
SQLite and PostgreSQL: made on the user's "Calendar feed" page and shown once; read back with icalendar, its
all-day events on the right dates, with UIDs that stay the same from one fetch to the next, the child's initials
and the record's reference but never a name, text escaped as RFC 5545 says, and a link to the case; scoped as
the due list is (a school's staff, the school's children; an LA officer, the LA's accepted referrals); and a
404 for any token that does not open a feed: made up, too long, replaced, revoked, or ended by a new password."""
from __future__ import annotations

import datetime as dt
import re

from icalendar import Calendar
from sqlalchemy import select

from forms_service.access.auth import replace_password
from forms_service.formatting import local_today
from forms_service.models import AuditEvent, CalendarFeed, User, db

from support import records
from support.helpers import csrf, login, logout, text

NAMES = (records.AMELIA.first, records.AMELIA.last, records.TOBIAS.first, records.TOBIAS.last)


def _make_feed(client, email: str) -> str:
    """Sign in as `email`, make a calendar address on the page, sign out; the address's path."""
    login(client, email)
    page = client.get("/account/calendar")
    assert page.status_code == 200 and 'href="/account/calendar"' in text(page)  # the account bar's link  # the account bar's link
    made = client.post("/account/calendar", data={"csrf_token": csrf(text(page)), "action": "create"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    service = client.application.config["SERVICE_URL"]
    url = re.search(re.escape(service) + r"/calendar/[A-Za-z0-9_-]{43}\.ics", text(made)).group(0)
    assert "This is the only time the address is shown" in text(made)
    # Not shown again: only the SHA-256 of its secret is kept.
    again = text(client.get("/account/calendar"))
    assert url not in again and "It cannot be shown again" in again
    logout(client)
    return url.removeprefix(service)


def _fetch(app, path: str):
    return app.test_client().get(path)  # a calendar app: no session


def _events(response) -> list:
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0"
    return list(calendar.walk("VEVENT"))


def test_a_schools_feed_lists_its_due_items_with_stable_uids_and_no_names(app, client):
    office = records.office(client)
    amelia = records.create_referral(client, office, records.AMELIA, replace_one=False)
    tobias = records.create_referral(client, office, records.TOBIAS, replace_one=False)
    other = records.create_referral(client, records.office(client, "office@other.school"), records.AMELIA,
                                    replace_one=False)
    data = client.get(f"{records.API}/referrals/{amelia}", headers=office).get_json()
    deadline = dt.date.fromisoformat(data["data"]["leave"]["return_date"]) + dt.timedelta(days=28)
    login(client, "office@demo.school")
    assert "You have no calendar address" in text(client.get("/account/calendar"))
    path = _make_feed(client, "office@demo.school")

    response = _fetch(app, path)
    events = _events(response)
    raw = response.get_data(as_text=True)
    assert not any(name in raw for name in NAMES)
    service = app.config["SERVICE_URL"]
    by_record = {}
    for event in events:
        by_record.setdefault(int(str(event["URL"]).rsplit("/", 2)[-2]), []).append(event)
    assert set(by_record) == {amelia, tobias}  # the school's own children; not Other School's
    for rid, initials in ((amelia, "AH"), (tobias, "TN")):
        [leave] = [e for e in by_record[rid] if "penalty notice for leave" in str(e["SUMMARY"])]
        # All day on the deadline: a DATE, and DTEND the day after.
        assert leave["DTSTART"].dt == deadline and not isinstance(leave["DTSTART"].dt, dt.datetime)
        assert leave["DTEND"].dt == deadline + dt.timedelta(days=1)
        reference = client.get(f"{records.API}/referrals/{rid}", headers=office).get_json()["reference"]
        summary = str(leave["SUMMARY"])
        assert f"{initials} ({reference}): Request for a penalty notice for leave" in summary
        assert summary.startswith("Overdue: ") == (deadline < local_today())
        assert str(leave["URL"]) == f"{service}/referrals/{rid}/case"
        # Text escaped per RFC 5545 (a comma is "\,"), and read back as written.
        assert "003, Appendix 8" in str(leave["DESCRIPTION"])
    assert "003\\, Appendix 8" in raw
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids) and all(u.endswith("@" + service.split("//")[1].split(":")[0]) for u in uids)
    # Fetched again: the same events with the same UIDs (a calendar app updates them, adds none).
    assert sorted(str(e["UID"]) for e in _events(_fetch(app, path))) == sorted(uids)

    # Other School's office sees its own child only.
    other_events = _events(_fetch(app, _make_feed(client, "office@other.school")))
    assert {int(str(e["URL"]).rsplit("/", 2)[-2]) for e in other_events} == {other}

    # Made up, too long, not ending .ics: the same 404.
    for bad in ("/calendar/" + "A" * 43 + ".ics", "/calendar/" + "A" * 5000 + ".ics", path.removesuffix(".ics")):
        assert _fetch(app, bad).status_code == 404

    # A new address ends the old one; stopping the feed ends the new one.
    login(client, "office@demo.school")
    newer = client.post("/account/calendar", data={"csrf_token": csrf(text(client.get("/account/calendar"))),
                                                   "action": "create"})
    new_path = re.search(r"/calendar/[A-Za-z0-9_-]{43}\.ics", text(newer)).group(0)
    assert _fetch(app, path).status_code == 404 and _fetch(app, new_path).status_code == 200
    page = text(client.get("/account/calendar"))
    assert "Stop the calendar feed" in page
    stopped = client.post("/account/calendar", data={"csrf_token": csrf(page), "action": "revoke"})
    assert stopped.status_code == 303
    assert "Your calendar feed is stopped" in text(client.get("/account/calendar"))
    assert _fetch(app, new_path).status_code == 404
    # A post that chooses neither changes nothing.
    assert client.post("/account/calendar", data={"csrf_token": csrf(page)}).status_code == 400
    logout(client)
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("calendar_feed_%")).order_by(AuditEvent.id))] == [
            "calendar_feed_created", "calendar_feed_created", "calendar_feed_created", "calendar_feed_revoked"]
        rows = list(db.session.scalars(select(CalendarFeed)))
        assert len(rows) == 1 and all(len(r.token_sha256) == 64 for r in rows)  # Other School's; only a digest

    # A new password (the user's, a reset link's or an administrator's) ends the feed: whoever knew the old
    # password may have made it.
    other_path = _make_feed(client, "office@other.school")
    assert _fetch(app, other_path).status_code == 200
    with app.test_request_context():
        replace_password(db.session.scalar(select(User).filter_by(email="office@other.school")),
                         "another long enough password")
        db.session.commit()
    assert _fetch(app, other_path).status_code == 404


def test_an_la_officers_feed_has_the_las_notices_and_an_admin_has_none(app, client):
    office = records.office(client)
    amelia = records.create_referral(client, office, records.AMELIA, replace_one=False)
    records.create_referral(client, office, records.TOBIAS, replace_one=False)  # a draft: the school's only
    records.sign(client, amelia, office)
    records.decide(client, amelia, "accept")
    issued = records.issue_penalty_notice(client, amelia)

    response = _fetch(app, _make_feed(client, "officer@demo.la"))
    events = _events(response)
    assert not any(name in response.get_data(as_text=True) for name in NAMES)
    assert issued["parent"] not in response.get_data(as_text=True)
    pay_by = sorted(dt.date.fromisoformat(a["pay_by"]) for a in issued["amounts"])
    assert sorted(e["DTSTART"].dt for e in events) == pay_by
    assert all(str(e["URL"]).endswith(f"/referrals/{amelia}/case") and "AH (" in str(e["SUMMARY"])
               and issued["reference"] in str(e["SUMMARY"]) for e in events)
    assert "Attendance: what falls due (Demo Local Authority)" in response.get_data(as_text=True)

    # An administrator lists nothing: no calendar page, no link to one.
    login(client, "admin@demo.la")
    assert client.get("/account/calendar").status_code == 403
    assert 'href="/account/calendar"' not in text(client.get("/admin/"))
