"""The outbox worker against a real database (SQLite and PostgreSQL) and a real SMTP server on
loopback: delivery, retries while the server is down, permanent refusals, racing workers, a message
whose sending kills the worker every time, and packs whose stored bytes no longer match what was signed.
"""
from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from faults.poison import PoisonSink, Supervisor
from faults.service import service_env
from PIL import Image
from sqlalchemy import select
from weasyprint import HTML

from forms_service import storage
from forms_service.delivery import outbox as delivery
from forms_service.delivery.mail import (PermanentDeliveryError, TransientDeliveryError, build_message, new_message_id,
                                         parse_smtp_url, send)
from forms_service.delivery.outbox import (MAX_UNFINISHED_SENDS, DeliveryStateError, backoff, claim_due, deliver_due,
                                           delivery_status, resend, start_background_worker)
from forms_service.models import AuditEvent, OutboxMessage, Pack, PackFile, Referral, School, User, db, utcnow
from forms_service.referrals.evidence import DOCX, PDF, PNG
from forms_service.referrals.pack import assemble

from conftest import LA_INBOX
from support.helpers import api_token, bearer, csrf, login, text
from support.smtp_server import attachments, free_port, running_sink, smtp_sink  # noqa: F401  (fixture)

MAIL_FROM = "forms-service@demo.test"


@pytest.fixture(scope="module")
def pack_specs():
    """A real pack (form PDF + DOCX + PNG evidence, merged PDF, manifest), assembled once."""
    form_pdf = HTML(string="<p>Request to issue a Penalty Notice</p>").write_pdf()
    png = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(png, "PNG")
    return assemble(reference="PNL-2026-000001", form_id="penalty-notice-leave",
                    form_title="Request to issue a Penalty Notice", version=1,
                    signed={"name": "Harriet Head", "role": "Head Teacher", "signed_at": utcnow(), "school": "Demo School"},
                    documents=[("PNL-2026-000001-request.pdf", PDF, form_pdf),
                               ("PNL-2026-000001-request.docx", DOCX, b"PK\x03\x04 stand-in docx bytes")],
                    evidence=[{"kind": "leave_request", "label": "Leave request", "filename": "leave.png",
                               "content_type": PNG, "data": png.getvalue()}])


_counter = iter(range(1, 10**6))


def queue_pack(specs, *, now: dt.datetime | None = None) -> int:
    """What signing leaves behind: a signed referral, its stored pack, and a queued outbox row."""
    n = next(_counter)
    school = db.session.scalar(select(School).filter_by(name="Demo School"))
    head = db.session.scalar(select(User).filter_by(email="head@demo.school"))
    reference = f"PNL-2026-{n:06d}"
    referral = Referral(reference=reference, form_id="penalty-notice-leave", school_id=school.id,
                        la_id=school.la_id, status="signed", data={}, created_by_id=head.id)
    db.session.add(referral)
    db.session.flush()
    pack = Pack(referral=referral, version=1, signed_by_id=head.id, signed_name="Harriet Head",
                signed_at=utcnow(), data={}, verdict={}, manifest_sha256=specs[-1].sha256)
    db.session.add(pack)
    for position, spec in enumerate(specs):
        key = f"packs/{reference}/v1/{spec.name}"
        digest = storage.put(key, spec.data)
        db.session.add(PackFile(pack=pack, position=position, name=spec.name, role=spec.role,
                                content_type=spec.content_type, size=len(spec.data), sha256=digest,
                                storage_key=key))
    outbox = OutboxMessage(kind="la_pack", referral_id=referral.id, pack=pack, recipient=LA_INBOX,
                           subject=f"[{reference}] Request to issue a Penalty Notice - Demo School",
                           body=f"Reference: {reference}\n", message_id=new_message_id("demo.test"),
                           next_attempt_at=now or utcnow())
    db.session.add(outbox)
    db.session.commit()
    return outbox.id


def row(outbox_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, outbox_id, populate_existing=True)


def actions(referral_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.referral_id == referral_id)
                                   .order_by(AuditEvent.id)))


@pytest.fixture
def ctx(app):
    app.config["MAIL_FROM"] = MAIL_FROM
    with app.app_context():
        yield app


# --- delivered -----------------------------------------------------------------------------

def test_delivers_the_pack_to_a_real_smtp_server(ctx, smtp_sink, pack_specs):
    ctx.config["SMTP_URL"] = smtp_sink.url
    outbox_id = queue_pack(pack_specs)
    assert deliver_due() == 1

    [message] = smtp_sink.messages()
    outbox = row(outbox_id)
    assert message["Message-ID"] == outbox.message_id
    assert message["Subject"] == outbox.subject
    assert message["To"] == LA_INBOX and message["From"] == MAIL_FROM
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Delivered-To"] == LA_INBOX  # the envelope recipient, recorded by the sink
    assert message.get_body(("plain",)).get_content() == outbox.body
    stored = [(f.name, f.content_type, storage.get(f.storage_key))
              for f in db.session.scalars(select(PackFile).where(PackFile.pack_id == outbox.pack_id)
                                          .order_by(PackFile.position))]
    assert attachments(message) == stored
    assert [name for name, _, _ in stored] == [s.name for s in pack_specs]

    assert (outbox.status, outbox.attempts, outbox.last_error, outbox.locked_until) == ("sent", 1, None, None)
    assert outbox.sent_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_sent"))
    assert event.actor == "worker" and event.referral_id == outbox.referral_id
    assert event.detail["message_id"] == outbox.message_id and event.detail["recipient"] == LA_INBOX

    referral = db.session.get(Referral, outbox.referral_id)
    status = delivery_status(referral)
    assert status["state"] == "sent" and status["attempts"] == 1 and status["sent_at"] == outbox.sent_at

    # Sent is final: another round sends nothing.
    assert deliver_due() == 0
    assert smtp_sink.count == 1


def test_server_down_then_up_delivers_exactly_once(ctx, tmp_path, pack_specs):
    port = free_port()
    ctx.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    now = utcnow()
    outbox_id = queue_pack(pack_specs, now=now)

    assert deliver_due(now) == 0
    outbox = row(outbox_id)
    assert (outbox.status, outbox.attempts, outbox.locked_until) == ("queued", 1, None)
    assert "connection refused" in outbox.last_error and "Traceback" not in outbox.last_error
    wait = (outbox.next_attempt_at - now).total_seconds()
    assert 60 <= wait <= 66  # first retry after a minute, plus up to 10% jitter
    status = delivery_status(db.session.get(Referral, outbox.referral_id))
    assert status["state"] == "queued" and status["attempts"] == 1 and status["last_error"] == outbox.last_error

    with running_sink(tmp_path / "mail", port) as sink:
        # Not due yet: nothing is tried, even though the server is back.
        assert deliver_due(now + dt.timedelta(seconds=30)) == 0
        assert row(outbox_id).attempts == 1 and sink.count == 0

        later = now + dt.timedelta(seconds=67)
        assert deliver_due(later) == 1
        assert deliver_due(later + dt.timedelta(hours=2)) == 0
        assert sink.count == 1
        [message] = sink.messages()
        assert message["Message-ID"] == row(outbox_id).message_id

    outbox = row(outbox_id)
    assert (outbox.status, outbox.attempts, outbox.last_error, outbox.sent_at) == ("sent", 2, None, later)
    assert actions(outbox.referral_id) == ["delivery_deferred", "delivery_sent"]


def test_backoff_doubles_from_a_minute_to_an_hour_with_jitter():
    assert [backoff(n, rng=lambda: 0).total_seconds() for n in (1, 2, 3, 4, 6, 7, 12)] == \
        [60, 120, 240, 480, 1920, 3600, 3600]
    assert backoff(1, rng=lambda: 1).total_seconds() == pytest.approx(66)
    assert all(60 <= backoff(1).total_seconds() <= 66 for _ in range(50))


def test_a_5xx_refusal_fails_at_once_and_an_admin_can_resend(ctx, tmp_path, pack_specs):
    outbox_id = queue_pack(pack_specs)
    with running_sink(tmp_path / "refusing", rcpt_reply="550 5.1.1 Mailbox unavailable") as refusing:
        ctx.config["SMTP_URL"] = refusing.url
        assert deliver_due() == 0
        assert deliver_due(utcnow() + dt.timedelta(days=1)) == 0  # failed rows are not retried
        assert refusing.count == 0
    outbox = row(outbox_id)
    assert (outbox.status, outbox.attempts) == ("failed", 1)
    assert "550" in outbox.last_error and "Mailbox unavailable" in outbox.last_error
    assert actions(outbox.referral_id) == ["delivery_failed"]
    assert delivery_status(db.session.get(Referral, outbox.referral_id))["state"] == "failed"

    admin = db.session.scalar(select(User).filter_by(email="admin@demo.la"))
    resend(outbox_id, user=admin)
    outbox = row(outbox_id)
    assert (outbox.status, outbox.attempts, outbox.locked_until) == ("queued", 0, None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_requeued"))
    assert event.actor == "admin@demo.la" and event.detail["previous"]["attempts"] == 1

    with running_sink(tmp_path / "mail") as sink:
        ctx.config["SMTP_URL"] = sink.url
        assert deliver_due() == 1
        assert sink.messages()[0]["Message-ID"] == outbox.message_id  # the same message, sent again
    with pytest.raises(DeliveryStateError):
        resend(outbox_id)


def refused_pack(app, tmp_path, pack_specs, reply: str) -> tuple[int, int]:
    """A signed pack whose email the LA's mail server refused for good: (outbox id, referral id). In an
    app context of its own, closed again: the callers' web requests must not share one (see below)."""
    app.config["MAIL_FROM"] = MAIL_FROM
    with app.app_context(), running_sink(tmp_path / "refusing", rcpt_reply=reply) as refusing:
        outbox_id = queue_pack(pack_specs)
        app.config["SMTP_URL"] = refusing.url
        assert deliver_due() == 0 and row(outbox_id).status == "failed"
        return outbox_id, row(outbox_id).referral_id


@pytest.mark.parametrize("email", ["officer@demo.la", "admin@demo.la"])
def test_the_la_sends_a_failed_pack_again_from_its_page(app, tmp_path, pack_specs, email):
    # Requests are made outside an app context of the test's own: one pushed around them would carry
    # flask.g, and the CSRF token cached in it, from one request to the next.
    outbox_id, referral_id = refused_pack(app, tmp_path, pack_specs, "550 5.1.1 Mailbox unavailable")
    client = app.test_client()
    login(client, email)
    page = text(client.get(f"/la/referrals/{referral_id}"))
    assert "Failed" in page and "Mailbox unavailable" in page and "Send the pack again" in page
    sent = client.post(f"/la/referrals/{referral_id}/delivery", data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert sent.status_code == 200
    assert f"The pack will be sent to {LA_INBOX} again within a minute." in text(sent)
    assert "Send the pack again" not in text(sent)  # queued: nothing to press
    with app.app_context():
        outbox = row(outbox_id)
        assert (outbox.status, outbox.attempts, outbox.sends_started) == ("queued", 0, 0)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_requeued"))
        assert event.actor == email and event.referral_id == referral_id
    # Pressed twice (two tabs): the second finds nothing to send again and changes nothing.
    again = client.post(f"/la/referrals/{referral_id}/delivery", data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert "Only a message that failed can be sent again (it may have been sent meanwhile)." in text(again)
    # Without the form's token nothing happens.
    assert client.post(f"/la/referrals/{referral_id}/delivery").status_code == 400
    with app.app_context(), running_sink(tmp_path / "mail") as sink:
        assert actions(referral_id).count("delivery_requeued") == 1
        app.config["SMTP_URL"] = sink.url
        assert deliver_due() == 1
        assert sink.messages()[0]["Message-ID"] == row(outbox_id).message_id  # the same message, sent again


def test_4xx_answers_are_retried_until_the_attempts_run_out(ctx, tmp_path, pack_specs):
    ctx.config["DELIVERY_MAX_ATTEMPTS"] = 2
    outbox_id = queue_pack(pack_specs)
    now = utcnow()
    with running_sink(tmp_path / "busy", rcpt_reply="451 4.3.2 Try again later") as busy:
        ctx.config["SMTP_URL"] = busy.url
        assert deliver_due(now) == 0
        assert (row(outbox_id).status, row(outbox_id).attempts) == ("queued", 1)
        assert "451" in row(outbox_id).last_error
        assert deliver_due(now + dt.timedelta(minutes=2)) == 0
    outbox = row(outbox_id)
    assert (outbox.status, outbox.attempts) == ("failed", 2)
    assert actions(outbox.referral_id) == ["delivery_deferred", "delivery_failed"]


# --- concurrency and crashes ---------------------------------------------------------------

def test_racing_workers_send_each_message_once(app, ctx, smtp_sink, pack_specs):
    ctx.config["SMTP_URL"] = smtp_sink.url
    ids = [queue_pack(pack_specs) for _ in range(6)]
    now = utcnow()
    workers = 4
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():  # each worker has its own session and connection
                barrier.wait()
                results.append(deliver_due(now, limit=10))
        except Exception as exc:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(results) == len(ids)
    received = [m["Message-ID"] for m in smtp_sink.messages()]
    assert sorted(received) == sorted(row(i).message_id for i in ids)  # each exactly once
    assert all((row(i).status, row(i).attempts) == ("sent", 1) for i in ids)


def test_a_claim_left_by_a_dead_worker_expires(ctx, smtp_sink, pack_specs):
    ctx.config["SMTP_URL"] = smtp_sink.url
    outbox_id = queue_pack(pack_specs)
    now = utcnow()
    assert claim_due(now, 10) == [outbox_id]  # claimed, then the worker "dies" before sending
    assert deliver_due(now + dt.timedelta(minutes=1)) == 0  # still claimed: nobody else sends it
    assert deliver_due(now + dt.timedelta(minutes=6)) == 1
    assert smtp_sink.count == 1 and row(outbox_id).attempts == 1


def test_a_worker_whose_claim_expired_does_not_send(ctx, smtp_sink, pack_specs):
    ctx.config["SMTP_URL"] = smtp_sink.url
    outbox_id = queue_pack(pack_specs)
    now = utcnow()
    assert claim_due(now, 10) == [outbox_id]  # worker A claims, then stalls past its claim
    later = now + dt.timedelta(minutes=6)
    assert claim_due(later, 10) == [outbox_id]  # worker B takes the row over
    # A wakes up: its claim is no longer the row's, so it leaves the row to B.
    assert delivery._attempt(outbox_id, delivery.claimed_until(now), later) is None
    assert smtp_sink.count == 0 and row(outbox_id).attempts == 0
    assert delivery._attempt(outbox_id, delivery.claimed_until(later), later) is True
    assert smtp_sink.count == 1


def test_the_api_sends_a_failed_pack_again_for_the_la(app, tmp_path, pack_specs):
    outbox_id, referral_id = refused_pack(app, tmp_path, pack_specs, "554 5.7.1 Message rejected")
    client = app.test_client()
    url = f"/api/v1/referrals/{referral_id}/delivery"
    officer = bearer(api_token(client, "officer@demo.la"))
    failed = client.get(f"/api/v1/referrals/{referral_id}", headers=officer).get_json()["delivery"]
    assert failed["state"] == "failed" and "Message rejected" in failed["last_error"]
    # The school cannot: sending to the LA again is the LA's call.
    refused = client.post(url, headers=bearer(api_token(client, "head@demo.school")))
    assert refused.status_code == 403 and refused.get_json()["message"] == "Your account does not allow this."
    answer = client.post(url, headers=officer)
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["delivery"]["state"], answer.get_json()["delivery"]["attempts"]) == ("queued", 0)
    again = client.post(url, headers=bearer(api_token(client, "admin@demo.la")))
    assert again.status_code == 409 and again.get_json()["message"] == "Only a message that failed can be sent again"
    with app.app_context(), running_sink(tmp_path / "mail") as sink:
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_requeued"))
        assert event.actor == "officer@demo.la" and actions(referral_id).count("delivery_requeued") == 1
        app.config["SMTP_URL"] = sink.url
        assert deliver_due() == 1
        assert sink.messages()[0]["Message-ID"] == row(outbox_id).message_id


# --- a message whose sending kills the worker every time -------------------------------------

WORKER_STOPPED = (f"The worker stopped while sending this message {MAX_UNFINISHED_SENDS} times (it may be too "
                  "large to send): an admin can send it again")


def test_a_message_that_kills_the_worker_every_time_fails_and_the_rest_are_sent(ctx, tmp_path, pack_specs, backend):
    """`forms-service worker` processes against a real SMTP server; whenever one is sending the poison
    message the test SIGKILLs it and starts another, as a supervisor would."""
    poison = queue_pack(pack_specs)  # the oldest: first in the queue and first in the worker's batch
    others = [queue_pack(pack_specs) for _ in range(4)]
    poison_id, other_ids = row(poison).message_id, [row(i).message_id for i in others]

    def settled() -> bool:
        db.session.rollback()  # a new transaction: see what the workers committed
        return row(poison).status == "failed" and all(row(i).status == "sent" for i in others)

    handler = PoisonSink(tmp_path / "mail", poison_id)
    with running_sink(tmp_path / "mail", handler=handler) as sink:
        # A claim of a second: a dead worker's rows are free again a second later.
        env = service_env(ctx, SMTP_URL=sink.url, DELIVERY_CLAIM_SECONDS=1, WORKER_POLL_SECONDS=0.1)
        with Supervisor(env, tmp_path, handler) as supervisor:
            seconds = supervisor.run(settled, timeout=120)

        # Killed once per send of the poison message, up to the bound; then failed without a send.
        assert len(supervisor.kills) == MAX_UNFINISHED_SENDS
        # The rest of the first worker's batch went out on the next round, ahead of the poison message.
        assert handler.seen == [poison_id] + other_ids + [poison_id] * (MAX_UNFINISHED_SENDS - 1)
        assert sorted(m["Message-ID"] for m in sink.messages()) == sorted(other_ids)  # each exactly once
        for outbox_id in others:  # the dead worker's claim on them did not count against them
            outbox = row(outbox_id)
            assert (outbox.status, outbox.attempts, outbox.sends_started) == ("sent", 1, 1)
            assert actions(outbox.referral_id) == ["delivery_sent"]

        outbox = row(poison)
        assert (outbox.status, outbox.attempts, outbox.sends_started, outbox.locked_until) == \
            ("failed", 0, MAX_UNFINISHED_SENDS, None)
        assert outbox.last_error == WORKER_STOPPED
        assert actions(outbox.referral_id) == ["delivery_failed"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_failed"))
        assert (event.actor, event.detail["reason"], event.detail["permanent"]) == ("worker", WORKER_STOPPED, False)
        assert (event.detail["message_id"], event.detail["sends_started"]) == (poison_id, MAX_UNFINISHED_SENDS)
        status = delivery_status(db.session.get(Referral, outbox.referral_id))
        assert (status["state"], status["last_error"]) == ("failed", WORKER_STOPPED)

        # An admin sends it again: queued, with both counts reset; once the cause is gone it goes out.
        admin = db.session.scalar(select(User).filter_by(email="admin@demo.la"))
        resend(poison, user=admin)
        outbox = row(poison)
        assert (outbox.status, outbox.attempts, outbox.sends_started, outbox.locked_until) == ("queued", 0, 0, None)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_requeued"))
        assert event.detail["previous"] == {"attempts": 0, "sends_started": MAX_UNFINISHED_SENDS,
                                            "last_error": WORKER_STOPPED}
        handler.poison_id = None
        ctx.config["SMTP_URL"] = sink.url
        assert deliver_due() == 1
        assert [m["Message-ID"] for m in sink.messages()].count(poison_id) == 1
        assert (row(poison).status, row(poison).attempts, row(poison).sends_started) == ("sent", 1, 1)
    print(f"\nFIGURE poison [{backend}]: failed after {len(supervisor.kills)} workers were killed sending it "
          f"(kills at {', '.join(f'{t:.1f}' for t in supervisor.kills)} s), {seconds:.1f} s in all; "
          f"the {len(others)} others sent once each")


def die_while_sending(outbox_id: int, now: dt.datetime) -> bool:
    """What a worker that dies mid-send leaves: the row claimed and its send begun, never recorded.
    False if the send was not allowed to begin."""
    assert claim_due(now, 10) == [outbox_id]
    return delivery._begin_send(outbox_id, delivery.claimed_until(now), now)


@pytest.mark.parametrize("deaths", [MAX_UNFINISHED_SENDS - 1, MAX_UNFINISHED_SENDS, MAX_UNFINISHED_SENDS + 1])
def test_sends_that_never_came_back_up_to_the_bound(ctx, smtp_sink, pack_specs, deaths):
    now = utcnow()
    outbox_id = queue_pack(pack_specs, now=now)
    # A recorded attempt first (nothing listens at SMTP_URL): it does not count towards the bound.
    assert deliver_due(now) == 0
    assert (row(outbox_id).attempts, row(outbox_id).sends_started) == (1, 1)
    began = []
    for _ in range(deaths):
        now = max(now, row(outbox_id).next_attempt_at) + dt.timedelta(seconds=1)  # due and unclaimed again
        began.append(die_while_sending(outbox_id, now))
    # Never more than the bound of sends that did not come back.
    assert began == [True] * min(deaths, MAX_UNFINISHED_SENDS) + [False] * (deaths - MAX_UNFINISHED_SENDS)
    outbox = row(outbox_id)
    assert outbox.sends_started - outbox.attempts == min(deaths, MAX_UNFINISHED_SENDS)

    ctx.config["SMTP_URL"] = smtp_sink.url
    later = max(now, outbox.next_attempt_at, outbox.locked_until) + dt.timedelta(seconds=1)
    if deaths < MAX_UNFINISHED_SENDS:
        assert deliver_due(later) == 1
        outbox = row(outbox_id)
        assert (outbox.status, outbox.attempts, outbox.sends_started) == ("sent", 2, deaths + 2)
        assert smtp_sink.count == 1
        assert actions(outbox.referral_id) == ["delivery_deferred", "delivery_sent"]
    else:
        assert deliver_due(later) == 0
        outbox = row(outbox_id)
        assert (outbox.status, outbox.attempts, outbox.sends_started, outbox.locked_until) == \
            ("failed", 1, MAX_UNFINISHED_SENDS + 1, None)
        assert outbox.last_error == WORKER_STOPPED
        assert smtp_sink.count == 0  # failed without another send
        assert actions(outbox.referral_id) == ["delivery_deferred", "delivery_failed"]
        assert deliver_due(later + dt.timedelta(days=1)) == 0  # failed rows are not retried


def test_a_send_that_never_came_back_puts_its_row_behind_the_rest_of_the_batch(ctx, smtp_sink, pack_specs):
    now = utcnow()
    first, second, third = (queue_pack(pack_specs, now=now) for _ in range(3))
    assert claim_due(now, 10) == [first, second, third]
    assert delivery._begin_send(first, delivery.claimed_until(now), now)  # ... and the worker dies
    later = delivery.claimed_until(now) + dt.timedelta(seconds=1)
    # The other two were only claimed: nothing counted against them, and they are claimed first.
    assert [row(i).sends_started for i in (first, second, third)] == [1, 0, 0]
    assert claim_due(later, 10) == [second, third, first]


# --- frozen packs --------------------------------------------------------------------------

def test_a_changed_pack_file_is_a_permanent_failure(ctx, smtp_sink, pack_specs):
    ctx.config["SMTP_URL"] = smtp_sink.url
    outbox_id = queue_pack(pack_specs)
    changed = db.session.scalar(select(PackFile).where(PackFile.pack_id == row(outbox_id).pack_id,
                                                       PackFile.role == "evidence"))
    data = bytearray(storage.get(changed.storage_key))
    data[len(data) // 2] ^= 0x01
    storage.put(changed.storage_key, bytes(data))

    assert deliver_due() == 0
    outbox = row(outbox_id)
    assert outbox.status == "failed"
    assert outbox.last_error == "pack file changed since signing: evidence-01-leave_request.png"
    assert smtp_sink.count == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_failed"))
    assert event.detail["permanent"] is True


def test_a_missing_pack_file_is_a_permanent_failure(ctx, smtp_sink, pack_specs):
    ctx.config["SMTP_URL"] = smtp_sink.url
    outbox_id = queue_pack(pack_specs)
    manifest = db.session.scalar(select(PackFile).where(PackFile.pack_id == row(outbox_id).pack_id,
                                                        PackFile.role == "manifest"))
    storage.delete(manifest.storage_key)
    assert deliver_due() == 0
    assert row(outbox_id).status == "failed"
    assert row(outbox_id).last_error == "pack file missing from storage: manifest.json"
    assert smtp_sink.count == 0


def test_delivery_status_is_none_before_signing(ctx):
    school = db.session.scalar(select(School).filter_by(name="Demo School"))
    head = db.session.scalar(select(User).filter_by(email="head@demo.school"))
    referral = Referral(form_id="penalty-notice-leave", school_id=school.id, la_id=school.la_id,
                        data={}, created_by_id=head.id)
    db.session.add(referral)
    db.session.commit()
    assert delivery_status(referral) is None


# --- the background worker -----------------------------------------------------------------

def test_background_worker_delivers_and_survives_a_bad_row(app, ctx, smtp_sink, pack_specs):
    ctx.config["SMTP_URL"] = smtp_sink.url
    ctx.config["WORKER_POLL_SECONDS"] = 0.05
    bad = queue_pack(pack_specs)
    key = db.session.scalar(select(PackFile.storage_key).where(PackFile.pack_id == row(bad).pack_id))
    storage.put(key, b"tampered")
    good = queue_pack(pack_specs)
    db.session.commit()

    thread, stop_event = start_background_worker(app)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (row(good).status == "sent" and row(bad).status == "failed"):
            db.session.rollback()
            time.sleep(0.05)
        assert (row(good).status, row(bad).status) == ("sent", "failed")
        assert thread.is_alive()
        # A late message is picked up by the same running worker.
        later = queue_pack(pack_specs)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and row(later).status != "sent":
            db.session.rollback()
            time.sleep(0.05)
        assert row(later).status == "sent"
    finally:
        stop_event.set()
        thread.join(10)
    assert not thread.is_alive()
    assert smtp_sink.count == 2


# --- mail.py: URLs, message building, error classes ----------------------------------------

def test_smtp_urls():
    plain = parse_smtp_url("smtp://127.0.0.1:8025")
    assert (plain.scheme, plain.host, plain.port, plain.username) == ("smtp", "127.0.0.1", 8025, None)
    target = parse_smtp_url("smtp+starttls://user%40x:p%3Ass@mail.example:587")
    assert (target.scheme, target.host, target.port, target.username, target.password) == \
        ("smtp+starttls", "mail.example", 587, "user@x", "p:ss")
    assert parse_smtp_url("smtps://mail.example").port == 465
    for bad in ("http://x", "smtp://", "mail.example:25", "smtp://x:notaport"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


def test_message_ids_are_unique_and_well_formed():
    ids = {new_message_id("demo.test") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("<") and i.endswith("@demo.test>") for i in ids)
    assert new_message_id("bad domain>\r\n").endswith("@baddomain>")


def test_build_message_types_and_bytes():
    outbox = OutboxMessage(message_id="<1.abc@demo.test>", recipient=LA_INBOX, subject="[PNL] Pack £80",
                           body="Attached.\n", created_at=dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.timezone.utc))
    files = [("a.pdf", PDF, b"%PDF-1.7 x"), ("m.json", "application/json", b'{"a": 1}\n'),
             ("p.png", PNG, b"\x89PNG\r\n\x1a\n..."), ("notes.txt", "text/plain", b"caf\xc3\xa9\r\n")]
    message = build_message(outbox, files, MAIL_FROM)
    assert message["Date"] == "Thu, 05 Nov 2026 09:00:00 +0000"
    assert message["Subject"] == "[PNL] Pack £80"
    parts = list(message.iter_attachments())
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [(n, t) for n, t, _ in files]
    assert [p.get_payload(decode=True) for p in parts] == [d for _, _, d in files]


def test_send_classifies_failures(tmp_path):
    message = build_message(OutboxMessage(message_id="<2.abc@demo.test>", recipient=LA_INBOX, subject="s",
                                          body="b\n", created_at=utcnow()), [], MAIL_FROM)
    with pytest.raises(TransientDeliveryError, match="connection refused"):
        send(message, f"smtp://127.0.0.1:{free_port()}", timeout=5)
    with running_sink(tmp_path / "a", rcpt_reply="550 5.7.1 Relaying denied") as sink:
        with pytest.raises(PermanentDeliveryError, match="550 5.7.1 Relaying denied"):
            send(message, sink.url, timeout=5)
    with running_sink(tmp_path / "b", rcpt_reply="421 4.7.0 Try later") as sink:
        with pytest.raises(TransientDeliveryError, match="421"):
            send(message, sink.url, timeout=5)
    with pytest.raises(PermanentDeliveryError, match="bad SMTP_URL"):
        send(message, "http://127.0.0.1:1")
    with running_sink(tmp_path / "c") as sink:
        assert send(message, sink.url, timeout=5) == {}
        assert sink.count == 1
