"""The Peterborough trust's invitation to a formal attendance meeting (001, Appendix B1: If attendance targets
are not met; Appendix B2), one per parent/carer.

Same words as templates/html/print/formal-meeting-invitation.html: tests compare them. Values come from
forms_service/documents/form_contexts/formal_meeting_invitation.py. A letter is never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "formal-meeting-invitation.docx"


def build(path: Path):
    doc = dx.letter_head("Invitation to a Formal Attendance Meeting", salutation=True)

    heading = doc.add_paragraph("Re: {{ pupil.name }} – invitation to a formal attendance meeting", style="Heading 1")
    for run in heading.runs:
        run.font.size = Pt(11)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(8)

    # The targets set at the meeting after the high absence letter, and whether each was met (001, Appendix B1).
    dx.paragraph(doc, "At our meeting on {{ letter.targets_set_on }} we agreed attendance targets to help "
                      "{{ letter.child }} attend school more regularly. These were the targets, and whether each has "
                      "been met:")
    dx.paragraph(doc, "{%p for item in letter.targets %}")
    doc.add_paragraph("{{ item.target }} – {{ item.outcome }}", style="List Bullet")
    dx.paragraph(doc, "{%p endfor %}")

    dx.paragraph(doc, "{{ letter.child }}'s attendance this school year is {{ letter.attendance }}. As the attendance "
                      "targets have not been met, the trust's attendance policy (Appendix B1) asks us to invite you to "
                      "a formal attendance meeting.")

    dx.paragraph(doc, "The meeting will be supported by {{ letter.officer }}, the Local Authority Attendance Officer "
                      "from {{ la_name }}. It has been arranged for {{ letter.meeting_when }} at "
                      "{{ letter.meeting_place }}, and it is important that you attend. If you cannot attend at that "
                      "time, please contact me as soon as possible to arrange another.")

    # The academy parenting contract, for the profile's weeks (001, Appendix B1: 6 weeks).
    dx.paragraph(doc, "At the meeting we will put in place an academy parenting contract for "
                      "{{ letter.contract_weeks }}. The contract sets out what you, {{ letter.child }} and the academy "
                      "will each do to improve {{ letter.child }}'s attendance, and the support the academy and the "
                      "local authority will give.")

    # What follows (001, Appendix B2), under the law in force (forms_service/rules/law.py): no amounts here.
    dx.paragraph(doc, "If the academy parenting contract does not sufficiently improve {{ letter.child }}'s attendance "
                      "and all other avenues have been exhausted, the academy will proceed to Formal Support "
                      "(Appendix B2 of the trust's attendance policy). Formal Support may include a formal parenting "
                      "contract with the local authority and, if there is no engagement, an application by the local "
                      "authority to the Family Court for an Education Supervision Order. Where all other routes have "
                      "failed or are not appropriate, the local authority may consider prosecution in the Magistrates' "
                      "Court or a penalty notice.")
    dx.paragraph(doc, "Any legal intervention is for the local authority, under the law in force: {{ letter.law }}.")

    dx.paragraph(doc, "As a parent, you have a legal duty to make sure that {{ letter.child }} attends school "
                      "regularly. If something is making that hard, please tell us: we want to help.")

    dx.signoff(doc, "{{ letter.signatory_name }}", "{{ letter.signatory_role }}")
    doc.save(path)
