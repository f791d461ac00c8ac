"""The letter home on the third consecutive day of unauthorised absence, or a letter of concern in
the sequence sent before the School Attendance Officer is formally involved (002, Steps 1-2).

002, Step 1 (Good practice at Step 1): "Sending a letter home on the 3rd consecutive day of
unauthorised absence." 002, Good Practice before Step 3: "the school sending a sequence of letters
of concern to the parents before formally involving the SAO; Inviting parents to a meeting in
school; Offering help and support in the first instance ... if absences for illness continue to be
covered by notes - advise parents that medical confirmation is required." The seed describes these
letters but does not reproduce them: their text is the service's own, in the templates
(templates/html/print/sao-concern-letter.html, tools/docx_templates/sao_concern_letter.py), every
fixed sentence translatable for the parent's language (Welsh Language Standards).

One letter per parent or carer: `build_context(..., recipient=i)` gives the `recipient`; this module
adds the letter's values, ready to print. The letter is the school's, signed by the member of staff
named on the form; it is never marked DRAFT.
"""
from __future__ import annotations

from collections.abc import Mapping

from ...dates import as_date
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, figure_text, shown, time_text

LETTER_TYPES = ("third_day", "concern_first", "concern_second", "concern_final")


def _optional_date(value) -> str:
    return date_text(value) if as_date(value) is not None else ""


@extra("sao-concern-letter")
def sao_concern_letter_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    chosen = data.get("letter_type")
    # A preview before the choice is made shows the third-day letter, the first the seed names.
    letter_type = chosen if chosen in LETTER_TYPES else "third_day"
    absence, meeting, sender = (as_mapping(data.get(key)) for key in ("absence", "meeting", "sender"))
    figures = as_mapping(data.get("figures"))
    meeting_date = _optional_date(meeting.get("date"))
    attendance = figure_text(figures.get("attendance_pct"), "%")
    return {
        "letter": {
            "type": letter_type,
            "date": date_text(data.get("letter_date")),
            "first_day": date_text(absence.get("first_day")),
            # Blank while the child is still absent: the letter then says "since".
            "last_day": _optional_date(absence.get("last_day")),
            "attendance": "" if attendance == NOT_GIVEN else attendance,
            "medical_confirmation": data.get("medical_confirmation") is True,
            "meeting": {
                "date": meeting_date,
                "time": time_text(meeting.get("time")) if meeting_date and clean_text(meeting.get("time")) else "",
                "place": clean_text(meeting.get("place")) if meeting_date else "",
            },
            "sao_name": shown(data.get("sao_name")),
            "contact": shown(data.get("contact_details")),
            "sender_name": shown(sender.get("name")),
            "sender_role": shown(sender.get("role")),
        },
    }
