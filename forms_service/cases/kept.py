"""A child's case kept in the web process while nothing it shows has changed (issue 22's page budget: worked out
anew on every view, the case of a child with 20 records took four more queries and about twice the work of a form
page).

Whether anything changed is asked of the database on every view, in one query (`fingerprint`): over the records
that may be about the child (records.candidates, the records the case is made from and a few more), how many there
are, the highest id and the sum of their versions (every update of a record raises its version: models.Referral's
optimistic locking); and for what hangs off them (signed versions and their files, the LA's decisions and outcomes,
notices' files, letters' sendings: rows only ever added, or deleted with their record), how many and the highest
id. Any change gives another fingerprint, so a kept case is never shown once its records have changed. A case is
kept for the day it was worked out on (what is due or overdue moves with the date), for one user as they are
(their role and school or LA), and for the LA's profile as it stands.

The fingerprint's statement is kept too (building it cost more than running it), per user and version of the opened
record, for as long as a case; and web/cases.py keeps the page's rendered body in the kept case.

Kept per app (one per process), LIMIT cases at most, each shown for KEEP_SECONDS after it was worked out at most
and dropped at the next case worked out after that: a record purged under the retention policy leaves no copy in
memory for long.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from flask import current_app
from sqlalchemy import func, literal, select, union_all

from ..models import Decision, LetterSending, NoticeFile, Outcome, Pack, PackFile, Referral, User, db
from ..referrals.actions import profile_name
from .records import candidates

LIMIT = 128
KEEP_SECONDS = 300


def fingerprint(user: User, referral: Referral) -> tuple:
    """What the child's records and everything hanging off them are now, in one query (see the module's note)."""
    return tuple(sorted(tuple(row) for row in db.session.execute(_fingerprint_query(user, referral))))


def _fingerprint_query(user: User, referral: Referral):
    """The fingerprint's statement, built once for a user and a version of the opened record (building it took
    more time than running it: the clauses that find the same child). What it asks depends only on who the user
    is and on the opened record as it stands (its answers and signed versions: any change raises its version)."""
    key = (user.id, user.role, user.school_id, user.la_id, referral.id, referral.version)
    store = current_app.extensions.setdefault("kept_case_queries", _Store())
    now = time.monotonic()
    with store.lock:
        hit = store.items.get(key)
        if hit is not None and now - hit[0] < KEEP_SECONDS:  # the child's keys are in it: kept no longer than a case
            store.items.move_to_end(key)
            return hit[1]
    query = _build_fingerprint_query(user, referral)
    with store.lock:
        store.items[key] = (now, query)
        while len(store.items) > LIMIT:
            store.items.popitem(last=False)
    return query


def _build_fingerprint_query(user: User, referral: Referral):
    ids = select(candidates(user, referral).with_only_columns(Referral.id).cte("case_records").c.id)  # found once
    packs = select(Pack.id).where(Pack.referral_id.in_(ids))
    outcomes = select(Outcome.id).where(Outcome.referral_id.in_(ids))
    parts = [select(literal(tag), func.count(), func.max(key), total).where(where)
             for tag, key, total, where in (
                 ("records", Referral.id, func.sum(Referral.version), Referral.id.in_(ids)),
                 ("packs", Pack.id, literal(0), Pack.referral_id.in_(ids)),
                 ("pack files", PackFile.id, literal(0), PackFile.pack_id.in_(packs)),
                 ("decisions", Decision.id, literal(0), Decision.referral_id.in_(ids)),
                 ("outcomes", Outcome.id, literal(0), Outcome.referral_id.in_(ids)),
                 ("notice files", NoticeFile.id, literal(0), NoticeFile.outcome_id.in_(outcomes)),
                 ("sendings", LetterSending.id, literal(0), LetterSending.referral_id.in_(ids)))]
    return union_all(*parts)


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()


def kept(what: str, user: User, referral: Referral, today: dt.date, compute: Callable[[], Any]) -> Any:
    """compute()'s value for this view of the child's case (`what`: which view), kept while the fingerprint, the
    day, the user and the profile are the same."""
    key = (what, user.id, user.role, user.school_id, user.la_id, referral.id, today, profile_name(referral),
           fingerprint(user, referral))
    store = current_app.extensions.setdefault("kept_cases", _Store())
    now = time.monotonic()
    with store.lock:
        hit = store.items.get(key)
        if hit is not None and now - hit[0] < KEEP_SECONDS:
            store.items.move_to_end(key)
            return hit[1]
    value = compute()
    with store.lock:
        for old in [k for k, (made, _) in store.items.items() if now - made >= KEEP_SECONDS]:
            del store.items[old]
        store.items[key] = (now, value)
        while len(store.items) > LIMIT:
            store.items.popitem(last=False)  # the least recently shown
    return value
