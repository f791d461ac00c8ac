"""The Attendance Contract (002, Appendix 4), agreed and signed on paper by the pupil, each parent or
carer, the school and the School Attendance Officer or Education Welfare Officer. The seed describes it
but does not reproduce it: this text is the service's own.

Same words and the same translatable messages ({% trans %}) as templates/html/print/
attendance-contract-wales.html: tests compare them. Values come from
forms_service/documents/form_contexts/attendance_contract_wales.py. The layout helpers are the parent
contract's (003, Appendix 3). The agreement is never marked DRAFT (the footer's status run stays empty).
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx
from .parent_contract import header_row, label_rows, title

NAME = "attendance-contract-wales.docx"
DETAILS = [66, 108]
SIGNATURES = [44, 62, 40, 28]
EWO = "contract.officer_role == 'ewo'"


def t(message: str, **names: str) -> str:
    """A translatable message, with the values it names bound first: {% trans child=pupil.name %}."""
    bound = ", ".join(f"{name}={value}" for name, value in names.items())
    return f"{{% trans {bound} %}}{message}{{% endtrans %}}" if bound else f"{{% trans %}}{message}{{% endtrans %}}"


def officer(sao: str, ewo: str) -> str:
    """The officer's words: the Education Welfare Officer's or the School Attendance Officer's."""
    return f"{{% if {EWO} %}}{t(ewo)}{{% else %}}{t(sao)}{{% endif %}}"


def bullets(doc, items: str):
    dx.paragraph(doc, "{%p for item in " + items + " %}")
    doc.add_paragraph("{{ item }}", style="List Bullet")
    dx.paragraph(doc, "{%p endfor %}")


def section(doc, heading: str, items: str):
    doc.add_paragraph(heading, style="Heading 2")
    bullets(doc, items)


def build(path: Path):
    doc = dx.school_document("Attendance Contract")
    dx.footer(doc)
    title(doc, t("Attendance Contract"))

    details = dx.table(doc, DETAILS)
    label_rows(details, DETAILS, [
        (t("Reference"), "{{ reference }}"), (t("School"), "{{ school_name }}"),
        (t("Date of the contract"), "{{ contract.date }}"), (t("Pupil"), "{{ pupil.name }}"),
        (t("Date of birth"), "{{ pupil.date_of_birth }}"), (t("Year group"), "{{ pupil.year_group }}")])
    dx.tag_row(details, DETAILS, "{%tr for parent in parents %}")
    label_rows(details, DETAILS, [(t("Parent or carer"), "{{ parent.display_name }}")])
    dx.tag_row(details, DETAILS, "{%tr endfor %}")
    dx.tag_row(details, DETAILS, "{%tr if contract.attendance %}")
    label_rows(details, DETAILS, [(t("Attendance this school year"), "{{ contract.attendance }}")])
    dx.tag_row(details, DETAILS, "{%tr endif %}")
    label_rows(details, DETAILS, [(t("Review date"), "{{ contract.review_date }}")])
    dx.paragraph(doc).paragraph_format.space_after = Pt(0)

    dx.paragraph(doc, t("This contract sets out the expectations, actions and responsibilities that {{ child }}, their "
                        "parents or carers, {{ school }} and {{ officer }} have agreed so that {{ child }}'s "
                        "attendance improves. Everyone who signs it agrees to do their part.",
                        child="pupil.name", school="school_name", officer="contract.officer_name"))

    doc.add_paragraph(t("Attendance targets"), style="Heading 2")
    dx.paragraph(doc, t("{{ child }} and their parents or carers have agreed these targets:", child="pupil.name"))
    bullets(doc, "contract.targets")
    dx.paragraph(doc, t("The contract will be reviewed on {{ review_date }}, when everyone who signs it will look at "
                        "the progress made.", review_date="contract.review_date"))

    section(doc, t("What {{ child }} will do", child="pupil.name"), "contract.pupil")
    section(doc, t("What the parents or carers will do"), "contract.parents")
    section(doc, t("What the school will do"), "contract.school")
    section(doc, officer("What the School Attendance Officer will do", "What the Education Welfare Officer will do"),
            "contract.officer")

    doc.add_paragraph(t("If attendance does not improve"), style="Heading 2")
    dx.paragraph(doc, t("By law, parents must make sure that a child of compulsory school age who is registered at a "
                        "school attends it regularly (Education Act 1996, section 444)."))
    dx.paragraph(doc, t("If {{ child }}'s attendance does not improve, the school and the local authority's Education "
                        "Welfare Service may take further steps, which can include formal action by the local "
                        "authority.", child="pupil.name"))

    agree = dx.paragraph(doc, t("We have read this contract and agree to keep to it."))
    agree.paragraph_format.space_before = Pt(10)
    agree.paragraph_format.keep_with_next = True
    signatures = dx.table(doc, SIGNATURES)
    header_row(signatures, SIGNATURES, ["", t("Name"), t("Signature"), t("Date")])
    rows = [(t("Pupil"), "{{ pupil.name }}"), None, (t("For the school"), "{{ contract.school_signatory }}"),
            (officer("School Attendance Officer", "Education Welfare Officer"), "{{ contract.officer_name }}")]
    for row in rows:
        if row is None:  # a line for each parent or carer
            dx.tag_row(signatures, SIGNATURES, "{%tr for parent in parents %}")
            signature_row(signatures, t("Parent or carer"), "{{ parent.name }}")
            dx.tag_row(signatures, SIGNATURES, "{%tr endfor %}")
        else:
            signature_row(signatures, *row)
    doc.save(path)


def signature_row(table, role: str, name: str):
    """A line signed by hand on paper: the role and name printed, the signature and date left blank."""
    line = dx.row(table, SIGNATURES, [role, name, "", ""], bold_first=True, split=False)
    line.height = Pt(26)
