"""Outcomes the LA records on an accepted referral (issue 5): penalty notices per parent with their
own references, a PPM and its outcome, a Notice to Improve, a notice paid / not paid / withdrawn;
shown through the API, on the LA's page and on the school's page, each audited; and recorded
notices feeding the penalty_notice_limit rule of later requests for the same child at any school of
the LA (a withdrawn notice counting as never issued). SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from forms_service.access.accounts import create_user, get_or_create_la
from forms_service.models import AuditEvent, Outcome, Referral, db

from conftest import PASSWORD
from support.helpers import api_token, bearer, csrf, json_data, login, logout, signed_request, text
from support.snapshot import made_once

API = "/api/v1"
FORM = "penalty-notice-leave"
MOTHER, FATHER = "Sarah Bennett", "Daniel Bennett"


def _today() -> str:
    return dt.date.today().isoformat()


def _shift_leave(data: dict, weeks: int) -> dict:
    """The same child's leave `weeks` weeks earlier (another absence, so another notice)."""
    for key in ("start_date", "end_date", "return_date"):
        data["leave"][key] = (dt.date.fromisoformat(data["leave"][key]) - dt.timedelta(weeks=weeks)).isoformat()
    return data


def _signed(client, data: dict | None = None, school: str = "demo") -> int:
    """A complete request with its register and evidence, submitted by the office and signed by the head."""
    return signed_request(client, data, school)[0]


def _accepted(client, data: dict | None = None, school: str = "demo") -> int:
    rid = _signed(client, data, school)
    accepted = client.post(f"{API}/referrals/{rid}/decision", headers=_officer(client), json={"decision": "accept"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted", accepted.get_json()
    return rid


def _officer(client) -> dict:
    return bearer(api_token(client, "officer@demo.la"))


@pytest.fixture
def accepted(app, client, backend, setups_made_once) -> int:
    """The id of a request signed at Demo School and accepted by the LA (`_accepted`). Made once per backend
    (signing renders and seals the pack, about a second) and restored into each test's own database and
    storage, as every test here records outcomes on it."""
    return made_once(setups_made_once, ("accepted", backend), app, lambda: _accepted(client))


def _notice(client, rid: int, notices: list[dict], date: str | None = None, headers=None):
    return client.post(f"{API}/referrals/{rid}/outcomes", headers=headers or _officer(client),
                       json={"kind": "penalty_notice_issued", "date": date or _today(), "notices": notices})


def _limit_rule(body: dict) -> dict:
    return next(r for r in body["eligibility"]["rules"] if r["id"] == "penalty_notice_limit")


# --- recording through the API ----------------------------------------------------------------

def test_penalty_notices_per_parent_then_paid_unpaid_withdrawn(app, client, accepted):
    rid = accepted
    officer = _officer(client)
    issued = _notice(client, rid, [{"parent_name": "sarah  bennett", "reference": "EPN/2026/0141"},
                                   {"parent_name": FATHER, "reference": "EPN/2026/0142"}])
    assert issued.status_code == 201, issued.get_json()
    rows = issued.get_json()["outcomes"]
    # One notice per parent, named as on the referral, each with its own reference.
    assert [(o["kind"], o["parent_name"], o["reference"], o["status"]) for o in rows] == [
        ("penalty_notice_issued", MOTHER, "EPN/2026/0141", "issued"),
        ("penalty_notice_issued", FATHER, "EPN/2026/0142", "issued")]
    assert rows[0]["date"] == _today() and rows[0]["version"] == 1 and rows[0]["by"] == "officer@demo.la"

    paid = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                       json={"kind": "penalty_notice_paid", "date": _today(), "notice": "EPN/2026/0141",
                             "notes": "Paid at the lower rate"})
    assert paid.status_code == 201, paid.get_json()
    withdrawn = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                            json={"kind": "penalty_notice_withdrawn", "date": _today(), "notice": "epn/2026/0142"})
    assert withdrawn.status_code == 201, withdrawn.get_json()
    shown = {o["reference"]: o for o in client.get(f"{API}/referrals/{rid}", headers=officer).get_json()["outcomes"]
             if o["kind"] == "penalty_notice_issued"}
    assert shown["EPN/2026/0141"]["status"] == "paid" and shown["EPN/2026/0142"]["status"] == "withdrawn"
    assert shown["EPN/2026/0142"]["status_date"] == _today()

    # Nothing more on a withdrawn notice; paid and not paid exclude each other.
    again = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                        json={"kind": "penalty_notice_paid", "date": _today(), "notice": "EPN/2026/0142"})
    assert again.status_code == 422 and "withdrawn" in again.get_json()["errors"]["notice"][0]
    unpaid = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                         json={"kind": "penalty_notice_unpaid", "date": _today(), "notice": "EPN/2026/0141"})
    assert unpaid.status_code == 422 and "only a withdrawal can follow" in unpaid.get_json()["errors"]["notice"][0]

    # The school sees the outcomes too, through the API.
    school = client.get(f"{API}/referrals/{rid}", headers=bearer(api_token(client, "office@demo.school"))).get_json()
    assert [o["kind"] for o in school["outcomes"]] == ["penalty_notice_issued", "penalty_notice_issued",
                                                       "penalty_notice_paid", "penalty_notice_withdrawn"]
    # Each recording is one audit event, with what was recorded.
    events = [e for e in client.get(f"{API}/referrals/{rid}/audit", headers=officer).get_json()
              if e["action"] == "outcome_recorded"]
    assert [e["detail"]["kind"] for e in events] == ["penalty_notice_issued", "penalty_notice_paid",
                                                     "penalty_notice_withdrawn"]
    assert events[0]["detail"]["notices"] == [{"parent_name": MOTHER, "reference": "EPN/2026/0141"},
                                              {"parent_name": FATHER, "reference": "EPN/2026/0142"}]
    assert events[0]["actor"] == "officer@demo.la" and events[0]["role"] == "la_officer"
    assert events[1]["detail"]["notes"] == "Paid at the lower rate"


def test_no_notice_to_improve_is_recorded_under_welsh_law(app, client, accepted):
    """Issue 19: Wales has no Notice to Improve, so an LA under the cardiff profile cannot record one issued
    outside the service either; a penalty notice is recorded as anywhere."""
    rid = accepted
    with app.app_context():
        referral = db.session.get(Referral, rid)
        referral.school.la.policy_profile = "cardiff"
        db.session.commit()
    officer = _officer(client)
    refused = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                          json={"kind": "notice_to_improve", "date": _today()})
    assert refused.status_code == 422
    assert "Wales) Regulations 2013 have none" in refused.get_json()["errors"]["kind"][0]
    assert _notice(client, rid, [{"parent_name": MOTHER, "reference": "EPN-78"}]).status_code == 201


def test_notice_to_improve_and_unpaid_after_28_days(app, client, accepted):
    rid = accepted
    officer = _officer(client)
    nti = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                      json={"kind": "notice_to_improve", "date": _today()})
    assert nti.status_code == 201 and nti.get_json()["outcomes"][0]["label"] == "Notice to Improve issued"
    assert _notice(client, rid, [{"parent_name": MOTHER, "reference": "EPN-77"}]).status_code == 201
    # 003: a notice is unpaid only once it "remains unpaid on the 28th day".
    early = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                        json={"kind": "penalty_notice_unpaid", "date": _today(), "notice": "EPN-77"})
    assert early.status_code == 422 and "28 days" in early.get_json()["errors"]["date"][0]
    with app.app_context():  # the notice was issued five weeks ago (moved back in time, as if recorded then)
        row = db.session.scalar(select(Outcome).filter_by(notice_reference="EPN-77"))
        row.occurred_on = dt.date.today() - dt.timedelta(days=35)
        db.session.get(Referral, rid).latest_pack.signed_at -= dt.timedelta(days=40)
        db.session.commit()
    late = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                       json={"kind": "penalty_notice_unpaid", "date": _today(), "notice": "EPN-77"})
    assert late.status_code == 201, late.get_json()
    notice = next(o for o in late.get_json()["outcomes"] if o["kind"] == "penalty_notice_issued")
    assert notice["status"] == "unpaid"


@pytest.mark.parametrize("body, field, words", [
    ({"kind": "fine", "date": "2026-01-05"}, "kind", "penalty_notice_issued"),
    ({"kind": "notice_to_improve"}, "date", "Enter the date"),
    ({"kind": "notice_to_improve", "date": "2026-02-30"}, "date", "real date"),
    ({"kind": "notice_to_improve", "date": "2999-01-01"}, "date", "today or in the past"),
    ({"kind": "notice_to_improve", "date": "2020-01-01"}, "date", "on or after the day the request was signed"),
    ({"kind": "notice_to_improve", "date": "TODAY", "ppm_outcome": "prosecution"}, "ppm_outcome", "Not used"),
    ({"kind": "notice_to_improve", "date": "TODAY", "colour": "red"}, "colour", "Unknown field"),
    ({"kind": "notice_to_improve", "date": "TODAY", "notes": "x" * 2001}, "notes", "2000 characters"),
    ({"kind": "ppm_held", "date": "TODAY", "ppm_outcome": "prosecution"}, "kind", "ppm-request"),
    ({"kind": "penalty_notice_issued", "date": "TODAY"}, "notices", "each parent"),
    ({"kind": "penalty_notice_issued", "date": "TODAY", "notices": [{"parent_name": "Jane Doe", "reference": "A1"}]},
     "notices", "not a parent named on this referral (Sarah Bennett, Daniel Bennett)"),
    ({"kind": "penalty_notice_issued", "date": "TODAY", "notices": [{"parent_name": MOTHER, "reference": "A1"},
                                                                    {"parent_name": MOTHER, "reference": "A2"}]},
     "notices", "one notice per parent"),
    ({"kind": "penalty_notice_issued", "date": "TODAY", "notices": [{"parent_name": MOTHER, "reference": "A1"},
                                                                    {"parent_name": FATHER, "reference": "a1"}]},
     "notices", "each notice has its own"),
    ({"kind": "penalty_notice_issued", "date": "TODAY", "notices": [{"parent_name": MOTHER, "reference": "  "}]},
     "notices", "enter the notice's reference"),
    ({"kind": "penalty_notice_paid", "date": "TODAY", "notice": "EPN-1"}, "notice", "none is recorded yet"),
])
def test_a_bad_outcome_is_refused_naming_the_field(app, client, body, field, words, accepted):
    rid = accepted
    if body.get("date") == "TODAY":
        body = {**body, "date": _today()}
    response = client.post(f"{API}/referrals/{rid}/outcomes", headers=_officer(client), json=body)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors and words in " ".join(errors[field]), errors
    with app.app_context():
        assert db.session.scalar(select(Outcome)) is None
        assert db.session.scalar(select(AuditEvent).filter_by(action="outcome_recorded")) is None


def test_a_reference_is_unique_within_the_la(app, client, accepted):
    first = accepted
    second = _accepted(client, _shift_leave(json_data(), 1), school="other")
    assert _notice(client, first, [{"parent_name": MOTHER, "reference": "EPN-500"}]).status_code == 201
    taken = _notice(client, second, [{"parent_name": FATHER, "reference": "EPN-500"}])
    assert taken.status_code == 422 and "already used" in taken.get_json()["errors"]["notices"][0]
    twice = _notice(client, first, [{"parent_name": MOTHER, "reference": "EPN-501"}])
    assert twice.status_code == 422 and "already recorded on this referral" in twice.get_json()["errors"]["notices"][0]


def test_outcomes_only_on_an_accepted_referral_by_its_las_officer(app, client):
    rid = _signed(client)
    body = {"kind": "notice_to_improve", "date": _today()}
    officer = _officer(client)
    assert client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json=body).status_code == 409
    client.post(f"{API}/referrals/{rid}/decision", headers=officer, json={"decision": "accept"})
    with app.app_context():
        la = get_or_create_la("Northshire County Council", "legal@northshire.test")
        create_user("officer@northshire.test", PASSWORD, "la_officer", "Nadia North", la=la)
        db.session.commit()
    for email, status in (("office@demo.school", 403), ("head@demo.school", 403), ("admin@demo.la", 403),
                          ("office@other.school", 403), ("officer@northshire.test", 404)):
        response = client.post(f"{API}/referrals/{rid}/outcomes", headers=bearer(api_token(client, email)), json=body)
        assert response.status_code == status, email
    assert client.post(f"{API}/referrals/{rid}/outcomes", json=body).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(Outcome)) is None


# --- recorded notices feed penalty_notice_limit ----------------------------------------------

def test_two_recorded_notices_to_a_parent_block_a_third_and_a_withdrawn_one_does_not_count(app, client, accepted):
    # Two requests for Oliver (two separate absences), at the two schools of the LA, each accepted with a
    # notice to his mother; the second request was already a second notice.
    first = accepted
    assert _notice(client, first, [{"parent_name": MOTHER, "reference": "EPN-1001"}]).status_code == 201
    second = _accepted(client, _shift_leave(json_data(), 1), school="other")
    with app.app_context():
        second_ref = db.session.get(Referral, second).reference
        first_ref = db.session.get(Referral, first).reference
        signed_verdict = db.session.get(Referral, second).latest_pack.verdict
    rule = next(r for r in signed_verdict["rules"] if r["id"] == "penalty_notice_limit")
    # Other School cannot open Demo School's referral: the notice counts, its reference is not shown.
    assert rule["status"] == "pass" and "(recorded by the LA)" in rule["reason"] and first_ref not in rule["reason"]
    assert "second notice" in rule["reason"]
    assert _notice(client, second, [{"parent_name": MOTHER, "reference": "EPN-1002"},
                                    {"parent_name": FATHER, "reference": "EPN-1003"}]).status_code == 201

    # A third request for Oliver: his mother has had two notices in 3 years, so no third can be issued.
    office = bearer(api_token(client, "office@demo.school"))
    data = _shift_leave(json_data(), 2)
    third = client.post(f"{API}/referrals", headers=office, json={"form": FORM, "data": data})
    assert third.status_code == 201
    rule = _limit_rule(third.get_json())
    assert rule["status"] == "fail", rule
    # Its own school's referral by reference; Other School's only as "recorded by the LA".
    assert f"recorded by the LA on {first_ref}" in rule["reason"] and second_ref not in rule["reason"]
    assert "Sarah Bennett: 2 earlier notices" in rule["reason"] and "consider other action" in rule["reason"]
    assert "Daniel Bennett: 1 earlier notice" in rule["reason"]
    rows = {p["name"]: p for p in rule["details"]["parents"]}
    assert rows[MOTHER]["recorded_on"] == [first_ref, None] and not rows[MOTHER]["allowed"]
    assert rows[MOTHER]["recorded_by_la"] == [True, True]
    tid = third.get_json()["id"]
    # The stored answers are not changed: only the rule sees the LA's records.
    assert third.get_json()["data"]["previous_penalty_notices"] == []
    assert client.post(f"{API}/referrals/{tid}/submit", headers=office).status_code == 422

    # The 2024 framework counts paid and unpaid notices but not withdrawn ones: withdrawing the first
    # makes the third request a second notice for the mother.
    withdrawn = client.post(f"{API}/referrals/{first}/outcomes", headers=_officer(client),
                            json={"kind": "penalty_notice_withdrawn", "date": _today(), "notice": "EPN-1001"})
    assert withdrawn.status_code == 201
    rule = _limit_rule(client.get(f"{API}/referrals/{tid}", headers=office).get_json())
    assert rule["status"] == "pass", rule
    assert "Sarah Bennett: 1 earlier notice" in rule["reason"] and first_ref not in rule["reason"]


def test_a_notice_the_school_also_typed_counts_once_and_other_children_are_not_affected(app, client, accepted):
    first = accepted
    assert _notice(client, first, [{"parent_name": MOTHER, "reference": "EPN-2001"}]).status_code == 201
    office = bearer(api_token(client, "office@demo.school"))
    typed = _shift_leave(json_data(), 1)
    typed["previous_penalty_notices"] = [{"parent_name": MOTHER, "issued_on": _today()}]
    rule = _limit_rule(client.post(f"{API}/referrals", headers=office, json={"form": FORM, "data": typed}).get_json())
    assert rule["status"] == "pass" and "Sarah Bennett: 1 earlier notice" in rule["reason"], rule["reason"]
    # Oliver's sister (another child) is not affected by his notices.
    sister = _shift_leave(json_data(), 1)
    sister["pupil"].update({"first_name": "Amelia", "date_of_birth": "2015-06-02", "upn": "K820500112999"})
    rule = _limit_rule(client.post(f"{API}/referrals", headers=office, json={"form": FORM, "data": sister}).get_json())
    assert rule["status"] == "pass" and "no earlier notice" in rule["reason"] and "recorded by the LA" not in rule["reason"]


# --- through the web ----------------------------------------------------------------------------

def _post(client, url: str, page_url: str, data: dict, status: int = 302):
    page = text(client.get(page_url))
    response = client.post(url, data={"csrf_token": csrf(page), **data})
    assert response.status_code == status, f"POST {url}: {response.status_code}\n{text(response)[:3000]}"
    return response


def test_recording_outcomes_on_the_la_page_and_the_school_sees_them(app, client, accepted):
    rid = accepted
    la_page = f"/la/referrals/{rid}"
    today = dt.date.today()
    login(client, "officer@demo.la")
    page = text(client.get(la_page))
    assert "Outcomes recorded by the local authority" in page and "No outcome has been recorded yet." in page
    assert "Notice reference for Sarah Bennett" in page and "Notice reference for Daniel Bennett" in page
    assert 'id="record-ppm"' not in page  # a PPM belongs to a request to hold one
    assert 'id="record-notice-status"' not in page  # no notice yet

    # A date that is not real, and no reference: both shown, linked from the error summary.
    failed = _post(client, f"{la_page}/outcomes", la_page,
                   {"kind": "penalty_notice_issued", "pn-date-day": "31", "pn-date-month": "2",
                    "pn-date-year": str(today.year)}, status=422)
    page = text(failed)
    assert "There is a problem" in page and 'href="#pn-date-day"' in page and "The date must be a real date" in page
    assert 'href="#pn-notices"' in page and "Give each parent&#39;s notice" in page
    assert 'value="31"' in page  # what was typed is kept

    _post(client, f"{la_page}/outcomes", la_page,
          {"kind": "penalty_notice_issued", "pn-date-day": str(today.day), "pn-date-month": str(today.month),
           "pn-date-year": str(today.year), "pn-reference-0": "EPN-3001", "pn-reference-1": ""})
    page = text(client.get(la_page))
    assert "To Sarah Bennett, reference EPN-3001" in page and "Daniel Bennett, reference" not in page
    assert 'id="record-notice-status"' in page and "EPN-3001 (Sarah Bennett, issued" in page

    _post(client, f"{la_page}/outcomes", la_page,
          {"kind": "notice_status", "status-notice": "EPN-3001", "status-kind": "penalty_notice_paid",
           "status-date-day": str(today.day), "status-date-month": str(today.month),
           "status-date-year": str(today.year), "status-notes": "Paid in full"})
    _post(client, f"{la_page}/outcomes", la_page,
          {"kind": "notice_to_improve", "nti-date-day": str(today.day), "nti-date-month": str(today.month),
           "nti-date-year": str(today.year)})
    page = text(client.get(la_page))
    assert "(paid on" in page and "Paid in full" in page and "Notice to Improve issued" in page
    # Without the CSRF token nothing is recorded.
    assert client.post(f"{la_page}/outcomes", data={"kind": "notice_to_improve"}).status_code == 400
    logout(client)

    login(client, "office@demo.school")
    page = text(client.get(f"/referrals/{rid}"))
    assert "Outcomes recorded by the local authority" in page and "To Sarah Bennett, reference EPN-3001" in page
    assert "Notice to Improve issued" in page and 'name="kind"' not in page
    assert len(re.findall(r'data-action="outcome_recorded"', page)) == 3
    logout(client)

    # Only the LA's officer may post; the admin may read the page but gets no forms.
    login(client, "admin@demo.la")
    page = text(client.get(la_page))
    assert "To Sarah Bennett, reference EPN-3001" in page and 'id="record-nti"' not in page
    assert client.post(f"{la_page}/outcomes", data={"csrf_token": csrf(page), "kind": "notice_to_improve"}).status_code == 403
    logout(client)


def test_a_ppm_and_its_outcome_from_the_seed(app, client):
    """003, Request to hold a PPM: one of four outcomes; recorded on a ppm-request only."""
    with app.app_context():
        # An accepted ppm-request (the whole PPM pack is tested elsewhere; here only what follows acceptance).
        from forms_service.models import Pack, User
        office = db.session.scalar(select(User).filter_by(email="office@demo.school"))
        officer = db.session.scalar(select(User).filter_by(email="officer@demo.la"))
        referral = Referral(form_id="ppm-request", school_id=office.school_id, la_id=office.school.la_id,
                            status="accepted", data={"pupil": {"first_name": "Mia", "last_name": "Khan"},
                                                     "parents": [{"name": "Aisha Khan"}]},
                            created_by_id=office.id, reference="PPM-2026-000900")
        db.session.add(referral)
        db.session.flush()
        db.session.add(Pack(referral=referral, version=1, signed_by_id=office.id, signed_name="Harriet Head",
                            signed_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=20), data=referral.data,
                            verdict={"eligible": True, "rules": []}, manifest_sha256="0" * 64))
        db.session.commit()
        rid = referral.id
        assert officer.la_id == referral.la_id
    officer = _officer(client)
    missing = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json={"kind": "ppm_held", "date": _today()})
    assert missing.status_code == 422 and "revised_contract" in missing.get_json()["errors"]["ppm_outcome"][0]
    held = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer,
                       json={"kind": "ppm_held", "date": _today(), "ppm_outcome": "revised_contract"})
    assert held.status_code == 201
    [row] = held.get_json()["outcomes"]
    assert row["ppm_outcome"] == "revised_contract"
    assert row["ppm_outcome_label"] == "Parents agree to engage with a revised/new School Attendance Parent Contract"
    login(client, "officer@demo.la")
    page = text(client.get(f"/la/referrals/{rid}"))
    assert 'id="record-ppm"' in page and "Case dismissed and referred back to the school" in page
    assert "Parents agree to engage with a revised/new School Attendance Parent Contract" in page


def test_a_uniqueness_clash_at_the_same_moment_is_a_409_not_an_outage(app):
    """The checks before saving cannot see a row another request is writing at that moment; the
    database's unique rule then answers, and the user gets a clear 409, not a 500 or a 503."""
    from sqlalchemy.exc import IntegrityError

    @app.get("/__clash")
    def clash():
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed: la_outcomes.reference"))

    response = app.test_client().get("/__clash")
    assert response.status_code == 409 and "same moment" in response.get_data(as_text=True)


def test_recorded_notices_are_in_the_pupils_subject_access_export(app, client, accepted):
    import zipfile

    from forms_service.models import User
    from forms_service.records import subject_access
    rid = accepted
    assert _notice(client, rid, [{"parent_name": MOTHER, "reference": "EPN-700"}]).status_code == 201
    with app.app_context():
        referral = db.session.get(Referral, rid)
        admin = db.session.scalar(db.select(User).filter_by(email="admin@demo.la"))
        pupil = referral.data["pupil"]
        result = subject_access.export(admin, first_name=pupil["first_name"], last_name=pupil["last_name"],
                                       date_of_birth=dt.date.fromisoformat(pupil["date_of_birth"]))
        zf = zipfile.ZipFile(io.BytesIO(result.data))
        [name] = [n for n in zf.namelist() if n.endswith("la-outcomes.json")]
        assert "EPN-700" in zf.read(name).decode() and "la-outcomes.json" in zf.read("README.txt").decode()
