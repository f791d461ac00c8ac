"""Security (issue 6, "Access"), beside the access matrix (tests/test_access_matrix.py):

- CSRF: every web route that takes a POST (read from `app.url_map`) refuses one without a valid
  token — 400 with a sentence saying what to do — and nothing changes in the database or storage;
- the session cookie: HttpOnly, SameSite=Lax, Secure with SESSION_COOKIE_SECURE=1 or over HTTPS
  behind a trusted proxy (TRUSTED_PROXIES); signing in starts a new session (nothing planted before
  survives), signing out ends it (a copied cookie no longer works); a password reset or a
  deactivation signs the user out of every browser;
- passwords: Argon2id with RFC 9106's parameters in production, never stored or logged in clear;
- API tokens: only their SHA-256 stored, an expiry, revocable (DELETE /api/v1/auth/token), dead
  after expiry, revocation or a password reset;
- security headers on every kind of response, a CSP with no inline script but the nonce'd one, and
  pages that keep to it (no inline script, handler or style attribute on any page any role sees);
  the JavaScript modules load;
- logs: a whole journey, office to head to LA and back, with a distinctive child, family, UPN,
  address and email, logs none of them at DEBUG (the app's loggers, WeasyPrint's, waitress serving
  real requests); audit events outside a record hold none either;
- what ships: a random SECRET_KEY at each start, no password but the documented demo one, and no
  email address outside the reserved example domains except the documented demo users.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import re
import shutil
import subprocess
import threading
import urllib.request
import zipfile
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError
from sqlalchemy import select
from test_access_matrix import ROUTES, Player, Route, cells, rules

from forms_service import create_app
from forms_service.access import accounts, resets
from forms_service.config import PROJECT_ROOT, Config
from forms_service.delivery.outbox import RESET_LINK_KIND, deliver_due
from forms_service.models import ApiToken, AuditEvent, Base, OutboxMessage, User, db

from conftest import PASSWORD
from support.access_world import HANDLER, OWN, SCRIPT, STYLE_ATTR, build, csp_problems, fingerprint
from support.helpers import (api_token, bearer, csrf, date_parts, json_data, login, logout, make_pdf, post_page,
                             register_json_for, set_own_password, text)
from support.smtp_server import smtp_sink  # noqa: F401  (fixture)

CSRF_MESSAGE = "the form was not sent from this service"
ROLE_ORDER = ("office", "headteacher", "la_officer", "admin")


def _all_rows(app) -> str:
    """Every value in every table, as text: to search the database for something that must not be there."""
    with app.app_context(), db.engine.connect() as conn:
        return "\n".join(repr(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in conn.execute(table.select()))


def _like(app, **config):
    """Another app on the same database and storage, with other settings (a proxy in front, HTTPS)."""
    keep = ("SQLALCHEMY_DATABASE_URI", "STORAGE_DIR", "SECRET_KEY", "LA_INBOX", "SMTP_URL")
    return create_app({"TESTING": True, **{k: app.config[k] for k in keep}, **config})


def _cookie(response, name: str = "session") -> str:
    return next((h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")), "")


# --- CSRF ---------------------------------------------------------------------------------------

# A POST that would do something real if its token were not checked (where the matrix's own body
# would be refused anyway): sign, send back, decide, change the LA, add a school, deactivate.
EFFECTIVE = {
    "auth.login": {"email": "office@demo.school", "password": PASSWORD},
    "auth.forgot_password": {"email": "office@demo.school"},
    "auth.reset_password": {"new": "a forged new password", "confirm": "a forged new password"},
    "signoff.sign": {"name": "Harriet Head", "declaration": "y"},
    "signoff.send_back": {"reason": "Please add the father's address"},
    "la.checks": {"checks": ["child_details"]},
    "la.decision": {"decision": "accept"},
    "admin.edit_la": {"inbox_email": "changed@la.test", "policy_profile": "southend"},
    "admin.new_school": {"name": "A School Added By Forgery"},
    "admin.new_user": {"email": "forged@la.test", "name": "Forged User", "role": "admin", "school": ""},
    "admin.set_active": {"active": "0"},
    "admin.reset_password": {"password": "a forged new password"},
    "admin.change_role": {"role": "admin", "school": ""},
    "letter_life.mark_sent": {"method": "posted", "recipients": "0", "sent-on-day": str(dt.date.today().day),
                              "sent-on-month": str(dt.date.today().month), "sent-on-year": str(dt.date.today().year)},
    "letter_life.delete": {"confirm": "yes"},
    "calendar_feed.account": {"action": "create"},
}
# Which of the world's records a route's forged POST aims at (the state it would act on).
PREFERRED_STATE = {"signoff.sign": "awaiting_signoff", "signoff.send_back": "awaiting_signoff",
                   "la.checks": "signed", "la.decision": "signed", "la.outcomes": "accepted",
                   "referrals.submit": "draft", "letter_life.mark_sent": "letter", "letter_life.delete": "draft"}


def _forgery(app, world, endpoint: str):
    """(role, url, body) for a forged POST to the route, as the role that may use it."""
    if endpoint == "auth.login":
        return "anonymous", "/sign-in", EFFECTIVE[endpoint]
    if endpoint == "auth.forgot_password":
        return "anonymous", "/forgot-password", EFFECTIVE[endpoint]
    if endpoint == "auth.reset_password":  # with a link that works open in the browser (_open_reset_link)
        return "anonymous", "/reset-password", EFFECTIVE[endpoint]
    if endpoint in ("second_factor.code", "second_factor.set_up"):  # while signing in: no one is signed in yet
        return "anonymous", url_for_endpoint(app, endpoint), {"code": "123456"}
    if endpoint == "second_factor.turn_off":  # only for a role that need not have one: an office
        return "office", url_for_endpoint(app, endpoint), {"code": "123456"}
    if endpoint == "auth.logout":
        return "office", "/sign-out", {}
    route = ROUTES[endpoint]
    assert isinstance(route, Route), f"{endpoint} takes a POST but the access matrix has no rule for it"
    role = next(r for r in ROLE_ORDER if r in route.roles)
    for cell in cells(app, world, role):
        if cell.endpoint == endpoint and cell.method == "POST" and cell.allowed:
            record = cell.target.record
            if record is None or record.state == PREFERRED_STATE.get(endpoint, record.state):
                return role, cell.url, EFFECTIVE.get(endpoint, route.body or {})
    raise AssertionError(f"no target in the world for a POST to {endpoint}")


def url_for_endpoint(app, endpoint: str) -> str:
    return next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def _open_reset_link(app, client) -> None:
    """A "Forgot your password?" link for office@demo.school, opened in `client` (its form is then theirs)."""
    with app.app_context():
        resets.request_link("office@demo.school")
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.kind == RESET_LINK_KIND))
    path = urlsplit(re.search(r"https?://\S+/reset-password/\S+", body).group(0)).path
    assert client.get(path).status_code == 303 and client.get("/reset-password").status_code == 200


def test_every_web_form_refuses_a_post_without_a_valid_csrf_token(app, client):
    world = build(client, app, states=("draft", "awaiting_signoff", "signed", "accepted", "letter"), schools=(OWN,))
    posts = sorted({endpoint for endpoint, rule, methods in rules(app)
                    if "POST" in methods and not rule.startswith("/api/")})
    other_token = csrf(text(app.test_client().get("/sign-in")))  # a real token, of someone else's session
    players = {}
    for endpoint in posts:
        role, url, body = _forgery(app, world, endpoint)
        player = players[role] = players.get(role) or Player(app, role)
        if endpoint == "auth.reset_password":
            _open_reset_link(app, player.client)
        before = fingerprint(app)
        for token in (None, other_token):
            sent = {**body, **({"csrf_token": token} if token else {})}
            response = player.client.post(url, data=sent)
            assert response.status_code == 400, f"POST {url} ({endpoint}) without its token: {response.status_code}"
            assert CSRF_MESSAGE in text(response), f"POST {url}: the refusal does not say why"
        assert fingerprint(app) == before, f"POST {url} ({endpoint}) without its token changed something"
        if role != "anonymous":  # still signed in: a forged sign-out does not sign anyone out either
            assert not player.client.get("/").location.startswith("/sign-in")
    print(f"\nCSRF: {len(posts)} web routes taking POST refuse a post without a valid token")
    assert len(posts) >= 20


# --- session cookie, fixation, sign-out, password reset -------------------------------------------

def test_the_session_cookie_is_httponly_and_samesite_and_secure_over_https(app):
    plain = app.test_client()
    cookie = _cookie(login(plain, "office@demo.school"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    forced = _like(app, SESSION_COOKIE_SECURE=True).test_client()
    assert "Secure" in _cookie(forced.get("/sign-in"))

    # Behind one trusted proxy that speaks HTTPS to the browser: Secure, HSTS, and the client's own address.
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "forms.example.test", "X-Forwarded-For": "203.0.113.7"}
    behind = _like(app, TRUSTED_PROXIES=1).test_client()
    page = behind.get("/sign-in", headers=proxy)
    assert "Secure" in _cookie(page) and page.headers["Strict-Transport-Security"].startswith("max-age=")
    form = {"csrf_token": csrf(text(page)), "email": "office@demo.school", "password": PASSWORD}
    # Over HTTPS Flask-WTF also wants the Referer of this site (Referrer-Policy: same-origin keeps it).
    assert behind.post("/sign-in", data=form, headers=proxy).status_code == 400
    signed_in = behind.post("/sign-in", data=form, headers={**proxy, "Referer": "https://forms.example.test/sign-in"})
    assert signed_in.status_code == 302 and "Secure" in _cookie(signed_in)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(action="signed_in").order_by(AuditEvent.id.desc())).first()
        assert event.actor == "office@demo.school" and event.ip == "203.0.113.7"

    # Without TRUSTED_PROXIES the same headers are ignored: no one can claim HTTPS or another address.
    direct = app.test_client().get("/sign-in", headers=proxy)
    assert "Secure" not in _cookie(direct) and "Strict-Transport-Security" not in direct.headers


def test_signing_in_starts_a_new_session(client, app):
    page = client.get("/sign-in")
    planted_token = csrf(text(page))
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, "office@demo.school")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") is None  # a new one is made when a page needs it
    # The token from before signing in no longer works.
    refused = client.post("/referrals/new/penalty-notice-leave", data={"csrf_token": planted_token})
    assert refused.status_code == 400


def test_signing_out_ends_the_session_and_a_copy_of_its_cookie(client, app):
    login(client, "office@demo.school")
    stolen = client.get_cookie("session").value
    copy = app.test_client()
    copy.set_cookie("session", stolen)
    assert copy.get("/referrals/").status_code == 200  # a copy of the cookie works while signed in
    signed_out = client.post("/sign-out", data={"csrf_token": csrf(text(client.get("/referrals/")))})
    assert signed_out.status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/referrals/").location.startswith("/sign-in")
    assert copy.get("/referrals/").location.startswith("/sign-in")  # and no longer after signing out


def test_a_session_ends_after_its_lifetime_even_with_the_browser_open(client, app, monkeypatch):
    import itsdangerous.timed

    hours = app.permanent_session_lifetime.total_seconds() / 3600
    assert hours == 12  # SESSION_HOURS: a working day
    # Signed in a lifetime and a minute ago (the cookie's signature carries the time it was made).
    made = itsdangerous.timed.time.time() - hours * 3600 - 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: made)
    login(client, "office@demo.school")
    monkeypatch.undo()
    assert client.get("/referrals/").location.startswith("/sign-in")


def _admin_post(admin, url: str, page_url: str, data: dict):
    return admin.post(url, data={"csrf_token": csrf(text(admin.get(page_url))), **data})


def test_a_password_reset_or_deactivation_signs_the_user_out_of_every_browser(client, app):
    browsers = [app.test_client(), app.test_client()]
    for browser in browsers:
        login(browser, "office@other.school")
        assert browser.get("/referrals/").status_code == 200
    token = api_token(client, "office@other.school")
    admin = app.test_client()
    login(admin, "admin@demo.la")
    with app.app_context():
        uid = db.session.scalar(select(User.id).filter_by(email="office@other.school"))
        admin_id = db.session.scalar(select(User.id).filter_by(email="admin@demo.la"))
    reset = _admin_post(admin, f"/admin/users/{uid}/password", f"/admin/users/{uid}", {"password": "a new password 2026!"})
    assert reset.status_code == 200
    for browser in browsers:
        assert browser.get("/referrals/").location.startswith("/sign-in")
    assert client.get("/api/v1/forms", headers=bearer(token)).status_code == 401

    # Signed in again with the new password (and their own set), then deactivated: out again, and
    # reactivating does not revive it.
    login(browsers[0], "office@other.school", "a new password 2026!", follow=True)
    assert set_own_password(browsers[0], "a new password 2026!", "office's own password").status_code == 302
    assert browsers[0].get("/referrals/").status_code == 200
    token = api_token(client, "office@other.school", "office's own password")
    assert _admin_post(admin, f"/admin/users/{uid}/active", f"/admin/users/{uid}", {"active": "0"}).status_code == 302
    assert client.get("/api/v1/forms", headers=bearer(token)).status_code == 401
    assert _admin_post(admin, f"/admin/users/{uid}/active", f"/admin/users/{uid}", {"active": "1"}).status_code == 302
    assert browsers[0].get("/referrals/").location.startswith("/sign-in")

    # An admin resetting their own password stays signed in here (and only here).
    elsewhere = app.test_client()
    login(elsewhere, "admin@demo.la")
    mine = _admin_post(admin, f"/admin/users/{admin_id}/password", f"/admin/users/{admin_id}", {"password": "the admin's new one"})
    assert mine.status_code == 200
    assert admin.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").location.startswith("/sign-in")


# --- passwords ----------------------------------------------------------------------------------

def test_passwords_are_argon2id_with_rfc_9106_parameters():
    params = accounts.ARGON2_PARAMETERS
    assert params["type"] is Type.ID
    # RFC 9106 §4, second recommended option; above OWASP's floor of 19 MiB and 2 passes.
    assert params["memory_cost"] >= 64 * 1024 and params["time_cost"] >= 3 and params["parallelism"] >= 1
    assert params["salt_len"] >= 16 and params["hash_len"] >= 32
    hashed = PasswordHasher(**params).hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_with_weaker_parameters_is_upgraded_at_sign_in(client, app, monkeypatch):
    # The tests' users are hashed with cheap parameters (conftest); production's are stronger.
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(**accounts.ARGON2_PARAMETERS))
    with app.app_context():
        assert db.session.scalar(select(User.password_hash).filter_by(email="office@demo.school")).startswith(
            "$argon2id$v=19$m=8,t=1,p=1$")
    login(client, "office@demo.school")
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).filter_by(email="office@demo.school"))
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    PasswordHasher(**accounts.ARGON2_PARAMETERS).verify(stored, PASSWORD)
    with pytest.raises(VerificationError):
        PasswordHasher(**accounts.ARGON2_PARAMETERS).verify(stored, PASSWORD + "x")


def test_passwords_are_never_stored_or_logged_in_clear(client, app, caplog):
    caplog.set_level(logging.DEBUG)
    chosen, reset_to = "Tangerine-Lighthouse-4471", "Marmalade-Compass-9902"
    login(client, "admin@demo.la")
    page = text(client.get("/admin/users/new"))
    with app.app_context():
        school = db.session.scalar(select(User.school_id).filter_by(email="office@demo.school"))
    added = client.post("/admin/users/new", data={"csrf_token": csrf(page), "email": "new.office@demo.school",
                                                  "name": "Nell Office", "role": "office", "school": str(school),
                                                  "password": chosen})
    assert added.status_code == 200
    with app.app_context():
        uid = db.session.scalar(select(User.id).filter_by(email="new.office@demo.school"))
    assert _admin_post(client, f"/admin/users/{uid}/password", f"/admin/users/{uid}", {"password": reset_to}).status_code == 200
    fresh = app.test_client()
    login(fresh, "new.office@demo.school", reset_to, follow=True)
    own = "Porridge-Windmill-3318"
    assert set_own_password(fresh, reset_to, own).status_code == 302
    assert fresh.get("/referrals/").status_code == 200
    api_token(fresh, "new.office@demo.school", own)
    for old in (chosen, reset_to):  # the old ones: refused
        assert fresh.post("/api/v1/auth/token", json={"email": "new.office@demo.school", "password": old}).status_code == 401

    rows = _all_rows(app)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for password in (chosen, reset_to, own):
        assert password not in rows and password not in logged
    with app.app_context():
        assert db.session.scalar(select(User.password_hash).filter_by(id=uid)).startswith("$argon2id$")


# --- API tokens ---------------------------------------------------------------------------------

def test_tokens_are_stored_as_sha256_expire_and_can_be_revoked(client, app):
    token, other = api_token(client, "office@demo.school"), api_token(client, "office@demo.school")
    with app.app_context():
        row = db.session.scalar(select(ApiToken).filter_by(token_sha256=hashlib.sha256(token.encode()).hexdigest()))
        assert row is not None
        lifetime = row.expires_at - row.created_at
        assert abs(lifetime - dt.timedelta(hours=app.config["API_TOKEN_HOURS"])) < dt.timedelta(minutes=1)
    assert token not in _all_rows(app)

    assert client.get("/api/v1/forms", headers=bearer(token)).status_code == 200
    revoked = client.delete("/api/v1/auth/token", headers=bearer(token))
    assert revoked.status_code == 204 and revoked.data == b""
    assert client.get("/api/v1/forms", headers=bearer(token)).status_code == 401
    again = client.delete("/api/v1/auth/token", headers=bearer(token))
    assert again.status_code == 401 and again.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.delete("/api/v1/auth/token").status_code == 401
    assert client.get("/api/v1/forms", headers=bearer(other)).status_code == 200  # the user's other token lives on
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).filter_by(action="token_revoked")).actor == "office@demo.school"
        # Expired: refused, though nothing revoked it.
        row = db.session.scalar(select(ApiToken).filter_by(token_sha256=hashlib.sha256(other.encode()).hexdigest()))
        row.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/forms", headers=bearer(other)).status_code == 401
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "delete" in spec["paths"]["/api/v1/auth/token"]


def test_a_browser_session_does_not_open_the_api(client):
    """The API takes bearer tokens only (and so needs no CSRF token): a signed-in browser's cookie,
    which another site's form could make the browser send, gets a 401."""
    login(client, "office@demo.school")
    assert client.get("/referrals/").status_code == 200
    assert client.get("/api/v1/referrals").status_code == 401
    refused = client.post("/api/v1/referrals", json={"form": "penalty-notice-leave", "data": {}})
    assert refused.status_code == 401


# --- headers, CSP, pages and scripts ------------------------------------------------------------

PAGE_CSP = re.compile(r"default-src 'self'; script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'; style-src 'self'")


def _check_headers(response, what: str, *, static: bool = False) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, what
    scripts = re.search(r"script-src([^;]*)", csp)
    assert not scripts or "unsafe-inline" not in scripts.group(1), what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    if static:
        assert "no-store" not in headers.get("Cache-Control", ""), what
    else:
        assert headers.get("Cache-Control") == "no-store", what


def test_every_kind_of_response_has_the_security_headers(client, app):
    login(client, "office@demo.school")
    token = api_token(client, "office@demo.school")
    rid = client.post("/api/v1/referrals", headers=bearer(token),
                      json={"form": "penalty-notice-leave", "data": json_data()}).get_json()["id"]
    page = client.get(f"/referrals/{rid}")
    kinds = {
        "a page": page,
        "a redirect": client.get("/"),
        "a 404 page": client.get("/no-such-page"),
        "a 405 page": client.put("/referrals/"),
        "a CSRF refusal": client.post("/sign-out"),
        "the API": client.get(f"/api/v1/referrals/{rid}", headers=bearer(token)),
        "an API error": client.get("/api/v1/referrals/999999", headers=bearer(token)),
        "the API without a token": client.get("/api/v1/forms"),
        "the OpenAPI document": client.get("/api/v1/openapi.json"),
        "the health check": client.get("/healthz"),
        "a PDF": client.get(f"/referrals/{rid}/preview.pdf"),
        "the HTML preview": client.get(f"/referrals/{rid}/preview"),
    }
    for what, response in kinds.items():
        assert response.status_code < 500, what
        _check_headers(response, what)
    for name in ("app.js", "app.css", "govuk-frontend.min.js", "govuk-frontend.min.css"):
        _check_headers(client.get(f"/assets/{name}"), name, static=True)
    # A page: scripts from here or with this response's nonce, no inline style, no framing.
    nonce = PAGE_CSP.match(page.headers["Content-Security-Policy"]).group(1)
    assert re.search(rf'<script nonce="{nonce}">', text(page))
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert PAGE_CSP.match(client.get(f"/referrals/{rid}").headers["Content-Security-Policy"]).group(1) != nonce
    # The document preview keeps its own stricter policy (nothing may load), with the framing rules added.
    preview = kinds["the HTML preview"].headers["Content-Security-Policy"]
    assert preview.startswith("default-src 'none'; style-src 'unsafe-inline'") and "script-src" not in preview
    assert "base-uri 'none'" in preview
    assert kinds["the API"].headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_pages_keep_to_their_csp():
    """The pages nobody needs to sign in for (sign in, its errors, a missing page, a refused form) keep to
    their CSP; every page each role sees is checked the same way by the access matrix
    (tests/test_access_matrix.py, `csp_problems` on every HTML answer)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test-secret"})
    anonymous = app.test_client()
    token = csrf(text(anonymous.get("/sign-in")))
    pages = {"sign-in": anonymous.get("/sign-in"), "404": anonymous.get("/nope"),
             "sign-in with errors": anonymous.post("/sign-in", data={"csrf_token": token, "email": "x", "password": ""}),
             "a refused form": anonymous.post("/sign-in", data={"email": "x"})}
    problems = [p for what, response in pages.items() for p in csp_problems(response, what)]
    assert not problems, "\n".join(problems)
    assert all(r.mimetype == "text/html" for r in pages.values())


def test_no_template_has_inline_script_handlers_or_styles():
    """The page templates themselves (the print templates make PDFs, not pages): the only inline
    script is GOV.UK Frontend's, in its own template, which carries the nonce."""
    root = PROJECT_ROOT / "templates" / "html"
    pages = sorted(root.rglob("*.html"))
    assert len(pages) > 20, "the glob found the page templates"
    for path in pages:
        if "print" in path.relative_to(root).parts:
            continue
        source = path.read_text(encoding="utf-8")
        for attrs, _ in SCRIPT.findall(source):
            assert "src=" in attrs, f"{path.name}: an inline <script>"
        assert not HANDLER.search(source), f"{path.name}: an inline event handler"
        assert not STYLE_ATTR.search(source) and "<style" not in source, f"{path.name}: inline style"


def test_the_javascript_modules_load_and_start_govuk_frontend(client):
    """app.js is an ES module served as JavaScript; its import resolves to the GOV.UK Frontend file
    the page also loads, which exports initAll; run in node with a minimal document, app.js starts
    GOV.UK Frontend and wires up the sortable table."""
    page = client.get("/sign-in")
    sources = re.findall(r'<script type="module" src="(/assets/[^"]+)"', text(page))
    assert sources == ["/assets/govuk-frontend.min.js", "/assets/app.js"]
    for src in sources:
        served = client.get(src)
        assert served.status_code == 200 and served.mimetype in ("text/javascript", "application/javascript")
    app_js = client.get("/assets/app.js").get_data(as_text=True)
    imports = re.findall(r"""import\s*\{[^}]*\}\s*from\s*['"]\./([^'"]+)['"]""", app_js)
    assert imports == ["govuk-frontend.min.js"]
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make setup installs it with npm)")
    static = PROJECT_ROOT / "forms_service" / "static"
    harness = """
    const started = []
    const element = () => ({ setAttribute() {}, getAttribute: () => null, hasAttribute: () => false,
      querySelector: () => null, querySelectorAll: () => [], addEventListener() {}, classList: { add() {}, contains: () => false },
      dataset: {}, rows: [], cells: [], appendChild() {}, append() {}, textContent: '' })
    const table = { ...element(), querySelectorAll: (s) => s === 'thead th' ? [ { ...element(), textContent: 'UPN', classList: { contains: () => false } } ] : [], querySelector: () => element() }
    globalThis.document = { body: { classList: { contains: (c) => c === 'govuk-frontend-supported' } },
      querySelectorAll: (s) => { started.push(s); return s.includes('app-sortable-table') ? [table] : [] },
      querySelector: () => null, createElement: () => element() }
    globalThis.window = globalThis
    globalThis.HTMLElement = class HTMLElement {}
    globalThis.HTMLAnchorElement = class HTMLAnchorElement extends HTMLElement {}
    globalThis.HTMLScriptElement = class HTMLScriptElement extends HTMLElement {}
    await import(process.argv[1])
    console.log(JSON.stringify(started))
    """
    run = subprocess.run([node, "--input-type=module", "-e", harness, (static / "app.js").as_uri()],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    selectors = json.loads(run.stdout.strip().splitlines()[-1])
    assert any("govuk-" in s for s in selectors), selectors  # initAll looked for GOV.UK components
    assert '[data-module="app-sortable-table"]' in selectors


# --- logs ---------------------------------------------------------------------------------------

CHILD = {"first_name": "Peregrine", "last_name": "Quillfeather-Oyelaran", "upn": "Q801200451199",
         "address": "42 Thistlewood Crescent\nMarrowby St Jude\nZX9 4QQ"}
PARENT = {"name": "Marguerite Quillfeather-Oyelaran",
          "address": "Flat 9, 3 Juniper Wharf\nMarrowby St Jude\nZX9 7WW\nmarguerite.qo@parentmail.test"}
DISTINCT = ["Peregrine", "Quillfeather", "Oyelaran", "Q801200451199", "Thistlewood", "Marrowby", "ZX9 4QQ",
            "Marguerite", "Juniper Wharf", "ZX9 7WW", "marguerite.qo@parentmail.test", "parentmail"]


def _in(haystack: str) -> list[str]:
    return [s for s in DISTINCT if s.lower() in haystack.lower()]


def _log_text(record: logging.LogRecord) -> str:
    parts = [record.name, record.getMessage(), repr(record.args)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return " ".join(parts)


def test_a_whole_journey_logs_no_personal_data(app, client, caplog, smtp_sink):
    app.config["SMTP_URL"] = smtp_sink.url
    for name in ("", "werkzeug", "waitress", "forms_service", "weasyprint", "flask_wtf"):
        caplog.set_level(logging.DEBUG, logger=name or None)

    # The office starts on the web pages, typing the child and the family.
    login(client, "office@demo.school")
    created = client.post("/referrals/new/penalty-notice-leave", data={"csrf_token": csrf(text(client.get("/referrals/")))})
    rid = int(re.search(r"/referrals/(\d+)/", created.location).group(1))
    base = f"/referrals/{rid}"
    data = json_data()
    dob = date_parts(data["pupil"]["date_of_birth"])
    assert post_page(client, f"{base}/pages/pupil", {
        "pupil__first_name": CHILD["first_name"], "pupil__last_name": CHILD["last_name"], "pupil__date_of_birth": dob,
        "pupil__upn": CHILD["upn"], "pupil__year_group": "Year 8", "pupil__address": CHILD["address"],
        "pupil__looked_after": "no"}).status_code == 302
    assert post_page(client, f"{base}/pages/parents", {
        "parents-0-name": PARENT["name"], "parents-0-date_of_birth": ["3", "6", "1984"],
        "parents-0-relationship": "mother", "parents-0-address": PARENT["address"]}).status_code == 302
    # The rest through the API (the dates relative to today), then evidence named as schools name it.
    office = bearer(api_token(client, "office@demo.school"))
    patched = client.patch(f"/api/v1/referrals/{rid}", headers=office, json={
        "data": {k: data[k] for k in ("leave", "referral_date", "previous_penalty_notices", "policies_confirmed")},
        "register": register_json_for(data)})
    assert patched.status_code == 200, patched.get_json()
    for kind in ("leave_request", "warning_letter", "registration_certificate"):
        page = text(client.get(f"{base}/evidence"))
        up = client.post(f"{base}/evidence", content_type="multipart/form-data", data={
            "csrf_token": csrf(page), "kind": kind,
            "file": (io.BytesIO(make_pdf(f"{kind} for {CHILD['first_name']}")), f"{CHILD['last_name']} {kind}.pdf")})
        assert up.status_code == 302
    assert client.get(f"{base}/check").status_code == 200
    assert client.get(f"{base}/preview").status_code == 200 and client.get(f"{base}/preview.pdf").status_code == 200
    assert client.post(f"{base}/submit", data={"csrf_token": csrf(text(client.get(f"{base}/check")))}).status_code == 302
    logout(client)

    # The head signs; the pack goes to the LA's inbox.
    login(client, "head@demo.school")
    review = text(client.get(f"{base}/sign"))
    assert CHILD["last_name"] in review
    assert client.post(f"{base}/sign", data={"csrf_token": csrf(review), "name": "Harriet Head",
                                             "declaration": "y"}).status_code == 302
    logout(client)
    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off" (issue 17), then the pack

    # The LA officer reads it, downloads the pack, and returns it; the school is told.
    login(client, "officer@demo.la")
    shown = text(client.get(f"/la/referrals/{rid}"))
    for link in re.findall(r'href="(/referrals/\d+/packs/1/[^"]+)"', shown):
        assert client.get(link).status_code == 200
    returned = client.post(f"/la/referrals/{rid}/decision", data={
        "csrf_token": csrf(shown), "decision": "return", "reasons": "The leave request is not dated."})
    assert returned.status_code == 302
    logout(client)
    with app.app_context():
        assert deliver_due() == 2  # the school's headteacher and the office user who submitted it

    # The school sends it again; the LA accepts it and records the penalty notice to the mother.
    assert client.post(f"/api/v1/referrals/{rid}/submit", headers=office).status_code == 200
    head = bearer(api_token(client, "head@demo.school"))
    assert client.post(f"/api/v1/referrals/{rid}/sign", headers=head,
                       json={"name": "Harriet Head", "declaration": True}).status_code == 200
    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting" again, and version 2's pack
    login(client, "officer@demo.la")
    shown = text(client.get(f"/la/referrals/{rid}"))
    assert client.post(f"/la/referrals/{rid}/decision", data={"csrf_token": csrf(shown), "decision": "accept"}).status_code == 302
    today = dt.date.today()
    noted = client.post(f"/la/referrals/{rid}/outcomes", data={
        "csrf_token": csrf(shown), "kind": "penalty_notice_issued", "pn-date-day": today.day,
        "pn-date-month": today.month, "pn-date-year": today.year, "pn-reference-0": "EPN/2026/7731"})
    assert noted.status_code == 302, text(noted)[:2000]
    logout(client)

    # An admin exports everything about the child (subject access), by UPN.
    login(client, "admin@demo.la")
    form = text(client.get("/admin/subject-access/"))
    export = client.post("/admin/subject-access/", data={"csrf_token": csrf(form), "upn": CHILD["upn"]})
    assert export.mimetype == "application/zip" and zipfile.ZipFile(io.BytesIO(export.data)).namelist()

    # And an API client over a real server (waitress) on loopback reads it.
    from waitress import create_server
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}/api/v1/referrals/{rid}"
        with urllib.request.urlopen(urllib.request.Request(url, headers=head), timeout=30) as answer:
            assert CHILD["last_name"] in answer.read().decode()
    finally:
        server.close()
        thread.join(timeout=10)

    assert any(r.name == "forms_service.delivery.outbox" for r in caplog.records), "the delivery worker logged nothing"
    leaks = [(r.name, r.levelname, _log_text(r)[:300]) for r in caplog.records if _in(_log_text(r))]
    assert not leaks, f"{len(leaks)} log records hold the family's details:\n" + "\n".join(map(str, leaks[:20]))
    with app.app_context():
        unattached = db.session.scalars(select(AuditEvent).where(AuditEvent.referral_id.is_(None))).all()
        assert unattached  # signing in, the export's own event
        for event in unattached:
            assert not _in(json.dumps(event.detail or {}) + event.actor), (event.action, event.detail)
        # The record's own events go with it (retention); only what it already holds: no address or email.
        for event in db.session.scalars(select(AuditEvent).filter_by(referral_id=rid)):
            held = _in(json.dumps(event.detail or {}))
            assert not [s for s in held if s in ("Thistlewood", "ZX9 4QQ", "Juniper Wharf", "ZX9 7WW",
                                                 "marguerite.qo@parentmail.test")], (event.action, event.detail)


def test_a_database_error_that_reaches_the_log_names_no_values(app):
    """A database error is logged (forms_service/errors.py) with the SQL statement in it, but not the
    values bound to it (hide_parameters), so no answer about a child ends up in a log that way."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import DBAPIError

    with app.app_context():
        with pytest.raises(DBAPIError) as failed:
            db.session.execute(sql("SELECT :name FROM no_such_table"), {"name": "Quillfeather"})
        db.session.rollback()
    assert "no_such_table" in str(failed.value)
    assert "Quillfeather" not in str(failed.value) and "hidden" in str(failed.value)


# --- what ships ---------------------------------------------------------------------------------

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]*[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)+)")  # not user@127.0.0.1
# RFC 2606 / 6761 names that can never be someone's real address.
RESERVED = re.compile(r"(^|\.)(example\.(com|org|net)|example|invalid|test|localhost)$", re.I)
# DESIGN.md §6 names these demo users (a public contract): created only in demo mode.
DEMO = {email for email, *_ in accounts.DEMO_USERS}


def _shipped_files():
    for folder in ("schemas", "templates", "forms_service"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in (".json", ".html", ".py", ".css", ".js", ".txt", ".mako", ".docx"):
                if path.suffix == ".docx":
                    with zipfile.ZipFile(path) as archive:
                        yield path, " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                                             if n.endswith(".xml"))
                elif "static" not in path.parts or path.name in ("app.js", "app.css"):
                    yield path, path.read_text(encoding="utf-8")
    for name in ("README.md", "Makefile", "package.json", "pyproject.toml"):
        yield PROJECT_ROOT / name, (PROJECT_ROOT / name).read_text(encoding="utf-8")


def test_no_real_addresses_or_secrets_ship():
    config = Config({})
    assert config.SECRET_KEY != Config({}).SECRET_KEY and len(config.SECRET_KEY) >= 64  # random at each start
    for value in (config.LA_INBOX, config.MAIL_FROM):
        assert RESERVED.search(value.rpartition("@")[2]), value
    found, read = [], 0
    for path, content in _shipped_files():
        read += 1
        for match in EMAIL.finditer(content):
            address, domain = match.group(0), match.group(1)
            if not (RESERVED.search(domain) or address.lower() in DEMO):
                found.append(f"{path.relative_to(PROJECT_ROOT)}: {address}")
        if re.search(r"\.gov\.uk\b", content) and path.suffix != ".py":
            found += [f"{path.relative_to(PROJECT_ROOT)}: {m}" for m in re.findall(r"[\w.-]+\.gov\.uk\b", content)]
        # A secret written into the code: a SECRET_KEY, password or SMTP credentials given a literal value.
        for m in re.finditer(r"""(?:SECRET_KEY|PASSWORD)\w*["']?\s*[:=,]\s*["']([^"'\s{}]{6,})["']""", content):
            if m.group(1) == "demo-password-2026":
                continue
            found.append(f"{path.relative_to(PROJECT_ROOT)}: {m.group(0)[:80]}")
        # Credentials in a URL (an SMTP or database login), other than the placeholder user:pass.
        for m in re.finditer(r"\w+://([^:/\s@\"'<>]+):([^@\s/\"'<>]+)@", content):
            if (m.group(1), m.group(2)) != ("user", "pass"):
                found.append(f"{path.relative_to(PROJECT_ROOT)}: {m.group(0)}")
    assert read > 100, "the glob found what ships"
    assert not found, "real addresses or secrets in what ships:\n" + "\n".join(found)


def test_the_only_shipped_password_is_the_demo_one_and_only_in_demo_mode():
    cli = (PROJECT_ROOT / "forms_service" / "cli.py").read_text(encoding="utf-8")
    assert cli.count("create_demo_data(") == 1
    call = cli.index("create_demo_data(", cli.index("def serve"))
    assert 'if app.config["DEMO_MODE"]' in cli[call - 200:call]
    assert re.findall(r"demo-password-\d+", cli) == ["demo-password-2026"]
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "demo-password-2026" in readme and "DEMO_MODE" in readme
