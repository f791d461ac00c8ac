"""Penalty notice amounts and the limit on repeat notices. These are law, not LA policy, so they live
in forms_service/rules/law.py rather than in a profile; which regime applies follows the profile's
jurisdiction and the date of the notice (DESIGN.md section 2: documents state the amounts in force
on their date; issue 19: Wales has its own regulations)."""
from __future__ import annotations

import datetime as dt

from ..formatting import format_date, format_date_short, format_money
from ..text import same_name
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule
from .law import REGIME_2024, REGIME_BEFORE_2024, REGIME_WALES_2013, Payment, Regime, law_of, regime_for

__all__ = ["COUNT_NOTICES_BEFORE_2024", "REGIME_2024", "REGIME_BEFORE_2024", "REGIME_WALES_2013", "Payment", "Regime",
           "describe_amounts", "penalty_amounts", "regime_for", "regime_on", "window_start"]


# Whether notices issued before 19 August 2024 count towards the two-in-three-years limit. The
# amended regulation 4 bars a notice where two "have been issued to the parent in the previous three
# years" and carves out no earlier notices (as LA codes quote it, e.g. West Northamptonshire's code
# of conduct para 4). We could not read the DfE guidance's own statement on this: see the report
# that came with this module. Until an LA says otherwise, earlier notices count.
COUNT_NOTICES_BEFORE_2024 = True


def regime_on(day: dt.date, jurisdiction: str = "england") -> Regime:
    """The regime in force on `day` by the law alone (without an LA code's limit: regime_for)."""
    return law_of(jurisdiction).regime_on(day)


def window_start(on: dt.date, years: int = 3) -> dt.date:
    """The first day of the `years` years ending with `on` (for 20 Jan 2026: 21 Jan 2023)."""
    try:
        earlier = on.replace(year=on.year - years)
    except ValueError:  # 29 February: the period runs from 1 March
        earlier = dt.date(on.year - years, 2, 28)
    return earlier + dt.timedelta(days=1)


def penalty_amounts(on: dt.date, earlier: int, regime: Regime | None = None) -> tuple[Payment, ...]:
    """What a notice issued on `on` costs, given the parent's earlier notices for this child in the
    rolling period; empty when no further notice may be issued. `regime`: the profile's
    (regime_for), else England's in force on `on`."""
    regime = regime or regime_on(on)
    if regime.limit is not None and earlier >= regime.limit:
        return ()
    return regime.first if earlier == 0 else regime.repeat


def describe_amounts(payments: tuple[Payment, ...]) -> str:
    """"£80 if paid within 21 days, £160 within 28 days"."""
    parts = [f"{format_money(p.pence)} {'if paid ' if i == 0 else ''}within {p.within_days} days"
             for i, p in enumerate(payments)]
    return ", ".join(parts)


_ORDINAL = {1: "first", 2: "second", 3: "third"}


@rule("penalty_notice_limit")
def penalty_notice_limit(f: Facts) -> Outcome:
    on = f.referral_date
    regime = regime_for(f.profile, on)
    parents = f.items("parents")
    if not parents:
        return Outcome(MISSING, "No parent or carer is named for the Notice.", regime.source)
    names = []
    for i, parent in enumerate(parents, start=1):
        name = parent.get("name") if isinstance(parent, dict) else None
        if not isinstance(name, str) or not name.strip():
            return Outcome(MISSING, f"Parent or carer {i} has no name.", regime.source)
        names.append(" ".join(name.split()))
    notices = f.items("previous_penalty_notices")
    if notices is None:
        return Outcome(MISSING, "The form does not say whether a penalty notice has already been issued to a parent "
                                "named here for this child (enter none if there were none).", regime.source)
    for i, notice in enumerate(notices, start=1):
        if not isinstance(notice, dict) or not isinstance(notice.get("parent_name"), str) \
                or not notice["parent_name"].strip():
            return Outcome(MISSING, f"Previous penalty notice {i} does not say which parent it was issued to.",
                           regime.source)
        if not isinstance(notice.get("issued_on"), dt.date):
            return Outcome(MISSING, f"Previous penalty notice {i} has no date of issue.", regime.source)
    # `recorded_by_la`: the LA recorded the notice as an outcome in this service; `recorded_on`: the
    # reference of the referral it was recorded on, where the school may open that referral (the
    # service adds both: forms_service.referrals.history.with_recorded_notices).
    notices = [{"parent_name": n["parent_name"], "issued_on": n["issued_on"].date()
                if isinstance(n["issued_on"], dt.datetime) else n["issued_on"],
                "recorded_by_la": n.get("recorded_by_la") is True or isinstance(n.get("recorded_on"), str),
                "recorded_on": n.get("recorded_on") if isinstance(n.get("recorded_on"), str) else None}
               for n in notices]

    start = window_start(on, regime.years)
    in_window = [n for n in notices if start <= n["issued_on"] <= on
                 and (regime is not REGIME_2024 or COUNT_NOTICES_BEFORE_2024
                      or n["issued_on"] >= REGIME_2024.in_force_from)]
    parts, rows, amounts, blocked, counted_old = [], [], [], False, False
    for name in names:
        mine = sorted((n for n in in_window if same_name(n["parent_name"], name)), key=lambda n: n["issued_on"])
        dates = [n["issued_on"] for n in mine]
        counted_old |= regime is REGIME_2024 and any(d < REGIME_2024.in_force_from for d in dates)
        payments = penalty_amounts(on, len(dates), regime)
        allowed = bool(payments)
        blocked |= not allowed
        rows.append({"name": name, "earlier_notices": len(dates), "earlier_dates": [d.isoformat() for d in dates],
                     "recorded_on": [n["recorded_on"] for n in mine],
                     "recorded_by_la": [n["recorded_by_la"] for n in mine],
                     "notice_number": len(dates) + 1, "allowed": allowed,
                     "amounts": [{"within_days": p.within_days, "pence": p.pence} for p in payments]})
        parts.append(_parent_sentence(name, dates, payments, regime, on,
                                      [_recorded(n) for n in mine]))
        # A flat list for documents ("Penalty notice amounts in force"): one line per parent and payment.
        which = _ORDINAL.get(len(dates) + 1, "further") if regime.limit is not None else "this"
        amounts += [{"label": f"{name}: {which} penalty notice, paid within {p.within_days} days", "pence": p.pence,
                     "parent": name, "within_days": p.within_days} for p in payments]

    unmatched = sorted({" ".join(n["parent_name"].split()) for n in notices
                        if not any(same_name(n["parent_name"], name) for name in names)})
    reason = ". ".join(parts) + "."
    if f.profile.jurisdiction != "england":  # England's reasons name their law by the amounts; others say it
        reason += f" The law applied: {regime.regulations}."
    if counted_old:
        reason += " Notices issued before 19 August 2024 are counted."
    if unmatched:
        reason += f" Not matched to a parent named on this referral: {', '.join(unmatched)}."
    details = {"regime": regime.name, "window_start": start.isoformat(), "window_end": on.isoformat(),
               "parents": rows, "amounts": amounts, "unmatched": unmatched}
    return Outcome(FAIL if blocked else PASS, reason, regime.source, details)


def _recorded(notice: dict) -> str:
    """" (recorded by the LA on PNL-2026-000012)", or " (recorded by the LA)" when the referral it was
    recorded on is another school's; "" for a notice only the form names."""
    if notice["recorded_on"]:
        return f" (recorded by the LA on {notice['recorded_on']})"
    return " (recorded by the LA)" if notice["recorded_by_la"] else ""


def _parent_sentence(name: str, dates: list[dt.date], payments: tuple[Payment, ...], regime: Regime,
                     on: dt.date, recorded: list[str] | None = None) -> str:
    earlier = len(dates)
    recorded = recorded or [""] * earlier
    # "3 Mar 2025 (recorded by the LA on PNL-2026-000012)" for a notice the LA recorded in the service.
    joiner = "; " if any(recorded) else ", "
    listed = f" ({joiner.join(format_date_short(d) + note for d, note in zip(dates, recorded))})" if dates else ""
    count = "no earlier notice" if earlier == 0 else f"{earlier} earlier notice{'s' if earlier > 1 else ''}"
    span = "twelve months" if regime.years == 1 else f"{regime.years} years"
    head = f"{name}: {count} in the {span} to {format_date(on)}{listed}"
    if not payments:
        return (f"{head}; no more than {regime.limit} may be issued within a rolling {span}, so no "
                "further notice can be issued: consider other action, such as prosecution")
    if regime.limit is None:
        return f"{head}; this notice would be {describe_amounts(payments)} ({regime.no_limit})"
    return f"{head}, so this would be a {_ORDINAL[earlier + 1]} notice: {describe_amounts(payments)}"
