"""Fast Track to Attendance Legal Intervention Referral Form (003, Appendix 6, with the criteria and
the week 1/4/6/8 summary of 003, "Fast Track to Attendance"): its rules at their boundaries on
realistic registers, its DOCX and PDF from one context, its validation, the API, and the web journey
of a form filled in over eight weeks (saved at week 1, finished later, submitted and signed).

The sample (tests/samples/fast-track-referral.json) is Riley Hammond, Year 9 at a Southend secondary
school in autumn 2026. Both parents were invited. The calendar of his register (below) is
tests/support/registers.py's 2025/26 year carried on into the autumn term 2026: INSET on Tuesday 1 and
Wednesday 2 September, October half-term Monday 26 to Friday 30 October (closed, `#`).

- Week 1: Attendance Support Meeting on Tuesday 8 September; mum came, a contract was agreed.
  This school year to then: 3, 4, 7 and 8 September = 8 sessions, Friday 4th absent (O, O):
  75% attendance, 25% unauthorised.
- Week 4: review on Tuesday 6 October; nobody came. 8 September to 6 October = 21 days, 42 sessions,
  of which 12 unauthorised (five whole days O, two mornings U): 30 attended, 71.4%. Final Warning
  sent to both parents the same day.
- The 10 school weeks before the Final Warning are the weeks of 29 June, 6, 13 and 20 July (the
  summer term ends Wednesday 22 July), 31 August (open on the 3rd and 4th only), 7, 14, 21 and 28
  September and 5 October (to Tuesday 6th): 10 + 10 + 10 + 6 + 4 + 40 + 4 = 84 possible sessions.
  Two are illness (I, 2 July) and 14 unauthorised: 68 attended, 81.0%.
- Week 6: over the six school weeks to Friday 16 October, 60 sessions, 18 missed: 70%.
- Week 8: review on Tuesday 3 November, after half-term. 1 September to 3 November: 39 open days,
  78 sessions, 26 unauthorised: 66.7% attendance, 33.3% unauthorised.
- Referral on Thursday 5 November: 17 school days after the Final Warning (7 to 23 October and 2 to
  5 November; the half-term week is not counted), at week 8 (`referred_at`): attendance had not
  improved at the review, so fast_track_stage passes.

The same case referred at week 6 instead (003, Fast Track, In summary, week 6), on Tuesday 20
October, is counted where its tests are ("the stage the case has reached").
"""
from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import io
import json
import re
from pathlib import Path

import docx
import pytest
from marshmallow import ValidationError
from pypdf import PdfReader

from forms_service.documents.context import build_context
from forms_service.formatting import format_datetime
from forms_service.formdefs import get_form
from forms_service.policies import Policy, load_profile
from forms_service.register.marks import (Register, Session, attendance_pct, count_by_class, possible_sessions,
                                          previous_school_weeks, to_csv)
from forms_service.rules import evaluate

from support.doctext import render_docx_and_pdf, squash
from support.helpers import (api_token, bearer, csrf, date_parts, login, logout, make_pdf, shift_dates, text,
                             with_changes)
from support.registers import SESSIONS, D, PupilRegister, present_code, typical_pupil

FORM_ID = "fast-track-referral"
FORM = get_form(FORM_ID)
DOC = FORM.documents[0]
SAMPLE_PATH = Path(__file__).resolve().parent / "samples" / f"{FORM_ID}.json"
SAMPLE_JSON = json.loads(SAMPLE_PATH.read_text(encoding="utf-8"))
SOUTHEND = load_profile("southend")
API = "/api/v1"

SUPPORT_MEETING = D(2026, 9, 8)
FINAL_WARNING = D(2026, 10, 6)
WEEK8_REVIEW = D(2026, 11, 3)
REFERRAL_DATE = D(2026, 11, 5)
WINDOW = (D(2026, 6, 29), FINAL_WARNING)  # the 10 school weeks before the Final Warning
EVIDENCE_KINDS = ("registration_certificate", "parent_contract", "letters", "warning_letter")

# The autumn term 2026, which tests/support/registers.py's calendar (to the summer of 2026) does not reach.
AUTUMN_2026 = (D(2026, 9, 1), D(2026, 12, 18))
INSET_2026 = {D(2026, 9, 1), D(2026, 9, 2)}
HALF_TERM_2026 = (D(2026, 10, 26), D(2026, 10, 30))


# --- registers ---------------------------------------------------------------------------------------

def into_autumn_2026(pupil: PupilRegister) -> PupilRegister:
    """The pupil's register carried on over the autumn term 2026, present on every open day; the INSET
    days and the half-term week are planned closures (`#`), as tests/support/registers.py marks them."""
    day = AUTUMN_2026[0]
    while day <= AUTUMN_2026[1]:
        if day.weekday() < 5:
            closed = day in INSET_2026 or HALF_TERM_2026[0] <= day <= HALF_TERM_2026[1]
            for s in SESSIONS:
                pupil.marks[(day, s)] = "#" if closed else present_code(s)
        day += dt.timedelta(days=1)
    return pupil


def attending_pupil() -> PupilRegister:
    """A typical pupil of 2025/26 (whose absences all fall in September and October 2025), present
    throughout 2026: tests mark the absences they need."""
    return into_autumn_2026(typical_pupil())


def riley_to_the_warning() -> PupilRegister:
    """Riley's marks up to the Final Warning, as the module docstring counts them; present after it."""
    pupil = attending_pupil()
    pupil.mark(D(2026, 7, 2), "I")                                   # ill: authorised
    pupil.mark(D(2026, 9, 4), "O")                                   # first week back
    for day in (D(2026, 9, 11), D(2026, 9, 14), D(2026, 9, 18), D(2026, 9, 25), D(2026, 10, 2)):
        pupil.mark(day, "O")                                         # the four-week review period
    pupil.mark(D(2026, 9, 29), "U", ["AM"]).mark(D(2026, 10, 1), "U", ["AM"])  # late after registers closed
    assert pupil.count(("O", "U"), *WINDOW) == 14
    return pupil


def riley(until: dt.date = REFERRAL_DATE) -> Register:
    """Riley's register as the module docstring counts it."""
    pupil = riley_to_the_warning()
    for day in (D(2026, 10, 9), D(2026, 10, 12), D(2026, 10, 16), D(2026, 10, 19), D(2026, 10, 23),
                D(2026, 11, 2)):
        pupil.mark(day, "O")                                         # after the Final Warning
    return pupil.build(until=until)


# --- data --------------------------------------------------------------------------------------------

def sample(**changes) -> dict:
    """The sample loaded through the form's schema (dates as dates), all enclosures given, no typed
    figures (so the register's are used), with `changes` applied ("a__b" = a.b; None removes)."""
    data = FORM.schema(complete=True).load(copy.deepcopy(SAMPLE_JSON))
    data.pop("figures", None)
    data["evidence"] = list(EVIDENCE_KINDS)
    return with_changes(data, changes, drop=None)


def judge(data: dict, register: Register | None = None, *, today: dt.date = REFERRAL_DATE):
    return evaluate(FORM, data, register=register, profile=SOUTHEND, today=today)


def load(data: dict, *, complete: bool = True) -> dict:
    return FORM.schema(complete=complete).load(data)


def errors_for(data: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        load(data)
    return caught.value.messages


# --- the declaration ----------------------------------------------------------------------------------

def test_the_declaration_follows_appendix_6_and_the_design():
    assert (FORM.kind, FORM.source, FORM.reference_prefix, FORM.raw["signed_by"]) == (
        "referral", "003, Appendix 6", "FTR", "headteacher")
    assert FORM.measure_from == "final_warning_date"  # DESIGN.md §4: the window ends at the Final Warning
    assert list(FORM.rules) == ["compulsory_school_age", "not_looked_after", "attendance_in_window",
                                "unauthorised_sessions_threshold", "final_warning_issued", "final_warning_gap",
                                "fast_track_stage", "no_identified_barriers", "policies_confirmed",
                                "evidence_attached", "absence_band", "year11_timing", "lead_professional"]
    assert [e["kind"] for e in FORM.evidence] == list(EVIDENCE_KINDS)
    assert [p.id for p in FORM.pages] == ["pupil", "parents", "agencies", "before", "week1", "closures", "week4",
                                          "week6", "week8", "interventions", "referral"]
    # The names the timeline reads (built alongside this form): exactly these, on these pages.
    by_page = {p.id: [f.name for f in p.fields] for p in FORM.pages}
    assert by_page["week1"] == ["support_meeting_date", "parents_attended_meeting", "parent_contract_agreed",
                                "week1.attendance_pct", "week1.unauthorised_pct", "barriers_identified", "barriers",
                                "week1.review_date"]
    assert by_page["week4"] == ["week4.meeting_date", "week4.parents_attended", "week4.contract_actions",
                                "week4.possible_sessions", "week4.sessions_attended", "week4.attendance_pct",
                                "week4.unauthorised_sessions", "week4.actions_met", "week4.outcome"]
    assert by_page["week6"] == ["final_warning_date", "week6.attendance_pct_6wk", "week6.new_reasons",
                                "week6.no_engagement"]
    assert by_page["week8"] == ["week8.review_date", "week8.improved", "week8.attendance_pct", "week8.unauthorised_pct"]
    assert by_page["closures"] == ["school_closures"]
    closures = FORM.page("closures").fields[0]
    assert [i.name for i in closures.item_fields] == ["start_date", "end_date", "description"]
    assert by_page["referral"] == ["referred_at", "referral_date", "figures.unauthorised_sessions_10wk",
                                   "figures.attendance_pct_10wk"]
    # 003, Fast Track, In summary: referred at week 6 or after the week 8 review; each route's own
    # answers are required only on that route.
    fields = {f.name: f for f in FORM.fields}
    assert [c["value"] for c in fields["referred_at"].options["choices"]] == ["week6", "week8"]
    assert fields["referred_at"].required
    for name in ("week6.attendance_pct_6wk", "week6.no_engagement"):
        assert (fields[name].required, fields[name].options["required_when"]) == (False, {"referred_at": ["week6"]})
    for name in by_page["week8"]:
        assert (fields[name].required, fields[name].options["required_when"]) == (False, {"referred_at": ["week8"]})
    assert FORM.declaration == ("I confirm the above information and attach documents to be an accurate account of "
                                "events and parent(s) named on page one meets the criteria for Fast Track legal "
                                "intervention by the School Attendance Team")
    # The LA's own name is configuration, not part of the form (as on the other referrals).
    assert "Southend" not in json.dumps(FORM.raw)


def test_the_sample_is_complete_and_valid():
    data = load(copy.deepcopy(SAMPLE_JSON))
    assert data["pupil"]["year_group"] == "Year 9" and len(data["parents"]) == 2
    assert (data["support_meeting_date"], data["week4"]["meeting_date"], data["final_warning_date"],
            data["week8"]["review_date"], data["referral_date"]) == (
        SUPPORT_MEETING, FINAL_WARNING, FINAL_WARNING, WEEK8_REVIEW, REFERRAL_DATE)
    assert data["school_closures"] == [{"start_date": D(2026, 10, 26), "end_date": D(2026, 10, 30),
                                        "description": "October half-term"}]


def test_the_sample_figures_are_the_ones_its_register_gives():
    """The sample's typed week figures are what a school office would read off Riley's marks."""
    register = riley()

    def between(first, last):
        return [s for s in register.sessions if first <= s.date <= last]

    def unauthorised_pct(sessions):
        return round(count_by_class(sessions, "2024")["unauthorised"] * 100 / possible_sessions(sessions, "2024"), 1)

    week1, week4, week8 = SAMPLE_JSON["week1"], SAMPLE_JSON["week4"], SAMPLE_JSON["week8"]
    to_meeting = between(AUTUMN_2026[0], SUPPORT_MEETING)
    assert possible_sessions(to_meeting, "2024") == 8
    assert round(attendance_pct(to_meeting, "2024"), 1) == week1["attendance_pct"] == 75.0
    assert unauthorised_pct(to_meeting) == week1["unauthorised_pct"] == 25.0
    review = between(SUPPORT_MEETING, FINAL_WARNING)
    assert possible_sessions(review, "2024") == week4["possible_sessions"] == 42
    assert round(attendance_pct(review, "2024"), 1) == week4["attendance_pct"] == 71.4
    assert count_by_class(review, "2024")["unauthorised"] == week4["unauthorised_sessions"] == 12
    six_weeks = previous_school_weeks(register, D(2026, 10, 16), 6)
    assert round(attendance_pct(six_weeks.sessions, "2024"), 1) == SAMPLE_JSON["week6"]["attendance_pct_6wk"] == 70.0
    year = between(AUTUMN_2026[0], WEEK8_REVIEW)
    assert possible_sessions(year, "2024") == 78
    assert round(attendance_pct(year, "2024"), 1) == week8["attendance_pct"] == 66.7
    assert unauthorised_pct(year) == week8["unauthorised_pct"] == 33.3
    assert SAMPLE_JSON["figures"] == {"unauthorised_sessions_10wk": 14, "attendance_pct_10wk": 81.0}


# --- rules from register data, at their boundaries ------------------------------------------------------

def test_the_sample_with_its_register_is_eligible():
    verdict = judge(sample(), riley())
    by_id = {r.id: r for r in verdict.rules}
    assert [r.id for r in verdict.rules] == list(FORM.rules)
    blocking = ["compulsory_school_age", "not_looked_after", "attendance_in_window", "unauthorised_sessions_threshold",
                "final_warning_issued", "final_warning_gap", "fast_track_stage", "no_identified_barriers",
                "policies_confirmed", "evidence_attached"]
    assert {rid: by_id[rid].status for rid in blocking} == {rid: "pass" for rid in blocking}, \
        {rid: by_id[rid].reason for rid in blocking}
    assert verdict.eligible
    # Measured over the 10 school weeks before the Final Warning: across the summer holiday, whose
    # weeks without sessions are not school weeks.
    attendance = by_id["attendance_in_window"]
    assert (attendance.details["window_start"], attendance.details["window_end"]) == ("2026-06-29", "2026-10-06")
    assert (attendance.details["possible"], attendance.details["attended"], attendance.details["school_weeks"]) == (
        84, 68, 10)
    assert verdict.figures["attendance_pct_10wk"] == 81.0
    assert verdict.figures["unauthorised_sessions_10wk"] == 14
    assert "14 unauthorised sessions" in by_id["unauthorised_sessions_threshold"].reason
    assert by_id["final_warning_gap"].details["school_days_since"] == 17
    assert "Kerry Hammond, Dean Hammond" in by_id["final_warning_issued"].reason
    assert by_id["compulsory_school_age"].details["on"] == "2026-10-06"  # measured at the Final Warning
    assert by_id["absence_band"].status == "advisory" and "Persistently absent" in by_id["absence_band"].reason
    assert by_id["year11_timing"].status == "pass" and by_id["lead_professional"].status == "pass"


@pytest.mark.parametrize("referral_on, school_days, status", [
    (D(2026, 11, 4), 4, "fail"),   # Friday 23 October, then Monday 2 to Wednesday 4 November
    (D(2026, 11, 5), 5, "pass"),
    (D(2026, 11, 6), 6, "pass"),
])
def test_final_warning_gap_counts_school_days_and_not_the_half_term(referral_on, school_days, status):
    """003, Fast Track, week 6: "at least 5 school days after the Final Warning". A warning sent on
    Thursday 22 October (the week 4 review, held late) is followed by one school day before half-term."""
    warning = D(2026, 10, 22)
    data = sample(final_warning_date=warning, week4__meeting_date=warning, referral_date=referral_on)
    verdict = judge(data, riley(until=referral_on), today=referral_on)
    result = verdict.rule("final_warning_gap")
    assert result.status == status, result.reason
    assert result.details == {"school_days_since": school_days, "needed": 5}
    assert f"is {school_days} school days after the Final Warning of 22 October 2026" in result.reason
    weekdays = sum(1 for n in range(1, (referral_on - warning).days + 1)
                   if (warning + dt.timedelta(days=n)).weekday() < 5)
    assert weekdays == school_days + 5  # the five half-term weekdays are not school days
    assert verdict.eligible is (status == "pass")


@pytest.mark.parametrize("warning, absent, shown, possible, attended, status", [
    (D(2026, 10, 9), 9, 90.0, 90, 81, "pass"),    # exactly 90%: "90% or less"
    (D(2026, 10, 6), 8, 90.5, 84, 76, "fail"),    # 90.48%: over, however it is rounded to show
    (D(2026, 10, 6), 9, 89.3, 84, 75, "pass"),
    (D(2026, 10, 9), 8, 91.1, 90, 82, "fail"),
])
def test_attendance_in_the_10_school_weeks_before_the_final_warning(warning, absent, shown, possible, attended,
                                                                     status):
    """A Final Warning on Tuesday 6 October counts 84 sessions (module docstring); one on Friday 9
    October the same ten weeks, with that week's Wednesday to Friday too: 90."""
    pupil = attending_pupil().mark_sessions(absent, "O", *WINDOW, seed=11)
    data = sample(final_warning_date=warning, week4__meeting_date=warning)
    verdict = judge(data, pupil.build(until=REFERRAL_DATE))
    result = verdict.rule("attendance_in_window")
    assert result.status == status, result.reason
    assert (result.details["possible"], result.details["attended"]) == (possible, attended)
    assert (result.details["window_start"], result.details["window_end"]) == ("2026-06-29", warning.isoformat())
    assert verdict.figures["attendance_pct_10wk"] == shown
    assert f"Attendance {shown:g}% ({attended} of {possible} possible sessions)" in result.reason


@pytest.mark.parametrize("unauthorised, status", [(9, "fail"), (10, "pass")])
def test_unauthorised_sessions_in_the_10_school_weeks_before_the_final_warning(unauthorised, status):
    pupil = attending_pupil().mark_sessions(unauthorised, "N", *WINDOW, seed=4)
    pupil.mark(D(2026, 10, 7), "O")  # the day after the warning: not in its window
    result = judge(sample(), pupil.build(until=REFERRAL_DATE)).rule("unauthorised_sessions_threshold")
    assert result.status == status, result.reason
    assert result.details["window_end"] == "2026-10-06"


@pytest.mark.parametrize("identified, status", [(True, "fail"), (False, "pass"), (None, "missing")])
def test_barriers_identified_by_the_parent_or_pupil_stop_fast_track(identified, status):
    verdict = judge(sample(barriers_identified=identified), riley())
    result = verdict.rule("no_identified_barriers")
    assert result.status == status
    assert result.source == "003, Fast Track to Attendance (Criteria for Fast Track)"
    if identified:
        assert "bullying, SEND" in result.reason
    assert verdict.eligible is (status == "pass")


def test_typed_figures_stand_without_a_register_and_the_gap_is_counted_from_the_calendar():
    data = sample(figures={"unauthorised_sessions_10wk": 14, "attendance_pct_10wk": 81.0})
    verdict = judge(data)
    assert verdict.rule("attendance_in_window").status == "pass"
    assert "as entered on the form" in verdict.rule("attendance_in_window").reason
    assert verdict.rule("unauthorised_sessions_threshold").status == "pass"
    # Without marks, school days are weekdays less bank holidays and the closures listed (issue 15).
    gap = verdict.rule("final_warning_gap")
    assert gap.status == "pass" and gap.details["origin"] == "calendar", gap.reason
    assert "no register marks are uploaded" in gap.reason
    assert judge(sample(figures={"unauthorised_sessions_10wk": 14, "attendance_pct_10wk": 90.1})).rule(
        "attendance_in_window").status == "fail"


def test_looked_after_missing_enclosures_unconfirmed_policies_and_a_missing_warning_block():
    register = riley()
    assert judge(sample(pupil__looked_after=True), register).rule("not_looked_after").status == "fail"
    missing = judge(sample(evidence=["registration_certificate", "letters"]), register).rule("evidence_attached")
    assert missing.status == "missing" and missing.details["missing"] == ["parent_contract", "warning_letter"]
    assert judge(sample(policies_confirmed=False), register).rule("policies_confirmed").status == "fail"
    no_warning = judge(sample(final_warning_date=None), register)
    assert no_warning.rule("final_warning_issued").status == "missing"
    assert no_warning.rule("attendance_in_window").status == "missing"  # nothing to measure from
    advisory = judge(sample(other_agencies="Social worker (Children's Services) since August 2026"), register)
    assert advisory.rule("lead_professional").status == "advisory" and advisory.eligible


# --- the stage the case has reached: fast_track_stage ---------------------------------------------------
#
# 003, Fast Track to Attendance, In summary: a case that closed at the week 4 review, or improved by
# the week 8 review, is not referred; one referred at week 6 needs "the non-attendance continues with
# 50% attendance or less and there is no engagement from the parent".
#
# The week 6 referral below is made on Tuesday 20 October 2026, ten school days after the Final
# Warning of Tuesday 6 October: Wednesday 7 to Tuesday 20 October, 20 possible sessions. Riley is
# absent all day on Friday 9, Monday 12, Friday 16 and Monday 19 October (O: 8 sessions), on
# Wednesday 14th in the afternoon (O) and, that morning, arrives after the register closed (U, an
# unauthorised absence): 10 sessions missed, 10 attended, exactly 50%. Had he arrived before the
# register closed (L, present), he would have attended 11: 55%. On Tuesday 13th he is late before
# the register closes (L): present.

WEEK6_REFERRAL = D(2026, 10, 20)


def riley_at_week6(late_on_the_14th: str = "U", *, until: dt.date = WEEK6_REFERRAL) -> Register:
    pupil = riley_to_the_warning()
    for day in (D(2026, 10, 9), D(2026, 10, 12), D(2026, 10, 16), D(2026, 10, 19)):
        pupil.mark(day, "O")
    pupil.mark(D(2026, 10, 13), "L", ["AM"])
    pupil.mark(D(2026, 10, 14), late_on_the_14th, ["AM"]).mark(D(2026, 10, 14), "O", ["PM"])
    # After the referral he is away again: marks the register has by the time it is exported later.
    pupil.mark_days(D(2026, 10, 21), D(2026, 10, 23), "O")
    return pupil.build(until=until)


def week6_case(**changes) -> dict:
    """The sample referred at week 6: no week 8 review, the parent not engaging, referred on 20 October."""
    base = {"referred_at": "week6", "week8": None, "referral_date": WEEK6_REFERRAL,
            "week6__no_engagement": True, "week6__attendance_pct_6wk": 63.0}
    return sample(**{**base, **changes})


def test_a_week6_referral_of_the_sample_is_eligible():
    verdict = judge(week6_case(), riley_at_week6(), today=WEEK6_REFERRAL)
    assert verdict.eligible, [(r.id, r.reason) for r in verdict.rules if r.status in ("fail", "missing")]
    assert verdict.rule("final_warning_gap").details["school_days_since"] == 10
    stage = verdict.rule("fast_track_stage")
    assert stage.status == "pass"
    assert stage.reason == (
        "Referred at week 6: attendance since the Final Warning of 6 October 2026 is 50% (10 of 20 possible sessions "
        "from 7 October 2026 to 20 October 2026, counted from the register), which is 50% or less; the form gives "
        "63% over the past 6 weeks, and the register's count is the one used; there has been no engagement from "
        "the parent since the Final Warning.")
    assert stage.source == ("003, Fast Track to Attendance (In summary: weeks 4, 6 and 8); Appendix 6; "
                            "Southend-on-Sea")
    assert verdict.figures["attendance_pct_since_warning"] == 50.0


def test_the_typed_six_week_figure_is_what_the_register_gives_over_those_weeks():
    """The form's "Attendance % over the past 6 weeks" (003, Appendix 6) is a different window from
    the weeks since the Final Warning: the six school weeks from 14 September to 20 October, 54
    sessions, 20 missed."""
    six_weeks = previous_school_weeks(riley_at_week6(), WEEK6_REFERRAL, 6)
    assert (six_weeks.start, possible_sessions(six_weeks.sessions, "2024")) == (D(2026, 9, 14), 54)
    assert round(attendance_pct(six_weeks.sessions, "2024"), 1) == week6_case()["week6"]["attendance_pct_6wk"]


@pytest.mark.parametrize("late_on_the_14th, attended, shown, status", [
    ("U", 10, "50%", "pass"),   # late after the register closed: absent; exactly 50% is "50% or less"
    ("L", 11, "55%", "fail"),   # late before it closed: present; one session over
])
def test_week6_attendance_since_the_final_warning_from_the_register(late_on_the_14th, attended, shown, status):
    verdict = judge(week6_case(), riley_at_week6(late_on_the_14th, until=REFERRAL_DATE), today=REFERRAL_DATE)
    result = verdict.rule("fast_track_stage")
    assert result.status == status, result.reason
    # Only the sessions after the Final Warning up to the referral: the 21st to 23rd are later.
    assert {k: result.details[k] for k in ("origin", "possible", "attended", "window_start", "window_end")} == {
        "origin": "register", "possible": 20, "attended": attended, "window_start": "2026-10-07",
        "window_end": "2026-10-20"}
    assert (f"attendance since the Final Warning of 6 October 2026 is {shown} ({attended} of 20 possible sessions "
            "from 7 October 2026 to 20 October 2026, counted from the register)") in result.reason
    if status == "fail":
        assert "but a week 6 referral needs 50% or less" in result.reason
        assert not verdict.eligible


@pytest.mark.parametrize("typed, status", [(50.0, "pass"), (50.1, "fail"), (None, "missing")])
def test_week6_attendance_as_typed_without_a_register(typed, status):
    result = judge(week6_case(week6__attendance_pct_6wk=typed), today=WEEK6_REFERRAL).rule("fast_track_stage")
    assert result.status == status, result.reason
    if typed is None:
        assert "attendance over the past 6 weeks is not given: enter it or upload the register marks" in result.reason
    else:
        assert f"attendance over the past 6 weeks is {typed:g}%, as entered on the form" in result.reason
        assert result.details["origin"] == "typed"


@pytest.mark.parametrize("no_engagement, status, words", [
    (True, "pass", "there has been no engagement from the parent since the Final Warning"),
    (False, "fail", "the parent has engaged since the Final Warning, and a week 6 referral needs no engagement"),
    (None, "missing", "whether the parent has engaged since the Final Warning is not given"),
])
def test_week6_needs_no_engagement_from_the_parent(no_engagement, status, words):
    result = judge(week6_case(week6__no_engagement=no_engagement), riley_at_week6(), today=WEEK6_REFERRAL).rule(
        "fast_track_stage")
    assert result.status == status and words in result.reason, result.reason
    assert "is 50% (10 of 20 possible sessions" in result.reason  # the figures are named whatever the outcome


def test_week6_fails_on_attendance_even_when_engagement_is_not_given():
    result = judge(week6_case(week6__no_engagement=None), riley_at_week6("L"), today=WEEK6_REFERRAL).rule(
        "fast_track_stage")
    assert result.status == "fail"
    assert "55%" in result.reason and "whether the parent has engaged" in result.reason


def test_week6_needs_marks_after_the_final_warning():
    """Marks exported on the day of the warning say nothing about the weeks since."""
    result = judge(week6_case(), riley_at_week6(until=FINAL_WARNING), today=WEEK6_REFERRAL).rule("fast_track_stage")
    assert result.status == "missing"
    assert ("the register's marks end on 6 October 2026, 10 weekdays before 20 October 2026: upload marks up to "
            "20 October 2026 to show attendance since the Final Warning") in result.reason


def test_the_week6_percentage_is_the_profiles():
    raw = json.loads((Path(__file__).resolve().parents[1] / "schemas/policies/southend.json").read_text())
    raw["rules"]["fast_track_stage"]["params"]["week6_max_pct"]["value"] = 40
    stricter = Policy.from_dict(raw)
    result = evaluate(FORM, week6_case(), register=riley_at_week6(), profile=stricter,
                      today=WEEK6_REFERRAL).rule("fast_track_stage")
    assert result.status == "fail" and "but a week 6 referral needs 40% or less" in result.reason
    assert result.details["max_pct"] == 40


def test_every_profile_gives_the_week6_percentage_with_its_source():
    for name in ("national-2024", "southend", "stockport"):
        profile = load_profile(name)
        assert profile.param("fast_track_stage", "week6_max_pct") == 50
        quote = profile.param_source("fast_track_stage", "week6_max_pct")
        assert "003, Fast Track to Attendance, In summary, Week 6" in quote and "50% attendance or less" in quote
    assert load_profile("stockport").param_source("fast_track_stage", "week6_max_pct").startswith("000 sets no")


@pytest.mark.parametrize("route", ["week6", "week8"])
def test_a_case_closed_at_the_week4_review_cannot_be_referred(route):
    data = week6_case(week4__outcome="close") if route == "week6" else sample(week4__outcome="close")
    verdict = judge(data, riley_at_week6() if route == "week6" else riley(),
                    today=WEEK6_REFERRAL if route == "week6" else REFERRAL_DATE)
    result = verdict.rule("fast_track_stage")
    assert result.status == "fail" and not verdict.eligible
    assert result.reason.startswith("The actions and expected attendance were met at the week 4 review on "
                                     "6 October 2026, so the case closed to Fast Track")


def test_the_week4_outcome_and_the_route_must_be_given():
    register = riley()
    no_outcome = judge(sample(week4__outcome=None), register).rule("fast_track_stage")
    assert no_outcome.status == "missing" and "The outcome of the week 4 review is not given" in no_outcome.reason
    no_route = judge(sample(referred_at=None), register).rule("fast_track_stage")
    assert no_route.status == "missing"
    assert no_route.reason == "Whether the case is referred at week 6 or after the week 8 review is not given."


@pytest.mark.parametrize("improved, status", [(False, "pass"), (True, "fail"), (None, "missing")])
def test_a_week8_referral_needs_no_improvement_at_the_review(improved, status):
    verdict = judge(sample(week8__improved=improved), riley())
    result = verdict.rule("fast_track_stage")
    assert result.status == status, result.reason
    assert verdict.eligible is (status == "pass")
    if status == "pass":
        assert result.reason == ("Referred at week 8: attendance had not improved following the agreed actions at the "
                                 "week 8 school review on 3 November 2026 (overall attendance 66.7%), so the case goes "
                                 "to the local authority.")
    elif status == "fail":
        assert "at the week 8 school review on 3 November 2026: satisfactory improvements mean no formal " \
               "action, and the case closes to Fast Track" in result.reason
    else:
        assert "Whether attendance had improved following the agreed actions at the week 8 school review on " \
               "3 November 2026 is not given." == result.reason


def test_a_week8_referral_follows_the_review():
    on_the_day = judge(sample(referral_date=WEEK8_REVIEW), riley(), today=WEEK8_REVIEW).rule("fast_track_stage")
    assert on_the_day.status == "pass"
    before = judge(sample(referral_date=D(2026, 11, 2)), riley(), today=D(2026, 11, 2)).rule("fast_track_stage")
    assert before.status == "fail"
    assert before.reason == ("The week 8 school review on 3 November 2026 is after this referral on 2 November 2026: "
                             "a week 8 referral follows the review.")


# --- validation at the boundaries -----------------------------------------------------------------------

def with_answers(**changes) -> dict:
    """The sample JSON as the API takes it, with `changes` ("a__b" = a.b; None removes)."""
    data = copy.deepcopy(SAMPLE_JSON)
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return data


def test_each_stage_may_be_on_the_day_of_the_one_before():
    data = load(with_answers(week4__meeting_date="2026-09-08", final_warning_date="2026-09-08",
                             week8__review_date="2026-09-08", referral_date="2026-09-08",
                             week1__review_date="2026-09-08"))
    assert data["referral_date"] == SUPPORT_MEETING


@pytest.mark.parametrize("changes, path, message", [
    ({"week4__meeting_date": "2026-09-07"}, ("week4", "meeting_date"),
     "Date of the review meeting must be the same as or after date of the Attendance Support Meeting"),
    ({"week1__review_date": "2026-09-07"}, ("week1", "review_date"),
     "Date of the review meeting set at the meeting must be the same as or after date of the Attendance Support "
     "Meeting"),
    ({"final_warning_date": "2026-10-05"}, ("final_warning_date",),
     "Date the Final Warning was sent to all parents and carers must be the same as or after date of the review "
     "meeting"),
    ({"week8__review_date": "2026-10-05"}, ("week8", "review_date"),
     "Date of the review must be the same as or after date the Final Warning was sent to all parents and carers"),
    ({"referral_date": "2026-10-05"}, ("referral_date",),
     "Date referral completed by school must be the same as or after date the Final Warning was sent to all "
     "parents and carers"),
    ({"week1__attendance_pct": 100.1}, ("week1", "attendance_pct"), "Current attendance must be between 0 and 100"),
    ({"week8__unauthorised_pct": 33.33}, ("week8", "unauthorised_pct"),
     "Overall unauthorised absence can have at most 1 decimal place"),
    ({"week4__possible_sessions": -1}, ("week4", "possible_sessions"),
     "Possible sessions during the review period must be between 0 and 100"),
    ({"before__phone_calls": 2.5}, ("before", "phone_calls"), "Number of phone calls made must be a whole number"),
    ({"week4__actions_met": "mostly"}, ("week4", "actions_met"), "Select whether the attendance actions were met"),
    ({"week4__outcome": None}, ("week4", "outcome"), "Select the outcome of the review"),
    ({"barriers_identified": None}, ("barriers_identified",),
     "Select yes if the parent or pupil identified any barriers to attending school"),
    ({"final_warning_date": None}, ("final_warning_date",),
     "Enter date the Final Warning was sent to all parents and carers"),
    ({"parents": []}, ("parents",), "Add at least one parent or carer"),
])
def test_answers_out_of_bounds_are_refused_naming_the_field(changes, path, message):
    node = errors_for(with_answers(**changes))
    for part in path:
        node = node[part]
    assert message in node, node


def test_a_closure_cannot_end_before_it_starts_and_a_single_day_is_fine():
    closures = [{"start_date": "2026-10-26", "end_date": "2026-10-23", "description": "October half-term"}]
    messages = errors_for(with_answers(school_closures=closures))
    assert messages["school_closures"][0]["end_date"] == ["Last day closed must be the same as or after first day closed"]
    inset = [{"start_date": "2026-10-23", "end_date": "2026-10-23"}]
    assert load(with_answers(school_closures=inset))["school_closures"] == [{"start_date": D(2026, 10, 23),
                                                                             "end_date": D(2026, 10, 23)}]
    assert "school_closures" not in load(with_answers(school_closures=None))  # the page is optional


def test_a_week6_referral_needs_the_week6_answers_and_not_the_week8_ones():
    week6 = load(with_answers(referred_at="week6", week8=None, referral_date="2026-10-20"))
    assert (week6["referred_at"], week6["week6"]["no_engagement"], week6.get("week8")) == ("week6", True, {})
    messages = errors_for(with_answers(referred_at="week6", week8=None, week6={"new_reasons": "None."}))
    assert messages == {"week6": {
        "attendance_pct_6wk": ["Enter attendance % over the past 6 weeks"],
        "no_engagement": ["Select yes if the parent has failed to engage with the school since the Final "
                          "Warning"]}}


def test_a_week8_referral_needs_the_week8_answers_and_not_the_week6_ones():
    week8 = load(with_answers(week6={"new_reasons": "None."}))
    assert week8["referred_at"] == "week8" and week8["week6"] == {"new_reasons": "None."}
    assert errors_for(with_answers(week8=None)) == {"week8": {
        "review_date": ["Enter date of the review"],
        "improved": ["Select yes if attendance has improved following the agreed actions"],
        "attendance_pct": ["Enter overall attendance"],
        "unauthorised_pct": ["Enter overall unauthorised absence"]}}


@pytest.mark.parametrize("value, message", [
    (None, "Select when the case is being referred"),
    ("week7", "Select when the case is being referred"),
])
def test_the_route_is_one_of_the_two(value, message):
    assert errors_for(with_answers(referred_at=value))["referred_at"] == [message]


def test_a_draft_saved_at_week_1_loads_and_the_typed_figures_are_optional():
    stage = {key: SAMPLE_JSON[key] for key in ("pupil", "parents", "other_agencies", "before", "policies_confirmed",
                                                "support_meeting_date", "parents_attended_meeting",
                                                "parent_contract_agreed", "week1", "barriers_identified", "barriers")}
    assert load(copy.deepcopy(stage), complete=False)["week1"]["attendance_pct"] == 75.0
    assert "week4" in errors_for(copy.deepcopy(stage))  # not yet complete
    assert not load(with_answers(figures=None)).get("figures")  # typed only when no register is uploaded


# --- the documents -------------------------------------------------------------------------------------

SCHOOL = {"name": "Thorpe Hall Academy"}
LA = {"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"}
REFERENCE = "FTR-2026-000042"
SIGNATURE = {"name": "Mrs Joanne Pryce", "role": "Head Teacher",
             "signed_at": dt.datetime(2026, 11, 5, 15, 20, tzinfo=dt.timezone.utc)}  # GMT: 3:20pm
UPLOADS = [{"kind": "registration_certificate", "filename": "Hammond registration certificate.pdf"},
           {"kind": "parent_contract", "filename": "Hammond parent contract 08-09-2026.pdf"},
           {"kind": "letters", "filename": "Hammond letters June to October 2026.pdf"},
           {"kind": "warning_letter", "filename": "Hammond Final Warning 06-10-2026.pdf"}]
NOT_SENT = "Sent by the service when the head teacher signs"

SEED_WORDS = [
    "Fast Track to Attendance Legal Intervention Referral Form",
    "Source: 003, Appendix 6",
    "To be completed by school and sent to legal-interventions@la.invalid",
    "Name of child", "Date of birth", "Name of parent/s invited to the Meeting", "Date of birth of parent/s",
    "Address of child", "Address of parent if different",
    "Other agencies working with the Child/Family: Social Care, Supporting Families, CAMHS etc",
    "Criteria for Fast Track",
    "The pupil being considered for Fast Track should:",
    "have an attendance rate of 90% or less within the previous 10 school weeks from the Final Warning date.",
    "have unauthorised absences of 10 sessions or more.",
    "is not 'looked after' by the local authority",
    "school has evidence of pre-referral work undertaken by the school",
    "where the parent(s) carer(s) attended the attendance support meeting, a parent contract was agreed",
    "the parent or pupil has not identified any valid reasons or barriers why they cannot attend school on a regular "
    "and punctual basis",
    "the fast-track framework would not be appropriate and instead the school should work with the pupil, parent, "
    "and carers to provide support, advice, and signposting to services to remove barriers and improve attendance.",
    "List below all communications and activities to support family overcome the barriers to attending school prior "
    "to Attendance Support Meeting",
    "To be completed by school", "Copy attached (✓)",
    "Number of Letters sent to parents", "Number of Home visits conducted", "Number of phone calls made",
    "Confirmation that all school policies are up to date with the new guidance in accordance with the local "
    "authority's Code of Conduct and Attendance Policy and your policy has been shared with parents",
    "Week 1 Attendance Support Meeting. Please complete a parenting contract and agree actions to support improved "
    "attendance and punctuality. Where parents fail to attend the meeting, a letter should be sent home, outlining "
    "expectations and attendance actions. A four-week review period will be given for improvements to be made with "
    "the review meeting date set at the meeting",
    "Date of meeting", "Did parent(s) attend Yes / No", "Current Attendance %", "Current Unauthorised %",
    "What are the identified barriers to attending school",
    "Week 4 Review Attendance Support Meeting. If no improvements & no mitigation, a Final Warning should be issued "
    "immediately",
    "Attendance contract actions", "Attendance during review period %", "Possible sessions", "Sessions attended",
    "Number of unauthorised sessions during Review period", "Attendance Actions Met / Partially Met / Not Met",
    "Week 6. If the non-attendance continues with 50% attendance or less and there is no engagement from the parent, "
    "the case can be referred to the School Attendance Legal Intervention Officer. Action - Penalty Notice / "
    "Prosecution to be agreed by Team Leader",
    "Date of Final Warning", "Attendance % over the past 6 weeks", "Any new reasons for absence (please list)",
    "Week 8 School Review. Satisfactory improvements - no formal action. School continues to review and support the "
    "family. Case closes to Fast Track.",
    "Date of review", "Has attendance improved following the agreed actions? Yes/No", "Overall Attendance %",
    "Insufficient improvements after all actions are met - referred to Local Authority",
    "Overall Unauthorised %", "Date referral completed by school",
    "Date referral sent to the Attendance legal intervention email box",
    "List below all interventions to support family overcome the barriers to attending school during the preceding "
    "8 weeks.",
    "Outcome from communications", "Other interventions (please detail)",
    FORM.declaration,
    "Head Teacher Signature", "Print Name",
]

READER_PHRASES = [
    "FTR-2026-000042", "Thorpe Hall Academy", "Demo Borough Council",
    "Riley Hammond", "23 November 2012", "Year 9", "X882406117215", "14 Marlowe Close Southend-on-Sea SS2 6QT",
    "Looked after by the local authority No",
    "Kerry Hammond (mother)", "4 June 1988", "Same as child",
    "Dean Hammond (father)", "19 March 1986", "7 Cranleigh Gardens Rayleigh SS6 8PL",
    "School nurse (drop-in sessions since June 2026). No other agency is involved.",
    # the 10 school weeks before the Final Warning, counted from the register
    "81% (68 of 84 possible sessions), counted from the register marks from 29 June 2026 to 6 October 2026",
    "14 sessions, counted from the register marks from 29 June 2026 to 6 October 2026",
    # before the meeting
    "Number of Letters sent to parents 3 Yes", "Number of Home visits conducted 1 Yes",
    "Number of phone calls made 9 Yes",
    # week 1
    "Date of meeting 8 September 2026", "Did parent(s) attend Yes / No Yes", "Parent contract agreed Yes / No Yes",
    "Current Attendance % 75%", "Current Unauthorised % 25%",
    "None identified by Riley or his parents.", "Review meeting date set at the meeting 6 October 2026",
    # week 4
    "Riley to be in school by 8.40am every day: not met", "Date of meeting 6 October 2026",
    "Did parent(s) attend Yes / No No", "Attendance during review period % 71.4%", "Possible sessions 42",
    "Sessions attended 30", "Number of unauthorised sessions during Review period 12",
    "Attendance Actions Met / Partially Met / Not Met Not met",
    "Outcome of the review Actions and expected attendance not met: Final Warning issued",
    # week 6
    "Date of Final Warning 6 October 2026", "Attendance % over the past 6 weeks 70%",
    "Mum phoned on 13 October to say Riley 'just won't get up'",
    # week 8 and the referral
    "Date of review 3 November 2026", "agreed actions? Yes/No No", "Overall Attendance % 66.7%",
    "Overall Unauthorised % 33.3%", "Date referral completed by school 5 November 2026",
    "Date referral sent to the Attendance legal intervention email box 5 November 2026 at 3:20pm",
    # during the eight weeks
    "Number of Letters sent to parents 4 Yes Invitation to the review meeting (22 September)",
    "Number of Home visits conducted 2 Yes 14 September: Riley at home in bed",
    "Number of phone calls made 11 Yes First day calls on each day of absence",
    "Daily 8.45am check-in with the Head of Year since 9 September",
    "Attached: Hammond registration certificate.pdf", "Attached: Hammond parent contract 08-09-2026.pdf",
    "Attached: Hammond Final Warning 06-10-2026.pdf",
    "Signed electronically by Mrs Joanne Pryce, Head Teacher, on 5 November 2026 at 3:20pm",
    "Print Name Mrs Joanne Pryce",
    "Return to legal-interventions@la.invalid",
    "Reference: FTR-2026-000042",
]


def context(*, data=None, signature=SIGNATURE, reference=REFERENCE, register=True, uploads=UPLOADS):
    data = sample() if data is None else data
    verdict = judge(data, riley() if register else None).to_dict()
    return build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=reference, signature=signature,
                         verdict=verdict, evidence=uploads)


@pytest.fixture(scope="module")
def signed():
    ctx = context()
    return {"ctx": ctx, **render_docx_and_pdf(DOC, ctx)}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_the_document_says_what_the_seed_and_a_reader_look_for(signed, fmt):
    flat = signed[fmt]
    assert [p for p in SEED_WORDS + READER_PHRASES if squash(p) not in flat] == []
    assert "DRAFT" not in flat and "Signed by the head teacher" in flat
    assert NOT_SENT not in flat


def test_rows_come_in_the_seed_order_in_both(signed):
    order = ["Name of child", "Riley Hammond", "Kerry Hammond (mother)", "Dean Hammond (father)", "Other agencies",
             "Criteria for Fast Track", "have an attendance rate of 90% or less", "The school should have systems",
             "Attendance within the previous 10 school weeks", "prior to Attendance Support Meeting",
             "Confirmation that all school policies", "Week 1 Attendance Support Meeting", "Current Attendance %",
             "What are the identified barriers", "Week 4 Review Attendance Support Meeting",
             "Attendance contract actions", "Attendance during review period %", "Week 6.", "Date of Final Warning",
             "No engagement from the parent since the Final Warning",
             "Week 8 School Review", "Overall Attendance %", "Insufficient improvements", "Overall Unauthorised %",
             "33.3% Referred at Week 8: no or insufficient improvements at the school review",
             "expected attendance not met Date referral completed by school", "Date referral sent",
             "during the preceding 8 weeks", "Other interventions (please detail)", "Documents attached",
             "Declaration", "I confirm the above information", "Head Teacher Signature", "Return to"]
    for fmt in ("docx", "pdf"):
        positions = [signed[fmt].find(p) for p in order]
        assert -1 not in positions, (fmt, dict(zip(order, positions)))
        assert positions == sorted(positions), fmt


def test_both_are_a4_and_the_pdf_names_itself(signed):
    for section in docx.Document(io.BytesIO(signed["docx_bytes"])).sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    reader = PdfReader(io.BytesIO(signed["pdf_bytes"]))
    assert reader.metadata.title == FORM.title
    assert all(round(float(p.mediabox.width) * 25.4 / 72) == 210 for p in reader.pages)


def test_a_draft_is_marked_and_says_the_service_sends_it():
    draft = render_docx_and_pdf(DOC, context(signature=None, reference=None))
    for fmt in ("docx", "pdf"):
        flat = draft[fmt]
        assert "DRAFT – not signed" in flat and "must not be sent to the local authority" in flat, fmt
        assert f"Date referral sent to the Attendance legal intervention email box {NOT_SENT}" in flat, fmt
        assert "Head Teacher Signature Not signed" in flat and "Mrs Joanne Pryce" not in flat, fmt
        assert "Not assigned yet" in flat and "Riley Hammond" in flat, fmt


def test_typed_figures_and_each_answer_variant_print_in_both():
    data = sample(figures={"unauthorised_sessions_10wk": 14, "attendance_pct_10wk": 81.0},
                  week4__actions_met="partially_met", week4__outcome="close", week4__parents_attended=True,
                  parents_attended_meeting=False, parent_contract_agreed=False, week8__improved=True,
                  lead_professional_consulted=True)
    data["parents"][1]["address"] = None  # "if different": blank means the child's address
    both = render_docx_and_pdf(DOC, context(data=data, register=False, uploads=[]))
    for fmt in ("docx", "pdf"):
        flat = both[fmt]
        for phrase in ("81% (as entered by the school)", "14 sessions (as entered by the school)",
                       "Attendance Actions Met / Partially Met / Not Met Partially met",
                       "Outcome of the review Actions and expected attendance met: close to Fast Track",
                       "Did parent(s) attend Yes / No No Parent contract agreed Yes / No No",
                       "agreed actions? Yes/No Yes", "Dean Hammond (father) Date of birth of parent/s 19 March 1986 "
                       "Address of parent if different Same as child", "CP process) Yes",
                       "Copy of the Final Warning sent to all parents and carers (attached) Not attached"):
            assert squash(phrase) in flat, (fmt, phrase)
    met = render_docx_and_pdf(DOC, context(data=sample(week4__actions_met="met"), register=False))
    assert all("Partially Met / Not Met Met Outcome" in met[fmt] for fmt in ("docx", "pdf"))


def test_a_week6_referral_prints_its_route_and_no_week8_review_in_both():
    data = week6_case(week8={"review_date": D(2026, 11, 3), "improved": False})  # stale answers are not printed
    verdict = judge(data, riley_at_week6(), today=WEEK6_REFERRAL).to_dict()
    ctx = build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=REFERENCE, signature=None, verdict=verdict,
                        evidence=UPLOADS)
    both = render_docx_and_pdf(DOC, ctx)
    not_applicable = "Not applicable: referred at week 6"
    for fmt in ("docx", "pdf"):
        flat = both[fmt]
        for phrase in ("Attendance % over the past 6 weeks 63%",
                       "No engagement from the parent since the Final Warning Yes / No Yes",
                       f"Date of review {not_applicable}",
                       f"Has attendance improved following the agreed actions? Yes/No {not_applicable}",
                       f"Overall Attendance % {not_applicable}", f"Overall Unauthorised % {not_applicable}",
                       "Referred at Week 6: the non-attendance continues with 50% attendance or less and there is no "
                       "engagement from the parent",
                       "Date referral completed by school 20 October 2026"):
            assert squash(phrase) in flat, (fmt, phrase)
        assert "3 November 2026" not in flat, fmt


@pytest.mark.parametrize("answers, printed", [
    ({"week6__no_engagement": False}, "No engagement from the parent since the Final Warning Yes / No No"),
    ({"week6__no_engagement": None}, "No engagement from the parent since the Final Warning Yes / No Not given"),
    ({"referred_at": None}, "Overall Unauthorised % 33.3% Referred at Not given"),
])
def test_the_engagement_answer_and_an_unanswered_route_print_in_both(answers, printed):
    both = render_docx_and_pdf(DOC, context(data=sample(**answers)))
    assert all(squash(printed) in both[fmt] for fmt in ("docx", "pdf")), printed


@pytest.mark.parametrize("data", [{}, {"pupil": {"first_name": "Riley"}, "week4": {"outcome": "close"}},
                                  {"week1": "lots", "before": {"letters_sent": True}, "parents": None,
                                   "school_closures": [{}]}])
def test_partial_data_renders_in_both(data):
    ctx = build_context(FORM.raw, data, school=SCHOOL, la=LA, reference=None, signature=None, verdict=None,
                        evidence=[])
    both = render_docx_and_pdf(DOC, ctx)
    for fmt in ("docx", "pdf"):
        assert "Not given" in both[fmt] and "Criteria for Fast Track" in both[fmt] and NOT_SENT in both[fmt], fmt


# --- the API, and the web journey: dates moved to now ---------------------------------------------------

def shift_days() -> int:
    """Whole weeks from the sample's referral date to today, so that every date moved by it keeps its
    weekday (meetings on Tuesdays, no marks at weekends) and the referral is dated this week."""
    return (dt.date.today() - REFERRAL_DATE).days // 7 * 7


def data_now() -> dict:
    """The sample with every date moved to now: the same child, meetings and warning, eight weeks ago."""
    data = shift_dates(copy.deepcopy(SAMPLE_JSON), shift_days())
    data.pop("figures")  # counted from the register instead
    return data


def register_now() -> Register:
    days = dt.timedelta(days=shift_days())
    marks = riley(until=REFERRAL_DATE).sessions
    return Register("2024", tuple(Session(s.date + days, s.session, s.code, s.upn) for s in marks))


def register_json_now() -> dict:
    return {"code_set": "2024", "sessions": [{"date": s.date.isoformat(), "session": s.session, "code": s.code}
                                             for s in register_now().sessions]}


def test_the_api_lists_the_form_checks_it_and_renders_its_document(client):
    office = bearer(api_token(client, "office@demo.school"))
    forms = client.get(f"{API}/forms", headers=office).get_json()["forms"]
    entry = next(f for f in forms if f["id"] == FORM_ID)
    assert entry["title"] == FORM.title and entry["kind"] == "referral" and entry["rules"] == list(FORM.rules)
    fields = {f["name"]: f for f in entry["fields"]}
    assert {"support_meeting_date", "week4.meeting_date", "final_warning_date", "week8.review_date",
            "school_closures", "during.other_interventions", "figures.attendance_pct_10wk"} <= set(fields)
    assert [c["value"] for c in fields["week4.actions_met"]["choices"]] == ["met", "partially_met", "not_met"]

    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                           json={"data": {**data_now(), "evidence": list(EVIDENCE_KINDS)},
                                 "register": register_json_now(), "profile": "southend"})
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()
    assert verdict["eligible"], [r for r in verdict["rules"] if r["status"] in ("fail", "missing")]
    assert (verdict["figures"]["unauthorised_sessions_10wk"], verdict["figures"]["attendance_pct_10wk"]) == (14, 81.0)

    bad = client.post(f"{API}/eligibility/{FORM_ID}", headers=office,
                      json={"data": {**data_now(), "final_warning_date": "2020-01-01"}})
    assert bad.status_code == 422
    assert "must be the same as or after" in json.dumps(bad.get_json())

    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK")):
        response = client.post(f"{API}/documents/{FORM_ID}", headers=office,
                               json={"data": data_now(), "register": register_json_now(), "format": fmt})
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert response.data.startswith(magic)
        words = squash(render_text(fmt, response.data))
        assert "Riley Hammond" in words and "Criteria for Fast Track" in words and "DRAFT" in words
        assert "14 sessions, counted from the register marks" in words
        assert NOT_SENT in words


def render_text(fmt: str, data: bytes) -> str:
    from support.doctext import docx_text, pdf_text
    return pdf_text(data) if fmt == "pdf" else docx_text(data)


def fetch(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    return response


def send(client, url: str, data: dict, status: int = 302, page: str | None = None):
    page = page if page is not None else text(fetch(client, url))
    body = {"csrf_token": csrf(page), **data}
    version = re.search(r'<input type="hidden" name="version" value="([^"]*)"', page)
    if version:
        body["version"] = html_lib.unescape(version.group(1))
    response = client.post(url, data=body)
    assert response.status_code == status, f"POST {url}: {response.status_code}\n{text(response)[:2000]}"
    return response


def upload(client, url: str, fields: dict, filename: str, content: bytes):
    page = text(fetch(client, url))
    response = client.post(url, data={"csrf_token": csrf(page), **fields, "file": (io.BytesIO(content), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, f"POST {url}: {response.status_code}\n{text(response)[:2000]}"
    return response


def yes(value: bool) -> str:
    return "yes" if value else "no"


def page_answers(data: dict) -> dict:
    """What the office types on each page, as the browser posts it."""
    pupil, parents, before = data["pupil"], data["parents"], data["before"]
    week1, week4, week6, week8, during = data["week1"], data["week4"], data["week6"], data["week8"], data["during"]
    answers = {
        "pupil": {"pupil__first_name": pupil["first_name"], "pupil__last_name": pupil["last_name"],
                  "pupil__date_of_birth": date_parts(pupil["date_of_birth"]), "pupil__upn": pupil["upn"],
                  "pupil__year_group": pupil["year_group"], "pupil__address": pupil["address"],
                  "pupil__looked_after": "no"},
        "parents": {},
        "agencies": {"other_agencies": data["other_agencies"]},
        "before": {"before__letters_sent": str(before["letters_sent"]), "before__letters_copy": "yes",
                   "before__home_visits": str(before["home_visits"]), "before__home_visits_copy": "yes",
                   "before__phone_calls": str(before["phone_calls"]), "before__phone_calls_copy": "yes",
                   "policies_confirmed": "yes"},
        "week1": {"support_meeting_date": date_parts(data["support_meeting_date"]), "parents_attended_meeting": "yes",
                  "parent_contract_agreed": "yes", "week1__attendance_pct": "75", "week1__unauthorised_pct": "25.0%",
                  "barriers_identified": "no", "barriers": data["barriers"],
                  "week1__review_date": date_parts(week1["review_date"])},
        "closures": {"school_closures-0-start_date": date_parts(data["school_closures"][0]["start_date"]),
                     "school_closures-0-end_date": date_parts(data["school_closures"][0]["end_date"]),
                     "school_closures-0-description": "October half-term"},
        "week4": {"week4__meeting_date": date_parts(week4["meeting_date"]), "week4__parents_attended": "no",
                  "week4__contract_actions": week4["contract_actions"], "week4__possible_sessions": "42",
                  "week4__sessions_attended": "30", "week4__attendance_pct": "71.4",
                  "week4__unauthorised_sessions": "12", "week4__actions_met": "not_met",
                  "week4__outcome": "final_warning"},
        "week6": {"final_warning_date": date_parts(data["final_warning_date"]), "week6__attendance_pct_6wk": "70",
                  "week6__new_reasons": week6["new_reasons"], "week6__no_engagement": "yes"},
        "week8": {"week8__review_date": date_parts(week8["review_date"]), "week8__improved": "no",
                  "week8__attendance_pct": "66.7", "week8__unauthorised_pct": "33.3"},
        "interventions": {f"during__{k}": (yes(v) if isinstance(v, bool) else str(v)) for k, v in during.items()},
        "referral": {"referred_at": "week8", "referral_date": date_parts(data["referral_date"])},
    }
    for i, parent in enumerate(parents):
        answers["parents"].update({f"parents-{i}-name": parent["name"],
                                   f"parents-{i}-date_of_birth": date_parts(parent["date_of_birth"]),
                                   f"parents-{i}-relationship": parent["relationship"],
                                   f"parents-{i}-address": parent["address"]})
    return answers


def test_filled_in_over_eight_weeks_then_submitted_and_signed(client, app):
    from forms_service.models import Referral, db

    data = data_now()
    answers = page_answers(data)
    ids = [p.id for p in FORM.pages]

    # Week 1: the office starts the referral and fills it in as far as the Attendance Support Meeting.
    login(client, "office@demo.school")
    start = text(fetch(client, f"/referrals/new/{FORM_ID}"))
    assert "Fast Track to Attendance Legal Intervention Referral Form" in start
    assert "have unauthorised absences of 10 sessions or more." in start  # the criteria, before starting
    response = send(client, f"/referrals/new/{FORM_ID}", {}, page=start)
    assert response.location.endswith("/pages/pupil")
    base = re.search(r"(/referrals/\d+)/", response.location).group(1)
    rid = int(base.rsplit("/", 1)[1])
    for page_id in ids[:ids.index("week1")]:
        response = send(client, f"{base}/pages/{page_id}", answers[page_id])
        assert response.location.endswith(f"{base}/pages/{ids[ids.index(page_id) + 1]}")
    week1_page = text(fetch(client, f"{base}/pages/week1"))
    assert "Save and come back later" in week1_page and "Week 1: Attendance Support Meeting" in week1_page
    response = send(client, f"{base}/pages/week1", {**answers["week1"], "then": "later"}, page=week1_page)
    assert response.location.endswith(base)
    show = text(fetch(client, base))
    assert "Your answers have been saved" in show
    # The timeline: week 1 done, and the review due on the date set at the meeting.
    from forms_service.formatting import format_date
    review_on = format_date(dt.date.fromisoformat(data["week1"]["review_date"]))
    assert "Fast Track timeline" in show
    assert f"Next: Week 4: Review Attendance Support Meeting, by {review_on}" in show
    api = client.get(f"/api/v1/referrals/{rid}", headers=bearer(api_token(client, "office@demo.school")))
    assert api.get_json()["timeline"]["next"] == "week4"
    with app.app_context():
        saved = db.session.get(Referral, rid)
        assert saved.status == "draft" and saved.reference.startswith("FTR")
        assert saved.data["support_meeting_date"] == data["support_meeting_date"]
        assert saved.data["week1"] == {"attendance_pct": 75.0, "unauthorised_pct": 25.0,
                                       "review_date": data["week1"]["review_date"]}
        assert saved.data["parents"][1]["address"] == data["parents"][1]["address"]
        assert "week4" not in saved.data
    # It cannot go yet: the later stages are still to come.
    check = text(fetch(client, f"{base}/check"))
    assert "Some answers are still needed" in check and "Date of the review meeting" in check
    assert "Submit for headteacher sign-off" not in check
    send(client, f"{base}/submit", {}, status=422, page=check)
    logout(client)

    # Weeks later: back to the same referral, where it was left.
    login(client, "office@demo.school")
    assert saved.reference in text(fetch(client, "/referrals/"))
    show = text(fetch(client, base))
    assert "Continue the request" in show and f'href="{base}/pages/week4"' in show
    assert "Riley" in text(fetch(client, f"{base}/pages/week1"))  # the barriers answer is kept
    for page_id in ids[ids.index("closures"):]:
        response = send(client, f"{base}/pages/{page_id}", answers[page_id])
        following = f"{base}/pages/{ids[ids.index(page_id) + 1]}" if page_id != ids[-1] else f"{base}/register"
        assert response.location.endswith(following)
    with app.app_context():
        saved = db.session.get(Referral, rid)
        assert saved.data["school_closures"] == [{"start_date": data["school_closures"][0]["start_date"],
                                                  "end_date": data["school_closures"][0]["end_date"],
                                                  "description": "October half-term"}]
        assert saved.data["week4"]["outcome"] == "final_warning"
        assert saved.data["final_warning_date"] == data["final_warning_date"]

    response = upload(client, f"{base}/register", {"code_set": "2024"}, "hammond-marks.csv",
                      to_csv(register_now()).encode())
    assert response.location.endswith(f"{base}/evidence")
    for kind in EVIDENCE_KINDS:
        upload(client, f"{base}/evidence", {"kind": kind}, f"{kind}.pdf", make_pdf(f"Hammond {kind}"))

    assert "Next: Referral to the local authority" in text(fetch(client, base))
    check = text(fetch(client, f"{base}/check"))
    assert "Some answers are still needed" not in check
    assert "Submit for headteacher sign-off" in check
    for rule_id in FORM.rules:
        assert f'id="rule-{rule_id}"' in check, rule_id
    response = send(client, f"{base}/submit", {}, page=check)
    assert response.location.endswith(base)
    assert "Awaiting sign-off" in text(fetch(client, base))
    with app.app_context():
        referral = db.session.get(Referral, rid)
        assert referral.status == "awaiting_signoff"
        reference = referral.reference
        assert referral.eligibility["eligible"]
        assert referral.eligibility["figures"]["unauthorised_sessions_10wk"] == 14
    logout(client)

    # The head teacher reads the declaration from the seed form and signs; the pack is made.
    login(client, "head@demo.school")
    page = text(fetch(client, f"{base}/sign"))
    declaration = re.search(r'<div class="govuk-inset-text" id="declaration-text">(.*?)</div>', page, re.S)
    assert declaration and html_lib.unescape(declaration.group(1)).strip() == FORM.declaration
    response = send(client, f"{base}/sign", {"name": "Harriet Head", "declaration": "y"}, page=page)
    assert response.location.endswith(f"{base}/signed")
    links = dict((name, url) for url, name in
                 re.findall(r'href="(/referrals/\d+/packs/1/([^"]+))"', text(fetch(client, response.location))))
    documents = {}
    for fmt in ("pdf", "docx"):
        download = fetch(client, links[f"{reference}-{FORM_ID}.{fmt}"])
        documents[fmt] = squash(render_text(fmt, download.data))
    with app.app_context():
        sent = format_datetime(db.session.get(Referral, rid).packs[-1].signed_at)
    for fmt, words in documents.items():
        assert "Riley Hammond" in words and "Kerry Hammond (mother)" in words, fmt
        assert "Signed electronically by Harriet Head" in words and "DRAFT" not in words, fmt
        assert "14 sessions, counted from the register marks" in words, fmt
        assert "Actions and expected attendance not met: Final Warning issued" in words, fmt
        # Not a question on the form: the pack goes to the LA's inbox when the head teacher signs.
        assert f"Date referral sent to the Attendance legal intervention email box {sent}" in words, fmt
        assert NOT_SENT not in words, fmt
    logout(client)
