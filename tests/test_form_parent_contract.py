"""The School Attendance Parent Contract and its Review (003, Appendix 3): one declaration, two
documents from one context, in DOCX and PDF; the Review only once the review meeting is recorded;
the seed's standard actions as editable defaults; and the school's journey on the web: the contract
at the meeting, then the same record again at the review.

The sample (tests/samples/parent-contract.json) is Lily-Mae Cartwright, Year 3 at a primary school in
2025/26. Her mother Gemma lives with her; her father Ryan at his own address. The contract was agreed
on Tuesday 20 January 2026 with a 5-week review period; the review was held on Tuesday 24 February
2026 (after the February half-term) and decided on a Re-Review.
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
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.documents.form_contexts.parent_contract import CONSENT, IF_MET, LEGAL_DUTY, time_text
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, render_docx_and_pdf, squash
from support.helpers import api_token, bearer, csrf, date_parts, login, text

FORM_ID = "parent-contract"
FORM = get_form(FORM_ID)
CONTRACT, REVIEW = FORM.documents
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Hamstel Junior School"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
API = "/api/v1"

TABLE_HEADINGS = [
    "Desired Outcomes and Attendance Actions for Parents",
    "Desired Outcomes and Attendance Actions for Student",
    "Desired Outcomes and Actions for School",
    "Desired Outcomes and Actions for other Agencies including the School Attendance Officer",
]
COLUMNS = ["Additional Information as to how the actions will be implemented", "By When",
           "Have Actions been met by the Review date Yes/No"]
# The seed's standard actions (003, Appendix 3), with "[delete as necessary]" resolved.
PARENT_ACTION_1 = "To ensure your child attends school every day and on time"
PARENT_ACTION_2 = ("You must contact the school either before or at the start of each day your child is going to be "
                   "absent from school. Medical evidence may be required for further absences due to illness to be "
                   "authorised")
PARENT_HOW_2 = ("Contact received from parent/carer in person, or via the absence telephone line, app or text "
                "messaging service Sight of the Antibiotics – Appointment Card stamped with GP details – Appointment "
                "Letters – Doctors Certificate – Any relevant information from GP, Medical professional, or Chemist")
STUDENT_ACTION = "To attend school every day on time"
SCHOOL_ACTION = "First Day Contact on days child is absent"
SCHOOL_HOW = ("To discuss with parent any concerns or worries the parent, child or school have throughout the review "
              "period and after")
STANDARD_ROWS = [
    f"{PARENT_ACTION_1} Every day",
    f"{PARENT_ACTION_2} {PARENT_HOW_2} Any time your child is off due to illness",
    f"{STUDENT_ACTION} Every day",
    f"{SCHOOL_ACTION} {SCHOOL_HOW} On going",
]
SIGNED_BY = ["SIGNED BY: PRINT NAME SIGNATURE", "Chair Mrs Joanne Whitfield", "Parent (1) Gemma Cartwright",
             "Parent (2) Ryan Cartwright", "School Representative Miss Priya Patel",
             "Other Representative Mr Tom Ashworth", "Student (if appropriate) Lily-Mae Cartwright"]
NEXT_STEPS = {
    "close": "Actions met and expected progress on attendance and punctuality at school - Close",
    "re_review": "Some progress and some actions met - Re-Review",
    "case_management": "Limited progress, child and family require additional/targeted support - commence case "
                       "management",
    "fast_track": "Little to no engagement and progress – refer under Fast Track",
}
HOSTILE = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\" {_{ _}} %}"


def loaded(raw: dict) -> dict:
    return FORM.schema(complete=True).load(raw)


def sample(**changes) -> dict:
    """The sample loaded through the schema, with top-level `changes` applied (None removes)."""
    data = loaded(copy.deepcopy(SAMPLE_JSON))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def raw(**changes) -> dict:
    data = copy.deepcopy(SAMPLE_JSON)
    data.update(changes)
    return data


def without_review(data: dict) -> dict:
    data = copy.deepcopy(data)
    data.pop("review", None)
    for name in ("parents", "student", "school", "other_agencies"):
        for item in data["actions"][name]:
            item.pop("met_at_review", None)
    return data


def context(data=None, reference="SAPC-2026-000042"):
    data = sample() if data is None else data
    verdict = evaluate(FORM, data, profile=load_profile("national-2024"), today=dt.date(2026, 2, 24))
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=reference, signature=None,
                         verdict=verdict.to_dict())


@pytest.fixture(scope="module")
def rendered():
    ctx = context()
    return {"contract": render_docx_and_pdf(CONTRACT, ctx), "review": render_docx_and_pdf(REVIEW, ctx)}


def messages(raw_data: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        FORM.schema(complete=True).load(raw_data)
    return caught.value.messages


# --- the declaration -------------------------------------------------------------------------------------

def test_the_declaration_is_a_school_agreement_with_a_review_document():
    assert (FORM.kind, FORM.source, FORM.reference_prefix, FORM.raw["signed_by"]) == (
        "agreement", "003, Appendix 3", "SAPC", "school")
    assert not FORM.sends_to_la and FORM.noun == "agreement"
    assert FORM.measure_from == "support_meeting_date"
    # The period a profile may set (issue 20: the Peterborough trust's 6 weeks, 001 Appendix B1).
    assert list(FORM.rules) == ["compulsory_school_age", "parent_contract_period"]
    assert FORM.evidence == () and FORM.checklist == () and FORM.declaration == ""
    assert CONTRACT == {"id": "parent-contract", "title": "School Attendance Parent Contract",
                        "docx": "parent-contract.docx", "html": "print/parent-contract.html"}
    assert REVIEW == {"id": "parent-contract-review", "title": "School Attendance Parent Contract - Review",
                      "docx": "parent-contract-review.docx", "html": "print/parent-contract-review.html",
                      "when": "review.held"}
    fields = {f.name: f for f in FORM.fields}
    assert [c["label"] for c in fields["review_period"].options["choices"]] == [
        "2 weeks", "3 weeks", "4 weeks", "5 weeks", "6 weeks"]
    assert [c["label"] for c in fields["review.next_step"].options["choices"]] == list(NEXT_STEPS.values())
    assert [c["value"] for c in fields["review.next_step"].options["choices"]] == list(NEXT_STEPS)
    for name in ("actions.parents", "actions.student", "actions.school", "actions.other_agencies"):
        assert [i.name for i in fields[name].item_fields] == ["action", "how", "by_when", "met_at_review"]
    # The review's answers are optional until the review is recorded, then required.
    review_fields = [f for f in FORM.fields if f.name.startswith("review.")]
    assert not any(f.required for f in review_fields)
    assert {f.name for f in review_fields if f.options.get("required_when") == {"review.held": [True]}} == {
        "review.meeting_date", "review.possible_sessions", "review.attended_sessions", "review.lates",
        "review.progress_evidence", "review.barriers_reduced", "review.new_barriers", "review.next_step"}
    # Register figures: to the meeting date for the contract, from it to the review for the Review.
    assert fields["figures.attendance_pct"].options["from_register"] == {"figure": "attendance_pct",
                                                                         "to": "support_meeting_date"}
    assert fields["review.lates"].options["from_register"] == {
        "figure": "late_marks", "from": "support_meeting_date", "to": "review.meeting_date"}
    assert "from_register" not in fields["figures.minutes_late"].options
    assert "Southend" not in json.dumps(FORM.raw)


def test_the_seeds_standard_actions_are_the_declared_defaults():
    fields = {f.name: f for f in FORM.fields}
    parents = fields["actions.parents"].options["default"]
    assert [(r["action"], r["by_when"]) for r in parents] == [
        (PARENT_ACTION_1, "Every day"), (PARENT_ACTION_2, "Any time your child is off due to illness")]
    assert "how" not in parents[0] and squash(parents[1]["how"]) == PARENT_HOW_2
    assert "[delete as necessary]" not in parents[1]["how"]
    assert fields["actions.student"].options["default"] == [{"action": STUDENT_ACTION, "by_when": "Every day"}]
    assert fields["actions.school"].options["default"] == [
        {"action": SCHOOL_ACTION, "how": SCHOOL_HOW, "by_when": "On going"}]
    assert "default" not in fields["actions.other_agencies"].options
    # The defaults are valid answers as they stand.
    # The defaults are valid answers as they stand (before the review asks whether each was met).
    for name in ("parents", "student", "school"):
        FORM.schema(complete=True).load({**without_review(SAMPLE_JSON), "actions": {
            **SAMPLE_JSON["actions"], name: fields[f"actions.{name}"].options["default"]}})


def test_the_sample_is_valid_and_the_child_is_of_compulsory_school_age():
    data = sample()
    assert data["support_meeting_date"] == dt.date(2026, 1, 20) and len(data["parents"]) == 2
    assert data["review"]["meeting_date"] == dt.date(2026, 2, 24)
    verdict = evaluate(FORM, data, profile=load_profile("national-2024"), today=dt.date(2026, 2, 24))
    assert verdict.eligible and verdict.rule("compulsory_school_age").status == "pass"
    assert [d["id"] for d in FORM.documents_for(data)] == ["parent-contract", "parent-contract-review"]


def test_a_contract_for_a_child_not_yet_of_compulsory_school_age_is_refused():
    """The contract warns of legal action under s.444(1) Education Act 1996, which applies only to a
    child of compulsory school age: a Reception child who is 4 is not yet."""
    data = sample(pupil={**SAMPLE_JSON["pupil"], "date_of_birth": dt.date(2021, 6, 2), "year_group": "Reception"})
    verdict = evaluate(FORM, data, profile=load_profile("national-2024"), today=dt.date(2026, 2, 24))
    assert not verdict.eligible and verdict.rule("compulsory_school_age").status == "fail"


# --- validation -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", ["2", "6"])
def test_a_review_period_of_2_to_6_weeks_is_accepted(period):
    data = loaded(raw(review_period=period))
    assert data["review_period"] == period
    assert f"\u2612 {period} weeks" in context(data)["contract"]["review_periods"]


@pytest.mark.parametrize("period", ["1", "7", "4.5", 4, "", "four"])
def test_any_other_review_period_is_refused_naming_the_field(period):
    """Only the seed's five boxes: not 1 or 7 weeks, not half weeks, and (as for every choice) the
    option's text value, so the number 4 is refused too."""
    assert messages(raw(review_period=period)) == {"review_period": ["Select the review period"]}


def test_a_review_period_is_required():
    data = raw()
    data.pop("review_period")
    assert messages(data) == {"review_period": ["Select the review period"]}


def test_the_review_date_cannot_be_before_the_meeting_but_may_be_the_same_day():
    assert messages(raw(review_date="2026-01-19"))["review_date"] == [
        "Review date must be the same as or after date of the meeting"]
    assert loaded(raw(review_date="2026-01-20"))["review_date"] == dt.date(2026, 1, 20)


@pytest.mark.parametrize("typed, printed", [("9:30am", "9:30am"), ("9.30 AM", "9:30am"), ("14:30", "2:30pm"),
                                            ("2pm", "2:00pm"), ("09:05", "9:05am"), ("12:00", "12 noon"),
                                            ("3.30 p.m.", "3:30pm"), ("15.30", "3:30pm")])
def test_the_review_time_is_taken_as_9_30am_or_14_30_and_printed_the_same_way(typed, printed):
    data = loaded(raw(review_time=typed))
    assert time_text(data["review_time"]) == printed
    assert context(data)["contract"]["review_when"] == f"Tuesday 24 February 2026 at {printed}"


@pytest.mark.parametrize("typed", ["25:00", "13pm", "noon", "9:3", "930"])
def test_a_time_that_is_not_one_is_refused(typed):
    assert messages(raw(review_time=typed)) == {"review_time": ["Enter the review time like 9:30am, 2pm or 14:30"]}


@pytest.mark.parametrize("field, value", [("attendance_pct", 100.1), ("authorised_pct", -1), ("unauthorised_pct", 5.75)])
def test_percentages_are_between_0_and_100_with_one_decimal_place(field, value):
    errors = messages(raw(figures={**SAMPLE_JSON["figures"], field: value}))
    assert list(errors) == ["figures"] and list(errors["figures"]) == [field]


def test_a_parent_needs_a_contact_number_that_is_one():
    parents = copy.deepcopy(SAMPLE_JSON["parents"])
    parents[1]["contact_number"] = "call Ryan"
    errors = messages(raw(parents=parents))
    assert errors == {"parents": {1: {"contact_number": [
        "Enter a contact number using digits and spaces only, like 01702 215000 or 07700 900123"]}}}


def test_the_contract_is_complete_without_a_review_and_the_review_pages_wait():
    data = loaded(without_review(SAMPLE_JSON))
    assert not data.get("review")
    assert [d["id"] for d in FORM.documents_for(data)] == ["parent-contract"]
    loaded({**without_review(SAMPLE_JSON), "review": {"held": False}})


def test_once_the_review_is_held_its_answers_are_required():
    unanswered = copy.deepcopy(without_review(SAMPLE_JSON))
    for rows in unanswered["actions"].values():
        for row in rows:
            row.pop("met_at_review", None)
    errors = messages({**unanswered, "review": {"held": True}})
    assert set(errors) == {"review", "actions"}
    # Each contract action's "Have Actions been met by the Review date" answer (003, Appendix 3).
    met = ["Select yes if this action has been met by the review date"]
    assert errors["actions"] == {name: {i: {"met_at_review": met} for i in range(len(rows))}
                                 for name, rows in unanswered["actions"].items() if rows}
    assert errors["review"] == {
        "meeting_date": ["Enter date of review meeting"],
        "possible_sessions": ["Enter possible number of sessions since the parent contract date"],
        "attended_sessions": ["Enter actual number of sessions attended"],
        "lates": ["Enter number of lates"],
        "progress_evidence": ["Enter is there evidence of progress against previously agreed actions for all parties?"],
        "barriers_reduced": ["Enter have these reduced the challenges and barriers to attending school?"],
        "new_barriers": ["Enter are there any new challenges or barriers that have arisen?"],
        "next_step": ["Select the appropriate next step"],
    }
    # A draft may wait.
    FORM.schema(complete=False).load({**without_review(SAMPLE_JSON), "review": {"held": True}})


def test_the_review_meeting_is_after_the_contract_and_not_in_the_future():
    review = SAMPLE_JSON["review"]
    early = messages(raw(review={**review, "meeting_date": "2026-01-19"}))
    assert early["review"]["meeting_date"] == ["Date of review meeting must be the same as or after date of the meeting"]
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    late = messages(raw(review={**review, "meeting_date": future}))
    assert "Date of review meeting must be today or in the past" in late["review"]["meeting_date"]


def test_sessions_attended_and_lates_cannot_exceed_the_possible_sessions():
    errors = messages(raw(review={**SAMPLE_JSON["review"], "attended_sessions": 43, "lates": 50}))
    assert errors["review"]["attended_sessions"] == [
        "Actual number of sessions attended cannot be more than possible number of sessions since the parent "
        "contract date (42)"]
    assert "Number of lates cannot be more than" in errors["review"]["lates"][0]


# --- the contract ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_contract_has_the_seeds_details_tables_standard_actions_consent_and_signatures(rendered, fmt):
    words = rendered["contract"][fmt]
    for phrase in [
        "School Attendance Parent Contract", "Reference SAPC-2026-000042", "School Hamstel Junior School",
        "Date of Meeting 20 January 2026", "Pupil Name Lily-Mae Cartwright", "Date of Birth 14 May 2018",
        "Year Group Year 3", "Number of sessions missed to date 24", "Number of minutes late to date 135",
        "Current Attendance 86.4%", "Authorised Absence 8%", "Unauthorised Absence 5.7%",
        "Parent's Name Gemma Cartwright Date of Birth 2 August 1991 Address 27 Hamstel Road Southend-on-Sea SS2 4LB "
        "Contact Number 07700 900481",
        "Parent's Name Ryan Cartwright Date of Birth 27 March 1989 Address Flat 2, 61 Ridgeway Westcliff-on-Sea "
        "SS0 8NU Contact Number 07700 900736",
        "Review Period \u2610 2 weeks \u2610 3 weeks \u2610 4 weeks \u2612 5 weeks \u2610 6 weeks",
        "Review Date & Time Tuesday 24 February 2026 at 3:30pm",
        "Please complete with as much information as you can so a comprehensive plan can be put into place to "
        "support the family in improving and maintaining good attendance.",
        "What are the challenges, and barriers to attending school? Since her baby brother was born in October",
        *[f"{heading} {' '.join(COLUMNS)}" for heading in TABLE_HEADINGS],
        *STANDARD_ROWS,
        "Offer Lily-Mae a free place at Breakfast Club Funded from the pupil premium; Breakfast Club opens at 8:00am "
        "in the school hall From Monday 26 January 2026 Yes",
        "School Attendance Officer to visit the family at home to talk through the morning routine 13 February 2026 No",
        LEGAL_DUTY, IF_MET, "Parent's consent to information sharing", CONSENT,
        " ".join(SIGNED_BY),
    ]:
        assert squash(phrase) in words, phrase
    assert "Section 444(1) Education Act 1996" in words
    # The school's own agreement: no DRAFT marking, nothing left unanswered, no Review in it.
    assert "DRAFT" not in words and "Not given" not in words and "Re-Review" not in words


def test_the_contract_reads_in_the_seed_order(rendered):
    order = ["School Attendance Parent Contract", "Date of Meeting", "Pupil Name", "Number of sessions missed",
             "Current Attendance", "Gemma Cartwright", "Ryan Cartwright", "Review Period", "Review Date & Time",
             "What are the challenges", *TABLE_HEADINGS, "All parents have a legal duty", "If the attendance actions",
             "Parent's consent to information sharing", "SIGNED BY:", "Chair", "Student (if appropriate)"]
    for fmt in ("docx", "pdf"):
        positions = [rendered["contract"][fmt].find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


def test_the_contract_leaves_the_signature_cells_empty_for_signing_by_hand(rendered):
    document = docx.Document(io.BytesIO(rendered["contract"]["docx_bytes"]))
    table = document.tables[-1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [["", "PRINT NAME", "SIGNATURE"], ["Chair", "Mrs Joanne Whitfield", ""],
                    ["Parent (1)", "Gemma Cartwright", ""], ["Parent (2)", "Ryan Cartwright", ""],
                    ["School Representative", "Miss Priya Patel", ""], ["Other Representative", "Mr Tom Ashworth", ""],
                    ["Student (if appropriate)", "Lily-Mae Cartwright", ""]]


def test_before_the_review_the_met_column_is_left_for_the_pen():
    ctx = context(loaded(without_review(SAMPLE_JSON)))
    assert {row["met"] for table in ctx["contract"]["tables"] for row in table["rows"]} == {""}
    both = render_docx_and_pdf(CONTRACT, ctx)
    for fmt in ("docx", "pdf"):
        assert f"{PARENT_ACTION_1} Every day {COLUMNS[0]}" not in both[fmt]  # nothing between the rows
        assert squash(f"{PARENT_ACTION_1} Every day {PARENT_ACTION_2}") in both[fmt]
        assert "Not given" not in both[fmt]
        assert "Yes" not in both[fmt].replace(COLUMNS[2], "")


def test_a_fresh_draft_shows_the_seeds_standard_actions():
    """With no actions answered yet, the preview shows the declaration's standard rows; an empty
    table (every row removed, or other agencies) reads None."""
    both = render_docx_and_pdf(CONTRACT, build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None,
                                                       signature=None))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        for row in STANDARD_ROWS:
            assert squash(row) in words, (fmt, row)
        assert f"{' '.join(COLUMNS)} None" in words  # other agencies: none by default
        assert "Pupil Name Not given" in words and "Review Date & Time Not given" in words
        assert "Review Period \u2610 2 weeks \u2610 3 weeks \u2610 4 weeks \u2610 5 weeks \u2610 6 weeks" in words
        assert "Chair Not given Parent (1) Not given School Representative Not given" in words
        assert "DRAFT" not in words and "Reference Not assigned yet" in words


def test_edited_and_removed_standard_actions_are_printed_as_edited():
    actions = copy.deepcopy(SAMPLE_JSON["actions"])
    actions["parents"] = [{"action": "To ensure Lily-Mae attends school every day and arrives by 8:45am",
                           "how": "Mum to use the Breakfast Club drop-off at 8:15am", "by_when": "Every school day",
                           "met_at_review": True}]
    actions["student"] = []
    actions["school"][0]["how"] = "Miss Patel phones Mum by 9:30am on each day of absence"
    data = loaded(raw(actions=actions))
    both = render_docx_and_pdf(CONTRACT, context(data))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert ("To ensure Lily-Mae attends school every day and arrives by 8:45am Mum to use the Breakfast Club "
                "drop-off at 8:15am Every school day") in words
        assert PARENT_ACTION_1 not in words and "Medical evidence may be required" not in words
        assert f"{TABLE_HEADINGS[1]} {' '.join(COLUMNS)} None {TABLE_HEADINGS[2]}" in words
        assert STUDENT_ACTION not in words
        assert f"{SCHOOL_ACTION} Miss Patel phones Mum by 9:30am on each day of absence On going Yes" in words
        assert SCHOOL_HOW not in words


def test_one_parent_no_other_representative_and_a_child_who_does_not_sign():
    data = sample(parents=sample()["parents"][:1],
                  signatories={**SAMPLE_JSON["signatories"], "other_representative": "", "student_signs": False})
    data["signatories"].pop("other_representative")
    ctx = context(data)
    both = render_docx_and_pdf(CONTRACT, ctx)
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert ("Chair Mrs Joanne Whitfield Parent (1) Gemma Cartwright School Representative Miss Priya Patel "
                "Other Representative Not applicable Student (if appropriate) Not applicable") in words
        assert "Parent (2)" not in words and "Ryan Cartwright" not in words


def test_hostile_text_is_printed_literally():
    actions = copy.deepcopy(SAMPLE_JSON["actions"])
    actions["other_agencies"][0]["how"] = HOSTILE
    data = loaded(raw(barriers=f"Worries & <b>fears</b> {HOSTILE}", actions=actions,
                      signatories={**SAMPLE_JSON["signatories"], "chair": "O'Brien <Chair> & Co"}))
    for doc in (CONTRACT, REVIEW):
        both = render_docx_and_pdf(doc, context(data))
        for fmt in ("docx", "pdf"):
            assert "O'Brien <Chair> & Co" in both[fmt]
            if doc is CONTRACT:
                assert squash(HOSTILE) in both[fmt] and "Worries & <b>fears</b>" in both[fmt]
            assert "49" not in both[fmt]


# --- the Review --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_review_has_the_seeds_figures_questions_actions_next_step_and_signatures(rendered, fmt):
    words = rendered["review"][fmt]
    for phrase in [
        "School Attendance Parent Contract - Review", "Reference SAPC-2026-000042", "Pupil Name Lily-Mae Cartwright",
        "Parent/Carer Gemma Cartwright (mother) Parent/Carer Ryan Cartwright (father)",
        "Parent Contract Date 20 January 2026", "Date of Review Meeting 24 February 2026",
        "Possible number of sessions since Parent Contract Date 42", "Actual Number of sessions attended 38",
        "Number of lates 3",
        "Is there evidence of progress against previously agreed actions for all parties? Yes. Lily-Mae has used "
        "Breakfast Club on most days",
        "Have these reduced the challenges and barriers to attending school? Partly.",
        "Are there any new challenges or barriers that have arisen? None",
        f"Parents {PARENT_ACTION_1} No", f"Parents {PARENT_ACTION_2} Yes", f"Student {STUDENT_ACTION} No",
        f"School {SCHOOL_ACTION} Yes",
        "Other Agencies School Attendance Officer to visit the family at home to talk through the morning routine No",
        "Any new or outstanding actions to be completed Additional Information as to how the actions will be "
        "implemented By When School Attendance Officer to complete the home visit Visit booked with Mum for after "
        "the school run 3 March 2026",
        "What is the appropriate next step:",
        f"\u2610 {NEXT_STEPS['close']} \u2612 {NEXT_STEPS['re_review']} \u2610 {NEXT_STEPS['case_management']} "
        f"\u2610 {NEXT_STEPS['fast_track']}",
        LEGAL_DUTY, IF_MET, "Parent's consent to information sharing", CONSENT, " ".join(SIGNED_BY),
    ]:
        assert squash(phrase) in words, phrase
    assert "DRAFT" not in words and "Not given" not in words
    # The Review is not the contract again: no challenges question, no review period.
    assert "What are the challenges" not in words and "Review Period" not in words


@pytest.mark.parametrize("step", list(NEXT_STEPS))
def test_each_next_step_is_printed_as_chosen(step):
    data = loaded(raw(review={**SAMPLE_JSON["review"], "next_step": step}))
    ctx = context(data)
    assert ctx["review"]["next_step"] == NEXT_STEPS[step]
    both = render_docx_and_pdf(REVIEW, ctx)
    for fmt in ("docx", "pdf"):
        assert squash(f"\u2612 {NEXT_STEPS[step]}") in both[fmt]
        assert both[fmt].count("\u2612") == 1 and both[fmt].count("\u2610") == 3
        for other, wording in NEXT_STEPS.items():
            if other != step:
                assert squash(f"\u2610 {wording}") in both[fmt]


def test_the_people_at_the_review_may_differ_from_those_at_the_contract():
    data = loaded(raw(review={**SAMPLE_JSON["review"], "chair": "Mr Callum Reid"}))
    ctx = context(data)
    review = render_docx_and_pdf(REVIEW, ctx)
    contract = render_docx_and_pdf(CONTRACT, ctx)
    for fmt in ("docx", "pdf"):
        assert "Chair Mr Callum Reid" in review[fmt] and "School Representative Miss Priya Patel" in review[fmt]
        assert "Chair Mrs Joanne Whitfield" in contract[fmt] and "Mr Callum Reid" not in contract[fmt]


def test_each_document_prints_all_of_its_part_of_the_context_in_both_formats(rendered):
    """Every phrase of the contract's part of the context (and of the Review's) is printed, by the
    DOCX and by the PDF alike."""
    def strings(value):
        if isinstance(value, str):
            return [squash(line) for line in value.split("\n") if line.strip()]
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return []
    ctx = context()
    for name, keys in (("contract", ("contract", "closing", "signed_by")), ("review", ("review", "closing"))):
        phrases = set(strings({key: ctx[key] for key in keys}))
        for fmt in ("docx", "pdf"):
            missing = {p for p in phrases if p not in rendered[name][fmt]}
            assert not missing, (name, fmt, sorted(missing)[:5])


def test_both_documents_are_a4_and_the_pdfs_name_themselves(rendered):
    for name, doc in (("contract", CONTRACT), ("review", REVIEW)):
        for section in docx.Document(io.BytesIO(rendered[name]["docx_bytes"])).sections:
            assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        reader = PdfReader(io.BytesIO(rendered[name]["pdf_bytes"]))
        assert reader.metadata.title == doc["title"]
        page = reader.pages[0]
        assert (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72)) == (210, 297)


# --- the API --------------------------------------------------------------------------------------------------

def test_the_api_lists_the_form_and_renders_the_contract(client):
    token = bearer(api_token(client, "office@demo.school"))
    forms = client.get(f"{API}/forms", headers=token).get_json()["forms"]
    entry = next(f for f in forms if f["id"] == FORM_ID)
    assert entry["kind"] == "agreement" and entry["source"] == "003, Appendix 3"
    parents_actions = next(f for f in entry["fields"] if f["name"] == "actions.parents")
    assert parents_actions["default"][0]["action"] == PARENT_ACTION_1

    data = without_review(SAMPLE_JSON)
    pdf = client.post(f"{API}/documents/parent-contract", headers=token, json={"data": data, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = squash(pdf_text(pdf.data))
    assert "Lily-Mae Cartwright" in words and "Demo School" in words and squash(CONSENT) in words
    word = client.post(f"{API}/documents/parent-contract", headers=token, json={"data": data, "format": "docx"})
    assert word.status_code == 200 and "parent-contract.docx" in word.headers["Content-Disposition"]
    assert squash(STANDARD_ROWS[0]) in squash(docx_text(word.data))


def test_the_api_refuses_the_review_until_the_review_meeting_is_recorded(client):
    token = bearer(api_token(client, "office@demo.school"))
    refused = client.post(f"{API}/documents/parent-contract-review", headers=token,
                          json={"data": without_review(SAMPLE_JSON), "format": "pdf"})
    assert refused.status_code == 422
    assert "review.held" in refused.get_json()["errors"]["data"]
    not_held = {**without_review(SAMPLE_JSON), "review": {"held": False, "meeting_date": "2026-02-24"}}
    refused = client.post(f"{API}/documents/parent-contract-review", headers=token,
                          json={"data": not_held, "format": "docx"})
    assert refused.status_code == 422 and "review.held" in refused.get_json()["errors"]["data"]

    review = client.post(f"{API}/documents/parent-contract-review", headers=token,
                         json={"data": SAMPLE_JSON, "format": "pdf"})
    assert review.status_code == 200 and review.mimetype == "application/pdf"
    words = squash(pdf_text(review.data))
    assert "School Attendance Parent Contract - Review" in words and f"\u2612 {NEXT_STEPS['re_review']}" in words


def test_the_api_names_a_bad_review_period(client):
    token = bearer(api_token(client, "office@demo.school"))
    response = client.post(f"{API}/documents/parent-contract", headers=token,
                           json={"data": raw(review_period="7"), "format": "pdf"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["data"] == {"review_period": ["Select the review period"]}


# --- the web journey ---------------------------------------------------------------------------------------

def _post(client, url: str, data: dict):
    page = text(client.get(url))
    assert "csrf_token" in page, url
    body = {"csrf_token": csrf(page), **data}
    version = re.search(r'<input type="hidden" name="version" value="([^"]*)"', page)
    if version:
        body["version"] = html_lib.unescape(version.group(1))
    return client.post(url, data=body)


def _actions(name: str, items: list[dict], *, with_met: bool) -> dict:
    out = {}
    for i, item in enumerate(items):
        for key in ("action", "how", "by_when"):
            out[f"actions__{name}-{i}-{key}"] = item.get(key, "")
        if with_met and "met_at_review" in item:
            out[f"actions__{name}-{i}-met_at_review"] = "yes" if item["met_at_review"] else "no"
    return out


def test_the_contract_is_written_on_the_web_downloaded_and_reviewed_later(client):
    s = SAMPLE_JSON
    login(client, "office@demo.school")
    start = _post(client, f"/referrals/new/{FORM_ID}", {})
    assert start.status_code == 302 and start.location.endswith("/pages/meeting")
    base = start.location.rsplit("/pages/", 1)[0]
    rid = base.rsplit("/", 1)[1]
    for page in FORM.pages:
        response = client.get(f"{base}/pages/{page.id}")
        assert response.status_code == 200 and html_lib.escape(page.title, quote=False) in text(response), page.id
    # The action pages start from the seed's standard actions.
    page = html_lib.unescape(text(client.get(f"{base}/pages/actions-parents")))
    assert PARENT_ACTION_1 in page and "Any time your child is off due to illness" in page
    assert SCHOOL_ACTION in html_lib.unescape(text(client.get(f"{base}/pages/actions-school")))

    contract_pages = {
        "meeting": {"support_meeting_date": date_parts(s["support_meeting_date"])},
        "pupil": {"pupil__first_name": s["pupil"]["first_name"], "pupil__last_name": s["pupil"]["last_name"],
                  "pupil__date_of_birth": date_parts(s["pupil"]["date_of_birth"]),
                  "pupil__year_group": s["pupil"]["year_group"], "pupil__address": s["pupil"]["address"]},
        "attendance": {f"figures__{k}": str(v) for k, v in s["figures"].items()},
        "parents": {f"parents-{i}-{k}": (date_parts(v) if k == "date_of_birth" else v)
                    for i, p in enumerate(s["parents"]) for k, v in p.items()},
        "review-period": {"review_period": s["review_period"], "review_date": date_parts(s["review_date"]),
                          "review_time": s["review_time"]},
        "barriers": {"barriers": s["barriers"]},
        "signatories": {"signatories__chair": s["signatories"]["chair"],
                        "signatories__school_representative": s["signatories"]["school_representative"],
                        "signatories__other_representative": s["signatories"]["other_representative"],
                        "signatories__student_signs": "yes"},
        "actions-parents": _actions("parents", s["actions"]["parents"], with_met=False),
        "actions-student": _actions("student", s["actions"]["student"], with_met=False),
        "actions-school": _actions("school", s["actions"]["school"], with_met=False),
        "actions-other-agencies": _actions("other_agencies", s["actions"]["other_agencies"], with_met=False),
    }
    for page_id, answers in contract_pages.items():
        response = _post(client, f"{base}/pages/{page_id}", answers)
        assert response.status_code == 302, (page_id, text(response)[:3000])

    # A review period outside the seed's five boxes is refused on the page, naming the field.
    response = _post(client, f"{base}/pages/review-period", {**contract_pages["review-period"], "review_period": "7"})
    assert response.status_code == 422 and "Select the review period" in text(response)

    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" not in page
    assert "/letter/parent-contract.pdf" in page and "parent-contract-review" not in page
    pdf = client.get(f"{base}/letter/parent-contract.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = squash(pdf_text(pdf.data))
    assert "Lily-Mae Cartwright" in words and "Demo School" in words and "\u2612 5 weeks" in words
    for row in STANDARD_ROWS:
        assert squash(row) in words
    assert "Chair Mrs Joanne Whitfield" in words and "Re-Review" not in words
    word = client.get(f"{base}/letter/parent-contract.docx")
    assert word.status_code == 200 and word.data[:2] == b"PK"
    assert "Parent (2) Ryan Cartwright" in squash(docx_text(word.data))
    assert client.get(f"{base}/letter/parent-contract-review.pdf").status_code == 409

    # Five weeks later: the same record. Recording the review as held asks for its answers.
    response = _post(client, f"{base}/pages/review-meeting", {"review__held": "yes",
                                                              "review__meeting_date": ["", "", ""]})
    assert response.status_code == 302, text(response)[:3000]
    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" in page and "Date of review meeting" in page

    review = s["review"]
    review_pages = {
        "actions-parents": _actions("parents", s["actions"]["parents"], with_met=True),
        "actions-student": _actions("student", s["actions"]["student"], with_met=True),
        "actions-school": _actions("school", s["actions"]["school"], with_met=True),
        "actions-other-agencies": _actions("other_agencies", s["actions"]["other_agencies"], with_met=True),
        "review-meeting": {"review__held": "yes", "review__meeting_date": date_parts(review["meeting_date"]),
                           "review__possible_sessions": "42", "review__attended_sessions": "38", "review__lates": "3"},
        "review-progress": {"review__progress_evidence": review["progress_evidence"],
                            "review__barriers_reduced": review["barriers_reduced"],
                            "review__new_barriers": review["new_barriers"]},
        "review-actions": {f"review__new_actions-{i}-{k}": v for i, item in enumerate(review["new_actions"])
                           for k, v in item.items()},
        "review-next-step": {"review__next_step": "case_management"},
    }
    for page_id, answers in review_pages.items():
        response = _post(client, f"{base}/pages/{page_id}", answers)
        assert response.status_code == 302, (page_id, text(response)[:3000])

    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" not in page and "/letter/parent-contract-review.pdf" in page
    pdf = client.get(f"{base}/letter/parent-contract-review.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = squash(pdf_text(pdf.data))
    assert "Date of Review Meeting 24 February 2026" in words and "Actual Number of sessions attended 38" in words
    assert f"\u2612 {NEXT_STEPS['case_management']}" in words
    assert f"Student {STUDENT_ACTION} No" in words and "3 March 2026" in words
    word = client.get(f"{base}/letter/parent-contract-review.docx")
    assert word.status_code == 200
    assert f"\u2612 {squash(NEXT_STEPS['case_management'])}" in squash(docx_text(word.data))
    # The contract, downloaded again, now carries the answers of its last column.
    words = squash(pdf_text(client.get(f"{base}/letter/parent-contract.pdf").data))
    assert f"{SCHOOL_ACTION} {SCHOOL_HOW} On going Yes" in words
