""""Forgot your password?" (issue 18): the request page answers the same for any address, an active
account's link arrives by email (the outbox, a real SMTP server on loopback), works once and for
PASSWORD_RESET_MINUTES, the newest link only; the new password follows the rules of "Change your
password", ends every session and API token, clears the sign-in throttle and "Set your password";
requests are throttled per email and per network address; nothing of the token is stored, logged or
sent on in a Referer; the purge removes expired links. SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from forms_service.access.accounts import MAX_PASSWORD
from forms_service.config import Config
from forms_service.delivery.mail import FOOTER
from forms_service.delivery.outbox import RESET_BODY_CLEARED, RESET_LINK_KIND
from forms_service.models import AuditEvent, OutboxMessage, PasswordResetToken, User, db, utcnow
from forms_service.records import retention

from conftest import PASSWORD
from support.helpers import api_token, bearer, csrf, login, text
from support.smtp_server import Mailbox, smtp_sink  # noqa: F401  (fixture)

SERVICE_URL = "https://attendance-forms.demo-borough.gov.uk"
LINK = re.compile(r"https?://\S+")
NEW_PASSWORD = "a brand new passphrase 2026"
OFFICE = "office@demo.school"


@pytest.fixture
def mail(app, smtp_sink):  # noqa: F811
    app.config["SMTP_URL"] = smtp_sink.url
    app.config["SERVICE_URL"] = SERVICE_URL
    return Mailbox(app, smtp_sink)


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def ask(client, email: str):
    """Fill in "Reset your password" as a browser does."""
    page = client.get("/forgot-password")
    assert page.status_code == 200
    return client.post("/forgot-password", data={"csrf_token": csrf(text(page)), "email": email})


def link_of(message) -> str:
    [link] = LINK.findall(body(message))
    assert link.startswith(SERVICE_URL + "/reset-password/"), link
    return urlsplit(link).path


def open_link(client, path: str):
    """Follow the emailed link: the token leaves the address at once, for the form's page."""
    response = client.get(path)
    assert response.status_code == 303, response.status_code
    assert response.headers["Location"] == "/reset-password"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return response


def choose(client, new: str, confirm: str | None = None):
    page = client.get("/reset-password")
    assert page.status_code == 200, page.status_code
    return client.post("/reset-password", data={"csrf_token": csrf(text(page)), "new": new,
                                                "confirm": new if confirm is None else confirm})


def user(app, email: str) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).filter_by(email=email))
        db.session.expunge(found)
        return found


def set_user(app, email: str, **values) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.email == email).values(**values))
        db.session.commit()


def sign_in(app, email: str, password: str):
    client = app.test_client()
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf(text(page)), "email": email, "password": password})


def signs_in(app, email: str, password: str) -> bool:
    response = sign_in(app, email, password)
    return response.status_code == 302 and not response.headers["Location"].startswith("/sign-in")


def expired_page(response) -> None:
    assert response.status_code == 404
    page = text(response)
    assert "This link has expired or has already been used" in page
    assert 'href="/forgot-password"' in page  # ask again


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return found


# --- asking ---------------------------------------------------------------------------------------

def test_the_sign_in_page_links_to_it(client):
    page = text(client.get("/sign-in"))
    assert '<a class="govuk-link" href="/forgot-password">Forgot your password?</a>' in page


def test_known_unknown_and_deactivated_addresses_get_the_same_answer_and_only_the_active_one_an_email(app, mail):
    set_user(app, "office@other.school", active=False)
    answers = []
    for email in (OFFICE, "nobody@demo.school", "office@other.school", "  Office@Demo.School "):
        response = ask(app.test_client(), email)
        answers.append((response.status_code, response.headers["Location"], response.get_data()))
    assert len(set(answers)) == 1, answers
    assert answers[0][:2] == (303, "/forgot-password/sent")
    page = text(app.test_client().get("/forgot-password/sent"))
    assert "If an account exists for that address, we have sent a link" in page
    assert "works once, and only for 30 minutes" in page

    # The active account, asked for twice (its address with spaces and capitals the second time): two
    # emails to it; none to the unknown or the deactivated address.
    received = mail.new()
    assert [m["To"] for m in received] == [OFFICE, OFFICE]
    [requested] = [e for e in events(app, "password_reset_requested") if e.actor == "anonymous"]
    assert requested.detail == {"account": False} and requested.user_id is None
    deactivated = [e for e in events(app, "password_reset_requested") if e.actor == "office@other.school"]
    assert [e.detail for e in deactivated] == [{"sent": False}]


def test_the_form_says_what_is_wrong_with_the_address(client, mail):
    for email, message in (("", "Enter your email address"),
                           ("not an address", "Enter an email address in the correct format"),
                           ("a@" + "b" * 400 + ".test", "320 characters or fewer")):
        page = client.get("/forgot-password")
        response = client.post("/forgot-password", data={"csrf_token": csrf(text(page)), "email": email})
        assert response.status_code == 422
        assert message in text(response)
        assert 'href="#email"' in text(response)  # the error summary leads to the box
        assert text(response).count(message) >= 2  # in the summary and by the box
    assert mail.new() == []


# --- the email and the link -----------------------------------------------------------------------

def test_the_link_arrives_works_once_and_ends_everything_the_old_password_opened(app, mail, caplog):
    caplog.set_level(logging.DEBUG)
    elsewhere = app.test_client()  # signed in on another computer, with an API token too
    login(elsewhere, OFFICE)
    token = api_token(app.test_client(), OFFICE)
    set_user(app, OFFICE, must_change_password=True)  # and an administrator's password to replace
    for _ in range(6):  # the account is locked out at its own address by wrong passwords
        sign_in(app, OFFICE, "not the password")
    assert sign_in(app, OFFICE, PASSWORD).status_code == 429

    browser = app.test_client()
    assert ask(browser, OFFICE).status_code == 303
    [message] = mail.new()
    assert (message["To"], message["Subject"]) == (OFFICE, "Reset your password - attendance legal-intervention forms service")
    text_ = body(message)
    assert "It works once, and only for 30 minutes" in text_
    assert "If you did not ask to reset your password, ignore this email" in text_
    assert text_.rstrip().endswith(FOOTER)
    assert "Olivia" not in text_ and "Demo School" not in text_  # no name, no school: minimal personal data
    path = link_of(message)
    secret = path.rsplit("/", 1)[1]
    assert len(secret) >= 43  # token_urlsafe(32)

    # Stored: only the token's SHA-256; the email's text is cleared once it has gone.
    with app.app_context():
        row = db.session.scalar(select(PasswordResetToken))
        assert row.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        outbox = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == RESET_LINK_KIND))
        assert outbox.status == "sent" and outbox.body == RESET_BODY_CLEARED
    assert secret not in _all_rows(app)

    open_link(browser, path)
    page = browser.get("/reset-password")
    assert "Choose a new password" in text(page) and secret not in text(page)
    done = choose(browser, NEW_PASSWORD)
    assert (done.status_code, done.headers["Location"]) == (303, "/sign-in")
    assert "Your password has been changed. Sign in with your new password." in text(browser.get("/sign-in"))

    assert signs_in(app, OFFICE, NEW_PASSWORD) and not signs_in(app, OFFICE, PASSWORD)  # the throttle was cleared
    assert user(app, OFFICE).must_change_password is False
    assert elsewhere.get("/referrals/").headers["Location"].startswith("/sign-in")
    assert app.test_client().get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    [reset] = events(app, "password_reset_by_email")
    assert reset.actor == OFFICE and reset.detail == {"api_tokens_revoked": 1}
    admin = app.test_client()  # the account's history on its admin page says so
    login(admin, "admin@demo.la")
    history = text(admin.get(f"/admin/users/{user(app, OFFICE).id}"))
    assert "Chose a new password from an emailed link" in history and "must set their own password" not in history

    # Once only: the link, and the form it led to, no longer work.
    expired_page(browser.get(path))
    expired_page(browser.get("/reset-password"))
    expired_page(app.test_client().get(path))
    assert secret not in caplog.text and secret not in _all_rows(app)


def test_a_link_used_or_expired_while_its_form_was_open_changes_nothing(app, mail):
    ask(app.test_client(), OFFICE)
    path = link_of(mail.new()[0])
    first, second = app.test_client(), app.test_client()
    open_link(first, path)
    open_link(second, path)
    form = second.get("/reset-password")  # the same link open in another browser
    assert choose(first, NEW_PASSWORD).status_code == 303
    expired_page(second.post("/reset-password", data={"csrf_token": csrf(text(form)), "new": "the other tab's one",
                                                      "confirm": "the other tab's one"}))
    assert signs_in(app, OFFICE, NEW_PASSWORD)

    ask(app.test_client(), OFFICE)
    path = link_of(mail.new()[0])
    browser = app.test_client()
    open_link(browser, path)
    page = browser.get("/reset-password")
    with app.app_context():  # the half hour runs out while the form is open
        db.session.execute(update(PasswordResetToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    expired_page(browser.post("/reset-password", data={"csrf_token": csrf(text(page)), "new": "too late a password",
                                                       "confirm": "too late a password"}))
    assert signs_in(app, OFFICE, NEW_PASSWORD)


def test_an_expired_link_is_refused(app, mail):
    ask(app.test_client(), OFFICE)
    path = link_of(mail.new()[0])
    with app.app_context():
        db.session.execute(update(PasswordResetToken).values(
            created_at=utcnow() - dt.timedelta(minutes=31), expires_at=utcnow() - dt.timedelta(minutes=1)))
        db.session.commit()
    expired_page(app.test_client().get(path))
    assert signs_in(app, OFFICE, PASSWORD)


def test_only_the_newest_link_works(app, mail):
    ask(app.test_client(), OFFICE)
    ask(app.test_client(), OFFICE)
    older, newer = (link_of(m) for m in mail.new())
    expired_page(app.test_client().get(older))
    browser = app.test_client()
    open_link(browser, newer)
    assert choose(browser, NEW_PASSWORD).status_code == 303


def test_a_new_password_set_otherwise_or_a_deactivation_ends_the_links(app, mail):
    # The user changes their password themselves: the link they asked for earlier no longer works.
    ask(app.test_client(), OFFICE)
    path = link_of(mail.new()[0])
    signed_in = app.test_client()
    login(signed_in, OFFICE)
    page = signed_in.get("/account/password")
    assert signed_in.post("/account/password", data={"csrf_token": csrf(text(page)), "current": PASSWORD,
                                                     "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    expired_page(app.test_client().get(path))

    # An admin deactivates the account: its link no longer works, and none is sent while it is inactive.
    ask(app.test_client(), "head@demo.school")
    path = link_of(mail.new()[0])
    admin = app.test_client()
    login(admin, "admin@demo.la")
    head = user(app, "head@demo.school")
    page = admin.get(f"/admin/users/{head.id}")
    assert admin.post(f"/admin/users/{head.id}/active",
                      data={"csrf_token": csrf(text(page)), "active": "0"}).status_code == 302
    expired_page(app.test_client().get(path))


def test_the_new_password_follows_the_rules_and_each_error_names_its_box(app, mail):
    ask(app.test_client(), OFFICE)
    browser = app.test_client()
    open_link(browser, link_of(mail.new()[0]))
    for new, confirm, errors in (
            ("", "", {"new": "Enter a new password", "confirm": "Enter your new password again"}),
            ("too short", "too short", {"new": "Your new password must be between 12 and 200 characters"}),
            ("x" * (MAX_PASSWORD + 1),) * 2 + ({"new": "Your new password must be between 12 and 200 characters"},),
            (NEW_PASSWORD, NEW_PASSWORD + "!", {"confirm": "Enter the same new password in both boxes"})):
        response = choose(browser, new, confirm)
        assert response.status_code == 422, (new, response.status_code)
        page = text(response)
        assert page.count('class="govuk-error-summary"') == 1 and "<title>Error: Choose a new password" in page
        for field, message in errors.items():
            assert f'href="#{field}">{message}</a>' in page  # the summary leads to the box
            assert re.search(rf'id="{field}-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*{message}', page)
    # A refused password does not use the link up.
    assert choose(browser, NEW_PASSWORD).status_code == 303
    assert signs_in(app, OFFICE, NEW_PASSWORD)


@pytest.mark.parametrize("token", ["x", "a" * 43, "a" * 5000, "%00", "%C3%A9t%C3%A9", "..",
                                   "%FF%FE", "null", "<script>"])
def test_any_made_up_link_shows_the_same_page(client, token):
    expired_page(client.get(f"/reset-password/{token}"))


def test_the_form_without_a_link_shows_the_same_page(client):
    expired_page(client.get("/reset-password"))
    expired_page(client.post("/reset-password", data={"csrf_token": csrf(text(client.get("/sign-in")))}))


def test_the_link_page_sends_no_referrer(client):
    response = client.get("/reset-password/made-up")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/sign-in").headers["Referrer-Policy"] == "same-origin"  # the rest keep theirs


# --- throttling, CSRF -----------------------------------------------------------------------------

def test_one_address_cannot_be_sent_more_than_a_few_links_an_hour(app, mail):
    for email in (OFFICE, "nobody@demo.school"):  # known or not, the same
        for _ in range(3):
            assert ask(app.test_client(), email).status_code == 303
        refused = ask(app.test_client(), email)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3000
        assert "Too many links have been asked for. Wait 60 minutes" in text(refused)
        assert 'href="#email"' in text(refused)
    assert len(mail.new()) == 3
    # The hour over, the address may ask again.
    with app.app_context():
        from forms_service.models import SignInThrottle
        db.session.execute(update(SignInThrottle).values(next_at=utcnow() - dt.timedelta(seconds=1)))
        db.session.commit()
    assert ask(app.test_client(), OFFICE).status_code == 303
    assert len(mail.new()) == 1


def test_one_network_address_cannot_run_down_a_list_of_addresses(app, mail):
    app.config["PASSWORD_RESETS_PER_IP"] = 4
    answers = [ask(app.test_client(), f"person{n}@demo.school").status_code for n in range(4)]
    assert answers == [303] * 4
    assert ask(app.test_client(), OFFICE).status_code == 429
    other = app.test_client()
    page = other.get("/forgot-password")
    elsewhere = other.post("/forgot-password", data={"csrf_token": csrf(text(page)), "email": OFFICE},
                           environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert elsewhere.status_code == 303  # another network address is not held back
    assert [m["To"] for m in mail.new()] == [OFFICE]


def test_both_forms_refuse_a_post_without_their_csrf_token(app, mail):
    client = app.test_client()
    client.get("/forgot-password")
    refused = client.post("/forgot-password", data={"email": OFFICE})
    assert refused.status_code == 400 and "the form was not sent from this service" in text(refused)
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage)) is None

    ask(app.test_client(), OFFICE)
    open_link(client, link_of(mail.new()[0]))
    client.get("/reset-password")
    for token in (None, csrf(text(app.test_client().get("/sign-in")))):  # none, or someone else's
        refused = client.post("/reset-password", data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                       **({"csrf_token": token} if token else {})})
        assert refused.status_code == 400
    assert signs_in(app, OFFICE, PASSWORD)
    assert choose(client, NEW_PASSWORD).status_code == 303  # the link still works for its own form


# --- retention, configuration ---------------------------------------------------------------------

def test_the_purge_removes_links_a_day_after_they_expired(app, mail):
    ask(app.test_client(), OFFICE)
    ask(app.test_client(), "head@demo.school")
    mail.new()
    long_ago = utcnow() - dt.timedelta(days=1, minutes=31)
    with app.app_context():
        head = db.session.scalar(select(User).filter_by(email="head@demo.school"))
        db.session.execute(update(PasswordResetToken).where(PasswordResetToken.user_id == head.id).values(
            created_at=long_ago - dt.timedelta(minutes=1), expires_at=long_ago + dt.timedelta(minutes=29)))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.recipient == "head@demo.school").values(
            created_at=long_ago - dt.timedelta(minutes=1)))
        db.session.commit()
        report = retention.purge()
        assert report.rows["password_reset_tokens"] == 1 and report.rows["password_reset_emails"] == 1
        assert report.counts()["periods"]["RETENTION_PASSWORD_RESET"] == "1 days"
        left = db.session.scalars(select(PasswordResetToken.user_id)).all()
        assert left == [db.session.scalar(select(User.id).filter_by(email=OFFICE))]
        assert db.session.scalars(select(OutboxMessage.recipient)).all() == [OFFICE]


def test_the_settings_are_checked():
    assert Config({}).PASSWORD_RESET_MINUTES == 30
    assert (Config({}).PASSWORD_RESETS_PER_EMAIL, Config({}).PASSWORD_RESETS_PER_IP) == (3, 20)
    assert Config({"PASSWORD_RESET_MINUTES": "15"}).PASSWORD_RESET_MINUTES == 15
    for bad in ("0", "-5", "1.5", "half an hour", "1441"):
        with pytest.raises(ValueError, match="PASSWORD_RESET_MINUTES"):
            Config({"PASSWORD_RESET_MINUTES": bad})
    with pytest.raises(ValueError, match="PASSWORD_RESETS_PER_IP"):
        Config({"PASSWORD_RESETS_PER_IP": "0"})


def test_the_email_says_how_long_the_link_lasts_as_configured(app, mail):
    app.config["PASSWORD_RESET_MINUTES"] = 15
    ask(app.test_client(), OFFICE)
    assert "only for 15 minutes" in body(mail.new()[0])
    assert "only for 15 minutes" in text(app.test_client().get("/forgot-password/sent"))
    with app.app_context():
        row = db.session.scalar(select(PasswordResetToken))
        assert dt.timedelta(minutes=14) < row.expires_at - row.created_at <= dt.timedelta(minutes=15)


def _all_rows(app) -> str:
    from forms_service.models import Base

    with app.app_context(), db.engine.connect() as conn:
        return "\n".join(repr(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in conn.execute(table.select()))
