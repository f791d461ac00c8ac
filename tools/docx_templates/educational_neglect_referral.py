"""Referral for educational neglect (004, Appendix D, Knowsley MBC Educational Neglect Policy; Level 4): the
school's referral through the MARF into MASH. The policy does not reproduce the MARF: the rows are the
service's own. Keep the rows and words the same as templates/html/print/educational-neglect-referral.html."""
from __future__ import annotations

from pathlib import Path

from . import common as dx

NAME = "educational-neglect-referral.docx"


def _rows(doc, heading: str, rows):
    """A heading and a table the LA officer ticks, one row per (label, value)."""
    doc.add_paragraph(heading, style="Heading 2")
    table = dx.tick_table(doc)
    for label, value in rows:
        dx.row(table, dx.TICK_WIDTHS, [label, value, ""], split=False)
    return table


def build(path: Path):
    """004, Appendix D – Referral for educational neglect (MARF to MASH)."""
    doc = dx.school_document("Referral for educational neglect (MARF to MASH)")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    dx.heading(doc, "Date of referral")

    doc.add_paragraph("Recommended by the Attendance Vulnerable Children Group", style="Heading 2")
    dx.paragraph(doc, "{{ neglect.recommendation }}")

    doc.add_paragraph("The child and family", style="Heading 2")
    table = dx.tick_table(doc)
    dx.child_and_parents_rows(table, "Parent or carer")

    doc.add_paragraph("Brothers and sisters", style="Heading 2")
    dx.list_table(doc, [44, 31, 44, 55], ["Name", "Date of birth", "School or setting", "Attendance concerns"],
                  "siblings", ["{{ item.name }}", "{{ item.date_of_birth }}", "{{ item.school }}",
                               "{{ item.attendance_concerns }}"])

    _rows(doc, "Who is referring", (
        ("Referring service", "{{ neglect.referred_by }}"),
        ("Referred by", "{{ neglect.referrer }}"),
        ("Telephone or email", "{{ neglect.referrer_contact }}"),
    ))

    doc.add_paragraph("Factors of educational neglect", style="Heading 2")
    dx.list_table(doc, [70, 104], ["Factor", "What has been seen"], "neglect_factors",
                  ["{{ item.factor }}", "{{ item.details }}"])

    _rows(doc, "Attendance this school year", (
        ("Attendance", "{{ neglect.figures.attendance }}"),
        ("Authorised absence", "{{ neglect.figures.authorised }}"),
        ("Unauthorised absence", "{{ neglect.figures.unauthorised }}"),
    ))

    doc.add_paragraph("Attempts to engage the family at Levels 1, 2 and 3", style="Heading 2")
    dx.list_table(doc, [30, 35, 52, 57], ["Date", "Level", "What was done", "How the family responded"],
                  "engagement", ["{{ item.date }}", "{{ item.level }}", "{{ item.action }}", "{{ item.response }}"])

    _rows(doc, "Level 3: the Statutory Officer's work", (
        ("The family refused to engage with the intervention at Levels 1, 2 and 3", "{{ neglect.family_refused }}"),
        ("The Statutory Officer's work began on", "{{ neglect.statutory_start }}"),
        ("Statutory Officer", "{{ neglect.statutory_officer }}"),
        ("What the Statutory Officer's work has achieved", "{{ neglect.statutory_outcome }}"),
    ))

    _rows(doc, "Screening for neglect", (
        ("Screening tool used", "{{ neglect.screening_tool }}"),
        ("Completed on", "{{ neglect.screening_date }}"),
        ("What the screening found", "{{ neglect.screening_outcome }}"),
    ))

    _rows(doc, "The Attendance Vulnerable Children Group's decision", (
        ("Date of the Attendance Vulnerable Children Group meeting", "{{ neglect.avcg_date }}"),
        ("The threshold for an educational neglect referral has been met", "{{ neglect.avcg_threshold_met }}"),
        ("All agencies and services have tried all other avenues", "{{ neglect.avcg_all_avenues_tried }}"),
        ("The group's recommendation", "{{ neglect.avcg_recommendation }}"),
    ))

    dx.closing(doc)

    doc.save(path)
