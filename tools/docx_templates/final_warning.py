"""The Final Warning Letter – Penalty Notice Warning Letter (003, Appendix 4), one per parent/carer.

Same words as templates/html/print/final-warning.html. The penalty amounts are values from the
context (forms_service/documents/form_contexts/final_warning.py), not the seed's £60/£120: the seed predates
The Education (Penalty Notices) (England) (Amendment) Regulations 2024. A letter is never marked
DRAFT (the common context marks only referrals, so the shared footer shows no status). Every fixed
sentence is a message (issue 19: the letter is used in Wales too), in the parent's language.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "final-warning.docx"


def build(path: Path):
    doc = dx.letter_head("Penalty Notice Warning Letter")

    dx.paragraph(doc, "{% trans name=recipient.name %}Dear {{ name }}{% endtrans %}")

    heading = doc.add_paragraph("{% trans %}Penalty Notice Warning Letter - The Anti-Social Behaviour Act 2003 "
                                "Section 23(1){% endtrans %}", style="Heading 1")
    for run in heading.runs:
        run.font.size = Pt(11)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(8)

    dx.paragraph(doc, "{% trans child=pupil.name, born=pupil.date_of_birth, school=school_name %}This is to inform "
                      "you that your child, {{ child }}, date of birth {{ born }}, a registered pupil at {{ school }}, "
                      "is not in regular attendance at school.{% endtrans %}")

    # The plan's heading names the meeting, and its date when given (the seed's wording before either is).
    dx.paragraph(doc, "{% if letter.fast_track and letter.meeting_date %}{% trans date=letter.meeting_date %}"
                      "Plan agreed at the Fast Track Attendance Support meeting on {{ date }}:{% endtrans %}"
                      "{% elif letter.fast_track %}{% trans %}Plan agreed at the Fast Track Attendance "
                      "Support meeting:{% endtrans %}"
                      "{% elif letter.fast_track == false and letter.meeting_date %}{% trans date=letter.meeting_date %}"
                      "Plan agreed at the Attendance Panel on {{ date }}:{% endtrans %}"
                      "{% elif letter.fast_track == false %}{% trans %}Plan agreed at the Attendance Panel:{% endtrans %}"
                      "{% else %}{% trans %}Plan agreed at the Attendance Panel / Fast Track Attendance Support "
                      "meeting:{% endtrans %}{% endif %}")
    dx.paragraph(doc, "{%p for action in letter.plan %}")
    doc.add_paragraph("{{ action }}", style="List Bullet")
    dx.paragraph(doc, "{%p endfor %}")

    dx.paragraph(doc, "{% trans %}If your child has a further unauthorised absence in the next 10 school weeks the "
                      "local authority will, without further reference to you, consider issuing a penalty notice to "
                      "each parent.{% endtrans %}")

    # Amounts in force on the letter's date, from the rules (not the seed's out-of-date £60/£120).
    dx.paragraph(doc, "{% trans lower=letter.amounts.lower, lower_days=letter.amounts.lower_days, "
                      "higher=letter.amounts.higher, higher_days=letter.amounts.higher_days, la=la_name %}"
                      "The Penalty Notice is {{ lower }} for each child identified in this letter, to be paid within "
                      "{{ lower_days }} days. If the Penalty Notice is not paid within the time scale the penalty "
                      "will increase to {{ higher }} per child. If the higher penalty is not paid within "
                      "{{ higher_days }} days, {{ la }} will then institute legal proceedings against you in the "
                      "magistrate's court under Section 444 of the Education Act 1996 for failing to ensure your "
                      "child attends school regularly.{% endtrans %}"
                      "{% if letter.amounts.second.amount %} {% trans years=letter.amounts.second.years, "
                      "amount=letter.amounts.second.amount, days=letter.amounts.second.days %}A second Penalty "
                      "Notice issued to the same parent for the same child within {{ years }} years is {{ amount }}, "
                      "to be paid within {{ days }} days.{% endtrans %}"
                      "{% elif letter.amounts.second.amounts %} {% trans years=letter.amounts.second.years, "
                      "amounts=letter.amounts.second.amounts %}A second Penalty Notice issued to the same parent for "
                      "the same child within {{ years }} years is {{ amounts }}.{% endtrans %}{% endif %}")

    dx.paragraph(doc, "{% trans date=letter.contact_by %}Please contact me by {{ date }} to discuss if there are any "
                      "exceptional circumstances that you feel should be taken into consideration before referring "
                      "the case to the Local Authority for the issue of Penalty Notices.{% endtrans %}")

    signoff = dx.paragraph(doc, "{% trans %}Yours sincerely{% endtrans %}")
    signoff.paragraph_format.space_before = Pt(14)
    signoff.paragraph_format.space_after = Pt(34)  # room for a handwritten signature
    signoff.paragraph_format.keep_with_next = True
    name = dx.paragraph(doc, "{{ letter.head_teacher_name }}")
    name.paragraph_format.space_after = Pt(0)
    name.paragraph_format.keep_with_next = True
    dx.paragraph(doc, "{% trans %}Head Teacher{% endtrans %}")

    doc.save(path)
