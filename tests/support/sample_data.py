"""A realistic, complete referral for 003, Appendix 8 (penalty notice for leave in term time).

A Year 8 pupil (2025/26) taken on a week's holiday, Monday 9 to Friday 13 March 2026: 5 days,
10 sessions of code G; back at school on Monday 16 March; the request made 24 March 2026, within
the 4 weeks the form allows. Two parents, the father at a different address. Nothing here contains
the digits "49", which the hostile-input test looks for.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

from forms_service.formdefs import get_form

FORM_PATH = Path(__file__).resolve().parents[2] / "schemas" / "forms" / "penalty-notice-leave.json"

# The data itself is tests/samples/penalty-notice-leave.json (one copy, also read by the generic
# document tests); here it is loaded through the form's own schema, so dates are date objects.
SAMPLE_PATH = Path(__file__).resolve().parent.parent / "samples" / "penalty-notice-leave.json"
REFERRAL_DATA = get_form("penalty-notice-leave").schema(complete=True).load(
    json.loads(SAMPLE_PATH.read_text(encoding="utf-8")))

SCHOOL = {"name": "Westcliff Park Academy"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
REFERENCE = "PNL-2026-000137"

SIGNATURE = {
    "name": "Mrs Amara Okafor",
    # 24 March 2026 is before British Summer Time starts (29 March): 14:05 UTC is 2:05pm.
    "signed_at": dt.datetime(2026, 3, 24, 14, 5, tzinfo=dt.timezone.utc),
    "role": "Head Teacher",
}

EVIDENCE = [
    {"kind": "leave_request", "filename": "Bennett leave request 12-01-2026.pdf"},
    {"kind": "warning_letter", "filename": "Warning letter Mr and Mrs Bennett 20-01-2026.pdf"},
]

VERDICT = {
    "eligible": True,
    "rules": [
        {"id": "leave_sessions_minimum", "status": "pass",
         "reason": "10 sessions of unauthorised leave (code G) from 12 Jan 2026 to 16 Jan 2026, counted from the "
                   "register; for a request dated from 19 August 2024 the national threshold decides (checked on its own).",
         "source": "Working together to improve school attendance (DfE, August 2024)"},
        {"id": "unauthorised_sessions_threshold", "status": "pass",
         "reason": "10 unauthorised sessions (codes G, N, O, U) in the 10 school weeks from 24 Nov 2025 to 10 Feb 2026 "
                   "(the date of the request): 10 G (leave), counted from the register; at least 10 are needed.",
         "source": "Working together to improve school attendance (DfE, August 2024)",
         "details": {"window_start": "2025-11-24", "window_end": "2026-02-10", "by_code": {"G": 10}}},
        {"id": "penalty_notice_limit", "status": "pass",
         "reason": "No penalty notice issued to these parents for Oliver in the last 3 years.",
         "source": "The Education (Penalty Notices) (England) Regulations 2024",
         "details": {"amounts": [
             {"label": "First penalty notice, paid within 21 days", "pence": 8000},
             {"label": "First penalty notice, paid within 28 days", "pence": 16000},
         ]}},
    ],
    "figures": {"leave_sessions": 10, "unauthorised_sessions_10wk": 10},
}


def load_form() -> dict:
    return json.loads(FORM_PATH.read_text(encoding="utf-8"))


def referral_data() -> dict:
    """A fresh deep copy, so a test can change it freely."""
    return copy.deepcopy(REFERRAL_DATA)
