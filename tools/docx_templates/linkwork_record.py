"""The Linkwork Record (002, Step 2 and Appendix 5): the notes of the school's meeting with its link EWO.

The seed describes the record but does not reproduce it: the layout is the service's own, following the
seed's agenda (forms_service/documents/form_contexts/linkwork_record.py). Same rows and words as
templates/html/print/linkwork-record.html. A record is never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt, RGBColor

from . import common as dx

NAME = "linkwork-record.docx"

MEETING_WIDTHS = [56, 118]
PUPIL_WIDTHS = [30, 26, 38, 40, 20, 20]
ACTION_WIDTHS = [110, 32, 32]


def _header(table, widths, texts):
    header = dx.row(table, widths, texts, bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")


def build(path: Path):
    """002, Appendix 5 – Linkwork Record."""
    doc = dx.school_document("Linkwork Record")
    dx.footer(doc)  # its status run is empty for a record

    doc.add_paragraph("{{ title }}", style="Heading 1")
    dx.paragraph(doc, "{{ source_citation }}", size=9, color=RGBColor(0x44, 0x44, 0x44))
    dx.paragraph(doc, "Reference: {{ reference }}", size=9, color=RGBColor(0x44, 0x44, 0x44))

    meeting = dx.table(doc, MEETING_WIDTHS)
    for label, value in (
        ("School", "{{ school_name }}"),
        ("Date of meeting", "{{ linkwork.date }}"),
        ("Link Education Welfare Officer (EWO)", "{{ linkwork.ewo }}"),
        ("School Attendance Officer (SAO)", "{{ linkwork.sao }}"),
        ("Others present", "{{ linkwork.others }}"),
    ):
        dx.row(meeting, MEETING_WIDTHS, [label, value], bold_first=True, split=False)

    dx.paragraph(doc, "{%p for section in linkwork.sections %}")
    doc.add_paragraph("{{ section.title }}", style="Heading 2")
    dx.paragraph(doc, "{{ section.notes }}")
    dx.paragraph(doc, "{%p endfor %}")

    doc.add_paragraph("Pupils discussed", style="Heading 2")
    dx.paragraph(doc, "{{ linkwork.pupil_count }}")
    dx.paragraph(doc, "{%p if linkwork.pupils %}")
    pupils = dx.table(doc, PUPIL_WIDTHS)
    _header(pupils, PUPIL_WIDTHS, ["Pupil", "Part of the agenda", "Concern", "Action agreed", "By whom", "By when"])
    dx.tag_row(pupils, PUPIL_WIDTHS, "{%tr for pupil_row in linkwork.pupils %}")
    row = dx.row(pupils, PUPIL_WIDTHS, ["{{ pupil_row.name }}, {{ pupil_row.year_group }}", "{{ pupil_row.section }}",
                                        "{{ pupil_row.concern }}", "{{ pupil_row.action }}", "{{ pupil_row.by_whom }}",
                                        "{{ pupil_row.by_when }}"], split=False)
    for cell in row.cells:
        for run in cell.paragraphs[0].runs:
            run.font.size = Pt(9)
    dx.tag_row(pupils, PUPIL_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc, "{%p endif %}")

    doc.add_paragraph("Other actions agreed", style="Heading 2")
    dx.paragraph(doc, "{%p if linkwork.actions %}")
    actions = dx.table(doc, ACTION_WIDTHS)
    _header(actions, ACTION_WIDTHS, ["Action agreed", "By whom", "By when"])
    dx.tag_row(actions, ACTION_WIDTHS, "{%tr for item in linkwork.actions %}")
    dx.row(actions, ACTION_WIDTHS, ["{{ item.action }}", "{{ item.by_whom }}", "{{ item.by_when }}"], split=False)
    dx.tag_row(actions, ACTION_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "{{ linkwork.no_actions }}")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc)

    following = dx.table(doc, MEETING_WIDTHS)
    dx.row(following, MEETING_WIDTHS, ["Date of next meeting", "{{ linkwork.next_meeting }}"], bold_first=True,
           split=False)
    dx.paragraph(doc)
    dx.paragraph(doc, "{{ linkwork.agreed_by }}")

    doc.save(path)
