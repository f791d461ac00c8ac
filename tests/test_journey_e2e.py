"""The whole journey, once, with real parts: office fills in the request through the API with the
register and evidence, the headteacher signs, the worker emails the pack to a real SMTP server on
loopback, and the received MIME message is parsed and read back (issue 2, "Done when")."""
from __future__ import annotations

import hashlib
import io
import json

import docx
from pypdf import PdfReader

from forms_service.delivery.outbox import deliver_due

from conftest import LA_INBOX
from support.helpers import api_token, bearer, json_data, make_pdf, register_json_for
from support.smtp_server import attachments, smtp_sink  # noqa: F401  (fixture)

FORM = "penalty-notice-leave"


def _pdf_text(data: bytes) -> str:
    # Whitespace normalised: a long title wraps onto two lines in the PDF.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return " ".join(" ".join(parts).split())


def _sign_off(client, app):
    office = bearer(api_token(client, "office@demo.school"))
    data = json_data()
    created = client.post("/api/v1/referrals", headers=office,
                          json={"form": FORM, "data": data, "register": register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    referral = created.get_json()
    assert referral["status"] == "draft"
    # Evidence still missing: not yet eligible, and submitting is refused with the rule named.
    assert referral["eligibility"]["eligible"] is False
    refused = client.post(f"/api/v1/referrals/{referral['id']}/submit", headers=office)
    assert refused.status_code == 422
    assert "evidence_attached" in {r["id"] for r in refused.get_json()["rules"]}

    for kind in ("leave_request", "warning_letter", "registration_certificate"):
        up = client.post(f"/api/v1/referrals/{referral['id']}/evidence", headers=office,
                         data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")},
                         content_type="multipart/form-data")
        assert up.status_code == 201, up.get_json()
    checked = client.get(f"/api/v1/referrals/{referral['id']}", headers=office).get_json()
    assert checked["eligibility"]["eligible"] is True, checked["eligibility"]
    assert checked["eligibility"]["figures"]["leave_sessions"] == 10  # counted from the register

    submitted = client.post(f"/api/v1/referrals/{referral['id']}/submit", headers=office)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "awaiting_signoff"

    head = bearer(api_token(client, "head@demo.school"))
    signed = client.post(f"/api/v1/referrals/{referral['id']}/sign", headers=head,
                         json={"name": "Harriet Head", "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    body = signed.get_json()
    assert body["status"] == "signed"
    assert body["delivery"]["state"] == "queued"
    return referral, data, office, head


def test_signed_request_reaches_the_la_inbox_with_the_whole_pack(app, client, smtp_sink):
    app.config["SMTP_URL"] = smtp_sink.url
    referral, data, office, head = _sign_off(client, app)

    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off" (issue 17), then the pack
        assert deliver_due() == 0  # delivered once, not again

    status = client.get(f"/api/v1/referrals/{referral['id']}", headers=office).get_json()
    assert status["delivery"]["state"] == "sent" and status["delivery"]["sent_at"]

    [message] = [m for m in smtp_sink.messages() if m["To"] == LA_INBOX]
    assert referral["reference"] in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    pupil = data["pupil"]
    assert "Pupil: O.B." in body
    # The body carries initials only: no full name, date of birth or address.
    assert pupil["first_name"] not in body and pupil["last_name"] not in body
    assert pupil["date_of_birth"] not in body

    files = {name: (ctype, content) for name, ctype, content in attachments(message)}
    pdf_name = f"{referral['reference']}-{FORM}.pdf"
    docx_name = f"{referral['reference']}-{FORM}.docx"
    assert {pdf_name, docx_name, "manifest.json"} <= set(files)
    assert sum(1 for name in files if name.startswith("evidence-")) == 3

    pdf_text = _pdf_text(files[pdf_name][1])
    docx_text = _docx_text(files[docx_name][1])
    for text in (pupil["first_name"], pupil["last_name"], "Harriet Head", referral["reference"],
                 "Request to issue a Penalty Notice for leave of absence taken in term time"):
        assert text in pdf_text, text
        assert text in docx_text, text
    assert "DRAFT" not in pdf_text

    manifest = json.loads(files["manifest.json"][1])
    listed = {entry["name"]: entry["sha256"] for entry in manifest["files"]}
    for name, (ctype, content) in files.items():
        if name != "manifest.json":
            assert listed[name] == hashlib.sha256(content).hexdigest(), name

    merged = next(content for name, (ctype, content) in files.items() if name.endswith(f"-pack-v1.pdf"))
    merged_pages = len(PdfReader(io.BytesIO(merged)).pages)
    # The request, the registration certificate made from its register marks (issue 21), then the 3 uploads.
    certificate = files[f"{referral['reference']}-registration-certificate.pdf"][1]
    assert merged_pages == (len(PdfReader(io.BytesIO(files[pdf_name][1])).pages)
                            + len(PdfReader(io.BytesIO(certificate)).pages) + 3)
    assert "Evidence: registration_certificate" in PdfReader(io.BytesIO(merged)).pages[-1].extract_text()

    # The LA officer sees the pack and downloads the very bytes that were signed and sent.
    officer = bearer(api_token(client, "officer@demo.la"))
    listing = client.get("/api/v1/referrals", headers=officer).get_json()["referrals"]
    assert [r["reference"] for r in listing] == [referral["reference"]]
    got = client.get(f"/api/v1/referrals/{referral['id']}/documents/{pdf_name}", headers=officer)
    assert got.status_code == 200 and got.data == files[pdf_name][1]

    audit = client.get(f"/api/v1/referrals/{referral['id']}/audit", headers=officer).get_json()
    actions = [event["action"] for event in audit]
    for expected in ("created", "evidence_uploaded", "submitted", "signed", "delivery_queued", "delivery_sent",
                     "pack_file_downloaded"):
        assert expected in actions, expected


def test_mail_server_down_then_back_delivers_once(app, client, tmp_path):
    from support.smtp_server import free_port, running_sink

    port = free_port()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    referral, *_ = _sign_off(client, app)
    with app.app_context():
        assert deliver_due() == 0  # nothing listening: the pack stays queued, with the error recorded
    head = bearer(api_token(client, "head@demo.school"))
    status = client.get(f"/api/v1/referrals/{referral['id']}", headers=head).get_json()["delivery"]
    assert status["state"] == "queued" and status["attempts"] == 1 and status["last_error"]

    import datetime as dt
    with running_sink(tmp_path / "mail", port) as sink, app.app_context():
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
        assert deliver_due(now=later) == 2  # the pack, and the head's "waiting for your sign-off"
        assert deliver_due(now=later + dt.timedelta(hours=2)) == 0
        assert sink.count == 2
