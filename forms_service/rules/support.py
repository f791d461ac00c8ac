"""Rules on the support offered before legal action: how recent, and whether barriers stand in the way."""
from __future__ import annotations

import datetime as dt
import re

from ..dates import add_months
from ..formatting import format_date
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (31 May less 3 months is 28 or 29 February)."""
    return add_months(day, -months)


@rule("support_recency")
def support_recency(f: Facts) -> Outcome:
    """An attendance support meeting and a parent contract (or equivalent plan) within the last [9]
    calendar months (003, Attendance Panels; Appendix 5), [6] for a panel penalty notice (Appendix 7)."""
    rule_id = "support_recency"
    months = f.param(rule_id, "months")
    source = f.profile.source(rule_id)
    meeting, on = f.date("support_meeting_date"), f.measure_date
    if meeting is None:
        return Outcome(MISSING, "The date of the attendance support meeting is not given.", source)
    if on is None:
        return Outcome(MISSING, f"{f.measure_label.capitalize()} is not given, so the support cannot be dated "
                                "against it.", source)
    earliest = months_before(on, months)
    details = {"months": months, "earliest": earliest.isoformat(), "meeting": meeting.isoformat()}
    if meeting > on:
        return Outcome(FAIL, f"The attendance support meeting date ({format_date(meeting)}) is after "
                             f"{f.measure_label} ({format_date(on)}).", source, details)
    if meeting < earliest:
        return Outcome(FAIL, f"The attendance support meeting was on {format_date(meeting)}, more than {months} months "
                             f"before {f.measure_label} ({format_date(on)}): support must have been offered since "
                             f"{format_date(earliest)}.", source, details)
    when = f"Attendance support meeting on {format_date(meeting)}, within the {months} months before " \
           f"{f.measure_label} ({format_date(on)})"
    contract, attended = f.flag("parent_contract_agreed"), f.flag("parents_attended_meeting")
    if contract:
        return Outcome(PASS, f"{when}, and a parent contract (or equivalent plan) was agreed.", source, details)
    if contract is False and attended is False:
        return Outcome(PASS, f"{when}; the parents did not attend, so no contract could be agreed (a letter of "
                             "expectations should have been sent instead).", source, details)
    if contract is False and attended:
        return Outcome(FAIL, f"{when}, but no parent contract (or equivalent plan) was agreed although the parents "
                             "attended.", source, details)
    return Outcome(MISSING, f"{when}; the form does not say whether a parent contract (or equivalent plan) was "
                            "agreed, or whether the parents attended.", source, details)


# Forms whose question is whether new barriers came up at the school's attendance panel (003, Appendix 7).
PANEL_FORMS = {"penalty-notice-panel"}


@rule("no_identified_barriers")
def no_identified_barriers(f: Facts) -> Outcome:
    if f.form_id in PANEL_FORMS:
        source = "003, Appendix 7"
        new = f.flag("new_barriers_at_panel")
        if new is None:
            return Outcome(MISSING, "The form does not say whether the parent, carer or pupil raised new barriers or "
                                    "asked for support at the attendance panel.", source)
        if new:
            return Outcome(FAIL, "New barriers or requests for support came up at the attendance panel: a Final "
                                 "Warning and penalty notice are not appropriate; review the support plan or parent "
                                 "contract instead.", source)
        return Outcome(PASS, "No new barriers or requests for support came up at the attendance panel.", source)
    source = "003, Fast Track to Attendance (Criteria for Fast Track)"
    identified = f.flag("barriers_identified")
    if identified is None:
        return Outcome(MISSING, "The form does not say whether the parent or pupil identified barriers to attending "
                                "school (such as bullying, SEND or other needs).", source)
    if identified:
        return Outcome(FAIL, "The parent or pupil identified barriers to attending school (such as bullying, SEND or "
                             "other needs): legal intervention is not appropriate yet; work with the family to remove "
                             "them through support meetings and the parent contract.", source)
    return Outcome(PASS, "The parent and pupil have not identified barriers to attending school.", source)


# Answers made only of these words restate the absence instead of naming a barrier (003, Appendix 5:
# "Please do not just add poor attendance as the barrier").
_NOT_A_BARRIER = {"poor", "low", "bad", "non", "attendance", "absence", "absences", "absent", "persistent",
                  "persistently", "punctuality", "lateness", "late", "truancy", "and", "the", "of", "is", "has",
                  "his", "her", "their", "none", "n", "a", "na", "nil", "no", "not", "known", "unknown", "very"}


@rule("barriers_described")
def barriers_described(f: Facts) -> Outcome:
    source = "003, Appendix 5"
    text = f.text("barriers")
    if text is None:
        return Outcome(MISSING, "Describe the barriers to attending school that were identified and the support the "
                                "school gave.", source)
    words = re.findall(r"[a-z]+", text.lower())
    if all(w in _NOT_A_BARRIER for w in words):
        return Outcome(FAIL, f"'{text[:60]}' does not describe a barrier: say what stops the child attending and "
                             "what support the school gave (poor attendance alone is not a barrier).", source)
    return Outcome(PASS, "The barriers to attending school and the support given are described.", source)
