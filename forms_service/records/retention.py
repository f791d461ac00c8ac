"""Retention (issue 5, README "Data protection"): remove personal data once its period has passed.

Every referral (and letter, contract, plan: the same table) has one record type, and its period
(forms_service/config.py RETENTION_DEFAULTS, set by environment) runs from its last change:

| type       | which records                                               | from                          |
|------------|-------------------------------------------------------------|-------------------------------|
| `draft`    | a referral never signed (draft, awaiting sign-off)          | its last change               |
| `document` | a letter, agreement, plan or record (never sent to the LA)  | its last change or sending    |
| `signed`   | signed and sent to the LA, or accepted by it                | the last signing or decision  |
| `returned` | signed once, returned by the LA and not signed again        | the last change or decision   |

A purged referral goes whole: its evidence and every signed version's files (in storage and as rows),
the LA's ticks and decisions, its outbox rows, a letter's record of being sent (letter_sendings) and its
audit events (deleted inside
`audit.retention_purge`, the only place the trail may lose events), then the referral. Evidence
replaced by a later upload is no longer a row but its file was kept in storage (referrals.attach_evidence);
it is found by the SHA-256 its `evidence_uploaded` event recorded and removed with the referral.
Files in storage that no row and no upload event account for (a crash between writing the file and
committing) are removed once they are older than the draft period.

Separately, rows that belong to no record:

| what                                                   | removed                                         |
|--------------------------------------------------------|-------------------------------------------------|
| the text of a delivered email                          | RETENTION_OUTBOX_BODY after it was sent (cleared) |
| sign-in throttle rows (emails, network addresses: forms_service/access/throttle.py) | LOGIN_FORGET_HOURS after their last attempt, or RETENTION_SIGN_IN after it for the record that an account signed in from an address |
| password-reset links and their emails (forms_service/access/resets.py) | RETENTION_PASSWORD_RESET after the link expired (a reset email's text goes once it is sent) |
| letters made in bulk (forms_service/letters/jobs.py)  | RETENTION_BULK_LETTERS after they were made     |
| LA-wide screens (forms_service/cases/screen_jobs.py): the list and any files left | RETENTION_LA_SCREENS after the screen; the counts of each LA's latest screen (no pupil) stay for its dashboard |
| the pupils a school imported from its MIS (forms_service/roll/) | RETENTION_ROLL after the import |
| hourly rate counts (forms_service/access/quotas.py)   | once their hour is over                         |
| a school's daily digests (forms_service/reminders/digest.py: the row, counts only) and their emails | RETENTION_DIGEST after the digest's day (an email: after it was queued, once sent or failed); a digest's email text is not cleared at RETENTION_OUTBOX_BODY, it goes whole at this period |

What is removed is counted — by form, status, record type and the year the record was made —
and the counts (no names, references or ids) are kept as one audit event with no referral,
action `retention_purged`. Rows are deleted in one transaction; files are deleted only once it has
committed, so a failure never leaves a row pointing at a missing file. The school deleting a draft it
does not need (records/deletion.py) removes that one record by the same path (`remove_record`).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from .. import dates, storage
from ..access import quotas, resets, throttle
from ..audit import record, retention_purge
from ..cases import screen_jobs
from ..config import retention_period
from ..delivery.outbox import RESET_LINK_KIND
from ..formdefs import get_form
from ..letters import jobs
from ..models import (AuditEvent, Decision, Evidence, LetterSending, NoticeFile, OutboxMessage, Outcome, Pack,
                      PackCheck, PackFile, Referral, db, utcnow)
from ..reminders import digest as digests
from ..roll import imports

SETTING = {"draft": "RETENTION_DRAFT", "document": "RETENTION_DOCUMENT", "signed": "RETENTION_SIGNED",
           "returned": "RETENTION_RETURNED", "outbox_body": "RETENTION_OUTBOX_BODY",
           "bulk_letters": "RETENTION_BULK_LETTERS", "la_screens": "RETENTION_LA_SCREENS", "password_reset": "RETENTION_PASSWORD_RESET",
           "roll": "RETENTION_ROLL", "digest": "RETENTION_DIGEST"}
CLEARED_BODY = "[The text of this message was removed after its retention period.]"
ACTION = "retention_purged"


def period(kind: str) -> tuple[int, str]:
    return retention_period(current_app.config, SETTING[kind])


def add_period(start: dt.datetime, kind: str) -> dt.datetime:
    """start + the period of `kind`; calendar years (29 February + 1y -> 28 February)."""
    return dates.add_period(start, *period(kind))


def record_type(referral: Referral) -> str:
    form = get_form(referral.form_id)
    if form is not None and form.kind != "referral":
        return "document"
    if referral.status in ("signed", "accepted"):
        return "signed"
    if referral.packs or referral.status == "returned":
        return "returned"
    return "draft"


def last_change(referral: Referral) -> dt.datetime:
    """When the record last changed: the latest of its own change, its signings, the LA's decisions and
    a letter's sendings (views and downloads do not count: reading a record does not extend its life)."""
    times = [referral.updated_at, referral.created_at]
    times += [p.signed_at for p in referral.packs]
    times += [d.decided_at for d in referral.decisions]
    # A letter recorded as sent changed then: its period runs from its latest sending (issue 18).
    times += [s.recorded_at for s in referral.sendings]
    return max(t for t in times if t is not None)


def expires_at(referral: Referral) -> dt.datetime:
    return add_period(last_change(referral), record_type(referral))


@dataclass
class Report:
    now: dt.datetime
    dry_run: bool
    referral_ids: list[int] = field(default_factory=list)  # kept in memory for tests; never printed
    by_type: Counter = field(default_factory=Counter)
    by_form: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    by_year: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)  # table -> rows deleted
    files: list[str] = field(default_factory=list)  # storage keys removed (or to remove)
    superseded_files: int = 0
    unreferenced_files: int = 0
    outbox_bodies_cleared: int = 0
    file_errors: list[str] = field(default_factory=list)

    @property
    def referrals(self) -> int:
        return len(self.referral_ids)

    def counts(self) -> dict:
        """The anonymised counts: what the `retention_purged` event keeps."""
        return {
            "referrals": self.referrals,
            "record_type": dict(sorted(self.by_type.items())),
            "form_id": dict(sorted(self.by_form.items())),
            "status": dict(sorted(self.by_status.items())),
            "year": {str(k): v for k, v in sorted(self.by_year.items())},
            "rows": dict(sorted(self.rows.items())),
            "files": len(self.files),
            "superseded_evidence_files": self.superseded_files,
            "unreferenced_files": self.unreferenced_files,
            "outbox_bodies_cleared": self.outbox_bodies_cleared,
            "periods": {SETTING[k]: "{} {}".format(*period(k)) for k in SETTING},
        }

    def lines(self) -> list[str]:
        """For the CLI: counts only, never a name or a reference."""
        head = "Would remove" if self.dry_run else "Removed"
        out = [f"{head} {self.referrals} record(s) past their retention period (as of {self.now:%Y-%m-%d %H:%M} UTC)."]
        for title, counter in (("by record type", self.by_type), ("by form", self.by_form),
                               ("by status", self.by_status), ("by year made", self.by_year)):
            if counter:
                out.append(f"  {title}: " + ", ".join(f"{k} {v}" for k, v in sorted(counter.items())))
        if self.rows:
            out.append("  rows: " + ", ".join(f"{k} {v}" for k, v in sorted(self.rows.items())))
        out.append(f"  files: {len(self.files)} (of which {self.superseded_files} replaced evidence, "
                   f"{self.unreferenced_files} unreferenced)")
        out.append(f"  delivered email texts cleared: {self.outbox_bodies_cleared}")
        if self.file_errors:
            out.append(f"  {len(self.file_errors)} file(s) could not be removed; run purge again:")
            out.extend(f"    {e}" for e in self.file_errors)
        return out


# --- files ---------------------------------------------------------------------------------------

def _unreferenced() -> dict[str, tuple[str, dt.datetime]]:
    """{storage key: (SHA-256, when written)} of files no Evidence or PackFile row refers to (replaced
    evidence, leftovers of a failed write), in whichever storage is configured."""
    referenced = set(db.session.scalars(select(Evidence.storage_key)))
    referenced |= set(db.session.scalars(select(PackFile.storage_key)))
    referenced |= set(db.session.scalars(select(NoticeFile.storage_key)))  # notices the LA issued
    referenced |= jobs.stored_keys()  # letters made in bulk: removed with their job (jobs.purge_expired)
    referenced |= screen_jobs.stored_keys()  # LA screens' lists and files: removed with their job
    out = {}
    for item in storage.list_files():
        if item.key in referenced:
            continue
        try:
            out[item.key] = (storage.sha256(storage.get(item.key)), item.modified_at)
        except storage.MissingFile:  # removed since it was listed
            continue
    return out


def unreferenced_files() -> dict[str, str]:
    """{storage key: SHA-256} of files no Evidence or PackFile row refers to."""
    return {key: digest for key, (digest, _) in _unreferenced().items()}


def uploads_by_referral(referral_ids=None) -> dict[int, list[dict]]:
    """{referral id: [evidence_uploaded detail, ...]}: every file ever uploaded to the referral."""
    query = select(AuditEvent).where(AuditEvent.action == "evidence_uploaded", AuditEvent.referral_id.is_not(None))
    if referral_ids is not None:
        query = query.where(AuditEvent.referral_id.in_(list(referral_ids)))
    out: dict[int, list[dict]] = {}
    for event in db.session.scalars(query.order_by(AuditEvent.id)):
        if isinstance(event.detail, dict) and event.detail.get("sha256"):
            out.setdefault(event.referral_id, []).append(event.detail)
    return out


def superseded_evidence(referral: Referral, orphans: dict[str, str] | None = None) -> list[dict]:
    """Files uploaded to this referral and replaced since, still on disk: [{key, kind, filename, sha256}]."""
    orphans = unreferenced_files() if orphans is None else orphans
    uploads = uploads_by_referral([referral.id]).get(referral.id, [])
    out = []
    for key, digest in sorted(orphans.items()):
        match = next((u for u in uploads if u["sha256"] == digest), None)
        if match is not None and key.startswith("evidence/"):
            out.append({"key": key, "kind": match.get("kind"), "filename": match.get("filename"), "sha256": digest})
    return out


def _remove_file(key: str, report: Report) -> None:
    try:
        storage.delete(key)
    except storage.StorageError as exc:
        report.file_errors.append(f"{key}: {exc}")


# --- the purge -----------------------------------------------------------------------------------

def due(now: dt.datetime) -> list[Referral]:
    """Referrals whose retention period has passed by `now` (oldest first)."""
    query = select(Referral).options(selectinload(Referral.packs), selectinload(Referral.decisions),
                                     selectinload(Referral.sendings))
    return [r for r in db.session.scalars(query.order_by(Referral.id)) if expires_at(r) < now]


def purge(now: dt.datetime | None = None, dry_run: bool = False, *, actor: str = "retention purge") -> Report:
    """Remove every record past its period as of `now` (default: now). With dry_run, only count."""
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    report = Report(now=now, dry_run=dry_run)
    victims = due(now)
    ids = [r.id for r in victims]

    orphans = _unreferenced()
    uploads = uploads_by_referral()
    pack_ids = _take_stock(victims, report, orphans, uploads)
    purged_shas, kept_shas = _upload_shas(ids, uploads)
    for key, (digest, written) in sorted(orphans.items()):
        if digest not in kept_shas and digest not in purged_shas and add_period(written, "draft") < now:
            report.files.append(key)
            report.unreferenced_files += 1

    bodies = [m for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "sent", OutboxMessage.sent_at.is_not(None),
                                    OutboxMessage.body != CLEARED_BODY,
                                    # cleared when sent, and resets.purge_expired deletes them; a digest's go whole
                                    OutboxMessage.kind.not_in((RESET_LINK_KIND, digests.KIND))))
        if m.referral_id not in set(ids) and add_period(m.sent_at, "outbox_body") < now]
    report.outbox_bodies_cleared = len(bodies)

    jobs.purge_expired(now, report, dry_run)  # letters made in bulk, past RETENTION_BULK_LETTERS
    screen_jobs.purge_expired(now, report, dry_run)  # LA screens' lists, past RETENTION_LA_SCREENS
    quotas.purge_expired(now, report, dry_run)  # rate counts of hours that are over
    throttle.purge_expired(now, report, dry_run)  # sign-in throttle rows (emails, network addresses)
    imports.purge_expired(add_period, now, report, dry_run)  # the pupils a school imported, past RETENTION_ROLL
    resets.purge_expired(now, report, dry_run)  # password-reset links and their emails, a day after they expired
    digests.purge_expired(add_period, now, report, dry_run)  # the schools' daily digests and their emails
    if dry_run:
        db.session.rollback()
        return report

    for message in bodies:
        message.body = CLEARED_BODY
    db.session.flush()
    _remove(report, pack_ids, lambda: record(ACTION, actor=actor, detail=report.counts()))
    return report


def remove_record(referral: Referral, event: Callable[[], object]) -> Report:
    """One record removed now, by the purge's own path: the school deleting a draft it does not need
    (records/deletion.py). Its rows, its audit events and its files (replaced evidence included) go as a
    purged record's do; `event()` records, in the same transaction, what outlives it (an event with no
    referral: the record's own events go with it)."""
    report = Report(now=utcnow(), dry_run=False)
    uploads = uploads_by_referral([referral.id])
    held = {e.sha256 for e in referral.evidence}
    orphans = {}
    # Replaced or removed uploads stay in storage, found only by reading every unreferenced file:
    # done only when this record has any (most drafts have none), so a deletion stays quick.
    if any(u["sha256"] not in held for u in uploads.get(referral.id, [])):
        orphans, uploads = _unreferenced(), uploads_by_referral()
    pack_ids = _take_stock([referral], report, orphans, uploads)
    _remove(report, pack_ids, event)
    return report


def _upload_shas(ids: list[int], uploads: dict[int, list[dict]]) -> tuple[set[str], set[str]]:
    """(SHA-256 of files uploaded to the records going, of files uploaded to any record staying)."""
    going = set(ids)
    purged = {u["sha256"] for rid in ids for u in uploads.get(rid, [])}
    kept = {u["sha256"] for rid, items in uploads.items() if rid not in going for u in items}
    return purged, kept


def _take_stock(victims: list[Referral], report: Report, orphans: dict[str, tuple[str, dt.datetime]],
                uploads: dict[int, list[dict]]) -> list[int]:
    """Fill `report` with what removing `victims` removes (counts, rows, files: their own, and replaced
    evidence no staying record also uploaded); the ids of their packs."""
    ids = [r.id for r in victims]
    report.referral_ids = ids
    purged_shas, kept_shas = _upload_shas(ids, uploads)
    for key, (digest, _written) in sorted(orphans.items()):
        if digest in purged_shas and digest not in kept_shas:
            report.files.append(key)
            report.superseded_files += 1
    for referral in victims:
        report.by_type[record_type(referral)] += 1
        report.by_form[referral.form_id] += 1
        report.by_status[referral.status] += 1
        report.by_year[referral.created_at.year] += 1
        report.files.extend(e.storage_key for e in referral.evidence)
        report.files.extend(f.storage_key for p in referral.packs for f in p.files)
        # The LA's notices on it (reg. 20 copies) go with the referral: the same record, the same period.
        report.files.extend(f.storage_key for o in referral.outcomes for f in o.files)
    pack_ids = [p.id for r in victims for p in r.packs]
    report.rows.update(_row_counts(ids, pack_ids))
    return pack_ids


def _remove(report: Report, pack_ids: list[int], event: Callable[[], object]) -> None:
    """Delete the rows `report` counted and record `event()`, in one transaction; then the files, only
    once it has committed (a failure never leaves a row pointing at a missing file)."""
    with retention_purge(db.session):
        if report.referral_ids:
            _delete_rows(report.referral_ids, pack_ids)
        db.session.expunge_all()
        event()
        db.session.commit()
    for key in report.files:
        _remove_file(key, report)


def _row_counts(ids: list[int], pack_ids: list[int]) -> Counter:
    counts = Counter()
    if not ids:
        return counts
    def count(model, column, values):
        return db.session.scalar(select(func.count()).select_from(model).where(column.in_(values))) if values else 0

    counts["referrals"] = len(ids)
    counts["evidence"] = count(Evidence, Evidence.referral_id, ids)
    counts["packs"] = len(pack_ids)
    counts["pack_files"] = count(PackFile, PackFile.pack_id, pack_ids)
    counts["pack_checks"] = count(PackCheck, PackCheck.pack_id, pack_ids)
    counts["la_decisions"] = count(Decision, Decision.referral_id, ids)
    counts["outbox"] = count(OutboxMessage, OutboxMessage.referral_id, ids)
    counts["letter_sendings"] = count(LetterSending, LetterSending.referral_id, ids)
    counts["audit_events"] = count(AuditEvent, AuditEvent.referral_id, ids)
    outcome_ids = list(db.session.scalars(select(Outcome.id).where(Outcome.referral_id.in_(ids))))
    counts["notice_files"] = count(NoticeFile, NoticeFile.outcome_id, outcome_ids)
    return +counts


def _delete_rows(ids: list[int], pack_ids: list[int]) -> None:
    """Children first (foreign keys), in bulk; the caller holds retention_purge and commits."""
    opts = {"synchronize_session": False}
    session = db.session
    # Tables added later that hang off a referral or a pack (and that this list does not know yet) go too,
    # so a new table can never make the purge fail on a foreign key or keep a child's data behind.
    known = {t.__table__.name for t in (PackCheck, Decision, OutboxMessage, PackFile, Pack, Evidence, AuditEvent,
                                        Referral, NoticeFile)}
    # A notice's files hang off its outcome row, not the referral: they go first.
    outcome_ids = select(Outcome.id).where(Outcome.referral_id.in_(ids)).scalar_subquery()
    session.execute(delete(NoticeFile).where(NoticeFile.outcome_id.in_(outcome_ids)), execution_options=opts)
    for table in reversed(db.metadata.sorted_tables):
        if table.name in known:
            continue
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target == "packs" and pack_ids:
                session.execute(table.delete().where(fk.parent.in_(pack_ids)))
            elif target == "referrals":
                session.execute(table.delete().where(fk.parent.in_(ids)))
    if pack_ids:
        session.execute(delete(PackCheck).where(PackCheck.pack_id.in_(pack_ids)), execution_options=opts)
    session.execute(delete(Decision).where(Decision.referral_id.in_(ids)), execution_options=opts)
    conditions = OutboxMessage.referral_id.in_(ids)
    if pack_ids:
        conditions = conditions | OutboxMessage.pack_id.in_(pack_ids)
    session.execute(delete(OutboxMessage).where(conditions), execution_options=opts)
    if pack_ids:
        session.execute(delete(PackFile).where(PackFile.pack_id.in_(pack_ids)), execution_options=opts)
        session.execute(delete(Pack).where(Pack.id.in_(pack_ids)), execution_options=opts)
    session.execute(delete(Evidence).where(Evidence.referral_id.in_(ids)), execution_options=opts)
    session.execute(delete(AuditEvent).where(AuditEvent.referral_id.in_(ids)), execution_options=opts)
    session.execute(delete(Referral).where(Referral.id.in_(ids)), execution_options=opts)

