"""Evidence checks (forms_service.referrals.evidence) and pack assembly (forms_service.referrals.pack): real PDFs, real images, no mocks."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import docx
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from forms_service.referrals.evidence import DOCX, JPEG, PDF, PNG, EvidenceError, safe_display_name, validate_evidence
from forms_service.referrals.pack import PackFileSpec, assemble

MB = 1024 * 1024
MAX = 10 * MB
SIGNED_AT = dt.datetime(2026, 11, 5, 14, 30, 15, tzinfo=dt.timezone.utc)


def pdf_pages(*texts: str) -> bytes:
    """A real PDF (WeasyPrint) with one page per text."""
    body = "".join(f'<p style="break-after: page">{t}</p>' for t in texts[:-1]) + f"<p>{texts[-1]}</p>"
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def image_bytes(fmt: str, size=(800, 600), colour="navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def page_text(reader: PdfReader, index: int) -> str:
    return " ".join(reader.pages[index].extract_text().split())


@pytest.fixture(scope="module")
def small_pdf():
    return pdf_pages("Leave request from the parent")


# --- validate_evidence ---------------------------------------------------------------------

def test_accepts_a_real_pdf(small_pdf):
    assert validate_evidence("leave request.pdf", small_pdf, max_bytes=MAX) == (PDF, "leave request.pdf")


def test_accepts_png_and_jpeg_by_their_bytes_not_their_names():
    assert validate_evidence("scan.png", image_bytes("PNG"), max_bytes=MAX) == (PNG, "scan.png")
    assert validate_evidence("photo.jpeg", image_bytes("JPEG"), max_bytes=MAX) == (JPEG, "photo.jpeg")
    # A PNG called .pdf is a PNG: the type comes from the content.
    assert validate_evidence("scan.pdf", image_bytes("PNG"), max_bytes=MAX)[0] == PNG


def test_refuses_an_executable_renamed_pdf():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
    with pytest.raises(EvidenceError) as info:
        validate_evidence("letter.pdf", exe, max_bytes=MAX)
    assert info.value.message == "The selected file must be a PDF, JPG or PNG"


def test_refuses_a_zip_renamed_pdf():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("letter.pdf", b"%PDF-1.7 inside a zip")
    with pytest.raises(EvidenceError, match="must be a PDF, JPG or PNG"):
        validate_evidence("letter.pdf", out.getvalue(), max_bytes=MAX)


def test_refuses_an_empty_file():
    with pytest.raises(EvidenceError, match="The selected file is empty"):
        validate_evidence("letter.pdf", b"", max_bytes=MAX)


def test_refuses_a_file_over_the_limit_and_accepts_one_at_it(small_pdf):
    too_big = small_pdf + b"\n%" + b"x" * (MAX - len(small_pdf))
    assert len(too_big) == MAX + 2
    with pytest.raises(EvidenceError) as info:
        validate_evidence("big.pdf", too_big, max_bytes=MAX)
    assert info.value.message == "The file must be smaller than 10 MB"
    # Trailing bytes after %%EOF are legal: a file of exactly the limit is accepted.
    at_limit = small_pdf + b"\n%" + b"x" * (MAX - len(small_pdf) - 2)
    assert validate_evidence("big.pdf", at_limit, max_bytes=MAX)[0] == PDF


def test_refuses_a_malformed_pdf():
    with pytest.raises(EvidenceError, match="could not be opened"):
        validate_evidence("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40, max_bytes=MAX)


def test_refuses_a_truncated_pdf(small_pdf):
    with pytest.raises(EvidenceError, match="could not be opened"):
        validate_evidence("cut.pdf", small_pdf[: len(small_pdf) // 3], max_bytes=MAX)


def test_refuses_an_encrypted_pdf(small_pdf):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(small_pdf)))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(EvidenceError) as info:
        validate_evidence("locked.pdf", out.getvalue(), max_bytes=MAX)
    assert "password" in info.value.message


def test_refuses_a_pdf_with_no_pages():
    out = io.BytesIO()
    PdfWriter().write(out)
    with pytest.raises(EvidenceError, match="no pages"):
        validate_evidence("empty.pdf", out.getvalue(), max_bytes=MAX)


def test_refuses_a_damaged_image():
    png = image_bytes("PNG")
    with pytest.raises(EvidenceError, match="image could not be opened"):
        validate_evidence("scan.png", png[: len(png) // 2], max_bytes=MAX)
    with pytest.raises(EvidenceError, match="image could not be opened"):
        validate_evidence("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, max_bytes=MAX)


def test_refuses_an_image_that_would_decode_to_gigabytes():
    # A 1-bit 8000 x 8000 PNG is small on disk and 64 megapixels in memory.
    out = io.BytesIO()
    Image.new("1", (8000, 8000), 1).save(out, "PNG")
    assert len(out.getvalue()) < MB
    with pytest.raises(EvidenceError, match="too large"):
        validate_evidence("bomb.png", out.getvalue(), max_bytes=MAX)


@pytest.mark.parametrize("given, expected", [
    ("../../etc/passwd", "passwd"),
    ("C:\\fakepath\\scan.pdf", "scan.pdf"),
    ("/var/tmp/letter.pdf", "letter.pdf"),
    ("bad\x00na\x1bme\r\n.pdf", "badname .pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override hides the real extension
    ("..", "evidence.pdf"),
    ("", "evidence.pdf"),
])
def test_display_name_is_safe(given, expected, small_pdf):
    assert validate_evidence(given, small_pdf, max_bytes=MAX)[1] == expected


def test_display_name_is_at_most_120_characters_and_keeps_its_extension():
    name = safe_display_name("a" * 300 + ".pdf")
    assert len(name) == 120 and name.endswith(".pdf")
    assert len(safe_display_name("b" * 300)) == 120


# --- assemble ------------------------------------------------------------------------------

FORM_PDF = ("PNL-2026-000001-request.pdf", PDF)
FORM_DOCX = ("PNL-2026-000001-request.docx", DOCX)


@pytest.fixture(scope="module")
def inputs():
    form_pdf = pdf_pages("FORM PAGE ONE Request to issue a Penalty Notice", "FORM PAGE TWO Declaration")
    evidence_pdf = pdf_pages("EVIDENCE LEAVE REQUEST page one", "EVIDENCE LEAVE REQUEST page two")
    return dict(
        reference="PNL-2026-000001", form_id="penalty-notice-leave",
        form_title="Request to issue a Penalty Notice for leave of absence", version=1,
        signed={"name": "Harriet Head", "role": "Head Teacher", "signed_at": SIGNED_AT, "school": "Demo School"},
        documents=[(*FORM_PDF, form_pdf), (*FORM_DOCX, docx_bytes("Request to issue a Penalty Notice"))],
        evidence=[
            {"kind": "leave_request", "label": "Leave request", "filename": "../../leave req.pdf",
             "content_type": PDF, "data": evidence_pdf},
            {"kind": "warning_letter", "label": "Warning letter", "filename": "warning.png",
             "content_type": PNG, "data": image_bytes("PNG", (1200, 800), "white")},
            {"kind": "registration_certificate", "label": "Registration certificate",
             "filename": "C:\\Users\\office\\cert<script>.jpg", "content_type": JPEG,
             "data": image_bytes("JPEG", (900, 1400), "ivory")},
        ],
    )


@pytest.fixture(scope="module")
def pack(inputs):
    return assemble(**inputs)


def test_pack_files_in_order_with_safe_names(pack, inputs):
    assert all(isinstance(spec, PackFileSpec) for spec in pack)
    assert [(s.name, s.role) for s in pack] == [
        ("PNL-2026-000001-request.pdf", "form_pdf"),
        ("PNL-2026-000001-request.docx", "form_docx"),
        ("evidence-01-leave_request.pdf", "evidence"),
        ("evidence-02-warning_letter.png", "evidence"),
        ("evidence-03-registration_certificate.jpg", "evidence"),
        ("PNL-2026-000001-pack-v1.pdf", "merged_pdf"),
        ("manifest.json", "manifest"),
    ]
    for spec in pack:
        assert spec.sha256 == hashlib.sha256(spec.data).hexdigest()
    # Documents and evidence are carried byte for byte.
    originals = [d[2] for d in inputs["documents"]] + [e["data"] for e in inputs["evidence"]]
    assert [s.data for s in pack[:5]] == originals


def test_merged_pdf_has_every_page_in_reading_order(pack):
    merged = PdfReader(io.BytesIO(next(s.data for s in pack if s.role == "merged_pdf")))
    # form (2) + evidence PDF (2) + one A4 page per image (2)
    assert len(merged.pages) == 2 + 2 + 1 + 1
    assert "FORM PAGE ONE" in page_text(merged, 0)
    assert "FORM PAGE TWO" in page_text(merged, 1)
    assert "EVIDENCE LEAVE REQUEST page one" in page_text(merged, 2)
    assert "Evidence 2 of 3: Warning letter" in page_text(merged, 4)
    last = page_text(merged, 5)
    assert "Evidence 3 of 3: Registration certificate" in last
    assert "cert<script>.jpg" in last  # the uploaded name is shown as text, never as markup
    for index in (4, 5):  # image pages are A4
        box = merged.pages[index].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    bookmarks = [item.title for item in merged.outline if not isinstance(item, list)]
    assert bookmarks[1:] == ["Evidence 1: Leave request", "Evidence 2: Warning letter",
                             "Evidence 3: Registration certificate"]


def test_manifest_lists_every_other_file_with_its_sha256(pack, inputs):
    manifest_spec = pack[-1]
    assert manifest_spec.content_type == "application/json"
    manifest = json.loads(manifest_spec.data)
    assert manifest["reference"] == "PNL-2026-000001"
    assert manifest["form"] == {"id": "penalty-notice-leave", "title": inputs["form_title"]}
    assert manifest["version"] == 1
    assert manifest["signed"] == {"name": "Harriet Head", "role": "Head Teacher", "school": "Demo School",
                                  "at": "2026-11-05T14:30:15+00:00"}
    listed = {f["name"]: f for f in manifest["files"]}
    assert list(listed) == [s.name for s in pack[:-1]]
    for spec in pack[:-1]:
        entry = listed[spec.name]
        assert (entry["role"], entry["size"], entry["sha256"], entry["content_type"]) == \
            (spec.role, len(spec.data), hashlib.sha256(spec.data).hexdigest(), spec.content_type)
    assert listed["evidence-01-leave_request.pdf"]["kind"] == "leave_request"
    assert listed["evidence-01-leave_request.pdf"]["label"] == "Leave request"
    assert listed["evidence-01-leave_request.pdf"]["original_filename"] == "leave req.pdf"
    assert listed["evidence-03-registration_certificate.jpg"]["original_filename"] == "cert<script>.jpg"


def test_manifest_and_merged_pdf_are_deterministic(pack, inputs):
    again = assemble(**inputs)
    assert [(s.name, s.sha256) for s in again] == [(s.name, s.sha256) for s in pack]
    manifest = pack[-1].data
    assert manifest == (json.dumps(json.loads(manifest), sort_keys=True, indent=2, ensure_ascii=False)
                        + "\n").encode()
    # The same moment written in another zone is the same signature time.
    other_zone = dict(inputs, signed={**inputs["signed"],
                                      "signed_at": SIGNED_AT.astimezone(dt.timezone(dt.timedelta(hours=1)))})
    assert assemble(**other_zone)[-1].data == manifest


def test_assemble_refuses_a_naive_signing_time(inputs):
    with pytest.raises(ValueError, match="aware"):
        assemble(**dict(inputs, signed={**inputs["signed"], "signed_at": dt.datetime(2026, 11, 5, 14, 30)}))


def test_assemble_refuses_evidence_whose_bytes_are_not_its_type(inputs):
    bad = [{**inputs["evidence"][0], "data": b"MZ not a pdf"}]
    with pytest.raises(EvidenceError):
        assemble(**dict(inputs, evidence=bad))


def test_assemble_refuses_a_path_like_document_name(inputs):
    with pytest.raises(ValueError, match="safe"):
        assemble(**dict(inputs, documents=[("../x.pdf", PDF, inputs["documents"][0][2])]))


def test_assemble_with_no_evidence(inputs):
    files = assemble(**dict(inputs, evidence=[]))
    assert [s.role for s in files] == ["form_pdf", "form_docx", "merged_pdf", "manifest"]
    assert len(PdfReader(io.BytesIO(files[2].data)).pages) == 2
