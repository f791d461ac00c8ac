"""The Education Welfare Officer's Initial Warning to a parent (002, Step 3). The seed describes this
letter but does not reproduce it: the text is the service's own. Same words as
templates/html/print/initial-warning.html (tests compare them), every fixed sentence translatable; the
penalty notice's amounts are values from the context (rules/law.py), never written here."""
from __future__ import annotations

from pathlib import Path

from . import common as dx, ewo_letter_parts as ewo, notice_parts as parts
from .ewo_letter_parts import t

NAME = "initial-warning.docx"


def build(path: Path):
    doc = ewo.letter_head("Initial Warning")
    dx.paragraph(doc, t("{{ school }} has referred your child, {{ child }}, to the Education Welfare Service because "
                        "of concerns about their attendance at school. I am the Education Welfare Officer who will "
                        "work with you, your child and the school to improve it.",
                        school="school_name", child="pupil.name"))
    parts.summary(doc, ewo.child_rows() + ewo.attendance_rows())
    dx.paragraph(doc)
    dx.paragraph(doc, t("This letter is an Initial Warning. It reminds you of your responsibilities as a parent and of "
                        "the legal action that may follow if your child's attendance does not improve."))

    ewo.heading(doc, "Your responsibilities as a parent")
    dx.paragraph(doc, t("Under section 7 of the Education Act 1996, the parent of every child of compulsory school "
                        "age must make sure that the child receives efficient full-time education suitable to their "
                        "age, ability and aptitude and to any learning needs they may have, either by regular "
                        "attendance at school or otherwise."))
    dx.paragraph(doc, t("Your child is a registered pupil at {{ school }}, so you must make sure that they attend "
                        "school regularly.", school="school_name"))

    ewo.heading(doc, "What may happen if your child's attendance does not improve")
    dx.paragraph(doc, t("If your child does not attend school regularly, you may be prosecuted in the magistrates' "
                        "court under section 444 of the Education Act 1996:"))
    parts.fixed_bullets(doc, [
        t("Under section 444(1), if a child of compulsory school age who is a registered pupil at a school fails to "
          "attend regularly at the school, the parent is guilty of an offence. The court may fine the parent up to "
          "level 3 on the standard scale."),
        t("Under section 444(1A), if the parent knows that the child is failing to attend regularly and fails to make "
          "the child attend, the parent is guilty of a more serious offence, unless they had a reasonable "
          "justification. The court may fine the parent up to level 4 on the standard scale, or sentence them to up "
          "to three months' imprisonment, or both."),
    ])
    dx.paragraph(doc, t("Instead of prosecution, the local authority may issue you with a penalty notice. A penalty "
                        "notice is {{ lower }} if paid within {{ lower_days }} days of receiving it, rising to "
                        "{{ higher }} if paid within {{ higher_days }} days. If it is not paid, you may be prosecuted "
                        "under section 444 of the Education Act 1996.", lower="letter.lower",
                        lower_days="letter.lower_days", higher="letter.higher", higher_days="letter.higher_days"))
    dx.paragraph(doc, t("Penalty notices are issued under {{ regulations }}.", regulations="letter.regulations"))

    ewo.heading(doc, "Help and support")
    dx.paragraph(doc, t("Please talk to me about anything that makes it hard for your child to attend school. I can "
                        "work with you, your child and the school on a plan to improve attendance, and help you get "
                        "support from other services."))
    ewo.contact(doc)
    ewo.signoff(doc)
    doc.save(path)
