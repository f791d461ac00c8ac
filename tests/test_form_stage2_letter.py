"""The Stage 2 Letter (000, Appendix 7: Stage 2 – Getting Help): one letter per parent/carer,
rendered as DOCX and PDF from one context.

The sample (tests/samples/stage2-letter.json) is Tyler Hughes, Year 7; his mother Leanne lives at
Tyler's address and his father Darren at his own. Tyler's attendance is 84%, 17 days missed, 11/21
broken weeks. The letter, dated 6 March 2026, follows a previous meeting and invites the parents and
Tyler to a further School Attendance Meeting at 10:30am on Tuesday 17 March 2026.
"""
from __future__ import annotations

import copy
import datetime as dt
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
from forms_service.policies import load_profile
from forms_service.rules import evaluate

from support.doctext import squash
from support.form_case import FormCase

FORM_ID = "stage2-letter"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Brindley Park High School"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
CHILD_ADDRESS = ["18 Brindley Close", "Reddish", "SK5 6QT"]
FATHER_ADDRESS = ["Flat 3, 221 Gorton Road", "Reddish", "SK5 6LH"]
HOSTILE = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\" {_{ _}} %}"

PREVIOUS_MEETING = "During the previous meeting we discussed a number of strategies to support Tyler attend school more regularly."
ATTEMPTS = ("Over the last 6 weeks we have made a number of unsuccessful attempts to engage with you to develop a plan "
            "of support to help improve Tyler's attendance.")
MEETING = "I have also arranged a further School Attendance Meeting to discuss the reasons for Tyler's attendance concerns."
MEETING_WHEN = "The meeting has been arranged for 10:30am on Tuesday 17 March 2026 and it is important that you"
PROCESS = "Concerns about Tyler's attendance will continue to be addressed as part of the"
FIGURES = ("Please find enclosed an up-to-date copy of the registration certificate. You will see that Tyler's "
           "attendance remains concerning and now stands at 84% and they have missed 17 days of school this academic "
           "year with 11/21 broken weeks.")
SEED_PHRASES = [
    "Re: Tyler Hughes",
    "I am writing to you regarding our continued concerns about Tyler's attendance in school.",
    FIGURES,
    "Please be aware that where pupils have a substantial amount of absence from school, schools are expected to "
    "investigate the reasons for the absences and where appropriate request medical evidence before agreeing to "
    "authorise further absences.",
    "I am now writing to advise you that in view of Tyler's continued poor attendance, the school is no longer willing "
    "to authorise any future absences unless supported by medical evidence (for example, a doctor's note)",
    "I must remind you that as you have decided to have Tyler registered at Brindley Park High School, you have an "
    "additional legal duty to ensure Tyler attends regularly.",
    "failure to do so may result in your case being referred to Demo Borough Council for further action, which can "
    "include Education Penalty Notice fines or prosecution.",
    "Yours sincerely", "Mr Daniel Pearce", "Attendance Lead",
]
PLACEHOLDERS = re.compile(r"\{\{|\{%|\[[A-Za-z][A-Za-z /]*\]|\bXX\b")


CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference="S2L-2026-000004", today=dt.date(2026, 3, 6), profile="national-2024")
sample, context = CASE.sample, CASE.context


def render_both(ctx) -> dict:
    return CASE.render(DOC, ctx)


@pytest.fixture(scope="module")
def letters():
    """The sample's letter to each parent: 0 is Leanne (child's address), 1 is Darren (his own)."""
    return [render_both(context(recipient=i)) for i in range(2)]


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_per_parent_letter():
    assert FORM.kind == "letter" and FORM.source == "000, Appendix 7" and FORM.reference_prefix == "S2L"
    assert FORM.measure_from == "letter_date" and list(FORM.rules) == ["compulsory_school_age"]
    assert FORM.evidence == () and FORM.checklist == () and FORM.declaration == ""
    assert DOC == {"id": "stage2-letter", "title": "Stage 2 Letter", "docx": "stage2-letter.docx",
                   "html": "print/stage2-letter.html", "per": "parent"}
    by_name = {f.name: f for f in FORM.fields}
    kinds = {"figures.attendance_pct": "number", "figures.days_missed": "number", "figures.broken_weeks": "integer",
             "figures.weeks": "integer"}
    for name, kind in kinds.items():
        assert by_name[name].type == kind and by_name[name].required
        assert by_name[name].options["from_register"]["to"] == "letter_date"
    assert by_name["engagement"].type == "choice" and by_name["next_step"].type == "choice"
    assert [c["value"] for c in by_name["engagement"].options["choices"]] == ["previous_meeting",
                                                                              "unsuccessful_attempts"]
    assert [c["value"] for c in by_name["next_step"].options["choices"]] == [
        "meeting", "team_around_the_child", "team_around_the_family", "core_group"]
    assert by_name["letter_date"].options["default"] == "today"
    assert "Stockport" not in json.dumps(FORM.raw)


def test_the_sample_is_valid_and_the_child_is_of_compulsory_school_age():
    data = sample()
    assert len(data["parents"]) == 2 and data["letter_date"] == dt.date(2026, 3, 6)
    verdict = evaluate(FORM, data, profile=load_profile("national-2024"), today=dt.date(2026, 3, 6))
    assert verdict.rule("compulsory_school_age").status == "pass"


@pytest.mark.parametrize("change, path", [
    ({"figures": {"attendance_pct": 101, "days_missed": 17, "broken_weeks": 11, "weeks": 21}}, "figures"),
    ({"figures": {"attendance_pct": 84.55, "days_missed": 17, "broken_weeks": 11, "weeks": 21}}, "figures"),
    ({"engagement": "something_else"}, "engagement"),
    ({"next_step": "panel"}, "next_step"),
    ({"meeting": {"date": "2026-03-17", "time": "10.30 in the morning"}}, "meeting"),
    ({"meeting": {"date": "2026-03-17", "time": "13pm"}}, "meeting"),
    ({"meeting": {"date": "2026-03-17", "time": "24:00"}}, "meeting"),
    ({"meeting": {"date": "2026-03-06", "time": "10:30"}}, "meeting"),  # must be after the letter
])
def test_invalid_answers_are_refused(change, path):
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), **change})
    assert path in err.value.messages


# --- one letter per parent ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("index, name, address", [(0, "Leanne Hughes", CHILD_ADDRESS),
                                                  (1, "Darren Hughes", FATHER_ADDRESS)])
def test_each_parent_gets_a_letter_addressed_to_them(letters, fmt, index, name, address):
    text = letters[index][fmt]
    other = "Darren Hughes" if index == 0 else "Leanne Hughes"
    assert f"{name} {' '.join(address)}" in text
    assert f"Dear {name}" in text and other not in text
    assert "Date: 6 March 2026" in text and "Our reference: S2L-2026-000004" in text
    for phrase in SEED_PHRASES + [PREVIOUS_MEETING, MEETING, MEETING_WHEN + " and Tyler attend."]:
        assert squash(phrase) in text, phrase
    assert squash(ATTEMPTS) not in text and PROCESS not in text
    assert "DRAFT" not in text and "Not given" not in text and "Stockport" not in text
    assert not PLACEHOLDERS.search(text)


def test_the_letter_reads_in_the_seed_order(letters):
    order = ["Brindley Park High School", "Darren Hughes", "Our reference", "Date: 6 March 2026", "Dear Darren Hughes",
             "Re: Tyler Hughes", "I am writing to you", "Please find enclosed", "During the previous meeting",
             "Please be aware", "I am now writing", "I have also arranged", "I must remind you",
             "I must also remind you", "Yours sincerely", "Mr Daniel Pearce", "Attendance Lead"]
    for fmt in ("docx", "pdf"):
        positions = [letters[1][fmt].find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


# --- the seed's choices, both ways, in both formats -------------------------------------------------

@pytest.mark.parametrize("engagement, present, absent", [
    ("previous_meeting", PREVIOUS_MEETING, ATTEMPTS),
    ("unsuccessful_attempts", ATTEMPTS, PREVIOUS_MEETING),
])
def test_the_engagement_choice_prints_one_paragraph(engagement, present, absent):
    both = render_both(context(sample(engagement=engagement), recipient=1))
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        assert squash(present) in text and squash(absent) not in text, fmt
        assert squash(FIGURES) in text and "Dear Darren Hughes" in text
    assert {p for p in (PREVIOUS_MEETING, ATTEMPTS) if squash(p) in both["docx"]} == \
           {p for p in (PREVIOUS_MEETING, ATTEMPTS) if squash(p) in both["pdf"]}


def test_the_six_weeks_are_bold_in_both_formats():
    ctx = context(sample(engagement="unsuccessful_attempts"), recipient=0)
    both = render_both(ctx)
    runs = [r for p in docx.Document(io.BytesIO(both["docx_bytes"])).paragraphs for r in p.runs if r.text == "6 weeks"]
    assert runs and runs[0].bold


@pytest.mark.parametrize("next_step, process", [
    ("team_around_the_child", "Team Around the Child"),
    ("team_around_the_family", "Team Around the Family"),
    ("core_group", "Core Group process"),
])
def test_a_child_in_a_tac_taf_or_core_group_process_gets_no_meeting(next_step, process):
    data = sample(next_step=next_step, meeting={})
    both = render_both(context(data, recipient=0))
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        assert f"{PROCESS} {process}." in text, fmt
        for other in {"Team Around the Child", "Team Around the Family", "Core Group"} - {process.replace(" process", "")}:
            assert other not in text, (fmt, other)
        assert MEETING not in text and "The meeting has been arranged" not in text
        assert "Dear Leanne Hughes" in text and squash(FIGURES) in text
        assert "Not given" not in text and not PLACEHOLDERS.search(text)


def test_the_meeting_choice_prints_the_time_and_date_and_no_process():
    data = sample(meeting={"date": dt.date(2026, 3, 19), "time": "14:00", "child_invited": False})
    both = render_both(context(data, recipient=0))
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        assert MEETING in text and PROCESS not in text
        assert ("The meeting has been arranged for 2:00pm on Thursday 19 March 2026 and it is important that you "
                "attend.") in text
        assert "you and Tyler attend" not in text


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_figures_are_printed_as_given(fmt):
    data = sample(figures={"attendance_pct": 0, "days_missed": 120, "broken_weeks": 3, "weeks": 38})
    text = render_both(context(data, recipient=1))[fmt]
    assert "now stands at 0% and they have missed 120 days of school this academic year with 3/38 broken weeks." in text


# --- parity and robustness ----------------------------------------------------------------------------

def _printed_values(ctx) -> list[str]:
    values = []

    def walk(value):
        if isinstance(value, str):
            values.extend(line for line in value.split("\n") if line.strip())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
    walk({key: ctx[key] for key in ("recipient", "letter", "school_name", "la_name", "reference")})
    return [v for v in values if v != ctx["recipient"]["relationship"]]


@pytest.mark.parametrize("index", [None, 0, 1])
@pytest.mark.parametrize("engagement, next_step", [("previous_meeting", "meeting"),
                                                   ("unsuccessful_attempts", "core_group")])
def test_docx_and_pdf_carry_the_same_phrases(index, engagement, next_step):
    ctx = context(sample(engagement=engagement, next_step=next_step), recipient=index)
    both = render_both(ctx)
    phrases = set(SEED_PHRASES + [PREVIOUS_MEETING, ATTEMPTS, MEETING, MEETING_WHEN, PROCESS] + _printed_values(ctx))
    in_docx = {p for p in phrases if squash(p) in both["docx"]}
    in_pdf = {p for p in phrases if squash(p) in both["pdf"]}
    assert in_docx == in_pdf
    assert set(SEED_PHRASES) <= in_docx


def test_without_a_recipient_the_letter_is_to_parent_carer_at_the_childs_address():
    both = render_both(context(recipient=None))
    for fmt in ("docx", "pdf"):
        assert f"Parent/Carer {' '.join(CHILD_ADDRESS)}" in both[fmt]
        assert "Dear Parent/Carer" in both[fmt] and "DRAFT" not in both[fmt]


def test_hostile_text_is_printed_literally():
    data = sample(signatory={"name": HOSTILE, "role": "Head of Year & <b>Attendance</b>"})
    data["pupil"] = {**data["pupil"], "first_name": "O'Neil <Ty>"}
    both = render_both(context(data, recipient=1))
    for fmt in ("docx", "pdf"):
        assert squash(HOSTILE) in both[fmt], fmt
        assert "Head of Year & <b>Attendance</b>" in both[fmt] and "O'Neil <Ty>'s attendance" in both[fmt]
        assert "49" not in both[fmt]


def test_a_preview_of_an_empty_letter_still_renders_with_the_seeds_options():
    both = render_both(build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        assert "Dear Parent/Carer" in text and "DRAFT" not in text
        assert "During the previous meeting" in text and "Over the last 6 weeks" in text
        assert "I have also arranged a further School Attendance Meeting" in text
        assert "Team Around the Child / Team Around the Family / Core Group process." in text


def test_both_are_a4_and_the_pdf_names_itself(letters):
    for section in docx.Document(io.BytesIO(letters[0]["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(letters[0]["pdf_bytes"]))
    assert reader.metadata.title == DOC["title"] and len(reader.pages) == 1
    page = reader.pages[0]
    assert (round(float(page.mediabox.width) * 25.4 / 72), round(float(page.mediabox.height) * 25.4 / 72)) == (210, 297)


@pytest.mark.parametrize("broken, accepted", [(20, True), (21, True), (22, False)])
def test_broken_weeks_cannot_be_more_than_the_school_weeks(broken, accepted):
    raw = json.loads(json.dumps(SAMPLE_JSON))
    raw["figures"].update(broken_weeks=broken, weeks=21)
    if accepted:
        FORM.schema(complete=True).load(raw)
        return
    with pytest.raises(ValidationError) as caught:
        FORM.schema(complete=True).load(raw)
    assert caught.value.messages["figures"]["broken_weeks"] == [
        "Broken weeks cannot be more than school weeks so far this academic year (21)"]
