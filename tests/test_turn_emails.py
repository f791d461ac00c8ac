"""People told when it is their turn (issue 17, point 4), through the outbox to a real SMTP server on
loopback: the headteacher when a request waits for sign-off; whoever submitted it when the head sends it
back, or the LA returns or accepts it. Each message has a working link at SERVICE_URL and no child's
full name; each kind can be switched off per school. SQLite and PostgreSQL."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from forms_service.access.accounts import create_user
from forms_service.config import Config
from forms_service.models import AuditEvent, OutboxMessage, School, db

from conftest import LA_INBOX, PASSWORD
from support.helpers import (EVIDENCE_KINDS, FORM_ID, api_token, bearer, csrf, json_data, login, logout, make_pdf,
                             register_json_for, sign_as_head, submitted_request, text)
from support.smtp_server import Mailbox, smtp_sink  # noqa: F401  (fixture)

API = "/api/v1"
SERVICE_URL = "https://attendance-forms.demo-borough.gov.uk"
TITLE = "Request to issue a Penalty Notice for leave of absence taken in term time"
LINK = re.compile(r"https?://\S+")
PUPIL = json_data()["pupil"]
CORRECTED_ADDRESS = "14 Marsh Lane, Westcliff-on-Sea, SS0 7PQ"


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def follow(client, message, email: str) -> str:
    """Every link in the message is the service's, and works for `email`: the page it leads to."""
    links = LINK.findall(body(message))
    assert links, message["Subject"]
    pages = []
    for link in links:
        assert link.startswith(SERVICE_URL + "/"), link
        login(client, email)
        response = client.get(urlsplit(link).path)
        assert response.status_code == 200, (link, response.status_code)
        pages.append(text(response))
        logout(client)
    return "\n".join(pages)


def no_full_name(messages) -> None:
    for message in messages:
        for part in (message["Subject"], body(message)):
            assert PUPIL["first_name"] not in part and PUPIL["last_name"] not in part, message["Subject"]


@pytest.fixture
def mail(app, smtp_sink):  # noqa: F811
    app.config["SMTP_URL"] = smtp_sink.url
    app.config["SERVICE_URL"] = SERVICE_URL
    return Mailbox(app, smtp_sink)


def test_one_journey_tells_each_person_in_turn_and_nobody_else(app, client, mail):
    rid, office, head = submitted_request(client)
    officer = bearer(api_token(client, "officer@demo.la"))
    reference = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["reference"]
    received = []

    # 1. The office submits: the head is told it waits for their sign-off.
    [waiting] = mail.new()
    assert (waiting["To"], waiting["Subject"]) == ("head@demo.school", f"[{reference}] Waiting for your sign-off - {TITLE}")
    assert "Pupil: O.B." in body(waiting) and "Changed since" not in body(waiting)
    assert "Declaration" in follow(client, waiting, "head@demo.school")  # the sign-off page
    received.append(waiting)

    # 2. The head sends it back: the office user who submitted it is told why.
    assert client.post(f"{API}/referrals/{rid}/send-back", headers=head,
                       json={"reason": "Add the father's address."}).status_code == 200
    [sent_back] = mail.new()
    assert (sent_back["To"], sent_back["Subject"]) == ("office@demo.school", f"[{reference}] Sent back by the headteacher")
    assert "Add the father's address." in body(sent_back)
    assert "Sent back by the headteacher" in follow(client, sent_back, "office@demo.school")
    received.append(sent_back)

    # 3. Submitted again: the head again; 4. signed: the pack goes to the LA, with a link to check it.
    assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    [waiting_again] = mail.new()
    assert waiting_again["To"] == "head@demo.school" and "Waiting for your sign-off" in waiting_again["Subject"]
    sign_as_head(client, rid, head)
    [pack] = mail.new()
    assert (pack["To"], pack["Subject"]) == (LA_INBOX, f"[{reference}] {TITLE} - Demo School")
    assert f"Referral {reference}" in follow(client, pack, "officer@demo.la")
    received += [waiting_again, pack]

    # 5. The LA returns it: the school's notice (no attendance contact: its headteachers) and the office.
    assert client.post(f"{API}/referrals/{rid}/decision", headers=officer,
                       json={"decision": "return", "reasons": "The father's address is missing."}).status_code == 200
    returned = mail.new()
    assert [(m["To"], m["Subject"]) for m in returned] == [
        ("head@demo.school", f"[{reference}] Returned by the local authority - {TITLE}"),
        ("office@demo.school", f"[{reference}] Returned by the local authority - {TITLE}")]
    assert "Returned by the LA" in follow(client, returned[1], "office@demo.school")
    received += returned

    # 6. Corrected and submitted: the head's message says what changed, by name, never the new value.
    client.patch(f"{API}/referrals/{rid}", headers=office, json={"data": {"pupil": {"address": CORRECTED_ADDRESS}}})
    assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    [corrected] = mail.new()
    assert "Changed since version 1:\n- Answer changed: Child's home address" in body(corrected)
    assert CORRECTED_ADDRESS not in body(corrected)
    assert "What changed since version 1" in follow(client, corrected, "head@demo.school")
    # 7. Signed as version 2: the LA's email says what changed too.
    sign_as_head(client, rid, head)
    [pack_v2] = mail.new()
    assert "(version 2)" in body(pack_v2) and "- Answer changed: Child's home address" in body(pack_v2)
    assert CORRECTED_ADDRESS not in body(pack_v2)
    received += [corrected, pack_v2]

    # 8. Accepted: the office is told.
    assert client.post(f"{API}/referrals/{rid}/decision", headers=officer, json={"decision": "accept"}).status_code == 200
    [accepted] = mail.new()
    assert (accepted["To"], accepted["Subject"]) == (
        "office@demo.school", f"[{reference}] Accepted by the local authority - {TITLE}")
    assert "Accepted by: Lena Officer, Demo Local Authority" in body(accepted)
    assert "Accepted by the LA" in follow(client, accepted, "office@demo.school")
    received.append(accepted)

    # Exactly these, in this order, each naming the pupil by initials only.
    assert [m["To"] for m in mail.sink.messages()] == [m["To"] for m in received] == [
        "head@demo.school", "office@demo.school", "head@demo.school", LA_INBOX, "head@demo.school",
        "office@demo.school", "head@demo.school", LA_INBOX, "office@demo.school"]
    no_full_name(received)
    with app.app_context():
        events = {e.action: e.detail for e in db.session.scalars(select(AuditEvent).filter_by(referral_id=rid))}
        assert events["accepted_by_la"]["notified"] == ["office@demo.school"]
        assert events["submitted"]["notified"] == ["head@demo.school"]


def _switch_off(client, names: list[str]) -> None:
    """The LA's admin unticks `names` on the school's page (the other boxes stay ticked)."""
    login(client, "admin@demo.la")
    with client.application.app_context():
        school_id = db.session.scalar(select(School.id).filter_by(name="Demo School"))
    page = client.get(f"/admin/schools/{school_id}")
    html = text(page)
    for name in ("email_head_awaiting_signoff", "email_office_sent_back", "email_office_la_decision"):
        assert re.search(rf'value="{name}"\s+checked', html), name  # all on until switched off
    keep = [n for n in ("email_head_awaiting_signoff", "email_office_sent_back", "email_office_la_decision")
            if n not in names]
    saved = client.post(f"/admin/schools/{school_id}", data={"csrf_token": csrf(html), "name": "Demo School",
                                                             "attendance_email": "", "turn_emails": keep})
    assert saved.status_code == 302, text(saved)
    logout(client)


def test_a_school_can_switch_each_message_off(app, client, mail):
    _switch_off(client, ["email_head_awaiting_signoff", "email_office_la_decision"])
    with app.app_context():
        school = db.session.scalar(select(School).filter_by(name="Demo School"))
        assert (school.email_head_awaiting_signoff, school.email_office_sent_back,
                school.email_office_la_decision) == (False, True, False)
        event = db.session.scalar(select(AuditEvent).filter_by(action="admin_school_updated"))
        assert event.detail["changes"]["email_head_awaiting_signoff"] == {"from": True, "to": False}
    rid, office, head = submitted_request(client)
    assert mail.new() == []  # the head is not told
    assert client.post(f"{API}/referrals/{rid}/send-back", headers=head, json={"reason": "Check the dates."}).status_code == 200
    assert [m["To"] for m in mail.new()] == ["office@demo.school"]  # still on
    assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    sign_as_head(client, rid, head)
    officer = bearer(api_token(client, "officer@demo.la"))
    client.post(f"{API}/referrals/{rid}/decision", headers=officer, json={"decision": "return", "reasons": "Unsigned."})
    # The LA's notice to the school always goes (its headteachers); the office's own copy is off.
    assert [m["To"] for m in mail.new()] == [LA_INBOX, "head@demo.school"]


def test_a_head_who_submits_is_not_told_but_the_other_heads_are(app, client, mail):
    with app.app_context():
        school = db.session.scalar(select(School).filter_by(name="Demo School"))
        create_user("deputy.head@demo.school", PASSWORD, "headteacher", "Dev Deputy", school=school)
        db.session.commit()
    head = bearer(api_token(client, "head@demo.school"))
    data = json_data()
    created = client.post(f"{API}/referrals", headers=head,
                          json={"form": FORM_ID, "data": data, "register": register_json_for(data)})
    rid = created.get_json()["id"]
    for kind in EVIDENCE_KINDS:
        client.post(f"{API}/referrals/{rid}/evidence", headers=head, content_type="multipart/form-data",
                    data={"kind": kind, "file": (io.BytesIO(make_pdf(kind)), f"{kind}.pdf")})
    assert client.post(f"{API}/referrals/{rid}/submit", headers=head).status_code == 200
    [message] = mail.new()
    assert message["To"] == "deputy.head@demo.school"
    assert "Harriet Head has submitted this request" in body(message)


def test_links_use_the_configured_address_never_the_request_host(app, client, mail):
    rid, office, head = submitted_request(client)
    sent = client.post(f"{API}/referrals/{rid}/send-back", headers={**head, "Host": "evil.example"},
                       json={"reason": "Check it."}, base_url="http://evil.example")
    assert sent.status_code == 200
    with app.app_context():
        bodies = db.session.scalars(select(OutboxMessage.body).filter_by(referral_id=rid)).all()
    assert len(bodies) == 2  # the head's "waiting", the office's "sent back"
    assert all("evil.example" not in b and f"{SERVICE_URL}/referrals/{rid}" in b for b in bodies)


@pytest.mark.parametrize("value, problem", [
    ("javascript:alert(1)", "must be the service's address"),
    ("https://forms.example.gov.uk/?next=evil", "must be the service's address"),
    ("https://user:pw@forms.example.gov.uk", "must be the service's address"),
    ("ftp://forms.example.gov.uk", "must be the service's address"),
    ("https://forms.example.gov.uk:99999", "invalid port"),
])
def test_a_bad_service_url_stops_the_service_starting(value, problem):
    with pytest.raises(ValueError, match=problem):
        Config({"SERVICE_URL": value})


def test_the_service_url_defaults_to_the_local_port_and_loses_a_trailing_slash():
    assert Config({}).SERVICE_URL == "http://localhost:5000"
    assert Config({"PORT": "5079"}).SERVICE_URL == "http://localhost:5079"
    assert Config({"SERVICE_URL": "https://forms.example.gov.uk/attendance/"}).SERVICE_URL == \
        "https://forms.example.gov.uk/attendance"
