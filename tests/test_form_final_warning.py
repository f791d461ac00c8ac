"""The Final Warning Letter – Penalty Notice Warning Letter, s.23(1) Anti-social Behaviour Act 2003
(003, Appendix 4): one letter per parent/carer, rendered as DOCX and PDF from one context.

The sample (tests/samples/final-warning.json) is Maisie Turner, Year 8; her mother Kelly lives at
Maisie's address and her father Jason at his own. The plan was agreed at the Attendance Panel on
4 March 2026 and the letter is dated Friday 6 March 2026, so it states the 2024 amounts (£80/£160),
not the seed's out-of-date £60/£120.
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

FORM_ID = "final-warning"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Westcliff Park Academy"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
CHILD_ADDRESS = ["42 Fairfax Drive", "Westcliff-on-Sea", "SS0 9AG"]
FATHER_ADDRESS = ["Flat 7, 15 London Road", "Leigh-on-Sea", "SS9 3JJ"]
PLAN = ["Maisie to arrive at the school gate by 8:40am every day and sign in at the attendance office",
        "Mrs Turner to phone the attendance line by 9am on any day Maisie is unwell",
        "School to offer Maisie a place at breakfast club from Monday 9 March 2026",
        "Weekly check-in with the Head of Year 8 on Fridays to review attendance"]
HEADING = "Penalty Notice Warning Letter - The Anti-Social Behaviour Act 2003 Section 23(1)"
HOSTILE = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\" {_{ _}} %}"
SEED_PHRASES = [
    HEADING,
    "This is to inform you that your child, Maisie Turner, date of birth 9 May 2012, a registered pupil at "
    "Westcliff Park Academy, is not in regular attendance at school.",
    "Plan agreed at the Attendance Panel on 4 March 2026:",
    "If your child has a further unauthorised absence in the next 10 school weeks the local authority will, "
    "without further reference to you, consider issuing a penalty notice to each parent.",
    "If the higher penalty is not paid within 28 days, Demo Borough Council will then institute legal proceedings "
    "against you in the magistrate's court under Section 444 of the Education Act 1996",
    "Please contact me by 13 March 2026 to discuss if there are any exceptional circumstances",
    "Yours sincerely", "Mrs Amara Okafor", "Head Teacher",
]


CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference="FWL-2026-000007", today=dt.date(2026, 3, 6), profile="national-2024")
sample, context = CASE.sample, CASE.context


def render_both(ctx) -> dict:
    return CASE.render(DOC, ctx)


@pytest.fixture(scope="module")
def letters():
    """The sample's letter to each parent: 0 is Kelly (child's address), 1 is Jason (his own)."""
    return [render_both(context(recipient=i)) for i in range(2)]


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_per_parent_letter():
    assert FORM.kind == "letter" and FORM.source == "003, Appendix 4" and FORM.reference_prefix == "FWL"
    assert FORM.measure_from == "final_warning_date" and list(FORM.rules) == ["compulsory_school_age"]
    assert FORM.evidence == () and FORM.checklist == () and FORM.declaration == ""
    assert DOC == {"id": "final-warning", "title": "Penalty Notice Warning Letter", "docx": "final-warning.docx",
                   "html": "print/final-warning.html", "per": "parent"}
    names = {f.name for f in FORM.fields}
    assert {"pupil.first_name", "pupil.last_name", "pupil.date_of_birth", "pupil.year_group", "pupil.address",
            "parents", "meeting.fast_track", "meeting.date", "plan", "final_warning_date", "contact_by",
            "head_teacher_name"} == names
    plan = next(f for f in FORM.fields if f.name == "plan")
    assert [i.name for i in plan.item_fields] == ["action"] and plan.options["min_items"] == 1
    assert "Southend" not in json.dumps(FORM.raw)


def test_the_sample_is_valid_and_the_child_is_of_compulsory_school_age():
    data = sample()
    assert len(data["parents"]) == 2 and data["final_warning_date"] == dt.date(2026, 3, 6)
    verdict = evaluate(FORM, data, profile=load_profile("national-2024"), today=dt.date(2026, 3, 6))
    assert verdict.rule("compulsory_school_age").status == "pass"


@pytest.mark.parametrize("contact_by", ["2026-03-06", "2026-03-01"])
def test_the_contact_by_date_must_be_after_the_letter(contact_by):
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), "contact_by": contact_by})
    assert "contact_by" in err.value.messages


def test_at_least_one_plan_item_is_needed():
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), "plan": []})
    assert "plan" in err.value.messages


# --- one letter per parent ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("index, name, address", [(0, "Kelly Turner", CHILD_ADDRESS),
                                                  (1, "Jason Turner", FATHER_ADDRESS)])
def test_each_parent_gets_a_letter_addressed_to_them(letters, fmt, index, name, address):
    text = letters[index][fmt]
    other = "Jason Turner" if index == 0 else "Kelly Turner"
    assert f"{name} {' '.join(address)}" in text  # name, then their address, line by line
    assert f"Dear {name}" in text and other not in text
    assert "Date: 6 March 2026" in text and "Our reference: FWL-2026-000007" in text
    for phrase in SEED_PHRASES + PLAN:
        assert squash(phrase) in text, phrase
    # Amounts in force on 6 March 2026 (the 2024 regulations), not the seed's.
    assert "The Penalty Notice is £80 for each child" in text and "increase to £160 per child" in text
    assert "within 3 years is £160, to be paid within 28 days" in text
    assert "£60" not in text and "£120" not in text
    # A letter is never a draft and never says it is unsigned.
    assert "DRAFT" not in text and "Not signed" not in text and "Not given" not in text


def test_the_letter_reads_in_the_seed_order(letters):
    order = ["Westcliff Park Academy", "Jason Turner", "Our reference", "Date: 6 March 2026", "Dear Jason Turner",
             HEADING, "This is to inform you", "Plan agreed at", PLAN[0], PLAN[-1], "further unauthorised absence",
             "The Penalty Notice is", "Please contact me by", "Yours sincerely", "Mrs Amara Okafor", "Head Teacher"]
    for fmt in ("docx", "pdf"):
        positions = [letters[1][fmt].find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


def _printed_values(ctx) -> list[str]:
    skip = {"form_id", "source", "source_citation", "title", "intro", "signature", "declaration", "return_to",
            "evidence", "previous_penalty_notices", "policies_confirmed", "regime_source", "parents", "first_name",
            "last_name", "upn", "looked_after", "year_group", "relationship", "referral_date", "penalty_amounts_heading"}
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


@pytest.mark.parametrize("index", [None, 0, 1])
def test_docx_and_pdf_carry_the_same_phrases(index):
    ctx = context(recipient=index)
    both = render_both(ctx)
    phrases = set(SEED_PHRASES + PLAN + _printed_values(ctx))
    in_docx = {p for p in phrases if squash(p) in both["docx"]}
    in_pdf = {p for p in phrases if squash(p) in both["pdf"]}
    assert in_docx == in_pdf
    # Everything the letter itself offers is printed (the child's address only where it is the recipient's).
    letter = {key: ctx[key] for key in ("recipient", "letter", "school_name", "la_name", "reference")}
    assert set(SEED_PHRASES + PLAN + _printed_values(letter)) <= in_docx
    assert ctx["pupil"]["name"] in in_docx and ctx["pupil"]["date_of_birth"] in in_docx


def test_without_a_recipient_the_letter_is_to_parent_carer_at_the_childs_address():
    both = render_both(context(recipient=None))
    for fmt in ("docx", "pdf"):
        assert f"Parent/Carer {' '.join(CHILD_ADDRESS)}" in both[fmt]
        assert "Dear Parent/Carer" in both[fmt] and "DRAFT" not in both[fmt]


def test_a_letter_dated_before_19_august_2024_states_the_old_amounts():
    data = sample(final_warning_date=dt.date(2024, 6, 1), contact_by=dt.date(2024, 6, 10),
                  meeting={"fast_track": True, "date": dt.date(2024, 5, 30)})
    both = render_both(context(data, recipient=0))
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        assert "The Penalty Notice is £60 for each child" in text and "increase to £120 per child" in text
        assert "£80" not in text and "£160" not in text and "A second Penalty Notice" not in text
        assert "Date: 1 June 2024" in text and "Please contact me by 10 June 2024" in text
        assert "Plan agreed at the Fast Track Attendance Support meeting on 30 May 2024:" in text


@pytest.mark.parametrize("day, amounts", [(dt.date(2024, 8, 18), ("£60", "£120")),
                                          (dt.date(2024, 8, 19), ("£80", "£160"))])
def test_the_amounts_change_on_19_august_2024(day, amounts):
    data = sample(final_warning_date=day, contact_by=day + dt.timedelta(days=7),
                  meeting={"fast_track": False, "date": day})
    letter = context(data, recipient=0)["letter"]["amounts"]
    assert (letter["lower"], letter["higher"]) == amounts


def test_hostile_text_in_the_plan_is_printed_literally():
    data = sample(plan=[{"action": HOSTILE}, {"action": "Second line & <b>bold</b>"}],
                  head_teacher_name="O'Brien <Head> & Co")
    both = render_both(context(data, recipient=1))
    for fmt in ("docx", "pdf"):
        assert squash(HOSTILE) in both[fmt], fmt
        assert "Second line & <b>bold</b>" in both[fmt] and "O'Brien <Head> & Co" in both[fmt]
        assert "49" not in both[fmt]


def test_a_preview_of_an_empty_letter_still_renders():
    both = render_both(build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        assert "Dear Parent/Carer" in both[fmt] and HEADING in both[fmt]
        assert "Plan agreed at the Attendance Panel / Fast Track Attendance Support meeting:" in both[fmt]
        assert "DRAFT" not in both[fmt]


def test_both_are_a4_and_the_pdf_names_itself(letters):
    for section in docx.Document(io.BytesIO(letters[0]["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(letters[0]["pdf_bytes"]))
    assert reader.metadata.title == DOC["title"] and len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72)) == (210, 297)
