"""Notice to Improve, issued by the local authority to a parent (000, Stage 3A), with what Working
together to improve school attendance (2024) says a notice to improve includes.

Same words as templates/html/print/notice-to-improve.html (tests compare them); the shared head, the
attendance record and the officer's line are in notice_parts.py, as _notice.html is for the print
template. Every value comes from the context, ready to print.
"""
from __future__ import annotations

from pathlib import Path

from . import common as dx, notice_parts as parts

NAME = "notice-to-improve.docx"


def build(path: Path):
    doc = parts.notice_head("Notice to Improve")

    dx.paragraph(doc, "This is a formal notice from {{ la.name }} that the attendance at school of your child, "
                      "{{ pupil.name }}, is not acceptable. It gives you a final opportunity to improve your "
                      "child's attendance so as to avoid a penalty notice (a fine). It also tells you where you "
                      "can get support.")
    parts.summary(doc, (
        ("Child", "{{ pupil.name }}"),
        ("Date of birth", "{{ pupil.date_of_birth }}"),
        ("Child's address", "{{ pupil.address }}"),
        ("School", "{{ school_name }}"),
    ))

    doc.add_paragraph("Your child's attendance", style="Heading 2")
    parts.attendance_record(doc)

    doc.add_paragraph("Why regular attendance matters", style="Heading 2")
    dx.paragraph(doc, "Being in school every day helps your child to learn, to make progress, to make and keep "
                      "friends and to feel part of the school. Every session missed is learning missed, and it is "
                      "hard to catch up. Good attendance habits also help your child later in life, in further "
                      "education and at work.")

    doc.add_paragraph("Your legal duty as a parent", style="Heading 2")
    dx.paragraph(doc, "Under section 7 of the Education Act 1996 the parent of every child of compulsory school age "
                      "must cause the child to receive efficient full-time education suitable to the child's age, "
                      "ability and aptitude and to any special educational needs the child may have, either by "
                      "regular attendance at school or otherwise.")
    dx.paragraph(doc, "Under section 444(1) of the Education Act 1996, if a child of compulsory school age who is "
                      "a registered pupil at a school fails to attend regularly at the school, the child's parent "
                      "is guilty of an offence.")

    doc.add_paragraph("Support", style="Heading 2")
    dx.paragraph(doc, "The support you and your child have already been given:")
    parts.bullets(doc, "item in nti.support_given")
    dx.paragraph(doc, "The further support on offer to you and your child:")
    parts.bullets(doc, "item in nti.support_offered")
    dx.paragraph(doc, "To ask for support, or to tell us about anything that makes it hard for your child to attend "
                      "school, contact {{ la.name }} on {{ la.telephone }} or at {{ la.email }}, or speak to "
                      "{{ school_name }}.")

    doc.add_paragraph("The improvement period", style="Heading 2")
    dx.paragraph(doc, "Your child's attendance must improve during the improvement period: {{ nti.period }}, from "
                      "{{ nti.period_start }} to {{ nti.period_end }}.")
    dx.paragraph(doc, "What sufficient improvement means: {{ nti.sufficient }}")

    doc.add_paragraph("If your child's attendance does not improve", style="Heading 2")
    dx.paragraph(doc, "If your child's attendance does not improve sufficiently within the improvement period, a "
                      "penalty notice may be issued to you, or prosecution under section 444(1) of the Education "
                      "Act 1996 may be considered.", bold=True)

    doc.add_paragraph("A penalty notice before the improvement period ends", style="Heading 2")
    dx.paragraph(doc, "{%p if nti.early_grounds %}")
    dx.paragraph(doc, "{{ nti.early_grounds }}")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "No penalty notice will be issued before the improvement period ends.")
    dx.paragraph(doc, "{%p endif %}")

    parts.issued_by(doc)
    parts.basis(doc, "{{ nti.source }}")

    doc.save(path)
