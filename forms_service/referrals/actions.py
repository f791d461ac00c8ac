"""What can be done to a referral, shared by the web pages and the API.

Each function checks the user's right to do it, changes the referral, records the audit event
and commits, so both front doors behave the same.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select

from .. import dictionary, storage
from ..access import quotas
from ..audit import record
from ..formdefs import DOCUMENT_NOUNS, FormDef, deep_merge, dump_data, get_form, load_forms
from ..models import AuditEvent, Evidence, Referral, User, db, utcnow
from ..policies import PLACES, Policy, load_profile
from ..register import figures
from ..register.exports import read_export
from ..register.marks import (DEFAULT_CODE_SET, Register, RegisterError, parse_register_json, session_json,
                              stored_register)
from ..rules import Verdict, evaluate
from ..text import check_text
from . import changes, notify, timeline as fast_track
from .evidence import EvidenceError, validate_evidence
from .history import sessions_used_elsewhere, with_recorded_notices

EDITABLE_STATUSES = ("draft", "sent_back", "returned")
# Kinds of form a school fills in here: referrals go to the LA through sign-off; letters (and
# plans) are produced for parents and downloaded, never sent to the LA.
KINDS = tuple(DOCUMENT_NOUNS)


class ActionError(Exception):
    """A request that cannot be carried out; `errors` maps field names to messages."""

    def __init__(self, message: str, errors: dict | None = None, status: int = 422, rules: list | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.status = status
        self.rules = rules or []


def form_of(referral: Referral) -> FormDef:
    return get_form(referral.form_id)


def require_school_staff(user: User, referral: Referral | None = None) -> None:
    if user.role not in ("office", "headteacher"):
        raise ActionError("Only school staff can do this", status=403)
    if referral is not None and referral.school_id != user.school_id:
        raise ActionError("Not found", status=404)


def _require_editable(referral: Referral) -> None:
    if referral.status not in EDITABLE_STATUSES:
        raise ActionError(f"This referral is {referral.status.replace('_', ' ')} and can no longer be changed",
                          status=409)
    if (locked := sent_lock(referral)) is not None:
        raise ActionError(locked, status=409)


def sent_lock(referral: Referral) -> str | None:
    """Why a letter can no longer be changed: once recorded as sent (issue 18), what the family received
    is what the record says, so its answers, marks and files stay as they were sent. None otherwise."""
    if not referral.sendings:
        return None
    form = form_of(referral)
    noun = form.noun if form is not None else "letter"
    return (f"This {noun} has been sent, so it can no longer be changed. If something in it was wrong, "
            f"start a new {noun}.")


def validate_draft(form: FormDef, data: dict) -> dict:
    """Types, formats and cross-field dates; required answers wait until submit. The data dictionary's names
    the form does not use are set aside (dictionary.py): the API tells its caller which."""
    try:
        return dictionary.load(form, data)[0]
    except ValidationError as exc:
        raise ActionError("Some answers need correcting", errors=exc.messages) from exc


def parse_register(upload: dict | bytes | str | None, *, code_set: str | None = None,
                   filename: str | None = None) -> dict | None:
    """A register as given (CSV text/bytes or the JSON shape) to the stored JSON shape."""
    if upload is None:
        return None
    try:
        if isinstance(upload, (bytes, str)):
            export = read_export(upload, code_set or DEFAULT_CODE_SET)
            register, read_as = export.register, {"layout": export.layout, "encoding": export.encoding,
                                                  "warnings": export.warnings}
        else:
            register, read_as = parse_register_json(upload, code_set=code_set), {}
    except RegisterError as exc:
        raise ActionError("The register could not be read", errors={"register": exc.messages}) from exc
    upns = {s.upn for s in register.sessions if s.upn}
    if len(upns) > 1:
        raise ActionError("The register holds marks for more than one pupil",
                          errors={"register": [f"The file holds {len(upns)} different UPNs: upload one pupil's marks"]})
    return {"code_set": register.code_set, "filename": filename, **read_as,
            "sessions": [session_json(s) for s in register.sessions]}


def jurisdiction_of(la) -> str:
    """Whose law the LA works under: its profile's (england or wales)."""
    return profile_of(la).jurisdiction


def profile_of(la) -> Policy:
    """The LA's policy profile, loaded (the service's default where the LA has none)."""
    return load_profile(la.policy_profile or current_app.config["POLICY_PROFILE"])


def offered(form: FormDef, la) -> bool:
    """Whether the LA's schools are offered `form`: a Welsh LA's schools never start an English
    process (a Notice to Improve's Stage 3, say), nor English schools a Welsh one (issue 19); one LA's
    or trust's own paperwork is offered only under its profile (issue 20)."""
    return form.used_under(profile_of(la))


def offered_forms(la, profile: Policy | None = None) -> list[FormDef]:
    """Every form the LA's schools are offered, its profile read once (pages list them all)."""
    profile = profile or profile_of(la)
    return [f for f in load_forms().values() if f.used_under(profile)]


def create(user: User, form_id: str, data: dict | None = None, register: dict | None = None) -> Referral:
    require_school_staff(user)
    form = get_form(form_id)
    if form is None or form.kind not in KINDS:
        raise ActionError("Unknown form", errors={"form": [f"No form called {form_id!r}"]})
    if not offered(form, user.school.la):
        raise ActionError("This form is not used here", errors={"form": [
            f"The {form.title} is used in {form.where_used()}; {user.school.la.name} works under "
            f"{profile_of(user.school.la).name}'s policy, under the law of {PLACES[jurisdiction_of(user.school.la)]}"]})
    data = data or {}
    loaded = validate_draft(form, data)
    referral = Referral(form_id=form.id, school_id=user.school_id, la_id=user.school.la_id, status="draft",
                        data=dump_data(loaded), register=register, created_by_id=user.id)
    db.session.add(referral)
    db.session.flush()
    referral.reference = f"{form.reference_prefix}-{referral.created_at:%Y}-{referral.id:06d}"
    record("created", user=user, referral=referral, detail={"form": form.id})
    db.session.commit()
    return referral


def update(user: User, referral: Referral, patch: dict, *, register: dict | None | bool = False,
           expected_version: int | None = None) -> Referral:
    """Merge `patch` into the draft. `register=False` leaves the register alone; None removes it."""
    require_school_staff(user, referral)
    _require_editable(referral)
    if expected_version is not None and expected_version != referral.version:
        raise ActionError("Someone else changed this referral since you opened it. Reload it and make your change again.",
                          status=409)
    form = form_of(referral)
    merged = deep_merge(referral.data or {}, patch)
    merged.pop("evidence", None)  # on a saved referral the evidence comes from the uploads
    loaded = validate_draft(form, merged)
    referral.data = dump_data(loaded)
    changed = sorted(patch.keys())
    detail: dict = {"fields": changed}
    if register is not False:
        referral.register = register
        changed.append("register")
        # Upload or removal, told apart in the trail (never the marks themselves).
        detail["register"] = ({"sessions": len(register.get("sessions") or ()), "filename": register.get("filename"),
                               "code_set": register.get("code_set")} if register else None)
    record("updated", user=user, referral=referral, detail=detail)
    db.session.commit()
    return referral


def attach_evidence(user: User, referral: Referral, kind: str, filename: str, data: bytes) -> Evidence:
    require_school_staff(user, referral)
    _require_editable(referral)
    form = form_of(referral)
    if kind not in {e["kind"] for e in form.evidence}:
        raise ActionError("Unknown kind of evidence", errors={"kind": [
            "Choose one of: " + ", ".join(e["kind"] for e in form.evidence)]})
    quotas.take(user, quotas.UPLOAD, field="file")  # before the file is read: checking it is the work
    try:
        content_type, safe_name = validate_evidence(filename, data, max_bytes=current_app.config["MAX_EVIDENCE_BYTES"])
        quotas.check_storage(referral.school_id, len(data))
    except (EvidenceError, quotas.StorageQuotaExceeded) as exc:
        raise ActionError(exc.message, errors={"file": [exc.message]}) from exc
    key = storage.new_key("evidence")
    digest = storage.put(key, data)
    # One file per kind: a new upload replaces the earlier one (the file itself stays in storage
    # until retention removes it, so an audit question about it can still be answered).
    replaced = [e for e in referral.evidence if e.kind == kind]
    for old in replaced:
        db.session.delete(old)
    evidence = Evidence(referral=referral, kind=kind, filename=safe_name, content_type=content_type,
                        size=len(data), sha256=digest, storage_key=key, uploaded_by_id=user.id)
    db.session.add(evidence)
    record("evidence_uploaded", user=user, referral=referral,
           detail={"kind": kind, "filename": safe_name, "sha256": digest, "size": len(data),
                   **({"replaced_sha256": [e.sha256 for e in replaced]} if replaced else {})})
    db.session.commit()
    return evidence


def remove_evidence(user: User, referral: Referral, evidence_id: int) -> None:
    require_school_staff(user, referral)
    _require_editable(referral)
    evidence = next((e for e in referral.evidence if e.id == evidence_id), None)
    if evidence is None:
        raise ActionError("Not found", status=404)
    db.session.delete(evidence)
    record("evidence_removed", user=user, referral=referral, detail={"kind": evidence.kind})
    db.session.commit()


def working_data(referral: Referral) -> dict:
    """The referral's data as the rules and documents read it (typed; figures counted from the
    register marks in place of typed ones; evidence from uploads)."""
    form = form_of(referral)
    loaded = form.schema(complete=False).load(referral.data or {})
    if referral.register and figures.register_fields(form):
        loaded = figures.apply(loaded, figures_from_register(referral))
    loaded["evidence"] = sorted({e.kind for e in referral.evidence})
    loaded["school"] = {"name": referral.school.name}
    return loaded


def figures_from_register(referral: Referral) -> tuple[figures.Filled, ...]:
    """The figures the uploaded marks fill in, with what was typed, for the check pages."""
    def fill():
        form = form_of(referral)
        return tuple(figures.fill(form, form.schema(complete=False).load(referral.data or {}),
                                           register_of(referral)))
    return _once_per_stored_value(referral, "figures", fill)


def register_of(referral: Referral) -> Register | None:
    if not referral.register:
        return None
    return _once_per_stored_value(referral, "register", lambda: stored_register(referral.register))


def _once_per_stored_value(referral: Referral, name: str, compute):
    """compute() once for the referral's answers and marks as they are stored now. One page reads a
    referral's register and figures several times (the check page: rules, missing answers, the
    figures table), and parsing a year's marks each time was most of its cost. Kept on the instance,
    which lives for one request's database session, and keyed on the identity of the stored JSON
    values: an edit assigns new ones (nothing mutates them in place), so a stale result is never
    returned. The results are immutable (a Register, a tuple of frozen Filled): callers share them."""
    stored = (referral.form_id, referral.data, referral.register)
    memo = referral.__dict__.setdefault("_memo", {})
    hit = memo.get(name)
    if hit is not None and all(a is b for a, b in zip(hit[0], stored)):
        return hit[1]
    value = compute()
    memo[name] = (stored, value)
    return value


def timeline(referral: Referral, today: dt.date):
    """The fast-track referral's eight-week timeline (None for other forms)."""
    if referral.form_id != fast_track.FORM_ID:
        return None
    return fast_track.timeline(working_data(referral), register=register_of(referral),
                               profile=load_profile(profile_name(referral)), today=today,
                               submitted=referral.status not in EDITABLE_STATUSES)


def profile_name(referral: Referral) -> str:
    la = referral.school.la
    return la.policy_profile or current_app.config["POLICY_PROFILE"]


def verdict(referral: Referral, *, today: dt.date | None = None, request_date: dt.date | None = None) -> Verdict:
    """The rules on the referral as it stands. `request_date` measures from the day the request
    actually goes (signing), whatever date was typed, so a late request cannot slip through.
    Sessions that another request for the same pupil already relied on are not counted again."""
    data = working_data(referral)
    data.pop("school", None)
    if request_date is not None:
        data["referral_date"] = request_date
    data = with_recorded_notices(referral, data)
    return evaluate(form_of(referral), data, register=register_of(referral),
                    profile=load_profile(profile_name(referral)), today=today,
                    used_sessions=sessions_used_elsewhere(referral))


def missing_answers(referral: Referral) -> dict:
    """Per-field messages for answers still needed before submitting (empty when complete)."""
    form = form_of(referral)
    # A figure the register gives need not be typed.
    data = figures.apply(referral.data or {}, figures_from_register(referral))
    try:
        form.schema(complete=True).load(data)
    except ValidationError as exc:
        return exc.messages
    return {}


def submit(user: User, referral: Referral) -> Referral:
    require_school_staff(user, referral)
    _require_editable(referral)
    form = form_of(referral)
    if not form.sends_to_la:
        raise ActionError(f"A {form.noun} is not sent to the local authority: download it once it is complete",
                          status=409)
    errors = missing_answers(referral)
    result = verdict(referral)
    if errors or not result.eligible:
        blocking = [r.to_dict() for r in result.rules if r.status in ("fail", "missing")]
        raise ActionError("This referral cannot be submitted yet", errors=errors, rules=blocking)
    referral.status = "awaiting_signoff"
    referral.submitted_at = utcnow()
    referral.eligibility = result.to_dict()
    notified = notify.awaiting_signoff(referral, user, changes.since_last_signed(referral))
    record("submitted", user=user, referral=referral, detail={"eligible": True, "notified": notified})
    db.session.commit()
    return referral


def ready_to_issue(referral: Referral) -> tuple[dict, Verdict]:
    """(answers still missing, verdict): a letter can be downloaded only when both are clear."""
    return missing_answers(referral), verdict(referral)


def return_to_office(user: User, referral: Referral, reason: str) -> Referral:
    """A headteacher sends a request back to the office for changes before signing."""
    if user.role != "headteacher" or referral.school_id != user.school_id:
        raise ActionError("Only the school's headteacher can do this", status=403)
    if referral.status != "awaiting_signoff":
        raise ActionError("Only a request awaiting sign-off can be sent back", status=409)
    needed = "Enter what needs changing (up to 2000 characters)"
    reason, problem = check_text(reason, label="what needs changing", max_length=2000, required=needed,
                                 too_long=needed)
    if problem:
        raise ActionError("Say what needs changing", errors={"reason": [problem]})
    referral.status = "sent_back"
    notified = notify.sent_back(referral, user, reason)
    record("sent_back_by_head", user=user, referral=referral, detail={"reason": reason, "notified": notified})
    db.session.commit()
    return referral


def sent_back(referral: Referral) -> dict | None:
    """{reason, by, at} of the headteacher's send-back, while the request is sent back."""
    if referral.status != "sent_back":
        return None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.referral_id == referral.id,
                                                       AuditEvent.action == "sent_back_by_head")
                              .order_by(AuditEvent.id.desc()).limit(1))
    if event is None:
        return None
    by = db.session.get(User, event.user_id) if event.user_id else None
    return {"reason": (event.detail or {}).get("reason", ""), "by": by.name if by else event.actor, "at": event.created_at}
