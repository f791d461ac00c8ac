"""Referral to the Education Welfare Service (002, Step 3). 002 describes the formal SAO and EWS
referral forms but does not reproduce them: the rows are the service's own, one per condition of
002, Steps 2-3. Keep the rows and words the same as templates/html/print/ews-referral.html."""
from __future__ import annotations

from pathlib import Path

from . import common as dx

NAME = "ews-referral.docx"


def _tick_table(doc):
    return dx.tick_table(doc), dx.TICK_WIDTHS


def build(path: Path):
    """002, Step 3 – Referral to the Education Welfare Service."""
    doc = dx.school_document("Referral to the Education Welfare Service")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    dx.heading(doc, "Date of referral")

    doc.add_paragraph("The child and family", style="Heading 2")
    table, widths = _tick_table(doc)
    dx.child_and_parents_rows(table, "Parent or carer")
    dx.tag_row(table, widths, "{%tr for item in ews.languages %}")
    dx.row(table, widths, ["Language for letters to {{ item.name }}", "{{ item.language }}", ""], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")

    doc.add_paragraph("Attendance this school year", style="Heading 2")
    table, widths = _tick_table(doc)
    for label, value in (
        ("Attendance", "{{ ews.figures.attendance }}"),
        ("Authorised absence", "{{ ews.figures.authorised }}"),
        ("Unauthorised absence", "{{ ews.figures.unauthorised }}"),
        ("Unauthorised sessions", "{{ ews.figures.unauthorised_sessions }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)

    doc.add_paragraph("Reasons for concern", style="Heading 2")
    table, widths = _tick_table(doc)
    for label, value in (
        ("Reasons for concern about the child's attendance and welfare", "{{ ews.concerns }}"),
        ("Other agencies working with the child or family", "{{ ews.other_agencies }}"),
        ("Younger brothers or sisters with attendance concerns", "{{ ews.younger_siblings }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)

    doc.add_paragraph("Steps 1 and 2: the work of the school", style="Heading 2")
    table, widths = _tick_table(doc)
    for label, value in (
        ("Action by the class teacher or form teacher", "{{ ews.class_teacher_action }}"),
        ("Action by the head of year (secondary) or the head or deputy head (primary)",
         "{{ ews.head_of_year_action }}"),
        ("Parents invited to a meeting in school", "{{ ews.meeting_invitation }}"),
        ("What happened at the meeting", "{{ ews.meeting_outcome }}"),
        ("Where absences for illness continue to be covered by notes, parents told that medical confirmation "
         "is required", "{{ ews.medical_confirmation }}"),
        ("Registration certificate printed on", "{{ ews.certificate_printed }}"),
    ):
        dx.row(table, widths, [label, value, ""], split=False)
    dx.tag_row(table, widths, "{%tr for item in evidence %}")
    dx.row(table, widths, ["{{ item.label }}", "{{ item.status }}", ""], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")

    doc.add_paragraph("Letters of concern to the parents", style="Heading 2")
    dx.list_table(doc, [40, 134], ["Date sent", "Letter"], "letters_of_concern",
                ["{{ item.date }}", "{{ item.description }}"])

    doc.add_paragraph("The School Attendance Officer's meetings and home visits", style="Heading 2")
    dx.list_table(doc, [35, 40, 99], ["Date", "Meeting or visit", "Who was spoken to, and the outcome"], "sao_visits",
                ["{{ item.date }}", "{{ item.kind }}", "{{ item.outcome }}"])

    dx.closing(doc)

    doc.save(path)
