"""The signature is the signed-in account (issue 17, point 2): a head cannot sign as someone else; the
typed name must be their account's (case and spacing aside); the documents print the account's name
and role, an acting head says on whose behalf; the manifest, the audit event and the LA's email name the
account and where it signed from; `forms-service verify` shows it (tests/test_verify.py). SQLite and
PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from forms_service.delivery import outbox as delivery
from forms_service.models import AuditEvent, OutboxMessage, User, db

from support.doctext import docx_text, pdf_text, squash
from support.helpers import api_token, bearer, csrf, login, submitted_request, text
from support.snapshot import made_once

API = "/api/v1"


@pytest.fixture
def submitted(app, client, backend, setups_made_once) -> tuple[int, dict, dict]:
    """`submitted_request(client)`: a request submitted for the head to sign. Made once per backend (three evidence
    PDFs rendered) and restored into each test's own database and storage, as every test here signs it."""
    return made_once(setups_made_once, backend, app, lambda: submitted_request(client))


def _file(client, rid: int, role: str, headers) -> bytes:
    files = client.get(f"{API}/referrals/{rid}/documents", headers=headers).get_json()
    name = next(f["name"] for f in files if f["role"] == role)
    return client.get(f"{API}/referrals/{rid}/documents/{name}", headers=headers).data


def test_a_head_cannot_sign_as_someone_else(app, client, submitted):
    rid = submitted[0]
    head = bearer(api_token(client, "head@demo.school"))
    refused = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": "Mickey Mouse", "declaration": True})
    assert refused.status_code == 422
    [message] = refused.get_json()["errors"]["name"]
    assert "Harriet Head" in message and "your own name" in message
    # Nothing was signed, nothing queued for the LA.
    assert client.get(f"{API}/referrals/{rid}", headers=head).get_json()["status"] == "awaiting_signoff"
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id).filter_by(kind="la_pack")) is None


def test_the_account_signs_and_every_record_names_it(app, client, submitted):
    rid = submitted[0]
    head = bearer(api_token(client, "head@demo.school"))
    # Case and spacing aside, it is her name; the documents print it as her account has it.
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": "  harriet   HEAD ", "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    with app.app_context():
        account = db.session.scalar(select(User).filter_by(email="head@demo.school"))
        expected = {"id": account.id, "email": "head@demo.school", "name": "Harriet Head", "role": "headteacher"}
    statement = "Signed electronically by Harriet Head, Head Teacher, on"
    assert statement in squash(pdf_text(_file(client, rid, "form_pdf", head)))
    assert statement in squash(docx_text(_file(client, rid, "form_docx", head)))
    manifest = json.loads(_file(client, rid, "manifest", head))
    assert manifest["signed"]["name"] == "Harriet Head"
    assert manifest["signed"]["account"] == expected and manifest["signed"]["client_address"] == "127.0.0.1"
    assert "on_behalf_of" not in manifest["signed"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(referral_id=rid, action="signed"))
        assert event.detail["account"] == expected and event.ip == "127.0.0.1"
        body = db.session.scalar(select(OutboxMessage.body).filter_by(referral_id=rid, kind="la_pack"))
    assert "Signed by: Harriet Head, Head Teacher, on" in body
    assert f"Signing account: head@demo.school (headteacher, account {expected['id']})" in body


def test_an_acting_head_signs_as_themselves_on_behalf_of_the_head(app, client, submitted):
    rid = submitted[0]
    head = bearer(api_token(client, "head@demo.school"))
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={
        "name": "Harriet Head", "declaration": True, "on_behalf_of": "the headteacher, Mrs A Okafor"})
    assert signed.status_code == 200, signed.get_json()
    statement = "Signed electronically by Harriet Head, Head Teacher, on behalf of the headteacher, Mrs A Okafor, on"
    assert statement in squash(pdf_text(_file(client, rid, "form_pdf", head)))
    assert statement in squash(docx_text(_file(client, rid, "form_docx", head)))
    assert json.loads(_file(client, rid, "manifest", head))["signed"]["on_behalf_of"] == "the headteacher, Mrs A Okafor"
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).filter_by(referral_id=rid, kind="la_pack"))
    assert "Signed by: Harriet Head, Head Teacher, on behalf of the headteacher, Mrs A Okafor, on" in body


def test_the_sign_page_names_the_field_when_the_name_is_not_the_account(app, client, submitted):
    rid = submitted[0]
    login(client, "head@demo.school")
    page = text(client.get(f"/referrals/{rid}/sign"))
    assert "on whose behalf" in page
    response = client.post(f"/referrals/{rid}/sign", data={"csrf_token": csrf(page), "declaration": "y",
                                                         "name": "Mickey Mouse"})
    assert response.status_code == 422
    summary = text(response).split('class="govuk-error-summary"', 1)[1].split("</div>", 2)[0]
    assert "Type your own name as it is on your account (Harriet Head)" in text(response)
    assert "#name" in summary
    with app.app_context():
        assert delivery.deliver_due() == 0  # nothing signed, nothing to send
