"""Cardiff's Attendance Contract (002, Appendix 4; Step 2): an agreement with targets and a review
date, what the pupil, the parents, the school and the School Attendance Officer or Education Welfare
Officer will each do, and a line for each to sign on paper; every fixed word translatable.

The sample (tests/samples/attendance-contract-wales.json) is Megan Hughes-Ahmed, Year 6 at a Cardiff
primary school, with 81.4% attendance this school year; her mother Rhian lives at Megan's address in
Llanishen and wants letters in Welsh, her father Imran in Grangetown in English. The contract is
agreed on 14 January 2026 with a review on 25 February 2026, after the February half term.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from docx import Document
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents import language
from forms_service.documents.context import build_context
from forms_service.formdefs import get_form
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import date_parts, login, post_page, set_profile, text
from support.messages import docx_messages, html_messages, mark_every_message, outside_messages

D = dt.date
FORM_ID = "attendance-contract-wales"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Ysgol Gynradd Llanisien"}
LA = {"name": "Cardiff Council", "inbox": "ews-referrals@la.invalid", "jurisdiction": "wales"}
REFERENCE = "ACW-2026-000012"
CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference=REFERENCE, today=D(2026, 1, 14), profile="cardiff")
sample, context = CASE.sample, CASE.context

DETAILS = [f"Reference {REFERENCE}", "School Ysgol Gynradd Llanisien", "Date of the contract 14 January 2026",
           "Pupil Megan Hughes-Ahmed", "Date of birth 3 February 2015", "Year group Year 6",
           "Parent or carer Rhian Hughes (mother)", "Parent or carer Imran Ahmed (father)",
           "Attendance this school year 81.4%", "Review date 25 February 2026"]
WORDS = [
    "Attendance Contract",
    "This contract sets out the expectations, actions and responsibilities that Megan Hughes-Ahmed, their parents or "
    "carers, Ysgol Gynradd Llanisien and Mrs Carys Pritchard have agreed so that Megan Hughes-Ahmed's attendance "
    "improves. Everyone who signs it agrees to do their part.",
    "Attendance targets",
    "Megan Hughes-Ahmed and their parents or carers have agreed these targets:",
    "At least 95% attendance between now and the review", "No unauthorised absence before the review",
    "The contract will be reviewed on 25 February 2026, when everyone who signs it will look at the progress made.",
    "What Megan Hughes-Ahmed will do", "Tell Miss Evans or my Head of Year if something is making it hard",
    "What the parents or carers will do", "Give medical confirmation of any absence for illness",
    "What the school will do", "Morning check-in with Miss Evans, the pastoral lead",
    "What the School Attendance Officer will do", "Refer the family to Cardiff Family Advice and Support",
    "By law, parents must make sure that a child of compulsory school age who is registered at a school attends it "
    "regularly (Education Act 1996, section 444).",
    "We have read this contract and agree to keep to it.",
]
SIGNATURES = ["Name Signature Date", "Pupil Megan Hughes-Ahmed", "Parent or carer Rhian Hughes",
              "Parent or carer Imran Ahmed", "For the school Mrs Eleri Vaughan, Deputy Head Teacher",
              "School Attendance Officer Mrs Carys Pritchard"]


@pytest.fixture(scope="module")
def contract():
    return CASE.render(DOC, context())


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_welsh_agreement_signed_by_all_four():
    assert FORM.kind == "agreement" and FORM.source == "002, Appendix 4" and FORM.reference_prefix == "ACW"
    assert FORM.raw["jurisdictions"] == ["wales"] and FORM.raw["sample_profile"] == "cardiff"
    assert FORM.measure_from == "contract_date" and list(FORM.rules) == ["compulsory_school_age"]
    assert "per" not in DOC and not FORM.sends_to_la and FORM.uses_register
    assert "does not reproduce it: the contract's text is the service's own" in " ".join(FORM.intro)
    names = {f.name for f in FORM.fields}
    assert {"commitments.pupil", "commitments.parents", "commitments.school", "commitments.officer", "targets",
            "review_date", "signatories.officer_role", "signatories.officer", "signatories.school"} <= names
    parents = next(f for f in FORM.fields if f.name == "parents")
    lang = next(f for f in parents.item_fields if f.name == "language")
    assert (lang.type, lang.label, lang.hint, lang.options["default"]) == (
        "choice", "Language for letters", "Welsh councils offer correspondence in Welsh", "en")
    assert [c["value"] for c in lang.options["choices"]] == list(language.LANGUAGES)


def test_the_sample_is_valid_and_the_child_is_of_compulsory_school_age():
    result = evaluate(FORM, sample(), profile=CASE.profile, today=D(2026, 1, 14))
    assert result.eligible and result.rule("compulsory_school_age").status == "pass"


@pytest.mark.parametrize("change, field", [
    ({"review_date": "2026-01-14"}, ("review_date",)),                   # the same day: the review is after
    ({"targets": []}, ("targets",)),
    ({"commitments": {"pupil": [], "parents": [{"action": "x"}], "school": [{"action": "x"}],
                      "officer": [{"action": "x"}]}}, ("commitments", "pupil")),
    ({"signatories": {"school": "Mrs Vaughan", "officer_role": "police", "officer": "Mrs Pritchard"}},
     ("signatories", "officer_role")),
    ({"signatories": {"school": "Mrs Vaughan", "officer_role": "ewo", "officer": ""}}, ("signatories", "officer")),
    ({"figures": {"attendance_pct": "most days"}}, ("figures", "attendance_pct")),
])
def test_bad_answers_are_refused_naming_the_field(change, field):
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), **change})
    node = err.value.messages
    for part in field:
        assert part in node, (field, err.value.messages)
        node = node[part]


def test_a_review_the_day_after_is_accepted():
    data = FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), "review_date": "2026-01-15"})
    assert data["review_date"] == D(2026, 1, 15)


# --- the contract ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_contract_says_what_each_will_do_and_who_signs(contract, fmt):
    text = contract[fmt]
    for phrase in DETAILS + WORDS + SIGNATURES:
        assert squash(phrase) in text, phrase
    assert "Education Welfare Officer will do" not in text and "DRAFT" not in text and "Not given" not in text


def test_the_contract_reads_in_order(contract):
    order = ["Attendance Contract", "Reference", "Review date", "This contract sets out", "Attendance targets",
             "will be reviewed on", "What Megan Hughes-Ahmed will do", "What the parents or carers will do",
             "What the school will do", "What the School Attendance Officer will do", "By law", "We have read",
             "Name Signature Date Pupil Megan Hughes-Ahmed Parent or carer Rhian Hughes", "For the school",
             "School Attendance Officer Mrs"]
    for fmt in ("docx", "pdf"):
        text = contract[fmt][contract[fmt].index("Attendance Contract"):]
        positions = [text.find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


def test_an_education_welfare_officer_signs_as_one():
    data = sample(signatories={"school": "Mrs Eleri Vaughan, Deputy Head Teacher", "officer_role": "ewo",
                               "officer": "Mr Huw Llewellyn"})
    both = CASE.render(DOC, context(data))
    for fmt in ("docx", "pdf"):
        assert "What the Education Welfare Officer will do" in both[fmt]
        assert "Education Welfare Officer Mr Huw Llewellyn" in both[fmt]
        assert "School Attendance Officer" not in both[fmt]


def test_without_an_attendance_figure_the_row_is_left_out():
    both = CASE.render(DOC, context(sample(figures={})))
    for fmt in ("docx", "pdf"):
        assert "Attendance this school year" not in both[fmt] and "Review date 25 February 2026" in both[fmt]


def test_one_parent_signs_once():
    data = sample(parents=sample()["parents"][:1])
    both = CASE.render(DOC, context(data))
    for fmt in ("docx", "pdf"):
        assert both[fmt].count("Parent or carer Rhian Hughes") == 2 and "Imran Ahmed" not in both[fmt]


def test_hostile_text_is_printed_literally():
    hostile = "{{ 7*7 }} {% trans %}x{% endtrans %} <script>alert('x')</script> & \"quotes\""
    data = sample(targets=[{"target": hostile}], signatories={"school": "O'Brien & <b>Co</b>", "officer_role": "sao",
                                                             "officer": "{{ officer }}"})
    both = CASE.render(DOC, context(data))
    for fmt in ("docx", "pdf"):
        assert squash(hostile) in both[fmt] and "For the school O'Brien & <b>Co</b>" in both[fmt]
        assert "School Attendance Officer {{ officer }}" in both[fmt] and "49" not in both[fmt]


def test_a_preview_of_an_empty_contract_still_renders():
    both = CASE.render(DOC, build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        assert "Attendance Contract" in both[fmt] and "What the School Attendance Officer will do" in both[fmt]


def test_both_are_a4_and_the_pdf_names_itself(contract):
    for section in Document(io.BytesIO(contract["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert PdfReader(io.BytesIO(contract["pdf_bytes"])).metadata.title == DOC["title"]


def _web_pages() -> dict:
    s = SAMPLE_JSON
    commitments = {f"commitments__{who}-{i}-action": item["action"]
                   for who, items in s["commitments"].items() for i, item in enumerate(items)}
    return {
        "meeting": {"contract_date": date_parts(s["contract_date"])},
        "pupil": {"pupil__first_name": s["pupil"]["first_name"], "pupil__last_name": s["pupil"]["last_name"],
                  "pupil__date_of_birth": date_parts(s["pupil"]["date_of_birth"]),
                  "pupil__year_group": s["pupil"]["year_group"], "pupil__address": s["pupil"]["address"]},
        "parents": {f"parents-{i}-{k}": v for i, p in enumerate(s["parents"]) for k, v in p.items()},
        "targets": {"figures__attendance_pct": "81.4", "review_date": date_parts(s["review_date"]),
                    **{f"targets-{i}-target": t["target"] for i, t in enumerate(s["targets"])}},
        "commitments": commitments,
        "signatories": {f"signatories__{k}": v for k, v in s["signatories"].items()},
    }


def test_the_contract_is_written_on_the_web_and_downloaded(app, client):
    set_profile(app, "cardiff")  # a form used in Wales
    login(client, "office@demo.school")
    start = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert start.status_code == 302 and start.location.endswith("/pages/meeting")
    base = start.location.rsplit("/pages/", 1)[0]
    pages = _web_pages()
    assert [p.id for p in FORM.pages] == list(pages)
    # The commitments page starts from the usual commitments.
    assert "Phone home on the first day of any absence that is not explained" in text(
        client.get(f"{base}/pages/commitments"))
    for page_id, answers in pages.items():
        response = post_page(client, f"{base}/pages/{page_id}", answers)
        assert response.status_code in (302, 303), (page_id, text(response)[:3000])
    bad = post_page(client, f"{base}/pages/targets", {**pages["targets"], "review_date": date_parts("2026-01-14")})
    assert bad.status_code == 422 and "Review date must be after date of the contract" in text(bad)

    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" not in page
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        response = client.get(f"{base}/letter/{FORM_ID}.{fmt}")
        assert response.status_code == 200, fmt
        words = squash(read(response.data))
        for phrase in ("Attendance Contract", "School Demo School", "Pupil Megan Hughes-Ahmed",
                       "Parent or carer Imran Ahmed", "School Attendance Officer Mrs Carys Pritchard",
                       "Morning check-in with Miss Evans, the pastoral lead"):
            assert phrase in words, (fmt, phrase)


# --- translatable, in the first parent's language ------------------------------------------------------

@pytest.mark.parametrize("first, expected", [("cy", "cy"), ("en", "en"), (None, "en")])
def test_the_contract_is_in_the_first_parents_language(first, expected):
    parents = copy.deepcopy(sample()["parents"])
    parents[0]["language"] = first
    parents[1]["language"] = "cy" if first != "cy" else "en"  # the second parent's choice does not decide
    assert context(sample(parents=parents))["language"] == expected


def test_the_print_and_word_templates_have_the_same_messages():
    html = html_messages(DOC["html"])
    assert html == docx_messages(DOC["docx"]) and len(html) > 25


def test_every_fixed_word_goes_through_the_catalogue(monkeypatch):
    mark_every_message(monkeypatch)
    both = CASE.render(DOC, context())
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        for phrase in ("Attendance Contract", "Reference", "What the parents or carers will do", "By law",
                       "School Attendance Officer", "Name", "Signature"):
            assert squash(f"[[{phrase}") in text, phrase
        outside = outside_messages(text)
        for word in ("contract", "Contract", "What the", "Date of", "Pupil", "Parent or carer", "For the school",
                     "Officer", "Signature", "agreed", "law"):
            assert word not in outside, (fmt, word, outside)
    assert PdfReader(io.BytesIO(both["pdf_bytes"])).trailer["/Root"]["/Lang"] == "cy"
