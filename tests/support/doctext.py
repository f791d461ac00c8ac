"""The text a reader sees in a DOCX or a PDF, for tests that compare the two."""
from __future__ import annotations

import io
import re

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader


def docx_text(data: bytes) -> str:
    """Body paragraphs and table cells in document order, then headers and footers."""
    document = docx.Document(io.BytesIO(data))
    parts = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append(Paragraph(element, document).text)
        elif tag == "tbl":
            for row in Table(element, document).rows:
                seen = []
                for cell in row.cells:  # merged cells repeat: count each once
                    if cell._tc not in seen:
                        seen.append(cell._tc)
                        parts.append(cell.text)
    for section in document.sections:
        for part in (section.header, section.footer):
            parts.extend(p.text for p in part.paragraphs)
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    """Whitespace collapsed: line wrapping differs between a Word table and a PDF table. A PDF
    line may also break after "/" or a hyphen inside a word ("Child/" "Family"): rejoin those."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=\w)([/-]) (?=\w)", r"\1", text)


def render_docx_and_pdf(doc: dict, context: dict) -> dict:
    """One document of a declaration in both formats: the bytes, and the text a reader sees."""
    from forms_service.documents.rendering import render_docx, render_pdf

    docx_bytes = render_docx(doc["docx"], context)
    pdf_bytes = render_pdf(doc["html"], context, title=doc["title"])
    return {"docx_bytes": docx_bytes, "pdf_bytes": pdf_bytes,
            "docx": squash(docx_text(docx_bytes)), "pdf": squash(pdf_text(pdf_bytes))}
