"""Parts the Education Welfare Officer's letters to a parent share (initial_warning.py,
ews_final_warning.py, pre_court_invitation.py; 002, Step 3 and Step 4), the same words as
templates/html/print/_ewo_letter.html: the local authority at the top, the parent's name and address,
the reference and the date, the child, and the officer's sign-off. A parent reads them: every fixed
word is in a {% trans %} block with the same message as the print template's. No NAME and no build:
tools/make_docx_templates.py makes nothing from this module."""
from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from . import common as dx


def t(message: str, **values: str) -> str:
    """`message` in a {% trans %} block binding `values` (name -> context expression), as the print
    templates write it."""
    bound = ", ".join(f"{name}={expression}" for name, expression in values.items())
    return f"{{% trans {bound} %}}{message}{{% endtrans %}}" if bound else f"{{% trans %}}{message}{{% endtrans %}}"


def letter_head(title: str):
    """A new letter: the LA on the right, the parent's name and address, the reference, the date, the
    salutation and the heading (`title`, translatable)."""
    doc = dx.new_document(title)
    dx.footer(doc)
    dx.draft_marking(doc)
    lines = [dx.paragraph(doc, "{{ la.name }}", bold=True, size=12),
             dx.paragraph(doc, "{{ la.address }}"),
             dx.paragraph(doc, t("Telephone: {{ phone }}", phone="la.telephone")),
             dx.paragraph(doc, t("Email: {{ email }}", email="la.email"))]
    for line in lines:
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        line.paragraph_format.space_after = Pt(1)
    lines[-1].paragraph_format.space_after = Pt(12)
    dx.paragraph(doc, "{{ recipient.name }}\n{{ recipient.address }}").paragraph_format.space_after = Pt(12)
    dx.paragraph(doc, t("Our reference:") + " {{ reference }}").paragraph_format.space_after = Pt(2)
    dx.paragraph(doc, t("Date: {{ date }}", date="issued_on")).paragraph_format.space_after = Pt(10)
    dx.paragraph(doc, t("Dear {{ name }}", name="recipient.name"))
    heading = doc.add_paragraph(t(title), style="Heading 1")
    heading.paragraph_format.space_before = Pt(10)
    heading.paragraph_format.space_after = Pt(8)
    return doc


def child_rows() -> list[tuple[str, str]]:
    return [(t("Child"), "{{ pupil.name }}"), (t("Date of birth"), "{{ pupil.date_of_birth }}"),
            (t("School"), "{{ school_name }}")]


def attendance_rows() -> list[tuple[str, str]]:
    return [(t("Attendance"), "{{ letter.attendance_pct }}"), (t("Period"), "{{ letter.attendance_period }}")]


def heading(doc, message: str):
    doc.add_paragraph(t(message), style="Heading 2")


def contact(doc):
    dx.paragraph(doc, t("You can contact me on {{ phone }} or at {{ email }}. Please quote the reference "
                        "{{ reference }}.", phone="la.telephone", email="la.email", reference="reference"))


def signoff(doc):
    first = dx.paragraph(doc, t("Yours sincerely"))
    first.paragraph_format.space_before = Pt(14)
    first.paragraph_format.keep_with_next = True
    name = dx.paragraph(doc, "{{ officer.name }}")
    name.paragraph_format.keep_with_next = True
    dx.paragraph(doc, t("Education Welfare Officer, {{ la }}", la="la.name"))
