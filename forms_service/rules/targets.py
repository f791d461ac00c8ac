"""The attendance targets set at the meeting that followed the high absence letter, and whether they
were met (001, Appendix B1): "Attendance below 90%: ... Attendance targets to be set at meeting. If
attendance targets are not met: Letter to be sent to parents inviting them to a formal attendance
meeting supported by LA Attendance Officer." So the invitation follows targets not met: a case with
every target met, or with no targets recorded, is not one for it.

Reads `targets_set_on` (the date of that meeting) and `targets` ([{target, met}]).
"""
from __future__ import annotations

from ..formatting import format_date
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule

SOURCE = ("001, Appendix B1 (Attendance below 90%: \"Attendance targets to be set at meeting\"; If attendance targets "
          "are not met)")


def _quoted(items: list[dict]) -> str:
    return "; ".join(f"\u201c{(item.get('target') or '').strip()}\u201d" for item in items)


@rule("targets_not_met")
def targets_not_met(f: Facts) -> Outcome:
    """The targets set at the earlier meeting are recorded, and at least one was not met."""
    set_on, targets = f.date("targets_set_on"), f.items("targets")
    if set_on is None:
        return Outcome(MISSING, "The date of the meeting at which the attendance targets were set is not given: the "
                                "invitation follows targets set at that meeting and not met.", SOURCE)
    on = f.measure_date
    if on is not None and set_on > on:
        return Outcome(FAIL, f"The targets were set on {format_date(set_on)}, after the date of this letter "
                             f"({format_date(on)}).", SOURCE)
    items = [t for t in targets or () if isinstance(t, dict) and (t.get("target") or "").strip()]
    when = f"at the meeting on {format_date(set_on)}"
    if not items:
        return Outcome(MISSING, f"No attendance targets set {when} are recorded: the invitation follows targets "
                                "that were not met, so record them and whether each was met.", SOURCE)
    unanswered = [t for t in items if not isinstance(t.get("met"), bool)]
    if unanswered:
        return Outcome(MISSING, f"Whether {len(unanswered)} of the {len(items)} targets set {when} "
                                f"{'was' if len(unanswered) == 1 else 'were'} met is not given: {_quoted(unanswered)}.",
                       SOURCE, {"targets": len(items)})
    missed = [t for t in items if t["met"] is False]
    details = {"targets": len(items), "not_met": len(missed), "set_on": set_on.isoformat()}
    if not missed:
        return Outcome(FAIL, f"Every target set {when} was met ({_quoted(items)}): the formal attendance meeting is "
                             "for targets that were not met, so this letter cannot be sent.", SOURCE, details)
    return Outcome(PASS, f"{len(missed)} of the {len(items)} target{'s' if len(items) != 1 else ''} set {when} "
                         f"{'was' if len(missed) == 1 else 'were'} not met: {_quoted(missed)}.", SOURCE, details)
