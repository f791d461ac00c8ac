"""Knowsley's Attendance letter 1, Attendance letter 2 and Penalty Warning Notice letter (004, Toolkit, Levels
1-3): one form under the knowsley profile only, one letter per parent, the penalty warning stating the law in
force on the letter's date, and the rules at their boundaries from realistic registers.

The sample (tests/samples/knowsley-attendance-letter.json) is Kayden Whitfield, Year 6 at a Knowsley primary
school; his mother Leanne lives at his address (Knowsley Village), his father Craig at his own (Whiston). The
letter is letter 2, dated Tuesday 2 December 2025, inviting both to an Attendance Improvement Meeting with the
Traded Officer on 9 December. The registers are on the calendar of tests/support/registers.py (2025/26, half
terms 27-31 October, 16-20 February, 25-29 May).
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.formatting import format_money
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.rules import evaluate
from forms_service.rules.law import REGIME_2024, REGIME_BEFORE_2024
from forms_service.rules.titles import TITLES

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, date_parts, login, post_page, set_profile, text
from support.registers import PupilRegister, typical_pupil

D = dt.date
FORM_ID = "knowsley-attendance-letter"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "St Mary's Catholic Primary School"}
LA = {"name": "Knowsley Council", "inbox": "school-attendance@la.invalid", "jurisdiction": "england"}
REFERENCE = "KAL-2025-000012"
LETTER_DAY = D(2025, 12, 2)
CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference=REFERENCE, today=LETTER_DAY, profile="knowsley")
sample, context = CASE.sample, CASE.context
KNOWSLEY = load_profile("knowsley")
CHILD_ADDRESS = "23 Tithebarn Road Knowsley Village Prescot L34 0ER"
FATHER_ADDRESS = "8 Pottery Close Whiston Prescot L35 3SY"
CONTACT = "0151 477 8210 or attendance@stmarys-knowsley.example"


def render(data: dict, recipient: int = 1) -> dict:
    return CASE.render(DOC, context(data, recipient=recipient))


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_knowsley_s_own_letter_to_each_parent_with_a_choice_of_three():
    assert FORM.kind == "letter" and FORM.source.startswith("004, Toolkit") and FORM.reference_prefix == "KAL"
    assert FORM.raw["jurisdictions"] == ["england"] and FORM.profiles == ("knowsley",)
    assert FORM.raw["sample_profile"] == "knowsley" and FORM.measure_from == "letter_date"
    assert list(FORM.rules) == ["penalty_warning_school_age", "attendance_this_year", "absence_band",
                                "late_marks_threshold"]
    # A warning is sent BEFORE the threshold is reached: the threshold is stated, never a condition.
    assert "unauthorised_sessions_threshold" not in FORM.rules
    assert DOC["per"] == "parent" and FORM.evidence == () and FORM.declaration == ""
    assert "does not reproduce them: their text is the service's own" in " ".join(FORM.intro)
    choice = next(f for f in FORM.fields if f.name == "letter_type")
    assert [c["value"] for c in choice.options["choices"]] == ["letter_1", "letter_2", "penalty_warning"]
    parents = next(f for f in FORM.fields if f.name == "parents")
    assert [f.name for f in parents.item_fields] == ["name", "relationship", "address"]  # England: no language
    assert TITLES["penalty_warning_school_age"] and FORM.uses_register
    assert FORM.used_under(KNOWSLEY)
    assert not any(FORM.used_under(load_profile(p)) for p in ("national-2024", "southend", "stockport", "cardiff"))
    assert FORM.where_used() == "Knowsley (England)"


@pytest.mark.parametrize("change, field", [
    ({"letter_type": "letter_3"}, ("letter_type",)),
    ({"letter_type": None}, ("letter_type",)),
    ({"meeting": {"date": "2025-12-01"}}, ("meeting", "date")),
    ({"meeting": {"date": "2025-12-09", "time": "after lunch"}}, ("meeting", "time")),
    ({"contact_details": ""}, ("contact_details",)),
    ({"letter_date": "2 December"}, ("letter_date",)),
    ({"figures": {"attendance_pct": 101}}, ("figures", "attendance_pct")),
    ({"figures": {"unauthorised_sessions_10wk": -1}}, ("figures", "unauthorised_sessions_10wk")),
    ({"figures": {"unauthorised_sessions_10wk": 2.5}}, ("figures", "unauthorised_sessions_10wk")),
    ({"sender": {"name": "", "role": "Attendance Lead"}}, ("sender", "name")),
    ({"traded_officer": "x" * 201}, ("traded_officer",)),
    ({"parents": []}, ("parents",)),
])
def test_bad_answers_are_refused_naming_the_field(change, field):
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), **change})
    node = err.value.messages
    for part in field:
        assert part in node, (field, err.value.messages)
        node = node[part]


def test_a_parent_without_a_name_is_refused_naming_the_parent():
    data = copy.deepcopy(SAMPLE_JSON)
    data["parents"][1]["name"] = ""
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load(data)
    assert "name" in err.value.messages["parents"][1]


# --- the rules -------------------------------------------------------------------------------------

def verdict(data: dict | None = None, register=None, today: dt.date = LETTER_DAY, **changes):
    data = sample(**changes) if data is None else data
    return evaluate(FORM, data, register=register, profile=KNOWSLEY, today=today)


def _pupil_missing(sessions: int) -> PupilRegister:
    """An ordinary year (typical_pupil: 6 sessions missed in the autumn) and `sessions` - 6 more, illness
    in the spring and unexplained absence in the summer term."""
    pupil = typical_pupil()
    extra = sessions - 6
    pupil.mark_sessions(extra // 2, "I", D(2026, 1, 5), D(2026, 3, 27), seed=3)
    pupil.mark_sessions(extra - extra // 2, "O", D(2026, 4, 13), D(2026, 6, 30), seed=4)
    return pupil


# 004, Level 1: "for example when attendance drops below 95%"; Appendix C: "less than 95%". 360 possible
# sessions up to Wednesday 1 July 2026 (180 school days), 370 up to Wednesday 8 July (185).
@pytest.mark.parametrize("letter_day, possible, missed, shown, status", [
    (D(2026, 7, 8), 370, 19, "94.9%", "pass"),      # 351 of 370: just under 95%
    (D(2026, 7, 1), 360, 18, "95%", "advisory"),     # 342 of 360: exactly 95%, not below it
    (D(2026, 7, 8), 370, 18, "95.1%", "advisory"),  # 352 of 370: just over
])
def test_the_level_1_trigger_is_attendance_below_95_percent_from_the_register(letter_day, possible, missed,
                                                                               shown, status):
    register = _pupil_missing(missed).build(letter_day)
    for kind in ("letter_1", "letter_2", "penalty_warning"):
        result = verdict(register=register, today=letter_day, letter_date=letter_day, letter_type=kind,
                         figures={}, meeting=None)
        rule = result.rule("attendance_this_year")
        assert (rule.status, rule.details["possible"], rule.details["attended"]) == \
            (status, possible, possible - missed), rule.reason
        assert f"Attendance {shown} ({possible - missed} of {possible} possible sessions) in 2025/26" in rule.reason
        assert "for attendance below 95%" in rule.reason and rule.source.startswith("004, Level 1")
        # Advisory above the trigger: the headteacher may still write; nothing blocks.
        assert result.eligible, [(r.id, r.status) for r in result.rules]
    letter = render(sample(letter_type="letter_1", letter_date=letter_day, meeting=None,
                           figures={"attendance_pct": float(shown.rstrip("%"))}))
    for fmt in ("docx", "pdf"):
        assert f"Kayden Whitfield's attendance this school year is {shown}." in letter[fmt]


def test_the_letter_says_why_only_when_attendance_is_below_the_level():
    why = "We write to parents when a child's attendance falls below 95%, because every day missed is learning missed."
    below = render(sample(letter_type="letter_1", figures={"attendance_pct": 94.9}))
    at = render(sample(letter_type="letter_1", figures={"attendance_pct": 95.0}))
    for fmt in ("docx", "pdf"):
        assert why in below[fmt] and "attendance this school year is 94.9%." in below[fmt]
        assert why not in at[fmt] and "attendance this school year is 95%." in at[fmt]


@pytest.mark.parametrize("kind, on, status", [
    ("penalty_warning", D(2026, 3, 30), "fail"),   # born 10 January 2021: compulsory school age from 31 March
    ("penalty_warning", D(2026, 3, 31), "pass"),
    ("penalty_warning", D(2026, 4, 1), "pass"),
    ("letter_1", D(2026, 3, 30), "pass"),          # a letter of concern for a Reception child not yet five
    ("letter_2", D(2026, 3, 30), "pass"),
])
def test_only_the_penalty_warning_needs_compulsory_school_age(kind, on, status):
    result = verdict(letter_type=kind, letter_date=on, today=on, meeting=None,
                     pupil={**sample()["pupil"], "date_of_birth": D(2021, 1, 10), "year_group": "Reception"})
    rule = result.rule("penalty_warning_school_age")
    assert rule.status == status, rule.reason
    if kind == "penalty_warning":
        assert "compulsory school age on" in rule.reason.lower() and "s.8" in rule.source
    else:
        assert "only a penalty notice needs a child of compulsory school age" in rule.reason
        assert rule.source.startswith("004, Levels 1-2")
    assert result.eligible is (status == "pass")


def test_the_absence_band_and_late_marks_are_counted_from_the_register():
    pupil = typical_pupil()
    # Persistently late after the register closed: 14 U marks in the autumn's last weeks.
    for day in pupil.open_days(D(2025, 11, 10), D(2025, 11, 27))[:14]:
        pupil.mark(day, "U", ["AM"])
    result = verdict(register=pupil.build(LETTER_DAY), letter_type="penalty_warning")
    late = result.rule("late_marks_threshold")
    assert late.status == "advisory" and late.details["late_marks"] == 14
    assert "from 19 August 2024 the national threshold decides a penalty notice instead" in late.reason
    band = result.rule("absence_band")
    assert band.status == "advisory" and band.details["missed"] == 6 + 14  # U is an absence for the session
    assert "Persistently absent" in band.reason
    assert result.eligible


def test_the_sample_passes_every_blocking_rule():
    result = verdict()
    assert result.eligible
    assert [(r.id, r.status) for r in result.rules] == [
        ("penalty_warning_school_age", "pass"), ("attendance_this_year", "pass"), ("absence_band", "advisory"),
        ("late_marks_threshold", "advisory")]


# --- the letters -----------------------------------------------------------------------------------

HEAD = [SCHOOL["name"], "Craig Whitfield " + FATHER_ADDRESS, f"Our reference: {REFERENCE}", "Date: 2 December 2025",
        "Dear Craig Whitfield"]
MEDICAL = ("Please be aware that any further absences may not be authorised unless medical evidence is provided. "
           "Medical evidence can be an appointment card, a prescription with Kayden Whitfield's name and the date on "
           "it, or prescription medicine. You do not need to ask your doctor for a note.")
CLOSE = ["Yours sincerely", f"Mrs Anne Doherty Attendance Lead {SCHOOL['name']}"]
KEY = {
    "letter_1": ["Our concern about your child's attendance",
                 "We are writing because we are concerned about Kayden Whitfield's attendance at St Mary's Catholic "
                 "Primary School.",
                 "We expect Kayden Whitfield's attendance to improve, and we want to work with you and Kayden "
                 "Whitfield to make that happen.",
                 "an Early Help Assessment to bring in other services that can help your family."],
    "letter_2": ["Your child's attendance has not improved",
                 "We are writing again because it has not improved, despite the support we have offered.",
                 "We have asked Mrs Joanne Kelly, Knowsley's Traded Officer for attendance who works with our school, "
                 "to hold an Attendance Improvement Meeting.",
                 "The Attendance Improvement Meeting will be held on:"],
    "penalty_warning": ["Penalty Notice warning: your child's attendance",
                        "the school may ask Knowsley Council to issue a penalty notice to you.",
                        "the local authority has to consider statutory action.",
                        "In the last 10 school weeks up to the date of this letter, Kayden Whitfield has had 7 "
                        "sessions of unauthorised absence.",
                        "A penalty notice may be considered when a pupil has 10 or more sessions of unauthorised "
                        "absence within a rolling period of 10 school weeks.",
                        "Arriving after the register has closed is recorded as an unauthorised absence (code U) for "
                        "that session. Each late arrival after the register has closed counts as one of the 10 "
                        "sessions: Knowsley Council no longer waits for 14 late marks within 10 weeks, as its earlier "
                        "code of conduct did, before it considers a penalty notice.",
                        "the local authority may first send you a Notice to Improve",
                        "A first penalty notice is £80 if paid within 21 days, rising to £160 if paid within 28 days.",
                        "A second penalty notice to the same parent for the same child within 3 years is £160, to be "
                        "paid within 28 days.",
                        "No more than 2 penalty notices can be issued to the same parent for the same child within 3 "
                        "years: after that the local authority will consider other action, such as prosecution.",
                        "under section 444 of the Education Act 1996",
                        f"Please contact us on {CONTACT} if there is a reason for Kayden Whitfield's absence"],
}
ATTENDANCE = ("Kayden Whitfield's attendance this school year is 91.2%. We write to parents when a child's attendance "
              "falls below 95%")
MEETING = ["Date: 9 December 2025", "Time: 9:15am", "Place: the Family Room",
           f"If you cannot come at this time, please contact us on {CONTACT} to arrange another."]


@pytest.fixture(scope="module")
def letters():
    return {kind: render(sample(letter_type=kind)) for kind in KEY}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("kind", list(KEY))
def test_the_chosen_letter_and_only_it_is_printed(letters, kind, fmt):
    words = letters[kind][fmt]
    for phrase in KEY[kind] + HEAD + [ATTENDANCE, MEDICAL] + MEETING + CLOSE:
        assert squash(phrase) in words, phrase
    for other, phrases in KEY.items():
        for phrase in phrases if other != kind else ():
            assert squash(phrase) not in words, (other, phrase)
    assert "Leanne Whitfield" not in words and "DRAFT" not in words and "Not given" not in words
    # 004's out-of-date figures are never printed.
    assert "£60" not in words and "£120" not in words


def test_the_words_of_the_two_formats_are_the_same(letters):
    # The page furniture (the PDF's footer on each page, its page numbers) aside, the words match.
    furniture = re.compile(r"(• • • )?Reference: \S+ Page \d+ of \d+ ?")
    for kind, both in letters.items():
        assert furniture.sub("", both["docx"]) == furniture.sub("", both["pdf"]), kind


def test_the_letter_reads_in_order(letters):
    order = ["Craig Whitfield", "Our reference", "Dear Craig Whitfield", "Penalty Notice warning",
             "may ask Knowsley Council", "attendance this school year is 91.2%", "In the last 10 school weeks",
             "The law in force on the date of this letter", "Arriving after the register has closed",
             "Notice to Improve", "A first penalty notice is £80", "section 444", "invite you to a meeting",
             "medical evidence", "Please contact us", "Yours sincerely", "Mrs Anne Doherty"]
    for fmt in ("docx", "pdf"):
        positions = [letters["penalty_warning"][fmt].find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


def test_each_parent_gets_a_letter_addressed_to_them():
    to_mother = render(sample(), recipient=0)
    for fmt in ("docx", "pdf"):
        assert f"Leanne Whitfield {CHILD_ADDRESS}" in to_mother[fmt] and "Dear Leanne Whitfield" in to_mother[fmt]
        assert "Craig Whitfield" not in to_mother[fmt]


def test_letter_2_without_a_traded_officer_or_a_date_asks_the_parents_to_arrange_a_meeting_in_school():
    both = render(sample(traded_officer=None, meeting=None))
    for fmt in ("docx", "pdf"):
        assert ("We would like to meet you to agree how Kayden Whitfield's attendance will improve, and the support "
                "that will help.") in both[fmt]
        assert f"Please contact us on {CONTACT} to arrange the meeting." in both[fmt]
        assert "Attendance Improvement Meeting" not in both[fmt] and "Date: 9 December" not in both[fmt]
        assert "if you would like to talk about" not in both[fmt]
        assert squash(MEDICAL) in both[fmt]


def test_letter_1_without_figures_or_a_meeting_still_reads_whole():
    both = render(sample(letter_type="letter_1", figures={}, meeting=None))
    for fmt in ("docx", "pdf"):
        assert "attendance this school year is" not in both[fmt] and "invite you to a meeting" not in both[fmt]
        assert f"Please contact us on {CONTACT} if you would like to talk about Kayden Whitfield's attendance." \
            in both[fmt]


# --- the law in force on the letter's date (DESIGN.md §2) ---------------------------------------------

def _warning(day: dt.date) -> dict:
    return render(sample(letter_type="penalty_warning", letter_date=day, meeting=None))


@pytest.mark.parametrize("day", [D(2024, 8, 16), D(2024, 8, 18)])
def test_a_warning_dated_before_19_august_2024_states_the_law_of_then(day):
    both = _warning(day)
    lower, higher = (format_money(p.pence) for p in REGIME_BEFORE_2024.first)
    assert (lower, higher) == ("£60", "£120")
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert f"A first penalty notice is {lower} if paid within 21 days, rising to {higher} if paid within 28 days." \
            in words
        assert ("The law in force on the date of this letter is The Education (Penalty Notices) (England) Regulations "
                "2007, as amended in 2013. Knowsley Council's code of conduct for penalty notices sets when a penalty "
                "notice may be issued.") in words
        assert "persistent late arrival after the register has closed may itself lead to a penalty notice" in words
        for later in ("£80", "£160", "A second penalty notice", "No more than", "Notice to Improve", "10 or more",
                      "Working together"):
            assert later not in words, (fmt, later)


def test_a_warning_dated_19_august_2024_states_the_national_framework():
    both = _warning(D(2024, 8, 19))
    lower, higher = (format_money(p.pence) for p in REGIME_2024.first)
    assert (lower, higher, REGIME_2024.threshold) == ("£80", "£160", (10, 10))
    for fmt in ("docx", "pdf"):
        words = both[fmt]
        assert "Date: 19 August 2024" in words
        assert f"A first penalty notice is {lower} if paid within 21 days, rising to {higher} if paid within 28 days." \
            in words
        assert ("the national framework for penalty notices in Working together to improve school attendance "
                "(Department for Education, August 2024), and The Education (Penalty Notices) (England) Regulations "
                "2007, as amended by the Education (Penalty Notices) (England) (Amendment) Regulations 2024, in "
                "force from 19 August 2024.") in words
        for phrase in KEY["penalty_warning"][4:10]:
            assert squash(phrase) in words, (fmt, phrase)
        assert "£60" not in words and "£120" not in words


def test_letters_1_and_2_state_no_penalty():
    for kind in ("letter_1", "letter_2"):
        both = render(sample(letter_type=kind))
        for fmt in ("docx", "pdf"):
            assert "penalty" not in both[fmt].lower() and "£" not in both[fmt]


# --- robustness ------------------------------------------------------------------------------------

def test_hostile_text_is_printed_literally():
    hostile = "{{ 7*7 }} {%p if x %} {_{ y }_} <script>alert('x')</script> & \"quotes\""
    data = sample(traded_officer=hostile, meeting={"date": D(2025, 12, 9), "place": "Room <b>4</b> & the {{ hall }}"})
    both = render(data)
    for fmt in ("docx", "pdf"):
        assert squash(f"We have asked {hostile}, Knowsley's Traded Officer") in both[fmt]
        assert "Place: Room <b>4</b> & the {{ hall }}" in both[fmt] and "49" not in both[fmt]


def test_a_preview_of_an_empty_letter_still_renders():
    both = CASE.render(DOC, build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        assert "Dear Parent/Carer" in both[fmt] and "Our concern about your child's attendance" in both[fmt]
        assert "DRAFT" not in both[fmt]


def test_both_are_a4_and_the_pdf_names_itself(letters):
    for section in Document(io.BytesIO(letters["letter_1"]["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(letters["letter_1"]["pdf_bytes"]))
    assert reader.metadata.title == DOC["title"] and len(reader.pages) == 1


# --- through the API and the web, under Knowsley's profile -------------------------------------------

API = "/api/v1"


def register_json(pupil: PupilRegister, until: dt.date) -> dict:
    return {"code_set": "2024", "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                             for s in pupil.build(until).sessions]}


@pytest.fixture
def token(client):
    return bearer(api_token(client, "office@demo.school"))


def test_the_warning_counts_late_arrival_after_the_register_closed_from_the_register(client, token):
    pupil = typical_pupil()
    lates = pupil.open_days(D(2025, 11, 3), D(2025, 11, 28))[:6]
    for day in lates:
        pupil.mark(day, "U", ["AM"])
    pupil.mark_days(D(2025, 12, 1), D(2025, 12, 2), "O")
    data = {**SAMPLE_JSON, "letter_type": "penalty_warning", "figures": {}, "meeting": {}}
    response = client.post(f"{API}/documents/{FORM_ID}", headers=token,
                           json={"data": data, "format": "docx", "register": register_json(pupil, LETTER_DAY),
                                 "profile": "knowsley"})
    assert response.status_code == 200 and response.mimetype == "application/zip", response.get_data()[:500]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        written = [squash(docx_text(archive.read(name))) for name in sorted(archive.namelist())]
    assert len(written) == 2 and "Dear Leanne Whitfield" in written[0] and "Dear Craig Whitfield" in written[1]
    # 6 late marks after the register closed (U), 4 sessions of unexplained absence (O) and typical_pupil's one N
    # of September: the 10 school weeks from 22 September (the half term is not a school week) hold 11.
    assert pupil.count("N", D(2025, 9, 22), LETTER_DAY) == 1
    for words in written:
        assert ("In the last 10 school weeks up to the date of this letter, Kayden Whitfield has had 11 sessions of "
                "unauthorised absence.") in words
        assert "A first penalty notice is £80 if paid within 21 days" in words


def test_the_eligibility_check_runs_under_knowsley_and_is_refused_under_another_profile(client, token):
    ok = client.post(f"{API}/eligibility/{FORM_ID}", headers=token, json={"data": SAMPLE_JSON, "profile": "knowsley"})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["eligible"] is True
    for other in ("national-2024", "stockport"):
        refused = client.post(f"{API}/eligibility/{FORM_ID}", headers=token, json={"data": SAMPLE_JSON, "profile": other})
        assert refused.status_code == 422, refused.get_json()
        said = json.dumps(refused.get_json())
        assert "used in Knowsley (England)" in said and "choose the profile knowsley" in said
    documents = client.post(f"{API}/documents/{FORM_ID}", headers=token,
                            json={"data": SAMPLE_JSON, "format": "pdf", "profile": "national-2024"})
    assert documents.status_code == 422 and "knowsley" in json.dumps(documents.get_json())
    listed = client.get(f"{API}/forms", headers=token).get_json()
    entry = next(f for f in (listed["forms"] if isinstance(listed, dict) else listed) if f["id"] == FORM_ID)
    assert entry["profiles"] == ["knowsley"] and entry["jurisdictions"] == ["england"]


def _web_pages() -> dict:
    s = SAMPLE_JSON
    return {
        "pupil": {"pupil__first_name": s["pupil"]["first_name"], "pupil__last_name": s["pupil"]["last_name"],
                  "pupil__date_of_birth": date_parts(s["pupil"]["date_of_birth"]),
                  "pupil__year_group": s["pupil"]["year_group"], "pupil__address": s["pupil"]["address"]},
        "parents": {f"parents-{i}-{k}": v for i, p in enumerate(s["parents"]) for k, v in p.items()},
        "attendance": {"letter_type": "penalty_warning", "figures__attendance_pct": "91.2",
                       "figures__unauthorised_sessions_10wk": "7"},
        "meeting": {"traded_officer": "", "meeting__date": ["", "", ""], "meeting__time": "", "meeting__place": ""},
        "letter": {"contact_details": s["contact_details"], "letter_date": date_parts(s["letter_date"]),
                   "sender__name": s["sender"]["name"], "sender__role": s["sender"]["role"]},
    }


def test_the_warning_is_written_on_the_web_under_knowsley_and_downloaded_for_each_parent(app, client):
    login(client, "office@demo.school")
    assert client.get(f"/referrals/new/{FORM_ID}").status_code == 404  # the demo LA's profile is not Knowsley's
    set_profile(app, "knowsley")
    start = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert start.status_code == 302 and start.location.endswith("/pages/pupil")
    base = start.location.rsplit("/pages/", 1)[0]
    pages = _web_pages()
    assert [p.id for p in FORM.pages] == list(pages)
    for page_id in ("pupil", "parents"):
        response = post_page(client, f"{base}/pages/{page_id}", pages[page_id])
        assert response.status_code == 302, (page_id, text(response)[:3000])
    bad = post_page(client, f"{base}/pages/attendance", {**pages["attendance"], "figures__attendance_pct": "101"})
    assert bad.status_code == 422 and "Attendance this school year" in text(bad)
    for page_id in ("attendance", "meeting", "letter"):
        response = post_page(client, f"{base}/pages/{page_id}", pages[page_id])
        assert response.status_code == 302, (page_id, text(response)[:3000])

    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" not in page and "Leanne Whitfield" in page and "Craig Whitfield" in page
    for to, name, other in ((1, "Leanne Whitfield", "Craig Whitfield"), (2, "Craig Whitfield", "Leanne Whitfield")):
        for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
            response = client.get(f"{base}/letter/{FORM_ID}.{fmt}?to={to}")
            assert response.status_code == 200, (to, fmt)
            words = squash(read(response.data))
            assert f"Dear {name}" in words and other not in words
            assert "Penalty Notice warning: your child's attendance" in words
            assert "has had 7 sessions of unauthorised absence" in words
            assert "A first penalty notice is £80 if paid within 21 days, rising to £160 if paid within 28 days." \
                in words
