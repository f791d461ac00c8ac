"""Eligibility rules (DESIGN.md section 3): `evaluate(form, data, register=..., profile=..., today=...,
used_sessions=...)` runs the form's named rules and returns a `Verdict`; `sessions_relied_on(verdict)`
gives the sessions a stored verdict counted towards a penalty notice.

Rules live in modules named for what they check; importing them here registers them."""
from . import (absence_days, attendance, contract_period, educational_neglect, ews, fast_track,  # noqa: F401,E402
               final_warning, improvement_meeting, lateness, leave, missing_education, paperwork, penalties,
               penalty_warning, pupil, statutory_referral, support, targets, year_attendance)
from .engine import (ADVISORY, FAIL, MISSING, PASS, REGISTRY, STATUSES, Facts, Outcome, RuleResult, Verdict, evaluate,
                     rule, sessions_relied_on)
from .penalties import Payment, penalty_amounts, regime_on  # noqa: E402

__all__ = ["ADVISORY", "FAIL", "MISSING", "PASS", "REGISTRY", "STATUSES", "Facts", "Outcome", "Payment",
           "RuleResult", "Verdict", "evaluate", "penalty_amounts", "regime_on", "rule", "sessions_relied_on"]
