"""The Medical Action Plan (000, Appendix 2, completed as Appendix 1 says).

Same rows and words as templates/html/print/medical-action-plan.html, in the seed's table layout: the
school's name and contact details in the header (000, Appendix 1, step 1), the pupil header (three
label/value pairs a row), People invited to attend with Name and Signature columns (one row per person,
from `{%tr for %}`), the side panel of dates and decisions, Medical Issues, Identified Difficulties and
the Target Attendance Level. The words in the cells come from the context
(forms_service/documents/form_contexts/medical_action_plan.py). A plan is never marked DRAFT (the shared footer
shows no status for it). Signature cells are left blank, to sign on paper.
"""
from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor

from . import common as dx

NAME = "medical-action-plan.docx"

# 174 mm between the margins.
HEADER_WIDTHS = [29, 29, 29, 29, 29, 29]
PEOPLE_WIDTHS = [45, 77, 52]
PANEL_WIDTHS = [70, 104]
COLUMN_WIDTHS = [66, 59, 49]


def letterhead(doc):
    """The school's name and contact details, right-aligned (both documents of the form)."""
    school = dx.paragraph(doc, "{{ school_name }}", bold=True, size=12)
    school.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    school.paragraph_format.space_after = Pt(0)
    contact = dx.paragraph(doc, "{{ plan.school_contact }}", size=9.5)
    contact.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    contact.paragraph_format.space_after = Pt(8)


def _pairs_row(table, texts):
    """Label, value, label, value, label, value: labels bold."""
    row = table.add_row()
    dx.no_split(row)
    for index, (cell, width, text) in enumerate(zip(row.cells, HEADER_WIDTHS, texts)):
        cell.width = Mm(width)
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold, run.font.size = index % 2 == 0, Pt(10)
    return row


def _heading_row(table, widths, texts):
    header = dx.row(table, widths, texts, bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")
    return header


def build(path: Path):
    doc = dx.school_document("Medical Action Plan")
    dx.footer(doc)  # "Reference: ..." and page numbers; its status run is empty for a plan

    letterhead(doc)
    doc.add_paragraph("Medical Action Plan", style="Heading 1")
    dx.paragraph(doc, "Reference: {{ reference }}", size=9, color=RGBColor(0x44, 0x44, 0x44))

    header = dx.table(doc, HEADER_WIDTHS)
    _pairs_row(header, ["PUPIL NAME", "{{ pupil.name }}", "DATE OF BIRTH", "{{ pupil.date_of_birth }}",
                        "YEAR GROUP", "{{ pupil.year_group }}"])
    _pairs_row(header, ["TEACHER NAME", "{{ plan.teacher_name }}", "SEND", "{{ plan.send }}",
                        "Action Plan Chair/Coordinator", "{{ plan.chair }}"])
    _pairs_row(header, ["Attendance %", "{{ plan.attendance_pct }}", "No. of broken weeks", "{{ plan.broken_weeks }}",
                        "No. of days off school", "{{ plan.days_missed }}"])
    dx.paragraph(doc)

    people = dx.table(doc, PEOPLE_WIDTHS)
    _heading_row(people, PEOPLE_WIDTHS, ["People invited to attend", "Name", "Signature"])
    dx.tag_row(people, PEOPLE_WIDTHS, "{%tr for row in plan.invited %}")
    signed = dx.row(people, PEOPLE_WIDTHS, ["{{ row.group }}", "{{ row.name }}", ""], bold_first=True, split=False)
    signed.height = Mm(9)  # room to sign
    dx.tag_row(people, PEOPLE_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc)

    panel = dx.table(doc, PANEL_WIDTHS)
    for label, value in (
        ("Date of Medical Action Plan", "{{ plan.date }}"),
        ("GP Consent gained?", "{{ consent.gp_consent_gained }}"),
        ("Consent form completed", "{{ consent.form_completed }}"),
        ("Decision to authorise absence?", "{{ plan.decision }}"),
        ("Name of authorising person", "{{ plan.authorising_person }}"),
        ("Date of Review", "{{ plan.review_date }}"),
    ):
        dx.row(panel, PANEL_WIDTHS, [label, value], bold_first=True, split=False)
    dx.paragraph(doc)

    issues = dx.table(doc, COLUMN_WIDTHS)
    _heading_row(issues, COLUMN_WIDTHS, ["Medical Issues", "Medical Evidence provided by", "Date & Type of evidence"])
    dx.tag_row(issues, COLUMN_WIDTHS, "{%tr for item in plan.medical_issues %}")
    dx.row(issues, COLUMN_WIDTHS, ["{{ item.issue }}", "{{ item.evidence_by }}", "{{ item.evidence }}"], split=False)
    dx.tag_row(issues, COLUMN_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc)

    difficulties = dx.table(doc, COLUMN_WIDTHS)
    _heading_row(difficulties, COLUMN_WIDTHS, ["Identified Difficulties", "Intervention Required", "Provided by / Date"])
    dx.tag_row(difficulties, COLUMN_WIDTHS, "{%tr for item in plan.difficulties %}")
    dx.row(difficulties, COLUMN_WIDTHS, ["{{ item.difficulty }}", "{{ item.intervention }}", "{{ item.provided }}"],
           split=False)
    dx.tag_row(difficulties, COLUMN_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc)

    target = dx.table(doc, PANEL_WIDTHS)
    dx.row(target, PANEL_WIDTHS, ["Target Attendance Level", "{{ plan.target }}"], bold_first=True, split=False)

    doc.save(path)
