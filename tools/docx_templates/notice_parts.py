"""Parts the two notices an LA officer issues to a parent share (notice_to_improve.py,
penalty_notice.py), the same words as templates/html/print/_notice.html: the local authority's name
and address at the top (the LA issues a notice, not the school), the parent's name and address, the
reference, the dates and how the notice was served; the attendance record the notice relies on; and
who issued it. No NAME and no build: tools/make_docx_templates.py makes nothing from this module."""
from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

from . import common as dx

SUMMARY_WIDTHS = [56, 118]
SESSION_WIDTHS = [45, 17, 14, 98]
GREY = RGBColor(0x44, 0x44, 0x44)


def notice_head(title: str):
    """A new notice: the LA on the right, the parent's name and address, the reference, the dates,
    the service sentence and the salutation. The DRAFT line only if a context ever marks one."""
    doc = dx.new_document(title)
    dx.footer(doc)
    dx.draft_marking(doc)
    name = dx.paragraph(doc, "{{ la.name }}", bold=True, size=12)
    lines = [name,
             dx.paragraph(doc, "{{ la.address }}"),  # the address's line breaks become Word line breaks
             dx.paragraph(doc, "Telephone: {{ la.telephone }}"),
             dx.paragraph(doc, "Email: {{ la.email }}")]
    for line in lines:
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.space_after = Pt(1)
    lines[-1].paragraph_format.space_after = Pt(12)
    dx.paragraph(doc, "{{ recipient.name }}\n{{ recipient.address }}").paragraph_format.space_after = Pt(12)
    dx.paragraph(doc, "Our reference: {{ reference }}").paragraph_format.space_after = Pt(2)
    dx.paragraph(doc, "Date of issue: {{ issued_on }}").paragraph_format.space_after = Pt(2)
    dx.paragraph(doc, "Date taken to be received: {{ received_on }}").paragraph_format.space_after = Pt(8)
    dx.paragraph(doc, "{{ service }}").paragraph_format.space_after = Pt(10)
    dx.paragraph(doc, "{{ recipient.salutation }}")
    heading = doc.add_paragraph(title, style="Heading 1")
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(8)
    return doc


def summary(doc, rows):
    """A two-column table of label and value, as print.css's .summary."""
    table = dx.table(doc, SUMMARY_WIDTHS)
    for label, value in rows:
        dx.row(table, SUMMARY_WIDTHS, [label, value], bold_first=True, split=False)
    return table


def bullets(doc, loop: str, item: str = "{{ item }}"):
    """One bullet per item of a list in the context: `loop` is the {%p for %} clause's body."""
    dx.paragraph(doc, f"{{%p for {loop} %}}")
    doc.add_paragraph(item, style="List Bullet")
    dx.paragraph(doc, "{%p endfor %}")


def fixed_bullets(doc, items):
    for text in items:
        doc.add_paragraph(text, style="List Bullet")


def attendance_record(doc):
    """The totals, then one row per session of unauthorised absence the notice relies on."""
    summary(doc, (
        ("Period of the record", "{{ attendance.period }}"),
        ("Possible sessions", "{{ attendance.possible }}"),
        ("Sessions attended", "{{ attendance.attended }}"),
        ("Attendance", "{{ attendance.pct }}"),
        ("Sessions of unauthorised absence", "{{ attendance.unauthorised }}"),
        ("Unauthorised absence by code", "{{ attendance.by_code }}"),
        ("Taken from", "{{ attendance.source }}"),
    ))
    intro = dx.paragraph(doc, "A school day has two sessions, the morning (AM) and the afternoon (PM). The "
                              "sessions of unauthorised absence this notice relies on are:")
    intro.paragraph_format.space_before = Pt(8)
    sessions = dx.table(doc, SESSION_WIDTHS)
    header = dx.row(sessions, SESSION_WIDTHS, ["Date", "Session", "Code", "Meaning"], bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")
    dx.tag_row(sessions, SESSION_WIDTHS, "{%tr for row in attendance.sessions %}")
    dx.row(sessions, SESSION_WIDTHS, ["{{ row.date }}", "{{ row.session }}", "{{ row.code }}", "{{ row.meaning }}"],
           split=False)
    dx.tag_row(sessions, SESSION_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc)


def issued_by(doc):
    issued = dx.paragraph(doc, "Issued by {{ officer.name }}, {{ officer.particulars }}")
    issued.paragraph_format.space_before = Pt(14)
    issued.paragraph_format.keep_together = True


def basis(doc, value: str):
    """The small "Basis:" line at the end: the guidance or regulations the notice follows."""
    line = dx.paragraph(doc, f"Basis: {value}", size=9, color=GREY)
    line.paragraph_format.space_before = Pt(10)
