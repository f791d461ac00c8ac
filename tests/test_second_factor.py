"""The second factor (issue 23; access/mfa.py, web/second_factor.py, api/tokens.py): TOTP codes accepted for the
step either side of now and never twice, recovery codes once, throttled as passwords are, the secret encrypted
at rest; the pages while signing in and the API's `totp`; an administrator's reset. On SQLite and PostgreSQL."""
from __future__ import annotations

import pyotp
import pytest
from cryptography.fernet import Fernet
from flask import session
from sqlalchemy import select

from forms_service import create_app
from forms_service.access import mfa
from forms_service.access.accounts import create_user
from forms_service.models import AuditEvent, RecoveryCode, SecondFactor, User, db
from forms_service.web.auth_views import PENDING, finish_sign_in

from conftest import PASSWORD
from support import totp
from support.helpers import api_token, bearer, csrf, enter_code, login, text

HEAD, OFFICE, ADMIN = "head@demo.school", "office@demo.school", "admin@demo.la"
API = "/api/v1/auth/token"


def _user(email: str) -> User:
    return db.session.scalar(select(User).filter_by(email=email))


def _post_password(client, email: str, password: str = PASSWORD):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf_token": csrf(text(page)), "email": email, "password": password})


# --- access/mfa.py ---------------------------------------------------------------------------------

def test_a_code_is_accepted_a_step_either_side_of_now_and_never_twice(app):
    secret = app.config["DEMO_TOTP_SECRET"]
    with app.app_context():
        user = _user(HEAD)
        now = mfa.step_at(mfa.now()) + 10  # a step no test has used
        at = now * mfa.STEP + 5
        code = lambda step: pyotp.TOTP(secret).at(step * mfa.STEP)  # noqa: E731
        assert mfa.matching_step(secret, code(now - 2), at=at) is None  # two steps off: refused
        assert mfa.matching_step(secret, code(now + 2), at=at) is None
        assert mfa.matching_step(secret, code(now - 1), at=at) == now - 1  # the window's edges
        assert mfa.matching_step(secret, code(now + 1), at=at) == now + 1
        assert mfa.matching_step(secret, code(now), at=at, after=now) is None  # the same step again
        totp.clock.step_past(now - 1)
        step = mfa.step_at(mfa.now())
        assert mfa.verify(user, code(step)) == "totp"
        db.session.commit()
        assert mfa.verify(user, code(step)) is None  # replayed
        assert mfa.verify(user, code(step - 1)) is None  # an earlier step than the last accepted
        assert mfa.verify(user, code(step + 1)) == "totp"  # the next step, within the window
        assert mfa.verify(user, "not a code") is None and mfa.verify(user, "") is None


def test_recovery_codes_work_once_and_only_their_hashes_are_kept(app):
    with app.app_context():
        user = _user(HEAD)
        codes = mfa.new_recovery_codes(user)
        db.session.commit()
        assert len(codes) == 10 and len(set(codes)) == 10
        stored = db.session.scalars(select(RecoveryCode.code_sha256).filter_by(user_id=user.id)).all()
        assert not set(stored) & {c.replace("-", "") for c in codes} and all(len(h) == 64 for h in stored)
        assert mfa.verify(user, codes[3].upper().replace("-", " ")) == "recovery"  # as typed
        db.session.commit()
        assert mfa.verify(user, codes[3]) is None  # used
        assert mfa.recovery_codes_left(user) == 9


def test_the_secret_is_encrypted_at_rest_with_mfa_key(app):
    with app.app_context():
        factor = db.session.scalar(select(SecondFactor).filter_by(user_id=_user(HEAD).id))
        assert app.config["DEMO_TOTP_SECRET"] not in factor.secret_encrypted
        assert mfa.unseal(factor.secret_encrypted) == app.config["DEMO_TOTP_SECRET"]
    key = Fernet.generate_key().decode()
    other = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "STORAGE_DIR", "SECRET_KEY")},
                        "MFA_KEY": (key,)})
    with other.app_context():  # another key cannot read it: refused, never a 500
        user = _user(HEAD)
        assert mfa.unseal(db.session.scalar(select(SecondFactor.secret_encrypted))) is None
        assert mfa.verify(user, pyotp.TOTP(app.config["DEMO_TOTP_SECRET"]).at(mfa.now())) is None
    unkeyed = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "STORAGE_DIR", "SECRET_KEY")}})
    with unkeyed.app_context(), pytest.raises(mfa.Unavailable, match="MFA_KEY"):
        mfa.seal("x")


def test_mfa_settings_are_checked_at_start():
    from forms_service.config import Config

    assert Config({}).MFA_REQUIRED_ROLES == ("headteacher", "la_officer", "admin")
    assert Config({"MFA_REQUIRED_ROLES": "admin, office"}).MFA_REQUIRED_ROLES == ("admin", "office")
    with pytest.raises(ValueError, match="MFA_REQUIRED_ROLES: teacher is not a role"):
        Config({"MFA_REQUIRED_ROLES": "teacher"})
    with pytest.raises(ValueError, match="MFA_KEY must be Fernet keys") as error:
        Config({"MFA_KEY": "secret-value"})
    assert "secret-value" not in str(error.value)
    with pytest.raises(ValueError, match="DEMO_TOTP_SECRET"):
        Config({"DEMO_TOTP_SECRET": "not base32!"})


# --- signing in on the web -------------------------------------------------------------------------

def test_a_right_password_leaves_the_head_pending_until_the_code(app, client):
    response = _post_password(client, HEAD)
    assert response.location == "/sign-in/code"
    assert client.get("/sign-off").location.startswith("/sign-in")  # nothing signed in yet
    empty = enter_code(client, "")
    assert empty.status_code == 422 and 'href="#code"' in text(empty)
    assert "Enter the code from your authenticator app, or a recovery code" in text(empty)
    wrong = enter_code(client, "000000" if totp.code_for(app, HEAD) != "000000" else "111111")
    assert wrong.status_code == 422 and "Enter a correct code" in text(wrong) and 'id="code-error"' in text(wrong)
    done = enter_code(client, totp.code_for(app, HEAD))
    assert done.status_code == 302 and client.get("/sign-off").status_code == 200
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(action="signed_in")).all()[-1]
        assert (event.actor, event.detail) == (HEAD, {"method": "password"})
        assert db.session.scalar(select(AuditEvent).filter_by(action="second_factor_failed")).actor == HEAD


def test_the_same_user_signs_in_twice_in_one_step_on_the_stepped_clock(app):
    for _ in range(3):  # the helper steps the tests' clock past the last accepted step, never turns replay off
        assert login(app.test_client(), HEAD).status_code == 302


def test_an_office_user_without_a_factor_signs_in_with_a_password_only(client):
    assert _post_password(client, OFFICE).location == "/"


def test_wrong_codes_are_throttled_and_a_right_password_does_not_clear_them(app):
    client = app.test_client()
    codes = []
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post_password(client, HEAD)
        reply = enter_code(client, "999999" if totp.code_for(app, HEAD) != "999999" else "888888")
        codes.append(reply.status_code)
    assert codes == [422] * app.config["LOGIN_MAX_FAILURES"]
    assert _post_password(client, HEAD).location == "/sign-in/code"  # the password itself is fine
    refused = enter_code(client, totp.code_for(app, HEAD))
    assert refused.status_code == 429 and "Too many sign-in attempts" in text(refused)
    assert int(refused.headers["Retry-After"]) > 0


def test_a_head_with_no_app_sets_one_up_at_first_sign_in(app, client):
    with app.app_context():
        school = _user(HEAD).school
        create_user("new.head@demo.school", PASSWORD, "headteacher", "Nadia Head", school=school)
        db.session.commit()
    assert _post_password(client, "new.head@demo.school").location == "/sign-in/set-up"
    page = client.get("/sign-in/set-up")
    body = text(page)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert '<svg role="img"' in body and "<title>QR code for your authenticator app</title>" in body
    secret = body.split('id="secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    wrong = client.post("/sign-in/set-up", data={"csrf_token": csrf(body), "code": "12"})
    assert wrong.status_code == 422 and 'href="#code"' in text(wrong)
    done = client.post("/sign-in/set-up", data={"csrf_token": csrf(body), "code": pyotp.TOTP(secret).at(mfa.now())})
    assert done.status_code == 200 and "Your recovery codes" in text(done)
    assert done.headers["Cache-Control"] == "no-store"
    assert text(done).count("<li><code>") == 10
    assert client.get("/sign-off").status_code == 200
    with app.app_context():
        user = _user("new.head@demo.school")
        assert mfa.unseal(mfa.factor_of(user).secret_encrypted) == secret
        assert db.session.scalar(select(AuditEvent).filter_by(action="second_factor_set_up")).actor == user.email


def test_an_office_user_turns_a_factor_on_and_off_which_ends_their_other_sessions(app, client):
    login(client, OFFICE)
    elsewhere = app.test_client()
    login(elsewhere, OFFICE)
    token = api_token(app.test_client(), OFFICE)
    page = client.get("/account/second-factor/set-up")
    secret = text(page).split('id="secret">', 1)[1].split("<", 1)[0].replace(" ", "")
    done = client.post("/account/second-factor/set-up",
                       data={"csrf_token": csrf(text(page)), "code": pyotp.TOTP(secret).at(mfa.now())})
    assert done.status_code == 200 and "Your recovery codes" in text(done)
    assert client.get("/account/second-factor").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/referrals/").location.startswith("/sign-in")  # the others end
    assert app.test_client().get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    assert _post_password(app.test_client(), OFFICE).location == "/sign-in/code"  # now it takes a code
    off = client.get("/account/second-factor/turn-off")
    gone = client.post("/account/second-factor/turn-off",
                       data={"csrf_token": csrf(text(off)), "code": totp.code_for(app, OFFICE)})
    assert gone.status_code == 303
    assert _post_password(app.test_client(), OFFICE).location == "/"
    head = app.test_client()
    login(head, HEAD)
    assert head.get("/account/second-factor/turn-off").status_code == 404  # a head's role requires one


def test_an_admin_resets_a_heads_factor_audited_ending_their_sessions_and_tokens(app, client):
    head = app.test_client()
    login(head, HEAD)
    token = api_token(app.test_client(), HEAD)
    login(client, ADMIN)
    with app.app_context():
        uid = _user(HEAD).id
    page = client.get(f"/admin/users/{uid}")
    assert "signs in with a code from an authenticator app" in text(page)
    assert app.config["DEMO_TOTP_SECRET"] not in text(page)  # never shown to the admin
    reset = client.post(f"/admin/users/{uid}/second-factor/reset", data={"csrf_token": csrf(text(page))})
    assert reset.status_code == 302
    assert head.get("/sign-off").location.startswith("/sign-in")
    assert app.test_client().get("/api/v1/referrals", headers=bearer(token)).status_code == 401
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="admin_user_second_factor_reset"))
        assert event.actor == ADMIN and event.detail["user_id"] == uid and event.detail["api_tokens_revoked"] == 1
        assert mfa.factor_of(_user(HEAD)) is None
    assert _post_password(app.test_client(), HEAD).location == "/sign-in/set-up"
    assert "Second factor reset by an administrator" in text(client.get(f"/admin/users/{uid}"))


# --- the API ---------------------------------------------------------------------------------------

def test_a_token_for_a_head_needs_the_code_and_a_code_works_once(app, client):
    missing = client.post(API, json={"email": HEAD, "password": PASSWORD})
    assert missing.status_code == 401 and missing.get_json()["second_factor_required"] is True
    wrong = client.post(API, json={"email": HEAD, "password": PASSWORD, "totp": "12345x"})
    assert wrong.status_code == 401 and wrong.get_json()["second_factor_required"] is True
    code = totp.code_for(app, HEAD)
    issued = client.post(API, json={"email": HEAD, "password": PASSWORD, "totp": code})
    assert issued.status_code == 200 and issued.get_json()["token"]
    replayed = client.post(API, json={"email": HEAD, "password": PASSWORD, "totp": code})
    assert replayed.status_code == 401 and replayed.get_json()["second_factor_required"] is True
    wrong_password = client.post(API, json={"email": HEAD, "password": "wrong", "totp": code})
    assert wrong_password.status_code == 401 and "second_factor_required" not in wrong_password.get_json()
    office = client.post(API, json={"email": OFFICE, "password": PASSWORD})
    assert office.status_code == 200  # no factor: a password only


def test_a_token_with_a_recovery_code_once(app, client):
    with app.app_context():
        codes = mfa.new_recovery_codes(_user(HEAD))
        db.session.commit()
    assert client.post(API, json={"email": HEAD, "password": PASSWORD, "totp": codes[0]}).status_code == 200
    assert client.post(API, json={"email": HEAD, "password": PASSWORD, "totp": codes[0]}).status_code == 401


def test_the_openapi_document_describes_totp(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert "totp" in schemas["TokenRequest"]["properties"]
    assert "second_factor_required" in schemas["ApiError"]["properties"]


def test_finish_sign_in_keeps_the_method_through_the_code_page(app, client):
    """The interface single sign-on relies on (web/auth_views.finish_sign_in): a user left pending by another
    method is signed in by the code page with that method in the audit trail, and goes to the `next` kept."""
    with app.test_request_context("/sso/callback?next=/sign-off"):
        with app.app_context():
            user = _user(HEAD)
            response = finish_sign_in(user, method="oidc")
            assert response.location == "/sign-in/code"
            pending = dict(session[PENDING])
            assert "_user_id" not in session
    with client.session_transaction() as browser:
        browser[PENDING] = pending
    done = enter_code(client, totp.code_for(app, HEAD))
    assert done.location == "/sign-off"
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(action="signed_in")).all()[-1]
        assert (event.actor, event.detail) == (HEAD, {"method": "oidc"})
    with app.test_request_context("/"), app.app_context():
        done = finish_sign_in(_user(HEAD), second_factor_done=True, method="oidc")  # the provider asserted MFA
        assert done.location == "/"
