"""The Peterborough Diocese Education Trust's letter of concern at attendance below 96% (001, Appendix B1
and 6.3), one per parent/carer. The seed describes the letter but does not reproduce it: this text is the
service's own.

Same words as templates/html/print/attendance-concern-letter.html (tests compare them); the parts both B1
letters share are in b1_letter_parts.py. Values come from
forms_service/documents/form_contexts/attendance_concern_letter.py. A letter is never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from . import b1_letter_parts as b1, common as dx

NAME = "attendance-concern-letter.docx"


def build(path: Path):
    doc = dx.letter_head("Letter about your child's attendance")
    b1.opening(doc)
    dx.paragraph(doc, "I am writing because we are concerned about {{ letter.child }}'s level of absence from "
                      "school and its impact on {{ letter.child }}'s learning.")
    b1.attendance(doc)
    dx.paragraph(doc, "If {{ letter.child }}'s attendance falls {{ letter.high_level }}, we will write to ask you to "
                      "a meeting, at which attendance targets will be set.")
    dx.paragraph(doc, "If something is making it difficult for {{ letter.child }} to come to school, at home or in "
                      "school, please tell us: we want to work with you to help. Please contact "
                      "{{ letter.contact_name }} on {{ letter.contact_details }}.")
    dx.signoff(doc, "{{ letter.sender_name }}", "{{ letter.sender_role }}")
    doc.save(path)
