"""Fast Track to Attendance Legal Intervention Referral Form (003, Appendix 6)."""
from __future__ import annotations

from pathlib import Path

from docx.shared import Mm, Pt, RGBColor

from . import common as dx

NAME = "fast-track-referral.docx"

GREY = "E8E8E8"


def _header(table, widths, texts):
    header = dx.row(table, widths, texts, bold=True)
    dx.repeat_header(header)
    for cell in header.cells:
        dx.shade(cell, GREY)
    return header


def _spanning(row, first: int, text: str, *, bold=False, shade=None):
    """Merge the row's cells from `first` to the last into one holding `text`."""
    merged = row.cells[first].merge(row.cells[-1])
    for paragraph in merged.paragraphs[1:]:  # merging keeps each cell's paragraph: keep one
        paragraph._p.getparent().remove(paragraph._p)
    paragraph = merged.paragraphs[0]
    for run in paragraph.runs:
        run._r.getparent().remove(run._r)
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold = bold
    if shade:
        dx.shade(merged, shade)
    return merged


def _stage(table, widths, text):
    """A stage's guidance across the table, as the seed's left-hand column gives it."""
    row = table.add_row()
    for cell, width in zip(row.cells, widths):
        cell.width = Mm(width)
    _spanning(row, 0, text, bold=True, shade=GREY)
    dx.no_split(row)


def build(path: Path):
    """003, Appendix 6 – Fast Track to Attendance Legal Intervention Referral Form."""
    doc = dx.school_document("Fast Track to Attendance Legal Intervention Referral Form")
    dx.footer(doc)

    # Draft marking: only while unsigned.
    dx.draft_marking(doc)

    doc.add_paragraph("{{ title }}", style="Heading 1")
    dx.paragraph(doc, "{{ source_citation }}", size=9, color=RGBColor(0x44, 0x44, 0x44))
    dx.paragraph(doc, "To be completed by school and sent to {{ return_to }}")

    dx.summary_table(doc, "Date referral completed by school")
    dx.paragraph(doc)

    # The seed's first table: the child, the parents invited to the meeting, other agencies.
    widths = [77, 97]
    table = dx.table(doc, widths)
    for label, value in (
        ("Name of child", "{{ pupil.name }}"),
        ("Date of birth", "{{ pupil.date_of_birth }}"),
        ("Year group", "{{ pupil.year_group }}"),
        ("Unique pupil number (UPN)", "{{ pupil.upn }}"),
        ("Address of child", "{{ pupil.address }}"),
        ("Looked after by the local authority", "{{ pupil.looked_after }}"),
    ):
        dx.row(table, widths, [label, value], split=False)
    # One row set per parent or carer invited to the meeting.
    dx.tag_row(table, widths, "{%tr for parent in parents %}")
    for label, value in (
        ("Name of parent/s invited to the Meeting", "{{ parent.display_name }}"),
        ("Date of birth of parent/s", "{{ parent.date_of_birth }}"),
        ("Address of parent if different", "{{ parent.address }}"),
    ):
        dx.row(table, widths, [label, value], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")
    for label, value in (
        ("Other agencies working with the Child/Family: Social Care, Supporting Families, CAMHS etc",
         "{{ other_agencies }}"),
        ("Lead professional consulted (where the child has a social worker or is in a TAC, TAF or CP process)",
         "{{ lead_professional_consulted }}"),
    ):
        dx.row(table, widths, [label, value], split=False)

    # 003, Appendix 6: "Criteria for Fast Track".
    doc.add_paragraph("Criteria for Fast Track", style="Heading 2")
    dx.paragraph(doc, "{{ criteria.lead }}")
    dx.paragraph(doc, "{%p for bullet in criteria.bullets %}")
    doc.add_paragraph("{{ bullet }}", style="List Bullet")
    dx.paragraph(doc, "{%p endfor %}")
    dx.paragraph(doc, "{{ criteria.note }}")

    table = dx.table(doc, widths)
    dx.row(table, widths, ["Attendance within the previous 10 school weeks from the Final Warning date (90% or less)",
                           "{{ ten_weeks.attendance }}"], split=False)
    dx.row(table, widths, ["Unauthorised absences within the same 10 school weeks (10 sessions or more)",
                           "{{ ten_weeks.unauthorised }}"], split=False)
    dx.paragraph(doc)

    # The communications before the Attendance Support Meeting.
    intro = doc.add_paragraph()
    intro.add_run("List below all communications and activities to support family overcome the barriers to "
                  "attending school ")
    intro.add_run("prior to Attendance Support Meeting").bold = True
    widths3 = [77, 73, 24]
    table = dx.table(doc, widths3)
    _header(table, widths3, ["", "To be completed by school", "Copy attached (✓)"])
    for label, value, copy in (
        ("Number of Letters sent to parents", "{{ before.letters }}", "{{ before.letters_copy }}"),
        ("Number of Home visits conducted", "{{ before.home_visits }}", "{{ before.home_visits_copy }}"),
        ("Number of phone calls made", "{{ before.phone_calls }}", "{{ before.phone_calls_copy }}"),
        ("Confirmation that all school policies are up to date with the new guidance in accordance with the local "
         "authority's Code of Conduct and Attendance Policy and your policy has been shared with parents",
         "{{ policies_confirmed }}", ""),
    ):
        dx.row(table, widths3, [label, value, copy], split=False)
    dx.paragraph(doc)

    # The seed's week table: each stage's guidance, then its rows.
    table = dx.table(doc, widths)
    _stage(table, widths, "Week 1 Attendance Support Meeting. Please complete a parenting contract and agree actions "
                          "to support improved attendance and punctuality. Where parents fail to attend the meeting, a "
                          "letter should be sent home, outlining expectations and attendance actions. A four-week "
                          "review period will be given for improvements to be made with the review meeting date set "
                          "at the meeting")
    for label, value in (
        ("Date of meeting", "{{ week1.date }}"),
        ("Did parent(s) attend Yes / No", "{{ week1.parents_attended }}"),
        ("Parent contract agreed Yes / No", "{{ week1.contract_agreed }}"),
        ("Current Attendance %", "{{ week1.attendance_pct }}"),
        ("Current Unauthorised %", "{{ week1.unauthorised_pct }}"),
        ("Did the parent or pupil identify barriers such as bullying, SEND, parenting or other additional needs? "
         "Yes / No", "{{ week1.barriers_identified }}"),
        ("What are the identified barriers to attending school", "{{ week1.barriers }}"),
        ("Review meeting date set at the meeting", "{{ week1.review_date }}"),
    ):
        dx.row(table, widths, [label, value], split=False)
    _stage(table, widths, "Week 4 Review Attendance Support Meeting. If no improvements & no mitigation, a Final "
                          "Warning should be issued immediately")
    for label, value in (
        ("Attendance contract actions", "{{ week4.contract_actions }}"),
        ("Date of meeting", "{{ week4.date }}"),
        ("Did parent(s) attend Yes / No", "{{ week4.parents_attended }}"),
        ("Attendance during review period %", "{{ week4.attendance_pct }}"),
        ("Possible sessions", "{{ week4.possible_sessions }}"),
        ("Sessions attended", "{{ week4.sessions_attended }}"),
        ("Number of unauthorised sessions during Review period", "{{ week4.unauthorised_sessions }}"),
        ("Attendance Actions Met / Partially Met / Not Met", "{{ week4.actions_met }}"),
        ("Outcome of the review", "{{ week4.outcome }}"),
    ):
        dx.row(table, widths, [label, value], split=False)
    _stage(table, widths, "Week 6. If the non-attendance continues with 50% attendance or less and there is no "
                          "engagement from the parent, the case can be referred to the School Attendance Legal "
                          "Intervention Officer. Action - Penalty Notice / Prosecution to be agreed by Team Leader")
    for label, value in (
        ("Date of Final Warning", "{{ week6.final_warning_date }}"),
        ("Attendance % over the past 6 weeks", "{{ week6.attendance_pct_6wk }}"),
        ("Any new reasons for absence (please list)", "{{ week6.new_reasons }}"),
        ("No engagement from the parent since the Final Warning Yes / No", "{{ week6.no_engagement }}"),
    ):
        dx.row(table, widths, [label, value], split=False)
    _stage(table, widths, "Week 8 School Review. Satisfactory improvements - no formal action. School continues to "
                          "review and support the family. Case closes to Fast Track.")
    for label, value in (
        ("Date of review", "{{ week8.review_date }}"),
        ("Has attendance improved following the agreed actions? Yes/No", "{{ week8.improved }}"),
        ("Overall Attendance %", "{{ week8.attendance_pct }}"),
    ):
        dx.row(table, widths, [label, value], split=False)
    _stage(table, widths, "Insufficient improvements after all actions are met - referred to Local Authority")
    for label, value in (
        ("Overall Unauthorised %", "{{ week8.unauthorised_pct }}"),
        # 003, Fast Track, In summary: referred at week 6, or at week 8 after the school review.
        ("Referred at", "{{ referred_at }}"),
        ("Date referral completed by school", "{{ referral_date }}"),
        # Not a question: the service sends the pack to the LA when the head teacher signs.
        ("Date referral sent to the Attendance legal intervention email box",
         "{% if signature.signed %}{{ signature.date }}{% else %}Sent by the service when the head teacher "
         "signs{% endif %}"),
    ):
        dx.row(table, widths, [label, value], split=False)
    dx.paragraph(doc)

    # The interventions during the preceding 8 weeks, with their outcomes.
    dx.paragraph(doc, "List below all interventions to support family overcome the barriers to attending school "
                      "during the preceding 8 weeks.")
    widths4 = [52, 21, 25, 76]
    table = dx.table(doc, widths4)
    _header(table, widths4, ["", "Number", "Copy attached (✓)", "Outcome from communications"])
    for label, key in (("Number of Letters sent to parents", "letters"),
                       ("Number of Home visits conducted", "home_visits"),
                       ("Number of phone calls made", "phone_calls")):
        dx.row(table, widths4, [label, f"{{{{ during.{key} }}}}", f"{{{{ during.{key}_copy }}}}",
                                f"{{{{ during.{key}_outcome }}}}"], split=False)
    row = dx.row(table, widths4, ["Other interventions (please detail)", "", "", ""], split=False)
    _spanning(row, 1, "{{ during.other_interventions }}")

    doc.add_paragraph("Documents attached", style="Heading 2")
    table = dx.table(doc, widths)
    dx.tag_row(table, widths, "{%tr for item in evidence %}")
    dx.row(table, widths, ["{{ item.label }}", "{{ item.status }}"], split=False)
    dx.tag_row(table, widths, "{%tr endfor %}")

    # Amounts only as the rules state them (none of this form's rules gives any today).
    dx.penalty_amounts(doc)

    dx.closing(doc)

    doc.save(path)
