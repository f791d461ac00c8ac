"""What the LA records once it has accepted a referral (issue 5), shared by the web page and the API,
and the penalty notices so recorded that the `penalty_notice_limit` rule counts for later requests.

From the seeds:
- 003, Request to hold a Pupil Planning Meeting (PPM): after the meeting "one of four outcomes will be
  identified: Parents agree to engage with a revised/new School Attendance Parent Contract; Issue a
  Penalty Notice; Proceed to magistrates court for prosecution; Case dismissed and referred back to
  the school to offer help and support" (`ppm_held` with `ppm_outcome`).
- 003, Following Penalty Notice issue: "Penalty Notice paid" / "Penalty Notice not paid" ("If a
  Penalty Notice remains unpaid on the 28th day ..."), so unpaid is recorded no earlier than 28 days
  after the notice was issued.
- 000, Stage 3A (Notice to Improve): "a formal notice from the Local Authority that a child's
  attendance is not acceptable" (`notice_to_improve`).
- A penalty notice is issued to a parent: one notice, with its own reference, per parent named on the
  referral (000, Stage 3A: "the first fine issued to a parent in relation to a particular child").
- Withdrawn (The Education (Penalty Notices) (England) Regulations 2007, reg. 8 and 9): a notice
  withdrawn is repaid and no proceedings may follow on it. For the limit of two in three years a
  withdrawn notice is treated as never issued: the 2024 national framework counts notices paid and
  unpaid, "but not those which were withdrawn" (as LA codes of conduct quote it, e.g. Manchester's
  School Attendance Code of Conduct, 4.3). Paid and unpaid notices count.

Each recording checks the officer's right, validates everything before writing anything, adds the
rows and the audit event, and commits.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from ..audit import record
from ..formatting import format_date, format_money, local_today
from ..models import NOTICE_STATUSES, OUTCOME_KINDS, PPM_OUTCOMES, Outcome, Referral, User, data_as_signed, db, utcnow
from ..policies import load_profile
from ..referrals.actions import ActionError, profile_name
from ..rules.law import law_of
from ..text import check_text, same_name
from . import reviews

KIND_LABELS = {
    "penalty_notice_issued": "Penalty notice issued",
    "ppm_held": "Pupil Planning Meeting held",
    "notice_to_improve": "Notice to Improve issued",
    "penalty_notice_paid": "Penalty notice paid",
    "penalty_notice_unpaid": "Penalty notice not paid",
    "penalty_notice_withdrawn": "Penalty notice withdrawn",
    "year_end_review": "Year-end review held",
    # The Education Welfare Officer's letters, issued from the service only (models.LETTER_KINDS; issue 19).
    "initial_warning": "Initial Warning sent",
    "ews_final_warning": "Final Warning sent",
    "pre_court_invitation": "Invitation to a Pre-Court Meeting sent",
}
PPM_OUTCOME_LABELS = {
    "revised_contract": "Parents agree to engage with a revised/new School Attendance Parent Contract",
    "penalty_notice": "Issue a Penalty Notice",
    "prosecution": "Proceed to magistrates court for prosecution",
    "dismissed": "Case dismissed and referred back to the school to offer help and support",
}
STATUS_CHOICES = {"penalty_notice_paid": "Paid",
                  "penalty_notice_unpaid": "Not paid (still unpaid on the 28th day)",
                  "penalty_notice_withdrawn": "Withdrawn (it no longer counts towards the limit of two in three years)"}
# Withdrawal (reg. 8: the LA determines that the notice ought not to have been issued, or not to the
# person named as the recipient, or that it contains material errors; reg. 9: not paid, and the LA does
# not bring proceedings). Stockport's page states the first three as its grounds.
WITHDRAWAL_GROUNDS = {
    "ought_not_to_have_been_issued": "It ought not to have been issued",
    "wrong_recipient": "It ought not to have been issued to the person named as the recipient",
    "material_errors": "It contains material errors",
    "not_paid_no_proceedings": "It was not paid and the local authority is not bringing proceedings",
}
# 003, Penalty Notice not paid: "If a Penalty Notice remains unpaid on the 28th day".
UNPAID_AFTER_DAYS = 28
MAX_NOTES = 2000
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-. ]{0,58}[A-Za-z0-9]$|^[A-Za-z0-9]$")
FIELDS = ("kind", "date", "notices", "ppm_outcome", "notice", "grounds", "notes")
RECORDABLE = "accepted"


def require_officer(user: User, referral: Referral) -> None:
    if user.role != "la_officer":
        raise ActionError("Only an officer of the local authority can record outcomes", status=403)
    if referral.la_id != user.la_id:
        raise ActionError("Not found", status=404)


def parent_names(referral: Referral) -> list[str]:
    """The parents named on the accepted version (its data as signed), spaces tidied."""
    data = data_as_signed(referral)
    names = []
    for parent in data.get("parents") or ():
        name = parent.get("name") if isinstance(parent, dict) else None
        if isinstance(name, str) and name.strip():
            names.append(" ".join(name.split()))
    return names


def parse_date(value, field: str, errors: dict) -> dt.date | None:
    if value in (None, ""):
        errors[field] = ["Enter the date"]
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        errors[field] = ["Enter the date as YYYY-MM-DD"]
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = ["Enter a real date as YYYY-MM-DD"]
        return None
    return day


def _notices(referral: Referral) -> list[Outcome]:
    return [o for o in referral.outcomes if o.kind == "penalty_notice_issued"]


def notice_status(notice: Outcome, rows: list[Outcome]) -> Outcome | None:
    """The latest paid / unpaid / withdrawn row about this notice, if any."""
    later = [o for o in rows if o.notice_id == notice.id and o.kind in NOTICE_STATUSES]
    return later[-1] if later else None


def record_outcome(user: User, referral: Referral, body, *, date_error: str | None = None) -> list[Outcome]:
    """Record one outcome (several rows for a penalty notice issued to more than one parent).
    `date_error`: the page's own message about the date's three boxes, shown with any other errors."""
    require_officer(user, referral)
    if referral.status != RECORDABLE:
        raise ActionError(f"This referral is {referral.status.replace('_', ' ')}: outcomes are recorded once the "
                          "local authority has accepted it", status=409)
    if not isinstance(body, dict):
        raise ActionError("Send the outcome as a JSON object", errors={"kind": ["Send a JSON object with kind and date"]})
    errors: dict = {key: ["Unknown field"] for key in body if key not in FIELDS}
    kind = body.get("kind")
    if kind not in OUTCOME_KINDS:
        errors["kind"] = ["Choose one of: " + ", ".join(OUTCOME_KINDS)]
    if date_error:
        errors["date"] = [date_error]
        day = None
    else:
        day = parse_date(body.get("date"), "date", errors)
    pack = referral.latest_pack
    signed_on = pack.signed_at.date() if pack is not None else None
    if day is not None:
        if day > local_today():
            errors["date"] = ["The date must be today or in the past"]
        elif signed_on and day < signed_on:
            errors["date"] = [f"The date must be on or after the day the request was signed ({format_date(signed_on)})"]
    notes, problem = check_text(body.get("notes"), label="the notes", max_length=MAX_NOTES,
                                too_long=f"Notes must be {MAX_NOTES} characters or fewer")
    if problem:
        errors["notes"] = [problem]
    for key in ("notices", "ppm_outcome", "notice", "grounds"):
        if kind in OUTCOME_KINDS and key in body and body[key] not in (None, "", []) and not _uses(kind, key):
            errors[key] = [f"Not used for {KIND_LABELS[kind].lower()}"]

    rows: list[Outcome] = []
    base = {"referral": referral, "la_id": referral.la_id, "pack": pack, "kind": kind, "occurred_on": day,
            "notes": notes, "recorded_by_id": user.id, "recorded_at": utcnow()}
    detail: dict = {"kind": kind, "date": day.isoformat() if day else None}
    if kind == "penalty_notice_issued":
        for parent, reference in _validate_notices(referral, body.get("notices"), errors):
            rows.append(Outcome(**base, parent_name=parent, notice_reference=reference))
        detail["notices"] = [{"parent_name": r.parent_name, "reference": r.notice_reference} for r in rows]
    elif kind == "ppm_held":
        if referral.form_id != "ppm-request":
            errors["kind"] = ["A Pupil Planning Meeting is recorded on a request to hold one (ppm-request)"]
        choice = body.get("ppm_outcome")
        if choice not in PPM_OUTCOMES:
            errors["ppm_outcome"] = ["Choose the outcome of the meeting: " + ", ".join(PPM_OUTCOMES)]
        rows.append(Outcome(**base, ppm_outcome=choice))
        detail["ppm_outcome"] = choice
    elif kind == "notice_to_improve":
        law = law_of(load_profile(profile_name(referral)).jurisdiction)
        if law.notice_to_improve is None:  # Wales (issue 19): the law has none to record
            errors["kind"] = [law.no_nti]
        rows.append(Outcome(**base))
    elif kind == reviews.RULE:
        if not reviews.required(referral):
            errors["kind"] = ["This local authority's process has no year-end review of open referrals"]
        elif not notes:
            errors["notes"] = ["Say what the review decided: whether the referral stays open into the next school year"]
        rows.append(Outcome(**base))
    elif kind in NOTICE_STATUSES:
        notice = _validate_status(referral, kind, body.get("notice"), day, errors)
        grounds = _validate_grounds(kind, notice, body.get("grounds"), errors)
        paid = _amount_paid(notice, day, errors) if kind == "penalty_notice_paid" and notice is not None else None
        if notice is not None:
            rows.append(Outcome(**base, notice=notice, parent_name=notice.parent_name, grounds=grounds,
                                amount_paid=paid))
            detail.update({"notice": notice.notice_reference, "parent_name": notice.parent_name})
            if grounds:
                detail["grounds"] = grounds
            if paid is not None:
                detail["amount_paid"] = paid
    if errors:
        raise ActionError("The outcome was not recorded", errors=errors)
    for row in rows:
        db.session.add(row)
    if notes:
        detail["notes"] = notes
    record("outcome_recorded", user=user, referral=referral, detail=detail)
    db.session.commit()
    return rows


def _uses(kind: str, key: str) -> bool:
    return {"notices": kind == "penalty_notice_issued", "ppm_outcome": kind == "ppm_held",
            "notice": kind in NOTICE_STATUSES, "grounds": kind == "penalty_notice_withdrawn"}[key]


def _validate_notices(referral: Referral, notices, errors: dict) -> list[tuple[str, str]]:
    """[(parent as named on the referral, reference)]: one notice per parent, each with its own
    reference, unique within the LA."""
    if not isinstance(notices, list) or not notices:
        errors["notices"] = ["Give each parent's notice: the parent's name and the notice's reference"]
        return []
    parents = parent_names(referral)
    already = {o.parent_name.casefold() for o in _notices(referral)
               if notice_status(o, referral.outcomes) is None or notice_status(o, referral.outcomes).kind
               != "penalty_notice_withdrawn"}
    out, problems, seen_parents, seen_refs = [], [], set(), set()
    for i, item in enumerate(notices, start=1):
        if not isinstance(item, dict):
            problems.append(f"Notice {i}: give parent_name and reference")
            continue
        name, reference = item.get("parent_name"), item.get("reference")
        parent = next((p for p in parents if isinstance(name, str) and same_name(p, name)), None)
        if parent is None:
            problems.append(f"Notice {i}: {name!r} is not a parent named on this referral"
                            + (f" ({', '.join(parents)})" if parents else ""))
            continue
        if parent.casefold() in seen_parents:
            problems.append(f"Notice {i}: {parent} is named twice: one notice per parent")
            continue
        if parent.casefold() in already:
            problems.append(f"Notice {i}: a penalty notice to {parent} is already recorded on this referral")
            continue
        if not isinstance(reference, str) or not REFERENCE_PATTERN.match(reference.strip()):
            problems.append(f"Notice {i}: enter the notice's reference for {parent} (letters, digits, '/', '-' or "
                            "'.', up to 60 characters)")
            continue
        reference = reference.strip()
        if reference.casefold() in seen_refs:
            problems.append(f"Notice {i}: the reference {reference} is given twice: each notice has its own")
            continue
        taken = db.session.scalar(select(Outcome.id).where(Outcome.la_id == referral.la_id,
                                                           Outcome.kind == "penalty_notice_issued",
                                                           Outcome.notice_reference == reference))
        if taken is not None:
            problems.append(f"Notice {i}: the reference {reference} is already used for another notice")
            continue
        seen_parents.add(parent.casefold())
        seen_refs.add(reference.casefold())
        out.append((parent, reference))
    if problems:
        errors["notices"] = problems
    return out


def _validate_status(referral: Referral, kind: str, reference, day: dt.date | None, errors: dict) -> Outcome | None:
    notices = _notices(referral)
    notice = next((n for n in notices if isinstance(reference, str) and reference.strip()
                   and n.notice_reference.casefold() == reference.strip().casefold()), None)
    if notice is None:
        known = ", ".join(n.notice_reference for n in notices)
        errors["notice"] = ["Choose a penalty notice recorded on this referral"
                            + (f" ({known})" if known else ": none is recorded yet")]
        return None
    current = notice_status(notice, referral.outcomes)
    if current is not None and current.kind == "penalty_notice_withdrawn":
        errors["notice"] = [f"Notice {notice.notice_reference} was withdrawn on {format_date(current.occurred_on)}: "
                            "nothing more can be recorded on it"]
        return None
    if current is not None and kind == current.kind:
        errors["notice"] = [f"Notice {notice.notice_reference} is already recorded as "
                            f"{KIND_LABELS[kind].lower().replace('penalty notice ', '')}"]
        return None
    if current is not None and kind != "penalty_notice_withdrawn":
        # Paid and not paid exclude each other; only a withdrawal can follow either (reg. 8 and 9).
        errors["notice"] = [f"Notice {notice.notice_reference} is already recorded as "
                            f"{KIND_LABELS[current.kind].lower().replace('penalty notice ', '')}: only a "
                            "withdrawal can follow"]
        return None
    if day is not None and "date" not in errors:
        if day < notice.occurred_on:
            errors["date"] = [f"The date must be on or after the notice was issued ({format_date(notice.occurred_on)})"]
        elif kind == "penalty_notice_unpaid" and notice.amounts:
            # Issued from the service: unpaid once the last day to pay, counted from receipt, has passed.
            last = max(dt.date.fromisoformat(a["pay_by"]) for a in notice.amounts)
            if day <= last:
                errors["date"] = [f"Notice {notice.notice_reference} can be paid until {format_date(last)}: record it "
                                  f"as not paid on or after {format_date(last + dt.timedelta(days=1))}"]
        elif kind == "penalty_notice_unpaid" and day < notice.occurred_on + dt.timedelta(days=UNPAID_AFTER_DAYS):
            first = notice.occurred_on + dt.timedelta(days=UNPAID_AFTER_DAYS)
            errors["date"] = [f"A notice is unpaid only once 28 days have passed: record it on or after "
                              f"{format_date(first)}"]
    return notice


def _validate_grounds(kind: str, notice: Outcome | None, grounds, errors: dict) -> str | None:
    """A withdrawal's grounds (reg. 8 and 9; reg. 20: the LA records them): required for a notice issued
    from the service, optional (but checked) for one recorded from elsewhere."""
    if kind != "penalty_notice_withdrawn":
        return None
    if grounds in (None, ""):
        if notice is not None and notice.amounts:
            errors["grounds"] = ["Choose the grounds for withdrawing the notice: " + ", ".join(WITHDRAWAL_GROUNDS)]
        return None
    if grounds not in WITHDRAWAL_GROUNDS:
        errors["grounds"] = ["Choose one of: " + ", ".join(WITHDRAWAL_GROUNDS)]
        return None
    return grounds


def _amount_paid(notice: Outcome, day: dt.date | None, errors: dict) -> int | None:
    """What was due on the day it was paid (reg. 20: payments with their dates), for a notice issued
    from the service; a payment after the last day does not discharge liability, so it is refused."""
    if not notice.amounts or day is None or "date" in errors:
        return None
    for item in notice.amounts:
        if day <= dt.date.fromisoformat(item["pay_by"]):
            return item["pence"]
    last = max(dt.date.fromisoformat(a["pay_by"]) for a in notice.amounts)
    errors["date"] = [f"The period for paying notice {notice.notice_reference} ended on {format_date(last)}: a later "
                      "payment does not discharge liability. Record it as not paid."]
    return None


# --- reading ------------------------------------------------------------------------------------

def outcomes_view(referral: Referral) -> list[dict]:
    """Every outcome, oldest first, as the API and the pages show it."""
    rows = list(referral.outcomes)
    out = []
    for o in rows:
        item = {"id": o.id, "kind": o.kind, "label": KIND_LABELS.get(o.kind, o.kind), "date": o.occurred_on.isoformat(),
                "version": o.pack.version, "parent_name": o.parent_name, "notes": o.notes,
                "by": o.recorded_by.email, "by_name": o.recorded_by.name, "at": o.recorded_at}
        if o.kind == "penalty_notice_issued":
            status = notice_status(o, rows)
            item.update({"reference": o.notice_reference,
                         "status": status.kind.replace("penalty_notice_", "") if status else "issued",
                         "status_date": status.occurred_on.isoformat() if status else None})
        if o.kind == "ppm_held":
            item.update({"ppm_outcome": o.ppm_outcome, "ppm_outcome_label": PPM_OUTCOME_LABELS.get(o.ppm_outcome)})
        if o.kind in NOTICE_STATUSES:
            item["notice"] = o.notice.notice_reference if o.notice else None
            if o.grounds:
                item.update(grounds=o.grounds, grounds_label=WITHDRAWAL_GROUNDS.get(o.grounds, o.grounds))
            if o.amount_paid is not None:
                item.update(amount_paid=o.amount_paid, amount_paid_text=format_money(o.amount_paid))
        if o.files:
            item.update(notice_id=o.id, issued_from_service=True,
                        received_on=o.received_on.isoformat() if o.received_on else None,
                        amounts=[{"pence": a["pence"], "text": format_money(a["pence"]), "pay_by": a["pay_by"]}
                                 for a in o.amounts or ()],
                        period_end=o.period_end.isoformat() if o.period_end else None)
        if o.kind == "notice_to_improve" and o.notice_reference:
            item["reference"] = o.notice_reference
        out.append(item)
    return out


def open_notices(referral: Referral) -> list[Outcome]:
    """Penalty notices on this referral not withdrawn (those a status can still be recorded on)."""
    rows = list(referral.outcomes)
    return [n for n in _notices(referral)
            if (s := notice_status(n, rows)) is None or s.kind != "penalty_notice_withdrawn"]
