"""Sign-in throttling (forms_service/access/throttle.py, issue 14): wrong passwords for one account from one
address make further attempts wait, doubling; failures sprayed at an account from many addresses slow
it without walling it; many accounts failing from one address (credential stuffing) wait, one user's
mistakes behind a school's shared address do not. Attempts are counted before the password is checked,
in the database, so simultaneous attempts on several server processes cannot pass the limit together.
An admin's password reset (or reactivation) clears the account's throttle."""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from argon2 import PasswordHasher
from faults.service import Http, Process, service_env

from forms_service.access import throttle
from forms_service.access.accounts import ARGON2_PARAMETERS
from forms_service.config import Config
from forms_service.models import AuditEvent, SignInThrottle, User, db
from forms_service.records import retention

from conftest import PASSWORD
from support import totp
from support.helpers import csrf, enter_code, logout, text
from support.smtp_server import free_port

OFFICE = "office@demo.school"
HEAD = "head@demo.school"
ADMIN = "admin@demo.la"
SCHOOL = "198.51.100.10"  # a school's one shared (NAT) address
HOME = "203.0.113.20"


def _client(app, ip: str = SCHOOL):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _sign_in(client, email: str, password: str):
    """The sign-in page, then for an account with a second factor its code (a right one: the password is what
    these tests throttle)."""
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf(text(page)), "email": email, "password": password})
    if response.status_code == 302 and response.location.startswith("/sign-in/code"):
        response = enter_code(client, totp.code_for(client.application, email))
    return response


def _token(client, email: str, password: str):
    body = {"email": email, "password": password}
    if totp.needs_code(client.application, email):
        body["totp"] = totp.code_for(client.application, email)
    return client.post("/api/v1/auth/token", json=body)


class Clock:
    """throttle's clock, moved by the test instead of sleeping."""

    def __init__(self, monkeypatch):
        self.now = throttle.utcnow()
        monkeypatch.setattr(throttle, "utcnow", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def _reserve(app, email: str, ip: str, now: dt.datetime) -> throttle.Attempt:
    """One attempt counted as the sign-in page would (a wrong password: nothing else follows)."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": ip}):
        return throttle.reserve(email, now)


# --- one account from one address ---------------------------------------------------------------

def test_five_wrong_passwords_from_one_place_make_the_next_attempt_wait_a_minute_even_with_the_right_one(app):
    client = _client(app)
    for _ in range(4):
        assert _sign_in(client, OFFICE, "not-the-password").status_code == 200
    assert _token(client, OFFICE, "not-the-password").status_code == 401  # the API's failures count too
    refused = _sign_in(client, OFFICE, PASSWORD)
    assert refused.status_code == 429 and "Too many sign-in attempts. Wait 1 minute and try again" in text(refused)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    api = _token(client, OFFICE, PASSWORD)
    assert api.status_code == 429 and 0 < int(api.headers["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in api.get_json()["message"]
    # Another account at the same place is not affected.
    assert _sign_in(client, HEAD, PASSWORD).status_code == 302
    with app.app_context():
        failures = db.session.scalars(db.select(AuditEvent).filter_by(action=throttle.FAILED)).all()
        assert len(failures) == 5 and {f.actor for f in failures} == {OFFICE}  # refused attempts are not failures
        assert all(f.user_id is not None and f.ip == SCHOOL for f in failures)


def test_four_wrong_passwords_do_not_lock_the_account(app):
    client = _client(app)
    for _ in range(4):
        _sign_in(client, OFFICE, "not-the-password")
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 302


def test_the_wait_starts_at_a_minute_and_doubles_up_to_the_lock_minutes_never_a_second_too_long(app):
    start = throttle.utcnow()
    with app.app_context():
        for n in range(5):
            assert _reserve(app, OFFICE, SCHOOL, start).wait == 0, f"attempt {n + 1} is free"
        now = start
        for expected in (60, 120, 240, 480, 900, 900, 900):  # capped at LOGIN_LOCK_MINUTES (15)
            assert _reserve(app, OFFICE, SCHOOL, now).wait == expected
            assert _reserve(app, OFFICE, SCHOOL, now + dt.timedelta(seconds=expected - 1)).wait == 1
            now += dt.timedelta(seconds=expected)
            assert _reserve(app, OFFICE, SCHOOL, now).wait == 0  # at the second it ends: counted
        assert db.session.scalar(db.select(SignInThrottle.attempts).filter_by(
            scope=throttle.ACCOUNT_SOURCE, key=f"{OFFICE} {SCHOOL}")) == 12


def test_a_right_password_ends_the_run_of_failures(app, monkeypatch):
    clock = Clock(monkeypatch)
    client = _client(app)
    for _ in range(4):
        _sign_in(client, OFFICE, "not-the-password")
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 302
    logout(client)
    for _ in range(4):  # four more mistakes later are free again, not the 6th-9th of one run
        clock.advance(1)
        assert _sign_in(client, OFFICE, "not-the-password").status_code == 200
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 302


def test_a_run_of_failures_is_forgotten_after_the_forget_hours(app):
    start = throttle.utcnow()
    forget = dt.timedelta(hours=app.config["LOGIN_FORGET_HOURS"])
    second = dt.timedelta(seconds=1)
    with app.app_context():
        for _ in range(5):
            _reserve(app, OFFICE, SCHOOL, start)
        # Quiet for exactly the forget hours: the same run, so this is the 6th failure (the next waits 2 minutes).
        assert _reserve(app, OFFICE, SCHOOL, start + forget).wait == 0
        assert _reserve(app, OFFICE, SCHOOL, start + forget + second).wait == 119
        # Quiet for just over the forget hours since that 6th: forgotten, five free attempts again.
        later = start + 2 * forget + second
        for _ in range(5):
            assert _reserve(app, OFFICE, SCHOOL, later).wait == 0
        assert _reserve(app, OFFICE, SCHOOL, later).wait == 60


def test_an_unknown_address_is_throttled_the_same_way(app, monkeypatch):
    """Whether an address has an account is never revealed by the throttle."""
    Clock(monkeypatch)
    client = _client(app)
    for _ in range(5):
        assert _token(client, "nobody@demo.school", "guess").status_code == 401
        assert _token(client, OFFICE, "guess").status_code == 401
    known, unknown = _token(client, OFFICE, PASSWORD), _token(client, "nobody@demo.school", "guess")
    assert known.status_code == unknown.status_code == 429
    assert known.get_json() == unknown.get_json() and known.headers["Retry-After"] == unknown.headers["Retry-After"]


# --- the remedies -------------------------------------------------------------------------------

def _admin_client(app):
    admin = _client(app, "192.0.2.99")
    assert _sign_in(admin, ADMIN, PASSWORD).status_code == 302
    return admin


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).filter_by(email=email))


def test_after_a_lock_an_admins_password_reset_lets_the_new_password_in_at_once(app):
    client = _client(app)
    for _ in range(5):
        _sign_in(client, OFFICE, "not-the-password")
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 429
    admin = _admin_client(app)
    user_page = text(admin.get(f"/admin/users/{_user_id(app, OFFICE)}"))
    new = "a brand new password 2026"
    reset = admin.post(f"/admin/users/{_user_id(app, OFFICE)}/password",
                       data={"csrf_token": csrf(user_page), "password": new})
    assert reset.status_code == 200
    assert _sign_in(client, OFFICE, new).status_code == 302


def test_reactivating_an_account_clears_its_lock(app):
    client = _client(app)
    for _ in range(5):
        _sign_in(client, OFFICE, "not-the-password")
    admin = _admin_client(app)
    for active in ("0", "1"):
        page = text(admin.get(f"/admin/users/{_user_id(app, OFFICE)}"))
        assert admin.post(f"/admin/users/{_user_id(app, OFFICE)}/active",
                          data={"csrf_token": csrf(page), "active": active}).status_code == 302
    assert _sign_in(client, OFFICE, PASSWORD).status_code == 302


# --- many addresses, one account; one address, many accounts ----------------------------------------

def test_a_lock_at_one_address_does_not_stop_the_account_signing_in_from_another(app):
    attacker = _client(app, "192.0.2.66")
    for _ in range(6):
        _sign_in(attacker, OFFICE, "guess")
    assert _sign_in(attacker, OFFICE, PASSWORD).status_code == 429
    assert _sign_in(_client(app, HOME), OFFICE, PASSWORD).status_code == 302


def test_failures_sprayed_from_many_addresses_slow_the_account_but_never_at_a_place_it_signed_in_from(app):
    """An attacker cannot keep a headteacher out: at school (where they signed in before) they are let
    straight in; at a new address the wait is never longer than LOGIN_ACCOUNT_MAX_WAIT_SECONDS however
    long the spraying goes on."""
    school = _client(app, SCHOOL)
    assert _sign_in(school, HEAD, PASSWORD).status_code == 302  # the school's address is known to the account
    logout(school)
    start = throttle.utcnow()
    longest = app.config["LOGIN_ACCOUNT_MAX_WAIT_SECONDS"]
    with app.app_context():
        for n in range(20):  # LOGIN_MAX_FAILURES_PER_ACCOUNT failures from addresses it never used: free
            assert _reserve(app, HEAD, f"2001:db8::{n:x}", start).wait == 0
        assert _reserve(app, HEAD, "2001:db8::ff", start).wait == 1  # just over: slowed
        now, waits = start, []
        for n in range(100):  # an attacker on a new address each time, back the moment it may be
            waits.append(_reserve(app, HEAD, f"2001:db8::1:{n:x}", now).wait)
            now += dt.timedelta(seconds=waits[-1])
        assert max(waits) == longest  # the cap is reached and never passed
        # The headteacher at a new address (home) just after an attacker's attempt: a short wait.
        assert 0 < _reserve(app, HEAD, HOME, now).wait <= longest
        assert _reserve(app, HEAD, HOME, now + dt.timedelta(seconds=longest)).wait == 0
    assert _sign_in(school, HEAD, PASSWORD).status_code == 302  # at school: no wait at all


def test_mistakes_behind_a_school_address_do_not_lock_out_the_rest_of_the_school(app):
    """Thirty failures from the school's one address within minutes — the office mistyping its password,
    then its email five ways — count as six accounts failing there, far under LOGIN_MAX_FAILURES_PER_IP."""
    client = _client(app)
    for email in [OFFICE] + [f"ofice{n}@demo.school" for n in range(5)]:
        for _ in range(5):
            assert _sign_in(client, email, "not-the-password").status_code == 200
    for email in (HEAD, "office@other.school", ADMIN):
        assert _sign_in(_client(app), email, PASSWORD).status_code == 302, email


def test_many_accounts_failing_from_one_address_make_a_further_account_wait(app, monkeypatch):
    """Credential stuffing: LOGIN_MAX_FAILURES_PER_IP different accounts with failures from one address,
    then a further account's first attempt waits; another address, an account already trying there,
    and an account known at that address, are not held up."""
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    start = Clock(monkeypatch).now
    with app.app_context():
        assert _reserve(app, "someone@demo.school", SCHOOL, start).wait == 0
        throttle.succeeded(_reserve(app, "officer@demo.la", HOME, start))  # the officer is known at HOME
        for n in range(3):  # just under, at the limit
            assert _reserve(app, f"guess{n}@demo.school", HOME, start).wait == 0
        assert _reserve(app, "guess3@demo.school", HOME, start).wait == 1  # just over
        assert db.session.scalar(db.select(SignInThrottle.id).filter_by(  # a refusal leaves no row behind
            key=f"guess3@demo.school {HOME}")) is None
        assert _reserve(app, "guess0@demo.school", HOME, start).wait == 0  # its own run goes on
        assert _reserve(app, "guess3@demo.school", SCHOOL, start).wait == 0
        assert _reserve(app, "officer@demo.la", HOME, start).wait == 0  # known there: not held up
        assert _reserve(app, OFFICE, HOME, start).wait == 1  # new there: held up like any other account
        # A right password gives the address's count back: the next account may try.
        throttle.succeeded(_reserve(app, "guess1@demo.school", HOME, start))
        assert _reserve(app, "guess3@demo.school", HOME, start).wait == 0
    client = _client(app, HOME)
    assert _token(client, HEAD, PASSWORD).status_code == 429
    assert _token(_client(app, SCHOOL), HEAD, PASSWORD).status_code == 200


def test_an_address_stays_known_to_the_account_for_the_retention_period(app):
    start = throttle.utcnow()
    keep = dt.timedelta(days=90)  # RETENTION_SIGN_IN
    with app.app_context():
        assert not _reserve(app, HEAD, SCHOOL, start).known
        throttle.succeeded(_reserve(app, HEAD, SCHOOL, start))
        assert _reserve(app, HEAD, SCHOOL, start + keep).known  # at
        assert not _reserve(app, HEAD, SCHOOL, start + keep + dt.timedelta(seconds=1)).known  # just over


def test_an_attempt_that_cannot_be_counted_is_refused_not_let_through(app, monkeypatch):
    """Should the compare-and-set never win (ROUNDS rounds), the attempt is refused with a short wait
    rather than checked uncounted."""
    monkeypatch.setattr(throttle, "ROUNDS", 0)
    refused = _token(_client(app), OFFICE, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"


# --- simultaneous attempts on several server processes ------------------------------------------

def test_simultaneous_wrong_passwords_on_two_server_processes_get_at_most_five_checked(app, tmp_path):
    """24 wrong passwords sent at once, half to each of two `forms-service serve` processes (8 threads
    each), half through the sign-in page and half through the API, with the account's hash at the
    production Argon2 cost so that the checks overlap: exactly LOGIN_MAX_FAILURES are checked (the page
    again with its error, or 401), the rest are refused (429)."""
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=OFFICE))
        user.password_hash = PasswordHasher(**ARGON2_PARAMETERS).hash(PASSWORD)
        db.session.commit()
    env = service_env(app, SMTP_URL=f"smtp://127.0.0.1:{free_port()}", WORKER_POLL_SECONDS=60)
    ports = [free_port(), free_port()]
    services = [Process(["serve", "--port", str(port), "--threads", "8"], env, tmp_path / f"serve{port}.log")
                for port in ports]
    outcomes: list[str] = []
    try:
        for service in services:
            service.wait_for_output("Press Ctrl+C to stop.", timeout=120)  # a loaded machine starts slowly
        ready = threading.Barrier(24)

        def attempt(n: int) -> None:
            try:
                http = Http(f"http://127.0.0.1:{ports[n % 2]}")
                on_page = n % 4 < 2
                token = csrf(http.get("/sign-in").body) if on_page else None
                ready.wait(60)
                if on_page:
                    reply = http.post("/sign-in", form={"csrf_token": token, "email": OFFICE, "password": "wrong"})
                    checked = reply.status == 200 and "Enter a correct email address and password" in reply.body
                else:
                    reply = http.post("/api/v1/auth/token", json={"email": OFFICE, "password": "wrong"})
                    checked = reply.status == 401
                outcomes.append("checked" if checked else str(reply.status))
            except Exception as exc:  # said in the assertion below rather than lost with the thread
                outcomes.append(repr(exc))

        threads = [threading.Thread(target=attempt, args=(n,)) for n in range(24)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for service in services:
            service.stop()
    logs = "".join(service.output()[-2000:] for service in services)
    assert Counter(outcomes) == {"checked": 5, "429": 19}, f"{Counter(outcomes)}\n{logs}"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(
            action=throttle.FAILED)) == 5


# --- retention ----------------------------------------------------------------------------------

def test_throttle_rows_are_purged_once_their_retention_has_passed(app):
    """Counts of failures go LOGIN_FORGET_HOURS after the last attempt; the record that an account
    signed in from an address (what makes it known there) goes RETENTION_SIGN_IN after it."""
    start = throttle.utcnow()
    second = dt.timedelta(seconds=1)
    forget, keep = dt.timedelta(hours=24), dt.timedelta(days=90)

    def count():
        return db.session.scalar(db.select(db.func.count()).select_from(SignInThrottle))

    with app.app_context():
        throttle.succeeded(_reserve(app, OFFICE, SCHOOL, start))
        _reserve(app, "nobody@demo.school", HOME, start)
        assert count() == 6  # each account here and anywhere, each address
        assert retention.purge(start + forget).rows["sign_in_throttles"] == 0  # at: kept
        assert retention.purge(start + forget + second).rows["sign_in_throttles"] == 5  # just over
        assert db.session.scalar(db.select(SignInThrottle.key)) == f"{OFFICE} {SCHOOL}"
        assert retention.purge(start + keep).rows["sign_in_throttles"] == 0
        assert retention.purge(start + keep + second).rows["sign_in_throttles"] == 1
        assert count() == 0


def test_the_throttle_settings_are_checked_when_the_service_starts():
    assert Config({}).LOGIN_MAX_FAILURES == 5 and Config({}).LOGIN_LOCK_MINUTES == 15
    assert Config({"LOGIN_FORGET_HOURS": "1", "LOGIN_LOCK_MINUTES": "60"}).LOGIN_FORGET_HOURS == 1  # at
    with pytest.raises(ValueError, match="LOGIN_FORGET_HOURS must be at least as long as LOGIN_LOCK_MINUTES"):
        Config({"LOGIN_FORGET_HOURS": "1", "LOGIN_LOCK_MINUTES": "61"})  # just over
    with pytest.raises(ValueError, match="LOGIN_MAX_FAILURES_PER_ACCOUNT must be a whole number, 1 or more"):
        Config({"LOGIN_MAX_FAILURES_PER_ACCOUNT": "0"})
