"""The Registration Certificate (issue 21): the pupil's register marks, one row per school week, with the
totals, the possible sessions, the attendance and a key to the codes used
(forms_service/documents/form_contexts/registration_certificate.py). Same rows and words as
templates/html/print/registration-certificate.html. The sessions the rules counted are bold and marked with
an asterisk (the asterisk is in the text: never bold or colour alone). Never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt, RGBColor

from . import common as dx

NAME = "registration-certificate.docx"

ABOUT_WIDTHS = [56, 118]
MARK_WIDTHS = [34] + [14] * 10
TOTAL_WIDTHS = [104, 70]
KEY_WIDTHS = [30, 100, 44]
COLUMNS = [f"{day} {session}" for day in ("Mon", "Tue", "Wed", "Thu", "Fri") for session in ("AM", "PM")]


def _header(table, widths, texts, size=None):
    header = dx.row(table, widths, texts, bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")
        if size:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(size)
    return header


def _mark_cell(cell, index: int):
    """A mark, bold when the rules counted it: two runs, one of which prints."""
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    counted = paragraph.add_run(f"{{% if week.cells[{index}].counted %}}{{{{ week.cells[{index}].text }}}}{{% endif %}}")
    counted.bold, counted.font.size = True, Pt(8.5)
    plain = paragraph.add_run(f"{{% if not week.cells[{index}].counted %}}{{{{ week.cells[{index}].text }}}}{{% endif %}}")
    plain.font.size = Pt(8.5)


def build(path: Path):
    """Issue 21 – Registration Certificate made from the register marks."""
    doc = dx.school_document("Registration Certificate")
    dx.footer(doc)  # its status run is empty: a certificate is never a draft

    doc.add_paragraph("{{ title }}", style="Heading 1")
    dx.paragraph(doc, "{{ source_citation }}", size=9, color=RGBColor(0x44, 0x44, 0x44))
    dx.paragraph(doc, "Reference: {{ reference }}", size=9, color=RGBColor(0x44, 0x44, 0x44))

    about = dx.table(doc, ABOUT_WIDTHS)
    for label, value in (
        ("Pupil", "{{ pupil.name }}"),
        ("Date of birth", "{{ pupil.date_of_birth }}"),
        ("Unique pupil number (UPN)", "{{ pupil.upn }}"),
        ("Year group", "{{ pupil.year_group }}"),
        ("School", "{{ school_name }}"),
        ("Attendance codes", "{{ certificate.code_set }}"),
        ("Period covered", "{{ certificate.period }}"),
        ("Date printed", "{{ certificate.printed }}"),
    ):
        dx.row(about, ABOUT_WIDTHS, [label, value], bold_first=True, split=False)
    dx.tag_row(about, ABOUT_WIDTHS, "{%tr if certificate.note %}")
    dx.row(about, ABOUT_WIDTHS, ["Note", "{{ certificate.note }}"], bold_first=True, split=False)
    dx.tag_row(about, ABOUT_WIDTHS, "{%tr endif %}")

    dx.paragraph(doc, "{%p if certificate.has_marks %}")
    doc.add_paragraph("Register marks by school week", style="Heading 2")
    marks = dx.table(doc, MARK_WIDTHS)
    _header(marks, MARK_WIDTHS, ["Week commencing", *COLUMNS], size=8.5)
    dx.tag_row(marks, MARK_WIDTHS, "{%tr for week in certificate.weeks %}")
    row = dx.row(marks, MARK_WIDTHS, ["{{ week.commencing }}"] + [""] * 10, bold_first=True, split=False)
    row.cells[0].paragraphs[0].runs[0].font.size = Pt(8.5)
    for index in range(10):
        _mark_cell(row.cells[index + 1], index)
    dx.tag_row(marks, MARK_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc, "{{ certificate.counted_note }}", size=9)
    dx.paragraph(doc, "{{ certificate.no_mark_note }}", size=9)

    doc.add_paragraph("Totals", style="Heading 2")
    totals = dx.table(doc, TOTAL_WIDTHS)
    dx.tag_row(totals, TOTAL_WIDTHS, "{%tr for total in certificate.totals %}")
    dx.row(totals, TOTAL_WIDTHS, ["{{ total.label }}", "{{ total.sessions }}"], bold_first=True, split=False)
    dx.tag_row(totals, TOTAL_WIDTHS, "{%tr endfor %}")
    dx.row(totals, TOTAL_WIDTHS, ["Possible sessions", "{{ certificate.possible }}"], bold_first=True, split=False)
    dx.row(totals, TOTAL_WIDTHS, ["Attendance", "{{ certificate.attendance }}"], bold_first=True, split=False)

    doc.add_paragraph("Key to the codes used", style="Heading 2")
    key = dx.table(doc, KEY_WIDTHS)
    _header(key, KEY_WIDTHS, ["Code", "Meaning", "Counted as"], size=9)
    dx.tag_row(key, KEY_WIDTHS, "{%tr for entry in certificate.key %}")
    entry = dx.row(key, KEY_WIDTHS, ["{{ entry.mark }}", "{{ entry.meaning }}", "{{ entry.counted_as }}"], split=False)
    for cell in entry.cells:
        for run in cell.paragraphs[0].runs:
            run.font.size = Pt(9)
    dx.tag_row(key, KEY_WIDTHS, "{%tr endfor %}")
    dx.paragraph(doc, "{{ certificate.code_set_source }}", size=9)
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "{{ certificate.no_marks }}")
    dx.paragraph(doc, "{%p endif %}")

    doc.add_paragraph("Certificate", style="Heading 2")
    dx.paragraph(doc, "{{ certificate.certifies }}")
    signature = dx.table(doc, ABOUT_WIDTHS)
    dx.row(signature, ABOUT_WIDTHS, ["Head Teacher Signature", "{% if signature.signed %}{{ signature.statement }}"
                                     "{% endif %}"], bold_first=True, split=False)
    dx.row(signature, ABOUT_WIDTHS, ["School", "{{ signature.school }}"], bold_first=True, split=False)
    dx.tag_row(signature, ABOUT_WIDTHS, "{%tr if signature.signed %}")
    dx.row(signature, ABOUT_WIDTHS, ["Print Name", "{{ signature.name }}"], bold_first=True, split=False)
    dx.tag_row(signature, ABOUT_WIDTHS, "{%tr else %}")
    dx.row(signature, ABOUT_WIDTHS, ["Date", ""], bold_first=True, split=False)
    dx.tag_row(signature, ABOUT_WIDTHS, "{%tr endif %}")

    doc.save(path)
