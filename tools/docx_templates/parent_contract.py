"""School Attendance Parent Contract (003, Appendix 3), agreed and signed at the Attendance Support
Meeting. Same words as templates/html/print/parent-contract.html; every value comes from
forms_service/documents/form_contexts/parent_contract.py, ready to print.

The parts the Review repeats (the legal and consent paragraphs and the SIGNED BY table) are built by
`ending`, which tools/docx_templates/parent_contract_review.py imports. The SIGNATURE cells are left
empty: this is a paper agreement, signed by hand at the meeting. The agreement is the school's own
document and is never marked DRAFT (the shared footer's status run is empty for it).
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "parent-contract.docx"
DETAILS = [70, 104]
ACTIONS = [58, 60, 28, 28]


def title(doc, text: str):
    heading = doc.add_paragraph(text, style="Heading 1")
    heading.paragraph_format.space_after = Pt(8)


def header_row(table, widths, texts):
    header = dx.row(table, widths, texts, bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")
    return header


def label_rows(table, widths, rows):
    for label, value in rows:
        dx.row(table, widths, [label, value], bold_first=True, split=False)


def spacer(doc):
    dx.paragraph(doc).paragraph_format.space_after = Pt(0)


def ending(doc, rows: str):
    """The legal duty, the "If the attendance actions are met" paragraph, the consent to information
    sharing, and the SIGNED BY table looping over `rows` ({role, name})."""
    dx.paragraph(doc, "{{ closing.legal_duty }}")
    dx.paragraph(doc, "{{ closing.if_met }}")
    doc.add_paragraph("{{ closing.consent_heading }}", style="Heading 2")
    dx.paragraph(doc, "{{ closing.consent }}")

    heading = dx.paragraph(doc, "{{ signed_by.heading }}", bold=True)
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.keep_with_next = True
    widths = [52, 61, 61]
    signed = dx.table(doc, widths)
    header_row(signed, widths, ["", "{{ signed_by.print_name }}", "{{ signed_by.signature }}"])
    dx.tag_row(signed, widths, "{%tr for row in " + rows + " %}")
    signature = dx.row(signed, widths, ["{{ row.role }}", "{{ row.name }}", ""], bold_first=True, split=False)
    signature.height = Pt(28)  # room to sign by hand
    dx.tag_row(signed, widths, "{%tr endfor %}")


def build(path: Path):
    doc = dx.school_document("School Attendance Parent Contract")
    dx.footer(doc)
    title(doc, "School Attendance Parent Contract")

    details = dx.table(doc, DETAILS)
    label_rows(details, DETAILS, [
        ("Reference", "{{ reference }}"),
        ("School", "{{ school_name }}"),
        ("Date of Meeting", "{{ contract.meeting_date }}"),
        ("Pupil Name", "{{ pupil.name }}"),
        ("Date of Birth", "{{ pupil.date_of_birth }}"),
        ("Year Group", "{{ pupil.year_group }}"),
        ("Number of sessions missed to date", "{{ contract.figures.sessions_missed }}"),
        ("Number of minutes late to date", "{{ contract.figures.minutes_late }}"),
        ("Current Attendance", "{{ contract.figures.attendance_pct }}"),
        ("Authorised Absence", "{{ contract.figures.authorised_pct }}"),
        ("Unauthorised Absence", "{{ contract.figures.unauthorised_pct }}"),
    ])
    spacer(doc)

    # One block per parent or carer, each its own table as on the seed.
    dx.paragraph(doc, "{%p for parent in contract.parents %}")
    parent = dx.table(doc, DETAILS)
    label_rows(parent, DETAILS, [
        ("Parent's Name", "{{ parent.name }}"),
        ("Date of Birth", "{{ parent.date_of_birth }}"),
        ("Address", "{{ parent.address }}"),
        ("Contact Number", "{{ parent.contact_number }}"),
    ])
    spacer(doc)
    dx.paragraph(doc, "{%p endfor %}")

    # The seed's five boxes, the agreed one crossed: always 2 to 6 weeks (the declaration's choices).
    widths = [39, 27, 27, 27, 27, 27]
    period = dx.table(doc, widths)
    dx.row(period, widths, ["Review Period"] + [f"{{{{ contract.review_periods[{i}] }}}}" for i in range(5)],
           bold_first=True, split=False)
    when = dx.row(period, widths, ["Review Date & Time", "{{ contract.review_when }}", "", "", "", ""],
                  bold_first=True, split=False)
    merged = when.cells[1].merge(when.cells[5])
    merged.paragraphs[0].text = "{{ contract.review_when }}"
    for extra in merged.paragraphs[1:]:
        extra._element.getparent().remove(extra._element)
    spacer(doc)

    dx.paragraph(doc, "{{ contract.instruction }}")

    widths = [66, 108]
    question = dx.table(doc, widths)
    dx.row(question, widths, ["{{ contract.barriers_question }}", "{{ contract.barriers }}"], bold_first=True)
    spacer(doc)

    # The four action tables: parents, student, school, other agencies.
    dx.paragraph(doc, "{%p for table in contract.tables %}")
    actions = dx.table(doc, ACTIONS)
    header_row(actions, ACTIONS, ["{{ table.heading }}", "{{ contract.columns.how }}", "{{ contract.columns.by_when }}",
                                  "{{ contract.columns.met }}"])
    dx.tag_row(actions, ACTIONS, "{%tr for row in table.rows %}")
    dx.row(actions, ACTIONS, ["{{ row.action }}", "{{ row.how }}", "{{ row.by_when }}", "{{ row.met }}"], split=False)
    dx.tag_row(actions, ACTIONS, "{%tr endfor %}")
    spacer(doc)
    dx.paragraph(doc, "{%p endfor %}")

    ending(doc, "signed_by.rows")
    doc.save(path)
