"""Stored files behind one interface (forms_service/storage.py), on both backends: a directory
(STORAGE_DIR) and S3-compatible object storage (STORAGE_URL=s3://…), the latter a real SeaweedFS
server on loopback (tests/support/s3_server.py) that boto3 talks signed HTTP to.

The same behaviour is asked of both; then one whole journey runs with its files on S3 (a referral
signed, its pack downloaded by the LA, verified, mailed, tampered with, and purged), and every page
and API route that reads a stored file is shown to answer 503 with a sentence, never 500, when the
file is gone.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import os
import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from forms_service import create_app, storage
from forms_service.cli import main
from forms_service.config import Config
from forms_service.delivery.outbox import deliver_due
from forms_service.models import AuditEvent, BulkLetterJob, Evidence, Pack, Referral, User, db, utcnow
from forms_service.records import retention
from forms_service.referrals.verify import CHANGED, MISSING, verify

from support import records
from support.helpers import api_token, bearer, login, make_pdf, post_page, text
from support.s3_server import s3_server  # noqa: F401  (fixture)
from support.smtp_server import attachments, free_port, smtp_sink  # noqa: F401  (fixture)

API = "/api/v1"


def _s3_settings(server, prefix: str | None = None) -> dict:
    return {"STORAGE_URL": f"s3://{server.bucket}/{prefix or uuid.uuid4().hex}", "S3_ENDPOINT_URL": server.endpoint,
            "S3_REGION": "eu-west-2"}


def _use_s3(monkeypatch, server) -> None:
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)


@pytest.fixture(params=["directory", "s3"])
def store(request, tmp_path, monkeypatch):
    """An app context whose storage is a directory, or a fresh prefix of the S3 server's bucket."""
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
                "STORAGE_DIR": str(tmp_path / "storage")}
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        _use_s3(monkeypatch, server)
        settings.update(_s3_settings(server))
    app = create_app(settings)
    with app.app_context():
        yield request.param


# --- the interface, on both backends -----------------------------------------------------------

def test_put_then_get_gives_the_same_bytes_and_their_sha256(store):
    data = bytes(range(256)) * 4000  # about 1 MB, every byte value
    key = storage.new_key("evidence")
    assert re.fullmatch(r"evidence/[0-9a-f]{32}", key)
    assert storage.put(key, data) == hashlib.sha256(data).hexdigest() == storage.sha256(data)
    assert storage.get(key) == data
    storage.put(key, b"replaced")  # a key written again holds the new bytes only
    assert storage.get(key) == b"replaced"
    storage.put("packs/PNL-2026-000001/v1/abc/empty.json", b"")
    assert storage.get("packs/PNL-2026-000001/v1/abc/empty.json") == b""


def test_a_key_with_nothing_stored_is_a_missing_file(store):
    with pytest.raises(storage.MissingFile, match="no longer in storage") as caught:
        storage.get("evidence/" + "0" * 32)
    assert isinstance(caught.value, storage.StorageError)  # callers that only know StorageError still catch it


def test_delete_removes_one_file_and_tolerates_one_already_gone(store):
    storage.put("evidence/a", b"a")
    storage.put("evidence/b", b"b")
    storage.delete("evidence/a")
    with pytest.raises(storage.MissingFile):
        storage.get("evidence/a")
    assert storage.get("evidence/b") == b"b"
    storage.delete("evidence/a")  # nothing there: not an error
    assert [f.key for f in storage.list_files()] == ["evidence/b"]


def test_delete_tree_removes_a_folder_and_only_that_folder(store):
    for key in ("packs/R/v1/x/form.pdf", "packs/R/v1/x/manifest.json", "packs/R/v1/x/sub/deeper.pdf",
                "packs/R/v1/xy/form.pdf", "packs/R/v2/x/form.pdf"):
        storage.put(key, key.encode())
    storage.delete_tree("packs/R/v1/x")
    assert [f.key for f in storage.list_files()] == ["packs/R/v1/xy/form.pdf", "packs/R/v2/x/form.pdf"]
    storage.delete_tree("packs/nothing/here")  # best effort: nothing to remove is no error
    storage.delete_tree("")  # never "everything"
    assert len(storage.list_files()) == 2


def test_list_files_gives_each_key_with_when_it_was_written(store):
    before = utcnow() - dt.timedelta(minutes=5)  # a margin for clocks, not a measure of speed
    keys = ["bulk-letters/1/" + "a" * 32, "evidence/" + "b" * 32, "packs/R/v1/c/manifest.json"]
    for key in reversed(keys):
        storage.put(key, b"x")
    after = utcnow() + dt.timedelta(minutes=5)
    listed = storage.list_files()
    assert [f.key for f in listed] == keys  # sorted by key
    for item in listed:
        assert item.modified_at.tzinfo is not None and before < item.modified_at < after
    assert [f.key for f in storage.list_files("evidence")] == keys[1:2]
    assert [f.key for f in storage.list_files("packs/R")] == keys[2:]
    assert storage.list_files("packs/nothing") == []
    key, modified_at = listed[0]  # a (key, modified_at) pair
    assert key == keys[0]


HOSTILE_KEYS = ["../outside", "evidence/../../outside", "/etc/passwd", "evidence//x", "evidence/./x",
                "evidence\\..\\x", "evidence/x\n", "evidence/\x00x", "", "."]


def test_a_key_that_could_climb_out_of_the_storage_is_refused(store, tmp_path):
    for key in HOSTILE_KEYS:
        for call in (lambda: storage.put(key, b"x"), lambda: storage.get(key), lambda: storage.delete(key)):
            with pytest.raises(storage.StorageError, match="not valid"):
                call()
    assert storage.list_files() == []
    assert not (tmp_path / "outside").exists() and not (tmp_path.parent / "outside").exists()
    with pytest.raises(storage.StorageError):
        storage.list_files("../")


def directory_app(tmp_path, root):
    """The service with its files in the directory `root` (the database is never opened)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "STORAGE_DIR": str(root)})


def opened_path(fd: int) -> Path:
    """What an open file descriptor of this process is open on."""
    return Path(os.readlink(f"/proc/self/fd/{fd}"))


def test_a_symbolic_link_out_of_the_storage_directory_is_refused(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("not the service's")
    root = tmp_path / "storage"
    (root / "evidence").mkdir(parents=True)
    (root / "evidence" / "link").symlink_to(outside)
    with directory_app(tmp_path, root).app_context():
        with pytest.raises(storage.StorageError, match="not valid"):
            storage.get("evidence/link")
        with pytest.raises(storage.StorageError, match="not valid"):
            storage.put("evidence/link", b"overwrite")
    assert outside.read_text() == "not the service's"


def test_a_stored_file_and_every_folder_entry_made_for_it_are_flushed_to_disk(tmp_path, monkeypatch):
    """A rename is only lasting once its folder is flushed (and a new folder once its parent is): without
    that, a power cut after the service said "stored" can leave no file. Every os.fsync still runs; the
    test notes what each one flushed."""
    flushed = []
    real_fsync = os.fsync

    def noting_fsync(fd):
        flushed.append(opened_path(fd))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", noting_fsync)
    root = tmp_path / "storage"  # not there yet: the first file makes it
    with directory_app(tmp_path, root).app_context():
        storage.put("packs/PNL-2026-000001/v1/abc/form.pdf", b"%PDF-1.7 first")
        key_dir = root / "packs/PNL-2026-000001/v1/abc"
        assert flushed[0].parent == key_dir and flushed[0].name.startswith("form.pdf.tmp-")  # the bytes
        assert flushed[1:] == [key_dir, key_dir.parent, key_dir.parent.parent, root / "packs", root, tmp_path]
        flushed.clear()
        storage.put("packs/PNL-2026-000001/v1/abc/manifest.json", b"{}")  # a folder already there
        assert flushed[1:] == [key_dir]
    assert (key_dir / "form.pdf").read_bytes() == b"%PDF-1.7 first"


def test_a_folder_the_filesystem_cannot_flush_is_no_failure_but_a_disk_error_is(tmp_path, monkeypatch):
    real_fsync, refusal = os.fsync, {"errno": errno.EINVAL}

    def folder_refusing_fsync(fd):  # as some network and FUSE filesystems answer for a folder
        if opened_path(fd).is_dir():
            raise OSError(refusal["errno"], os.strerror(refusal["errno"]))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", folder_refusing_fsync)
    with directory_app(tmp_path, tmp_path / "storage").app_context():
        storage.put("evidence/a", b"kept")
        assert storage.get("evidence/a") == b"kept"
        refusal["errno"] = errno.EIO  # the disk itself failing is not hidden
        with pytest.raises(storage.StorageError, match="could not store the file: Input/output error"):
            storage.put("evidence/b", b"lost")


# --- S3 configuration and failures -------------------------------------------------------------

def test_storage_settings_are_checked_when_the_service_starts():
    assert Config({"STORAGE_URL": "s3://forms-bucket/school-files"}).STORAGE_URL == "s3://forms-bucket/school-files"
    assert Config({}).STORAGE_URL is None  # unset: the directory
    assert storage.parse_url("s3://forms-bucket") == ("forms-bucket", "")
    assert storage.parse_url("s3://forms-bucket/a/b/") == ("forms-bucket", "a/b")
    for url, words in (("https://bucket/x", "not an S3 address"), ("s3:///nobucket", "not an S3 address"),
                       ("s3://bucket/../x", "not a valid folder"), ("s3://bu cket/x", "not a bucket name"),
                       ("s3://bucket/x?acl=1", "query")):
        with pytest.raises(ValueError, match=words) as caught:
            Config({"STORAGE_URL": url})
        assert "STORAGE_URL" in str(caught.value)
    # Credentials belong in the AWS variables, and the message must not repeat them.
    for name, url in (("STORAGE_URL", "s3://AKIAEXAMPLE:sup3r-s3cret@bucket/x"),
                      ("S3_ENDPOINT_URL", "https://AKIAEXAMPLE:sup3r-s3cret@s3.example.org")):
        with pytest.raises(ValueError, match="must not carry credentials") as caught:
            Config({name: url})
        assert "sup3r-s3cret" not in str(caught.value) and name in str(caught.value)
    with pytest.raises(ValueError, match="S3_ENDPOINT_URL: 'ftp://s3.example.org' is not a web address"):
        Config({"S3_ENDPOINT_URL": "ftp://s3.example.org"})


def test_s3_failures_are_storage_errors_that_name_no_secret(s3_server, tmp_path, monkeypatch):
    """Wrong credentials, a bucket that is not there, a server that is down: each a StorageError with
    a sentence (what a page or the log shows), none carrying the secret key."""
    wrong_secret = "wrong-" + uuid.uuid4().hex
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", wrong_secret)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite3'}", "STORAGE_DIR": str(tmp_path)}
    cases = [
        ({**base, **_s3_settings(s3_server)}, "refused the service's credentials (SignatureDoesNotMatch)"),
        ({**base, **_s3_settings(s3_server), "STORAGE_URL": "s3://no-such-bucket/x"}, None),
        ({**base, **_s3_settings(s3_server), "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"},
         "could not be reached"),
    ]
    for settings, words in cases:
        app = create_app(settings)
        with app.app_context():
            for call in (lambda: storage.put("evidence/x", b"x"), lambda: storage.get("evidence/x"),
                         lambda: storage.list_files()):
                with pytest.raises(storage.StorageError) as caught:
                    call()
                assert not isinstance(caught.value, storage.MissingFile)
                message = str(caught.value)
                assert message.startswith("could not ") and wrong_secret not in message
                if words:
                    assert words in message, message
    # With the right secret, the bucket that is not there is named as such.
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    with create_app({**base, **_s3_settings(s3_server), "STORAGE_URL": "s3://no-such-bucket/x"}).app_context():
        with pytest.raises(storage.StorageError, match="bucket 'no-such-bucket' does not exist"):
            storage.get("evidence/x")


# --- one whole journey with the files on S3 ----------------------------------------------------

def test_a_referral_signed_downloaded_verified_mailed_and_purged_with_its_files_on_s3(
        app, client, s3_server, smtp_sink, monkeypatch, tmp_path):
    _use_s3(monkeypatch, s3_server)
    prefix = uuid.uuid4().hex
    app.config.update(_s3_settings(s3_server, prefix), SMTP_URL=smtp_sink.url)
    bucket = s3_server.client()

    def objects() -> dict[str, bytes]:
        listed = bucket.list_objects_v2(Bucket=s3_server.bucket, Prefix=f"{prefix}/").get("Contents", [])
        return {o["Key"][len(prefix) + 1:]: bucket.get_object(Bucket=s3_server.bucket, Key=o["Key"])["Body"].read()
                for o in listed}

    office = records.office(client)
    rid = records.create_referral(client, office, records.AMELIA)  # one upload replaced: its file stays
    records.sign(client, rid, office)
    with app.app_context():
        referral = db.session.get(Referral, rid)
        reference = referral.reference
        pack_files = {f.name: (f.storage_key, f.sha256) for f in referral.latest_pack.files}
        evidence_keys = {e.storage_key for e in referral.evidence}
    stored = objects()
    # Every file is in the bucket under the prefix, with the bytes recorded at signing; none on disk.
    assert {key for key, _ in pack_files.values()} | evidence_keys <= set(stored)
    assert len([k for k in stored if k.startswith("evidence/")]) == 4  # three kinds, one replaced
    for key, digest in pack_files.values():
        assert hashlib.sha256(stored[key]).hexdigest() == digest
    assert not (tmp_path / "storage").exists()

    # The LA officer downloads each file of the pack on the web; the API gives the same bytes.
    login(client, "officer@demo.la")
    for name, (key, _) in pack_files.items():
        page = client.get(f"/referrals/{rid}/packs/1/{name}")
        assert page.status_code == 200, name
        assert page.data == stored[key]
    officer = bearer(api_token(client, "officer@demo.la"))
    manifest = client.get(f"{API}/referrals/{rid}/documents/manifest.json", headers=officer)
    assert manifest.status_code == 200 and manifest.data == stored[pack_files["manifest.json"][0]]

    # The pack is mailed to the LA with its files read back from S3.
    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off" (issue 17), then the pack
    [message] = [m for m in smtp_sink.messages() if attachments(m)]
    assert sorted(data for _, _, data in attachments(message)) == sorted(
        stored[key] for name, (key, _) in pack_files.items())

    # verify, in process and as the command (its own app, configured from the environment only).
    with app.app_context():
        assert verify(reference).ok
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "STORAGE_DIR": str(tmp_path / "unused"),
           **_s3_settings(s3_server, prefix), **s3_server.env()}
    result = CliRunner(env=env).invoke(main, ["verify", reference])
    assert result.exit_code == 0, result.output
    assert f"{reference}: unchanged" in result.output

    # Tampered with on the server: verify names the file, and the LA is not given it.
    evidence_name = next(n for n in pack_files if n.startswith("evidence-01-"))
    bucket.put_object(Bucket=s3_server.bucket, Key=f"{prefix}/{pack_files[evidence_name][0]}", Body=b"changed")
    merged = f"{reference}-pack-v1.pdf"
    bucket.delete_object(Bucket=s3_server.bucket, Key=f"{prefix}/{pack_files[merged][0]}")
    with app.app_context():
        statuses = {f.name: f.status for f in verify(reference).packs[0].files}
    assert statuses[evidence_name] == CHANGED and statuses[merged] == MISSING
    assert client.get(f"/referrals/{rid}/packs/1/{evidence_name}").status_code == 409
    gone = client.get(f"/referrals/{rid}/packs/1/{merged}")
    assert gone.status_code == 503 and "could not be read from storage" in text(gone)
    result = CliRunner(env=env).invoke(main, ["verify", reference])
    assert result.exit_code == 1 and f"MISSING    {merged}" in result.output

    # Purged past its period: its rows, and every object it had (the replaced upload too).
    with app.app_context():
        report = retention.purge(utcnow() + dt.timedelta(days=7 * 366))
        assert report.referral_ids == [rid] and report.superseded_files == 1 and report.file_errors == []
        assert db.session.get(Referral, rid) is None
    assert objects() == {}


# --- a stored file that cannot be read: 503 with a sentence, never 500 ---------------------------

def test_every_download_of_a_file_gone_from_storage_answers_503(app, client):
    office = records.office(client)
    rid = records.create_referral(client, office, records.TOBIAS, replace_one=False)
    records.sign(client, rid, office)
    with app.app_context():
        referral = db.session.get(Referral, rid)
        evidence = referral.evidence[0]
        evidence_id, evidence_key = evidence.id, evidence.storage_key
        pack_file = next(f for f in referral.latest_pack.files if f.role == "form_pdf")
        pack_name, pack_key = pack_file.name, pack_file.storage_key
        user = db.session.scalar(select(User).filter_by(email="office@demo.school"))
        job_key = storage.new_key(f"bulk-letters/{user.school_id}")
        job = BulkLetterJob(school_id=user.school_id, created_by_id=user.id, form_id="model-letter", status="done",
                            done=1, total=1, summary={"letters": 1, "pupils": 1}, storage_key=job_key, size=2,
                            sha256=storage.put(job_key, b"PK"), created_at=utcnow(), finished_at=utcnow(),
                            expires_at=utcnow() + dt.timedelta(days=7))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        for key in (evidence_key, pack_key, job_key):
            storage.delete(key)

    def viewed() -> int:
        with app.app_context():
            return len(db.session.scalars(select(AuditEvent).filter_by(referral_id=rid, action="evidence_viewed")).all())

    login(client, "office@demo.school")  # the school: its uploaded evidence, and its letters made in bulk
    page = client.get(f"/referrals/{rid}/evidence/{evidence_id}")
    assert page.status_code == 503 and "could not be read from storage" in text(page)
    assert viewed() == 0  # nothing was shown, so nothing is recorded as viewed
    page = client.get(f"/bulk-letters/{job_id}/letters.zip")
    assert page.status_code == 503 and "could not be read from storage" in text(page)

    login(client, "officer@demo.la")  # the LA: the signed pack, on the web and through the API
    page = client.get(f"/referrals/{rid}/packs/1/{pack_name}")
    assert page.status_code == 503 and "could not be read from storage" in text(page)
    reply = client.get(f"{API}/referrals/{rid}/documents/{pack_name}", headers=bearer(api_token(client, "officer@demo.la")))
    assert reply.status_code == 503 and reply.get_json()["message"] == ("The file could not be read from storage. "
                                                                         "Try again later.")


def test_signing_with_an_upload_gone_from_storage_says_which_and_records_nothing(app, client):
    office = records.office(client)
    rid = records.create_referral(client, office, records.FREYA, replace_one=False)
    assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    with app.app_context():
        storage.delete(db.session.scalar(select(Evidence.storage_key).filter_by(referral_id=rid,
                                                                                kind="warning_letter")))
    head = bearer(api_token(client, "head@demo.school"))
    reply = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": "Harriet Head", "declaration": True})
    assert reply.status_code == 409
    assert "is no longer in storage. Send the request back" in reply.get_json()["message"]
    login(client, "head@demo.school")
    page = post_page(client, f"/referrals/{rid}/sign", {"name": "Harriet Head", "declaration": "y"})
    assert page.status_code == 302
    assert "is no longer in storage" in text(client.get(page.headers["Location"]))
    with app.app_context():
        assert db.session.get(Referral, rid).status == "awaiting_signoff"
        assert db.session.scalar(select(Pack).filter_by(referral_id=rid)) is None


def test_when_the_storage_is_down_pages_and_commands_say_so_and_change_nothing(app, client, monkeypatch, tmp_path):
    """The S3 server unreachable: an upload, a subject-access export (web and command) and the purge
    each stop with a sentence (503 on the web) and record nothing."""
    office = records.office(client)
    rid = records.create_referral(client, office, records.KIAN, replace_one=False)  # stored while it was up
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "forms-test-access")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "forms-test-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    down = {"STORAGE_URL": "s3://forms-test/down", "S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    app.config.update(down)

    def events(action: str) -> int:
        with app.app_context():
            return len(db.session.scalars(select(AuditEvent).filter_by(action=action)).all())

    uploaded = events("evidence_uploaded")
    reply = client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                        data={"kind": "leave_request", "file": (io.BytesIO(make_pdf()), "leave.pdf")})
    assert reply.status_code == 503 and reply.get_json()["message"] == "The file could not be stored. Try again later."
    assert events("evidence_uploaded") == uploaded

    login(client, "admin@demo.la")
    page = post_page(client, "/admin/subject-access/", {"upn": records.KIAN.upn, "date_of_birth": ["", "", ""]})
    assert page.status_code == 503 and "A stored file could not be read or saved" in text(page)
    assert events("subject_access_export") == 0

    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], **down}
    result = CliRunner(env=env).invoke(main, ["export-pupil", "--la", "Demo Local Authority", "--upn",
                                              records.KIAN.upn, "--out", str(tmp_path / "pupil.zip")])
    assert result.exit_code == 1 and "could not be reached" in result.output and "nothing was written" in result.output
    result = CliRunner(env=env).invoke(main, ["purge"])
    assert result.exit_code == 1 and "nothing was removed" in result.output, result.output
    assert events("subject_access_export") == 0 and events("retention_purged") == 0
    assert not (tmp_path / "pupil.zip").exists()


# --- who may read what the service stores (issue 14) ----------------------------------------------------

@pytest.fixture
def umask_022():
    """The usual umask, under which open() and mkdir() make files 0644 and folders 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_stored_files_are_0600_and_the_folders_made_for_them_0700(tmp_path, umask_022):
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)  # STORAGE_DIR made by the operator: left as it is
    root = tmp_path / "storage"  # not there yet: the first file makes it
    for where in (root, existing):
        with directory_app(tmp_path, where).app_context():
            storage.put("packs/PNL-2026-000001/v1/form.pdf", b"%PDF-1.7")
            storage.put("packs/PNL-2026-000001/v1/form.pdf", b"%PDF-1.7 again")  # replacing: still 0600
            storage.put("evidence/abc", b"evidence")
        for key in ("packs/PNL-2026-000001/v1/form.pdf", "evidence/abc"):
            assert mode(where / key) == 0o600, key
        for folder in ("packs", "packs/PNL-2026-000001", "packs/PNL-2026-000001/v1", "evidence"):
            assert mode(where / folder) == 0o700, folder
    assert mode(root) == 0o700 and mode(existing) == 0o755


def test_the_sqlite_database_and_its_journal_and_wal_are_0600(tmp_path, umask_022):
    import sqlite3

    from forms_service.database import upgrade

    path = tmp_path / "var" / "db" / "forms.sqlite3"  # neither folder there yet
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "STORAGE_DIR": str(tmp_path / "storage")})
    assert mode(path) == 0o600 and mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    upgrade(app)
    assert mode(path) == 0o600
    # SQLite makes its journal (rollback) and write-ahead log with the database file's mode.
    for journal, suffix in (("DELETE", "-journal"), ("WAL", "-wal")):
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute(f"PRAGMA journal_mode={journal}")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE IF NOT EXISTS t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
        side = path.with_name(path.name + suffix)
        assert side.exists() and mode(side) == 0o600, suffix
        connection.execute("COMMIT")
        connection.close()
    # The `db-upgrade` command on a new file, as an operator runs it.
    made = tmp_path / "cli" / "forms.sqlite3"
    result = CliRunner(env={"VAR_DIR": str(tmp_path / "cli"), "DATABASE_URL": f"sqlite:///{made}"}).invoke(
        main, ["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert mode(made) == 0o600 and mode(made.parent) == 0o700
