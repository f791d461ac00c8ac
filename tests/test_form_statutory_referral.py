"""Knowsley's Statutory Referral Form (004, Level 3: Family First; Appendix C; Toolkit, Level 3): its
declaration; its DOCX and PDF from one context with the words a Statutory Officer looks for; each rule at
its boundaries from realistic registers (half terms marked, Christmas without sessions:
tests/support/registers.py); bad input named by its field; the whole journey under the knowsley profile,
from the office's draft through the API to the LA's inbox; refused under any other profile.

The sample (tests/samples/statutory-referral.json) is Kayden Moran, Year 6 at a Knowsley primary school
whose attendance SLA is with another provider, stepped up on Friday 16 January 2026 after an Attendance
Improvement Meeting on 11 November 2025.
"""
from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import io
import json
import re

import pytest
from click.testing import CliRunner
from marshmallow import ValidationError

from forms_service.cli import main
from forms_service.delivery.outbox import deliver_due
from forms_service.documents.context import build_context
from forms_service.policies import load_profile
from forms_service.rules import evaluate
from forms_service.rules.titles import TITLES

from conftest import PASSWORD
from support.doctext import docx_text, pdf_text, render_docx_and_pdf, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, date_parts, login, make_pdf, post_page, shift_dates, text
from support.registers import D, PupilRegister
from support.smtp_server import attachments, smtp_sink  # noqa: F401  (fixture)

FORM_ID = "statutory-referral"
SCHOOL = {"name": "Halsnead Primary School"}
LA = {"name": "Knowsley Council", "inbox": "school.attendance@knowsley.invalid"}
REFERENCE = "SRF-2026-000004"
SIGNATURE = {"name": "Mr Daniel Hughes", "role": "Headteacher",
             "signed_at": dt.datetime(2026, 1, 16, 15, 40, tzinfo=dt.timezone.utc)}  # GMT: 3:40pm
UPLOADS = [{"kind": "meeting_records", "filename": "Moran AIM and TAF minutes.pdf"},
           {"kind": "letters", "filename": "Moran letters to parents.pdf"},
           {"kind": "early_help_assessment", "filename": "Moran Early Help Assessment.pdf"},
           {"kind": "registration_certificate", "filename": "Moran registration certificate 16-01-2026.pdf"}]
EVIDENCE_KINDS = [u["kind"] for u in UPLOADS]
CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference=REFERENCE, today=D(2026, 1, 16), profile="knowsley")
FORM = CASE.form
KNOWSLEY = load_profile("knowsley")
BLOCKING = ("fail", "missing")


# ------------------------------------------------------------------ the declaration

def test_the_form_is_knowsleys_own_referral_to_the_statutory_officer():
    assert FORM.kind == "referral" and FORM.sends_to_la and FORM.raw["signed_by"] == "headteacher"
    assert FORM.profiles == ("knowsley",) and FORM.jurisdictions == ("england",)
    assert FORM.raw["sample_profile"] == "knowsley" and FORM.reference_prefix == "SRF"
    assert FORM.source.startswith("004, Level 3") and "Appendix C" in FORM.source
    assert FORM.used_under(KNOWSLEY)
    assert not any(FORM.used_under(load_profile(p)) for p in ("national-2024", "stockport", "peterborough", "cardiff"))
    assert [e["kind"] for e in FORM.evidence] == EVIDENCE_KINDS
    assert list(FORM.rules) == ["compulsory_school_age", "statutory_referrer", "statutory_level1_actions",
                                "statutory_early_help_assessment", "statutory_level2_meeting",
                                "statutory_level2_weeks", "statutory_casework_evidence", "attendance_this_year",
                                "statutory_penalty_notice_threshold", "absence_band"]
    assert all(rule_id in TITLES for rule_id in FORM.rules)
    # The information 004 (Level 2 / Step 1) says to gather before engaging other services, each asked.
    names = {f.name for f in FORM.fields}
    assert {"historical_attendance", "siblings", "behaviour", "send", "gp_medical", "pastoral_support",
            "multi_agency_support", "early_help_assessment_date", "level1_actions", "level2_meetings",
            "action_plan", "level2_outcome", "referred_by", "school_has_knowsley_sla"} <= names
    assert "Statutory Referral Form" in FORM.raw["declaration_source"]


def test_the_sample_is_eligible_once_the_evidence_is_attached():
    verdict = evaluate(FORM, CASE.sample(evidence=EVIDENCE_KINDS), profile=KNOWSLEY, today=CASE.today)
    assert verdict.eligible, [r for r in verdict.rules if r.status in BLOCKING]
    for r in verdict.rules:
        assert r.reason and r.source
        if r.id.startswith("statutory_"):
            assert "004" in r.source, r.id


# ------------------------------------------------------------------ the documents

READER_PHRASES = [
    "Statutory Referral Form: referral to the Statutory Officer",
    "Source: 004, Level 3: Family First; Appendix C; Toolkit, Level 3",
    "the wording of this form is the service's own",
    "a penalty notice may be considered at this point",
    REFERENCE, "Halsnead Primary School", "Knowsley Council", "Date of referral 16 January 2026",
    "Kayden Moran", "18 November 2014", "Year 6", "K340211507816", "14 Lickers Lane Whiston Prescot L35 3SR",
    "Danielle Moran (mother)", "Lee Moran (father)", "Flat 2, 31 Cherryfield Drive Kirkby Liverpool L32 8SB",
    "Referral made by The school", "Name and role Mrs Joanne Kelly, Attendance Lead",
    "School has bought into Knowsley's attendance SLA No",
    "Merseyside Attendance Partnership (traded officer: Paul Rimmer)",
    "19 September 2025 First day calls to mum on each day of absence",
    "15 October 2025 Home visit by the attendance lead",
    "Early Help Assessment completed on 22 October 2025",
    "a family support worker was allocated and a TAF agreed",
    "11 November 2025 Attendance Improvement Meeting (AIM)",
    "25 November 2025 Team Around the Family (TAF) meeting",
    "2 December 2025 Review of the AIM action plan",
    "walking bus from Lickers Lane",
    "Level 2 work before the referral 9 school weeks from 11 November 2025 to the referral "
    "(counted Monday to Friday, without register marks)",
    "Attendance has fallen from 86% to 78% since the AIM",
    "Needs and risks to the child increased No",
    "Attendance this school year 84.6%",
    "Unauthorised sessions in the last 10 school weeks 12 sessions (as entered by the school)",
    "Historical attendance (last 3 years) 2022/23: 94.1%; 2023/24: 91.7%; 2024/25: 88.3%",
    "Mia Moran, born 3 May 2019", "No exclusions", "SENCo consulted on 4 November 2025",
    "Whiston Health Centre", "Learning mentor weekly since October 2025",
    "Early Help (family support worker since October 2025); school nurse",
    "Attached: Moran AIM and TAF minutes.pdf", "Attached: Moran Early Help Assessment.pdf",
    "Attached: Moran registration certificate 16-01-2026.pdf",
    FORM.declaration,
    "Signed electronically by Mr Daniel Hughes, Headteacher, on 16 January 2026 at 3:40pm",
    "Print Name Mr Daniel Hughes", "Return to school.attendance@knowsley.invalid",
]
LABELS = [
    "To be completed by head teacher", "Tick when checked", "The child and family",
    "Level 1: actions taken by the school", "Action taken", "Outcome",
    "What the Early Help Assessment found or led to",
    "Level 2: Attendance Improvement Meeting and Team Around the Family", "Who attended",
    "Actions agreed and outcome", "The action plan and its targets", "Outcome: why the case is being stepped up",
    "Information gathered before engaging other services", "Brothers and sisters: dates of birth and schools attended",
    "Behaviour and exclusions", "SEND information", "GP details and medical information",
    "Historic or current in-school pastoral support", "Historic or current multi-agency support",
    "Evidence of the casework", "Minutes of the AIM and TAF meetings, with the action plan, its targets and reviews",
    "The Early Help Assessment form (attached)", "Registration certificate or attendance printout (attached)",
    "Head Teacher Signature",
]


def context(data=None, *, signature=SIGNATURE, evidence=UPLOADS, register=None):
    data = CASE.sample() if data is None else data
    judged = evaluate(FORM, data, register=register, profile=KNOWSLEY, today=CASE.today).to_dict()
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=REFERENCE, signature=signature,
                         verdict=judged, evidence=evidence)


@pytest.fixture(scope="module")
def signed():
    ctx = context()
    return {"ctx": ctx, **render_docx_and_pdf(FORM.documents[0], ctx)}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_referral_says_what_a_statutory_officer_looks_for(signed, fmt):
    flat = squash(signed[fmt])
    assert [p for p in READER_PHRASES + LABELS if squash(p) not in flat] == []
    assert "DRAFT" not in signed[fmt] and "Signed by the head teacher" in signed[fmt]


def test_the_steps_come_in_the_order_of_the_graduated_response_in_both(signed):
    order = ["The child and family", "Referral made by", "Level 1: actions taken by the school",
             "Early Help Assessment completed on", "Level 2: Attendance Improvement Meeting",
             "Level 2 work before the referral", "Information gathered before engaging other services",
             "Evidence of the casework", "Declaration", "Head Teacher Signature"]
    for fmt in ("docx", "pdf"):
        flat = squash(signed[fmt])
        positions = [flat.index(squash(p)) for p in order]
        assert positions == sorted(positions), fmt


def test_a_draft_from_a_register_says_so_and_counts_from_the_marks():
    """Unsigned, with marks: DRAFT on it, the year's attendance and the weeks counted from the register."""
    pupil = PupilRegister().mark_sessions(12, "O", D(2025, 11, 3), D(2026, 1, 16), seed=3)
    register = pupil.build(until=D(2026, 1, 16))
    data = CASE.sample()
    data.pop("figures")
    ctx = context(data, signature=None, evidence=[], register=register)
    out = render_docx_and_pdf(FORM.documents[0], ctx)
    for fmt in ("docx", "pdf"):
        flat = squash(out[fmt])
        assert "DRAFT" in flat and "Not attached" in flat
        # 11 November 2025 to 16 January 2026: 7 school weeks, the Christmas holiday's two weeks without marks.
        assert "7 school weeks from 11 November 2025 to the referral (counted from the register)" in flat
        assert "12 sessions in the school weeks from" in flat and "(counted from the register)" in flat
        # 166 possible sessions from 3 September 2025 (1-2 September INSET) to 16 January 2026, 12 missed.
        assert "Attendance this school year 92.8%" in flat


# ------------------------------------------------------------------ the rules, from realistic registers

def case(*, aim=D(2025, 10, 7), on=D(2025, 11, 25), **changes) -> dict:
    """The sample re-dated: Level 1 actions and the Early Help Assessment before an AIM on `aim`, the
    referral on `on`, and the evidence attached."""
    data = CASE.sample(evidence=EVIDENCE_KINDS)
    data["level1_actions"] = [{**a, "date": aim - dt.timedelta(days=21 - 3 * i)}
                              for i, a in enumerate(data["level1_actions"])]
    data["early_help_assessment_date"] = aim - dt.timedelta(days=5)
    data["level2_meetings"] = [{**data["level2_meetings"][0], "date": aim}]
    data["referral_date"] = on
    data.pop("figures")
    data.update(changes)
    return data


def judge(data, register=None, *, today=None):
    return evaluate(FORM, data, register=register, profile=KNOWSLEY, today=today or data["referral_date"])


def present_until(day: dt.date):
    return PupilRegister().build(until=day)


# The AIM on Tuesday 7 October 2025; the half term is the week of 27 October (closed, `#`). School weeks
# after the AIM's week: 13 Oct (1), 20 Oct (2), 3 Nov (3), 10 Nov (4), 17 Nov (5), 24 Nov (6), 1 Dec (7).
@pytest.mark.parametrize("on, weeks, status", [
    (D(2025, 11, 18), 5, "fail"),   # 6 calendar weeks, but the half term is not a school week
    (D(2025, 11, 24), 5, "fail"),   # the day before 6 school weeks are reached
    (D(2025, 11, 25), 6, "pass"),   # 6 school weeks to the day
    (D(2025, 12, 2), 7, "pass"),
])
def test_six_school_weeks_of_level2_work_counted_from_the_register_across_the_half_term(on, weeks, status):
    result = judge(case(on=on), present_until(on)).rule("statutory_level2_weeks")
    assert result.status == status, result.reason
    assert result.details["school_weeks"] == weeks and result.details["reached_on"] == "2025-11-25"
    assert f"is {weeks} school weeks after the first Level 2 meeting (Attendance Improvement Meeting, " \
           "7 October 2025), counted from the register" in result.reason
    assert result.source.startswith("004, Appendix C") and "After 6 weeks" in result.source
    if status == "fail":
        assert "reached on 25 November 2025, unless the needs and risks to the child have increased" in result.reason
        assert not judge(case(on=on), present_until(on)).eligible


def test_without_marks_the_half_term_counts_and_the_reason_says_so():
    result = judge(case(on=D(2025, 11, 18))).rule("statutory_level2_weeks")
    assert result.status == "pass" and result.details["school_weeks"] == 6
    assert "counted Monday to Friday less England's bank holidays as no register marks are uploaded" in result.reason
    assert "half terms and holidays are known only from the register" in result.reason
    short = judge(case(on=D(2025, 11, 17))).rule("statutory_level2_weeks")
    assert short.status == "fail" and short.details["school_weeks"] == 5


def test_marks_that_stop_short_are_counted_from_the_calendar_beyond_them():
    on = D(2025, 12, 2)
    result = judge(case(on=on), present_until(D(2025, 11, 21))).rule("statutory_level2_weeks")
    assert result.status == "pass" and result.details["school_weeks"] == 7
    assert "counted from the register from 1 September 2025 to 21 November 2025, and outside it Monday to Friday" \
        in result.reason


def test_an_earlier_step_up_where_the_needs_and_risks_have_increased_is_advisory():
    on = D(2025, 11, 18)
    data = case(on=on, needs_risks_increased=True, needs_risks_details="Kayden was found alone at home at 11am.")
    verdict = judge(data, present_until(on))
    result = verdict.rule("statutory_level2_weeks")
    assert result.status == "advisory" and "needs and risks to the child have increased" in result.reason
    assert "if the needs and risks to the child have increased" in result.source
    assert verdict.eligible


def test_a_taf_meeting_starts_level2_as_an_aim_does_and_a_review_does_not():
    aim = D(2025, 10, 7)
    taf = case(aim=aim, level2_meetings=[{"kind": "taf", "date": aim, "attended_by": "Mum", "outcome": "Plan"}])
    result = judge(taf).rule("statutory_level2_meeting")
    assert result.status == "pass" and "TAF meeting on 7 October 2025" in result.reason
    assert "no AIM listed" in result.reason
    review = case(aim=aim, level2_meetings=[{"kind": "aim_review", "date": aim, "attended_by": "Mum",
                                             "outcome": "Plan"}])
    verdict = judge(review)
    assert verdict.rule("statutory_level2_meeting").status == "missing"
    assert verdict.rule("statutory_level2_weeks").status == "missing"


@pytest.mark.parametrize("offset, status", [(-1, "pass"), (0, "fail")])
def test_the_aim_must_come_before_the_referral(offset, status):
    on = D(2025, 11, 25)
    data = case(aim=on + dt.timedelta(days=offset), on=on)
    data["level1_actions"] = [{**a, "date": D(2025, 9, 19)} for a in data["level1_actions"]]
    data["early_help_assessment_date"] = D(2025, 9, 30)
    result = judge(data).rule("statutory_level2_meeting")
    assert result.status == status, result.reason
    if status == "fail":
        assert "not before the date of this referral (25 November 2025)" in result.reason


@pytest.mark.parametrize("days_before_aim, status", [(1, "pass"), (0, "fail"), (-1, "fail")])
def test_the_early_help_assessment_comes_before_level2(days_before_aim, status):
    aim = D(2025, 10, 7)
    data = case(aim=aim, early_help_assessment_date=aim - dt.timedelta(days=days_before_aim))
    result = judge(data).rule("statutory_early_help_assessment")
    assert result.status == status, result.reason
    assert "Attendance Improvement Meeting, 7 October 2025" in result.reason
    assert result.source.startswith("004, Level 2 / Step 1")
    assert judge(case(early_help_assessment_date=None)).rule("statutory_early_help_assessment").status == "missing"


@pytest.mark.parametrize("days_before_aim, status", [(1, "pass"), (0, "fail")])
def test_level1_actions_come_before_level2(days_before_aim, status):
    aim = D(2025, 10, 7)
    data = case(aim=aim)
    data["level1_actions"] = [{**a, "date": aim - dt.timedelta(days=days_before_aim)} for a in data["level1_actions"]]
    result = judge(data).rule("statutory_level1_actions")
    assert result.status == status, result.reason
    assert result.source.startswith("004, Level 1 (Universal)") and "must have been undertaken" in result.source


def test_without_level1_actions_the_rule_says_what_is_missing():
    data = case()
    data["level1_actions"] = []
    result = judge(data).rule("statutory_level1_actions")
    assert result.status == "missing" and "No Level 1 actions are listed" in result.reason


def test_level1_is_measured_against_the_referral_when_no_level2_meeting_is_listed():
    data = case(level2_meetings=[])
    result = judge(data).rule("statutory_level1_actions")
    assert result.status == "pass" and "before the date of this referral (25 November 2025)" in result.reason


@pytest.mark.parametrize("left_out", EVIDENCE_KINDS)
def test_the_evidence_of_the_casework_blocks_until_each_piece_is_attached(left_out):
    data = case(evidence=[k for k in EVIDENCE_KINDS if k != left_out])
    verdict = judge(data)
    result = verdict.rule("statutory_casework_evidence")
    assert result.status == "missing" and not verdict.eligible
    assert FORM.evidence_label(left_out) in result.reason
    assert "must gather the evidence of the casework" in result.reason
    assert "School must gather appropriate evidence" in result.source
    assert judge(case()).rule("statutory_casework_evidence").status == "pass"


@pytest.mark.parametrize("by, sla, status", [
    ("school", False, "pass"), ("traded_officer", True, "pass"), ("traded_officer", False, "pass"),
    ("school", True, "advisory"),
])
def test_a_school_with_knowsleys_sla_leaves_the_step_up_to_its_traded_officer(by, sla, status):
    verdict = judge(case(referred_by=by, school_has_knowsley_sla=sla))
    result = verdict.rule("statutory_referrer")
    assert result.status == status
    assert verdict.eligible  # advisory: a traded officer may still ask the school for the form
    if status == "advisory":
        assert "its traded officer moves the step up to the Statutory Officer forward" in result.reason


# The national threshold (10 unauthorised sessions in 10 school weeks, U included, from 19 August 2024):
# the referral on Friday 16 January 2026; its 10 school weeks run back to 20 October 2025 (the half term
# and the Christmas holiday are not school weeks); the O sessions fall in November to January.
@pytest.mark.parametrize("sessions, status", [(9, "advisory"), (10, "pass"), (11, "pass")])
def test_the_penalty_notice_threshold_is_for_the_statutory_officer_and_never_blocks(sessions, status):
    on = D(2026, 1, 16)
    pupil = PupilRegister().mark_sessions(sessions, "O", D(2025, 11, 3), on, seed=sessions)
    verdict = judge(case(aim=D(2025, 11, 11), on=on), pupil.build(until=on))
    result = verdict.rule("statutory_penalty_notice_threshold")
    assert result.status == status, result.reason
    assert f"{sessions} unauthorised sessions" in result.reason and "counted from the register" in result.reason
    assert result.source.startswith("004, Level 3: \"A penalty notice may be considered at this point\"")
    assert "000, para 5" in result.source
    assert verdict.eligible, [r for r in verdict.rules if r.status in BLOCKING]
    if status == "pass":
        assert "the national threshold for a penalty notice is met" in result.reason
        assert len(result.details["relied_on"]) == sessions
    else:
        assert "This does not stop the referral" in result.reason


def test_the_threshold_not_known_is_advisory_too():
    result = judge(case()).rule("statutory_penalty_notice_threshold")
    assert result.status == "advisory" and "is not given" in result.reason
    assert "this does not stop the referral" in result.reason


# Attendance this school year against Knowsley's Level 1 trigger, below 95% (advisory): 160 possible
# sessions from 1 September 2025 (the INSET days closed) to Tuesday 13 January 2026, so 8 missed is 95.0%.
@pytest.mark.parametrize("missed, pct, status", [(7, 95.6, "advisory"), (8, 95.0, "advisory"), (9, 94.4, "pass")])
def test_attendance_this_year_against_knowsleys_95_percent(missed, pct, status):
    on = D(2026, 1, 13)
    pupil = PupilRegister().mark_sessions(missed, "I", D(2025, 9, 3), on, seed=missed)
    verdict = judge(case(aim=D(2025, 11, 11), on=on), pupil.build(until=on))
    result = verdict.rule("attendance_this_year")
    assert result.status == status, result.reason
    assert result.details["possible"] == 160 and result.details["attended"] == 160 - missed
    assert f"Attendance {pct:g}% ({160 - missed} of 160 possible sessions) in 2025/26" in result.reason
    assert "the referral to the Statutory Officer is for attendance below 95%" in result.reason
    assert verdict.eligible


def test_the_absence_band_and_school_age_are_checked_too():
    on = D(2026, 1, 16)
    pupil = PupilRegister().mark_days(D(2025, 11, 3), D(2025, 12, 12), "O")
    verdict = judge(case(aim=D(2025, 11, 11), on=on), pupil.build(until=on))
    assert verdict.rule("absence_band").status == "advisory"
    assert "Persistently absent" in verdict.rule("absence_band").reason
    too_old = judge(case(pupil={**CASE.sample()["pupil"], "date_of_birth": D(2009, 5, 1)}))
    assert too_old.rule("compulsory_school_age").status == "fail" and not too_old.eligible


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("change, field", [
    ({"level2_meetings": [{"kind": "phone call", "date": "2025-11-11", "attended_by": "Mum", "outcome": "x"}]},
     "kind"),
    ({"level2_meetings": []}, "level2_meetings"),
    ({"level1_actions": [{"action": "Call", "date": "2025-13-01", "outcome": "x"}]}, "date"),
    ({"referred_by": "governor"}, "referred_by"),
    ({"school_has_knowsley_sla": "perhaps"}, "school_has_knowsley_sla"),
    ({"needs_risks_increased": True, "needs_risks_details": ""}, "needs_risks_details"),
    ({"figures": {"attendance_pct": 101}}, "attendance_pct"),
    ({"figures": {"unauthorised_sessions_10wk": -1}}, "unauthorised_sessions_10wk"),
    ({"early_help_assessment_date": "yesterday"}, "early_help_assessment_date"),
    ({"historical_attendance": ""}, "historical_attendance"),
])
def test_bad_answers_are_refused_naming_the_field(change, field):
    raw = {**copy.deepcopy(CASE.json), **change}
    with pytest.raises(ValidationError) as caught:
        FORM.schema(complete=True).load(raw)
    assert field in json.dumps(caught.value.messages)


def test_text_typed_into_the_form_is_printed_never_run():
    data = CASE.sample(action_plan="{{ reference }} {% for x in y %}<script>alert(1)</script>",
                       level2_outcome="http://evil.invalid/{{7*7}}")
    out = render_docx_and_pdf(FORM.documents[0], context(data))
    for fmt in ("docx", "pdf"):
        flat = squash(out[fmt])
        assert "{{ reference }} {% for x in y %}" in flat and "<script>alert(1)</script>" in flat
        assert "http://evil.invalid/{{7*7}}" in flat and "/49" not in flat


# ------------------------------------------------------------------ the journey, under the knowsley profile

API = "/api/v1"
SAMPLE_DATE = D(2026, 1, 16)
KNOWSLEY_INBOX = "school.attendance@knowsley.test"
KN_SCHOOL = "Halsnead Primary School"
OFFICE, HEAD, OFFICER = "office@halsnead.test", "head@halsnead.test", "statutory@knowsley.test"


def todays_referral() -> dict:
    """The sample with every date moved so the referral is dated today; its figures left to the register."""
    data = shift_dates(copy.deepcopy(CASE.json), (dt.date.today() - SAMPLE_DATE).days)
    data.pop("figures")
    return data


def register_json() -> dict:
    """Fourteen weeks of marks up to today, every weekday open: present, but for an unexplained afternoon
    (O) on Thursdays and Fridays in the last six weeks (12 sessions)."""
    today = dt.date.today()
    first = today - dt.timedelta(days=today.weekday(), weeks=13)
    sessions = []
    for day in (first + dt.timedelta(days=i) for i in range((today - first).days + 1)):
        if day.weekday() >= 5:
            continue
        recent = (today - day).days < 42
        for session in ("AM", "PM"):
            code = "O" if recent and session == "PM" and day.weekday() in (3, 4) else ("/" if session == "AM" else "\\")
            sessions.append({"date": day.isoformat(), "session": session, "code": code})
    return {"code_set": "2024", "sessions": sessions}


def knowsley(database_url: str, tmp_path) -> None:
    """Knowsley Council under its own profile, one of its schools and their people, made as a deployment
    makes them."""
    runner = CliRunner(env={"DATABASE_URL": database_url, "VAR_DIR": str(tmp_path / "cli"),
                            "NEW_USER_PASSWORD": PASSWORD})
    for args in (
        ["create-la", "--name", "Knowsley Council", "--inbox", KNOWSLEY_INBOX, "--profile", "knowsley"],
        ["create-school", "--name", KN_SCHOOL, "--la", "Knowsley Council"],
        ["create-user", "--email", OFFICE, "--name", "Joanne Kelly", "--role", "office", "--school", KN_SCHOOL],
        ["create-user", "--email", HEAD, "--name", "Daniel Hughes", "--role", "headteacher", "--school", KN_SCHOOL],
        ["create-user", "--email", OFFICER, "--name", "Carol Byrne", "--role", "la_officer",
         "--la", "Knowsley Council"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)


def test_a_statutory_referral_reaches_knowsleys_inbox(app, client, smtp_sink, database_url, tmp_path):
    app.config["SMTP_URL"] = smtp_sink.url
    knowsley(database_url, tmp_path)
    office, head = bearer(api_token(client, OFFICE)), bearer(api_token(client, HEAD))
    data = todays_referral()

    created = client.post(f"{API}/referrals", headers=office,
                          json={"form": FORM_ID, "data": data, "register": register_json()})
    assert created.status_code == 201, created.get_json()
    referral = created.get_json()
    rid, reference = referral["id"], referral["reference"]
    assert referral["status"] == "draft" and reference.startswith("SRF")
    # Without the evidence of the casework the referral cannot go: the rule says what is missing.
    blocked = {r["id"]: r for r in referral["eligibility"]["rules"] if r["status"] in BLOCKING}
    assert set(blocked) == {"statutory_casework_evidence"}, blocked
    refused = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert refused.status_code == 422
    assert "statutory_casework_evidence" in {r["id"] for r in refused.get_json()["rules"]}

    for kind in EVIDENCE_KINDS:
        up = client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                         data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")})
        assert up.status_code == 201, up.get_json()
    verdict = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["eligibility"]
    assert verdict["eligible"] is True, [r for r in verdict["rules"] if r["status"] in BLOCKING]
    statuses = {r["id"]: r["status"] for r in verdict["rules"]}
    assert statuses["statutory_level2_weeks"] == statuses["statutory_penalty_notice_threshold"] == "pass"
    assert statuses["attendance_this_year"] == "pass"

    submitted = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "awaiting_signoff"
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head,
                         json={"name": "Daniel Hughes", "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["status"] == "signed" and signed.get_json()["delivery"]["state"] == "queued"

    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off", then the pack
        assert deliver_due() == 0
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["delivery"]["state"] == "sent"

    [message] = [m for m in smtp_sink.messages() if m["To"] == KNOWSLEY_INBOX]
    assert reference in message["Subject"] and "Statutory Referral Form" in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Kayden" not in body and "Moran" not in body  # initials only in an email body
    files = {name: content for name, _, content in attachments(message)}
    assert sum(1 for name in files if name.startswith("evidence-")) == len(EVIDENCE_KINDS)
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        flat = squash(read(files[f"{reference}-{FORM_ID}.{fmt}"]))
        for words in ("Statutory Referral Form: referral to the Statutory Officer", "Kayden Moran", KN_SCHOOL,
                      "Knowsley Council", "Signed electronically by Daniel Hughes", "(counted from the register)",
                      "Attendance Improvement Meeting (AIM)", f"Return to {KNOWSLEY_INBOX}"):
            assert words in flat, (fmt, words)
        assert "DRAFT" not in flat, fmt

    # The Statutory Officer sees it in Knowsley's inbox; the demo LA's officer does not.
    officer = bearer(api_token(client, OFFICER))
    listing = client.get(f"{API}/referrals", headers=officer).get_json()["referrals"]
    assert [r["reference"] for r in listing] == [reference]
    assert reference not in [r["reference"] for r in client.get(
        f"{API}/referrals", headers=bearer(api_token(client, "officer@demo.la"))).get_json()["referrals"]]
    login(client, OFFICER)
    assert reference in text(client.get("/la/referrals"))


def test_refused_under_any_other_profile(client):
    """The demo school's LA works under England's national profile: the form is not offered, and the
    eligibility check names the profile it is used under."""
    office = bearer(api_token(client, "office@demo.school"))
    created = client.post(f"{API}/referrals", headers=office, json={"form": FORM_ID, "data": todays_referral()})
    assert created.status_code == 422
    assert "Knowsley" in json.dumps(created.get_json()["errors"]["form"])
    for profile in ("national-2024", "stockport", "peterborough"):
        response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                               json={"data": todays_referral(), "profile": profile})
        assert response.status_code == 422
        assert "choose the profile knowsley" in json.dumps(response.get_json()["errors"]["profile"])
    wales = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                        json={"data": todays_referral(), "profile": "cardiff"})
    assert wales.status_code == 422 and "law of Wales" in json.dumps(wales.get_json()["errors"])
    ok = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                     json={"data": todays_referral(), "profile": "knowsley"})
    assert ok.status_code == 200 and [r["id"] for r in ok.get_json()["rules"]] == list(FORM.rules)


def test_the_catalogue_lists_the_form_with_its_fields(client):
    office = bearer(api_token(client, "office@demo.school"))
    forms = {f["id"]: f for f in client.get(f"{API}/forms", headers=office).get_json()["forms"]}
    entry = forms[FORM_ID]
    assert entry["profiles"] == ["knowsley"] and entry["jurisdictions"] == ["england"]
    names = {f["name"] for f in entry["fields"]}
    assert {"level2_meetings", "early_help_assessment_date", "historical_attendance"} <= names


def test_the_question_pages_as_a_knowsley_school_answers_them(app, client, database_url, tmp_path):
    """The office answers every page; a meeting that is not one of the three is named in the error
    summary; the check page shows the rules in words."""
    knowsley(database_url, tmp_path)
    login(client, OFFICE)
    response = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert response.status_code == 302 and response.location.endswith("/pages/pupil")
    base = re.search(r"(/referrals/\d+)/", response.location).group(1)
    data = todays_referral()
    pupil, mother = data["pupil"], data["parents"][0]
    action, aim, review = data["level1_actions"][0], data["level2_meetings"][0], data["level2_meetings"][2]
    answers = {
        "pupil": {"pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
                  "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__upn": pupil["upn"],
                  "pupil__year_group": pupil["year_group"], "pupil__address": pupil["address"]},
        "parents": {"parents-0-name": mother["name"], "parents-0-date_of_birth": date_parts(mother["date_of_birth"]),
                    "parents-0-relationship": "mother", "parents-0-address": ""},
        "referrer": {"referred_by": "school", "referrer_name": data["referrer_name"],
                     "school_has_knowsley_sla": "no", "sla_provider": data["sla_provider"]},
        "level1": {"level1_actions-0-action": action["action"], "level1_actions-0-date": date_parts(action["date"]),
                   "level1_actions-0-outcome": action["outcome"],
                   "early_help_assessment_date": date_parts(data["early_help_assessment_date"]),
                   "early_help_assessment_outcome": ""},
        "level2": {"level2_meetings-0-kind": "aim", "level2_meetings-0-date": date_parts(aim["date"]),
                   "level2_meetings-0-attended_by": aim["attended_by"], "level2_meetings-0-outcome": aim["outcome"],
                   "level2_meetings-1-kind": "aim_review", "level2_meetings-1-date": date_parts(review["date"]),
                   "level2_meetings-1-attended_by": review["attended_by"],
                   "level2_meetings-1-outcome": review["outcome"],
                   "action_plan": data["action_plan"], "level2_outcome": data["level2_outcome"],
                   "needs_risks_increased": "no", "needs_risks_details": ""},
        "background": {name: data[name] for name in ("historical_attendance", "siblings", "behaviour", "send",
                                                     "gp_medical", "pastoral_support", "multi_agency_support")},
        "attendance": {"figures__attendance_pct": "84.6", "figures__unauthorised_sessions_10wk": "12",
                       "referral_date": date_parts(data["referral_date"])},
    }
    assert list(answers) == [page.id for page in FORM.pages]

    refused = post_page(client, f"{base}/pages/level2", {**answers["level2"], "level2_meetings-0-kind": "phone_call"})
    assert refused.status_code == 422
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', text(refused), re.S)
    assert summary and "Select which meeting it was" in summary.group(0)

    for page_id, answer in answers.items():
        response = post_page(client, f"{base}/pages/{page_id}", answer)
        assert response.status_code == 302, (page_id, text(response)[:3000])
    check = html_lib.unescape(text(client.get(f"{base}/check")))
    for words in ("An Early Help Assessment was completed before Level 2",
                  "Level 2 work ran for long enough before the step up", "The evidence of the casework is attached",
                  "Not yet attached: Minutes of the AIM and TAF meetings"):
        assert words in check, words
