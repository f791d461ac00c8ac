"""The Education Welfare Officer's invitation to a Pre-Court Meeting (002, Step 4, "Instigating a
Pre-Court Meeting"). The seed describes this letter but does not reproduce it: the text is the service's
own. Same words as templates/html/print/pre-court-invitation.html (tests compare them), every fixed
sentence translatable; the meeting's date, time and place are the officer's."""
from __future__ import annotations

from pathlib import Path

from . import common as dx, ewo_letter_parts as ewo, notice_parts as parts
from .ewo_letter_parts import t

NAME = "pre-court-invitation.docx"


def build(path: Path):
    doc = ewo.letter_head("Invitation to a Pre-Court Meeting")
    dx.paragraph(doc, t("The attendance of your child, {{ child }}, at {{ school }} has not improved since the Final "
                        "Warning. The Education Welfare Service is considering legal proceedings, and invites you and "
                        "{{ child }} to a Pre-Court Meeting.", child="pupil.name", school="school_name"))
    parts.summary(doc, ewo.child_rows() + [(t("Date of the meeting"), "{{ letter.meeting_on }}"),
                                           (t("Time"), "{{ letter.meeting_time }}"),
                                           (t("Place"), "{{ letter.meeting_place }}")])
    dx.paragraph(doc)

    ewo.heading(doc, "Who will be at the meeting")
    dx.paragraph(doc, t("You and {{ child }} are invited. A representative of {{ school }} and others who work with "
                        "your family or your child may also be invited.", child="pupil.name", school="school_name"))
    dx.paragraph(doc, t("You may have a legal representative at this meeting."))

    ewo.heading(doc, "If you do not attend")
    dx.paragraph(doc, t("If you do not attend this meeting without an acceptable reason, or if you behave unreasonably "
                        "or aggressively and do not co-operate, court papers will automatically be issued, and your "
                        "not attending the meeting will be used as evidence of a lack of engagement."), bold=True)
    dx.paragraph(doc, t("If you cannot come at this time, please contact me before the meeting to tell me why."))
    ewo.contact(doc)
    ewo.signoff(doc)
    doc.save(path)
