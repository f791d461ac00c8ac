"""Hostile text in every free-text answer of every form (tests/support/payloads.py), through every output:
the documents' print HTML, the Word documents, the PDFs, the web pages (question pages, check your
answers, the document preview) and the email of a sent pack. Each shows the text literally: a
template tag is not evaluated (7*7 stays 7*7), markup is shown as text and never becomes an element,
nothing is fetched (a canary HTTP server on loopback, named in the payloads, hears nothing), and
characters the validation refuses are refused with a 422 naming the answer.

Rendering is the slow part, so the matrix is chosen: every payload through every document's HTML
one at a time, for every parent a letter goes to; in the Word documents and the PDFs the payloads are
dealt out across the answers each document shows, as many to an answer as it holds, so one or two
renderings carry the whole corpus; the long texts fill every Word document, and the PDFs of the two
forms that hold the most text.
"""
from __future__ import annotations

import collections
import http.server
import io
import json
import pathlib
import re
import threading
import urllib.parse
import urllib.request
import zipfile

import lxml.html
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from forms_service.delivery import outbox as delivery
from forms_service.documents.context import build_context
from forms_service.documents.rendering import RenderError, html_to_pdf, render_docx, render_html, render_pdf
from forms_service.formdefs import load_forms
from forms_service.models import User, db
from forms_service.policies import load_profile
from forms_service.referrals.evidence import safe_display_name
from forms_service.rules import evaluate

from support.doctext import docx_text
from support.helpers import (api_token, bearer, json_data, login, make_pdf, profile_used_for, register_json_for,
                             set_profile, text)
from support.payloads import REFUSED, Deal, Payload, fill, fit, squash_ws, text_fields, visible, with_canary
from support.sample_data import LA, SCHOOL, SIGNATURE
from support.smtp_server import free_port, running_sink

FORMS = list(load_forms().values())
FORM_IDS = [f.id for f in FORMS]
SAMPLES = pathlib.Path(__file__).resolve().parent / "samples"
REFERENCE = "HOS-2026-000123"
API = "/api/v1"

# How many (payload, answer) readings each output was checked for: the README's figure.
TRIED: collections.Counter = collections.Counter()


# --- the canary: a web server on loopback that records every connection ---------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    def _hit(self):
        self.server.requests.append((self.command, self.path))
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = _hit

    def log_message(self, *args):
        pass


class Canary(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        # Its address is in most payloads, and a template evaluated is found by "49" (7*7) appearing
        # more often than typed: a port with "49" in it, shown twice by a document, read as one (seen
        # in CI, port …49…). So a port without it.
        port = next(p for p in iter(free_port, None) if "49" not in str(p))
        super().__init__(("127.0.0.1", port), _Recorder)
        self.connections = 0
        self.requests: list[tuple[str, str]] = []

    def verify_request(self, request, client_address):
        self.connections += 1  # every connection counts, even one that never sends a request
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="module")
def canary():
    server = Canary()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The canary hears a real request: the zero hits asserted later mean something.
    with urllib.request.urlopen(f"{server.url}/probe", timeout=5) as reply:
        assert reply.status == 200
    assert server.requests == [("GET", "/probe")] and server.connections == 1
    server.requests.clear()
    server.connections = 0
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def payloads(canary) -> list[Payload]:
    return with_canary(canary.url)


@pytest.fixture(scope="module", autouse=True)
def report_tried():
    yield
    if TRIED:
        print("\nhostile payloads: (payload, answer) readings checked per output:",
              dict(sorted(TRIED.items())), "total", sum(TRIED.values()))


# --- building the documents ---------------------------------------------------------------------

def sample(form) -> dict:
    return json.loads((SAMPLES / f"{form.id}.json").read_text(encoding="utf-8"))


def recipients(form, doc, data) -> list[int | None]:
    return list(range(len(data.get("parents") or []))) if doc.get("per") == "parent" else [None]


def context(form, data: dict, *, recipient: int | None = None) -> dict:
    """The documents' context, as the service builds it: the answers loaded through the form's own
    schema (so each payload is one the validation accepts) and the rules' verdict. (Hostile names
    of uploaded files: test_a_sent_pack_keeps_hostile_text_literally.)"""
    loaded = form.schema(complete=True).load(data)
    loaded["evidence"] = [e["kind"] for e in form.evidence]
    verdict = evaluate(form, loaded, profile=load_profile(form.raw.get("sample_profile", "national-2024")))
    uploads = [{"kind": e["kind"], "filename": f"{e['kind']}.pdf"} for e in form.evidence]
    return build_context(form.raw, loaded, school=SCHOOL, la=LA, reference=REFERENCE, signature=SIGNATURE,
                         verdict=verdict.to_dict(), evidence=uploads, recipient=recipient)


def html_text(html: str) -> str:
    return squash_ws(" ".join(lxml.html.document_fromstring(html).itertext()))


def html_shape(html: str) -> list[tuple]:
    """Every element and its attribute names, in order: user text that became markup changes it."""
    return [(str(el.tag), tuple(sorted(el.attrib))) for el in lxml.html.document_fromstring(html).iter()]


def shown_markers(text_: str, given: dict[str, str]) -> list[str]:
    return [m for m in given if m in text_]


def count_49(text_: str) -> int:
    return text_.count("49")


# --- print HTML: every payload, one at a time, through every document ----------------------------

@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_every_payload_reads_literally_in_every_documents_html(form, payloads):
    base_data, base_given = fill(form, sample(form), None)
    problems = []
    for doc in form.documents:
        for to in recipients(form, doc, base_data):
            baseline = render_html(doc["html"], context(form, base_data, recipient=to))
            base_text, base_shape = html_text(baseline), html_shape(baseline)
            shown = shown_markers(base_text, base_given)
            assert shown, f"{doc['id']}: no answer is shown at all"
            for payload in payloads:
                data, given = fill(form, sample(form), payload)
                html = render_html(doc["html"], context(form, data, recipient=to))
                where = f"{doc['id']} (to {to}) with {payload.id}"
                if html_shape(html) != base_shape:
                    problems.append(f"{where}: the answers changed the page's elements")
                page = html_text(html)
                for tag in shown:
                    if squash_ws(given[tag]) not in page:
                        problems.append(f"{where}: answer {tag} is not shown literally")
                allowed = count_49(base_text) + sum(count_49(v) for v in given.values())
                if count_49(page) > allowed:
                    problems.append(f"{where}: 49 appears more often than typed (a template was evaluated)")
                TRIED["print html"] += len(shown)
    assert not problems, "\n".join(problems[:20])


def test_text_fields_come_from_the_declarations():
    """The corpus reaches every free-text answer the forms declare, list items included."""
    for form in FORMS:
        fields = text_fields(form)
        data, given = fill(form, sample(form), None)
        assert len(given) >= len(fields) > 0, form.id
        form.schema(complete=True).load(data)  # the filled sample is still a complete, valid answer set


# --- Word documents and PDFs: the payloads dealt out across the answers ---------------------------

def dealt(form, doc, to, payloads, shown: set[str], render, *, long: bool = True):
    """Renders of `doc` until every short payload has been given whole to an answer it shows (each
    answer as many as it holds: tests/support/payloads.Deal), then one with the long payloads, which fill
    every answer to its limit in turn. Yields (what, given answers, the payloads each holds, output)."""
    deal = Deal(payloads, shown)
    for _ in range(len(deal.payloads)):
        before = len(deal.covered)
        deal.placed = {}
        data, given = fill(form, sample(form), deal)
        yield f"deal {before}+", given, deal.placed, render(context(form, data, recipient=to))
        if len(deal.covered) in (before, len(deal.payloads)):
            break
    assert len(deal.covered) == len(deal.payloads), f"{doc['id']}: {len(shown)} answers cannot hold the corpus"
    if not long:
        return
    longs = [p for p in payloads if p.long]
    turn = iter(range(10**6))

    def long_text(tag, f, room):
        return fit(longs[next(turn) % len(longs)].text, f, room, long=True)

    data, given = fill(form, sample(form), long_text)
    yield "long", given, {tag: ["long"] for tag in shown}, render(context(form, data, recipient=to))


_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_parts(data: bytes) -> dict[str, etree._Element]:
    """Every XML part of a .docx, parsed strictly (malformed XML raises), none with a DOCTYPE."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        parts = {}
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                root = etree.fromstring(zf.read(name), _SAFE_XML)
                assert root.getroottree().docinfo.doctype == "", f"{name} has a DOCTYPE"
                parts[name] = root
        return parts


def docx_active_content(parts: dict) -> collections.Counter:
    """Fields (Word computes them when the file opens), links, external targets, embedded objects."""
    found = collections.Counter()
    for root in parts.values():
        for tag in ("fldSimple", "instrText", "fldChar", "hyperlink", "object", "altChunk"):
            found[tag] += len(root.findall(f".//{W}{tag}"))
        found["external"] += sum(1 for r in root.iter() if r.get("TargetMode") == "External")
    return found


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_every_payload_reads_literally_in_every_word_document(form, payloads):
    base_data, base_given = fill(form, sample(form), None)
    problems = []
    for doc in form.documents:
        to = recipients(form, doc, base_data)[0]
        baseline = render_docx(doc["docx"], context(form, base_data, recipient=to))
        base_text = squash_ws(docx_text(baseline))
        base_active = docx_active_content(docx_parts(baseline))
        shown = set(shown_markers(base_text, base_given))
        assert shown, f"{doc['id']}: no answer is shown at all"
        for what, given, placed, word in dealt(form, doc, to, payloads, shown,
                                               lambda c: render_docx(doc["docx"], c)):
            where = f"{doc['id']} ({what})"
            if docx_active_content(docx_parts(word)) != base_active:
                problems.append(f"{where}: the answers added fields, links or objects")
            words = squash_ws(docx_text(word))
            for tag in shown:
                if squash_ws(given[tag]) not in words:
                    problems.append(f"{where}: answer {tag} is not shown literally: {given[tag][:60]!r}")
                TRIED["word"] += len(placed.get(tag, ()))
            if count_49(words) > count_49(base_text) + sum(count_49(v) for v in given.values()):
                problems.append(f"{where}: 49 appears more often than typed")
    assert not problems, "\n".join(problems[:20])


def pdf_reading(data: bytes, html: str, page_texts: list[str]) -> str:
    """What a reader sees in a PDF, for comparison with visible(): the extracted text without the
    page furniture a long answer is split by when it runs over a page (the margin boxes, the table
    header repeated on each page, list bullets)."""
    pages = PdfReader(io.BytesIO(data)).pages
    seen = visible("".join(page.extract_text() for page in pages))
    root = lxml.html.document_fromstring(html)
    furniture = [visible(" ".join(head.itertext())) for head in root.iter("thead")] + page_texts
    furniture += [f"Page{n}of{len(pages)}" for n in range(len(pages), 0, -1)]
    for piece in sorted(filter(None, furniture), key=len, reverse=True):
        seen = seen.replace(piece, "")
    return seen.replace("•", "")


def pdf_glyphs_off_the_page(data: bytes) -> int:
    """Text drawn outside its page (an unbroken word running off the edge is not shown)."""
    off = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        box = page.mediabox

        def visit(text_, cm, tm, font, size):
            nonlocal off
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            if text_.strip() and not (box.left - 1 <= x <= box.right + 1 and box.bottom - 1 <= y <= box.top + 1):
                off += 1

        page.extract_text(visitor_text=visit)
    return off


def pdf_checks(given: dict[str, str], placed: dict[str, list[str]], payloads: list[Payload], reading: str,
               where: str) -> list[str]:
    """Each answer's marker, and each payload placed in it, in the PDF's text (bidirectional text,
    which reads back in the order it is drawn, is checked in the HTML and Word documents only)."""
    by_id = {p.id: p for p in payloads}
    problems = []
    for tag, ids in placed.items():
        if visible(tag) not in reading:
            problems.append(f"{where}: answer {tag} is missing")
        overridden = False  # after a direction override left open, the rest of a one-line answer is drawn reversed
        for pid in ids:
            payload = by_id.get(pid)
            expected = given[tag] if payload is None else (payload.pdf_text or payload.text)
            if overridden and "\n" not in given[tag]:
                expected = "*"
            if expected != "*" and visible(fit_like(expected, given[tag])) not in reading:
                problems.append(f"{where}: {pid} in {tag} does not read literally")
            if payload is not None:  # a line break starts a new paragraph, which the override does not reach
                overridden = leaves_override_open(payload.text) or (overridden and not LINE_BREAK.search(payload.text))
    return problems


LINE_BREAK = re.compile("[\n\r\u2028\u2029\x85]")


def leaves_override_open(text: str) -> bool:
    """Whether `text` opens more directional embeddings or overrides (LRE, RLE, LRO, RLO) than it closes (PDF):
    what the same paragraph draws after it then reads back in the order the override gives it."""
    return sum(text.count(c) for c in "\u202a\u202b\u202d\u202e") > text.count("\u202c")


def fit_like(expected: str, answer: str) -> str:
    """The payload as it was put into this answer (line breaks made spaces in a one-line answer)."""
    return expected if expected in answer else re.sub(r"[\r\n]+", " ", expected)


# Long text fills the PDFs of the form with the longest answer and of the request most often sent.
LONG_PDF_FORMS = {max(FORMS, key=lambda f: max(fld.options.get("max_length", 0) for _, fld in text_fields(f))).id,
                  "penalty-notice-leave"}


@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_every_payload_reads_literally_in_every_pdf_and_nothing_is_fetched(form, payloads, canary):
    drawable = [p for p in payloads if not p.no_glyphs]
    base_data, base_given = fill(form, sample(form), None)
    problems = []
    for doc in form.documents:
        to = recipients(form, doc, base_data)[0]
        base_context = context(form, base_data, recipient=to)
        baseline = render_html(doc["html"], base_context)
        shown = set(shown_markers(html_text(baseline), base_given))
        furniture = [visible(f"Reference: {REFERENCE}"), visible(base_context.get("status") or "")]
        renders = dealt(form, doc, to, drawable, shown, lambda c: (render_html(doc["html"], c),
                                                                   render_pdf(doc["html"], c, title=doc["title"])),
                        long=form.id in LONG_PDF_FORMS)
        for what, given, placed, (html, pdf) in renders:
            where = f"{doc['id']} ({what})"
            reading = pdf_reading(pdf, html, furniture)
            problems += pdf_checks(given, placed, drawable, reading, where)
            if pdf_glyphs_off_the_page(pdf):
                problems.append(f"{where}: text runs off the page")
            if count_49(reading) > count_49(visible(html_text(baseline))) + sum(count_49(v) for v in given.values()):
                problems.append(f"{where}: 49 appears more often than typed")
            TRIED["pdf"] += sum(1 for ids in placed.values() for pid in ids if pid == "long" or
                                next(p for p in drawable if p.id == pid).pdf_text != "*")
    assert not problems, "\n".join(problems[:20])
    assert canary.connections == 0 and canary.requests == [], f"the canary was reached: {canary.requests}"


def test_text_the_fonts_cannot_draw_still_renders_and_fetches_nothing(payloads, canary):
    """Emoji: the print fonts have no glyphs for them, so the PDF draws boxes (the Word document
    shows them: test above). The PDF still renders, fetches nothing, and the names beside them read."""
    form = load_forms()["penalty-notice-leave"]
    doc = form.documents[0]
    data = sample(form)
    for payload in (p for p in payloads if p.no_glyphs):
        data["pupil"]["first_name"] = payload.text
        data["parents"][0]["name"] = f"{payload.text} O'Brien"
        pdf = render_pdf(doc["html"], context(form, data), title=doc["title"])
        reading = visible("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
        assert visible(data["pupil"]["last_name"]) in reading and "O'Brien" in reading
        assert visible(payload.text)[:5] in reading  # the letters before the first emoji
    assert canary.connections == 0


def test_the_renderer_would_fetch_without_the_refusing_fetcher(canary):
    """The canary catches a renderer that fetches: WeasyPrint's own fetcher asks it for the image,
    the service's refuses the same page before any connection. Markup like this is what escaping
    keeps out of the documents."""
    page = f'<html><body><p>x</p><img src="{canary.url}/control.png"></body></html>'
    HTML(string=page).write_pdf()
    assert ("GET", "/control.png") in canary.requests
    canary.requests.clear()
    canary.connections = 0
    with pytest.raises(RenderError, match="fetches no resources"):
        html_to_pdf(page, title="control")
    with pytest.raises(RenderError):
        html_to_pdf(f"<html><head><style>@import url({canary.url}/x.css);</style></head><body>y</body></html>",
                    title="control")
    assert canary.connections == 0 and canary.requests == []


# --- the web pages: question pages, check your answers, the preview ------------------------------

def injected(html: str) -> list[str]:
    """Markup a payload would have made had it not been escaped: event handlers, and elements or
    styles pointing at the canary or at `x` (the payloads' image), or scripts calling alert()."""
    found = []
    for el in lxml.html.document_fromstring(html).iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{el.tag} {name}>")
            elif name.lower() in ("src", "href", "data", "style", "srcset", "action", "formaction", "background") \
                    and ("127.0.0.1" in value or "alert(" in value or value == "x"):
                found.append(f"<{el.tag} {name}={value!r}>")
        if el.tag in ("script", "style") and ("127.0.0.1" in (el.text or "") or "alert(" in (el.text or "")):
            found.append(f"<{el.tag}>{el.text[:40]}")
    return found


def typed_values(html: str) -> list[str]:
    """What the page's text boxes hold, as the browser would show them."""
    root = lxml.html.document_fromstring(html)
    values = [el.get("value") or "" for el in root.iter("input") if el.get("type") in (None, "text")]
    values += [el.text_content() for el in root.iter("textarea")]
    return [v.replace("\r\n", "\n").replace("\r", "\n").strip() for v in values]


def as_typed(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def page_ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    html = text(response)
    assert not injected(html), f"{url}: {injected(html)[:5]}"
    return html


@pytest.mark.db
def test_hostile_answers_read_literally_on_every_web_page(app, client, payloads):
    office = bearer(api_token(client, "office@demo.school"))
    login(client, "office@demo.school")
    problems = []
    for form in FORMS:
        set_profile(app, profile_used_for(form))  # the school under a law the form is used in
        tags = set(fill(form, sample(form), None)[1])
        rounds = [Deal(payloads, tags)]
        if form.id in LONG_PDF_FORMS:
            rounds.append(next(p for p in payloads if p.id == "long-paragraph"))
        for deal in rounds:
            data, given = fill(form, sample(form), deal)
            created = client.post(f"{API}/referrals", headers=office, json={"form": form.id, "data": data})
            assert created.status_code == 201, (form.id, created.get_json())
            rid = created.get_json()["id"]
            placed = deal.placed if isinstance(deal, Deal) else {tag: [deal.id] for tag in given}
            where = f"{form.id} ({'long' if not isinstance(deal, Deal) else 'dealt'})"
            # Question pages: every text box holds exactly what was typed.
            boxes = [v for page in form.pages for v in typed_values(page_ok(client, f"/referrals/{rid}/pages/{page.id}"))]
            missing = [tag for tag, value in given.items() if as_typed(value) not in boxes]
            if missing:
                problems.append(f"{where}: question pages do not hold {missing[:5]}")
            # Check your answers (a referral) or the page that issues a letter, plan or record.
            answers = html_text(page_ok(client, f"/referrals/{rid}/check" if form.sends_to_la else f"/referrals/{rid}/letter"))
            missing = [tag for tag, value in given.items() if squash_ws(value) not in answers]
            if missing:
                problems.append(f"{where}: check your answers does not show {missing[:5]} literally")
            # The document preview: each answer it shows, literally.
            preview = html_text(page_ok(client, f"/referrals/{rid}/preview"))
            shown = [tag for tag in given if tag in preview]
            wrong = [tag for tag in shown if squash_ws(given[tag]) not in preview]
            if len(shown) < 3 or wrong:
                problems.append(f"{where}: the preview shows {len(shown)} answers, {wrong[:5]} not literally")
            page_ok(client, f"/referrals/{rid}")
            TRIED["web pages"] += sum(len(ids) for ids in placed.values()) * 2 + \
                sum(len(placed.get(tag, ())) for tag in shown)
    page_ok(client, "/referrals/")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.db
def test_control_characters_are_refused_naming_the_answer(client, payloads):
    """On the API and on the question page: a 422 naming the answer, and nothing saved."""
    office = bearer(api_token(client, "office@demo.school"))
    data = json_data()
    created = client.post(f"{API}/referrals", headers=office, json={"form": "penalty-notice-leave", "data": data})
    rid = created.get_json()["id"]
    message = "Remove the control characters"
    for name, bad in REFUSED:
        for patch, path in ((({"pupil": {"first_name": bad}}), ("pupil", "first_name")),
                            (({"pupil": {"address": bad}}), ("pupil", "address")),
                            (({"parents": [{**data["parents"][0], "name": bad}]}), ("parents", "0", "name"))):
            response = client.patch(f"{API}/referrals/{rid}", headers=office, json={"data": patch})
            assert response.status_code == 422, (name, path, response.status_code)
            node = response.get_json()["errors"]
            for part in path:
                node = node[part if part in node else int(part)] if isinstance(node, dict) else node
            assert any(message in m for m in node), (name, path, node)
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["data"] == data
    login(client, "office@demo.school")
    url = f"/referrals/{rid}/pages/pupil"

    def answers_with(first_name: str) -> dict:
        """The pupil page's answers as a browser would send them, with the first name changed."""
        page = lxml.html.document_fromstring(text(client.get(url)))
        values = collections.defaultdict(list)  # a date's day, month and year share a name
        for el in page.iter("input", "textarea"):
            if el.tag == "textarea":
                values[el.get("name")].append(el.text_content().strip())
            elif el.get("name") and (el.get("type") != "radio" or el.get("checked") is not None):
                values[el.get("name")].append(el.get("value") or "")
        return {**values, "pupil__first_name": [first_name]}

    for name, bad in REFUSED:
        if name == "lone-surrogate":
            continue  # a browser cannot send one: the bytes of half a pair are read as U+FFFD (below)
        response = client.post(url, data=answers_with(bad))
        assert response.status_code == 422, (name, response.status_code)
        summary = lxml.html.document_fromstring(text(response)).find_class("govuk-error-summary")[0]
        links = {a.get("href"): a.text_content() for a in summary.iter("a")}
        assert list(links) == ["#pupil__first_name"] and message in links["#pupil__first_name"], (name, links)
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["data"] == data
    # Half a surrogate pair as raw bytes (what a broken client might send) never reaches the data as
    # a surrogate: the web layer keeps the bytes it could not decode as their %-escapes.
    body = urllib.parse.urlencode(answers_with("Half \ud800 a pair"), doseq=True, encoding="utf-8",
                                  errors="surrogatepass")
    response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    stored = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["data"]["pupil"]
    assert stored["first_name"].startswith("Half ") and stored["first_name"].encode("utf-8")
    assert stored["last_name"] == data["pupil"]["last_name"]


# --- a signed pack, as the LA receives it ---------------------------------------------------------

@pytest.mark.db
def test_a_sent_pack_keeps_hostile_text_literally(app, client, tmp_path, canary):
    """The pupil's and parents' names, the evidence's file names and the head's typed signature,
    all hostile: the email's body and the signed PDF and Word document say them literally."""
    names = {
        "first_name": "{{ 7*7 }} <script>alert(1)</script> Llŷr",
        "last_name": f"Żółkiewski-O'Brien <img src={canary.url}/mail.png>",
        "parent": "Siân ap Dafydd \"><img src=x onerror=alert(1)> {% raw %}",
        "signed": "Mrs Ffion O'Brien-Wąsowska {{ config }} <b>Head</b> \u202eevil",
        "file": f"<img src={canary.url}/evidence.png> leave request.pdf",
    }
    office = bearer(api_token(client, "office@demo.school"))
    data = json_data()
    data["pupil"].update(first_name=names["first_name"], last_name=names["last_name"])
    data["parents"][0]["name"] = names["parent"]
    created = client.post(f"{API}/referrals", headers=office,
                          json={"form": "penalty-notice-leave", "data": data, "register": register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    scan = io.BytesIO()
    Image.new("RGB", (600, 800), "ivory").save(scan, "PNG")  # an image gets a page with its name as caption
    for kind, content in (("leave_request", make_pdf("leave")), ("warning_letter", make_pdf("warning")),
                          ("registration_certificate", scan.getvalue())):
        upload = client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                             data={"kind": kind, "file": (io.BytesIO(content), f"{kind} {names['file']}")})
        assert upload.status_code == 201, upload.get_json()
    assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    head = bearer(api_token(client, "head@demo.school"))
    # The signature is the account's name (issue 17): a hostile one, as if stored before names were checked.
    with app.app_context():
        account = db.session.scalar(db.select(User).filter_by(email="head@demo.school"))
        account.name = names["signed"]
        db.session.commit()
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": names["signed"], "declaration": True})
    assert signed.status_code == 200, signed.get_json()

    with running_sink(tmp_path / "mail") as sink:
        app.config["SMTP_URL"] = sink.url
        with app.app_context():
            assert delivery.deliver_due() == 2  # the head's "waiting for your sign-off" (issue 17), the pack
        waiting, message = sorted(sink.messages(), key=lambda m: "Waiting for your sign-off" not in m["Subject"])
    assert "Pupil: S.Ż." in waiting.get_body(("plain",)).get_content()
    body = message.get_body(("plain",)).get_content()
    assert f"Signed by: {names['signed']}, Head Teacher" in body
    # Initials only (no more personal data than the LA needs): each name's first letter, so "{{" or
    # an invisible control character never stands for one.
    assert "Pupil: S.Ż." in body
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    form_pdf = next(v for k, v in files.items() if k.endswith("-penalty-notice-leave.pdf"))
    form_docx = next(v for k, v in files.items() if k.endswith(".docx"))
    pdf_seen = visible("".join(p.extract_text() for p in PdfReader(io.BytesIO(form_pdf)).pages))
    word_seen = squash_ws(docx_text(form_docx))
    evidence_name = safe_display_name(f"leave_request {names['file']}")
    for value in (f"{names['first_name']} {names['last_name']}", names["parent"], evidence_name):
        assert visible(value) in pdf_seen, value
        assert squash_ws(value) in word_seen, value
    # The signature statement, with the bidirectional override kept (in logical order in Word).
    assert names["signed"] in docx_text(form_docx)
    assert visible(names["signed"].split("\u202e")[0]) in pdf_seen
    merged = next(v for k, v in files.items() if k.endswith("-pack-v1.pdf"))
    caption = visible("".join(p.extract_text() for p in PdfReader(io.BytesIO(merged)).pages[-1:]))
    assert visible(safe_display_name(f"registration_certificate {names['file']}")) in caption
    manifest = json.loads(files["manifest.json"])
    assert manifest["signed"]["name"] == names["signed"]
    # And the LA officer's page of the referral.
    login(client, "officer@demo.la")
    page = html_text(page_ok(client, f"/la/referrals/{rid}"))
    for value in (names["first_name"], names["last_name"], names["parent"], names["signed"]):
        assert squash_ws(value) in page, value
    TRIED["email and pack"] += 6 * 3
    assert canary.connections == 0 and canary.requests == []
