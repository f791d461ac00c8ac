"""Sessions and passwords (issue 14, findings 5 and 6 and the informational one):

- a signed-in session ends SESSION_HOURS after sign-in however often its cookie was signed again
  since, and SESSION_IDLE_MINUTES after its last request; the sign-in page then says which, and a
  form sent with an ended session is not saved and says so;
- signing out ends the account's browser sessions everywhere and leaves its API tokens alone (they
  end by DELETE /api/v1/auth/token, expiry, a password reset or change, or deactivation);
- a user whose password an administrator chose or generated can reach nothing but "Set your password"
  (and sign out) until they have set their own, and gets no API token; the admin's setting shows on
  the user's admin page and in its account history.

Time is a clock the test sets: the session checks' (forms_service.access.auth.now) and the cookie signature's
(itsdangerous), so a cookie is signed at the time the test says, as a browser's would be.
"""
from __future__ import annotations

import html
import re
import time
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from alembic import command
from sqlalchemy import create_engine, select, text as sql

from forms_service.access import auth
from forms_service.config import Config
from forms_service.database import alembic_config
from forms_service.models import AuditEvent, User, db

from conftest import PASSWORD
from support.helpers import api_token, bearer, csrf, login, set_own_password, text
from support.records import AMELIA, create_referral, office

HOUR, MINUTE = 3600, 60
ADMIN = "admin@demo.la"


class Clock:
    def __init__(self):
        self.at = float(int(time.time()))

    def time(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(auth, "now", clock.time, raising=False)
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=clock.time))
    return clock


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie as it is now."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def sign_in_message(client, response) -> str:
    """The notification on the sign-in page a refused request was sent to."""
    assert response.status_code == 302 and response.location.startswith("/sign-in"), response.status_code
    page = text(client.get(response.location))
    banner = re.search(r'<p class="govuk-notification-banner__heading">\s*(.*?)\s*</p>', page, re.S)
    assert banner, "no notification on the sign-in page"
    return html.unescape(banner.group(1))


def post_with_form(client, url: str, data: dict):
    """Send a form as a browser does (its CSRF token), with the Referer of the page it was on."""
    return client.post(url, data={"csrf_token": csrf(text(client.get(url))), **data},
                       headers={"Referer": f"http://localhost{url}"})


# --- the session's lifetime and idle timeout -------------------------------------------------------

def test_a_session_ends_session_hours_after_sign_in_however_often_its_cookie_was_signed_again(app, client, clock):
    signed_in_at = clock.at
    login(client, ADMIN)
    # Busy all day: every 50 minutes a change that signs the cookie again (a flash message), which used
    # to start the cookie's lifetime again.
    while clock.at - signed_in_at + 50 * MINUTE < 12 * HOUR:
        clock.advance(50 * MINUTE)
        assert post_with_form(client, "/admin/la", {"inbox_email": "legal-interventions@la.test",
                                                    "policy_profile": "national-2024"}).status_code == 302
        assert "Nothing was changed" in text(client.get("/admin/"))
    clock.at = signed_in_at + 12 * HOUR - 1  # just under
    assert client.get("/admin/").status_code == 200
    at_the_limit, over_it = copy_of(app, client), copy_of(app, client)
    clock.at = signed_in_at + 12 * HOUR + 1  # just over (the cookie was last signed 20 minutes ago)
    assert over_it.get("/admin/").location.startswith("/sign-in")
    clock.at = signed_in_at + 12 * HOUR  # at: 12 hours since sign-in
    assert sign_in_message(at_the_limit, at_the_limit.get("/admin/")) == (
        "Your session has ended because you signed in 12 hours ago. Sign in again to continue.")
    # The session is over, not merely refused once: the cookie sent back no longer names the user.
    with at_the_limit.session_transaction() as session:
        assert "_user_id" not in session


def test_a_session_ends_after_session_idle_minutes_without_a_request(app, client, clock):
    login(client, "office@demo.school")  # SESSION_IDLE_MINUTES: 60 by default
    clock.advance(59 * MINUTE)
    assert client.get("/referrals/").status_code == 200  # the last request: its time is kept
    under, at, over = copy_of(app, client), copy_of(app, client), copy_of(app, client)
    clock.advance(60 * MINUTE - 1)
    assert under.get("/referrals/").status_code == 200
    clock.advance(1)
    assert sign_in_message(at, at.get("/referrals/")) == (
        "Your session has ended because you were inactive for 60 minutes. Sign in again to continue.")
    clock.advance(1)
    assert over.get("/referrals/").location.startswith("/sign-in")
    # Within the lifetime, requests keep it going: one every 59 minutes for 11 hours.
    login(client, "office@demo.school")
    for _ in range(11):
        clock.advance(59 * MINUTE)
        assert client.get("/referrals/").status_code == 200


def test_the_idle_timeout_is_a_setting_and_the_last_request_time_is_written_at_most_once_a_minute(app, clock):
    from test_security import _like

    short = _like(app, SESSION_IDLE_MINUTES=5).test_client()
    login(short, "office@demo.school")
    assert short.get("/referrals/").status_code == 200  # the page's CSRF token is made: the cookie changes
    clock.advance(59)
    quiet = short.get("/referrals/")
    assert quiet.status_code == 200 and "session=" not in quiet.headers.get("Set-Cookie", "")  # not re-signed
    clock.advance(1)
    touched = short.get("/referrals/")
    assert touched.status_code == 200 and touched.headers.get("Set-Cookie", "").startswith("session=")
    clock.advance(5 * MINUTE - 1)
    assert short.get("/referrals/").status_code == 200
    clock.advance(5 * MINUTE)
    assert sign_in_message(short, short.get("/referrals/")) == (
        "Your session has ended because you were inactive for 5 minutes. Sign in again to continue.")


def test_a_form_sent_after_the_session_ended_is_not_saved_and_says_so(app, client, clock):
    rid = create_referral(client, office(client), AMELIA)
    login(client, "office@demo.school")
    page = f"/referrals/{rid}/pages/pupil"
    form = client.get(page)
    assert form.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', text(form)).group(1)

    def stored():
        with app.app_context():
            return tuple(db.session.execute(sql("SELECT data, version FROM referrals WHERE id = :id"), {"id": rid}).one())

    before = stored()
    clock.advance(60 * MINUTE)
    sent = client.post(page, data={"csrf_token": csrf(text(form)), "version": version, "pupil__first_name": "Changed"},
                       headers={"Referer": f"http://localhost{page}"})
    assert sent.status_code == 302 and sent.location == f"/sign-in?next={page.replace('/', '%2F')}"
    assert sign_in_message(client, sent) == (
        "Your session has ended because you were inactive for 60 minutes. What you entered on the page you "
        "were on has not been saved: sign in again, then enter it again.")
    assert stored() == before
    # Signing in again goes back to the page the form was on.
    again = client.post(sent.location, data={"csrf_token": csrf(text(client.get(sent.location))),
                                             "email": "office@demo.school", "password": PASSWORD})
    assert again.location == page and client.get(page).status_code == 200


def test_a_session_from_before_sessions_carried_their_times_ends(client, clock):
    login(client, "office@demo.school")
    with client.session_transaction() as session:
        del session[auth.SIGNED_IN_AT]
    assert sign_in_message(client, client.get("/referrals/")) == "Your session has ended. Sign in again to continue."


@pytest.mark.parametrize("environ, message", [
    ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be a whole number of minutes, 1 or more: '0' is not"),
    ({"SESSION_IDLE_MINUTES": "-5"}, "SESSION_IDLE_MINUTES must be a whole number"),
    ({"SESSION_IDLE_MINUTES": "1.5"}, "SESSION_IDLE_MINUTES must be a whole number"),
    ({"SESSION_IDLE_MINUTES": "an hour"}, "SESSION_IDLE_MINUTES must be a whole number"),
    ({"SESSION_HOURS": "0"}, "SESSION_HOURS must be a number of hours above 0: '0' is not"),
    ({"SESSION_HOURS": "nan"}, "SESSION_HOURS must be a number of hours above 0"),
    ({"SESSION_HOURS": "twelve"}, "SESSION_HOURS must be a number of hours above 0"),
])
def test_the_session_settings_are_checked_at_start(environ, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Config(environ)


def test_the_session_settings_defaults_and_smallest_values():
    default = Config({})
    assert (default.SESSION_HOURS, default.SESSION_IDLE_MINUTES, default.PERMANENT_SESSION_LIFETIME) == (12, 60, 43200)
    least = Config({"SESSION_IDLE_MINUTES": "1", "SESSION_HOURS": "0.5"})
    assert (least.SESSION_IDLE_MINUTES, least.SESSION_HOURS, least.PERMANENT_SESSION_LIFETIME) == (1, 0.5, 1800)


# --- signing out -----------------------------------------------------------------------------------

def test_signing_out_ends_the_browser_sessions_everywhere_and_leaves_api_tokens_alone(app, client):
    login(client, "office@demo.school")
    elsewhere = app.test_client()
    login(elsewhere, "office@demo.school")
    token = api_token(app.test_client(), "office@demo.school")
    signed_out = client.post("/sign-out", data={"csrf_token": csrf(text(client.get("/referrals/")))})
    assert sign_in_message(client, signed_out) == "You have signed out."
    assert elsewhere.get("/referrals/").location.startswith("/sign-in")  # every browser
    api = app.test_client()
    assert api.get("/api/v1/referrals", headers=bearer(token)).status_code == 200  # the script's token works on
    assert api.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204  # ended on its own
    assert api.get("/api/v1/referrals", headers=bearer(token)).status_code == 401


# --- a password an administrator set ----------------------------------------------------------------

def _add_user(app, admin, password: str):
    with app.app_context():
        school = db.session.scalar(select(User.school_id).filter_by(email="head@demo.school"))
    page = text(admin.get("/admin/users/new"))
    response = admin.post("/admin/users/new", data={"csrf_token": csrf(page), "email": "new.head@demo.school",
                                                    "name": "Nadia Head", "role": "headteacher", "school": str(school),
                                                    "password": password})
    assert response.status_code == 200
    assert "they must first set a password of their own" in text(response)
    with app.app_context():
        return db.session.scalar(select(User.id).filter_by(email="new.head@demo.school"))


def _errors(response) -> dict[str, str]:
    """The error summary's links: field id -> message."""
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', text(response), re.S)
    assert summary, "no error summary"
    return {href.lstrip("#"): html.unescape(re.sub(r"\s+", " ", message).strip())
            for href, message in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', summary.group(0), re.S)}


def test_a_user_an_administrator_added_must_set_their_own_password_before_anything_else(app, client):
    admin = app.test_client()
    login(admin, ADMIN)
    set_by_admin = "the admin knows this one"
    uid = _add_user(app, admin, set_by_admin)
    shown = text(admin.get(f"/admin/users/{uid}"))
    assert "The password was set by admin@demo.la on" in shown and "must set their own password" in shown
    assert "Password set by an administrator" in text(admin.get("/admin/users"))

    login(client, "new.head@demo.school", set_by_admin)
    other_browser = app.test_client()
    login(other_browser, "new.head@demo.school", set_by_admin)
    # Every other page sends them to "Set your password", a GET or a POST; signing out still works.
    for url in ("/", "/referrals/", "/sign-off", "/admin/", "/referrals/999999"):
        assert client.get(url).location == "/account/password", url
    assert client.post("/referrals/new/penalty-notice-leave", data={}).location == "/account/password"
    # The API gives them no token (the password was right: not a failed sign-in).
    refused = app.test_client().post("/api/v1/auth/token", json={"email": "new.head@demo.school",
                                                                  "password": set_by_admin})
    assert refused.status_code == 403
    assert refused.get_json()["message"] == ("Your password was set by an administrator. Sign in on the website and "
                                            "set your own password, then ask for a token with it.")

    page = client.get("/account/password")
    assert page.status_code == 200
    body = text(page)
    assert "<title>Set your password - " in body and "An administrator set the password you signed in with" in body
    for field, label in (("current", "Current password"), ("new", "New password"), ("confirm", "Confirm new password")):
        assert re.search(rf'<label class="govuk-label" for="{field}">\s*{label}\s*</label>', body), label
    assert body.count('autocomplete="current-password"') == 1 and body.count('autocomplete="new-password"') == 2

    def attempt(current, new, confirm=None):
        return set_own_password(client, current, new, confirm)

    empty = attempt("", "", "")
    assert empty.status_code == 422 and "<title>Error: Set your password" in text(empty)
    assert _errors(empty) == {"current": "Enter your current password", "new": "Enter a new password",
                              "confirm": "Enter your new password again"}
    length = "Your new password must be between 12 and 200 characters"
    assert _errors(attempt(set_by_admin, "x" * 11)) == {"new": length}  # just under
    assert _errors(attempt(set_by_admin, "x" * 201)) == {"new": length}  # just over
    assert _errors(attempt(set_by_admin, "x" * 12, "y" * 12)) == {"confirm": "Enter the same new password in both boxes"}
    assert _errors(attempt("not the password", "x" * 12)) == {"current": "Your current password is not correct"}
    assert _errors(attempt(set_by_admin, set_by_admin)) == {
        "new": "Your new password must be different from the one an administrator set"}
    assert client.get("/referrals/").location == "/account/password"  # still nothing else

    own = "n" * 200  # at the longest
    done = attempt(set_by_admin, own)
    assert done.status_code == 302 and done.location == "/"
    assert client.get("/sign-off").status_code == 200  # their work, in this browser
    assert other_browser.get("/sign-off").location.startswith("/sign-in")  # the other session has ended
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.must_change_password is False
        event = db.session.scalar(select(AuditEvent).filter_by(action="password_changed"))
        assert (event.user_id, event.actor, event.detail) == (
            uid, "new.head@demo.school", {"was_set_by_administrator": True, "api_tokens_revoked": 0})
    assert api_token(app.test_client(), "new.head@demo.school", own)  # with their app's code
    history = text(admin.get(f"/admin/users/{uid}"))
    assert "password-set-by-admin" not in history
    assert history.index("Set their own password") < history.index("Account added")  # newest first
    # At the shortest, changed again from the header's link.
    assert 'href="/account/password">Change your password</a>' in text(client.get("/sign-off"))
    assert attempt(own, "s" * 12).status_code == 302
    assert client.get("/sign-off").status_code == 200


def test_a_password_an_administrator_reset_must_be_replaced_but_not_their_own(app, client):
    admin = app.test_client()
    login(admin, ADMIN)
    with app.app_context():
        head, me = (db.session.scalar(select(User.id).filter_by(email=e)) for e in ("head@demo.school", ADMIN))
        assert not any(db.session.scalars(select(User.must_change_password)))  # demo users: not forced
    for uid, password in ((head, "reset by the admin 1"), (me, "the admin's own new one")):
        page = text(admin.get(f"/admin/users/{uid}"))
        assert admin.post(f"/admin/users/{uid}/password",
                          data={"csrf_token": csrf(page), "password": password}).status_code == 200
    with app.app_context():
        assert db.session.get(User, head).must_change_password is True
        assert db.session.get(User, me).must_change_password is False  # only they know it
    assert admin.get("/admin/").status_code == 200
    assert "Password reset by an administrator" in text(admin.get(f"/admin/users/{head}"))
    login(client, "head@demo.school", "reset by the admin 1")
    assert client.get("/sign-off").location == "/account/password"


def test_changing_ones_own_password_ends_the_other_sessions_and_the_api_tokens(app, client):
    login(client, "office@demo.school")
    elsewhere = app.test_client()
    login(elsewhere, "office@demo.school")
    token = api_token(app.test_client(), "office@demo.school")
    assert _errors(set_own_password(client, PASSWORD, PASSWORD)) == {
        "new": "Your new password must be different from the one you have now"}
    assert set_own_password(client, PASSWORD, "my own new password").status_code == 302
    assert "Your password has been changed" in text(client.get("/referrals/"))
    assert elsewhere.get("/referrals/").location.startswith("/sign-in")
    assert app.test_client().get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="password_changed"))
        assert event.detail == {"was_set_by_administrator": False, "api_tokens_revoked": 1}
        assert "my own new password" not in repr(event.detail)


def test_the_migration_leaves_existing_users_free_to_work(app, database_url):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    config = alembic_config(database_url)
    command.downgrade(config, "0008")
    try:
        command.upgrade(config, "head")  # the demo users were there before 0010
        engine = create_engine(database_url)
        with engine.connect() as conn:
            rows = conn.execute(sql("SELECT email, must_change_password FROM users")).all()
        engine.dispose()
    finally:
        command.upgrade(config, "head")
    assert len(rows) == 6 and not any(flag for _, flag in rows)
    client = app.test_client()
    login(client, "office@demo.school")
    assert client.get("/referrals/").status_code == 200
