"""The Education Welfare Officer's Final Warning to a parent (002, Step 4). The seed describes this
letter but does not reproduce it: the text is the service's own. Same words as
templates/html/print/ews-final-warning.html (tests compare them), every fixed sentence translatable."""
from __future__ import annotations

from pathlib import Path

from . import common as dx, ewo_letter_parts as ewo, notice_parts as parts
from .ewo_letter_parts import t

NAME = "ews-final-warning.docx"


def build(path: Path):
    doc = ewo.letter_head("Final Warning")
    dx.paragraph(doc, t("This is a Final Warning about the attendance at school of your child, {{ child }}. Their "
                        "attendance has not improved enough since the Education Welfare Service began working with "
                        "you.", child="pupil.name"))
    parts.summary(doc, ewo.child_rows() + ewo.attendance_rows()
                  + [(t("Attendance reviewed on"), "{{ letter.review_on }}")])
    dx.paragraph(doc)

    ewo.heading(doc, "Legal action may be started")
    dx.paragraph(doc, t("If your child's attendance does not improve, the local authority may start legal action "
                        "against you. This may be a penalty notice or prosecution in the magistrates' court under "
                        "section 444 of the Education Act 1996."), bold=True)

    ewo.heading(doc, "What happens next")
    dx.paragraph(doc, t("Your child's attendance will be reviewed on {{ review }}. If it has not improved by then, the "
                        "Education Welfare Service will review the case and may invite you to a Pre-Court Meeting, "
                        "the step before legal proceedings.", review="letter.review_on"))
    dx.paragraph(doc, t("If there is a reason why your child is not attending school regularly, or anything that would "
                        "help them to attend, please tell me now."))
    ewo.contact(doc)
    ewo.signoff(doc)
    doc.save(path)
