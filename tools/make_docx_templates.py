"""Scaffold the docxtpl templates in templates/docx/ with python-docx.

This script only scaffolds: once someone edits a template in Word, that .docx is the editable
source and this script must not be re-run over it (it would overwrite their changes; it refuses to
unless given --force). Keep the rows and words the same as the print templates in
templates/html/print/ — tests compare the DOCX and PDF text.

Template rules (DESIGN.md §8): A4 pages (python-docx defaults to US Letter); straight quotes inside
{{ }} (Word's curly quotes break expressions); repeated or conditional table rows use {%tr %} tags and
conditional paragraphs {%p %}, each alone in its own row or paragraph.

Usage: python tools/make_docx_templates.py [--force]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

OUT_DIR = Path(__file__).resolve().parent.parent / "templates" / "docx"
FONT = "Arial"  # Liberation Sans, the PDF's font, is metric-compatible with it
RED = RGBColor(0xB0, 0x00, 0x20)


def _new_document(title: str):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(18)
    section.left_margin = section.right_margin = Mm(18)
    section.footer_distance = Mm(8)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-GB")
    rpr.append(lang)
    for name, size, before in (("Heading 1", 15, 0), ("Heading 2", 12, 12)):
        style = doc.styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(before), Pt(3)
        style.font.color.rgb = RGBColor(0, 0, 0)
        # Theme font attributes would override the font name: drop them.
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            style.element.rPr.rFonts.attrib.pop(qn(attr), None)

    props = doc.core_properties
    props.title, props.language, props.author, props.comments = title, "en-GB", "", ""
    return doc


def _field(paragraph, instruction: str, placeholder: str = "1"):
    """A Word field (PAGE, NUMPAGES) as a complex field, which Word and LibreOffice update."""
    def fld_char(kind):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        return run
    fld_char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld_char("separate")
    paragraph.add_run(placeholder)
    fld_char("end")


def _footer(doc):
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles["Normal"]
    tabs = paragraph.paragraph_format.tab_stops
    tabs.add_tab_stop(Mm(87), WD_TAB_ALIGNMENT.CENTER)
    tabs.add_tab_stop(Mm(174), WD_TAB_ALIGNMENT.RIGHT)
    run = paragraph.add_run("Reference: {{ reference }}\t")
    run.font.size = Pt(9)
    status = paragraph.add_run("{% if is_draft %}{{ status }}{% endif %}")
    status.font.size, status.font.bold, status.font.color.rgb = Pt(9), True, RED
    paragraph.add_run("\tPage ").font.size = Pt(9)
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ").font.size = Pt(9)
    _field(paragraph, "NUMPAGES")
    for r in paragraph.runs:
        r.font.size = Pt(9)


def _shade(cell, fill: str):
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _no_split(row):
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _table(doc, widths_mm):
    table = doc.add_table(rows=0, cols=len(widths_mm))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Column widths in the grid too: LibreOffice reads the grid, Word the cell widths.
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    return table


def _row(table, widths_mm, texts, *, bold_first=False, bold=False, split=True):
    row = table.add_row()
    for index, (cell, width, text) in enumerate(zip(row.cells, widths_mm, texts)):
        cell.width = Mm(width)
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold = bold or (bold_first and index == 0)
    if not split:
        _no_split(row)
    return row


def _tag_row(table, widths_mm, tag):
    # docxtpl replaces the whole row holding a {%tr %} tag with the tag itself.
    return _row(table, widths_mm, [tag] + [""] * (len(widths_mm) - 1))


def _paragraph(doc, text="", *, bold=False, size=None, color=None, style=None):
    paragraph = doc.add_paragraph(style=style)
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if color:
            run.font.color.rgb = color
    return paragraph


def penalty_notice_leave(path: Path):
    """003, Appendix 8 – Request to issue a Penalty Notice for leave of absence taken in term time."""
    doc = _new_document("Request to issue a Penalty Notice for leave of absence taken in term time")
    _footer(doc)

    # Draft marking: only while unsigned.
    _paragraph(doc, "{%p if is_draft %}")
    draft = doc.add_paragraph()
    run = draft.add_run("{{ status }}")
    run.bold, run.font.color.rgb = True, RED
    draft.add_run(". {{ draft_notice }}")
    _paragraph(doc, "{%p endif %}")

    doc.add_paragraph("{{ title }}", style="Heading 1")
    _paragraph(doc, "{{ source_citation }}", size=9, color=RGBColor(0x44, 0x44, 0x44))
    _paragraph(doc, "{%p for line in intro %}")
    _paragraph(doc, "{{ line }}")
    _paragraph(doc, "{%p endfor %}")

    widths = [56, 118]
    summary = _table(doc, widths)
    for label, value in (
        ("Reference", "{{ reference }}"),
        ("School", "{{ school_name }}"),
        ("Local authority", "{{ la_name }}"),
        ("Date of request", "{{ referral_date }}"),
        ("Status", "{{ status }}"),
    ):
        _row(summary, widths, [label, value], bold_first=True, split=False)
    _paragraph(doc)

    # The seed's table: what the head teacher completes, and a column the LA officer ticks.
    widths = [76, 74, 24]
    table = _table(doc, widths)
    header = _row(table, widths, ["To be completed by head teacher", "Details", "Tick when checked"], bold=True)
    _repeat_header(header)
    for cell in header.cells:
        _shade(cell, "E8E8E8")
    rows = [
        ("Name of child", "{{ pupil.name }}"),
        ("Date of birth", "{{ pupil.date_of_birth }}"),
        ("Year group", "{{ pupil.year_group }}"),
        ("Unique pupil number (UPN)", "{{ pupil.upn }}"),
        ("Address", "{{ pupil.address }}"),
    ]
    for label, value in rows:
        _row(table, widths, [label, value, ""], split=False)
    # One row set per parent or carer named on the Notice.
    _tag_row(table, widths, "{%tr for parent in parents %}")
    for label, value in (
        ("Name of parent/s to be named on the Notice", "{{ parent.display_name }}"),
        ("Date of birth", "{{ parent.date_of_birth }}"),
        ("Address of parent if different", "{{ parent.address }}"),
    ):
        _row(table, widths, [label, value, ""], split=False)
    _tag_row(table, widths, "{%tr endfor %}")
    for label, value in (
        ("Dates of leave (6 sessions (3 consecutive days) or more of unauthorised absence due to "
         "leave taken during an academic year)", "{{ leave.dates }}"),
        ("Number of sessions of unauthorised leave (code G) this academic year", "{{ leave.sessions }}"),
        ("Date child returned to school", "{{ leave.return_date }}"),
    ):
        _row(table, widths, [label, value, ""], split=False)
    _tag_row(table, widths, "{%tr for item in evidence %}")
    _row(table, widths, ["{{ item.label }}", "{{ item.status }}", ""], split=False)
    _tag_row(table, widths, "{%tr endfor %}")
    for label, value in (
        ("Previous penalty notices to these parents for this child", "{{ previous_penalty_notices }}"),
        ("Confirmation that all school policies are up to date with the new guidance in the local "
         "authority's code of conduct and this has been shared with parents", "{{ policies_confirmed }}"),
    ):
        _row(table, widths, [label, value, ""], split=False)

    # Amounts only as the rules state them (the seed's £60/£120 are out of date since Aug 2024).
    _paragraph(doc, "{%p if penalty_amounts %}")
    doc.add_paragraph("{{ penalty_amounts_heading }}", style="Heading 2")
    _paragraph(doc, "{%p for amount in penalty_amounts %}")
    doc.add_paragraph("{{ amount.label }}: {{ amount.amount }}", style="List Bullet")
    _paragraph(doc, "{%p endfor %}")
    _paragraph(doc, "{%p endif %}")

    doc.add_paragraph("Declaration", style="Heading 2")
    _paragraph(doc, "{{ declaration }}")

    widths = [56, 118]
    signature = _table(doc, widths)
    for label, value in (
        ("Head Teacher Signature", "{{ signature.statement }}"),
        ("School", "{{ signature.school }}"),
        ("Date", "{{ signature.date }}"),
        ("Print Name", "{{ signature.name }}"),
        ("Role", "{{ signature.role }}"),
    ):
        _row(signature, widths, [label, value], bold_first=True, split=False)

    return_to = _paragraph(doc, "Return to {{ return_to }}", bold=True)
    return_to.paragraph_format.space_before = Pt(10)
    return_to.alignment = WD_ALIGN_PARAGRAPH.LEFT

    doc.save(path)


TEMPLATES = {
    "penalty-notice-leave.docx": penalty_notice_leave,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite templates that already exist")
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, build in TEMPLATES.items():
        path = OUT_DIR / name
        if path.exists() and not args.force:
            print(f"kept {path} (exists; it may have been edited in Word — use --force to overwrite)")
            continue
        build(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
