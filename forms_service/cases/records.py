"""The child's case (issue 22): every record of theirs the user may see, and what the LA did with them, as one
timeline; where they stand in the profile's pathway; and what falls due.

"The same child" as the service finds it elsewhere (pupils.same_pupil: the UPN, else first name, last name
and date of birth; found by the digests' index, `Referral.may_be_about`, then decided on the answers as
signed or as they stand). Scoped as every read is (access/auth.visible_referrals): a school sees its own
records only, an LA officer the records sent to their LA.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_
from sqlalchemy.orm import defer, joinedload, lazyload, selectinload

from ..access.auth import visible_referrals
from ..formatting import format_date
from ..formdefs import get_form
from ..la.inbox import STATUS_LABELS
from ..la.notice_documents import TITLES as NOTICE_TITLES, kind_of
from ..la.notices import issued
from ..la.outcomes import KIND_LABELS, notice_status
from ..models import Decision, Outcome, Pack, Referral, User, data_as_signed, db
from ..policies import Policy, load_profile
from ..pupils import identity, same_pupil
from ..referrals.actions import profile_name, register_of
from ..referrals.sendings import METHOD_VERBS, to_whom
from ..register.marks import Register
from . import due as due_mod
from .due import DueItem, Notice, Record
from .stage import Standing, standing

API = "/api/v1"
# A pack's files a reader opens from the timeline (the manifest and evidence are on the record's own page).
DOCUMENT_ROLES = ("form_pdf", "form_docx", "merged_pdf")


@dataclass(frozen=True, order=True)
class Entry:
    """One dated thing on the child's timeline: `kind` (a record of a form's kind: "letter", "referral",
    "agreement", "plan", "record"; or "sent", "signed", "decision", "outcome", "notice"), `what` in words,
    the record it belongs to, and its documents [{name, url}] (the API's; a page links its own: `notice_id` is
    the notice an entry of kind "notice" is about, whose documents a page links to by its own routes)."""
    on: dt.date
    record_id: int
    order: int
    kind: str
    what: str
    documents: tuple = field(default=(), compare=False)
    notice_id: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        return {"on": self.on.isoformat(), "kind": self.kind, "what": self.what, "record_id": self.record_id,
                "documents": [dict(d) for d in self.documents]}


@dataclass(frozen=True)
class Case:
    """The child's case as of a day: plain data for the API, the pages, a digest and a calendar feed."""
    pupil: dict
    standing: Standing | None
    entries: tuple[Entry, ...]
    due: tuple[DueItem, ...]
    overdue: tuple[DueItem, ...]
    register: Register | None  # the child's latest marks (cases/attendance.weekly_attendance)

    def to_dict(self) -> dict:
        return {"pupil": self.pupil, "stage": self.standing.to_dict() if self.standing else None,
                "records": [e.to_dict() for e in self.entries], "due": [i.to_dict() for i in self.due],
                "overdue": [i.to_dict() for i in self.overdue]}


# --- finding the child's records ------------------------------------------------------------------------

# What a case reads of each record, loaded with the records in a few queries rather than one per record and
# relationship (a child with 20 records: the page budget, benchmarks/http_load.py); and what it never reads left
# in the database: the verdicts and a pack's own marks (JSON, decoded on every load) and the LA's ticked checks.
WITH_WHAT_HAPPENED = (
    defer(Referral.eligibility),
    selectinload(Referral.packs).options(defer(Pack.verdict), defer(Pack.register), joinedload(Pack.files)),
    selectinload(Referral.sendings),
    selectinload(Referral.decisions).options(defer(Decision.rule_ids), defer(Decision.check_ids)),
    selectinload(Referral.outcomes).joinedload(Outcome.files))

def child_records(user: User, referral: Referral) -> list[Referral]:
    """The records about the same child as `referral` that `user` may see (itself included), oldest first."""
    about = _about(referral)
    if not about:
        return [referral]
    # The school is joined by default; a case reads its LA's profile from the record it is opened from only.
    query = (candidates(user, referral, about).order_by(Referral.id)
             .options(lazyload(Referral.school), *WITH_WHAT_HAPPENED))
    found = [r for r in db.session.scalars(query)
             if r.id == referral.id or any(same_pupil(d, o) for d in about for o in (r.data, data_as_signed(r)) if o)]
    return found


def _about(referral: Referral) -> list[dict]:
    """The answers that say who the child is (as they stand, and as signed); none if they name nobody."""
    about = [d for d in (referral.data, data_as_signed(referral)) if d]
    return about if any(identity(d)[0] or identity(d)[1] for d in about) else []


def candidates(user: User, referral: Referral, about: list[dict] | None = None):
    """A SELECT of the records `user` may see that may be about the child (by the digests' index, a superset of
    child_records: same_pupil decides on the answers). `about`: _about(referral), where the caller has it."""
    about = _about(referral) if about is None else about
    query = visible_referrals(user)
    return query.where(or_(*(Referral.may_be_about(d) for d in about))) if about else \
        query.where(Referral.id == referral.id)


def as_record(referral: Referral) -> Record:
    """The record as cases/due.py reads it: its answers as signed (what the LA received), else as they stand; its
    marks read only if a due date is counted from them."""
    return Record(referral.id, referral.form_id, referral.status, data_as_signed(referral),
                  (lambda: register_of(referral)) if referral.register else None, referral.reference)


def notices_of(referral: Referral) -> list[Notice]:
    """The notices and letters the LA issued on the record, as cases/due.py reads them."""
    rows = list(referral.outcomes)
    return [Notice(o.id, referral.id, o.kind, o.occurred_on, o.period_end, tuple(o.amounts or ()),
                   notice_status(o, rows) is not None, o.notice_reference) for o in issued(referral)]


def latest_register(referrals: list[Referral]) -> Register | None:
    """The child's most recent marks among their records (the one whose marks run latest; the first such). Chosen
    by the stored marks' last date, and only that register read: a child's case may hold a year's marks on each of
    ten records."""
    latest, last = None, None
    for referral in referrals:
        day = _last_day(referral)
        if day is not None and (last is None or day > last):
            latest, last = referral, day
    return register_of(latest) if latest is not None else None


def _last_day(referral: Referral) -> dt.date | None:
    """The last day of the record's marks as stored (ISO dates compare as text), else as read."""
    try:
        return dt.date.fromisoformat(max(item["date"] for item in referral.register["sessions"]))
    except (KeyError, TypeError, ValueError):  # not in the stored shape: read it the careful way
        register = register_of(referral)
        return register.sessions[-1].date if register is not None and register.sessions else None


def pupil_summary(referral: Referral) -> dict:
    """Who the case is about, without their name (issue 22: initials, as the emails give them)."""
    pupil = (data_as_signed(referral) or {}).get("pupil") or {}
    pupil = pupil if isinstance(pupil, dict) else {}
    initials = "".join(str(pupil.get(k) or "").strip()[:1].upper() for k in ("first_name", "last_name"))
    out = {"initials": initials, "year_group": pupil.get("year_group") or None}
    if pupil.get("upn"):
        out["upn"] = pupil["upn"]
    return out


# --- the timeline ------------------------------------------------------------------------------------------

def _documents(referral: Referral) -> tuple:
    pack = referral.latest_pack
    if pack is not None:
        return tuple({"name": f.name, "url": f"{API}/referrals/{referral.id}/documents/{f.name}"}
                     for f in pack.files if f.role in DOCUMENT_ROLES)
    return ({"name": "draft.pdf", "url": f"{API}/referrals/{referral.id}/documents/draft.pdf"},)


def entries_of(referral: Referral) -> list[Entry]:
    """What happened to one record, each on its date: made (the record's own date), signed and sent, sent to
    the parents, the LA's decisions and what followed (outcomes and notices, with their documents)."""
    form = get_form(referral.form_id)
    title = form.short_title if form is not None else referral.form_id
    record = as_record(referral)
    own = record.on or referral.created_at.date()
    status = STATUS_LABELS.get(referral.status, referral.status)
    out = [Entry(own, referral.id, 0, form.kind if form is not None else "record",
                 f"{title} ({referral.reference or 'no reference yet'}): {status.lower()}", _documents(referral))]
    for pack in referral.packs:
        out.append(Entry(pack.signed_at.date(), referral.id, 1, "signed",
                         f"{title} signed by {pack.signed_name}" + (" and sent to the local authority"
                                                                    if form is not None and form.sends_to_la else "")
                         + (f" (version {pack.version})" if pack.version > 1 else "")))
    for sending in referral.sendings:
        out.append(Entry(sending.sent_on, referral.id, 2, "sent",
                         f"{title} {METHOD_VERBS.get(sending.method, sending.method)} {to_whom(sending)}"))
    for decision in referral.decisions:
        said = ("accepted by the local authority" if decision.decision == "accept"
                else f"returned by the local authority: {decision.reasons}")
        out.append(Entry(decision.decided_at.date(), referral.id, 3, "decision", f"{title} {said}"))
    notices = {o.id for o in issued(referral)}
    for outcome in referral.outcomes:
        out.append(_outcome_entry(referral, outcome, outcome.id in notices))
    return out


def _outcome_entry(referral: Referral, outcome: Outcome, is_notice: bool) -> Entry:
    if is_notice:
        title = NOTICE_TITLES[kind_of(outcome)]
        ref = f" {outcome.notice_reference}" if outcome.notice_reference else ""
        to = f" to {outcome.parent_name}" if outcome.parent_name else ""
        docs = tuple({"name": f.name, "url": f"{API}/notices/{outcome.id}/document?format={f.format}"}
                     for f in outcome.files)
        return Entry(outcome.occurred_on, referral.id, 4, "notice", f"{title}{ref} issued{to}", docs, outcome.id)
    what = KIND_LABELS.get(outcome.kind, outcome.kind)
    if outcome.notice is not None and outcome.notice.notice_reference:
        what += f" ({outcome.notice.notice_reference})"
    return Entry(outcome.occurred_on, referral.id, 5, "outcome", what)


# --- the case ------------------------------------------------------------------------------------------------

def profile_of(referral: Referral) -> Policy:
    return load_profile(profile_name(referral))


def case_of(user: User, referral: Referral, today: dt.date, referrals: list[Referral] | None = None) -> Case:
    """The child's case as `user` may see it, as of `today`: the records' timeline (oldest first), the stage,
    what is due from today (sorted by date) and what is overdue. `referrals`: child_records(user, referral) where
    the caller has them already (a page that links each record's files)."""
    referrals = child_records(user, referral) if referrals is None else referrals
    profile = profile_of(referral)
    records = [as_record(r) for r in referrals]
    register = latest_register(referrals)
    items = due_mod.case_due(records, [n for r in referrals for n in notices_of(r)], profile, today=today,
                             register=register)
    upcoming, overdue = due_mod.split(items, today)
    entries = sorted(e for r in referrals for e in entries_of(r))
    return Case(pupil_summary(referral), standing(records, profile), tuple(entries), tuple(upcoming), tuple(overdue),
                register)


def describe(item: DueItem) -> str:
    """An item in one line, for a digest or a calendar entry: "3 March 2026: Review meeting ..."."""
    return f"{format_date(item.due_on)}: {item.what}"
