"""The outbox worker: sends queued mail with retries, so nothing is lost while SMTP is down.

A row is claimed (`locked_until = now + DELIVERY_CLAIM_SECONDS`, 5 min by default, committed)
before it is sent, so workers in several threads, processes or machines never send the same row
at once: PostgreSQL picks rows with FOR UPDATE SKIP LOCKED; SQLite, which has no row locks, claims
each row with a conditional UPDATE and checks that it changed one row. A worker that dies mid-send
leaves its claim to expire and the row is tried again with the same Message-ID, so a duplicate is
recognisable; a worker that outlived its claim leaves the row to the one that took it over.
No database transaction is open while talking to the mail server.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import threading

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from . import storage
from .audit import record
from .mail import PermanentDeliveryError, TransientDeliveryError, build_message, send
from .models import OutboxMessage, PackFile, Referral, User, db, utcnow

log = logging.getLogger(__name__)

BATCH = 10
MAX_ERROR_CHARS = 500


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


def _renew_claim(outbox_id: int, claim: dt.datetime, now: dt.datetime) -> bool:
    """Extend our claim just before sending; False if it expired and another worker took the row.

    A batch can take minutes against a slow server: without this, a row near the end of the
    batch could be claimed by a second worker meanwhile and sent twice.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "queued",
               OutboxMessage.locked_until == claim)  # the value we wrote marks our claim
        .values(locked_until=claimed_until(now)).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _attempt(outbox_id: int, claim: dt.datetime, now: dt.datetime) -> bool | None:
    """Try one claimed row. True: sent; False: not sent (rescheduled or failed); None: not ours."""
    config = current_app.config
    if not _renew_claim(outbox_id, claim, now):
        log.warning("outbox %s: claim lost before sending; left to the worker that holds it", outbox_id)
        return None
    outbox = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    message_id, recipient = outbox.message_id, outbox.recipient
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


def _deliver(now: dt.datetime | None, limit: int) -> tuple[int, int]:
    fixed = now is not None  # tests pass the time; otherwise each step reads the clock
    start = _utc(now)
    claimed = claim_due(start, limit)
    sent = 0
    for outbox_id in claimed:
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


def deliver_due(now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Send up to `limit` due messages (needs an app context); returns how many were sent."""
    return _deliver(now, limit)[1]


def resend(outbox_id: int, *, user: User | None = None, now: dt.datetime | None = None) -> OutboxMessage:
    """Put a failed message back in the queue for an admin (same Message-ID); commits."""
    outbox = db.session.get(OutboxMessage, outbox_id)
    if outbox is None:
        raise DeliveryStateError("No such message")
    if outbox.status != "failed":
        raise DeliveryStateError("Only a message that failed can be sent again")
    previous = {"attempts": outbox.attempts, "last_error": outbox.last_error}
    # The attempt count starts again so the message gets a full set of retries; the audit keeps the old one.
    outbox.status, outbox.attempts = "queued", 0
    outbox.next_attempt_at, outbox.locked_until = _utc(now), None
    record("delivery_requeued", user=user, referral=_referral(outbox),
           actor=None if user is not None else "system",
           detail={"message_id": outbox.message_id, "recipient": outbox.recipient, "previous": previous})
    db.session.commit()
    return outbox


def delivery_status(referral: Referral) -> dict | None:
    """The state of the latest pack's delivery to the LA, or None if nothing has been signed."""
    pack = referral.latest_pack
    if pack is None:
        return None
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.pack_id == pack.id)
                                   .order_by(OutboxMessage.id.desc())))
    if not rows:
        return None
    outbox = next((r for r in rows if r.kind == "la_pack"), rows[0])
    return {"state": outbox.status, "attempts": outbox.attempts, "sent_at": outbox.sent_at,
            "last_error": outbox.last_error,
            "next_attempt_at": outbox.next_attempt_at if outbox.status == "queued" else None}


def run_worker(app: Flask, stop_event: threading.Event, poll_seconds: float | None = None,
               limit: int = BATCH) -> None:
    """Deliver due messages until `stop_event` is set. Logs errors and carries on."""
    poll = app.config.get("WORKER_POLL_SECONDS", 2) if poll_seconds is None else poll_seconds
    failures = 0
    while not stop_event.is_set():
        claimed = 0
        try:
            with app.app_context():
                claimed, _ = _deliver(None, limit)
            failures = 0
        except Exception:
            failures += 1
            log.exception("outbox worker: delivery round failed (%d in a row)", failures)
        if claimed >= limit:
            continue  # a full batch: there may be more waiting
        # After a database hiccup, wait longer each time (up to a minute) rather than spin.
        stop_event.wait(poll if failures == 0 else min(poll * 2 ** failures, 60))


def worker_app(environ: dict | None = None) -> Flask:
    """An app with only the configuration and the database, for `forms-service worker`: it starts
    in a fraction of the full app's time (no WeasyPrint, templates or pages), which matters when a
    supervisor restarts a worker that died, and the worker needs nothing else."""
    from .config import Config

    app = Flask(__name__.rpartition(".")[0])
    app.config.from_mapping(Config(environ).as_dict())
    db.init_app(app)
    return app


def start_background_worker(app: Flask) -> tuple[threading.Thread, threading.Event]:
    """The in-process worker of the embedded default: a daemon thread; set the event to stop it."""
    stop_event = threading.Event()
    thread = threading.Thread(target=run_worker, args=(app, stop_event), name="outbox-worker", daemon=True)
    thread.start()
    return thread, stop_event
