"""The Children Missing Education (CME) Checklist for Schools (002, Step 3, Mandatory Practice; Appendix 6):
"If there are concerns that the pupil's family have moved out of the area, without leaving a forwarding
address/name of new school, the School Attendance Officer must complete and forward the CME Checklist
(Appendix 6) for Schools to the EWS for further tracking."

The seed describes this checklist but does not reproduce it: its rows are the service's own, written from
the enquiries the law and guidance in force in Wales expect (The Education (Pupil Registration) (Wales)
Regulations 2010, reg. 8(1)(h)(iii): the school and the local authority "jointly making reasonable
enquiries"; the Welsh Government's statutory guidance on children missing education, 2010) and from
safeguarding (Keeping learners safe, 2022). This module turns the answers into the rows' words:
templates/html/print/cme-checklist.html and templates/docx/cme-checklist.docx only place them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...formdefs import get_path
from ...rules.missing_education import CONCERNS, listed
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, shown, yes_no

# The form's choice for the siblings' schools, as a reader sees it.
SIBLINGS = {"contacted": "Yes", "not_contacted": "No", "none": "The child has no brothers or sisters at school"}
NO_NEW_SCHOOL = "None known"
NO_SAFEGUARDING_DETAILS = "None given"
# Printed at the top of the checklist when the child is a safeguarding case (cme_safeguarding's concerns):
# the EWS reads first that this is not only a tracking request.
# Its words for each concern are the rule's (rules/missing_education.py), so the two agree.
SAFEGUARDING_ALERT = ("Safeguarding: this child {concerns}. The designated safeguarding person and children's "
                      "services must be told at once, not after this checklist is tracked.")


def _answer(done: Any, outcome: Any) -> str:
    """"Yes: <what came of it>", or just "No" / "Not given"."""
    answer = yes_no(done)
    text = clean_text(outcome)
    return f"{answer}: {text}" if done is True and text else answer


def _alert(data: Mapping) -> str:
    concerns = [words for path, words in CONCERNS if get_path(dict(data), path) is True]
    return SAFEGUARDING_ALERT.format(concerns=listed(concerns)) if concerns else ""


@extra("cme-checklist")
def cme_checklist_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    enquiries = as_mapping(data.get("enquiries"))
    visit = as_mapping(data.get("home_visit"))
    agencies = as_mapping(data.get("agencies"))
    whereabouts = as_mapping(data.get("whereabouts"))
    safeguarding = as_mapping(data.get("safeguarding"))
    siblings = enquiries.get("siblings")
    siblings_text = SIBLINGS.get(siblings, NOT_GIVEN)
    siblings_outcome = clean_text(enquiries.get("siblings_outcome"))
    if siblings == "contacted" and siblings_outcome:
        siblings_text = f"{siblings_text}: {siblings_outcome}"
    visit_text = yes_no(visit.get("made"))
    if visit.get("made") is True:
        visit_text = f"Yes, on {date_text(visit.get('date'))}"
    return {
        "cme": {
            "safeguarding_alert": _alert(data),
            "last_attendance": date_text(data.get("last_attendance_date")),
            "concern_summary": shown(data.get("concern_summary")),
            "phone": _answer(enquiries.get("phone"), enquiries.get("phone_outcome")),
            "written": _answer(enquiries.get("written"), enquiries.get("written_outcome")),
            "home_visit": visit_text,
            # What was found only once a visit is recorded: "Not given" otherwise says nothing useful.
            "home_visit_findings": shown(visit.get("findings")) if visit.get("made") is True else "",
            "relatives": _answer(enquiries.get("relatives"), enquiries.get("relatives_outcome")),
            "siblings": siblings_text,
            "health": yes_no(agencies.get("health")),
            "social_services": yes_no(agencies.get("social_services")),
            "housing": yes_no(agencies.get("housing")),
            "police": yes_no(agencies.get("police")),
            "agencies_outcome": shown(agencies.get("outcome")),
            "whereabouts": shown(whereabouts.get("information")),
            "new_school": shown(whereabouts.get("new_school"), default=NO_NEW_SCHOOL),
            "social_worker": yes_no(safeguarding.get("social_worker")),
            "child_protection": yes_no(safeguarding.get("child_protection")),
            "other_concerns": yes_no(safeguarding.get("other_concerns")),
            "dsp_told": yes_no(safeguarding.get("dsp_told")),
            "childrens_services_told": yes_no(safeguarding.get("childrens_services_told")),
            "safeguarding_details": shown(safeguarding.get("details"), default=NO_SAFEGUARDING_DETAILS),
            "completed_by": shown(as_mapping(data.get("completed_by")).get("name")),
        },
    }
