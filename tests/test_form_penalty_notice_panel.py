"""Request to issue a Penalty Notice following the school's Attendance Panel (003, Appendix 7).

The case (tests/samples/penalty-notice-panel.json): Jayden Clarke, Year 7 in 2025/26, two parents.
Attendance support meeting and parent contract on 12 November 2025; 12 sessions of unauthorised
absence in the 10 school weeks before the attendance panel on Friday 6 March 2026 (8 December 2025
to 6 March 2026: 10 full school weeks, 100 possible sessions, the February half-term week not being
a school week), so attendance 88%; the Final Warning handed to both parents at the panel; two more
sessions of unauthorised absence on Monday 16 March; the request made on Thursday 19 March 2026.

Registers come from tests/support/registers.py (the English school calendar of 2025/26); rules run through
forms_service.rules.evaluate with the form's declaration and the southend profile (003).
"""
from __future__ import annotations

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
from forms_service.register.marks import Register
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash
from support.helpers import api_token, bearer, csrf, login, make_pdf, text
from support.registers import PupilRegister, typical_pupil

D = dt.date
FORM_ID = "penalty-notice-panel"
FORM = get_form(FORM_ID)
SAMPLE_PATH = Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json"
SOUTHEND = load_profile("southend")
EVIDENCE_KINDS = ("parent_contract", "registration_certificate", "warning_letter")

PANEL = D(2026, 3, 6)            # a Friday: the 10 school weeks before it hold exactly 100 sessions
WINDOW_START = D(2025, 12, 8)    # the Monday of the 10th school week back (half-term is not one)
AFTER_PANEL = D(2026, 3, 16)     # the first unauthorised absence after the Final Warning
REFERRAL = D(2026, 3, 19)
TODAY = REFERRAL                 # rules run "today" = the date of the request, unless a test says otherwise

SCHOOL = {"name": "Westcliff Park Academy"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
REFERENCE = "PNP-2026-000211"
SIGNATURE = {"name": "Mr Tobias Reid", "role": "Head Teacher",
             "signed_at": dt.datetime(2026, 3, 19, 15, 40, tzinfo=dt.timezone.utc)}
UPLOADS = [
    {"kind": "parent_contract", "filename": "Clarke parent contract 12-11-2025.pdf"},
    {"kind": "registration_certificate", "filename": "Registration certificate J Clarke.pdf"},
    {"kind": "warning_letter", "filename": "Final Warning Mr and Mrs Clarke 06-03-2026.pdf"},
]


# --- the case -----------------------------------------------------------------------------------

def sample_json() -> dict:
    return json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))


def sample_data(**changes) -> dict:
    """The sample as the rules see it (dates as dates), all three enclosures supplied."""
    raw = sample_json()
    raw.update(changes)
    data = FORM.schema(complete=True).load(raw)
    data["evidence"] = list(EVIDENCE_KINDS)
    return data


def untyped(**changes) -> dict:
    """The sample without typed figures: the register decides."""
    data = sample_data(**changes)
    data.pop("figures", None)
    return data


def case_register(unauthorised: int = 12, *, panel: dt.date = PANEL, until: dt.date = REFERRAL,
                  after_panel: bool = True, code: str = "O") -> PupilRegister:
    """A typical year (illness, an appointment and lateness in the autumn), then `unauthorised`
    sessions of unauthorised absence spread over the 10 school weeks up to the panel, one more on the
    Friday just before that window (which must not count), and, unless told otherwise, a day of
    unauthorised absence after the panel."""
    pupil = typical_pupil(last=until)
    pupil.mark(D(2025, 12, 5), "O", ["AM"])  # the week before the window
    window = [d for d in pupil.open_days(WINDOW_START, panel)]
    pupil.mark_sessions(unauthorised, code, window[0], window[-1], seed=11)
    if after_panel and AFTER_PANEL <= until:
        pupil.mark(AFTER_PANEL, "O")
    return pupil


def verdict(data: dict, register: PupilRegister | Register | None, *, today: dt.date = TODAY):
    built = register.build() if isinstance(register, PupilRegister) else register
    return evaluate(FORM, data, register=built, profile=SOUTHEND, today=today)


def status(result, rule_id: str) -> str:
    return result.rule(rule_id).status


# --- the declaration ----------------------------------------------------------------------------

def test_the_declaration_names_the_rules_evidence_and_measuring_date_of_appendix_7():
    assert FORM.title == "Request to issue a Penalty Notice following the school's Attendance Panel"
    assert FORM.source == "003, Appendix 7" and FORM.reference_prefix == "PNP" and FORM.kind == "referral"
    assert FORM.measure_from == "panel_date"
    assert list(FORM.rules) == ["compulsory_school_age", "not_looked_after", "unauthorised_sessions_threshold",
                                "attendance_in_window", "final_warning_issued", "final_warning_valid",
                                "support_recency", "no_identified_barriers", "penalty_notice_limit",
                                "policies_confirmed", "evidence_attached", "late_marks_threshold"]
    assert {e["kind"] for e in FORM.evidence} == set(EVIDENCE_KINDS)
    # Eleven "Tick when checked" rows: the child, the parents, other agencies, then the 8 numbered rows.
    assert len(FORM.checklist) == 11
    assert [c["label"].split(".")[0] for c in FORM.checklist[3:]] == [str(n) for n in range(1, 9)]
    assert "Southend" not in FORM.declaration and "local authority's code of conduct" in FORM.declaration
    names = {f.name for f in FORM.fields}
    assert {"panel_date", "final_warning_date", "support_meeting_date", "parents_attended_meeting",
            "parent_contract_agreed", "new_barriers_at_panel", "barriers", "figures.unauthorised_sessions_10wk",
            "figures.attendance_pct_10wk", "policies_confirmed", "previous_penalty_notices",
            "referral_date"} <= names


def test_the_sample_is_eligible_with_the_register():
    result = verdict(sample_data(), case_register())
    # late_marks_threshold is advisory: Southend (003) sets no lateness threshold.
    assert {r.id: r.status for r in result.rules} == {**{rule_id: "pass" for rule_id in FORM.rules},
                                                      "late_marks_threshold": "advisory"}
    assert result.eligible
    assert result.figures["unauthorised_sessions_10wk"] == 12
    assert result.figures["attendance_pct_10wk"] == 88.0
    assert result.disagreements == []  # the sample's typed figures match its register


def test_the_sample_without_a_register_lacks_only_the_warning_check():
    """Typed figures carry the threshold rules; the Final Warning's validity needs the marks."""
    result = verdict(sample_data(), None)
    assert [r.id for r in result.rules if r.status != "pass"] == ["final_warning_valid", "late_marks_threshold"]
    assert status(result, "final_warning_valid") == "missing"
    assert status(result, "late_marks_threshold") == "advisory"  # never blocks


# --- rules at their boundaries, from register marks ---------------------------------------------

@pytest.mark.parametrize("count, expected", [(9, "fail"), (10, "pass"), (11, "pass")])
def test_unauthorised_sessions_in_the_10_school_weeks_before_the_panel(count, expected):
    result = verdict(untyped(), case_register(count))
    outcome = result.rule("unauthorised_sessions_threshold")
    assert outcome.status == expected, outcome.reason
    assert result.figures["unauthorised_sessions_10wk"] == count  # not the one on 5 December, nor 16 March
    assert outcome.details["window_start"] == "2025-12-08" and outcome.details["window_end"] == "2026-03-06"
    assert outcome.details["school_weeks"] == 10
    assert f"{count} unauthorised sessions" in outcome.reason and "attendance panel date" in outcome.reason


def test_the_window_is_measured_from_the_panel_not_the_request():
    """Absence after the panel (16 March) does not count towards the panel's threshold."""
    pupil = case_register(9)
    pupil.mark(D(2026, 3, 17), "O", ["AM"])
    result = verdict(untyped(), pupil)
    assert result.figures["unauthorised_sessions_10wk"] == 9
    assert status(result, "unauthorised_sessions_threshold") == "fail"


@pytest.mark.parametrize("panel, absences, shown, expected", [
    (PANEL, 10, "90%", "pass"),             # 90 of 100: exactly 90.0%, "90% or less"
    (PANEL, 9, "91%", "fail"),              # 91 of 100
    (D(2026, 3, 2), 10, "89.1%", "pass"),   # a Monday panel: 82 of 92
    (D(2026, 3, 2), 9, "90.2%", "fail"),    # 83 of 92: just over
])
def test_attendance_at_or_below_90_percent_before_the_panel(panel, absences, shown, expected):
    data = untyped(panel_date=panel.isoformat(), final_warning_date=panel.isoformat())
    result = verdict(data, case_register(absences, panel=panel, code="N"))
    outcome = result.rule("attendance_in_window")
    assert outcome.status == expected, outcome.reason
    assert f"Attendance {shown} " in outcome.reason


@pytest.mark.parametrize("request_date, expected", [
    (D(2026, 6, 5), "pass"),   # school week 10 after the warning (half-term week 25 May not counted)
    (D(2026, 6, 8), "fail"),   # week 11: the warning ran out on Sunday 7 June
])
def test_a_final_warning_older_than_10_school_weeks(request_date, expected):
    data = sample_data(referral_date=request_date.isoformat())
    result = verdict(data, case_register(until=request_date), today=request_date)
    outcome = result.rule("final_warning_valid")
    assert outcome.status == expected, outcome.reason
    assert outcome.details["school_weeks_since"] == (10 if expected == "pass" else 11)


def test_a_penalty_notice_needs_unauthorised_absence_after_the_warning():
    result = verdict(sample_data(), case_register(after_panel=False))
    assert status(result, "final_warning_valid") == "fail"
    assert "No unauthorised absence has been recorded since the Final Warning" in result.rule("final_warning_valid").reason


@pytest.mark.parametrize("meeting, expected", [
    (D(2025, 9, 5), "pass"),   # exactly 6 months before a panel on Thursday 5 March 2026
    (D(2025, 9, 4), "fail"),   # a day more than 6 months
])
def test_support_meeting_within_6_months_of_the_panel(meeting, expected):
    panel = D(2026, 3, 5)
    data = sample_data(support_meeting_date=meeting.isoformat(), panel_date=panel.isoformat(),
                       final_warning_date=panel.isoformat())
    outcome = verdict(data, case_register(panel=panel)).rule("support_recency")
    assert outcome.status == expected, outcome.reason
    assert outcome.details["months"] == 6  # Appendix 7's 6 months, not the panels' general 9


def test_new_barriers_at_the_panel_rule_out_the_notice():
    data = sample_data(new_barriers_at_panel=True,
                       new_barriers_details="Mrs Clarke said Jayden is being bullied on the school bus.")
    result = verdict(data, case_register())
    assert status(result, "no_identified_barriers") == "fail" and not result.eligible


def test_each_missing_enclosure_is_named():
    data = sample_data()
    data["evidence"] = ["registration_certificate"]
    outcome = verdict(data, case_register()).rule("evidence_attached")
    assert outcome.status == "missing"
    assert outcome.details["missing"] == ["parent_contract", "warning_letter"]


# --- the documents ------------------------------------------------------------------------------

def context(*, signed: bool = True, data: dict | None = None) -> dict:
    data = sample_data() if data is None else data
    result = verdict(data, case_register())
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=REFERENCE,
                         signature=SIGNATURE if signed else None, verdict=result.to_dict(), evidence=UPLOADS)


def readable(pdf: str) -> str:
    """PDF text without the page footers, and without the table headers repeated on a new page,
    which extraction puts inside a cell split over pages (each table's first header stays)."""
    words = re.sub(r"Reference: \S+ (DRAFT – not signed )?Page \d+ of \d+", " ", squash(pdf))
    for header in ("To be completed by head teacher Details Tick when checked",
                   "To be completed by head teacher Number and details of interventions Tick when checked"):
        first = words.find(header) + len(header)
        if first >= len(header):
            words = words[:first] + words[first:].replace(header, " ")
    return squash(words)


def flat(words: str) -> str:
    """Whitespace collapsed, and no space after a slash: a PDF line may wrap after "Child/"."""
    return squash(words).replace("/ ", "/")


def render_both(ctx) -> dict:
    document = FORM.documents[0]
    docx_bytes = render_docx(document["docx"], ctx)
    pdf_bytes = render_pdf(document["html"], ctx, title=ctx["title"])
    return {"docx_bytes": docx_bytes, "pdf_bytes": pdf_bytes,
            "docx": flat(docx_text(docx_bytes)), "pdf": flat(readable(pdf_text(pdf_bytes)))}


@pytest.fixture(scope="module")
def signed():
    return render_both(context(signed=True))


@pytest.fixture(scope="module")
def draft():
    return render_both(context(signed=False))


SEED_LABELS = [
    "To be completed by head teacher",
    "Tick when checked",
    "Name of child",
    "Date of birth",
    "Name of parent/s to be named on the Notice",
    "Address",
    "Address of parent if different",
    "Other agencies working with the Child/Family: Social Care, Supporting Families, CAMHS etc",
    "Number and details of interventions",
    "1. Summary of any additional needs, identified barriers to attending school and support provided by the "
    "school to address attendance concerns, during the 6 months prior to holding an attendance panel",
    "2. Date of the Attendance Support meeting held by school and Actions agreed. Parenting Contract enclosed "
    "(or alternative plan)",
    "3. Date/s Attendance Panel took place following unauthorised absence of 10 school sessions or more within a "
    "10-week period prior to panel meeting.",
    "4. Did the Parent/carer attend (Yes/No)",
    "5. Did the parent/Carer/Pupil identify any new barriers to attending school or request support? "
    "(Please detail)",
    "6. Registration Certificate attached detailing current attendance",
    "7. Copy of warning letter issued by head teacher (attached)",
    "8. Confirmation that all school policies are up to date with the new guidance in the local authority's code "
    "of conduct and this has been shared with parents",
    "Please note, where additional needs; other barriers to attending school; or requests for support are "
    "identified at an attendance panel, it is not appropriate to issue a final warning and instead the school "
    "should review the attendance support action plan/parent contract and follow an alternative route for "
    "improving attendance.",
    "Head Teacher Signature",
    "School",
    "Print Name",
    "Return to legal-interventions@la.invalid",
]

CASE_PHRASES = [
    "Request to issue a Penalty Notice following the school's Attendance Panel",
    "Source: 003, Appendix 7",
    "PNP-2026-000211",
    "Westcliff Park Academy",
    "Jayden Clarke",
    "19 February 2014",
    "Year 7",
    "H820500314567",
    "42 Fairfax Drive Westcliff-on-Sea SS0 9AR",
    "Chloe Clarke (mother)",
    "14 July 1988",
    "Same as child",
    "Ryan Clarke (father)",
    "3 February 1986",
    "27 Kent View Road Vange Basildon SS16 4LA",
    "Supporting Families (family support worker since January 2026)",
    "a Year 10 mentor at break times",
    "Attendance support meeting held on 12 November 2025",
    "Parents/carers attended: Yes",
    "Actions agreed: Jayden to be at the gate by 8.40am each day",
    "Parenting Contract (or alternative plan) agreed: Yes",
    "Attached: Clarke parent contract 12-11-2025.pdf",
    "Attendance Panel: 6 March 2026",
    "12 unauthorised sessions in the 10 school weeks from 8 December 2025 to 6 March 2026 (counted from the register)",
    "Attendance 88% in the same 10 school weeks (counted from the register)",
    "Attached: Registration certificate J Clarke.pdf",
    "Final Warning issued to all parents/carers on 6 March 2026",
    "Attached: Final Warning Mr and Mrs Clarke 06-03-2026.pdf",
    "19 March 2026",
    "Penalty notice amounts in force on 19 March 2026",
    "Chloe Clarke: first penalty notice, paid within 21 days: £80",
    "Ryan Clarke: first penalty notice, paid within 28 days: £160",
    FORM.declaration,
]

SIGNED_PHRASES = [
    "Signed electronically by Mr Tobias Reid, Head Teacher, on 19 March 2026 at 3:40pm",
    "Mr Tobias Reid",
    "Signed by the head teacher",
]
DRAFT_PHRASES = ["DRAFT – not signed", "Not signed"]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_signed_document_says_what_a_reader_looks_for(signed, fmt):
    missing = [p for p in SEED_LABELS + CASE_PHRASES + SIGNED_PHRASES if flat(p) not in signed[fmt]]
    assert missing == []
    assert "DRAFT" not in signed[fmt] and "Southend" not in signed[fmt]


def test_docx_and_pdf_carry_the_same_phrases(signed, draft):
    for rendered, extra in ((signed, SIGNED_PHRASES), (draft, DRAFT_PHRASES)):
        phrases = set(SEED_LABELS + CASE_PHRASES + extra + SIGNED_PHRASES + DRAFT_PHRASES)
        in_docx = {p for p in phrases if flat(p) in rendered["docx"]}
        in_pdf = {p for p in phrases if flat(p) in rendered["pdf"]}
        assert in_docx == in_pdf
        assert set(SEED_LABELS + CASE_PHRASES + extra) <= in_docx


def test_a_draft_is_marked_and_unsigned_in_both(draft):
    for fmt in ("docx", "pdf"):
        text_ = draft[fmt]
        assert "DRAFT – not signed" in text_ and "must not be sent to the local authority" in text_
        assert "Signed electronically" not in text_ and "Mr Tobias Reid" not in text_
        assert "Jayden Clarke" in text_ and "6 March 2026" in text_


def test_numbered_rows_come_in_the_seed_order_in_both(signed):
    order = ["Name of child", "Jayden Clarke", "Chloe Clarke (mother)", "Ryan Clarke (father)", "Other agencies",
             "1. Summary", "2. Date of the Attendance Support meeting", "3. Date/s Attendance Panel",
             "4. Did the Parent/carer attend", "5. Did the parent/Carer/Pupil", "6. Registration Certificate",
             "7. Copy of warning letter", "8. Confirmation", "Please note", "I confirm that",
             "Head Teacher Signature", "Return to"]
    for fmt in ("docx", "pdf"):
        positions = [signed[fmt].find(phrase) for phrase in order]
        assert -1 not in positions, (fmt, dict(zip(order, positions)))
        assert positions == sorted(positions), fmt
        assert signed[fmt].count("Name of parent/s to be named on the Notice") == 2


def test_new_barriers_and_earlier_panels_are_printed_in_both():
    details = "Mrs Clarke said Jayden is being bullied on the school bus."
    data = sample_data(new_barriers_at_panel=True, new_barriers_details=details,
                       earlier_panels=[{"date": "2026-01-23"}])
    rendered = render_both(context(data=data))
    for fmt in ("docx", "pdf"):
        assert f"Yes {details}" in rendered[fmt]
        assert "Attendance Panel: 23 January 2026 and 6 March 2026" in rendered[fmt]


def test_both_are_a4(signed):
    for section in docx.Document(io.BytesIO(signed["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for page in PdfReader(io.BytesIO(signed["pdf_bytes"])).pages:
        assert round(float(page.mediabox.width) * 25.4 / 72) == 210
        assert round(float(page.mediabox.height) * 25.4 / 72) == 297


# --- through the API ----------------------------------------------------------------------------

API = "/api/v1"


def moved_to_this_week() -> tuple[dict, dict]:
    """The sample's case and register moved forward by whole weeks so that the request falls in
    the last 7 days: the head signs today, and the rules then measure the Final Warning from today.
    Whole weeks keep every weekday, school week and gap of the case. Birth dates stay as they are."""
    shift = dt.timedelta(weeks=(dt.date.today() - REFERRAL).days // 7)
    raw = sample_json()
    for key in ("support_meeting_date", "panel_date", "final_warning_date", "referral_date"):
        raw[key] = (D.fromisoformat(raw[key]) + shift).isoformat()
    sessions = [{"date": (s.date + shift).isoformat(), "session": s.session, "code": s.code}
                for s in case_register().sessions()]
    return raw, {"code_set": "2024", "sessions": sessions}


def test_create_upload_submit_and_sign_through_the_api(client):
    office = bearer(api_token(client, "office@demo.school"))
    head = bearer(api_token(client, "head@demo.school"))
    data, register = moved_to_this_week()

    response = client.post(f"{API}/referrals", json={"form": FORM_ID, "data": data, "register": register},
                           headers=office)
    assert response.status_code == 201, response.get_json()
    referral = response.get_json()
    rid, reference = referral["id"], referral["reference"]
    assert referral["status"] == "draft" and reference.startswith("PNP-")
    pending = [r for r in referral["eligibility"]["rules"] if r["status"] not in ("pass", "advisory")]
    assert [r["id"] for r in pending] == ["evidence_attached"], pending

    for kind in EVIDENCE_KINDS:
        response = client.post(f"{API}/referrals/{rid}/evidence", headers=office,
                               data={"kind": kind, "file": (io.BytesIO(make_pdf(kind)), f"{kind}.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()

    response = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "awaiting_signoff"

    response = client.post(f"{API}/referrals/{rid}/sign", json={"name": "harriet  HEAD", "declaration": True},
                           headers=head)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "signed"
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["status"] == "signed"

    files = client.get(f"{API}/referrals/{rid}/documents", headers=office).get_json()
    names = [f["name"] for f in files]
    assert f"{reference}-{FORM_ID}.pdf" in names and f"{reference}-{FORM_ID}.docx" in names
    assert sum(1 for f in files if f["role"] == "evidence") == 3
    pdf = client.get(f"{API}/referrals/{rid}/documents/{reference}-{FORM_ID}.pdf", headers=office)
    words = squash(pdf_text(pdf.data))
    assert "Jayden Clarke" in words and "Signed electronically by Harriet Head" in words
    word = client.get(f"{API}/referrals/{rid}/documents/{reference}-{FORM_ID}.docx", headers=office)
    assert "Jayden Clarke" in docx_text(word.data) and "Signed electronically by Harriet Head" in docx_text(word.data)


# --- the web pages ------------------------------------------------------------------------------

def _send(client, url: str, data: dict):
    page = text(client.get(url))
    body = {"csrf_token": csrf(page)}
    version = re.search(r'<input type="hidden" name="version" value="([^"]*)"', page)
    if version:
        body["version"] = html_lib.unescape(version.group(1))
    body.update(data)
    return client.post(url, data=body)


def test_each_question_page_renders_and_a_bad_date_is_in_the_error_summary(client):
    login(client, "office@demo.school")
    start = client.get(f"/referrals/new/{FORM_ID}")
    assert start.status_code == 200
    response = client.post(f"/referrals/new/{FORM_ID}", data={"csrf_token": csrf(text(start))})
    assert response.status_code == 302 and response.location.endswith("/pages/pupil")
    rid = int(re.search(r"/referrals/(\d+)/", response.location).group(1))

    for page in FORM.pages:
        response = client.get(f"/referrals/{rid}/pages/{page.id}")
        assert response.status_code == 200, page.id
        html = html_lib.unescape(text(response))
        assert page.title in html
        for field in page.fields:  # a list shows its label in its "Add a ..." button
            assert field.label.lower() in html.lower(), (page.id, field.name)

    response = _send(client, f"/referrals/{rid}/pages/panel", {
        "panel_date": ["31", "2", "2026"], "parents_attended_panel": "yes", "new_barriers_at_panel": "no"})
    assert response.status_code == 422
    page = text(response)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary, "no GOV.UK error summary"
    assert "Date the attendance panel took place must be a real date" in html_lib.unescape(summary.group(0))

    evidence = html_lib.unescape(text(client.get(f"/referrals/{rid}/evidence")))
    for item in FORM.evidence:
        assert item["label"] in evidence
