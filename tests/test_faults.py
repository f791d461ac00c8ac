"""Faults, with the service's real processes on loopback (issue 6, "Faults"): the mail server down
for a while, the worker killed mid-send again and again, several workers at once, the database
unavailable under a running service, the disk full or read-only while a headteacher signs.

Every test runs on SQLite and on PostgreSQL. The figures the README quotes are printed
(`pytest -s tests/test_faults.py`); wall-clock times are printed, never asserted.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import sqlite3
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from faults.proxy import TcpProxy
from faults.service import Process, service_env, start_service, wait_until
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from forms_service import storage
from forms_service.config import Config
from forms_service.models import AuditEvent, Evidence, OutboxMessage, Pack, PackFile, Referral, db, utcnow

from conftest import PASSWORD
from support import records
from support.helpers import login, make_pdf, post_page, text
from support.smtp_server import StallingSink, attachments, free_port, running_sink
from test_delivery import pack_specs, queue_pack  # noqa: F401  (pack_specs is a fixture)

BACKOFF = 0.5  # DELIVERY_BACKOFF_SECONDS in these tests: the first retry after half a second
FAST = {"WORKER_POLL_SECONDS": 0.2, "DELIVERY_BACKOFF_SECONDS": BACKOFF}
API = "/api/v1"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def start_worker(tmp_path):
    """Start `forms-service worker` processes; any still running when the test ends (it failed) is killed."""
    started: list[Process] = []

    def start(env: dict) -> Process:
        started.append(Process(["worker"], env, tmp_path / f"worker-{len(started) + 1}.log"))
        return started[-1]

    yield start
    for worker in started:
        worker.kill()


def outbox_rows() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def all_sent() -> bool:
    return all(row.status == "sent" for row in outbox_rows())


def reference_in(subject: str) -> str:
    match = re.match(r"\[([A-Z]+-\d{4}-\d{6})\] ", subject)
    assert match, subject
    return match.group(1)


# --- the mail server down for a while ------------------------------------------------------

def test_mail_server_down_then_back_each_pack_delivered_once(app, client, tmp_path, backend, start_worker):
    port = free_port()  # nothing listens here until the sink starts below
    worker = start_worker(service_env(app, SMTP_URL=f"smtp://127.0.0.1:{port}", **FAST))
    try:
        office = records.office(client)
        ids = []
        for pupil in (records.AMELIA, records.TOBIAS, records.FREYA):
            rid = records.create_referral(client, office, pupil, replace_one=False)
            records.sign(client, rid, office)
            ids.append(rid)
        head = records.office(client, "head@demo.school")

        def delivery(rid: int) -> dict:
            return client.get(f"{API}/referrals/{rid}", headers=head).get_json()["delivery"]

        # What the head (and the API) sees while the server is down: queued, attempts, the reason, when next.
        with app.app_context():
            wait_until(lambda: all(delivery(r)["attempts"] >= 2 for r in ids), 60, "two failed attempts each")
        for rid in ids:
            status = delivery(rid)
            assert status["state"] == "queued" and status["sent_at"] is None
            assert status["last_error"] == f"connection refused by 127.0.0.1:{port}"
            assert status["next_attempt_at"]

        # Retries back off. After the n-th failure the next try is due at most base × 2^(n-1) + 10% after
        # it was recorded, and at least base × 2^(n-1) after the previous due time (it was tried no
        # earlier than that): the first wait is at most 0.55 s, the second at least 1 s.
        with app.app_context():
            for rid in ids:
                # The pack's own retries (the head's "waiting for your sign-off" email has its own).
                pack_message = db.session.scalar(select(OutboxMessage.message_id).where(
                    OutboxMessage.referral_id == rid, OutboxMessage.kind == "la_pack"))
                events = [e for e in db.session.scalars(select(AuditEvent).where(
                    AuditEvent.referral_id == rid, AuditEvent.action == "delivery_deferred").order_by(AuditEvent.id))
                    if e.detail["message_id"] == pack_message]
                due = [dt.datetime.fromisoformat(e.detail["next_attempt_at"]) for e in events]
                assert len(due) >= 2
                for n, (event, at) in enumerate(zip(events, due)):
                    assert 0 < (at - event.created_at).total_seconds() <= 1.1 * BACKOFF * 2 ** n
                for n in range(1, len(due)):
                    assert (due[n] - due[n - 1]).total_seconds() >= BACKOFF * 2 ** n

        with running_sink(tmp_path / "mail", port) as sink, app.app_context():
            wait_until(lambda: all(delivery(r)["state"] == "sent" for r in ids), 60, "delivery once the server is back")
            # Each request also told the head it waits for sign-off (issue 17): those are retried too.
            wait_until(lambda: sink.count == 2 * len(ids), 60, "the heads' emails once the server is back")
            time.sleep(3 * FAST["WORKER_POLL_SECONDS"])  # a few more rounds of the worker: nothing is sent again
            received = [m["Message-ID"] for m in sink.messages()]
            queued = [row.message_id for row in outbox_rows()]
    finally:
        worker.stop()
    assert len(queued) == 2 * len(ids)
    assert sorted(received) == sorted(queued)  # every pack and email, each exactly once
    for rid in ids:
        status = delivery(rid)
        assert status["attempts"] >= 3 and status["last_error"] is None and status["sent_at"]
    print(f"\nFIGURE outage [{backend}]: {len(received)} of {len(ids)} packs signed while the mail server was down "
          f"delivered once it came back, each exactly once")


# --- the worker killed in the middle of sending, again and again ---------------------------

# Each kill costs a worker start (about a second of CPU): twenty on PostgreSQL, where several worker
# processes are the deployment the README describes, ten on SQLite, to keep the file's time bounded.
KILLS = {"postgresql": 20, "sqlite": 10}
PACKS = 25  # more than one batch (10): two workers are sending different packs at once


def test_worker_killed_mid_send_again_and_again_loses_no_pack(ctx, pack_specs, tmp_path, backend,  # noqa: F811
                                                               start_worker):
    for _ in range(PACKS):
        queue_pack(pack_specs)
    queued = {row.message_id: row for row in outbox_rows()}
    references = {mid: db.session.get(Referral, row.referral_id).reference for mid, row in queued.items()}
    # Which messages the stalling server keeps before it stalls (it has them; the worker never hears
    # so) or lets through at once: chosen at random, from a fixed seed.
    actions = random.Random(6).choices(["hold", "keep", "accept"], weights=[4, 4, 1], k=1000)
    chance = random.Random(60)
    kills = mid_send = 0
    stalling = StallingSink(tmp_path / "stalled", decide=lambda n: actions[n % len(actions)])
    with running_sink(tmp_path / "stalled", handler=stalling) as stalled:
        # A short claim: rows a killed worker held are free again a second later.
        env = service_env(ctx, SMTP_URL=stalled.url, DELIVERY_CLAIM_SECONDS=1, **FAST)
        live = []
        while kills < KILLS[backend]:
            while len(live) < 2:  # two at a time: one starts while the other is being killed
                live.append(start_worker(env))
            if kills % 4 == 3:  # a random moment: starting, claiming, connecting, sending or recording
                time.sleep(chance.uniform(0.05, 1.0))
                victim = chance.choice(live)
            else:  # the worker whose own connection is waiting for the server's reply to DATA
                victim = sending(live, stalling) or live[0]
                time.sleep(chance.uniform(0, 0.02))
            mid_send += bool(victim.local_ports() & stalling.peers_in_data)
            kills += victim.kill()
            live.remove(victim)
        # One worker is left waiting in DATA, alive: the one that outlives its claim (below).
        survivor = sending(live, stalling)
        assert survivor is not None, "no worker reached DATA"
        for worker in live:
            if worker is not survivor:
                kills += worker.kill()
        kept_by_stalled = stalled.messages()

        # One worker, a working server: everything left is delivered, also what the survivor holds
        # (its claim ran out while it waited).
        with running_sink(tmp_path / "final") as final:
            worker = start_worker(service_env(ctx, SMTP_URL=final.url, DELIVERY_CLAIM_SECONDS=1, **FAST))
            try:
                wait_until(all_sent, 60, "every pack sent after the kills")
            finally:
                worker.stop()
            delivered = final.messages()
        # The survivor hears back at last, a refusal: what the worker that took over recorded stands.
        stalling.release("451 4.3.0 Try again later")
        survivor.stop()
        assert survivor.proc.returncode == 0, survivor.output()[-3000:]

    db.session.rollback()
    rows = outbox_rows()
    assert len(rows) == PACKS and all((row.status, row.last_error) == ("sent", None) for row in rows)
    assert not set(db.session.scalars(select(AuditEvent.action))) & {"delivery_deferred", "delivery_failed"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "delivery_sent")) == PACKS  # recorded sent once each
    received = kept_by_stalled + delivered
    copies = defaultdict(list)
    for message in received:
        copies[message["Message-ID"]].append(message)
    assert set(copies) == set(queued)  # no pack lost, and nothing but the packs
    final_ids = [m["Message-ID"] for m in delivered]
    assert len(final_ids) == len(set(final_ids))
    for message_id, messages in copies.items():
        first = messages[0]
        # The LA can tell a duplicate: the same Message-ID, and the reference in the subject.
        assert reference_in(first["Subject"]) == references[message_id]
        assert first["Subject"] == queued[message_id].subject
        for again in messages[1:]:  # a duplicate is the very same message, attachments byte for byte
            assert (again["Date"], again["Subject"], again["To"]) == (first["Date"], first["Subject"], first["To"])
            assert attachments(again) == attachments(first)
    # What an LA inbox that files by Message-ID keeps: one message per pack.
    inbox = {m["Message-ID"]: reference_in(m["Subject"]) for m in received}
    assert sorted(inbox.values()) == sorted(references.values())
    duplicates = len(received) - PACKS
    print(f"\nFIGURE kills [{backend}]: {kills} worker processes SIGKILLed ({mid_send} while waiting for the "
          f"server's reply to DATA); {PACKS} of {PACKS} packs delivered, {duplicates} duplicate(s), each the same "
          f"message (same Message-ID)")
    assert kills >= KILLS[backend]


def sending(workers: list, server: StallingSink, timeout: float = 10):
    """The first of `workers` found with a connection waiting for `server`'s reply to DATA."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = next((w for w in workers if w.local_ports() & server.peers_in_data), None)
        if found is not None:
            return found
        time.sleep(0.01)
    return None


# --- several workers at once ---------------------------------------------------------------

def test_several_worker_processes_send_each_pack_exactly_once(ctx, pack_specs, tmp_path, backend,  # noqa: F811
                                                              start_worker):
    workers_n, packs_n = 3, 30
    with running_sink(tmp_path / "mail") as sink:
        # Each worker signs as a sender of its own, so the messages say who sent them.
        workers = [start_worker(service_env(ctx, SMTP_URL=sink.url, MAIL_FROM=f"worker{i}@demo.test", **FAST))
                   for i in range(workers_n)]
        try:
            # All due at one moment, once the workers are polling: they race for the same rows.
            due = utcnow() + dt.timedelta(seconds=1.5)
            for _ in range(packs_n):
                queue_pack(pack_specs, now=due)
            for worker in workers:
                worker.wait_for_output("Worker running")
            wait_until(all_sent, 60, "every pack sent")
            time.sleep(3 * FAST["WORKER_POLL_SECONDS"])
        finally:
            for worker in workers:
                worker.stop()
        received = sink.messages()
    rows = outbox_rows()
    assert sorted(m["Message-ID"] for m in received) == sorted(row.message_id for row in rows)
    assert len({m["Message-ID"] for m in received}) == packs_n  # each pack exactly once
    assert all((row.status, row.attempts) == ("sent", 1) for row in rows)
    by_worker = Counter(m["From"] for m in received)
    print(f"\nFIGURE workers [{backend}]: {workers_n} worker processes × {packs_n} packs: each sent exactly "
          f"once; split {sorted(by_worker.values(), reverse=True)}")


# --- the database unavailable --------------------------------------------------------------

class SqliteLock:
    """Another connection holding the SQLite database exclusively: nobody else can read or write."""

    def __init__(self, url: str):
        self.path = make_url(url).database
        self.conn = None

    def take(self) -> None:
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None


def test_database_timeouts_go_into_the_url_unless_it_names_its_own():
    url = make_url(Config({"DATABASE_URL": "postgresql://u:p%40ss@db.example/forms?sslmode=require"})
                   .SQLALCHEMY_DATABASE_URI)
    assert (url.drivername, url.password, url.query) == \
        ("postgresql+psycopg", "p@ss", {"sslmode": "require", "connect_timeout": "5"})
    own = Config({"DATABASE_URL": "postgresql://db.example/forms?connect_timeout=30", "DATABASE_CONNECT_TIMEOUT": "3"})
    assert own.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db.example/forms?connect_timeout=30"
    assert Config({"DATABASE_URL": "sqlite:////var/forms.sqlite3", "DATABASE_BUSY_TIMEOUT": "2.5"}) \
        .SQLALCHEMY_DATABASE_URI == "sqlite:////var/forms.sqlite3?timeout=2.5"
    for name, bad in (("DATABASE_CONNECT_TIMEOUT", "1"), ("DATABASE_BUSY_TIMEOUT", "0"),
                      ("DELIVERY_BACKOFF_SECONDS", "0"), ("DELIVERY_CLAIM_SECONDS", "-1")):
        with pytest.raises(ValueError, match=name):
            Config({name: bad})


ALL = ["healthz", "web page", "API"]


def test_database_unavailable_answers_503_quickly_and_recovers(app, tmp_path, backend):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    env = service_env(app, SMTP_URL=f"smtp://127.0.0.1:{free_port()}", DATABASE_CONNECT_TIMEOUT=2,
                      DATABASE_BUSY_TIMEOUT=1)
    proxy = lock = None
    if backend == "postgresql":
        target = make_url(url)
        proxy = TcpProxy(target.host, target.port)
        env["DATABASE_URL"] = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        # Not answering, each request waits DATABASE_CONNECT_TIMEOUT: the web page alone shows it.
        outages = [("PostgreSQL refusing connections", proxy.down, proxy.up, ALL),
                   ("PostgreSQL not answering", proxy.silent, proxy.up, ["web page"])]
    else:
        lock = SqliteLock(url)
        outages = [("SQLite locked by another connection", lock.take, lock.release, ALL)]
    service, http = start_service(env, tmp_path / "serve.log", free_port())
    try:
        http.sign_in("office@demo.school", PASSWORD)
        token = http.token("office@demo.school", PASSWORD)
        pages = {"healthz": lambda: http.get("/healthz"), "web page": lambda: http.get("/"),
                 "API": lambda: http.get(f"{API}/referrals", headers=token)}
        assert {name: get().status for name, get in pages.items()} == dict.fromkeys(pages, 200)

        for outage, begin, end, names in outages:
            begin()
            try:
                replies = {name: pages[name]() for name in names}
            finally:
                end()
            assert {name: r.status for name, r in replies.items()} == dict.fromkeys(names, 503), \
                {name: r.body[:300] for name, r in replies.items()}
            assert "Sorry, the service is unavailable" in replies["web page"].body
            assert "Nothing you saved has been lost" in replies["web page"].body
            if "API" in replies:
                body = replies["API"].json()
                assert body["code"] == 503 and "Try again in a few minutes" in body["message"]
            print(f"\nFIGURE 503 [{outage}]: " + ", ".join(f"{name} {r.seconds:.2f} s" for name, r in replies.items()))

            # Back by itself: no restart, the same signed-in session and token work again.
            deadline = time.monotonic() + 30
            while http.get("/healthz").status != 200:
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.1)
            assert {name: get().status for name, get in pages.items()} == dict.fromkeys(pages, 200)
        assert service.alive
        assert "unhandled error" not in service.output()  # what errors.py logs for a 500
    finally:
        service.stop()
        if proxy is not None:
            proxy.close()
        if lock is not None:
            lock.release()


# --- the disk full or read-only while signing ----------------------------------------------

def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def small_disk(app, tmp_path):
    """STORAGE_DIR on a tmpfs of 8 MB of its own, so that it can be filled and made read-only."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs as the storage (CI runs as root)")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(mount_point))
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs was refused here: {mounted.stderr.strip()}")
    app.config["STORAGE_DIR"] = str(mount_point)
    try:
        yield mount_point
    finally:
        _mount("-o", "remount,rw", str(mount_point))
        if subprocess.run(["umount", str(mount_point)], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def nothing_recorded(rid: int) -> None:
    """A signing that failed left the request as it was: awaiting sign-off, no pack, no email, no event."""
    db.session.rollback()
    referral = db.session.get(Referral, rid)
    assert referral.status == "awaiting_signoff"
    assert db.session.scalar(select(func.count()).select_from(Pack).where(Pack.referral_id == rid)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.referral_id == rid, OutboxMessage.kind == "la_pack")) == 0
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.referral_id == rid)))
    assert not actions & {"signed", "delivery_queued"}, actions


def test_disk_full_or_read_only_while_signing_records_nothing_and_says_so(app, client, small_disk, backend):
    office = records.office(client)
    head = records.office(client, "head@demo.school")
    first, web_signed, api_signed = (records.create_referral(client, office, pupil, replace_one=False)
                                     for pupil in (records.AMELIA, records.TOBIAS, records.FREYA))
    for rid in (web_signed, api_signed):
        assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    created = client.post(f"{API}/referrals", headers=office, json={"form": records.FORM, "data": {}})
    assert created.status_code == 201
    draft = created.get_json()["id"]
    records.sign(client, first, office)  # with room to spare: the pack's files, in the order they are written
    with app.app_context():
        pack = db.session.scalar(select(Pack).where(Pack.referral_id == first))
        sizes = [f.size for f in sorted(pack.files, key=lambda f: f.position)]
    sign_body = {"name": "Harriet Head", "declaration": True}
    login(client, "head@demo.school")

    # Full: room for the first file of a pack and half the second, so signing fails part-way through.
    filler = small_disk / "filler"
    with open(filler, "wb") as fh:
        fh.write(b"\0" * max(free_bytes(small_disk) - sizes[0] - sizes[1] // 2, 0))
    before = files_under(small_disk)

    page = post_page(client, f"/referrals/{web_signed}/sign", {"name": "Harriet Head", "declaration": "y"})
    assert page.status_code == 503
    assert "The pack could not be saved, so the request has not been signed. Nothing has been sent." in text(page)
    reply = client.post(f"{API}/referrals/{api_signed}/sign", headers=head, json=sign_body)
    assert reply.status_code == 503
    assert reply.get_json()["message"] == ("The pack could not be stored, so the request has not been signed. "
                                           "Nothing was sent.")
    with app.app_context():
        for rid in (web_signed, api_signed):
            nothing_recorded(rid)
        assert db.session.scalar(select(func.count()).select_from(PackFile)) == len(sizes)  # the first pack's only
    assert files_under(small_disk) == before  # no partial pack, no temporary file left behind

    # Read-only (a disk remounted read-only after an error): the same.
    filler.unlink()
    assert _mount("-o", "remount,ro", str(small_disk)).returncode == 0
    try:
        reply = client.post(f"{API}/referrals/{api_signed}/sign", headers=head, json=sign_body)
        assert reply.status_code == 503 and "has not been signed" in reply.get_json()["message"]
        upload = client.post(f"{API}/referrals/{draft}/evidence", headers=office, content_type="multipart/form-data",
                             data={"kind": "leave_request", "file": (io.BytesIO(make_pdf()), "leave.pdf")})
        assert upload.status_code == 503 and "could not be stored" in upload.get_json()["message"]
    finally:
        assert _mount("-o", "remount,rw", str(small_disk)).returncode == 0
    with app.app_context():
        for rid in (web_signed, api_signed):
            nothing_recorded(rid)
        assert db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.referral_id == draft)) == 0
    assert files_under(small_disk) == before - {"filler"}

    # Space back: both sign as usual, and their packs are whole.
    page = post_page(client, f"/referrals/{web_signed}/sign", {"name": "Harriet Head", "declaration": "y"})
    assert page.status_code == 302
    assert client.post(f"{API}/referrals/{api_signed}/sign", headers=head, json=sign_body).status_code == 200
    with app.app_context():
        for rid in (web_signed, api_signed):
            [pack] = db.session.scalars(select(Pack).where(Pack.referral_id == rid))
            for item in pack.files:
                assert storage.sha256(storage.get(item.storage_key)) == item.sha256
            assert db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.pack_id == pack.id)) == "queued"
