"""The Request to issue a Penalty Notice for leave of absence taken in term time (003, Appendix 8)."""
from __future__ import annotations

from pathlib import Path

from . import common as dx

NAME = "penalty-notice-leave.docx"


def build(path: Path):
    """003, Appendix 8 – Request to issue a Penalty Notice for leave of absence taken in term time."""
    doc = dx.school_document("Request to issue a Penalty Notice for leave of absence taken in term time")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    dx.heading(doc)
    dx.paragraph(doc)

    # The seed's table: what the head teacher completes, and a column the LA officer ticks.
    widths = dx.TICK_WIDTHS
    table = dx.tick_table(doc)
    dx.child_and_parents_rows(table, "Name of parent/s to be named on the Notice")
    for label, value in (
        # 003's "(6 sessions (3 consecutive days) or more ...)" was the rule before 19 August 2024; since
        # then the national threshold decides in England (its own row; in Wales the row says there is none).
        ("Dates of leave", "{{ leave.dates }}"),
        ("Number of sessions of unauthorised leave (code G)", "{{ leave.sessions }}"),
        ("{{ leave.threshold_label }}", "{{ leave.threshold }}"),
        ("Date child returned to school", "{{ leave.return_date }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)
    dx.tag_row(table, widths, "{%tr for item in evidence %}")
    dx.row(table, widths, ["{{ item.label }}", "{{ item.status }}", ""], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")
    for label, value in (
        ("Previous penalty notices to these parents for this child", "{{ previous_penalty_notices }}"),
        ("Confirmation that all school policies are up to date with the new guidance in the local "
         "authority's code of conduct and this has been shared with parents", "{{ policies_confirmed }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)

    # Amounts only as the rules state them (the seed's £60/£120 are out of date since Aug 2024).
    dx.penalty_amounts(doc)

    dx.closing(doc)

    doc.save(path)
