"""The School Attendance Parent Contract, and its Review (seed 003_ac0c53fe3abf06fd.txt, Appendix 3
"School Attendance Parent Contract" and "School Attendance Parent Contract - Review"; the meeting that
agrees it: 003, "Attendance Support Meetings and School Attendance Parent Contract").

One declaration (schemas/forms/parent-contract.json), two documents rendered from this one context:
- `parent-contract` (templates/html/print/parent-contract.html, templates/docx/parent-contract.docx);
- `parent-contract-review` (…/parent-contract-review.*), produced once the review meeting's date is
  recorded (`"when": "review.meeting_date"`): the school comes back to the same record 2 to 6 weeks
  later.

The contract is a paper agreement signed at the meeting: the service prints the names, and leaves the
SIGNATURE cells empty for wet signatures. It is the school's own document (kind "agreement"), so it is
never marked DRAFT and goes through no head teacher sign-off.

The seed's fourth column of each action table, "Have Actions been met by the Review date Yes/No", is
answered on the action items themselves (`met_at_review`), at the review: the contract prints it
(empty until then, for the pen), and the Review lists every contract action with its answer.

Every value is a printable string: both templates only place them, so the DOCX and the PDF say the same.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...dates import as_date
from ..values import NOT_GIVEN, as_mapping, clean_text, date_text, extra, figure_text, shown, time_text, yes_no

# 003, Appendix 3: the four action tables, in the seed's order, with the seed's headings.
ACTION_TABLES = (
    ("actions.parents", "Parents", "Desired Outcomes and Attendance Actions for Parents"),
    ("actions.student", "Student", "Desired Outcomes and Attendance Actions for Student"),
    ("actions.school", "School", "Desired Outcomes and Actions for School"),
    ("actions.other_agencies", "Other Agencies",
     "Desired Outcomes and Actions for other Agencies including the School Attendance Officer"),
)
# 003, Appendix 3: the columns of each action table (the last one is answered at the review).
COLUMNS = {
    "how": "Additional Information as to how the actions will be implemented",
    "by_when": "By When",
    "met": "Have Actions been met by the Review date Yes/No",
}
# 003, Appendix 3, above the challenges table: the seed's own note to whoever completes the contract.
INSTRUCTION = ("Please complete with as much information as you can so a comprehensive plan can be put into "
               "place to support the family in improving and maintaining good attendance.")
BARRIERS_QUESTION = "What are the challenges, and barriers to attending school?"
# 003, Appendix 3, after the action tables; repeated word for word after the Review.
LEGAL_DUTY = ("All parents have a legal duty to ensure their child receives an education at school or otherwise "
              "to ensure they meet their fullest potential. If attendance fails to meet target set, consideration "
              "will be given to a referral to the Attendance Team who may take legal action under Section 444(1) "
              "Education Act 1996.")
IF_MET = ("If the attendance actions are met and attendance has improved the school will continue to monitor. "
          "If attendance declines over the next 4 months a referral may still be considered.")
CONSENT_HEADING = "Parent's consent to information sharing"
CONSENT = ("We also understand and agree that information about me/us has been and will continue to be collected "
           "so that we, the school, and the LA can assess and provide appropriate assistance and services. The "
           "School and LA may also use this information for service planning, monitoring and research purposes and "
           "may share the information with external agencies and providers of relevant services that they need to "
           "work with, to ensure that we are provided with the most appropriate services. We understand that this "
           "information will be stored either electronically or in the manual records by the School and LA for case "
           "management purposes, to monitor and evaluate the effectiveness of the plan. The School and LA will keep "
           "the information updated and notify anyone who is given the information of any changes to ensure "
           "corrections are made.")
# 003, Appendix 3, "SIGNED BY:" table: rows Chair, Parent (1), Parent (2), School Representative, Other
# Representative, Student (if appropriate); columns PRINT NAME and SIGNATURE.
SIGNED_BY = {"heading": "SIGNED BY:", "print_name": "PRINT NAME", "signature": "SIGNATURE"}
NOT_APPLICABLE = "Not applicable"
# 003, Appendix 3, Review: its three questions and the question of the next step.
REVIEW_QUESTIONS = (
    ("progress_evidence", "Is there evidence of progress against previously agreed actions for all parties?"),
    ("barriers_reduced", "Have these reduced the challenges and barriers to attending school?"),
    ("new_barriers", "Are there any new challenges or barriers that have arisen?"),
)
NEXT_STEP_QUESTION = "What is the appropriate next step:"
NEW_ACTIONS_HEADING = "Any new or outstanding actions to be completed"
# A box per option, as on the seed's paper form: the chosen one crossed.
CHOSEN, NOT_CHOSEN = "\u2612", "\u2610"  # ☒ ☐
NONE_AGREED = "None"


def _get(data: Mapping, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = as_mapping(node).get(part)
    return node


def _declared(form: Mapping, name: str) -> Mapping:
    for page in form.get("pages", ()):
        for field in as_mapping(page).get("fields", ()):
            if as_mapping(field).get("name") == name:
                return field
    return {}


def _choice_options(form: Mapping, name: str) -> list[tuple[str, str]]:
    return [(c["value"], c["label"]) for c in _declared(form, name).get("choices", ())]


def action_items(form: Mapping, data: Mapping, name: str) -> list[Mapping]:
    """The actions of one table as answered; where the data has no such list yet (a fresh draft),
    the seed's standard actions that the declaration holds as the list's `default`. An empty list
    is an answer (every standard action removed) and stays empty."""
    items = _get(data, name)
    if not isinstance(items, (list, tuple)):
        items = _declared(form, name).get("default") or []
    return [as_mapping(item) for item in items]


def _met(value: Any) -> str:
    """The contract's last column: "Yes"/"No" once answered at the review, empty for the pen until then."""
    return yes_no(value) if isinstance(value, bool) else ""


def _tables(form: Mapping, data: Mapping) -> list[dict]:
    tables = []
    for name, _, heading in ACTION_TABLES:
        rows = [{
            "action": shown(item.get("action")),
            "how": clean_text(item.get("how")),  # the seed leaves it empty for some standard actions
            "by_when": shown(item.get("by_when")),
            "met": _met(item.get("met_at_review")),
        } for item in action_items(form, data, name)]
        tables.append({"heading": heading, "rows": rows or [{"action": NONE_AGREED, "how": "", "by_when": "", "met": ""}]})
    return tables


def _boxes(options: list[tuple[str, str]], chosen: Any) -> list[str]:
    return [f"{CHOSEN if value == chosen else NOT_CHOSEN} {label}" for value, label in options]


def _review_when(data: Mapping) -> str:
    """"Tuesday 24 February 2026 at 3:30pm"."""
    day = as_date(data.get("review_date"))
    day_text = f"{day.strftime('%A')} {date_text(day)}" if day else NOT_GIVEN
    time = clean_text(data.get("review_time"))
    return f"{day_text} at {time_text(time)}" if time else day_text


def _parents(data: Mapping) -> list[dict]:
    """The seed's block per parent: name, date of birth, address (their own, or else the child's:
    the form asks for a parent's address only where it differs), contact number."""
    child_address = clean_text(as_mapping(data.get("pupil")).get("address"))
    items = data.get("parents") if isinstance(data.get("parents"), (list, tuple)) else []
    rows = []
    for parent in [as_mapping(p) for p in items] or [{}]:
        rows.append({
            "name": shown(parent.get("name")),
            "date_of_birth": date_text(parent.get("date_of_birth")),
            "address": shown(clean_text(parent.get("address")) or child_address),
            "contact_number": shown(parent.get("contact_number")),
        })
    return rows


def _signed_by(data: Mapping, *, chair: Any, school_representative: Any) -> list[dict]:
    """The rows of the SIGNED BY table, with the name printed beside each signature line. The
    signatures themselves are written by hand at the meeting: the documents leave those cells empty."""
    signatories = as_mapping(data.get("signatories"))
    parents = data.get("parents") if isinstance(data.get("parents"), (list, tuple)) else []
    names = [shown(as_mapping(p).get("name")) for p in parents] or [NOT_GIVEN]
    student = signatories.get("student_signs")
    pupil = as_mapping(data.get("pupil"))
    pupil_name = " ".join(p for p in (clean_text(pupil.get("first_name")), clean_text(pupil.get("last_name"))) if p)
    return [
        {"role": "Chair", "name": shown(chair)},
        *({"role": f"Parent ({number})", "name": name} for number, name in enumerate(names, start=1)),
        {"role": "School Representative", "name": shown(school_representative)},
        {"role": "Other Representative", "name": shown(signatories.get("other_representative"), default=NOT_APPLICABLE)},
        {"role": "Student (if appropriate)",
         "name": (pupil_name or NOT_GIVEN) if student is True else NOT_APPLICABLE if student is False else NOT_GIVEN},
    ]


def _review(form: Mapping, data: Mapping) -> dict:
    review = as_mapping(data.get("review"))
    met = [{"party": party, "action": shown(item.get("action")), "met": yes_no(item.get("met_at_review"))}
           for name, party, _ in ACTION_TABLES for item in action_items(form, data, name)]
    items = review.get("new_actions") if isinstance(review.get("new_actions"), (list, tuple)) else []
    new_actions = [{"action": shown(item.get("action")), "how": clean_text(item.get("how")),
                    "by_when": shown(item.get("by_when"))} for item in map(as_mapping, items)]
    steps = _choice_options(form, "review.next_step")
    signatories = as_mapping(data.get("signatories"))
    return {
        "contract_date": date_text(data.get("support_meeting_date")),
        "meeting_date": date_text(review.get("meeting_date")),
        "possible_sessions": figure_text(review.get("possible_sessions")),
        "attended_sessions": figure_text(review.get("attended_sessions")),
        "lates": figure_text(review.get("lates")),
        "questions": [{"question": question, "answer": shown(review.get(key))} for key, question in REVIEW_QUESTIONS],
        "actions_met_heading": COLUMNS["met"],
        "actions_met": met or [{"party": NONE_AGREED, "action": "", "met": ""}],
        "new_actions_heading": NEW_ACTIONS_HEADING,
        "new_actions": new_actions or [{"action": NONE_AGREED, "how": "", "by_when": ""}],
        "next_step_question": NEXT_STEP_QUESTION,
        "next_steps": _boxes(steps, review.get("next_step")),
        "next_step": dict(steps).get(review.get("next_step"), NOT_GIVEN),
        # The people at the review may differ from those at the contract meeting.
        "signed_by": _signed_by(data, chair=review.get("chair") or signatories.get("chair"),
                                school_representative=review.get("school_representative")
                                or signatories.get("school_representative")),
    }


@extra("parent-contract")
def parent_contract_context(form: Mapping, data: Mapping, verdict: Mapping) -> dict:
    figures = as_mapping(data.get("figures"))
    periods = _choice_options(form, "review_period")
    period = data.get("review_period")
    signatories = as_mapping(data.get("signatories"))
    return {
        "contract": {
            "meeting_date": date_text(data.get("support_meeting_date")),
            "figures": {
                "sessions_missed": figure_text(figures.get("sessions_missed")),
                "minutes_late": figure_text(figures.get("minutes_late")),
                "attendance_pct": figure_text(figures.get("attendance_pct"), "%"),
                "authorised_pct": figure_text(figures.get("authorised_pct"), "%"),
                "unauthorised_pct": figure_text(figures.get("unauthorised_pct"), "%"),
            },
            "parents": _parents(data),
            "review_periods": _boxes(periods, period),
            "review_period": dict(periods).get(period, NOT_GIVEN),
            "review_when": _review_when(data),
            "instruction": INSTRUCTION,
            "barriers_question": BARRIERS_QUESTION,
            "barriers": shown(data.get("barriers")),
            "columns": COLUMNS,
            "tables": _tables(form, data),
        },
        "closing": {"legal_duty": LEGAL_DUTY, "if_met": IF_MET, "consent_heading": CONSENT_HEADING,
                    "consent": CONSENT},
        "signed_by": {**SIGNED_BY, "rows": _signed_by(data, chair=signatories.get("chair"),
                                                      school_representative=signatories.get("school_representative"))},
        "review": _review(form, data),
    }
