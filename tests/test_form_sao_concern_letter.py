"""Cardiff's letter home on the third consecutive day of unauthorised absence, and its letters of
concern (002, Steps 1-2): one letter per parent, every fixed sentence translatable, and the rule
`third_day_absence` at its boundaries from realistic Welsh registers (code set wales-2010).

The sample (tests/samples/sao-concern-letter.json) is Osian Price, Year 8 at a Cardiff high school;
his mother Siân lives at his address (14 Heol y Nant, Whitchurch) and wants letters in Welsh, his
father Gareth at his own (Rhiwbina) in English. Osian has been absent without a reason since Friday
28 November 2025; the letter is dated Tuesday 2 December 2025, the third school day (the weekend is
not school days). The registers below are on the calendar of tests/support/registers.py, whose
2025/26 half terms (27-31 October, 16-20 February, 25-29 May) are Cardiff's too.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from docx import Document
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents import language
from forms_service.documents.context import build_context
from forms_service.formdefs import get_form
from forms_service.policies import load_profile
from forms_service.register.marks import Register
from forms_service.rules import evaluate
from forms_service.rules.absence_days import absence_run
from forms_service.rules.titles import TITLES

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, date_parts, login, post_page, set_profile, text
from support.messages import docx_messages, html_messages, mark_every_message, outside_messages
from support.registers import PupilRegister

D = dt.date
FORM_ID = "sao-concern-letter"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "Llanishen High School"}
LA = {"name": "Cardiff Council", "inbox": "ews-referrals@la.invalid", "jurisdiction": "wales"}
REFERENCE = "SCL-2025-000031"
LETTER_DAY = D(2025, 12, 2)
WALES = "wales-2010"
CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference=REFERENCE, today=LETTER_DAY, profile="cardiff")
sample, context = CASE.sample, CASE.context
CARDIFF = load_profile("cardiff")
CHILD_ADDRESS = "14 Heol y Nant Whitchurch Cardiff CF14 1AA"
FATHER_ADDRESS = "7 Ffordd Las Rhiwbina Cardiff CF14 6QB"
CONTACT = "029 2076 1234 or attendance@llanishen-high.example"


def render(data: dict, recipient: int = 1) -> dict:
    return CASE.render(DOC, context(data, recipient=recipient))


# --- the declaration -------------------------------------------------------------------------------

def test_the_declaration_is_a_welsh_letter_to_each_parent_with_a_choice_of_four():
    assert FORM.kind == "letter" and FORM.source == "002, Steps 1-2" and FORM.reference_prefix == "SCL"
    assert FORM.raw["jurisdictions"] == ["wales"] and FORM.raw["sample_profile"] == "cardiff"
    assert FORM.measure_from == "letter_date" and list(FORM.rules) == ["compulsory_school_age", "third_day_absence"]
    assert DOC["per"] == "parent" and FORM.evidence == () and FORM.declaration == ""
    assert "does not reproduce them: their text is the service's own" in " ".join(FORM.intro)
    choice = next(f for f in FORM.fields if f.name == "letter_type")
    assert [c["value"] for c in choice.options["choices"]] == ["third_day", "concern_first", "concern_second",
                                                               "concern_final"]
    parents = next(f for f in FORM.fields if f.name == "parents")
    lang = next(f for f in parents.item_fields if f.name == "language")
    assert (lang.type, lang.label, lang.hint, lang.options["default"]) == (
        "choice", "Language for letters", "Welsh councils offer correspondence in Welsh", "en")
    assert [(c["value"], c["label"]) for c in lang.options["choices"]] == list(language.LANGUAGES.items())
    assert TITLES["third_day_absence"]
    # The register marks can be uploaded (a figure the marks fill): the rule counts days from them.
    assert FORM.uses_register


@pytest.mark.parametrize("change, field", [
    ({"letter_type": "fourth_day"}, ("letter_type",)),
    ({"letter_type": None}, ("letter_type",)),
    ({"absence": {"first_day": "2025-12-01", "last_day": "2025-11-28"}}, ("absence", "last_day")),
    ({"absence": {"first_day": "2025-12-03"}}, ("letter_date",)),
    ({"meeting": {"date": "2025-12-05", "time": "half past three"}}, ("meeting", "time")),
    ({"meeting": {"date": "2025-12-01"}}, ("meeting", "date")),
    ({"sao_name": ""}, ("sao_name",)),
    ({"medical_confirmation": None}, ("medical_confirmation",)),
    ({"figures": {"attendance_pct": 101}}, ("figures", "attendance_pct")),
])
def test_bad_answers_are_refused_naming_the_field(change, field):
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), **change})
    node = err.value.messages
    for part in field:
        assert part in node, (field, err.value.messages)
        node = node[part]


def test_a_language_that_is_not_offered_is_refused_naming_the_parent():
    data = copy.deepcopy(SAMPLE_JSON)
    data["parents"][1]["language"] = "fr"
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load(data)
    assert "language" in err.value.messages["parents"][1]


# --- the rule: three consecutive school days of unexplained absence (002, Step 1) -------------------

def verdict(data: dict | None = None, register: Register | None = None, **changes):
    data = sample(**changes) if data is None else data
    return evaluate(FORM, data, register=register, profile=CARDIFF, today=LETTER_DAY).rule("third_day_absence")


def welsh_pupil() -> PupilRegister:
    return PupilRegister(D(2025, 9, 1), D(2025, 12, 19), code_set=WALES)


def on_register(register: Register, letter_day: dt.date, **changes):
    return verdict(register=register, letter_date=letter_day, **changes)


@pytest.mark.parametrize("first, last, days, status", [
    (D(2025, 12, 2), D(2025, 12, 3), 2, "fail"),   # Tuesday and Wednesday: just under
    (D(2025, 12, 1), D(2025, 12, 3), 3, "pass"),   # Monday to Wednesday: at
    (D(2025, 12, 1), D(2025, 12, 4), 4, "pass"),   # Monday to Thursday: just over
])
def test_three_school_days_in_a_row_are_needed(first, last, days, status):
    register = welsh_pupil().mark_days(first, last, "N").build()
    result = on_register(register, last)
    assert result.status == status and result.details["days"] == days, result.reason
    assert f"{days} consecutive school days of unauthorised absence in the register" in result.reason
    assert result.source.startswith("002, Step 1")


@pytest.mark.parametrize("marked, letter_day, days, status", [
    ([D(2025, 11, 28), D(2025, 12, 1)], D(2025, 12, 1), 2, "fail"),                  # Friday, Monday
    ([D(2025, 11, 28), D(2025, 12, 1), D(2025, 12, 2)], D(2025, 12, 2), 3, "pass"),  # Friday, Monday, Tuesday
])
def test_a_weekend_is_not_school_days_and_does_not_break_the_run(marked, letter_day, days, status):
    pupil = welsh_pupil()
    for day in marked:
        pupil.mark(day, "N")
    result = on_register(pupil.build(), letter_day)
    assert (result.status, result.details["days"]) == (status, days), result.reason
    assert result.details["dates"] == [d.isoformat() for d in marked]


@pytest.mark.parametrize("marked, letter_day, days, status", [
    ([D(2025, 10, 24), D(2025, 11, 3)], D(2025, 11, 3), 2, "fail"),                   # Friday; half term; Monday
    ([D(2025, 10, 23), D(2025, 10, 24), D(2025, 11, 3)], D(2025, 11, 3), 3, "pass"),  # Thursday, Friday; Monday
    ([D(2025, 10, 23), D(2025, 10, 24), D(2025, 11, 3), D(2025, 11, 4)], D(2025, 11, 4), 4, "pass"),
])
def test_a_half_term_closed_in_the_register_is_not_school_days(marked, letter_day, days, status):
    pupil = welsh_pupil()
    for day in marked:
        pupil.mark(day, "N")
    register = pupil.build()
    assert {s.code for s in register.sessions if D(2025, 10, 27) <= s.date <= D(2025, 10, 31)} == {"#"}
    result = on_register(register, letter_day)
    assert (result.status, result.details["days"]) == (status, days), result.reason


def test_unauthorised_codes_of_the_welsh_set_count_in_any_mix():
    pupil = welsh_pupil().mark(D(2025, 12, 1), "N").mark(D(2025, 12, 2), "O", ["AM"]).mark(D(2025, 12, 2), "N", ["PM"])
    pupil.mark(D(2025, 12, 3), "G")
    assert on_register(pupil.build(), D(2025, 12, 3)).status == "pass"


@pytest.mark.parametrize("code, sessions", [
    ("/", ["AM"]),        # in for the morning: not a day of absence
    ("I", ["AM", "PM"]),  # illness, authorised
    ("H", ["AM", "PM"]),  # a holiday the school agreed: authorised in Wales
    ("U", ["AM", "PM"]),  # arrived after the register closed: unauthorised, but in school
])
def test_a_day_that_is_not_wholly_unexplained_absence_ends_the_run(code, sessions):
    pupil = welsh_pupil().mark_days(D(2025, 12, 1), D(2025, 12, 4), "N")
    pupil.mark(D(2025, 12, 2), code, sessions)
    result = on_register(pupil.build(), D(2025, 12, 4))
    assert (result.status, result.details["days"]) == ("fail", 2), result.reason
    assert result.details["dates"] == ["2025-12-03", "2025-12-04"]


def test_the_third_day_counts_when_only_its_morning_is_marked_yet():
    pupil = welsh_pupil().mark_days(D(2025, 12, 1), D(2025, 12, 3), "N")
    register = pupil.build()
    morning_only = Register(WALES, tuple(s for s in register.sessions
                                         if s.date < D(2025, 12, 3) or (s.date, s.session) == (D(2025, 12, 3), "AM")))
    result = on_register(morning_only, D(2025, 12, 3))
    assert (result.status, result.details["days"]) == ("pass", 3), result.reason


def test_marks_after_the_letter_are_not_counted():
    register = welsh_pupil().mark_days(D(2025, 12, 1), D(2025, 12, 3), "N").build()
    assert (on_register(register, D(2025, 12, 2)).status, on_register(register, D(2025, 12, 3)).status) == \
        ("fail", "pass")


def test_the_most_recent_run_is_the_one_counted():
    pupil = welsh_pupil().mark_days(D(2025, 11, 10), D(2025, 11, 13), "N").mark(D(2025, 12, 2), "N")
    assert absence_run(pupil.build(), D(2025, 12, 2)) == [D(2025, 12, 2)]
    assert on_register(pupil.build(), D(2025, 12, 2)).status == "fail"
    # Back in school on the day of the letter: the run just ended is still the one the letter is about.
    back = welsh_pupil().mark_days(D(2025, 12, 1), D(2025, 12, 3), "N").build()
    assert on_register(back, D(2025, 12, 4)).status == "pass"


def test_a_first_day_on_the_form_that_the_register_contradicts_is_said():
    register = welsh_pupil().mark_days(D(2025, 12, 1), D(2025, 12, 3), "N").build()
    result = on_register(register, D(2025, 12, 3), absence={"first_day": D(2025, 11, 28)})
    assert result.status == "pass"
    assert "the form says the absence began on 28 November 2025, which does not match" in result.reason


@pytest.mark.parametrize("first, last, letter_day, days, status", [
    (D(2025, 12, 1), None, D(2025, 12, 2), 2, "fail"),
    (D(2025, 11, 28), None, D(2025, 12, 2), 3, "pass"),            # the sample: Friday, Monday, Tuesday
    (D(2025, 11, 27), None, D(2025, 12, 2), 4, "pass"),
    (D(2025, 12, 1), D(2025, 12, 3), D(2025, 12, 5), 3, "pass"),   # back on Thursday; the letter on Friday
    (D(2026, 4, 30), None, D(2026, 5, 4), 2, "fail"),              # Thursday, Friday; May Day bank holiday
    (D(2026, 4, 30), None, D(2026, 5, 5), 3, "pass"),              # ... and Tuesday
])
def test_without_a_register_the_typed_dates_are_counted_in_school_days(first, last, letter_day, days, status):
    result = verdict(absence={"first_day": first, "last_day": last}, letter_date=letter_day)
    assert (result.status, result.details["days"]) == (status, days), result.reason
    assert "as entered on the form" in result.reason


def test_nothing_to_count_from_is_missing():
    result = verdict(absence={})
    assert result.status == "missing" and "first day of the absence" in result.reason


@pytest.mark.parametrize("kind", ["concern_first", "concern_second", "concern_final"])
def test_a_letter_of_concern_needs_no_count(kind):
    result = verdict(letter_type=kind, absence={"first_day": LETTER_DAY})
    assert result.status == "pass" and "letter of concern" in result.reason


def test_the_sample_passes_every_rule():
    result = evaluate(FORM, sample(), profile=CARDIFF, today=LETTER_DAY)
    assert result.eligible and [r.status for r in result.rules] == ["pass", "pass"]
    assert result.figures["consecutive_absence_days"] == 3


# --- through the API: the marks a Welsh school's register holds ------------------------------------

API = "/api/v1"


def register_json(pupil: PupilRegister, until: dt.date) -> dict:
    return {"code_set": WALES, "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                            for s in pupil.build(until).sessions]}


@pytest.fixture
def token(client):
    return bearer(api_token(client, "office@demo.school"))


@pytest.mark.parametrize("first, days, status", [(D(2025, 12, 1), 2, "fail"), (D(2025, 11, 28), 3, "pass")])
def test_the_eligibility_check_counts_the_days_from_the_welsh_register(client, token, first, days, status):
    pupil = welsh_pupil().mark_days(first, LETTER_DAY, "N")
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=token,
                           json={"data": SAMPLE_JSON, "register": register_json(pupil, LETTER_DAY), "profile": "cardiff"})
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()
    rule = next(r for r in verdict["rules"] if r["id"] == "third_day_absence")
    assert rule["status"] == status and verdict["figures"]["consecutive_absence_days"] == days
    assert verdict["eligible"] is (status == "pass")


def test_the_letters_come_one_per_parent_with_the_attendance_counted_from_the_register(client, token):
    pupil = welsh_pupil().mark_days(D(2025, 11, 28), LETTER_DAY, "N")
    possible = pupil.count(("/", "\\", "N"), D(2025, 9, 1), LETTER_DAY)
    expected = f"{round(100 * (possible - 6) / possible, 1):g}%"
    data = {**SAMPLE_JSON, "letter_type": "concern_first"}
    response = client.post(f"{API}/documents/{FORM_ID}", headers=token,
                           json={"data": data, "format": "docx", "register": register_json(pupil, LETTER_DAY),
                                 "profile": "cardiff"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
        written = [squash(docx_text(archive.read(name))) for name in names]
    assert names == [f"{FORM_ID}-1.docx", f"{FORM_ID}-2.docx"]
    assert "Dear Siân Price" in written[0] and "Dear Gareth Price" in written[1]
    for words in written:
        assert f"Osian Price's attendance this school year is {expected}." in words


def _web_pages() -> dict:
    s = SAMPLE_JSON
    return {
        "pupil": {"pupil__first_name": s["pupil"]["first_name"], "pupil__last_name": s["pupil"]["last_name"],
                  "pupil__date_of_birth": date_parts(s["pupil"]["date_of_birth"]),
                  "pupil__year_group": s["pupil"]["year_group"], "pupil__address": s["pupil"]["address"]},
        "parents": {f"parents-{i}-{k}": v for i, p in enumerate(s["parents"]) for k, v in p.items()},
        "absence": {"letter_type": "third_day", "absence__first_day": date_parts(s["absence"]["first_day"]),
                    "absence__last_day": ["", "", ""]},
        "letter": {"medical_confirmation": "yes", "meeting__date": date_parts(s["meeting"]["date"]),
                   "meeting__time": "3:30pm", "meeting__place": s["meeting"]["place"], "sao_name": s["sao_name"],
                   "contact_details": s["contact_details"], "letter_date": date_parts(s["letter_date"]),
                   "sender__name": s["sender"]["name"], "sender__role": s["sender"]["role"]},
    }


def test_the_letters_are_written_on_the_web_and_downloaded_for_each_parent(app, client):
    set_profile(app, "cardiff")  # a form used in Wales
    login(client, "office@demo.school")
    start = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert start.status_code == 302 and start.location.endswith("/pages/pupil")
    base = start.location.rsplit("/pages/", 1)[0]
    pages = _web_pages()
    assert [p.id for p in FORM.pages] == list(pages)
    parents_page = text(client.get(f"{base}/pages/parents"))
    assert "Language for letters" in parents_page and "Welsh (Cymraeg)" in parents_page
    assert "Welsh councils offer correspondence in Welsh" in parents_page
    # A letter date before the absence began is refused on the page, naming the field.
    for page_id in ("pupil", "parents", "absence"):
        response = post_page(client, f"{base}/pages/{page_id}", pages[page_id])
        assert response.status_code == 302, (page_id, text(response)[:3000])
    bad = post_page(client, f"{base}/pages/letter", {**pages["letter"], "letter_date": date_parts("2025-11-27")})
    assert bad.status_code == 422 and "Date of the letter must be the same as or after" in text(bad)
    response = post_page(client, f"{base}/pages/letter", pages["letter"])
    assert response.status_code == 302, text(response)[:3000]

    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" not in page and "Siân Price" in page and "Gareth Price" in page
    for to, name, other in ((1, "Siân Price", "Gareth Price"), (2, "Gareth Price", "Siân Price")):
        for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
            response = client.get(f"{base}/letter/{FORM_ID}.{fmt}?to={to}")
            assert response.status_code == 200, (to, fmt)
            words = squash(read(response.data))
            assert f"Dear {name}" in words and other not in words and "Demo School" in words
            assert "Osian Price has been absent from school since 28 November 2025" in words
            assert "Time: 3:30pm" in words


# --- the letters ---------------------------------------------------------------------------------

HEAD = ["Llanishen High School", "Gareth Price " + FATHER_ADDRESS, f"Our reference: {REFERENCE}",
        "Date: 2 December 2025", "Dear Gareth Price"]
CLOSE = ["If something is making it hard for Osian Price to come to school, at home or in school, please tell us. "
         "We can offer help and support, and put you in touch with other services that can help.",
         "Yours sincerely", "Mr Dafydd Rowlands Head of Year 8 Llanishen High School"]
MEETING = ["We would like to invite you to a meeting in school to talk about Osian Price's attendance and how we can "
           "help:", "Date: 5 December 2025", "Time: 3:30pm", "Place: the Student Support Centre",
           f"If you cannot come at this time, please contact Mrs Carys Pritchard on {CONTACT} to arrange another."]
MEDICAL = ("Absences for illness have continued to be covered by notes from home. We now need medical confirmation of "
           "any further absence for illness")
KEY = {
    "third_day": ["Your child's absence from school",
                  "Osian Price has been absent from school since 28 November 2025, and we have not been told the "
                  "reason for the absence.",
                  "we phone home on the first day and write on the third school day in a row. We need to know that "
                  "Osian Price is safe",
                  f"Please contact Mrs Carys Pritchard, our School Attendance Officer, on {CONTACT} as soon as "
                  "possible to tell us the reason for the absence."],
    "concern_first": ["Our concern about your child's attendance",
                      "We are writing because we are concerned about Osian Price's attendance at Llanishen High "
                      "School."],
    "concern_second": ["Our continuing concern about your child's attendance",
                       "We wrote to you recently about Osian Price's attendance at Llanishen High School. We are "
                       "writing again because we are still concerned: it has not improved."],
    "concern_final": ["Final letter of concern about your child's attendance",
                      "This is our final letter of concern.",
                      "If Osian Price's attendance does not improve, Mrs Carys Pritchard, our School Attendance "
                      "Officer, will become formally involved and may refer Osian Price to the local authority's "
                      "Education Welfare Service."],
}
CONCERN = ["The absence this letter is about began on 28 November 2025, and Osian Price has not yet returned to "
           "school.", "Every day in school counts towards Osian Price's learning, friendships and wellbeing"]


@pytest.fixture(scope="module")
def letters():
    return {kind: render(sample(letter_type=kind)) for kind in KEY}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("kind", list(KEY))
def test_the_chosen_letter_and_only_it_is_printed(letters, kind, fmt):
    text = letters[kind][fmt]
    expected = KEY[kind] + HEAD + MEETING + [MEDICAL] + CLOSE + (CONCERN if kind != "third_day" else [])
    for phrase in expected:
        assert squash(phrase) in text, phrase
    for other, phrases in KEY.items():
        for phrase in phrases if other != kind else ():
            assert squash(phrase) not in text, (other, phrase)
    if kind == "third_day":
        assert all(squash(p) not in text for p in CONCERN)
    assert "Siân Price" not in text and "DRAFT" not in text and "Not given" not in text


def test_the_letter_reads_in_order(letters):
    order = ["Llanishen High School", "Gareth Price", "Our reference", "Dear Gareth Price",
             "Your child's absence from school", "has been absent from school since", "we phone home",
             "Please contact Mrs Carys Pritchard", "invite you to a meeting", "medical confirmation",
             "If something is making it hard", "Yours sincerely", "Mr Dafydd Rowlands"]
    for fmt in ("docx", "pdf"):
        positions = [letters["third_day"][fmt].find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


def test_each_parent_gets_a_letter_addressed_to_them():
    to_mother = render(sample(), recipient=0)
    for fmt in ("docx", "pdf"):
        assert f"Siân Price {CHILD_ADDRESS}" in to_mother[fmt] and "Dear Siân Price" in to_mother[fmt]
        assert "Gareth Price" not in to_mother[fmt]


def test_a_child_back_in_school_is_written_about_in_the_past():
    data = sample(absence={"first_day": D(2025, 11, 28), "last_day": D(2025, 12, 2)}, letter_date=D(2025, 12, 3))
    third_day = render(data)
    concern = render({**data, "letter_type": "concern_first"})
    for fmt in ("docx", "pdf"):
        assert ("Osian Price was absent from school from 28 November 2025 to 2 December 2025, and we have not been "
                "told the reason for the absence.") in third_day[fmt]
        assert "The absences this letter is about were from 28 November 2025 to 2 December 2025." in concern[fmt]
        assert "has not yet returned" not in concern[fmt] and "absent from school since" not in third_day[fmt]


def test_without_a_meeting_the_parents_are_asked_to_get_in_touch_and_without_the_medical_request_it_is_not_made():
    data = sample(letter_type="concern_second", meeting=None, medical_confirmation=False)
    both = render(data)
    for fmt in ("docx", "pdf"):
        assert (f"Please contact Mrs Carys Pritchard, our School Attendance Officer, on {CONTACT} to talk about Osian "
                "Price's attendance and how we can help.") in both[fmt]
        assert "invite you to a meeting" not in both[fmt] and "Time:" not in both[fmt]
        assert "medical confirmation" not in both[fmt]


def test_a_meeting_without_a_time_or_place_prints_only_its_date():
    both = render(sample(meeting={"date": D(2025, 12, 5)}))
    for fmt in ("docx", "pdf"):
        assert "Date: 5 December 2025" in both[fmt] and "Time:" not in both[fmt] and "Place:" not in both[fmt]


def test_a_letter_of_concern_states_the_attendance_when_given():
    both = render(sample(letter_type="concern_first", figures={"attendance_pct": 87.5}))
    third = render(sample(figures={"attendance_pct": 87.5}))
    for fmt in ("docx", "pdf"):
        assert "Osian Price's attendance this school year is 87.5%." in both[fmt]
        assert "87.5%" not in third[fmt]


def test_hostile_text_is_printed_literally():
    # Inside a {% trans %} block too (the SAO's name is bound into one), and docxtpl's own "{_{" escapes.
    hostile = "{{ 7*7 }} {% trans %}x{% endtrans %} {_{ y }_} <script>alert('x')</script> & \"quotes\""
    data = sample(sao_name=hostile, meeting={"date": D(2025, 12, 5), "place": "Room <b>4</b> & the {{ hall }}"})
    both = render(data)
    for fmt in ("docx", "pdf"):
        assert squash(f"Please contact {hostile}, our School Attendance Officer") in both[fmt]
        assert "Place: Room <b>4</b> & the {{ hall }}" in both[fmt] and "49" not in both[fmt]


def test_a_preview_of_an_empty_letter_still_renders():
    both = CASE.render(DOC, build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        assert "Dear Parent/Carer" in both[fmt] and "Your child's absence from school" in both[fmt]


def test_both_are_a4_one_page_and_the_pdf_names_itself(letters):
    for section in Document(io.BytesIO(letters["third_day"]["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(letters["third_day"]["pdf_bytes"]))
    assert reader.metadata.title == DOC["title"] and len(reader.pages) == 1


# --- translatable (Welsh Language Standards) ------------------------------------------------------

def test_the_print_and_word_templates_have_the_same_messages():
    html = html_messages("print/sao-concern-letter.html", "print/_letter.html")
    assert html == docx_messages(DOC["docx"]) and len(html) > 20


@pytest.fixture
def marked(monkeypatch):
    mark_every_message(monkeypatch)


@pytest.mark.parametrize("kind", list(KEY))
def test_every_fixed_sentence_goes_through_the_catalogue(marked, kind):
    both = CASE.render(DOC, {**context(sample(letter_type=kind), recipient=0), "language": "cy"})
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        for phrase in [KEY[kind][0], "Yours sincerely", "Dear Siân Price", "Our reference:", "Date:", MEDICAL]:
            assert squash(f"[[{phrase}") in text, phrase
        # Outside the messages is only what the school and the parents wrote: names, addresses, dates, the
        # reference (and the page furniture of the footer).
        outside = outside_messages(text)
        for word in ("absent", "attendance", "please", "Please", "Yours", "Dear", "Our reference", "School Attendance",
                     "Time:", "Place:", "medical", "help"):
            assert word not in outside, (fmt, word, outside)
    assert PdfReader(io.BytesIO(both["pdf_bytes"])).trailer["/Root"]["/Lang"] == "cy"


def test_each_parent_gets_the_letter_in_their_own_language():
    assert context(sample(), recipient=0)["language"] == "cy"
    assert context(sample(), recipient=1)["language"] == "en"
