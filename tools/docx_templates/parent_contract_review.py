"""School Attendance Parent Contract - Review (003, Appendix 3), at the end of the review period.
Same words as templates/html/print/parent-contract-review.html; every value comes from
forms_service/documents/form_contexts/parent_contract.py, ready to print. Produced only once the review
meeting's date is recorded (the declaration's `"when": "review.meeting_date"`)."""
from __future__ import annotations

from pathlib import Path

from . import common as dx
from .parent_contract import DETAILS, ending, header_row, label_rows, spacer, title

NAME = "parent-contract-review.docx"


def build(path: Path):
    doc = dx.school_document("School Attendance Parent Contract - Review")
    dx.footer(doc)
    title(doc, "School Attendance Parent Contract - Review")

    # Printed on its own, the Review names the child, the parents and the contract it reviews.
    details = dx.table(doc, DETAILS)
    label_rows(details, DETAILS, [
        ("Reference", "{{ reference }}"),
        ("School", "{{ school_name }}"),
        ("Pupil Name", "{{ pupil.name }}"),
        ("Date of Birth", "{{ pupil.date_of_birth }}"),
        ("Year Group", "{{ pupil.year_group }}"),
    ])
    dx.tag_row(details, DETAILS, "{%tr for parent in parents %}")
    label_rows(details, DETAILS, [("Parent/Carer", "{{ parent.display_name }}")])
    dx.tag_row(details, DETAILS, "{%tr endfor %}")
    label_rows(details, DETAILS, [("Parent Contract Date", "{{ contract.meeting_date }}")])
    spacer(doc)

    figures = dx.table(doc, DETAILS)
    label_rows(figures, DETAILS, [
        ("Date of Review Meeting", "{{ review.meeting_date }}"),
        ("Possible number of sessions since Parent Contract Date", "{{ review.possible_sessions }}"),
        ("Actual Number of sessions attended", "{{ review.attended_sessions }}"),
        ("Number of lates", "{{ review.lates }}"),
    ])
    spacer(doc)

    widths = [66, 108]
    questions = dx.table(doc, widths)
    dx.tag_row(questions, widths, "{%tr for item in review.questions %}")
    dx.row(questions, widths, ["{{ item.question }}", "{{ item.answer }}"], bold_first=True)
    dx.tag_row(questions, widths, "{%tr endfor %}")
    spacer(doc)

    # The contract tables' last column, answered at the review.
    widths = [28, 118, 28]
    met = dx.table(doc, widths)
    header_row(met, widths, ["Actions for", "Action agreed in the Parent Contract", "{{ review.actions_met_heading }}"])
    dx.tag_row(met, widths, "{%tr for row in review.actions_met %}")
    dx.row(met, widths, ["{{ row.party }}", "{{ row.action }}", "{{ row.met }}"], split=False)
    dx.tag_row(met, widths, "{%tr endfor %}")
    spacer(doc)

    widths = [66, 80, 28]
    new = dx.table(doc, widths)
    header_row(new, widths, ["{{ review.new_actions_heading }}", "{{ contract.columns.how }}",
                             "{{ contract.columns.by_when }}"])
    dx.tag_row(new, widths, "{%tr for row in review.new_actions %}")
    dx.row(new, widths, ["{{ row.action }}", "{{ row.how }}", "{{ row.by_when }}"], split=False)
    dx.tag_row(new, widths, "{%tr endfor %}")
    spacer(doc)

    widths = [174]
    step = dx.table(doc, widths)
    header_row(step, widths, ["{{ review.next_step_question }}"])
    dx.tag_row(step, widths, "{%tr for box in review.next_steps %}")
    dx.row(step, widths, ["{{ box }}"], split=False)
    dx.tag_row(step, widths, "{%tr endfor %}")
    spacer(doc)

    ending(doc, "review.signed_by")
    doc.save(path)
