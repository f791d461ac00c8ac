"""The Stage 3 school attendance enforcement referral (000, Stage 3) and the Stockport profile.

Rules at their boundaries from realistic registers (tests/support/registers.py), the DOCX and PDF read back
as a reader would, and the referral through the API and the question pages on SQLite and PostgreSQL.
The sample (tests/samples/enforcement-referral.json) is a Year 10 pupil in 2025/26, referred on
Friday 20 March 2026; the 10 school weeks before it run from 5 January to 20 March 2026 (the
February half-term week is planned closure, so not a school week).
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

from forms_service.documents.context import build_context
from forms_service.documents.rendering import render_docx, render_pdf
from forms_service.formdefs import get_form
from forms_service.models import LocalAuthority, db
from forms_service.policies import load_profile
from forms_service.register.marks import Register, academic_year
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash
from support.helpers import api_token, bearer, csrf, date_parts, login, make_pdf, text
from support.registers import D, typical_pupil

FORM_ID = "enforcement-referral"
FORM = get_form(FORM_ID)
SAMPLE_PATH = Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json"
REFERRAL_DATE = D(2026, 3, 20)
WINDOW = (D(2026, 1, 5), D(2026, 3, 20))  # the previous 10 school weeks from the referral date
EVIDENCE_KINDS = ("registration_certificate", "letters", "parent_contract")
TAF = "Team Around the Family (TAF) through Stockport Family Help since January 2026; school nurse"
API = "/api/v1"


def sample() -> dict:
    return json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))


def loaded(data: dict | None = None) -> dict:
    """The data as the rules and documents read it (dates as dates), with every enclosure."""
    result = FORM.schema(complete=True).load(sample() if data is None else data)
    result["evidence"] = list(EVIDENCE_KINDS)
    return result


def register_with(unauthorised: int, *, outside: int = 0) -> Register:
    """A typical pupil to the referral date, with `unauthorised` sessions (codes O and N) in the 10
    school weeks before it, and `outside` more on Friday 19 December 2025, the school week before."""
    pupil = typical_pupil(last=REFERRAL_DATE)
    pupil.mark_sessions(unauthorised // 2, "O", *WINDOW, seed=3)
    pupil.mark_sessions(unauthorised - unauthorised // 2, "N", *WINDOW, seed=4)
    if outside:
        pupil.mark(D(2025, 12, 19), "O", ["AM", "PM"][:outside])
    assert pupil.count(["O", "N", "G", "U"], *WINDOW) == unauthorised
    return pupil.build()


def verdict_for(data: dict, register: Register | None, profile: str):
    return evaluate(FORM, data, register=register, profile=load_profile(profile), today=REFERRAL_DATE)


# --- the declaration and the profile ----------------------------------------------------------

def test_the_declaration_names_the_rules_and_the_written_declaration_is_flagged():
    assert FORM.reference_prefix == "ENF" and FORM.source == "000, Stage 3"
    assert list(FORM.rules) == ["compulsory_school_age", "not_looked_after", "unauthorised_sessions_threshold",
                                "evidence_attached", "lead_professional", "absence_band", "year11_timing"]
    assert [e["kind"] for e in FORM.evidence] == list(EVIDENCE_KINDS)
    assert "substantial support package at Stages 1 and 2" in FORM.declaration
    assert FORM.raw["declaration_source"].startswith("Written for this service")
    names = {f.name for f in FORM.fields}
    assert {"other_agencies", "lead_professional_consulted", "figures.unauthorised_sessions_10wk",
            "parents_could_do_more", "stage1_actions", "stage2_actions", "referral_date"} <= names


def test_the_stockport_profile_cites_seed_000_and_gives_every_parameter_the_rules_read():
    stockport, national = load_profile("stockport"), load_profile("national-2024")
    assert [stockport.param("unauthorised_sessions_threshold", k) for k in ("sessions", "weeks", "inclusive")] == \
        [10, 10, False]
    assert "More than 10 sessions" in stockport.param_source("unauthorised_sessions_threshold", "inclusive")
    assert stockport.source("unauthorised_sessions_threshold").startswith("000, Stage 3")
    # Policy.param has no fallback to the national profile: every parameter any rule reads is here.
    for rule_id, keys, form_id in (("leave_sessions_minimum", ["minimum"], None),
                                   ("leave_request_within_deadline", ["days"], None),
                                   ("attendance_in_window", ["max_pct", "weeks"], None),
                                   ("support_recency", ["months"], None),
                                   ("support_recency", ["months"], "penalty-notice-panel"),
                                   ("final_warning", ["valid_weeks", "gap_school_days"], None)):
        for key in keys:
            assert stockport.param(rule_id, key, form_id) == national.param(rule_id, key, form_id)
            assert stockport.param_source(rule_id, key, form_id).startswith("000 sets no")


# --- rules at their boundaries ----------------------------------------------------------------

@pytest.mark.parametrize("profile, sessions, status", [
    ("stockport", 10, "fail"),        # 000, Stage 3: "More than 10 sessions"
    ("stockport", 11, "pass"),
    ("national-2024", 10, "pass"),    # 000, para 5: the statutory threshold of 10 (inclusive)
    ("national-2024", 9, "fail"),
])
def test_unauthorised_sessions_threshold_at_its_boundary(profile, sessions, status):
    data = loaded()
    del data["figures"]  # counted from the register only
    # One more unauthorised session the school week before the window, which must not count.
    result = verdict_for(data, register_with(sessions, outside=1), profile)
    rule = result.rule("unauthorised_sessions_threshold")
    assert rule.status == status, rule.reason
    assert result.figures["unauthorised_sessions_10wk"] == sessions
    assert rule.details["window_start"] == "2026-01-05" and rule.details["school_weeks"] == 10
    need = "more than 10 are needed" if profile == "stockport" else "at least 10 are needed"
    assert need in rule.reason and "counted from the register" in rule.reason
    assert result.eligible is (status == "pass")


def test_the_sample_is_eligible_under_stockport_with_its_register():
    result = verdict_for(loaded(), register_with(14), "stockport")
    statuses = {r.id: r.status for r in result.rules}
    assert result.eligible, [r.to_dict() for r in result.rules if r.status != "pass"]
    assert statuses == {"compulsory_school_age": "pass", "not_looked_after": "pass",
                        "unauthorised_sessions_threshold": "pass", "evidence_attached": "pass",
                        "lead_professional": "pass", "absence_band": "pass", "year11_timing": "pass"}
    assert result.disagreements == []  # the sample's typed 14 matches the register
    assert result.rule("unauthorised_sessions_threshold").source.endswith("; Stockport")


def test_a_typed_figure_is_used_without_a_register():
    data = loaded()
    data["figures"] = {"unauthorised_sessions_10wk": 10}
    assert verdict_for(data, None, "stockport").rule("unauthorised_sessions_threshold").status == "fail"
    data["figures"] = {"unauthorised_sessions_10wk": 11}
    rule = verdict_for(data, None, "stockport").rule("unauthorised_sessions_threshold")
    assert rule.status == "pass" and "as entered on the form" in rule.reason


@pytest.mark.parametrize("agencies, consulted, status", [
    (TAF, True, "pass"),
    (TAF, False, "fail"),
    (TAF, None, "missing"),
    ("Child Protection plan; social worker Sam Reid, Stockport Children's Social Care", True, "pass"),
    ("Child Protection plan; social worker Sam Reid, Stockport Children's Social Care", False, "fail"),
    ("School nurse (health check in October 2025). No other agency works with the family.", None, "pass"),
])
def test_lead_professional_consulted_or_not(agencies, consulted, status):
    """000, Stage 3: "Referrals for enforcement for children that are part of a TAC/TAC or Child
    Protection process should not be made without consultation with the lead professional or Social
    Worker": Stockport's profile makes the rule block; elsewhere it stays advisory (DESIGN.md §3)."""
    data = loaded()
    data["other_agencies"] = agencies
    if consulted is None:
        data.pop("lead_professional_consulted", None)
    else:
        data["lead_professional_consulted"] = consulted
    result = verdict_for(data, register_with(14), "stockport")
    rule = result.rule("lead_professional")
    assert rule.status == status, rule.reason
    assert result.eligible == (status == "pass")
    if status != "pass":
        assert "consult the lead professional or social worker" in rule.reason
        national = verdict_for(data, register_with(14), "national-2024").rule("lead_professional")
        assert national.status == "advisory"


def test_a_looked_after_child_or_one_past_school_age_fails():
    data = loaded()
    data["pupil"]["looked_after"] = True
    assert verdict_for(data, register_with(14), "stockport").rule("not_looked_after").status == "fail"
    data = loaded()
    data["pupil"]["date_of_birth"] = D(2009, 8, 20)  # turned 16 in 2025: compulsory school age ended June 2025
    assert verdict_for(data, register_with(14), "stockport").rule("compulsory_school_age").status == "fail"


# --- the documents ----------------------------------------------------------------------------

SCHOOL = {"name": "Bramhall Vale High School"}
LA = {"name": "Stockport Council", "inbox": "enforcement-referrals@la.invalid"}
REFERENCE = "ENF-2026-000052"
SIGNATURE = {"name": "Mr Gareth Pryce", "role": "Head Teacher",
             "signed_at": dt.datetime(2026, 3, 20, 15, 30, tzinfo=dt.timezone.utc)}
UPLOADS = [{"kind": "registration_certificate", "filename": "Thornton registration certificate.pdf"},
           {"kind": "letters", "filename": "Thornton letters Stage 1 and 2.pdf"},
           {"kind": "parent_contract", "filename": "Thornton attendance plan 19-11-2025.pdf"}]

# What a reader of the referral looks for, in both documents.
READER_PHRASES = [
    "Stage 3 school attendance enforcement referral",
    "Source: 000, Stage 3",
    REFERENCE,
    "Bramhall Vale High School",
    "Stockport Council",
    "Kacey Thornton",
    "9 February 2011",
    "Year 10",
    "H352600718025",
    "23 Hillcrest Road Offerton Stockport SK2 5NX",
    "Lisa Thornton (mother)",
    "12 April 1985",
    "Same as child",
    "Craig Thornton (father)",
    "Flat 6, 112 Wellington Road North Heaton Norris Stockport SK4 1JB",
    "Actions taken at Stage 1",
    "22 September 2025",
    "Supportive letter to both parents summarising the absences",
    "Declined: Mrs Thornton said the family did not need help",
    "Actions taken at Stage 2",
    "10 November 2025",
    "Stage 2 letter sent to both parents with the registration certificate",
    "Neither parent attended or replied",
    "Parents not engaging with the School Attendance Contract or accessing any voluntary support offer",
    "The offer of an Early Help Assessment was declined twice",
    "More than 10 sessions of unauthorised absence in a rolling period of 10 school weeks",
    "14 sessions in the school weeks from 5 January 2026 to 20 March 2026 (counted from the register)",
    "Why the school believes the parents could do more",
    "She attends every day she is brought in or met by her key adult.",
    "No other agency works with the family.",
    "Attached: Thornton registration certificate.pdf",
    "Attached: Thornton letters Stage 1 and 2.pdf",
    "Attached: Thornton attendance plan 19-11-2025.pdf",
    "Declaration",
    "the school has offered a substantial support package at Stages 1 and 2",
    "Tick when checked",
    "Head Teacher Signature",
    "Return to enforcement-referrals@la.invalid",
]


def context(*, signature=SIGNATURE, data=None, uploads=UPLOADS):
    data = loaded() if data is None else data
    verdict = verdict_for(data, register_with(14), "stockport").to_dict()
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=REFERENCE, signature=signature,
                         verdict=verdict, evidence=uploads)


def read_back(ctx) -> dict[str, str]:
    """Both documents' text, whitespace collapsed, without PDF page footers (text extraction puts
    them inside a table cell that runs over a page break)."""
    document = FORM.documents[0]
    docx_bytes = render_docx(document["docx"], ctx)
    pdf_bytes = render_pdf(document["html"], ctx, title=document["title"])
    pdf = re.sub(r"Reference: \S+ (DRAFT – not signed )?Page \d+ of \d+", " ", squash(pdf_text(pdf_bytes)))
    # A table's header row repeats on each page it runs on: keep only the one under its heading.
    headings = r"(?<!The child and family )(?<!Evidence for enforcement )(?<!Actions taken at Stage 1 )" \
               r"(?<!Actions taken at Stage 2 )"
    pdf = squash(re.sub(headings + r"(To be completed by head teacher Details Tick when checked|"
                        r"Date Action taken Outcome)", " ", pdf))
    return {"docx": squash(docx_text(docx_bytes)), "pdf": squash(pdf), "docx_bytes": docx_bytes}


@pytest.fixture(scope="module")
def signed_docs():
    return read_back(context())


@pytest.fixture(scope="module")
def draft_docs():
    return read_back(context(signature=None))


@pytest.mark.parametrize("phrase", READER_PHRASES)
def test_both_documents_carry_what_a_reader_looks_for(signed_docs, phrase):
    assert phrase in signed_docs["docx"], f"DOCX lacks {phrase!r}"
    assert phrase in signed_docs["pdf"], f"PDF lacks {phrase!r}"


def test_every_action_row_and_the_signature_are_in_both(signed_docs):
    data = sample()
    for item in data["stage1_actions"] + data["stage2_actions"]:
        for key in ("action", "outcome"):
            assert squash(item[key]) in signed_docs["docx"] and squash(item[key]) in signed_docs["pdf"]
    signed = "Signed electronically by Mr Gareth Pryce, Head Teacher, on 20 March 2026"
    for kind in ("docx", "pdf"):
        assert signed in signed_docs[kind]
        assert squash(FORM.declaration) in signed_docs[kind]
        assert "DRAFT" not in signed_docs[kind]


def test_a_draft_says_so_and_is_not_signed_in_both(draft_docs):
    for kind in ("docx", "pdf"):
        assert "DRAFT – not signed" in draft_docs[kind]
        assert "must not be sent to the local authority" in draft_docs[kind]
        assert "Signed electronically" not in draft_docs[kind]
        assert "Head Teacher Signature Not signed" in draft_docs[kind]
        assert "Kacey Thornton" in draft_docs[kind]


def context_docx() -> bytes:
    return render_docx(FORM.documents[0]["docx"], context())


def test_the_docx_is_a4():
    document = docx.Document(io.BytesIO(context_docx()))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_an_incomplete_draft_reads_not_given_for_each_stage_table():
    data = loaded()
    for key in ("stage1_actions", "stage2_actions", "non_engagement", "parents_could_do_more"):
        del data[key]
    docs = read_back(context(signature=None, data=data, uploads=[]))
    for kind in ("docx", "pdf"):
        assert "Actions taken at Stage 1 Date Action taken Outcome Not given Not given Not given" in docs[kind]
        assert "Why the school believes the parents could do more Not given" in docs[kind]
        assert "Registration certificate detailing current attendance (attached) Not attached" in docs[kind]


def test_user_text_stays_literal_in_both():
    data = loaded()
    data["parents_could_do_more"] = "{{ 7*7 }} <b>bold</b> & {%p if true %}"
    docs = read_back(context(data=data))
    for kind in ("docx", "pdf"):
        assert "{{ 7*7 }} <b>bold</b> & {%p if true %}" in docs[kind]


# --- through the API and the web pages --------------------------------------------------------

def use_stockport(app) -> None:
    with app.app_context():
        la = db.session.scalar(db.select(LocalAuthority).filter_by(name="Demo Local Authority"))
        la.policy_profile = "stockport"
        db.session.commit()


def data_for_today(today: dt.date) -> dict:
    """The sample moved to today: the same Year 10 pupil (born in the right school year), every
    action date the same number of days before the referral, which is made today."""
    data = sample()
    shift = today - REFERRAL_DATE
    years = academic_year(today)[0].year - academic_year(REFERRAL_DATE)[0].year
    dob = dt.date.fromisoformat(data["pupil"]["date_of_birth"])
    data["pupil"]["date_of_birth"] = dob.replace(year=dob.year + years).isoformat()
    for key in ("stage1_actions", "stage2_actions"):
        for item in data[key]:
            item["date"] = (dt.date.fromisoformat(item["date"]) + shift).isoformat()
    data["referral_date"] = today.isoformat()
    del data["figures"]  # the register counts them
    return data


def register_until(today: dt.date, unauthorised: int) -> dict:
    """Fourteen weeks of weekday marks up to today (the previous 10 school weeks and some before),
    present except for `unauthorised` whole-day absences (O) on the Mondays and Wednesdays of the
    last ten weeks before this one."""
    first = today - dt.timedelta(weeks=14, days=today.weekday())
    absent = []
    for week in range(1, 10):
        monday = today - dt.timedelta(weeks=week, days=today.weekday())
        absent += [(monday, "AM"), (monday, "PM"), (monday + dt.timedelta(days=2), "AM"),
                   (monday + dt.timedelta(days=2), "PM")]
    absent = set(absent[:unauthorised])
    sessions = []
    day = first
    while day <= today:
        if day.weekday() < 5:
            for s in ("AM", "PM"):
                code = "O" if (day, s) in absent else ("/" if s == "AM" else "\\")
                sessions.append({"date": day.isoformat(), "session": s, "code": code})
        day += dt.timedelta(days=1)
    return {"code_set": "2024", "sessions": sessions}


def test_create_upload_submit_sign_under_stockport(client, app):
    use_stockport(app)
    office, head = bearer(api_token(client, "office@demo.school")), bearer(api_token(client, "head@demo.school"))
    today = dt.date.today()
    data = data_for_today(today)

    # 10 unauthorised sessions do not meet Stockport's "more than 10": the LA's profile applies.
    response = client.post(f"{API}/referrals", json={"form": FORM_ID, "data": data,
                                                    "register": register_until(today, 10)}, headers=office)
    assert response.status_code == 201, response.get_json()
    rule = next(r for r in response.get_json()["eligibility"]["rules"] if r["id"] == "unauthorised_sessions_threshold")
    assert rule["status"] == "fail" and "more than 10 are needed" in rule["reason"]
    assert rule["source"].endswith("; Stockport")

    response = client.post(f"{API}/referrals", json={"form": FORM_ID, "data": data,
                                                    "register": register_until(today, 12)}, headers=office)
    assert response.status_code == 201, response.get_json()
    referral = response.get_json()
    assert referral["status"] == "draft" and referral["reference"].startswith("ENF")
    rid = referral["id"]
    rules = {r["id"]: r for r in referral["eligibility"]["rules"]}
    assert rules["unauthorised_sessions_threshold"]["status"] == "pass"
    assert rules["evidence_attached"]["status"] == "missing"

    for kind in EVIDENCE_KINDS:
        response = client.post(f"{API}/referrals/{rid}/evidence", headers=office,
                               data={"kind": kind, "file": (io.BytesIO(make_pdf(kind.replace("_", " "))), f"{kind}.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()

    response = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "awaiting_signoff"

    response = client.post(f"{API}/referrals/{rid}/sign", json={"name": "Harriet Head", "declaration": True},
                           headers=head)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "signed"

    files = client.get(f"{API}/referrals/{rid}/documents", headers=office).get_json()
    names = [f["name"] for f in files]
    reference = referral["reference"]
    assert f"{reference}-enforcement-referral.pdf" in names
    assert f"{reference}-enforcement-referral.docx" in names
    assert sum(1 for f in files if f["role"] == "evidence") == 3
    pdf = client.get(f"{API}/referrals/{rid}/documents/{reference}-enforcement-referral.pdf", headers=office)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    words = squash(pdf_text(pdf.data))
    assert "Kacey Thornton" in words and "Signed electronically by Harriet Head" in words
    assert "12 sessions in the school weeks from" in words


# --- the question pages -----------------------------------------------------------------------

def fetch(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    return response


def send(client, url: str, data: dict, status: int = 302):
    page = text(fetch(client, url))
    body = {"csrf_token": csrf(page), **data}
    version = re.search(r'<input type="hidden" name="version" value="([^"]*)"', page)
    if version:
        body["version"] = html_lib.unescape(version.group(1))
    response = client.post(url, data=body)
    assert response.status_code == status, f"POST {url}: {response.status_code}\n{text(response)[:2000]}"
    return response


def test_the_question_pages_render_and_a_bad_date_gets_the_error_summary(client, app):
    use_stockport(app)
    login(client, "office@demo.school")
    start = fetch(client, f"/referrals/new/{FORM_ID}")
    assert "Stage 3 school attendance enforcement referral" in text(start)
    response = send(client, f"/referrals/new/{FORM_ID}", {})
    assert response.location.endswith("/pages/pupil")
    base = re.search(r"(/referrals/\d+)/", response.location).group(1)

    for page in FORM.pages:
        html = text(fetch(client, f"{base}/pages/{page.id}"))
        assert html_lib.escape(page.title, quote=False) in html or page.title in html_lib.unescape(html)

    data = data_for_today(dt.date.today())
    first = data["stage1_actions"][0]
    # An impossible date in a Stage 1 action: named in the GOV.UK error summary, what was typed kept.
    response = send(client, f"{base}/pages/stage1", {
        "stage1_actions-0-action": first["action"], "stage1_actions-0-date": ["30", "2", "2026"],
        "stage1_actions-0-outcome": first["outcome"]}, status=422)
    html = text(response)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary, "no GOV.UK error summary"
    assert "Date must be a real date" in html_lib.unescape(summary.group(0))
    assert "<title>Error: " in html

    # The pages filled in properly, each leading to the next, then to the register.
    pupil = data["pupil"]
    answers = {
        "pupil": {"pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
                  "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__upn": pupil["upn"],
                  "pupil__year_group": pupil["year_group"], "pupil__address": pupil["address"],
                  "pupil__looked_after": "no"},
        "parents": {"parents-0-name": "Lisa Thornton", "parents-0-date_of_birth": ["12", "4", "1985"],
                    "parents-0-relationship": "mother", "parents-0-address": ""},
        "stage1": {"stage1_actions-0-action": first["action"], "stage1_actions-0-date": date_parts(first["date"]),
                   "stage1_actions-0-outcome": first["outcome"]},
        "stage2": {"stage2_actions-0-action": data["stage2_actions"][0]["action"],
                   "stage2_actions-0-date": date_parts(data["stage2_actions"][0]["date"]),
                   "stage2_actions-0-outcome": data["stage2_actions"][0]["outcome"]},
        "engagement": {"early_help_offered": "yes", "non_engagement": data["non_engagement"],
                       "parents_could_do_more": data["parents_could_do_more"]},
        "agencies": {"other_agencies": TAF, "lead_professional_consulted": "yes",
                     "lead_professional_name": "Jo Hart, Family Help"},
        "attendance": {"figures__unauthorised_sessions_10wk": "12", "referral_date": date_parts(data["referral_date"])},
    }
    ids = [p.id for p in FORM.pages]
    for index, page_id in enumerate(ids):
        response = send(client, f"{base}/pages/{page_id}", answers[page_id])
        following = f"{base}/pages/{ids[index + 1]}" if index + 1 < len(ids) else f"{base}/register"
        assert response.location.endswith(following)
    check = text(fetch(client, f"{base}/check"))
    assert "Kacey" in check and "Jo Hart, Family Help" in check
    assert "more than 10 are needed" in html_lib.unescape(check)
