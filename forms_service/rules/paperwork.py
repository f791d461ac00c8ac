"""Rules about the paperwork itself: the head's confirmation about policies, and the enclosures."""
from __future__ import annotations

from . import certificate
from .engine import FAIL, MISSING, PASS, Facts, Outcome, rule


@rule("policies_confirmed")
def policies_confirmed(f: Facts) -> Outcome:
    source = "003, Appendices 5-8 (confirmation that school policies follow the code of conduct)"
    confirmed = f.flag("policies_confirmed")
    if confirmed is None:
        return Outcome(MISSING, "The headteacher has not yet said whether the school's policies are up to date with "
                                "the local authority's code of conduct and shared with parents.", source)
    if confirmed:
        return Outcome(PASS, "The headteacher confirms the school's policies are up to date with the local "
                             "authority's code of conduct and have been shared with parents.", source)
    return Outcome(FAIL, "The headteacher cannot confirm the school's policies are up to date with the local "
                         "authority's code of conduct and shared with parents: update and share them first.", source)


@rule("evidence_attached")
def evidence_attached(f: Facts) -> Outcome:
    """Every enclosure the form lists must be there ("The request will be returned if not fully
    completed", 003, Appendix 8). The registration certificate the service makes from the register marks
    counts as the one asked for when the marks cover what the form measures (rules/certificate.py, issue 21);
    the school can still upload its own."""
    form_source = getattr(f.form, "source", None)
    source = f"{form_source} (enclosures)" if form_source else "The form's list of enclosures"
    required = list(getattr(f.form, "evidence", None) or [])
    # Kinds as the data dictionary gives them; a saved referral's uploads may come as {"kind": ...}.
    supplied = {e.get("kind") if isinstance(e, dict) else e for e in f.items("evidence") or []}
    if not required:
        return Outcome(PASS, "This form needs no enclosures.", source)
    made = None
    if certificate.KIND in {item["kind"] for item in required} and certificate.KIND not in supplied \
            and f.register is not None:
        made = certificate.covers(f)
        if made.covered:
            supplied.add(certificate.KIND)
    absent = [item for item in required if item["kind"] not in supplied]
    details = {"required": [item["kind"] for item in required], "missing": [item["kind"] for item in absent]}
    note = ""
    if made is not None:
        details["made_from_register"] = made.to_dict()
        note = (f" The registration certificate is {certificate.MADE_FROM_REGISTER}: {made.reason}." if made.covered
                else f" {certificate.MADE_FROM_REGISTER.capitalize()} cannot stand for it: {made.reason}.")
    if absent:
        return Outcome(MISSING, "Not yet attached: " + "; ".join(item["label"] for item in absent) + "." + note,
                       source, details)
    return Outcome(PASS, "All enclosures are attached: " + "; ".join(item["label"] for item in required) + "." + note,
                   source, details)
