"""The Peterborough Diocese Education Trust's Appendix B1 letters (001, Appendix B1, 6.2 and 6.3), one per
parent and signed by the headteacher: `attendance-concern-letter` at attendance below 96% (at the
Headteacher's discretion: advisory) and `high-absence-letter` at attendance below 90% (a high level of
absence, with a request for a meeting at which attendance targets are set: blocking). Both are the
`peterborough` profile's own paperwork and are offered under no other.

Eligibility follows the register, cumulatively over the school year (001, 6.3), on the calendar of
tests/support/registers.py (school from 3 September 2025, the October half term closed `#`, no sessions over
Christmas). A school year has at most 380 sessions, so attendance of exactly 95.9% (959 of 1,000) cannot
occur: each case is a pupil's real marks on a letter date whose possible sessions give the figure shown:
- below 96%: 8 sessions missed (illness 7-8 October, an unauthorised day 14 November, a medical
  appointment 3 December, an unexplained morning 16 January); on Friday 6 February 2026 that is 188 of
  196 (95.9%), on Tuesday 10 February 192 of 200 (96.0% exactly), on Thursday 12 February 196 of 204
  (96.1%); and on Monday 9 February 190 of 198, which shows as 96.0% and is below 96% all the same;
- below 90%: 20 sessions missed (illness 15-17 September and 24-25 November, a holiday not agreed
  15-17 December, an unauthorised day 12 January, a medical appointment 21 January, an unexplained morning
  2 February); on Monday 9 February 2026 that is 178 of 198 (89.9%), on Tuesday 10 February 180 of 200
  (90.0% exactly), on Wednesday 11 February 182 of 202 (90.1%).

The samples (tests/samples/): Lily Harper, Year 4, 94.6%, and Kacper Nowak, Year 7, 87.5%, at a
Peterborough academy of the trust; each has a mother at the child's address and a father at his own.
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

from forms_service.documents import context as document_context
from forms_service.documents.context import build_context
from forms_service.formdefs import get_form, load_forms
from forms_service.policies import POLICIES_DIR, Policy, load_profile
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, date_parts, login, post_page, set_profile, text
from support.registers import PupilRegister

D = dt.date
CONCERN, HIGH = "attendance-concern-letter", "high-absence-letter"
SAMPLES = Path(__file__).resolve().parent / "samples"
SCHOOL = {"name": "Nene Meadows CE Primary Academy"}
LA = {"name": "Peterborough City Council", "inbox": "attendance@la.invalid", "jurisdiction": "england",
      "profile": "peterborough"}
LETTER_DAY = D(2026, 2, 10)
PETERBOROUGH = load_profile("peterborough")
CASES = {form_id: FormCase(form_id, school=SCHOOL, la=LA, reference=f"{get_form(form_id).reference_prefix}-2026-000007",
                           today=LETTER_DAY, profile="peterborough") for form_id in (CONCERN, HIGH)}
RULE = "attendance_this_year"


def sample_json(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def render(form_id: str, data: dict | None = None, recipient: int = 1) -> dict:
    case = CASES[form_id]
    return case.render(case.form.documents[0], case.context(data, recipient=recipient))


# --- the declarations -------------------------------------------------------------------------------

@pytest.mark.parametrize("form_id, source, prefix", [
    (CONCERN, "001, Appendix B1 (Attendance below 96%) and 6.3", "ACL"),
    (HIGH, "001, Appendix B1 (Attendance below 90%), 6.2 and 6.3", "HAL"),
])
def test_each_is_a_peterborough_letter_to_each_parent(form_id, source, prefix):
    form = get_form(form_id)
    assert (form.kind, form.source, form.reference_prefix, form.measure_from) == ("letter", source, prefix, "letter_date")
    assert form.jurisdictions == ("england",) and form.profiles == ("peterborough",)
    assert form.raw["sample_profile"] == "peterborough" and form.raw["signed_by"] == "headteacher"
    # 001, section 1: "This policy also apples to children of non-statutory school age who are on the roll of the
    # academy": the letters do not ask whether the child is of compulsory school age.
    assert list(form.rules) == [RULE, "absence_band"]
    assert form.documents[0]["per"] == "parent" and form.evidence == () and form.declaration == ""
    assert not form.sends_to_la and form.uses_register
    attendance = next(f for f in form.fields if f.name == "figures.attendance_pct")
    assert attendance.required and attendance.options["from_register"] == {"figure": "attendance_pct", "to": "letter_date"}
    assert "its text is the service's own" in " ".join(form.intro)


def test_the_high_absence_letter_asks_for_the_meeting():
    fields = {f.name: f for f in get_form(HIGH).fields}
    for name in ("meeting.date", "meeting.time", "meeting.place", "meeting.with"):
        assert fields[name].required, name
    assert fields["meeting.date"].options["after"] == "letter_date" and fields["meeting.time"].type == "time"


def test_the_profile_sets_each_letter_s_level():
    assert (PETERBOROUGH.param(RULE, "max_pct", CONCERN), PETERBOROUGH.param(RULE, "blocking", CONCERN)) == (96, False)
    assert (PETERBOROUGH.param(RULE, "max_pct", HIGH), PETERBOROUGH.param(RULE, "blocking", HIGH)) == (90, True)
    assert PETERBOROUGH.param(RULE, "inclusive", CONCERN) is False and PETERBOROUGH.param(RULE, "inclusive", HIGH) is False


@pytest.mark.parametrize("form_id, change, field", [
    (CONCERN, {"figures": {"attendance_pct": 101}}, ("figures", "attendance_pct")),
    (CONCERN, {"figures": {"attendance_pct": "ninety"}}, ("figures", "attendance_pct")),
    (CONCERN, {"contact": {"details": "01733 555 0142"}}, ("contact", "name")),
    (CONCERN, {"sender": {"role": "Headteacher"}}, ("sender", "name")),
    (CONCERN, {"parents": []}, ("parents",)),
    (HIGH, {"meeting": {"date": "2026-02-10", "time": "15:15", "place": "Room 4", "with": "Mrs Marsh"}},
     ("meeting", "date")),
    (HIGH, {"meeting": {"date": "2026-02-26", "time": "quarter past three", "place": "Room 4", "with": "Mrs Marsh"}},
     ("meeting", "time")),
    (HIGH, {"meeting": {"date": "2026-02-26", "time": "15:15", "place": "Room 4"}}, ("meeting", "with")),
    (HIGH, {"figures": {}}, ("figures", "attendance_pct")),
])
def test_bad_answers_are_refused_naming_the_field(form_id, change, field):
    with pytest.raises(ValidationError) as err:
        get_form(form_id).schema(complete=True).load({**copy.deepcopy(sample_json(form_id)), **change})
    node = err.value.messages
    for part in field:
        assert part in node, (field, err.value.messages)
        node = node[part]


# --- eligibility from the register (001, Appendix B1; 6.3 "calculated cumulatively") ----------------

def below_96_pupil() -> PupilRegister:
    pupil = PupilRegister(D(2025, 9, 1), D(2026, 3, 27))
    pupil.mark_days(D(2025, 10, 7), D(2025, 10, 8), "I")
    pupil.mark(D(2025, 11, 14), "O")
    pupil.mark(D(2025, 12, 3), "M", ["PM"])
    pupil.mark(D(2026, 1, 16), "N", ["AM"])
    return pupil


def below_90_pupil() -> PupilRegister:
    pupil = PupilRegister(D(2025, 9, 1), D(2026, 3, 27))
    pupil.mark_days(D(2025, 9, 15), D(2025, 9, 17), "I")
    pupil.mark_days(D(2025, 11, 24), D(2025, 11, 25), "I")
    pupil.mark_days(D(2025, 12, 15), D(2025, 12, 17), "G")
    pupil.mark(D(2026, 1, 12), "O")
    pupil.mark(D(2026, 1, 21), "M", ["PM"])
    pupil.mark(D(2026, 2, 2), "N", ["AM"])
    return pupil


def check(form_id: str, pupil: PupilRegister | None, letter_day: dt.date, **changes):
    data = CASES[form_id].sample(letter_date=letter_day, **changes)
    register = pupil.build(until=letter_day) if pupil is not None else None
    return evaluate(get_form(form_id), data, register=register, profile=PETERBOROUGH, today=letter_day)


def test_the_registers_hold_the_absences_counted_by_hand():
    assert below_96_pupil().count(("I", "O", "M", "N"), D(2025, 9, 1), D(2026, 2, 5)) == 8
    assert below_90_pupil().count(("I", "G", "O", "M", "N"), D(2025, 9, 1), D(2026, 2, 6)) == 20
    # The October half term is closed and Christmas has no sessions: neither is a possible session.
    register = below_96_pupil().build()
    assert {s.code for s in register.sessions if D(2025, 10, 27) <= s.date <= D(2025, 10, 31)} == {"#"}
    assert not [s for s in register.sessions if D(2025, 12, 20) <= s.date <= D(2026, 1, 4)]


@pytest.mark.parametrize("letter_day, attended, possible, shown, status", [
    (D(2026, 2, 6), 188, 196, "95.9%", "pass"),        # just under 96%
    (D(2026, 2, 10), 192, 200, "96%", "advisory"),     # at 96%: not below
    (D(2026, 2, 12), 196, 204, "96.1%", "advisory"),   # just over
])
def test_the_concern_letter_follows_the_register_at_96_percent(letter_day, attended, possible, shown, status):
    verdict = check(CONCERN, below_96_pupil(), letter_day)
    result = verdict.rule(RULE)
    assert result.status == status, result.reason
    assert (result.details["attended"], result.details["possible"]) == (attended, possible)
    assert f"Attendance {shown} ({attended} of {possible} possible sessions)" in result.reason
    assert f"up to {letter_day.day} February 2026" in result.reason and "below 96%" in result.reason
    assert result.source.startswith("001, Appendix B1")
    # At the Headteacher's discretion (Appendix B1): the letter is never blocked by the level.
    assert verdict.eligible
    if status == "advisory":
        assert "send it only if the headteacher judges it right" in result.reason


def test_96_percent_is_exact_whatever_the_rounding_of_the_figure_shown():
    result = check(CONCERN, below_96_pupil(), D(2026, 2, 9)).rule(RULE)
    assert (result.details["attended"], result.details["possible"]) == (190, 198)  # 95.96%
    assert result.status == "pass" and "Attendance 96% (190 of 198 possible sessions)" in result.reason


@pytest.mark.parametrize("letter_day, attended, possible, shown, status, band", [
    (D(2026, 2, 9), 178, 198, "89.9%", "pass", "advisory"),     # just under 90%: persistently absent too
    (D(2026, 2, 10), 180, 200, "90%", "fail", "advisory"),      # at 90%: not below; 10% missed is persistent
    (D(2026, 2, 11), 182, 202, "90.1%", "fail", "pass"),        # just over
])
def test_the_high_absence_letter_follows_the_register_at_90_percent(letter_day, attended, possible, shown, status,
                                                                    band):
    verdict = check(HIGH, below_90_pupil(), letter_day)
    result = verdict.rule(RULE)
    assert result.status == status, result.reason
    assert (result.details["attended"], result.details["possible"]) == (attended, possible)
    assert f"Attendance {shown} ({attended} of {possible} possible sessions)" in result.reason
    assert "below 90%" in result.reason and result.source.startswith("001, Appendix B1")
    assert verdict.eligible is (status == "pass")
    if status == "fail":
        assert "so it cannot be used for this child" in result.reason
    # Persistent absence (001, 6.4: "miss 10% or more") is said beside it, and never blocks.
    assert verdict.rule("absence_band").status == band


def test_the_concern_letter_at_a_high_absence_pupil_s_level_is_due_too():
    """Below 90% is below 96%: the trust's first letter may still go."""
    assert check(CONCERN, below_90_pupil(), D(2026, 2, 9)).rule(RULE).status == "pass"


@pytest.mark.parametrize("form_id, typed, status", [
    (CONCERN, 95.9, "pass"), (CONCERN, 96, "advisory"), (CONCERN, 96.1, "advisory"),
    (HIGH, 89.9, "pass"), (HIGH, 90, "fail"), (HIGH, 90.1, "fail"),
])
def test_without_a_register_the_typed_figure_is_checked(form_id, typed, status):
    result = check(form_id, None, LETTER_DAY, figures={"attendance_pct": typed}).rule(RULE)
    assert result.status == status, result.reason
    assert f"Attendance {typed:g}% this school year" in result.reason


def test_a_typed_figure_the_register_contradicts_is_said():
    result = check(HIGH, below_90_pupil(), D(2026, 2, 9), figures={"attendance_pct": 85.0}).rule(RULE)
    assert result.status == "pass" and "85%" in result.reason and "89.9%" in result.reason


# --- the letters ------------------------------------------------------------------------------------

CONCERN_WORDS = [
    "Nene Meadows CE Primary Academy", "Daniel Harper 7 Mayors Walk Peterborough PE3 6EX",
    "Our reference: ACL-2026-000007", "Date: 10 February 2026", "Dear Daniel Harper", "Re: Lily Harper",
    "I am writing because we are concerned about Lily's level of absence from school and its impact on Lily's "
    "learning.",
    "Lily's attendance this school year, calculated cumulatively from the start of the school year up to "
    "10 February 2026, is 94.6%.",
    "The Peterborough Diocese Education Trust's attendance policy asks its academies to write to parents when a "
    "pupil's attendance is below 96%.",
    "There are 190 school days in a school year: attendance of 96% means missing 8 days (1.6 school weeks) of "
    "learning over a year, and attendance of 90% means missing 19 days (3.8 school weeks).",
    # (100 - 94.6)% of 190 days is 10.26 days.
    "If Lily's attendance stays at 94.6%, Lily will miss about 10 days (2 school weeks) of school this year.",
    "If Lily's attendance falls below 90%, we will write to ask you to a meeting, at which attendance targets will "
    "be set.",
    "Please contact Mrs Helen Marsh, Attendance Lead on 01733 555 0142 or attendance@nenemeadows.example.",
    "Yours sincerely", "Mr David Okoro Headteacher Nene Meadows CE Primary Academy",
]
HIGH_WORDS = [
    "Tomasz Nowak 12 Welland Road Dogsthorpe Peterborough PE1 3SD", "Our reference: HAL-2026-000007",
    "Dear Tomasz Nowak", "Re: Kacper Nowak",
    "I am writing to let you know that Kacper has a high level of absence from school.",
    "is 87.5%. The Peterborough Diocese Education Trust's attendance policy asks its academies to write to parents "
    "when a pupil's attendance is below 90%.",
    # (100 - 87.5)% of 190 days is 23.75 days.
    "If Kacper's attendance stays at 87.5%, Kacper will miss about 24 days (4.8 school weeks) of school this year.",
    "At the meeting we will set attendance targets for Kacper.",
    "When: 3:15pm on Thursday 26 February 2026", "Where: the meeting room by the main reception",
    "You will meet: Mrs Helen Marsh, Attendance Lead, and Mr David Okoro, Headteacher",
    "If you cannot come at this time, please contact Mrs Helen Marsh, Attendance Lead on 01733 555 0142 or "
    "attendance@nenemeadows.example as soon as possible to arrange another.",
    "While Kacper's attendance is below 90%, evidence of every medical or dental appointment in the school day must "
    "be provided",
    "The register closes 30 minutes after the morning session starts: arriving within those 30 minutes is marked "
    "late (code L), and arriving after the register has closed is marked as unauthorised absence (code U) for the "
    "whole morning session.",
    "If the attendance targets are not met, we will invite you to a formal attendance meeting supported by the "
    "local authority's Attendance Officer, and an academy parenting contract will be put in place for 6 weeks.",
    "Yours sincerely", "Mr David Okoro Headteacher Nene Meadows CE Primary Academy",
]
WORDS = {CONCERN: CONCERN_WORDS, HIGH: HIGH_WORDS}


@pytest.fixture(scope="module")
def letters():
    return {form_id: render(form_id) for form_id in WORDS}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("form_id", list(WORDS))
def test_the_letter_says_what_a_parent_looks_for(letters, form_id, fmt):
    words = letters[form_id][fmt]
    for phrase in WORDS[form_id]:
        assert squash(phrase) in words, phrase
    mother = "Joanne Harper" if form_id == CONCERN else "Agnieszka Nowak"
    assert mother not in words and "DRAFT" not in words and "Not given" not in words


def test_only_the_high_absence_letter_asks_for_a_meeting_and_evidence(letters):
    for fmt in ("docx", "pdf"):
        assert "When:" not in letters[CONCERN][fmt] and "evidence of every" not in letters[CONCERN][fmt]
        assert "we are concerned about" not in letters[HIGH][fmt]


@pytest.mark.parametrize("form_id", list(WORDS))
def test_docx_and_pdf_say_the_same_words(letters, form_id):
    strip = [f"Page {n} of {m}" for m in (1, 2) for n in range(1, m + 1)]
    both = []
    for fmt in ("docx", "pdf"):
        words = letters[form_id][fmt]
        for furniture in strip:
            words = words.replace(furniture, "")
        both.append(squash(words.replace("Reference: ", "")))
    assert both[0].split(" Our reference")[1] == both[1].split(" Our reference")[1]


@pytest.mark.parametrize("form_id, order", [
    (CONCERN, ["Daniel Harper", "Our reference", "Dear Daniel Harper", "Re: Lily Harper", "concerned about",
               "attendance this school year", "190 school days", "falls below 90%", "Please contact",
               "Yours sincerely", "Mr David Okoro"]),
    (HIGH, ["Tomasz Nowak", "Dear Tomasz Nowak", "Re: Kacper Nowak", "high level of absence", "87.5%",
            "I would like to meet you", "When:", "Where:", "You will meet:", "If you cannot come",
            "evidence of every", "The register closes", "academy parenting contract", "Yours sincerely"]),
])
def test_the_letter_reads_in_order(letters, form_id, order):
    for fmt in ("docx", "pdf"):
        positions = [letters[form_id][fmt].find(p) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))


@pytest.mark.parametrize("form_id, name, address", [
    (CONCERN, "Joanne Harper", "23 Eastfield Road Peterborough PE1 4AT"),
    (HIGH, "Agnieszka Nowak", "41 Lincoln Road Millfield Peterborough PE1 2RR"),
])
def test_a_parent_at_the_child_s_address_gets_their_own_letter(form_id, name, address):
    both = render(form_id, recipient=0)
    for fmt in ("docx", "pdf"):
        assert f"{name} {address}" in both[fmt] and f"Dear {name}" in both[fmt]
        assert ("Daniel Harper" if form_id == CONCERN else "Tomasz Nowak") not in both[fmt]


@pytest.mark.parametrize("pct, lost", [(99.5, "about 1 day (0.2 school weeks)"), (80, "about 38 days (7.6 school weeks)"),
                                      (100, "about 0 days (0 school weeks)")])
def test_the_days_lost_are_computed_from_the_figure(pct, lost):
    both = render(CONCERN, CASES[CONCERN].sample(figures={"attendance_pct": pct}))
    for fmt in ("docx", "pdf"):
        assert f"Lily will miss {lost} of school this year." in both[fmt]


def test_the_numbers_printed_are_the_profile_s(monkeypatch):
    """A trust that changes its numbers in its profile changes its letters: none is typed in a template."""
    raw = json.loads((POLICIES_DIR / "peterborough.json").read_text(encoding="utf-8"))
    rules = raw["rules"]
    rules[RULE]["params"]["max_pct"]["value"] = 95
    rules[RULE]["forms"][HIGH]["max_pct"]["value"] = 85
    rules["appointment_evidence"]["params"]["below_pct"]["value"] = 88
    rules["register_closes"]["params"]["minutes"]["value"] = 20
    rules["parent_contract_period"]["params"]["weeks"]["value"] = 4
    changed = Policy.from_dict(raw)
    monkeypatch.setattr(document_context, "load_profile", lambda name: changed)
    high, concern = render(HIGH), render(CONCERN)
    for fmt in ("docx", "pdf"):
        assert "when a pupil's attendance is below 85%" in high[fmt]
        assert "attendance of 95% means missing 10 days (2 school weeks)" in high[fmt]
        assert "attendance of 85% means missing 28 days (5.6 school weeks)" in high[fmt]
        assert "While Kacper's attendance is below 88%, evidence" in high[fmt]
        assert "The register closes 20 minutes after" in high[fmt] and "within those 20 minutes" in high[fmt]
        assert "put in place for 4 weeks" in high[fmt]
        assert "when a pupil's attendance is below 95%" in concern[fmt] and "falls below 85%" in concern[fmt]


def test_another_profile_s_numbers_are_not_printed_on_the_trust_s_letter():
    """The letters are the trust's own paperwork: given an LA of another profile, they still print the trust's."""
    case = CASES[HIGH]
    ctx = build_context(case.form.raw, case.sample(), school=SCHOOL, la={**LA, "profile": "national-2024"},
                        reference=None, signature=None, recipient=1)
    assert (ctx["letter"]["evidence_pct"], ctx["letter"]["register_minutes"]) == ("90%", "30")


def test_hostile_text_is_printed_literally():
    hostile = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\""
    data = CASES[HIGH].sample(meeting={"date": D(2026, 2, 26), "time": "15:15", "place": "Room <b>4</b> & the {{ hall }}",
                                       "with": hostile})
    both = render(HIGH, data)
    for fmt in ("docx", "pdf"):
        assert squash(f"You will meet: {hostile}") in both[fmt] and "Where: Room <b>4</b> & the {{ hall }}" in both[fmt]
        assert "49" not in both[fmt]


@pytest.mark.parametrize("form_id", list(WORDS))
def test_a_preview_of_an_empty_letter_still_renders(form_id):
    form = get_form(form_id)
    both = CASES[form_id].render(form.documents[0], build_context(form.raw, {}, school=SCHOOL, la=LA, reference=None,
                                                                 signature=None))
    for fmt in ("docx", "pdf"):
        assert "Dear Parent/Carer" in both[fmt] and "190 school days" in both[fmt]
        assert "will miss about" not in both[fmt] and "DRAFT" not in both[fmt]


@pytest.mark.parametrize("form_id", list(WORDS))
def test_both_are_a4_one_page_and_the_pdf_names_itself(letters, form_id):
    for section in Document(io.BytesIO(letters[form_id]["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(letters[form_id]["pdf_bytes"]))
    assert reader.metadata.title == get_form(form_id).documents[0]["title"] and len(reader.pages) == 1


# --- offered only under the trust's profile -----------------------------------------------------------

API = "/api/v1"


@pytest.fixture
def office(client):
    return bearer(api_token(client, "office@demo.school"))


def test_the_catalogue_lists_them_as_the_trust_s(client, office):
    forms = {f["id"]: f for f in client.get(f"{API}/forms", headers=office).get_json()["forms"]}
    for form_id in (CONCERN, HIGH):
        assert forms[form_id]["profiles"] == ["peterborough"] and forms[form_id]["jurisdictions"] == ["england"]
        assert {f["name"] for f in forms[form_id]["fields"]} >= {"figures.attendance_pct", "letter_date", "sender.name"}


@pytest.mark.parametrize("form_id", [CONCERN, HIGH])
def test_a_school_under_another_profile_is_not_offered_them(app, client, office, form_id):
    title = load_forms()[form_id].title
    refused = client.post(f"{API}/referrals", json={"form": form_id, "data": {}}, headers=office)
    assert refused.status_code == 422
    message = refused.get_json()["errors"]["form"][0]
    assert title in message and "Peterborough Diocese Education Trust" in message
    checked = client.post(f"{API}/eligibility/{form_id}", json={"data": sample_json(form_id), "profile": "national-2024"},
                          headers=office)
    assert checked.status_code == 422 and title in checked.get_json()["errors"]["profile"][0]
    assert "choose the profile peterborough" in checked.get_json()["errors"]["profile"][0]
    login(client, "office@demo.school")
    assert f"/referrals/new/{form_id}" not in text(client.get("/referrals/"))
    assert client.get(f"/referrals/new/{form_id}").status_code == 404
    set_profile(app, "peterborough")
    assert f"/referrals/new/{form_id}" in text(client.get("/referrals/"))


def register_json(pupil: PupilRegister, until: dt.date) -> dict:
    return {"code_set": "2024", "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                             for s in pupil.build(until).sessions]}


def test_through_the_api_the_letters_come_from_the_register(app, client, office):
    """A Peterborough school starts the high absence letter with its register: the rule and the letters follow the
    marks (178 of 198 sessions, 89.9%), one per parent."""
    set_profile(app, "peterborough")
    day = D(2026, 2, 9)
    data = {**sample_json(HIGH), "letter_date": day.isoformat(), "figures": {}}
    created = client.post(f"{API}/referrals", headers=office,
                          json={"form": HIGH, "data": data, "register": register_json(below_90_pupil(), day)})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    rule = next(r for r in body["eligibility"]["rules"] if r["id"] == RULE)
    assert rule["status"] == "pass" and "178 of 198 possible sessions" in rule["reason"]
    assert body["eligibility"]["eligible"] is True
    draft = client.get(f"{API}/referrals/{body['id']}/documents/draft.pdf", headers=office)
    assert draft.status_code == 200
    words = squash(pdf_text(draft.data))
    assert "Dear Agnieszka Nowak" in words and "is 89.9%." in words and "below 90%" in words
    assert "Demo" in words  # the school's own letterhead

    rendered = client.post(f"{API}/documents/{HIGH}", headers=office,
                           json={"data": data, "format": "docx", "register": register_json(below_90_pupil(), day)})
    assert rendered.status_code == 200 and rendered.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(rendered.data)) as archive:
        names = sorted(archive.namelist())
        written = [squash(docx_text(archive.read(name))) for name in names]
    assert names == [f"{HIGH}-1.docx", f"{HIGH}-2.docx"]
    assert "Dear Agnieszka Nowak" in written[0] and "Dear Tomasz Nowak" in written[1]
    for words in written:
        assert "calculated cumulatively from the start of the school year up to 9 February 2026, is 89.9%." in words
        assert "The register closes 30 minutes after" in words


def test_through_the_api_a_pupil_at_90_percent_gets_no_high_absence_letter(app, client, office):
    set_profile(app, "peterborough")
    day = D(2026, 2, 10)
    data = {**sample_json(HIGH), "letter_date": day.isoformat(), "figures": {}}
    checked = client.post(f"{API}/eligibility/{HIGH}", headers=office,
                          json={"data": data, "register": register_json(below_90_pupil(), day), "profile": "peterborough"})
    assert checked.status_code == 200
    verdict = checked.get_json()
    assert verdict["eligible"] is False
    rule = next(r for r in verdict["rules"] if r["id"] == RULE)
    assert rule["status"] == "fail" and "180 of 200 possible sessions" in rule["reason"]


def _web_pages() -> dict:
    s = sample_json(CONCERN)
    return {
        "pupil": {"pupil__first_name": s["pupil"]["first_name"], "pupil__last_name": s["pupil"]["last_name"],
                  "pupil__date_of_birth": date_parts(s["pupil"]["date_of_birth"]),
                  "pupil__year_group": s["pupil"]["year_group"], "pupil__address": s["pupil"]["address"]},
        "parents": {f"parents-{i}-{k}": v for i, p in enumerate(s["parents"]) for k, v in p.items()},
        "attendance": {"figures__attendance_pct": "96"},
        "letter": {"contact__name": s["contact"]["name"], "contact__details": s["contact"]["details"],
                   "letter_date": date_parts(s["letter_date"]), "sender__name": s["sender"]["name"],
                   "sender__role": s["sender"]["role"]},
    }


def test_on_the_web_the_concern_letter_at_96_percent_is_the_headteacher_s_call(app, client):
    """Attendance of 96% is not below 96%: the office is told, and may still make the letter (Appendix B1: at the
    Headteacher's discretion)."""
    set_profile(app, "peterborough")
    login(client, "office@demo.school")
    start = post_page(client, f"/referrals/new/{CONCERN}", {})
    assert start.status_code == 302 and start.location.endswith("/pages/pupil")
    base = start.location.rsplit("/pages/", 1)[0]
    pages = _web_pages()
    assert [p.id for p in get_form(CONCERN).pages] == list(pages)
    for page_id, answers in pages.items():
        response = post_page(client, f"{base}/pages/{page_id}", answers)
        assert response.status_code == 302, (page_id, text(response)[:3000])
    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" not in page
    assert "send it only if the headteacher judges it right" in page
    for to, name, other in ((1, "Joanne Harper", "Daniel Harper"), (2, "Daniel Harper", "Joanne Harper")):
        for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
            response = client.get(f"{base}/letter/{CONCERN}.{fmt}?to={to}")
            assert response.status_code == 200, (to, fmt)
            words = squash(read(response.data))
            assert f"Dear {name}" in words and other not in words and "Demo" in words
            assert "is 96%. The Peterborough Diocese Education Trust's attendance policy" in words


def test_on_the_web_the_high_absence_letter_is_refused_at_90_percent_and_made_below(app, client):
    """Appendix B1's second letter is for attendance below 90%: at 90% the page says why and no letter is made;
    at 89.9% both parents' letters are, with the meeting the school arranged."""
    set_profile(app, "peterborough")
    login(client, "office@demo.school")
    start = post_page(client, f"/referrals/new/{HIGH}", {})
    base = start.location.rsplit("/pages/", 1)[0]
    s = sample_json(HIGH)
    pages = {**_web_pages(),
             "attendance": {"figures__attendance_pct": "90"},
             "meeting": {"meeting__date": date_parts(s["meeting"]["date"]), "meeting__time": "3:15pm",
                         "meeting__place": s["meeting"]["place"], "meeting__with": s["meeting"]["with"]}}
    assert [p.id for p in get_form(HIGH).pages] == ["pupil", "parents", "attendance", "meeting", "letter"]
    for page_id in ("pupil", "parents", "attendance", "meeting", "letter"):
        response = post_page(client, f"{base}/pages/{page_id}", pages[page_id])
        assert response.status_code == 302, (page_id, text(response)[:3000])
    page = text(client.get(f"{base}/letter"))
    assert "Attendance 90% this school year" in page and "so it cannot be used for this child" in page
    assert client.get(f"{base}/letter/{HIGH}.pdf?to=1").status_code == 409
    assert post_page(client, f"{base}/pages/attendance", {"figures__attendance_pct": "89.9"}).status_code == 302
    response = client.get(f"{base}/letter/{HIGH}.pdf?to=2")
    assert response.status_code == 200
    words = squash(pdf_text(response.data))
    assert "Dear Daniel Harper" in words and "When: 3:15pm on Thursday 26 February 2026" in words
    assert "is 89.9%." in words and "evidence of every medical or dental appointment" in words
