"""The Medical Action Plan and the Medical Consent Form (000, Appendices 1–3: Stockport's Attendance
Intervention Staged Process Guidance): one declaration, two documents — the plan, and a consent form
for each parent or carer named — rendered as DOCX and PDF from one context.

The sample (tests/samples/medical-action-plan.json) is Freya Walsh, Year 4 at a Stockport primary
school, with asthma and anxiety. Her mother Emma lives at Freya's address in Heaton Moor and her
father Daniel at his own in Edgeley. The plan is dated 21 January 2026, with attendance 86.3%, 9
broken weeks and 11.5 days off school, a target of 92.5% and a review on 11 February 2026. The GP is
Dr Priya Raman of Mersey Vale Medical Practice.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, render_docx_and_pdf, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, date_parts, login, post_page, text

FORM_ID = "medical-action-plan"
FORM = get_form(FORM_ID)
PLAN_DOC, CONSENT_DOC = FORM.documents
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Heaton Moor Primary School"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
CHILD_ADDRESS = "14 Hawthorn Grove Heaton Moor Stockport SK4 4HZ"
FATHER_ADDRESS = "Flat 6, 82 Castle Street Edgeley Stockport SK3 9AB"
GP_ADDRESS = "45 Didsbury Road Heaton Mersey Stockport SK4 3DQ"
CONSENT = ("By signing this form I grant permission for a representative of the school to seek medical information "
           "regarding the named child in relation to his or her attendance at school or otherwise.")
HOSTILE = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\" {_{ _}} %}"
PLACEHOLDERS = re.compile(r"\{\{|\{%|\[[A-Za-z][A-Za-z /]*\]|\bXX\b")

# The plan's headings and cells as a reader finds them, in the seed's order (000, Appendix 2).
PLAN_PHRASES = [
    "Heaton Moor Primary School",
    "Moorfield Road, Heaton Moor, Stockport SK4 4DL Telephone 0161 432 5566 attendance@heatonmoor-primary.example",
    "Medical Action Plan",
    "Reference: MAP-2026-000042",
    "PUPIL NAME Freya Walsh", "DATE OF BIRTH 9 February 2017", "YEAR GROUP Year 4",
    "TEACHER NAME Miss Laura Finch", "SEND No", "Action Plan Chair/Coordinator Mrs Helen Carter, Attendance Lead",
    "Attendance % 86.3%", "No. of broken weeks 9", "No. of days off school 11.5",
    "People invited to attend Name Signature",
    "Pupil Freya Walsh",
    "Parent / Carer Emma Walsh Daniel Walsh",
    "School Staff Mrs Helen Carter (Attendance Lead) Miss Laura Finch (Class Teacher)",
    "School Governor None invited",
    "School Nurse Sarah Lomax (School Nurse, 0-19 Service)",
    "Other Agencies Kelly Ashworth (Family Support Worker, Stockport Family)",
    "Date of Medical Action Plan 21 January 2026",
    "GP Consent gained? Yes",
    "Consent form completed Yes Date: 14 January 2026",
    "Decision to authorise absence? Yes Date: 21 January 2026",
    "Name of authorising person Mrs Joanne Kenyon, Headteacher",
    "Date of Review 11 February 2026",
    "Medical Issues Medical Evidence provided by Date & Type of evidence",
    "Asthma: frequent flare-ups with chest infections since October",
    "Dr Priya Raman, GP 3 December 2025 GP letter confirming diagnosis and medication",
    "Healthy Young Minds Stockport 9 January 2026 Referral acknowledgement letter (on the waiting list)",
    "Identified Difficulties Intervention Required Provided by / Date",
    "Misses whole days after a bad night with asthma symptoms",
    "Sarah Lomax, School Nurse 28 January 2026",
    "Mr Aaron Pike, Learning Mentor 26 January 2026",
    "Miss Laura Finch, Class Teacher 2 February 2026",
    "Target Attendance Level 92.5%",
]


CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference="MAP-2026-000042", today=dt.date(2026, 1, 21), profile="stockport")
sample, context = CASE.sample, CASE.context


def refused(**changes) -> dict:
    with pytest.raises(ValidationError) as caught:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), **changes})
    return caught.value.messages


@pytest.fixture(scope="module")
def plan():
    return render_docx_and_pdf(PLAN_DOC, context())


@pytest.fixture(scope="module")
def consent_forms():
    """The consent form for each parent: 0 is Emma (the child's address), 1 is Daniel (his own)."""
    return [render_docx_and_pdf(CONSENT_DOC, context(recipient=i)) for i in range(2)]


# --- the declaration ---------------------------------------------------------------------------------

def test_the_declaration_is_a_plan_with_a_consent_form_for_each_parent():
    assert FORM.kind == "plan" and FORM.raw["signed_by"] == "school" and FORM.reference_prefix == "MAP"
    assert FORM.source.startswith("000") and FORM.measure_from == "plan_date"
    assert list(FORM.rules) == ["compulsory_school_age"] and not FORM.sends_to_la
    assert FORM.evidence == () and FORM.checklist == () and FORM.declaration == ""
    assert PLAN_DOC == {"id": "medical-action-plan", "title": "Medical Action Plan", "docx": "medical-action-plan.docx",
                        "html": "print/medical-action-plan.html"}
    assert CONSENT_DOC == {"id": "medical-consent-form", "title": "Medical Consent Form",
                           "docx": "medical-consent-form.docx", "html": "print/medical-consent-form.html",
                           "per": "parent"}
    by_name = {f.name: f for f in FORM.fields}
    for name, figure, kind in (("figures.attendance_pct", "attendance_pct", "number"),
                               ("figures.broken_weeks", "broken_weeks", "integer"),
                               ("figures.days_missed", "days_missed", "number")):
        assert by_name[name].type == kind and by_name[name].required
        assert by_name[name].options["from_register"] == {"figure": figure, "to": "plan_date"}  # from 1 September
    assert by_name["review_date"].options["after"] == "plan_date"
    assert by_name["review_date"].options["within_months"] == {"of": "plan_date", "months": 1}
    target = by_name["target_attendance_pct"]
    assert (target.type, target.options["min"], target.options["max"], target.options["places"]) == ("number", 0, 100, 1)


def _all_fields(fields):
    for f in fields:
        yield f
        yield from _all_fields(f.item_fields)


def test_health_data_is_kept_to_what_the_seed_asks_and_every_free_text_answer_is_bounded():
    for f in _all_fields(FORM.fields):
        if f.type in ("text", "textarea"):
            assert 0 < f.options.get("max_length", 0) <= 500, f.name
    parent_fields = {i.name for i in next(f for f in FORM.fields if f.name == "parents").item_fields}
    assert parent_fields == {"name", "address"}  # Appendix 3 asks the parent's name and address only
    assert not [f.name for f in FORM.fields if "upn" in f.name or "looked_after" in f.name or "barriers" in f.name]


def test_the_sample_is_valid_and_the_child_is_of_compulsory_school_age_on_the_plan_date():
    data = sample()
    assert len(data["parents"]) == 2 and data["plan_date"] == dt.date(2026, 1, 21)
    verdict = evaluate(FORM, data, profile=load_profile("stockport"), today=dt.date(2026, 1, 21))
    assert verdict.eligible and verdict.rule("compulsory_school_age").status == "pass"
    assert "21 January 2026" in verdict.rule("compulsory_school_age").reason


def test_a_plan_for_a_child_not_yet_of_compulsory_school_age_is_not_part_of_the_staged_process():
    """000, para 9: legal intervention — where the staged process leads — only applies from compulsory
    school age. A Reception child who turned 5 on 10 January is of compulsory school age from 31 March."""
    data = sample(pupil={**sample()["pupil"], "date_of_birth": dt.date(2021, 1, 10), "year_group": "Reception"})
    verdict = evaluate(FORM, data, profile=load_profile("stockport"), today=dt.date(2026, 1, 21))
    rule = verdict.rule("compulsory_school_age")
    assert rule.status == "fail" and "31 March 2026" in rule.reason and not verdict.eligible


# --- validation at the boundaries ----------------------------------------------------------------------

@pytest.mark.parametrize("plan_date, review_date", [
    ("2026-01-21", "2026-01-22"),   # the day after
    ("2026-01-21", "2026-02-21"),   # exactly one calendar month
    ("2026-01-31", "2026-02-28"),   # one month after 31 January is the end of February
    ("2025-12-10", "2026-01-10"),   # across the new year
])
def test_a_review_up_to_one_month_after_the_plan_is_accepted(plan_date, review_date):
    loaded = FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), "plan_date": plan_date,
                                              "review_date": review_date})
    assert loaded["review_date"] == dt.date.fromisoformat(review_date)


# 000, Appendix 1: "a short review period, no more than one academic month", declared on review_date
# as `"within_months": {"of": "plan_date", "months": 1}`.
@pytest.mark.parametrize("plan_date, review_date", [
    ("2026-01-21", "2026-02-22"),   # one day more than a month
    ("2026-01-31", "2026-03-01"),
    ("2026-01-21", "2026-04-21"),
])
def test_a_review_more_than_one_month_after_the_plan_is_refused_naming_the_field(plan_date, review_date):
    messages = refused(plan_date=plan_date, review_date=review_date)
    assert messages == {"review_date": [
        "Date of review must be no more than 1 month after date of the Medical Action Plan"]}


@pytest.mark.parametrize("review_date", ["2026-01-21", "2026-01-20"])
def test_a_review_on_or_before_the_plan_date_is_refused_naming_the_field(review_date):
    messages = refused(review_date=review_date)
    assert messages == {"review_date": ["Date of review must be after date of the Medical Action Plan"]}


@pytest.mark.parametrize("target", [0, 35.5, 92.5, 100])
def test_a_target_attendance_from_0_to_100_with_a_decimal_is_accepted(target):
    assert FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), "target_attendance_pct": target})[
        "target_attendance_pct"] == target


@pytest.mark.parametrize("target, message", [
    (-0.1, "Target attendance level must be between 0 and 100"),
    (100.1, "Target attendance level must be between 0 and 100"),
    (92.55, "Target attendance level can have at most 1 decimal place"),
    ("ninety", "Target attendance level must be a number, like 87.5"),
])
def test_a_target_attendance_outside_0_to_100_is_refused_naming_the_field(target, message):
    assert refused(target_attendance_pct=target) == {"target_attendance_pct": [message]}


def test_a_completed_consent_form_needs_its_date_and_an_uncompleted_one_does_not():
    messages = refused(consent_form={"completed": True})
    assert messages == {"consent_form": {"date": ["Enter date the consent form was completed"]}}
    loaded = FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), "consent_form": {"completed": False}})
    assert loaded["consent_form"] == {"completed": False}


@pytest.mark.parametrize("change, path", [
    ({"medical_issues": []}, "medical_issues"),
    ({"difficulties": []}, "difficulties"),
    ({"parents": []}, "parents"),
    ({"send": "statement"}, "send"),
    ({"figures": {"attendance_pct": 101, "broken_weeks": 9, "days_missed": 11.5}}, "figures"),
    ({"figures": {"attendance_pct": 86.3, "broken_weeks": 9.5, "days_missed": 11.5}}, "figures"),
    ({"invitees": [{"group": "headteacher", "name": "Mrs Joanne Kenyon"}]}, "invitees"),
    ({"medical_issues": [{"issue": "x" * 501}]}, "medical_issues"),
    ({"medical_issues": [{"issue": "Asthma", "evidence_date": "2099-01-01"}]}, "medical_issues"),
])
def test_invalid_answers_are_refused(change, path):
    assert path in refused(**change)


# --- the plan --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_plan_has_the_seeds_headings_names_and_figures_in_the_seeds_order(plan, fmt):
    words = plan[fmt]
    positions = [words.find(squash(p)) for p in PLAN_PHRASES]
    missing = [p for p, at in zip(PLAN_PHRASES, positions) if at == -1]
    assert not missing, (fmt, missing)
    assert positions == sorted(positions), fmt
    assert "Not given" not in words and "DRAFT" not in words and not PLACEHOLDERS.search(words)


def test_the_plan_names_every_parent_and_nothing_of_the_consent_form(plan):
    for fmt in ("docx", "pdf"):
        assert "Emma Walsh" in plan[fmt] and "Daniel Walsh" in plan[fmt]
        assert CONSENT not in plan[fmt] and "Mersey Vale Medical Practice" not in plan[fmt]


def test_the_pupil_row_says_not_invited_and_empty_groups_say_none_invited():
    data = sample(pupil_invited=False, invitees=[])
    both = render_docx_and_pdf(PLAN_DOC, context(data))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert "Pupil Not invited" in words
        for group in ("School Staff", "School Governor", "School Nurse", "Other Agencies"):
            assert f"{group} None invited" in words, (fmt, group)


def test_a_medical_issue_without_evidence_yet_and_decisions_answered_no():
    data = sample(medical_issues=[{"issue": "Recurrent migraines, not yet seen by the GP."}],
                  consent_form={"completed": False}, gp_consent_gained=False,
                  authorisation={"decision": False, "date": dt.date(2026, 1, 21), "name": "Mrs Joanne Kenyon"},
                  send="ehc_plan")
    both = render_docx_and_pdf(PLAN_DOC, context(data))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert "Recurrent migraines, not yet seen by the GP. No medical evidence provided yet" in words
        assert "GP Consent gained? No Consent form completed No Decision to authorise absence? No Date: " \
               "21 January 2026" in words
        assert "SEND EHC Plan" in words


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_figures_are_printed_as_given(fmt):
    data = sample(figures={"attendance_pct": 0, "broken_weeks": 0, "days_missed": 0.5}, target_attendance_pct=100)
    words = render_docx_and_pdf(PLAN_DOC, context(data))[fmt]
    assert "Attendance % 0% No. of broken weeks 0 No. of days off school 0.5" in words
    assert "Target Attendance Level 100%" in words


# --- one consent form per parent ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("index, name, address, child_address", [
    (0, "Emma Walsh", CHILD_ADDRESS, "Same as above"),
    (1, "Daniel Walsh", FATHER_ADDRESS, CHILD_ADDRESS),
])
def test_each_parent_gets_a_consent_form_naming_them(consent_forms, fmt, index, name, address, child_address):
    words = consent_forms[index][fmt]
    other = "Daniel Walsh" if index == 0 else "Emma Walsh"
    expected = [
        "Heaton Moor Primary School", "Telephone 0161 432 5566", "Medical Consent Form", "Reference: MAP-2026-000042",
        f"Parent's Name: {name}", f"Parent's Address: {address}",
        "Child's Name: Freya Walsh", "Child's DOB: 9 February 2017",
        f"Child's Address (if different to above) {child_address}",
        "Medical Professional's Name: Dr Priya Raman",
        "Practice / Organisation Name: Mersey Vale Medical Practice",
        f"Medical Professional's Address: {GP_ADDRESS}",
        CONSENT,
        # Blank, to be signed on paper.
        "Parent's Signature: Date of Signature:",
    ]
    positions = [words.find(p) for p in expected]
    assert -1 not in positions, (fmt, [p for p, at in zip(expected, positions) if at == -1])
    assert positions == sorted(positions)
    assert other not in words and "Attendance %" not in words and "asthma" not in words.lower()
    assert "Not given" not in words and not PLACEHOLDERS.search(words)


def test_two_parents_make_two_consent_forms_and_one_parent_one():
    data = sample()
    from forms_service.referrals.documents import recipients
    assert recipients(CONSENT_DOC, data) == [0, 1] and recipients(PLAN_DOC, data) == [None]
    assert recipients(CONSENT_DOC, sample(parents=data["parents"][:1])) == [0]


def test_a_parent_at_the_childs_address_typed_out_gets_same_as_above():
    data = sample(parents=[{"name": "Emma Walsh", "address": "14 Hawthorn Grove\nHeaton Moor\nStockport\nSK4 4HZ"}])
    both = render_docx_and_pdf(CONSENT_DOC, context(data, recipient=0))
    for fmt in ("docx", "pdf"):
        assert "Child's Address (if different to above) Same as above" in both[fmt]


# --- parity, robustness, paper ------------------------------------------------------------------------------

def _strings(value) -> set[str]:
    if isinstance(value, str):
        return {squash(line) for line in value.split("\n") if line.strip()}
    if isinstance(value, dict):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


@pytest.mark.parametrize("doc, recipient", [(PLAN_DOC, None), (CONSENT_DOC, 0), (CONSENT_DOC, 1)],
                         ids=["plan", "consent-1", "consent-2"])
def test_docx_and_pdf_carry_the_same_values(doc, recipient):
    ctx = context(recipient=recipient)
    both = render_docx_and_pdf(doc, ctx)
    values = _strings({k: ctx[k] for k in ("plan", "consent", "pupil", "recipient", "school_name", "reference")})
    assert {v for v in values if v in both["docx"]} == {v for v in values if v in both["pdf"]}


def test_hostile_text_is_printed_literally():
    data = sample(parents=[{"name": "O'Neil <Em> & Co", "address": HOSTILE}])
    data["authorisation"] = {**data["authorisation"], "name": HOSTILE}
    data["medical_professional"] = {**data["medical_professional"], "name": "Dr <b>Raman</b>"}
    for doc, recipient in ((PLAN_DOC, None), (CONSENT_DOC, 0)):
        both = render_docx_and_pdf(doc, context(data, recipient))
        for fmt in ("docx", "pdf"):
            assert "O'Neil <Em> & Co" in both[fmt], (doc["id"], fmt)
            assert "49" not in both[fmt]
    plan_words = render_docx_and_pdf(PLAN_DOC, context(data))
    consent_words = render_docx_and_pdf(CONSENT_DOC, context(data, 0))
    for fmt in ("docx", "pdf"):
        assert squash(HOSTILE) in plan_words[fmt] and squash(HOSTILE) in consent_words[fmt]
        assert "Dr <b>Raman</b>" in consent_words[fmt]


def test_a_preview_of_an_empty_draft_still_renders_both_documents():
    ctx = build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None)
    plan_words = render_docx_and_pdf(PLAN_DOC, ctx)
    consent_words = render_docx_and_pdf(CONSENT_DOC, ctx)
    for fmt in ("docx", "pdf"):
        assert "Medical Action Plan" in plan_words[fmt] and "Target Attendance Level Not given" in plan_words[fmt]
        assert "Parent's Name: Parent/Carer" in consent_words[fmt] and CONSENT in consent_words[fmt]
        assert "DRAFT" not in plan_words[fmt] + consent_words[fmt]


def test_both_documents_are_a4_and_the_pdfs_name_themselves(plan, consent_forms):
    for rendered, doc in ((plan, PLAN_DOC), (consent_forms[1], CONSENT_DOC)):
        for section in docx.Document(io.BytesIO(rendered["docx_bytes"])).sections:
            assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        reader = PdfReader(io.BytesIO(rendered["pdf_bytes"]))
        assert reader.metadata.title == doc["title"]
        page = reader.pages[0]
        assert (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72)) == (210, 297)
    assert len(PdfReader(io.BytesIO(consent_forms[1]["pdf_bytes"])).pages) == 1  # one sheet for a parent to sign


# --- on the web and through the API ---------------------------------------------------------------------------


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _pages() -> dict[str, dict]:
    """Each page's answers from the sample, as the browser posts them."""
    s = SAMPLE_JSON
    pupil = s["pupil"]
    pages = {
        "pupil": {"pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
                  "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__year_group": pupil["year_group"],
                  "pupil__address": pupil["address"], "teacher_name": s["teacher_name"], "send": s["send"]},
        "parents": {f"parents-{i}-{key}": parent[key] for i, parent in enumerate(s["parents"]) for key in parent},
        "meeting": {"plan_date": date_parts(s["plan_date"]), "chair": s["chair"], "school_contact": s["school_contact"],
                    "pupil_invited": _yes(s["pupil_invited"]),
                    **{f"invitees-{i}-{key}": value for i, item in enumerate(s["invitees"]) for key, value in item.items()}},
        "attendance": {"figures__attendance_pct": "86.3", "figures__broken_weeks": "9", "figures__days_missed": "11.5"},
        "medical": {"medical_professional__name": s["medical_professional"]["name"],
                    "medical_professional__organisation": s["medical_professional"]["organisation"],
                    "medical_professional__address": s["medical_professional"]["address"],
                    "gp_consent_gained": "yes", "consent_form__completed": "yes",
                    "consent_form__date": date_parts(s["consent_form"]["date"])},
        "plan": {"target_attendance_pct": "92.5", "authorisation__decision": "yes",
                 "authorisation__date": date_parts(s["authorisation"]["date"]),
                 "authorisation__name": s["authorisation"]["name"], "review_date": date_parts(s["review_date"])},
    }
    for i, item in enumerate(s["medical_issues"]):
        pages["medical"].update({f"medical_issues-{i}-issue": item["issue"],
                                 f"medical_issues-{i}-evidence_by": item["evidence_by"],
                                 f"medical_issues-{i}-evidence_date": date_parts(item["evidence_date"]),
                                 f"medical_issues-{i}-evidence_type": item["evidence_type"]})
    for i, item in enumerate(s["difficulties"]):
        pages["plan"].update({f"difficulties-{i}-difficulty": item["difficulty"],
                              f"difficulties-{i}-intervention": item["intervention"],
                              f"difficulties-{i}-provided_by": item["provided_by"],
                              f"difficulties-{i}-date": date_parts(item["date"])})
    return pages


def test_a_plan_is_written_on_the_web_and_both_documents_downloaded(client):
    login(client, "office@demo.school")
    assert "Medical Action Plan" in text(client.get("/referrals/"))
    start = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert start.status_code == 302 and start.location.endswith("/pages/pupil")
    base = start.location.rsplit("/pages/", 1)[0]
    rid = base.rsplit("/", 1)[1]
    pages = _pages()
    assert [p.id for p in FORM.pages] == list(pages)

    response = post_page(client, f"{base}/pages/pupil", pages["pupil"])
    assert response.status_code == 302 and response.location.endswith("/pages/parents"), text(response)[:2000]
    # Incomplete: the page says what is missing and offers no download.
    page = text(client.get(f"/referrals/{rid}/letter"))
    assert "Some answers are still needed" in page
    assert client.get(f"/referrals/{rid}/letter/medical-action-plan.pdf").status_code == 409

    # A review two days before the plan is refused on the page, naming the field.
    bad = dict(pages["plan"], review_date=date_parts("2026-01-19"))
    for page_id in ("parents", "meeting", "attendance", "medical"):
        response = post_page(client, f"{base}/pages/{page_id}", pages[page_id])
        assert response.status_code == 302, (page_id, text(response)[:3000])
    # A list item's choice (who a person is invited as) is kept and shown again.
    meeting = text(client.get(f"{base}/pages/meeting"))
    assert re.search(r'name="invitees-2-group" type="radio" value="school_nurse" checked', meeting)
    response = post_page(client, f"{base}/pages/plan", bad)
    assert response.status_code == 422
    assert "Date of review must be after date of the Medical Action Plan" in text(response)

    response = post_page(client, f"{base}/pages/plan", pages["plan"])
    # Figures can be counted from register marks, so the register page comes next (optional).
    assert response.status_code == 302 and response.location.endswith(f"/referrals/{rid}/register"), text(response)[:3000]

    page = text(client.get(f"/referrals/{rid}/letter"))
    assert "Some answers are still needed" not in page
    assert "Medical Action Plan" in page and "Medical Consent Form" in page
    assert "Emma Walsh" in page and "Daniel Walsh" in page

    pdf = client.get(f"/referrals/{rid}/letter/medical-action-plan.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = squash(pdf_text(pdf.data))
    for phrase in ("PUPIL NAME Freya Walsh", "Parent / Carer Emma Walsh Daniel Walsh", "Attendance % 86.3%",
                   "Date of Review 11 February 2026", "Target Attendance Level 92.5%", "Demo School"):
        assert phrase in words, phrase
    word = client.get(f"/referrals/{rid}/letter/medical-action-plan.docx")
    assert word.status_code == 200 and "School Nurse Sarah Lomax" in squash(docx_text(word.data))

    for to, name, other in ((1, "Emma Walsh", "Daniel Walsh"), (2, "Daniel Walsh", "Emma Walsh")):
        for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
            response = client.get(f"/referrals/{rid}/letter/medical-consent-form.{fmt}?to={to}")
            assert response.status_code == 200, (to, fmt)
            words = squash(read(response.data))
            assert f"Parent's Name: {name}" in words and other not in words and CONSENT in words
    assert client.get(f"/referrals/{rid}/letter/medical-consent-form.pdf?to=3").status_code == 404
    # A plan is never submitted to the LA.
    assert client.get(f"/referrals/{rid}/check").status_code == 302


def test_the_api_renders_one_consent_form_per_parent_in_a_zip(client):
    token = bearer(api_token(client, "office@demo.school"))
    forms = client.get("/api/v1/forms", headers=token).get_json()["forms"]
    entry = next(f for f in forms if f["id"] == FORM_ID)
    assert entry["kind"] == "plan" and "review_date" in {f["name"] for f in entry["fields"]}

    response = client.post("/api/v1/documents/medical-consent-form", headers=token,
                           json={"data": SAMPLE_JSON, "format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["medical-consent-form-1.pdf", "medical-consent-form-2.pdf"]
    for name, parent, other in zip(archive.namelist(), SAMPLE_JSON["parents"], reversed(SAMPLE_JSON["parents"])):
        words = squash(pdf_text(archive.read(name)))
        assert f"Parent's Name: {parent['name']}" in words and other["name"] not in words

    plan = client.post("/api/v1/documents/medical-action-plan", headers=token,
                       json={"data": SAMPLE_JSON, "format": "docx"})
    assert plan.status_code == 200 and plan.data[:2] == b"PK"
    assert "medical-action-plan.docx" in plan.headers["Content-Disposition"]
    assert "Parent / Carer Emma Walsh Daniel Walsh" in squash(docx_text(plan.data))

    bad = client.post("/api/v1/documents/medical-action-plan", headers=token,
                      json={"data": {**SAMPLE_JSON, "target_attendance_pct": 120}, "format": "pdf"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"]["data"]["target_attendance_pct"] == [
        "Target attendance level must be between 0 and 100"]
