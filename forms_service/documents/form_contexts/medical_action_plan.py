"""The Medical Action Plan and the Medical Consent Form (000: Stockport, Attendance Intervention Staged
Process Guidance, August 2024 — Appendix 1 "How to complete the Medical Action Plan", Appendix 2
"Medical Action Plan", Appendix 3 "Medical Consent Form"; para 28 says when a plan is used).

One declaration (schemas/forms/medical-action-plan.json), two documents: the plan, once, and a consent
form for each parent or carer named (`"per": "parent"`: the common context's `recipient` is the parent
who signs it). Every string returned here is printed by both formats of the document that uses it
(templates/html/print/medical-action-plan.html and medical-consent-form.html, and their Word
templates): the tests compare them phrase by phrase.

What the seed's PDF extraction garbled, and how it is reconstructed here:

- Appendix 2's header row reads "PUPIL NAME | DATE OF BIRTH | YEAR GROUP | TEA | NAME". The
  extraction drops letters where a label wraps at a cell edge ("Na ame", "Re eview", "Conse nτ",
  "veeks"), so "TEA" + "NAME" is one wrapped label that lost its middle. It is printed as "TEACHER
  NAME" (asked as "Class teacher or form tutor"): like the row's other three pairs it is a fact about
  the pupil, the member of staff who sees the child every day; "TEAM NAME" means nothing for a pupil
  in a primary school, and a tutor group is already implied by the year group.
- The rest of the header: "SEND:", "Action Plan Chair/Coordinator:", "Attendance %:", "No of
  broken weeks:" ("weeks:" / "veeks:" are one label wrapped twice) and "No. of days off school".
- "People invited to attend" is a table with rows Pupil, Parent / Carer, School Staff, School
  Governor, School Nurse, Other Agencies and columns Name and Signature. Each person invited gets a
  row of their own, so each can sign; a group with nobody invited reads "None invited", and the
  Pupil row "Not invited" when the pupil is not. Signatures are blank cells, signed on paper.
- The side panel beside it: Date of Medical Action Plan; GP Consent gained? Y/N; Consent form
  completed Y/N, Date; Decision to authorise absence? Y/N, Date; Name of authorising person; Date of
  Review. It is printed as its own table after the people invited (a table beside a table does not
  survive in Word: both documents show the same rows in the same order).
- "Medical Issues | Medical Evidence provided by | Date & Type of evidence" and "Identified
  Difficulties | Intervention Required | Provided by / Date" are tables with one row per issue and per
  difficulty; "Target Attendance Level" closes the plan.
- Appendix 3 lists "Medical Professional's Name:" twice, then "Medical Professional's Address:". A
  second name row serves no purpose; with the address that follows it is evidently the practice or
  organisation the professional works at (where a GP request is sent), so it is printed as "Practice /
  Organisation Name:".
- Appendix 3's sentence begins mid-word ("s form I grant permission for a representative of the
  school to seek me edical information regarding the na med child in relation to his or her
  attendance at school or otherwise.", with "medical" and "named" split at cell edges): the lost
  start, on a form the parent signs, can only be "By signing this form" ("...s form" with the words
  that follow), which gives CONSENT_STATEMENT below; the rest is the seed's words, rejoined.

Appendix 1 (the guidance) becomes the declaration's intro, hints and checks: the review date must be
after the plan and "no more than one academic month" after it ("At the Meeting", 4), checked as one
calendar month by the declaration's `"within_months": {"of": "plan_date", "months": 1}`; the attendance
target is a percentage from 0 to 100 with one decimal place, whose hint asks for a realistic figure
("At the Meeting", 3); the school's contact details head both documents ("Before the Meeting", 1:
"Insert school logo and contact details into the header ... they will need to know which school is
requesting"), so the consent form's letterhead is the plan's (`plan.school_contact`); whether to invite
the pupil ("Before the Meeting", 5) is the Pupil row. The attendance figures are "the current school
year's attendance" ("Before the Meeting", 3): from 1 September to the plan's date.

Rules: `compulsory_school_age` on the plan's date. A Medical Action Plan is a step of the Attendance
Intervention Staged Process (para 28: the school moves to Stage 2 only once a plan is in place), which
leads to legal intervention, and that "can only be used for pupils of compulsory school age" (para 9).
The other rules (thresholds, warnings, evidence) belong to the referral that may follow, not to the plan.

Personal data: this is health information about a child (special category). The declaration asks
only what the seed's two forms print — no parent's date of birth or relationship, no diagnosis beyond
the medical issues the school writes down — and every free-text answer has a maximum length. Beyond
the seed's boxes it asks only the school's own contact details and, optionally, the role or agency of
each professional invited (so "School Staff: Mrs Helen Carter" says who she is).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, figure_text, shown, yes_no

# 000, Appendix 3, reconstructed (see the module docstring).
CONSENT_STATEMENT = ("By signing this form I grant permission for a representative of the school to seek medical "
                     "information regarding the named child in relation to his or her attendance at school or otherwise.")
# 000, Appendix 3: "Child's Address (if different to above)".
SAME_ADDRESS = "Same as above"
NONE_INVITED = "None invited"
NOT_INVITED = "Not invited"
NO_EVIDENCE = "No medical evidence provided yet"

# 000, Appendix 2: the rows of "People invited to attend", in the seed's order.
GROUPS = (
    ("pupil", "Pupil"),
    ("parent_carer", "Parent / Carer"),
    ("school_staff", "School Staff"),
    ("school_governor", "School Governor"),
    ("school_nurse", "School Nurse"),
    ("other_agency", "Other Agencies"),
)
SEND = {"none": "No", "sen_support": "SEN Support", "ehc_plan": "EHC Plan"}


def _items(value: Any) -> list[Mapping]:
    return [as_mapping(v) for v in value] if isinstance(value, (list, tuple)) else []


def _person(item: Mapping) -> str:
    """"Mrs Helen Carter (Attendance Lead)", or the name alone."""
    name, role = shown(item.get("name")), clean_text(item.get("role"))
    return f"{name} ({role})" if role else name


def _invited(data: Mapping) -> list[dict]:
    """One row per person invited, grouped in the seed's order; a group's label on its first row only."""
    pupil = as_mapping(data.get("pupil"))
    pupil_name = " ".join(p for p in (clean_text(pupil.get("first_name")), clean_text(pupil.get("last_name"))) if p)
    invited = data.get("pupil_invited")
    names: dict[str, list[str]] = {key: [] for key, _ in GROUPS}
    names["pupil"] = [(pupil_name or NOT_GIVEN) if invited is True else NOT_INVITED if invited is False else NOT_GIVEN]
    names["parent_carer"] = [shown(p.get("name")) for p in _items(data.get("parents"))]
    for item in _items(data.get("invitees")):
        if item.get("group") in names:
            names[item["group"]].append(_person(item))
    rows = []
    for key, label in GROUPS:
        people = names[key] or [NOT_GIVEN if key == "parent_carer" else NONE_INVITED]
        rows.extend({"group": label if index == 0 else "", "name": name} for index, name in enumerate(people))
    return rows


def _with_date(answer: Any, day: Any) -> str:
    """A Y/N answer with its date on the next line, as the seed's side panel has them: "Yes\\nDate: 14 January 2026"."""
    said = yes_no(answer)
    if day is None and answer is not True:
        return said
    return f"{said}\nDate: {date_text(day)}"


def _lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _medical_issues(value: Any) -> list[dict]:
    """Rows of "Medical Issues | Medical Evidence provided by | Date & Type of evidence"."""
    items = _items(value)
    if not items:
        # A draft with none: one row reading "Not given" keeps the table's shape in both documents.
        return [{"issue": NOT_GIVEN, "evidence_by": NOT_GIVEN, "evidence": NOT_GIVEN}]
    out = []
    for item in items:
        evidence_date = date_text(item.get("evidence_date")) if item.get("evidence_date") else ""
        evidence = _lines(evidence_date, clean_text(item.get("evidence_type")))
        by = clean_text(item.get("evidence_by"))
        if not by and not evidence:
            # The plan itself may be how the evidence is sought (000, Appendix 1, steps 1-2).
            by, evidence = NO_EVIDENCE, ""
        out.append({"issue": shown(item.get("issue")), "evidence_by": by or NOT_GIVEN, "evidence": evidence or NOT_GIVEN})
    return out


def _difficulties(value: Any) -> list[dict]:
    rows = _items(value) or [{}]
    return [{
        "difficulty": shown(item.get("difficulty")),
        "intervention": shown(item.get("intervention")),
        "provided": _lines(shown(item.get("provided_by")), date_text(item.get("date"))),
    } for item in rows]


@extra("medical-action-plan")
def medical_action_plan_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    figures = as_mapping(data.get("figures"))
    consent_form = as_mapping(data.get("consent_form"))
    authorisation = as_mapping(data.get("authorisation"))
    professional = as_mapping(data.get("medical_professional"))
    return {
        "plan": {
            # 000, Appendix 1, step 1: the school's contact details in the header (of both documents).
            "school_contact": shown(data.get("school_contact")),
            "date": date_text(data.get("plan_date")),
            "teacher_name": shown(data.get("teacher_name")),
            "send": SEND.get(data.get("send"), NOT_GIVEN),
            "chair": shown(data.get("chair")),
            "attendance_pct": figure_text(figures.get("attendance_pct"), "%"),
            "broken_weeks": figure_text(figures.get("broken_weeks")),
            "days_missed": figure_text(figures.get("days_missed")),
            "invited": _invited(data),
            "decision": _with_date(authorisation.get("decision"), authorisation.get("date")),
            "authorising_person": shown(authorisation.get("name")),
            "review_date": date_text(data.get("review_date")),
            "medical_issues": _medical_issues(data.get("medical_issues")),
            "difficulties": _difficulties(data.get("difficulties")),
            "target": figure_text(data.get("target_attendance_pct"), "%"),
        },
        "consent": {
            # The plan's side panel (000, Appendix 2) ...
            "gp_consent_gained": yes_no(data.get("gp_consent_gained")),
            "form_completed": _with_date(consent_form.get("completed"), consent_form.get("date")),
            # ... and the consent form (000, Appendix 3).
            "professional_name": shown(professional.get("name")),
            "professional_organisation": shown(professional.get("organisation")),
            "professional_address": shown(professional.get("address")),
            "same_address": SAME_ADDRESS,
            "statement": CONSENT_STATEMENT,
        },
    }
