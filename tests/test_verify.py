"""Signed means frozen (issue 5): `forms-service verify <reference>` recomputes the SHA-256 of every
stored file of a signed pack and of its manifest, and says exactly what changed: a flipped byte,
a deleted file, an edited manifest, and a file swapped together with its database record.

The pack is signed through the API, as a school would; tampering is done on the storage directory
and the database directly, as someone with access to the server might."""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from forms_service.audit import record
from forms_service.cli import main
from forms_service.models import AuditEvent, Referral, db
from forms_service.referrals.verify import CHANGED, MISSING, OK, UnknownReference, verify

from support.helpers import EVIDENCE_KINDS, FORM_ID, api_token, bearer, json_data, make_pdf, register_json_for
from support.snapshot import made_once

API = "/api/v1"


# --- helpers ------------------------------------------------------------------------------------

def _signed(client, *, register=True) -> dict:
    """A penalty-notice request made, filled in, submitted and signed through the API."""
    office = bearer(api_token(client, "office@demo.school"))
    head = bearer(api_token(client, "head@demo.school"))
    data = json_data()
    body = {"form": FORM_ID, "data": data}
    if register:
        body["register"] = register_json_for(data)
    created = client.post(f"{API}/referrals", headers=office, json=body)
    assert created.status_code == 201, created.get_json()
    referral = created.get_json()
    for kind in EVIDENCE_KINDS:
        up = client.post(f"{API}/referrals/{referral['id']}/evidence", headers=office,
                         data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")},
                         content_type="multipart/form-data")
        assert up.status_code == 201, up.get_json()
    assert client.post(f"{API}/referrals/{referral['id']}/submit", headers=office).status_code == 200
    signed = client.post(f"{API}/referrals/{referral['id']}/sign", headers=head,
                         json={"name": "Harriet Head", "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    return signed.get_json()


@pytest.fixture
def signed(app, client, backend, setups_made_once) -> dict:
    """`_signed(client)`'s referral. Made once per backend (signing renders and seals the pack, about a second)
    and restored into each test's own database and storage, as the tests here tamper with both."""
    return made_once(setups_made_once, backend, app, lambda: _signed(client))


def _sign_again(client, app, referral: dict) -> None:
    """A second signed version of the same referral (as after a return and resubmission)."""
    with app.app_context():
        db.session.execute(text("UPDATE referrals SET status = 'awaiting_signoff' WHERE id = :id"),
                           {"id": referral["id"]})
        db.session.commit()
    head = bearer(api_token(client, "head@demo.school"))
    signed = client.post(f"{API}/referrals/{referral['id']}/sign", headers=head,
                         json={"name": "Harriet Head", "declaration": True})
    assert signed.status_code == 200, signed.get_json()


def _files(app, referral_id: int, version: int | None = None) -> dict[str, Path]:
    """{file name: path on disk} of a pack (the latest unless `version`)."""
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        pack = referral.latest_pack if version is None else next(p for p in referral.packs if p.version == version)
        root = Path(app.config["STORAGE_DIR"])
        return {f.name: root / f.storage_key for f in pack.files}


def _evidence_name(files: dict) -> str:
    return next(name for name in files if name.startswith("evidence-01-"))


def _cli(app, *args):
    runner = CliRunner(env={"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                            "STORAGE_DIR": app.config["STORAGE_DIR"]})
    return runner.invoke(main, ["verify", *args])


def _report(app, reference: str, **kwargs):
    with app.app_context():
        return verify(reference, **kwargs)


def _flip_a_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


# --- an untouched pack --------------------------------------------------------------------------

def test_a_signed_pack_verifies_unchanged(app, client, signed):
    referral = signed
    files = _files(app, referral["id"])
    report = _report(app, referral["reference"])
    assert report.ok and report.problems() == []
    [pack] = report.packs
    assert pack.version == 1 and pack.signed_name == "Harriet Head"
    assert {f.name for f in pack.files} == set(files)
    assert {f.status for f in pack.files} == {OK}
    for item in pack.files:  # the hashes are those of the bytes on disk
        assert item.actual_sha256 == hashlib.sha256(files[item.name].read_bytes()).hexdigest()
    assert pack.manifest_problems == [] and pack.notes == []

    result = _cli(app, referral["reference"])
    assert result.exit_code == 0, result.output
    for name in files:
        assert f"OK         {name}" in result.output
    assert "MANIFEST   OK" in result.output
    assert f"{referral['reference']}: unchanged" in result.output
    # The signer is the account (issue 17).
    assert "signed by Harriet Head with the account head@demo.school (headteacher, account" in result.output
    # Running the check is itself on the referral's trail.
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(referral_id=referral["id"], action="pack_verified")).one()
        assert event.detail == {"versions": [1], "ok": True, "problems": []}
        assert event.actor.startswith("forms-service verify (")


def test_the_reference_may_be_typed_in_lower_case(app, client, signed):
    referral = signed
    assert _report(app, referral["reference"].lower()).ok
    assert _cli(app, referral["reference"].lower()).exit_code == 0


# --- tampering ----------------------------------------------------------------------------------

def test_one_flipped_byte_in_an_evidence_file_is_changed(app, client, signed):
    referral = signed
    files = _files(app, referral["id"])
    name = _evidence_name(files)
    _flip_a_byte(files[name])

    report = _report(app, referral["reference"])
    assert not report.ok
    statuses = {f.name: f.status for f in report.packs[0].files}
    assert statuses.pop(name) == CHANGED
    assert set(statuses.values()) == {OK}  # only that file
    changed = next(f for f in report.packs[0].files if f.name == name)
    assert changed.actual_sha256 == hashlib.sha256(files[name].read_bytes()).hexdigest() != changed.expected_sha256
    assert report.packs[0].manifest_problems == []  # the manifest itself is untouched

    result = _cli(app, referral["reference"])
    assert result.exit_code == 1, result.output
    assert f"CHANGED    {name}" in result.output
    assert f"now   {changed.actual_sha256}" in result.output
    assert f"{referral['reference']}: CHANGED" in result.output and f"version 1: CHANGED {name}" in result.output


def test_a_flipped_byte_in_the_signed_form_pdf_is_changed(app, client, signed):
    referral = signed
    files = _files(app, referral["id"])
    name = f"{referral['reference']}-{FORM_ID}.pdf"
    _flip_a_byte(files[name], offset=len(files[name].read_bytes()) - 10)
    result = _cli(app, referral["reference"])
    assert result.exit_code == 1
    assert f"CHANGED    {name}" in result.output


def test_a_deleted_file_is_missing(app, client, signed):
    referral = signed
    files = _files(app, referral["id"])
    merged = f"{referral['reference']}-pack-v1.pdf"
    files[merged].unlink()

    report = _report(app, referral["reference"])
    missing = next(f for f in report.packs[0].files if f.name == merged)
    assert missing.status == MISSING and missing.actual_sha256 is None
    assert [f.name for f in report.packs[0].files if f.status != OK] == [merged]

    result = _cli(app, referral["reference"])
    assert result.exit_code == 1
    assert f"MISSING    {merged}" in result.output
    assert "no longer in storage" in result.output


def test_an_edited_manifest_is_detected(app, client, signed):
    referral = signed
    files = _files(app, referral["id"])
    name = _evidence_name(files)
    manifest = json.loads(files["manifest.json"].read_bytes())
    entry = next(e for e in manifest["files"] if e["name"] == name)
    entry["sha256"] = "0" * 64  # claim another file was signed
    files["manifest.json"].write_text(json.dumps(manifest, sort_keys=True, indent=2) + "\n", encoding="utf-8")

    report = _report(app, referral["reference"])
    pack = report.packs[0]
    assert next(f for f in pack.files if f.name == "manifest.json").status == CHANGED
    assert any(name in problem and "0" * 64 in problem for problem in pack.manifest_problems)
    result = _cli(app, referral["reference"])
    assert result.exit_code == 1
    assert "CHANGED    manifest.json" in result.output
    assert f"MANIFEST   it gives {name} the SHA-256 {'0' * 64}" in result.output


def test_a_manifest_that_drops_or_adds_a_file_is_detected(app, client, signed):
    referral = signed
    files = _files(app, referral["id"])
    name = _evidence_name(files)
    manifest = json.loads(files["manifest.json"].read_bytes())
    manifest["files"] = [e for e in manifest["files"] if e["name"] != name]
    manifest["files"].append({"name": "evidence-09-extra.pdf", "role": "evidence", "size": 10, "sha256": "1" * 64})
    files["manifest.json"].write_text(json.dumps(manifest), encoding="utf-8")
    problems = _report(app, referral["reference"]).packs[0].manifest_problems
    assert f"it does not list {name}, which the pack holds" in problems
    assert "it lists evidence-09-extra.pdf, which the pack does not hold" in problems


def test_a_file_swapped_with_its_database_record_is_caught_by_the_manifest(app, client, signed):
    """Someone replaces an evidence file and updates its recorded SHA-256 to match: the file now
    looks unchanged, but the manifest (whose own hash is unchanged) still lists the signed one."""
    referral = signed
    files = _files(app, referral["id"])
    name = _evidence_name(files)
    forged = make_pdf("A different letter")
    files[name].write_bytes(forged)
    with app.app_context():
        db.session.execute(text("UPDATE pack_files SET sha256 = :sha, size = :size WHERE name = :name"),
                           {"sha": hashlib.sha256(forged).hexdigest(), "size": len(forged), "name": name})
        db.session.commit()

    report = _report(app, referral["reference"])
    pack = report.packs[0]
    assert {f.status for f in pack.files} == {OK}  # every file matches its (altered) record...
    assert not report.ok  # ...but not the manifest that was signed
    assert any(problem.startswith(f"it gives {name} the SHA-256 ") for problem in pack.manifest_problems)
    assert _cli(app, referral["reference"]).exit_code == 1


def test_a_manifest_rewritten_with_its_database_records_is_caught_by_the_audit_trail(app, client, signed):
    """The manifest, the file record and the pack's manifest hash all rewritten consistently: the
    SHA-256 written to the append-only audit trail at signing still tells."""
    referral = signed
    files = _files(app, referral["id"])
    name = _evidence_name(files)
    forged = make_pdf("A different letter")
    files[name].write_bytes(forged)
    manifest = json.loads(files["manifest.json"].read_bytes())
    entry = next(e for e in manifest["files"] if e["name"] == name)
    entry["sha256"], entry["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
    new_manifest = (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    files["manifest.json"].write_bytes(new_manifest)
    with app.app_context():
        for file_name, data in ((name, forged), ("manifest.json", new_manifest)):
            db.session.execute(text("UPDATE pack_files SET sha256 = :sha, size = :size WHERE name = :name"),
                               {"sha": hashlib.sha256(data).hexdigest(), "size": len(data), "name": file_name})
        db.session.execute(text("UPDATE packs SET manifest_sha256 = :sha"), {"sha": hashlib.sha256(new_manifest).hexdigest()})
        db.session.commit()

    report = _report(app, referral["reference"])
    pack = report.packs[0]
    assert {f.status for f in pack.files} == {OK}
    assert [p for p in pack.manifest_problems if "audit trail" in p], pack.manifest_problems
    result = _cli(app, referral["reference"])
    assert result.exit_code == 1 and "written to the audit trail at signing" in result.output


# --- versions, unknown references ---------------------------------------------------------------

def test_the_latest_version_by_default_and_every_version_on_request(app, client):
    referral = _signed(client, register=False)
    _sign_again(client, app, referral)
    first = _files(app, referral["id"], version=1)
    assert set(_files(app, referral["id"], version=2)) != set(first)  # the merged PDF is named per version
    _flip_a_byte(first[_evidence_name(first)])

    latest = _report(app, referral["reference"], all_versions=False)
    assert latest.ok and [p.version for p in latest.packs] == [2] and latest.versions_not_checked == [1]
    result = _cli(app, referral["reference"])
    assert result.exit_code == 0, result.output
    assert "Not checked: version(s) 1 (use --all-versions)" in result.output

    every = _report(app, referral["reference"])
    assert [p.version for p in every.packs] == [1, 2] and not every.ok
    assert [p.ok for p in every.packs] == [False, True]
    result = _cli(app, referral["reference"], "--all-versions")
    assert result.exit_code == 1
    assert f"version 1: CHANGED {_evidence_name(first)}" in result.output
    assert f"{referral['reference']} version 2" in result.output


def test_an_unknown_reference_exits_2(app, client):
    with app.app_context(), pytest.raises(UnknownReference):
        verify("PNL-1999-999999")
    result = _cli(app, "PNL-1999-999999")
    assert result.exit_code == 2
    assert "No referral has the reference 'PNL-1999-999999'" in result.output


def test_a_referral_not_yet_signed_has_nothing_to_verify(app, client):
    office = bearer(api_token(client, "office@demo.school"))
    draft = client.post(f"{API}/referrals", headers=office, json={"form": FORM_ID, "data": json_data()}).get_json()
    assert not _report(app, draft["reference"]).ok
    result = _cli(app, draft["reference"])
    assert result.exit_code == 2
    assert "has not been signed" in result.output and "status draft" in result.output


# --- the audit trail is append-only ---------------------------------------------------------------

def test_audit_events_cannot_be_changed_or_deleted(app, client, signed):
    """Tested here too because `verify` relies on the 'signed' event's manifest SHA-256."""
    from forms_service.audit import AuditTrailError

    referral = signed
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(referral_id=referral["id"], action="signed")).one()
        event.detail = {**event.detail, "manifest_sha256": "0" * 64}
        with pytest.raises(AuditTrailError):
            db.session.commit()
        db.session.rollback()
        record("a_new_event", referral=db.session.get(Referral, referral["id"]))
        db.session.commit()  # appending still works
