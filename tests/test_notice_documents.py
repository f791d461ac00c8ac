"""The two notices an LA officer issues to a parent — a Notice to Improve and a Penalty Notice — and the
Education Welfare Officer's three letters (issue 19: the Initial Warning, the Final Warning and the
invitation to a Pre-Court Meeting, 002 Step 3 and Step 4), rendered as DOCX and PDF from one context
(tests/samples/notice_contexts.py): both formats carry every value of the context and the words a reader
looks for, say the same words, use only what the context gives, print user text literally, and the PDF is
a tagged A4 document.

Each document is rendered a handful of times only (module-scoped fixtures): a PDF costs about half a
second."""
from __future__ import annotations

import functools
import io
import re
import zipfile

import docx
import jinja2
import pytest
from docxtpl import DocxTemplate
from jinja2 import meta, nodes
from pypdf import PdfReader

from forms_service.documents.rendering import DOCX_TEMPLATES_DIR, docx_env, print_env, render_docx, render_pdf

from samples.notice_contexts import sample_context
from support.doctext import docx_text, pdf_text, squash

NOTICES = ["notice-to-improve", "penalty-notice"]
LETTERS = ["initial-warning", "ews-final-warning", "pre-court-invitation"]
KINDS = NOTICES + LETTERS
TITLES = {"notice-to-improve": "Notice to Improve", "penalty-notice": "Penalty Notice",
          "initial-warning": "Initial Warning", "ews-final-warning": "Final Warning",
          "pre-court-invitation": "Invitation to a Pre-Court Meeting"}
# Values that are not text on the page: the language is the documents' metadata (checked below), and
# a notice to improve asks for no payment, so it does not print the LA's ways to pay.
NOT_PRINTED = {
    "notice-to-improve": {("document_lang",), ("la", "payment_methods")},
    "penalty-notice": {("document_lang",)},
    # A letter's language is the render's (its fixed words), not text on the page.
    **{kind: {("document_lang",), ("language",)} for kind in LETTERS},
}
# Names the renderers add to every print template themselves.
RENDERER_NAMES = {"document_title", "document_lang", "gettext", "ngettext"}
# Left-over placeholders: template tags, "[date]"-style gaps and "XX" figures.
PLACEHOLDERS = re.compile(r"\{\{|\{%|\[[A-Za-z][A-Za-z /]*\]|\bXX\b")
SESSIONS_HEADER = "Date Session Code Meaning"

READER_WORDS = {
    "notice-to-improve": [
        "Notice to Improve",
        "section 7 of the Education Act 1996",
        "section 444(1) of the Education Act 1996",
        "efficient full-time education suitable to the child's age, ability and aptitude",
        "penalty notice",
        "prosecution",
        "from 10 December 2025 to 13 January 2026",
        "13 January 2026",
        "What sufficient improvement means: No unauthorised absence during the improvement period.",
        "The support you and your child have already been given:",
        "The further support on offer to you and your child:",
        "contact Demo Local Authority on 01234 567890 or at attendance@demo-la.example, or speak to Demo School",
        "Our reference: DEMO-2025-0007/NTI1",
        "Date of issue: 5 December 2025",
        "Issued by Olivia Officer, Authorised officer, Education Welfare Service, Demo Local Authority",
        "Basis: 000, Stage 3A (Stockport); Working together to improve school attendance (2024)",
    ],
    "penalty-notice": [
        "Penalty Notice",
        "failing to secure the regular attendance at school of a registered pupil, an offence under "
        "section 444(1) of the Education Act 1996",
        "The period the offence covers: 10 December 2025 to 16 January 2026.",
        "discharge",
        "discharges any liability to be convicted of the offence",
        "withdrawn",
        "ought not to have been issued",
        "ought not to have been issued to the person named as the recipient",
        "material errors",
        "If the notice is withdrawn, any amount paid is repaid and no proceedings follow on it.",
        "must either prosecute you for the offence under section 444(1) of the Education Act 1996 or "
        "withdraw this notice",
        "You may be prosecuted in the magistrates' court for the offence under section 444(1) of the "
        "Education Act 1996.",
        "Part payment is not accepted as discharging your liability",
        "£80", "12 February 2026", "£160", "19 February 2026",
        "The last day for paying the penalty is 19 February 2026.",
        "quote the reference DEMO-2025-0007/PN1",
        "School where the child is a registered pupil Demo School",
        "Issued by (authorised officer) Olivia Officer, Authorised officer, Education Welfare Service, "
        "Demo Local Authority",
        "Our reference: DEMO-2025-0007/PN1",
        "Date of issue: 20 January 2026",
        "Basis: The Education (Penalty Notices) (England) Regulations 2007, as amended by the Education "
        "(Penalty Notices) (England) (Amendment) Regulations 2024",
    ],
    "initial-warning": [
        "Initial Warning",
        "Dear Sian Morgan",
        "Ysgol Glan Demo has referred your child, Rhys Morgan, to the Education Welfare Service",
        "Attendance 81.4% Period 1 September 2025 to 9 January 2026",
        "It reminds you of your responsibilities as a parent and of the legal action that may follow if your "
        "child's attendance does not improve.",
        "Under section 7 of the Education Act 1996",
        "efficient full-time education suitable to their age, ability and aptitude",
        "Under section 444(1), if a child of compulsory school age who is a registered pupil at a school fails to "
        "attend regularly at the school, the parent is guilty of an offence.",
        "up to level 3 on the standard scale",
        "Under section 444(1A), if the parent knows that the child is failing to attend regularly",
        "up to level 4 on the standard scale, or sentence them to up to three months' imprisonment, or both",
        "A penalty notice is £60 if paid within 28 days of receiving it, rising to £120 if paid within 42 days.",
        "Penalty notices are issued under The Education (Penalty Notices) (Wales) Regulations 2013.",
        "Our reference: CDF-2026-0003/IW1",
        "Date: 12 January 2026",
        "Yours sincerely Gareth Evans Education Welfare Officer, Cardiff Council",
    ],
    "ews-final-warning": [
        "Final Warning",
        "This is a Final Warning about the attendance at school of your child, Rhys Morgan.",
        "Attendance 78.6% Period 1 September 2025 to 30 January 2026",
        "Attendance reviewed on 13 March 2026",
        "the local authority may start legal action against you",
        "prosecution in the magistrates' court under section 444 of the Education Act 1996",
        "Your child's attendance will be reviewed on 13 March 2026.",
        "may invite you to a Pre-Court Meeting",
        "Please quote the reference CDF-2026-0003/FW1.",
    ],
    "pre-court-invitation": [
        "Invitation to a Pre-Court Meeting",
        "invites you and Rhys Morgan to a Pre-Court Meeting",
        "Date of the meeting Tuesday 24 March 2026",
        "Time 10:30am",
        "Place Room 201, County Hall Atlantic Wharf Cardiff CF10 4UW",
        "A representative of Ysgol Glan Demo and others who work with your family or your child may also be invited.",
        "You may have a legal representative at this meeting.",
        "If you do not attend this meeting without an acceptable reason, or if you behave unreasonably or "
        "aggressively and do not co-operate, court papers will automatically be issued",
        "your not attending the meeting will be used as evidence of a lack of engagement",
        "Please quote the reference CDF-2026-0003/PCM1.",
    ],
}


def render(kind: str, context: dict) -> dict:
    docx_bytes = render_docx(f"{kind}.docx", context)
    pdf_bytes = render_pdf(f"print/{kind}.html", context, title=TITLES[kind])
    return {"kind": kind, "context": context, "docx_bytes": docx_bytes, "pdf_bytes": pdf_bytes,
            "docx": squash(docx_text(docx_bytes)), "pdf": squash(pdf_text(pdf_bytes))}


@functools.cache
def rendered(kind: str, **options) -> dict:
    """A sample rendered once per test process: kind "notice-to-improve" or "penalty-notice", with
    notice_contexts' options (second=True, early_grounds=False)."""
    return render(kind, sample_context(kind, **options))


@pytest.fixture(params=KINDS)
def notice(request):
    return rendered(request.param)


def strings(value, skip=frozenset(), path=()) -> list[str]:
    """Every text the context holds, each line on its own (an address holds several lines)."""
    if path in skip:
        return []
    if isinstance(value, str):
        return [line for line in (squash(part) for part in value.split("\n")) if line]
    if isinstance(value, dict):
        return [s for key, v in value.items() for s in strings(v, skip, (*path, key))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v, skip, path)]
    return []


def content(text: str, reference: str) -> str:
    """The words of a document without its page furniture: the footer ("Reference: ..." and the
    page numbers, Word fields in the DOCX), the bullets the PDF draws as text, and the sessions
    table's header row, which the PDF repeats on each page the table runs onto."""
    text = re.sub(r"Reference: " + re.escape(reference) + r"|Page \d+ of \d+|•", " ", text)
    first, _, rest = squash(text).partition(SESSIONS_HEADER)
    return squash(first + SESSIONS_HEADER + rest.replace(SESSIONS_HEADER, " ")) if _ else squash(text)


# --- what the documents say ------------------------------------------------------------------------

def test_both_carry_every_value_of_the_context(notice):
    values = set(strings(notice["context"], NOT_PRINTED[notice["kind"]]))
    for fmt in ("docx", "pdf"):
        missing = sorted(s for s in values if s not in notice[fmt])
        assert not missing, f"{notice['kind']} {fmt} lacks {missing[:10]}"


def test_both_carry_the_words_a_reader_looks_for(notice):
    for fmt in ("docx", "pdf"):
        for words in READER_WORDS[notice["kind"]]:
            assert words in notice[fmt], f"{notice['kind']} {fmt} lacks {words!r}"
        assert not PLACEHOLDERS.search(notice[fmt]), PLACEHOLDERS.search(notice[fmt]).group(0)
        assert "DRAFT" not in notice[fmt]


@pytest.mark.parametrize("second", [False, True], ids=["first", "second"])
def test_each_amount_and_pay_by_date_is_printed(second):
    notice = rendered("penalty-notice", second=second)
    for amount in notice["context"]["pn"]["amounts"]:
        for fmt in ("docx", "pdf"):
            assert squash(amount["text"]) in notice[fmt]
            assert amount["amount"] in notice[fmt] and amount["pay_by"] in notice[fmt]


def test_the_notice_to_improve_states_no_payment_details():
    notice = rendered("notice-to-improve")
    for fmt in ("docx", "pdf"):
        assert "£" not in notice[fmt]
        for method in notice["context"]["la"]["payment_methods"]:
            assert squash(method) not in notice[fmt]


@pytest.mark.parametrize("kind", NOTICES)
def test_no_court_fine_is_stated(kind):
    notice = rendered(kind)
    for fmt in ("docx", "pdf"):
        assert "£2,500" not in notice[fmt] and "level 4" not in notice[fmt].lower()


@pytest.mark.parametrize("kind", LETTERS)
def test_a_letter_asks_for_no_payment(kind):
    """The Welsh amounts are stated only as what a penalty notice would be, never England's."""
    letter = rendered(kind)
    for fmt in ("docx", "pdf"):
        assert "£80" not in letter[fmt] and "£160" not in letter[fmt]
        assert "Reference: " + letter["context"]["reference"] in letter[fmt]


VARIANTS = {"notice to improve": ("notice-to-improve", {}),
            "notice to improve, no early grounds": ("notice-to-improve", {"early_grounds": False}),
            "penalty notice": ("penalty-notice", {}),
            "second penalty notice": ("penalty-notice", {"second": True}),
            **{kind: (kind, {}) for kind in LETTERS}}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_docx_and_pdf_say_the_same_words(variant):
    """Word for word, in the same order, once the page furniture is set aside."""
    kind, options = VARIANTS[variant]
    notice = rendered(kind, **options)
    reference = notice["context"]["reference"]
    assert content(notice["docx"], reference) == content(notice["pdf"], reference)


def test_a_second_penalty_notice_has_one_amount():
    second = rendered("penalty-notice", second=True)
    [amount] = second["context"]["pn"]["amounts"]
    assert amount["amount"] == "£160"
    for fmt in ("docx", "pdf"):
        text = second[fmt]
        assert "£80" not in text, fmt
        assert squash(amount["text"]) in text, fmt
        assert "This is the second penalty notice issued to you for Sam Smith in the last three years." in text
        assert "The last day for paying the penalty is 19 February 2026." in text
        assert "Our reference: DEMO-2025-0007/PN2" in text


def test_no_early_grounds_prints_that_no_penalty_notice_comes_before_the_period_ends():
    sentence = "No penalty notice will be issued before the improvement period ends."
    with_grounds, without = rendered("notice-to-improve"), rendered("notice-to-improve", early_grounds=False)
    for fmt in ("docx", "pdf"):
        assert sentence in without[fmt], fmt
        assert sentence not in with_grounds[fmt], fmt
        assert squash(with_grounds["context"]["nti"]["early_grounds"]) in with_grounds[fmt], fmt


# --- the templates use only what the context gives ---------------------------------------------------

def _dotted(node, scope: dict) -> str | None:
    """`pn.amounts` for the expression pn.amounts; a loop variable stands for its list's items."""
    if isinstance(node, nodes.Name):
        return scope.get(node.name, node.name)
    if isinstance(node, nodes.Getattr):
        base = _dotted(node.node, scope)
        return base and f"{base}.{node.attr}"
    return None


def _paths(node, scope: dict, out: set, local: frozenset):
    if isinstance(node, nodes.For):
        _paths(node.iter, scope, out, local)
        items = f"{_dotted(node.iter, scope)}[]"
        inner = {**scope, node.target.name: items}
        for child in node.body:
            _paths(child, inner, out, local)
        for child in node.else_:
            _paths(child, scope, out, local)
        return
    if isinstance(node, (nodes.Name, nodes.Getattr)):
        path = _dotted(node, scope)
        if path and path.split(".")[0] not in local and not (isinstance(node, nodes.Name) and node.ctx != "load"):
            out.add(path)
            return
    for child in node.iter_child_nodes():
        _paths(child, scope, out, local)


def html_paths(name: str) -> set[str]:
    """Every dotted name a print template uses, with the templates it extends and imports."""
    tree = print_env.parse(print_env.loader.get_source(print_env, name)[0])
    imported = frozenset(node.target for node in tree.find_all(nodes.Import)) | {"loop"}
    found: set[str] = set()
    _paths(tree, {}, found, imported)
    for other in meta.find_referenced_templates(tree):
        if other:
            found |= html_paths(other)
    return found


def docx_paths(name: str) -> set[str]:
    """The same for a Word template: its body, headers and footers as docxtpl compiles them."""
    template = DocxTemplate(DOCX_TEMPLATES_DIR / name)
    template.init_docx()
    xml = template.patch_xml(template.get_xml())
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for relation in template.docx._part.rels.values():
            if relation.reltype == uri:
                xml += template.patch_xml(relation.target_part.blob.decode("utf-8"))
    found: set[str] = set()
    _paths(docx_env.parse(xml), {}, found, frozenset({"loop"}))
    return found


def resolves(context: dict, path: str) -> bool:
    values = [context]
    for part in path.replace("[]", ".[]").split("."):
        following = []
        for value in values:
            if part == "[]":
                if not isinstance(value, list):
                    return False
                following.extend(value)
            elif isinstance(value, dict) and part in value:
                following.append(value[part])
            else:
                return False
        values = following
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_templates_use_only_what_the_context_gives(kind):
    context = sample_context(kind)
    for paths, what in ((html_paths(f"print/{kind}.html"), "print template"),
                        (docx_paths(f"{kind}.docx"), "Word template")):
        unknown = sorted(p for p in paths if p.split(".")[0] not in RENDERER_NAMES and not resolves(context, p))
        assert not unknown, f"{kind} {what} uses {unknown}, which its context does not give"


@pytest.mark.parametrize("kind", KINDS)
def test_both_templates_use_the_same_values(kind):
    """What one format shows, the other shows too (base.html's title and language are metadata)."""
    assert html_paths(f"print/{kind}.html") - RENDERER_NAMES == docx_paths(f"{kind}.docx") - RENDERER_NAMES


def test_the_lint_catches_an_unknown_attribute():
    found: set[str] = set()
    tree = jinja2.Environment().parse("{% for s in attendance.sessions %}{{ s.date }}{{ s.dat }}{% endfor %}"
                                      "{{ pn.last_dya }}")
    _paths(tree, {}, found, frozenset())
    context = sample_context("penalty-notice")
    assert sorted(p for p in found if not resolves(context, p)) == ["attendance.sessions[].dat", "pn.last_dya"]


# --- user text is data -------------------------------------------------------------------------------

HOSTILE_NAME = "<b>Jane</b> {{ 7*7 }}"


@pytest.fixture(params=KINDS)
def hostile(request):
    context = sample_context(request.param)
    context["recipient"]["name"] = HOSTILE_NAME
    if "salutation" in context["recipient"]:  # a letter writes "Dear ..." in its own (translatable) words
        context["recipient"]["salutation"] = f"Dear {HOSTILE_NAME}"
    return render(request.param, context)


def test_user_text_appears_literally(hostile):
    for fmt in ("docx", "pdf"):
        assert squash(HOSTILE_NAME) in hostile[fmt], fmt
        assert f"Dear {HOSTILE_NAME}" in hostile[fmt], fmt
        assert "49" not in hostile[fmt], fmt
    with zipfile.ZipFile(io.BytesIO(hostile["docx_bytes"])) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    assert "&lt;b&gt;Jane&lt;/b&gt;" in xml and "<b>" not in xml


# --- the files ---------------------------------------------------------------------------------------

def test_the_pdf_is_one_tagged_a4_document(notice):
    data = notice["pdf_bytes"]
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert reader.metadata.title == TITLES[notice["kind"]]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/StructTreeRoot"]["/Type"] == "/StructTreeRoot"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()  # declares PDF/UA-1 in its XMP
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert round(float(page.mediabox.width) * 25.4 / 72) == 210
        assert round(float(page.mediabox.height) * 25.4 / 72) == 297
        text = page.extract_text()
        assert f"Page {number} of {pages}" in text
        assert f"Reference: {notice['context']['reference']}" in text


def test_the_docx_is_a4_with_its_title_language_and_footer(notice):
    document = docx.Document(io.BytesIO(notice["docx_bytes"]))
    assert document.core_properties.title == TITLES[notice["kind"]]
    assert document.core_properties.language == "en-GB"
    for section in document.sections:
        assert round(section.page_width.mm) == 210
        assert round(section.page_height.mm) == 297
    footer = document.sections[0].footer
    assert " PAGE " in footer._element.xml and " NUMPAGES " in footer._element.xml
    assert f"Reference: {notice['context']['reference']}" in footer.paragraphs[0].text
