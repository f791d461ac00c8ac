"""The Stage 2 Letter (000, Appendix 7: Stage 2 – Getting Help), one per parent/carer.

Same words as templates/html/print/stage2-letter.html. The seed's "delete as appropriate" options are
resolved by the context (forms_service/documents/form_contexts/stage2_letter.py): each optional paragraph sits
between `{%p if %}` / `{%p endif %}` paragraphs.
A letter is never marked DRAFT (the common context marks only referrals, so the shared footer
shows no status).
"""
from __future__ import annotations

from pathlib import Path

from docx.shared import Pt

from . import common as dx

NAME = "stage2-letter.docx"


def build(path: Path):
    doc = dx.letter_head("Stage 2 Letter")

    dx.paragraph(doc, "{{ recipient.salutation }}")

    heading = doc.add_paragraph("Re: {{ pupil.name }}", style="Heading 1")
    for run in heading.runs:
        run.font.size = Pt(11)
    heading.paragraph_format.space_before = Pt(8)
    heading.paragraph_format.space_after = Pt(8)

    dx.paragraph(doc, "I am writing to you regarding our continued concerns about {{ letter.child }}'s attendance "
                      "in school.")

    dx.paragraph(doc, "Please find enclosed an up-to-date copy of the registration certificate. You will see that "
                      "{{ letter.child }}'s attendance remains concerning and now stands at "
                      "{{ letter.figures.attendance_pct }} and they have missed {{ letter.figures.days_missed }} "
                      "days of school this academic year with "
                      "{{ letter.figures.broken_weeks }}/{{ letter.figures.weeks }} broken weeks.")

    # One of the seed's two "Please delete one of the options" paragraphs.
    dx.paragraph(doc, "{%p if letter.previous_meeting %}")
    dx.paragraph(doc, "During the previous meeting we discussed a number of strategies to support "
                      "{{ letter.child }} attend school more regularly.")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, "{%p if letter.unsuccessful_attempts %}")
    attempts = dx.paragraph(doc, "Over the last ")
    attempts.add_run("6 weeks").bold = True
    attempts.add_run(" we have made a number of unsuccessful attempts to engage with you to develop a plan of "
                     "support to help improve {{ letter.child }}'s attendance.")
    dx.paragraph(doc, "{%p endif %}")

    dx.paragraph(doc, "Please be aware that where pupils have a substantial amount of absence from school, schools "
                      "are expected to investigate the reasons for the absences and where appropriate request "
                      "medical evidence before agreeing to authorise further absences.")

    dx.paragraph(doc, "I am now writing to advise you that in view of {{ letter.child }}'s continued poor "
                      "attendance, the school is no longer willing to authorise any future absences unless "
                      "supported by medical evidence (for example, a doctor's note) and it will not be sufficient "
                      "merely to report the absence by telephone or letter. Absences not supported by such "
                      "evidence are likely to remain unauthorised.")

    # The School Attendance Meeting, OR (already in a TAC/TAF or Child Protection process) that process.
    dx.paragraph(doc, "{%p if letter.meeting %}")
    dx.paragraph(doc, "I have also arranged a further School Attendance Meeting to discuss the reasons for "
                      "{{ letter.child }}'s attendance concerns. During this meeting we will discuss how we can "
                      "support you so that {{ letter.child }} regularly attends school. The meeting has been "
                      "arranged for {{ letter.meeting_when }} and it is important that you"
                      "{% if letter.child_invited %} and {{ letter.child }}{% endif %} attend. If you are not "
                      "able to attend at that time, please contact me as soon as possible so that we can "
                      "rearrange the meeting for a mutually convenient time.")
    dx.paragraph(doc, "{%p endif %}")
    dx.paragraph(doc, "{%p if letter.in_process %}")
    dx.paragraph(doc, "Concerns about {{ letter.child }}'s attendance will continue to be addressed as part of the "
                      "{{ letter.process }}.")
    dx.paragraph(doc, "{%p endif %}")

    dx.paragraph(doc, "I must remind you that as you have decided to have {{ letter.child }} registered at "
                      "{{ school_name }}, you have an additional legal duty to ensure {{ letter.child }} attends "
                      "regularly. This means they must attend every day that the school is open, except in a small "
                      "number of allowable circumstances such as being too ill to attend or being given permission "
                      "for an absence in advance from the school.")

    dx.paragraph(doc, "I must also remind you that ensuring regular school attendance is a legal responsibility and "
                      "that failure to do so may result in your case being referred to {{ la_name }} for further "
                      "action, which can include Education Penalty Notice fines or prosecution.")

    signoff = dx.paragraph(doc, "Yours sincerely")
    signoff.paragraph_format.space_before = Pt(14)
    signoff.paragraph_format.space_after = Pt(34)  # room for a handwritten signature
    signoff.paragraph_format.keep_with_next = True
    name = dx.paragraph(doc, "{{ letter.signatory_name }}")
    name.paragraph_format.space_after = Pt(0)
    name.paragraph_format.keep_with_next = True
    dx.paragraph(doc, "{{ letter.signatory_role }}")

    doc.save(path)
