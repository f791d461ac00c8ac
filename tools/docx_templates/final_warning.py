"""The Final Warning Letter – Penalty Notice Warning Letter (003, Appendix 4), one per parent/carer.

Same words as templates/html/print/final-warning.html. The penalty amounts are values from the
context (forms_service/documents/form_contexts/final_warning.py), not the seed's £60/£120: the seed predates
The Education (Penalty Notices) (England) (Amendment) Regulations 2024. A letter is never marked
DRAFT (the common context marks only referrals, so the shared footer shows no status).
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "final-warning.docx"


def build(path: Path):
    doc = dx.letter_head("Penalty Notice Warning Letter")

    dx.paragraph(doc, "{{ recipient.salutation }}")

    heading = doc.add_paragraph(
        "Penalty Notice Warning Letter - The Anti-Social Behaviour Act 2003 Section 23(1)", style="Heading 1")
    for run in heading.runs:
        run.font.size = Pt(11)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(8)

    dx.paragraph(doc, "This is to inform you that your child, {{ pupil.name }}, date of birth "
                      "{{ pupil.date_of_birth }}, a registered pupil at {{ school_name }}, is not in regular "
                      "attendance at school.")

    dx.paragraph(doc, "{{ letter.plan_heading }}")
    dx.paragraph(doc, "{%p for action in letter.plan %}")
    doc.add_paragraph("{{ action }}", style="List Bullet")
    dx.paragraph(doc, "{%p endfor %}")

    dx.paragraph(doc, "If your child has a further unauthorised absence in the next 10 school weeks the local "
                      "authority will, without further reference to you, consider issuing a penalty notice to "
                      "each parent.")

    # Amounts in force on the letter's date, from the rules (not the seed's out-of-date £60/£120).
    dx.paragraph(doc, "The Penalty Notice is {{ letter.amounts.lower }} for each child identified in this letter, "
                      "to be paid within {{ letter.amounts.lower_days }} days. If the Penalty Notice is not paid "
                      "within the time scale the penalty will increase to {{ letter.amounts.higher }} per child. "
                      "If the higher penalty is not paid within {{ letter.amounts.higher_days }} days, "
                      "{{ la_name }} will then institute legal proceedings against you in the magistrate's court "
                      "under Section 444 of the Education Act 1996 for failing to ensure your child attends "
                      "school regularly.{% if letter.amounts.second_notice %} "
                      "{{ letter.amounts.second_notice }}{% endif %}")

    dx.paragraph(doc, "Please contact me by {{ letter.contact_by }} to discuss if there are any exceptional "
                      "circumstances that you feel should be taken into consideration before referring the case "
                      "to the Local Authority for the issue of Penalty Notices.")

    signoff = dx.paragraph(doc, "Yours sincerely")
    signoff.paragraph_format.space_before = Pt(14)
    signoff.paragraph_format.space_after = Pt(34)  # room for a handwritten signature
    signoff.paragraph_format.keep_with_next = True
    name = dx.paragraph(doc, "{{ letter.head_teacher_name }}")
    name.paragraph_format.space_after = Pt(0)
    name.paragraph_format.keep_with_next = True
    dx.paragraph(doc, "Head Teacher")

    doc.save(path)
