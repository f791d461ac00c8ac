"""The Peterborough Diocese Education Trust's letter about a high level of absence, with a request for a
meeting (001, Appendix B1: attendance below 90%; 6.2 and 6.3), one per parent/carer. The seed describes
the letter but does not reproduce it: this text is the service's own.

Same words as templates/html/print/high-absence-letter.html (tests compare them); the parts both B1
letters share are in b1_letter_parts.py. Values come from
forms_service/documents/form_contexts/high_absence_letter.py, every number from the trust's profile.
A letter is never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import b1_letter_parts as b1, common as dx

NAME = "high-absence-letter.docx"


def build(path: Path):
    doc = dx.letter_head("Letter about your child's high level of absence")
    b1.opening(doc)
    dx.paragraph(doc, "I am writing to let you know that {{ letter.child }} has a high level of absence from school.")
    b1.attendance(doc)
    dx.paragraph(doc, "I would like to meet you to talk about {{ letter.child }}'s attendance: to understand anything "
                      "that is making it difficult for {{ letter.child }} to come to school, and to agree how we can "
                      "work together to improve it. At the meeting we will set attendance targets for "
                      "{{ letter.child }}.")
    for line in ("When: {{ letter.meeting.time }} on {{ letter.meeting.date }}", "Where: {{ letter.meeting.place }}"):
        dx.paragraph(doc, line).paragraph_format.space_after = Pt(2)
    dx.paragraph(doc, "You will meet: {{ letter.meeting.with }}")
    dx.paragraph(doc, "If you cannot come at this time, please contact {{ letter.contact_name }} on "
                      "{{ letter.contact_details }} as soon as possible to arrange another.")
    dx.paragraph(doc, "While {{ letter.child }}'s attendance is below {{ letter.evidence_pct }}, evidence of every "
                      "medical or dental appointment in the school day must be provided, such as the appointment card "
                      "or letter.")
    dx.paragraph(doc, "Please also make sure that {{ letter.child }} arrives on time. The register closes "
                      "{{ letter.register_minutes }} minutes after the morning session starts: arriving within those "
                      "{{ letter.register_minutes }} minutes is marked late (code L), and arriving after the register "
                      "has closed is marked as unauthorised absence (code U) for the whole morning session.")
    dx.paragraph(doc, "If the attendance targets are not met, we will invite you to a formal attendance meeting "
                      "supported by the local authority's Attendance Officer, and an academy parenting contract will "
                      "be put in place for {{ letter.contract_weeks }} weeks.")
    dx.signoff(doc, "{{ letter.sender_name }}", "{{ letter.sender_role }}")
    doc.save(path)
