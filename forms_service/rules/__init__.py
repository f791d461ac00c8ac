"""Eligibility rules (DESIGN.md section 3): `evaluate(form, data, register=..., profile=..., today=...)`
runs the form's named rules and returns a `Verdict`.

Rules live in modules named for what they check; importing them here registers them."""
from .engine import (ADVISORY, FAIL, MISSING, PASS, REGISTRY, STATUSES, Facts, Outcome, RuleResult, Verdict,
                     evaluate, rule)
from . import attendance, fast_track, final_warning, leave, paperwork, penalties, pupil, support  # noqa: F401,E402
from .penalties import Payment, penalty_amounts, regime_on  # noqa: E402

__all__ = ["ADVISORY", "FAIL", "MISSING", "PASS", "REGISTRY", "STATUSES", "Facts", "Outcome", "Payment",
           "RuleResult", "Verdict", "evaluate", "penalty_amounts", "regime_on", "rule"]
