"""Retention (issue 5): `purge` removes exactly the records past their period — a day before the end
of each period nothing of that record goes, a day after it all goes (rows, files, audit events) —
keeps anonymised counts as one `retention_purged` event, clears delivered email texts after 90 days,
and a dry run changes nothing. Records are made through the API; both SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from forms_service.config import Config, parse_period
from forms_service.delivery.outbox import deliver_due
from forms_service.models import AuditEvent, Base, Evidence, OutboxMessage, PackFile, Referral, db
from forms_service.records import retention

from support.records import AMELIA, FREYA, KIAN, TOBIAS, create_letter, create_referral, decide, office, sign
from support.smtp_server import smtp_sink  # noqa: F401  (fixture)
from support.snapshot import made_once

DAY = dt.timedelta(days=1)


def _dump(app) -> str:
    """Every row of every table as text (what a search of the database would find)."""
    with app.app_context():
        out = []
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(table.select()):
                out.append(f"{table.name}: {json.dumps([str(v) for v in row])}")
        return "\n".join(out)


def _files(app) -> dict[str, bytes]:
    root = Path(app.config["STORAGE_DIR"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _keys_of(app, rid: int) -> set[str]:
    with app.app_context():
        referral = db.session.get(Referral, rid)
        keys = {e.storage_key for e in referral.evidence}
        keys |= {f.storage_key for p in referral.packs for f in p.files}
        keys |= {o["key"] for o in retention.superseded_evidence(referral)}
        return keys


def _expiry(app, rid: int) -> dt.datetime:
    with app.app_context():
        return retention.expires_at(db.session.get(Referral, rid))


def _make_all(client) -> dict[str, int]:
    """One record of each type, each about its own pupil."""
    headers = office(client)
    draft = create_referral(client, headers, AMELIA)                  # never submitted
    letter = create_letter(client, headers, TOBIAS)                   # a Final Warning letter
    signed = create_referral(client, headers, FREYA)
    sign(client, signed, headers)
    decide(client, signed, "accept")                                  # accepted by the LA
    returned = create_referral(client, headers, KIAN)
    sign(client, returned, headers)
    decide(client, returned, "return")                                # returned, never signed again
    return {"draft": draft, "document": letter, "signed": signed, "returned": returned}


PUPIL_OF = {"draft": AMELIA, "document": TOBIAS, "signed": FREYA, "returned": KIAN}


@pytest.fixture
def all_records(app, client, backend, setups_made_once) -> dict[str, int]:
    """`_make_all(client)`'s records. Made once per backend (two signed packs) and restored into each test's own
    database and storage, as the tests here purge them."""
    return made_once(setups_made_once, backend, app, lambda: _make_all(client))


def test_each_record_goes_a_day_after_its_period_and_not_a_day_before(app, client, all_records):
    records = all_records
    with app.app_context():
        types = {t: retention.record_type(db.session.get(Referral, rid)) for t, rid in records.items()}
    assert types == {t: t for t in records}
    expiry = {t: _expiry(app, rid) for t, rid in records.items()}
    # The defaults: 1 year after the draft's last change, 2 for the letter and the returned request,
    # 6 years after the LA's decision on the signed one.
    with app.app_context():
        accepted_at = db.session.get(Referral, records["signed"]).decisions[-1].decided_at
        # (the referral's own change, its status, is written in the same moment as the decision)
        assert abs(expiry["signed"] - accepted_at.replace(year=accepted_at.year + 6)) < dt.timedelta(seconds=2)
        returned = db.session.get(Referral, records["returned"])
        returned_at = returned.decisions[-1].decided_at
        assert abs(expiry["returned"] - returned_at.replace(year=returned_at.year + 2)) < dt.timedelta(seconds=2)
        assert retention.last_change(returned) >= returned.packs[0].signed_at
        for kind, years in (("draft", 1), ("document", 2)):
            changed = db.session.get(Referral, records[kind]).updated_at
            assert expiry[kind] == changed.replace(year=changed.year + years), kind
    # The letter and the returned request both keep 2 years and were made seconds apart: give the
    # letter 700 days here so that each boundary can be crossed on its own.
    app.config["RETENTION_DOCUMENT"] = "700d"
    expiry["document"] = _expiry(app, records["document"])
    keys = {t: _keys_of(app, rid) for t, rid in records.items()}
    assert len(keys["draft"]) == 4  # three evidence files and the replaced leave request
    assert all((Path(app.config["STORAGE_DIR"]) / k).is_file() for ks in keys.values() for k in ks)

    gone: set[str] = set()
    for kind in sorted(records, key=lambda t: expiry[t]):
        rid = records[kind]
        # A day before: this record is untouched (and nothing else is left to remove).
        with app.app_context():
            before = retention.purge(expiry[kind] - DAY)
        assert before.referral_ids == []
        with app.app_context():
            assert db.session.get(Referral, rid) is not None
        assert all((Path(app.config["STORAGE_DIR"]) / k).is_file() for k in keys[kind])

        # A day after: exactly this record goes, whole.
        with app.app_context():
            after = retention.purge(expiry[kind] + DAY)
        assert after.referral_ids == [rid], kind
        assert after.by_type == {kind: 1}
        gone.add(kind)
        dump, files = _dump(app), _files(app)
        for t in records:
            pupil = PUPIL_OF[t]
            if t in gone:
                assert pupil.last not in dump and pupil.upn not in dump, t
                assert not keys[t] & set(files), t
                with app.app_context():
                    assert db.session.scalar(select(AuditEvent).where(AuditEvent.referral_id == records[t])) is None
            else:
                assert pupil.last in dump, t
                assert keys[t] <= set(files), t

    # Nothing of any pupil is left: no row names them, no file is left in storage.
    dump = _dump(app)
    for pupil in PUPIL_OF.values():
        for value in (pupil.first, pupil.last, pupil.upn, pupil.dob):
            assert value not in dump
    assert _files(app) == {}
    with app.app_context():
        for table in ("referrals", "evidence", "packs", "pack_files", "la_decisions", "pack_checks"):
            assert db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == retention.ACTION)
                                    .order_by(AuditEvent.id)).all()
    # One counts event per run (8 runs), with no referral; together they count the four records.
    assert len(events) == 8 and all(e.referral_id is None for e in events)
    total = sum(e.detail["referrals"] for e in events)
    forms = {}
    for e in events:
        for form, n in e.detail["form_id"].items():
            forms[form] = forms.get(form, 0) + n
    assert total == 4 and forms == {"penalty-notice-leave": 3, "final-warning": 1}
    signed_event = next(e for e in events if e.detail["record_type"] == {"signed": 1})
    assert signed_event.detail["status"] == {"accepted": 1}
    assert signed_event.detail["year"] == {str(dt.date.today().year): 1}
    assert signed_event.detail["rows"]["packs"] == 1 and signed_event.detail["rows"]["la_decisions"] == 1
    assert signed_event.detail["files"] == len(keys["signed"])


def test_dry_run_changes_nothing(app, client, all_records):
    records = all_records
    before_rows, before_files = _dump(app), _files(app)
    far = _expiry(app, records["signed"]) + DAY
    with app.app_context():
        report = retention.purge(far, dry_run=True)
    assert sorted(report.referral_ids) == sorted(records.values())
    assert report.by_type == {"draft": 1, "document": 1, "signed": 1, "returned": 1}
    assert report.superseded_files == 3  # the replaced leave request of each of the three requests
    assert len(report.files) == len(set().union(*(_keys_of(app, r) for r in records.values())))
    assert _dump(app) == before_rows and _files(app) == before_files
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == retention.ACTION)) is None


def test_period_in_configuration(app, client):
    headers = office(client)
    rid = create_referral(client, headers, AMELIA, replace_one=False)
    app.config["RETENTION_DRAFT"] = "30d"
    start = _expiry(app, rid) - dt.timedelta(days=30)
    with app.app_context():
        assert retention.purge(start + dt.timedelta(days=29)).referral_ids == []
        assert retention.purge(start + dt.timedelta(days=31)).referral_ids == [rid]
    assert parse_period("6y") == (6, "years") and parse_period("90") == (90, "days")
    assert Config({"RETENTION_SIGNED": "10y"}).RETENTION_SIGNED == "10y"
    assert Config({}).RETENTION_DRAFT == "1y" and Config({}).RETENTION_OUTBOX_BODY == "90d"
    with pytest.raises(ValueError, match="RETENTION_SIGNED"):
        Config({"RETENTION_SIGNED": "six years"})


def test_delivered_email_text_cleared_after_90_days(app, client, smtp_sink):
    app.config["SMTP_URL"] = smtp_sink.url
    headers = office(client)
    rid = create_referral(client, headers, FREYA, replace_one=False)
    sign(client, rid, headers)
    with app.app_context():
        assert deliver_due() == 2  # the pack, and the head's "waiting for your sign-off" before it
        pack_message = (OutboxMessage.referral_id == rid, OutboxMessage.kind == "la_pack")
        sent_at = db.session.scalar(select(OutboxMessage.sent_at).where(*pack_message))
        assert retention.purge(sent_at + dt.timedelta(days=89)).outbox_bodies_cleared == 0
        body = db.session.scalar(select(OutboxMessage.body).where(*pack_message))
        assert "Pupil: F.L." in body
        report = retention.purge(sent_at + dt.timedelta(days=91))
        assert report.outbox_bodies_cleared == 2 and report.referral_ids == []
        message = db.session.scalar(select(OutboxMessage).where(*pack_message))
        assert message.body == retention.CLEARED_BODY and message.status == "sent"
        assert db.session.get(Referral, rid) is not None  # the referral and its pack stay
        assert db.session.scalar(select(PackFile).limit(1)) is not None


def test_purge_command_prints_counts_never_names(app, client, monkeypatch, all_records):
    records = all_records
    monkeypatch.setattr(retention, "utcnow", lambda: _expiry(app, records["signed"]) + DAY)
    runner = CliRunner(env={"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                            "STORAGE_DIR": app.config["STORAGE_DIR"], "SECRET_KEY": "test"})
    from forms_service.cli import main

    dry = runner.invoke(main, ["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would remove 4 record(s)" in dry.output
    assert "penalty-notice-leave 3" in dry.output and "final-warning 1" in dry.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 4
    real = runner.invoke(main, ["purge"])
    assert real.exit_code == 0, real.output
    assert "Removed 4 record(s)" in real.output
    for output in (dry.output, real.output):
        for pupil in PUPIL_OF.values():
            assert pupil.last not in output and pupil.first not in output
        assert "PNL-" not in output  # no references either
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(Evidence)) == 0
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == retention.ACTION))
        assert event.actor.startswith("forms-service purge")
    assert _files(app) == {}
