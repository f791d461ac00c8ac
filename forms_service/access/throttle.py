"""Sign-in throttling, on the web and the API alike, in three scopes (issue 14):

- `account_source`: wrong passwords for one email from one network address. LOGIN_MAX_FAILURES (5)
  are free; then each makes the next attempt wait LOGIN_BACKOFF_SECONDS (60), doubling with each
  further one, up to LOGIN_LOCK_MINUTES (15).
- `account`: wrong passwords for one email from addresses it has not signed in from.
  LOGIN_MAX_FAILURES_PER_ACCOUNT (20) are free; then 1 s, doubling, up to LOGIN_ACCOUNT_MAX_WAIT_SECONDS (60).
- `source`: *different* emails with wrong passwords from one address not yet followed by the right
  one. LOGIN_MAX_FAILURES_PER_IP (30) are free; then 1 s, doubling, up to LOGIN_LOCK_MINUTES.

A run of failures with no attempt for LOGIN_FORGET_HOURS (24) is forgotten.

Why: the tight scope stops guessing one person's password from one place (about a hundred guesses a
day once it is at its cap) without a hard wall that a typist could hit. The account scope slows an
attacker spraying one headteacher from many addresses, but its cap is low and it never applies at an
address the account signed in from in the last RETENTION_SIGN_IN: the headteacher at school is not
kept out by failures from elsewhere. The source scope is for credential stuffing (many accounts, one
place); it counts accounts rather than failures, so one user's mistakes behind a school's shared
address count once and do not lock the rest of the school out.

Each attempt is counted *before* its password is checked (Argon2 takes ~0.1 s), by one conditional
update per scope (`WHERE version = <the version read>`) in one transaction that commits before the
check: of simultaneous attempts only one can move a row from one version to the next, the others read
again and are refused once over the limit. That holds across processes on SQLite and PostgreSQL with
no lock in memory. A right password clears the (account, address) run and gives back what the attempt
counted elsewhere; an admin's password reset or reactivation clears the account's rows (clear()).

A second factor's codes on the web (issue 23) are counted the same way under `code_key(email)`, apart from the
passwords; on the API a request carries both, and is one attempt that succeeds only when both are right.

Whether an address belongs to an account is never revealed: an unknown address is throttled the same
way. Every wrong password is still an audit event (`sign_in_failed`), for the trail only.

"Forgot your password?" requests (access/resets.py) are counted in the same table, in two more scopes,
each a fixed hour from its first request: `reset_email`, PASSWORD_RESETS_PER_EMAIL (3) links asked for
one email address, so that the form cannot fill someone's inbox; `reset_source`,
PASSWORD_RESETS_PER_IP (20) from one network address, so that it cannot be run down a list of
addresses. Known and unknown addresses alike, so a refusal says nothing about an account either.
Their rows go with the sign-in failures' (purge_expired), LOGIN_FORGET_HOURS after the last request.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from sqlalchemy import and_, case, delete, or_, select, update

from ..audit import record
from ..config import retention_period
from ..dates import add_period
from ..models import SignInThrottle, User, db, insert_ignoring, utcnow

FAILED = "sign_in_failed"
ACCOUNT_SOURCE, ACCOUNT, SOURCE = "account_source", "account", "source"
# Rounds of read-and-set before an attempt gives up (refused): each round some competing attempt wins,
# so this is only reached with more simultaneous attempts for one account than any real use makes.
ROUNDS = 50
T = SignInThrottle


class _Changed(Exception):
    """Another attempt changed a row between our read and our update: read again."""


@dataclass
class Attempt:
    email: str
    ip: str
    now: dt.datetime
    wait: int = 0  # 0: this attempt may check its password (and is counted); else the seconds to wait
    known: bool = False  # the account signed in from this address within RETENTION_SIGN_IN

    @property
    def keys(self) -> dict[str, str]:
        return {ACCOUNT_SOURCE: f"{self.email} {self.ip}", ACCOUNT: self.email, SOURCE: self.ip}


def _ip() -> str:
    address = request.remote_addr if has_request_context() else None
    return (address or "unknown")[:64]


def _policy(scope: str) -> tuple[int, int, int]:
    """(failures free, first wait, longest wait) in seconds, for a scope."""
    c = current_app.config
    lock = c["LOGIN_LOCK_MINUTES"] * 60
    return {ACCOUNT_SOURCE: (c["LOGIN_MAX_FAILURES"], c["LOGIN_BACKOFF_SECONDS"], lock),
            ACCOUNT: (c["LOGIN_MAX_FAILURES_PER_ACCOUNT"], 1, c["LOGIN_ACCOUNT_MAX_WAIT_SECONDS"]),
            SOURCE: (c["LOGIN_MAX_FAILURES_PER_IP"], 1, lock)}[scope]


def delay(scope: str, attempts: int) -> int:
    """Seconds before the next attempt once `attempts` have been counted in a run: none while free,
    then the first wait, doubling, up to the longest."""
    free, first, longest = _policy(scope)
    if attempts < free:
        return 0
    return min(first * 2 ** min(attempts - free, 40), longest)


def _run(row, now: dt.datetime) -> int:
    """Attempts in the row's current run (a run quiet for LOGIN_FORGET_HOURS is forgotten)."""
    if row is None or row.last_at < now - dt.timedelta(hours=current_app.config["LOGIN_FORGET_HOURS"]):
        return 0
    return row.attempts


def _wait(row, now: dt.datetime) -> int:
    if _run(row, now) == 0 or row.next_at is None or row.next_at <= now:
        return 0
    return max(1, math.ceil((row.next_at - now).total_seconds()))


def _known_since(now: dt.datetime) -> dt.datetime:
    """Sign-ins from before this no longer make an address known to the account (RETENTION_SIGN_IN)."""
    return add_period(now, *retention_period(current_app.config, "RETENTION_SIGN_IN"), -1)


def _known(row, now: dt.datetime) -> bool:
    return row is not None and row.succeeded_at is not None and row.succeeded_at >= _known_since(now)  # as long as purge keeps it


def _create(conn, attempt: Attempt, scopes: list[str]) -> None:
    rows = [{"scope": s, "key": attempt.keys[s], "email": None if s == SOURCE else attempt.email,
             "attempts": 0, "last_at": attempt.now, "version": 0} for s in scopes]
    conn.execute(insert_ignoring(T.__table__, conn.dialect.name, rows, conflict=["scope", "key"]))


def _round(conn, attempt: Attempt) -> bool:
    """One read-and-set; False when rows had to be created first (read again)."""
    now = attempt.now
    wanted = or_(*(and_(T.scope == s, T.key == k) for s, k in attempt.keys.items()))
    rows = {row.scope: row for row in conn.execute(select(T.__table__).where(wanted))}
    mine = rows.get(ACCOUNT_SOURCE)
    attempt.known = _known(mine, now)
    scopes = [ACCOUNT_SOURCE]
    if not attempt.known:
        scopes.append(ACCOUNT)
        if _run(mine, now) == 0:  # a new run for this account here: one more account failing from here
            scopes.append(SOURCE)
    attempt.wait = max((_wait(rows[s], now) for s in scopes if s in rows), default=0)
    if attempt.wait:
        return True  # refused: nothing counted, and no row made for it
    if missing := [s for s in scopes if s not in rows]:
        _create(conn, attempt, missing)
        return False
    for scope in scopes:
        row = rows[scope]
        attempts = _run(row, now) + 1
        wait = delay(scope, attempts)
        changed = conn.execute(update(T).where(T.id == row.id, T.version == row.version).values(
            attempts=attempts, next_at=now + dt.timedelta(seconds=wait) if wait else None, last_at=now,
            version=row.version + 1)).rowcount
        if changed != 1:
            raise _Changed
    return True


def reserve(email: str, now: dt.datetime | None = None) -> Attempt:
    """Count a sign-in attempt for `email` from the request's address, or refuse it: the returned
    attempt's `wait` is 0 when its password may be checked, else the seconds to wait (nothing counted).
    Commits on its own connection before returning, so the count holds while the password is checked."""
    attempt = Attempt(email=email, ip=_ip(), now=now or utcnow())
    for _ in range(ROUNDS):
        try:
            with db.engine.begin() as conn:
                if _round(conn, attempt):
                    return attempt
        except _Changed:
            continue
    attempt.wait = 1  # refuse rather than let an uncounted attempt through
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The right password: the (account, address) run ends and the address becomes known to the
    account; what this run counted for the account and the address is given back."""
    with db.engine.begin() as conn:
        conn.execute(update(T).where(T.scope == ACCOUNT_SOURCE, T.key == attempt.keys[ACCOUNT_SOURCE]).values(
            attempts=0, next_at=None, succeeded_at=attempt.now, last_at=attempt.now, version=T.version + 1))
        if not attempt.known:
            for scope in (ACCOUNT, SOURCE):  # back under the free attempts: no wait either
                free = _policy(scope)[0]
                conn.execute(update(T).where(T.scope == scope, T.key == attempt.keys[scope], T.attempts > 0).values(
                    attempts=T.attempts - 1, next_at=case((T.attempts - 1 < free, None), else_=T.next_at),
                    version=T.version + 1))


def failed(attempt: Attempt, user: User | None) -> None:
    """Record a wrong password (or an inactive or unknown account) in the audit trail; the attempt
    was already counted by reserve()."""
    record(FAILED, user=user, actor=attempt.email)
    db.session.commit()


def code_key(email: str) -> str:
    """What a second factor's codes (access/mfa.py) are counted under: the account's, apart from its passwords,
    in the same scopes and limits. Apart, because each sign-in's right password clears the password run: were
    the codes in it, each right password would buy LOGIN_MAX_FAILURES more guesses at the code."""
    return ("code:" + email)[:320]


def clear(email: str) -> None:
    """Forget the account's failures everywhere (wrong passwords and codes), and the addresses it was known at
    (an admin reset its password or second factor, or reactivated it). In the caller's transaction."""
    for scope in (ACCOUNT_SOURCE, ACCOUNT):  # in reserve()'s order, so that PostgreSQL's row locks cannot deadlock
        db.session.execute(delete(T).where(T.scope == scope, T.email.in_([email, code_key(email)])),
                           execution_options={"synchronize_session": False})


def purge_expired(now: dt.datetime, report, dry_run: bool) -> None:
    """Remove rows past their retention (forms_service/retention.purge, in its transaction): a count of
    failures LOGIN_FORGET_HOURS after its last attempt (it no longer counts), the record that an account
    signed in from an address RETENTION_SIGN_IN after that sign-in or a later attempt."""
    forgotten = now - dt.timedelta(hours=current_app.config["LOGIN_FORGET_HOURS"])
    old = or_(T.last_at < _known_since(now), and_(T.succeeded_at.is_(None), T.last_at < forgotten))
    count = db.session.scalar(select(db.func.count()).select_from(T).where(old))
    if count:
        report.rows["sign_in_throttles"] += count
        if not dry_run:
            db.session.execute(delete(T).where(old), execution_options={"synchronize_session": False})


# --- "Forgot your password?" requests ----------------------------------------------------------

RESET_EMAIL, RESET_SOURCE = "reset_email", "reset_source"
RESET_WINDOW = dt.timedelta(hours=1)


def reserve_reset(email: str, now: dt.datetime | None = None) -> int:
    """Count a request for a password-reset link for `email` from the request's address: 0 when it may
    go ahead, else the seconds until one may (the network address's count stands, the email's is not
    taken). Each count is one conditional UPDATE (`attempts < limit`, or the hour is over), so requests
    at once cannot all take the last place. Commits on its own connection."""
    now = now or utcnow()
    c = current_app.config
    scopes = ((RESET_SOURCE, _ip(), c["PASSWORD_RESETS_PER_IP"]), (RESET_EMAIL, email, c["PASSWORD_RESETS_PER_EMAIL"]))
    with db.engine.begin() as conn:
        conn.execute(insert_ignoring(T.__table__, conn.dialect.name,
                                     [{"scope": scope, "key": key, "email": email if scope == RESET_EMAIL else None,
                                       "attempts": 0, "last_at": now, "version": 0} for scope, key, _ in scopes],
                                     conflict=["scope", "key"]))
        for scope, key, limit in scopes:
            row = and_(T.scope == scope, T.key == key)
            over = or_(T.next_at.is_(None), T.next_at <= now)  # its hour is over: a new one starts now
            taken = conn.execute(update(T).where(row, or_(over, T.attempts < limit)).values(
                attempts=case((over, 1), else_=T.attempts + 1),
                next_at=case((over, now + RESET_WINDOW), else_=T.next_at),
                last_at=now, version=T.version + 1)).rowcount
            if taken != 1:
                until = conn.scalar(select(T.next_at).where(row))
                return max(1, math.ceil((until - now).total_seconds())) if until else 1
    return 0


def reset_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (f"Too many links have been asked for. Wait {minutes} minute{'s' if minutes != 1 else ''} and try "
            "again, or ask your administrator to reset your password.")


def message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (f"Too many sign-in attempts. Wait {minutes} minute{'s' if minutes != 1 else ''} and try again, "
            "or ask your administrator to reset your password.")
