"""What a child's OTHER records bring to a referral's rules: the sessions other requests already
relied on (so no absence is fined twice), and the penalty notices the LA recorded for the same child
(the limit of two in three years). Read here, decided by the rules; only what a rule needs crosses
from records the school may not open (issue 14).
"""
from __future__ import annotations

from sqlalchemy import select

from ..formdefs import get_form
from ..models import NOTICE_STATUSES, Outcome, Referral, data_as_signed, db
from ..pupils import same_pupil, same_pupil_clause
from ..rules import sessions_relied_on
from ..text import same_name


def with_recorded_notices(referral: Referral, data: dict) -> dict:
    """`data` with the penalty notices the LA recorded as outcomes for the same pupil (at any school
    of the LA; recorded_penalty_notices below) added to `previous_penalty_notices`,
    for the rules to read. The referral's stored data is not changed. A notice the school also typed
    (the same parent and date of issue) is counted once. When the school has not answered the
    question (None) it stays unanswered: the school must still say whether notices were issued
    elsewhere, which the LA's records here cannot show.

    The limit needs, for each parent named on THIS referral, how many notices and when; nothing
    more may cross from records the school cannot open (issue 14: a throwaway draft with another
    school's child must not reveal the parent's name or that school's references). So a recorded
    notice to anyone not named here is left out, the parent is named as this referral names them,
    and a notice recorded on another school's referral is marked "recorded by the LA" without its
    reference or its sessions (a child is on one school's roll at a time, so another school's
    sessions are not in this school's register; the LA, which sees both, checks dual registration)."""
    if "penalty_notice_limit" not in get_form(referral.form_id).rules:
        return data
    typed = data.get("previous_penalty_notices")
    if not isinstance(typed, list):
        return data
    named = [p["name"] for p in data.get("parents") or []
             if isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"].strip()]
    recorded = []
    for notice in recorded_penalty_notices(referral):
        parent = next((name for name in named if same_name(name, notice["parent_name"])), None)
        if parent is None:
            continue
        ours = notice["school_id"] == referral.school_id
        recorded.append({"issued_on": notice["issued_on"], "parent_name": parent, "recorded_by_la": True,
                         "recorded_on": notice["recorded_on"] if ours else None,
                         "sessions": notice["sessions"] if ours else []})
    if not recorded:
        return data
    merged, matched = list(typed), set()
    for notice in recorded:
        # Each typed notice stands for at most one recorded notice (two notices to one parent on one
        # day are two notices).
        twin = next((i for i, t in enumerate(typed) if i not in matched and isinstance(t, dict)
                     and t.get("issued_on") == notice["issued_on"] and isinstance(t.get("parent_name"), str)
                     and same_name(t["parent_name"], notice["parent_name"])), None)
        if twin is not None:
            matched.add(twin)
            merged[twin] = {**typed[twin], "recorded_by_la": True, "recorded_on": notice["recorded_on"],
                            "sessions": list(typed[twin].get("sessions") or []) + notice["sessions"]}
        else:
            merged.append(notice)
    return {**data, "previous_penalty_notices": merged}


# -- sessions already used for a penalty notice (issue 4: the LA must not fine twice for the same absence)
#
# A signed request of one of these forms asks the LA to issue a penalty notice on the sessions its
# rules counted, so no later request may count them again:
# - penalty-notice-leave (003, Appendix 8) and penalty-notice-panel (003, Appendix 7) ask for a notice;
# - fast-track-referral (003, Fast Track to Attendance): on referral "either a Penalty Notice will be
#   issued by the Local Authority, or the case will be taken through to prosecution" (Appendix 6,
#   week 6: "Action - Penalty Notice / Prosecution") - the referral's sessions may be fined.
# Not these: ppm-request asks for a Pupil Planning Meeting, whose outcome is in most cases a Final
# Warning, a contract, a notice or prosecution (003, Request to hold a PPM) - a notice the LA then
# issues is recorded in previous_penalty_notices with its sessions; enforcement-referral (000,
# Stage 3) leads to a Notice to Improve, and the notice that may follow is for absences in the 15
# school days after it (000, Stage 3A), not for the sessions of the referral.
PENALTY_NOTICE_FORMS = ("penalty-notice-leave", "penalty-notice-panel", "fast-track-referral")
# Still with the school (or sent back by the LA): not acted on, so its sessions are not used.
NOT_WITH_THE_LA = ("draft", "awaiting_signoff", "sent_back", "returned")


def sessions_used_elsewhere(referral: Referral) -> dict[str, list[dict]]:
    """{reference: [{date, session, code}]}: the sessions each OTHER request for the same pupil at
    the same school relied on, where that request was signed (and not sent back) and leads to a
    penalty notice. Only the sessions and the reference cross between referrals, never the other
    referral's answers; and never across schools."""
    if not (referral.data or {}).get("pupil"):
        return {}
    query = select(Referral).where(Referral.school_id == referral.school_id,
                                   Referral.form_id.in_(PENALTY_NOTICE_FORMS),
                                   Referral.status.not_in(NOT_WITH_THE_LA),
                                   same_pupil_clause(Referral, referral.data))
    if referral.id is not None:
        query = query.where(Referral.id != referral.id)
    used = {}
    for other in db.session.scalars(query.order_by(Referral.id)):
        if not same_pupil(referral.data, other.data):
            continue
        # What was signed and sent: the pack's verdict (frozen), as the referral also keeps it.
        stored = other.latest_pack.verdict if other.latest_pack is not None else other.eligibility
        sessions = sessions_relied_on(stored)
        if sessions:
            used[other.reference] = sessions
    return used


def recorded_penalty_notices(referral: Referral) -> list[dict]:
    """The penalty notices the LA recorded as outcomes on OTHER referrals for the same pupil at any
    school of the same LA, not withdrawn: [{issued_on, parent_name, sessions, recorded_on, school_id}]
    (recorded_on: the referral's reference; school_id: its school's). `sessions` are those the
    referral relied on (its signed verdict), so they are not counted again. This reads records the
    caller may not be allowed to open (another school's): with_recorded_notices above
    decides what of them a rule may see."""
    if not (referral.data or {}).get("pupil"):
        return []
    # Only notices on referrals that may be about this child (by their answers now or as signed):
    # found by index, then decided below by same_pupil on what was signed.
    query = (select(Outcome).join(Referral, Outcome.referral_id == Referral.id)
             .where(Outcome.la_id == referral.la_id, Outcome.kind == "penalty_notice_issued",
                    Referral.may_be_about(referral.data))
             .order_by(Outcome.occurred_on, Outcome.id))
    if referral.id is not None:
        query = query.where(Outcome.referral_id != referral.id)
    found = []
    by_referral: dict[int, bool] = {}
    for notice in db.session.scalars(query):
        other = notice.referral
        if other.id not in by_referral:
            signed = data_as_signed(other)
            by_referral[other.id] = same_pupil(referral.data, signed)
        if not by_referral[other.id]:
            continue
        status = db.session.scalar(select(Outcome).where(Outcome.notice_id == notice.id,
                                                         Outcome.kind.in_(NOTICE_STATUSES))
                                   .order_by(Outcome.id.desc()).limit(1))
        if status is not None and status.kind == "penalty_notice_withdrawn":
            continue  # treated as never issued (see the module's docstring)
        sessions = sessions_relied_on(notice.pack.verdict if notice.pack is not None else other.eligibility)
        found.append({"issued_on": notice.occurred_on, "parent_name": notice.parent_name,
                      "sessions": [{"date": s["date"], "session": s["session"]} for s in sessions],
                      "recorded_on": other.reference, "school_id": other.school_id})
    return found
