"""Knowsley's Attendance letter 1, Attendance letter 2 and Penalty Warning Notice letter (004, Toolkit, Levels
1-3), one per parent/carer. 004 names these letters but does not reproduce them: this text is the service's own.

Same words as templates/html/print/knowsley-attendance-letter.html and its head and close in
templates/html/print/_letter.html: tests compare them. Values come from
forms_service/documents/form_contexts/knowsley_attendance_letter.py; the penalty amounts, threshold and limit
are the law in force on the letter's date (letter.amounts, letter.law), never typed here. Never marked DRAFT.
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx
from .sao_concern_letter import when

NAME = "knowsley-attendance-letter.docx"

CHILD = "{{ pupil.name }}"
CONTACT = "{{ letter.contact }}"


def build(path: Path):
    doc = dx.letter_head("Letter about your child's attendance", salutation=True)
    dx.paragraph(doc, "{%p set law = letter.law %}")
    dx.paragraph(doc, "{%p set a = letter.amounts %}")

    heading = doc.add_paragraph(
        "{% if letter.type == 'letter_1' %}Our concern about your child's attendance"
        "{% elif letter.type == 'letter_2' %}Your child's attendance has not improved"
        "{% else %}Penalty Notice warning: your child's attendance{% endif %}", style="Heading 1")
    for run in heading.runs:
        run.font.size = Pt(11)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(8)

    # The opening: the concern (Level 1), not improved (Level 2), or the warning (Levels 1 and 3).
    dx.paragraph(doc, "{%p if letter.type == 'letter_1' %}")
    dx.paragraph(doc, f"We are writing because we are concerned about {CHILD}'s attendance at {{{{ school_name }}}}.")
    dx.paragraph(doc, "{%p elif letter.type == 'letter_2' %}")
    dx.paragraph(doc, f"We wrote to you recently about {CHILD}'s attendance at {{{{ school_name }}}}. We are writing "
                      "again because it has not improved, despite the support we have offered.")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, f"We are writing to warn you that, if {CHILD}'s attendance at {{{{ school_name }}}} does not "
                      "improve, the school may ask {{ la_name }} to issue a penalty notice to you. Parents have a legal "
                      "duty to make sure that their child of compulsory school age attends school regularly, and if "
                      f"{CHILD}'s attendance does not improve, the local authority has to consider statutory action.")
    dx.paragraph(doc, "{%p endif %}")
    when(doc, "letter.attendance",
         f"{CHILD}'s attendance this school year is {{{{ letter.attendance }}}}.{{% if letter.level %}} We write to "
         "parents when a child's attendance falls {{ letter.level }}, because every day missed is learning missed."
         "{% endif %}")

    # Letter 1: support, and improvement expected (004, Level 1).
    dx.paragraph(doc, "{%p if letter.type == 'letter_1' %}")
    dx.paragraph(doc, f"Every day in school counts towards {CHILD}'s learning, friendships and wellbeing. We expect "
                      f"{CHILD}'s attendance to improve, and we want to work with you and {CHILD} to make that happen.")
    dx.paragraph(doc, f"If something is making it hard for {CHILD} to come to school, at home or in school, please "
                      "tell us. We can offer help and support: a meeting in school to talk about it, support from our "
                      "pastoral staff, and an Early Help Assessment to bring in other services that can help your "
                      "family.")
    # Letter 2: the Attendance Improvement Meeting (004, Level 2 / Step 2) or a meeting in school.
    dx.paragraph(doc, "{%p elif letter.type == 'letter_2' %}")
    dx.paragraph(doc, "{%p if letter.traded_officer %}")
    dx.paragraph(doc, "We have asked {{ letter.traded_officer }}, Knowsley's Traded Officer for attendance who works "
                      "with our school, to hold an Attendance Improvement Meeting. The meeting brings together you, our "
                      "attendance lead, {{ letter.traded_officer }} and any other services that can help your family, "
                      f"to agree an action plan to improve {CHILD}'s attendance. The plan is reviewed with you to see "
                      "that it is working.")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, f"We would like to meet you to agree how {CHILD}'s attendance will improve, and the support that "
                      f"will help. At the meeting we will set attendance targets with you and {CHILD} and agree an "
                      "action plan.")
    dx.paragraph(doc, "{%p endif %}")
    when(doc, "not letter.meeting.date", f"Please contact us on {CONTACT} to arrange the meeting.")
    # The penalty warning: the law in force on the letter's date.
    dx.paragraph(doc, "{%p else %}")
    when(doc, "letter.unauthorised",
         "In the last {{ letter.unauthorised_weeks }} school weeks up to the date of this letter, "
         f"{CHILD} has had {{{{ letter.unauthorised }}}} of unauthorised absence. A session is a morning or an "
         "afternoon.")
    dx.paragraph(doc, "{%p if law.threshold.sessions %}")
    dx.paragraph(doc, "The law in force on the date of this letter is the national framework for penalty notices in "
                      "Working together to improve school attendance (Department for Education, August 2024), and "
                      "{{ law.regulations }}, in force from {{ law.in_force_from }}. A penalty notice may be "
                      "considered when a pupil has {{ law.threshold.sessions }} or more sessions of unauthorised "
                      "absence within a rolling period of {{ law.threshold.weeks }} school weeks. The "
                      "{{ law.threshold.weeks }} school weeks can run across different terms and school years.")
    dx.paragraph(doc, "Arriving after the register has closed is recorded as an unauthorised absence (code U) for "
                      "that session. Each late arrival after the register has closed counts as one of the "
                      "{{ law.threshold.sessions }} sessions{% if letter.late_marks.marks %}: {{ la_name }} no longer "
                      "waits for {{ letter.late_marks.marks }} late marks within {{ letter.late_marks.weeks }} weeks, "
                      "as its earlier code of conduct did, before it considers a penalty notice{% endif %}.")
    dx.paragraph(doc, "{%p else %}")
    dx.paragraph(doc, "The law in force on the date of this letter is {{ law.regulations }}. {{ la_name }}'s code of "
                      "conduct for penalty notices sets when a penalty notice may be issued.")
    dx.paragraph(doc, "Arriving after the register has closed is recorded as an unauthorised absence (code U) for "
                      "that session, and persistent late arrival after the register has closed may itself lead to a "
                      "penalty notice.")
    dx.paragraph(doc, "{%p endif %}")
    when(doc, "law.notice_to_improve",
         "Before a penalty notice is issued, the local authority may first send you a Notice to Improve, which gives "
         f"you a period in which {CHILD}'s attendance must improve and offers you support.")
    dx.paragraph(doc, "A penalty notice is issued to each parent for each child. A first penalty notice is "
                      "{{ a.lower }} if paid within {{ a.lower_days }} days, rising to {{ a.higher }} if paid within "
                      "{{ a.higher_days }} days.{% if a.second.amount %} A second penalty notice to the same parent "
                      "for the same child within {{ a.second.years }} years is {{ a.second.amount }}, to be paid "
                      "within {{ a.second.days }} days.{% elif a.second.amounts %} A second penalty notice to the same "
                      "parent for the same child within {{ a.second.years }} years is {{ a.second.amounts }}."
                      "{% endif %}{% if law.limit %} No more than {{ law.limit }} penalty notices can be issued to the "
                      "same parent for the same child within {{ law.years }} years: after that the local authority "
                      "will consider other action, such as prosecution.{% endif %}")
    dx.paragraph(doc, "If a penalty notice is not paid, the local authority may prosecute you in the magistrates' "
                      "court under section 444 of the Education Act 1996 for failing to make sure that your child "
                      "attends school regularly.")
    dx.paragraph(doc, "{%p endif %}")

    # The meeting, when a date is set.
    dx.paragraph(doc, "{%p if letter.meeting.date %}")
    dx.paragraph(doc, "{% if letter.type == 'letter_2' and letter.traded_officer %}The Attendance Improvement Meeting "
                      "will be held on:{% else %}We would like to invite you to a meeting in school to talk about "
                      f"{CHILD}'s attendance:{{% endif %}}")
    doc.add_paragraph("Date: {{ letter.meeting.date }}", style="List Bullet")
    dx.paragraph(doc, "{%p if letter.meeting.time %}")
    doc.add_paragraph("Time: {{ letter.meeting.time }}", style="List Bullet")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, "{%p if letter.meeting.place %}")
    doc.add_paragraph("Place: {{ letter.meeting.place }}", style="List Bullet")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, f"If you cannot come at this time, please contact us on {CONTACT} to arrange another.")
    dx.paragraph(doc, "{%p endif %}")

    # Every letter (004, Level 2 / Step 2, Note): medical evidence, and no sending parents to the GP.
    dx.paragraph(doc, "Please be aware that any further absences may not be authorised unless medical evidence is "
                      f"provided. Medical evidence can be an appointment card, a prescription with {CHILD}'s name and "
                      "the date on it, or prescription medicine. You do not need to ask your doctor for a note.")
    dx.paragraph(doc, "{%p if letter.type == 'penalty_warning' %}")
    dx.paragraph(doc, f"Please contact us on {CONTACT} if there is a reason for {CHILD}'s absence that we should know "
                      f"about, or if you would like help and support to improve {CHILD}'s attendance.")
    dx.paragraph(doc, "{%p elif letter.type == 'letter_1' or letter.meeting.date %}")
    dx.paragraph(doc, f"Please contact us on {CONTACT} if you would like to talk about {CHILD}'s attendance.")
    dx.paragraph(doc, "{%p endif %}")

    dx.signoff(doc, "{{ letter.sender_name }}", "{{ letter.sender_role }}")
    doc.save(path)
