"""A referral to Cardiff's Education Welfare Service (002, Step 3), the whole way, with real parts: the
LA, its school and its people made with the command line (`create-la --profile cardiff`); the office's
draft through the API; Welsh register marks (wales-2010) uploaded on the register page; the evidence;
submit; the head teacher's sign-off; the outbox worker's email over a real SMTP server on loopback to
the LA's inbox; and the referral in the LA officer's inbox. Also the eligibility check with the
Cardiff profile: the EWS rules, and none of England's law.

Signing measures from the day it happens, so the sample's dates are moved to put the referral today.
"""
from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_service.cli import main
from forms_service.delivery.outbox import deliver_due
from forms_service.formdefs import get_form
from forms_service.register.exports import read_register_file
from forms_service.register.marks import academic_year, count_by_class

from conftest import PASSWORD
from support.doctext import docx_text, pdf_text, squash
from support.helpers import api_token, bearer, csrf, date_parts, login, logout, make_pdf, post_page, shift_dates, text
from support.smtp_server import attachments, smtp_sink  # noqa: F401  (fixture)

FORM_ID = "ews-referral"
FORM = get_form(FORM_ID)
API = "/api/v1"
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text("utf-8"))
SAMPLE_DATE = dt.date(2026, 3, 20)
CARDIFF_INBOX = "ews-referrals@cardiff.test"
SCHOOL = "Llanrumney High School"
OFFICE, HEAD, OFFICER = "sao@llanrumney.test", "head@llanrumney.test", "ewo@cardiff.test"
ENGLAND_ONLY = {"notice_to_improve_served", "penalty_notice_limit", "leave_sessions_minimum"}


def todays_referral() -> dict:
    """The Cardiff sample with every date moved so the referral is dated today; its figures are left
    to the register."""
    data = shift_dates(copy.deepcopy(SAMPLE_JSON), (dt.date.today() - SAMPLE_DATE).days)
    data.pop("figures")
    return data


def welsh_register_csv() -> str:
    """Twelve weeks of marks up to today in the Welsh codes, every weekday open: present, but for a
    day of illness (I) a week and an unexplained afternoon (O) twice a week in the last six weeks."""
    today = dt.date.today()
    first = today - dt.timedelta(days=today.weekday(), weeks=11)
    days = [first + dt.timedelta(days=i) for i in range((today - first).days + 1)]
    rows = ["date,session,code"]
    for day in (d for d in days if d.weekday() < 5):
        recent = (today - day).days < 42
        for session in ("AM", "PM"):
            code = "/" if session == "AM" else "\\"
            if day.weekday() == 0:
                code = "I"
            elif recent and session == "PM" and day.weekday() in (3, 4):
                code = "O"
            rows.append(f"{day.isoformat()},{session},{code}")
    return "\n".join(rows) + "\n"


def cardiff(database_url: str, tmp_path) -> None:
    """Cardiff Council, one of its schools and their people, made as a deployment makes them."""
    runner = CliRunner(env={"DATABASE_URL": database_url, "VAR_DIR": str(tmp_path / "cli"),
                            "NEW_USER_PASSWORD": PASSWORD})
    for args in (
        ["create-la", "--name", "Cardiff Council", "--inbox", CARDIFF_INBOX, "--profile", "cardiff"],
        ["update-la", "--name", "Cardiff Council", "--address", "Education Welfare Service, County Hall, Cardiff CF10 4UW",
         "--telephone", "029 2087 2000"],
        ["create-school", "--name", SCHOOL, "--la", "Cardiff Council"],
        ["create-user", "--email", OFFICE, "--name", "Ffion Davies", "--role", "office", "--school", SCHOOL],
        ["create-user", "--email", HEAD, "--name", "Eleri Morgan", "--role", "headteacher", "--school", SCHOOL],
        ["create-user", "--email", OFFICER, "--name", "Owain Jenkins", "--role", "la_officer", "--la", "Cardiff Council"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)


def _upload_register(client, rid: int) -> None:
    """The register page, as the office uses it, with the codes used in Wales chosen."""
    login(client, OFFICE)
    url = f"/referrals/{rid}/register"
    page = text(client.get(url))
    assert "The codes used in Wales" in page
    response = client.post(url, content_type="multipart/form-data",
                           data={"csrf_token": csrf(page), "code_set": "wales-2010",
                                 "file": (io.BytesIO(welsh_register_csv().encode()), "marks.csv")})
    assert response.status_code == 302, text(response)


def _expected_figures() -> dict:
    """The year's figures counted by hand from the marks (the school year starts on 1 September)."""
    register = read_register_file(welsh_register_csv(), "wales-2010")
    today = dt.date.today()
    start, _ = academic_year(today)
    counts = count_by_class([s for s in register.sessions if start <= s.date <= today], "wales-2010")
    possible = sum(counts.values()) - counts["not_counted"]
    return {"attendance": f"{round((counts['present'] + counts['approved_activity']) * 100 / possible, 1):g}%",
            "unauthorised_sessions": counts["unauthorised"]}


def test_an_ews_referral_reaches_cardiffs_inbox_and_its_officer(app, client, smtp_sink, database_url, tmp_path):
    app.config["SMTP_URL"] = smtp_sink.url
    cardiff(database_url, tmp_path)
    office, head = bearer(api_token(client, OFFICE)), bearer(api_token(client, HEAD))
    data = todays_referral()

    created = client.post(f"{API}/referrals", headers=office, json={"form": FORM_ID, "data": data})
    assert created.status_code == 201, created.get_json()
    referral = created.get_json()
    rid, reference = referral["id"], referral["reference"]
    assert referral["status"] == "draft" and reference.startswith("EWS")
    # Without the print out and the letters, the referral cannot go: the rules say what is missing.
    blocked = {r["id"]: r for r in referral["eligibility"]["rules"] if r["status"] in ("fail", "missing")}
    assert set(blocked) == {"ews_registration_certificate", "evidence_attached"}, blocked
    assert "is not attached" in blocked["ews_registration_certificate"]["reason"]
    refused = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert refused.status_code == 422
    assert {"ews_registration_certificate", "evidence_attached"} <= {r["id"] for r in refused.get_json()["rules"]}

    _upload_register(client, rid)
    for kind in ("registration_certificate", "letters"):
        up = client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                         data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")})
        assert up.status_code == 201, up.get_json()
    checked = client.get(f"{API}/referrals/{rid}", headers=office).get_json()
    assert checked["register"]["code_set"] == "wales-2010"
    verdict = checked["eligibility"]
    assert verdict["eligible"] is True, [r for r in verdict["rules"] if r["status"] in ("fail", "missing")]
    statuses = {r["id"]: r["status"] for r in verdict["rules"]}
    assert statuses["ews_sao_home_visit"] == statuses["ews_letters_of_concern"] == "pass"
    assert not ENGLAND_ONLY & set(statuses)

    submitted = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "awaiting_signoff"
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": "Eleri Morgan", "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["status"] == "signed" and signed.get_json()["delivery"]["state"] == "queued"

    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off", then the pack
        assert deliver_due() == 0
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["delivery"]["state"] == "sent"

    [message] = [m for m in smtp_sink.messages() if m["To"] == CARDIFF_INBOX]
    assert reference in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Rhys" not in body and "Pritchard" not in body  # initials only in an email body
    files = {name: content for name, _, content in attachments(message)}
    assert sum(1 for name in files if name.startswith("evidence-")) == 2
    expected = _expected_figures()
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        flat = squash(read(files[f"{reference}-{FORM_ID}.{fmt}"]))
        for words in ("Referral to the Education Welfare Service", "Rhys Pritchard", "Llanrumney High School",
                      "Language for letters to Siân Pritchard Welsh (Cymraeg)", "Signed electronically by Eleri Morgan",
                      f"Attendance {expected['attendance']}",
                      f"Unauthorised sessions {expected['unauthorised_sessions']} sessions",
                      f"Return to {CARDIFF_INBOX}"):
            assert words in flat, (fmt, words)
        assert "DRAFT" not in flat, fmt

    # The EWO sees it in Cardiff's inbox (API and page); the demo LA's officer does not.
    officer = bearer(api_token(client, OFFICER))
    listing = client.get(f"{API}/referrals", headers=officer).get_json()["referrals"]
    assert [r["reference"] for r in listing] == [reference]
    assert reference not in [r["reference"] for r in client.get(
        f"{API}/referrals", headers=bearer(api_token(client, "officer@demo.la"))).get_json()["referrals"]]
    logout(client)
    login(client, OFFICER)
    inbox = text(client.get("/la/referrals"))
    assert reference in inbox and "Education Welfare Service" in inbox

    # The EWO accepts it and, at the outset of casework, sends each parent the Initial Warning (002, Step 3):
    # Siân chose Welsh for her letters; the amounts are Welsh law's, never England's.
    accepted = client.post(f"{API}/referrals/{rid}/decision", headers=officer, json={"decision": "accept"})
    assert accepted.status_code == 200, accepted.get_json()
    for parent in (p["name"] for p in data["parents"]):
        issued = client.post(f"{API}/referrals/{rid}/notices", headers=officer,
                             json={"kind": "initial_warning", "parent": parent, "issued_on": dt.date.today().isoformat()})
        assert issued.status_code == 201, issued.get_json()
        letter = issued.get_json()
        pdf = client.get(f"{API}/notices/{letter['id']}/document?format=pdf", headers=officer).data
        words = squash(pdf_text(pdf))
        assert "Initial Warning" in words and parent in words and "Rhys Pritchard" in words
        assert "£60" in words and "£120" in words and "£80" not in words and "£160" not in words


@pytest.mark.parametrize("evidence, eligible", [(["registration_certificate", "letters"], True), ([], False)])
def test_eligibility_with_the_cardiff_profile_has_the_ews_rules_and_none_of_englands(client, evidence, eligible):
    office = bearer(api_token(client, "office@demo.school"))
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                           json={"data": {**todays_referral(), "evidence": evidence}, "profile": "cardiff"})
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()
    ids = [r["id"] for r in verdict["rules"]]
    assert ids[:8] == ["compulsory_school_age", "ews_class_teacher_action", "ews_head_of_year_action",
                       "ews_letters_of_concern", "ews_meeting_invitation", "ews_sao_home_visit",
                       "ews_medical_confirmation", "ews_registration_certificate"]
    assert not ENGLAND_ONLY & set(ids) and "notice_to_improve" not in json.dumps(verdict)
    assert verdict["eligible"] is eligible
    if not eligible:
        missing = {r["id"] for r in verdict["rules"] if r["status"] == "missing"}
        assert missing == {"ews_registration_certificate", "evidence_attached"}


def test_eligibility_names_the_field_of_a_bad_answer(client):
    office = bearer(api_token(client, "office@demo.school"))
    data = todays_referral()
    data["sao_visits"][0]["kind"] = "phone call"
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office, json={"data": data, "profile": "cardiff"})
    assert response.status_code == 422
    assert "kind" in json.dumps(response.get_json()["errors"]) and "sao_visits" in json.dumps(response.get_json())


def test_the_question_pages_as_a_cardiff_school_answers_them(app, client, database_url, tmp_path):
    """The office answers every page of the form; a visit that is neither a home visit nor a meeting is
    named in the error summary; the check page shows the rules in words and Siân's letters in Welsh."""
    cardiff(database_url, tmp_path)
    login(client, OFFICE)
    response = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert response.status_code == 302 and response.location.endswith("/pages/pupil")
    base = re.search(r"(/referrals/\d+)/", response.location).group(1)
    data = todays_referral()
    pupil, mother = data["pupil"], data["parents"][0]
    letters, visit = data["letters_of_concern"], data["sao_visits"][0]
    answers = {
        "pupil": {"pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
                  "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__upn": pupil["upn"],
                  "pupil__year_group": pupil["year_group"], "pupil__address": pupil["address"]},
        "parents": {"parents-0-name": mother["name"], "parents-0-date_of_birth": date_parts(mother["date_of_birth"]),
                    "parents-0-relationship": "mother", "parents-0-address": "", "parents-0-language": "cy"},
        "attendance": {"figures__attendance_pct": "78.4", "figures__unauthorised_sessions": "36",
                       "referral_date": date_parts(data["referral_date"])},
        "concerns": {"concerns": data["concerns"], "other_agencies": "School nurse",
                     "younger_siblings_concerns": "no"},
        "school_action": {"class_teacher_action": data["class_teacher_action"],
                          "class_teacher_action_date": date_parts(data["class_teacher_action_date"]),
                          "head_of_year_action": data["head_of_year_action"],
                          "head_of_year_action_date": date_parts(data["head_of_year_action_date"])},
        "contact": {"letters_of_concern-0-date": date_parts(letters[1]["date"]),
                    "letters_of_concern-0-description": letters[1]["description"],
                    "letters_of_concern-1-date": date_parts(letters[2]["date"]),
                    "letters_of_concern-1-description": letters[2]["description"],
                    "meeting_invitation_date": date_parts(data["meeting_invitation_date"]), "meeting_outcome": ""},
        "sao": {"sao_visits-0-date": date_parts(visit["date"]), "sao_visits-0-kind": "home_visit",
                "sao_visits-0-outcome": visit["outcome"]},
        "medical": {"medical_confirmation": "not_applicable"},
        "certificate": {"registration_certificate_printed": date_parts(data["registration_certificate_printed"])},
    }
    assert list(answers) == [page.id for page in FORM.pages]

    unsaid = post_page(client, f"{base}/pages/sao", {**answers["sao"], "sao_visits-0-kind": "phone_call"})
    assert unsaid.status_code == 422
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', text(unsaid), re.S)
    assert summary and "Select whether it was a meeting in school or a home visit" in summary.group(0)

    for page_id, answer in answers.items():
        response = post_page(client, f"{base}/pages/{page_id}", answer)
        assert response.status_code == 302, (page_id, text(response)[:3000])
    stored = client.get(f"{API}/referrals/{base.rsplit('/', 1)[1]}", headers=bearer(api_token(client, OFFICE)))
    assert stored.get_json()["data"]["parents"][0]["language"] == "cy"
    check = html_lib.unescape(text(client.get(f"{base}/check")))
    for words in ("Welsh (Cymraeg)", "The School Attendance Officer visited the home",
                  "The school sent a sequence of letters of concern", "An up to date registration certificate is attached",
                  "is not attached"):
        assert words in check, words

