"""Request the Local Authority hold a Pupil Planning Meeting (PPM) (003, Appendix 5)."""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt, RGBColor

from . import common as dx

NAME = "ppm-request.docx"


def _form_table(doc, value_heading: str):
    """The seed's three-column table: what the head teacher completes, and a column the LA ticks."""
    return dx.tick_table(doc, value_heading), dx.TICK_WIDTHS


def build(path: Path):
    """003, Appendix 5 – Request the Local Authority hold a Pupil Planning Meeting (PPM)."""
    doc = dx.school_document("Request the Local Authority hold a Pupil Planning Meeting (PPM)")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    doc.add_paragraph("{{ title }}", style="Heading 1")
    dx.paragraph(doc, "{{ source_citation }}", size=9, color=RGBColor(0x44, 0x44, 0x44))

    dx.summary_table(doc)
    dx.paragraph(doc)

    # The seed's first table: the child, the parents to be invited, other agencies.
    table, widths = _form_table(doc, "Details")
    dx.child_and_parents_rows(table, "Name of parent/s to be invited to PPM")
    for label, value in (
        ("Other agencies working with the Child / Family: Social Care, Supporting Families, CAMHS etc",
         "{{ other_agencies }}"),
        ("Lead professional consulted (where the child has a social worker or is in a TAC, TAF or CP process)",
         "{{ lead_professional_consulted }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)
    dx.paragraph(doc)

    dx.paragraph(doc, "{%p for line in intro %}")
    dx.paragraph(doc, "{{ line }}")
    dx.paragraph(doc, "{%p endfor %}")

    # The seed's second table: the school's interventions.
    table, widths = _form_table(doc, "Details of interventions")
    for label, value in (
        ("Number of Letters sent to parents (Please enclose copies)", "{{ ppm.letters }}"),
        ("Number of Home visits conducted & Outcome", "{{ ppm.home_visits }}"),
        ("Date of the Attendance Support meeting held by school and Actions Agreed. Parenting Contract "
         "enclosed (or alternative plan)", "{{ ppm.support_meeting }}"),
        ("Number of phone calls made & Outcome", "{{ ppm.phone_calls }}"),
        ("Number of meetings held & Outcome", "{{ ppm.meetings }}"),
        ("Did the Parent/carer attend all meetings", "{{ ppm.parents_attended_all_meetings }}"),
        ("Details of identified barriers to attending school and the support provided by the school to "
         "address attendance concerns (not just poor attendance)", "{{ ppm.barriers }}"),
        ("Details any Special Educational Needs", "{{ ppm.send_details }}"),
        ("Unauthorised absence in the 10 school weeks prior to the referral submission (10 sessions or more)",
         "{{ ppm.unauthorised_sessions }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)
    dx.tag_row(table, widths, "{%tr for item in evidence %}")
    dx.row(table, widths, ["{{ item.label }}", "{{ item.status }}", ""], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")
    dx.row(table, widths, [
        "Confirmation that all school policies are up to date with the new guidance in the local "
        "authority's code of conduct and this has been shared with parents", "{{ policies_confirmed }}", ""],
        split=False)

    doc.add_paragraph("Interventions in the last 9 months", style="Heading 2")
    widths = [48, 35, 66, 25]
    interventions = dx.table(doc, widths)
    header = dx.row(interventions, widths, ["Intervention", "Date(s)", "Outcome", "Copy attached"], bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, "E8E8E8")
    dx.tag_row(interventions, widths, "{%tr for item in interventions %}")
    dx.row(interventions, widths, ["{{ item.intervention }}", "{{ item.dates }}", "{{ item.outcome }}",
                                   "{{ item.copy_attached }}"], split=False)
    dx.tag_row(interventions, widths, "{%tr endfor %}")

    note = dx.paragraph(doc, "{{ ppm.attending_note }}")
    note.paragraph_format.space_before = Pt(8)

    dx.closing(doc)

    doc.save(path)
