"""A real OpenID Provider on loopback for the single sign-on tests: panva's oidc-provider (OpenID
Certified, from npm: package.json's devDependencies), started with `node tests/support/oidc_provider.mjs`.

    from support.oidc_server import oidc_provider   # a session fixture: OidcProvider

Its issuer is http://127.0.0.1:<port>. It knows two clients, CLIENT_ID (the service) and OTHER_CLIENT_ID (another
service of the same council), both sending the browser back to REDIRECT_URI, and the ACCOUNTS below. A test
drives the sign-in as a browser would (`sign_in`): the authorization address, the provider's sign-in form,
its redirects, with cookies, over real HTTP, up to the address it sends the browser back to.
"""
from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from support.smtp_server import free_port

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "forms-service"
OTHER_CLIENT_ID = "another-service"
SECRET = "oidc-test-secret-" + uuid.uuid4().hex  # made up per run: nothing real
SERVICE_URL = "http://localhost"  # the tests' SERVICE_URL: nothing listens there, the test client answers
REDIRECT_URI = SERVICE_URL + "/sign-in/sso/callback"
START_TIMEOUT = 30  # seconds: it is up in about one; a hang ends the test, not waits

# The provider's accounts: the key is what its sign-in form takes.
ACCOUNTS = {
    # the demo LA officer, after a password and a second factor at the provider
    "officer-mfa": {"email": "officer@demo.la", "email_verified": True, "amr": ["pwd", "mfa"]},
    # the same officer after a password only; the address in capitals as some providers give it
    "officer-pwd": {"email": "Officer@Demo.LA", "email_verified": True, "amr": ["pwd"]},
    # a head whose provider has not verified the address
    "head-unverified": {"email": "head@demo.school", "email_verified": False, "amr": ["pwd", "mfa"]},
    # someone with no account in the service
    "stranger": {"email": "someone@elsewhere.example", "email_verified": True, "amr": ["pwd", "mfa"]},
    # as Entra ID signs them in: no email_verified; xms_edov says whether the tenant verified the domain
    "officer-entra": {"email": "officer@demo.la", "xms_edov": True, "amr": ["pwd"]},
    "head-entra-unverified-domain": {"email": "head@demo.school", "xms_edov": False, "amr": ["pwd"]},
    # as Google signs them in: a Workspace account has hd; a personal account with a work address has none
    "office-workspace": {"email": "office@demo.school", "email_verified": True, "hd": "demo.school", "amr": ["pwd"]},
    "office-personal": {"email": "office@demo.school", "email_verified": True, "amr": ["pwd"]},
}


@dataclass
class OidcProvider:
    issuer: str
    process: subprocess.Popen
    log: Path

    def sign_in(self, authorize_url: str, login: str, browser: requests.Session | None = None) -> str:
        """Follow `authorize_url` as a browser would, sign in at the provider as `login`, and return the address
        the provider sends the browser back to (the service's, with its query)."""
        browser = browser or requests.Session()
        url, method, data = authorize_url, "GET", None
        for _ in range(10):
            response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url, method, data = urljoin(url, response.headers["Location"]), "GET", None
                if not url.startswith(self.issuer + "/"):
                    return url
            elif response.status_code == 200 and "/interaction/" in url:
                url, method, data = url.rstrip("/") + "/login", "POST", {"login": login}
            else:
                raise AssertionError(f"the provider answered {response.status_code} at {url}: {response.text[:300]}")
        raise AssertionError("the provider never sent the browser back")


@contextlib.contextmanager
def running_provider(directory: Path, *, redirect_uris=(REDIRECT_URI,), accounts=None, id_token_ttl: int = 600,
                     userinfo_only: bool = False):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: make setup installs Node.js (scripts/install-system-deps.sh)")
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail("node_modules/oidc-provider is missing: make setup runs npm ci (package.json devDependencies)")
    port = free_port()
    config = {"port": port, "id_token_ttl": id_token_ttl, "accounts": accounts or ACCOUNTS,
              "userinfo_only": userinfo_only,
              "clients": [{"client_id": client, "client_secret": SECRET, "redirect_uris": list(redirect_uris)}
                          for client in (CLIENT_ID, OTHER_CLIENT_ID)]}
    log = directory / f"oidc-provider-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([node, str(SCRIPT), json.dumps(config)], cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    provider = OidcProvider(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"oidc-provider exited ({process.returncode}): {log.read_text()[-2000:]}")
            try:
                if requests.get(provider.issuer + "/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"oidc-provider did not answer in {START_TIMEOUT} s: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    with running_provider(tmp_path_factory.mktemp("oidc")) as provider:
        yield provider


@pytest.fixture(scope="session")
def other_oidc_provider(tmp_path_factory):
    """A second provider: its own issuer and keys, the same clients and accounts; the email claims only at its
    userinfo endpoint (the ID token has `sub`, `amr` and the rest)."""
    with running_provider(tmp_path_factory.mktemp("oidc-other"), userinfo_only=True) as provider:
        yield provider


def app_config(provider: OidcProvider, **more) -> dict:
    """The service's settings for signing in through `provider`."""
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": SECRET,
            "SERVICE_URL": SERVICE_URL, **more}


def callback_path(url: str) -> str:
    """The service's address the provider sent the browser to, as the test client takes it."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")
