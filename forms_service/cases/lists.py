"""The office's list (issue 22): what falls due in the next days and what is overdue, across the school's
children; for an LA officer, across the LA's accepted referrals (the notices it issued: payment windows ending,
Notices to Improve ending, the Education Welfare Officer's reviews and meetings). Each row names the child by
initials and the record by reference, never by name.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ..access.auth import visible_referrals
from ..models import Referral, School, User, db
from ..pupils import keys
from . import due as due_mod
from .due import DueItem
from .records import WITH_WHAT_HAPPENED, as_record, latest_register, notices_of, profile_of, pupil_summary

SCHOOL_ROLES = ("office", "headteacher")
LA_ROLES = ("la_officer",)


@dataclass(frozen=True, order=True)
class Row:
    """A due item with who and what it is about: the child's initials and the record's reference."""
    item: DueItem
    initials: str
    reference: str | None

    def to_dict(self) -> dict:
        return {**self.item.to_dict(), "initials": self.initials, "reference": self.reference}


def may_list(user: User) -> bool:
    return user.role in SCHOOL_ROLES + LA_ROLES


def children(referrals: list[Referral]) -> list[list[Referral]]:
    """The records grouped by child (pupils.same_pupil): by UPN where a record gives one, else by name and date
    of birth joining a child of that name and birth date; a record about no one named stands alone."""
    groups: list[list[Referral]] = []
    by_upn: dict[str, int] = {}
    by_person: dict[str, int] = {}
    for referral in referrals:
        upn, person = keys(referral.data)
        at = by_upn.get(upn) if upn else None
        if at is None and person:
            at = by_person.get(person)
        if at is None:
            groups.append([])
            at = len(groups) - 1
        groups[at].append(referral)
        if upn:
            by_upn.setdefault(upn, at)
        if person:
            by_person.setdefault(person, at)
    return groups


def due_list(user: User, as_of: dt.date, days: int) -> tuple[list[Row], list[Row]]:
    """(due within `days` of `as_of`, overdue as of it), each sorted by date: the school's children's for its
    staff, the LA's accepted referrals' notices for an LA officer. Empty for anyone else."""
    if user.role in SCHOOL_ROLES:
        rows = _school_rows(list(db.session.scalars(visible_referrals(user).order_by(Referral.id)
                                                    .options(*WITH_WHAT_HAPPENED))), as_of)
    elif user.role in LA_ROLES:
        referrals = list(db.session.scalars(visible_referrals(user).where(Referral.status == "accepted")
                                            .order_by(Referral.id).options(*WITH_WHAT_HAPPENED)))
        rows = [row for r in referrals
                for row in _rows([i for n in notices_of(r) for i in due_mod.notice_due(n, profile_of(r))], [r])]
    else:
        return [], []
    return _split(rows, as_of, days)


def school_due_list(school: School, as_of: dt.date, days: int) -> tuple[list[Row], list[Row]]:
    """The school's list as its staff see it (due_list), with no one signed in: for the daily digest
    (forms_service/reminders/digest.py), which is the school's, not a user's."""
    referrals = list(db.session.scalars(select(Referral).where(Referral.school_id == school.id)
                                        .order_by(Referral.id).options(*WITH_WHAT_HAPPENED)))
    return _split(_school_rows(referrals, as_of), as_of, days)


def _school_rows(referrals: list[Referral], as_of: dt.date) -> list[Row]:
    rows = []
    for group in children(referrals):
        profile = profile_of(group[0])
        items = due_mod.case_due([as_record(r) for r in group], [n for r in group for n in notices_of(r)],
                                 profile, today=as_of, register=latest_register(group))
        rows += _rows(items, group)
    return rows


def _split(rows: list[Row], as_of: dt.date, days: int) -> tuple[list[Row], list[Row]]:
    upcoming, overdue = due_mod.split([r.item for r in rows], as_of, days)
    index = {id(r.item): r for r in rows}
    return [index[id(i)] for i in upcoming], [index[id(i)] for i in overdue]


def _rows(items: list[DueItem], group: list[Referral]) -> list[Row]:
    by_id = {r.id: r for r in group}
    return [Row(i, pupil_summary(by_id[i.record_id])["initials"], by_id[i.record_id].reference) for i in items]
