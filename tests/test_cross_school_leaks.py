"""What the rules say must not carry another school's records (issue 14, finding 1).

Two rules read records beyond the referral in hand: `penalty_notice_limit` (the notices the LA
recorded for the same child at any school of the LA: forms_service.referrals.history.recorded_penalty_notices)
and the session counts (sessions an earlier signed request relied on:
forms_service.referrals.history.sessions_used_elsewhere). Office staff at Other School make a throwaway
draft for a Demo School child, found by UPN or by name and date of birth typed in another case, and
read everything the service then says about it: the referral's JSON, its check page and its page.
None of it may name Demo School, its references, the notices' references, a parent this draft does
not name, or when anything happened there. For a parent this draft does name, the limit needs how
many notices and when, and nothing more. The access matrix checks routes; this checks words.
SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from forms_service.formatting import format_date, format_date_short
from forms_service.models import Outcome, Referral, db

from support.helpers import api_token, bearer, json_data, login, logout, register_json_for, signed_request, text, today
from support.snapshot import made_once

API = "/api/v1"
FORM = "penalty-notice-leave"
MOTHER, FATHER = "Sarah Bennett", "Daniel Bennett"
ISSUED_DAYS_AGO = 45


@pytest.fixture
def demo_records(app, client, backend, setups_made_once):
    """At Demo School: Oliver's leave request, signed and accepted, with a penalty notice recorded by
    the LA to each parent 45 days ago (its sessions therefore used for a notice). What must not
    reach another school: its references, its parents' names as the LA recorded them, the date, the
    school. Made once per backend (signing renders and seals a pack, about a second) and restored into each
    test's own database and storage: every test here writes (a draft of its own)."""
    return made_once(setups_made_once, backend, app, lambda: _demo_records(app, client))


def _demo_records(app, client) -> dict:
    rid, _, _ = signed_request(client)
    officer = bearer(api_token(client, "officer@demo.la"))
    accepted = client.post(f"{API}/referrals/{rid}/decision", headers=officer, json={"decision": "accept"})
    assert accepted.status_code == 200, accepted.get_json()
    recorded = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json={
        "kind": "penalty_notice_issued", "date": today().isoformat(),
        "notices": [{"parent_name": MOTHER, "reference": "EPN-77123"},
                    {"parent_name": FATHER, "reference": "EPN-77124"}]})
    assert recorded.status_code == 201, recorded.get_json()
    issued = today() - dt.timedelta(days=ISSUED_DAYS_AGO)
    with app.app_context():
        for notice in db.session.scalars(select(Outcome).where(Outcome.kind == "penalty_notice_issued")):
            notice.occurred_on = issued
        db.session.commit()
        reference = db.session.get(Referral, rid).reference
    return {"reference": reference, "issued": issued}


def _secrets(records: dict, *, parents_named: tuple[str, ...]) -> list[str]:
    """Words that would show Demo School's records to Other School."""
    issued = records["issued"]
    words = [records["reference"], "EPN-77123", "EPN-77124", "Demo School"]
    # A parent named on this draft may be counted with the notice's date; anyone else, never.
    if not parents_named:
        words += [issued.isoformat(), format_date_short(issued), format_date(issued)]
    words += [name for name in (MOTHER, FATHER) if name not in parents_named]
    return words


def _everything_said(client, rid: int, headers: dict) -> dict[str, str]:
    """What the service says about a referral to its school: its JSON, its check page and its page."""
    said = {"referral JSON": json.dumps(client.get(f"{API}/referrals/{rid}", headers=headers).get_json())}
    login(client, "office@other.school")
    for page in ("check", ""):
        response = client.get(f"/referrals/{rid}/{page}".rstrip("/"))
        assert response.status_code == 200, page
        said[f"/referrals/{rid}/{page}"] = text(response)
    logout(client)
    return said


def _other_schools_draft(client, *, found_by: str, parents: list[str]) -> tuple[int, dict]:
    data = json_data()
    if found_by == "name and date of birth":
        data["pupil"]["upn"] = ""
        data["pupil"]["first_name"], data["pupil"]["last_name"] = "OLIVER", "bennett"
    data["parents"] = [{**data["parents"][0], "name": name, "relationship": "other"} for name in parents]
    data["previous_penalty_notices"] = []
    office = bearer(api_token(client, "office@other.school"))
    created = client.post(f"{API}/referrals", headers=office,
                          json={"form": FORM, "data": data, "register": register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"], office


def _rule(client, rid: int, headers: dict, rule_id: str) -> dict:
    body = client.get(f"{API}/referrals/{rid}", headers=headers).get_json()
    return next(r for r in body["eligibility"]["rules"] if r["id"] == rule_id)


@pytest.mark.parametrize("found_by", ["UPN", "name and date of birth"])
def test_a_draft_naming_another_parent_learns_nothing_of_another_schools_records(client, demo_records, found_by):
    rid, office = _other_schools_draft(client, found_by=found_by, parents=["Any Name"])
    limit = _rule(client, rid, office, "penalty_notice_limit")
    assert limit["status"] == "pass" and "Any Name: no earlier notice" in limit["reason"], limit
    assert limit["details"]["unmatched"] == [] and limit["details"]["parents"][0]["earlier_dates"] == []
    for where, said in _everything_said(client, rid, office).items():
        for secret in _secrets(demo_records, parents_named=()):
            assert secret not in said, f"{where} shows {secret!r}"


@pytest.mark.parametrize("found_by", ["UPN", "name and date of birth"])
def test_a_draft_naming_the_parent_learns_how_many_notices_and_when_and_nothing_more(client, demo_records,
                                                                                     found_by):
    rid, office = _other_schools_draft(client, found_by=found_by, parents=["sarah  BENNETT"])
    limit = _rule(client, rid, office, "penalty_notice_limit")
    issued = demo_records["issued"]
    # The limit holds across the LA: the notice counts, so this would be the mother's second.
    assert limit["status"] == "pass", limit
    assert "sarah BENNETT: 1 earlier notice" in limit["reason"] and "second notice" in limit["reason"]
    assert f"{format_date_short(issued)} (recorded by the LA)" in limit["reason"]
    row = limit["details"]["parents"][0]
    assert row["earlier_dates"] == [issued.isoformat()] and row["recorded_on"] == [None]
    assert row["recorded_by_la"] == [True] and limit["details"]["unmatched"] == []
    for where, said in _everything_said(client, rid, office).items():
        # The parent as the LA spelt the name is Demo School's record too.
        for secret in _secrets(demo_records, parents_named=("sarah  BENNETT",)) + [MOTHER]:
            assert secret not in said, f"{where} shows {secret!r}"


def test_sessions_another_schools_request_relied_on_are_not_named(client, demo_records):
    """sessions_used_elsewhere reads only the same school's requests: Other School's draft with the
    same marks counts them as its own and names no request of Demo School's."""
    rid, office = _other_schools_draft(client, found_by="UPN", parents=["Any Name"])
    leave = _rule(client, rid, office, "leave_sessions_minimum")
    assert leave["status"] == "pass" and "counted for" not in leave["reason"], leave
    assert not leave["details"].get("already_counted"), leave


def test_the_same_school_sees_its_own_references(client, demo_records):
    """The control: what Other School must not see, Demo School may - its own request's reference,
    for the sessions it relied on and for the notices recorded on it - so the scans above would
    catch a leak."""
    data = json_data()
    office = bearer(api_token(client, "office@demo.school"))
    created = client.post(f"{API}/referrals", headers=office,
                          json={"form": FORM, "data": data, "register": register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    limit = _rule(client, rid, office, "penalty_notice_limit")
    assert f"recorded by the LA on {demo_records['reference']}" in limit["reason"], limit
    leave = _rule(client, rid, office, "leave_sessions_minimum")
    assert demo_records["reference"] in leave["reason"], leave
