"""The watchdog of `forms-service worker` and `worker --once` (forms_service/delivery/outbox.py, `_watch`), with
real processes: a worker whose PostgreSQL connection stops answering (its server process SIGSTOPped, so
the next query waits for ever) exits by itself with a traceback, and a fresh worker then delivers the
pack once; a worker stuck waiting on the mail server exits, with or without --once; an idle worker
never trips it; the in-process worker of `forms-service serve` never arms it. PostgreSQL connections
carry the process's application_name.

PostgreSQL only: SQLite is bounded by DATABASE_BUSY_TIMEOUT already, and stopping the database's
server process needs a server. Times are printed (`pytest -s`), never asserted.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
from faults.service import COMMAND, Process, service_env, start_service, wait_until
from sqlalchemy import text
from sqlalchemy.engine import make_url

from forms_service.models import OutboxMessage, db

from support.smtp_server import StallingSink, free_port, running_sink
from test_delivery import pack_specs, queue_pack  # noqa: F401  (pack_specs is a fixture)

# What `forms-service worker` says once at start, so that a "Timeout" traceback is understood.
EXPLANATION = "a 'Timeout' traceback of every thread follows here and the worker exits with status 1"


@pytest.fixture(params=["postgresql"])
def backend(request):
    """Only PostgreSQL (conftest's `database_url` reads this)."""
    return request.param


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


class Worker(Process):
    """`forms-service worker`, with its stderr (where faulthandler writes) in a file of its own."""

    def __init__(self, env: dict, log, *args: str):
        self.log, self.err = log, log.with_suffix(".stderr")
        with open(self.log, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(COMMAND + ["worker", *args], env=env, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")


@pytest.fixture
def start_worker(tmp_path):
    started: list[Worker] = []

    def start(env: dict, *args: str) -> Worker:
        started.append(Worker(env, tmp_path / f"worker-{len(started) + 1}.log", *args))
        return started[-1]

    yield start
    for worker in started:
        worker.kill()


def outbox(outbox_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, outbox_id, populate_existing=True)


def backends_of(application_name: str) -> list[int]:
    """The pids of the PostgreSQL server processes serving connections with that application_name."""
    return list(db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                                   {"name": application_name}))


def test_worker_whose_database_stops_answering_exits_and_a_fresh_one_delivers_once(ctx, pack_specs,  # noqa: F811
                                                                                    tmp_path, start_worker):
    if os.geteuid() != 0:
        pytest.skip("needs root to SIGSTOP PostgreSQL's server processes (CI runs as root)")
    # The worker's connections are told apart from the test's by their application_name.
    name = f"watchdog-test-{uuid.uuid4().hex[:8]}"
    url = make_url(ctx.config["SQLALCHEMY_DATABASE_URI"]).update_query_dict({"application_name": name})
    watchdog = 3
    with running_sink(tmp_path / "mail") as sink:
        settings = dict(SMTP_URL=sink.url, DELIVERY_CLAIM_SECONDS=2, WORKER_POLL_SECONDS=0.2)
        worker = start_worker(service_env(ctx, DATABASE_URL=url.render_as_string(hide_password=False),
                                          WORKER_WATCHDOG_SECONDS=watchdog, **settings))
        worker.wait_for_output("Worker running")
        wait_until(lambda: backends_of(name), 60, "the worker's database connection")
        stopped = backends_of(name)
        try:
            try:
                for pid in stopped:
                    os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pytest.skip("PostgreSQL's server processes are not on this machine")
            began = time.monotonic()
            # Work for the worker, written on the test's own connection (not a stopped one).
            outbox_id = queue_pack(pack_specs)
            message_id = outbox(outbox_id).message_id
            try:
                worker.proc.wait(120)  # generous: the watchdog is 3 s
            except subprocess.TimeoutExpired:
                pytest.fail(f"the worker did not exit:\n{worker.stderr()[-3000:]}")
            seconds = time.monotonic() - began
        finally:
            for pid in stopped:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
        stderr = worker.stderr()
        assert worker.proc.returncode == 1, stderr[-3000:]
        # The explanation, said at start, then faulthandler's header and every thread's traceback,
        # naming the call that never came back: psycopg waiting on the claim's query.
        assert EXPLANATION in stderr and f"done within {watchdog} s" in stderr
        tail = stderr[stderr.index(EXPLANATION):]
        assert f"Timeout (0:00:0{watchdog})!" in tail, stderr[-3000:]
        assert re.search(r"^Thread 0x[0-9a-f]+ \(most recent call first\):$", tail, re.M), tail[-3000:]
        assert re.search(r'^  File ".*/psycopg/[^"]+", line \d+ in \w+$', tail, re.M), tail[-3000:]
        for frame in ("claim_due", "_deliver", "run_worker"):
            assert re.search(rf'^  File ".*/forms_service/[^"]+", line \d+ in {frame}$', tail, re.M), frame

        # The database answers again: a fresh worker delivers the pack, once.
        db.session.rollback()
        assert outbox(outbox_id).status == "queued"
        fresh = start_worker(service_env(ctx, **settings))
        try:
            wait_until(lambda: outbox(outbox_id).status == "sent", 60, "the pack sent by a fresh worker")
            time.sleep(1)  # a few more rounds: nothing is sent again
        finally:
            fresh.stop()
        assert fresh.proc.returncode == 0, fresh.stderr()[-3000:]
        received = [m["Message-ID"] for m in sink.messages()]
    row = outbox(outbox_id)
    assert received == [message_id]
    assert (row.attempts, row.sends_started) == (1, 1)  # the stopped worker never got to it
    print(f"\nFIGURE watchdog [postgresql]: the worker exited with status 1 {seconds:.2f} s after its database "
          f"connection's server process was SIGSTOPped (WORKER_WATCHDOG_SECONDS={watchdog}); a fresh worker "
          f"delivered the pack once")


def test_idle_worker_does_not_trip_the_watchdog(ctx, pack_specs, tmp_path, start_worker):  # noqa: F811
    # It sleeps twice as long as the watchdog between rounds: were the watchdog left armed while it
    # sleeps, the first sleep would end it.
    watchdog, poll = 2, 4
    with running_sink(tmp_path / "mail") as sink:
        worker = start_worker(service_env(ctx, SMTP_URL=sink.url, DELIVERY_CLAIM_SECONDS=1,
                                          WORKER_WATCHDOG_SECONDS=watchdog, WORKER_POLL_SECONDS=poll))
        try:
            worker.wait_for_output("Worker running")
            time.sleep(2 * poll)
            outbox_id = queue_pack(pack_specs)  # it is polling all along: it sends this
            wait_until(lambda: outbox(outbox_id).status == "sent", 60, "the pack sent")
            time.sleep(2 * poll)
            assert worker.alive, worker.stderr()[-3000:]
        finally:
            worker.stop()
        assert worker.proc.returncode == 0, worker.stderr()[-3000:]
        assert len(sink.messages()) == 1
    stderr = worker.stderr()
    assert EXPLANATION in stderr  # armed
    assert "Timeout (" not in stderr, stderr[-3000:]


def test_in_process_worker_of_serve_does_not_arm_the_watchdog(ctx, pack_specs, tmp_path, start_worker):  # noqa: F811
    # A mail server that never answers DATA holds the worker in one step much longer than the watchdog.
    stalling = StallingSink(tmp_path / "stalled")
    with running_sink(tmp_path / "stalled", handler=stalling) as stalled:
        env = service_env(ctx, SMTP_URL=stalled.url, DELIVERY_CLAIM_SECONDS=1, WORKER_WATCHDOG_SECONDS=2,
                          WORKER_POLL_SECONDS=0.2)
        service, http = start_service(env, tmp_path / "serve.log", free_port())
        try:
            queue_pack(pack_specs)
            deadline = time.monotonic() + 60
            while not stalling.in_data:
                assert time.monotonic() < deadline, "the in-process worker never reached DATA"
                time.sleep(0.05)
            time.sleep(8)  # four times the watchdog, still waiting for the server's reply to DATA
            assert stalling.in_data == 1
            assert service.alive and http.get("/healthz").status == 200, service.output()[-3000:]
        finally:
            service.stop()
        assert "Timeout (" not in service.output(), service.output()[-3000:]

        # The same settings in `forms-service worker`, which arms it, and in `worker --once` (cron, a
        # timer), which arms it too: the same wait ends each process. The claim runs out after a second,
        # so each in turn takes the message and stalls in DATA.
        workers = []
        try:
            for args in ((), ("--once",)):
                workers.append(start_worker(env, *args))
                try:
                    workers[-1].proc.wait(120)
                except subprocess.TimeoutExpired:
                    pytest.fail(f"worker {args} did not exit:\n{workers[-1].stderr()[-3000:]}")
        finally:
            stalling.release()
    for worker in workers:
        stderr = worker.stderr()
        assert worker.proc.returncode == 1, stderr[-3000:]
        assert EXPLANATION in stderr and "Delivered" not in worker.log.read_text()
        assert "Timeout (0:00:02)!" in stderr and re.search(r'File ".*/smtplib\.py", line \d+ in \w+', stderr), \
            stderr[-3000:]
    assert re.search(r'File ".*/forms_service/[^"]+", line \d+ in deliver_due$', workers[1].stderr(), re.M)


def test_watchdog_setting_defaults_to_the_claim_and_one_smtp_timeout_and_must_exceed_the_claim():
    from forms_service.config import Config

    assert Config({}).WORKER_WATCHDOG_SECONDS == 300 + 30
    assert Config({"DELIVERY_CLAIM_SECONDS": "2"}).WORKER_WATCHDOG_SECONDS == 2 + 30
    assert Config({"DELIVERY_CLAIM_SECONDS": "2", "WORKER_WATCHDOG_SECONDS": "3"}).WORKER_WATCHDOG_SECONDS == 3
    for bad in ("300", "60", "-1"):
        with pytest.raises(ValueError, match="WORKER_WATCHDOG_SECONDS must be more than DELIVERY_CLAIM_SECONDS"):
            Config({"WORKER_WATCHDOG_SECONDS": bad})


def test_worker_once_delivers_and_leaves_no_watchdog_armed(ctx, pack_specs, tmp_path, start_worker):  # noqa: F811
    with running_sink(tmp_path / "mail") as sink:
        env = service_env(ctx, SMTP_URL=sink.url, WORKER_WATCHDOG_SECONDS=400)
        worker = start_worker(env, "--once")
        assert worker.proc.wait(120) == 0, worker.stderr()[-3000:]
        assert "Delivered 0 message(s)." in worker.log.read_text()
        outbox_id = queue_pack(pack_specs)
        worker = start_worker(env, "--once")
        assert worker.proc.wait(120) == 0, worker.stderr()[-3000:]
        assert "Delivered 1 message(s)." in worker.log.read_text()
        assert outbox(outbox_id).status == "sent" and len(sink.messages()) == 1
        # deliver_due disarms its watchdog when the round is done, so that whatever the process does
        # next (here: sleep past it) is not cut short. In a process of its own: a watchdog left armed
        # ends the process it is in.
        script = ("import time; from forms_service.delivery.outbox import deliver_due, worker_app\n"
                  "with worker_app().app_context(): print('delivered', deliver_due(watchdog=1))\n"
                  "time.sleep(2.5); print('still running')")
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, "delivered 0\nstill running\n"), done.stderr[-3000:]


def test_postgresql_connections_say_which_process_they_belong_to(ctx):
    from forms_service import create_app
    from forms_service.delivery.outbox import worker_app

    def application_name(app) -> str:
        with app.app_context():
            return db.session.scalar(text("SELECT current_setting('application_name')"))

    url = ctx.config["SQLALCHEMY_DATABASE_URI"]
    assert application_name(ctx) == "forms-service"
    assert application_name(worker_app({"DATABASE_URL": url})) == "forms-service worker"
    own = make_url(url).update_query_dict({"application_name": "reporting"}).render_as_string(hide_password=False)
    assert application_name(worker_app({"DATABASE_URL": own})) == "reporting"  # the operator's own name stands
    assert application_name(create_app({"SQLALCHEMY_DATABASE_URI": own})) == "reporting"
