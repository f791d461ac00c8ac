"""Knowsley's Statutory Referral Form (004, Level 3: Family First; Appendix C; Toolkit, Level 3). 004
names the form but does not reproduce it: the rows are the service's own, one per step of Levels 1-3
and the information of Level 2 / Step 1. Keep the rows and words the same as
templates/html/print/statutory-referral.html."""
from __future__ import annotations

from pathlib import Path

from . import common as dx

NAME = "statutory-referral.docx"


def _rows(doc, rows):
    """A tick table of (label, value) rows."""
    table = dx.tick_table(doc)
    for label, value in rows:
        dx.row(table, dx.TICK_WIDTHS, [label, value, ""], split=False)
    return table


def build(path: Path):
    """004, Level 3 – Statutory Referral Form: referral to the Statutory Officer."""
    doc = dx.school_document("Statutory Referral Form: referral to the Statutory Officer")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    dx.heading(doc, "Date of referral")

    doc.add_paragraph("The child and family", style="Heading 2")
    table = dx.tick_table(doc)
    dx.child_and_parents_rows(table, "Parent or carer")
    for label, value in (
        ("Referral made by", "{{ statutory.referred_by }}"),
        ("Name and role", "{{ statutory.referrer_name }}"),
        ("School has bought into Knowsley's attendance SLA", "{{ statutory.has_sla }}"),
        ("SLA provider or traded officer", "{{ statutory.sla_provider }}"),
    ):
        dx.row(table, dx.TICK_WIDTHS, [label, value, ""], split=False)

    doc.add_paragraph("Level 1: actions taken by the school", style="Heading 2")
    dx.list_table(doc, [35, 70, 69], ["Date", "Action taken", "Outcome"], "level1_actions",
                  ["{{ item.date }}", "{{ item.action }}", "{{ item.outcome }}"])
    _rows(doc, (
        ("Early Help Assessment completed on", "{{ statutory.eha_date }}"),
        ("What the Early Help Assessment found or led to", "{{ statutory.eha_outcome }}"),
    ))

    doc.add_paragraph("Level 2: Attendance Improvement Meeting and Team Around the Family", style="Heading 2")
    dx.list_table(doc, [28, 38, 45, 63], ["Date", "Meeting", "Who attended", "Actions agreed and outcome"],
                  "level2_meetings",
                  ["{{ item.date }}", "{{ item.kind }}", "{{ item.attended_by }}", "{{ item.outcome }}"])
    _rows(doc, (
        ("The action plan and its targets", "{{ statutory.action_plan }}"),
        ("Level 2 work before the referral", "{{ statutory.level2_weeks }}"),
        ("Outcome: why the case is being stepped up", "{{ statutory.level2_outcome }}"),
        ("Needs and risks to the child increased", "{{ statutory.risks_increased }}"),
    ))

    doc.add_paragraph("Information gathered before engaging other services", style="Heading 2")
    _rows(doc, (
        ("Attendance this school year", "{{ statutory.attendance }}"),
        ("Unauthorised sessions in the last 10 school weeks", "{{ statutory.unauthorised_sessions }}"),
        ("Historical attendance (last 3 years)", "{{ statutory.historical_attendance }}"),
        ("Brothers and sisters: dates of birth and schools attended", "{{ statutory.siblings }}"),
        ("Behaviour and exclusions", "{{ statutory.behaviour }}"),
        ("SEND information", "{{ statutory.send }}"),
        ("GP details and medical information", "{{ statutory.gp_medical }}"),
        ("Historic or current in-school pastoral support", "{{ statutory.pastoral_support }}"),
        ("Historic or current multi-agency support", "{{ statutory.multi_agency_support }}"),
    ))

    doc.add_paragraph("Evidence of the casework", style="Heading 2")
    table = dx.tick_table(doc)
    dx.tag_row(table, dx.TICK_WIDTHS, "{%tr for item in evidence %}")
    dx.row(table, dx.TICK_WIDTHS, ["{{ item.label }}", "{{ item.status }}", ""], split=False)
    dx.tag_row(table, dx.TICK_WIDTHS, "{%tr endfor %}")

    dx.closing(doc)

    doc.save(path)
