"""The LA inbox filters (issue 5): school, form, status and a date range on the signed or decided
date, through GET /api/v1/referrals and the /la/referrals page (a GOV.UK GET form); bad values are
errors naming the field (422 / 400), never a 500; always within the officer's own LA."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from test_la_outcomes import _accepted, _officer, _shift_leave, _signed

from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school
from forms_service.models import School, db

from conftest import PASSWORD
from support.helpers import api_token, bearer, json_data, login, text
from support.snapshot import made_once

API = "/api/v1"


def _school_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(School.id).filter_by(name=name))


@pytest.fixture
def inbox(app, client, backend, setups_made_once):
    """A referral accepted at Demo School and one waiting (signed) at Other School; a draft at Demo
    School the LA must never see; and another LA with its own officer and school. Made once per backend (two
    signed packs, a few seconds) and restored into each test's own database and storage."""
    return made_once(setups_made_once, backend, app, lambda: _inbox(app, client))


def _inbox(app, client) -> dict:
    accepted = _accepted(client)
    waiting = _signed(client, _shift_leave(json_data(), 1), school="other")
    office = bearer(api_token(client, "office@demo.school"))
    draft = client.post(f"{API}/referrals", headers=office, json={"form": "penalty-notice-leave", "data": json_data()})
    assert draft.status_code == 201
    with app.app_context():
        la = get_or_create_la("Northshire County Council", "legal@northshire.test")
        get_or_create_school("North School", la)
        create_user("officer@northshire.test", PASSWORD, "la_officer", "Nadia North", la=la)
        db.session.commit()
    return {"accepted": accepted, "waiting": waiting, "draft": draft.get_json()["id"]}


def _ids(client, query: str, headers: dict) -> list[int]:
    response = client.get(f"{API}/referrals?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return sorted(r["id"] for r in response.get_json()["referrals"])


def test_api_filters(app, client, inbox):
    officer = _officer(client)
    today = dt.date.today()
    both = sorted([inbox["accepted"], inbox["waiting"]])
    assert _ids(client, "", officer) == both  # never the draft
    assert _ids(client, f"school={_school_id(app, 'Demo School')}", officer) == [inbox["accepted"]]
    assert _ids(client, f"school={_school_id(app, 'Other School')}", officer) == [inbox["waiting"]]
    assert _ids(client, "status=accepted", officer) == [inbox["accepted"]]
    assert _ids(client, "status=signed", officer) == [inbox["waiting"]]
    assert _ids(client, "form=penalty-notice-leave", officer) == both
    assert _ids(client, "form=penalty-notice-panel", officer) == []
    assert _ids(client, f"from={today}&to={today}", officer) == both
    assert _ids(client, f"from={today + dt.timedelta(days=1)}", officer) == []
    assert _ids(client, f"to={today - dt.timedelta(days=1)}", officer) == []
    # Decided: only the accepted one has a decision.
    assert _ids(client, f"date_field=decided&from={today}", officer) == [inbox["accepted"]]
    assert _ids(client, f"school={_school_id(app, 'Demo School')}&status=signed", officer) == []


@pytest.mark.parametrize("query, field, words", [
    ("school=99999", "school", "Choose a school"),
    ("school=abc", "school", "Choose a school"),
    ("form=no-such-form", "form", "Choose a form"),
    ("form=final-warning", "form", "Choose a form"),  # a letter is never sent to the LA
    ("status=lost", "status", "signed, returned, accepted"),
    ("date_field=created", "date_field", "signed or decided"),
    ("from=2026-02-30", "from", "YYYY-MM-DD"),
    ("to=yesterday", "to", "YYYY-MM-DD"),
    ("from=2026-03-10&to=2026-03-01", "to", "same as or after the start date (10 March 2026)"),
    ("colour=red", "colour", "Unknown filter"),
])
def test_api_bad_filters_are_422_naming_the_field(app, client, query, field, words):
    # The filters are checked before anything is looked up: no referrals are needed to see each refused.
    response = client.get(f"{API}/referrals?{query}", headers=_officer(client))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert field in errors and words in " ".join(errors[field]), errors


def test_filters_stay_within_the_officers_la(app, client, inbox):
    other = bearer(api_token(client, "officer@northshire.test"))
    assert _ids(client, "", other) == []
    # Another LA's school is not one of theirs to filter by: an error, not a way to look.
    response = client.get(f"{API}/referrals?school={_school_id(app, 'Demo School')}", headers=other)
    assert response.status_code == 422 and "school" in response.get_json()["errors"]
    assert _ids(client, f"school={_school_id(app, 'North School')}", other) == []
    # A school's staff filtering by the other school of the LA: refused too.
    office = bearer(api_token(client, "office@demo.school"))
    response = client.get(f"{API}/referrals?school={_school_id(app, 'Other School')}", headers=office)
    assert response.status_code == 422
    assert _ids(client, "status=draft", office) == [inbox["draft"]]


def test_web_inbox_filters(app, client, inbox):
    login(client, "officer@demo.la")
    page = text(client.get("/la/referrals"))
    assert 'method="get"' in page and 'name="school"' in page and 'name="from-day"' in page
    assert "2 referrals" in page and "Demo School" in page and "Other School" in page
    assert 'value="draft"' not in page  # an officer never sees drafts, so cannot filter by them
    demo = _school_id(app, "Demo School")
    page = text(client.get(f"/la/referrals?school={demo}&status=accepted"))
    assert "1 referral matching the filters" in page and f'value="{demo}" selected' in page
    today = dt.date.today()
    tomorrow = today + dt.timedelta(days=1)
    page = text(client.get(f"/la/referrals?from-day={tomorrow.day}&from-month={tomorrow.month}"
                           f"&from-year={tomorrow.year}"))
    assert "No referrals match these filters." in page
    page = text(client.get(f"/la/referrals?date_field=decided&from-day={today.day}&from-month={today.month}"
                           f"&from-year={today.year}"))
    assert "1 referral matching the filters" in page


@pytest.mark.parametrize("query, anchor, words", [
    ("from-day=31&from-month=2&from-year=2026", "from-day", "The start date must be a real date"),
    ("to-day=3&to-year=2026", "to-day", "The end date must include a month"),
    ("from-day=1&from-month=3&from-year=26", "from-day", "4-digit year"),
    ("from-day=10&from-month=3&from-year=2026&to-day=1&to-month=3&to-year=2026", "to-day", "same as or after"),
    ("school=99999", "school", "Choose a school from the list"),
    ("status=lost", "status", "Choose one of"),
])
def test_web_bad_filters_are_shown_not_500(app, client, query, anchor, words):
    login(client, "officer@demo.la")
    response = client.get(f"/la/referrals?{query}")
    page = text(response)
    assert response.status_code == 400
    assert "<title>Error:" in page and "There is a problem" in page and f'href="#{anchor}"' in page
    assert words in page
