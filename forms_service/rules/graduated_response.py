"""Knowsley's graduated response (004): Level 1's work and an Early Help Assessment come before Level 2.
Both the Attendance Improvement Meeting record (Level 2) and the Statutory Referral Form (Level 3) check
it, each against its own answers and its own start of Level 2; the check and its words are here, once.

004, Level 1: "The full range of Level 1 graduated response activity must have been undertaken by schools
before a request can be made for multi-agency support from the local authority at Level 2 or above."
004, Level 2 / Step 1: "Schools need to have completed actions at the Universal stage and an Early Help
assessment (Level 1) before instigating the next stage (Level 2)." Both say "must"/"need to": blocking.
Level 1 work may go on after Level 2 begins (phone calls, letters): such actions are listed, not refused,
as long as some came first.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from ..dates import as_date
from ..formatting import format_date
from .engine import FAIL, MISSING, PASS, Outcome

LEVEL1_SOURCE = ("004, Level 1 (Universal): \"The full range of Level 1 graduated response activity must have been "
                 "undertaken by schools before a request can be made for multi-agency support from the local "
                 "authority at Level 2 or above.\"")
EHA_SOURCE = ("004, Level 2 / Step 1: \"Schools need to have completed actions at the Universal stage and an Early "
              "Help assessment (Level 1) before instigating the next stage (Level 2).\"; Appendix C")


def dates_of(items: Iterable | None, keep: Callable[[dict], bool] = lambda item: True) -> list[dt.date]:
    """The dates of a list answer's items that `keep` accepts, in order; undated items left out."""
    found = [as_date(item.get("date")) for item in items or () if isinstance(item, dict) and keep(item)]
    return sorted(d for d in found if d is not None)


def listed(days: list[dt.date]) -> str:
    return ", ".join(format_date(d) for d in days)


def level1_before(actions: list[dt.date], limit: dt.date, what: str) -> Outcome:
    """At least one Level 1 action dated before `limit` (the start of Level 2, `what` in words)."""
    before = [d for d in actions if d < limit]
    details = {"before_level2": len(before), "level2_from": limit.isoformat()}
    if not actions:
        return Outcome(MISSING, "No Level 1 actions are listed: give each action the school took, with its date.",
                       LEVEL1_SOURCE, details)
    if not before:
        return Outcome(FAIL, f"No Level 1 action is dated before {what} (listed: {listed(actions)}): Level 1 must be "
                             "done before a request for support at Level 2.", LEVEL1_SOURCE, details)
    noun = "action" if len(before) == 1 else "actions"
    later = [d for d in actions if d >= limit]
    also = f"; later: {listed(later)}" if later else ""
    return Outcome(PASS, f"{len(before)} Level 1 {noun} before {what}: {listed(before)}{also}.", LEVEL1_SOURCE,
                   details)


def early_help_before(done: dt.date | None, limit: dt.date, what: str) -> Outcome:
    """An Early Help Assessment dated before `limit` (the start of Level 2, `what` in words)."""
    if done is None:
        return Outcome(MISSING, "The date of the Early Help Assessment is not given: it must be completed before "
                                "Level 2.", EHA_SOURCE)
    details = {"date": done.isoformat(), "level2_from": limit.isoformat()}
    if done >= limit:
        return Outcome(FAIL, f"The Early Help Assessment is dated {format_date(done)}, which is not before {what}: "
                             "it must be completed before Level 2 begins.", EHA_SOURCE, details)
    return Outcome(PASS, f"The Early Help Assessment was completed on {format_date(done)}, before {what}.",
                   EHA_SOURCE, details)
