"""Request the Local Authority hold a Pupil Planning Meeting (PPM) (003, Appendix 5): its rules at
their boundaries from realistic registers, its DOCX and PDF from one context, and the request through
the API and the question pages (SQLite and PostgreSQL).

The sample (tests/samples/ppm-request.json) is Chloe Harding, Year 9 in 2025/26, whose mother is
invited to the PPM; the request is dated Friday 20 March 2026. The 10 school weeks before it run from
Monday 5 January to Friday 20 March 2026 (the February half-term week, closed, is not a school week),
and 9 calendar months before it is 20 June 2025.
"""
from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import io
import json
import re
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.documents.rendering import render_docx, render_pdf
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash
from support.helpers import api_token, bearer, csrf, login, make_pdf, shift_dates, text, with_changes
from support.registers import D, typical_pupil

FORM_ID = "ppm-request"
FORM = get_form(FORM_ID)
SAMPLE_PATH = Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json"
SAMPLE_JSON = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
REQUEST_DATE = D(2026, 3, 20)
WINDOW = (D(2026, 1, 5), D(2026, 3, 20))  # the 10 school weeks before the request
EVIDENCE_KINDS = ("registration_certificate", "letters", "parent_contract")
SOUTHEND = load_profile("southend")
API = "/api/v1"


def sample(**changes) -> dict:
    """The sample loaded through the form's schema (dates as dates), all enclosures given, no typed
    figures (so the register's count is the one used), with `changes` applied ("a__b" = a.b)."""
    data = FORM.schema(complete=True).load(copy.deepcopy(SAMPLE_JSON))
    data.pop("figures", None)
    data["evidence"] = list(EVIDENCE_KINDS)
    return with_changes(data, changes, drop=None)


def register_with(unauthorised: int):
    """A typical pupil's 2025/26 register up to the request date, with `unauthorised` sessions of
    code O spread over the 10 school weeks before it, and one more (N) the Friday before them, which
    must not count."""
    pupil = typical_pupil()
    pupil.mark_sessions(unauthorised, "O", *WINDOW, seed=3)
    pupil.mark(D(2025, 12, 19), "N", ["AM"])
    assert pupil.count("O", *WINDOW) == unauthorised
    return pupil.build(until=REQUEST_DATE)


def judge(data: dict, unauthorised: int = 14, register=True):
    return evaluate(FORM, data, register=register_with(unauthorised) if register else None,
                    profile=SOUTHEND, today=REQUEST_DATE)


# --- the declaration -------------------------------------------------------------------------------

def test_the_form_names_the_rules_design_gives_a_ppm_request():
    assert FORM.reference_prefix == "PPM"
    assert FORM.source == "003, Appendix 5"
    assert list(FORM.rules) == ["compulsory_school_age", "not_looked_after", "unauthorised_sessions_threshold",
                                "support_recency", "barriers_described", "policies_confirmed", "evidence_attached",
                                "absence_band", "year11_timing", "lead_professional"]
    # 003's PPM criteria name no attendance percentage (that is Fast Track's and the panels').
    assert "attendance_in_window" not in FORM.rules
    names = {f.name for f in FORM.fields}
    assert {"pupil.first_name", "pupil.date_of_birth", "pupil.looked_after", "parents", "referral_date",
            "support_meeting_date", "parents_attended_meeting", "parent_contract_agreed", "barriers",
            "policies_confirmed", "figures.unauthorised_sessions_10wk", "other_agencies", "interventions"} <= names
    assert {e["kind"] for e in FORM.evidence} == set(EVIDENCE_KINDS)
    assert "local authority's School Attendance Team to hold a Pupil Planning Meeting" in FORM.declaration
    assert "Southend" not in json.dumps(FORM.raw)


def test_the_sample_is_complete_and_valid():
    data = FORM.schema(complete=True).load(copy.deepcopy(SAMPLE_JSON))
    assert data["pupil"]["year_group"] == "Year 9" and len(data["parents"]) == 1
    assert data["referral_date"] == REQUEST_DATE


# --- rules from register data, at their boundaries ---------------------------------------------------

@pytest.mark.parametrize("unauthorised, status", [(9, "fail"), (10, "pass"), (11, "pass")])
def test_unauthorised_sessions_in_the_10_school_weeks_before_the_request(unauthorised, status):
    verdict = judge(sample(), unauthorised)
    result = verdict.rule("unauthorised_sessions_threshold")
    assert result.status == status, result.reason
    assert verdict.figures["unauthorised_sessions_10wk"] == unauthorised
    assert result.details["window_start"] == "2026-01-05" and result.details["window_end"] == "2026-03-20"
    assert result.details["school_weeks"] == 10
    assert f"{unauthorised} unauthorised sessions" in result.reason
    assert verdict.eligible is (status == "pass")


def test_the_typed_figure_is_used_without_a_register():
    data = sample(figures={"unauthorised_sessions_10wk": 10})
    verdict = judge(data, register=False)
    assert verdict.rule("unauthorised_sessions_threshold").status == "pass"
    assert "as entered on the form" in verdict.rule("unauthorised_sessions_threshold").reason
    assert judge(sample(figures={"unauthorised_sessions_10wk": 9}), register=False).eligible is False


@pytest.mark.parametrize("meeting, status", [
    (D(2025, 6, 20), "pass"),   # exactly 9 calendar months before 20 March 2026
    (D(2025, 6, 19), "fail"),   # a day over
    (D(2025, 11, 10), "pass"),  # the sample's
])
def test_support_meeting_within_9_months(meeting, status):
    verdict = judge(sample(support_meeting_date=meeting))
    result = verdict.rule("support_recency")
    assert result.status == status, result.reason
    assert result.details["months"] == 9 and result.details["earliest"] == "2025-06-20"


def test_support_meeting_without_a_contract_although_parents_attended_fails():
    result = judge(sample(parent_contract_agreed=False)).rule("support_recency")
    assert result.status == "fail"


@pytest.mark.parametrize("barriers, status", [
    ("Poor attendance", "fail"),
    ("poor attendance and lateness", "fail"),
    ("Persistent absence.", "fail"),
    (SAMPLE_JSON["barriers"], "pass"),
    ("Anxiety after bullying on the bus; school arranged a different route and a mentor.", "pass"),
    (None, "missing"),
])
def test_barriers_must_be_described(barriers, status):
    verdict = judge(sample(barriers=barriers))
    assert verdict.rule("barriers_described").status == status
    assert verdict.eligible is (status == "pass")


def test_the_sample_with_its_register_is_eligible():
    verdict = judge(sample())
    by_id = {r.id: r for r in verdict.rules}
    assert [r.id for r in verdict.rules] == list(FORM.rules)
    blocking = ["compulsory_school_age", "not_looked_after", "unauthorised_sessions_threshold", "support_recency",
                "barriers_described", "policies_confirmed", "evidence_attached"]
    assert {rid: by_id[rid].status for rid in blocking} == {rid: "pass" for rid in blocking}
    assert by_id["year11_timing"].status == "pass"  # Year 9
    assert by_id["lead_professional"].status == "pass"  # Early Help named, and consulted
    assert by_id["absence_band"].status in ("pass", "advisory")
    assert verdict.eligible


def test_enclosures_looked_after_and_policies_block():
    assert judge(sample(evidence=["letters"])).rule("evidence_attached").status == "missing"
    assert judge(sample(pupil__looked_after=True)).rule("not_looked_after").status == "fail"
    assert judge(sample(policies_confirmed=False)).rule("policies_confirmed").status == "fail"
    advisory = judge(sample(lead_professional_consulted=None, other_agencies="Social worker (Children's Services)"))
    assert advisory.rule("lead_professional").status == "advisory" and advisory.eligible


# --- the documents ---------------------------------------------------------------------------------

SCHOOL = {"name": "Leigh Park Academy"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
REFERENCE = "PPM-2026-000042"
SIGNATURE = {"name": "Mr Tom Ellis", "role": "Head Teacher",
             "signed_at": dt.datetime(2026, 3, 20, 10, 30, tzinfo=dt.timezone.utc)}  # GMT: 10:30am
UPLOADS = [{"kind": "registration_certificate", "filename": "Harding registration certificate.pdf"},
           {"kind": "letters", "filename": "Harding letters October to January.pdf"},
           {"kind": "parent_contract", "filename": "Harding parent contract 10-11-2025.pdf"}]

READER_PHRASES = [
    "Request the Local Authority hold a Pupil Planning Meeting (PPM)",
    "Source: 003, Appendix 5",
    "PPM-2026-000042",
    "Leigh Park Academy",
    "Chloe Harding",
    "19 February 2012",
    "Year 9",
    "H820500113518",
    "42 Kilnfield Avenue Leigh-on-Sea SS9 2RT",
    "Natalie Harding (mother)",
    "7 September 1985",
    "Same as child",
    "Early Help family support worker (Jo Marsh) since October 2025",
    "4 letters",
    "2 home visits",
    "Meeting held on 10 November 2025",
    "Parenting contract (or alternative plan) agreed: Yes",
    "18 phone calls",
    "3 meetings",
    "Anxiety about unstructured times",
    "None identified. Not on the SEN register",
    "14 sessions",
    "First day absence calls and text messages",
    "15 September 2025 to 13 March 2026",
    "Home visit by the attendance officer",
    "Chloe at home in bed; mum agreed to attend a support meeting.",
    "Referral to the school counsellor",
    "Breakfast club place",
    "Attached: Harding registration certificate.pdf",
    "Attached: Harding parent contract 10-11-2025.pdf",
    "School representees attending the PPM must come with prior knowledge",
    FORM.declaration,
    "Signed electronically by Mr Tom Ellis, Head Teacher, on 20 March 2026 at 10:30am",
    "Print Name Mr Tom Ellis",
    "Return to legal-interventions@la.invalid",
    "Reference: PPM-2026-000042",
]

SEED_LABELS = [
    "To be completed by head teacher", "Tick when checked", "Name of child", "Date of birth",
    "Name of parent/s to be invited to PPM", "Address of parent if different",
    "Other agencies working with the Child / Family: Social Care, Supporting Families, CAMHS etc",
    "Details of interventions",
    "Number of Letters sent to parents (Please enclose copies)",
    "Number of Home visits conducted & Outcome",
    "Date of the Attendance Support meeting held by school and Actions Agreed. Parenting Contract enclosed "
    "(or alternative plan)",
    "Number of phone calls made & Outcome",
    "Number of meetings held & Outcome",
    "Did the Parent/carer attend all meetings",
    "Details of identified barriers to attending school and the support provided by the school to address "
    "attendance concerns",
    "Details any Special Educational Needs",
    "Registration certificate detailing current attendance, which includes 10 sessions or more of unauthorised "
    "absence prior to the referral submission (attached)",
    "Confirmation that all school policies are up to date with the new guidance in the local authority's code of "
    "conduct and this has been shared with parents",
    "Intervention", "Date(s)", "Outcome", "Copy attached",
    "Head Teacher Signature", "School", "Date", "Print Name", "Return to",
]


def context(*, signature=SIGNATURE, reference=REFERENCE, data=None):
    verdict = judge(sample()).to_dict()
    return build_context(FORM.raw, sample() if data is None else data, school=SCHOOL, la=LA, reference=reference,
                         signature=signature, verdict=verdict, evidence=UPLOADS)


def render_both(ctx) -> dict:
    docx_bytes = render_docx(FORM.documents[0]["docx"], ctx)
    pdf_bytes = render_pdf(FORM.documents[0]["html"], ctx, title=ctx["title"])
    return {"docx_bytes": docx_bytes, "pdf_bytes": pdf_bytes, "docx": docx_text(docx_bytes), "pdf": pdf_text(pdf_bytes)}


@pytest.fixture(scope="module")
def signed():
    ctx = context()
    return {"ctx": ctx, **render_both(ctx)}


def _printed_values(ctx) -> list[str]:
    """Every line the context offers to print (the templates place values and nothing else)."""
    skip = {"form_id", "source", "kind", "number", "first_name", "last_name", "relationship", "name",
            "looked_after", "files", "previous_penalty_notices", "penalty_amounts_heading"}
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


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_document_says_what_a_reader_looks_for(signed, fmt):
    flat = squash(signed[fmt])
    assert [p for p in READER_PHRASES + SEED_LABELS if squash(p) not in flat] == []


def test_docx_and_pdf_carry_the_same_phrases(signed):
    phrases = set(READER_PHRASES + SEED_LABELS + _printed_values(signed["ctx"]))
    in_docx = {p for p in phrases if squash(p) in squash(signed["docx"])}
    in_pdf = {p for p in phrases if squash(p) in squash(signed["pdf"])}
    assert in_docx == in_pdf == phrases


def test_rows_come_in_the_seed_order_in_both(signed):
    order = ["Name of child", "Chloe Harding", "Name of parent/s to be invited to PPM", "Natalie Harding (mother)",
             "Other agencies working", "Number of Letters sent", "Number of Home visits",
             "Date of the Attendance Support meeting", "Number of phone calls", "Number of meetings held",
             "Did the Parent/carer attend all meetings", "Details of identified barriers",
             "Details any Special Educational Needs", "Registration certificate detailing",
             "Confirmation that all school policies", "Interventions in the last 9 months",
             "First day absence calls", "Breakfast club place", "School representees attending",
             "I confirm that", "Head Teacher Signature", "Print Name", "Return to"]
    for fmt in ("docx", "pdf"):
        flat = squash(signed[fmt])
        positions = [flat.find(p) for p in order]
        assert -1 not in positions, (fmt, dict(zip(order, positions)))
        assert positions == sorted(positions), fmt


def test_both_are_a4_and_the_pdf_names_itself(signed):
    for section in docx.Document(io.BytesIO(signed["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(signed["pdf_bytes"]))
    assert reader.metadata.title == FORM.title
    for page in reader.pages:
        assert round(float(page.mediabox.width) * 25.4 / 72) == 210
        assert round(float(page.mediabox.height) * 25.4 / 72) == 297


def test_a_draft_says_draft_and_carries_no_signature(signed):
    draft = render_both(context(signature=None, reference=None))
    for fmt in ("docx", "pdf"):
        flat = squash(draft[fmt])
        assert "DRAFT – not signed" in flat, fmt
        assert "must not be sent to the local authority" in flat, fmt
        assert "Signed electronically" not in flat and "Mr Tom Ellis" not in flat, fmt
        assert "Head Teacher Signature Not signed" in flat, fmt
        assert "Not assigned yet" in flat, fmt
        assert "Chloe Harding" in flat and FORM.declaration in flat, fmt
        # and the signed one is not marked draft
        assert "DRAFT" not in signed[fmt] and "Signed by the head teacher" in signed[fmt], fmt


@pytest.mark.parametrize("data", [{}, {"pupil": {"first_name": "Chloe"}, "interventions": [{}]},
                                  {"interventions": "lots", "letters_sent": True, "parents": None}])
def test_partial_data_renders_in_both(data):
    ctx = build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=None, signature=None, verdict=None,
                        evidence=[])
    for fmt, body in render_both(ctx).items():
        if fmt.endswith("_bytes"):
            continue
        assert "Not given" in body and "Pupil Planning Meeting" in body, fmt


# --- through the API ---------------------------------------------------------------------------------

def api_data() -> dict:
    """The sample with every date moved so that the request is dated today (the head signs today,
    and signing measures from that day): the child stays about 14, the meeting about 4 months ago."""
    data = shift_dates(copy.deepcopy(SAMPLE_JSON), (dt.date.today() - REQUEST_DATE).days)
    data.pop("figures")  # counted from the register instead
    return data


def api_register(unauthorised_days: int = 6) -> dict:
    """14 school weeks of marks up to today, every weekday open, present but for `unauthorised_days`
    whole days of code O (two sessions each) in the last six weeks."""
    today = dt.date.today()
    first = today - dt.timedelta(days=today.weekday(), weeks=13)
    days = [first + dt.timedelta(days=i) for i in range((today - first).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    absent = set([d for d in days if d < today][-30::5][:unauthorised_days])
    sessions = [{"date": d.isoformat(), "session": s, "code": "O" if d in absent else ("/" if s == "AM" else "\\")}
                for d in days for s in ("AM", "PM")]
    return {"code_set": "2024", "sessions": sessions}


def test_request_through_the_api_to_a_signed_pack(client):
    office, head = bearer(api_token(client, "office@demo.school")), bearer(api_token(client, "head@demo.school"))
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                           json={"data": {**api_data(), "evidence": list(EVIDENCE_KINDS)}, "register": api_register(),
                                 "profile": "southend"})
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()
    assert verdict["eligible"], verdict["rules"]
    assert verdict["figures"]["unauthorised_sessions_10wk"] == 12

    response = client.post(f"{API}/referrals", json={"form": FORM_ID, "data": api_data(), "register": api_register()},
                           headers=office)
    assert response.status_code == 201, response.get_json()
    referral = response.get_json()
    rid = referral["id"]
    assert referral["status"] == "draft"
    reference = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["reference"]
    assert reference.startswith("PPM")

    # Not yet: the enclosures are missing.
    response = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert response.status_code == 422
    for kind in EVIDENCE_KINDS:
        response = client.post(f"{API}/referrals/{rid}/evidence", headers=office,
                               content_type="multipart/form-data",
                               data={"kind": kind, "file": (io.BytesIO(make_pdf(kind.replace("_", " "))), f"{kind}.pdf")})
        assert response.status_code == 201, response.get_json()
    response = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "awaiting_signoff"

    response = client.post(f"{API}/referrals/{rid}/sign", json={"name": "Harriet Head", "declaration": True},
                           headers=head)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "signed"
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["status"] == "signed"

    files = client.get(f"{API}/referrals/{rid}/documents", headers=office).get_json()
    names = [f["name"] for f in files]
    assert f"{reference}-{FORM_ID}.pdf" in names and f"{reference}-{FORM_ID}.docx" in names
    assert sum(1 for f in files if f["role"] == "evidence") == 3
    pdf = client.get(f"{API}/referrals/{rid}/documents/{reference}-{FORM_ID}.pdf", headers=office)
    word = client.get(f"{API}/referrals/{rid}/documents/{reference}-{FORM_ID}.docx", headers=office)
    for body in (squash(pdf_text(pdf.data)), squash(docx_text(word.data))):
        assert "Chloe Harding" in body and "Harriet Head" in body and "12 sessions" in body
        assert "Breakfast club place" in body and squash(FORM.declaration) in body
        assert "DRAFT" not in body


# --- the question pages --------------------------------------------------------------------------------

def _post(client, url: str, data: dict, *, status: int):
    page = text(client.get(url))
    body = {"csrf_token": csrf(page), **data}
    version = re.search(r'<input type="hidden" name="version" value="([^"]*)"', page)
    if version:
        body["version"] = html_lib.unescape(version.group(1))
    response = client.post(url, data=body)
    assert response.status_code == status, text(response)[:2000]
    return response


def test_each_question_page_renders_and_a_bad_date_is_in_the_error_summary(client):
    login(client, "office@demo.school")
    start = client.get(f"/referrals/new/{FORM_ID}")
    assert start.status_code == 200 and "Pupil Planning Meeting" in text(start)
    response = _post(client, f"/referrals/new/{FORM_ID}", {}, status=302)
    assert response.location.endswith("/pages/pupil")
    rid = int(re.search(r"/referrals/(\d+)/", response.location).group(1))
    for page in FORM.pages:
        response = client.get(f"/referrals/{rid}/pages/{page.id}")
        assert response.status_code == 200, page.id
        assert html_lib.escape(page.title, quote=False) in text(response), page.id

    url = f"/referrals/{rid}/pages/meeting"
    response = _post(client, url, {"support_meeting_date": ["31", "2", "2026"],
                                   "support_meeting_actions": "Walk to the bus stop together",
                                   "parents_attended_meeting": "yes", "parent_contract_agreed": "yes"}, status=422)
    page = text(response)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary and "Date of the attendance support meeting must be a real date" in summary.group(0)
    assert "Walk to the bus stop together" in page  # what was typed is kept

    # A good answer saves and moves on to the next page.
    response = _post(client, url, {"support_meeting_date": ["10", "11", "2025"],
                                   "support_meeting_actions": "Walk to the bus stop together",
                                   "parents_attended_meeting": "yes", "parent_contract_agreed": "yes"}, status=302)
    assert response.location.endswith("/pages/contact")
    assert client.get(f"/referrals/{rid}/check").status_code == 200
