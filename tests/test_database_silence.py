"""A PostgreSQL connection the network stops answering (models.init_db, DATABASE_SILENCE_TIMEOUT):
nftables drops every packet of one open connection on loopback, as a firewall that forgot the
connection or a server machine gone would. Without the client's keepalives and tcp_user_timeout,
TCP would wait about a quarter of an hour.

- a connection gone silent while it sat in the pool: the next request's check (pool_pre_ping)
  fails within the timeout, the pool opens a new connection, and the request is answered;
- a connection gone silent while waiting for a query's answer: the query fails within the timeout
  (an OperationalError, which pages and the API answer with a 503: tests/test_faults.py).

Needs root and the `nft` command (CI runs as root; `make test` installs nftables). PostgreSQL only.
Times are printed (`pytest -s`), never asserted: the tests would hang far past their thread's wait
without the settings.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from forms_service import create_app
from forms_service.models import db

SILENCE = 3  # seconds, DATABASE_SILENCE_TIMEOUT in these tests (the default is 20)
GIVE_UP = 60  # the test's own bound: far past SILENCE, far short of TCP's own


@pytest.fixture(params=["postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def silent_app(database_url, tmp_path):
    if os.geteuid() != 0 or not shutil.which("nft"):
        pytest.skip("needs root and nftables to drop a connection's packets (CI has both)")
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "STORAGE_DIR": str(tmp_path / "storage"),
                       "SECRET_KEY": "test-secret", "DATABASE_SILENCE_TIMEOUT": SILENCE})


class Silence:
    """Drops every packet of one connection to the database server (its client's port and the server's:
    a client port may be shared by connections to other servers), in a table of its own, until undone."""

    def __init__(self, ends: tuple[int, int]):
        self.table = f"forms_test_{uuid.uuid4().hex[:12]}"
        self.client, self.server = map(str, ends)

    def _nft(self, *args: str) -> None:
        subprocess.run(["nft", *args], check=True, capture_output=True, timeout=30)

    def __enter__(self):
        self._nft("add", "table", "inet", self.table)
        try:
            self._nft("add", "chain", "inet", self.table, "out", "{ type filter hook output priority 0 ; }")
            for source, destination in ((self.client, self.server), (self.server, self.client)):
                self._nft("add", "rule", "inet", self.table, "out", "tcp", "sport", source, "tcp", "dport",
                          destination, "drop")
        except BaseException:
            self.__exit__()  # never leave a half-made table behind
            raise
        return self

    def __exit__(self, *exc):
        self._nft("delete", "table", "inet", self.table)


def own_ends() -> tuple[int, int]:
    """The client's and the server's port of the connection the session is using."""
    return tuple(db.session.execute(text("SELECT inet_client_port(), inet_server_port()")).one())


def in_thread(call) -> tuple[object, float]:
    """Run `call` in a thread: its result or exception, and how long it took (the test never hangs)."""
    outcome: dict = {}

    def run():
        began = time.monotonic()
        try:
            outcome["result"] = call()
        except Exception as exc:  # noqa: BLE001  (the test looks at what it was)
            outcome["result"] = exc
        outcome["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GIVE_UP)
    assert not thread.is_alive(), f"still waiting after {GIVE_UP} s: the silent connection was not given up"
    return outcome["result"], outcome["seconds"]


def test_the_connections_carry_the_settings(silent_app, database_url):
    with silent_app.app_context():
        settings = db.session.connection().connection.dbapi_connection.info.get_parameters()
    assert {k: settings.get(k) for k in ("keepalives", "keepalives_idle", "keepalives_interval",
                                         "keepalives_count", "tcp_user_timeout")} == \
        {"keepalives": "1", "keepalives_idle": "2", "keepalives_interval": "1", "keepalives_count": "3",
         "tcp_user_timeout": "3000"}
    # A DATABASE_URL that names one keeps the operator's value.
    url = make_url(database_url).update_query_dict({"tcp_user_timeout": "7000"})
    own = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                      "DATABASE_SILENCE_TIMEOUT": SILENCE})
    with own.app_context():
        assert db.session.connection().connection.dbapi_connection.info.get_parameters()["tcp_user_timeout"] \
            == "7000"


def test_a_pooled_connection_gone_silent_is_replaced_and_the_request_answered(silent_app):
    client = silent_app.test_client()
    assert client.get("/healthz").status_code == 200  # one connection, now back in the pool
    with silent_app.app_context():
        ends = own_ends()
    with Silence(ends):
        response, seconds = in_thread(lambda: client.get("/healthz"))
        with silent_app.app_context():
            replacement = own_ends()
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert replacement != ends
    print(f"\nFIGURE database silence [postgresql]: a pooled connection gone silent was replaced and /healthz "
          f"answered 200 in {seconds:.2f} s (DATABASE_SILENCE_TIMEOUT={SILENCE})")


def test_a_query_whose_answer_never_comes_fails_within_the_timeout(silent_app):
    with silent_app.app_context():
        ends = own_ends()  # leaving the context puts the connection back in the pool, for the query below
    querying = threading.Event()

    def slow_query():
        with silent_app.app_context():
            assert own_ends() == ends
            querying.set()
            return db.session.scalar(text("SELECT pg_sleep(1)"))

    # The connection goes silent while the server works on the query: its answer is dropped, and the
    # client, with nothing unacknowledged of its own, finds out by its keepalives.
    silence = Silence(ends)
    arm = threading.Thread(target=lambda: querying.wait(GIVE_UP) and (time.sleep(0.3), silence.__enter__()),
                           daemon=True)  # 0.3 s after the query began: sent, acknowledged, pg_sleep running
    arm.start()
    try:
        result, seconds = in_thread(slow_query)
    finally:
        arm.join(GIVE_UP)
        if querying.is_set():
            silence.__exit__()
    assert isinstance(result, OperationalError), result
    print(f"\nFIGURE database silence [postgresql]: a query whose answer was dropped failed after "
          f"{seconds:.2f} s (DATABASE_SILENCE_TIMEOUT={SILENCE})")
