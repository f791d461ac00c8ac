"""The Registration Certificate made from the register marks (issue 21): every referral in the seeds asks for "an
up to date print out of the registration certificate" (000, Appendix 7; 002, Step 3; 003, Appendices 5-8), and the
service makes it from the marks it already holds.

The registers are realistic: tests/support/registers.py's English school calendar (autumn half term 27-31
October 2025, February half term 16-20 February 2026, `#` over both and the INSET days), a pupil with the
ordinary mix of a year (illness, an appointment, lateness, one unexplained absence), here with a week's leave
not granted (G) in November and an unexplained morning (O) in December; and the same in the Welsh codes.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import html
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from forms_service.documents.rendering import render_pdf, render_preview
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.register import certificate as table
from forms_service.register.exports import read_register_file
from forms_service.register.marks import Register, Session, week_of
from forms_service.rules import evaluate
from forms_service.rules.certificate import CERTIFICATE_SCHOOL_DAYS, coverage

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, json_data, login, sign_as_head, submitted_request
from support.registers import D, PupilRegister, typical_pupil

FORM_ID = "registration-certificate"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
CASE = FormCase(FORM_ID, school={"name": "Westcliff Park Academy"},
                la={"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid",
                    "jurisdiction": "england", "profile": "national-2024"},
                reference="REG-2025-000007", today=D(2025, 12, 12))
ON = D(2025, 12, 12)  # the certificate's date: a Friday
LEAVE = (D(2025, 11, 17), D(2025, 11, 19))  # Monday to Wednesday: 6 sessions of G


def autumn_pupil(**kwargs) -> PupilRegister:
    pupil = typical_pupil(**kwargs)
    pupil.mark_days(*LEAVE, "G")
    pupil.mark(D(2025, 12, 1), "O", ["AM"])
    return pupil


def context(register: Register | None, data: dict | None = None, **kwargs) -> dict:
    return CASE.context(data, register=register, **kwargs)


def rendered(register: Register | None, data: dict | None = None) -> dict:
    return CASE.render(DOC, context(register, data))


# --- reading the PDF back -----------------------------------------------------------------------------------

WEEK_ROW = re.compile(r"^(\d{1,2} [A-Z][a-z]+ \d{4}) ((?:\S+ ){9}\S+)$", re.MULTILINE)


def pdf_weeks(pdf: bytes) -> dict[dt.date, list[str]]:
    """{Monday: the ten marks of its row} as pypdf reads them from the certificate's week table."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return {dt.datetime.strptime(m.group(1), "%d %B %Y").date(): m.group(2).split(" ") for m in WEEK_ROW.finditer(text)}


def register_weeks(register: Register, first: dt.date, last: dt.date, counted=frozenset()) -> dict[dt.date, list[str]]:
    """The same rows, straight from the register: each weekday's AM and PM mark as the register has it."""
    marks = {(s.date, s.session): s.shown for s in register.sessions if first <= s.date <= last}
    rows = {}
    for monday in sorted({week_of(d) for d, _ in marks}):
        cells = []
        for offset in range(5):
            day = monday + dt.timedelta(days=offset)
            for session in ("AM", "PM"):
                mark = marks.get((day, session), table.NO_MARK)
                cells.append(f"{mark}*" if (day, session) in counted else mark)
        rows[monday] = cells
    return rows


# --- the declaration ----------------------------------------------------------------------------------------

def test_the_declaration_is_evidence_used_everywhere():
    assert FORM.kind == "evidence" and FORM.noun == "certificate" and not FORM.sends_to_la
    assert FORM.uses_register
    assert FORM.jurisdictions == ("england", "wales") and FORM.profiles == ()
    assert FORM.rules == () and FORM.evidence == ()
    assert [f.name for f in FORM.fields if f.required] == ["pupil.first_name", "pupil.last_name",
                                                           "pupil.date_of_birth", "certificate.date"]
    for profile in ("national-2024", "southend", "stockport", "peterborough", "knowsley", "cardiff"):
        assert FORM.used_under(load_profile(profile))


def test_the_date_of_the_certificate_cannot_come_before_its_first_day():
    data = copy.deepcopy(CASE.json)
    data["certificate"] = {"date": "2025-10-01", "from": "2025-11-01"}
    with pytest.raises(Exception) as caught:
        FORM.schema(complete=True).load(data)
    assert "certificate" in str(caught.value.messages)


# --- the table, from the marks ------------------------------------------------------------------------------

def test_one_row_per_week_with_marks_holidays_left_out_and_closures_shown():
    pupil = autumn_pupil()
    register = pupil.build(until=ON)
    rows = table.week_rows([s for s in register.sessions if s.date >= D(2025, 9, 1)])
    mondays = [r.monday for r in rows]
    assert mondays[0] == D(2025, 9, 1) and mondays[-1] == D(2025, 12, 8)
    assert len(mondays) == 15  # 1 September to 8 December: 15 weeks, the half term among them
    half_term = next(r for r in rows if r.monday == D(2025, 10, 27))
    assert [c.mark for c in half_term.cells] == ["#"] * 10
    inset = rows[0]
    assert [c.mark for c in inset.cells[:4]] == ["#"] * 4  # Monday and Tuesday INSET
    # Christmas: a week with no marks at all has no row.
    later = pupil.build()
    assert D(2025, 12, 22) not in {r.monday for r in table.week_rows(later.sessions)}
    assert D(2025, 12, 29) not in {r.monday for r in table.week_rows(later.sessions)}


def test_a_session_without_a_mark_reads_as_no_mark():
    register = Register("2024", (Session(D(2025, 12, 10), "AM", "/"), Session(D(2025, 12, 10), "PM", "N")))
    (row,) = table.week_rows(register.sessions, {(D(2025, 12, 10), "PM")})
    assert [c.mark for c in row.cells] == [table.NO_MARK] * 4 + ["/", "N"] + [table.NO_MARK] * 4
    assert [c.counted for c in row.cells].index(True) == 5


def test_an_mis_sub_code_is_shown_as_the_register_has_it_and_keyed_to_its_code():
    csv = "date,session,code\n2025-12-08,AM,I01\n2025-12-08,PM,I\n2025-12-09,AM,/\n2025-12-09,PM,\\\n"
    register = read_register_file(csv, "2024")
    (row,) = table.week_rows(register.sessions)
    assert [c.mark for c in row.cells[:4]] == ["I01", "I", "/", "\\"]
    entries = {e.mark: e for e in table.key(register.sessions, "2024")}
    assert entries["I01"].recorded_as == "recorded as I" and entries["I"].recorded_as is None
    assert entries["I01"].description == entries["I"].description == "Illness (not a medical or dental appointment)"
    ctx = context(register, CASE.sample(certificate={"date": D(2025, 12, 9)}))
    assert {"mark": "I01 (recorded as I)", "meaning": "Illness (not a medical or dental appointment)",
            "counted_as": "Authorised absence"} in ctx["certificate"]["key"]


# --- the document -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def autumn():
    register = autumn_pupil().build(until=ON)
    return register, rendered(register)


def test_it_says_what_a_reader_looks_for_in_both_formats(autumn):
    _, doc = autumn
    for text in (doc["docx"], doc["pdf"]):
        for words in ("Registration Certificate", "Kacper Nowakowski", "19 May 2013", "K820123456019", "Year 8",
                      "Westcliff Park Academy", "School attendance codes from 19 August 2024",
                      "Period covered 1 September 2025 to 12 December 2025", "Date printed 12 December 2025",
                      "Week commencing Mon AM Mon PM Tue AM Tue PM Wed AM Wed PM Thu AM Thu PM Fri AM Fri PM",
                      "Marked * and in bold: the 7 sessions of unauthorised absence counted in the school weeks from "
                      "29 September 2025 to 12 December 2025.",
                      "Present at school 123", "Authorised absence 5", "Unauthorised absence 8",
                      "Not counted in possible sessions 14", "Possible sessions 136",
                      "Attendance 90.4% (123 of 136 possible sessions)",
                      "G Holiday not granted by the school Unauthorised absence",
                      "# Planned whole or partial school closure Not counted in possible sessions",
                      "The School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208)",
                      "The head teacher certifies that this is a true record of the pupil's attendance"):
            assert words in text, words
        assert "DRAFT" not in text
        assert "DESIGN.md" not in text


def test_the_docx_and_the_pdf_say_the_same_words(autumn):
    register, doc = autumn
    ctx = context(register)
    words = {squash(line) for line in _strings(ctx) if squash(line)}
    differing = [w for w in words if (w in doc["docx"]) != (w in doc["pdf"])]
    assert not differing, differing[:10]


def _strings(value):
    if isinstance(value, str):
        return value.split("\n")
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_the_pdf_read_back_matches_the_register_cell_for_cell(autumn):
    register, doc = autumn
    window_unauthorised = {(s.date, s.session) for s in register.sessions
                           if D(2025, 9, 29) <= s.date <= ON and s.code in ("G", "N", "O", "U")}
    assert len(window_unauthorised) == 7
    expected = register_weeks(register, D(2025, 9, 1), ON, window_unauthorised)
    assert pdf_weeks(doc["pdf_bytes"]) == expected
    # The unexplained absence in September is unauthorised but outside the 10 school weeks: not marked.
    n_day = next(s for s in register.sessions if s.code == "N")
    assert n_day.date < D(2025, 9, 29)
    assert "N" in expected[week_of(n_day.date)] and "N*" not in expected[week_of(n_day.date)]


def test_counted_marks_are_bold_and_starred_in_both_formats(autumn):
    _, doc = autumn
    assert re.search(r'<td class="counted"><strong>G\*</strong></td>', _html(autumn[0]))
    word = zipfile.ZipFile(io.BytesIO(doc["docx_bytes"])).read("word/document.xml").decode()
    # The counted mark's run is bold: <w:b/> in the same run as its text.
    assert re.search(r"<w:r>(?:(?!</w:r>).)*<w:b/>(?:(?!</w:r>).)*<w:t[^>]*>G\*</w:t>", word)
    assert not re.search(r"<w:r>(?:(?!</w:r>).)*<w:b/>(?:(?!</w:r>).)*<w:t[^>]*>\\</w:t>", word)


def _html(register):
    return render_preview(DOC["html"], context(register), title=DOC["title"])


def test_the_pdf_is_a4_and_tagged(autumn):
    _, doc = autumn
    reader = PdfReader(io.BytesIO(doc["pdf_bytes"]))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    assert reader.trailer["/Root"].get("/StructTreeRoot") is not None
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_the_period_starts_at_the_school_year_unless_told():
    register = autumn_pupil(first=D(2025, 6, 2)).build(until=ON)  # the summer term before, too
    default = CASE.sample(certificate={"date": ON})
    assert min(pdf_weeks(render_pdf(DOC["html"], context(register, default), title="x"))) == D(2025, 9, 1)
    earlier = CASE.sample(certificate={"date": ON, "from": D(2025, 7, 7)})
    weeks = pdf_weeks(render_pdf(DOC["html"], context(register, earlier), title="x"))
    assert min(weeks) == D(2025, 7, 7)
    assert weeks == register_weeks(register, D(2025, 7, 7), ON, {
        (s.date, s.session) for s in register.sessions if D(2025, 9, 29) <= s.date and s.code in ("G", "O")})


def test_welsh_codes_under_cardiff():
    pupil = typical_pupil(code_set="wales-2010")
    pupil.mark_days(*LEAVE, "G")
    register = pupil.build(until=ON)
    case = FormCase(FORM_ID, school={"name": "Willows High School"},
                    la={"name": "Cardiff Council", "inbox": "ews@la.invalid", "jurisdiction": "wales",
                        "profile": "cardiff"}, reference="REG-2025-000008", today=ON, profile="cardiff")
    doc = case.render(DOC, case.context(case.sample(), register=register))
    for text in (doc["docx"], doc["pdf"]):
        assert "School attendance codes used in Wales (since 1 September 2010)" in text
        assert "The Education (Pupil Registration) (Wales) Regulations 2010" in text
        assert "G Unauthorised absence: family holiday not agreed" in text
    assert pdf_weeks(doc["pdf_bytes"])[D(2025, 11, 17)][:6] == ["G*"] * 6


def test_without_marks_it_says_so():
    doc = rendered(None)
    for text in (doc["docx"], doc["pdf"]):
        assert "No register marks were given, so this certificate has no marks to show." in text
        assert "Week commencing" not in text


def test_user_text_is_printed_never_run():
    hostile = "{{ 7*7 }} <script>alert(1)</script>"
    data = CASE.sample()
    data["pupil"] = {**data["pupil"], "last_name": hostile}
    doc = rendered(autumn_pupil().build(until=ON), data)
    for text in (doc["docx"], doc["pdf"]):
        assert hostile in text and "49" not in text.split("Kacper")[1][:20]


# --- when the certificate made from the marks is the one a referral asks for -----------------------------

ENFORCEMENT = get_form("enforcement-referral")
SPRING = D(2026, 3, 20)  # the sample's referral date: a Friday; 10 school weeks back is Monday 5 January


def enforcement(**changes) -> dict:
    data = ENFORCEMENT.schema(complete=True).load(json.loads(
        (Path(__file__).resolve().parent / "samples" / "enforcement-referral.json").read_text("utf-8")))
    data["evidence"] = ["letters", "parent_contract"]  # no certificate uploaded
    data.update(changes)
    return data


def spring_register(first: dt.date = D(2025, 9, 1), until: dt.date = SPRING) -> Register:
    pupil = PupilRegister(first=first)
    pupil.mark_sessions(12, "O", D(2026, 1, 5), D(2026, 3, 13), seed=3)
    return pupil.build(until=until)


def enclosures(register, data=None):
    return evaluate(ENFORCEMENT, data or enforcement(), register=register, profile=load_profile("national-2024"),
                    today=SPRING).rule("evidence_attached")


def test_the_register_covering_the_window_stands_for_the_certificate():
    result = enclosures(spring_register())
    assert result.status == "pass", result.reason
    assert ("The registration certificate is the registration certificate made from the register marks: its marks "
            "cover the 10 school weeks from 5 Jan 2026 to 20 Mar 2026") in result.reason
    assert result.details["made_from_register"]["covered"] is True


def test_exactly_the_weeks_counted_and_one_week_short():
    """Marks from Monday 5 January (spring term's first week) are the 10 school weeks (the February half term
    has only `#`, so it is not one); marks from 12 January are one short."""
    assert enclosures(spring_register(first=D(2026, 1, 5))).status == "pass"
    short = enclosures(spring_register(first=D(2026, 1, 12)))
    assert short.status == "missing"
    assert short.details["missing"] == ["registration_certificate"]
    assert ("The registration certificate made from the register marks cannot stand for it: the register's marks "
            "cover 9 of the 10 school weeks up to 20 March 2026.") in short.reason


@pytest.mark.parametrize("until, status", [
    (D(2026, 3, 13), "pass"),     # Friday a week before: 5 school days behind
    (D(2026, 3, 12), "missing"),  # 6 school days behind: not up to date
])
def test_the_marks_must_be_up_to_date(until, status):
    assert CERTIFICATE_SCHOOL_DAYS == 5
    result = enclosures(spring_register(until=until))
    assert result.status == status, result.reason
    if status == "missing":
        assert "6 school days before 20 March 2026, so a certificate made from them is not up to date" in result.reason


def test_without_marks_the_certificate_must_be_uploaded():
    result = enclosures(None)
    assert result.status == "missing" and "made_from_register" not in result.details


def test_an_uploaded_certificate_still_counts():
    result = enclosures(spring_register(first=D(2026, 1, 12)),
                        enforcement(evidence=["registration_certificate", "letters", "parent_contract"]))
    assert result.status == "pass" and "made_from_register" not in result.details


def test_the_ews_rule_takes_the_certificate_made_from_the_marks():
    form = get_form("ews-referral")
    data = form.schema(complete=True).load(json.loads(
        (Path(__file__).resolve().parent / "samples" / "ews-referral.json").read_text("utf-8")))
    data.update(evidence=["letters"], registration_certificate_printed=None)
    pupil = typical_pupil(code_set="wales-2010")
    cardiff = load_profile("cardiff")
    made = evaluate(form, data, register=pupil.build(until=SPRING), profile=cardiff, today=SPRING)
    rule = made.rule("ews_registration_certificate")
    assert rule.status == "pass", rule.reason
    assert rule.reason.startswith("The registration certificate is the registration certificate made from the "
                                  "register marks, made when the head teacher signs the referral")
    assert made.rule("evidence_attached").status == "pass"
    short = evaluate(form, data, register=pupil.build(until=D(2026, 3, 12)), profile=cardiff, today=SPRING)
    assert short.rule("ews_registration_certificate").status == "missing"
    assert "not up to date" in short.rule("ews_registration_certificate").reason


def test_coverage_reads_the_register_only_up_to_the_request():
    """Marks entered after the request never make up its weeks: from 12 January to 27 March there are 10 school
    weeks, but only 9 up to 20 March."""
    register = spring_register(first=D(2026, 1, 12), until=D(2026, 3, 27))
    assert coverage(register, on=D(2026, 3, 27), measure=D(2026, 3, 27), weeks=10).covered
    assert not coverage(register, on=SPRING, measure=SPRING, weeks=10).covered


# --- a signed referral's pack -----------------------------------------------------------------------------

def _register_json(data: dict, today: dt.date) -> dict:
    """20 weeks of marks up to `today`: present, a half-term week of `#` seven weeks back, the leave as G, and
    two mornings of illness four weeks back recorded as SIMS's I01."""
    start = week_of(today) - dt.timedelta(weeks=20)
    leave_start = dt.date.fromisoformat(data["leave"]["start_date"])
    leave_end = dt.date.fromisoformat(data["leave"]["end_date"])
    half_term = week_of(today) - dt.timedelta(weeks=7)
    if leave_start <= half_term + dt.timedelta(days=4) and leave_end >= half_term:
        half_term -= dt.timedelta(weeks=2)
    ill = [week_of(today) - dt.timedelta(weeks=4) + dt.timedelta(days=n) for n in (1, 2)]
    rows, day = [], start
    while day <= today:
        if day.weekday() < 5:
            for session in ("AM", "PM"):
                if half_term <= day <= half_term + dt.timedelta(days=4):
                    code = "#"
                elif leave_start <= day <= leave_end:
                    code = "G"
                elif day in ill and session == "AM":
                    code = "I01"
                else:
                    code = "/" if session == "AM" else "\\"
                rows.append({"date": day.isoformat(), "session": session, "code": code})
        day += dt.timedelta(days=1)
    return {"code_set": "2024", "sessions": rows}


def test_a_signed_referral_pack_holds_the_certificate_and_the_rules_count_it(client):
    data = json_data()
    today = dt.date.fromisoformat(data["referral_date"])
    register = _register_json(data, today)
    # No registration certificate uploaded: the one made from the marks stands for it.
    rid, office, head = submitted_request(client, data, register=register, kinds=("leave_request", "warning_letter"))
    # The head's page says the certificate goes with the request and that the signature certifies it.
    login(client, "head@demo.school")
    page = html.unescape(client.get(f"/referrals/{rid}/sign").get_data(as_text=True))
    assert "Registration certificate made from the register marks: it is made when you sign, dated today" in page
    assert ("Your signature also certifies the registration certificate made from the register marks as a true record "
            "of the pupil's attendance in the school's attendance register.") in page
    signed = sign_as_head(client, rid, head)
    evidence_rule = next(r for r in signed["eligibility"]["rules"] if r["id"] == "evidence_attached")
    assert evidence_rule["status"] == "pass"
    assert "registration certificate made from the register marks" in evidence_rule["reason"]

    files = client.get(f"/api/v1/referrals/{rid}/documents", headers=office).get_json()
    reference = signed["reference"]
    name = f"{reference}-registration-certificate.pdf"
    listed = {f["name"]: f for f in files}
    assert listed[name]["role"] == "form_pdf" and len(listed[name]["sha256"]) == 64
    assert not any("evidence-" in n and "registration_certificate" in n for n in listed)
    pdf = client.get(f"/api/v1/referrals/{rid}/documents/{name}", headers=office).data
    assert hashlib.sha256(pdf).hexdigest() == listed[name]["sha256"]
    manifest = client.get(f"/api/v1/referrals/{rid}/documents/manifest.json", headers=office).get_json()
    assert name in json.dumps(manifest)

    # The marks, cell for cell: the register's rows in the school year, the G sessions the rule counted starred.
    marks = Register("2024", tuple(Session(dt.date.fromisoformat(r["date"]), r["session"],
                                           "I" if r["code"] == "I01" else r["code"], None,
                                           r["code"] if r["code"] == "I01" else None)
                                   for r in register["sessions"]))
    relied = next(r for r in signed["eligibility"]["rules"] if r["id"] == "unauthorised_sessions_threshold")
    counted = {(dt.date.fromisoformat(s["date"]), s["session"]) for s in relied["details"]["relied_on"]}
    assert len(counted) == 10
    first = min(dt.date(today.year if today.month >= 9 else today.year - 1, 9, 1),
                dt.date.fromisoformat(relied["details"]["window_start"]))
    assert pdf_weeks(pdf) == register_weeks(marks, first, today, counted)
    text = squash(pdf_text(pdf))
    assert "I01 (recorded as I)" in text
    assert "Signed electronically by Harriet Head, Head Teacher" in text
    # The request's own PDF lists the certificate as its enclosure.
    form_pdf = client.get(f"/api/v1/referrals/{rid}/documents/{reference}-penalty-notice-leave.pdf",
                          headers=office).data
    assert f"{name} (made from the register marks" in squash(pdf_text(form_pdf))


def test_the_api_renders_a_certificate_of_its_own(client):
    office = bearer(api_token(client, "office@demo.school"))
    register = autumn_pupil().build(until=ON)
    body = {"data": CASE.json, "format": "pdf",
            "register": {"code_set": "2024", "sessions": [{"date": s.date.isoformat(), "session": s.session,
                                                           "code": s.code} for s in register.sessions]}}
    response = client.post(f"/api/v1/documents/{FORM_ID}", headers=office, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert pdf_weeks(response.data) == register_weeks(register, D(2025, 9, 1), ON, {
        (s.date, s.session) for s in register.sessions if D(2025, 9, 29) <= s.date and s.code in ("G", "O")})
    word = client.post(f"/api/v1/documents/{FORM_ID}", headers=office, json={**body, "format": "docx"})
    assert word.status_code == 200 and "Possible sessions 136" in squash(docx_text(word.data))


def test_a_saved_certificate_of_its_own_is_made_from_its_uploaded_marks(client):
    office = bearer(api_token(client, "office@demo.school"))
    register = autumn_pupil().build(until=ON)
    created = client.post("/api/v1/referrals", headers=office, json={
        "form": FORM_ID, "data": CASE.json,
        "register": {"code_set": "2024", "sessions": [{"date": s.date.isoformat(), "session": s.session,
                                                       "code": s.code} for s in register.sessions]}})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["reference"].startswith("REG-")
    pdf = client.get(f"/api/v1/referrals/{created.get_json()['id']}/documents/draft.pdf", headers=office).data
    assert pdf_weeks(pdf) == register_weeks(register, D(2025, 9, 1), ON, {
        (s.date, s.session) for s in register.sessions if D(2025, 9, 29) <= s.date and s.code in ("G", "O")})
    assert "DRAFT" not in pdf_text(pdf)
