"""Model letters to parents about attendance (000, Appendix 6), one per parent/carer: the general
message about the importance of attendance, absence due to lateness, or absence due to school
worries, chosen by `letter.type`.

Same words as templates/html/print/model-letter.html. The seed's gaps are context values
(forms_service/documents/form_contexts/model_letter.py).
A letter is never marked DRAFT (the common context marks only referrals, so the shared footer
shows no status).
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "model-letter.docx"

GENERAL = [
    "We need your help, please.",
    "{{ pupil.name }} has been absent for {{ letter.days_missed }} of school, which is equal to "
    "{{ letter.lessons_missed }} missed so far this school year.",
    "We know that sometimes our pupils cannot come to school because they are really unwell - and that's the "
    "right thing to do for them and other students. Medical advice is clear however that children with mild "
    "illness will often be well enough to attend - for example if they have a cough, or cold, without a "
    "temperature. The NHS guidance Is my child too ill for school? - NHS (www.nhs.uk) is designed to support "
    "parents in their decision making about mild illness.",
    "We also know that pupils fall behind their friends and classmates when they miss school. At "
    "{{ school_name }} we want the amount of missed education to be reduced as much as possible. We believe "
    "that our community is stronger together, with all of our pupils in school, on time, every day. We are "
    "building life skills, life-long friendships and preparing your child for future success.",
    "We also know that you can have a significant effect on {{ pupil.name }}'s absences this academic year and "
    "we would really appreciate your help and support ensuring that {{ pupil.name }} comes to school every day "
    "so that they can get the best possible outcomes. We want to work with you to achieve this \u2013 please call "
    "or come in and meet {{ pupil.name }}'s class teacher or tutor if there is anything we can do to support "
    "you or your child. We appreciate that every family's situation is unique.",
    "We will be in touch again to request a meeting with you if we have ongoing concerns about your child's "
    "attendance.",
]

LATENESS = [
    "We have noticed that {{ pupil.name }} is often absent in the mornings.",
    "We know that mornings can be difficult for some pupils, and we are keen to help to improve "
    "{{ pupil.name }}'s attendance.",
    "We would love to talk to you to discuss avenues for support to help {{ pupil.name }} attend school well. "
    "Please contact {{ letter.contact }} to make an appointment or arrange a phone call.",
]

SCHOOL_WORRIES = [
    "{{ pupil.name }} was absent for {{ letter.lessons_missed }} due to exam worries so far this school year.",
    "We know that parents worry about their children's mental health. Parents and carers must remember that "
    "mild anxiety, whilst sometimes a difficult emotion, is normal. In many instances, attendance at school may "
    "serve to help with the underlying issue more than being away from school, which might exacerbate it. "
    "Rather than keeping {{ pupil.name }} away from school during this time we would much rather you encourage "
    "your child to attend school and you let us know about your worries so that we can work together on "
    "supporting your child.",
    "It is important to us that all children feel safe and supported when attending school and we are keen to "
    "work with you to ensure that {{ pupil.name }} feels this way when attending school.",
    "We would love to meet with you to discuss avenues for support. Please contact {{ letter.contact }} to make "
    "an appointment or arrange a phone call.",
]


def build(path: Path):
    doc = dx.letter_head("Letter about attendance")

    dx.paragraph(doc, "Dear Parent/Carer of {{ pupil.name }}")

    # The chosen letter only: each {%p %} tag alone in its own paragraph.
    for letter_type, paragraphs in (("general", GENERAL), ("lateness", LATENESS),
                                    ("school_worries", SCHOOL_WORRIES)):
        dx.paragraph(doc, f'{{%p if letter.type == "{letter_type}" %}}')
        for text in paragraphs:
            dx.paragraph(doc, text)
        dx.paragraph(doc, "{%p endif %}")

    signoff = dx.paragraph(doc, "Kind regards")
    signoff.paragraph_format.space_before = Pt(14)
    signoff.paragraph_format.space_after = Pt(34)  # room for a handwritten signature
    signoff.paragraph_format.keep_with_next = True
    name = dx.paragraph(doc, "{{ letter.sender_name }}")
    name.paragraph_format.space_after = Pt(0)
    name.paragraph_format.keep_with_next = True
    dx.paragraph(doc, "{{ letter.sender_role }}")

    doc.save(path)
