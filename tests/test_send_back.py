"""The headteacher's send-back, made visible (issue 17, point 1): its own status `sent_back` ("Sent back by
the headteacher") in the school's list, a banner with the reason on the referral and check pages, an
email to the office user who submitted it (reference and initials, never the child's name), and
`POST /api/v1/referrals/<id>/send-back` with `sent_back: {reason, by, at}` on the referral. SQLite and
PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forms_service.models import AuditEvent, OutboxMessage, db

from support.helpers import api_token, bearer, login, submitted_request, text
from support.snapshot import made_once

API = "/api/v1"
REASON = "Add the father's <b>address</b>: he has parental responsibility."


@pytest.fixture
def submitted(app, client, backend, setups_made_once) -> tuple[int, dict, dict]:
    """`submitted_request(client)`: a request submitted for the head to sign. Made once per backend (three evidence
    PDFs rendered) and restored into each test's own database and storage, as every test here sends it back."""
    return made_once(setups_made_once, backend, app, lambda: submitted_request(client))


def test_sent_back_has_its_own_status_reason_and_email_then_goes_again(app, client, submitted):
    rid = submitted[0]
    head = bearer(api_token(client, "head@demo.school"))
    office = bearer(api_token(client, "office@demo.school"))
    sent = client.post(f"{API}/referrals/{rid}/send-back", headers=head, json={"reason": REASON})
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert body["status"] == "sent_back"
    assert body["sent_back"]["reason"] == REASON and body["sent_back"]["by"] == "Harriet Head"
    assert body["sent_back"]["at"]
    shown = client.get(f"{API}/referrals/{rid}", headers=office).get_json()
    assert shown["status"] == "sent_back" and shown["sent_back"] == body["sent_back"]

    # The office user who submitted it is told, with the reference and the pupil's initials only.
    with app.app_context():
        sent = db.session.scalars(select(OutboxMessage).filter_by(referral_id=rid, kind="school_notice")).all()
        # The first is the headteacher's "waiting for your sign-off" (tests/test_turn_emails.py).
        [message] = [m for m in sent if "Sent back" in m.subject]
        assert message.recipient == "office@demo.school"
        assert message.subject == f"[{body['reference']}] Sent back by the headteacher"
        assert REASON in message.body and "Pupil: O.B." in message.body
        assert "Oliver" not in message.body and "Bennett" not in message.body
        event = db.session.scalar(select(AuditEvent).filter_by(referral_id=rid, action="sent_back_by_head"))
        assert event.detail == {"reason": REASON, "notified": ["office@demo.school"]}

    # The office changes it and submits again; it is no longer sent back.
    changed = client.patch(f"{API}/referrals/{rid}", headers=office,
                           json={"data": {"pupil": {"year_group": "Year 8"}}, "version": shown["version"]})
    assert changed.status_code == 200, changed.get_json()
    again = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert again.status_code == 200 and again.get_json()["status"] == "awaiting_signoff"
    assert again.get_json()["sent_back"] is None


def test_who_may_send_back_and_when(app, client, submitted):
    rid = submitted[0]
    for email, status in (("office@demo.school", 403), ("head@other.school", 404), ("officer@demo.la", 404)):
        response = client.post(f"{API}/referrals/{rid}/send-back", headers=bearer(api_token(client, email)),
                               json={"reason": REASON})
        assert response.status_code == status, email
    head = bearer(api_token(client, "head@demo.school"))
    empty = client.post(f"{API}/referrals/{rid}/send-back", headers=head, json={"reason": "  "})
    assert empty.status_code == 422 and empty.get_json()["errors"]["reason"] == [
        "Enter what needs changing (up to 2000 characters)"]
    assert client.post(f"{API}/referrals/{rid}/send-back", headers=head, json={"reason": REASON}).status_code == 200
    twice = client.post(f"{API}/referrals/{rid}/send-back", headers=head, json={"reason": REASON})
    assert twice.status_code == 409


def test_the_office_sees_it_in_the_list_and_a_banner_on_its_pages(app, client, submitted):
    rid = submitted[0]
    head = bearer(api_token(client, "head@demo.school"))
    assert client.post(f"{API}/referrals/{rid}/send-back", headers=head, json={"reason": REASON}).status_code == 200
    login(client, "office@demo.school")
    listing = text(client.get("/referrals/"))
    assert "Sent back by the headteacher" in listing
    for url in (f"/referrals/{rid}", f"/referrals/{rid}/check"):
        page = text(client.get(url))
        assert 'id="sent-back"' in page and "Harriet Head sent this request back on" in page, url
        assert "Add the father&#39;s &lt;b&gt;address&lt;/b&gt;" in page, url  # the reason, escaped
