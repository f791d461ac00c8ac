"""The Peterborough Diocese Education Trust's letter at attendance below 90% (001, Appendix B1: "Letter to
be sent to parents informing them of a high level of absence accompanied by request for a meeting.
Attendance targets to be set at meeting."). One letter per parent or carer: `build_context(...,
recipient=i)` gives the `recipient`; this module adds the letter's values. The seed describes the letter
without reproducing it: its text is the service's own.

Besides the meeting, the letter tells parents the trust's duties that bind them while attendance is this
low, each number from the profile (b1_letters.py): evidence of medical and dental appointments below 90%
(`appointment_evidence.below_pct`, 001 6.2), the register closing 30 minutes after the morning session
starts (`register_closes.minutes`, 001 6.2: L within them, U after), and what follows if the targets are
not met, the 6-week academy parenting contract (`parent_contract_period.weeks`, Appendix B1). The letter
is the academy's, signed by the headteacher named on the form; it is never marked DRAFT.
"""
from __future__ import annotations

from collections.abc import Mapping

from ...dates import as_date
from ...policies import Policy
from ..values import NOT_GIVEN, as_mapping, date_text, extra, shown, time_text
from .b1_letters import HIGH_ABSENCE_LETTER, level_text, shared


def _day(value) -> str:
    """"Tuesday 10 March 2026"."""
    day = as_date(value)
    return f"{day.strftime('%A')} {date_text(day)}" if day else NOT_GIVEN


@extra(HIGH_ABSENCE_LETTER, by_profile=True)
def high_absence_letter_context(form: Mapping, data: Mapping, verdict: Mapping, profile: Policy) -> dict:
    meeting = as_mapping(data.get("meeting"))
    return {
        "letter": {
            **shared(data, profile),
            "level": level_text(profile, HIGH_ABSENCE_LETTER),
            "meeting": {
                "date": _day(meeting.get("date")),
                "time": time_text(meeting.get("time")),
                "place": shown(meeting.get("place")),
                "with": shown(meeting.get("with")),
            },
            "evidence_pct": f"{profile.param('appointment_evidence', 'below_pct'):g}%",
            "register_minutes": f"{profile.param('register_closes', 'minutes'):g}",
            "contract_weeks": f"{profile.param('parent_contract_period', 'weeks'):g}",
        },
    }
