"""The Medical Consent Form (000, Appendix 3), one for each parent or carer named on the Medical Action
Plan (the declaration's `"per": "parent"`; `recipient` is the parent who signs it).

Same rows and words as templates/html/print/medical-consent-form.html: the school's name and contact
details in the header, so the GP or other health professional can see which school is asking (000,
Appendix 1, step 1), the seed's rows, the consent sentence and blank lines for the parent's signature
and its date. Words in the cells come from forms_service/documents/form_contexts/medical_action_plan.py, whose
docstring says how the seed's garbled parts were reconstructed.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Mm, Pt, RGBColor

from . import common as dx
from .medical_action_plan import letterhead

NAME = "medical-consent-form.docx"

WIDTHS = [70, 104]


def build(path: Path):
    doc = dx.school_document("Medical Consent Form")
    dx.footer(doc)  # "Reference: ..." and page numbers; its status run is empty for a plan

    letterhead(doc)
    doc.add_paragraph("Medical Consent Form", style="Heading 1")
    dx.paragraph(doc, "Reference: {{ reference }}", size=9, color=RGBColor(0x44, 0x44, 0x44))

    details = dx.table(doc, WIDTHS)
    for label, value in (
        ("Parent's Name:", "{{ recipient.name }}"),
        ("Parent's Address:", "{{ recipient.address }}"),
        ("Child's Name:", "{{ pupil.name }}"),
        ("Child's DOB:", "{{ pupil.date_of_birth }}"),
        (None, "{% if recipient.address == pupil.address %}{{ consent.same_address }}"
               "{% else %}{{ pupil.address }}{% endif %}"),
        ("Medical Professional's Name:", "{{ consent.professional_name }}"),
        ("Practice / Organisation Name:", "{{ consent.professional_organisation }}"),
        ("Medical Professional's Address:", "{{ consent.professional_address }}"),
    ):
        row = dx.row(details, WIDTHS, [label or "", value], bold_first=True, split=False)
        if label is None:  # "Child's Address (if different to above)", the brackets in italics as in the seed
            paragraph = row.cells[0].paragraphs[0]
            paragraph.add_run("Child's Address (").bold = True
            italic = paragraph.add_run("if different to above")
            italic.bold, italic.italic = True, True
            paragraph.add_run(")").bold = True

    statement = dx.paragraph(doc, "{{ consent.statement }}")
    statement.paragraph_format.space_before = Pt(12)
    statement.paragraph_format.space_after = Pt(12)

    signature = dx.table(doc, WIDTHS)
    for label in ("Parent's Signature:", "Date of Signature:"):
        row = dx.row(signature, WIDTHS, [label, ""], bold_first=True, split=False)
        row.height = Mm(10)  # room to sign

    doc.save(path)
