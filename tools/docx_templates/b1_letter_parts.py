"""What the Peterborough Diocese Education Trust's two Appendix B1 letters share (001, Appendix B1 and 6.3),
the same words as templates/html/print/_b1_letter.html: the salutation and heading, and the child's
attendance this school year against the trust's level with what the levels mean in days of learning lost.
Used by attendance_concern_letter.py and high_absence_letter.py."""
from __future__ import annotations

from docx.shared import Pt

from . import common as dx


def opening(doc):
    """"Dear ..." and "Re: <the child>"."""
    dx.paragraph(doc, "{{ recipient.salutation }}")
    heading = doc.add_paragraph("Re: {{ pupil.name }}", style="Heading 1")
    for run in heading.runs:
        run.font.size = Pt(11)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(8)


def attendance(doc):
    """The child's attendance this school year, the trust's level, and the days of learning lost."""
    dx.paragraph(doc, "{{ letter.child }}'s attendance this school year, calculated cumulatively from the start of "
                      "the school year up to {{ letter.date }}, is {{ letter.attendance }}. The {{ letter.trust }}'s "
                      "attendance policy asks its academies to write to parents when a pupil's attendance is "
                      "{{ letter.level }}.")
    dx.paragraph(doc, "Every day missed is learning missed. There are {{ letter.year_days }} school days in a school "
                      "year: attendance of {{ letter.concern_pct }} means missing {{ letter.concern_days }} of "
                      "learning over a year, and attendance of {{ letter.high_pct }} means missing "
                      "{{ letter.high_days }}.{% if letter.days_lost %} If {{ letter.child }}'s attendance stays at "
                      "{{ letter.attendance }}, {{ letter.child }} will miss about {{ letter.days_lost }} of school "
                      "this year.{% endif %}")
