"""Knowsley's Attendance Improvement Meeting (004, Level 2 / Step 2): the record of the meeting and its action
plan, with the review date and the end of Level 2 the rules counted in school days.

The seed reproduces no template: the layout is the service's own
(forms_service/documents/form_contexts/attendance_improvement_meeting.py). Same rows and words as
templates/html/print/attendance-improvement-meeting.html. A record is never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import RGBColor

from . import common as dx

NAME = "attendance-improvement-meeting.docx"

LABEL_WIDTHS = [60, 114]
LEVEL1_WIDTHS = [62, 78, 34]
PEOPLE_WIDTHS = [52, 101, 21]
STRATEGY_WIDTHS = [70, 104]
ACTION_WIDTHS = [94, 48, 32]


def _conditional(doc, test: str, text: str, *, bold: bool = False):
    """A paragraph printed only when `test` holds (a docxtpl {%p if %} pair around it)."""
    dx.paragraph(doc, f"{{%p if {test} %}}")
    dx.paragraph(doc, text, bold=bold)
    dx.paragraph(doc, "{%p endif %}")


def build(path: Path):
    """004, Level 2 / Step 2 – Attendance Improvement Meeting (AIM)."""
    doc = dx.school_document("Attendance Improvement Meeting (AIM)")
    dx.footer(doc)  # its status run is empty for a record

    doc.add_paragraph("{{ title }}", style="Heading 1")
    dx.paragraph(doc, "{{ source_citation }}", size=9, color=RGBColor(0x44, 0x44, 0x44))
    dx.paragraph(doc, "Reference: {{ reference }}", size=9, color=RGBColor(0x44, 0x44, 0x44))

    meeting = dx.table(doc, LABEL_WIDTHS)
    for label, value in (
        ("School", "{{ school_name }}"),
        ("Child", "{{ pupil.name }}"),
        ("Date of birth", "{{ pupil.date_of_birth }}"),
        ("Year group", "{{ pupil.year_group }}"),
        ("Date of meeting", "{{ aim.date }}"),
        ("First Attendance Improvement Meeting", "{{ aim.first_date }}"),
        ("Attendance this school year", "{{ aim.attendance }}"),
    ):
        dx.row(meeting, LABEL_WIDTHS, [label, value], bold_first=True, split=False)

    doc.add_paragraph("Level 1 before this meeting", style="Heading 2")
    dx.list_table(doc, LEVEL1_WIDTHS, ["Level 1 action", "Details", "Date"], "aim.level1",
                  ["{{ item.action }}", "{{ item.details }}", "{{ item.date }}"])
    dx.paragraph(doc, "Early Help Assessment completed: {{ aim.early_help }}")

    doc.add_paragraph("Who was invited", style="Heading 2")
    people = dx.table(doc, PEOPLE_WIDTHS)
    header = dx.row(people, PEOPLE_WIDTHS, ["Name", "Role or agency", "Attended"], bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")
    dx.tag_row(people, PEOPLE_WIDTHS, "{%tr for person in aim.people %}")
    dx.row(people, PEOPLE_WIDTHS, ["{{ person.name }}", "{{ person.role }}", "{{ person.attended }}"], split=False)
    dx.tag_row(people, PEOPLE_WIDTHS, "{%tr endfor %}")
    _conditional(doc, "aim.family_note", "{{ aim.family_note }}")

    doc.add_paragraph("Barriers to attendance", style="Heading 2")
    dx.paragraph(doc, "{{ aim.barriers }}")

    doc.add_paragraph("Strategies chosen", style="Heading 2")
    dx.list_table(doc, STRATEGY_WIDTHS, ["Strategy (004, Appendix A)", "What it means for this child"],
                  "aim.strategies", ["{{ item.strategy }}", "{{ item.details }}"])

    doc.add_paragraph("Action plan", style="Heading 2")
    dx.list_table(doc, ACTION_WIDTHS, ["Action", "Who", "By when"], "aim.actions",
                  ["{{ item.action }}", "{{ item.who }}", "{{ item.by_when }}"])

    doc.add_paragraph("Review and time limit", style="Heading 2")
    dates = dx.table(doc, LABEL_WIDTHS)
    dx.row(dates, LABEL_WIDTHS, ["Review of the action plan", "{{ aim.review.date }}"], bold_first=True, split=False)
    dx.row(dates, LABEL_WIDTHS, ["Level 2 ends by", "{{ aim.level2_end.date }}"], bold_first=True, split=False)
    _conditional(doc, "aim.review.how", "{{ aim.review.how }}")
    _conditional(doc, "aim.level2_end.how", "{{ aim.level2_end.how }}")
    _conditional(doc, "aim.level2_end.escalate", "{{ aim.level2_end.escalate }}", bold=True)
    dx.paragraph(doc, "Kept by the school as the evidence of its Level 2 casework, should the case need to move to "
                      "Level 3. This record is not sent to the local authority.")

    doc.save(path)
