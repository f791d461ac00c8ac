"""DOCX and PDF of the penalty-notice-leave form (003, Appendix 8): the same words, from one context.

Documents are read back the way a reader's tools would see them: python-docx for the DOCX (body,
tables and footer), pypdf's text extraction for the PDF.
"""
from __future__ import annotations

import http.server
import io
import re
import threading
import urllib.request
import zipfile

import docx
import jinja2
import pytest
from pypdf import PdfReader
from weasyprint.urls import URLFetcher

from forms_service.documents.context import build_context
from forms_service.documents.rendering import (RefusingURLFetcher, RenderError, html_to_pdf, render_docx, render_html,
                                               render_pdf)

from support.doctext import docx_text, pdf_text, squash
from support.sample_data import EVIDENCE, LA, REFERENCE, SCHOOL, SIGNATURE, VERDICT, load_form, referral_data

FORM = load_form()
DOCX_TEMPLATE = "penalty-notice-leave.docx"
HTML_TEMPLATE = "print/penalty-notice-leave.html"

# The seed's own row labels and headings (003, Appendix 8), which both documents must carry.
SEED_LABELS = [
    "To be completed by head teacher",
    "Tick when checked",
    "Name of child",
    "Date of birth",
    "Name of parent/s to be named on the Notice",
    "Address",
    "Address of parent if different",
    "Dates of leave",
    # 003's criterion in that row ("6 sessions (3 consecutive days) or more ...") is the law before
    # 19 August 2024; the national threshold has its own row (issue 15).
    "Unauthorised absence in the 10 school weeks to this request (the national threshold from 19 August "
    "2024: 10 sessions of codes G, N, O and U)",
    "Date child returned to school",
    "Copy of leave request from parent (attached)",
    "Copy of warning letter issued by head teacher (attached)",
    "Confirmation that all school policies are up to date with the new guidance in the local "
    "authority's code of conduct and this has been shared with parents",
    "Head Teacher Signature",
    "School",
    "Date",
    "Print Name",
    "Return to",
]


# --- reading the documents back ---------------------------------------------------------------

def without_page_furniture(text: str) -> str:
    """PDF text, whitespace collapsed, without page footers and repeated table header rows:
    extraction puts them inside a cell that is split over pages."""
    text = re.sub(r"Reference: \S+ (DRAFT – not signed )?Page \d+ of \d+", " ", squash(text))
    return squash(text.replace("To be completed by head teacher Details Tick when checked", " "))


def no_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


def context(data=None, *, signature=SIGNATURE, verdict=VERDICT, evidence=EVIDENCE,
            reference=REFERENCE, school=SCHOOL):
    return build_context(FORM, referral_data() if data is None else data, school=school, la=LA,
                         reference=reference, signature=signature, verdict=verdict, evidence=evidence)


def both(ctx) -> dict[str, str]:
    """{"docx": text, "pdf": text} of one context."""
    return {
        "docx": docx_text(render_docx(DOCX_TEMPLATE, ctx)),
        "pdf": pdf_text(render_pdf(HTML_TEMPLATE, ctx, title=ctx["title"])),
    }


@pytest.fixture(scope="module")
def signed():
    ctx = context()
    docx_bytes = render_docx(DOCX_TEMPLATE, ctx)
    pdf_bytes = render_pdf(HTML_TEMPLATE, ctx, title=ctx["title"])
    return {"ctx": ctx, "docx_bytes": docx_bytes, "pdf_bytes": pdf_bytes,
            "docx": docx_text(docx_bytes), "pdf": pdf_text(pdf_bytes)}


# --- what a reader looks for ------------------------------------------------------------------

READER_PHRASES = [
    "Request to issue a Penalty Notice for leave of absence taken in term time",
    "Source: 003, Appendix 8",
    "PNL-2026-000137",
    "Westcliff Park Academy",
    "Oliver Bennett",
    "14 January 2013",
    "Year 8",
    "K820500112237",
    "17 Marlowe Road Westcliff-on-Sea SS0 7QT",
    "Sarah Bennett (mother)",
    "3 June 1984",
    "Same as child",
    "Daniel Bennett (father)",
    "22 November 1981",
    "Flat 2, 88 Hamlet Court Road Westcliff-on-Sea SS0 7LX",
    "9 March 2026 to 13 March 2026",
    "10 sessions",
    "10 sessions (10 G), from 24 November 2025 to 10 February 2026",
    "16 March 2026",
    "24 March 2026",
    "Attached: Bennett leave request 12-01-2026.pdf",
    "Attached: Warning letter Mr and Mrs Bennett 20-01-2026.pdf",
    "Not attached",
    "Yes",
    FORM["declaration"],
    "Signed electronically by Mrs Amara Okafor, Head Teacher, on 24 March 2026 at 2:05pm",
    "Mrs Amara Okafor",
    "24 March 2026 at 2:05pm",
    "Return to legal-interventions@la.invalid",
    "Penalty notice amounts in force on 24 March 2026",
    "First penalty notice, paid within 21 days: £80",
    "Reference: PNL-2026-000137",
]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_document_says_what_a_reader_looks_for(signed, fmt):
    text = squash(signed[fmt])
    missing = [phrase for phrase in READER_PHRASES + SEED_LABELS if squash(phrase) not in text]
    assert missing == []


def _printed_values(ctx) -> list[str]:
    """Every string the context offers to print (the templates place values, nothing else)."""
    skip = {"form_id", "source", "kind", "number", "heading", "first_name", "last_name",
            "start_date", "end_date", "relationship", "name", "looked_after", "files"}
    values = []

    def walk(value, key=None):
        if key in skip:
            return
        if isinstance(value, str):
            values.extend(line for line in value.split("\n") if line.strip())
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
    walk(ctx)
    return values


def test_docx_and_pdf_carry_the_same_phrases(signed):
    phrases = set(READER_PHRASES + SEED_LABELS + _printed_values(signed["ctx"]))
    in_docx = {p for p in phrases if squash(p) in squash(signed["docx"])}
    in_pdf = {p for p in phrases if squash(p) in squash(signed["pdf"])}
    assert in_docx == in_pdf == phrases


def test_rows_come_in_the_seed_order_in_both(signed):
    order = ["Name of child", "Oliver Bennett", "Sarah Bennett (mother)", "Same as child",
             "Daniel Bennett (father)", "Flat 2, 88 Hamlet Court Road", "Dates of leave",
             "Date child returned to school", "Copy of leave request from parent (attached)",
             "Copy of warning letter issued by head teacher (attached)", "Confirmation that all school",
             "I confirm that", "Head Teacher Signature", "Print Name", "Return to"]
    for fmt in ("docx", "pdf"):
        text = squash(signed[fmt])
        positions = [text.find(phrase) for phrase in order]
        assert -1 not in positions, (fmt, dict(zip(order, positions)))
        assert positions == sorted(positions), fmt


def test_one_row_set_per_parent(signed):
    for fmt in ("docx", "pdf"):
        text = squash(signed[fmt])
        assert text.count("Name of parent/s to be named on the Notice") == 2, fmt
        assert text.count("Address of parent if different") == 2, fmt


def test_both_are_a4(signed):
    document = docx.Document(io.BytesIO(signed["docx_bytes"]))
    for section in document.sections:
        assert round(section.page_width.mm) == 210
        assert round(section.page_height.mm) == 297
    reader = PdfReader(io.BytesIO(signed["pdf_bytes"]))
    for page in reader.pages:
        assert round(float(page.mediabox.width) * 25.4 / 72) == 210
        assert round(float(page.mediabox.height) * 25.4 / 72) == 297


def test_pdf_metadata_and_footer(signed):
    reader = PdfReader(io.BytesIO(signed["pdf_bytes"]))
    assert reader.metadata.title == FORM["title"]
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {pages}" in text
        assert "Reference: PNL-2026-000137" in text


def test_docx_metadata_and_footer_fields(signed):
    document = docx.Document(io.BytesIO(signed["docx_bytes"]))
    assert document.core_properties.title == FORM["title"]
    assert document.core_properties.language == "en-GB"
    footer_xml = document.sections[0].footer._element.xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml


# --- draft and signed ----------------------------------------------------------------------------

def test_a_draft_says_draft_and_carries_no_signature():
    texts = both(context(signature=None, reference=None))
    for fmt, text in texts.items():
        flat = squash(text)
        assert "DRAFT – not signed" in flat, fmt
        assert "must not be sent to the local authority" in flat, fmt
        assert "Signed electronically" not in flat, fmt
        assert "Mrs Amara Okafor" not in flat, fmt
        assert "Head Teacher Signature Not signed" in flat, fmt
        assert "Not assigned yet" in flat, fmt


def test_a_signed_form_is_not_marked_draft(signed):
    for fmt in ("docx", "pdf"):
        assert "DRAFT" not in signed[fmt], fmt
        assert "Signed by the head teacher" in signed[fmt], fmt


# --- partial and odd data --------------------------------------------------------------------------

PARTIAL = [
    {},
    {"pupil": {"first_name": "Oliver"}},
    {"pupil": None, "parents": None, "leave": None, "figures": None},
    {"parents": [{}], "leave": {"start_date": referral_data()["leave"]["start_date"]}},
    {"parents": [{"name": "Sarah Bennett"}], "previous_penalty_notices": [{}],
     "policies_confirmed": False},
    # Wrong types, as an unvalidated draft might hold them: shown as typed, never a crash.
    {"pupil": {"date_of_birth": "not a date", "looked_after": "maybe"}, "parents": "Sarah",
     "leave": {"start_date": "2026-03-09", "end_date": 20260313}, "figures": {"leave_sessions": True},
     "referral_date": ["x"]},
]


@pytest.mark.parametrize("data", PARTIAL)
def test_partial_data_renders(data):
    texts = both(context(data, signature=None, verdict=None, evidence=[]))
    for fmt, text in texts.items():
        assert "Not given" in text, fmt
        assert "Request to issue a Penalty Notice" in text, fmt


def test_partial_data_shows_what_it_has():
    data = {"pupil": {"first_name": "Oliver"}, "leave": {"start_date": "2026-03-09"},
            "policies_confirmed": False}
    for fmt, text in both(context(data, signature=None, verdict=None, evidence=[])).items():
        flat = squash(text)
        assert "Name of child Oliver" in flat, fmt
        assert "9 March 2026 to Not given" in flat, fmt
        assert "shared with parents No" in flat, fmt


def test_the_register_figure_wins_over_the_typed_one():
    data = referral_data()
    data["figures"]["leave_sessions"] = 8
    verdict = {**VERDICT, "figures": {"leave_sessions": 12}}
    for fmt, text in both(context(data, verdict=verdict)).items():
        assert "12 sessions" in text and "8 sessions" not in text, fmt
    for fmt, text in both(context(data, verdict=None)).items():
        assert "8 sessions" in text, fmt


def test_the_threshold_row_says_which_law_applied():
    """From 19 August 2024 the row gives the rules' count of unauthorised sessions and its mix; for a
    request dated before, that the national threshold was not applied (003's minimum was the rule)."""
    mixed = {**VERDICT, "figures": {"leave_sessions": 6, "unauthorised_sessions_10wk": 10},
             "rules": [{"id": "unauthorised_sessions_threshold", "status": "pass", "details": {
                 "window_start": "2025-11-24", "window_end": "2026-02-10", "by_code": {"G": 6, "U": 4}}}]}
    for fmt, text in both(context(verdict=mixed)).items():
        assert "10 sessions (6 G, 4 U), from 24 November 2025 to 10 February 2026" in squash(text), fmt
    before = {**VERDICT, "rules": [{"id": "unauthorised_sessions_threshold", "status": "pass",
                                    "details": {"in_force": False}}]}
    for fmt, text in both(context(verdict=before)).items():
        assert "Not applied: the request is dated before 19 August 2024" in squash(text), fmt


def test_penalty_amounts_come_only_from_the_verdict():
    for fmt, text in both(context(verdict=None)).items():
        assert "£" not in text, fmt  # nothing from template text (the seed's £60/£120 are out of date)
        assert "Penalty notice amounts" not in text, fmt
    odd = {"rules": [{"id": "penalty_notice_limit", "status": "pass", "details": {"amounts": "£60"}}]}
    for fmt, text in both(context(verdict=odd)).items():
        assert "£" not in text, fmt


# --- user text is data ------------------------------------------------------------------------------

LONG_WORDS = "This family asked for the leave to attend a wedding overseas and provided a letter. " * 40
LONG_RUN = "x" * 500
RLM = "\u200f"

HOSTILE = {
    "template_expression": "{{ 7*7 }}",
    "template_statement": "{% for x in y %}",
    "docxtpl_markers": "{_{ raw }_} {_% raw %_}",
    "script": "<script>alert(1)</script>",
    "img": '<img src="http://127.0.0.1:9/x">',
    "css_url": "background: url(http://127.0.0.1:9/y)",
    "ampersand_quotes": 'St Mary & St John\'s "Academy"',
    "welsh": "Siân Llŷr",
    "polish": "Zofia Wójcik-Żak",
    "emoji": "Holiday 😀 photos",
    "rtl": f"Amira{RLM} Haddad",
}


def hostile_data() -> dict:
    data = referral_data()
    data["pupil"].update(first_name=HOSTILE["template_expression"],
                         last_name=HOSTILE["template_statement"],
                         year_group=HOSTILE["docxtpl_markers"],
                         address=f"{HOSTILE['css_url']}\n{LONG_WORDS}\n{LONG_RUN}")
    data["parents"] = [
        {"name": HOSTILE["script"], "relationship": HOSTILE["rtl"],
         "date_of_birth": data["parents"][0]["date_of_birth"], "address": HOSTILE["img"]},
        {"name": HOSTILE["welsh"], "relationship": "mother",
         "date_of_birth": data["parents"][1]["date_of_birth"], "address": ""},
        {"name": HOSTILE["polish"], "relationship": "carer",
         "date_of_birth": data["parents"][1]["date_of_birth"], "address": HOSTILE["ampersand_quotes"]},
    ]
    return data


@pytest.fixture(scope="module")
def hostile():
    evidence = [{"kind": "leave_request", "filename": HOSTILE["emoji"] + ".pdf"}]
    ctx = context(hostile_data(), evidence=evidence,
                  school={"name": HOSTILE["ampersand_quotes"]})
    docx_bytes = render_docx(DOCX_TEMPLATE, ctx)
    pdf_bytes = render_pdf(HTML_TEMPLATE, ctx, title=ctx["title"])
    return {"docx_bytes": docx_bytes, "docx": docx_text(docx_bytes), "pdf": pdf_text(pdf_bytes)}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("name", sorted(set(HOSTILE) - {"rtl"}))
def test_hostile_text_appears_literally(hostile, fmt, name):
    if fmt == "docx":
        assert HOSTILE[name] in hostile["docx"]
    else:
        # A PDF line may wrap anywhere in a URL ("…:9/" then "y)"), and extraction adds the break.
        assert no_space(HOSTILE[name]) in no_space(hostile["pdf"])


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_template_syntax_in_user_text_is_not_evaluated(hostile, fmt):
    assert "49" not in hostile[fmt]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_very_long_text_is_kept_whole(hostile, fmt):
    text = without_page_furniture(hostile[fmt])
    assert squash(LONG_WORDS) in text
    assert LONG_RUN in no_space(text)  # the PDF wraps the unbroken run inside the cell


def test_right_to_left_mark_is_kept(hostile):
    # The DOCX keeps the invisible mark itself; the PDF draws no glyph for it, so its text
    # extraction shows the words around it.
    assert HOSTILE["rtl"] in hostile["docx"]
    assert "Amira" in hostile["pdf"] and "Haddad" in hostile["pdf"]


def test_docx_escapes_markup_in_the_xml(hostile):
    with zipfile.ZipFile(io.BytesIO(hostile["docx_bytes"])) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml
    assert "<script>" not in xml and "<img" not in xml


def test_control_characters_cannot_break_the_docx():
    data = referral_data()
    data["pupil"]["first_name"] = "Ol\x00iv\x07er\x0c \ud800"  # NUL, BEL (docxtpl: new paragraph), FF (page break)
    ctx = context(data)
    texts = both(ctx)
    for fmt, text in texts.items():
        assert "Oliver \ufffd Bennett" in text, fmt


# --- the PDF renderer fetches nothing --------------------------------------------------------------------

class Canary:
    """A tiny HTTP server on loopback that records every request it gets."""

    def __init__(self):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.close()


def test_pdf_render_makes_no_request_for_urls_in_user_text(canary):
    data = referral_data()
    data["pupil"]["first_name"] = f'<img src="{canary.url("x")}">'
    data["pupil"]["address"] = f"background: url({canary.url('y')}); @import url({canary.url('z')});"
    data["parents"][0]["name"] = f'<link rel="stylesheet" href="{canary.url("w")}">'
    data["parents"][1]["address"] = f'<iframe src="{canary.url("v")}"></iframe>'
    ctx = context(data)
    text = pdf_text(render_pdf(HTML_TEMPLATE, ctx, title=ctx["title"]))
    assert no_space(f'<img src="{canary.url("x")}">') in no_space(text)
    assert canary.requests == []
    # The canary does hear requests: this one is ours.
    urllib.request.urlopen(canary.url("control"), timeout=5).read()
    assert canary.requests == ["/control"]


def test_the_fetcher_refuses_even_what_a_template_asks_for(canary):
    # Defence in depth: if a template (not user text) ever referenced a resource, rendering
    # stops with an ordinary exception instead of fetching it.
    assert isinstance(RefusingURLFetcher(), URLFetcher)
    html = (f'<html><head><link rel="stylesheet" href="{canary.url("a.css")}"></head>'
            f'<body><img src="{canary.url("b.png")}"><p style="background: url({canary.url("c")})">x</p>'
            "</body></html>")
    with pytest.raises(RenderError):
        html_to_pdf(html, title="t")
    assert canary.requests == []


def test_file_urls_are_refused_too(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    with pytest.raises(RenderError):
        html_to_pdf(f'<link rel="stylesheet" href="{secret.as_uri()}"><p>x</p>', title="t")


# --- templates are strict -----------------------------------------------------------------------------

def test_a_missing_variable_is_an_error_not_a_blank(signed):
    ctx = dict(signed["ctx"])
    del ctx["declaration"]
    with pytest.raises(jinja2.UndefinedError):
        render_html(HTML_TEMPLATE, ctx)
    with pytest.raises(jinja2.UndefinedError):
        render_docx(DOCX_TEMPLATE, ctx)


@pytest.mark.parametrize("name", ["../docx/penalty-notice-leave.docx", "/etc/passwd.docx", "x.html"])
def test_template_names_are_not_paths(signed, name):
    with pytest.raises(RenderError):
        render_docx(name, signed["ctx"])


def test_html_is_escaped(signed):
    data = referral_data()
    data["pupil"]["first_name"] = "<b>Oliver</b>"
    html = render_html(HTML_TEMPLATE, context(data))
    assert "&lt;b&gt;Oliver&lt;/b&gt;" in html and "<b>Oliver" not in html


def test_initials_skip_invisible_and_punctuation_before_the_first_letter():
    from forms_service.formatting import initials
    assert initials({"first_name": "Oliver", "last_name": "Bennett"}) == "O.B."
    assert initials({"first_name": "\u202eOliver", "last_name": "'O'Brien"}) == "O.O."
    assert initials({"first_name": "łukasz", "last_name": "Żółkiewski"}) == "Ł.Ż."
    assert initials({"first_name": "", "last_name": None}) == "?.?."


def test_a_letter_pdf_is_tagged_pdf_ua_with_its_title_and_language():
    """Issue 8: PDFs made for people carry a title, a language and a tagged structure (PDF/UA-1)."""
    import io
    import json
    from pathlib import Path

    from pypdf import PdfReader

    from forms_service.documents.context import build_context
    from forms_service.documents.rendering import render_pdf
    from forms_service.formdefs import get_form

    form = get_form("final-warning")
    sample = json.loads((Path(__file__).parent / "samples" / "final-warning.json").read_text(encoding="utf-8"))
    data = form.schema(complete=True).load(sample)
    context = build_context(form.raw, data, school={"name": "Westcliff Park Academy"},
                            la={"name": "Demo Borough Council", "inbox": "x@la.invalid"}, reference=None,
                            signature=None, recipient=0)
    doc = form.documents[0]
    reader = PdfReader(io.BytesIO(render_pdf(doc["html"], context, title=doc["title"])))
    root = reader.trailer["/Root"]
    assert reader.metadata.title == doc["title"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/StructTreeRoot"]["/Type"] == "/StructTreeRoot"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()  # declares PDF/UA-1 in its XMP
