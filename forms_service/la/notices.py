"""The notices an LA officer issues on an accepted referral (issue 15): a Notice to Improve and a penalty
notice, one per parent, made by the service as PDF and DOCX from one context, frozen with their SHA-256
and recorded as the LA's outcomes (one ledger: forms_service/la/outcomes.py reads them like any other).

The law applied:
- Amounts and the limit of two in three years: The Education (Penalty Notices) (England) Regulations
  2007, reg. 4, as amended by SI 2024/210 from 19 August 2024 (forms_service/rules/penalties.py): a
  parent's first notice for a child in three years is £80 if paid within "the period of 21 days
  beginning with the date on which the notice is received", £160 within 28; a second is £160 within
  28 days; no third. Withdrawn notices do not count.
- Receipt: the LA posts each notice first class to the parent's usual or last known address (Stockport,
  Education Penalty Notices: "we send all school attendance notices to improve and Education Penalty
  Notices by first class post"), and a document served by first class post "is taken to have been
  served on the second business day after the day on which it was posted" (Criminal Procedure Rules
  2020, r. 4.11(2)(a), the rules of the magistrates' court that would try the offence; LA codes say the
  same, e.g. Lincolnshire's: "presumed to be served ... on the second working day after it was
  posted"). Business days: Monday to Friday less the bank holidays of England and Wales. So the dates
  printed count from that day: the 21 days run to receipt + 20, the 28 to receipt + 27.
- The Notice to Improve's period and whether a penalty notice must follow one: the LA's profile
  (`notice_to_improve_served`: 000 Stage 3A for Stockport, 15 school days; the national framework's
  3 to 6 weeks elsewhere). Not for leave of absence (000, para 5 and Stage 3A; the framework).
- Records: reg. 20 (a copy of each notice, payments with dates, withdrawal and its grounds).
- In Wales (a profile whose jurisdiction is "wales", issue 19): The Education (Penalty Notices) (Wales)
  Regulations 2013: £60 within 28 days of receipt, £120 within 42, every notice alike; no national
  limit (reg. 14(d) leaves the most in any twelve months to the LA's code, a profile value); no Notice
  to Improve, which is England's 2024 framework's. All of it from forms_service/rules/law.py.

The Education Welfare Officer's letters to a parent (issue 19: the Initial Warning, 002 Step 3; the Final
Warning and the invitation to a Pre-Court Meeting, 002 Step 4) are issued the same way, where the LA's
profile lists them (`la_letters`); what each needs and the order they go in: la/ewo_letters.py. A letter
is not served as a notice is: it has no date of receipt.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from .. import storage
from ..audit import record
from ..formatting import format_date, format_money, local_today
from ..models import NoticeFile, Outcome, Referral, User, data_as_signed, db, utcnow
from ..policies import load_profile
from ..pupils import same_pupil
from ..referrals.actions import ActionError, profile_name, register_of
from ..register.schooldays import SchoolCalendar, bank_holidays, listed_closures
from ..rules.law import law_of
from ..rules.leave import LEAVE_FORMS
from ..rules.penalties import Regime, penalty_amounts, regime_for, window_start
from ..text import same_name
from . import ewo_letters, notice_documents
from .outcomes import WITHDRAWAL_GROUNDS, notice_status, parent_names, require_officer

KINDS = {"notice_to_improve": "notice_to_improve", "penalty_notice": "penalty_notice_issued",
         **{kind: kind for kind in notice_documents.LETTERS}}
REFERENCE_SUFFIX = {"notice_to_improve": "NTI", "penalty_notice": "EPN", "initial_warning": "IW",
                    "ews_final_warning": "FW", "pre_court_invitation": "PCM"}
FIELDS = ("kind", "parent", "issued_on", *ewo_letters.ALL_FIELDS)
ISSUABLE = "accepted"
RECEIPT_BUSINESS_DAYS = 2  # CrimPR 2020 r. 4.11(2)(a): first class post, second business day after posting


class ChangedFile(Exception):
    """A stored notice no longer matches the SHA-256 it was issued with: never served."""


# --- dates and amounts ---------------------------------------------------------------------------

def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def received_on(posted: dt.date) -> dt.date:
    """The day a notice posted first class on `posted` is taken to be received (see the docstring)."""
    day, counted = posted, 0
    while counted < RECEIPT_BUSINESS_DAYS:
        day += dt.timedelta(days=1)
        counted += is_business_day(day)
    return day


def amounts_due(issued_on: dt.date, received: dt.date, earlier: int, regime: Regime | None = None) -> list[dict]:
    """[{pence, pay_by, within_days}]: what is payable by when, each period beginning with receipt.
    `regime`: the LA's (its profile's jurisdiction, regime_for); England's when not given."""
    return [{"pence": p.pence, "within_days": p.within_days,
             "pay_by": (received + dt.timedelta(days=p.within_days - 1)).isoformat()}
            for p in penalty_amounts(issued_on, earlier, regime)]


def notice_to_improve_in_law(referral: Referral) -> bool:
    """Whether the law of the referral's LA has a Notice to Improve (England's does; Wales's has none)."""
    return law_of(load_profile(profile_name(referral)).jurisdiction).notice_to_improve is not None


def regime_of(referral: Referral, on: dt.date) -> Regime:
    """The penalty notice law for this referral's LA on `on` (its profile's jurisdiction)."""
    return regime_for(load_profile(profile_name(referral)), on)


def last_day_to_pay(notice: Outcome) -> dt.date | None:
    if not notice.amounts:
        return None
    return max(dt.date.fromisoformat(a["pay_by"]) for a in notice.amounts)


def improvement_period(referral: Referral, received: dt.date) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, "15 school days"): the profile's period, beginning after receipt.
    School days are the register's where it has marks, otherwise weekdays less bank holidays and the
    closures the form lists (schooldays.SchoolCalendar)."""
    profile = load_profile(profile_name(referral))
    unit = profile.param("notice_to_improve_served", "period_unit")
    length = int(profile.param("notice_to_improve_served", "period_length"))
    if unit == "school_days":
        calendar = SchoolCalendar(register_of(referral), listed_closures(data_as_signed(referral).get("school_closures")))
        return calendar.add(received, 1), calendar.add(received, length), f"{length} school days"
    start = received + dt.timedelta(days=1)
    return start, start + dt.timedelta(weeks=length, days=-1), f"{length} weeks"


# --- what a notice may be issued on ----------------------------------------------------------------

def _rule(rule_id: str, reason: str, source: str) -> dict:
    return {"id": rule_id, "status": "fail", "reason": reason, "source": source}


def earlier_penalty_notices(referral: Referral, parent: str, on: dt.date) -> list[dict]:
    """The penalty notices to `parent` for this child counted on `on`: issued by the LA (on any referral
    of the LA for the same child, not withdrawn) or entered by the school as previous notices, in the
    period the law counts to `on` (three years in England, the code's twelve months in Wales).
    [{issued_on, reference, recorded_on}] oldest first."""
    start = window_start(on, regime_of(referral, on).years)
    found: list[dict] = []
    query = (select(Outcome).join(Referral, Outcome.referral_id == Referral.id)
             .where(Outcome.la_id == referral.la_id, Outcome.kind == "penalty_notice_issued",
                    Outcome.occurred_on >= start, Outcome.occurred_on <= on,
                    (Outcome.referral_id == referral.id) | Referral.may_be_about(referral.data))
             .order_by(Outcome.occurred_on, Outcome.id))
    data = data_as_signed(referral)
    for notice in db.session.scalars(query):
        if not same_name(notice.parent_name or "", parent):
            continue
        if notice.referral_id != referral.id and not same_pupil(data, data_as_signed(notice.referral)):
            continue
        status = notice_status(notice, list(notice.referral.outcomes))
        if status is not None and status.kind == "penalty_notice_withdrawn":
            continue
        found.append({"issued_on": notice.occurred_on, "reference": notice.notice_reference,
                      "recorded_on": notice.referral.reference})
    references = {(n["issued_on"], n["reference"]) for n in found}
    for typed in data.get("previous_penalty_notices") or ():
        if not isinstance(typed, dict) or not same_name(str(typed.get("parent_name") or ""), parent):
            continue
        try:
            day = dt.date.fromisoformat(str(typed.get("issued_on")))
        except ValueError:
            continue
        # A notice the school entered that the LA also issued here is the same notice: count it once.
        if start <= day <= on and not any(d == day for d, _ in references):
            found.append({"issued_on": day, "reference": None, "recorded_on": "entered by the school"})
    return sorted(found, key=lambda n: n["issued_on"])


def _limit_rule(referral: Referral, parent: str, on: dt.date, earlier: list[dict]) -> dict | None:
    regime = regime_of(referral, on)
    if regime.limit is None or len(earlier) < regime.limit:
        return None
    span = "twelve months" if regime.years == 1 else f"{regime.years} years"
    listed = "; ".join(
        (f"{n['reference']} issued on {format_date(n['issued_on'])}" if n["reference"]
         else f"one issued on {format_date(n['issued_on'])} ({n['recorded_on']})") for n in earlier)
    return _rule("penalty_notice_limit",
                 f"{parent} has already been issued {len(earlier)} penalty notices for this child in the {span} "
                 f"to {format_date(on)}: {listed}. No further penalty notice may be issued: consider other action, "
                 "such as prosecution.", regime.source)


def _nti_rule(referral: Referral, parent: str, on: dt.date) -> dict | None:
    """notice_to_improve_served (000 Stage 3A; the profile says whether it binds): a penalty notice for
    irregular attendance follows a Notice to Improve to that parent whose period has ended."""
    profile = load_profile(profile_name(referral))
    if referral.form_id in LEAVE_FORMS or law_of(profile.jurisdiction).notice_to_improve is None:
        return None  # no Notice to Improve for leave, nor where the law has none (Wales)
    source = profile.source("notice_to_improve_served")
    served = [o for o in referral.outcomes if o.kind == "notice_to_improve" and o.period_end is not None
              and same_name(o.parent_name or "", parent) and o.occurred_on <= on]
    running = [o for o in served if o.period_end >= on]
    if running and not profile.param("notice_to_improve_served", "early_issue"):
        nti = running[-1]
        return _rule("notice_to_improve_served",
                     f"The Notice to Improve {nti.notice_reference} to {parent} runs until {format_date(nti.period_end)}: "
                     "a penalty notice may follow only after its improvement period has ended.", source)
    if not served and profile.param("notice_to_improve_served", "required"):
        return _rule("notice_to_improve_served",
                     f"No Notice to Improve has been served on {parent}: in this local authority a penalty notice for "
                     "irregular attendance follows a Notice to Improve whose improvement period has ended.", source)
    return None


def issue_rules(referral: Referral, kind: str, parent: str, on: dt.date) -> tuple[list[dict], list[dict]]:
    """(failing rules, earlier penalty notices) for issuing `kind` to `parent` on `on`."""
    failing: list[dict] = []
    earlier: list[dict] = []
    if kind == "penalty_notice":
        earlier = earlier_penalty_notices(referral, parent, on)
        failing += [r for r in (_limit_rule(referral, parent, on, earlier), _nti_rule(referral, parent, on)) if r]
    elif kind in notice_documents.LETTERS:
        failing += ewo_letters.order_rules(referral, kind, parent, on)
    elif (law := law_of(load_profile(profile_name(referral)).jurisdiction)).notice_to_improve is None:
        failing.append(_rule("notice_to_improve_served", law.no_nti, law.regime_on(on).regulations))
    elif referral.form_id in LEAVE_FORMS:
        failing.append(_rule("notice_to_improve_served",
                             "A Notice to Improve is not used for leave of absence in term time: the penalty notice "
                             "follows the leave itself.", "000, para 5 and Stage 3A; national framework 2024"))
    else:
        running = [o for o in referral.outcomes if o.kind == "notice_to_improve" and o.period_end is not None
                   and same_name(o.parent_name or "", parent) and o.period_end >= on]
        if running:
            failing.append(_rule("notice_to_improve_served",
                                 f"A Notice to Improve ({running[-1].notice_reference}) to {parent} already runs until "
                                 f"{format_date(running[-1].period_end)}.", load_profile(profile_name(referral))
                                 .source("notice_to_improve_served")))
    return failing, earlier


# --- issuing ---------------------------------------------------------------------------------------

def kinds_offered(referral: Referral) -> list[str]:
    """What an officer may issue on this referral: the Notice to Improve where the LA's law has one, the
    penalty notice, and the letters the LA's profile lists (`la_letters`)."""
    return ([k for k in ("notice_to_improve",) if notice_to_improve_in_law(referral)] + ["penalty_notice"]
            + ewo_letters.offered(referral))


def _validate(referral: Referral, body, date_error: str | None = None,
              date_errors: dict | None = None) -> tuple[str, str, dt.date, dict]:
    if not isinstance(body, dict):
        raise ActionError("Send the notice as a JSON object", errors={"kind": ["Send a JSON object with kind, parent "
                                                                               "and issued_on"]})
    errors: dict = {key: ["Unknown field"] for key in body if key not in FIELDS}
    kind = body.get("kind")
    if kind not in KINDS or (kind in notice_documents.LETTERS and kind not in ewo_letters.offered(referral)):
        errors["kind"] = ["Choose the notice: " + ", ".join(
            f"{notice_documents.TITLES[k]} ({k})" for k in ("notice_to_improve", "penalty_notice",
                                                           *ewo_letters.offered(referral)))]
    parents = parent_names(referral)
    name = body.get("parent")
    parent = next((p for p in parents if isinstance(name, str) and same_name(p, name)), None)
    if parent is None:
        errors["parent"] = [("Choose a parent named on this referral: " + ", ".join(parents)) if parents
                            else "No parent is named on this referral"]
    issued = body.get("issued_on")
    day = None
    if date_error:  # the page's own message about its three boxes
        errors["issued_on"] = [date_error]
    elif isinstance(issued, dt.date):
        day = issued
    elif isinstance(issued, str):
        try:
            day = dt.date.fromisoformat(issued.strip())
        except ValueError:
            errors["issued_on"] = ["Enter a real date as YYYY-MM-DD"]
    else:
        errors["issued_on"] = ["Enter the date of issue as YYYY-MM-DD"]
    if day is not None:
        accepted = max((d.decided_at for d in referral.decisions if d.decision == "accept"), default=None)
        if day > local_today():
            errors["issued_on"] = ["The date of issue must be today or in the past"]
        elif accepted is not None and day < accepted.date():
            errors["issued_on"] = [f"The date of issue must be on or after the referral was accepted "
                                   f"({format_date(accepted.date())})"]
    la = referral.school.la
    if not (la.address and la.address.strip()):
        errors.setdefault("kind", []).append(
            f"{la.name} has no address for correspondence set: an administrator sets it (forms-service update-la) "
            "before notices are issued")
    elif kind == "penalty_notice" and not (la.payment_methods and la.payment_methods.strip()):
        errors.setdefault("kind", []).append(
            f"{la.name} has no payment methods set, which a penalty notice must state: an administrator sets them "
            "(forms-service update-la)")
    if parent is not None and kind == "penalty_notice":
        # One penalty notice per parent for the same absence: a second would punish it twice.
        same = [o for o in referral.outcomes if o.kind == "penalty_notice_issued" and same_name(o.parent_name or "", parent)
                and ((s := notice_status(o, list(referral.outcomes))) is None or s.kind != "penalty_notice_withdrawn")]
        if same:
            errors["parent"] = [f"A penalty notice to {parent} is already issued on this referral ({same[0].notice_reference}): "
                                "one notice per parent for the same absence"]
    if parent is not None and (problem := ewo_letters.duplicate(referral, kind, parent)):
        errors["parent"] = [problem]
    details = ewo_letters.check_details(kind, body, day if "issued_on" not in errors else None, errors, date_errors)
    if parent is not None and not notice_documents.recipient_address(data_as_signed(referral), parent):
        errors["parent"] = [f"The referral gives no address for {parent} or the child: a notice states the "
                            "recipient's address"]
    if errors:
        raise ActionError("The notice was not issued", errors=errors)
    return kind, parent, day, details


def _reference(referral: Referral, kind: str) -> str:
    """"<referral reference>/EPN2": unique in the LA because the referral's reference is."""
    suffix = REFERENCE_SUFFIX[kind]
    count = db.session.scalar(select(func.count()).select_from(Outcome).where(
        Outcome.referral_id == referral.id, Outcome.kind == KINDS[kind], Outcome.notice_reference.is_not(None)))
    return f"{referral.reference}/{suffix}{count + 1}"


def issue(user: User, referral: Referral, body, *, date_error: str | None = None,
          date_errors: dict | None = None) -> Outcome:
    """Issue one notice or letter; 422 with `rules` when it may not be issued. Renders and stores the
    documents, records the outcome and the audit event, and commits. `date_error`: the web page's message
    about the date of issue's three boxes, `date_errors` about a letter's other dates (by field), shown
    with any other errors."""
    require_officer(user, referral)
    if referral.status != ISSUABLE:
        raise ActionError(f"This referral is {referral.status.replace('_', ' ')}: notices are issued once the local "
                          "authority has accepted it", status=409)
    kind, parent, day, details = _validate(referral, body, date_error, date_errors)
    failing, earlier = issue_rules(referral, kind, parent, day)
    if failing:
        raise ActionError("The notice may not be issued", rules=failing)
    letter = kind in notice_documents.LETTERS
    received = None if letter else received_on(day)
    row = Outcome(referral=referral, la_id=referral.la_id, pack=referral.latest_pack, kind=KINDS[kind],
                  occurred_on=day, parent_name=parent, notice_reference=_reference(referral, kind),
                  received_on=received, notes="", recorded_by_id=user.id, recorded_at=utcnow())
    period_text = None
    if kind == "penalty_notice":
        row.amounts = amounts_due(day, received, len(earlier), regime_of(referral, day))
    elif kind == "notice_to_improve":
        row.period_start, row.period_end, period_text = improvement_period(referral, received)
    elif kind == "ews_final_warning":
        row.period_end = details["review_on"]  # the later rules read it: 002, Step 4's "given timescale"
    elif kind == "pre_court_invitation":
        row.period_end, row.notes = details["meeting_on"], ewo_letters.meeting_note(details)
    if letter:
        context = notice_documents.letter_context(referral, row, user, details)
    else:
        context = notice_documents.context(referral, row, user, earlier=len(earlier), period_text=period_text)
    rendered = notice_documents.render(kind, context)
    keys = []
    try:
        for fmt, data in rendered.items():
            key = storage.new_key("notices")
            storage.put(key, data)
            keys.append(key)
            row.files.append(NoticeFile(format=fmt, name=f"{notice_documents.DOCUMENTS[kind]}-{row.notice_reference.replace('/', '-')}"
                                        f".{fmt}", storage_key=key, sha256=storage.sha256(data), size=len(data)))
        db.session.add(row)
        db.session.flush()
        record("notice_issued", user=user, referral=referral, detail={
            "kind": kind, "reference": row.notice_reference, "parent_name": parent, "issued_on": day.isoformat(),
            "received_on": received.isoformat() if received else None, "amounts": row.amounts,
            "period_end": row.period_end.isoformat() if row.period_end else None,
            **({"language": context["language"], **{k: v.isoformat() if isinstance(v, dt.date) else v
                                                    for k, v in details.items()}} if letter else {}),
            "files": {f.format: f.sha256 for f in row.files}})
        db.session.commit()
    except Exception:
        db.session.rollback()
        for key in keys:  # nothing recorded: leave no file behind
            try:
                storage.delete(key)
            except storage.StorageError:
                pass
        raise
    return row


# --- reading ---------------------------------------------------------------------------------------

def issued(referral: Referral) -> list[Outcome]:
    """Notices issued from the service on this referral (those with documents), oldest first."""
    return [o for o in referral.outcomes if o.kind in KINDS.values() and o.files]


def status_of(row: Outcome) -> dict:
    """{status, date, grounds, amount_paid}: issued, paid, unpaid, withdrawn; a Notice to Improve is
    running until its period ends, then ended."""
    if row.kind == "notice_to_improve":
        ended = row.period_end is not None and row.period_end < local_today()
        return {"status": "ended" if ended else "running", "date": None}
    if row.kind in notice_documents.LETTERS:
        return {"status": "issued", "date": None}
    status = notice_status(row, list(row.referral.outcomes))
    if status is None:
        return {"status": "issued", "date": None}
    out = {"status": status.kind.replace("penalty_notice_", ""), "date": status.occurred_on.isoformat()}
    if status.grounds:
        out["grounds"] = status.grounds
        out["grounds_label"] = WITHDRAWAL_GROUNDS.get(status.grounds, status.grounds)
    if status.amount_paid is not None:
        out["amount_paid"] = status.amount_paid
        out["amount_paid_text"] = format_money(status.amount_paid)
    return out


def unauthorised_since(row: Outcome) -> list[dict] | None:
    """The unauthorised sessions in the register during a Notice to Improve's period (what the officer
    looks at before a penalty notice); None when the register does not reach the period."""
    if row.period_start is None:
        return None
    return notice_documents.unauthorised_in_period(row.referral, row.period_start, row.period_end)


def as_json(row: Outcome) -> dict:
    kind = notice_documents.kind_of(row)
    out = {"id": row.id, "kind": kind, "title": notice_documents.TITLES[kind], "reference": row.notice_reference,
           "parent": row.parent_name,
           "issued_on": row.occurred_on.isoformat(),
           "received_on": row.received_on.isoformat() if row.received_on else None,
           "referral": {"id": row.referral_id, "reference": row.referral.reference},
           "amounts": [{"amount": a["pence"] / 100, "pence": a["pence"], "pay_by": a["pay_by"],
                        "within_days": a["within_days"]} for a in row.amounts or ()],
           # A letter's period_end is its own date (la/ewo_letters.py): the improvement period is a Notice to Improve's.
           "improvement_period_start": row.period_start.isoformat() if kind == "notice_to_improve" and row.period_start
           else None,
           "improvement_period_end": row.period_end.isoformat() if kind == "notice_to_improve" and row.period_end
           else None,
           "issued_by": row.recorded_by.name,
           "documents": [{"format": f.format, "name": f.name, "sha256": f.sha256, "size": f.size,
                          "url": f"/api/v1/notices/{row.id}/document?format={f.format}"} for f in row.files],
           **status_of(row)}
    if kind == "notice_to_improve":
        out["unauthorised_since"] = unauthorised_since(row)
    elif kind == "ews_final_warning":
        out["review_on"] = row.period_end.isoformat() if row.period_end else None
    elif kind == "pre_court_invitation":
        out.update(meeting_on=row.period_end.isoformat() if row.period_end else None, meeting=row.notes)
    return out


def find(notice_id: int) -> Outcome | None:
    row = db.session.get(Outcome, notice_id)
    return row if row is not None and row.kind in KINDS.values() and row.files else None


def document(row: Outcome, fmt: str) -> tuple[NoticeFile, bytes]:
    """The stored file, checked against its SHA-256 (a changed file is an error, never served)."""
    item = next((f for f in row.files if f.format == fmt), None)
    if item is None:
        raise ActionError("Choose format pdf or docx", errors={"format": ["Choose pdf or docx"]})
    data = storage.get(item.storage_key)
    if storage.sha256(data) != item.sha256:
        raise ChangedFile(f"{item.name} does not match its SHA-256")
    return item, data


