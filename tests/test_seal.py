"""Sealed packs anyone can verify (issue 24): the merged PDF of a signed pack is signed as PAdES by the
deployment's key, is a PDF/A-3b archive copy carrying the manifest of its parts, and `forms-service verify`
validates the signature with pyHanko against the published certificate.

Real parts throughout: packs signed through the API, pyHanko's validator, pikepdf reading the files, the
CLI in process, an SMTP sink on loopback. What is checked of PDF/A and PDF/UA here, and what is not (no
veraPDF): README "Sealed packs".
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import http.server
import io
import json
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import keys as asn1_keys, pem as asn1_pem, tsp, x509 as asn1_x509
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from forms_service import create_app
from forms_service.cli import main
from forms_service.delivery.outbox import deliver_due
from forms_service.models import Referral, db
from forms_service.referrals import seal
from forms_service.referrals.pack import assemble
from forms_service.referrals.verify import embedded_manifest

from support.helpers import api_token, bearer, csrf, login, make_pdf, sign_as_head, submitted_request
from support.smtp_server import attachments, free_port, running_sink
from support.snapshot import made_once

API = "/api/v1"
PEM_TYPE = "application/x-pem-file"


# --- helpers ------------------------------------------------------------------------------------

def _signed(client) -> dict:
    """A leave request made, submitted (support.helpers.submitted_request) and signed by the head: its JSON."""
    rid, _, head = submitted_request(client)
    return sign_as_head(client, rid, head)


@pytest.fixture
def signed(app, client, backend, setups_made_once) -> dict:
    """`_signed(client)`'s referral. Made once per backend (signing renders and seals the pack, about a second)
    and restored into each test's own database and storage, as the tests here change the sealed file."""
    return made_once(setups_made_once, backend, app, lambda: _signed(client))


def _stored(app, referral_id: int) -> dict[str, tuple[str, Path]]:
    """{role or name: (file name, path on disk)} of the latest pack."""
    with app.app_context():
        pack = db.session.get(Referral, referral_id).latest_pack
        root = Path(app.config["STORAGE_DIR"])
        out = {f.name: (f.name, root / f.storage_key) for f in pack.files}
        out.update({f.role: (f.name, root / f.storage_key) for f in pack.files if f.role in ("merged_pdf", "manifest")})
        return out


def _cli(app, *args, env: dict | None = None):
    runner = CliRunner(env={"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                            "STORAGE_DIR": app.config["STORAGE_DIR"], **(env or {})})
    return runner.invoke(main, ["verify", *args])


def _published(client) -> bytes:
    response = client.get(f"{API}/signing-certificate")
    assert response.status_code == 200
    return response.data


def _asn1(pem: bytes):
    return asn1_x509.Certificate.load(asn1_pem.unarmor(pem)[2])


def _validated(embedded, published):
    """pyHanko's own validator, trusting only `published`; in a thread of its own, as the service calls it
    (seal._off_the_loop): a browser test earlier on this worker leaves Playwright's event loop running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(validate_pdf_signature, embedded, ValidationContext(trust_roots=[published])).result()


def _other_key_pair(tmp_path: Path, name: str = "other") -> tuple[Path, Path]:
    key_pem, cert_pem = seal._make_self_signed("another deployment")
    (tmp_path / f"{name}-key.pem").write_bytes(key_pem)
    (tmp_path / f"{name}-cert.pem").write_bytes(cert_pem)
    return tmp_path / f"{name}-key.pem", tmp_path / f"{name}-cert.pem"


def _first_stream_byte(data: bytes) -> int:
    """An offset inside the first stream's bytes: changing it leaves the file readable but its bytes not
    those that were signed."""
    return data.index(b"stream", data.index(b"obj")) + 20


# --- a signed pack's seal -----------------------------------------------------------------------

def test_a_signed_pack_is_sealed_intact_covering_the_whole_file_by_the_published_certificate(app, client, tmp_path,
                                                                                             signed):
    referral = signed
    name, path = _stored(app, referral["id"])["merged_pdf"]
    pdf = path.read_bytes()
    published = _published(client)

    # pyHanko's own validator, trusting only the certificate the service publishes.
    [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = _validated(embedded, _asn1(published))
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert embedded.signer_cert.dump() == _asn1(published).dump()
    # The reason names the head and the reference.
    reason = str(embedded.sig_object["/Reason"])
    assert "Harriet Head" in reason and referral["reference"] in reason
    assert seal.validate(pdf, published).ok

    # The visible appearance is on the declaration page, in its top margin (it covers none of the text).
    reader = PdfReader(io.BytesIO(pdf))
    [(index, widget)] = [(i, a.get_object()) for i, page in enumerate(reader.pages)
                         for a in page.get("/Annots") or [] if a.get_object().get("/FT") == "/Sig"]
    assert "Declaration" in reader.pages[index].extract_text()
    assert [round(float(v)) for v in widget["/Rect"]] == list(seal.APPEARANCE_BOX)
    assert int(widget["/F"]) & 4  # printed
    assert "/AP" in widget

    # verify says so in words, and passes.
    result = _cli(app, referral["reference"])
    assert result.exit_code == 0, result.output
    assert ("SEAL       OK: the merged PDF's signature is intact, covering the whole file, signed by the published "
            "certificate") in result.output

    # What is stored is what the manifest lists and what the LA is emailed.
    manifest = json.loads(_stored(app, referral["id"])["manifest"][1].read_bytes())
    assert {f["name"]: f["sha256"] for f in manifest["files"]}[name] == hashlib.sha256(pdf).hexdigest()
    with running_sink(tmp_path / "mail") as sink, app.app_context():
        app.config["SMTP_URL"] = sink.url
        deliver_due()  # the pack, and the email telling the head it was their turn
        [message] = [m for m in sink.messages() if attachments(m)]
    emailed = {filename: data for filename, _, data in attachments(message)}
    assert emailed[name] == pdf
    # The email says where the certificate to trust is.
    assert "/la/referrals#signing-certificate" in message.get_body(("plain",)).get_content()


def test_one_changed_byte_fails_the_seal(app, client, signed):
    referral = signed
    _, path = _stored(app, referral["id"])["merged_pdf"]
    data = bytearray(path.read_bytes())
    data[_first_stream_byte(bytes(data))] ^= 0x01
    path.write_bytes(bytes(data))

    check = seal.validate(bytes(data), _published(client))
    assert not check.ok
    assert check.problems == ["the signed bytes have changed since it was signed: the signature no longer matches them"]
    result = _cli(app, referral["reference"])
    assert result.exit_code == 1
    assert ("SEAL       FAILED: the signed bytes have changed since it was signed: the signature no longer matches "
            "them") in result.output


def test_an_appended_incremental_update_fails_the_seal(app, client, signed):
    referral = signed
    _, path = _stored(app, referral["id"])["merged_pdf"]
    # An ordinary incremental update, as a PDF editor saving a change would append it.
    writer = IncrementalPdfFileWriter(io.BytesIO(path.read_bytes()))
    info = writer.trailer["/Info"]
    info["/Title"] = generic.TextStringObject("A different title, added after signing")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())

    check = seal.validate(out.getvalue(), _published(client))
    assert not check.ok
    assert ("something was appended to the file after it was signed (an incremental update): the signature does not "
            "cover the whole file") in check.problems
    result = _cli(app, referral["reference"])
    assert result.exit_code == 1
    assert "SEAL       FAILED: something was appended to the file after it was signed" in result.output


def test_a_different_certificate_fails_the_seal(app, client, tmp_path, signed):
    referral = signed
    _, path = _stored(app, referral["id"])["merged_pdf"]
    key, cert = _other_key_pair(tmp_path)

    check = seal.validate(path.read_bytes(), cert.read_bytes())
    assert not check.ok
    assert any(p.startswith("it was signed by another certificate (") and p.endswith("not the published one")
               for p in check.problems), check.problems
    # The deployment now publishes another certificate: the pack was not sealed with it.
    result = _cli(app, referral["reference"], env={"SIGNING_KEY": str(key), "SIGNING_CERT": str(cert)})
    assert result.exit_code == 1
    assert "SEAL       FAILED: it was signed by another certificate" in result.output


# --- the archive copy: PDF/A-3b, tagged, the manifest embedded ----------------------------------

SIGNED_AT = dt.datetime(2026, 11, 5, 14, 30, 15, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def sealed_pack(tmp_path_factory):
    from PIL import Image

    from forms_service.documents import rendering

    form = rendering.html_to_pdf(
        '<html lang="en-GB"><head><title>Request</title></head><body><h1>Request to issue a Penalty Notice</h1>'
        '<p style="break-after: page">FORM PAGE ONE</p><h2>Declaration</h2><p>I declare.</p></body></html>',
        title="Request")
    image = io.BytesIO()
    Image.new("RGB", (600, 400), "navy").save(image, "PNG")
    creds = seal.credentials({"VAR_DIR": str(tmp_path_factory.mktemp("var"))})
    files = assemble(
        reference="PNL-2026-000001", form_id="penalty-notice-leave", form_title="Request", version=1,
        signed={"name": "Harriet Head", "role": "Head Teacher", "signed_at": SIGNED_AT, "school": "Demo School"},
        documents=[("PNL-2026-000001-request.pdf", "application/pdf", form)],
        evidence=[{"kind": "leave_request", "label": "Leave request", "filename": "leave.pdf",
                   "content_type": "application/pdf", "data": make_pdf("EVIDENCE page")},
                  {"kind": "warning_letter", "label": "Warning letter", "filename": "warning.png",
                   "content_type": "image/png", "data": image.getvalue()}],
        seal=lambda pdf, page: seal.seal_pdf(pdf, creds, page=page, reference="PNL-2026-000001",
                                             head="Harriet Head", signed_at=SIGNED_AT))
    return files, creds


def _fonts(resources, found: list) -> None:
    """(font name, embedded?) of every font a page or form XObject uses, form XObjects followed."""
    if resources is None:
        return
    for font in (resources.get("/Font") or {}).values():
        if font.get("/Subtype") == "/Type3":  # glyphs drawn in the file itself
            found.append((str(font.get("/Name")), True))
            continue
        descriptor = (font.DescendantFonts[0] if font.get("/Subtype") == "/Type0" else font).get("/FontDescriptor")
        found.append((str(font.get("/BaseFont")), descriptor is not None and any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))))
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.get("/Subtype") == "/Form":
            _fonts(xobject.get("/Resources"), found)


def test_the_merged_pdf_is_pdf_a_3b_and_tagged(sealed_pack):
    files, creds = sealed_pack
    merged = next(f for f in files if f.role == "merged_pdf").data
    assert seal.validate(merged, creds.cert_pem).ok  # signing by incremental update kept what follows
    pdf = pikepdf.open(io.BytesIO(merged))
    # The file's frame: a 1.7 header with its binary comment line, the trailer's /ID, no encryption.
    assert merged.startswith(b"%PDF-1.7\n%") and all(b > 127 for b in merged[10:14])
    assert len(pdf.trailer.ID) == 2 and not pdf.is_encrypted
    with pdf.open_metadata() as xmp:
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "B")
        assert xmp["pdfuaid:part"] == "1"
        assert xmp["dc:title"] == "PNL-2026-000001 Request"
        # PDF/A: the document information says what the XMP says.
        assert str(pdf.docinfo["/Producer"]) == xmp["pdf:Producer"]
        assert str(pdf.docinfo["/Creator"]) == xmp["xmp:CreatorTool"]
    [intent] = pdf.Root.OutputIntents
    assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
    assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
    # Tagged: one structure tree, marked content, the language and the title shown.
    assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en-GB"
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    tree = pdf.Root.StructTreeRoot
    keys = {int(tree.ParentTree.Nums[i]) for i in range(0, len(tree.ParentTree.Nums), 2)}
    ours = [int(p.obj.StructParents) for p in pdf.pages if "/StructParents" in p.obj]
    assert len(ours) == 3 and set(ours) <= keys  # the form's two pages and the image's; not the upload's
    # Every font embedded, the seal's appearance included.
    found: list = []
    for page in pdf.pages:
        _fonts(page.obj.get("/Resources"), found)
        for annot in page.obj.get("/Annots") or []:
            if "/AP" in annot:
                _fonts(annot.AP.N.get("/Resources"), found)
    assert found and all(embedded for _, embedded in found), found
    assert any("Liberation" in name or "DejaVu" in name for name, _ in found)


def test_the_embedded_manifest_lists_every_file_the_pdf_is_made_of_with_its_sha256(sealed_pack):
    files, _ = sealed_pack
    merged = next(f for f in files if f.role == "merged_pdf").data
    pdf = pikepdf.open(io.BytesIO(merged))
    [spec] = pdf.Root.AF
    assert spec.AFRelationship == "/Data" and str(spec.F) == str(spec.UF) == "manifest.json"
    stream = spec.EF.F
    data = stream.read_bytes()
    assert stream.Subtype == "/application#2Fjson"
    assert int(stream.Params.Size) == len(data) and bytes(stream.Params.CheckSum) == hashlib.md5(data).digest()
    assert embedded_manifest(merged) == data
    manifest = json.loads(data)
    parts = [f for f in files if f.role not in ("merged_pdf", "manifest")]
    assert [(e["name"], e["sha256"], e["size"]) for e in manifest["files"]] == \
        [(f.name, hashlib.sha256(f.data).hexdigest(), len(f.data)) for f in parts]
    # The pack's own manifest is the same document, with the signed merged PDF added to its list.
    outer = json.loads(files[-1].data)
    assert outer["files"][:-1] == manifest["files"]
    assert outer["files"][-1]["sha256"] == hashlib.sha256(merged).hexdigest()


# --- the published certificate ------------------------------------------------------------------

def test_sealing_and_validating_work_where_an_event_loop_is_running(sealed_pack):
    """pyHanko's synchronous calls run asyncio.run(): called from a thread whose event loop is running (a server
    or harness on asyncio, as the browser tests' Playwright is) they run in a thread of their own."""
    files, creds = sealed_pack
    pdf = next(f for f in files if f.role == "merged_pdf").data
    unsigned = make_pdf("A page to seal")

    async def inside_a_loop():
        sealed = seal.seal_pdf(unsigned, creds, page=0, reference="PNL-2026-000002", head="Harriet Head",
                               signed_at=SIGNED_AT)
        return seal.validate(sealed, creds.cert_pem), seal.validate(pdf, creds.cert_pem)

    # A thread of its own with a loop of its own, running whatever loop this worker's thread may already have.
    with ThreadPoolExecutor(max_workers=1) as pool:
        fresh, packed = pool.submit(asyncio.run, inside_a_loop()).result()
    assert fresh.ok and packed.ok, (fresh.problems, packed.problems)


def test_the_certificate_is_published_to_anyone_as_pem(app, client):
    response = client.get(f"{API}/signing-certificate")  # no token, no session
    assert response.status_code == 200
    assert response.mimetype == PEM_TYPE
    certificate = x509.load_pem_x509_certificate(response.data)
    with app.app_context():
        creds = seal.credentials(app.config)
    assert response.data == creds.cert_pem
    assert response.headers["X-Certificate-SHA256"] == creds.fingerprint
    assert creds.fingerprint.replace(":", "").lower() == hashlib.sha256(
        certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    # A signed-in role gets the same.
    assert client.get(f"{API}/signing-certificate",
                      headers=bearer(api_token(client, "office@demo.school"))).data == response.data


def test_the_la_page_shows_the_certificate_and_its_fingerprint(app, client):
    login(client, "officer@demo.la")
    page = client.get("/la/referrals").get_data(as_text=True)
    with app.app_context():
        creds = seal.credentials(app.config)
    assert creds.fingerprint in page
    assert 'href="/api/v1/signing-certificate"' in page
    assert "This is the demonstration certificate: do not trust it for real packs." in page


# --- the key and certificate --------------------------------------------------------------------

def test_a_demonstration_key_is_made_once_under_var(tmp_path):
    first = seal.credentials({"VAR_DIR": str(tmp_path)})
    seal._credentials.cache_clear()
    again = seal.credentials({"VAR_DIR": str(tmp_path)})
    assert first.demo and again.cert_pem == first.cert_pem and again.key_pem == first.key_pem
    assert stat.S_IMODE((tmp_path / "signing" / "key.pem").stat().st_mode) == 0o600
    assert "not for real use" in first.subject


def test_signing_settings_are_pem_files_or_pem_text(tmp_path, database_url):
    key, cert = _other_key_pair(tmp_path)
    base = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "STORAGE_DIR": str(tmp_path / "s")}
    by_path = seal.credentials({"SIGNING_KEY": str(key), "SIGNING_CERT": str(cert)})
    by_text = seal.credentials({"SIGNING_KEY": key.read_text(), "SIGNING_CERT": cert.read_text()})
    assert not by_path.demo and by_path.cert_pem == by_text.cert_pem == cert.read_bytes()
    create_app(base, environ={"SIGNING_KEY": str(key), "SIGNING_CERT": str(cert)})
    # One without the other, a key that is not the certificate's, a file that is not there: the service does
    # not start, and says which setting.
    with pytest.raises(ValueError, match="Set both SIGNING_KEY and SIGNING_CERT"):
        create_app(base, environ={"SIGNING_KEY": str(key)})
    other_key, _ = _other_key_pair(tmp_path, "third")
    with pytest.raises(ValueError, match="SIGNING_KEY is not the key of SIGNING_CERT's certificate"):
        create_app(base, environ={"SIGNING_KEY": str(other_key), "SIGNING_CERT": str(cert)})
    with pytest.raises(ValueError, match="SIGNING_CERT: cannot read the PEM file"):
        create_app(base, environ={"SIGNING_KEY": str(key), "SIGNING_CERT": str(tmp_path / "missing.pem")})
    with pytest.raises(ValueError, match="SIGNING_TSA_URL"):
        create_app(base, environ={"SIGNING_TSA_URL": "ftp://tsa.example"})


# --- B-T: a timestamp authority on loopback -----------------------------------------------------

class _TimestampAuthority(http.server.BaseHTTPRequestHandler):
    """RFC 3161 over HTTP: a TimeStampReq posted, a TimeStampResp answered, signed by pyHanko's own test
    authority (its key and certificate made here)."""
    authority = None
    served = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
        body = self.authority.request_tsa_response(request).dump()
        type(self).served += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def timestamp_authority():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test authority signs RSA only
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Loopback timestamp authority")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256()))
    handler = type("Authority", (_TimestampAuthority,), {"served": 0, "authority": DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler
    finally:
        server.shutdown()
        server.server_close()


def test_with_a_timestamp_authority_the_seal_is_b_t(app, client, timestamp_authority):
    url, handler = timestamp_authority
    app.config["SIGNING_TSA_URL"] = url
    referral = _signed(client)
    assert handler.served == 1
    _, path = _stored(app, referral["id"])["merged_pdf"]
    pdf = path.read_bytes()
    [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = _validated(embedded, _asn1(_published(client)))
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
    assert status.timestamp_validity is not None and status.timestamp_validity.intact
    check = seal.validate(pdf, _published(client))
    assert check.ok and "with a timestamp from Common Name: Loopback timestamp authority" in check.summary


def test_a_timestamp_authority_that_does_not_answer_leaves_the_request_unsigned(app, client):
    app.config["SIGNING_TSA_URL"] = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    rid, _, head = submitted_request(client)
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": "Harriet Head", "declaration": True})
    assert signed.status_code == 503
    assert "The pack could not be sealed just now" in signed.get_json()["message"]
    with app.app_context():
        referral = db.session.get(Referral, rid)
        assert referral.status == "awaiting_signoff" and referral.packs == []


def test_on_the_sign_off_page_a_timestamp_authority_that_does_not_answer_is_said_on_the_name(app, client):
    app.config["SIGNING_TSA_URL"] = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    rid, _, _ = submitted_request(client)
    login(client, "head@demo.school")
    review = client.get(f"/referrals/{rid}/sign")
    page = client.post(f"/referrals/{rid}/sign", data={
        "csrf_token": csrf(review.get_data(as_text=True)), "name": "Harriet Head", "declaration": "y"})
    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "The pack could not be sealed just now" in body and 'href="#name"' in body
