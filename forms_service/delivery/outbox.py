"""The outbox worker: sends queued mail with retries, so nothing is lost while SMTP is down.

A row is claimed (`locked_until = now + DELIVERY_CLAIM_SECONDS`, 5 min by default, committed)
before it is sent, so workers in several threads, processes or machines never send the same row
at once: PostgreSQL picks rows with FOR UPDATE SKIP LOCKED; SQLite, which has no row locks, claims
each row with a conditional UPDATE and checks that it changed one row. A worker that dies mid-send
leaves its claim to expire and the row is tried again with the same Message-ID, so a duplicate is
recognisable; a worker that outlived its claim leaves the row to the one that took it over.
No database transaction is open while talking to the mail server.

A message whose sending kills the worker every time (a pack too big for the memory, a crash in a
library) never gets its attempt recorded, so `attempts` cannot stop it. Each send begun is counted
(`sends_started`, just before sending, so the other rows of a dead worker's batch are not charged);
after MAX_UNFINISHED_SENDS sends that never came back the message is marked failed for an admin to
look at. A send begun also moves the row to the back of the queue (`next_attempt_at` = when its claim
runs out), so the rows claimed with it are sent first on the next round instead of dying behind it.
"""
from __future__ import annotations

import datetime as dt
import faulthandler
import logging
import random
import threading
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from .. import storage
from ..audit import record
from ..config import Config
from ..models import OutboxMessage, PackFile, Referral, User, db, init_db, utcnow
from .mail import PermanentDeliveryError, TransientDeliveryError, build_message, send

log = logging.getLogger(__name__)

BATCH = 10
MAX_ERROR_CHARS = 500
# Sends of one message begun and never recorded before it is failed instead of tried again: its worker
# died (a crashed host, a SIGKILL; SIGTERM lets the current message finish) or outlived its claim (a
# send slower than DELIVERY_CLAIM_SECONDS, as a huge pack to a slow server can be). A message that kills
# the worker itself does so every time, and each death holds up the rest of that worker's batch for a
# claim (5 min by default) and, out of memory, may bring the OOM killer down on other processes: the
# fewer the better. But a good pack may be unlucky: in tests/test_faults.py, which SIGKILLs workers 20
# times in about ten seconds while they send 25 packs, a pack had at most 3 sends that never came back
# (deaths, and the send that outlived its 1-s claim; in 5 of 21 runs, never more). Five keeps that two
# clear, and a poison message still fails after 5 deaths, about 25 minutes after its first try; an admin
# can send it again.
MAX_UNFINISHED_SENDS = 5
# A "Forgot your password?" email (forms_service/access/resets.py): its body holds a link that sets the account's
# password, so the text is kept only until the message has gone (or failed for good), not for
# RETENTION_OUTBOX_BODY: nobody who can read the database afterwards can use it.
RESET_LINK_KIND = "password_reset"
RESET_BODY_CLEARED = "[The text of this message held a password-reset link: removed once sent.]"


class DeliveryStateError(ValueError):
    """An action that the message's state does not allow (e.g. resending one already sent)."""


def backoff(attempts: int, *, base: float = 60, cap: float = 3600, rng=random.random) -> dt.timedelta:
    """Wait before the next try after `attempts` failures: base (DELIVERY_BACKOFF_SECONDS, a minute),
    then twice as long each time up to `cap` (an hour), +0–10%.

    The jitter spreads out retries of many messages queued while the server was down.
    """
    wait = min(base * 2 ** max(attempts - 1, 0), max(cap, base))
    return dt.timedelta(seconds=wait * (1 + 0.1 * rng()))


def _utc(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    # Always UTC: SQLite stores the wall time without its zone, so mixed zones would misorder.
    return now.astimezone(dt.timezone.utc)


def _due(now: dt.datetime):
    return (OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))


def claimed_until(now: dt.datetime) -> dt.datetime:
    """The `locked_until` a claim made at `now` writes; the exact value identifies the claim."""
    return now + dt.timedelta(seconds=current_app.config.get("DELIVERY_CLAIM_SECONDS", 300))


def claim_due(now: dt.datetime, limit: int) -> list[int]:
    """Claim up to `limit` due rows for this worker and commit the claim; returns their ids."""
    session = db.session
    lock_until = claimed_until(now)
    order = (OutboxMessage.next_attempt_at, OutboxMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(select(OutboxMessage.id).where(*_due(now)).order_by(*order)
                                   .limit(limit).with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(locked_until=lock_until).execution_options(synchronize_session=False))
        session.commit()
        return ids
    candidates = list(session.scalars(select(OutboxMessage.id).where(*_due(now)).order_by(*order).limit(limit)))
    session.commit()
    claimed = []
    for outbox_id in candidates:
        # Still due and unclaimed at the moment of writing: another worker may have got there first.
        result = session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id, *_due(now))
                                 .values(locked_until=lock_until).execution_options(synchronize_session=False))
        session.commit()
        if result.rowcount == 1:
            claimed.append(outbox_id)
    return claimed


def load_attachments(outbox: OutboxMessage) -> list[tuple[str, str, bytes]]:
    """The pack's files in position order, each checked against the SHA-256 recorded at signing.

    Only the LA's copy (`la_pack`) carries the pack; a notice to the school (`school_notice`,
    a return with the LA's reasons) is text only, whatever it refers to."""
    if outbox.pack_id is None or outbox.kind != "la_pack":
        return []
    files = db.session.scalars(select(PackFile).where(PackFile.pack_id == outbox.pack_id)
                               .order_by(PackFile.position, PackFile.id))
    out = []
    for item in files:
        try:
            data = storage.get(item.storage_key)
        except storage.MissingFile:
            # Signed means frozen: an incomplete pack must not reach the LA.
            raise PermanentDeliveryError(f"pack file missing from storage: {item.name}") from None
        # Any other StorageError (the storage down or unreachable) goes up to deliver_one, which counts
        # it as an attempt and tries again later: an outage must not fail a pack for good.
        if storage.sha256(data) != item.sha256:
            raise PermanentDeliveryError(f"pack file changed since signing: {item.name}")
        out.append((item.name, item.content_type, data))
    return out


def _short(reason: str) -> str:
    reason = " ".join(str(reason).split())
    return reason if len(reason) <= MAX_ERROR_CHARS else reason[:MAX_ERROR_CHARS - 1] + "…"


def _referral(outbox: OutboxMessage) -> Referral | None:
    return db.session.get(Referral, outbox.referral_id) if outbox.referral_id is not None else None


def _begin_send(outbox_id: int, claim: dt.datetime, now: dt.datetime) -> bool:
    """Just before sending: renew our claim and count the send begun. False if the claim expired and
    another worker took the row, or if the row has had MAX_UNFINISHED_SENDS sends that never came back.

    Renewing: a batch can take minutes against a slow server; without it, a row near the end of the
    batch could be claimed by a second worker meanwhile and sent twice. Counting here, not when the
    batch is claimed: a worker killed while sending one row must not count against the others it held.
    """
    until = claimed_until(now)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "queued",
               OutboxMessage.locked_until == claim,  # the value we wrote marks our claim
               OutboxMessage.sends_started - OutboxMessage.attempts < MAX_UNFINISHED_SENDS)
        # If this send never comes back, the row is due again when the claim runs out, and behind
        # every row due before then: the rest of a dead worker's batch goes first.
        .values(locked_until=until, next_attempt_at=until, sends_started=OutboxMessage.sends_started + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _fail_unfinished(outbox_id: int, claim: dt.datetime) -> bool:
    """Mark our claimed row failed if it has had MAX_UNFINISHED_SENDS sends that never came back;
    False (nothing changed) if it has not, or the claim is no longer ours."""
    reason = (f"The worker stopped while sending this message {MAX_UNFINISHED_SENDS} times (it may be too "
              "large to send): an admin can send it again")
    # Conditional, like the claim: on SQLite, which has no row locks, a worker taking the row over
    # meanwhile makes this change nothing.
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "queued",
               OutboxMessage.locked_until == claim,
               OutboxMessage.sends_started - OutboxMessage.attempts >= MAX_UNFINISHED_SENDS)
        .values(status="failed", last_error=reason, locked_until=None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        return False
    outbox = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    if outbox.kind == RESET_LINK_KIND:
        outbox.body = RESET_BODY_CLEARED
    record("delivery_failed", referral=_referral(outbox), actor="worker",
           detail={"message_id": outbox.message_id, "recipient": outbox.recipient, "attempts": outbox.attempts,
                   "sends_started": outbox.sends_started, "reason": reason, "permanent": False})
    db.session.commit()  # the row and its audit event together
    log.error("outbox %s: failed: %d sends never came back (the worker stopped while sending)",
              outbox_id, outbox.sends_started - outbox.attempts)
    return True


def _attempt(outbox_id: int, claim: dt.datetime, now: dt.datetime) -> bool | None:
    """Try one claimed row. True: sent; False: not sent (rescheduled or failed); None: not ours."""
    config = current_app.config
    if not _begin_send(outbox_id, claim, now):
        if _fail_unfinished(outbox_id, claim):
            return False
        log.warning("outbox %s: claim lost before sending; left to the worker that holds it", outbox_id)
        return None
    outbox = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    message_id, recipient = outbox.message_id, outbox.recipient
    unfinished = outbox.sends_started - 1 - outbox.attempts
    if unfinished:
        log.warning("outbox %s: sending again after %d send(s) that never came back (the worker stopped)",
                    outbox_id, unfinished)
    message, error = None, None
    try:
        message = build_message(outbox, load_attachments(outbox), config["MAIL_FROM"])
    except PermanentDeliveryError as exc:
        error = exc
    except SQLAlchemyError:
        raise
    except Exception as exc:  # e.g. storage unreadable: counts as an attempt, so it cannot loop forever
        log.exception("outbox %s: could not build the message", outbox_id)
        error = TransientDeliveryError(f"internal error: {type(exc).__name__}: {exc}")
    # End the read transaction: nothing stays open in the database while we talk to the server.
    db.session.rollback()
    if message is not None:
        try:
            send(message, config["SMTP_URL"])
        except (PermanentDeliveryError, TransientDeliveryError) as exc:
            error = exc
        except Exception as exc:  # a bug or an unforeseen failure: retried like a transient one
            log.exception("outbox %s: unexpected error while sending", outbox_id)
            error = TransientDeliveryError(f"internal error: {type(exc).__name__}: {exc}")

    # Locked (on PostgreSQL) while we record, so a worker taking the row over waits for us.
    outbox = db.session.get(OutboxMessage, outbox_id, populate_existing=True, with_for_update=True)
    if outbox.status != "queued" or (error is not None and outbox.locked_until != claimed_until(now)):
        # Our claim ran out while we waited for the server, and another worker took the row over and
        # has recorded it (sent, or failed) or is still trying: what it records stands. A failure of
        # ours must not turn a sent message back into a retry; had ours gone out too, it is the same
        # message (same Message-ID).
        db.session.rollback()
        log.warning("outbox %s: %s after our claim ran out; left as the worker that took over records it",
                    outbox_id, "sent" if error is None else f"not sent ({_short(str(error))})")
        return None
    referral = _referral(outbox)
    outbox.attempts += 1
    outbox.locked_until = None
    if error is None:
        outbox.status, outbox.sent_at, outbox.last_error = "sent", now, None
        if outbox.kind == RESET_LINK_KIND:
            outbox.body = RESET_BODY_CLEARED
        record("delivery_sent", referral=referral, actor="worker",
               detail={"message_id": message_id, "recipient": recipient, "attempts": outbox.attempts})
        db.session.commit()
        log.info("outbox %s: sent %s to %s", outbox_id, message_id, recipient)
        return True

    reason = _short(str(error))
    outbox.last_error = reason
    permanent = isinstance(error, PermanentDeliveryError)
    if permanent or outbox.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
        outbox.status = "failed"
        if outbox.kind == RESET_LINK_KIND:
            outbox.body = RESET_BODY_CLEARED  # sending it again later would send a dead link
        record("delivery_failed", referral=referral, actor="worker",
               detail={"message_id": message_id, "recipient": recipient, "attempts": outbox.attempts,
                       "reason": reason, "permanent": permanent})
        log.warning("outbox %s: failed after %d attempt(s): %s", outbox_id, outbox.attempts, reason)
    else:
        outbox.next_attempt_at = now + backoff(outbox.attempts, base=config.get("DELIVERY_BACKOFF_SECONDS", 60))
        record("delivery_deferred", referral=referral, actor="worker",
               detail={"message_id": message_id, "recipient": recipient, "attempts": outbox.attempts,
                       "reason": reason, "next_attempt_at": outbox.next_attempt_at.isoformat()})
        log.info("outbox %s: attempt %d failed (%s); next at %s", outbox_id, outbox.attempts, reason,
                 outbox.next_attempt_at.isoformat())
    db.session.commit()
    return False


# The watchdog of `forms-service worker`. A PostgreSQL connection that stops answering mid-query (a
# stuck server process, a network stall the kernel still ACKs) leaves psycopg waiting for ever: TCP
# keepalives see a live peer, and statement_timeout runs on the stuck server. faulthandler's watchdog is
# a C thread, so it fires even while the main thread is blocked in psycopg's wait: it writes "Timeout"
# and every thread's traceback to stderr and exits with status 1; the supervisor starts the worker
# again, its claims expire and those messages are retried with the same Message-ID.
# The unit is one step, not a whole round: claiming a batch (a database round trip), then each message
# (renewing its claim, building, sending, recording). A round of ten messages that each wait out the
# 30-s SMTP timeout is ten steps of 30 s, and the bound does not depend on the batch. The bound,
# WORKER_WATCHDOG_SECONDS (config.py), is by default the claim plus one SMTP timeout: a message's step is
# of use only while its claim lasts (then another worker may take the row over), and a send still
# waiting on the mail server when the claim ran out has one more SMTP timeout to end by itself and record
# what happened, instead of being killed and counted as a send that never came back (five fail it).
# The in-process worker of `forms-service serve` never arms it: it would take the web server down too.
def _watch(seconds: float | None) -> None:
    """Start the watchdog's count again: `seconds` from now without another step, the process exits."""
    if seconds is not None:
        faulthandler.dump_traceback_later(seconds, exit=True)


def _deliver(now: dt.datetime | None, limit: int, watchdog: float | None = None) -> tuple[int, int]:
    fixed = now is not None  # tests pass the time; otherwise each step reads the clock
    start = _utc(now)
    _watch(watchdog)
    claimed = claim_due(start, limit)
    sent = 0
    for outbox_id in claimed:
        _watch(watchdog)
        try:
            sent += bool(_attempt(outbox_id, claimed_until(start), start if fixed else utcnow()))
        except SQLAlchemyError:
            # The database itself is in trouble: stop this round; unfinished claims expire.
            db.session.rollback()
            raise
        except Exception:
            # One bad row must not hold up the others; its claim expires and it is tried again.
            db.session.rollback()
            log.exception("outbox %s: could not be processed", outbox_id)
    return len(claimed), sent


def deliver_due(now: dt.datetime | None = None, limit: int = BATCH, watchdog: float | None = None) -> int:
    """Send up to `limit` due messages (needs an app context); returns how many were sent.

    `watchdog` (seconds; `forms-service worker --once`): a step that takes longer ends the process
    with status 1 (see `_watch`)."""
    try:
        return _deliver(now, limit, watchdog)[1]
    finally:
        if watchdog is not None:
            faulthandler.cancel_dump_traceback_later()


def resend(outbox_id: int, *, user: User | None = None, now: dt.datetime | None = None) -> OutboxMessage:
    """Put a failed message back in the queue for an admin (same Message-ID); commits."""
    outbox = db.session.get(OutboxMessage, outbox_id)
    if outbox is None:
        raise DeliveryStateError("No such message")
    if outbox.status != "failed":
        raise DeliveryStateError("Only a message that failed can be sent again")
    previous = {"attempts": outbox.attempts, "sends_started": outbox.sends_started, "last_error": outbox.last_error}
    # The counts start again so the message gets a full set of retries; the audit keeps the old ones.
    outbox.status, outbox.attempts, outbox.sends_started = "queued", 0, 0
    outbox.next_attempt_at, outbox.locked_until = _utc(now), None
    record("delivery_requeued", user=user, referral=_referral(outbox),
           actor=None if user is not None else "system",
           detail={"message_id": outbox.message_id, "recipient": outbox.recipient, "previous": previous})
    db.session.commit()
    return outbox


def latest_pack_message(referral: Referral) -> OutboxMessage | None:
    """The email taking the latest signed version's pack to the LA (the newest, should there be more),
    or None if nothing has been signed. The LA's page, the API and "Send the pack again" all mean this one."""
    pack = referral.latest_pack
    if pack is None:
        return None
    return db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.pack_id == pack.id, OutboxMessage.kind == "la_pack")
        .order_by(OutboxMessage.id.desc()).limit(1))


def resend_latest_pack(referral: Referral, user: User) -> OutboxMessage:
    """"Send the pack again" on the LA's page: the latest signed version's message to the LA, if it
    failed, back in the queue as `resend` does (same Message-ID, full retries, audited)."""
    outbox = latest_pack_message(referral)
    if outbox is None:
        raise DeliveryStateError("This referral has no signed pack to send")
    return resend(outbox.id, user=user)


def delivery_status(referral: Referral) -> dict | None:
    """The state of the latest pack's delivery to the LA, or None if nothing has been signed."""
    outbox = latest_pack_message(referral)
    if outbox is None:
        return None
    return {"state": outbox.status, "attempts": outbox.attempts, "sent_at": outbox.sent_at,
            "last_error": outbox.last_error,
            "next_attempt_at": outbox.next_attempt_at if outbox.status == "queued" else None}


def run_worker(app: Flask, stop_event: threading.Event, poll_seconds: float | None = None,
               limit: int = BATCH, watchdog: float | None = None,
               after_round: Callable[[], object] | None = None) -> None:
    """Deliver due messages until `stop_event` is set. Logs errors and carries on.

    `watchdog` (seconds; `forms-service worker` only): a step of a round that takes longer ends the
    process with status 1 (see `_watch`). `after_round`: called after each round, outside the watchdog
    (the entry points pass the daily digests, reminders/daily.py: delivery imports no other wing)."""
    poll = app.config.get("WORKER_POLL_SECONDS", 2) if poll_seconds is None else poll_seconds
    failures = 0
    while not stop_event.is_set():
        claimed = 0
        try:
            # Leaving the context returns the connection to the pool (a rollback): still the last step's.
            with app.app_context():
                claimed, _ = _deliver(None, limit, watchdog)
            failures = 0
        except Exception:
            failures += 1
            log.exception("outbox worker: delivery round failed (%d in a row)", failures)
        if watchdog is not None:
            faulthandler.cancel_dump_traceback_later()  # waiting for the next round is not being stuck
        if after_round is not None:
            try:
                after_round()
            except Exception:
                log.exception("outbox worker: the work after a round failed")
        if claimed >= limit:
            continue  # a full batch: there may be more waiting
        # After a database hiccup, wait longer each time (up to a minute) rather than spin.
        stop_event.wait(poll if failures == 0 else min(poll * 2 ** failures, 60))


def worker_app(environ: dict | None = None) -> Flask:
    """An app with only the configuration and the database, for `forms-service worker`: it starts
    in a fraction of the full app's time (no WeasyPrint, templates or pages), which matters when a
    supervisor restarts a worker that died, and the worker needs nothing else."""
    app = Flask(__name__.rpartition(".")[0])
    app.config.from_mapping(Config(environ).as_dict())
    init_db(app, "forms-service worker")
    return app


def start_background_worker(app: Flask, after_round: Callable[[], object] | None = None
                            ) -> tuple[threading.Thread, threading.Event]:
    """The in-process worker of the embedded default: a daemon thread; set the event to stop it."""
    stop_event = threading.Event()
    thread = threading.Thread(target=run_worker, args=(app, stop_event), kwargs={"after_round": after_round},
                              name="outbox-worker", daemon=True)
    thread.start()
    return thread, stop_event
