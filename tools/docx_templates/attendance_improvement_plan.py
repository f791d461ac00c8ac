"""The Attendance Improvement Plan (000, Appendix 4): the record of a Stage 1 / Stage 2 meeting.

Same rows and words as templates/html/print/attendance-improvement-plan.html, in the seed's table
layout: School name / Date and Name of Pupil / Meeting Number side by side, then full-width rows, the
Actions / Responsibility / When / Outcomes table, and Date of next meeting / Agenda. The words in the
cells come from the context (forms_service/documents/form_contexts/attendance_improvement_plan.py). A plan is
never marked DRAFT (the common context marks only referrals, so the shared footer shows no status).
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Mm, Pt, RGBColor

from . import common as dx

NAME = "attendance-improvement-plan.docx"

# Label, value, label, value: 174 mm between the margins.
PLAN_WIDTHS = [38, 49, 38, 49]
ACTION_WIDTHS = [59, 32, 26, 57]
NEXT_WIDTHS = [42, 132]


def _text(cell, text: str, *, bold: bool = False):
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.add_run(text).bold = bold


def _wide_row(table, label: str | None, value: str | None):
    """A row whose value spans the three columns after its label; with no label, one cell spans all
    four (a label on its own row, or the text under it)."""
    row = table.add_row()
    dx.no_split(row)
    for cell, width in zip(row.cells, PLAN_WIDTHS):
        cell.width = Mm(width)
    if label is None or value is None:
        cell = row.cells[0].merge(row.cells[3])
        _text(cell, label if value is None else value, bold=value is None)
        return row
    _text(row.cells[0], label, bold=True)
    _text(row.cells[1].merge(row.cells[3]), value)
    return row


def _pair_row(table, label1: str, value1: str, label2: str, value2: str):
    row = table.add_row()
    dx.no_split(row)
    for cell, width, text, bold in zip(row.cells, PLAN_WIDTHS, (label1, value1, label2, value2),
                                       (True, False, True, False)):
        cell.width = Mm(width)
        _text(cell, text, bold=bold)
    return row


def build(path: Path):
    doc = dx.school_document("Attendance Improvement Plan")
    dx.footer(doc)  # "Reference: ..." and page numbers; its status run is empty for a plan

    doc.add_paragraph("{{ title }}", style="Heading 1")
    dx.paragraph(doc, "Reference: {{ reference }}", size=9, color=RGBColor(0x44, 0x44, 0x44))

    plan = dx.table(doc, PLAN_WIDTHS)
    _pair_row(plan, "School name:", "{{ school_name }}", "Date:", "{{ plan.date }}")
    _pair_row(plan, "Name of Pupil:", "{{ pupil.name }}", "Meeting Number:", "{{ plan.number }}")
    _pair_row(plan, "Date of birth:", "{{ pupil.date_of_birth }}", "Year group:", "{{ pupil.year_group }}")
    _wide_row(plan, "Attendees:", "{{ plan.attendees }}")
    _wide_row(plan, "Apologies:", "{{ plan.apologies }}")
    # Only when a parent or carer neither came nor sent apologies (000, Stage 3B: record it).
    dx.tag_row(plan, PLAN_WIDTHS, "{%tr if plan.did_not_attend %}")
    _wide_row(plan, "Did not attend:", "{{ plan.did_not_attend }}")
    dx.tag_row(plan, PLAN_WIDTHS, "{%tr endif %}")
    _wide_row(plan, "Reason for Meeting:", "{{ plan.reason }}")
    _wide_row(plan, "Brief Background and issues that are affecting attendance:", None)
    _wide_row(plan, None, "{{ plan.background }}")
    _wide_row(plan, "General Notes of Meeting:", None)
    _wide_row(plan, None, "{{ plan.notes }}")
    dx.paragraph(doc)

    actions = dx.table(doc, ACTION_WIDTHS)
    header = dx.row(actions, ACTION_WIDTHS, ["Actions", "Responsibility", "When", "Outcomes"], bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")
    dx.tag_row(actions, ACTION_WIDTHS, "{%tr for item in plan.actions %}")
    dx.row(actions, ACTION_WIDTHS, ["{{ item.action }}", "{{ item.responsibility }}", "{{ item.when }}",
                                    "{{ item.outcome }}"], split=False)
    dx.tag_row(actions, ACTION_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc)

    following = dx.table(doc, NEXT_WIDTHS)
    dx.row(following, NEXT_WIDTHS, ["Date of next meeting:", "{{ plan.next_meeting.date }}"], bold_first=True,
           split=False)
    dx.row(following, NEXT_WIDTHS, ["Agenda:", "{{ plan.next_meeting.agenda }}"], bold_first=True, split=False)

    doc.save(path)
