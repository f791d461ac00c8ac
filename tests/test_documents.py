"""Every document of every form (schemas/forms/*.json), rendered from its realistic sample
(tests/samples/<form id>.json): the DOCX and the PDF say the same words, no placeholder is left,
the people are named; and a lint that every template uses only what its form's context gives and
shows every required answer — so a template edited in Word cannot silently break."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jinja2
import pytest
from docxtpl import DocxTemplate
from jinja2 import meta

from forms_service.documents.context import build_context
from forms_service.documents.rendering import DOCX_TEMPLATES_DIR, docx_env, print_env, render_docx, render_pdf
from forms_service.formdefs import load_forms
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash

SAMPLES = Path(__file__).resolve().parent / "samples"
SCHOOL = {"name": "Westcliff Park Academy"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
SIGNATURE = {"name": "Mrs Amara Okafor", "role": "Head Teacher",
             "signed_at": dt.datetime(2026, 3, 24, 14, 5, tzinfo=dt.timezone.utc)}
# Names the renderers add themselves: to every print template, and to both formats the gettext of the
# letter's language for its {% trans %} blocks (forms_service/documents/language.py).
RENDERER_NAMES = {"document_title", "document_lang", "gettext", "ngettext"}
# Left-over placeholders: template tags, the seeds' "[date]"-style gaps and "XX" figures.
PLACEHOLDERS = re.compile(r"\{\{|\{%|\[[A-Za-z][A-Za-z /]*\]|\bXX\b")

DOCUMENTS = [(form, doc) for form in load_forms().values() for doc in form.documents]
IDS = [doc["id"] for _, doc in DOCUMENTS]


def sample(form) -> dict:
    path = SAMPLES / f"{form.id}.json"
    assert path.exists(), f"every form needs a realistic sample in {path}"
    return form.schema(complete=True).load(json.loads(path.read_text(encoding="utf-8")))


def context_for(form, *, signed: bool = True, recipient: int | None = None) -> dict:
    data = sample(form)
    data["evidence"] = [e["kind"] for e in form.evidence]
    verdict = evaluate(form, data, profile=load_profile(form.raw.get("sample_profile", "national-2024")))
    uploads = [{"kind": e["kind"], "filename": f"{e['kind']}.pdf"} for e in form.evidence]
    return build_context(form.raw, data, school=SCHOOL, la=LA, reference=f"{form.reference_prefix}-2026-000042",
                         signature=SIGNATURE if signed else None, verdict=verdict.to_dict(), evidence=uploads,
                         recipient=recipient)


def strings(value) -> list[str]:
    """Every text the context holds, each line on its own (a cell may hold several lines)."""
    if isinstance(value, str):
        return [line for line in (squash(part) for part in value.split("\n")) if line]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    return []


def _recipients(form, doc) -> list[int | None]:
    """A letter that goes one per parent is checked for each parent (and the unaddressed preview)."""
    if doc.get("per") != "parent":
        return [None]
    return [None, *range(len(sample(form).get("parents") or []))]


RENDERINGS = [(form, doc, to) for form, doc in DOCUMENTS for to in _recipients(form, doc)]


@pytest.mark.parametrize("form, doc, recipient", RENDERINGS,
                         ids=[f"{doc['id']}-{'all' if to is None else f'parent{to + 1}'}" for _, doc, to in RENDERINGS])
@pytest.mark.parametrize("signed", [True, False], ids=["signed", "draft"])
def test_docx_and_pdf_say_the_same_words(form, doc, recipient, signed):
    context = context_for(form, signed=signed, recipient=recipient)
    docx_words = squash(docx_text(render_docx(doc["docx"], context)))
    pdf_words = squash(pdf_text(render_pdf(doc["html"], context, title=doc["title"])))
    # Page furniture differs by nature (Word fields vs printed page numbers): compare the content.
    pdf_words = squash(re.sub(r"Page \d+ of \d+", " ", pdf_words))
    differing = [s for s in set(strings(context)) if (s in docx_words) != (s in pdf_words)]
    assert not differing, f"in one format only: {sorted(differing)[:10]}"
    # A record about several pupils (the Linkwork Record, 002 Appendix 5) declares the list answer that
    # names them (`"about_pupils": "pupils"`): it names each of them, and no single child or parents.
    about_pupils = form.raw.get("about_pupils")
    for text in (docx_words, pdf_words):
        assert not PLACEHOLDERS.search(text), PLACEHOLDERS.search(text).group(0)
        if about_pupils:
            names = [item["name"] for item in sample(form).get(about_pupils) or []]
            assert names and all(name in text for name in names), names
        else:
            pupil = context["pupil"]
            assert pupil["first_name"] in text and pupil["last_name"] in text
        # A letter one per parent names only its own parent; a registration certificate names no parent at all.
        if doc.get("per") != "parent" and not about_pupils and form.raw.get("names_parents", True):
            for parent in context["parents"]:
                assert parent["name"] in text
        if recipient is not None:
            assert context["recipient"]["name"] in text
        if form.kind != "referral":
            continue  # letters carry the head teacher's typed name, not the sign-off
        if signed:
            assert SIGNATURE["name"] in text
        else:
            assert "DRAFT" in text


def _html_names(name: str) -> set[str]:
    source = print_env.loader.get_source(print_env, name)[0]
    tree = print_env.parse(source)
    # Names bound by `{% import ... as x %}` are templates' macros, not context.
    imported = {node.target for node in tree.find_all(jinja2.nodes.Import)}
    names = meta.find_undeclared_variables(tree) - imported
    # A child template also uses what its parents use.
    for parent in meta.find_referenced_templates(tree):
        if parent:
            names |= _html_names(parent)
    return names


def _docx_names(name: str) -> set[str]:
    return set(DocxTemplate(DOCX_TEMPLATES_DIR / name).get_undeclared_template_variables(docx_env))


@pytest.mark.parametrize("form, doc", DOCUMENTS, ids=IDS)
def test_templates_use_only_what_the_context_gives(form, doc):
    context = context_for(form)
    for names, kind in ((_html_names(doc["html"]) - RENDERER_NAMES, "print template"),
                        (_docx_names(doc["docx"]) - RENDERER_NAMES, "Word template")):
        unknown = names - set(context)
        assert not unknown, f"{doc['id']} {kind} uses {sorted(unknown)}, which its context does not give"


@pytest.mark.parametrize("form", list(load_forms().values()), ids=list(load_forms()))
def test_every_required_answer_is_shown_by_a_document(form):
    """Each required answer's name (or its group: `pupil` for `pupil.first_name`) is used by at
    least one template of the form, in both formats."""
    for doc in form.documents:
        html, word = _html_names(doc["html"]), _docx_names(doc["docx"])
        for field in form.fields:
            if not field.required:
                continue
            group = field.name.split(".")[0]
            shown_as = field.options.get("shown_as", group)
            assert shown_as in html, f"{doc['html']} does not show {field.name}"
            assert shown_as in word, f"{doc['docx']} does not show {field.name}"


def test_every_form_has_a_sample_and_its_templates_exist():
    for form in load_forms().values():
        assert (SAMPLES / f"{form.id}.json").exists(), form.id
        for doc in form.documents:
            assert (DOCX_TEMPLATES_DIR / doc["docx"]).exists(), doc["docx"]
            print_env.get_template(doc["html"])


def test_the_lint_catches_an_unknown_variable(tmp_path):
    """The check above can fail: a template naming something the context lacks is reported."""
    env = jinja2.Environment()
    names = meta.find_undeclared_variables(env.parse("{{ pupil.name }} {{ pupill.name }}"))
    assert names - {"pupil"} == {"pupill"}
