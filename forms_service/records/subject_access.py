"""Subject access (issue 5, README "Data protection"): everything the service holds about one pupil,
as a zip, for an admin of one LA.

The pupil is found as pupils.same_pupil finds them (the same UPN where both give one, otherwise
the same first name, last name and date of birth; case and spacing ignored), in the answers as they
are now and in every signed version's answers (a name corrected after a return still finds the
earlier version). Only records of the admin's own LA are searched (auth.visible_referrals).

The zip holds, for each record: its answers, register, eligibility verdict, evidence (and evidence
replaced since but still held), every signed version's files with what was signed, the LA's checks and
decisions, when and how a letter was sent, the emails, and the audit trail; README.txt says what each file is. Each record found
gets a `subject_access_export` event (who, the criteria); one event with no referral says who
exported, by which kind of criteria and how many records — without the pupil's details, so it
outlives the records without keeping the child's name.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass

from sqlalchemy import select

from .. import storage
from ..access.auth import visible_referrals
from ..audit import record
from ..formdefs import get_form
from ..models import AuditEvent, LocalAuthority, OutboxMessage, Referral, RollPupil, School, User, db, utcnow
from ..pupils import same_pupil, same_pupil_clause
from .retention import expires_at, record_type, superseded_evidence, unreferenced_files

ACTION = "subject_access_export"


class CriteriaError(ValueError):
    def __init__(self, errors: dict):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class Export:
    data: bytes
    records: int
    references: list[str]


def criteria(upn=None, first_name=None, last_name=None, date_of_birth=None) -> dict:
    """The search as a `pupil` mapping same_pupil compares: a UPN, or first name, last name and date
    of birth (all three), or both. CriteriaError naming the fields otherwise."""
    upn = (upn or "").strip()
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if isinstance(date_of_birth, dt.date):
        dob = date_of_birth.isoformat()
    else:
        dob = (date_of_birth or "").strip()
        if dob:
            try:
                dob = dt.date.fromisoformat(dob).isoformat()
            except ValueError:
                raise CriteriaError({"date_of_birth": ["Enter the date of birth as a real date, e.g. 2013-01-14"]}) \
                    from None
    pupil = {}
    if upn:
        pupil["upn"] = upn
    if first or last or dob:
        errors = {}
        for name, value, label in (("first_name", first, "first name"), ("last_name", last, "last name"),
                                   ("date_of_birth", dob, "date of birth")):
            if not value:
                errors[name] = [f"Enter the pupil's {label} (or search by UPN only)"]
        if errors:
            raise CriteriaError(errors)
        pupil.update({"first_name": first, "last_name": last, "date_of_birth": dob})
    if not pupil:
        raise CriteriaError({"upn": ["Enter the pupil's UPN, or their first name, last name and date of birth"]})
    return {"pupil": pupil}


def matching(query, wanted: dict) -> list[Referral]:
    # The index narrows the search to records whose answers, now or as signed, may be the child's;
    # same_pupil decides.
    query = query.where(Referral.may_be_about(wanted))
    found = []
    for referral in db.session.scalars(query.order_by(Referral.id)):
        versions = [referral.data] + [p.data for p in referral.packs]
        if any(same_pupil(wanted, data) for data in versions):
            found.append(referral)
    return found


def _on_pupil_lists(la, wanted: dict) -> list[dict]:
    """The pupil as the LA's schools imported them from their MIS (issue 18: roll_pupils)."""
    if la is None:
        return []
    rows = db.session.scalars(select(RollPupil).join(School, RollPupil.school_id == School.id)
                              .where(School.la_id == la.id, same_pupil_clause(RollPupil, wanted))
                              .order_by(RollPupil.id)).all()
    return [{"school": row.school.name, "imported_at": row.imported_at, "pupil": row.data.get("pupil"),
             "parents": row.data.get("parents")} for row in rows if same_pupil(wanted, row.data)]


def _scope_query(scope: User | LocalAuthority):
    if isinstance(scope, User):
        if scope.role != "admin":
            raise PermissionError("Only an admin can export a pupil's records")
        return visible_referrals(scope)
    return select(Referral).where(Referral.la_id == scope.id)


def export(scope: User | LocalAuthority, *, upn=None, first_name=None, last_name=None, date_of_birth=None,
           actor: str | None = None) -> Export:
    """The zip of everything held about the pupil in `scope` (an admin: their LA; or an LA). Records
    the export in the audit trail; the caller commits. A storage that cannot be read raises
    storage.StorageError before anything is recorded (a file gone from it is listed in README.txt)."""
    wanted = criteria(upn, first_name, last_name, date_of_birth)
    la = scope.la if isinstance(scope, User) else scope
    found = matching(_scope_query(scope), wanted)
    user = scope if isinstance(scope, User) else None
    now = utcnow()
    data = _zip(found, wanted, la, now, user.email if user else actor, _on_pupil_lists(la, wanted))
    references = [r.reference or f"record-{r.id}" for r in found]
    by = (["upn"] if "upn" in wanted["pupil"] else []) + \
        (["name_and_date_of_birth"] if "first_name" in wanted["pupil"] else [])
    for referral in found:
        record(ACTION, user=user, actor=actor, referral=referral,
               detail={"criteria": wanted["pupil"], "records": len(found)})
    record(ACTION, user=user, actor=actor,
           detail={"by": by, "records": len(found), "references": references, "la": la.name if la else None})
    return Export(data=data, records=len(found), references=references)


# --- the zip -------------------------------------------------------------------------------------

def _json(value) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=_default) + "\n").encode()


def _default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _safe(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", name or "file").strip(" .") or "file"
    return name[:150]


def _folder(referral: Referral) -> str:
    return _safe(referral.reference or f"record-{referral.id}")


def _zip(found: list[Referral], wanted: dict, la, now: dt.datetime, who: str | None, listed: list[dict]) -> bytes:
    buffer = io.BytesIO()
    orphans = unreferenced_files()
    missing = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        def put_file(name: str, key: str):
            try:
                zf.writestr(name, storage.get(key))
            except storage.MissingFile:  # listed in README.txt; a storage that cannot be read stops the export
                missing.append(name)

        summary = []
        for referral in found:
            folder = _folder(referral)
            form = get_form(referral.form_id)
            zf.writestr(f"{folder}/record.json", _json({
                "reference": referral.reference, "form": referral.form_id,
                "title": form.title if form else referral.form_id, "kind": form.kind if form else None,
                "status": referral.status, "school": referral.school.name,
                "created_at": referral.created_at, "updated_at": referral.updated_at,
                "submitted_at": referral.submitted_at, "created_by": referral.created_by.email,
                "retention": {"record_type": record_type(referral), "kept_until": expires_at(referral)},
                "answers": referral.data, "eligibility": referral.eligibility,
            }))
            if referral.register:
                zf.writestr(f"{folder}/register.json", _json(referral.register))
            for evidence in referral.evidence:
                put_file(f"{folder}/evidence/{_safe(evidence.kind)}-{_safe(evidence.filename)}", evidence.storage_key)
            for old in superseded_evidence(referral, orphans):
                put_file(f"{folder}/evidence-replaced/{_safe(old['kind'] or 'evidence')}-{old['sha256'][:12]}-"
                         f"{_safe(old['filename'] or 'file')}", old["key"])
            for pack in referral.packs:
                base = f"{folder}/signed-v{pack.version}"
                zf.writestr(f"{base}/signed.json", _json({
                    "version": pack.version, "signed_name": pack.signed_name, "signed_at": pack.signed_at,
                    "signed_by": pack.signed_by.email, "manifest_sha256": pack.manifest_sha256,
                    "answers_as_signed": pack.data, "eligibility_as_signed": pack.verdict,
                    "register_as_signed": pack.register,
                    "files": [{"name": f.name, "role": f.role, "sha256": f.sha256, "size": f.size} for f in pack.files],
                    "la_checks": [{"check_id": c.check_id, "checked": c.checked, "by": c.checked_by.email,
                                   "at": c.checked_at} for c in pack.checks],
                }))
                for item in pack.files:
                    put_file(f"{base}/{_safe(item.name)}", item.storage_key)
            if referral.decisions:
                zf.writestr(f"{folder}/la-decisions.json", _json([
                    {"version": d.pack.version, "decision": d.decision, "reasons": d.reasons, "rule_ids": d.rule_ids,
                     "check_ids": d.check_ids, "by": d.decided_by.email, "at": d.decided_at}
                    for d in referral.decisions]))
            if referral.outcomes:
                zf.writestr(f"{folder}/la-outcomes.json", _json([
                    {"kind": o.kind, "on": o.occurred_on, "parent": o.parent_name, "notice_reference": o.notice_reference,
                     "ppm_outcome": o.ppm_outcome, "notes": o.notes, "by": o.recorded_by.email, "at": o.recorded_at,
                     # A notice the LA issued from the service (issue 15): its dates, amounts and documents.
                     "received_on": o.received_on, "improvement_period": [o.period_start, o.period_end]
                     if o.period_start else None, "amounts": o.amounts, "grounds": o.grounds,
                     "amount_paid_pence": o.amount_paid,
                     "documents": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in o.files]}
                    for o in referral.outcomes]))
                for outcome in referral.outcomes:
                    for item in outcome.files:
                        put_file(f"{folder}/la-notices/{_safe(item.name)}", item.storage_key)
            if referral.sendings:  # a letter recorded as sent (issue 18): how, when and to whom
                zf.writestr(f"{folder}/sent.json", _json([
                    {"method": s.method, "sent_on": s.sent_on, "to": s.recipients, "recorded_by": s.recorded_by.email,
                     "recorded_at": s.recorded_at} for s in referral.sendings]))
            messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.referral_id == referral.id)
                                          .order_by(OutboxMessage.id)).all()
            if messages:
                zf.writestr(f"{folder}/emails.json", _json([
                    {"kind": m.kind, "to": m.recipient, "subject": m.subject, "body": m.body, "status": m.status,
                     "queued_at": m.created_at, "sent_at": m.sent_at} for m in messages]))
            events = db.session.scalars(select(AuditEvent).where(AuditEvent.referral_id == referral.id)
                                        .order_by(AuditEvent.id)).all()
            zf.writestr(f"{folder}/audit.json", _json([
                {"at": e.created_at, "action": e.action, "by": e.actor, "role": e.role, "from": e.ip, "detail": e.detail}
                for e in events]))
            summary.append({"folder": folder, "reference": referral.reference, "form": referral.form_id,
                            "status": referral.status, "school": referral.school.name})
        if listed:
            zf.writestr("pupil-lists.json", _json(listed))
        zf.writestr("search.json", _json({
            "exported_at": now, "exported_by": who, "local_authority": la.name if la else None,
            "criteria": wanted["pupil"], "records": summary, "files_not_found": missing,
        }))
        zf.writestr("README.txt", _readme(found, la, now, missing))
    return buffer.getvalue()


def _readme(found: list[Referral], la, now: dt.datetime, missing: list[str]) -> str:
    lines = [
        "Subject access export: everything the attendance legal-intervention forms service holds about one pupil",
        f"Made {now:%d %B %Y %H:%M} UTC for {la.name if la else 'the local authority'}; "
        f"{len(found)} record(s) found.",
        "",
        "The pupil was found by their UPN, or by first name, last name and date of birth (both as they",
        "are now and as each signed version gave them), among this local authority's records only.",
        "",
        "Files",
        "  README.txt                      this file",
        "  search.json                     when and by whom the export was made, the search, the records found",
        "  pupil-lists.json                the pupil and their parents as a school imported them from its MIS",
        "                                  to choose pupils from (if any school did), and when",
        "  <reference>/                    one folder per referral, letter, contract or plan:",
        "    record.json                   the record: form, status, school, dates, who made it, the answers as",
        "                                  they are now, the eligibility verdict, and how long it is kept",
        "    register.json                 the attendance register marks uploaded for it (if any)",
        "    evidence/                     the evidence files attached now",
        "    evidence-replaced/            evidence uploaded earlier and replaced since, still held until the",
        "                                  record's retention period ends",
        "    signed-vN/                    each version the headteacher signed, exactly as frozen and sent",
        "                                  to the local authority (the form as PDF and Word, the evidence,",
        "                                  the merged pack and manifest.json with the SHA-256 of every file)",
        "    signed-vN/signed.json         who signed and when, the answers, register marks and verdict as",
        "                                  signed, the files' SHA-256, and the local authority's checklist ticks",
        "    la-decisions.json             the local authority's decisions (accepted or returned, and why)",
        "    la-outcomes.json              what the local authority recorded after accepting: penalty notices",
        "                                  (one per parent, paid, unpaid or withdrawn), PPM, Notice to Improve,",
        "                                  a year-end review",
        "    la-notices/                   the notices the local authority issued from the service, as sent",
        "                                  (Notice to Improve, penalty notice, an Education Welfare Officer's",
        "                                  Initial Warning, Final Warning or Pre-Court Meeting invitation:",
        "                                  PDF and Word)",
        "    sent.json                     a letter, agreement or plan the school recorded as sent: how (posted,",
        "                                  handed over, emailed), on which day and to whom",
        "    emails.json                   the emails the service sent about the record",
        "    audit.json                    the audit trail: every action and view, who, when and from where",
    ]
    if found:
        lines += ["", "Records"]
        for referral in found:
            form = get_form(referral.form_id)
            lines.append(f"  {_folder(referral)}/  {form.title if form else referral.form_id} "
                         f"({referral.status.replace('_', ' ')}), {referral.school.name}")
    if missing:
        lines += ["", "Files listed in the records but not found in storage:"] + [f"  {m}" for m in missing]
    return "\n".join(lines) + "\n"
