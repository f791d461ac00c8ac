"""The Peterborough Diocese Education Trust's letter of concern at attendance below 96% (001, Appendix B1:
"At the Headteacher's discretion notification (via a letter or through an app) to be sent to parents
informing them of concerns regarding level of absence and impact on learning"). One letter per parent or
carer: `build_context(..., recipient=i)` gives the `recipient`; this module adds the letter's values, from
the answers and the trust's profile (b1_letters.py). The seed describes the letter without reproducing it:
its text is the service's own. The letter is the academy's, signed by the headteacher named on the form;
it is never marked DRAFT.
"""
from __future__ import annotations

from collections.abc import Mapping

from ...policies import Policy
from ..values import extra
from .b1_letters import CONCERN_LETTER, level_text, shared


@extra(CONCERN_LETTER, by_profile=True)
def attendance_concern_letter_context(form: Mapping, data: Mapping, verdict: Mapping, profile: Policy) -> dict:
    return {"letter": {**shared(data, profile), "level": level_text(profile, CONCERN_LETTER)}}
