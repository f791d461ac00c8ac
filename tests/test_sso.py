"""Single sign-on (issue 23) against a real OpenID Provider on loopback (panva's oidc-provider, started by
tests/support/oidc_server.py): the service's test client starts the sign-in, the test follows the provider's
redirects and signs in at its form over HTTP with cookies, and brings the provider's answer back to the
service. Nothing of the protocol is imitated: the codes, the PKCE check, the ID tokens and their keys are
the provider's own. Where a test needs the time to be later (an expired ID token) it sets the clock the
checks read (`oidc.now`), as tests/test_sessions.py does for sessions.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from forms_service import create_app
from forms_service.access import oidc
from forms_service.access.accounts import create_demo_data
from forms_service.models import AuditEvent, User, db
from forms_service.web.sso_views import PENDING

from conftest import LA_INBOX, PASSWORD
from support import totp
from support.helpers import csrf, enter_code, text
from support.oidc_server import (CLIENT_ID, OTHER_CLIENT_ID, REDIRECT_URI, SECRET, app_config, callback_path,
                                 oidc_provider, other_oidc_provider)

__all__ = ["oidc_provider", "other_oidc_provider"]  # the fixtures, imported for pytest


@pytest.fixture
def make_app(database_url, tmp_path, oidc_provider):
    apps = []

    def make(**config):
        oidc.forget_cache()  # each app discovers the provider afresh
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                          "STORAGE_DIR": str(tmp_path / "storage"), "SECRET_KEY": "test-secret",
                          "LA_INBOX": LA_INBOX, "SMTP_URL": "smtp://127.0.0.1:1",
                          **app_config(oidc_provider), **config})
        with app.app_context():
            if not apps:
                create_demo_data(PASSWORD, LA_INBOX)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def sso_app(make_app):
    return make_app()


def start(client, path="/sign-in/sso"):
    response = client.get(path)
    assert response.status_code == 303, text(response)
    return response.location


def sign_in(client, provider, login, path="/sign-in/sso", *, code=True):
    """The whole sign-in: start at the service, sign in at the provider, back to the service; then, where the
    service asks for its own second factor (an officer's role needs one: MFA_REQUIRED_ROLES) and `code`, the
    code from the officer's app."""
    back = provider.sign_in(start(client, path), login)
    assert back.startswith(REDIRECT_URI + "?")
    response = client.get(callback_path(back))
    return second_factor(client, response) if code else response


def second_factor(client, response):
    """The code the service asks for after the provider's sign-in, from the officer's app (the demo's secret)."""
    if response.status_code == 302 and response.location.startswith("/sign-in/code"):
        return enter_code(client, totp.code_for(client.application, "officer@demo.la"))
    return response


def events(app, action):
    with app.app_context():
        return [(e.user_id, e.actor, e.detail) for e in
                db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id))]


def user_id(app, email):
    with app.app_context():
        return db.session.scalar(db.select(User.id).filter_by(email=email))


def signed_in(client) -> bool:
    response = client.get("/")
    return not (response.status_code == 302 and response.location.startswith("/sign-in"))


# --- the whole flow ---------------------------------------------------------------------------------------

def test_an_officer_signs_in_through_the_provider(sso_app, oidc_provider, backend):
    client = sso_app.test_client()
    page = text(client.get("/sign-in"))
    assert "Sign in with your school or council account" in page and 'href="/sign-in/sso"' in page

    authorize = start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(oidc_provider.issuer + "/auth?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [REDIRECT_URI]
    assert query["response_type"] == ["code"] and set(query["scope"][0].split()) == {"openid", "email"}
    assert query["state"][0] and query["nonce"][0]

    back = oidc_provider.sign_in(authorize, "officer-mfa")
    response = client.get(callback_path(back))
    # An officer's role needs this service's second factor, and the provider's word is not taken for it (off
    # by default): not signed in until the code from the officer's app.
    assert response.status_code == 302 and response.location == "/sign-in/code"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert not signed_in(client)
    response = second_factor(client, response)
    assert response.status_code == 302 and response.location == "/"
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200 and "Lena Officer" in text(home)

    officer = user_id(sso_app, "officer@demo.la")
    assert events(sso_app, "sso_signed_in") == [
        (officer, "officer@demo.la", {"email_domain": "demo.la", "provider_mfa": True, "second_factor_done": False})]
    assert events(sso_app, "signed_in") == [(officer, "officer@demo.la", {"method": "sso"})]
    assert events(sso_app, "sso_refused") == []

    # the same answer again: the sign-in it belonged to is over
    client.post("/sign-out", data={"csrf_token": _csrf(client)})
    again = client.get(callback_path(back))
    assert again.status_code == 400 and not signed_in(client)


def _csrf(client):
    return csrf(text(client.get("/", follow_redirects=True)))


def test_the_page_asked_for_comes_after_signing_in(sso_app, oidc_provider):
    client = sso_app.test_client()
    response = sign_in(client, oidc_provider, "officer-pwd", "/sign-in/sso?next=/la/")
    assert response.status_code == 302 and response.location == "/la/"
    # only this site's pages
    response = sign_in(sso_app.test_client(), oidc_provider, "officer-pwd", "/sign-in/sso?next=//evil.example/")
    assert response.status_code == 302 and response.location == "/"


def test_an_address_in_other_capitals_is_the_same_account(sso_app, oidc_provider, backend):
    response = sign_in(sso_app.test_client(), oidc_provider, "officer-pwd")  # Officer@Demo.LA
    assert response.status_code == 302
    assert events(sso_app, "sso_signed_in")[0][2]["provider_mfa"] is False


# --- who is refused -----------------------------------------------------------------------------------

def test_an_unknown_address_is_refused(sso_app, oidc_provider, backend):
    client = sso_app.test_client()
    response = sign_in(client, oidc_provider, "stranger")
    assert response.status_code == 403
    page = text(response)
    assert "You cannot sign in with that account" in page and "someone@" not in page
    assert not signed_in(client)
    assert events(sso_app, "sso_refused") == [(None, "anonymous", {"reason": "no_account",
                                                                  "email_domain": "elsewhere.example"})]
    with sso_app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email="someone@elsewhere.example")) is None  # never made


def test_a_deactivated_account_is_refused_as_an_unknown_one_is(sso_app, oidc_provider, backend):
    with sso_app.app_context():
        db.session.scalar(db.select(User).filter_by(email="officer@demo.la")).active = False
        db.session.commit()
    client = sso_app.test_client()
    deactivated = sign_in(client, oidc_provider, "officer-mfa")
    unknown = sign_in(sso_app.test_client(), oidc_provider, "stranger")
    assert deactivated.status_code == unknown.status_code == 403
    assert _main(deactivated) == _main(unknown)
    assert not signed_in(client)


def _main(response):
    page = text(response)
    return page[page.index("<main"):page.index("</main>")]


def test_an_unverified_address_is_refused(sso_app, oidc_provider, backend):
    client = sso_app.test_client()
    response = sign_in(client, oidc_provider, "head-unverified")
    assert response.status_code == 403
    assert "Your email address has not been confirmed" in text(response)
    assert not signed_in(client)
    assert events(sso_app, "sso_refused") == [(None, "anonymous", {"reason": "email_not_verified",
                                                                  "email_domain": "demo.school"})]


def test_entra_ids_verified_domain_counts_as_a_verified_address(sso_app, oidc_provider, backend):
    assert sign_in(sso_app.test_client(), oidc_provider, "officer-entra").status_code == 302
    response = sign_in(sso_app.test_client(), oidc_provider, "head-entra-unverified-domain")
    assert response.status_code == 403 and "Your email address has not been confirmed" in text(response)


@pytest.mark.parametrize("required", [False, True])
def test_a_google_workspace_account_and_a_personal_one(make_app, oidc_provider, required):
    app = make_app(OIDC_REQUIRE_HOSTED_DOMAIN=required)
    assert sign_in(app.test_client(), oidc_provider, "office-workspace").status_code == 302
    personal = sign_in(app.test_client(), oidc_provider, "office-personal")
    if required:
        assert personal.status_code == 403 and "You cannot sign in with a personal account" in text(personal)
        assert [detail for _, _, detail in events(app, "sso_refused")] == [
            {"reason": "not_hosted_domain", "email_domain": "demo.school"}]
    else:
        assert personal.status_code == 302


def test_the_hosted_domain_is_required_by_default_only_for_google():
    from forms_service.config import Config
    assert Config({"OIDC_ISSUER": "https://accounts.google.com"}).OIDC_REQUIRE_HOSTED_DOMAIN is True
    assert Config({"OIDC_ISSUER": "https://accounts.google.com", "OIDC_REQUIRE_HOSTED_DOMAIN": "0"}
                  ).OIDC_REQUIRE_HOSTED_DOMAIN is False
    assert Config({"OIDC_ISSUER": "https://login.microsoftonline.com/t/v2.0"}).OIDC_REQUIRE_HOSTED_DOMAIN is False


@pytest.mark.parametrize("change", ["tampered", "missing"])
def test_a_state_not_ours_is_refused(sso_app, oidc_provider, backend, change):
    client = sso_app.test_client()
    back = urlsplit(oidc_provider.sign_in(start(client), "officer-mfa"))
    query = parse_qs(back.query)
    if change == "tampered":
        query["state"] = ["x" + query["state"][0][1:]]
    else:
        del query["state"]
    response = client.get(back.path + "?" + urlencode(query, doseq=True))
    assert response.status_code == 400 and "Your sign-in could not be finished" in text(response)
    assert not signed_in(client)
    assert [detail["reason"] for _, _, detail in events(sso_app, "sso_refused")] == ["state"]


def test_a_nonce_not_ours_is_refused(sso_app, oidc_provider, backend):
    client = sso_app.test_client()
    back = oidc_provider.sign_in(start(client), "officer-mfa")
    with client.session_transaction() as session:  # the provider put the nonce we sent in; we expect another
        session[PENDING] = {**session[PENDING], "nonce": "another-nonce"}
    response = client.get(callback_path(back))
    assert response.status_code == 400 and not signed_in(client)
    assert [detail["reason"] for _, _, detail in events(sso_app, "sso_refused")] == ["nonce"]


def test_the_provider_refuses_a_code_without_our_pkce_verifier(sso_app, oidc_provider, backend):
    client = sso_app.test_client()
    back = oidc_provider.sign_in(start(client), "officer-mfa")
    with client.session_transaction() as session:
        session[PENDING] = {**session[PENDING], "verifier": "v" * 64}
    response = client.get(callback_path(back))
    assert response.status_code == 400 and not signed_in(client)
    assert [detail["reason"] for _, _, detail in events(sso_app, "sso_refused")] == ["token"]


def test_a_code_issued_to_another_client_is_refused(sso_app, oidc_provider, backend):
    """Someone's code for another service of the same provider, put into our sign-in: the provider will not
    give us its tokens."""
    client = sso_app.test_client()
    authorize = urlsplit(start(client))
    query = parse_qs(authorize.query)
    query["client_id"] = [OTHER_CLIENT_ID]
    back = oidc_provider.sign_in(authorize._replace(query=urlencode(query, doseq=True)).geturl(), "officer-mfa")
    response = client.get(callback_path(back))
    assert response.status_code == 400 and not signed_in(client)
    assert [detail["reason"] for _, _, detail in events(sso_app, "sso_refused")] == ["token"]


def test_an_answer_naming_another_issuer_is_refused(sso_app, oidc_provider, other_oidc_provider, backend):
    """RFC 9207: the provider names itself in its answer; an answer naming another is a mix-up."""
    client = sso_app.test_client()
    back = urlsplit(oidc_provider.sign_in(start(client), "officer-mfa"))
    query = parse_qs(back.query)
    assert query["iss"] == [oidc_provider.issuer]
    query["iss"] = [other_oidc_provider.issuer]
    response = client.get(back.path + "?" + urlencode(query, doseq=True))
    assert response.status_code == 400 and not signed_in(client)
    assert [detail["reason"] for _, _, detail in events(sso_app, "sso_refused")] == ["issuer"]


def test_an_expired_id_token_is_refused(sso_app, oidc_provider, monkeypatch, backend):
    client = sso_app.test_client()
    back = oidc_provider.sign_in(start(client), "officer-mfa")
    # The provider's ID tokens last 600 s (tests/support/oidc_server.py); it is now later than that and the leeway.
    later = time.time() + 600 + oidc.LEEWAY + 60
    monkeypatch.setattr(oidc, "now", lambda: later)
    response = client.get(callback_path(back))
    assert response.status_code == 400 and not signed_in(client)
    assert [detail["reason"] for _, _, detail in events(sso_app, "sso_refused")] == ["expired"]


def test_the_provider_saying_no_is_refused(sso_app, oidc_provider, backend):
    client = sso_app.test_client()
    back = oidc_provider.sign_in(start(client), "nobody-at-all")  # the provider's sign-in ends in access_denied
    assert "error=access_denied" in back
    response = client.get(callback_path(back))
    assert response.status_code == 400 and not signed_in(client)
    assert [detail["reason"] for _, _, detail in events(sso_app, "sso_refused")] == ["provider_error"]


# --- the provider's second factor ------------------------------------------------------------------------

@pytest.mark.parametrize("trust, login, done", [
    (False, "officer-mfa", False),  # the setting off: the provider's word is not taken
    (True, "officer-mfa", True),  # on, and the provider says mfa
    (True, "officer-pwd", False),  # on, but a password only
])
def test_the_providers_mfa_counts_only_with_the_setting_on(make_app, oidc_provider, trust, login, done):
    app = make_app(OIDC_TRUST_PROVIDER_MFA=trust)
    client = app.test_client()
    response = sign_in(client, oidc_provider, login, code=False)
    # Trusted: signed in at once; otherwise this service's own code is asked for first.
    assert response.status_code == 302 and response.location == ("/" if done else "/sign-in/code")
    assert signed_in(client) is done
    [(_, _, detail)] = events(app, "sso_signed_in")
    assert detail["second_factor_done"] is done


@pytest.mark.parametrize("amr, mfa", [
    (["pwd", "mfa"], True), (["mfa"], True), (["pwd", "otp"], True), (["hwk", "pin"], True), (["swk", "fpt"], True),
    (["pwd", "sms"], True),
    (["pwd"], False), (["otp"], False), (["hwk"], False), (["pwd", "kba"], False), (["ngcmfa"], False),
    ([], False), (None, False), ("mfa", False), ([1, 2], False),
])
def test_which_amr_values_say_more_than_one_factor(amr, mfa):
    assert oidc.asserts_mfa(amr) is mfa


# --- the ID token's checks, on real tokens from the provider ------------------------------------------------

def _real_id_token(provider, login="officer-mfa", client_id=CLIENT_ID):
    """An ID token the provider issues to `client_id`, fetched as a client does: (token, metadata, nonce)."""
    metadata = requests.get(provider.issuer + "/.well-known/openid-configuration", timeout=10).json()
    verifier, nonce = "a" * 64, "the-nonce"
    import base64
    import hashlib
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = metadata["authorization_endpoint"] + "?" + urlencode({
        "client_id": client_id, "response_type": "code", "scope": "openid email", "redirect_uri": REDIRECT_URI,
        "state": "s", "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})
    code = parse_qs(urlsplit(provider.sign_in(authorize, login)).query)["code"][0]
    token = requests.post(metadata["token_endpoint"], auth=(client_id, SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier})
    token.raise_for_status()
    return token.json()["id_token"], metadata, nonce


def test_a_real_id_token_passes(oidc_provider):
    oidc.forget_cache()
    id_token, metadata, nonce = _real_id_token(oidc_provider)
    claims = oidc.verify_id_token(id_token, metadata, CLIENT_ID, nonce)
    assert claims["email"] == "officer@demo.la" and claims["amr"] == ["pwd", "mfa"]


def test_an_id_token_for_another_client_is_refused(oidc_provider):
    oidc.forget_cache()
    id_token, metadata, nonce = _real_id_token(oidc_provider, client_id=OTHER_CLIENT_ID)
    with pytest.raises(oidc.Refused) as refused:
        oidc.verify_id_token(id_token, metadata, CLIENT_ID, nonce)
    assert refused.value.reason == "audience"


def test_an_id_token_from_another_provider_is_refused(oidc_provider, other_oidc_provider):
    oidc.forget_cache()
    id_token, other_metadata, nonce = _real_id_token(other_oidc_provider)
    ours = requests.get(oidc_provider.issuer + "/.well-known/openid-configuration", timeout=10).json()
    with pytest.raises(oidc.Refused) as refused:  # not signed by a key of our provider
        oidc.verify_id_token(id_token, ours, CLIENT_ID, nonce)
    assert refused.value.reason == "signature"
    with pytest.raises(oidc.Refused) as refused:  # signed by its own provider, which is not ours
        oidc.verify_id_token(id_token, {**other_metadata, "issuer": oidc_provider.issuer}, CLIENT_ID, nonce)
    assert refused.value.reason == "issuer"


def test_a_tampered_id_token_is_refused(oidc_provider):
    oidc.forget_cache()
    id_token, metadata, nonce = _real_id_token(oidc_provider)
    header, payload, signature = id_token.split(".")
    import base64
    import json
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["email"] = "admin@demo.la"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    for token in (f"{header}.{forged}.{signature}", f"{unsigned}.{forged}.", "not a token", ""):
        with pytest.raises(oidc.Refused) as refused:
            oidc.verify_id_token(token, metadata, CLIENT_ID, nonce)
        assert refused.value.reason == "signature"


def test_the_providers_metadata_is_fetched_once(oidc_provider):
    oidc.forget_cache()
    first = oidc.discover(oidc_provider.issuer)
    assert oidc.discover(oidc_provider.issuer) is first


def test_metadata_naming_another_issuer_is_refused(oidc_provider):
    oidc.forget_cache()
    with pytest.raises(oidc.Refused) as refused:
        oidc.discover(oidc_provider.issuer + "/")
    assert refused.value.reason == "issuer"


# --- offered only when configured; never a 500 -------------------------------------------------------------

def test_not_offered_unless_all_three_settings_are_set(make_app):
    for missing in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
        client = make_app(**{missing: None}).test_client()
        assert "school or council account" not in text(client.get("/sign-in"))
        assert client.get("/sign-in/sso").status_code == 404
        assert client.get("/sign-in/sso/callback?state=x&code=y").status_code == 404


def test_a_provider_that_does_not_answer_has_its_own_page(make_app):
    from support.smtp_server import free_port
    client = make_app(OIDC_ISSUER=f"http://127.0.0.1:{free_port()}").test_client()
    response = client.get("/sign-in/sso")
    assert response.status_code == 502
    assert "Signing in with your school or council account is not working" in text(response)


GARBAGE = ["", "?state=", "?code=", "?state=a&code=b", "?state=%00&code=%00", "?state=%ff%fe&code=%c0%af",
           "?state=" + "x" * 5000 + "&code=" + "y" * 5000, "?state=a&state=b&code=c&code=d", "?error=access_denied",
           "?error=%7B%7B7*7%7D%7D&error_description=%3Cscript%3E", "?iss=javascript:alert(1)&code=x&state=y",
           "?next=https://evil.example/", "?next=%0d%0aSet-Cookie:x=y", "?code[]=x&state[]=y", "?%00=%00"]


def test_garbage_query_strings_never_fail(sso_app, oidc_provider):
    client = sso_app.test_client()
    for query in GARBAGE:
        assert client.get("/sign-in/sso/callback" + query).status_code == 400, query
        start(client)  # with a sign-in started, too
        assert client.get("/sign-in/sso/callback" + query).status_code == 400, query
        response = client.get("/sign-in/sso" + query)
        assert response.status_code == 303 and response.location.startswith(oidc_provider.issuer), query


def test_the_email_from_the_userinfo_endpoint_where_the_id_token_has_none(make_app, other_oidc_provider, backend):
    app = make_app(OIDC_ISSUER=other_oidc_provider.issuer)
    client = app.test_client()
    assert sign_in(client, other_oidc_provider, "officer-mfa").status_code == 302 and signed_in(client)
    assert sign_in(app.test_client(), other_oidc_provider, "head-unverified").status_code == 403
    assert [detail["reason"] for _, _, detail in events(app, "sso_refused")] == ["email_not_verified"]
