"""A child's case kept between views while nothing it shows has changed (forms_service/cases/kept.py): each change
the school or the LA makes to the child's records shows at once, on the API and the page; a case is kept per day,
per user and per view; the store is bounded in size and in time."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import template_rendered

from forms_service.cases import kept as kept_mod, records as case_records
from forms_service.formatting import local_today
from forms_service.models import LetterSending, Referral, User, db
from forms_service.records.deletion import delete_draft

from support import records
from support.helpers import api_token, bearer, login

API = records.API


@pytest.fixture
def worked_out(monkeypatch):
    """How many times a case was worked out (not served as kept)."""
    calls = []
    real = case_records.case_of
    monkeypatch.setattr(case_records, "case_of", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _case(client, rid: int, headers: dict) -> dict:
    answer = client.get(f"{API}/referrals/{rid}/case", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_each_change_to_the_childs_records_shows_at_once(app, client, worked_out, monkeypatch):
    office = records.office(client)
    referral = records.create_referral(client, office, records.AMELIA, replace_one=False)
    first = _case(client, referral, office)
    assert {e["record_id"] for e in first["records"]} == {referral} and len(worked_out) == 1
    assert _case(client, referral, office) == first and len(worked_out) == 1  # kept: nothing changed

    # A new record about the same child.
    letter = records.create_letter(client, office, records.AMELIA)
    seen = _case(client, referral, office)
    assert {e["record_id"] for e in seen["records"]} == {referral, letter} and len(worked_out) == 2

    # An answer changed on one of them (its version rises): the letter's date moves on the timeline.
    changed = client.patch(f"{API}/referrals/{letter}", headers=office, json={"data": {"final_warning_date": "2026-03-09"}})
    assert changed.status_code == 200, changed.get_json()
    [made] = [e for e in _case(client, referral, office)["records"] if e["record_id"] == letter and e["kind"] == "letter"]
    assert made["on"] == "2026-03-09"

    # Signed, accepted by the LA and a notice issued: each shows on the timeline the moment it happens.
    records.sign(client, referral, office)
    assert "signed" in {e["kind"] for e in _case(client, referral, office)["records"]}
    records.decide(client, referral, "accept")
    assert "decision" in {e["kind"] for e in _case(client, referral, office)["records"]}
    records.issue_penalty_notice(client, referral)
    assert "notice" in {e["kind"] for e in _case(client, referral, office)["records"]}

    # The LA officer's view is their own (what was sent to the LA only), kept apart from the school's.
    officer = bearer(api_token(client, "officer@demo.la"))
    assert {e["record_id"] for e in _case(client, referral, officer)["records"]} == {referral}
    assert letter in {e["record_id"] for e in _case(client, referral, office)["records"]}

    # Another day: worked out again (what is due and overdue moves with the date).
    before = len(worked_out)
    _case(client, referral, office)
    assert len(worked_out) == before
    monkeypatch.setattr("forms_service.api.cases.local_today", lambda: local_today() + dt.timedelta(days=1))
    _case(client, referral, office)
    assert len(worked_out) == before + 1


def test_the_page_shows_a_change_at_once(app, client):
    """The page's body is rendered once while the case is kept, and again at once when the records change."""
    bodies = []

    def rendered(sender, template, context, **extra):
        bodies.extend([1] if template.name == "cases/_case_body.html" else [])

    office = records.office(client)
    referral = records.create_referral(client, office, records.AMELIA, replace_one=False)
    login(client, "office@demo.school")
    with template_rendered.connected_to(rendered, app):
        page = client.get(f"/referrals/{referral}/case").get_data(as_text=True)
        again = client.get(f"/referrals/{referral}/case").get_data(as_text=True)
        assert len(bodies) == 1 and "Final Warning" not in page
        assert again.count('id="timeline-list"') == 1 and again.count("<h1") == 1
        letter = records.create_letter(client, office, records.AMELIA)
        page = client.get(f"/referrals/{referral}/case").get_data(as_text=True)
    reference = client.get(f"{API}/referrals/{letter}", headers=office).get_json()["reference"]
    assert "Final Warning" in page and reference in page and len(bodies) == 2


def test_the_fingerprint_sees_what_hangs_off_the_records(app, client):
    """A draft deleted, and a letter recorded as sent: rows the records' versions do not count."""
    office = records.office(client)
    referral = records.create_referral(client, office, records.AMELIA, replace_one=False)
    letter = records.create_letter(client, office, records.AMELIA)
    draft = records.create_letter(client, office, records.AMELIA)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="office@demo.school"))
        opened = db.session.get(Referral, referral)
        before = kept_mod.fingerprint(user, opened)
        assert kept_mod.fingerprint(user, opened) == before
        delete_draft(user, db.session.get(Referral, draft))
        db.session.commit()
        deleted = kept_mod.fingerprint(user, opened)
        assert deleted != before
        db.session.add(LetterSending(referral_id=letter, method="posted", sent_on=dt.date(2026, 3, 9),
                                     recipients=[{"parent": 0, "name": "A parent"}], recorded_by_id=user.id))
        db.session.commit()
        assert kept_mod.fingerprint(user, opened) not in (before, deleted)


def test_the_store_is_bounded_in_size_and_time(app, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(kept_mod.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(kept_mod, "fingerprint", lambda user, referral: ("same",))
    monkeypatch.setattr(kept_mod, "profile_name", lambda referral: "national-2024")
    monkeypatch.setattr(kept_mod, "LIMIT", 3)
    user = User(id=1, role="office", school_id=1, email="o@example.test")
    day = dt.date(2026, 3, 9)
    with app.test_request_context():
        made = []

        def view(n):
            return kept_mod.kept("page", user, Referral(id=n), day, lambda: made.append(n) or f"case {n}")
        assert [view(n) for n in (1, 2, 3, 1)] == ["case 1", "case 2", "case 3", "case 1"] and made == [1, 2, 3]
        view(4)  # over the limit: the least recently shown (2) goes
        assert list(k[5] for k in app.extensions["kept_cases"].items) == [3, 1, 4]
        view(2)
        assert made == [1, 2, 3, 4, 2]
        clock[0] += kept_mod.KEEP_SECONDS  # expired: worked out again, and the expired ones dropped
        view(4)
        assert made == [1, 2, 3, 4, 2, 4] and list(k[5] for k in app.extensions["kept_cases"].items) == [4]
