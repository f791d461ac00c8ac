"""The school's letterhead (issue 18): every letter and form the school sends is headed with its name,
address, telephone, email, headteacher and logo, in both the DOCX and the PDF; the LA's notices are
not. The logo is bytes an administrator uploads (or `create-school --logo` reads), checked as an image
(PNG, JPEG) or as an SVG that refers to nothing outside itself; never a URL. Demo School has one."""
from __future__ import annotations

import datetime as dt
import io
import json
import struct
import zlib
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from forms_service import logos
from forms_service.access.accounts import DEMO_SCHOOL_LETTERHEAD
from forms_service.cli import main
from forms_service.documents.letterhead import letterhead
from forms_service.formdefs import load_forms
from forms_service.models import AuditEvent, School, db

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import csrf, login, text
from support.records import office

SAMPLES = Path(__file__).resolve().parent / "samples"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">'
       b'<rect width="120" height="60" rx="8" fill="#1d70b8"/><circle cx="30" cy="30" r="18" fill="#fff"/></svg>')
SCHOOL = {"name": "Brindley Park High School", "address": "44 Brindley Road\nReddish\nStockport\nSK5 6QT",
          "telephone": "0161 496 0123", "email": "office@brindleypark.example", "headteacher_name": "Mrs Ruth Okafor"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}


def png(width: int = 200, height: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (29, 112, 184)).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 200, height: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (29, 112, 184)).save(out, "JPEG")
    return out.getvalue()


def png_of_size(total: int) -> bytes:
    """A valid PNG of exactly `total` bytes: a small image with a text chunk of filler before IEND."""
    body = png(10, 10)
    iend = body[-12:]
    overhead = len(body) + 12 + len(b"Comment\x00")  # the chunk's length, type and CRC, and its keyword
    filler = b"Comment\x00" + b"x" * (total - overhead)
    chunk = struct.pack(">I", len(filler)) + b"tEXt" + filler + struct.pack(">I", zlib.crc32(b"tEXt" + filler))
    data = body[:-12] + chunk + iend
    assert len(data) == total
    return data


# --- the logo check -------------------------------------------------------------------------------

@pytest.mark.parametrize("data, kind", [(png(), "image/png"), (jpeg(), "image/jpeg"), (SVG, "image/svg+xml"),
                                        (b'<?xml version="1.0" encoding="UTF-8"?>\n' + SVG, "image/svg+xml")])
def test_png_jpeg_and_svg_logos_are_accepted(data, kind):
    assert logos.check(data) == (data, kind)


@pytest.mark.parametrize("size, accepted", [(logos.MAX_BYTES - 1, True), (logos.MAX_BYTES, True),
                                            (logos.MAX_BYTES + 1, False)])
def test_the_size_limit_at_its_boundary(size, accepted):
    data = png_of_size(size)
    if accepted:
        assert logos.check(data)[1] == "image/png"
    else:
        with pytest.raises(logos.LogoError, match="512 KB or smaller"):
            logos.check(data)


@pytest.mark.parametrize("width, height, accepted", [(4000, 4000, True), (4001, 4000, False), (4000, 4001, False)])
def test_the_pixel_limit_at_its_boundary(width, height, accepted):
    data = png(width, height)  # one colour: a few KB however many pixels, as a decompression bomb is
    if accepted:
        assert logos.check(data)[1] == "image/png"
    else:
        with pytest.raises(logos.LogoError, match="4000 by 4000 pixels"):
            logos.check(data)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "must be a PNG, JPEG or SVG"),
    (png()[:60], "damaged or not really an image"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "damaged or not really an image"),
    (b"<html><body>not an image</body></html>", "must be a PNG, JPEG or SVG"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not allowed (<script>)"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "contains script"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.org/a.png"/></svg>', "not allowed (<image>)"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
     b'<use xlink:href="file:///etc/passwd#x"/></svg>', "links to another file"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://example.org/p)"/></svg>', "refers to another"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url( \'http://example.org/p\' )"/></svg>', "refers to another"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://example.org/a.css";</style></svg>',
     "style refers to another"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>', "not allowed"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&e;</text></svg>', "DTD or entities"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "DTD or entities"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect', "not well-formed"),
    (b'<svg><rect/></svg>', "must be a PNG, JPEG or SVG"),  # no SVG namespace: not an SVG document
])
def test_a_logo_that_is_not_a_plain_image_is_refused_with_a_reason(data, message):
    with pytest.raises(logos.LogoError, match=message.replace("(", r"\(").replace(")", r"\)")):
        logos.check(data)


def test_an_svg_may_refer_to_its_own_parts():
    own = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40">'
           b'<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient>'
           b'<circle id="c" r="10" cx="20" cy="20"/></defs><use xlink:href="#c" fill="url(#g)"/></svg>')
    assert logos.check(own)[1] == "image/svg+xml"


def test_only_a_data_uri_of_an_accepted_type_reaches_a_document():
    uri = logos.data_uri(png(), "image/png")
    assert letterhead({"name": "A", "logo_uri": uri})["logo_uri"] == uri
    for other in ("https://example.org/logo.png", "file:///etc/passwd", "data:text/html;base64,PGI+eDwvYj4=",
                  "data:image/png;base64,!!!!", 42):
        assert letterhead({"name": "A", "logo_uri": other})["logo_uri"] == ""


# --- every document the school sends, in both formats ---------------------------------------------

def _school_documents():
    for form in load_forms().values():
        if not (SAMPLES / f"{form.id}.json").exists():
            continue
        for doc in form.documents:
            yield pytest.param(form.id, doc, id=f"{form.id}:{doc['id']}")


@pytest.mark.parametrize("form_id, doc", list(_school_documents()))
def test_every_document_the_school_sends_is_headed_with_its_letterhead(form_id, doc):
    case = FormCase(form_id, school={**SCHOOL, "logo_uri": logos.data_uri(png(), "image/png")}, la=LA,
                    reference="REF-2026-000001", today=dt.date(2026, 3, 6))
    data = case.sample()
    if doc.get("when"):  # a document that exists once an answer is given (a contract's review)
        if doc not in case.form.documents_for(data):
            pytest.skip(f"{doc['id']} needs {doc['when']}")
    both = case.render(doc, case.context(data, recipient=0 if doc.get("per") == "parent" else None))
    lines = ["44 Brindley Road, Reddish, Stockport, SK5 6QT", "Telephone: 0161 496 0123",
             "Email: office@brindleypark.example", "Headteacher: Mrs Ruth Okafor"]
    for fmt in ("docx", "pdf"):
        # A request's PDF is watermarked DRAFT until signed (print/base.html): the watermark's word comes first.
        words = both[fmt].removeprefix("DRAFT ")
        assert words.startswith(squash("Brindley Park High School")), (fmt, words[:200])
        for line in lines:
            assert squash(line) in words, (fmt, line)
        # Above everything else: the letterhead comes before the document's own first words.
        assert words.find("Headteacher: Mrs Ruth Okafor") < len(words) // 3
    assert len(docx.Document(io.BytesIO(both["docx_bytes"])).inline_shapes) == 1
    assert len(PdfReader(io.BytesIO(both["pdf_bytes"])).pages[0].images) == 1


def test_a_school_with_only_its_name_prints_no_empty_lines():
    case = FormCase("stage2-letter", school={"name": "Brindley Park High School"}, la=LA, reference="S2L-1",
                    today=dt.date(2026, 3, 6))
    context = case.context(recipient=0)
    assert context["letterhead"]["details"] == "" and context["letterhead"]["logo_uri"] == ""
    both = case.render(case.form.documents[0], context)
    for fmt in ("docx", "pdf"):
        assert "Telephone" not in both[fmt] and "Not given" not in both[fmt]
    assert len(docx.Document(io.BytesIO(both["docx_bytes"])).inline_shapes) == 0


def test_an_svg_logo_is_drawn_in_the_pdf_and_as_a_picture_in_word():
    case = FormCase("stage2-letter", school={**SCHOOL, "logo_uri": logos.data_uri(SVG, logos.SVG)}, la=LA,
                    reference="S2L-1", today=dt.date(2026, 3, 6))
    both = case.render(case.form.documents[0], case.context(recipient=0))
    shapes = docx.Document(io.BytesIO(both["docx_bytes"])).inline_shapes
    assert len(shapes) == 1 and shapes[0].height == docx.shared.Mm(16)
    picture = [part for part in docx.Document(io.BytesIO(both["docx_bytes"])).part.package.parts
               if part.partname.startswith("/word/media/")]
    assert len(picture) == 1 and picture[0].blob.startswith(b"\x89PNG")  # drawn from the SVG for Word
    page = PdfReader(io.BytesIO(both["pdf_bytes"])).pages[0]
    assert "/XObject" in page["/Resources"]  # WeasyPrint draws the SVG as a form of its own
    assert len(PdfReader(io.BytesIO(both["pdf_bytes"])).pages) == 1  # the Stage 2 letter stays on one page


def test_the_las_notices_carry_no_school_letterhead():
    from test_notice_documents import KINDS, sample_context

    from forms_service.documents.rendering import render_html

    for kind in KINDS:
        context = sample_context(kind)
        assert "letterhead" not in context
        assert 'class="letterhead' not in render_html(f"print/{kind}.html", context)


# --- set by the LA's admin, and by the command line -----------------------------------------------

def _school_form(client, school_id: int) -> dict:
    page = client.get(f"/admin/schools/{school_id}")
    assert page.status_code == 200
    return {"csrf_token": csrf(text(page)), "name": "Demo School", "turn_emails": ["email_head_awaiting_signoff"]}


def _demo_school(app) -> School:
    with app.app_context():
        school = db.session.scalar(db.select(School).filter_by(name="Demo School"))
        db.session.expunge(school)
        return school


def test_demo_school_has_a_full_example_letterhead(app):
    school = _demo_school(app)
    assert (school.address, school.telephone, school.email, school.headteacher_name) == tuple(
        DEMO_SCHOOL_LETTERHEAD[k] for k in ("address", "telephone", "email", "headteacher_name"))


@pytest.mark.db
def test_the_admin_sets_the_letterhead_and_a_stage_2_letter_prints_it(app, client):
    school_id = _demo_school(app).id
    login(client, "admin@demo.la")
    form = {**_school_form(client, school_id), "address": " 1 Lark Rise \r\n\r\nCandleford\nOX1 1AA ",
            "telephone": "01632 960 555", "email": " office@larkrise.example ", "headteacher_name": "Dorcas Lane",
            "logo": (io.BytesIO(png()), "crest.png")}
    saved = client.post(f"/admin/schools/{school_id}", data=form, content_type="multipart/form-data")
    assert saved.status_code == 302, text(saved)[:3000]
    school = _demo_school(app)
    assert school.address == "1 Lark Rise\nCandleford\nOX1 1AA" and school.email == "office@larkrise.example"
    assert school.logo_type == "image/png"
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="admin_school_updated")
                                   .order_by(AuditEvent.id.desc())).first()
        assert len(event.detail["changes"]["logo"]["to"]) == 64  # the logo's SHA-256, never the image
    client.get("/sign-out")

    # A Stage 2 letter made by the office prints it (issue 18's "done when").
    headers = office(client)
    data = json.loads((SAMPLES / "stage2-letter.json").read_text())
    created = client.post("/api/v1/referrals", headers=headers, json={"form": "stage2-letter", "data": data})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    login(client, "office@demo.school")
    pdf = client.get(f"/referrals/{rid}/letter/stage2-letter.pdf?to=1")
    assert pdf.status_code == 200, text(pdf)[:2000]
    words = squash(pdf_text(pdf.data))
    for line in ("Demo School", "1 Lark Rise, Candleford, OX1 1AA", "Telephone: 01632 960 555",
                 "Email: office@larkrise.example", "Headteacher: Dorcas Lane"):
        assert squash(line) in words, line
    assert len(PdfReader(io.BytesIO(pdf.data)).pages[0].images) == 1
    word = client.get(f"/referrals/{rid}/letter/stage2-letter.docx?to=1")
    assert word.status_code == 200 and squash("Telephone: 01632 960 555") in squash(docx_text(word.data))


@pytest.mark.parametrize("change, field, message", [
    ({"telephone": "call the office"}, "telephone", "Enter a telephone number"),
    ({"email": "office at school"}, "email", "Enter an email address in the correct format"),
    ({"address": "\n".join(f"line {n}" for n in range(8))}, "address", "7 lines or fewer"),
    ({"address": "x" * 401}, "address", "400 characters or fewer"),
    ({"logo": (b"GIF89a\x01\x00", "crest.gif")}, "logo", "must be a PNG, JPEG or SVG"),
    ({"logo": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "crest.svg")}, "logo", "contains script"),
])
def test_each_letterhead_field_is_checked_and_named(app, client, change, field, message):
    school_id = _demo_school(app).id
    login(client, "admin@demo.la")
    before = _demo_school(app)
    change = {key: (io.BytesIO(value[0]), value[1]) if key == "logo" else value for key, value in change.items()}
    form = {**_school_form(client, school_id), "address": "1 Lark Rise", "telephone": "01632 960 555", **change}
    response = client.post(f"/admin/schools/{school_id}", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert f'href="#{field}"' in page and message in page
    after = _demo_school(app)
    assert (after.address, after.telephone, after.logo_type) == (before.address, before.telephone, before.logo_type)


def test_the_logo_can_be_removed(app, client):
    school_id = _demo_school(app).id
    login(client, "admin@demo.la")
    form = {**_school_form(client, school_id), "logo": (io.BytesIO(SVG), "crest.svg")}
    assert client.post(f"/admin/schools/{school_id}", data=form, content_type="multipart/form-data").status_code == 302
    assert _demo_school(app).logo_type == "image/svg+xml"
    page = text(client.get(f"/admin/schools/{school_id}"))
    assert "The school has a logo (SVG)" in page
    form = {**_school_form(client, school_id), "address": DEMO_SCHOOL_LETTERHEAD["address"],
            "telephone": DEMO_SCHOOL_LETTERHEAD["telephone"], "email": DEMO_SCHOOL_LETTERHEAD["email"],
            "headteacher_name": DEMO_SCHOOL_LETTERHEAD["headteacher_name"], "remove_logo": "y"}
    assert client.post(f"/admin/schools/{school_id}", data=form, content_type="multipart/form-data").status_code == 302
    assert _demo_school(app).logo_type is None


def test_create_school_sets_the_letterhead(tmp_path):
    logo = tmp_path / "crest.jpg"
    logo.write_bytes(jpeg())
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    runner = CliRunner()
    assert runner.invoke(main, ["db-upgrade"], env=env).exit_code == 0
    assert runner.invoke(main, ["create-la", "--name", "Demo Local Authority", "--inbox", "legal@la.test"],
                         env=env).exit_code == 0
    result = runner.invoke(main, ["create-school", "--name", "Lark Rise Primary", "--la", "Demo Local Authority",
                                  "--address", "1 Lark Rise\\nCandleford\\nOX1 1AA", "--telephone", "01632 960 555",
                                  "--email", "office@larkrise.example", "--headteacher", "Dorcas Lane",
                                  "--logo", str(logo)], env=env)
    assert result.exit_code == 0, result.output
    assert "letterhead set (address, telephone, email, headteacher_name, logo)" in result.output
    from forms_service import create_app

    with create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]}).app_context():
        school = db.session.scalar(db.select(School).filter_by(name="Lark Rise Primary"))
        assert (school.address, school.logo_type) == ("1 Lark Rise\nCandleford\nOX1 1AA", "image/jpeg")
    bad = logo.with_suffix(".gif")
    bad.write_bytes(b"GIF89a\x01\x00")
    for args, hint in ((["--telephone", "call us"], "--telephone"), (["--email", "nope"], "--email"),
                       (["--logo", str(bad)], "--logo"), (["--headteacher", "Dorcas\tLane"], "--headteacher")):
        result = runner.invoke(main, ["create-school", "--name", "Lark Rise Primary", "--la", "Demo Local Authority",
                                      *args], env=env)
        assert result.exit_code == 2 and hint in result.output, (args, result.output)
