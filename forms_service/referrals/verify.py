"""Signed means frozen: check that a referral's signed packs are exactly what was signed.

For each version of the pack (issue 5, "Signed means frozen"):

- every stored file is read back and its SHA-256 compared with the one recorded when it was
  signed (`PackFile.sha256`): OK, CHANGED or MISSING (or UNREADABLE: there, but cannot be read);
- the manifest's own SHA-256 is compared with the pack's (`Pack.manifest_sha256`) and with the
  one written to the append-only audit trail at signing (the `signed` event), so a manifest
  replaced together with its database record is still caught;
- the manifest must list exactly the pack's other files, each with the size and SHA-256 recorded
  for it, and name the referral's reference and the pack's version;
- the merged PDF's seal (issue 24, seal.py): one PAdES signature, intact, covering the whole file, by the
  certificate the service publishes; and the manifest embedded in it lists the pack's documents and
  evidence with their recorded SHA-256. A pack signed before packs were sealed (no signature and no
  embedded manifest) is noted, not failed.

Read-only: `verify` changes nothing (the command records that a check was made).
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field

from flask import current_app
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import func, select

from .. import storage
from ..models import AuditEvent, Pack, PackFile, Referral, db
from . import seal
from .pack import MANIFEST_FORMAT, MANIFEST_NAME

OK, CHANGED, MISSING, UNREADABLE = "OK", "CHANGED", "MISSING", "UNREADABLE"


class UnknownReference(LookupError):
    """No referral has this reference."""


@dataclass
class FileCheck:
    name: str
    role: str
    status: str  # OK, CHANGED, MISSING, UNREADABLE
    expected_sha256: str
    actual_sha256: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass
class PackCheck:
    version: int
    signed_name: str
    signed_at: object
    signed_by: str = ""  # the signing account: "head@demo.school (headteacher, account 3)"
    files: list[FileCheck] = field(default_factory=list)
    manifest_problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seal: str = ""  # the PDF signature, when it holds: "intact, covering the whole file, ..."
    seal_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and not self.manifest_problems and not self.seal_problems

    def problems(self) -> list[str]:
        out = [f"{f.status} {f.name}" + (f": {f.note}" if f.note else "") for f in self.files if not f.ok]
        return out + [f"manifest: {p}" for p in self.manifest_problems] + [f"seal: {p}" for p in self.seal_problems]


@dataclass
class Report:
    reference: str
    packs: list[PackCheck] = field(default_factory=list)
    versions_not_checked: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is at least one pack and everything checked matches what was signed."""
        return bool(self.packs) and all(p.ok for p in self.packs)

    def problems(self) -> list[str]:
        return [f"version {p.version}: {problem}" for p in self.packs for problem in p.problems()]

    def to_dict(self) -> dict:
        return {"reference": self.reference, "ok": self.ok, "versions_not_checked": self.versions_not_checked,
                "packs": [{"version": p.version, "ok": p.ok, "manifest_problems": p.manifest_problems,
                           "notes": p.notes, "seal": p.seal, "seal_problems": p.seal_problems,
                           "files": [{"name": f.name, "role": f.role, "status": f.status,
                                      "expected_sha256": f.expected_sha256, "actual_sha256": f.actual_sha256,
                                      "note": f.note} for f in p.files]} for p in self.packs]}


def find_referral(reference: str) -> Referral:
    """The referral with this reference (as typed, or in capitals); raises UnknownReference."""
    text = (reference or "").strip()
    if text:
        referral = db.session.scalar(select(Referral).where(Referral.reference == text))
        if referral is None:
            referral = db.session.scalar(select(Referral).where(func.upper(Referral.reference) == text.upper()))
        if referral is not None:
            return referral
    raise UnknownReference(f"No referral has the reference {reference!r}")


def verify(referral_or_reference: Referral | str, *, all_versions: bool = True) -> Report:
    """Recompute the hashes of the referral's signed packs (every version, or only the latest).

    Needs an app context (the storage and the database). Raises UnknownReference.
    """
    referral = (referral_or_reference if isinstance(referral_or_reference, Referral)
                else find_referral(referral_or_reference))
    packs = sorted(referral.packs, key=lambda p: p.version)
    report = Report(reference=referral.reference)
    if not all_versions and packs:
        report.versions_not_checked = [p.version for p in packs[:-1]]
        packs = packs[-1:]
    signed_events = _signed_manifest_hashes(referral)
    for pack in packs:
        report.packs.append(_check_pack(referral, pack, signed_events))
    return report


def _signed_manifest_hashes(referral: Referral) -> dict[int, str]:
    """{version: manifest SHA-256} as written to the audit trail when each version was signed."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.referral_id == referral.id,
                                                         AuditEvent.action == "signed").order_by(AuditEvent.id))
    out = {}
    for event in events:
        detail = event.detail or {}
        if isinstance(detail.get("version"), int) and detail.get("manifest_sha256"):
            out.setdefault(detail["version"], detail["manifest_sha256"])
    return out


def _read_stored(key: str) -> tuple[str, bytes | None, str]:
    """(status, the stored bytes or None, note) for one storage key, whichever backend holds it."""
    try:
        return OK, storage.get(key), ""
    except storage.MissingFile as exc:
        return MISSING, None, str(exc)
    except storage.StorageError as exc:  # an invalid key, a directory in its place, the storage down
        return UNREADABLE, None, str(exc)


def _check_pack(referral: Referral, pack: Pack, signed_events: dict[int, str]) -> PackCheck:
    account = pack.signed_by
    check = PackCheck(version=pack.version, signed_name=pack.signed_name, signed_at=pack.signed_at,
                      signed_by=f"{account.email} ({account.role}, account {account.id})" if account else "")
    files: list[PackFile] = list(pack.files)
    if not files:
        check.manifest_problems.append("the pack has no files recorded")
        return check
    manifest_bytes = merged_bytes = None
    for item in files:
        status, data, note = _read_stored(item.storage_key)
        actual = hashlib.sha256(data).hexdigest() if data is not None else None
        if status == OK and actual != item.sha256:
            status, note = CHANGED, "its SHA-256 is not the one recorded when it was signed"
        result = FileCheck(name=item.name, role=item.role, status=status, expected_sha256=item.sha256,
                           actual_sha256=actual, note=note)
        check.files.append(result)
        if item.role == "manifest" and data is not None:
            manifest_bytes = data
        if item.role == "merged_pdf" and data is not None:
            merged_bytes = data
    if merged_bytes is not None:
        _check_seal(check, files, merged_bytes)

    manifests = [f for f in files if f.role == "manifest"]
    if len(manifests) != 1:
        check.manifest_problems.append(f"the pack should have one manifest; it has {len(manifests)}")
        return check
    record = manifests[0]
    if record.name != MANIFEST_NAME:
        check.manifest_problems.append(f"the manifest is called {record.name!r}, not {MANIFEST_NAME!r}")
    if record.sha256 != pack.manifest_sha256:
        check.manifest_problems.append("the manifest's SHA-256 in the file record is not the pack's manifest SHA-256 "
                                       f"({record.sha256} against {pack.manifest_sha256})")
    at_signing = signed_events.get(pack.version)
    if at_signing is None:
        check.notes.append("no 'signed' event with the manifest's SHA-256 in the audit trail to compare with")
    elif at_signing != pack.manifest_sha256:
        check.manifest_problems.append("the pack's manifest SHA-256 is not the one written to the audit trail at "
                                       f"signing ({pack.manifest_sha256} against {at_signing})")
    if manifest_bytes is None:
        return check  # missing or unreadable: already reported against the file
    check.manifest_problems.extend(_manifest_contents(referral, pack, files, manifest_bytes))
    return check


def _manifest_contents(referral: Referral, pack: Pack, files: list[PackFile], data: bytes) -> list[str]:
    """What the manifest says against what the pack holds."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ["the manifest is not readable JSON"]
    if not isinstance(manifest, dict):
        return ["the manifest is not a JSON object"]
    problems = []
    if manifest.get("format") != MANIFEST_FORMAT:
        problems.append(f"its format is {manifest.get('format')!r}, not {MANIFEST_FORMAT!r}")
    if manifest.get("reference") != referral.reference:
        problems.append(f"it names the reference {manifest.get('reference')!r}, not {referral.reference!r}")
    if manifest.get("version") != pack.version:
        problems.append(f"it names version {manifest.get('version')!r}, not {pack.version}")
    listed = manifest.get("files")
    if not isinstance(listed, list) or not all(isinstance(e, dict) for e in listed):
        return problems + ["it has no list of files"]
    by_name: dict[str, dict] = {}
    for entry in listed:
        name = entry.get("name")
        if name in by_name:
            problems.append(f"it lists {name!r} twice")
        by_name[name] = entry
    held = {f.name: f for f in files if f.role != "manifest"}
    for name in sorted(set(held) - set(by_name)):
        problems.append(f"it does not list {name}, which the pack holds")
    for name in sorted(set(by_name) - set(held), key=str):
        problems.append(f"it lists {name}, which the pack does not hold")
    for name, item in held.items():
        entry = by_name.get(name)
        if entry is None:
            continue
        if entry.get("sha256") != item.sha256:
            problems.append(f"it gives {name} the SHA-256 {entry.get('sha256')}, not the recorded {item.sha256}")
        if entry.get("size") != item.size:
            problems.append(f"it gives {name} the size {entry.get('size')}, not the recorded {item.size}")
    return problems


def _check_seal(check: PackCheck, files: list[PackFile], pdf: bytes) -> None:
    """The merged PDF's PAdES signature against the published certificate, and the manifest inside it."""
    embedded = embedded_manifest(pdf)
    result = seal.validate(pdf, seal.credentials(current_app.config).cert_pem)
    if result.ok:
        check.seal = result.summary
    elif embedded is None and result.unsigned:
        check.notes.append("the merged PDF carries no seal: it was signed before packs were sealed (issue 24)")
        return
    else:
        check.seal_problems.extend(result.problems)
    if embedded is None:
        check.seal_problems.append("the merged PDF carries no manifest.json of the files it is made from")
        return
    try:
        listed = {entry["name"]: entry for entry in json.loads(embedded.decode("utf-8"))["files"]}
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        check.seal_problems.append("the manifest.json inside the merged PDF is not readable")
        return
    parts = {f.name: f for f in files if f.role not in ("merged_pdf", "manifest")}
    if set(listed) != set(parts):
        check.seal_problems.append("the manifest.json inside the merged PDF does not list the pack's documents and "
                                   "evidence")
    for name, item in parts.items():
        if name in listed and listed[name].get("sha256") != item.sha256:
            check.seal_problems.append(f"the manifest.json inside the merged PDF gives {name} another SHA-256")


def embedded_manifest(pdf: bytes) -> bytes | None:
    """The bytes of the manifest.json embedded in a merged PDF (archive.py), or None."""
    try:
        found = PdfReader(io.BytesIO(pdf), strict=False).attachments.get(MANIFEST_NAME)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return None
    return found[0] if found else None
