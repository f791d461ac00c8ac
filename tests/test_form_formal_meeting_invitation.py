"""The Peterborough Diocese Education Trust's invitation to a formal attendance meeting (001, Appendix B1:
"If attendance targets are not met: Letter to be sent to parents inviting them to a formal attendance
meeting supported by LA Attendance Officer. Academy parenting contract to be put in place for 6 weeks";
Appendix B2, Formal Support): one letter per parent, the trust's own paperwork (offered only under the
`peterborough` profile).

The sample (tests/samples/formal-meeting-invitation.json) is Kai Brennan, Year 5 at a Peterborough
primary academy. His mother Stacey lives at Kai's address, his father Lee at his own. At a meeting on
13 January 2026 two targets were set: attend every day to the half term (not met) and arrive on time
(met). The letter, dated Tuesday 3 March 2026, invites them to a formal meeting at 9:30am on Thursday
12 March 2026 with Mrs Karen Whitby, the LA Attendance Officer. Kai's attendance is 87.6%.

From 1 September 2025 to 3 March 2026 the test calendar (tests/support/registers.py) has 220 possible
sessions: 22 absences are exactly 90%, the trust's level for this letter.
"""
from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.formdefs import get_form
from forms_service.policies import Policy, load_profile
from forms_service.rules import evaluate

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, date_parts, login, post_page, set_profile, text
from support.registers import D, PupilRegister

FORM_ID = "formal-meeting-invitation"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_JSON = json.loads((Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json").read_text(encoding="utf-8"))
SCHOOL = {"name": "All Saints CE Primary Academy"}
LA = {"name": "Peterborough City Council", "inbox": "attendance@la.invalid"}
LETTER_DAY = D(2026, 3, 3)
API = "/api/v1"
PETERBOROUGH = load_profile("peterborough")
CASE = FormCase(FORM_ID, school=SCHOOL, la=LA, reference="FMI-2026-000003", today=LETTER_DAY, profile="peterborough")
sample, context = CASE.sample, CASE.context

CHILD_ADDRESS = "14 Welland Road Dogsthorpe Peterborough PE1 3SB"
FATHER_ADDRESS = "7 Cromwell Road Millfield Peterborough PE1 2EH"
TARGET_MISSED = ("Kai to attend every school day from 14 January to 27 February 2026, with attendance of at least 95% "
                 "over those weeks – not met")
TARGET_MET = "Kai to arrive by 8:40am, when the morning session starts, every day – met"
PHRASES = [
    "Re: Kai Brennan – invitation to a formal attendance meeting",
    "At our meeting on 13 January 2026 we agreed attendance targets to help Kai attend school more regularly. These "
    "were the targets, and whether each has been met:",
    TARGET_MISSED, TARGET_MET,
    "Kai's attendance this school year is 87.6%. As the attendance targets have not been met, the trust's attendance "
    "policy (Appendix B1) asks us to invite you to a formal attendance meeting.",
    "The meeting will be supported by Mrs Karen Whitby, the Local Authority Attendance Officer from Peterborough City "
    "Council. It has been arranged for 9:30am on Thursday 12 March 2026 at the meeting room by the main reception, "
    "All Saints CE Primary Academy, and it is important that you attend.",
    "At the meeting we will put in place an academy parenting contract for 6 weeks.",
    "If the academy parenting contract does not sufficiently improve Kai's attendance and all other avenues have been "
    "exhausted, the academy will proceed to Formal Support (Appendix B2 of the trust's attendance policy).",
    "an application by the local authority to the Family Court for an Education Supervision Order",
    "the local authority may consider prosecution in the Magistrates' Court or a penalty notice.",
    "Any legal intervention is for the local authority, under the law in force: Working together to improve school "
    "attendance (DfE, August 2024), national framework.",
    "As a parent, you have a legal duty to make sure that Kai attends school regularly.",
    "Yours sincerely", "Mrs Helen Ashworth", "Headteacher",
]
PLACEHOLDERS = re.compile(r"\{\{|\{%|\[[A-Za-z][A-Za-z /]*\]|\bXX\b")


def render_both(ctx) -> dict:
    return CASE.render(DOC, ctx)


def verdict(data=None, *, register=None, profile=PETERBOROUGH):
    return evaluate(FORM, sample() if data is None else data, register=register, profile=profile, today=LETTER_DAY)


def attending(absences: int) -> PupilRegister:
    """Kai's register to the letter's date, with `absences` sessions of illness (I) from January."""
    return PupilRegister(D(2025, 9, 1), LETTER_DAY).mark_sessions(absences, "I", D(2026, 1, 5), LETTER_DAY)


@pytest.fixture(scope="module")
def letters():
    """The sample's letter to each parent: 0 is Stacey (Kai's address), 1 is Lee (his own)."""
    return [render_both(context(recipient=i)) for i in range(2)]


# --- the declaration -------------------------------------------------------------------------------------

def test_the_declaration_is_the_trusts_own_per_parent_letter():
    assert (FORM.kind, FORM.reference_prefix, FORM.measure_from) == ("letter", "FMI", "letter_date")
    assert FORM.source == "001, Appendix B1 (If attendance targets are not met); Appendix B2"
    assert FORM.jurisdictions == ("england",) and FORM.profiles == ("peterborough",)
    assert FORM.raw["sample_profile"] == "peterborough" and not FORM.sends_to_la
    assert list(FORM.rules) == ["targets_not_met", "parent_contract_period", "attendance_this_year", "absence_band",
                                "compulsory_school_age"]
    assert DOC == {"id": FORM_ID, "title": "Invitation to a Formal Attendance Meeting",
                   "docx": "formal-meeting-invitation.docx", "html": "print/formal-meeting-invitation.html",
                   "per": "parent"}
    fields = {f.name: f for f in FORM.fields}
    assert [i.name for i in fields["targets"].item_fields] == ["target", "met"]
    assert fields["targets"].required and fields["targets_set_on"].required
    assert fields["figures.attendance_pct"].options["from_register"] == {"figure": "attendance_pct", "to": "letter_date"}
    for name in ("la_officer", "meeting.date", "meeting.time", "meeting.place"):
        assert fields[name].required, name
    assert fields["meeting.date"].options["after"] == "letter_date"
    assert fields["letter_date"].options["after"] == "targets_set_on"
    assert "£" not in json.dumps(FORM.raw)


def test_the_form_is_used_only_under_the_trusts_profile():
    assert FORM.used_under(PETERBOROUGH)
    for other in ("national-2024", "southend", "stockport", "knowsley", "cardiff"):
        assert not FORM.used_under(load_profile(other)), other
    assert FORM.where_used() == "Peterborough Diocese Education Trust (England)"


def test_the_sample_is_eligible_under_the_trust():
    result = verdict()
    assert result.eligible, [r.to_dict() for r in result.rules if r.status != "pass"]
    assert result.rule("targets_not_met").reason == (
        "1 of the 2 targets set at the meeting on 13 January 2026 was not met: \u201cKai to attend every school day "
        "from 14 January to 27 February 2026, with attendance of at least 95% over those weeks\u201d.")
    assert result.rule("parent_contract_period").details == {"weeks": 6}
    assert result.rule("attendance_this_year").status == "pass"
    assert result.rule("compulsory_school_age").status == "pass"


# --- targets_not_met (001, Appendix B1) ------------------------------------------------------------------

@pytest.mark.parametrize("met, status", [
    ([False, False], "pass"),
    ([False, True], "pass"),     # one target not met is targets not met
    ([True, True], "fail"),      # every target met: not this letter
    ([True], "fail"),
    ([False], "pass"),
])
def test_the_invitation_follows_targets_not_met(met, status):
    targets = [{"target": f"Target {i + 1}", "met": m} for i, m in enumerate(met)]
    result = verdict(sample(targets=targets))
    assert result.rule("targets_not_met").status == status
    assert result.eligible is (status == "pass")
    assert "001, Appendix B1" in result.rule("targets_not_met").source
    if status == "fail":
        assert result.rule("targets_not_met").reason.endswith(
            "the formal attendance meeting is for targets that were not met, so this letter cannot be sent.")


@pytest.mark.parametrize("changes, words", [
    ({"targets": []}, "No attendance targets set at the meeting on 13 January 2026 are recorded"),
    ({"targets": [{"target": "   ", "met": False}]}, "No attendance targets set at the meeting on 13 January 2026"),
    ({"targets": [{"target": "Attend every day", "met": None}, {"target": "On time", "met": False}]},
     "Whether 1 of the 2 targets set at the meeting on 13 January 2026 was met is not given: \u201cAttend every day\u201d."),
    ({"targets_set_on": None}, "The date of the meeting at which the attendance targets were set is not given"),
])
def test_targets_not_recorded_are_missing_with_a_reason(changes, words):
    result = verdict(sample(**changes)).rule("targets_not_met")
    assert result.status == "missing" and result.reason.startswith(words), result.reason


@pytest.mark.parametrize("set_on, status", [(D(2026, 3, 2), "pass"), (D(2026, 3, 3), "pass"), (D(2026, 3, 4), "fail")])
def test_the_targets_are_set_before_the_letter(set_on, status):
    assert verdict(sample(targets_set_on=set_on)).rule("targets_not_met").status == status


# --- attendance this school year (001, Appendix B1: below 90%, advisory here) ----------------------------

@pytest.mark.parametrize("absences, pct, status", [
    (21, 90.5, "advisory"),   # one session over 90%
    (22, 90.0, "advisory"),   # exactly 90%: not below it
    (23, 89.5, "pass"),       # one session under
])
def test_attendance_is_counted_from_the_register_against_the_trusts_90_percent(absences, pct, status):
    pupil = attending(absences)
    assert pupil.count(("/", "\\", "I"), D(2025, 9, 1), LETTER_DAY) == 220
    result = verdict(register=pupil.build())
    rule = result.rule("attendance_this_year")
    assert rule.status == status and rule.details["possible"] == 220 and rule.details["attended"] == 220 - absences
    assert f"Attendance {pct:g}% ({220 - absences} of 220 possible sessions) in 2025/26 up to 3 March 2026" in rule.reason
    assert "the formal attendance meeting invitation is for attendance below 90%" in rule.reason
    assert result.eligible  # advisory: the meeting judged the targets, the level is worth a look only


@pytest.mark.parametrize("absences, status, band", [(21, "pass", "Neither"), (22, "advisory", "Persistently")])
def test_the_absence_band_is_counted_from_the_same_register(absences, status, band):
    rule = verdict(register=attending(absences).build()).rule("absence_band")
    assert rule.status == status and rule.reason.startswith(band)


@pytest.mark.parametrize("typed, status", [(89.9, "pass"), (90.0, "advisory"), (90.1, "advisory")])
def test_a_typed_attendance_is_checked_at_the_boundary_too(typed, status):
    data = sample(figures={"attendance_pct": typed})
    assert verdict(data).rule("attendance_this_year").status == status


# --- bad input: each error names the field ------------------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"targets": []}, "targets"),
    ({"targets": [{"target": "Attend every day"}]}, "targets"),
    ({"targets": [{"target": "Attend every day", "met": "perhaps"}]}, "targets"),
    ({"targets": [{"target": "x" * 501, "met": False}]}, "targets"),
    ({"targets_set_on": "2026-02-30"}, "targets_set_on"),
    ({"targets_set_on": "2026-03-03"}, "letter_date"),       # the letter is after the targets' meeting
    ({"figures": {"attendance_pct": 100.5}}, "figures"),
    ({"figures": {"attendance_pct": 87.65}}, "figures"),
    ({"la_officer": ""}, "la_officer"),
    ({"meeting": {"date": "2026-03-03", "time": "09:30", "place": "Room 4"}}, "meeting"),  # not after the letter
    ({"meeting": {"date": "2026-03-12", "time": "half nine", "place": "Room 4"}}, "meeting"),
    ({"meeting": {"date": "2026-03-12", "time": "09:30"}}, "meeting"),
    ({"letter_date": "03/03/2026"}, "letter_date"),
])
def test_invalid_answers_are_refused_naming_the_field(change, path):
    with pytest.raises(ValidationError) as err:
        FORM.schema(complete=True).load({**copy.deepcopy(SAMPLE_JSON), **change})
    assert path in err.value.messages, err.value.messages


# --- the letters: one per parent, in both formats ---------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("index, name, address", [(0, "Stacey Brennan", CHILD_ADDRESS), (1, "Lee Brennan", FATHER_ADDRESS)])
def test_each_parent_gets_a_letter_with_the_words_a_reader_looks_for(letters, fmt, index, name, address):
    words = letters[index][fmt]
    other = "Lee Brennan" if index == 0 else "Stacey Brennan"
    assert f"{name} {address}" in words and f"Dear {name}" in words and other not in words
    assert "Our reference: FMI-2026-000003" in words and "Date: 3 March 2026" in words
    for phrase in PHRASES:
        assert squash(phrase) in words, phrase
    assert "All Saints CE Primary Academy" in words
    assert "£" not in words and "DRAFT" not in words and "Not given" not in words
    assert not PLACEHOLDERS.search(words)


def test_the_letter_reads_in_order_on_one_page(letters):
    order = ["Dear Lee Brennan", "Re: Kai Brennan", "At our meeting on", TARGET_MISSED, TARGET_MET,
             "attendance this school year is", "The meeting will be supported", "academy parenting contract for 6",
             "proceed to Formal Support", "under the law in force", "legal duty", "Yours sincerely",
             "Mrs Helen Ashworth"]
    for fmt in ("docx", "pdf"):
        positions = [letters[1][fmt].find(squash(p)) for p in order]
        assert -1 not in positions and positions == sorted(positions), (fmt, dict(zip(order, positions)))
    assert len(PdfReader(io.BytesIO(letters[1]["pdf_bytes"])).pages) == 1


def test_docx_and_pdf_say_the_same_words(letters):
    for letter in letters:
        in_docx = {p for p in PHRASES if squash(p) in letter["docx"]}
        assert in_docx == {p for p in PHRASES if squash(p) in letter["pdf"]} == set(PHRASES)


def test_the_contracts_weeks_are_the_profiles_not_the_templates():
    """A trust whose contract ran 4 weeks would say 4: the letter takes the number from the verdict."""
    raw = json.loads((Path(__file__).resolve().parents[1] / "schemas/policies/peterborough.json").read_text())
    raw["rules"]["parent_contract_period"]["params"]["weeks"]["value"] = 4
    four = Policy.from_dict(raw)
    data = sample()
    result = evaluate(FORM, data, profile=four, today=LETTER_DAY)
    ctx = build_context(FORM.raw, data, school=SCHOOL, la=LA, reference="FMI-2026-000003", signature=None,
                        verdict=result.to_dict(), recipient=0)
    both = render_both(ctx)
    for fmt in ("docx", "pdf"):
        assert "academy parenting contract for 4 weeks." in both[fmt] and "for 6 weeks" not in both[fmt]


def test_a_letter_dated_before_the_2024_framework_names_the_law_then_in_force():
    data = sample(letter_date=D(2024, 3, 5), targets_set_on=D(2024, 1, 16),
                  meeting={**SAMPLE_JSON["meeting"], "date": D(2024, 3, 14)})
    both = render_both(context(data, recipient=0))
    for fmt in ("docx", "pdf"):
        assert squash("under the law in force: The Education (Penalty Notices) (England) Regulations 2007, as "
                      "amended in 2013.") in both[fmt]
        assert "August 2024" not in both[fmt] and "£" not in both[fmt]


def test_hostile_text_is_printed_literally():
    hostile = "{{ 7*7 }} {%p if x %} <script>alert('x')</script> & \"quotes\""
    data = sample(targets=[{"target": hostile, "met": False}], la_officer="O'Brien <b>LA</b>")
    both = render_both(context(data, recipient=1))
    for fmt in ("docx", "pdf"):
        assert squash(hostile) in both[fmt] and "O'Brien <b>LA</b>" in both[fmt] and "49" not in both[fmt]


def test_a_preview_of_an_empty_letter_still_renders():
    both = render_both(build_context(FORM.raw, {}, school=SCHOOL, la=LA, reference=None, signature=None))
    for fmt in ("docx", "pdf"):
        assert "Dear Parent/Carer" in both[fmt] and "DRAFT" not in both[fmt]
        assert "academy parenting contract for the number of weeks the trust's policy sets." in both[fmt]


# --- the journey: the API under the trust's profile, refused under another; the web --------------------------

def register_json(pupil: PupilRegister) -> dict:
    return {"code_set": "2024", "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                             for s in pupil.build(LETTER_DAY).sessions]}


@pytest.fixture
def token(client):
    return bearer(api_token(client, "office@demo.school"))


def test_the_api_lists_the_form_with_its_profile(client, token):
    forms = {f["id"]: f for f in client.get(f"{API}/forms", headers=token).get_json()["forms"]}
    entry = forms[FORM_ID]
    assert entry["profiles"] == ["peterborough"] and entry["jurisdictions"] == ["england"]
    assert {"targets", "targets_set_on", "la_officer", "meeting.date"} <= {f["name"] for f in entry["fields"]}


def test_the_api_checks_eligibility_and_writes_a_letter_for_each_parent_under_the_trust(client, token):
    pupil = attending(23)  # 89.5%
    checked = client.post(f"{API}/eligibility/{FORM_ID}", headers=token,
                          json={"data": SAMPLE_JSON, "register": register_json(pupil), "profile": "peterborough"})
    assert checked.status_code == 200, checked.get_json()
    body = checked.get_json()
    assert body["eligible"] and {r["id"]: r["status"] for r in body["rules"]}["attendance_this_year"] == "pass"
    response = client.post(f"{API}/documents/{FORM_ID}", headers=token,
                           json={"data": SAMPLE_JSON, "format": "docx", "register": register_json(pupil),
                                 "profile": "peterborough"})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        written = [squash(docx_text(archive.read(name))) for name in sorted(archive.namelist())]
    assert "Dear Stacey Brennan" in written[0] and "Dear Lee Brennan" in written[1]
    for words in written:
        assert "Kai's attendance this school year is 89.5%." in words
        assert "academy parenting contract for 6 weeks." in words


@pytest.mark.parametrize("profile", ["national-2024", "knowsley"])
def test_the_api_refuses_the_letter_under_another_profile(client, token, profile):
    for path, body in ((f"{API}/eligibility/{FORM_ID}", {"data": SAMPLE_JSON, "profile": profile}),
                       (f"{API}/documents/{FORM_ID}", {"data": SAMPLE_JSON, "profile": profile, "format": "pdf"})):
        response = client.post(path, headers=token, json=body)
        assert response.status_code == 422, path
        assert response.get_json()["errors"]["profile"] == [
            "The Invitation to a Formal Attendance Meeting is used in Peterborough Diocese Education Trust (England); "
            "choose the profile peterborough"]


def test_a_school_under_another_profile_is_not_offered_the_letter(client):
    login(client, "office@demo.school")
    start = client.get("/referrals/")
    assert start.status_code == 200 and "/referrals/new/stage2-letter" in text(start)
    assert f"/referrals/new/{FORM_ID}" not in text(start)
    assert client.get(f"/referrals/new/{FORM_ID}").status_code == 404


def _web_pages() -> dict:
    s = SAMPLE_JSON
    return {
        "pupil": {"pupil__first_name": s["pupil"]["first_name"], "pupil__last_name": s["pupil"]["last_name"],
                  "pupil__date_of_birth": date_parts(s["pupil"]["date_of_birth"]),
                  "pupil__year_group": s["pupil"]["year_group"], "pupil__address": s["pupil"]["address"]},
        "parents": {f"parents-{i}-{k}": v for i, p in enumerate(s["parents"]) for k, v in p.items()},
        "targets": {"targets_set_on": date_parts(s["targets_set_on"]),
                    **{f"targets-{i}-{k}": (("yes" if v else "no") if k == "met" else v)
                       for i, t in enumerate(s["targets"]) for k, v in t.items()}},
        "attendance": {"figures__attendance_pct": str(s["figures"]["attendance_pct"])},
        "meeting": {"la_officer": s["la_officer"], "meeting__date": date_parts(s["meeting"]["date"]),
                    "meeting__time": "9:30am", "meeting__place": s["meeting"]["place"]},
        "letter": {"letter_date": date_parts(s["letter_date"]), "signatory__name": s["signatory"]["name"],
                   "signatory__role": s["signatory"]["role"]},
    }


def test_the_letters_are_written_on_the_web_under_the_trust_and_downloaded_for_each_parent(app, client):
    set_profile(app, "peterborough")
    login(client, "office@demo.school")
    assert f"/referrals/new/{FORM_ID}" in text(client.get("/referrals/"))
    start = post_page(client, f"/referrals/new/{FORM_ID}", {})
    assert start.status_code == 302 and start.location.endswith("/pages/pupil")
    base = start.location.rsplit("/pages/", 1)[0]
    pages = _web_pages()
    assert [p.id for p in FORM.pages] == list(pages)
    for page_id in ("pupil", "parents", "targets", "attendance", "meeting"):
        response = post_page(client, f"{base}/pages/{page_id}", pages[page_id])
        assert response.status_code == 302, (page_id, text(response)[:3000])
    # A letter dated before the targets' meeting is refused on its page, naming the field.
    bad = post_page(client, f"{base}/pages/letter", {**pages["letter"], "letter_date": date_parts("2026-01-12")})
    assert bad.status_code == 422 and "Date of the letter must be after date of the meeting at which" in text(bad)
    response = post_page(client, f"{base}/pages/letter", pages["letter"])
    assert response.status_code == 302, text(response)[:3000]

    page = text(client.get(f"{base}/letter"))
    assert "Some answers are still needed" not in page and "Stacey Brennan" in page and "Lee Brennan" in page
    for to, name, other in ((1, "Stacey Brennan", "Lee Brennan"), (2, "Lee Brennan", "Stacey Brennan")):
        for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
            response = client.get(f"{base}/letter/{FORM_ID}.{fmt}?to={to}")
            assert response.status_code == 200, (to, fmt)
            words = squash(read(response.data))
            assert f"Dear {name}" in words and other not in words
            assert squash(TARGET_MISSED) in words and "academy parenting contract for 6 weeks." in words
            assert "9:30am on Thursday 12 March 2026" in words


def test_on_the_web_every_target_met_stops_the_letter(app, client):
    set_profile(app, "peterborough")
    login(client, "office@demo.school")
    base = post_page(client, f"/referrals/new/{FORM_ID}", {}).location.rsplit("/pages/", 1)[0]
    pages = _web_pages()
    pages["targets"]["targets-0-met"] = "yes"
    for page_id, answers in pages.items():
        assert post_page(client, f"{base}/pages/{page_id}", answers).status_code == 302, page_id
    page = text(client.get(f"{base}/letter"))
    assert "Every target set at the meeting on 13 January 2026 was met" in page
    assert client.get(f"{base}/letter/{FORM_ID}.pdf?to=1").status_code == 409
