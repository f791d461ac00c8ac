"""The LA side of a signed referral (issue 5): the seed form's checklist ticks, the decision (accept,
or return to the school with reasons, emailed through the outbox), and the school's
correct-and-resubmit loop that makes a new signed version while the old one stays unchanged —
through the API and through the web, on SQLite and PostgreSQL, with every other role refused."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from flask_login import login_user
from sqlalchemy import select

from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school
from forms_service.access.auth import WebUser
from forms_service.delivery.outbox import deliver_due
from forms_service.models import Decision, OutboxMessage, Pack, PackCheck, Referral, School, User, db
from forms_service.web.la import referral_page

from conftest import LA_INBOX, PASSWORD
from support.helpers import (api_token, bearer, csrf, json_data, login, logout, make_pdf, signed_request,
                             submit_and_sign, text, today)
from support.smtp_server import attachments, smtp_sink  # noqa: F401  (fixture)
from support.snapshot import made_once

FORM = "penalty-notice-leave"
API = "/api/v1"
REASONS = ("The leave request from the parent is not signed or dated.\n"
           "Attach the signed request and confirm the date the school received it.")
ATTENDANCE = "attendance@demo.school"
CORRECTED_ADDRESS = "14 Marsh Lane, Westcliff-on-Sea, SS0 7PQ"


# --- making a signed referral -----------------------------------------------------------------

@pytest.fixture
def signed(app, client, backend, setups_made_once) -> tuple[int, dict, dict]:
    """Office creates a complete request with the register and evidence, submits; head signs (v1): (id, the
    office's headers, the head's headers). Made once per backend (signing renders and seals the pack, about a
    second) and restored into each test's own database and storage, as every test here changes it."""
    return made_once(setups_made_once, backend, app, lambda: signed_request(client))


def _other_la_officer(app) -> None:
    with app.app_context():
        la = get_or_create_la("Northshire County Council", "legal@northshire.test")
        create_user("officer@northshire.test", PASSWORD, "la_officer", "Nadia North", la=la)
        db.session.commit()


def _set_attendance_email(app, email: str | None) -> None:
    with app.app_context():
        school = db.session.scalar(select(School).filter_by(name="Demo School"))
        school.attendance_email = email
        db.session.commit()


def _la_notices() -> list[OutboxMessage]:
    """The LA's messages to the school (a return or an acceptance), not the heads' "waiting for sign-off"."""
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "school_notice",
                                                          OutboxMessage.subject.contains("by the local authority"))
                              .order_by(OutboxMessage.id)).all()


def _officer(client) -> dict:
    return bearer(api_token(client, "officer@demo.la"))


def _audit_actions(client, rid: int, headers: dict) -> list[str]:
    response = client.get(f"{API}/referrals/{rid}/audit", headers=headers)
    assert response.status_code == 200
    return [e["action"] for e in response.get_json()]


# --- the loop through the API -----------------------------------------------------------------

def test_return_and_resubmit_through_the_api(app, client, smtp_sink, signed):
    app.config["SMTP_URL"] = smtp_sink.url
    _set_attendance_email(app, ATTENDANCE)
    rid, office, head = signed
    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off" (issue 17), then the v1 pack to the LA
    officer = _officer(client)

    before = client.get(f"{API}/referrals/{rid}", headers=officer).get_json()
    assert [c["id"] for c in before["checks"]] == ["child_details", "parent_details", "leave_dates", "leave_request",
                                                   "warning_letter", "policies"]
    assert not any(c["checked"] for c in before["checks"]) and before["decisions"] == []
    assert [v["version"] for v in before["versions"]] == [1]
    v1_files = {d["name"]: d["sha256"] for d in client.get(f"{API}/referrals/{rid}/documents", headers=officer).get_json()}

    # Ticks on the signed version, with who and when.
    ticked = client.post(f"{API}/referrals/{rid}/checks", headers=officer,
                         json={"child_details": True, "parent_details": True, "leave_request": False})
    assert ticked.status_code == 200, ticked.get_json()
    rows = {c["id"]: c for c in ticked.get_json()}
    assert rows["child_details"]["checked"] and rows["child_details"]["by"] == "officer@demo.la"
    assert rows["child_details"]["at"] and rows["child_details"]["version"] == 1
    assert rows["leave_request"]["checked"] is False and rows["leave_dates"]["by"] is None
    # Unticking keeps the row, with the officer who unticked it.
    client.post(f"{API}/referrals/{rid}/checks", headers=officer, json={"parent_details": False})
    shown = {c["id"]: c for c in client.get(f"{API}/referrals/{rid}", headers=officer).get_json()["checks"]}
    assert shown["child_details"]["checked"] and not shown["parent_details"]["checked"]

    returned = client.post(f"{API}/referrals/{rid}/decision", headers=officer,
                           json={"decision": "return", "reasons": REASONS, "rule_ids": ["leave_request_within_deadline"],
                                 "check_ids": ["leave_request"]})
    assert returned.status_code == 200, returned.get_json()
    body = returned.get_json()
    assert body["status"] == "returned"
    [decision] = body["decisions"]
    assert decision["decision"] == "return" and decision["reasons"] == REASONS and decision["version"] == 1
    assert decision["rule_ids"] == ["leave_request_within_deadline"] and decision["check_ids"] == ["leave_request"]
    assert decision["by"] == "officer@demo.la"

    # The school is emailed the reasons (text only: the pack is not sent back), through the outbox; so is the
    # office user who submitted it (issue 17).
    with app.app_context():
        assert deliver_due() == 2
    notice = next(m for m in smtp_sink.messages() if m["To"] == ATTENDANCE)
    assert body["reference"] in notice["Subject"] and "Returned by the local authority" in notice["Subject"]
    content = notice.get_body(preferencelist=("plain",)).get_content()
    assert "The leave request from the parent is not signed or dated." in content
    assert "Attach the signed request and confirm the date the school received it." in content
    assert "The request is made in time after the child's return" in content  # the rule's title, not its id
    assert "leave_request_within_deadline" not in content
    assert "Copy of leave request from parent (attached)" in content
    assert "(version 1)" in content and "as version 2" in content
    pupil = json_data()["pupil"]
    assert pupil["first_name"] not in content and pupil["last_name"] not in content and "Pupil: O.B." in content
    assert attachments(notice) == []

    # The school sees the return and its reasons, and corrects the request.
    school_view = client.get(f"{API}/referrals/{rid}", headers=office).get_json()
    assert school_view["status"] == "returned" and school_view["decisions"][0]["reasons"] == REASONS
    patched = client.patch(f"{API}/referrals/{rid}", headers=office,
                           json={"data": {"pupil": {"address": CORRECTED_ADDRESS}}})
    assert patched.status_code == 200, patched.get_json()
    fixed = client.post(f"{API}/referrals/{rid}/evidence", headers=office,
                        data={"kind": "leave_request",
                              "file": (io.BytesIO(make_pdf("Signed leave request, received 2 March")), "signed.pdf")},
                        content_type="multipart/form-data")
    assert fixed.status_code == 201
    resigned = submit_and_sign(client, rid, office, head)
    assert [v["version"] for v in resigned["versions"]] == [1, 2]
    assert resigned["delivery"]["state"] == "queued"  # the new version's delivery

    # The LA sees version 2, unticked, with the history; version 1 is unchanged and downloadable.
    listing = client.get(f"{API}/referrals?status=signed", headers=officer).get_json()["referrals"]
    assert [r["id"] for r in listing] == [rid]
    seen = client.get(f"{API}/referrals/{rid}", headers=officer).get_json()
    assert seen["status"] == "signed"
    assert {c["version"] for c in seen["checks"]} == {2} and not any(c["checked"] for c in seen["checks"])
    assert [(v["version"], v["decision"]) for v in seen["versions"]] == [(1, "return"), (2, None)]
    docs = client.get(f"{API}/referrals/{rid}/documents", headers=officer).get_json()
    assert {d["name"]: d["sha256"] for d in docs if d["version"] == 1} == v1_files
    assert any(d["version"] == 2 for d in docs)
    old = client.get(f"{API}/referrals/{rid}/documents/manifest.json?version=1", headers=officer)
    assert old.status_code == 200 and hashlib.sha256(old.data).hexdigest() == v1_files["manifest.json"]
    with app.app_context():
        packs = db.session.scalars(select(Pack).filter_by(referral_id=rid).order_by(Pack.version)).all()
        # The signed data of version 1 is what was signed then; version 2 has the correction.
        assert packs[0].data["pupil"]["address"] == json_data()["pupil"]["address"] != CORRECTED_ADDRESS
        assert packs[1].data["pupil"]["address"] == CORRECTED_ADDRESS
        # The ticks stay with version 1.
        assert {c.check_id for c in db.session.scalars(select(PackCheck).filter_by(pack_id=packs[0].id))} == \
            {"child_details", "parent_details", "leave_request"}

    accepted = client.post(f"{API}/referrals/{rid}/decision", headers=officer, json={"decision": "accept"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert [(d["version"], d["decision"]) for d in accepted.get_json()["decisions"]] == [(1, "return"), (2, "accept")]
    # Decided: no more decisions or ticks on it.
    assert client.post(f"{API}/referrals/{rid}/decision", headers=officer,
                       json={"decision": "return", "reasons": "Too late"}).status_code == 409
    assert client.post(f"{API}/referrals/{rid}/checks", headers=officer, json={"policies": True}).status_code == 409

    with app.app_context():
        assert deliver_due() == 3  # the head's "waiting", the v2 pack to the LA with its files, the office's "accepted"
    v2 = [m for m in smtp_sink.messages() if m["To"] == LA_INBOX][-1]
    assert "(version 2)" in v2.get_body(preferencelist=("plain",)).get_content()
    assert any(name.endswith("-pack-v2.pdf") for name, _, _ in attachments(v2))

    actions = _audit_actions(client, rid, officer)
    for action in ("checks_recorded", "returned_by_la", "school_notice_queued", "accepted_by_la"):
        assert action in actions, action
    # Two packs, the LA's return to the school and to the office, two "waiting for sign-off" and "accepted".
    assert actions.count("signed") == 2 and actions.count("delivery_sent") == 7


def test_without_an_attendance_address_the_headteachers_are_emailed(app, client, signed):
    rid, office, head = signed
    with app.app_context():
        create_user("deputy.head@demo.school", PASSWORD, "headteacher", "Dev Deputy",
                    school=db.session.scalar(select(School).filter_by(name="Demo School")))
        db.session.commit()
    response = client.post(f"{API}/referrals/{rid}/decision", headers=_officer(client),
                           json={"decision": "return", "reasons": REASONS})
    assert response.status_code == 200
    with app.app_context():
        notices = _la_notices()
        # The school's heads, then the office user who submitted it (issue 17).
        assert [n.recipient for n in notices] == ["head@demo.school", "deputy.head@demo.school", "office@demo.school"]
        assert all(n.pack_id is None and REASONS in n.body for n in notices)
        assert len({n.message_id for n in notices}) == 3
    # The LA pack's delivery status is not confused by the notices.
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["delivery"]["state"] == "queued"


def test_accepting_needs_no_reasons_and_tells_only_whoever_submitted_it(app, client, signed):
    _set_attendance_email(app, ATTENDANCE)
    rid, office, head = signed
    response = client.post(f"{API}/referrals/{rid}/decision", headers=_officer(client), json={"decision": "accept"})
    assert response.status_code == 200 and response.get_json()["status"] == "accepted"
    with app.app_context():
        [accepted] = _la_notices()
        assert accepted.recipient == "office@demo.school" and "Accepted by the local authority" in accepted.subject
    # An accepted referral is not editable by the school.
    assert client.patch(f"{API}/referrals/{rid}", headers=office, json={"data": {}}).status_code == 409


# --- bad input --------------------------------------------------------------------------------

def test_checks_refuse_unknown_ids_and_non_booleans(app, client, signed):
    rid, _, _ = signed
    officer = _officer(client)
    unknown = client.post(f"{API}/referrals/{rid}/checks", headers=officer,
                          json={"child_details": True, "home_visits": True, "tea_break": False})
    assert unknown.status_code == 422
    errors = unknown.get_json()["errors"]
    assert set(errors) == {"home_visits", "tea_break"}
    assert "not a row of this form's checklist" in errors["home_visits"][0]
    not_bool = client.post(f"{API}/referrals/{rid}/checks", headers=officer, json={"child_details": "yes"})
    assert not_bool.status_code == 422 and not_bool.get_json()["errors"] == {"child_details": ["Must be true or false"]}
    for body in ({}, [], "child_details"):
        empty = client.post(f"{API}/referrals/{rid}/checks", headers=officer, json=body)
        assert empty.status_code == 422 and "checks" in empty.get_json()["errors"], body
    garbled = client.post(f"{API}/referrals/{rid}/checks", headers={**officer, "Content-Type": "application/json"},
                          data="{not json")
    assert garbled.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(PackCheck)) is None  # nothing half-recorded


@pytest.mark.parametrize("body, field, words", [
    ({"decision": "reject", "reasons": "No"}, "decision", "accept or return"),
    ({"reasons": "No"}, "decision", ""),
    ({"decision": "return"}, "reasons", "Say why"),
    ({"decision": "return", "reasons": "   \n "}, "reasons", "Say why"),
    ({"decision": "return", "reasons": "x" * 5001}, "reasons", "5000 characters"),
    ({"decision": "return", "reasons": "Bad\x00byte"}, "reasons", "control characters"),
    ({"decision": "return", "reasons": "Wrong", "rule_ids": ["leave_sessions_minimum", "no_such_rule"]},
     "rule_ids", "no_such_rule"),
    ({"decision": "return", "reasons": "Wrong", "check_ids": ["home_visits"]}, "check_ids", "home_visits"),
    ({"decision": "return", "reasons": "Wrong", "rule_ids": "leave_sessions_minimum"}, "rule_ids", ""),
    ({"decision": "accept", "reasons": 12}, "reasons", ""),
    ({"decision": "accept", "outcome": "penalty notice"}, "outcome", "Unknown field"),
])
def test_a_bad_decision_is_refused_naming_the_field(app, client, body, field, words, signed):
    rid, _, _ = signed
    response = client.post(f"{API}/referrals/{rid}/decision", headers=_officer(client), json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors and words in " ".join(map(str, errors[field]))
    with app.app_context():
        assert db.session.get(Referral, rid).status == "signed"
        assert db.session.scalar(select(Decision)) is None
        assert _la_notices() == []


# --- scope: who may act -----------------------------------------------------------------------

def test_only_the_referrals_la_officer_may_tick_or_decide(app, client, signed):
    rid, office, head = signed
    _other_la_officer(app)
    with app.app_context():
        # A school of the other LA, to show its staff are refused too.
        other_la = get_or_create_la("Northshire County Council", "legal@northshire.test")
        create_user("office@north.school", PASSWORD, "office", "Nell Office",
                    school=get_or_create_school("North School", other_la))
        db.session.commit()
    refused = {
        "office@demo.school": 403, "head@demo.school": 403, "office@other.school": 403, "head@other.school": 403,
        "admin@demo.la": 403, "office@north.school": 403, "officer@northshire.test": 404,
    }
    for email, status in refused.items():
        headers = bearer(api_token(client, email))
        for path, body in (("checks", {"child_details": True}), ("decision", {"decision": "accept"}),
                           ("decision", {"decision": "return", "reasons": "No"})):
            response = client.post(f"{API}/referrals/{rid}/{path}", headers=headers, json=body)
            assert response.status_code == status, (email, path, response.get_json())
    other = bearer(api_token(client, "officer@northshire.test"))
    assert client.get(f"{API}/referrals/{rid}", headers=other).status_code == 404
    assert client.get(f"{API}/referrals", headers=other).get_json()["referrals"] == []
    assert client.post(f"{API}/referrals/{rid}/checks", json={"child_details": True}).status_code == 401
    with app.app_context():
        assert db.session.get(Referral, rid).status == "signed"
        assert db.session.scalar(select(PackCheck)) is None and db.session.scalar(select(Decision)) is None


def test_the_la_cannot_decide_before_the_head_signs(app, client):
    office = bearer(api_token(client, "office@demo.school"))
    rid = client.post(f"{API}/referrals", headers=office, json={"form": FORM, "data": json_data()}).get_json()["id"]
    officer = _officer(client)
    # A draft is not sent to the LA: the officer cannot even see it.
    assert client.post(f"{API}/referrals/{rid}/decision", headers=officer,
                       json={"decision": "accept"}).status_code == 404
    assert client.post(f"{API}/referrals/{rid}/checks", headers=officer, json={"child_details": True}).status_code == 404


# --- the loop through the web -----------------------------------------------------------------

def _post(client, url: str, page_url: str, data: dict, status: int = 302):
    page = text(client.get(page_url))
    response = client.post(url, data={"csrf_token": csrf(page), **data})
    assert response.status_code == status, f"POST {url}: {response.status_code}\n{text(response)[:2000]}"
    return response


def test_return_and_resubmit_through_the_web(app, client, signed):
    _set_attendance_email(app, ATTENDANCE)
    rid, office, head = signed
    la_page = f"/la/referrals/{rid}"

    login(client, "officer@demo.la")
    page = text(client.get(la_page))
    assert 'name="checks"' in page and "Tick when checked" in page
    assert "Copy of leave request from parent (attached)" in page
    assert 'name="decision" type="radio" value="accept"' in page and 'value="return"' in page
    assert 'id="reasons"' in page  # the reasons box, under "If you return it"

    # Ticking through the page: rows left unticked are set unticked.
    _post(client, f"{la_page}/checks", la_page, {"checks": ["child_details", "leave_dates"]})
    with app.app_context():
        ticks = {c.check_id: c.checked for c in db.session.scalars(select(PackCheck))}
    assert ticks == {"child_details": True, "parent_details": False, "leave_dates": True, "leave_request": False,
                     "warning_letter": False, "policies": False}
    page = text(client.get(la_page))
    assert re.search(r'value="child_details" checked', page) and "Ticked by officer@demo.la" in page
    # Without the CSRF token nothing is recorded.
    assert client.post(f"{la_page}/checks", data={"checks": ["policies"]}).status_code == 400

    # No choice, then a return without reasons: the error summary links to the field.
    failed = _post(client, f"{la_page}/decision", la_page, {}, status=422)
    assert "There is a problem" in text(failed) and 'href="#decision"' in text(failed)
    failed = _post(client, f"{la_page}/decision", la_page, {"decision": "return", "reasons": "  "}, status=422)
    page = text(failed)
    assert "<title>Error:" in page and 'href="#reasons"' in page and "Say why the request is returned" in page
    assert 'value="return" checked' in page  # the choice is kept
    _post(client, f"{la_page}/decision", la_page,
          {"decision": "return", "reasons": REASONS, "check_ids": ["leave_request"],
           "rule_ids": ["leave_request_within_deadline"]})
    page = text(client.get(la_page))
    assert "Returned by the LA" in page and 'name="decision"' not in page
    assert "The leave request from the parent is not signed or dated." in page
    with app.app_context():
        notice, office_copy = _la_notices()
        assert notice.recipient == ATTENDANCE and "Copy of leave request from parent (attached)" in notice.body
        assert office_copy.recipient == "office@demo.school" and office_copy.body == notice.body
    logout(client)

    # The school sees the reasons on the referral page and corrects, submits and signs again.
    login(client, "office@demo.school")
    page = text(client.get(f"/referrals/{rid}"))
    assert "Returned by the local authority" in page and "The leave request from the parent is not signed or dated." in page
    assert "Copy of leave request from parent (attached)" in page
    assert "The request is made in time after the child&#39;s return" in page and "leave_request_within_deadline" not in page
    assert "Continue the request" in page
    # The correction the LA asked for: the signed leave request replaces the unsigned one.
    upload_page = text(client.get(f"/referrals/{rid}/evidence"))
    response = client.post(f"/referrals/{rid}/evidence", content_type="multipart/form-data",
                           data={"csrf_token": csrf(upload_page), "kind": "leave_request",
                                 "file": (io.BytesIO(make_pdf("Signed leave request")), "signed-request.pdf")})
    assert response.status_code == 302
    _post(client, f"/referrals/{rid}/submit", f"/referrals/{rid}/check", {})
    logout(client)
    login(client, "head@demo.school")
    review = text(client.get(f"/referrals/{rid}/sign"))
    assert "The local authority returned version 1" in review and "as version 2" in review
    assert "The leave request from the parent is not signed or dated." in review
    _post(client, f"/referrals/{rid}/sign", f"/referrals/{rid}/sign", {"name": "Harriet Head", "declaration": "y"})
    logout(client)

    login(client, "officer@demo.la")
    page = text(client.get(la_page))
    assert "version 2" in page and "Earlier versions" in page and "Signed pack, version 1" in page
    assert 'name="decision"' in page  # the new version waits for a decision
    v1_link = re.search(rf'href="(/referrals/{rid}/packs/1/[^"]+\.pdf)"', page)
    assert v1_link and client.get(v1_link.group(1)).status_code == 200
    _post(client, f"{la_page}/decision", la_page, {"decision": "accept"})
    page = text(client.get(la_page))
    assert "Accepted by the LA" in page and "Accepted" in page and "Returned" in page
    logout(client)


def test_la_pages_refuse_other_roles_and_other_las(app, client, signed):
    rid, _, _ = signed
    _other_la_officer(app)
    la_page = f"/la/referrals/{rid}"
    for email, status in (("office@demo.school", 403), ("head@demo.school", 403), ("admin@demo.la", 403),
                          ("officer@northshire.test", 404)):
        login(client, email)
        page = text(client.get("/sign-in"))
        for path in ("checks", "decision"):
            response = client.post(f"{la_page}/{path}", data={"csrf_token": csrf(page), "decision": "accept",
                                                               "checks": ["policies"]})
            assert response.status_code == status, (email, path)
        logout(client)
    # The admin may read the LA page but sees no forms to act with.
    login(client, "admin@demo.la")
    page = text(client.get(la_page))
    assert 'name="decision"' not in page and 'name="checks"' not in page
    with app.app_context():
        assert db.session.get(Referral, rid).status == "signed" and db.session.scalar(select(PackCheck)) is None


def test_the_school_sees_la_people_by_name_and_the_la_by_email_address(client, signed):
    """Issue 14: as in the audit trail, the school's staff see who at the LA ticked, decided or recorded
    by name; the LA sees their email addresses too. Checks, decisions and outcomes alike."""
    rid, office, _ = signed
    officer = bearer(api_token(client, "officer@demo.la"))
    assert client.post(f"{API}/referrals/{rid}/checks", headers=officer, json={"child_details": True}).status_code == 200
    assert client.post(f"{API}/referrals/{rid}/decision", headers=officer,
                       json={"decision": "accept"}).status_code == 200
    assert client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json={
        "kind": "penalty_notice_issued", "date": today().isoformat(),
        "notices": [{"parent_name": "Sarah Bennett", "reference": "EPN-9001"}]}).status_code == 201
    seen = {who: client.get(f"{API}/referrals/{rid}", headers=headers).get_json()
            for who, headers in (("school", office), ("la", officer))}
    for key in ("checks", "decisions", "outcomes"):
        school = [row["by"] for row in seen["school"][key] if row["by"]]
        la = [row["by"] for row in seen["la"][key] if row["by"]]
        assert school and set(school) == {"Lena Officer"}, (key, school)
        assert la and set(la) == {"officer@demo.la"}, (key, la)
    assert "officer@demo.la" not in str(seen["school"])


def test_ticks_not_yet_saved_are_saved_with_the_decision(app, client, signed):
    """Issue 17, point 3: the checklist and the decision are one form; recording the decision without
    pressing "Save checks" first keeps the ticks (and an unchanged row makes no audit event)."""
    rid, office, head = signed
    la_page = f"/la/referrals/{rid}"
    login(client, "officer@demo.la")
    page = text(client.get(la_page))
    assert 'id="checks-and-decision"' in page and 'formaction="/la/referrals/' in page
    _post(client, f"{la_page}/decision", la_page, {"checklist_shown": "1", "checks": ["child_details", "policies"],
                                                   "decision": "accept"})
    with app.app_context():
        ticks = {c.check_id: c.checked for c in db.session.scalars(select(PackCheck))}
        assert db.session.get(Referral, rid).status == "accepted"
    assert ticks == {"child_details": True, "policies": True}
    actions = _audit_actions(client, rid, _officer(client))
    assert actions[-3:] == ["checks_recorded", "accepted_by_la", "school_notice_queued"]  # the office is told


def test_a_refused_decision_still_keeps_the_ticks(app, client, signed):
    rid, office, head = signed
    la_page = f"/la/referrals/{rid}"
    login(client, "officer@demo.la")
    failed = _post(client, f"{la_page}/decision", la_page, {"checklist_shown": "1", "checks": ["leave_dates"],
                                                            "decision": "return", "reasons": ""}, status=422)
    assert re.search(r'value="leave_dates" checked', text(failed))
    with app.app_context():
        assert {c.check_id: c.checked for c in db.session.scalars(select(PackCheck))} == {"leave_dates": True}


# --- the page itself (issue 17, point 3) ------------------------------------------------------

def _reveal_classes(page: str) -> set[str]:
    """The classes of the container of the questions "Return it to the school" reveals."""
    found = re.search(r'<div class="([^"]*)" id="return-fields">', page)
    assert found, "the return questions are not in their container"
    return set(found.group(1).split())


def _decision_form(page: str) -> str:
    start = page.index('id="checks-and-decision"')
    return page[start:page.index("</form>", start)]


def _officer_page(app, rid: int, values: dict) -> str:
    """The officer's page as the view renders it with `values` posted (a choice no 422 comes back with)."""
    with app.test_request_context():
        login_user(WebUser(db.session.scalar(select(User).filter_by(email="officer@demo.la"))))
        body, _ = referral_page(db.session.get(Referral, rid), values=values)
        return body


def test_the_return_questions_are_revealed_by_return_alone_without_aria_expanded(app, client, signed):
    """GOV.UK's look of a conditional reveal (govuk-radios__conditional, hidden by GOV.UK's CSS only
    once its script runs), shown when the page comes back with "return" chosen; the radio says what it
    reveals to app.js (data-app-reveals), never with GOV.UK's data-aria-controls or aria-expanded."""
    rid, office, head = signed
    la_page = f"/la/referrals/{rid}"
    login(client, "officer@demo.la")
    page = text(client.get(la_page))
    assert _reveal_classes(page) == {"govuk-radios__conditional", "govuk-radios__conditional--hidden", "app-reveal"}
    form = _decision_form(page)
    assert re.search(r'value="return"[^>]*data-app-reveals="return-fields"', form)
    assert "aria-expanded" not in form and "aria-controls" not in form  # app.js sets aria-controls, on one radio
    # The reasons box, the rules and the checklist rows concerned are all inside the container.
    reveal = form[form.index('id="return-fields"'):form.index("Record the decision")]
    for name in ('name="reasons"', 'name="rule_ids"', 'name="check_ids"'):
        assert name in reveal, name

    # Nothing chosen: back with an error on the decision, the questions still folded away.
    failed = text(_post(client, f"{la_page}/decision", la_page, {"decision": ""}, status=422))
    assert "govuk-radios__conditional--hidden" in _reveal_classes(failed)
    # "Return" without reasons: back with the reasons in error, and shown.
    failed = text(_post(client, f"{la_page}/decision", la_page, {"decision": "return", "reasons": ""}, status=422))
    assert 'href="#reasons"' in failed and 'value="return" checked' in failed
    assert _reveal_classes(failed) == {"govuk-radios__conditional", "app-reveal"}
    assert "aria-expanded" not in _decision_form(failed)
    # "Accept" chosen (no refusal comes back with it today, but the page would keep them folded).
    accepted = _officer_page(app, rid, {"decision": "accept", "reasons": "", "rule_ids": [], "check_ids": []})
    assert "govuk-radios__conditional--hidden" in _reveal_classes(accepted)


def test_the_page_leads_with_the_decision_and_folds_the_answers_and_history(app, client, signed):
    """What the officer decides on comes first; the answers and the history come after the decision,
    each in a GOV.UK Details, collapsed."""
    rid, office, head = signed
    la_page = f"/la/referrals/{rid}"
    login(client, "officer@demo.la")
    page = text(client.get(la_page))
    order = [page.index(marker) for marker in (
        'id="referral-summary"', 'id="delivery-state"', "Signed pack, version 1", 'id="eligibility"',
        'id="checklist"', 'id="decide"', 'id="answers"')]
    assert order == sorted(order), order
    assert page.index('id="answers"') > page.index("</form>", page.index('id="checks-and-decision"'))
    details = re.search(r'<details id="answers" class="govuk-details"(\s+open)?>', page)
    assert details and not details.group(1)  # collapsed
    assert "The answers as signed" in page
    # The answers are inside the details: the pupil's name is there, not at the top (initials only).
    summary = page[page.index('id="referral-summary"'):page.index('id="checklist"')]
    assert "O.B." in summary and "Oliver" not in summary
    folded = page[details.start():page.index("</details>", details.start())]
    assert "Oliver" in folded

    # Once decided (a return), the decisions sit folded below, after the answers.
    _post(client, f"{la_page}/decision", la_page, {"decision": "return", "reasons": REASONS})
    page = text(client.get(la_page))
    assert 'id="checks-and-decision"' not in page and 'id="checks-recorded"' in page
    history = re.search(r'<details id="decisions-so-far" class="govuk-details">', page)
    assert history and history.start() > page.index('id="answers"')
    assert page.index('id="decisions"') > history.start() and "Decisions so far" in page
    # Returned: the school may be correcting it, but the LA reads what was signed.
    assert "The answers as signed in version 1" in page
