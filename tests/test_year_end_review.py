"""The year-end review of referrals still open (issue 19; 002, "Status of referrals open to the EWS at the end
of an academic year"): under a profile that holds one (Cardiff's), an accepted referral still open when a
school year ends (31 August; from 1 July, when the summer term's reviews are held) is due for a formal
review until the officer records it. Boundaries: 30 June / 1 July, 31 August / 1 September, a review
recorded before or in the window. The page and the API run on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from forms_service.la.reviews import review_due
from forms_service.models import Decision, Referral, db

from support.helpers import api_token, bearer, csrf, login, set_profile
from test_la_notices import accepted_panel

D = dt.date
API = "/api/v1"


def referral(accepted: dt.date, reviews: tuple[dt.date, ...] = (), profile: str = "cardiff", status="accepted"):
    """A referral's record as review_due reads it (its status, decisions, outcomes and LA's profile)."""
    return SimpleNamespace(
        status=status, school=SimpleNamespace(la=SimpleNamespace(policy_profile=profile)),
        decisions=[SimpleNamespace(decision="accept", decided_at=dt.datetime.combine(accepted, dt.time(10)))],
        outcomes=[SimpleNamespace(kind="year_end_review", occurred_on=day) for day in reviews])


@pytest.mark.parametrize("today, due", [
    (D(2025, 6, 30), False),  # the summer term's last weeks not begun
    (D(2025, 7, 1), True),    # from 1 July: the year's review is held
    (D(2025, 8, 31), True),
    (D(2025, 9, 1), True),    # the year has ended with it open
    (D(2026, 2, 10), True),
])
def test_due_from_the_first_of_july_of_a_year_it_is_open_in(today, due):
    assert (review_due(referral(D(2025, 3, 10)), today) is not None) is due


def test_the_reason_says_the_year_and_whether_it_has_ended():
    before = review_due(referral(D(2025, 3, 10)), D(2025, 7, 1))
    assert before["status"] == "advisory" and before["id"] == "year_end_review"
    assert "2024/25 school year ends on 31 August 2025" in before["reason"]
    assert "accepted on 10 March 2025" in before["reason"]
    assert "stays open into the next school year only if the attendance concerns persist" in before["reason"]
    after = review_due(referral(D(2025, 3, 10)), D(2025, 9, 1))
    assert "2024/25 school year ended on 31 August 2025" in after["reason"]
    assert after["source"].startswith("002, Status of referrals open to the EWS")


@pytest.mark.parametrize("accepted, today, due", [
    (D(2025, 8, 31), D(2025, 9, 1), True),    # open on the year's last day
    (D(2025, 9, 1), D(2025, 9, 2), False),    # accepted in the new year: no year end yet
    (D(2025, 9, 1), D(2026, 6, 30), False),
    (D(2025, 9, 1), D(2026, 7, 1), True),
])
def test_a_referral_accepted_after_the_year_end_waits_for_the_next(accepted, today, due):
    assert (review_due(referral(accepted), today) is not None) is due


@pytest.mark.parametrize("reviewed, due", [
    (D(2025, 6, 30), True),   # before the window: not that year's review
    (D(2025, 7, 1), False),
    (D(2025, 9, 15), False),  # held late, in the new year: still that year end's
])
def test_a_review_recorded_in_the_window_or_later_clears_it(reviewed, due):
    assert (review_due(referral(D(2025, 3, 10), (reviewed,)), D(2025, 10, 1)) is not None) is due


def test_a_review_is_held_again_at_the_next_year_end():
    held = referral(D(2025, 3, 10), (D(2025, 7, 15),))
    assert review_due(held, D(2026, 6, 30)) is None
    assert review_due(held, D(2026, 7, 1)) is not None


@pytest.mark.parametrize("profile", ["national-2024", "southend", "stockport", "knowsley"])
def test_not_where_the_profile_holds_no_year_end_review(profile):
    assert review_due(referral(D(2025, 3, 10), profile=profile), D(2025, 9, 1)) is None


@pytest.mark.parametrize("status", ["signed", "returned"])
def test_only_an_accepted_referral_is_open_to_review(status):
    assert review_due(referral(D(2025, 3, 10), status=status), D(2025, 9, 1)) is None


# --- the officer's page and the API ---------------------------------------------------------------------

def _accepted_a_year_ago(app, client) -> int:
    set_profile(app, "cardiff")
    rid, _ = accepted_panel(client)
    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.referral_id == rid, Decision.decision == "accept"))
        decision.decided_at = decision.decided_at - dt.timedelta(days=380)
        db.session.commit()
    return rid


def test_the_officer_sees_the_review_due_and_records_it(app, client):
    rid = _accepted_a_year_ago(app, client)
    login(client, "officer@demo.la")
    page = client.get(f"/la/referrals/{rid}").get_data(as_text=True)
    assert 'id="year-end-review-due"' in page and "Year-end review due." in page
    assert 'id="record-nti"' not in page  # Wales: no Notice to Improve to record
    today = dt.date.today()
    form = {"csrf_token": csrf(client.get(f"/la/referrals/{rid}").get_data(as_text=True)), "kind": "year_end_review", "yer-date-day": today.day,
            "yer-date-month": today.month, "yer-date-year": today.year, "yer-notes": ""}
    refused = client.post(f"/la/referrals/{rid}/outcomes", data=form)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'href="#yer-notes"' in body and "Say what the review decided" in body
    form["yer-notes"] = "Attendance still 71%: stays open into 2026/27 with a new plan"
    done = client.post(f"/la/referrals/{rid}/outcomes", data=form, follow_redirects=True)
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    assert "Year-end review held has been recorded" in page and 'id="year-end-review-due"' not in page
    assert "Attendance still 71%: stays open into 2026/27 with a new plan" in page


def test_the_api_records_it_only_where_the_profile_holds_one(app, client):
    rid, _ = accepted_panel(client)  # the default profile: England's, no year-end review
    officer = bearer(api_token(client, "officer@demo.la"))
    body = {"kind": "year_end_review", "date": dt.date.today().isoformat(), "notes": "Reviewed"}
    refused = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json=body)
    assert refused.status_code == 422
    assert "has no year-end review" in refused.get_json()["errors"]["kind"][0]
    set_profile(app, "cardiff")
    recorded = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json=body)
    assert recorded.status_code == 201, recorded.get_json()
    assert recorded.get_json()["outcomes"][-1]["label"] == "Year-end review held"
    with app.app_context():
        assert db.session.get(Referral, rid).status == "accepted"
