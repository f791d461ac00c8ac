"""The browser suite's fixtures: the real service on loopback (werkzeug's server in a thread, a
fresh SQLite database with the demo users, the in-process delivery worker, a real SMTP sink), and
Debian's Chromium driven by Playwright.

One backend is enough here: the browser journeys exercise the pages, and every database behaviour
under them is already tested on SQLite and PostgreSQL by the rest of the suite.
"""
from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from forms_service import create_app
from forms_service.access.accounts import create_demo_data
from forms_service.delivery.outbox import start_background_worker
from forms_service.models import db

from .pages import CHROMIUM, CHROMIUM_ARGS, Browse, Report
from conftest import LA_INBOX, PASSWORD
from support.smtp_server import RunningSink, running_sink


def pytest_collection_modifyitems(items):
    # Under pytest-xdist (make test runs -n auto --dist loadgroup) the browser tests stay on one
    # worker: they share one Chromium and one service per session, and one report in build/.
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


@dataclass
class Service:
    url: str
    app: object
    mail: RunningSink


MFA_KEY = "dGhlIGJyb3dzZXIgdGVzdHMnIE1GQV9LRVksIDMyIGI="  # 32 bytes, URL-safe base64: a Fernet key


@pytest.fixture
def service(migrated_sqlite, tmp_path):
    """The whole service on 127.0.0.1 (a free port), its worker delivering to a real SMTP sink."""
    path = tmp_path / "forms.sqlite3"
    shutil.copy(migrated_sqlite, path)
    with running_sink(tmp_path / "mail") as sink:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "STORAGE_DIR": str(tmp_path / "storage"),
            "SECRET_KEY": "browser-test-secret",
            "LA_INBOX": LA_INBOX,
            "SMTP_URL": sink.url,
            "WORKER_POLL_SECONDS": 0.2,
            "MFA_KEY": (MFA_KEY,),  # a deployment's own key (not the demo's): the second factor's secrets
        })
        with app.app_context():
            create_demo_data(PASSWORD, LA_INBOX)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        serving = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
        serving.start()
        worker, stop_worker = start_background_worker(app)
        try:
            yield Service(f"http://127.0.0.1:{server.server_port}", app, sink)
        finally:
            stop_worker.set()
            server.shutdown()
            serving.join(timeout=10)
            worker.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (scripts/install-system-deps.sh), "
                    "or run: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def a11y_report():
    """Every page checked in the session, written to build/ at the end (axe's findings included)."""
    report = Report()
    yield report
    report.write()


@pytest.fixture
def browse(chromium, service, a11y_report):
    """A fresh browser profile on the service: every page load checked as it happens."""
    b = Browse(chromium, service.url, a11y_report)
    b.app = service.app
    try:
        yield b
    finally:
        b.close()
