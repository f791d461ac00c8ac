"""The Stage 3 school attendance enforcement referral (000, Stage 3)."""
from __future__ import annotations

from pathlib import Path

from . import common as dx

NAME = "enforcement-referral.docx"

ACTIONS_HEADER = ["Date", "Action taken", "Outcome"]


def _tick_table(doc):
    return dx.tick_table(doc), dx.TICK_WIDTHS


def _actions_table(doc, loop_var: str):
    dx.list_table(doc, [35, 70, 69], ACTIONS_HEADER, loop_var, ["{{ item.date }}", "{{ item.action }}", "{{ item.outcome }}"])


def build(path: Path):
    """000, Stage 3 – Stage 3 school attendance enforcement referral."""
    doc = dx.school_document("Stage 3 school attendance enforcement referral")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    dx.heading(doc, "Date of referral")

    doc.add_paragraph("The child and family", style="Heading 2")
    table, widths = _tick_table(doc)
    dx.child_and_parents_rows(table, "Parent or carer with parental responsibility or day-to-day care",
                              looked_after=True)

    doc.add_paragraph("Actions taken at Stage 1", style="Heading 2")
    _actions_table(doc, "stage1_actions")
    doc.add_paragraph("Actions taken at Stage 2", style="Heading 2")
    _actions_table(doc, "stage2_actions")

    doc.add_paragraph("Evidence for enforcement", style="Heading 2")
    table, widths = _tick_table(doc)
    for label, value in (
        ("Parents not engaging with the School Attendance Contract or accessing any voluntary support offer",
         "{{ non_engagement }}"),
        ("Early help offered through an Early Help Assessment (EHA)", "{{ early_help_offered }}"),
        ("More than 10 sessions of unauthorised absence in a rolling period of 10 school weeks",
         "{{ unauthorised_sessions }}"),
        ("Why the school believes the parents could do more", "{{ parents_could_do_more }}"),
        ("Other agencies working with the child or family", "{{ other_agencies }}"),
        ("Lead professional or social worker consulted (TAC/TAF or Child Protection process)",
         "{{ lead_professional_consulted }}"),
        ("Lead professional or social worker", "{{ lead_professional_name }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)
    dx.tag_row(table, widths, "{%tr for item in evidence %}")
    dx.row(table, widths, ["{{ item.label }}", "{{ item.status }}", ""], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")

    dx.closing(doc)

    doc.save(path)
