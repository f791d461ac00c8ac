"""A letter's life (issue 18): the school records that it sent a letter (how, when, to whom) and the
record, the list, the API and a subject access export show it; a sent letter is locked and kept; a draft
nobody needs is deleted after "Are you sure?", its rows, files and events going the retention purge's
way while one event without the child's details says it was deleted. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from forms_service.formatting import format_date, local_today
from forms_service.models import AuditEvent, Evidence, LetterSending, Referral, User, db
from forms_service.records import deletion, subject_access
from forms_service.referrals import actions, sendings

from support.helpers import csrf, date_parts, login, text
from support.records import AMELIA, TOBIAS, create_letter, create_referral, office, sign

API = "/api/v1"
KELLY, JASON = "Kelly Turner", "Jason Turner"  # the Final Warning sample's parents (support/records: Maisie)


def _user(email: str) -> User:
    return db.session.scalar(select(User).filter_by(email=email))


def _letter(client, *, dated: dt.date | None = None, pupil=TOBIAS) -> int:
    """A complete Final Warning for `pupil`, dated `dated` (default: a week ago)."""
    headers = office(client)
    rid = create_letter(client, headers, pupil)
    dated = dated or local_today() - dt.timedelta(days=7)
    changed = client.patch(f"{API}/referrals/{rid}", headers=headers, json={"data": {
        "final_warning_date": dated.isoformat(), "meeting": {"date": (dated - dt.timedelta(days=2)).isoformat()},
        "contact_by": (dated + dt.timedelta(days=7)).isoformat()}})
    assert changed.status_code == 200, changed.get_json()
    return rid


def _parents(app, rid: int) -> list[str]:
    with app.app_context():
        return sendings.parents(db.session.get(Referral, rid))


def _post_sent(client, rid: int, *, method="posted", day: dt.date | None = None, parts=None, recipients=("0",),
               other_name=""):
    page = client.get(f"/referrals/{rid}/sent")
    assert page.status_code == 200, text(page)[:500]
    parts = parts if parts is not None else date_parts((day or local_today()).isoformat())
    body = {"csrf_token": csrf(text(page)), "method": method, "recipients": list(recipients), "other_name": other_name,
            "sent-on-day": parts[0], "sent-on-month": parts[1], "sent-on-year": parts[2]}
    return client.post(f"/referrals/{rid}/sent", data=body)


def _count(model, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


# --- marking sent -----------------------------------------------------------------------------------

@pytest.mark.db
def test_a_letter_marked_sent_shows_on_its_page_the_list_and_the_api_and_is_locked(app, client):
    rid = _letter(client)
    mother, father = _parents(app, rid)
    login(client, "office@demo.school")
    assert "Not sent yet" in text(client.get("/referrals/"))
    assert "Not sent yet" in text(client.get(f"/referrals/{rid}"))

    posted = _post_sent(client, rid, method="posted", recipients=("0",))
    assert posted.status_code == 302 and posted.location.endswith(f"/referrals/{rid}/letter#sent")
    handed = _post_sent(client, rid, method="handed", recipients=("1", "other"), other_name="  Pat Grandparent ")
    assert handed.status_code == 302

    today = format_date(local_today())
    page = text(client.get(f"/referrals/{rid}"))
    assert f"Posted to {mother} on {today} (recorded by Olivia Office on" in page
    assert f"Handed to {father} and Pat Grandparent on {today}" in page
    assert "Delete this draft" not in page and "Continue the request" not in page
    listing = text(client.get("/referrals/"))
    assert "Sent" in listing
    letter_page = text(client.get(f"/referrals/{rid}/letter"))
    assert "has been sent, so its answers can no longer be changed" in letter_page

    with app.app_context():
        referral = db.session.get(Referral, rid)
        rows = [(s.method, s.sent_on, s.recipients, s.recorded_by.email) for s in referral.sendings]
        assert rows == [("posted", local_today(), [{"parent": 0, "name": mother}], "office@demo.school"),
                        ("handed", local_today(), [{"parent": 1, "name": father},
                                                   {"parent": None, "name": "Pat Grandparent"}], "office@demo.school")]
        events = db.session.scalars(select(AuditEvent).filter_by(referral_id=rid, action="letter_sent")
                                    .order_by(AuditEvent.id)).all()
        assert [e.detail for e in events] == [
            {"sending": referral.sendings[0].id, "method": "posted", "sent_on": local_today().isoformat(),
             "parents": [0], "someone_else": False},
            {"sending": referral.sendings[1].id, "method": "handed", "sent_on": local_today().isoformat(),
             "parents": [1], "someone_else": True}]
        assert not any(name in json.dumps(e.detail) for e in events for name in (mother, father, "Pat"))

    # Locked: the question pages send the user back with why; the API refuses a change; no deletion.
    stopped = client.get(f"/referrals/{rid}/pages/pupil")
    assert stopped.status_code == 302 and stopped.location.endswith(f"/referrals/{rid}")
    assert "can no longer be changed" in text(client.get(stopped.location))
    refused = client.patch(f"{API}/referrals/{rid}", headers=office(client), json={"data": {"head_teacher_name": "X"}})
    assert refused.status_code == 409 and "has been sent" in refused.get_json()["message"]
    gone = client.get(f"/referrals/{rid}/delete")
    assert gone.status_code == 302 and "cannot be deleted" in text(client.get(gone.location))

    body = client.get(f"{API}/referrals/{rid}", headers=office(client)).get_json()
    assert [(s["method"], s["sent_on"], s["recipients"], s["by"]) for s in body["sendings"]] == [
        ("posted", local_today().isoformat(), [{"parent": 0, "name": mother}], "Olivia Office"),
        ("handed", local_today().isoformat(), [{"parent": 1, "name": father},
                                              {"parent": None, "name": "Pat Grandparent"}], "Olivia Office")]
    # Every stable field is still there.
    assert {"id", "reference", "form", "status", "data", "evidence", "versions", "outcomes"} <= set(body)


@pytest.mark.db
@pytest.mark.parametrize("offset, ok", [(0, True), (1, False)], ids=["today", "tomorrow"])
def test_the_day_sent_may_be_today_but_not_tomorrow(app, client, offset, ok):
    rid = _letter(client)
    login(client, "office@demo.school")
    response = _post_sent(client, rid, day=local_today() + dt.timedelta(days=offset))
    if ok:
        assert response.status_code == 302
    else:
        assert response.status_code == 422
        page = text(response)
        assert "There is a problem" in page and 'href="#sent-on"' in page
        assert page.count("The date it was sent must be today or in the past") == 2  # summary and field
        with app.app_context():
            assert _count(LetterSending, referral_id=rid) == 0


@pytest.mark.db
@pytest.mark.parametrize("offset, ok", [(0, True), (-1, False)], ids=["the letter's date", "the day before"])
def test_the_day_sent_may_not_be_before_the_letters_date(app, client, offset, ok):
    dated = local_today() - dt.timedelta(days=10)
    rid = _letter(client, dated=dated)
    login(client, "office@demo.school")
    response = _post_sent(client, rid, day=dated + dt.timedelta(days=offset))
    if ok:
        assert response.status_code == 302
    else:
        assert response.status_code == 422
        assert f"must be on or after the letter’s date ({format_date(dated)})".replace("’", "'") in \
            text(response).replace("&#39;", "'")


@pytest.mark.parametrize("change, field, message", [
    ({"method": ""}, "method", "Select how the letter was sent"),
    ({"method": "pigeon"}, "method", "Select how the letter was sent"),
    ({"parts": ["", "", ""]}, "sent-on", "Enter the date the letter was sent"),
    ({"parts": ["31", "2", "2026"]}, "sent-on", "The date it was sent must be a real date"),
    ({"parts": ["3", "", "2026"]}, "sent-on", "The date it was sent must include a month"),
    ({"parts": ["x", "1", "26"]}, "sent-on", "The date it was sent must be a real date, with a 4-digit year"),
    ({"recipients": ()}, "recipients", "Select who the letter was sent to"),
    ({"recipients": ("7",)}, "recipients", "Select who the letter was sent to from the people listed"),
    ({"recipients": ("other",)}, "other-name", "Enter the name of the person it was sent to"),
    ({"recipients": ("other",), "other_name": "A" * 201}, "other-name", "200 characters or fewer"),
    ({"recipients": ("other",), "other_name": "Nul\x00Byte"}, "other-name", "Remove the control characters"),
])
def test_bad_answers_are_named_in_the_summary_and_at_the_field(app, client, change, field, message):
    rid = _letter(client)
    login(client, "office@demo.school")
    response = _post_sent(client, rid, **change)
    assert response.status_code == 422
    page = text(response)
    assert page.startswith("<!DOCTYPE html>") or "<title>Error:" in page
    assert "<title>Error:" in page and f'href="#{field}"' in page
    assert page.count(message) >= 2, page[page.find("govuk-error-summary"):][:1500]
    with app.app_context():
        assert _count(LetterSending, referral_id=rid) == 0


def test_odd_posts_never_fail(app, client):
    """Lists where one value is expected, values where a list is, nothing at all: a page, never a 500."""
    rid = _letter(client)
    login(client, "office@demo.school")
    token = csrf(text(client.get(f"/referrals/{rid}/sent")))
    for body in ({}, {"method": ["posted", "emailed"]}, {"recipients": ["0"] * 50, "method": "posted"},
                 {"sent-on-day": "1" * 5000, "sent-on-month": "-1", "sent-on-year": "99999"},
                 {"method": "posted", "recipients": "0", "sent-on-day": "１", "sent-on-month": "1", "sent-on-year": "2026"}):
        response = client.post(f"/referrals/{rid}/sent", data={"csrf_token": token, **body})
        assert response.status_code == 422, (body, response.status_code)
    for body in ({}, {"confirm": "maybe"}, {"confirm": ["yes", "no"]}):
        draft = create_letter(client, office(client), AMELIA)
        response = client.post(f"/referrals/{draft}/delete", data={"csrf_token": token, **body})
        assert response.status_code in (302, 422), (body, response.status_code)


@pytest.mark.db
def test_only_a_complete_letter_and_never_a_request_is_marked_sent(app, client):
    headers = office(client)
    request_id = create_referral(client, headers, AMELIA)
    incomplete = client.post(f"{API}/referrals", headers=headers, json={"form": "stage2-letter", "data": {}}).get_json()["id"]
    with app.app_context():
        user = _user("office@demo.school")
        for rid, status in ((request_id, 409), (incomplete, 409)):
            with pytest.raises(actions.ActionError) as refused:
                sendings.record_sending(user, db.session.get(Referral, rid), method="posted", sent_on=local_today(),
                                        chosen=["0"])
            assert refused.value.status == status
        assert _count(LetterSending) == 0
    login(client, "office@demo.school")
    assert client.get(f"/referrals/{request_id}/sent").status_code == 302
    assert client.get(f"/referrals/{incomplete}/sent").status_code == 302


@pytest.mark.db
def test_other_schools_las_and_admins_cannot_mark_sent_or_delete(app, client):
    """Another school's staff (404), the LA's officer and admin (403), anyone signed out: nothing changes."""
    rid = _letter(client)
    for email, statuses in (("office@other.school", (404,)), ("officer@demo.la", (403,)), ("admin@demo.la", (403,))):
        other = app.test_client()
        login(other, email)
        token = csrf(text(other.get("/", follow_redirects=True)))
        for url, body in ((f"/referrals/{rid}/sent", {"method": "posted", "recipients": "0", "sent-on-day": "1",
                                                      "sent-on-month": "1", "sent-on-year": "2026"}),
                          (f"/referrals/{rid}/delete", {"confirm": "yes"})):
            assert other.get(url).status_code in statuses, (email, url)
            assert other.post(url, data={"csrf_token": token, **body}).status_code in statuses, (email, url)
        with app.app_context():
            user = _user(email)
            referral = db.session.get(Referral, rid)
            with pytest.raises(actions.ActionError) as refused:
                deletion.delete_draft(user, referral)
            assert refused.value.status in (403, 404)
            db.session.rollback()
    anonymous = app.test_client()
    assert anonymous.get(f"/referrals/{rid}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Referral, rid) is not None and _count(LetterSending) == 0


# --- deleting a draft -------------------------------------------------------------------------------

@pytest.mark.db
def test_a_draft_is_deleted_after_are_you_sure_with_its_files_and_an_event_kept(app, client):
    headers = office(client)
    rid = create_referral(client, headers, AMELIA)  # a draft request, its evidence uploaded (one replaced)
    keep = create_referral(client, headers, TOBIAS)
    with app.app_context():
        referral = db.session.get(Referral, rid)
        reference = referral.reference
        files = {e.storage_key for e in referral.evidence}
        from forms_service.records import retention
        files |= {o["key"] for o in retention.superseded_evidence(referral)}
        assert len(files) == 4  # three evidence files and the one replaced
    storage_dir = app.config["STORAGE_DIR"]
    from pathlib import Path
    held = {p.relative_to(storage_dir).as_posix() for p in Path(storage_dir).rglob("*") if p.is_file()}
    assert files <= held

    login(client, "office@demo.school")
    page = text(client.get(f"/referrals/{rid}"))
    assert "Delete this draft" in page
    confirm = client.get(f"/referrals/{rid}/delete")
    assert confirm.status_code == 200 and "Are you sure you want to delete this draft request?" in text(confirm)
    token = csrf(text(confirm))
    unanswered = client.post(f"/referrals/{rid}/delete", data={"csrf_token": token})
    assert unanswered.status_code == 422 and text(unanswered).count("Select yes if you want to delete this draft request") == 2
    kept = client.post(f"/referrals/{rid}/delete", data={"csrf_token": token, "confirm": "no"})
    assert kept.status_code == 302 and kept.location.endswith(f"/referrals/{rid}")
    done = client.post(f"/referrals/{rid}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302 and done.location.endswith("/referrals/")
    assert f"The draft request {reference} has been deleted." in text(client.get(done.location))
    assert client.get(f"/referrals/{rid}").status_code == 404

    with app.app_context():
        assert db.session.get(Referral, rid) is None and db.session.get(Referral, keep) is not None
        assert _count(Evidence, referral_id=rid) == 0 and _count(AuditEvent, referral_id=rid) == 0
        event = db.session.scalar(select(AuditEvent).filter_by(action="draft_deleted"))
        assert event.referral_id is None and event.actor == "office@demo.school" and event.role == "office"
        assert event.user_id == _user("office@demo.school").id
        assert event.detail == {"referral_id": rid, "reference": reference, "form": "penalty-notice-leave",
                                "status": "draft"}
        assert AMELIA.last not in json.dumps(event.detail) and AMELIA.upn not in json.dumps(event.detail)
        assert _count(Evidence, referral_id=keep) == 3
    held_after = {p.relative_to(storage_dir).as_posix() for p in Path(storage_dir).rglob("*") if p.is_file()}
    assert not files & held_after
    assert len(held_after) == len(held) - 4  # the other draft's files (its replaced one too) stay


@pytest.mark.db
def test_a_draft_letter_is_deleted_but_a_sent_one_and_a_signed_request_are_refused(app, client):
    headers = office(client)
    draft_letter = create_letter(client, headers, AMELIA)
    sent_letter = _letter(client)
    signed = create_referral(client, headers, AMELIA)
    sign(client, signed, headers)
    awaiting = create_referral(client, headers, TOBIAS)
    assert client.post(f"{API}/referrals/{awaiting}/submit", headers=headers).status_code == 200
    with app.app_context():
        user = _user("office@demo.school")
        sendings.record_sending(user, db.session.get(Referral, sent_letter), method="emailed", sent_on=local_today(),
                                chosen=["1"])
        for rid in (sent_letter, signed, awaiting):
            referral = db.session.get(Referral, rid)
            assert deletion.refusal(referral)
            with pytest.raises(actions.ActionError) as refused:
                deletion.delete_draft(user, referral)
            assert refused.value.status == 409
            db.session.rollback()
        gone = deletion.delete_draft(_user("head@demo.school"), db.session.get(Referral, draft_letter))
        assert gone["noun"] == "letter"
    with app.app_context():
        assert db.session.get(Referral, draft_letter) is None
        for rid in (sent_letter, signed, awaiting):
            assert db.session.get(Referral, rid) is not None
        assert _count(LetterSending, referral_id=sent_letter) == 1
        event = db.session.scalar(select(AuditEvent).filter_by(action="draft_deleted"))
        assert event.detail["form"] == "final-warning" and event.role == "headteacher"
    login(client, "office@demo.school")
    for rid in (sent_letter, signed, awaiting):
        assert "Delete this draft" not in text(client.get(f"/referrals/{rid}"))
        refused = client.post(f"/referrals/{rid}/delete",
                              data={"csrf_token": csrf(text(client.get("/referrals/"))), "confirm": "yes"})
        assert refused.status_code == 302 and refused.location.endswith(f"/referrals/{rid}")


@pytest.mark.db
def test_a_request_sent_back_before_signing_can_be_deleted_but_not_after_a_signed_version(app, client):
    headers = office(client)
    rid = create_referral(client, headers, AMELIA)
    with app.app_context():
        referral = db.session.get(Referral, rid)
        referral.status = "sent_back"  # as the head's send-back leaves it (tests/test_send_back.py)
        db.session.commit()
        assert deletion.refusal(db.session.get(Referral, rid)) is None
    signed = create_referral(client, headers, TOBIAS)
    sign(client, signed, headers)
    with app.app_context():
        referral = db.session.get(Referral, signed)
        referral.status = "sent_back"  # signed once, then (after a return) sent back: it has a version
        db.session.commit()
        assert deletion.refusal(db.session.get(Referral, signed)) is not None


# --- retention and subject access ------------------------------------------------------------------

@pytest.mark.db
def test_sendings_go_with_their_letter_and_are_in_a_subject_access_export(app, client):
    rid = _letter(client)
    mother = _parents(app, rid)[0]
    with app.app_context():
        user = _user("office@demo.school")
        sendings.record_sending(user, db.session.get(Referral, rid), method="posted", sent_on=local_today(),
                                chosen=["0"])
        export = subject_access.export(_user("admin@demo.la"), first_name=TOBIAS.first, last_name=TOBIAS.last,
                                       date_of_birth=TOBIAS.dob)
        db.session.commit()
        archive = zipfile.ZipFile(io.BytesIO(export.data))
        sent = [n for n in archive.namelist() if n.endswith("/sent.json")]
        assert len(sent) == 1
        rows = json.loads(archive.read(sent[0]))
        assert rows[0]["method"] == "posted" and rows[0]["to"] == [{"parent": 0, "name": mother}]
        assert "sent.json" in archive.read("README.txt").decode()

        from forms_service.records import retention
        letter = db.session.get(Referral, rid)
        # Its period runs from its sending, the last change to it (README "Data protection": document).
        assert letter.sendings[0].recorded_at > letter.updated_at
        assert retention.expires_at(letter) == retention.add_period(letter.sendings[0].recorded_at, "document")
        report = retention.purge(now=retention.expires_at(db.session.get(Referral, rid)) + dt.timedelta(days=1))
        assert report.rows["letter_sendings"] == 1
        assert _count(LetterSending) == 0 and db.session.get(Referral, rid) is None


def test_the_openapi_document_describes_a_referrals_sendings(client):
    schemas = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    sent = schemas["Referral"]["properties"]["sendings"]
    assert sent["type"] == "array" and sent["items"]["properties"]["method"]["enum"] == ["posted", "handed", "emailed"]
    assert {"id", "reference", "status", "data", "outcomes", "versions"} <= set(schemas["Referral"]["properties"])
