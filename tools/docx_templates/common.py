"""Shared python-docx helpers for scaffolding docxtpl templates (see tools/make_docx_templates.py)."""
from __future__ import annotations

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

FONT = "Arial"  # Liberation Sans, the PDF's font, is metric-compatible with it
RED = RGBColor(0xB0, 0x00, 0x20)


def new_document(title: str):
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


def field(paragraph, instruction: str, placeholder: str = "1"):
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


def footer(doc):
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
    field(paragraph, "PAGE")
    paragraph.add_run(" of ").font.size = Pt(9)
    field(paragraph, "NUMPAGES")
    for r in paragraph.runs:
        r.font.size = Pt(9)


def shade(cell, fill: str):
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def no_split(row):
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def table(doc, widths_mm):
    table = doc.add_table(rows=0, cols=len(widths_mm))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Column widths in the grid too: LibreOffice reads the grid, Word the cell widths.
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    return table


def row(table, widths_mm, texts, *, bold_first=False, bold=False, split=True):
    row = table.add_row()
    for index, (cell, width, text) in enumerate(zip(row.cells, widths_mm, texts)):
        cell.width = Mm(width)
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(text)
        run.bold = bold or (bold_first and index == 0)
    if not split:
        no_split(row)
    return row


def tag_row(table, widths_mm, tag):
    # docxtpl replaces the whole row holding a {%tr %} tag with the tag itself.
    return row(table, widths_mm, [tag] + [""] * (len(widths_mm) - 1))


def paragraph(doc, text="", *, bold=False, size=None, color=None, style=None):
    paragraph = doc.add_paragraph(style=style)
    if text:
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if color:
            run.font.color.rgb = color
    return paragraph




# --- parts every referral form shares (003 Appendices 5-8, 000 Stage 3); the print templates'
# counterpart is templates/html/print/_referral.html ------------------------------------------

def draft_marking(doc):
    """The DRAFT line, only while the request is unsigned."""
    paragraph(doc, "{%p if is_draft %}")
    draft = doc.add_paragraph()
    run = draft.add_run("{{ status }}")
    run.bold, run.font.color.rgb = True, RED
    draft.add_run(". {{ draft_notice }}")
    paragraph(doc, "{%p endif %}")


def heading(doc, date_label: str | None = "Date of request"):
    """The form's title, its source, its intro lines and (with a `date_label`) the summary table: the
    counterpart of print/_referral.html's heading()."""
    doc.add_paragraph("{{ title }}", style="Heading 1")
    paragraph(doc, "{{ source_citation }}", size=9, color=RGBColor(0x44, 0x44, 0x44))
    paragraph(doc, "{%p for line in intro %}")
    paragraph(doc, "{{ line }}")
    paragraph(doc, "{%p endfor %}")
    if date_label:
        summary_table(doc, date_label)


def list_table(doc, widths, headings, loop_var: str, cells):
    """A table with a shaded heading row (repeated on each page) and a row per item of `loop_var`."""
    table_ = table(doc, widths)
    header = row(table_, widths, headings, bold=True)
    repeat_header(header)
    for cell in header.cells:
        shade(cell, "E8E8E8")
    tag_row(table_, widths, f"{{%tr for item in {loop_var} %}}")
    row(table_, widths, cells, split=False)
    tag_row(table_, widths, "{%tr endfor %}")


def summary_table(doc, date_label: str = "Date of request"):
    widths = [56, 118]
    summary = table(doc, widths)
    for label, value in (
        ("Reference", "{{ reference }}"),
        ("School", "{{ school_name }}"),
        ("Local authority", "{{ la_name }}"),
        (date_label, "{{ referral_date }}"),
        ("Status", "{{ status }}"),
    ):
        row(summary, widths, [label, value], bold_first=True, split=False)


def penalty_amounts(doc):
    """Amounts only as the rules state them (the seeds' £60/£120 are out of date since Aug 2024)."""
    paragraph(doc, "{%p if penalty_amounts %}")
    doc.add_paragraph("{{ penalty_amounts_heading }}", style="Heading 2")
    paragraph(doc, "{%p for amount in penalty_amounts %}")
    doc.add_paragraph("{{ amount.label }}: {{ amount.amount }}", style="List Bullet")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "{%p endif %}")


def closing(doc):
    """The head's declaration, the signature block and where to return the form."""
    doc.add_paragraph("Declaration", style="Heading 2")
    paragraph(doc, "{{ declaration }}")
    widths = [56, 118]
    signature = table(doc, widths)
    for label, value in (
        ("Head Teacher Signature", "{{ signature.statement }}"),
        ("School", "{{ signature.school }}"),
        ("Date", "{{ signature.date }}"),
        ("Print Name", "{{ signature.name }}"),
        ("Role", "{{ signature.role }}"),
    ):
        row(signature, widths, [label, value], bold_first=True, split=False)
    return_to = paragraph(doc, "Return to {{ return_to }}", bold=True)
    return_to.paragraph_format.space_before = Pt(10)
    return_to.alignment = WD_ALIGN_PARAGRAPH.LEFT


def letterhead(doc):
    """The school's letterhead (issue 18), as templates/html/print/_letterhead.html: the logo on the
    left ("" without one: forms_service/documents/rendering.py places it), the school's name and its
    address, telephone, email and headteacher on the right. A table without borders holds the two."""
    widths = [70, 104]
    band = doc.add_table(rows=1, cols=2)
    band.alignment = WD_TABLE_ALIGNMENT.CENTER
    band.autofit = False
    for column, cell, width in zip(band.columns, band.rows[0].cells, widths):
        column.width = cell.width = Mm(width)
    band.rows[0].cells[0].paragraphs[0].add_run("{{ letterhead.logo }}")
    right = band.rows[0].cells[1]
    name = right.paragraphs[0]
    name.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    name.paragraph_format.space_after = Pt(2)
    run = name.add_run("{{ letterhead.name }}")
    run.bold, run.font.size = True, Pt(12)
    details = right.add_paragraph()
    details.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    details.paragraph_format.space_after = Pt(0)
    details.add_run("{{ letterhead.details }}").font.size = Pt(9)
    paragraph(doc).paragraph_format.space_after = Pt(6)


def school_document(title: str):
    """A new document the school sends (a form, contract, plan or record), under its letterhead."""
    doc = new_document(title)
    letterhead(doc)
    return doc


def letter_head(title: str, *, salutation: bool = False):
    """A new letter to a parent (000 Appendices 6-7, 003 Appendix 4, 002 Steps 1-2), as templates/html/print/
    _letter.html head(): the school's letterhead, the parent's name and address, our reference and the date
    (and the salutation, for a letter whose words are all messages). A letter is never marked DRAFT, so the
    footer's status run stays empty."""
    doc = new_document(title)
    footer(doc)
    letterhead(doc)
    # Name and address: the address's line breaks become Word line breaks.
    paragraph(doc, "{{ recipient.name }}\n{{ recipient.address }}").paragraph_format.space_after = Pt(14)
    paragraph(doc, "{% trans %}Our reference:{% endtrans %} {{ reference }}").paragraph_format.space_after = Pt(2)
    paragraph(doc, "{% trans %}Date:{% endtrans %} {{ letter.date }}").paragraph_format.space_after = Pt(12)
    if salutation:
        paragraph(doc, "{% trans name=recipient.name %}Dear {{ name }}{% endtrans %}")
    return doc


def signoff(doc, name: str, role: str):
    """_letter.html signoff(): room for a handwritten signature, the name, role and school."""
    closing = paragraph(doc, "{% trans %}Yours sincerely{% endtrans %}")
    closing.paragraph_format.space_before = Pt(14)
    closing.paragraph_format.space_after = Pt(34)
    closing.paragraph_format.keep_with_next = True
    for text in (name, role):
        line = paragraph(doc, text)
        line.paragraph_format.space_after = Pt(0)
        line.paragraph_format.keep_with_next = True
    paragraph(doc, "{{ school_name }}")


TICK_WIDTHS = [76, 74, 24]


def tick_table(doc, details_heading: str = "Details", widths=TICK_WIDTHS, completed_by: str = "head teacher"):
    """The seed forms' table with a column the LA officer ticks: a shaded header repeated on every page.
    `completed_by`: who fills it in (as templates/html/print/_referral.html tick_table_start)."""
    table_ = table(doc, widths)
    header = row(table_, widths, [f"To be completed by {completed_by}", details_heading, "Tick when checked"], bold=True)
    repeat_header(header)
    for cell in header.cells:
        shade(cell, "E8E8E8")
    return table_


def child_and_parents_rows(table_, parent_label: str, *, looked_after: bool = False, widths=TICK_WIDTHS):
    """The child's rows, then three rows per parent named as `parent_label` (003 Appendices 5, 7 and 8;
    000 Stage 3): the same rows as templates/html/print/_referral.html child_and_parents_table."""
    rows = [("Name of child", "{{ pupil.name }}"), ("Date of birth", "{{ pupil.date_of_birth }}"),
            ("Year group", "{{ pupil.year_group }}"), ("Unique pupil number (UPN)", "{{ pupil.upn }}"),
            ("Address", "{{ pupil.address }}")]
    if looked_after:
        rows.append(("Looked after by the local authority", "{{ pupil.looked_after }}"))
    for label, value in rows:
        row(table_, widths, [label, value, ""], split=False)
    tag_row(table_, widths, "{%tr for parent in parents %}")
    for label, value in ((parent_label, "{{ parent.display_name }}"), ("Date of birth", "{{ parent.date_of_birth }}"),
                         ("Address of parent if different", "{{ parent.address }}")):
        row(table_, widths, [label, value, ""], split=False)
    tag_row(table_, widths, "{%tr endfor %}")
