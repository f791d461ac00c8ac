"""Penalty Notice for failing to secure a registered pupil's regular attendance at school, issued by
the local authority to a parent, with each particular regulation 3 of The Education (Penalty Notices)
(England) Regulations 2007 requires (the list is in templates/html/print/penalty-notice.html).

Same words as templates/html/print/penalty-notice.html (tests compare them); the shared head, the
attendance record and the officer's line are in notice_parts.py, as _notice.html is for the print
template. The amounts come from the context (one for a second notice); no court fine is stated.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx, notice_parts as parts

NAME = "penalty-notice.docx"

WITHDRAWAL_GROUNDS = (
    "the notice ought not to have been issued;",
    "it ought not to have been issued to the person named as the recipient;",
    "it contains material errors; or",
    "it is not paid in full by {{ pn.last_day }} and the local authority does not bring proceedings.",
)


def build(path: Path):
    doc = parts.notice_head("Penalty Notice")

    dx.paragraph(doc, "This penalty notice is issued under section 444A of the Education Act 1996. It gives you the "
                      "opportunity to discharge any liability to conviction for the offence described below by "
                      "paying a penalty.")

    doc.add_paragraph("The person this notice is issued to, the child and the school", style="Heading 2")
    parts.summary(doc, (
        ("Name of recipient", "{{ recipient.name }}"),
        ("Address of recipient", "{{ recipient.address }}"),
        ("Name of child", "{{ pupil.name }}"),
        ("Child's date of birth", "{{ pupil.date_of_birth }}"),
        ("Child's address", "{{ pupil.address }}"),
        ("School where the child is a registered pupil", "{{ school_name }}"),
        ("Issued by (authorised officer)", "{{ officer.name }}, {{ officer.particulars }}"),
        ("Date of issue", "{{ issued_on }}"),
    ))

    doc.add_paragraph("The offence", style="Heading 2")
    dx.paragraph(doc, "The offence: failing to secure the regular attendance at school of a registered pupil, an "
                      "offence under section 444(1) of the Education Act 1996.")
    dx.paragraph(doc, "The period the offence covers: {{ pn.offence_period }}.")
    dx.paragraph(doc, "The officer issuing this notice has reason to believe that you have committed this offence: "
                      "that {{ pupil.name }}, a registered pupil at {{ school_name }}, failed to attend the school "
                      "regularly in that period. The attendance record this notice relies on:")
    parts.attendance_record(doc)

    doc.add_paragraph("The penalty and the periods for paying it", style="Heading 2")
    dx.paragraph(doc, "{{ pn.sequence }}")
    dx.paragraph(doc, "The penalty is:")
    parts.bullets(doc, "amount in pn.amounts", "{{ amount.text }}")
    dx.paragraph(doc, "The last day for paying the penalty is {{ pn.last_day }}.", bold=True)

    doc.add_paragraph("Paying in full discharges your liability", style="Heading 2")
    dx.paragraph(doc, "If you pay the penalty in full by {{ pn.last_day }}, the payment discharges any liability to "
                      "be convicted of the offence for the period this notice covers: you will not be prosecuted "
                      "for it.")

    doc.add_paragraph("Where to pay and to write", style="Heading 2")
    dx.paragraph(doc, "Pay the penalty to, and send any letters about this notice to:")
    address = dx.paragraph(doc, "{{ la.name }}\n{{ la.address }}")
    address.paragraph_format.left_indent = Pt(16)
    dx.paragraph(doc, "Telephone: {{ la.telephone }}")
    dx.paragraph(doc, "Email: {{ la.email }}")

    doc.add_paragraph("How to pay", style="Heading 2")
    parts.bullets(doc, "method in la.payment_methods", "{{ method }}")
    dx.paragraph(doc, "However you pay, quote the reference {{ reference }}.")

    doc.add_paragraph("If you do not pay in full by {{ pn.last_day }}", style="Heading 2")
    dx.paragraph(doc, "If the penalty is not paid in full by {{ pn.last_day }}, the local authority must either "
                      "prosecute you for the offence under section 444(1) of the Education Act 1996 or withdraw "
                      "this notice. You may be prosecuted in the magistrates' court for the offence under section "
                      "444(1) of the Education Act 1996.")
    dx.paragraph(doc, "Part payment is not accepted as discharging your liability for the offence.")

    doc.add_paragraph("When this notice may be withdrawn", style="Heading 2")
    dx.paragraph(doc, "The local authority may withdraw this notice if:")
    parts.fixed_bullets(doc, WITHDRAWAL_GROUNDS)
    dx.paragraph(doc, "If the notice is withdrawn, any amount paid is repaid and no proceedings follow on it. If you "
                      "think this notice should be withdrawn, write to {{ la.name }} at the address above, quoting "
                      "the reference {{ reference }}, and say why.")

    parts.issued_by(doc)
    parts.basis(doc, "{{ pn.regulations }}")

    doc.save(path)
