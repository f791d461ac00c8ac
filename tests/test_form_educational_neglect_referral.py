"""Knowsley's referral for educational neglect (004, Appendix D; Level 4): the declaration (Knowsley's own
paperwork), its DOCX and PDF with the words MASH looks for, each rule at its boundaries from realistic
register marks, bad input named by its field, and the journey under the `knowsley` profile through the
API, the head's sign-off and delivery to the LA's inbox; refused under any other profile.

The sample (tests/samples/educational-neglect-referral.json) is Kayden Walsh, Year 9 at a Huyton secondary
school in 2025/26, referred on Friday 6 March 2026 after the Attendance Vulnerable Children Group met on
Wednesday 4 March. The test calendar (tests/support/registers.py) has the spring half term in the week of
16 February 2026 (closed, `#`).
"""
from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import io
import json
import re

import docx
import pytest
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.delivery.outbox import deliver_due
from forms_service.documents.context import build_context
from forms_service.policies import load_profile
from forms_service.rules import evaluate
from forms_service.rules.titles import TITLES

from support.doctext import docx_text, pdf_text, render_docx_and_pdf, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, date_parts, login, post_page, set_profile, shift_dates, text
from support.registers import D, PupilRegister, typical_pupil
from support.smtp_server import attachments, smtp_sink  # noqa: F401  (fixture)

FORM_ID = "educational-neglect-referral"
API = "/api/v1"
SCHOOL = {"name": "Lord Derby Academy"}
LA = {"name": "Knowsley Council", "inbox": "mash-referrals@knowsley.invalid", "jurisdiction": "england"}
REFERENCE = "ENR-2026-000004"
SIGNATURE = {"name": "Mr Gary Roberts", "role": "Headteacher",
             "signed_at": dt.datetime(2026, 3, 6, 11, 40, tzinfo=dt.timezone.utc)}  # GMT: 11:40am
CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference=REFERENCE, today=D(2026, 3, 6), profile="knowsley")
FORM = CASE.form
RULES = ["compulsory_school_age", "attendance_this_year", "neglect_engagement_evidence", "neglect_statutory_half_term",
         "neglect_screening_tool", "neglect_avcg_recommended"]


def judge(data=None, *, register=None, today=None, profile="knowsley"):
    data = CASE.sample() if data is None else data
    return evaluate(FORM, data, register=register, profile=load_profile(profile), today=today or CASE.today)


def outcome(data=None, rule_id=None, **kwargs):
    return judge(data, **kwargs).rule(rule_id)


# --- the declaration ----------------------------------------------------------------------------------

def test_the_form_is_knowsleys_own_referral_citing_appendix_d():
    assert FORM.kind == "referral" and FORM.sends_to_la and FORM.reference_prefix == "ENR"
    assert FORM.profiles == ("knowsley",) and FORM.jurisdictions == ("england",)
    assert FORM.raw["sample_profile"] == "knowsley" and FORM.raw["signed_by"] == "headteacher"
    assert FORM.source.startswith("004, Appendix D") and "Level 4" in FORM.source
    assert list(FORM.rules) == RULES and all(rule in TITLES for rule in RULES)
    assert FORM.used_under(load_profile("knowsley"))
    assert not FORM.used_under(load_profile("national-2024")) and not FORM.used_under(load_profile("stockport"))
    assert not FORM.used_under(load_profile("cardiff"))
    assert any("service's own" in line and "MARF" in line for line in FORM.intro)
    assert "Attendance Vulnerable Children Group has recommended" in FORM.declaration


def test_the_factors_are_the_twelve_of_appendix_d_and_at_least_one_is_needed():
    [factors] = [f for f in FORM.fields if f.name == "factors"]
    assert factors.required and factors.options["min_items"] == 1
    [factor] = [f for f in factors.item_fields if f.name == "factor"]
    labels = [c["label"] for c in factor.options["choices"]]
    assert len(labels) == 12 and "75% or below" in labels[6]
    assert [f.required for f in factors.item_fields] == [True, True]  # each factor with its details
    [referred_by] = [f for f in FORM.fields if f.name == "referred_by"]
    assert [c["label"] for c in referred_by.options["choices"]] == [
        "The school", "School Attendance Service", "Family First", "Early Help", "Children's Social Care"]


def test_the_profile_gives_the_numbers_with_their_sources():
    knowsley = load_profile("knowsley")
    assert knowsley.param("attendance_this_year", "max_pct", FORM_ID) == 75
    assert knowsley.param("attendance_this_year", "inclusive", FORM_ID) is True
    assert knowsley.param("attendance_this_year", "blocking", FORM_ID) is True
    assert knowsley.param("escalation_after", "statutory_half_terms") == 1
    assert "within a half term" in knowsley.param_source("escalation_after", "statutory_half_terms")


# --- the documents ---------------------------------------------------------------------------------------

READER_PHRASES = [
    "Referral for educational neglect (MARF to MASH)",
    "Source: 004, Appendix D (Knowsley MBC Educational Neglect Policy); Level 4: Social Care",
    "the wording of this form is the service's own",
    REFERENCE, "Lord Derby Academy", "Knowsley Council", "Date of referral 6 March 2026",
    "Recommended by the Attendance Vulnerable Children Group",
    "This referral has been recommended by the Attendance Vulnerable Children Group, which met on 4 March 2026 and "
    "decided that the threshold for an educational neglect referral has been met and that all agencies and services "
    "have tried all other avenues.",
    "Name of child Kayden Walsh", "8 November 2011", "Year 9", "K340212356018",
    "22 Longview Drive Huyton Liverpool L36 6EE",
    "Leanne Walsh (mother)", "Darren Walsh (father)", "41 Cherryfield Drive Kirkby Liverpool L32 8SA",
    "Mia Walsh 30 June 2016 A Huyton primary school, Year 4 Attendance 83% this year",
    "Alfie Walsh 12 September 2022 Not yet at school None given",
    "Referring service The school", "Referred by Mrs Joanne Kerr, Attendance lead", "Telephone or email 0151 477 8000",
    "Pupil engagement and attendance levels identified as seriously impeding their development: 75% or below "
    "Kayden's attendance is 68.4% this school year",
    "Parental failure to provide substantiated reasons for absences from school Mum reports illness",
    "Attendance 68.4%", "Authorised absence 12.2%", "Unauthorised absence 19.4%",
    "19 September 2025 Level 1: the school First day calls to mum",
    "Engaged in part: Mum answered about half the calls",
    "12 November 2025 Level 2: Early Help or the Traded Attendance Officer Attendance Improvement Meeting",
    "Refused or did not engage: Mum did not attend",
    "5 January 2026 Level 3: the Statutory Officer or Family First Statutory Officer's home visit",
    "The family refused to engage with the intervention at Levels 1, 2 and 3 No",
    "The Statutory Officer's work began on 5 January 2026", "Statutory Officer Mr Paul Dunne",
    "Screening tool used The GCP2 tool (Graded Care Profile 2)", "Completed on 25 February 2026",
    "Date of the Attendance Vulnerable Children Group meeting 4 March 2026",
    "The threshold for an educational neglect referral has been met Yes",
    "All agencies and services have tried all other avenues Yes",
    "the school to refer via the MARF into MASH",
    FORM.declaration,
    "Signed electronically by Mr Gary Roberts, Headteacher, on 6 March 2026 at 11:40am",
    "Return to mash-referrals@knowsley.invalid",
]


def context(data=None, *, signature=SIGNATURE, reference=REFERENCE):
    data = CASE.sample() if data is None else data
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=reference, signature=signature,
                         verdict=judge(data).to_dict(), evidence=[])


@pytest.fixture(scope="module")
def signed():
    return render_docx_and_pdf(FORM.documents[0], context())


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_referral_says_what_mash_looks_for(signed, fmt):
    flat = squash(signed[fmt])
    assert [p for p in READER_PHRASES if squash(p) not in flat] == []
    assert "DRAFT" not in signed[fmt] and "Penalty notice amounts" not in flat


def test_the_recommendation_comes_first_and_the_rows_follow_appendix_d(signed):
    order = ["Recommended by the Attendance Vulnerable Children Group", "Name of child", "Brothers and sisters",
             "Who is referring", "Factors of educational neglect", "Attendance this school year",
             "Attempts to engage the family at Levels 1, 2 and 3", "Level 3: the Statutory Officer's work",
             "Screening for neglect", "The Attendance Vulnerable Children Group's decision", "I confirm that",
             "Head Teacher Signature"]
    for fmt in ("docx", "pdf"):
        flat = squash(signed[fmt])
        positions = [flat.find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


def test_both_are_a4_and_the_pdf_names_itself(signed):
    for section in docx.Document(io.BytesIO(signed["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert PdfReader(io.BytesIO(signed["pdf_bytes"])).metadata.title == FORM.title


@pytest.mark.parametrize("changes, words", [
    ({"avcg_date": None, "avcg_threshold_met": None, "avcg_all_avenues_tried": None},
     "Not yet recorded: the Attendance Vulnerable Children Group's recommendation comes before this referral."),
    ({"avcg_threshold_met": False}, "Not recommended: the Attendance Vulnerable Children Group met on 4 March 2026"),
])
def test_the_marf_says_recommended_only_as_the_group_decided(changes, words):
    rendered = render_docx_and_pdf(FORM.documents[0], context(CASE.sample(**changes), signature=None, reference=None))
    for fmt in ("docx", "pdf"):
        flat = squash(rendered[fmt])
        assert squash(words) in flat and "This referral has been recommended" not in flat, fmt
        assert "DRAFT – not signed" in flat and "Not assigned yet" in flat, fmt


@pytest.mark.parametrize("data", [{}, {"factors": [{}], "engagement": [{"level": "9"}], "siblings": "two"},
                                  {"factors": "many", "parents": None, "figures": {"attendance_pct": True}}])
def test_partial_data_renders_in_both(data):
    ctx = build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=None, signature=None, verdict=None, evidence=[])
    rendered = render_docx_and_pdf(FORM.documents[0], ctx)
    for fmt in ("docx", "pdf"):
        assert "Not given" in rendered[fmt] and "educational neglect" in rendered[fmt], fmt


def test_user_text_is_printed_as_written_never_run():
    words = "<b>Kayden</b> {{ 7 * 7 }} {% if true %}yes{% endif %} & Co"
    data = CASE.sample(avcg_recommendation=words, factors=[{"factor": "off_rolled", "details": "{{ config }}"}])
    rendered = render_docx_and_pdf(FORM.documents[0], context(data))
    for fmt in ("docx", "pdf"):
        assert squash(words) in squash(rendered[fmt]), fmt
        assert "{{ config }}" in rendered[fmt] and "49" not in rendered[fmt], fmt


# --- attendance this school year: 75% or below (004, Appendix D) ---------------------------------------------

def absent_pupil(unauthorised: int, until: dt.date) -> PupilRegister:
    """The typical year (4 sessions of illness, an appointment and 1 unexplained absence in the autumn:
    6 sessions missed) and `unauthorised` more (O) from November to the day before `until`."""
    return typical_pupil().mark_sessions(unauthorised, "O", D(2025, 11, 3), until - dt.timedelta(days=1), seed=11)


@pytest.mark.parametrize("until, missed, attended, possible, shown, status", [
    # Thursday 11 June 2026: 166 open days since 1 September, 332 possible sessions.
    (D(2026, 6, 11), 83, 249, 332, "75%", "pass"),         # exactly 75%: "75% or below"
    # Friday 12 June 2026: 334 possible sessions.
    (D(2026, 6, 12), 84, 250, 334, "74.9%", "pass"),       # 74.85%, just under
    (D(2026, 6, 12), 83, 251, 334, "75.1%", "fail"),       # 75.15%, just over: refused
])
def test_attendance_at_or_below_75_percent_from_the_register(until, missed, attended, possible, shown, status):
    pupil = absent_pupil(missed - 6, until)
    register = pupil.build(until=until)
    result = outcome(CASE.sample(referral_date=until), "attendance_this_year", register=register, today=until)
    assert result.status == status, result.reason
    assert result.details["attended"] == attended and result.details["possible"] == possible
    assert result.reason.startswith(f"Attendance {shown} ({attended} of {possible} possible sessions) in 2025/26")
    assert "75% or below" in result.reason and "counted from the register" in result.reason
    if status == "fail":
        assert "cannot be used for this child" in result.reason
        assert not judge(CASE.sample(referral_date=until), register=register, today=until).eligible


@pytest.mark.parametrize("typed, status", [(74.9, "pass"), (75.0, "pass"), (75.1, "fail")])
def test_attendance_as_typed_without_marks(typed, status):
    result = outcome(CASE.sample(figures={"attendance_pct": typed}), "attendance_this_year")
    assert result.status == status and f"Attendance {typed:g}% this school year, as entered" in result.reason
    assert "75% or below" in result.reason


def test_attendance_not_given_is_missing_and_blocks():
    result = outcome(CASE.sample(figures={}), "attendance_this_year")
    assert result.status == "missing" and "75% or below" in result.reason


# --- attempts to engage the family (substantial evidence) ----------------------------------------------------

def attempts(*items):
    return [{"level": level, "date": when, "action": "Home visit", "response": response}
            for level, when, response in items]


def test_an_attempt_at_each_level_before_the_referral_passes():
    result = outcome(None, "neglect_engagement_evidence")
    assert result.status == "pass" and result.details["by_level"] == {"1": 2, "2": 2, "3": 2}
    assert "6 attempts to engage the family" in result.reason and "refused or did not engage 3 times" in result.reason


@pytest.mark.parametrize("level3, status", [(D(2026, 3, 5), "pass"), (D(2026, 3, 6), "fail"), (D(2026, 3, 9), "fail")])
def test_the_level_3_attempt_counts_only_before_the_referral(level3, status):
    data = CASE.sample(engagement=attempts(("1", D(2025, 10, 8), "engaged"), ("2", D(2025, 11, 12), "refused"),
                                           ("3", level3, "refused")), referral_date=D(2026, 3, 6))
    result = outcome(data, "neglect_engagement_evidence", today=D(2026, 3, 9))
    assert result.status == status, result.reason
    if status == "fail":
        assert "There is no attempt at Level 3" in result.reason and "not counted" in result.reason
        assert "substantial evidence of attempts to engage the family" in result.reason


def test_no_attempts_listed_is_missing_and_a_level_without_one_is_named():
    assert outcome(CASE.sample(engagement=[]), "neglect_engagement_evidence").status == "missing"
    only_school = CASE.sample(engagement=attempts(("1", D(2025, 10, 8), "engaged")))
    result = outcome(only_school, "neglect_engagement_evidence")
    assert result.status == "fail" and "no attempt at Level 2 and Level 3" in result.reason
    assert result.source.startswith("004, Appendix D")


# --- a half term of the Statutory Officer's work (004, Level 4), or refusal ------------------------------------

@pytest.mark.parametrize("referral, days, status, words", [
    # From Monday 5 January 2026: 29 school days to Friday 13 February, the half term week closed.
    (D(2026, 2, 13), 29, "fail", "the register shows no week without school days since, so the half term has not "
                                 "ended, and 29 school days are fewer than the 30 school days"),
    (D(2026, 2, 20), 29, "fail", "no school in the week of 16 February 2026), but 29 school days are fewer than "
                                 "the 30 school days (6 school weeks)"),
    (D(2026, 2, 23), 30, "pass", "no school in the week of 16 February 2026): the case may be escalated"),
    (D(2026, 2, 24), 31, "pass", "no school in the week of 16 February 2026): the case may be escalated"),
])
def test_the_half_term_and_six_school_weeks_are_read_from_the_register(referral, days, status, words):
    """The half term week is not school: six school weeks from 5 January end on 23 February, not 16."""
    register = absent_pupil(40, referral).build(until=referral)
    data = CASE.sample(statutory_work_start=D(2026, 1, 5), referral_date=referral,
                       screening_date=D(2026, 1, 28), avcg_date=referral - dt.timedelta(days=1))
    result = outcome(data, "neglect_statutory_half_term", register=register, today=referral)
    assert result.status == status, result.reason
    assert result.details["from"] == "register" and result.details["school_days"] == days
    assert words in result.reason and f"{days} school days before this referral (counted from the register)" \
        in result.reason
    if status == "fail":
        assert "has not yet had a half term" in result.reason


def test_six_school_weeks_within_one_half_term_are_not_a_half_term():
    """From 3 November 2025, 30 school days end on Monday 15 December; the half term ends at Christmas."""
    for referral, status in ((D(2025, 12, 15), "fail"), (D(2026, 1, 5), "pass")):
        register = absent_pupil(20, referral).build(until=referral)
        data = CASE.sample(statutory_work_start=D(2025, 11, 3), referral_date=referral)
        result = outcome(data, "neglect_statutory_half_term", register=register, today=referral)
        assert result.status == status, result.reason
        if status == "fail":
            assert result.details["school_days"] == 30 and "so the half term has not ended" in result.reason
        else:
            assert "the week of 22 December 2025" in result.reason


def test_work_begun_in_a_half_terms_last_week_has_not_had_a_half_term_at_the_break():
    referral = D(2026, 2, 23)
    register = absent_pupil(20, referral).build(until=referral)
    data = CASE.sample(statutory_work_start=D(2026, 2, 9), referral_date=referral)
    result = outcome(data, "neglect_statutory_half_term", register=register, today=referral)
    assert result.status == "fail" and "but 5 school days are fewer than the 30" in result.reason


def test_the_christmas_holiday_is_one_break_and_not_school_days():
    """Work begun on 17 November 2025: 24 school days to 19 December, none over Christmas, 6 more to
    Monday 12 January 2026."""
    for referral, status in ((D(2026, 1, 9), "fail"), (D(2026, 1, 12), "pass")):
        register = absent_pupil(30, referral).build(until=referral)
        data = CASE.sample(statutory_work_start=D(2025, 11, 17), referral_date=referral)
        result = outcome(data, "neglect_statutory_half_term", register=register, today=referral)
        assert result.status == status, result.reason
        assert result.details["breaks"] == ["2025-12-22"]
        assert "the week of 22 December 2025" in result.reason


@pytest.mark.parametrize("referral, days, status", [
    # From Monday 5 January 2026, counting weekdays (no bank holidays in January or February).
    (D(2026, 2, 13), 29, "fail"),
    (D(2026, 2, 16), 30, "pass"),
    (D(2026, 2, 17), 31, "pass"),
])
def test_without_marks_six_school_weeks_are_counted_and_the_reason_says_why(referral, days, status):
    data = CASE.sample(statutory_work_start=D(2026, 1, 5), referral_date=referral)
    result = outcome(data, "neglect_statutory_half_term", today=referral)
    assert result.status == status and result.details["school_days"] == days and result.details["from"] == "calendar"
    assert "Half terms are known only from the register's marks" in result.reason
    assert "6 school weeks (30 school days" in result.reason


def test_marks_that_stop_before_the_half_term_ends_fall_back_to_the_calendar():
    register = absent_pupil(20, D(2026, 2, 6)).build(until=D(2026, 2, 6))
    data = CASE.sample(statutory_work_start=D(2026, 1, 5), referral_date=D(2026, 3, 6))
    result = outcome(data, "neglect_statutory_half_term", register=register)
    assert result.status == "pass" and result.details["from"] == "calendar"


def test_a_family_that_refused_to_engage_need_not_wait_for_a_half_term():
    data = CASE.sample(family_refused_engagement=True, statutory_work_start=None)
    result = outcome(data, "neglect_statutory_half_term")
    assert result.status == "pass" and "refused to engage with the intervention at Levels 1, 2 and 3" in result.reason
    assert "004, Level 4" in result.source and "Appendix D" in result.source


def test_statutory_work_not_dated_is_missing_and_work_from_the_referral_date_fails():
    assert outcome(CASE.sample(statutory_work_start=None), "neglect_statutory_half_term").status == "missing"
    result = outcome(CASE.sample(statutory_work_start=D(2026, 3, 6)), "neglect_statutory_half_term")
    assert result.status == "fail" and "not before this referral" in result.reason


# --- the screening tool ("should be used": advisory) ------------------------------------------------------

@pytest.mark.parametrize("changes, status, words", [
    ({"screening_date": D(2026, 3, 4)}, "pass", "completed on 4 March 2026, before the Attendance Vulnerable"),
    ({"screening_date": D(2026, 3, 5)}, "advisory", "after the Attendance Vulnerable Children Group met"),
    ({"screening_tool": "none", "screening_date": None}, "advisory", "Neither screening tool was used"),
    ({"screening_tool": None, "screening_date": None}, "advisory", "No screening tool is recorded"),
    ({"screening_tool": "neglect_screening", "avcg_date": None, "screening_date": D(2026, 3, 6)}, "pass",
     "The Neglect screening tool was completed on 6 March 2026, before this referral"),
])
def test_the_screening_tool_is_advisory_and_never_blocks(changes, status, words):
    data = CASE.sample(**changes)
    result = outcome(data, "neglect_screening_tool")
    assert result.status == status and words in result.reason
    if "avcg_date" not in changes:
        assert judge(data).eligible


# --- the Attendance Vulnerable Children Group's recommendation ------------------------------------------------

@pytest.mark.parametrize("changes, status, words", [
    ({"avcg_date": D(2026, 3, 6)}, "pass", "met on 6 March 2026"),            # the same day
    ({"avcg_date": D(2026, 3, 5)}, "pass", "recommended this referral"),
    ({"avcg_date": D(2026, 3, 9)}, "fail", "after this referral"),
    ({"avcg_date": None}, "missing", "meeting is not given"),
    ({"avcg_threshold_met": None}, "missing", "threshold for an educational neglect referral has been met is not"),
    ({"avcg_all_avenues_tried": None}, "missing", "all agencies have tried all other avenues is not recorded"),
    ({"avcg_threshold_met": False}, "fail", "has not been met: it cannot be made"),
    ({"avcg_all_avenues_tried": False}, "fail", "not all agencies have tried all other avenues"),
])
def test_the_group_must_have_recommended_the_referral(changes, status, words):
    data = CASE.sample(**changes)
    result = outcome(data, "neglect_avcg_recommended", today=D(2026, 3, 9))
    assert result.status == status and words in result.reason, result.reason
    assert judge(data, today=D(2026, 3, 9)).eligible is (status == "pass")


def test_the_sample_is_eligible_and_a_child_past_school_age_is_not():
    verdict = judge()
    assert verdict.eligible and [r.id for r in verdict.rules] == RULES
    assert {r.status for r in verdict.rules} == {"pass"}
    older = CASE.sample(pupil={**CASE.sample()["pupil"], "date_of_birth": D(2008, 3, 1)})
    assert judge(older).rule("compulsory_school_age").status == "fail"


# --- bad input, each error at its field -------------------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"factors": []}, ("factors",)),
    ({"factors": [{"factor": "poverty", "details": "Low income"}]}, ("factors", 0, "factor")),
    ({"factors": [{"factor": "off_rolled"}]}, ("factors", 0, "details")),
    ({"engagement": [{"level": "4", "date": "2026-01-05", "action": "Visit", "response": "engaged"}]},
     ("engagement", 0, "level")),
    ({"engagement": [{"level": "1", "date": "2026-01-05", "action": "Visit", "response": "maybe"}]},
     ("engagement", 0, "response")),
    ({"referred_by": "police"}, ("referred_by",)),
    ({"avcg_date": "4/3/2026"}, ("avcg_date",)),
    ({"avcg_threshold_met": "perhaps"}, ("avcg_threshold_met",)),
    ({"screening_date": None}, ("screening_date",)),
    ({"family_refused_engagement": None}, ("family_refused_engagement",)),
])
def test_bad_answers_are_named_by_their_field(change, path):
    raw = {**copy.deepcopy(CASE.json), **change}
    with pytest.raises(ValidationError) as caught:
        FORM.schema(complete=True).load(raw)
    node = caught.value.messages
    for part in path:
        node = node[part]
    assert node and all(isinstance(message, str) and message for message in node)


def test_bad_answers_through_the_api_are_422_naming_the_field(client, app):
    set_profile(app, "knowsley")
    office = bearer(api_token(client, "office@demo.school"))
    data = {**copy.deepcopy(CASE.json), "engagement": [{"level": "4", "date": "2026-01-05", "action": "x",
                                                         "response": "engaged"}]}
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office, json={"data": data, "profile": "knowsley"})
    assert response.status_code == 422 and "level" in json.dumps(response.get_json()["errors"])


# --- the journey under Knowsley, and refused elsewhere ------------------------------------------------------

SAMPLE_DATE = D(2026, 3, 6)


def todays_referral() -> dict:
    """The sample with every date moved so that the referral is dated today; its figures are left to the
    register."""
    data = shift_dates(copy.deepcopy(CASE.json), (dt.date.today() - SAMPLE_DATE).days)
    data.pop("figures")
    return data


def register_until_today() -> dict:
    """Twelve weeks of marks up to today: the week four weeks ago closed (`#`, a half term), Mondays and
    Fridays unexplained (O), the other days present."""
    today = dt.date.today()
    first = today - dt.timedelta(days=today.weekday(), weeks=11)
    closed = today - dt.timedelta(days=today.weekday(), weeks=4)
    sessions = []
    day = first
    while day <= today:
        if day.weekday() < 5:
            for session in ("AM", "PM"):
                if closed <= day < closed + dt.timedelta(days=5):
                    code = "#"
                elif day.weekday() in (0, 4):
                    code = "O"
                else:
                    code = "/" if session == "AM" else "\\"
                sessions.append({"date": day.isoformat(), "session": session, "code": code})
        day += dt.timedelta(days=1)
    return {"code_set": "2024", "sessions": sessions}


def test_a_knowsley_school_refers_and_the_pack_reaches_the_la(app, client, smtp_sink):
    app.config["SMTP_URL"] = smtp_sink.url
    set_profile(app, "knowsley")
    office, head = bearer(api_token(client, "office@demo.school")), bearer(api_token(client, "head@demo.school"))
    data = todays_referral()
    # Before the group has met, the referral cannot go: the rule says what is missing.
    draft = {**data, "avcg_date": None}
    created = client.post(f"{API}/referrals", headers=office,
                          json={"form": FORM_ID, "data": draft, "register": register_until_today()})
    assert created.status_code == 201, created.get_json()
    rid, reference = created.get_json()["id"], created.get_json()["reference"]
    assert reference.startswith("ENR")
    blocked = {r["id"] for r in created.get_json()["eligibility"]["rules"] if r["status"] in ("fail", "missing")}
    assert blocked == {"neglect_avcg_recommended"}
    refused = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert refused.status_code == 422 and "neglect_avcg_recommended" in json.dumps(refused.get_json())

    patched = client.patch(f"{API}/referrals/{rid}", headers=office, json={"data": data})
    assert patched.status_code == 200, patched.get_json()
    verdict = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["eligibility"]
    assert verdict["eligible"] is True, [r for r in verdict["rules"] if r["status"] != "pass"]
    rules = {r["id"]: r for r in verdict["rules"]}
    assert rules["neglect_statutory_half_term"]["details"]["from"] == "register"
    assert "counted from the register" in rules["attendance_this_year"]["reason"]
    attendance = rules["attendance_this_year"]["details"]
    shown = f"{round(attendance['attended'] * 100 / attendance['possible'], 1):g}%"

    submitted = client.post(f"{API}/referrals/{rid}/submit", headers=office)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "awaiting_signoff"
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head,
                         json={"name": "Harriet Head", "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["delivery"]["state"] == "queued"
    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off", then the pack
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["delivery"]["state"] == "sent"

    [message] = [m for m in smtp_sink.messages() if reference in (m["Subject"] or "") and "sign" not in m["Subject"]]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Kayden" not in body and "Walsh" not in body  # initials only in an email body
    files = {name: content for name, _, content in attachments(message)}
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        flat = squash(read(files[f"{reference}-{FORM_ID}.{fmt}"]))
        for words in ("Referral for educational neglect (MARF to MASH)", "Kayden Walsh",
                      "This referral has been recommended by the Attendance Vulnerable Children Group",
                      f"Attendance {shown}", "Signed electronically by Harriet Head"):
            assert words in flat, (fmt, words)
        assert "DRAFT" not in flat, fmt


@pytest.mark.parametrize("profile", ["national-2024", "stockport", "cardiff"])
def test_refused_under_any_other_profile(client, profile):
    office = bearer(api_token(client, "office@demo.school"))
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                           json={"data": todays_referral(), "profile": profile})
    assert response.status_code == 422, response.get_json()
    assert "profile" in response.get_json()["errors"]


def test_a_school_under_another_profile_cannot_start_it(client, app):
    set_profile(app, "stockport")
    office = bearer(api_token(client, "office@demo.school"))
    response = client.post(f"{API}/referrals", headers=office, json={"form": FORM_ID, "data": todays_referral()})
    assert response.status_code == 422, response.get_json()
    assert "is used in Knowsley (England)" in response.get_json()["errors"]["form"][0]


def test_the_question_pages_as_a_knowsley_school_answers_them(app, client):
    """The office answers every page; a factor not in the policy's list is named in the error summary; the
    check page shows the rules in words, the Attendance Vulnerable Children Group's among them."""
    set_profile(app, "knowsley")
    login(client, "office@demo.school")
    response = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert response.status_code == 302 and response.location.endswith("/pages/pupil")
    base = re.search(r"(/referrals/\d+)/", response.location).group(1)
    data = todays_referral()
    pupil, mother, sister = data["pupil"], data["parents"][0], data["siblings"][0]
    factor, attempt = data["factors"][0], data["engagement"]

    def attempts_page(rows):
        answer = {"family_refused_engagement": "no"}
        for i, row in enumerate(rows):
            answer.update({f"engagement-{i}-level": row["level"], f"engagement-{i}-date": date_parts(row["date"]),
                           f"engagement-{i}-action": row["action"], f"engagement-{i}-response": row["response"],
                           f"engagement-{i}-response_details": row.get("response_details", "")})
        return answer

    answers = {
        "pupil": {"pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
                  "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__upn": pupil["upn"],
                  "pupil__year_group": pupil["year_group"], "pupil__address": pupil["address"]},
        "parents": {"parents-0-name": mother["name"], "parents-0-date_of_birth": date_parts(mother["date_of_birth"]),
                    "parents-0-relationship": "mother", "parents-0-address": ""},
        "siblings": {"siblings-0-name": sister["name"], "siblings-0-date_of_birth": date_parts(sister["date_of_birth"]),
                     "siblings-0-school": sister["school"], "siblings-0-attendance_concerns": ""},
        "referrer": {"referred_by": "school", "referrer_name": data["referrer_name"],
                     "referrer_role": data["referrer_role"], "referrer_contact": ""},
        "factors": {"factors-0-factor": factor["factor"], "factors-0-details": factor["details"]},
        "attendance": {"figures__attendance_pct": "68.4", "referral_date": date_parts(data["referral_date"])},
        "engagement": attempts_page(attempt[::2]),
        "statutory": {"statutory_work_start": date_parts(data["statutory_work_start"]), "statutory_officer": "",
                      "statutory_outcome": ""},
        "screening": {"screening_tool": "gcp2", "screening_date": date_parts(data["screening_date"]),
                      "screening_outcome": ""},
        "avcg": {"avcg_date": date_parts(data["avcg_date"]), "avcg_threshold_met": "yes",
                 "avcg_all_avenues_tried": "yes", "avcg_recommendation": ""},
    }
    assert list(answers) == [page.id for page in FORM.pages]

    unsaid = post_page(client, f"{base}/pages/factors", {**answers["factors"], "factors-0-factor": "poverty"})
    assert unsaid.status_code == 422
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', text(unsaid), re.S)
    assert summary and "Select which factor of educational neglect applies" in summary.group(0)

    for page_id, answer in answers.items():
        response = post_page(client, f"{base}/pages/{page_id}", answer)
        assert response.status_code == 302, (page_id, text(response)[:3000])
    check = html_lib.unescape(text(client.get(f"{base}/check")))
    for words in (TITLES["neglect_avcg_recommended"], TITLES["neglect_engagement_evidence"],
                  TITLES["neglect_statutory_half_term"], "75% or below"):
        assert words in check, words


def test_marks_to_friday_cover_a_referral_dated_that_weekend():
    register = absent_pupil(20, D(2026, 2, 27)).build(until=D(2026, 2, 27))
    for referral, source in ((D(2026, 3, 1), "register"), (D(2026, 3, 2), "calendar")):
        data = CASE.sample(statutory_work_start=D(2026, 1, 5), referral_date=referral)
        result = outcome(data, "neglect_statutory_half_term", register=register, today=referral)
        assert result.status == "pass" and result.details["from"] == source, result.reason


def test_the_officer_checks_what_the_policy_asks_before_the_referral_goes_on_to_mash():
    """The LA officer's checks (as every referral has): one per thing Appendix D asks, the 75% and the group's
    recommendation among them, each in words (no field names)."""
    checks = {c["id"]: c["label"] for c in FORM.checklist}
    assert list(checks) == ["child_details", "parent_details", "referrer", "factors", "attendance", "engagement",
                            "statutory_work", "screening_tool", "avcg", "declaration"]
    assert "75% or below" in checks["attendance"] and "Attendance Vulnerable Children Group" in checks["avcg"]
    assert all("_" not in label for label in checks.values())
