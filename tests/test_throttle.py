"""Sign-in throttling (forms_service/throttle.py): repeated wrong passwords for one address, or from
one network address, make further attempts wait, on the web and the API alike; the count lives in
the database (audit events), so every process of the service sees it."""
from __future__ import annotations

import datetime as dt

from conftest import PASSWORD
from forms_service import throttle
from forms_service.models import AuditEvent, db
from helpers import csrf, text

OFFICE = "office@demo.school"


def _sign_in(client, email: str, password: str):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf(text(page)), "email": email, "password": password})


def _token(client, email: str, password: str):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_five_wrong_passwords_make_the_next_attempt_wait_even_with_the_right_one(app, client):
    for _ in range(4):
        assert _sign_in(client, OFFICE, "not-the-password").status_code == 200
    assert _token(client, OFFICE, "not-the-password").status_code == 401  # the API's failures count too
    refused = _sign_in(client, OFFICE, PASSWORD)
    assert refused.status_code == 429 and "Too many sign-in attempts. Wait 15 minutes" in text(refused)
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    api = _token(client, OFFICE, PASSWORD)
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in api.get_json()["message"]
    # Another account is not affected.
    assert _sign_in(client, "head@demo.school", PASSWORD).status_code == 302
    with app.app_context():
        failures = db.session.scalars(db.select(AuditEvent).filter_by(action=throttle.FAILED)).all()
        assert len(failures) == 5 and {f.actor for f in failures} == {OFFICE}
        assert all(f.user_id is not None and f.ip for f in failures)


def test_four_wrong_passwords_do_not_lock_the_account(client):
    for _ in range(4):
        _sign_in(client, OFFICE, "not-the-password")
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 302


def test_the_wait_ends_when_the_failures_leave_the_window(app, client, monkeypatch):
    for _ in range(5):
        _sign_in(client, OFFICE, "not-the-password")
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 429
    later = throttle.utcnow() + dt.timedelta(minutes=15, seconds=5)
    monkeypatch.setattr(throttle, "utcnow", lambda: later)
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 302


def test_an_unknown_address_is_throttled_the_same_way(client):
    """Whether an address has an account is never revealed by the throttle."""
    for _ in range(5):
        assert _token(client, "nobody@demo.school", "guess").status_code == 401
    assert _token(client, "nobody@demo.school", "guess").status_code == 429


def test_many_addresses_tried_from_one_place_are_throttled(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    for n in range(3):
        assert _token(client, f"guess{n}@demo.school", "guess").status_code == 401
    assert _token(client, OFFICE, PASSWORD).status_code == 429
    other_place = app.test_client()
    assert other_place.post("/api/v1/auth/token", json={"email": OFFICE, "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
