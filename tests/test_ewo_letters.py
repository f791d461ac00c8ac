"""The Education Welfare Officer's letters to a parent (issue 19; Cardiff's 5 Step Approach, 002): the
Initial Warning (002, Step 3), the Final Warning and the invitation to a Pre-Court Meeting (002, Step 4),
issued by an LA officer on an accepted referral the way the LA's notices are (la/notices.py): one per
parent, PDF and DOCX from one context, frozen with their SHA-256, recorded as outcomes with the audit
event. Which LAs send them is their profile's `la_letters` (Cardiff's), never the LA's name; under Welsh
law the Initial Warning states the Welsh penalty notice (£60 within 28 days, £120 within 42), never
England's £80/£160. Their order to a parent: an Initial Warning, then a Final Warning, then, once the
Final Warning's review date has come, the invitation. Every fixed sentence is translatable, and a letter
is written in the parent's language for letters. SQLite and PostgreSQL.

The case: Jayden Clarke's panel request (tests/samples/penalty-notice-panel.json), accepted by an LA whose
profile is Cardiff's (the EWS referral form is another branch's: the main session adds its case)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from docxtpl import DocxTemplate
from pypdf import PdfReader
from sqlalchemy import select

from forms_service import storage
from forms_service.documents.rendering import DOCX_TEMPLATES_DIR, docx_env, print_env, render_docx, render_pdf
from forms_service.models import AuditEvent, NoticeFile, Outcome, Referral, db
from forms_service.policies import Policy, load_profile

from samples.notice_contexts import sample_context
from support.doctext import docx_text, pdf_text, squash
from support.helpers import api_token, bearer, csrf, login, set_profile, text
from support.messages import mark_every_message, outside_messages, welsh_catalogue
from support.snapshot import made_once
from test_la_notices import _back_date, _officer, accepted_panel

API = "/api/v1"
TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
LETTERS = {"initial_warning": "initial-warning", "ews_final_warning": "ews-final-warning",
           "pre_court_invitation": "pre-court-invitation"}


@pytest.fixture
def cardiff_case(app, client, backend, setups_made_once):
    """(referral id, the mother's name, the father's name): Jayden Clarke's panel request, accepted 60 days
    ago by an LA on Cardiff's profile. Made once per backend (signing renders and seals the pack, about a
    second) and restored into each test's own database and storage, as most tests here issue letters."""
    return made_once(setups_made_once, backend, app, lambda: _cardiff_case(app, client))


def _cardiff_case(app, client) -> tuple[int, str, str]:
    rid, data = accepted_panel(client)
    _back_date(app, rid, 60)
    set_profile(app, "cardiff")
    return rid, data["parents"][0]["name"], data["parents"][1]["name"]


def _issue(client, rid: int, kind: str, parent: str, issued_on: dt.date = TODAY, headers=None, **extra):
    body = {"kind": kind, "parent": parent, "issued_on": issued_on.isoformat(),
            **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in extra.items()}}
    return client.post(f"{API}/referrals/{rid}/notices", headers=headers or _officer(client), json=body)


def _rules(response) -> dict:
    return {r["id"]: r["reason"] for r in response.get_json().get("rules", [])}


def _errors(response) -> dict:
    assert response.status_code == 422, response.get_json()
    return response.get_json().get("errors", {})


def _document(client, notice: dict, fmt: str) -> str:
    response = client.get(f"{API}/notices/{notice['id']}/document?format={fmt}", headers=_officer(client))
    assert response.status_code == 200
    [stored] = [d for d in notice["documents"] if d["format"] == fmt]
    assert hashlib.sha256(response.data).hexdigest() == stored["sha256"]
    return squash(pdf_text(response.data) if fmt == "pdf" else docx_text(response.data))


MEETING = {"meeting_time": "10:30am", "meeting_place": "Room 201, County Hall\nAtlantic Wharf\nCardiff CF10 4UW"}


# --- the profile says which LAs send them ------------------------------------------------------------

def test_cardiff_lists_the_three_letters_and_no_other_profile_does():
    cardiff = load_profile("cardiff")
    assert cardiff.la_letters == ("initial-warning", "ews-final-warning", "pre-court-invitation")
    assert "002, Step 3" in cardiff.la_letters_source and "002, Step 4" in cardiff.la_letters_source
    for name in ("national-2024", "stockport", "southend", "knowsley"):
        assert load_profile(name).la_letters == ()


@pytest.mark.parametrize("entry", [{"letters": ["initial-warning"]}, {"letters": "initial-warning", "source": "002"},
                                   {"letters": ["../x"], "source": "002"}, ["initial-warning"]])
def test_a_profile_s_letters_need_ids_and_a_source(entry):
    raw = {"id": "x", "name": "X", "jurisdiction": "wales", "rules": {}, "la_letters": entry}
    with pytest.raises(ValueError, match="la_letters"):
        Policy.from_dict(raw)


# --- issuing, in order, through the API ---------------------------------------------------------------

def test_the_three_letters_in_order_to_one_parent(app, client, cardiff_case):
    rid, mother, _ = cardiff_case
    start = TODAY - dt.timedelta(days=40)
    # A Final Warning before any Initial Warning, and on the Initial Warning's own day, is refused.
    refused = _issue(client, rid, "ews_final_warning", mother, start, review_on=start + 10 * DAY)
    assert refused.status_code == 422 and "initial_warning_sent" in _rules(refused)
    initial = _issue(client, rid, "initial_warning", mother, start)
    assert initial.status_code == 201, initial.get_json()
    initial = initial.get_json()
    assert initial["kind"] == "initial_warning" and initial["title"] == "Initial Warning"
    assert initial["reference"].endswith("/IW1") and initial["received_on"] is None and initial["amounts"] == []
    same_day = _issue(client, rid, "ews_final_warning", mother, start, review_on=start + 10 * DAY)
    assert "initial_warning_sent" in _rules(same_day) and mother in _rules(same_day)["initial_warning_sent"]
    # The pre-court invitation before any Final Warning is refused too.
    early = _issue(client, rid, "pre_court_invitation", mother, start + DAY, meeting_on=TODAY + 7 * DAY, **MEETING)
    assert "final_warning_sent" in _rules(early)

    review = start + 11 * DAY
    final = _issue(client, rid, "ews_final_warning", mother, start + DAY, review_on=review)
    assert final.status_code == 201, final.get_json()
    final = final.get_json()
    assert final["review_on"] == review.isoformat() and final["improvement_period_end"] is None

    # The invitation waits for the Final Warning's review date: the day before is refused, the day itself is not.
    before = _issue(client, rid, "pre_court_invitation", mother, review - DAY, meeting_on=TODAY + 7 * DAY, **MEETING)
    assert set(_rules(before)) == {"final_warning_review_reached"}
    assert final["reference"] in _rules(before)["final_warning_review_reached"]
    invited = _issue(client, rid, "pre_court_invitation", mother, review, meeting_on=TODAY + 7 * DAY, **MEETING)
    assert invited.status_code == 201, invited.get_json()
    invited = invited.get_json()
    assert invited["meeting_on"] == (TODAY + 7 * DAY).isoformat() and "10:30" in invited["meeting"]
    again = _issue(client, rid, "pre_court_invitation", mother, review + DAY, meeting_on=TODAY + 8 * DAY, **MEETING)
    assert again.status_code == 201  # a meeting rearranged: a second invitation after the review date

    with app.app_context():
        rows = db.session.scalars(select(Outcome).where(Outcome.referral_id == rid).order_by(Outcome.id)).all()
        assert [r.kind for r in rows] == ["initial_warning", "ews_final_warning", "pre_court_invitation",
                                          "pre_court_invitation"]
        for row in rows:
            assert {f.format for f in row.files} == {"pdf", "docx"}
            for item in row.files:
                assert storage.sha256(storage.get(item.storage_key)) == item.sha256
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "notice_issued",
                                                             AuditEvent.referral_id == rid)).all()
        assert [e.detail["kind"] for e in events] == [r.kind for r in rows]
        assert events[1].detail["review_on"] == review.isoformat() and events[0].detail["language"] == "en"
        assert events[2].detail["meeting_time"] == "10:30"
        assert events[2].detail["files"] == {f.format: f.sha256 for f in rows[2].files}

    # The ledger names them in words.
    ledger = client.get(f"{API}/referrals/{rid}", headers=_officer(client)).get_json()["outcomes"]
    assert [o["label"] for o in ledger] == ["Initial Warning sent", "Final Warning sent",
                                            "Invitation to a Pre-Court Meeting sent",
                                            "Invitation to a Pre-Court Meeting sent"]


def test_one_parent_s_letters_do_not_count_for_the_other(client, cardiff_case):
    rid, mother, father = cardiff_case
    start = TODAY - dt.timedelta(days=30)
    assert _issue(client, rid, "initial_warning", mother, start).status_code == 201
    refused = _issue(client, rid, "ews_final_warning", father, start + DAY, review_on=start + 5 * DAY)
    assert father in _rules(refused)["initial_warning_sent"]
    # One Initial Warning per parent, at the outset of casework.
    twice = _issue(client, rid, "initial_warning", mother, start + DAY)
    assert "already issued" in _errors(twice)["parent"][0]
    assert _issue(client, rid, "initial_warning", father, start + DAY).status_code == 201


def test_the_initial_warning_states_the_welsh_penalty_notice_never_england_s(client, cardiff_case):
    rid, mother, _ = cardiff_case
    notice = _issue(client, rid, "initial_warning", mother, TODAY - 3 * DAY).get_json()
    for fmt in ("pdf", "docx"):
        words = _document(client, notice, fmt)
        assert ("A penalty notice is £60 if paid within 28 days of receiving it, rising to £120 if paid within 42 "
                "days.") in words
        assert "The Education (Penalty Notices) (Wales) Regulations 2013" in words
        assert "£80" not in words and "£160" not in words
        assert "Initial Warning" in words and "Jayden Clarke" in words and f"Dear {mother}" in words
        assert "section 444(1A)" in words and "three months' imprisonment" in words
        assert "Yours sincerely" in words and "Education Welfare Officer, Demo Local Authority" in words


def test_the_final_warning_states_the_officer_s_figure_or_the_referral_s(client, cardiff_case):
    rid, mother, father = cardiff_case
    start = TODAY - dt.timedelta(days=20)
    for parent in (mother, father):
        assert _issue(client, rid, "initial_warning", parent, start).status_code == 201
    stated = _issue(client, rid, "ews_final_warning", mother, start + DAY, review_on=TODAY + 30 * DAY,
                    attendance_pct=72.5, attendance_period="1 September to 28 November").get_json()
    words = {fmt: _document(client, stated, fmt) for fmt in ("pdf", "docx")}
    for fmt, text_ in words.items():
        assert "Attendance 72.5% Period 1 September to 28 November" in text_, fmt
        assert f"Your child's attendance will be reviewed on {(TODAY + 30 * DAY).day} " in text_, fmt
        assert "the local authority may start legal action against you" in text_, fmt
    own = _issue(client, rid, "ews_final_warning", father, start + DAY, review_on=TODAY + 30 * DAY).get_json()
    words = _document(client, own, "pdf")
    assert "Attendance 72.5%" not in words and re.search(r"Attendance \d+(\.\d)?%", words)


def test_the_invitation_states_the_meeting_and_what_happens_if_the_parent_does_not_come(client, cardiff_case):
    rid, mother, _ = cardiff_case
    start = TODAY - dt.timedelta(days=20)
    _issue(client, rid, "initial_warning", mother, start)
    _issue(client, rid, "ews_final_warning", mother, start + DAY, review_on=start + 2 * DAY)
    meeting = TODAY + 10 * DAY
    invited = _issue(client, rid, "pre_court_invitation", mother, start + 2 * DAY, meeting_on=meeting,
                     meeting_time="14:00", meeting_place="Room 201, County Hall <b>").get_json()
    for fmt in ("pdf", "docx"):
        words = _document(client, invited, fmt)
        assert f"Date of the meeting {meeting:%A} {meeting.day} " in words and "Time 2:00pm" in words, fmt
        assert "Place Room 201, County Hall <b>" in words, fmt
        assert "You may have a legal representative at this meeting." in words
        assert "court papers will automatically be issued" in words
        assert "used as evidence of a lack of engagement" in words


# --- bad input names the field; boundaries ------------------------------------------------------------

def test_bad_letter_details_name_their_field(client, cardiff_case):
    rid, mother, _ = cardiff_case
    start = TODAY - dt.timedelta(days=20)
    _issue(client, rid, "initial_warning", mother, start)
    cases = [
        ({"review_on": None}, "review_on"),
        ({"review_on": "13/03/2026"}, "review_on"),
        ({"review_on": 20260313}, "review_on"),
        ({"review_on": start + DAY}, "review_on"),  # on the date of issue
        ({"review_on": start + 2 * DAY, "attendance_pct": 100.1, "attendance_period": "Autumn"}, "attendance_pct"),
        ({"review_on": start + 2 * DAY, "attendance_pct": -0.1, "attendance_period": "Autumn"}, "attendance_pct"),
        ({"review_on": start + 2 * DAY, "attendance_pct": "lots", "attendance_period": "Autumn"}, "attendance_pct"),
        ({"review_on": start + 2 * DAY, "attendance_pct": True, "attendance_period": "Autumn"}, "attendance_pct"),
        ({"review_on": start + 2 * DAY, "attendance_pct": 80}, "attendance_period"),
        ({"review_on": start + 2 * DAY, "attendance_period": "Autumn"}, "attendance_pct"),
        ({"review_on": start + 2 * DAY, "meeting_time": "10:00"}, "meeting_time"),  # not a Final Warning's
    ]
    for extra, field in cases:
        errors = _errors(_issue(client, rid, "ews_final_warning", mother, start + DAY, **extra))
        assert field in errors, (extra, errors)
    for pct in (0, 100, "100"):
        ok = _issue(client, rid, "ews_final_warning", mother, start + DAY, review_on=start + 2 * DAY,
                    attendance_pct=pct, attendance_period="Autumn term")
        assert ok.status_code == 201, (pct, ok.get_json())

    meeting = {"meeting_on": TODAY + DAY, **MEETING}
    cases = [
        ({**meeting, "meeting_on": TODAY}, "meeting_on"),  # today is not in the future
        ({**meeting, "meeting_on": "2026-02-30"}, "meeting_on"),
        ({**meeting, "meeting_on": None}, "meeting_on"),
        ({**meeting, "meeting_time": "25:00"}, "meeting_time"),
        ({**meeting, "meeting_time": ""}, "meeting_time"),
        ({**meeting, "meeting_place": "  "}, "meeting_place"),
        ({**meeting, "meeting_place": "x" * 301}, "meeting_place"),
        ({**meeting, "meeting_place": "Room\x00 1"}, "meeting_place"),
        ({**meeting, "review_on": TODAY + DAY}, "review_on"),
        ({**meeting, "venue": "Hall"}, "venue"),
    ]
    for extra, field in cases:
        errors = _errors(_issue(client, rid, "pre_court_invitation", mother, start + 3 * DAY, **extra))
        assert field in errors, (extra, errors)
    assert _issue(client, rid, "pre_court_invitation", mother, start + 3 * DAY, **meeting).status_code == 201
    assert "review_on" in _errors(_issue(client, rid, "initial_warning", mother, start, review_on=TODAY))


def test_only_an_la_whose_profile_lists_them_issues_them(app, client):
    rid, data = accepted_panel(client)
    mother = data["parents"][0]["name"]
    refused = _issue(client, rid, "initial_warning", mother)  # national-2024: no EWO letters
    assert "kind" in _errors(refused) and "initial_warning" not in _errors(refused)["kind"][0]
    login(client, "officer@demo.la")
    page = text(client.get(f"/la/referrals/{rid}"))
    assert "Notice to Improve" in page and "Initial Warning" not in page and "Pre-Court" not in page
    set_profile(app, "cardiff")
    page = text(client.get(f"/la/referrals/{rid}"))
    for words in ("Issue a notice or letter", "Initial Warning", "Final Warning", "Invitation to a Pre-Court Meeting",
                  "Date attendance is reviewed", "Time of the meeting", "Place of the meeting"):
        assert words in page, words
    issue_form = page[page.index('id="issue-notice"'):]
    issue_form = issue_form[:issue_form.index("</form>")]
    # Welsh law has no Notice to Improve.
    assert 'value="notice_to_improve"' not in issue_form and 'value="initial_warning"' in issue_form


def test_who_may_issue_them(app, client, cardiff_case):
    rid, mother, _ = cardiff_case
    office = bearer(api_token(client, "office@demo.school"))
    assert _issue(client, rid, "initial_warning", mother, headers=office).status_code == 403
    assert _issue(client, rid, "initial_warning", mother,
                  headers=bearer(api_token(client, "admin@demo.la"))).status_code == 403
    with app.app_context():
        from forms_service.access.accounts import create_user, get_or_create_la

        other = get_or_create_la("Other Council", "legal@other.invalid")
        other.policy_profile = "cardiff"
        create_user("officer@other.la", "correct horse battery", "la_officer", "Olga Other", la=other)
        db.session.commit()
    stranger = bearer(api_token(client, "officer@other.la", "correct horse battery"))
    assert _issue(client, rid, "initial_warning", mother, headers=stranger).status_code == 404
    letter = _issue(client, rid, "initial_warning", mother).get_json()
    for headers, status in ((stranger, 404), (office, 200)):
        assert client.get(f"{API}/notices/{letter['id']}/document", headers=headers).status_code == status


# --- the parent's language ----------------------------------------------------------------------------

def test_a_letter_is_made_in_the_parent_s_language_for_letters(app, client, cardiff_case, tmp_path, monkeypatch):
    """The mother chose Welsh. As shipped, the Welsh catalogue translates nothing (the LA's translator fills
    it): her letter is in English and tagged English. Once the catalogue translates its sentences, her next
    letter is in them and tagged Welsh, in PDF and DOCX, while the father's stays English."""
    rid, mother, father = cardiff_case
    with app.app_context():
        pack = db.session.get(Referral, rid).latest_pack
        parents = [{**p, "language": "cy"} if p["name"] == mother else p for p in pack.data["parents"]]
        pack.data = {**pack.data, "parents": parents}
        db.session.commit()
    untranslated = _issue(client, rid, "initial_warning", mother, TODAY - 2 * DAY).get_json()
    pdf = client.get(f"{API}/notices/{untranslated['id']}/document", headers=_officer(client)).data
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "en-GB"
    assert "Initial Warning" in pdf_text(pdf)
    heading = "Final Warning"
    opening = ("This is a Final Warning about the attendance at school of your child, %(child)s. Their attendance has "
               "not improved enough since the Education Welfare Service began working with you.")
    welsh_catalogue(tmp_path, monkeypatch, {heading: "[cy] Rhybudd Terfynol", opening: "[cy] Rhybudd am %(child)s."})
    welsh = _issue(client, rid, "ews_final_warning", mother, TODAY - DAY, review_on=TODAY + 10 * DAY).get_json()
    _issue(client, rid, "initial_warning", father, TODAY - 2 * DAY)
    english = _issue(client, rid, "ews_final_warning", father, TODAY - DAY, review_on=TODAY + 10 * DAY).get_json()
    pdf = client.get(f"{API}/notices/{welsh['id']}/document", headers=_officer(client)).data
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "cy"
    for words in (squash(pdf_text(pdf)), _document(client, welsh, "docx")):
        assert "[cy] Rhybudd Terfynol" in words and "This is a Final Warning about" not in words
        assert squash("[cy] Rhybudd am") in words
    pdf = client.get(f"{API}/notices/{english['id']}/document", headers=_officer(client)).data
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "en-GB"
    assert "This is a Final Warning about" in squash(pdf_text(pdf)) and "[cy]" not in pdf_text(pdf)
    with app.app_context():
        languages = [e.detail["language"] for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "notice_issued").order_by(AuditEvent.id))]
    assert languages == ["cy", "cy", "en", "en"]


def _values(value) -> list[str]:
    if isinstance(value, str):
        return [squash(line) for line in value.split("\n") if line.strip()]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _values(v)]
    return []


@pytest.mark.parametrize("kind", list(LETTERS.values()))
def test_every_fixed_sentence_of_a_letter_is_translatable(monkeypatch, kind):
    """Rendered with a translator that marks every message, a letter has no word outside a message but
    the values it prints and the page furniture (the footer's reference and page numbers)."""
    mark_every_message(monkeypatch)
    context = sample_context(kind) | {"language": "cy"}
    for fmt, words in (("docx", docx_text(render_docx(f"{kind}.docx", context))),
                       ("pdf", pdf_text(render_pdf(f"print/{kind}.html", context, title=context["document_title"])))):
        left = outside_messages(squash(words))
        left = re.sub(r"Reference: \S+|Page \d+ of \d+|•", " ", left)
        for value in sorted(_values(context), key=len, reverse=True):
            left = left.replace(value, " ")
        assert not squash(left), f"{kind} {fmt}: not translatable: {squash(left)!r}"


@pytest.mark.parametrize("kind", list(LETTERS.values()))
def test_the_print_and_word_templates_have_the_same_messages(kind):
    def messages(env, source):
        return {squash(m[2]) if isinstance(m[2], str) else tuple(m[2])
                for m in env.extract_translations(source)}

    html_source = print_env.loader.get_source(print_env, f"print/{kind}.html")[0]
    html_source += print_env.loader.get_source(print_env, "print/_ewo_letter.html")[0]
    template = DocxTemplate(DOCX_TEMPLATES_DIR / f"{kind}.docx")
    template.init_docx()
    docx_messages = messages(docx_env, template.patch_xml(template.get_xml()))
    html_messages = messages(print_env, html_source)
    assert docx_messages and docx_messages <= html_messages
    # The shared partial holds a message or two another letter uses; this letter's own are all in both.
    own = messages(print_env, print_env.loader.get_source(print_env, f"print/{kind}.html")[0])
    assert own <= docx_messages


# --- the officer's page ------------------------------------------------------------------------------

def _form(page: str, **values) -> dict:
    return {"csrf_token": csrf(page), "issue-date-day": str(TODAY.day), "issue-date-month": str(TODAY.month),
            "issue-date-year": str(TODAY.year), **values}


def test_the_officer_issues_the_letters_from_the_referral_page(app, client, cardiff_case):
    rid, mother, _ = cardiff_case
    login(client, "officer@demo.la")
    page = text(client.get(f"/la/referrals/{rid}"))
    early = client.post(f"/la/referrals/{rid}/notices", data=_form(page, **{"issue-kind": "ews_final_warning",
                                                                          "issue-parent": mother}))
    assert early.status_code == 422
    body = text(early)
    assert "Enter the date by which attendance is reviewed" in body and 'href="#issue-review-day"' in body
    done = client.post(f"/la/referrals/{rid}/notices", data=_form(page, **{"issue-kind": "initial_warning",
                                                                         "issue-parent": mother}),
                       follow_redirects=True)
    assert done.status_code == 200 and "Initial Warning" in text(done) and "has been issued to" in text(done)
    review = TODAY + 14 * DAY
    form = _form(page, **{"issue-kind": "ews_final_warning", "issue-parent": mother,
                          "issue-review-day": str(review.day), "issue-review-month": str(review.month),
                          "issue-review-year": "", "issue-attendance-pct": "abc", "issue-attendance-period": ""})
    bad = client.post(f"/la/referrals/{rid}/notices", data=form)
    body = text(bad)
    assert bad.status_code == 422 and "The review date must include a year" in body
    assert 'href="#issue-attendance-pct"' in body and 'value="abc"' in body
    # The Initial Warning was sent today: a Final Warning today is refused by the order rule.
    form.update({"issue-review-year": str(review.year), "issue-attendance-pct": ""})
    same_day = client.post(f"/la/referrals/{rid}/notices", data=form)
    assert same_day.status_code == 422 and "No Initial Warning was sent to" in text(same_day)
    meeting = {"issue-kind": "pre_court_invitation", "issue-parent": mother, "issue-meeting-day": str(TODAY.day),
               "issue-meeting-month": str(TODAY.month), "issue-meeting-year": str(TODAY.year),
               "issue-meeting-time": "", "issue-meeting-place": ""}
    bad = text(client.post(f"/la/referrals/{rid}/notices", data=_form(page, **meeting)))
    for anchor in ("issue-meeting-day", "issue-meeting-time", "issue-meeting-place"):
        assert f'href="#{anchor}"' in bad, anchor
    client.get("/sign-out")
    login(client, "office@demo.school")
    school = text(client.get(f"/referrals/{rid}"))
    assert "Initial Warning" in school and mother in school
    with app.app_context():
        letter_id = db.session.scalar(select(NoticeFile.outcome_id).join(Outcome)
                                      .where(Outcome.kind == "initial_warning"))
    assert client.get(f"/notices/{letter_id}/document.docx").status_code == 200


def test_the_amounts_are_the_law_of_the_la_s_jurisdiction_never_written_in(monkeypatch, app, client):
    """Chosen by data: an LA in England whose profile listed the letters would state England's penalty
    notice on the letter's date (£80 within 21 days, £160 within 28, SI 2024/210), from rules/law.py."""
    import dataclasses

    from forms_service.la import ewo_letters, notice_documents

    english = dataclasses.replace(load_profile("national-2024"), la_letters=("initial-warning",),
                                  la_letters_source="a test profile")
    for module in (ewo_letters, notice_documents):
        monkeypatch.setattr(module, "load_profile", lambda name=None: english)
    rid, data = accepted_panel(client)
    letter = _issue(client, rid, "initial_warning", data["parents"][0]["name"])
    assert letter.status_code == 201, letter.get_json()
    words = _document(client, letter.get_json(), "pdf")
    assert ("A penalty notice is £80 if paid within 21 days of receiving it, rising to £160 if paid within 28 "
            "days.") in words
    assert "£60" not in words and "Wales" not in words
