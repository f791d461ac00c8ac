"""What the Education Welfare Service expects before it accepts a referral (002, Step 3): one rule per
piece of evidence of the work at Steps 1 and 2.

002 ("Before accepting a referral from a School Attendance Officer, the EWS will expect the school to
have first undertaken a number of steps..." and the Step 3 bullets) lists the steps; each is a rule
with its own id, so that an EWO returning a referral can name the one that was not done. Each dated
step must come before the date of the referral (the steps are what the school did *before* referring;
002, Step 3: "Referrals should be made only after appropriate strategies have been explored").

The two numbers 002 does not give are the service's own choice, stated here and in the reasons:
a "sequence" of letters is at least two, and an "up to date" registration certificate is printed
on the referral date or in the 5 school days before it.

The referral form (schemas/forms/ews-referral.json) does not use `unauthorised_sessions_threshold`:
the Cardiff profile's 10 sessions are its code of conduct's threshold for a penalty notice, not a
condition of an EWS referral, which 002 accepts for any attendance and welfare concern, illness
covered by notes among them (the medical confirmation step). The figures are printed instead, and
`absence_band` (advisory) says how much school was missed.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..dates import as_date
from ..formatting import format_date
from ..register.schooldays import SchoolCalendar
from . import certificate
from .certificate import CERTIFICATE_SCHOOL_DAYS
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule

STEPS_SOURCE = "002, Steps 2-3 (\"Before accepting a referral from a School Attendance Officer, the EWS will expect\")"

# 002, Step 1 and Step 3 speak of "a sequence of letters of concern" without a number. A sequence is
# more than one letter: two is the fewest that make one (the service's choice; Step 1's letter on the
# 3rd consecutive day of unauthorised absence is often the first of them).
MIN_LETTERS_OF_CONCERN = 2

# 002, Step 3: "An up to date print out of the registration certificate should accompany the
# referral", no age given. The service's choice: printed on the referral date or in the 5 school days
# before it, one school week, the rhythm in which 002, Step 1 has heads of year check the registers
# ("Checking the registers each week"); an older print-out leaves out a week or more of marks the EWO
# needs at allocation. (The number is rules/certificate.py's, which also reads a certificate made from the
# register marks as up to date when they reach the referral date to within it.)


def _before_referral(f: Facts, when: dt.date, what: str, source: str) -> Outcome | None:
    """A step dated on or after the referral date was not done before referring: fail, saying so."""
    on = f.referral_date
    if when >= on:
        return Outcome(FAIL, f"{what} is dated {format_date(when)}, which is not before the date of this referral "
                             f"({format_date(on)}): the EWS expects it to have been done before the referral.", source)
    return None


def _dated_action(f: Facts, text_field: str, date_field: str, who: str, source: str) -> Outcome:
    """Action by someone in school (a teacher, a head of year): described, dated, before the referral."""
    action, when = f.text(text_field), f.date(date_field)
    if action is None and when is None:
        return Outcome(MISSING, f"The action by {who} is not described and not dated: the EWS expects action by "
                                f"{who} before a referral.", source)
    if action is None:
        return Outcome(MISSING, f"The action by {who} on {format_date(when)} is not described.", source)
    if when is None:
        return Outcome(MISSING, f"The date of the action by {who} is not given.", source)
    if (late := _before_referral(f, when, f"The action by {who}", source)) is not None:
        return late
    return Outcome(PASS, f"Action by {who} on {format_date(when)}, before the referral.", source)


@rule("ews_class_teacher_action")
def ews_class_teacher_action(f: Facts) -> Outcome:
    """(a) "action by the class teacher/form teacher" (002, Step 2, before accepting a referral)."""
    return _dated_action(f, "class_teacher_action", "class_teacher_action_date", "the class or form teacher",
                         f"{STEPS_SOURCE}: action by the class teacher/form teacher")


@rule("ews_head_of_year_action")
def ews_head_of_year_action(f: Facts) -> Outcome:
    """(b) "action by the Head of year (secondary) or Head or Deputy Head (primary)" (002, Step 2)."""
    return _dated_action(f, "head_of_year_action", "head_of_year_action_date",
                         "the head of year (secondary) or the head or deputy head (primary)",
                         f"{STEPS_SOURCE}: action by the Head of year or Head or Deputy Head")


def _dated_items(f: Facts, path: str, keep: Callable[[dict], bool] = lambda item: True) -> list[dt.date]:
    """The dates of a list answer's items (those `keep` accepts), in order; undated items are left out."""
    dates = [as_date(item.get("date")) for item in f.items(path) or [] if isinstance(item, dict) and keep(item)]
    return sorted(d for d in dates if d is not None)


def _dates(days: list[dt.date]) -> str:
    return ", ".join(format_date(d) for d in days)


@rule("ews_letters_of_concern")
def ews_letters_of_concern(f: Facts) -> Outcome:
    """(c) contact with the parents, "including the school sending a sequence of letters of concern to
    the parents before formally involving the SAO" (002, Step 2): at least [2] letters dated before
    the referral."""
    source = (f"{STEPS_SOURCE}: a sequence of letters of concern; at least {MIN_LETTERS_OF_CONCERN} letters "
              "make a sequence (the service's reading: 002 gives no number)")
    letters = _dated_items(f, "letters_of_concern")
    on = f.referral_date
    before = [d for d in letters if d < on]
    late = [d for d in letters if d >= on]
    details = {"before_referral": len(before), "needed": MIN_LETTERS_OF_CONCERN,
               "dates": [d.isoformat() for d in letters]}
    if not letters:
        return Outcome(MISSING, "No letters of concern to the parents are listed: give the date of each letter in the "
                                f"school's sequence (at least {MIN_LETTERS_OF_CONCERN}).", source, details)
    noun = "letter" if len(before) == 1 else "letters"
    said = f"{len(before)} {noun} of concern dated before the referral on {format_date(on)}"
    if before:
        said += f" ({_dates(before)})"
    if late:
        said += f"; not counted, as not before the referral: {_dates(late)}"
    if len(before) >= MIN_LETTERS_OF_CONCERN:
        return Outcome(PASS, f"{said}; a sequence of at least {MIN_LETTERS_OF_CONCERN} is expected.", source, details)
    return Outcome(FAIL, f"{said}; the EWS expects a sequence of letters of concern, at least "
                         f"{MIN_LETTERS_OF_CONCERN}, before the referral.", source, details)


@rule("ews_meeting_invitation")
def ews_meeting_invitation(f: Facts) -> Outcome:
    """(d) "Inviting parents to a meeting in school" (002, Step 2; Step 2's first bullet: parents
    "should be encouraged to visit school to discuss attendance")."""
    source = f"{STEPS_SOURCE}: inviting parents to a meeting in school"
    when = f.date("meeting_invitation_date")
    if when is None:
        return Outcome(MISSING, "The date the parents were invited to a meeting in school is not given.", source)
    if (late := _before_referral(f, when, "The invitation to a meeting in school", source)) is not None:
        return late
    return Outcome(PASS, f"The parents were invited to a meeting in school on {format_date(when)}.", source)


@rule("ews_sao_home_visit")
def ews_sao_home_visit(f: Facts) -> Outcome:
    """(e) "The referral will only be accepted if the School Attendance Officer has undertaken a school
    meetings/ and home visits to speak with parents/carers" (002, Step 3), and "Undertaking home visits
    and speaking to the parents" (002, Step 2). Both passages name home visits, so at least one home
    visit by the SAO before the referral is required; the SAO's meetings in school are listed with
    them (the school's own invitation to a meeting is `ews_meeting_invitation`)."""
    source = ("002, Step 3: \"the School Attendance Officer has undertaken a school meetings/ and home visits to "
              "speak with parents/carers\"")
    on = f.referral_date
    visits = _dated_items(f, "sao_visits", lambda item: item.get("kind") == "home_visit")
    meetings = _dated_items(f, "sao_visits", lambda item: item.get("kind") == "school_meeting")
    before = [d for d in visits if d < on]
    met = [d for d in meetings if d < on]
    details = {"home_visits": len(before), "school_meetings": len(met)}
    also = f"; meetings in school: {_dates(met)}" if met else "; no meetings in school listed"
    if before:
        noun = "home visit" if len(before) == 1 else "home visits"
        return Outcome(PASS, f"The School Attendance Officer made {len(before)} {noun} before the referral "
                             f"({_dates(before)}){also}.", source, details)
    late = [d for d in visits if d >= on]
    if late:
        return Outcome(FAIL, f"The School Attendance Officer's home visit ({_dates(late)}) is not before the date of "
                             f"this referral ({format_date(on)}){also}: the EWS expects a home visit to speak with "
                             "the parents before the referral.", source, details)
    return Outcome(MISSING, f"No home visit by the School Attendance Officer is listed{also}: the referral is "
                            "accepted only once the SAO has visited the home to speak with the parents.",
                   source, details)


@rule("ews_medical_confirmation")
def ews_medical_confirmation(f: Facts) -> Outcome:
    """(f) "Challenging the outcome if not satisfactory – i.e. if absences for illness continue to be
    covered by notes – advise parents that medical confirmation is required" (002, Step 2). Applies
    only where illness absence continues to be covered by notes: the school answers yes, no, or not
    applicable."""
    source = f"{STEPS_SOURCE}: advise parents that medical confirmation is required"
    answer = f.text("medical_confirmation")
    if answer is None:
        return Outcome(MISSING, "The form does not say whether the parents were told that medical confirmation is "
                                "required where absences for illness continue to be covered by notes.", source)
    if answer == "not_applicable":
        return Outcome(PASS, "Not applicable: the school says absences for illness are not continuing to be covered "
                             "by notes.", source)
    if answer == "yes":
        return Outcome(PASS, "The parents were told that medical confirmation is required for absences for "
                             "illness.", source)
    return Outcome(FAIL, "Absences for illness continue to be covered by notes and the parents have not been told "
                         "that medical confirmation is required: tell them before referring.", source)


@rule("ews_registration_certificate")
def ews_registration_certificate(f: Facts) -> Outcome:
    """(g) "An up to date print out of the registration certificate should accompany the referral"
    (002, Step 3): attached, and printed on the referral date or in the [5] school days before it.
    School days are the register's open days where it has marks, and Monday to Friday less bank
    holidays beyond them (forms_service.register.schooldays: England's, which are also Wales's)."""
    source = (f"002, Step 3 (an up to date print out of the registration certificate); up to date is printed in "
              f"the {CERTIFICATE_SCHOOL_DAYS} school days before the referral (the service's reading: 002 gives no "
              "number)")
    supplied = {e.get("kind") if isinstance(e, dict) else e for e in f.items("evidence") or []}
    printed, on = f.date("registration_certificate_printed"), f.referral_date
    attached = "registration_certificate" in supplied
    made = certificate.covers(f) if not attached and f.register is not None else None
    if made is not None and made.covered:
        # Issue 21: the school's own print-out is not needed; the certificate is made from the marks when the
        # head signs, so it is printed on the date of the referral.
        return Outcome(PASS, f"The registration certificate is {certificate.MADE_FROM_REGISTER}, made when the head "
                             f"teacher signs the referral: {made.reason} (up to date: no more than "
                             f"{CERTIFICATE_SCHOOL_DAYS} school days before).", source,
                       {"made_from_register": made.to_dict(), "limit": CERTIFICATE_SCHOOL_DAYS})
    unmade = f" ({certificate.MADE_FROM_REGISTER} cannot stand for it: {made.reason})" if made is not None else ""
    if printed is None:
        also = "" if attached else ", and the print out is not attached"
        return Outcome(MISSING, f"The date the registration certificate was printed is not given{also}{unmade}.",
                       source)
    if printed > on:
        return Outcome(FAIL, f"The registration certificate is dated {format_date(printed)}, after the date of this "
                             f"referral ({format_date(on)}).", source)
    days = SchoolCalendar(f.register).between(printed, on)
    details = {"printed": printed.isoformat(), "school_days_before": days, "limit": CERTIFICATE_SCHOOL_DAYS}
    age = "on the date of the referral" if printed == on else \
        f"on {format_date(printed)}, {days} school day{'s' if days != 1 else ''} before the referral"
    if days > CERTIFICATE_SCHOOL_DAYS:
        return Outcome(FAIL, f"The registration certificate was printed {age}: print it again, no more than "
                             f"{CERTIFICATE_SCHOOL_DAYS} school days before the referral.", source, details)
    if not attached:
        return Outcome(MISSING, f"The registration certificate printed {age}, is not attached{unmade}.", source,
                       details)
    return Outcome(PASS, f"The registration certificate was printed {age}, and is attached (up to date: no more "
                         f"than {CERTIFICATE_SCHOOL_DAYS} school days before).", source, details)
