"""The Linkwork Record (002, Step 2 "Proposed agenda for meeting with link EWO" and Appendix 5): the notes of
the school's regular meeting with its link Education Welfare Officer, completed and agreed by the EWO and
the School Attendance Officer, and kept by both. A record about several pupils, downloaded, never sent.

The sample (tests/samples/linkwork-record.json) is a Cardiff secondary school's meeting on Thursday 16
October 2025 (autumn term): the link EWO Siân Pritchard, the SAO Ceri Lewis, the Senior Lead for Attendance
and the Head of Year 9. Four pupils were discussed (two under Early Intervention, one New Referral, one
case reviewed), one other action agreed; the next meeting is on 13 November 2025.
"""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from marshmallow import ValidationError

from forms_service.formdefs import get_form
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, set_profile

FORM_ID = "linkwork-record"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
CASE = FormCase(FORM_ID, school={"name": "Willows High School"},
                la={"name": "Cardiff Council", "inbox": "ews-referrals@la.invalid", "jurisdiction": "wales"},
                reference="LWR-2025-000003", today=dt.date(2025, 10, 16), profile="cardiff")
MEETING = dt.date(2025, 10, 16)
HOSTILE = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\""
PUPILS = ["Leon Davies", "Amira Hassan", "Jayden Morgan", "Oliwia Zielińska"]


def sample_json(**changes) -> dict:
    data = copy.deepcopy(CASE.json)
    data.update(copy.deepcopy(changes))
    return data


def load(data: dict, *, complete: bool = True) -> dict:
    return FORM.schema(complete=complete).load(data)


def refused(data: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        load(data)
    return caught.value.messages


def render(data: dict | None = None) -> dict:
    return CASE.render(DOC, CASE.context(data if data is not None else CASE.sample()))


@pytest.fixture(scope="module")
def record():
    return render()


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_welsh_meeting_record_about_several_pupils():
    assert FORM.kind == "record" and not FORM.sends_to_la and FORM.noun == "record"
    assert FORM.source == "002, Step 2 (Proposed agenda for meeting with link EWO) and Appendix 5"
    assert FORM.raw["jurisdictions"] == ["wales"] and FORM.raw["sample_profile"] == "cardiff"
    # About several pupils: the list that names them is declared, and there is no single child.
    assert FORM.raw["about_pupils"] == "pupils"
    assert not any(f.name.startswith("pupil.") or f.name == "parents" for f in FORM.fields)
    assert FORM.rules == () and FORM.evidence == () and FORM.declaration == ""
    assert any("does not reproduce it: this text is the service's own" in line for line in FORM.intro)
    # 002, Step 2's agenda, in the seed's words and order.
    agenda = [f.label for f in FORM.fields if f.name.startswith("agenda.")]
    assert agenda == ["General Preventative", "Early Intervention", "New Referrals to EWS for support",
                      "Reviewing Cases"]


def test_only_a_name_and_year_group_identify_each_pupil():
    """Data minimisation: no date of birth, address, UPN or parents in a record shared with the EWS."""
    pupils = next(f for f in FORM.fields if f.name == "pupils")
    assert [i.name for i in pupils.item_fields] == ["name", "year_group", "section", "concern", "action", "by_whom",
                                                    "by_when"]
    extra = sample_json()
    extra["pupils"][0]["date_of_birth"] = "2011-04-02"
    assert "date_of_birth" in refused(extra)["pupils"][0]


def test_the_sample_is_complete_and_no_rule_applies():
    data = load(sample_json())
    assert data["meeting"]["date"] == MEETING and len(data["pupils"]) == 4 and len(data["actions"]) == 1
    verdict = evaluate(FORM, data, profile=CASE.profile, today=MEETING)
    assert verdict.eligible and verdict.rules == []


# --- validation at the boundaries --------------------------------------------------------------------

@pytest.mark.parametrize("offset, accepted", [(-1, False), (0, False), (1, True)])
def test_the_next_meeting_is_after_this_one(offset, accepted):
    day = MEETING + dt.timedelta(days=offset)
    data = sample_json(next_meeting={"date": day.isoformat()})
    if accepted:
        assert load(data)["next_meeting"]["date"] == day
        return
    assert refused(data) == {"next_meeting": {"date": ["Date of the next meeting must be after date of the meeting"]}}


@pytest.mark.parametrize("offset, accepted", [(-1, True), (0, True), (1, False)])
def test_the_meeting_has_happened_by_the_time_it_is_recorded(offset, accepted):
    day = dt.date.today() + dt.timedelta(days=offset)
    data = sample_json(meeting={**CASE.json["meeting"], "date": day.isoformat()},
                       next_meeting={"date": (day + dt.timedelta(days=28)).isoformat()})
    if accepted:
        assert load(data)["meeting"]["date"] == day
        return
    assert refused(data) == {"meeting": {"date": ["Date of the meeting must be today or in the past"]}}


def test_each_pupil_needs_the_action_by_whom_and_by_when_and_errors_name_the_field():
    pupils = copy.deepcopy(CASE.json["pupils"])
    pupils[1] = {"name": "Amira Hassan", "year_group": "Year 7", "section": "somewhere", "concern": "Absent",
                 "action": "Phone home", "by_when": "2025-10-32"}
    messages = refused(sample_json(pupils=pupils))
    assert set(messages) == {"pupils"} and set(messages["pupils"]) == {1}
    assert messages["pupils"][1]["section"] == ["Select the part of the agenda the pupil was discussed under"]
    assert messages["pupils"][1]["by_whom"] == ["Enter who will do the action"]
    assert messages["pupils"][1]["by_when"] == ["By when must be a real date, written as YYYY-MM-DD"]
    assert messages["pupils"][1].keys() == {"section", "by_whom", "by_when"}
    no_date = refused(sample_json(actions=[{"action": "Share the data", "by_whom": "SAO"}]))
    assert no_date == {"actions": {0: {"by_when": ["Enter the date by when the action will be done"]}}}


def test_a_meeting_may_discuss_no_individual_pupil_and_agree_no_other_action():
    data = load(sample_json(pupils=[], actions=[], others_present=[]))
    assert data["pupils"] == [] and data["actions"] == []
    assert refused(sample_json(pupils=CASE.json["pupils"] * 11)) == {
        "pupils": ["You can add no more than 40: remove the rest"]}


def test_the_ewo_and_sao_are_named():
    meeting = {"date": "2025-10-16"}
    assert refused(sample_json(meeting=meeting)) == {"meeting": {
        "ewo_name": ["Enter name of the link Education Welfare Officer (EWO)"],
        "sao_name": ["Enter name of the School Attendance Officer (SAO)"]}}


# --- the document, in both formats ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_record_says_what_the_ews_and_school_agreed(record, fmt):
    text = record[fmt]
    for words in (
        "Linkwork Record", "Source: 002, Step 2 (Proposed agenda for meeting with link EWO) and Appendix 5",
        "School Willows High School", "Date of meeting 16 October 2025",
        "Link Education Welfare Officer (EWO) Siân Pritchard", "School Attendance Officer (SAO) Ceri Lewis",
        "Others present Gareth Evans – Senior Lead for Attendance (Assistant Headteacher) Nia Roberts – Head of Year 9",
        "General Preventative Whole-school attendance is 91.8%",
        "New Referrals to EWS for support One new referral agreed",
        "Reviewing Cases One open case reviewed",
        "4 pupils discussed.",
        "Pupil Part of the agenda Concern Action agreed By whom By when",
        "Leon Davies, Year 9 Early Intervention Attendance 88.4% this term",
        "Nia Roberts, Head of Year 9 24 October 2025",
        "Jayden Morgan, Year 10 New Referral to EWS for support",
        "Oliwia Zielińska, Year 11 Reviewing Cases",
        "Action agreed By whom By when Send the Year 9 and form-group attendance data",
        "SAO 11 November 2025",
        "Date of next meeting 13 November 2025",
        "Completed and agreed at the meeting by Siân Pritchard (link EWO) and Ceri Lewis (SAO). A copy is kept by the "
        "school and by the Education Welfare Service.",
    ):
        assert words in text, words
    # In the seed's agenda order, then as typed.
    assert [text.index(name) for name in PUPILS] == sorted(text.index(name) for name in PUPILS)
    # Nothing about a single child, and a record is never a DRAFT.
    for absent in ("Not given", "Date of birth", "DRAFT", "Name of child"):
        assert absent not in text, absent


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_pupils_are_grouped_by_the_part_of_the_agenda(fmt):
    pupils = copy.deepcopy(CASE.json["pupils"])
    data = load(sample_json(pupils=[pupils[3], pupils[2], pupils[0]]))  # typed: reviewing, referral, early
    text = render(data)[fmt]
    assert text.index("Leon Davies") < text.index("Jayden Morgan") < text.index("Oliwia Zielińska")
    assert "3 pupils discussed." in text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_an_empty_part_of_the_agenda_and_no_pupils_say_so(fmt):
    data = load(sample_json(pupils=[], actions=[], others_present=[],
                            agenda={"general_preventative": "Whole-school figures reviewed."}))
    text = render(data)[fmt]
    assert "Early Intervention Not discussed at this meeting" in text
    assert "Reviewing Cases Not discussed at this meeting" in text
    assert "No individual pupils were discussed at this meeting." in text
    assert "Part of the agenda" not in text
    assert "Other actions agreed No other actions were agreed." in text
    assert "Others present None" in text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_user_text_is_printed_as_text_never_run(fmt):
    pupils = copy.deepcopy(CASE.json["pupils"])
    pupils[0]["concern"] = HOSTILE
    text = render(load(sample_json(pupils=pupils, agenda={"reviewing_cases": HOSTILE})))[fmt]
    assert text.count("{{ 7*7 }}") == 2 and "<script>alert('x')</script>" in text
    assert " 49 " not in text


# --- downloaded, never sent ----------------------------------------------------------------------------

def test_the_record_is_kept_as_a_draft_and_downloaded_not_sent(app, client):
    set_profile(app, "cardiff")  # a form used in Wales
    office = bearer(api_token(client, "office@demo.school"))
    created = client.post("/api/v1/referrals", headers=office, json={"form": FORM_ID, "data": CASE.json})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["eligibility"]["eligible"]
    # A record is not a request to the LA: it cannot be submitted for sign-off.
    rid = created.get_json()["id"]
    assert client.post(f"/api/v1/referrals/{rid}/submit", headers=office).status_code in (409, 422)
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
        response = client.post(f"/api/v1/documents/{FORM_ID}", headers=office,
                               json={"data": CASE.json, "format": fmt, "profile": "cardiff"})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.data.startswith(magic)
        words = squash(pdf_text(response.data) if fmt == "pdf" else docx_text(response.data))
        assert all(name in words for name in PUPILS) and "Siân Pritchard" in words
