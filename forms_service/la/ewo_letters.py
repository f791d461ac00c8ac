"""The Education Welfare Officer's letters to a parent (issue 19), issued like the LA's notices
(la/notices.py) on an accepted referral, one per parent, from Cardiff's 5 Step Approach (002):

- the Initial Warning (002, Step 3: "At the outset of casework by the EWO, the parent will be given a
  written 'Initial Warning' letter reminding parents/carers of their responsibilities and of the possible
  legal consequences if their child's attendance does not improve");
- the Final Warning (002, Step 4: "Sending a 'Final Warning' letter where a child's attendance fails to
  improve advising the parent/carer that legal action may be started"), with the date by which
  improvement is reviewed ("If no improvement in attendance within a given timescale is achieved ...");
- the invitation to a Pre-Court Meeting (002, Step 4, "Instigating a Pre-Court Meeting"), with the
  meeting's date, time and place.

Which LAs send them is their profile's (`la_letters`, policies.Policy), never the LA's name. This module
checks what the officer enters for each letter and the order the letters go in to the same parent:
an Initial Warning, then a Final Warning, then, once the Final Warning's timescale has passed, the
invitation (002, Step 3 then Step 4).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from ..formatting import format_date, local_today, parse_time
from ..models import Outcome, Referral
from ..policies import load_profile
from ..referrals.actions import profile_name
from ..text import check_text, same_name
from .notice_documents import DOCUMENTS, LETTERS, TITLES

# What the officer enters for each letter, beyond the kind, the parent and the date of issue.
FIELDS = {"initial_warning": (), "ews_final_warning": ("review_on", "attendance_pct", "attendance_period"),
          "pre_court_invitation": ("meeting_on", "meeting_time", "meeting_place")}
ALL_FIELDS = tuple(dict.fromkeys(f for fields in FIELDS.values() for f in fields))
ORDER_SOURCE = "002, Step 3 and Step 4"
MAX_PLACE = 300
MAX_PERIOD = 200


def offered(referral: Referral) -> list[str]:
    """The letters the referral's LA sends from the service (its profile's `la_letters`), in order."""
    profile = load_profile(profile_name(referral))
    return [kind for kind in LETTERS if profile.issues_letter(DOCUMENTS[kind])]


def _date(value, field: str, errors: dict, what: str) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        errors[field] = [f"Enter {what}"]
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors[field] = [f"Enter {what} as a real date, YYYY-MM-DD"]
    return None


def _percentage(value, errors: dict) -> float | None:
    if isinstance(value, str) and value.strip():
        try:
            value = float(value.strip().rstrip("%"))
        except ValueError:
            errors["attendance_pct"] = ["Enter the attendance as a number from 0 to 100, like 78.5"]
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        errors["attendance_pct"] = ["Enter the attendance as a number from 0 to 100, like 78.5"]
        return None
    if not 0 <= value <= 100:
        errors["attendance_pct"] = ["The attendance must be from 0 to 100 per cent"]
        return None
    return float(value)


def check_details(kind: str, body: Mapping, issued: dt.date | None, errors: dict,
                  date_errors: Mapping[str, str] | None = None) -> dict:
    """What the officer entered for `kind`, checked; each problem is added to `errors` under its field.
    `date_errors`: the web page's own messages about a date's three boxes, by field."""
    date_errors = date_errors or {}
    for field in ALL_FIELDS:
        if field not in FIELDS.get(kind, ()) and body.get(field) not in (None, ""):
            errors[field] = [f"Not used for {'an' if TITLES[kind][0] in 'AEIOU' else 'a'} {TITLES[kind]}"
                             if kind in FIELDS else "Not used for this notice"]
    for field, message in date_errors.items():
        if field in FIELDS.get(kind, ()):
            errors[field] = [message]
    details: dict = {}
    if kind == "ews_final_warning":
        if "review_on" not in errors:
            review = _date(body.get("review_on"), "review_on", errors, "the date by which attendance is reviewed")
            if review is not None and issued is not None and review <= issued:
                errors["review_on"] = [f"The review date must be after the date of issue ({format_date(issued)})"]
            details["review_on"] = review
        stated = body.get("attendance_pct") not in (None, "")
        period, problem = check_text(body.get("attendance_period"), label="the attendance period",
                                     max_length=MAX_PERIOD, multiline=False)
        if problem:
            errors["attendance_period"] = [problem]
        if stated:
            details["attendance_pct"] = _percentage(body.get("attendance_pct"), errors)
            if not period and not problem:
                errors["attendance_period"] = ["Enter the period the attendance figure covers, like "
                                               "1 September 2025 to 28 November 2025"]
        elif period:
            errors["attendance_pct"] = ["Enter the attendance for the period, or leave both blank to use the "
                                        "referral's figures"]
        details["attendance_period"] = period
    elif kind == "pre_court_invitation":
        if "meeting_on" not in errors:
            meeting = _date(body.get("meeting_on"), "meeting_on", errors, "the date of the meeting")
            if meeting is not None and (meeting <= local_today() or (issued is not None and meeting <= issued)):
                errors["meeting_on"] = ["The date of the meeting must be in the future, after the date of issue"]
            details["meeting_on"] = meeting
        raw_time = body.get("meeting_time")
        details["meeting_time"] = parse_time(raw_time) if isinstance(raw_time, str) else None
        if details["meeting_time"] is None:
            errors["meeting_time"] = ["Enter the time of the meeting, like 10:30am or 14:30"]
        place, problem = check_text(body.get("meeting_place"), label="the place of the meeting", max_length=MAX_PLACE,
                                    required="Enter where the meeting will be held")
        if problem:
            errors["meeting_place"] = [problem]
        details["meeting_place"] = place
    return details


def _sent(referral: Referral, kind: str, parent: str, before: dt.date) -> list[Outcome]:
    return [o for o in referral.outcomes if o.kind == kind and o.files and same_name(o.parent_name or "", parent)
            and o.occurred_on < before]


def duplicate(referral: Referral, kind: str, parent: str) -> str | None:
    """The parent field's error when an Initial Warning to `parent` is already issued on this referral:
    it is given once, at the outset of casework (002, Step 3)."""
    if kind != "initial_warning":
        return None
    earlier = [o for o in referral.outcomes if o.kind == kind and o.files and same_name(o.parent_name or "", parent)]
    if earlier:
        return (f"An Initial Warning to {parent} is already issued on this referral ({earlier[0].notice_reference}): "
                "it is given once, at the outset of casework")
    return None


def order_rules(referral: Referral, kind: str, parent: str, on: dt.date) -> list[dict]:
    """The failing rules for sending `kind` to `parent` on `on`: a Final Warning follows an Initial
    Warning sent before it (`initial_warning_sent`); an invitation to a Pre-Court Meeting follows a Final
    Warning sent before it (`final_warning_sent`) once its review date has come (`final_warning_review_reached`:
    002, Step 4, "If no improvement in attendance within a given timescale is achieved ... They will then
    instigate a Pre-Court meeting")."""
    def fail(rule_id: str, reason: str) -> list[dict]:
        return [{"id": rule_id, "status": "fail", "reason": reason, "source": ORDER_SOURCE}]

    if kind == "ews_final_warning" and not _sent(referral, "initial_warning", parent, on):
        return fail("initial_warning_sent",
                    f"No Initial Warning was sent to {parent} before {format_date(on)}: the Initial Warning comes at "
                    "the outset of casework, and a Final Warning only where attendance then fails to improve.")
    if kind == "pre_court_invitation":
        warnings = _sent(referral, "ews_final_warning", parent, on)
        if not warnings:
            return fail("final_warning_sent",
                        f"No Final Warning was sent to {parent} before {format_date(on)}: a Pre-Court Meeting follows "
                        "a Final Warning whose timescale has passed without improvement.")
        latest = max(warnings, key=lambda o: (o.occurred_on, o.id or 0))
        if latest.period_end is not None and latest.period_end > on:
            return fail("final_warning_review_reached",
                        f"The Final Warning {latest.notice_reference} to {parent} gives until "
                        f"{format_date(latest.period_end)} for attendance to improve: the Pre-Court Meeting is "
                        "arranged only if there is no improvement within that time.")
    return []


def meeting_note(details: Mapping) -> str:
    """The ledger's line for an invitation (the outcome's notes): when and where the meeting is."""
    return (f"Pre-Court Meeting on {format_date(details['meeting_on'])} at {details['meeting_time']}, "
            f"{' '.join(details['meeting_place'].split())}")
