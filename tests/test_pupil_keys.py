"""Finding a child's other records by index (forms_service.pupils, migration 0007): the digests are
kept in step with the answers, every record same_pupil matches shares one, the rules that must not
fine twice and the LA's recorded notices read only the child's records (not the whole school's or
LA's history), and the migration gives the records already held their keys. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from alembic import command
from hypothesis import given, settings, strategies as st
from sqlalchemy import create_engine, event, select, text

from forms_service import pupils
from forms_service.database import alembic_config
from forms_service.models import Pack, Referral, db
from forms_service.referrals.actions import verdict
from forms_service.referrals.history import recorded_penalty_notices, sessions_used_elsewhere

from support.helpers import api_token, bearer, json_data, register_json_for, signed_request
from support.records import AMELIA, FREYA, KIAN, TOBIAS, for_pupil
from support.snapshot import made_once

API = "/api/v1"


# --- the digests ------------------------------------------------------------------------------------

def _respelt(draw, value: str) -> str:
    """The same value as another person might type it: case and runs of spaces changed."""
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in value)
    return draw(st.sampled_from(["", " ", "  "])) + cased.replace(" ", draw(st.sampled_from([" ", "  "]))) + \
        draw(st.sampled_from(["", " "]))


names = st.text(st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=0x24F), min_size=1, max_size=12)


@st.composite
def two_records(draw):
    first, last = draw(names), draw(names)
    dob = draw(st.dates(dt.date(2005, 1, 1), dt.date(2022, 12, 31))).isoformat()
    upn = draw(st.sampled_from([None, "A123456789012", "B987654321098"]))
    a = {"first_name": first, "last_name": last, "date_of_birth": dob, **({"upn": upn} if upn else {})}
    b = {"first_name": _respelt(draw, first) if draw(st.booleans()) else draw(names),
         "last_name": _respelt(draw, last), "date_of_birth": dob}
    other_upn = draw(st.sampled_from([None, upn and _respelt(draw, upn), "C111111111111"]))
    if other_upn:
        b["upn"] = other_upn
    return {"pupil": a}, {"pupil": b}


@settings(max_examples=300, deadline=None)
@given(two_records())
def test_two_records_of_the_same_child_always_share_a_digest(pair):
    a, b = pair
    (upn_a, person_a), (upn_b, person_b) = pupils.keys(a), pupils.keys(b)
    if pupils.same_pupil(a, b):
        assert (upn_a is not None and upn_a == upn_b) or (person_a is not None and person_a == person_b)


def test_the_digests_hold_no_readable_name_and_tell_names_apart_by_their_parts():
    upn_key, person_key = pupils.keys({"pupil": {"first_name": "Ann Lee", "last_name": "X", "date_of_birth": "2014-01-02",
                                                 "upn": "A123456789012"}})
    assert len(upn_key) == len(person_key) == 64 and "ann" not in person_key.lower()
    # Names split differently are different people, though their letters run the same.
    assert person_key != pupils.keys({"pupil": {"first_name": "Ann", "last_name": "Lee X",
                                                "date_of_birth": "2014-01-02"}})[1]
    assert pupils.keys({}) == pupils.keys({"pupil": "not a mapping"}) == pupils.keys(None) == (None, None)
    # Without all three of name and date of birth there is no person digest.
    assert pupils.keys({"pupil": {"first_name": "Ann", "last_name": "Lee"}}) == (None, None)


@pytest.fixture
def amelia_signed(app, client, backend, setups_made_once) -> tuple[int, dict, dict]:
    """`signed_request` for Amelia: (id, the office's headers, the head's headers). Made once per backend (signing
    renders and seals the pack, about a second) and restored into each test's own database and storage."""
    return made_once(setups_made_once, backend, app, lambda: signed_request(client, for_pupil(json_data(), AMELIA)))


# --- kept in step with the answers ------------------------------------------------------------------

def test_the_digests_follow_the_answers_and_each_signed_version_keeps_its_own(app, client, amelia_signed):
    rid, office, head = amelia_signed
    with app.app_context():
        referral = db.session.get(Referral, rid)
        assert (referral.pupil_upn_key, referral.pupil_person_key) == pupils.keys(referral.data)
        pack = referral.latest_pack
        assert (pack.pupil_upn_key, pack.pupil_person_key) == pupils.keys({"pupil": {
            "upn": AMELIA.upn, "first_name": AMELIA.first, "last_name": AMELIA.last, "date_of_birth": AMELIA.dob}})
    # A draft whose pupil is corrected gets the new child's digests at once.
    data = for_pupil(json_data(), TOBIAS)
    draft = client.post(f"{API}/referrals", headers=office, json={"form": "penalty-notice-leave", "data": data})
    did = draft.get_json()["id"]
    changed = client.patch(f"{API}/referrals/{did}", headers=office,
                           json={"data": {"pupil": {"first_name": FREYA.first, "last_name": FREYA.last,
                                                    "date_of_birth": FREYA.dob, "upn": FREYA.upn}}})
    assert changed.status_code == 200, changed.get_json()
    with app.app_context():
        row = db.session.get(Referral, did)
        assert row.pupil_upn_key == pupils.keys({"pupil": {"upn": FREYA.upn}})[0]
        assert row.pupil_person_key == pupils.keys({"pupil": {"first_name": FREYA.first, "last_name": FREYA.last,
                                                             "date_of_birth": FREYA.dob}})[1]


@contextmanager
def referrals_read():
    """The ids of every referral row read from the database while the block runs."""
    seen: list[int] = []

    def loaded(target, context):
        seen.append(target.id)
    event.listen(Referral, "load", loaded)
    try:
        yield seen
    finally:
        event.remove(Referral, "load", loaded)


def test_checking_a_request_reads_only_the_same_childs_requests(app, client):
    # Three other children's signed requests at the same school, and one earlier one for Kian.
    for pupil in (AMELIA, TOBIAS, FREYA):
        signed_request(client, for_pupil(json_data(), pupil))
    earlier, office, _ = signed_request(client, for_pupil(json_data(), KIAN))
    data = for_pupil(json_data(), KIAN)
    data["pupil"]["first_name"] = "  " + KIAN.first.upper()  # typed differently: still Kian, by his UPN
    created = client.post(f"{API}/referrals", headers=office,
                          json={"form": "penalty-notice-leave", "data": data, "register": register_json_for(data)})
    rid = created.get_json()["id"]
    with referrals_read() as seen, app.app_context():
        referral = db.session.get(Referral, rid)
        used = sessions_used_elsewhere(referral)
        result = verdict(referral)
    earlier_ref = client.get(f"{API}/referrals/{earlier}", headers=office).get_json()["reference"]
    assert list(used) == [earlier_ref] and used[earlier_ref]  # Kian's signed sessions are used
    assert set(seen) == {rid, earlier}  # and nobody else's request was read
    assert result.rule("leave_sessions_minimum").status == "fail"  # the same holiday is not fined twice


def test_the_las_recorded_notices_are_read_only_for_the_same_child(app, client):
    officer = bearer(api_token(client, "officer@demo.la"))
    office = bearer(api_token(client, "office@demo.school"))
    notices = {}
    for pupil in (AMELIA, TOBIAS):
        rid = signed_request(client, for_pupil(json_data(), pupil))[0]
        assert client.post(f"{API}/referrals/{rid}/decision", headers=officer,
                           json={"decision": "accept"}).status_code == 200
        parent = for_pupil(json_data(), pupil)["parents"][0]["name"]
        recorded = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json={
            "kind": "penalty_notice_issued", "date": dt.date.today().isoformat(),
            "notices": [{"parent_name": parent, "reference": f"EPN-{pupil.last}"}]})
        assert recorded.status_code == 201, recorded.get_json()
        notices[pupil.last] = rid
    # A new request for Amelia at the school, her name typed in capitals and without her UPN.
    data = for_pupil(json_data(), AMELIA)
    data["pupil"].pop("upn")
    data["pupil"]["last_name"] = AMELIA.last.upper()
    data["previous_penalty_notices"] = []
    created = client.post(f"{API}/referrals", headers=office, json={"form": "penalty-notice-leave", "data": data})
    rid = created.get_json()["id"]
    rule = next(r for r in created.get_json()["eligibility"]["rules"] if r["id"] == "penalty_notice_limit")
    assert "recorded by the LA" in rule["reason"], rule["reason"]
    with referrals_read() as seen, app.app_context():
        found = recorded_penalty_notices(db.session.get(Referral, rid))
        amelias = db.session.get(Referral, notices[AMELIA.last]).reference
    assert [n["recorded_on"] for n in found] == [amelias]
    assert notices[TOBIAS.last] not in seen


# --- the migration ----------------------------------------------------------------------------------

def test_the_migration_gives_records_already_held_their_digests(app, client, database_url, amelia_signed):
    rid, office, _ = amelia_signed
    no_upn = for_pupil(json_data(), TOBIAS)
    no_upn["pupil"].pop("upn")
    drafts = [client.post(f"{API}/referrals", headers=office, json={"form": "penalty-notice-leave", "data": data})
              .get_json()["id"] for data in (no_upn, {})]
    with app.app_context():
        expected = {r.id: pupils.keys(r.data) for r in db.session.scalars(select(Referral))}
        expected_packs = {p.id: pupils.keys(p.data) for p in db.session.scalars(select(Pack))}
        db.session.remove()
        db.engine.dispose()
    assert expected[drafts[0]][0] is None and expected[drafts[0]][1] and expected[drafts[1]] == (None, None)
    config = alembic_config(database_url)
    command.downgrade(config, "0006")  # the records as a database before 0007 holds them: no digests
    try:
        command.upgrade(config, "head")
    finally:
        command.upgrade(config, "head")  # whatever happened, the next test's database is current
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            got = {r[0]: (r[1], r[2]) for r in conn.execute(text("SELECT id, pupil_upn_key, pupil_person_key "
                                                                 "FROM referrals"))}
            got_packs = {r[0]: (r[1], r[2]) for r in conn.execute(text("SELECT id, pupil_upn_key, pupil_person_key "
                                                                       "FROM packs"))}
    finally:
        engine.dispose()
    assert got == expected and got_packs == expected_packs and rid in got
