"""Referral to the Education Welfare Service (002, Step 3): its DOCX and PDF from one context, with the
words an Education Welfare Officer looks for in both; the figures counted from Welsh register marks;
bad input named by its field. The rules are in tests/test_rules_ews.py, the whole journey in
tests/test_ews_journey.py.

The sample (tests/samples/ews-referral.json) is Rhys Pritchard, Year 8 at a Cardiff high school in
2025/26, referred on Friday 20 March 2026; his mother has her letters in Welsh, his father in English.
"""
from __future__ import annotations

import copy
import datetime as dt
import io

import docx
import pytest
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.register.marks import parse_register_json
from forms_service.rules import evaluate

from support.doctext import pdf_text, render_docx_and_pdf, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer
from support.registers import D, typical_pupil

FORM_ID = "ews-referral"
SCHOOL = {"name": "Llanrumney High School"}
LA = {"name": "Cardiff Council", "inbox": "ews-referrals@la.invalid", "jurisdiction": "wales"}
REFERENCE = "EWS-2026-000019"
SIGNATURE = {"name": "Mrs Eleri Morgan", "role": "Head Teacher",
             "signed_at": dt.datetime(2026, 3, 20, 14, 15, tzinfo=dt.timezone.utc)}  # GMT: 2:15pm
UPLOADS = [{"kind": "registration_certificate", "filename": "Pritchard registration certificate 18-03-2026.pdf"},
           {"kind": "letters", "filename": "Pritchard letters of concern.pdf"}]
CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference=REFERENCE, today=D(2026, 3, 20), profile="cardiff")
FORM = CASE.form

READER_PHRASES = [
    "Referral to the Education Welfare Service",
    "Source: 002, Step 3",
    "the wording of this form is the service's own",
    "EWS-2026-000019",
    "Llanrumney High School",
    "Cardiff Council",
    "Date of referral 20 March 2026",
    "Rhys Pritchard",
    "14 March 2013",
    "Year 8",
    "W681400125307",
    "27 Heol Pentwyn Llanrumney Cardiff CF3 5QT",
    "Siân Pritchard (mother)",
    "Gareth Pritchard (father)",
    "Flat 3, 118 Cowbridge Road East Canton Cardiff CF11 9DX",
    "Language for letters to Siân Pritchard Welsh (Cymraeg)",
    "Language for letters to Gareth Pritchard English",
    "Attendance 78.4%",
    "Authorised absence 7.3%",
    "Unauthorised absence 14.3%",
    "Unauthorised sessions 36 sessions",
    "Most absences are Mondays and Fridays",
    "School nurse (drop-in since January 2026)",
    "Yes: Cerys Pritchard, Year 3 at a Llanrumney primary school",
    "22 September 2025: First day calls to mum on each day of absence",
    "14 October 2025: Head of Year 8 met Rhys and mum",
    "Parents invited to a meeting in school 3 February 2026",
    "Mum attended on 12 February 2026 with Rhys.",
    "Yes: the parents were told that medical confirmation is required",
    "Registration certificate printed on 18 March 2026",
    "Attached: Pritchard registration certificate 18-03-2026.pdf",
    "Attached: Pritchard letters of concern.pdf",
    "6 October 2025 Letter on the 3rd consecutive day of unauthorised absence",
    "10 November 2025 First letter of concern",
    "26 January 2026 Second letter of concern",
    "26 February 2026 Home visit Spoke with mum at home",
    "5 March 2026 Meeting in school Met mum and Rhys in school",
    "12 March 2026 Home visit Spoke with dad at his flat in Canton",
    FORM.declaration,
    "Signed electronically by Mrs Eleri Morgan, Head Teacher, on 20 March 2026 at 2:15pm",
    "Print Name Mrs Eleri Morgan",
    "Return to ews-referrals@la.invalid",
]

LABELS = [
    "To be completed by head teacher", "Tick when checked", "The child and family", "Attendance this school year",
    "Reasons for concern about the child's attendance and welfare", "Other agencies working with the child or family",
    "Younger brothers or sisters with attendance concerns", "Steps 1 and 2: the work of the school",
    "Action by the class teacher or form teacher",
    "Action by the head of year (secondary) or the head or deputy head (primary)",
    "Where absences for illness continue to be covered by notes, parents told that medical confirmation is required",
    "An up to date print out of the registration certificate (attached)",
    "Copies of the letters of concern sent to the parents (attached)",
    "Letters of concern to the parents", "Date sent",
    "The School Attendance Officer's meetings and home visits", "Meeting or visit",
    "Who was spoken to, and the outcome", "Head Teacher Signature",
]


def context(data=None, *, signature=SIGNATURE, reference=REFERENCE, evidence=UPLOADS):
    data = CASE.sample() if data is None else data
    judged = evaluate(FORM, data, profile=CASE.profile, today=CASE.today).to_dict()
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=reference, signature=signature,
                         verdict=judged, evidence=evidence)


@pytest.fixture(scope="module")
def signed():
    ctx = context()
    return {"ctx": ctx, **render_docx_and_pdf(FORM.documents[0], ctx)}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_referral_says_what_an_education_welfare_officer_looks_for(signed, fmt):
    flat = squash(signed[fmt])
    assert [p for p in READER_PHRASES + LABELS if squash(p) not in flat] == []
    assert "DRAFT" not in signed[fmt] and "Signed by the head teacher" in signed[fmt]


def test_rows_come_in_the_order_of_step_3_in_both(signed):
    order = ["Name of child", "Rhys Pritchard", "Siân Pritchard (mother)", "Language for letters to Siân",
             "Attendance 78.4%", "Reasons for concern about", "Younger brothers or sisters",
             "Action by the class teacher", "Action by the head of year", "Parents invited to a meeting",
             "medical confirmation is required", "Registration certificate printed on",
             "Letters of concern to the parents", "First letter of concern",
             "The School Attendance Officer's meetings and home visits", "Spoke with dad", "I confirm that",
             "Head Teacher Signature", "Return to"]
    for fmt in ("docx", "pdf"):
        flat = squash(signed[fmt])
        positions = [flat.find(p) for p in order]
        assert -1 not in positions, (fmt, dict(zip(order, positions)))
        assert positions == sorted(positions), fmt


def test_both_are_a4_and_the_pdf_names_itself(signed):
    for section in docx.Document(io.BytesIO(signed["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert PdfReader(io.BytesIO(signed["pdf_bytes"])).metadata.title == FORM.title


def test_the_form_says_its_text_is_the_services_own_and_cites_002():
    """002, Step 3 asks for "formal SAO and EWS referral forms" without reproducing them."""
    assert any("does not reproduce them" in line and "service's own" in line for line in FORM.intro)
    assert FORM.source == "002, Step 3" and FORM.reference_prefix == "EWS" and FORM.sends_to_la
    assert "Education Welfare Service" in FORM.declaration and "Steps 1 and 2" in FORM.declaration


def test_a_draft_is_marked_and_an_empty_list_prints_not_given():
    data = CASE.sample(letters_of_concern=[], sao_visits=[], medical_confirmation=None)
    draft = render_docx_and_pdf(FORM.documents[0], context(data, signature=None, reference=None, evidence=[]))
    for fmt in ("docx", "pdf"):
        flat = squash(draft[fmt])
        assert "DRAFT – not signed" in flat and "Not assigned yet" in flat, fmt
        assert "Date sent Letter Not given Not given" in flat, fmt
        assert "Who was spoken to, and the outcome Not given Not given Not given" in flat, fmt
        assert "medical confirmation is required Not given" in flat, fmt
        assert "Mrs Eleri Morgan" not in flat, fmt


@pytest.mark.parametrize("data", [{}, {"parents": [{}], "sao_visits": [{"kind": "elsewhere"}]},
                                  {"letters_of_concern": "lots", "parents": None, "figures": {"attendance_pct": True}}])
def test_partial_data_renders_in_both(data):
    ctx = build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=None, signature=None, verdict=None,
                        evidence=[])
    rendered = render_docx_and_pdf(FORM.documents[0], ctx)
    for fmt in ("docx", "pdf"):
        assert "Not given" in rendered[fmt] and "Education Welfare Service" in rendered[fmt], fmt


def test_a_parent_without_a_language_has_english():
    data = CASE.sample()
    for parent in data["parents"]:
        parent.pop("language")
    ctx = context(data)
    assert [row["language"] for row in ctx["ews"]["languages"]] == ["English", "English"]


def test_user_text_is_printed_as_written_never_run():
    words = "<b>Rhys</b> {{ 7 * 7 }} {% if true %}yes{% endif %} & Co"
    data = CASE.sample(concerns=words, meeting_outcome="{{ config }}")
    rendered = render_docx_and_pdf(FORM.documents[0], context(data))
    for fmt in ("docx", "pdf"):
        assert squash(words) in squash(rendered[fmt]), fmt
        assert "{{ config }}" in rendered[fmt] and "49" not in rendered[fmt], fmt


# --- the answers checked, each error at its field -----------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"parents": [{"name": "Siân Pritchard", "relationship": "mother", "language": "fr"}]}, ("parents", 0, "language")),
    ({"sao_visits": [{"date": "2026-03-12", "kind": "phone_call", "outcome": "Rang mum"}]}, ("sao_visits", 0, "kind")),
    ({"letters_of_concern": [{"description": "First letter"}]}, ("letters_of_concern", 0, "date")),
    ({"medical_confirmation": "maybe"}, ("medical_confirmation",)),
    ({"registration_certificate_printed": "18/03/2026"}, ("registration_certificate_printed",)),
    ({"younger_siblings_details": None}, ("younger_siblings_details",)),
])
def test_bad_answers_are_named_by_their_field(change, path):
    raw = {**copy.deepcopy(CASE.json), **change}
    if "younger_siblings_details" in change:
        raw.pop("younger_siblings_details")
    with pytest.raises(ValidationError) as caught:
        FORM.schema(complete=True).load(raw)
    node = caught.value.messages
    for part in path:
        node = node[part]
    assert node and all(isinstance(message, str) and message for message in node)


def test_the_languages_are_english_and_welsh_english_by_default():
    [parents] = [f for f in FORM.fields if f.name == "parents"]
    [language] = [f for f in parents.item_fields if f.name == "language"]
    assert language.label == "Language for letters" and language.hint == "Welsh councils offer correspondence in Welsh"
    assert [(c["value"], c["label"]) for c in language.options["choices"]] == [("en", "English"),
                                                                               ("cy", "Welsh (Cymraeg)")]
    assert language.options["default"] == "en"


# --- figures counted from Welsh register marks ------------------------------------------------------------

def welsh_register_json() -> dict:
    """Rhys's 2025/26 marks to 20 March 2026 in the Welsh codes: the ordinary year, 20 unexplained (O)
    sessions since Christmas and 4 more of illness (I)."""
    pupil = typical_pupil(code_set="wales-2010")
    pupil.mark_sessions(20, "O", D(2026, 1, 5), D(2026, 3, 13), seed=5)
    pupil.mark_days(D(2026, 3, 16), D(2026, 3, 17), "I")
    register = pupil.build(until=D(2026, 3, 20))
    return {"code_set": "wales-2010", "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                                   for s in register.sessions]}


@pytest.mark.db
def test_the_figures_printed_are_counted_from_welsh_marks(client):
    """From 1 September 2025 to Friday 20 March 2026 the test calendar has 123 open days (246 possible
    sessions); the typical year brings 1 N, 4 I and 1 M; with 20 O and 4 I more: 21 unauthorised
    sessions (8.5%), 9 authorised (3.7%), 216 attended (87.8%). The typed figures (78.4%, 36) give way."""
    register = welsh_register_json()
    assert parse_register_json(register).code_set == "wales-2010"
    office = bearer(api_token(client, "office@demo.school"))
    response = client.post(f"/api/v1/documents/{FORM_ID}", headers=office,
                           json={"data": CASE.json, "register": register, "format": "pdf", "profile": "cardiff"})
    assert response.status_code == 200, response.get_json()
    flat = squash(pdf_text(response.data))
    assert "Unauthorised sessions 21 sessions" in flat
    assert "Attendance 87.8%" in flat and "Authorised absence 3.7%" in flat and "Unauthorised absence 8.5%" in flat
    assert "78.4%" not in flat and "36 sessions" not in flat
