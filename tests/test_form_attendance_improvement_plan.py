"""The Attendance Improvement Plan (000, Appendix 4): the school's record of a Stage 1 / Stage 2 meeting,
rendered as DOCX and PDF from one context, in the seed's table layout.

The sample (tests/samples/attendance-improvement-plan.json) is Mason Bradshaw, Year 9, born 19 January
2012, at a Stockport secondary school. Meeting 2 of his plan, on Tuesday 24 February 2026, reviewed the
plan of 20 January: his mother Lisa came, with the School Attendance Officer, the Head of Year 9 and the
School Nurse; his father Craig and the SENCo sent apologies. Four actions were agreed (three with their
outcome recorded at review, the fourth blank), and the next meeting is on Tuesday 24 March 2026.
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
from forms_service.formdefs import get_form
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, render_docx_and_pdf, squash
from support.helpers import api_token, bearer, csrf, date_parts, login, text

FORM_ID = "attendance-improvement-plan"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Offerton Brook High School"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
REFERENCE = "AIP-2026-000012"
HOSTILE = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\" {_{ _}} %}"
PLACEHOLDERS = re.compile(r"\{\{|\{%|\[[A-Za-z][A-Za-z /]*\]|\bXX\b")

# The seed's labels, in the seed's order (000, Appendix 4), with the sample's answers after each.
SEED_ROWS = [
    ("School name:", "Offerton Brook High School"),
    ("Date:", "24 February 2026"),
    ("Name of Pupil:", "Mason Bradshaw"),
    ("Meeting Number:", "2"),
    ("Attendees:", "Lisa Bradshaw – Mother Joanne Kelly – School Attendance Officer Adam Fletcher – Head of Year 9 "
                   "Sarah Murray – School Nurse"),
    ("Apologies:", "Craig Bradshaw – Father Priya Shah – SENCo"),
    ("Reason for Meeting:", "Improving attendance plan"),
    ("Brief Background and issues that are affecting attendance:", "Mason's attendance this year is 86.2% (Year 8: "
                                                                    "94.1%), with 9 broken weeks out of 21."),
    ("General Notes of Meeting:", "Review of the plan agreed on 20 January 2026"),
    ("Actions Responsibility When Outcomes", "Meet Mason at the school gate at 8.35am and check in with him at "
                                             "lunchtime Adam Fletcher, Head of Year 9 Every school day from 25 "
                                             "February 2026 Met Mason on 17 of 19 days."),
    ("Date of next meeting:", "24 March 2026"),
    ("Agenda:", "Review Mason's attendance since 24 February and the outcome of each action. Mason's views (Mason is "
                "invited)."),
]
ACTION_ROWS = [
    "Arrange for Mason to change for PE in the medical room and tell the PE staff Adam Fletcher, Head of Year 9 "
    "From 2 March 2026 In place from 2 March. No absences on PE days since then.",
    "Health check with Mason about the stomach aches; give him the ChatHealth and Kooth details Sarah Murray, School "
    "Nurse By 13 March 2026 Seen on 10 March. No medical cause found; Mason has signed up to Kooth.",
    # No outcome yet: the next meeting fills it in, so the row ends at "When" and the table ends there.
    "rather than keeping him at home when he feels better Lisa Bradshaw (Mum) Ongoing Date of next meeting:",
]
REASONS = {
    "improving_attendance": "Improving attendance plan",
    "sick_children": "Education of sick children education provision",
    "reintegration": "Reintegration support plan",
}


def sample_json(**changes) -> dict:
    data = copy.deepcopy(SAMPLE_JSON)
    data.update(copy.deepcopy(changes))
    return data


def load(data: dict, *, complete: bool = True) -> dict:
    return FORM.schema(complete=complete).load(data)


def context(data: dict | None = None, **kwargs) -> dict:
    data = load(sample_json()) if data is None else data
    verdict = evaluate(FORM, data, today=dt.date(2026, 2, 24))
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=REFERENCE, signature=None,
                         verdict=verdict.to_dict(), **kwargs)


def render(data: dict | None = None) -> dict:
    return render_docx_and_pdf(DOC, context(data))


def refused(data: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        load(data)
    return caught.value.messages


@pytest.fixture(scope="module")
def plan():
    return render()


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_school_meeting_record_from_appendix_4():
    assert FORM.kind == "record" and FORM.source == "000, Appendix 4" and FORM.reference_prefix == "AIP"
    assert FORM.raw["signed_by"] == "school" and not FORM.sends_to_la and FORM.noun == "record"
    # Support, not legal intervention (000, para 9): no rule can stop the school writing its own record.
    assert FORM.rules == () and FORM.evidence == () and FORM.checklist == () and FORM.declaration == ""
    assert DOC == {"id": FORM_ID, "title": "Attendance Improvement Plan", "docx": f"{FORM_ID}.docx",
                   "html": f"print/{FORM_ID}.html"}  # one record, not one per parent
    by_name = {f.name: f for f in FORM.fields}
    assert by_name["meeting.number"].type == "integer" and by_name["meeting.number"].options["min"] == 1
    assert [c["value"] for c in by_name["meeting.reason"].options["choices"]] == [*REASONS, "other"]
    assert [c["label"] for c in by_name["meeting.reason"].options["choices"]][:3] == list(REASONS.values())
    assert by_name["meeting.reason_other"].options["required_when"] == {"meeting.reason": ["other"]}
    assert by_name["next_meeting.date"].options["after"] == "meeting.date"
    assert by_name["actions"].options["min_items"] == 1 and by_name["actions"].required
    assert [i.name for i in by_name["actions"].item_fields] == ["action", "responsibility", "when", "outcome"]
    assert [i.required for i in by_name["actions"].item_fields] == [True, True, True, False]
    assert not by_name["apologies"].required
    for name in ("pupil.date_of_birth", "pupil.year_group", "parents", "attendees", "background", "notes"):
        assert by_name[name].required, name


def test_the_sample_is_complete_and_no_rule_blocks_it():
    data = load(sample_json())
    assert data["meeting"] == {"date": dt.date(2026, 2, 24), "number": 2, "reason": "improving_attendance"}
    assert [p["attendance"] for p in data["parents"]] == ["attended", "apologies"]
    assert len(data["attendees"]) == 3 and len(data["actions"]) == 4
    verdict = evaluate(FORM, data, today=dt.date(2026, 2, 24))
    assert verdict.eligible and verdict.rules == []


# --- validation at the boundaries --------------------------------------------------------------------

@pytest.mark.parametrize("offset, accepted", [(-1, False), (0, False), (1, True), (28, True)])
def test_the_next_meeting_must_be_after_this_one(offset, accepted):
    day = dt.date(2026, 2, 24) + dt.timedelta(days=offset)
    data = sample_json(next_meeting={**SAMPLE_JSON["next_meeting"], "date": day.isoformat()})
    if accepted:
        assert load(data)["next_meeting"]["date"] == day
        return
    messages = refused(data)
    assert messages == {"next_meeting": {"date": ["Date of next meeting must be after date of the meeting"]}}


def test_without_a_next_meeting_no_date_or_agenda_is_needed_but_with_one_both_are():
    data = load(sample_json(next_meeting={"arranged": False}))
    assert data["next_meeting"] == {"arranged": False}
    messages = refused(sample_json(next_meeting={"arranged": True}))
    assert messages == {"next_meeting": {"date": ["Enter date of next meeting"],
                                         "agenda": ["Enter agenda for the next meeting"]}}
    assert "next_meeting" in refused(sample_json(next_meeting={}))
    load(sample_json(next_meeting={"arranged": True}), complete=False)  # a draft may wait


def test_the_meeting_has_happened_by_the_time_it_is_recorded():
    today = dt.date.today()
    meeting = {**SAMPLE_JSON["meeting"], "date": today.isoformat()}
    later = {**SAMPLE_JSON["next_meeting"], "date": (today + dt.timedelta(days=28)).isoformat()}
    assert load(sample_json(meeting=meeting, next_meeting=later))["meeting"]["date"] == today
    tomorrow = {**meeting, "date": (today + dt.timedelta(days=1)).isoformat()}
    assert refused(sample_json(meeting=tomorrow, next_meeting=later)) == {
        "meeting": {"date": ["Date of the meeting must be today or in the past"]}}


@pytest.mark.parametrize("number, accepted", [(0, False), (1, True), (2, True), (99, True), (100, False),
                                              (-1, False), ("2", False), (2.5, False)])
def test_the_meeting_number_is_a_whole_number_from_1(number, accepted):
    data = sample_json(meeting={**SAMPLE_JSON["meeting"], "number": number})
    if accepted:
        assert load(data)["meeting"]["number"] == number
        return
    message = refused(data)["meeting"]["number"][0]
    assert message.startswith("Meeting number must be")


def test_at_least_one_action_is_needed_and_each_needs_who_and_when():
    assert refused(sample_json(actions=[])) == {"actions": ["Add at least one action"]}
    assert refused({k: v for k, v in sample_json().items() if k != "actions"}) == {"actions": ["Add at least one action"]}
    one = [{"action": "Morning check-in", "responsibility": "Mr Fletcher", "when": "Daily"}]
    assert load(sample_json(actions=one))["actions"] == one
    messages = refused(sample_json(actions=[{"action": "Morning check-in"}]))
    assert set(messages["actions"][0]) == {"responsibility", "when"}
    assert "actions" in refused(sample_json(actions=one * 21))


def test_the_other_reason_is_required_only_when_other_is_chosen():
    other = {"date": "2026-02-24", "number": 2, "reason": "other"}
    assert refused(sample_json(meeting=other)) == {
        "meeting": {"reason_other": ["Enter the other reason for the meeting"]}}
    load(sample_json(meeting=other), complete=False)  # a draft may wait
    for reason in REASONS:
        load(sample_json(meeting={**other, "reason": reason}))
    assert "reason" in refused(sample_json(meeting={**other, "reason": "holiday"}))["meeting"]


def test_people_need_a_name_a_role_or_relationship_and_each_parent_whether_they_came():
    assert "attendees" in refused(sample_json(attendees=[]))
    assert set(refused(sample_json(attendees=[{"name": "Joanne Kelly"}]))["attendees"][0]) == {"role"}
    parent = {"name": "Lisa Bradshaw", "relationship": "mother"}
    assert set(refused(sample_json(parents=[parent]))["parents"][0]) == {"attendance"}
    assert "parents" in refused(sample_json(parents=[{**parent, "attendance": "maybe"}]))
    assert "parents" in refused(sample_json(parents=[]))
    assert load(sample_json(apologies=[]))["apologies"] == []  # none sent: optional


@pytest.mark.parametrize("field, value", [("meeting", {"date": "2026-02-30", "number": 2, "reason": "other",
                                                       "reason_other": "x"}),
                                          ("background", "x" * 3001), ("notes", "a\x00b")])
def test_bad_answers_are_refused_against_their_field(field, value):
    assert field in refused(sample_json(**{field: value}))


# --- the record, in both formats ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_record_has_the_seeds_rows_and_the_samples_answers_in_order(plan, fmt):
    words = plan[fmt]
    positions = []
    for label, answer in SEED_ROWS:
        phrase = squash(f"{label} {answer}")
        assert phrase in words, (fmt, phrase)
        positions.append(words.find(phrase))
    assert positions == sorted(positions), fmt
    for row in ACTION_ROWS:
        assert squash(row) in words, (fmt, row)
    # Under the school's letterhead (issue 18), the seed's title and the reference.
    assert words.startswith("Offerton Brook High School Attendance Improvement Plan Reference: AIP-2026-000012")
    assert "Date of birth: 19 January 2012 Year group: Year 9" in words
    # Every parent is named: the mother as an attendee, the father among the apologies.
    assert "Lisa Bradshaw" in words and "Craig Bradshaw – Father" in words
    assert "Did not attend" not in words  # both parents either came or sent apologies
    assert "Not given" not in words and "DRAFT" not in words and not PLACEHOLDERS.search(words)
    assert "Whether to continue the plan at Stage 2 or end it." in words


def test_docx_and_pdf_carry_the_same_phrases(plan):
    ctx = context()
    lines = {squash(line) for value in (ctx["plan"], ctx["pupil"]) for line in _strings(value) if line.strip()}
    lines |= {squash(f"{label} {answer}") for label, answer in SEED_ROWS} | {squash(r) for r in ACTION_ROWS}
    in_docx = {p for p in lines if p in plan["docx"]}
    in_pdf = {p for p in lines if p in plan["pdf"]}
    assert in_docx == in_pdf
    missing = {p for p in lines if p not in in_docx} - {squash(ctx["pupil"][k]) for k in ("upn", "address", "looked_after",
                                                                                             "first_name", "last_name")}
    assert not missing, missing


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return value.split("\n")
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("reason, wording", list(REASONS.items()))
def test_each_reason_prints_the_seeds_wording(reason, wording):
    both = render(load(sample_json(meeting={**SAMPLE_JSON["meeting"], "reason": reason})))
    for fmt in ("docx", "pdf"):
        assert f"Reason for Meeting: {wording} Brief Background" in both[fmt], fmt
        for other in set(REASONS.values()) - {wording}:
            assert other not in both[fmt], (fmt, other)


def test_another_reason_prints_what_was_typed():
    meeting = {**SAMPLE_JSON["meeting"], "reason": "other", "reason_other": "Review of Mason's part-time timetable"}
    both = render(load(sample_json(meeting=meeting)))
    for fmt in ("docx", "pdf"):
        assert "Reason for Meeting: Review of Mason's part-time timetable Brief Background" in both[fmt], fmt
        assert not any(wording in both[fmt] for wording in REASONS.values())


def test_a_reason_other_left_over_from_an_earlier_choice_is_not_printed():
    meeting = {**SAMPLE_JSON["meeting"], "reason": "reintegration", "reason_other": "Part-time timetable"}
    both = render(load(sample_json(meeting=meeting)))
    for fmt in ("docx", "pdf"):
        assert "Reason for Meeting: Reintegration support plan Brief" in both[fmt] and "Part-time" not in both[fmt]


def test_a_parent_who_neither_came_nor_sent_apologies_is_recorded_as_not_attending():
    parents = [{**SAMPLE_JSON["parents"][0], "attendance": "did_not_attend"}, SAMPLE_JSON["parents"][1]]
    both = render(load(sample_json(parents=parents, apologies=[])))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert ("Attendees: Joanne Kelly – School Attendance Officer Adam Fletcher – Head of Year 9 Sarah Murray – "
                "School Nurse Apologies: Craig Bradshaw – Father Did not attend: Lisa Bradshaw – Mother Reason for "
                "Meeting:") in words, fmt


def test_with_no_apologies_the_row_says_none():
    parents = [{**p, "attendance": "attended"} for p in SAMPLE_JSON["parents"]]
    both = render(load(sample_json(parents=parents, apologies=[])))
    for fmt in ("docx", "pdf"):
        assert "Attendees: Lisa Bradshaw – Mother Craig Bradshaw – Father Joanne Kelly" in both[fmt]
        assert "Apologies: None Reason for Meeting:" in both[fmt], fmt


def test_a_plan_that_ended_says_no_further_meeting():
    both = render(load(sample_json(next_meeting={"arranged": False})))
    for fmt in ("docx", "pdf"):
        assert "Date of next meeting: No further meeting arranged Agenda: None" in both[fmt], fmt
        assert "24 March 2026" not in both[fmt]


def test_outcomes_are_blank_until_reviewed_and_every_action_row_is_printed_in_order():
    actions = [{"action": f"Action number {i}", "responsibility": f"Person {i}", "when": f"Week {i}"} for i in range(1, 13)]
    both = render(load(sample_json(actions=actions)))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        # Each row: action, responsibility, when, then an empty Outcomes cell.
        positions = [words.find(f"Action number {i} Person {i} Week {i} ") for i in range(1, 13)]
        assert -1 not in positions and positions == sorted(positions), (fmt, positions)
        assert words.find("Actions Responsibility When Outcomes") < positions[0]
        assert positions[-1] < words.find("Date of next meeting: 24 March 2026")
        assert "Not given" not in words
    table = docx.Document(io.BytesIO(both["docx_bytes"])).tables[2]  # after the letterhead and the first
    assert len(table.rows) == 13 and all(row.cells[3].text == "" for row in table.rows[1:])


def test_hostile_text_is_printed_literally():
    data = load(sample_json(
        notes=HOSTILE,
        attendees=[{"name": "O'Neil <b>Kelly</b>", "role": "Head of Year & Pastoral Lead"}],
        actions=[{"action": HOSTILE, "responsibility": "{{ school_name }}", "when": "{% if x %}", "outcome": "</td>"}]))
    both = render(data)
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert squash(HOSTILE) in words and "O'Neil <b>Kelly</b> – Head of Year & Pastoral Lead" in words
        assert "{{ school_name }} {% if x %} </td>" in words and "49" not in words


def test_a_preview_of_an_empty_plan_still_renders():
    both = render_docx_and_pdf(DOC, build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert "School name: Offerton Brook High School Date: Not given Name of Pupil: Not given" in words
        assert "Attendees: Not given Apologies: None Reason for Meeting: Not given" in words
        assert "Actions Responsibility When Outcomes Not given Not given Not given" in words
        assert "Date of next meeting: Not given Agenda: Not given" in words
        assert "DRAFT" not in words and not PLACEHOLDERS.search(words)


def test_both_are_a4_and_the_pdf_names_itself(plan):
    for section in docx.Document(io.BytesIO(plan["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(plan["pdf_bytes"]))
    assert reader.metadata.title == "Attendance Improvement Plan"
    for page in reader.pages:
        size = (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72))
        assert size == (210, 297)


def test_the_word_document_keeps_the_seeds_table_layout(plan):
    document = docx.Document(io.BytesIO(plan["docx_bytes"]))
    letterhead, first, actions, following = document.tables
    assert letterhead.rows[0].cells[1].text.strip() == "Offerton Brook High School"
    assert [c.text for c in first.rows[0].cells] == ["School name:", "Offerton Brook High School", "Date:",
                                                     "24 February 2026"]
    assert [c.text for c in first.rows[1].cells] == ["Name of Pupil:", "Mason Bradshaw", "Meeting Number:", "2"]
    wide = first.rows[3].cells  # the value spans the three columns after the label
    assert wide[0].text == "Attendees:" and wide[1]._tc is wide[2]._tc is wide[3]._tc
    assert [c.text for c in actions.rows[0].cells] == ["Actions", "Responsibility", "When", "Outcomes"]
    assert len(actions.rows) == 1 + 4 and actions.rows[4].cells[3].text == ""
    assert [r.cells[0].text for r in following.rows] == ["Date of next meeting:", "Agenda:"]


# --- on the web: the question pages to the downloads ---------------------------------------------------

def _post(client, url: str, data: dict, *, status: int = 302):
    page = text(client.get(url))
    body = {"csrf_token": csrf(page), **data}
    version = re.search(r'<input type="hidden" name="version" value="([^"]*)"', page)
    if version:
        body["version"] = html_lib.unescape(version.group(1))
    response = client.post(url, data=body)
    assert response.status_code == status, text(response)[:3000]
    return response


def _list(name: str, items: list[dict]) -> dict:
    return {f"{name}-{i}-{key}": value for i, item in enumerate(items) for key, value in item.items()}


def test_the_plan_is_written_on_the_web_and_downloaded_as_word_and_pdf(client):
    login(client, "office@demo.school")
    index = text(client.get("/referrals/"))
    assert "Agreements, plans and meeting records" in index and "Attendance Improvement Plan" in index
    start = client.get(f"/referrals/new/{FORM_ID}")
    assert start.status_code == 200 and "reviewed every 4 to 6 weeks" in text(start)
    response = _post(client, f"/referrals/new/{FORM_ID}", {})
    assert response.location.endswith("/pages/pupil")
    base = response.location.rsplit("/pages/", 1)[0]
    rid = base.rsplit("/", 1)[1]
    for page in FORM.pages:
        shown = client.get(f"{base}/pages/{page.id}")
        assert shown.status_code == 200 and html_lib.escape(page.title, quote=False) in text(shown), page.id

    sample = SAMPLE_JSON
    pupil = sample["pupil"]
    _post(client, f"{base}/pages/pupil", {
        "pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
        "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__year_group": pupil["year_group"]})
    # "Another reason" with nothing typed is kept as a draft; the record page says what is missing.
    _post(client, f"{base}/pages/meeting", {"meeting__date": date_parts(sample["meeting"]["date"]), "meeting__number": "2",
                                            "meeting__reason": "other"})
    page = text(client.get(f"/referrals/{rid}/letter"))
    assert "Some answers are still needed" in page and "Enter the other reason for the meeting" in page
    assert client.get(f"/referrals/{rid}/letter/{FORM_ID}.pdf").status_code == 409
    _post(client, f"{base}/pages/meeting", {"meeting__date": date_parts(sample["meeting"]["date"]), "meeting__number": "2",
                                            "meeting__reason": "improving_attendance"})
    _post(client, f"{base}/pages/parents", _list("parents", sample["parents"]))
    _post(client, f"{base}/pages/attendees", {**_list("attendees", sample["attendees"]),
                                              **_list("apologies", sample["apologies"])})
    _post(client, f"{base}/pages/discussion", {"background": sample["background"], "notes": sample["notes"]})
    _post(client, f"{base}/pages/actions", _list("actions", sample["actions"]))

    # The next meeting on the same day as this one: refused, and the error summary names the field.
    next_page = {"next_meeting__arranged": "yes", "next_meeting__date": date_parts(sample["meeting"]["date"]),
                 "next_meeting__agenda": sample["next_meeting"]["agenda"]}
    response = _post(client, f"{base}/pages/next", next_page, status=422)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', text(response), re.S)
    assert summary and "Date of next meeting must be after date of the meeting" in summary.group(0)
    assert "Mum&#39;s decision about an Early Help Assessment" in text(response)  # what was typed is kept
    response = _post(client, f"{base}/pages/next", {**next_page,
                                                     "next_meeting__date": date_parts(sample["next_meeting"]["date"])})
    assert response.location.endswith(f"/referrals/{rid}/letter")

    page = text(client.get(response.location))
    assert "Some answers are still needed" not in page
    assert f"/referrals/{rid}/letter/{FORM_ID}.pdf" in page and f"/referrals/{rid}/letter/{FORM_ID}.docx" in page
    pdf = client.get(f"/referrals/{rid}/letter/{FORM_ID}.pdf")
    word = client.get(f"/referrals/{rid}/letter/{FORM_ID}.docx")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert word.status_code == 200 and word.data[:2] == b"PK"
    assert re.search(r'filename="AIP-\d{4}-\d{6}-attendance-improvement-plan\.pdf"', pdf.headers["Content-Disposition"])
    for words in (squash(pdf_text(pdf.data)), squash(docx_text(word.data))):
        assert "School name: Demo School Date: 24 February 2026 Name of Pupil: Mason Bradshaw Meeting Number: 2" in words
        assert "Attendees: Lisa Bradshaw – Mother Joanne Kelly – School Attendance Officer" in words
        assert "Apologies: Craig Bradshaw – Father Priya Shah – SENCo" in words
        assert "Reason for Meeting: Improving attendance plan" in words
        for row in ACTION_ROWS:
            assert squash(row) in words
        assert "Date of next meeting: 24 March 2026" in words and "DRAFT" not in words
    # A record is never submitted to the LA.
    assert client.get(f"/referrals/{rid}/check").status_code == 302


# --- the API ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, mimetype", [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pdf", "application/pdf"),
])
def test_the_api_renders_the_plan(client, fmt, mimetype):
    token = bearer(api_token(client, "office@demo.school"))
    response = client.post(f"/api/v1/documents/{FORM_ID}", headers=token, json={"data": SAMPLE_JSON, "format": fmt})
    assert response.status_code == 200 and response.mimetype == mimetype
    assert f'filename="{FORM_ID}.{fmt}"' in response.headers["Content-Disposition"]
    words = squash(docx_text(response.data) if fmt == "docx" else pdf_text(response.data))
    for label, answer in SEED_ROWS[2:]:
        assert squash(f"{label} {answer}") in words, label
    assert "School name: Demo School" in words


def test_the_api_refuses_a_next_meeting_on_the_same_day_and_lists_the_form(client):
    token = bearer(api_token(client, "office@demo.school"))
    data = sample_json(next_meeting={**SAMPLE_JSON["next_meeting"], "date": SAMPLE_JSON["meeting"]["date"]})
    response = client.post(f"/api/v1/documents/{FORM_ID}", headers=token, json={"data": data, "format": "pdf"})
    assert response.status_code == 422
    assert response.get_json()["errors"]["data"]["next_meeting"]["date"] == [
        "Date of next meeting must be after date of the meeting"]
    forms = {f["id"]: f for f in client.get("/api/v1/forms", headers=token).get_json()["forms"]}
    entry = forms[FORM_ID]
    assert entry["kind"] == "record" and entry["source"] == "000, Appendix 4" and entry["rules"] == []
    fields = {f["name"]: f for f in entry["fields"]}
    assert fields["actions"]["min_items"] == 1 and fields["meeting.number"]["min"] == 1
    assert fields["meeting.reason_other"]["required_when"] == {"meeting.reason": ["other"]}
