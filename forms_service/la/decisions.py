"""The LA officer's side of a signed referral (issue 5): the seed form's checklist ticks, and the
decision — accept, or return to the school with reasons — shared by the web pages and the API.

Seeds: "Tick when checked (team leader)" (003, Appendices 5 and 7) is the form's `checklist`;
"The request will be returned if not fully completed" (003, Appendix 8) is the return.

Ticks and decisions belong to one signed version (a Pack): the pack stays frozen, and what the LA
made of it is kept beside it. A returned referral goes back to the school (status `returned`,
editable again); the school corrects it, submits, and the headteacher's new signature makes the
next version, which the LA then ticks and decides afresh. Each function checks the user's right,
changes the records, adds the audit events and the outbox rows, and commits.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit import record
from ..formatting import format_date, initials as pupil_initials
from ..models import DECISIONS, Decision, PackCheck, Referral, School, User, db, utcnow
from ..referrals import changes, notify
from ..referrals.actions import ActionError, form_of
from ..rules.titles import title as rule_title
from ..text import check_text

MAX_REASONS = 5000
# Only a version the headteacher signed and the LA has not yet decided on can be ticked or decided.
DECIDABLE = "signed"


def require_officer(user: User, referral: Referral | None = None) -> None:
    """An LA officer, of the referral's LA (403 for any other role; 404 for another LA's record)."""
    if user.role != "la_officer":
        raise ActionError("Only an officer of the local authority can do this", status=403)
    if referral is not None and referral.la_id != user.la_id:
        raise ActionError("Not found", status=404)


def _require_decidable(referral: Referral) -> None:
    if referral.status != DECIDABLE or referral.latest_pack is None:
        state = referral.status.replace("_", " ")
        raise ActionError(f"This referral is {state}: only a signed version waiting for the LA can be checked "
                          "or decided", status=409)


# --- checks -------------------------------------------------------------------------------------

def checklist(referral: Referral) -> list[dict]:
    return [dict(item) for item in form_of(referral).checklist]


def checks_view(referral: Referral, pack=None) -> list[dict]:
    """Every checklist row of the form with its tick on `pack` (default: the latest signed version)."""
    pack = pack or referral.latest_pack
    ticks = {c.check_id: c for c in pack.checks} if pack is not None else {}
    out = []
    for item in checklist(referral):
        tick = ticks.get(item["id"])
        out.append({"id": item["id"], "label": item["label"], "checked": bool(tick and tick.checked),
                    "by": tick.checked_by.email if tick else None, "by_name": tick.checked_by.name if tick else None,
                    "at": tick.checked_at if tick else None,
                    "version": pack.version if pack is not None else None})
    return out


def record_checks(user: User, referral: Referral, ticks) -> list[dict]:
    """Set {check_id: true|false, ...} on the current signed version; rows not named are unchanged."""
    require_officer(user, referral)
    _require_decidable(referral)
    if not isinstance(ticks, dict) or not ticks:
        raise ActionError("Send the checks as an object of check ids with true or false",
                          errors={"checks": ["Send at least one check id with true or false"]})
    known = {item["id"] for item in checklist(referral)}
    errors = {}
    for check_id, value in ticks.items():
        if check_id not in known:
            errors[check_id] = ["Unknown check: not a row of this form's checklist"
                                + (" (" + ", ".join(sorted(known)) + ")" if known else " (it has none)")]
        elif not isinstance(value, bool):
            errors[check_id] = ["Must be true or false"]
    if errors:
        raise ActionError("Some checks are not on this form's checklist or are not true or false", errors=errors)
    pack = referral.latest_pack
    existing = {c.check_id: c for c in pack.checks}
    now = utcnow()
    changed = {}
    for check_id, value in ticks.items():
        row = existing.get(check_id)
        if row is None:
            db.session.add(PackCheck(pack=pack, check_id=check_id, checked=value, checked_by_id=user.id,
                                     checked_at=now))
        elif row.checked == value:
            continue  # already so: the first tick keeps its who and when
        else:
            row.checked, row.checked_by_id, row.checked_at = value, user.id, now
        changed[check_id] = value
    if changed:
        record("checks_recorded", user=user, referral=referral, detail={"version": pack.version, "checks": changed})
    try:
        db.session.commit()
    except IntegrityError:  # another officer ticked the same row at the same moment
        db.session.rollback()
        raise ActionError("Someone else saved checks on this referral at the same moment. Reload it and "
                          "tick again.", status=409) from None
    db.session.refresh(pack)
    return checks_view(referral, pack)


# --- the decision -------------------------------------------------------------------------------

def _ids(value, known: dict, field: str, what: str, errors: dict) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[field] = [f"Give a list of {what} ids"]
        return []
    unknown = [v for v in value if v not in known]
    if unknown:
        errors[field] = [f"Not {what} of this form: {', '.join(unknown)}"]
    return list(dict.fromkeys(value))  # once each, in the order given


def rule_labels(referral: Referral, pack=None) -> dict[str, str]:
    """{rule id: the rule's reason as it stood at signing} for the form's rules."""
    pack = pack or referral.latest_pack
    reasons = {r["id"]: r.get("reason", "") for r in ((pack.verdict if pack else None) or {}).get("rules", [])}
    return {rule_id: reasons.get(rule_id, "") for rule_id in form_of(referral).rules}


def decide(user: User, referral: Referral, decision, reasons=None, rule_ids=None, check_ids=None) -> Decision:
    require_officer(user, referral)
    _require_decidable(referral)
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = ["Choose accept or return"]
    reasons, problem = check_text(reasons, label="the reasons", max_length=MAX_REASONS,
                                  too_long=f"Reasons must be {MAX_REASONS} characters or fewer",
                                  required="Say why the request is returned and what the school must correct"
                                  if decision == "return" else None)
    if problem:
        errors["reasons"] = [problem]
    rules = _ids(rule_ids, rule_labels(referral), "rule_ids", "a rule", errors)
    checks = _ids(check_ids, {c["id"]: c for c in checklist(referral)}, "check_ids", "a checklist row", errors)
    if errors:
        raise ActionError("The decision was not recorded", errors=errors)

    pack = referral.latest_pack
    row = Decision(referral=referral, pack=pack, decision=decision, reasons=reasons, rule_ids=rules,
                   check_ids=checks, decided_by_id=user.id, decided_at=utcnow())
    db.session.add(row)
    detail = {"version": pack.version, "reasons": reasons, "rule_ids": rules, "check_ids": checks}
    if decision == "accept":
        referral.status = "accepted"
        # Whoever submitted it hears that it was accepted (issue 17, point 4).
        recipients = notify.queue(referral, notify.la_decision_recipients(referral), *accept_notice(referral, row, user))
        record("accepted_by_la", user=user, referral=referral, detail={**detail, "notified": recipients})
    else:
        referral.status = "returned"
        # The school's attendance contact (or its headteachers) always, as the LA's formal notice; and
        # whoever submitted it, whose turn it now is, unless the school switched that off.
        recipients = notify.queue(referral, school_recipients(referral.school) + notify.la_decision_recipients(referral),
                                  *return_notice(referral, row, user))
        record("returned_by_la", user=user, referral=referral, detail={**detail, "notified": recipients})
    if recipients:
        record("school_notice_queued", user=user, referral=referral, detail={"recipients": recipients})
    db.session.commit()
    return row


def school_recipients(school: School) -> list[str]:
    """The school's attendance contact; without one, its active headteachers' addresses."""
    if school.attendance_email:
        return [school.attendance_email]
    return list(db.session.scalars(select(User.email).where(User.school_id == school.id, User.role == "headteacher",
                                                            User.active.is_(True)).order_by(User.id)))



def return_notice(referral: Referral, decision: Decision, officer: User) -> tuple[str, str]:
    """(subject, plain-text body) of the email telling the school its request was returned. As the
    pack email to the LA: the pupil by initials only."""
    form = form_of(referral)
    la = referral.school.la
    pack = decision.pack
    pupil = (pack.data or {}).get("pupil") or {}
    initials = pupil_initials(pupil)
    labels = {c["id"]: c["label"] for c in checklist(referral)}
    rules = rule_labels(referral, pack)
    lines = [
        f"{la.name} has returned this request to {referral.school.name}. It has not been accepted.",
        "",
        f"Reference: {referral.reference} (version {pack.version})",
        f"Form: {form.title} ({form.source})",
        f"Pupil: {initials}",
        f"Signed by: {pack.signed_name}, Head Teacher, on {format_date(pack.signed_at.date())}",
        f"Returned by: {officer.name}, {la.name}, on {format_date(decision.decided_at.date())}",
        "",
        "Reasons:",
        decision.reasons,
    ]
    if decision.rule_ids:
        lines += ["", "Rules concerned:",
                  *[f"- {rule_title(r)}" + (f": {rules[r]}" if rules.get(r) else "") for r in decision.rule_ids]]
    if decision.check_ids:
        lines += ["", "Checklist rows concerned:", *[f"- {labels.get(c, c)}" for c in decision.check_ids]]
    lines += [
        "",
        f"What to do next: correct it and submit it again: {notify.link('referrals.show', referral_id=referral.id)}",
        f"Once the headteacher signs it, the corrected request is sent to the local authority as version "
        f"{pack.version + 1}. Version {pack.version} stays on record, unchanged.",
        notify.FOOTER,
    ]
    subject = f"[{referral.reference}] Returned by the local authority - {form.title}"
    return subject, "\n".join(lines) + "\n"


def accept_notice(referral: Referral, decision: Decision, officer: User) -> tuple[str, str]:
    """(subject, plain-text body) of the email telling the school the LA accepted its request."""
    form = form_of(referral)
    la = referral.school.la
    pack = decision.pack
    lines = [
        f"{la.name} has accepted this request from {referral.school.name}.",
        "",
        *notify.summary_lines(referral, pack.data),
        f"Version: {pack.version}, signed by {pack.signed_name}, Head Teacher, on {format_date(pack.signed_at.date())}",
        f"Accepted by: {officer.name}, {la.name}, on {format_date(decision.decided_at.date())}",
        *(["", "Notes:", decision.reasons] if decision.reasons else []),
        "",
        "What happens next: the local authority decides what follows and records it on the request, where the "
        f"school can see it: {notify.link('referrals.show', referral_id=referral.id)}",
        notify.FOOTER,
    ]
    return f"[{referral.reference}] Accepted by the local authority - {form.title}", "\n".join(lines) + "\n"


def decisions_view(referral: Referral) -> list[dict]:
    """The LA's decisions on this referral, oldest first, each with the version it was about (and the
    checklist rows it names by their labels, for pages)."""
    labels = {item["id"]: item["label"] for item in checklist(referral)}
    return [{"version": d.pack.version, "decision": d.decision, "reasons": d.reasons, "rule_ids": list(d.rule_ids),
             "check_ids": list(d.check_ids), "check_labels": [labels.get(c, c) for c in d.check_ids],
             "by": d.decided_by.email, "by_name": d.decided_by.name, "at": d.decided_at} for d in referral.decisions]


def versions_view(referral: Referral) -> list[dict]:
    """Every signed version with its files (older ones stay unchanged and downloadable) and what it changed
    from the one before."""
    decided = {d.pack_id: d.decision for d in referral.decisions}
    changed = changes.by_version(referral)
    return [{"version": p.version, "signed_name": p.signed_name, "signed_at": p.signed_at,
             "manifest_sha256": p.manifest_sha256, "decision": decided.get(p.id),
             "files": [f.name for f in p.files],
             "changes": changed[p.version].to_dict() if changed[p.version] is not None else None}
            for p in referral.packs]


def latest_return(referral: Referral) -> Decision | None:
    """The decision that sent the referral back, while it is with the school (for its pages)."""
    if referral.status not in ("returned", "draft", "awaiting_signoff", "sent_back"):
        return None
    returns = [d for d in referral.decisions if d.decision == "return"]
    if not returns or returns[-1].pack is not referral.latest_pack:
        return None
    return returns[-1]
