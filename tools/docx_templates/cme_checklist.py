"""Children Missing Education (CME) Checklist for Schools (002, Step 3, Mandatory Practice; Appendix 6).

The seed describes the checklist but does not reproduce it: the rows are the service's own (their sources
are in forms_service/documents/form_contexts/cme_checklist.py). Same rows and words as
templates/html/print/cme-checklist.html.
"""
from __future__ import annotations

from pathlib import Path

from . import common as dx

NAME = "cme-checklist.docx"
# 002, Step 3: "the School Attendance Officer must complete and forward the CME Checklist".
COMPLETED_BY = "the School Attendance Officer"


def _rows(table, rows):
    for label, value in rows:
        dx.row(table, dx.TICK_WIDTHS, [label, value, ""], split=False)


def build(path: Path):
    """002, Appendix 6 – Children Missing Education (CME) Checklist for Schools."""
    doc = dx.school_document("Children Missing Education (CME) Checklist for Schools")
    dx.footer(doc)

    dx.draft_marking(doc)
    # A safeguarding case says so first (form_contexts/cme_checklist.py SAFEGUARDING_ALERT).
    dx.paragraph(doc, "{%p if cme.safeguarding_alert %}")
    dx.paragraph(doc, "{{ cme.safeguarding_alert }}", bold=True, color=dx.RED)
    dx.paragraph(doc, "{%p endif %}")

    dx.heading(doc, "Date of checklist")

    doc.add_paragraph("The child and family", style="Heading 2")
    table = dx.tick_table(doc, completed_by=COMPLETED_BY)
    dx.child_and_parents_rows(table, "Parent or carer", looked_after=True)
    _rows(table, (
        ("Last day the child attended school", "{{ cme.last_attendance }}"),
        ("Why the school thinks the family may have moved away", "{{ cme.concern_summary }}"),
    ))

    doc.add_paragraph("Enquiries made to find the child", style="Heading 2")
    table = dx.tick_table(doc, "Done, and the outcome", completed_by=COMPLETED_BY)
    _rows(table, (
        ("Phoned every known contact number, including emergency contacts", "{{ cme.phone }}"),
        ("Written or emailed to the family at every known address", "{{ cme.written }}"),
        ("Home visit made to the last known address", "{{ cme.home_visit }}"),
    ))
    dx.tag_row(table, dx.TICK_WIDTHS, "{%tr if cme.home_visit_findings %}")
    _rows(table, (("What was found at the home", "{{ cme.home_visit_findings }}"),))
    dx.tag_row(table, dx.TICK_WIDTHS, "{%tr endif %}")
    _rows(table, (
        ("Relatives, neighbours or friends of the family asked", "{{ cme.relatives }}"),
        ("Schools of the child's brothers or sisters contacted", "{{ cme.siblings }}"),
        ("Health services asked (school nurse, health visitor or GP practice)", "{{ cme.health }}"),
        ("Children's services asked whether they know the family", "{{ cme.social_services }}"),
        ("Housing service or the family's landlord asked", "{{ cme.housing }}"),
        ("Police contacted (where there are safeguarding concerns)", "{{ cme.police }}"),
        ("What the agencies said", "{{ cme.agencies_outcome }}"),
        ("What is known about where the family has gone", "{{ cme.whereabouts }}"),
        ("New school, if known", "{{ cme.new_school }}"),
    ))

    doc.add_paragraph("Safeguarding", style="Heading 2")
    table = dx.tick_table(doc, completed_by=COMPLETED_BY)
    _rows(table, (
        ("The child has a social worker", "{{ cme.social_worker }}"),
        ("The child is on the child protection register", "{{ cme.child_protection }}"),
        ("Other safeguarding concerns about the child or family", "{{ cme.other_concerns }}"),
        ("The school's designated safeguarding person told", "{{ cme.dsp_told }}"),
        ("Children's services told that the child is missing", "{{ cme.childrens_services_told }}"),
        ("Safeguarding details", "{{ cme.safeguarding_details }}"),
    ))
    dx.tag_row(table, dx.TICK_WIDTHS, "{%tr for item in evidence %}")
    _rows(table, (("{{ item.label }}", "{{ item.status }}"),))
    dx.tag_row(table, dx.TICK_WIDTHS, "{%tr endfor %}")
    _rows(table, (("Checklist completed by (School Attendance Officer)", "{{ cme.completed_by }}"),))

    dx.closing(doc)

    doc.save(path)
