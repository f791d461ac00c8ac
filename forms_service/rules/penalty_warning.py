"""Compulsory school age for a penalty warning only (Knowsley's letters, 004; issue 20).

Knowsley's attendance letters 1 and 2 (004, Levels 1-2) go to the parents of any registered pupil whose
attendance causes concern, a Reception child not yet five among them: a letter of concern needs no
school age. Its Penalty Warning Notice letter warns of a penalty notice, which may be issued only to the
parent of a child of compulsory school age (Education Act 1996 s.444 and s.444A; 000, para 9): for it,
compulsory_school_age decides, measured from the letter's date."""
from __future__ import annotations

from .engine import PASS, Facts, Outcome, rule
from .pupil import AGE_SOURCE, compulsory_school_age

RULE_ID = "penalty_warning_school_age"
PENALTY_WARNING = "penalty_warning"  # the knowsley-attendance-letter's letter_type this rule is about


@rule(RULE_ID)
def penalty_warning_school_age(f: Facts) -> Outcome:
    letter_type = f.text("letter_type")
    if letter_type is not None and letter_type != PENALTY_WARNING:
        return Outcome(PASS, "An attendance letter, not a penalty warning: it can be sent whatever the child's age "
                             "(only a penalty notice needs a child of compulsory school age).",
                       f"004, Levels 1-2; {AGE_SOURCE}")
    return compulsory_school_age(f)
