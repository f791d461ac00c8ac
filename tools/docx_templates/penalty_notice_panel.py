"""The Request to issue a Penalty Notice following the school's Attendance Panel (003, Appendix 7)."""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "penalty-notice-panel.docx"

# Enclosures placed beside their numbered rows; any other uploaded kind gets a row of its own.
DECLARED = '("parent_contract", "registration_certificate", "warning_letter")'


def _status_of(kind: str) -> str:
    return f'{{% for item in evidence if item.kind == "{kind}" %}}{{{{ item.status }}}}{{% endfor %}}'


def _second_line(row, text: str):
    """A second paragraph in the row's details cell (a cell of the seed's table holds several facts)."""
    paragraph = row.cells[1].add_paragraph()
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.add_run(text)


def _form_table(doc, widths, details_heading):
    return dx.tick_table(doc, details_heading, widths)


def build(path: Path):
    """003, Appendix 7 – Request to issue a Penalty Notice following the school's Attendance Panel."""
    doc = dx.school_document("Request to issue a Penalty Notice following the school's Attendance Panel")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    dx.heading(doc)
    dx.paragraph(doc)

    # The seed's first table: the child and the parent/s, and a column the LA officer ticks.
    widths = [76, 74, 24]
    table = _form_table(doc, widths, "Details")
    dx.child_and_parents_rows(table, "Name of parent/s to be named on the Notice")
    dx.row(table, widths, ["Other agencies working with the Child/Family: Social Care, Supporting Families, "
                           "CAMHS etc", "{{ other_agencies }}", ""], split=False)
    dx.paragraph(doc)

    # The seed's second table: the eight numbered rows.
    table = _form_table(doc, widths, "Number and details of interventions")
    dx.row(table, widths, [
        "1. Summary of any additional needs, identified barriers to attending school and support provided by the "
        "school to address attendance concerns, during the 6 months prior to holding an attendance panel",
        "{{ barriers }}", ""])
    row = dx.row(table, widths, [
        "2. Date of the Attendance Support meeting held by school and Actions agreed. Parenting Contract enclosed "
        "(or alternative plan)", "{{ support_meeting.details }}", ""])
    _second_line(row, _status_of("parent_contract"))
    dx.row(table, widths, [
        "3. Date/s Attendance Panel took place following unauthorised absence of 10 school sessions or more within "
        "a 10-week period prior to panel meeting.", "{{ panel.details }}", ""], split=False)
    dx.row(table, widths, ["4. Did the Parent/carer attend (Yes/No)", "{{ panel.parents_attended }}", ""], split=False)
    dx.row(table, widths, [
        "5. Did the parent/Carer/Pupil identify any new barriers to attending school or request support? "
        "(Please detail)", "{{ panel.new_barriers }}", ""])
    dx.row(table, widths, ["6. Registration Certificate attached detailing current attendance",
                           _status_of("registration_certificate"), ""], split=False)
    row = dx.row(table, widths, ["7. Copy of warning letter issued by head teacher (attached)",
                                 "{{ final_warning.details }}", ""], split=False)
    _second_line(row, _status_of("warning_letter"))
    dx.row(table, widths, [
        "8. Confirmation that all school policies are up to date with the new guidance in the local authority's "
        "code of conduct and this has been shared with parents", "{{ policies_confirmed }}", ""], split=False)
    dx.tag_row(table, widths, f"{{%tr for item in evidence if item.kind not in {DECLARED} %}}")
    dx.row(table, widths, ["{{ item.label }}", "{{ item.status }}", ""], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")

    note = dx.paragraph(doc, "Please note, where additional needs; other barriers to attending school; or requests for "
                             "support are identified at an attendance panel, it is not appropriate to issue a final "
                             "warning and instead the school should review the attendance support action plan/parent "
                             "contract and follow an alternative route for improving attendance.", size=10)
    note.paragraph_format.space_before = Pt(8)

    # Amounts only as the rules state them (the seed's £60/£120 are out of date since Aug 2024).
    dx.penalty_amounts(doc)

    dx.closing(doc)

    doc.save(path)
