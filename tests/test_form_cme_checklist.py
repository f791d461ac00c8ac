"""The Children Missing Education (CME) Checklist for Schools (002, Step 3, Mandatory Practice; Appendix 6):
the School Attendance Officer's record of the enquiries made to find a child whose family seem to have
left the area, sent to the Education Welfare Service for tracking, through sign-off like every referral.

The sample (tests/samples/cme-checklist.json) is Kacper Nowak, Year 8, at a Cardiff secondary school. He
last attended on Friday 3 October 2025; the family's phones are dead, a letter came back "gone away", the
home visit on 14 October found the flat empty, and his aunt believes the family has gone back to Poland.
No safeguarding concern; the checklist is dated 21 October 2025.
"""
from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from marshmallow import ValidationError

from forms_service.formdefs import get_form
from forms_service.rules import evaluate
from forms_service.rules.titles import TITLES

from support.doctext import pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, make_pdf, set_profile, submit_and_sign

FORM_ID = "cme-checklist"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
CASE = FormCase(FORM_ID, school={"name": "Willows High School"},
                la={"name": "Cardiff Council", "inbox": "ews-referrals@la.invalid", "jurisdiction": "wales"},
                reference="CME-2025-000007", today=dt.date(2025, 10, 21), profile="cardiff")
CHECKLIST_DATE = dt.date(2025, 10, 21)
LAST_ATTENDED = dt.date(2025, 10, 3)
HOSTILE = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\""
CME_RULES = ("cme_last_attendance", "cme_home_visit", "cme_enquiries_made", "cme_safeguarding")


def data(**changes) -> dict:
    """The sample as the rules see it (registration certificate enclosed), with nested `changes` given as
    "group.key" -> value."""
    loaded = CASE.sample()
    loaded["evidence"] = ["registration_certificate"]
    for path, value in changes.items():
        node = loaded
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return loaded


def result(rule_id: str, **changes):
    verdict = evaluate(FORM, data(**changes), profile=CASE.profile, today=CHECKLIST_DATE)
    return verdict.rule(rule_id)


def refused(json_data: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        FORM.schema(complete=True).load(json_data)
    return caught.value.messages


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_welsh_referral_to_the_ews_from_appendix_6():
    assert FORM.kind == "referral" and FORM.sends_to_la and FORM.raw["signed_by"] == "headteacher"
    assert FORM.source == "002, Step 3 (Mandatory Practice) and Appendix 6"
    assert FORM.raw["jurisdictions"] == ["wales"] and FORM.raw["sample_profile"] == "cardiff"
    assert [r for r in FORM.rules if r.startswith("cme_")] == list(CME_RULES)
    assert all(rule_id in TITLES for rule_id in FORM.rules)
    # The seed only names the checklist: the form says its text is the service's own.
    assert "does not reproduce it: this text is the service's own" in FORM.declaration
    assert any("does not reproduce it: this text is the service's own" in line for line in FORM.intro)
    assert "regulation 8(1)(h)" in " ".join(FORM.intro)
    # Not a letter to a parent: one document, nothing to translate.
    assert DOC == {"id": FORM_ID, "title": FORM.title, "docx": f"{FORM_ID}.docx", "html": f"print/{FORM_ID}.html"}
    assert not any(f.name == "language" for f in FORM.fields)


def test_the_sample_passes_every_rule():
    verdict = evaluate(FORM, data(), profile=CASE.profile, today=CHECKLIST_DATE)
    assert verdict.eligible, [r.to_dict() for r in verdict.rules if r.status != "pass"]
    assert {r.id: r.status for r in verdict.rules} == {r: "pass" for r in FORM.rules}


# --- cme_last_attendance -----------------------------------------------------------------------------

@pytest.mark.parametrize("offset, status", [(-1, "pass"), (0, "pass"), (1, "fail")])
def test_the_last_attendance_is_not_after_the_checklist(offset, status):
    last = CHECKLIST_DATE + dt.timedelta(days=offset)
    outcome = result("cme_last_attendance", last_attendance_date=last, **{"home_visit.made": True})
    assert outcome.status == status
    if status == "fail":
        assert outcome.reason.startswith("The last day the child attended (22 October 2025) is after the date of "
                                         "this checklist (21 October 2025)")
    else:
        assert f"{-offset} days before the date of this checklist (21 October 2025)" in outcome.reason


def test_the_last_attendance_missing_is_missing_and_named():
    outcome = result("cme_last_attendance", last_attendance_date=None)
    assert outcome.status == "missing" and outcome.reason == "The last day the child attended school is not given."
    assert "002, Step 3" in outcome.source and "(Wales) Regulations 2010" in outcome.source


def test_the_sample_reason_names_its_dates():
    assert result("cme_last_attendance").reason == (
        "The child last attended on 3 October 2025, 18 days before the date of this checklist (21 October 2025).")


# --- cme_home_visit ------------------------------------------------------------------------------------

@pytest.mark.parametrize("visit, status", [
    (CHECKLIST_DATE - dt.timedelta(days=1), "pass"),
    (CHECKLIST_DATE, "pass"),
    (CHECKLIST_DATE + dt.timedelta(days=1), "fail"),
    (LAST_ATTENDED, "pass"),  # the day the child last came: the visit that afternoon counts
    (LAST_ATTENDED - dt.timedelta(days=1), "fail"),  # before the child went missing: not an enquiry about it
])
def test_the_home_visit_is_between_the_last_attendance_and_the_checklist(visit, status):
    assert result("cme_home_visit", **{"home_visit.date": visit}).status == status


def test_no_home_visit_fails_and_says_visit_first():
    outcome = result("cme_home_visit", **{"home_visit.made": False})
    assert outcome.status == "fail"
    assert outcome.reason == ("No home visit has been made: visit the child's last known address before sending the "
                              "checklist to the Education Welfare Service.")
    assert result("cme_home_visit", **{"home_visit.made": None}).status == "missing"
    assert result("cme_home_visit", **{"home_visit.date": None}).reason == "The date of the home visit is not given."
    findings = result("cme_home_visit", **{"home_visit.findings": None})
    assert findings.status == "missing" and "what was found is not given" in findings.reason


# --- cme_enquiries_made ------------------------------------------------------------------------------------

ENQUIRY_ANSWERS = ["enquiries.phone", "enquiries.written", "enquiries.relatives", "agencies.health",
                   "agencies.social_services", "agencies.housing"]


@pytest.mark.parametrize("path", ENQUIRY_ANSWERS)
def test_each_enquiry_not_made_fails_naming_it(path):
    outcome = result("cme_enquiries_made", **{path: False})
    assert outcome.status == "fail" and outcome.details["not_done"] and len(outcome.details["not_done"]) == 1
    assert outcome.reason.startswith("Enquiries not yet made: ")
    unanswered = result("cme_enquiries_made", **{path: None})
    assert unanswered.status == "missing" and len(unanswered.details["unanswered"]) == 1


def test_the_reason_names_every_enquiry_not_made():
    outcome = result("cme_enquiries_made", **{"enquiries.relatives": False, "agencies.housing": False,
                                              "enquiries.siblings": "not_contacted"})
    assert outcome.reason == ("Enquiries not yet made: ask relatives, neighbours or friends of the family, ask the "
                              "council's housing service or the family's landlord and contact the schools of the "
                              "child's brothers or sisters. Make them before sending the checklist.")


@pytest.mark.parametrize("siblings, status", [("contacted", "pass"), ("none", "pass"), ("not_contacted", "fail"),
                                              (None, "missing")])
def test_the_siblings_schools_are_contacted_unless_there_are_none(siblings, status):
    assert result("cme_enquiries_made", **{"enquiries.siblings": siblings}).status == status


def test_the_police_are_not_a_required_enquiry_without_a_safeguarding_concern():
    assert result("cme_enquiries_made", **{"agencies.police": False}).status == "pass"


# --- cme_safeguarding --------------------------------------------------------------------------------------

CONCERNS = ["safeguarding.social_worker", "safeguarding.child_protection", "safeguarding.other_concerns",
            "pupil.looked_after"]


@pytest.mark.parametrize("concern", CONCERNS)
def test_a_safeguarding_concern_not_passed_on_fails_telling_to_act_now(concern):
    outcome = result("cme_safeguarding", **{concern: True, "safeguarding.childrens_services_told": False})
    assert outcome.status == "fail"
    assert outcome.reason.endswith("tell children's services today, now. Do not wait for this checklist to be tracked.")
    both = result("cme_safeguarding", **{concern: True, "safeguarding.dsp_told": False,
                                         "safeguarding.childrens_services_told": False})
    assert "tell the school's designated safeguarding person and children's services today, now" in both.reason


@pytest.mark.parametrize("concern", CONCERNS)
def test_a_safeguarding_concern_passed_on_is_advisory_not_blocking(concern):
    outcome = result("cme_safeguarding", **{concern: True})
    assert outcome.status == "advisory"
    assert "have been told" in outcome.reason and "Consider telling the police" in outcome.reason
    with_police = result("cme_safeguarding", **{concern: True, "agencies.police": True})
    assert with_police.status == "advisory" and "police" not in with_police.reason
    assert evaluate(FORM, data(**{concern: True}), profile=CASE.profile, today=CHECKLIST_DATE).eligible


def test_the_reason_names_every_concern():
    outcome = result("cme_safeguarding", **{"safeguarding.social_worker": True, "safeguarding.child_protection": True,
                                            "safeguarding.dsp_told": False})
    assert outcome.reason.startswith("The child has a social worker and is on the child protection register: tell "
                                     "the school's designated safeguarding person today")
    assert "Keeping learners safe" in outcome.source


def test_no_concern_passes_and_an_unanswered_question_is_missing():
    assert result("cme_safeguarding").status == "pass"
    assert result("cme_safeguarding", **{"safeguarding.other_concerns": None}).status == "missing"


# --- bad input names the field ---------------------------------------------------------------------------

def test_bad_answers_are_refused_naming_the_field():
    sample = copy.deepcopy(CASE.json)
    sample["home_visit"] = {"made": True}
    sample["enquiries"]["siblings"] = "maybe"
    sample["last_attendance_date"] = "2025-10-32"
    messages = refused(sample)
    assert messages["home_visit"] == {"date": ["Enter date of the home visit"],
                                      "findings": ["Enter what was found at the home"]}
    assert messages["enquiries"] == {"siblings": [
        "Select whether you have contacted the schools of the child's brothers or sisters"]}
    assert messages["last_attendance_date"] == ["Last day the child attended school must be a real date, written as "
                                                "YYYY-MM-DD"]
    missing = refused({k: v for k, v in CASE.json.items() if k != "safeguarding"})
    assert missing["safeguarding"]["dsp_told"] == ["Select yes if the school's designated safeguarding person has "
                                                   "been told"]


# --- the document, in both formats ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def checklist():
    return CASE.render(DOC, CASE.context(data()))


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_checklist_says_what_the_ews_reads_for(checklist, fmt):
    text = checklist[fmt]
    for words in (
        "Children Missing Education (CME) Checklist for Schools",
        "002, Step 3 (Mandatory Practice) and Appendix 6",
        "Name of child Kacper Nowak", "Year group Year 8", "Parent or carer Agnieszka Nowak (mother)",
        "Last day the child attended school 3 October 2025",
        "Home visit made to the last known address Yes, on 14 October 2025",
        "What was found at the home Visited with the school's family engagement officer.",
        "returned by Royal Mail on 15 October marked 'addressee gone away'",
        "Schools of the child's brothers or sisters contacted Yes: Kacper's sister Zofia",
        "Police contacted (where there are safeguarding concerns) No",
        "What is known about where the family has gone The aunt and Kacper's friends say",
        "New school, if known None known",
        "The child is on the child protection register No",
        "Children's services told that the child is missing Yes",
        "Checklist completed by (School Attendance Officer) Ceri Lewis",
        "Date of checklist 21 October 2025",
        "the school's designated safeguarding person and children's services at once",
        "this text is the service's own",
        "Return to ews-referrals@la.invalid",
        # 002, Step 3: the SAO completes it; the head signs it off.
        "To be completed by the School Attendance Officer Details Tick when checked",
    ):
        assert words in text, words
    assert "Safeguarding: this child" not in text and "To be completed by head teacher" not in text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_a_safeguarding_case_says_so_first_in_both_formats(fmt):
    rendered = CASE.render(DOC, CASE.context(data(**{"safeguarding.social_worker": True})))
    alert = ("Safeguarding: this child has a social worker. The designated safeguarding person and children's "
             "services must be told at once, not after this checklist is tracked.")
    assert alert in rendered[fmt]
    assert rendered[fmt].index(alert) < rendered[fmt].index("Name of child")


def test_the_alert_names_the_concerns_as_the_rule_does():
    changes = {"pupil.looked_after": True, "safeguarding.other_concerns": True}
    alert = CASE.context(data(**changes))["cme"]["safeguarding_alert"]
    assert alert.startswith("Safeguarding: this child is looked after by the local authority and is the subject of "
                            "other safeguarding concerns.")
    assert result("cme_safeguarding", **changes).reason.startswith(
        "The child is looked after by the local authority and is the subject of other safeguarding concerns:")


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_without_a_visit_the_findings_row_is_left_out(fmt):
    rendered = CASE.render(DOC, CASE.context(data(**{"home_visit.made": False, "home_visit.date": None,
                                                     "home_visit.findings": None})))
    assert "Home visit made to the last known address No" in rendered[fmt]
    assert "What was found at the home" not in rendered[fmt]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_user_text_is_printed_as_text_never_run(fmt):
    rendered = CASE.render(DOC, CASE.context(data(concern_summary=HOSTILE, **{"whereabouts.information": HOSTILE})))
    assert rendered[fmt].count("{{ 7*7 }}") == 2 and "<script>alert('x')</script>" in rendered[fmt]
    assert " 49 " not in rendered[fmt]


# --- like every referral: checked, signed off, packed and queued for the LA ---------------------------

def test_the_checklist_goes_through_sign_off_to_the_las_inbox(app, client):
    set_profile(app, "cardiff")  # a form used in Wales
    office, head = bearer(api_token(client, "office@demo.school")), bearer(api_token(client, "head@demo.school"))
    created = client.post("/api/v1/referrals", headers=office, json={"form": FORM_ID, "data": CASE.json})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    # The registration certificate is not enclosed yet: the checklist cannot go.
    refused_submit = client.post(f"/api/v1/referrals/{rid}/submit", headers=office)
    assert refused_submit.status_code == 422
    assert any(r["id"] == "evidence_attached" for r in refused_submit.get_json()["rules"])
    upload = client.post(f"/api/v1/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                         data={"kind": "registration_certificate",
                               "file": (io.BytesIO(make_pdf("Registration certificate")), "certificate.pdf")})
    assert upload.status_code == 201, upload.get_json()
    signed = submit_and_sign(client, rid, office, head)
    assert signed["delivery"]["state"] in ("queued", "sent")
    reference = client.get(f"/api/v1/referrals/{rid}", headers=office).get_json()["reference"]
    assert reference.startswith("CME")
    files = {f["name"] for f in client.get(f"/api/v1/referrals/{rid}/documents", headers=office).get_json()}
    assert {f"{reference}-{FORM_ID}.pdf", f"{reference}-{FORM_ID}.docx"} <= files
    pdf = client.get(f"/api/v1/referrals/{rid}/documents/{reference}-{FORM_ID}.pdf", headers=office)
    body = squash(pdf_text(pdf.data))
    assert "Kacper Nowak" in body and "Harriet Head" in body and "DRAFT" not in body


def test_a_safeguarding_concern_not_passed_on_stops_the_checklist(client):
    office = bearer(api_token(client, "office@demo.school"))
    data = copy.deepcopy(CASE.json)
    data["safeguarding"].update(child_protection=True, childrens_services_told=False)
    response = client.post(f"/api/v1/eligibility/{FORM_ID}", headers=office,
                           json={"data": {**data, "evidence": ["registration_certificate"]}, "profile": "cardiff"})
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()
    assert not verdict["eligible"]
    rule_ = next(r for r in verdict["rules"] if r["id"] == "cme_safeguarding")
    assert rule_["status"] == "fail" and "Do not wait" in rule_["reason"]
