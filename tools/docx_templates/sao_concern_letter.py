"""The letter home on the third consecutive day of unauthorised absence, or a letter of concern (002,
Steps 1-2), one per parent/carer. The seed describes these letters but does not reproduce them: this
text is the service's own.

Same words and the same translatable messages ({% trans %}) as templates/html/print/sao-concern-letter.html
and its head and close in templates/html/print/_letter.html: tests compare them. Values come
from forms_service/documents/form_contexts/sao_concern_letter.py. A letter is never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "sao-concern-letter.docx"

THIRD_DAY = "letter.type == 'third_day'"


def when(doc, condition: str, *texts: str):
    """Paragraphs shown only when `condition` holds ({%p %} tags, each in its own paragraph)."""
    dx.paragraph(doc, f"{{%p if {condition} %}}")
    for text in texts:
        dx.paragraph(doc, text)
    dx.paragraph(doc, "{%p endif %}")


def build(path: Path):
    doc = dx.letter_head("Letter about your child's absence", salutation=True)

    heading = doc.add_paragraph(
        "{% if " + THIRD_DAY + " %}{% trans %}Your child's absence from school{% endtrans %}"
        "{% elif letter.type == 'concern_first' %}{% trans %}Our concern about your child's attendance{% endtrans %}"
        "{% elif letter.type == 'concern_second' %}{% trans %}Our continuing concern about your child's attendance"
        "{% endtrans %}"
        "{% else %}{% trans %}Final letter of concern about your child's attendance{% endtrans %}{% endif %}",
        style="Heading 1")
    for run in heading.runs:
        run.font.size = Pt(11)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(8)

    # The letter on the third day (002, Step 1).
    dx.paragraph(doc, "{%p if " + THIRD_DAY + " %}")
    dx.paragraph(doc, "{%p if letter.last_day %}")
    dx.paragraph(doc, "{% trans child=pupil.name, first_day=letter.first_day, last_day=letter.last_day %}{{ child }} "
                      "was absent from school from {{ first_day }} to {{ last_day }}, and we have not been told the "
                      "reason for the absence.{% endtrans %}")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "{% trans child=pupil.name, first_day=letter.first_day %}{{ child }} has been absent from school "
                      "since {{ first_day }}, and we have not been told the reason for the absence.{% endtrans %}")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, "{% trans child=pupil.name %}When a child is absent without a reason, we phone home on the first "
                      "day and write on the third school day in a row. We need to know that {{ child }} is safe, and "
                      "every absence must be explained so that we can record it correctly in the register."
                      "{% endtrans %}")
    dx.paragraph(doc, "{% trans sao=letter.sao_name, contact=letter.contact %}Please contact {{ sao }}, our School "
                      "Attendance Officer, on {{ contact }} as soon as possible to tell us the reason for the absence."
                      "{% endtrans %}")

    # A letter of concern in the sequence before the SAO is formally involved (002, before Step 3).
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "{%p if letter.type == 'concern_first' %}")
    dx.paragraph(doc, "{% trans child=pupil.name, school=school_name %}We are writing because we are concerned about "
                      "{{ child }}'s attendance at {{ school }}.{% endtrans %}")
    dx.paragraph(doc, "{%p elif letter.type == 'concern_second' %}")
    dx.paragraph(doc, "{% trans child=pupil.name, school=school_name %}We wrote to you recently about {{ child }}'s "
                      "attendance at {{ school }}. We are writing again because we are still concerned: it has not "
                      "improved.{% endtrans %}")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "{% trans child=pupil.name, school=school_name %}We have written to you before about {{ child }}'s "
                      "attendance at {{ school }}, and we are still concerned: it has not improved. This is our final "
                      "letter of concern.{% endtrans %}")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, "{%p if letter.last_day %}")
    dx.paragraph(doc, "{% trans first_day=letter.first_day, last_day=letter.last_day %}The absences this letter is "
                      "about were from {{ first_day }} to {{ last_day }}.{% endtrans %}")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "{% trans child=pupil.name, first_day=letter.first_day %}The absence this letter is about began "
                      "on {{ first_day }}, and {{ child }} has not yet returned to school.{% endtrans %}")
    dx.paragraph(doc, "{%p endif %}")
    when(doc, "letter.attendance",
         "{% trans child=pupil.name, attendance=letter.attendance %}{{ child }}'s attendance this school year is "
         "{{ attendance }}.{% endtrans %}")
    dx.paragraph(doc, "{% trans child=pupil.name %}Every day in school counts towards {{ child }}'s learning, "
                      "friendships and wellbeing, and we want to work with you to help {{ child }} attend regularly."
                      "{% endtrans %}")
    when(doc, "letter.type == 'concern_final'",
         "{% trans child=pupil.name, sao=letter.sao_name %}If {{ child }}'s attendance does not improve, {{ sao }}, our "
         "School Attendance Officer, will become formally involved and may refer {{ child }} to the local "
         "authority's Education Welfare Service.{% endtrans %}")
    when(doc, "not letter.meeting.date",
         "{% trans child=pupil.name, sao=letter.sao_name, contact=letter.contact %}Please contact {{ sao }}, our School "
         "Attendance Officer, on {{ contact }} to talk about {{ child }}'s attendance and how we can help."
         "{% endtrans %}")
    dx.paragraph(doc, "{%p endif %}")

    # The invitation to a meeting in school (002, before Step 3), when one is arranged.
    dx.paragraph(doc, "{%p if letter.meeting.date %}")
    dx.paragraph(doc, "{% trans child=pupil.name %}We would like to invite you to a meeting in school to talk about "
                      "{{ child }}'s attendance and how we can help:{% endtrans %}")
    doc.add_paragraph("{% trans %}Date:{% endtrans %} {{ letter.meeting.date }}", style="List Bullet")
    dx.paragraph(doc, "{%p if letter.meeting.time %}")
    doc.add_paragraph("{% trans %}Time:{% endtrans %} {{ letter.meeting.time }}", style="List Bullet")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, "{%p if letter.meeting.place %}")
    doc.add_paragraph("{% trans %}Place:{% endtrans %} {{ letter.meeting.place }}", style="List Bullet")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, "{% trans sao=letter.sao_name, contact=letter.contact %}If you cannot come at this time, please "
                      "contact {{ sao }} on {{ contact }} to arrange another.{% endtrans %}")
    dx.paragraph(doc, "{%p endif %}")

    when(doc, "letter.medical_confirmation",
         "{% trans %}Absences for illness have continued to be covered by notes from home. We now need medical "
         "confirmation of any further absence for illness, such as an appointment card, a prescription, or a note "
         "from a doctor or other health professional.{% endtrans %}")
    dx.paragraph(doc, "{% trans child=pupil.name %}If something is making it hard for {{ child }} to come to school, at "
                      "home or in school, please tell us. We can offer help and support, and put you in touch with "
                      "other services that can help.{% endtrans %}")

    dx.signoff(doc, "{{ letter.sender_name }}", "{{ letter.sender_role }}")
    doc.save(path)
