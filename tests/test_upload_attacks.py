"""Hostile evidence uploads through the web page and the API: a wrong type behind a `.pdf` name, an
empty file, one over the limit, a PDF that is malformed, truncated or encrypted, a zip bomb named
`.pdf`, a PDF whose deflate streams unpack to gigabytes (or whose pages number thousands), a PDF that
runs JavaScript, starts a program, sends or fetches data when opened or carries an attached file, and file
names that try to climb out of the storage directory. Each is refused with its own message on the
file's answer (or, for a name, the file is kept under a safe name); memory stays bounded while a bomb
is looked at, nothing unpacks one when the pack is merged, and nothing is written outside STORAGE_DIR.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import struct
import tracemalloc
import zlib
from pathlib import Path

import lxml.html
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, EncodedStreamObject, NameObject, NumberObject, TextStringObject
from weasyprint import HTML

from forms_service.models import Referral, db
from forms_service.referrals import evidence
from forms_service.referrals.evidence import EvidenceError, safe_display_name, validate_evidence
from forms_service.referrals.pack import merge_pdf

from support.helpers import api_token, bearer, csrf, json_data, login, make_pdf, register_csv_for, text

API = "/api/v1"
MB = 1024 * 1024
GB = 1024 * MB
KIND = "leave_request"


# --- hostile files, built in memory --------------------------------------------------------------

def zeros_deflate(size: int, *, raw: bool = False) -> bytes:
    """Deflate data that inflates to `size` zero bytes, built in milliseconds: one compressed 1 MB
    block repeated (a full flush makes each block stand alone), then the checksum, computed rather
    than counted (adler32 of n zero bytes is n mod 65521 in the high half, 1 in the low)."""
    chunk = 1 * MB
    c = zlib.compressobj(9, zlib.DEFLATED, -15 if raw else 15)
    first = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    body = first + block * (size // chunk - 1) + b"\x03\x00"  # an empty final block ends the data
    return body if raw else body + (((size % 65521) << 16) | 1).to_bytes(4, "big")


def raw_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF from its objects (numbered from 1; object 1 the catalogue), with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref))
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"/Filter /FlateDecode") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pages_pdf(contents: list[bytes], resources: bytes = b"") -> bytes:
    """One page per content stream object (already written as `stream(...)`)."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)]
    for i, content in enumerate(contents):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R %s >>"
                       % (4 + 2 * i, resources))
        objects.append(content)
    return raw_pdf(objects)


def flate_bomb_pdf() -> bytes:
    """One page whose content stream is 2 MB of deflate that unpacks to 2 GB."""
    return pages_pdf([stream(zeros_deflate(2 * GB))])


def incremental_bomb_pdf() -> bytes:
    """A real PDF with an incremental update (as signing tools save one) that swaps the page's content
    for a 1 GB bomb; the update's objects are listed in a cross-reference stream, not a table."""
    writer = PdfWriter(io.BytesIO(make_pdf("An ordinary letter")), incremental=True)
    bomb = EncodedStreamObject()
    bomb._data = zeros_deflate(GB)
    bomb[NameObject("/Filter")] = NameObject("/FlateDecode")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(bomb)
    out = io.BytesIO()
    writer.write(out)
    assert b"/XRef" in out.getvalue()
    return out.getvalue()


def many_streams_pdf() -> bytes:
    """Forty pages, each under the one-stream limit (60 MB unpacked), 2.4 GB together."""
    return pages_pdf([stream(zeros_deflate(60 * MB))] * 40)


def image_bomb_pdf() -> bytes:
    """A JPEG that says it is 100,000 x 100,000 pixels: the viewer would allocate 30 GB for it."""
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(jpeg, "JPEG")
    image = stream(jpeg.getvalue(), b"/Type /XObject /Subtype /Image /Width 100000 /Height 100000 "
                                    b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode")
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                    b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
                    stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q", b""), image])


def page_bomb_pdf(pages: int = 3000) -> bytes:
    """Thousands of empty pages sharing one content stream: small, but slow to read and merge."""
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
               stream(b"", b"")]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * pages
    return raw_pdf(objects)


def zip_bomb(size: int = GB) -> bytes:
    """A real zip (zipfile reads it) holding one file of `size` zero bytes, 1 MB on disk."""
    data = zeros_deflate(size, raw=True)
    crc = 0
    for _ in range(size // MB):
        crc = zlib.crc32(b"\0" * MB, crc)
    name = b"report.pdf"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0) + name
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size, len(name),
                          0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    return local + data + central + end


def rc4_encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Locked letter"))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")  # opens without a password
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def aes_encrypted_pdf() -> bytes:
    """A PDF whose trailer says AES-256 (revision 6) encryption, as Acrobat writes it (pypdf needs
    the cryptography package to write one, which the service does not install)."""
    key = b"<" + b"ab" * 48 + b">"
    encrypt = (b"/Encrypt << /Filter /Standard /V 5 /R 6 /Length 256 /P -3904 /O %s /U %s /OE <%s> /UE <%s> "
               b"/Perms <%s> /CF << /StdCF << /AuthEvent /DocOpen /CFM /AESV3 /Length 32 >> >> /StmF /StdCF "
               b"/StrF /StdCF >> /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]"
               % (key, key, b"cd" * 32, b"ef" * 32, b"01" * 16))
    return pages_pdf([stream(zlib.compress(b"BT ET"))]).replace(b"/Root 1 0 R ", b"/Root 1 0 R " + encrypt, 1)


def with_catalogue_entries(entries: dict, *, page: dict | None = None, attach: bool = False) -> bytes:
    """A real PDF letter with `entries` added to its catalogue (and `page` to its first page) or an
    attached file, written by pypdf."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Leave request"))))
    for key, value in entries.items():
        writer._root_object[NameObject(key)] = value
    for key, value in (page or {}).items():
        writer.pages[0][NameObject(key)] = value
    if attach:
        writer.add_attachment("payload.exe", b"MZ" + b"\0" * 64)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def action(kind: str, **extra) -> DictionaryObject:
    out = DictionaryObject({NameObject("/S"): NameObject(kind)})
    out.update({NameObject(f"/{k}"): v for k, v in extra.items()})
    return out


def active_pdfs() -> dict[str, bytes]:
    """PDFs that run something when opened, send or fetch data, start a program or carry a file."""
    script = TextStringObject("app.alert('opened');")
    url = DictionaryObject({NameObject("/FS"): NameObject("/URL"), NameObject("/F"): TextStringObject("http://127.0.0.1:9/")})
    return {
        "js-open-action": with_catalogue_entries({"/OpenAction": action("/JavaScript", JS=script)}),
        "js-name-tree": with_catalogue_entries({"/Names": DictionaryObject({NameObject("/JavaScript"): DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("opened"), action("/JavaScript", JS=script)])})})}),
        "js-after-goto": with_catalogue_entries({"/OpenAction": action(  # an innocent jump, then a script
            "/GoTo", D=ArrayObject([NumberObject(0), NameObject("/Fit")]), Next=action("/JavaScript", JS=script))}),
        "launch-on-page-open": with_catalogue_entries({}, page={"/AA": DictionaryObject({
            NameObject("/O"): action("/Launch", F=TextStringObject("calc.exe"))})}),
        "submit-form-on-close": with_catalogue_entries({"/AA": DictionaryObject({
            NameObject("/WC"): action("/SubmitForm", F=url)})}),
        "import-data": with_catalogue_entries({"/OpenAction": action("/ImportData", F=TextStringObject("data.fdf"))}),
        "embedded-file": with_catalogue_entries({}, attach=True),
    }


def png_bomb() -> bytes:
    """A 1-bit PNG of 9,000 x 9,000 pixels: 28 KB on disk, 81 megapixels decoded (under Pillow's own
    warning threshold, over the service's limit)."""
    out = io.BytesIO()
    Image.new("1", (9_000, 9_000), 1).save(out, "PNG")
    return out.getvalue()


def png(size=(64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    good = make_pdf("Leave request")
    return {
        "good": good,
        "executable": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 300,
        "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><image href="http://127.0.0.1:9/x"/></svg>',
        "empty": b"",
        "oversized": good + b"\n%" + b"x" * (10 * MB - len(good)),
        "malformed": b"%PDF-1.7\n" + bytes(range(256)) * 40,
        "truncated": good[: len(good) // 2],
        "encrypted-aes": aes_encrypted_pdf(),
        "encrypted-rc4": rc4_encrypted_pdf(),
        "zip-bomb": zip_bomb(),
        "flate-bomb": flate_bomb_pdf(),
        "incremental-bomb": incremental_bomb_pdf(),
        "many-streams": many_streams_pdf(),
        "image-bomb": image_bomb_pdf(),
        "page-bomb": page_bomb_pdf(),
        "png-bomb": png_bomb(),
        **active_pdfs(),
    }


# (file, the message, whether it is a bomb whose memory use is measured)
REFUSED = [
    ("executable", evidence.MSG_TYPE, False),
    ("html", evidence.MSG_TYPE, False),
    ("svg", evidence.MSG_TYPE, False),
    ("empty", evidence.MSG_EMPTY, False),
    ("oversized", "The file must be smaller than 10 MB", False),
    ("malformed", evidence.MSG_PDF_BROKEN, False),
    ("truncated", evidence.MSG_PDF_BROKEN, False),
    ("encrypted-aes", evidence.MSG_PDF_ENCRYPTED, False),
    ("encrypted-rc4", evidence.MSG_PDF_ENCRYPTED, False),
    ("zip-bomb", evidence.MSG_TYPE, True),
    ("flate-bomb", evidence.MSG_PDF_TOO_BIG, True),
    ("incremental-bomb", evidence.MSG_PDF_TOO_BIG, True),
    ("many-streams", evidence.MSG_PDF_TOO_BIG, True),
    ("image-bomb", evidence.MSG_PDF_TOO_BIG, True),
    ("page-bomb", evidence.MSG_PDF_TOO_MANY_PAGES, True),
    ("png-bomb", evidence.MSG_IMAGE_TOO_BIG, True),
    *((name, evidence.MSG_PDF_ACTIVE, False) for name in active_pdfs()),
]
# Bounded memory while a bomb is looked at: what the request and its checks allocate at most
# (tracemalloc), against what the bomb would take unpacked (a gigabyte or more).
MEMORY_BOUND = 48 * MB


def test_the_bombs_are_real(files):
    """The bombs are what they claim: a real zip of a gigabyte, a PDF stream of two."""
    import zipfile
    with zipfile.ZipFile(io.BytesIO(files["zip-bomb"])) as zf:
        assert zf.infolist()[0].file_size == GB and len(files["zip-bomb"]) < 2 * MB
        with zf.open("report.pdf") as member:  # inflates (a little of it) and checks as it goes
            assert member.read(MB) == b"\0" * MB
    inflater = zlib.decompressobj()
    assert inflater.decompress(zeros_deflate(8 * MB)) == b"\0" * (8 * MB) and inflater.eof
    reader = PdfReader(io.BytesIO(files["flate-bomb"]))
    content = reader.pages[0]["/Contents"].get_object()
    assert content.get("/Filter") == "/FlateDecode" and len(content._data) < 3 * MB
    inflater = zlib.decompressobj()
    assert len(inflater.decompress(content._data, 64 * MB)) == 64 * MB and inflater.unconsumed_tail
    assert len(PdfReader(io.BytesIO(files["page-bomb"])).pages) == 3000


# --- validate_evidence and the pack's merge, directly ----------------------------------------------

def measured(fn):
    """(result or the exception, peak bytes allocated while fn ran)."""
    tracemalloc.start()
    try:
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001  (returned for the caller to judge)
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


PEAKS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def report_peaks():
    yield
    if PEAKS:
        print("\nupload bombs, peak memory while refused (MB):", {k: round(v / MB, 1) for k, v in sorted(PEAKS.items())})


@pytest.mark.parametrize("name, message, bomb", REFUSED, ids=[r[0] for r in REFUSED])
def test_each_bad_file_is_refused_with_its_message(files, name, message, bomb):
    result, peak = measured(lambda: validate_evidence(f"{name}.pdf", files[name], max_bytes=10 * MB))
    assert isinstance(result, EvidenceError), f"{name} was accepted: {result}"
    assert result.message == message
    if bomb:
        PEAKS[name] = peak
        assert peak < MEMORY_BOUND, f"{name}: {peak / MB:.0f} MB"


def test_pdfs_that_unpack_within_the_limits_are_accepted():
    """The limits refuse bombs, not real documents: a PDF with a lossless (deflate) picture, one
    with a photo, one with a content stream that unpacks to 50 MB, and one of 500 pages."""
    picture = HTML(string='<img src="data:image/png;base64,%s">' % __import__("base64").b64encode(
        png((1600, 1200))).decode()).write_pdf()
    photo = io.BytesIO()
    Image.new("RGB", (2480, 3508), "ivory").save(photo, "PDF")  # an A4 page at 300 dpi, as JPEG
    big_page = pages_pdf([stream(zeros_deflate(50 * MB))])
    for data in (picture, photo.getvalue(), big_page, page_bomb_pdf(evidence.MAX_PDF_PAGES)):
        assert validate_evidence("ok.pdf", data, max_bytes=10 * MB)[0] == evidence.PDF


def test_pdfs_that_open_at_a_page_or_link_to_a_web_page_are_accepted():
    """Only active content is refused: a PDF that opens at its first page (a /GoTo /OpenAction, as
    scanners and Word write) and one whose link opens a web address are ordinary evidence."""
    goto = with_catalogue_entries({"/OpenAction": ArrayObject([NumberObject(0), NameObject("/Fit")])})
    jump = with_catalogue_entries({"/OpenAction": action("/GoTo", D=ArrayObject([NumberObject(0), NameObject("/Fit")]))})
    link = with_catalogue_entries({}, page={"/Annots": ArrayObject([DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(50), NumberObject(50)]),
        NameObject("/A"): action("/URI", URI=TextStringObject("https://www.gov.uk/"))})])})
    for data in (goto, jump, link):
        assert validate_evidence("ok.pdf", data, max_bytes=10 * MB)[0] == evidence.PDF


def test_merging_a_pack_never_unpacks_an_uploads_streams():
    """A stream just under the upload limits goes into the merged PDF as it came, never unpacked and
    recompressed (which is what made a gigabyte stream fail at the moment of signing)."""
    evidence = pages_pdf([stream(zeros_deflate(60 * MB))])
    ours = make_pdf("The request")
    merged, peak = measured(lambda: merge_pdf([("Request", ours, True), ("Evidence 1", evidence, False)],
                                              title="PNL-2026-000001", created=dt.datetime.now(dt.timezone.utc)))
    assert isinstance(merged, bytes), merged
    assert peak < 16 * MB, f"{peak / MB:.0f} MB"
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 2
    carried = reader.pages[1]["/Contents"].get_object()
    assert carried._data == PdfReader(io.BytesIO(evidence)).pages[0]["/Contents"].get_object()._data


# --- through the web page and the API ------------------------------------------------------------

def storage_files(app) -> set[Path]:
    return {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}


def files_outside_storage(app, tmp_path: Path) -> set[Path]:
    storage = Path(app.config["STORAGE_DIR"]).resolve()
    return {p for p in tmp_path.rglob("*") if p.is_file() and storage not in p.resolve().parents}


def new_request(client, office) -> int:
    created = client.post(f"{API}/referrals", headers=office, json={"form": "penalty-notice-leave", "data": json_data()})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def api_upload(client, office, rid: int, filename: str, data: bytes):
    return client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                       data={"kind": KIND, "file": (io.BytesIO(data), filename)})


def web_upload(client, rid: int, filename: str, data: bytes):
    url = f"/referrals/{rid}/evidence"
    page = text(client.get(url))
    return client.post(url, content_type="multipart/form-data",
                       data={"csrf_token": csrf(page), "kind": KIND, "file": (io.BytesIO(data), filename)})


def web_file_errors(response) -> list[str]:
    """The messages the page puts on its file input (the error summary links each to #file)."""
    page = lxml.html.document_fromstring(text(response))
    summary = page.find_class("govuk-error-summary")
    return [a.text_content().strip() for s in summary for a in s.iter("a") if a.get("href") == "#file"]


@pytest.mark.db
def test_bad_files_are_refused_on_the_page_and_the_api(app, client, files, tmp_path):
    office = bearer(api_token(client, "office@demo.school"))
    login(client, "office@demo.school")
    rid = new_request(client, office)
    stored_before, outside_before = storage_files(app), files_outside_storage(app, tmp_path)
    for name, message, bomb in REFUSED:
        response, peak = measured(lambda: api_upload(client, office, rid, f"{name}.pdf", files[name]))
        assert response.status_code == 422, (name, response.status_code)
        assert response.get_json()["errors"] == {"file": [message]}, name
        if bomb:
            PEAKS[f"{name} via the API"] = peak
            assert peak < MEMORY_BOUND + 3 * len(files[name]), f"{name} (API): {peak / MB:.0f} MB"
        response = web_upload(client, rid, f"{name}.pdf", files[name])
        assert response.status_code == 422, (name, response.status_code)
        assert web_file_errors(response) == [message], name
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["evidence"] == []
    assert storage_files(app) == stored_before and files_outside_storage(app, tmp_path) == outside_before


@pytest.mark.db
def test_a_request_larger_than_any_upload_is_a_413_not_a_500(app, client, files):
    office = bearer(api_token(client, "office@demo.school"))
    login(client, "office@demo.school")
    rid = new_request(client, office)
    app.config["MAX_CONTENT_LENGTH"] = 1 * MB
    response = api_upload(client, office, rid, "big.pdf", files["oversized"])
    assert response.status_code == 413 and response.is_json
    response = web_upload(client, rid, "big.pdf", files["oversized"])
    assert response.status_code == 413 and "The file is too large" in text(response)


# Names that try to climb out of the storage directory, hide their extension or break a header.
HOSTILE_NAMES = [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\..\\windows\\win.ini.pdf", None),  # the HTTP layer reads "\\" as an escape: any safe name
    ("/etc/cron.d/evil.pdf", "evil.pdf"),
    ("C:\\Windows\\System32\\drivers\\etc\\hosts.pdf", None),
    ("..%2F..%2Fescape.pdf", "%2F..%2Fescape.pdf"),  # never decoded; leading dots go
    ("nul\x00byte.pdf", "nulbyte.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    # A line break ends the part's header: the file is lost on the way, and that is said (below).
    ("line\r\nContent-Disposition: attachment; filename=evil.exe", "lost"),
    ('quote".pdf"; filename="evil.exe', None),  # the client sends a second filename: any safe name
    ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
    ("a" * 5000 + ".pdf", "a" * 116 + ".pdf"),
    ("...", "evidence.pdf"),
    ("   ", "evidence.pdf"),
]


@pytest.mark.db
def test_hostile_file_names_are_kept_only_as_safe_display_names(app, client, files, tmp_path):
    """The file is accepted (it is a real PDF); its name is data only: no directories, no control or
    direction characters, at most 120 characters; the stored file's name is the service's own."""
    office = bearer(api_token(client, "office@demo.school"))
    login(client, "office@demo.school")
    rid = new_request(client, office)
    outside_before = files_outside_storage(app, tmp_path)
    storage = Path(app.config["STORAGE_DIR"]).resolve()
    for given, expected in HOSTILE_NAMES:
        for channel in ("api", "web"):
            before = storage_files(app)
            response = (api_upload(client, office, rid, given, files["good"]) if channel == "api"
                        else web_upload(client, rid, given, files["good"]))
            if expected == "lost":
                assert response.status_code == 422
                assert (response.get_json()["errors"] == {"file": ["Attach the file as multipart/form-data field 'file'"]}
                        if channel == "api" else web_file_errors(response) == ["Select a file to upload"])
                continue
            assert response.status_code == {"api": 201, "web": 302}[channel], (channel, given, response.status_code)
            [item] = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["evidence"]
            assert expected is None or item["filename"] == expected, (channel, given, item["filename"])
            assert not any(ch in item["filename"] for ch in "/\\\x00\r\n\u202e") and len(item["filename"]) <= 120
            [new] = storage_files(app) - before
            assert new.resolve().parent == storage / "evidence" and all(c in "0123456789abcdef" for c in new.name)
            page = text(client.get(f"/referrals/{rid}/evidence"))
            link = [a.text_content() for a in lxml.html.document_fromstring(page).iter("a")
                    if "/evidence/" in (a.get("href") or "")]
            assert link == [item["filename"]], (channel, given, link)
            download = client.get(f"/referrals/{rid}/evidence/{item['id']}")
            assert download.headers["Content-Disposition"] == f'attachment; filename="evidence-{KIND}.pdf"'
    assert files_outside_storage(app, tmp_path) == outside_before
    for target in ("/etc/passwd.pdf", "/etc/cron.d/evil.pdf", str(tmp_path.parent / "escape.pdf")):
        assert not os.path.exists(target)


@pytest.mark.db
def test_a_register_files_name_is_kept_only_as_a_safe_display_name(app, client):
    """The pupil register's upload keeps its file name too (shown as "uploaded from ..."): the same
    rules as evidence, so a NUL cannot reach the database and a path is not shown as one."""
    office = bearer(api_token(client, "office@demo.school"))
    login(client, "office@demo.school")
    rid = new_request(client, office)
    url = f"/referrals/{rid}/register"
    for given, expected in HOSTILE_NAMES:
        name = given.replace(".pdf", ".csv")
        page = text(client.get(url))
        response = client.post(url, content_type="multipart/form-data",
                               data={"csrf_token": csrf(page), "code_set": "2024",
                                     "file": (io.BytesIO(register_csv_for().encode()), name)})
        if expected == "lost":
            assert response.status_code == 422 and "Select the register file" in text(response)
            continue
        assert response.status_code == 302, (given, response.status_code)
        with app.app_context():
            stored = db.session.get(Referral, rid).register["filename"]
        assert expected is None or stored == safe_display_name(name), (given, stored)
        assert not any(ch in stored for ch in "/\\\x00\r\n\u202e") and len(stored) <= 120
        shown = lxml.html.document_fromstring(text(client.get(url))).find_class("govuk-inset-text")[0].text_content()
        assert f"from {stored} (2024 codes)" in shown
