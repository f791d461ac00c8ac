"""Sessions already counted for a penalty notice, which no later request may count again (issue 4:
the LA must not fine twice for the same absence).

They come from two places: the penalty notice requests for the same pupil signed in this service
(the service passes the sessions their stored verdicts relied on, by reference: see
forms_service.referrals.history.sessions_used_elsewhere), and the sessions the form itself lists for a
notice issued elsewhere (`previous_penalty_notices[].sessions`). The rules that count sessions
towards a notice (unauthorised_sessions_threshold, leave_sessions_minimum) leave them out, say so
with the figures, and record the sessions they relied on in their details (`relied_on`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..formatting import format_date_short
from ..register.marks import SESSIONS, Session

SessionKey = tuple[dt.date, str]


@dataclass(frozen=True)
class EarlierUse:
    """What already counted a session: a penalty notice request signed in this service ("request",
    labelled with its reference) or a penalty notice recorded on the form ("notice", labelled
    "issued to <parent> on <date>")."""
    kind: str
    label: str


def session_key(item: Any) -> SessionKey:
    """(date, "AM"|"PM") from a register Session, a {date, session} mapping (the date as a date or
    an ISO string, as stored) or a (date, session) pair."""
    if isinstance(item, Session):
        day, session = item.date, item.session
    elif isinstance(item, Mapping):
        day, session = item.get("date"), item.get("session")
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        day, session = item
    else:
        raise TypeError(f"A session is a {{date, session}} mapping, not {type(item).__name__}")
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date) or session not in SESSIONS:
        raise ValueError(f"Not a session: {item!r}")
    return day, session


def _order(key: SessionKey) -> tuple[dt.date, int]:
    return key[0], SESSIONS.index(key[1])


Used = list[tuple[Session, tuple[EarlierUse, ...]]]


class UsedSessions:
    """Each session already counted, with what counted it."""

    def __init__(self) -> None:
        self._uses: dict[SessionKey, tuple[EarlierUse, ...]] = {}

    @classmethod
    def from_sources(cls, requests: Mapping[str, Iterable[Any]], notices: Any) -> "UsedSessions":
        """From {reference: sessions} of earlier requests (the service's; a bad session there is a
        programming error and raises) and the form's `previous_penalty_notices` (a draft may hold
        an unfinished session, without a date or AM/PM: it is not one yet, and is skipped)."""
        used = cls()
        for reference, sessions in requests.items():
            used._add((session_key(s) for s in sessions), EarlierUse("request", reference))
        for notice in notices if isinstance(notices, list) else ():
            if not isinstance(notice, Mapping) or not isinstance(notice.get("sessions"), list):
                continue
            keys = []
            for item in notice["sessions"]:
                try:
                    keys.append(session_key(item))
                except (TypeError, ValueError):
                    continue
            used._add(keys, EarlierUse("notice", _notice_label(notice)))
        return used

    def _add(self, keys: Iterable[SessionKey], use: EarlierUse) -> None:
        for key in keys:
            if use not in self._uses.get(key, ()):
                self._uses[key] = (*self._uses.get(key, ()), use)

    def __bool__(self) -> bool:
        return bool(self._uses)

    def split(self, sessions: Iterable[Session]) -> tuple[list[Session], Used]:
        """(the sessions not counted for any earlier notice, [(session, what counted it)])."""
        fresh, used = [], []
        for s in sessions:
            uses = self._uses.get((s.date, s.session))
            if uses:
                used.append((s, uses))
            else:
                fresh.append(s)
        return fresh, used

    def between(self, first: dt.date, last: dt.date) -> list[tuple[SessionKey, tuple[EarlierUse, ...]]]:
        """The sessions already counted dated from `first` to `last`, in date order."""
        return sorted(((k, u) for k, u in self._uses.items() if first <= k[0] <= last), key=lambda item: _order(item[0]))


def _notice_label(notice: Mapping) -> str:
    name, issued = notice.get("parent_name"), notice.get("issued_on")
    label = "issued" + (f" to {' '.join(name.split())}" if isinstance(name, str) and name.strip() else "")
    if isinstance(issued, dt.date):
        label += f" on {format_date_short(issued)}"
    return label


# -- what the rules say and store

def session_rows(sessions: Iterable[Session]) -> list[dict]:
    """Sessions as a verdict's details store them: [{date, session, code}], in register order."""
    return [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
            for s in sorted(sessions, key=lambda s: s.sort_key)]


def used_rows(used: Used) -> list[dict]:
    """The sessions left out, for the verdict's details: [{date, session, code, counted_for}]."""
    return [{"date": s.date.isoformat(), "session": s.session, "code": s.code, "counted_for": [u.label for u in uses]}
            for s, uses in sorted(used, key=lambda item: item[0].sort_key)]


def earlier_phrase(uses: Iterable[EarlierUse]) -> str:
    """"an earlier penalty notice request (PNL-2026-000012)"; "earlier penalty notice requests (A, B)
    and an earlier penalty notice (issued to Zofia Nowak on 3 Mar 2025)"."""
    uses = list(dict.fromkeys(uses))
    parts = []
    for kind, one, many, joiner in (("request", "an earlier penalty notice request", "earlier penalty notice requests",
                                     ", "),
                                    ("notice", "an earlier penalty notice", "earlier penalty notices", "; ")):
        labels = [u.label for u in uses if u.kind == kind]
        if labels:
            parts.append(f"{one if len(labels) == 1 else many} ({joiner.join(labels)})")
    return " and ".join(parts)


def not_counted_again(used: Used, remaining: int) -> str:
    """"4 of them were counted for an earlier penalty notice request (PNL-2026-000012) and are not
    counted again: 10 remain"."""
    n = len(used)
    what = earlier_phrase(u for _, uses in used for u in uses)
    return (f"{n} of them {'was' if n == 1 else 'were'} counted for {what} and {'is' if n == 1 else 'are'} not "
            f"counted again: {remaining} {'remains' if remaining == 1 else 'remain'}")


def typed_figure_cannot_leave_out(used: list[tuple[SessionKey, tuple[EarlierUse, ...]]]) -> str:
    """Why a typed figure is not enough when sessions in its period were counted for an earlier
    notice: only the register marks show which sessions a figure counts."""
    n = len(used)
    first, last = used[0][0][0], used[-1][0][0]
    when = f"on {format_date_short(first)}" if first == last else \
        f"from {format_date_short(first)} to {format_date_short(last)}"
    what = earlier_phrase(u for _, uses in used for u in uses)
    return (f"{n} session{'' if n == 1 else 's'} {when} {'was' if n == 1 else 'were'} counted for {what}, and a "
            "figure typed on the form cannot show that they are left out: upload the register marks so that they "
            "are not counted again")
