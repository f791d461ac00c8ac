"""late_marks_threshold: Knowsley's lateness threshold for a penalty notice (004, Toolkit, Level 3:
"14 unauthorised late marks within a period of no more than 10 weeks"), advisory wherever it runs.

Registers come from tests/support/registers.py (the English school calendar of 2025/26). The panel below is
on Friday 21 November 2025: the 10 school weeks before it run from Monday 8 September, skipping the
October half-term (27-31 October, all `#`), so the window spans the half-term; Wednesday 3 to
Friday 5 September is the 11th school week back.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from forms_service.formdefs import get_form
from forms_service.policies import list_profiles, load_profile
from forms_service.rules import ADVISORY, Facts, evaluate, lateness

from support.registers import D, PupilRegister, typical_pupil
from test_form_penalty_notice_panel import TODAY as PANEL_CASE_TODAY, case_register, sample_data

ROOT = Path(__file__).resolve().parents[1]
KNOWSLEY = load_profile("knowsley")
PANEL = D(2025, 11, 21)
WINDOW = (D(2025, 9, 8), PANEL)
BEFORE_HALF_TERM = (D(2025, 9, 8), D(2025, 10, 24))
AFTER_HALF_TERM = (D(2025, 11, 3), PANEL)


def form(rules=("late_marks_threshold",)):
    return SimpleNamespace(id="penalty-notice-panel", rules=list(rules), evidence=[], measure_from="panel_date")


def late_mornings(pupil: PupilRegister, n: int, first: dt.date, last: dt.date) -> PupilRegister:
    """`n` mornings, spread evenly over the open days from `first` to `last`, on which the pupil
    arrived after the register closed (U)."""
    days = pupil.open_days(first, last)
    step = len(days) / n
    for i in range(n):
        pupil.mark(days[int(i * step)], "U", ["AM"])
    return pupil


def late_pupil(n: int) -> PupilRegister:
    """An ordinary year (typical_pupil: illness, an appointment, four L marks - late before the
    register closed - and an unexplained absence in the autumn), with `n` U marks in the window:
    7 before the half-term and the rest after it. Two more U marks after the panel (the week of 24
    November) must not count."""
    pupil = typical_pupil(last=D(2025, 12, 19))
    late_mornings(pupil, 7, *BEFORE_HALF_TERM)
    late_mornings(pupil, n - 7, *AFTER_HALF_TERM)
    pupil.mark(D(2025, 11, 24), "U", ["AM"]).mark(D(2025, 11, 26), "U", ["AM"])
    return pupil


def run(register, *, profile=KNOWSLEY, data=None):
    verdict = evaluate(form(), {"panel_date": PANEL} if data is None else data, register=register, profile=profile,
                       today=D(2025, 12, 1))
    return verdict.rule("late_marks_threshold"), verdict


@pytest.mark.parametrize("n, met", [(13, False), (14, True), (15, True)])
def test_the_threshold_over_10_school_weeks_across_the_half_term(n, met):
    pupil = late_pupil(n)
    assert pupil.count("U", *WINDOW) == n and pupil.count("L", *WINDOW) > 0
    assert pupil.count("U", *BEFORE_HALF_TERM) == 7 and pupil.count("U", *AFTER_HALF_TERM) == n - 7
    result, verdict = run(pupil.build())
    assert result.status == ADVISORY  # a signal for a lateness notice, never a condition of the form
    said = (f"{n} late marks after the register closed (code U) in the 10 school weeks from 8 Sep 2025 to "
            "21 Nov 2025 (the attendance panel date): ")
    # 004's 14 late marks date from 2021-2024: the reason says the national threshold now decides (issue 20).
    national = ("; from 19 August 2024 the national threshold decides a penalty notice instead: 10 unauthorised "
                "sessions in 10 school weeks, U included (Working together to improve school attendance, August "
                "2024), checked on its own as \"Enough unauthorised absence in the recent school weeks\".")
    if met:
        assert result.reason == said + ("at or above the profile's lateness threshold of 14 late marks in 10 school "
                                        "weeks, so a penalty notice for persistent lateness may be considered (a "
                                        "separate request)" + national)
    else:
        assert result.reason == said + "below the profile's lateness threshold of 14 late marks in 10 school weeks" + \
            national
    assert result.details["late_marks"] == n and verdict.figures["late_marks_10wk"] == n
    assert (result.details["window_start"], result.details["window_end"], result.details["school_weeks"]) == \
        ("2025-09-08", "2025-11-21", 10)
    assert [s["code"] for s in result.details["sessions"]] == ["U"] * n
    assert all(s["session"] == "AM" and "2025-09-08" <= s["date"] <= "2025-11-21" for s in result.details["sessions"])
    assert result.source.startswith("004, Toolkit, Level 3") and result.source.endswith("; Knowsley")
    assert verdict.eligible


def test_a_late_mark_11_school_weeks_back_is_not_counted():
    pupil = late_pupil(13)
    pupil.mark(D(2025, 9, 4), "U", ["AM"])  # Thursday of the week of 1 September: the 11th school week back
    assert pupil.count("U", D(2025, 9, 1), PANEL) == 14
    result, _ = run(pupil.build())
    assert result.details["late_marks"] == 13 and "below the profile's lateness threshold" in result.reason
    # Measured a week later the window moves on: 1 September drops out, as 8 September did not.
    later, _ = run(pupil.build(), data={"panel_date": D(2025, 11, 28)})
    assert later.details["window_start"] == "2025-09-15"


def test_late_before_the_register_closed_is_not_a_late_mark():
    pupil = late_pupil(13)
    pupil.mark_sessions(6, "L", *AFTER_HALF_TERM, seed=4)
    assert pupil.count("L", *WINDOW) >= 6
    result, _ = run(pupil.build())
    assert result.details["late_marks"] == 13


@pytest.mark.parametrize("name", ["national-2024", "southend", "stockport"])
def test_a_profile_without_a_lateness_threshold_says_so(name):
    result, verdict = run(late_pupil(15).build(), profile=load_profile(name))
    assert result.status == ADVISORY
    # The profile by its name, never its id (issue 18).
    assert result.reason == (f"The local authority's thresholds ({load_profile(name).name}) set none for lateness, so "
                             "late marks are not checked for a penalty notice for lateness.")
    assert name not in result.reason and name not in result.source
    assert "late_marks_10wk" not in verdict.figures


def test_without_marks_or_a_date_it_says_what_is_missing():
    result, _ = run(None)
    assert result.status == ADVISORY and "no register marks were uploaded" in result.reason
    result, _ = run(late_pupil(15).build(), data={})
    assert result.status == ADVISORY and "the attendance panel date is not given" in result.reason
    result, _ = run(PupilRegister(D(2026, 1, 5), D(2026, 1, 23)).build())
    assert result.status == ADVISORY and "no school weeks up to 21 November 2025" in result.reason


def test_a_short_register_says_how_much_it_covers():
    pupil = late_mornings(PupilRegister(D(2025, 11, 3), D(2025, 11, 21)), 5, *AFTER_HALF_TERM)
    result, _ = run(pupil.build())
    assert ("below the profile's lateness threshold of 14 late marks in 10 school weeks; the register only covers 3 "
            "of the 10 school weeks; from 19 August 2024") in result.reason


# --- the Knowsley profile and the panel form -------------------------------------------------------

def test_the_knowsley_profile_quotes_004_and_keeps_the_national_numbers_elsewhere():
    assert "knowsley" in list_profiles()
    assert (KNOWSLEY.param("late_marks_threshold", "marks"), KNOWSLEY.param("late_marks_threshold", "weeks")) == (14, 10)
    assert "14 unauthorised late marks within a period of no more than 10 weeks" in \
        KNOWSLEY.param_source("late_marks_threshold", "marks")
    assert "Arrival after registers close is coded as U" in KNOWSLEY.param_source("late_marks_threshold", "marks")
    national = load_profile("national-2024")
    raw = json.loads((ROOT / "schemas/policies/national-2024.json").read_text())
    # Every parameter of every rule the national profile gives, at its national value, citing that 004 sets none.
    for rule_id, entry in raw["rules"].items():
        for key in entry["params"]:
            assert KNOWSLEY.param(rule_id, key) == national.param(rule_id, key), (rule_id, key)
            assert KNOWSLEY.param_source(rule_id, key).startswith("004 sets no"), (rule_id, key)
        for form_id, params in entry.get("forms", {}).items():
            for key in params:
                assert KNOWSLEY.param(rule_id, key, form_id) == national.param(rule_id, key, form_id)


def test_the_panel_form_ends_with_the_lateness_check_and_it_never_blocks():
    panel = get_form("penalty-notice-panel")
    assert panel.rules[-1] == "late_marks_threshold"
    # The sample case with its 12 unauthorised sessions all lateness after the register closed,
    # then 15: under Knowsley's profile the lateness signal shows; the request stays eligible.
    for n, met in ((12, False), (15, True)):
        verdict = evaluate(panel, sample_data(), register=case_register(n, code="U").build(), profile=KNOWSLEY,
                           today=PANEL_CASE_TODAY)
        late = verdict.rule("late_marks_threshold")
        assert late.status == ADVISORY and late.details["late_marks"] == n
        assert ("may be considered" in late.reason) is met
        assert verdict.eligible, [r.to_dict() for r in verdict.rules if r.status in ("fail", "missing")]


def test_the_national_threshold_is_mentioned_from_the_day_it_came_into_force():
    """18 August 2024 (a Sunday, under the old law), then 19 August 2024: the note appears on the day."""
    facts = Facts(form(), {}, None, KNOWSLEY, D(2024, 8, 19))
    assert lateness._national(facts, D(2024, 8, 18)) == ""
    assert lateness._national(facts, D(2024, 8, 19)).startswith("; from 19 August 2024 the national threshold decides")
    assert lateness._national(Facts(form(), {}, None, load_profile("cardiff"), D(2025, 1, 6)), D(2025, 1, 6)) == ""
