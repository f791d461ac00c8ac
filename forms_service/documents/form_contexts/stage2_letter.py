"""The Stage 2 Letter (000, Appendix 7: Stage 2 – Getting Help of the Attendance Intervention Staged
Process). One letter per parent or carer: `build_context(..., recipient=i)` gives the `recipient` it is
addressed to; this module adds the letter's own words.

The seed is a template with "delete as appropriate" choices, resolved here from the form's answers:
- `engagement`: the "previous meeting" paragraph, or the "6 weeks of unsuccessful attempts" one;
- `next_step`: the further School Attendance Meeting paragraph (time, date, and "[and Forename of
  child]" when the child is invited), or – where the child is already in a TAC/TAF or Child
  Protection process – the paragraph naming the Team Around the Child / Team Around the Family /
  Core Group process.
The seed's "Stockport Council" is the context's `la_name`, "[school name]" its `school_name`.

Letters are not signed through the referral sign-off: the signatory's name and role are typed on the
form. The common context never marks a letter as a DRAFT (only referrals are signed off).
"""
from __future__ import annotations

from collections.abc import Mapping

from ...dates import as_date
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, figure_text, shown, time_text

PROCESSES = {
    "team_around_the_child": "Team Around the Child",
    "team_around_the_family": "Team Around the Family",
    "core_group": "Core Group process",
}
# What a preview shows before the question is answered: the seed's own wording.
PROCESS_UNANSWERED = "Team Around the Child / Team Around the Family / Core Group process"


# Where the school writes the time in by hand (letters to many families with no slots given):
# long enough for "10:45am" in ink.
WRITE_IN = "__________"


def _when(meeting: Mapping) -> str:
    """"10:30am on Tuesday 17 March 2026"; with a date but no time, "Tuesday 17 March 2026 at
    __________", a line for the time to be written in (a single letter cannot be made without its
    time; letters to many families may leave it to the school)."""
    day = as_date(meeting.get("date"))
    day_text = f"{day.strftime('%A')} {date_text(day)}" if day else NOT_GIVEN
    time = clean_text(meeting.get("time"))
    if not time:
        return f"{day_text} at {WRITE_IN}" if day else day_text
    return f"{time_text(time)} on {day_text}"


def _figure(value) -> str:
    return figure_text(value)


@extra("stage2-letter")
def stage2_letter_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    pupil = as_mapping(data.get("pupil"))
    child = clean_text(pupil.get("first_name")) or "your child"
    figures = as_mapping(data.get("figures"))
    meeting = as_mapping(data.get("meeting"))
    signatory = as_mapping(data.get("signatory"))
    engagement = data.get("engagement")
    next_step = data.get("next_step")
    return {
        "letter": {
            "date": date_text(data.get("letter_date")),
            "child": child,  # the seed's "[forename of child]", "XX", "XXX"
            "figures": {
                "attendance_pct": figure_text(figures.get("attendance_pct"), "%"),
                "days_missed": _figure(figures.get("days_missed")),
                "broken_weeks": _figure(figures.get("broken_weeks")),
                "weeks": _figure(figures.get("weeks")),
            },
            # Unanswered (a preview): neither paragraph of the choice is left out, as in the seed.
            "previous_meeting": engagement in ("previous_meeting", None),
            "unsuccessful_attempts": engagement in ("unsuccessful_attempts", None),
            "meeting": next_step in ("meeting", None),
            "in_process": next_step != "meeting",
            "process": PROCESSES.get(next_step, PROCESS_UNANSWERED),
            "meeting_when": _when(meeting),
            "child_invited": meeting.get("child_invited") is True,
            "signatory_name": shown(signatory.get("name")),
            "signatory_role": shown(signatory.get("role")),
        },
    }
