"""Single sign-on (issue 23) in Chromium: an LA officer signs in with "Sign in with your school or council
account" through a real OpenID provider on loopback (tests/support/oidc_server.py), and someone whose
address has no account sees the refusal page. The sign-in page with its button and the refusal page are
checked as every page is (axe-core and structure), and axe runs on each at phone width too."""
from __future__ import annotations

import json
import re
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from forms_service import create_app
from forms_service.access import oidc
from forms_service.access.accounts import create_demo_data
from forms_service.models import db

from .answers import h1
from .pages import DESKTOP, MOBILE, SERIOUS, Browse
from conftest import LA_INBOX, PASSWORD
from support import totp
from support.oidc_server import CLIENT_ID, SECRET, running_provider

MFA_KEY = "c3NvIGJyb3dzZXIgdGVzdCdzIE1GQV9LRVksIDMyIGI="  # 32 bytes, URL-safe base64: a Fernet key of its own


@pytest.fixture
def sso_browse(migrated_sqlite, tmp_path, chromium, a11y_report):
    """The service on 127.0.0.1 with single sign-on through a provider of its own, and a browser on it."""
    path = tmp_path / "forms.sqlite3"
    shutil.copy(migrated_sqlite, path)
    oidc.forget_cache()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "STORAGE_DIR": str(tmp_path / "storage"),
                      "SECRET_KEY": "browser-test-secret", "LA_INBOX": LA_INBOX, "SMTP_URL": "smtp://127.0.0.1:1",
                      "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": SECRET, "MFA_KEY": (MFA_KEY,)})
    with app.app_context():
        create_demo_data(PASSWORD, LA_INBOX)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["SERVICE_URL"] = url  # the provider sends the browser back to SERVICE_URL's callback
    serving = threading.Thread(target=server.serve_forever, name="sso-browser-test-server", daemon=True)
    serving.start()
    try:
        with running_provider(tmp_path, redirect_uris=[url + "/sign-in/sso/callback"]) as provider:
            app.config["OIDC_ISSUER"] = provider.issuer
            browse = Browse(chromium, url, a11y_report)
            browse.app = app  # for the officer's second factor
            try:
                yield browse
            finally:
                browse.close()
    finally:
        server.shutdown()
        serving.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def axe_at_both_widths(browse: Browse) -> None:
    """axe-core's serious and critical findings, none, at desktop and at phone width."""
    for size in (DESKTOP, MOBILE):
        browse.page.set_viewport_size(size)
        serious = [v for v in browse.axe() if v["impact"] in SERIOUS]
        assert not serious, f"at {size['width']} px: {json.dumps(serious, indent=1)}"
    browse.page.set_viewport_size(DESKTOP)


def at_the_provider(browse: Browse, login: str, *, status: int = 200, screenshot: str | None = None) -> None:
    """From the sign-in page through the provider's own form, back to the service."""
    page = browse.page
    with page.expect_navigation(url=re.compile(r"/interaction/")):
        page.get_by_role("button", name="Sign in with your school or council account").click()
    browse.elsewhere()  # the provider's page, not ours
    page.get_by_label("Account").fill(login)
    browse.navigate(page.get_by_role("button", name="Continue").click, status=status, screenshot=screenshot)


def test_an_officer_signs_in_through_the_councils_provider(sso_browse):
    browse, page = sso_browse, sso_browse.page
    browse.goto("/sign-in", screenshot="sign-in-with-sso")
    expect(page.get_by_role("heading", name="Your school or council account")).to_be_visible()
    axe_at_both_widths(browse)

    at_the_provider(browse, "officer-mfa")
    # An officer's role needs this service's own second factor: the code from the officer's app.
    assert urlsplit(page.url).path == "/sign-in/code"
    page.get_by_label("Code", exact=True).fill(totp.code_for(browse.app, "officer@demo.la"))
    browse.navigate(page.get_by_role("button", name="Continue").click)
    assert "/sign-in" not in page.url
    expect(page.locator("body")).to_contain_text("Lena Officer")
    browse.sign_out()

    # Still signed in at the provider (that is single sign-on: it would sign the officer straight back in);
    # someone else now, with none of the officer's cookies.
    browse.context.clear_cookies()
    browse.goto("/sign-in")
    at_the_provider(browse, "stranger", status=403, screenshot="sso-refused")
    expect(h1(page)).to_have_text("You cannot sign in with that account")
    axe_at_both_widths(browse)
    browse.navigate(page.get_by_role("link", name="Sign in with your email address and password").click)
    expect(h1(page)).to_have_text("Sign in")
    browse.assert_clean()
