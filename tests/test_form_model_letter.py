"""Model letters to parents about attendance (000, Appendix 6): one of three letters, chosen by
`letter_type`, one per parent/carer, rendered as DOCX and PDF from one context.

The sample (tests/samples/model-letter.json) is Oliver Brennan, Year 5; his mother Sarah lives at
Oliver's address and his father Michael at his own. He has missed 14 days (70 lessons) so far this
school year; the letter is dated 6 March 2026. The figures are typed by the school (from its
register), not yet read from an uploaded register.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import docx
import pytest
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.doctext import squash
from support.form_case import FormCase

FORM_ID = "model-letter"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Westcliff Park Academy"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
CHILD_ADDRESS = ["9 Chalkwell Avenue", "Westcliff-on-Sea", "SS0 8NA"]
FATHER_ADDRESS = ["22 Hamlet Court Road", "Westcliff-on-Sea", "SS0 7LX"]
CONTACT = "Mrs Priya Shah, Attendance Officer on 01702 555 0147 or attendance@westcliffpark.sch.uk"

# Each letter's key sentences, with the seed's gaps filled from the sample.
KEY = {
    "general": [
        "We need your help, please.",
        "Oliver Brennan has been absent for 14 days of school, which is equal to 70 lessons missed so far this "
        "school year.",
        "The NHS guidance Is my child too ill for school? - NHS (www.nhs.uk) is designed to support parents",
        "At Westcliff Park Academy we want the amount of missed education to be reduced as much as possible.",
        "please call or come in and meet Oliver Brennan's class teacher or tutor",
        "We will be in touch again to request a meeting with you if we have ongoing concerns about your child's "
        "attendance.",
    ],
    "lateness": [
        "We have noticed that Oliver Brennan is often absent in the mornings.",
        "We know that mornings can be difficult for some pupils, and we are keen to help to improve Oliver "
        "Brennan's attendance.",
        f"We would love to talk to you to discuss avenues for support to help Oliver Brennan attend school well. "
        f"Please contact {CONTACT} to make an appointment or arrange a phone call.",
    ],
    "school_worries": [
        "Oliver Brennan was absent for 70 lessons due to exam worries so far this school year.",
        "Parents and carers must remember that mild anxiety, whilst sometimes a difficult emotion, is normal.",
        "Rather than keeping Oliver Brennan away from school during this time",
        "we are keen to work with you to ensure that Oliver Brennan feels this way when attending school.",
        f"We would love to meet with you to discuss avenues for support. Please contact {CONTACT} to make an "
        "appointment or arrange a phone call.",
    ],
}
COMMON = ["Westcliff Park Academy", "Our reference: MDL-2026-000011", "Date: 6 March 2026",
          "Dear Parent/Carer of Oliver Brennan", "Kind regards", "Mr Tom Hargreaves",
          "Deputy Head Teacher and Attendance Lead"]


CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference="MDL-2026-000011", today=dt.date(2026, 3, 6), profile="national-2024")
sample, context = CASE.sample, CASE.context


def render_both(ctx) -> dict:
    return CASE.render(DOC, ctx)


@pytest.fixture(scope="module")
def letters():
    """Each letter type to Michael (parent 2, his own address)."""
    return {kind: render_both(context(sample(letter_type=kind), recipient=1)) for kind in KEY}


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_per_parent_letter_with_a_choice_of_three():
    assert FORM.kind == "letter" and FORM.source == "000, Appendix 6" and FORM.reference_prefix == "MDL"
    assert FORM.measure_from == "letter_date" and list(FORM.rules) == ["compulsory_school_age"]
    assert FORM.evidence == () and FORM.checklist == () and FORM.declaration == ""
    assert DOC == {"id": "model-letter", "title": "Letter about attendance", "docx": "model-letter.docx",
                   "html": "print/model-letter.html", "per": "parent"}
    choice = next(f for f in FORM.fields if f.name == "letter_type")
    assert choice.type == "choice" and choice.required
    assert [c["value"] for c in choice.options["choices"]] == ["general", "lateness", "school_worries"]
    figures = [f for f in FORM.fields if f.name.startswith("figures.")]
    assert {f.name for f in figures} == {"figures.days_missed", "figures.lessons_missed"}
    assert {f.name: f.type for f in figures} == {"figures.days_missed": "number", "figures.lessons_missed": "integer"}
    assert "Stockport" not in json.dumps(FORM.raw)


def test_the_sample_is_valid_and_the_child_is_of_compulsory_school_age():
    data = sample()
    assert len(data["parents"]) == 2 and data["letter_date"] == dt.date(2026, 3, 6)
    verdict = evaluate(FORM, data, profile=load_profile("national-2024"), today=dt.date(2026, 3, 6))
    assert verdict.rule("compulsory_school_age").status == "pass"


@pytest.mark.parametrize("change", [{"letter_type": "holiday"}, {"figures": {"days_missed": -1}},
                                    {"figures": {"lessons_missed": "seventy"}}, {"letter_type": None}])
def test_bad_answers_are_refused(change):
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), **change})
    assert set(change) <= set(err.value.messages)


# --- each letter type --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("kind", list(KEY))
def test_the_chosen_letter_and_only_it_is_printed(letters, kind, fmt):
    text = letters[kind][fmt]
    for phrase in KEY[kind] + COMMON:
        assert squash(phrase) in text, phrase
    for other, phrases in KEY.items():
        if other != kind:
            for phrase in phrases:
                assert squash(phrase) not in text, (other, phrase)
    assert f"Michael Brennan {' '.join(FATHER_ADDRESS)}" in text and "Sarah Brennan" not in text
    assert "DRAFT" not in text and "Not given" not in text and "{#}" not in text and "[insert" not in text


@pytest.mark.parametrize("kind", list(KEY))
def test_docx_and_pdf_carry_the_same_phrases(letters, kind):
    everything = [p for phrases in KEY.values() for p in phrases] + COMMON
    in_docx = {p for p in everything if squash(p) in letters[kind]["docx"]}
    in_pdf = {p for p in everything if squash(p) in letters[kind]["pdf"]}
    assert in_docx == in_pdf == set(KEY[kind] + COMMON)


@pytest.mark.parametrize("index, name, address", [(0, "Sarah Brennan", CHILD_ADDRESS),
                                                  (1, "Michael Brennan", FATHER_ADDRESS)])
def test_each_parent_gets_a_letter_addressed_to_them(index, name, address):
    both = render_both(context(sample(letter_type="lateness"), recipient=index))
    other = "Michael Brennan" if index == 0 else "Sarah Brennan"
    for fmt in ("docx", "pdf"):
        assert f"{name} {' '.join(address)}" in both[fmt] and other not in both[fmt]


def test_the_letter_reads_in_the_seed_order(letters):
    order = ["Westcliff Park Academy", "Michael Brennan", "Our reference", "Date: 6 March 2026",
             "Dear Parent/Carer of Oliver Brennan", "We need your help, please.", "has been absent for 14 days",
             "The NHS guidance", "At Westcliff Park Academy", "significant effect", "We will be in touch again",
             "Kind regards", "Mr Tom Hargreaves", "Deputy Head Teacher"]
    for fmt in ("docx", "pdf"):
        positions = [letters["general"][fmt].find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


def test_one_day_and_one_lesson_are_singular():
    both = render_both(context(sample(figures={"days_missed": 1, "lessons_missed": 1}), recipient=0))
    for fmt in ("docx", "pdf"):
        assert "has been absent for 1 day of school, which is equal to 1 lesson missed" in both[fmt]


def test_hostile_text_is_printed_literally():
    hostile = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\""
    data = sample(letter_type="lateness", contact={"name": hostile, "details": "O'Brien & Co <b>01702</b> 555"})
    both = render_both(context(data, recipient=0))
    for fmt in ("docx", "pdf"):
        assert squash(hostile) in both[fmt] and "O'Brien & Co <b>01702</b> 555" in both[fmt] and "49" not in both[fmt]


def test_a_preview_of_an_empty_letter_still_renders():
    both = render_both(build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        assert "Parent/Carer" in both[fmt] and "We need your help, please." in both[fmt]
        assert "DRAFT" not in both[fmt]


def test_both_are_a4_and_the_pdf_names_itself(letters):
    for section in docx.Document(io.BytesIO(letters["general"]["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(letters["general"]["pdf_bytes"]))
    assert reader.metadata.title == DOC["title"] and len(reader.pages) == 1
