"""Worked cases for the register's runs, returns, late marks and bands, from the seeds' own words.

Every case uses the realistic 2025/26 calendar of tests/support/registers.py (half terms 27-31 Oct, 16-20 Feb
and 25-29 May marked `#`, INSET on 1-2 Sep, no sessions over Christmas), so that each expected figure
can be counted by hand from a diary:

- attendance return: 000 para 6 ("absent from the school for a continuous period of at least ten
  school days ... recorded ... exclusively using ... G, N, O, U");
- sickness return: 000 para 7 ("at least 15 consecutive school days", "a total of at least 15
  school days during the school year");
- late marks: 004 (Knowsley), Level 3 ("14 unauthorised late marks within a period of no more than
  10 weeks");
- absence bands: 001, 6.4 (10% or more; 50% or more).
"""
import pytest

from forms_service.register.exports import read_register_file
from forms_service.register.marks import (ATTENDANCE_RETURN_DAYS, LATE_MARKS_THRESHOLD, LATE_MARKS_WEEKS, NO_RUN,
                                          RegisterError, Run, Session, absence_band, attendance_pct, attendance_return,
                                          attendance_return_periods, count_by_class, late_marks, late_marks_in_window,
                                          load_code_set, longest_run, possible_sessions, previous_school_weeks,
                                          school_days_after, sickness_days, sickness_return_due, sickness_run, to_csv)

from support.registers import D, PupilRegister


def s(day, session, code):
    return Session(day, session, code)


def mark_open_days(pupil: PupilRegister, days, code: str) -> PupilRegister:
    for day in days:
        pupil.mark(day, code)
    return pupil


# ------------------------------------------------------------------ attendance return (000 para 6)

@pytest.mark.parametrize("days, expected", [(9, None), (10, 10), (11, 11)])
def test_attendance_return_needs_ten_continuous_school_days_across_a_weekend(days, expected):
    pupil = PupilRegister()
    absent = pupil.open_days(D(2026, 1, 7))[:days]   # Wednesday 7 January onwards: two weekends inside
    mark_open_days(pupil, absent, "N")
    run = attendance_return(pupil.build())
    if expected is None:
        assert run is None
        assert attendance_return_periods(pupil.build()) == []
    else:
        assert run == Run(expected, s(D(2026, 1, 7), "AM", "N"), s(absent[-1], "PM", "N"), "days")
        assert (run.start, run.end) == (D(2026, 1, 7), D(2026, 1, 20) if days == 10 else D(2026, 1, 21))


@pytest.mark.parametrize("last, expected", [(D(2026, 2, 26), None), (D(2026, 2, 27), 10)])
def test_half_term_neither_breaks_nor_counts_towards_the_ten_days(last, expected):
    # Five days before the February half term (16-20 Feb, all `#`) and four or five after it.
    pupil = PupilRegister().mark_days(D(2026, 2, 9), last, "O")
    run = attendance_return(pupil.build())
    if expected is None:
        assert run is None
    else:
        assert run.length == 10 and run.unit == "days"
        assert (run.start, run.end) == (D(2026, 2, 9), D(2026, 2, 27))


def test_any_mix_of_g_n_o_u_counts_and_one_present_session_breaks_the_period():
    pupil = PupilRegister()
    days = pupil.open_days(D(2026, 3, 2))[:12]
    for day, code in zip(days, "GGNNOOUUNNGG"):
        pupil.mark(day, code)
    pupil.mark(days[3], "U", ["PM"])  # N in the morning, arrived after the register closed in the afternoon
    assert attendance_return(pupil.build()).length == 12
    pupil.mark(days[5], "\\", ["PM"])  # in school for one afternoon: 5 days, then 6 days
    assert attendance_return(pupil.build()) is None
    assert attendance_return(pupil.build(), min_days=6) == Run(6, s(days[6], "AM", "U"), s(days[11], "PM", "G"),
                                                               "days")


def test_a_day_with_one_illness_session_is_not_recorded_exclusively_with_the_four_codes():
    pupil = PupilRegister()
    days = pupil.open_days(D(2026, 1, 5))[:11]
    mark_open_days(pupil, days, "N")
    assert attendance_return(pupil.build()).length == 11
    pupil.mark(days[5], "I", ["AM"])  # I and N on the same day: the day breaks the period (5 + 5)
    assert attendance_return(pupil.build()) is None


def test_a_not_counted_code_also_breaks_the_period():
    pupil = PupilRegister()
    days = pupil.open_days(D(2026, 1, 5))[:20]
    mark_open_days(pupil, days, "N").mark(days[9], "Y1")  # transport not available on the 10th day
    run = attendance_return(pupil.build())
    assert (run.length, run.start) == (10, days[10])  # the period after it: 10 days from the 11th


def test_a_partial_closure_leaves_the_open_session_to_decide_the_day():
    pupil = PupilRegister()
    days = pupil.open_days(D(2026, 1, 5))[:10]
    mark_open_days(pupil, days, "N")
    pupil.marks[(days[4], "PM")] = "#"  # closed on the Friday afternoon; absent (N) that morning
    run = attendance_return(pupil.build())
    assert run.length == 10 and run.end == days[-1]


def test_the_period_is_counted_up_to_the_date_and_the_most_recent_one_is_returned():
    pupil = PupilRegister()
    autumn = pupil.open_days(D(2025, 11, 3))[:12]
    spring = pupil.open_days(D(2026, 3, 2))[:15]
    mark_open_days(pupil, autumn, "G")
    mark_open_days(pupil, spring, "N")
    register = pupil.build()
    assert [(r.start, r.length) for r in attendance_return_periods(register)] == [(D(2025, 11, 3), 12),
                                                                                  (D(2026, 3, 2), 15)]
    assert attendance_return(register).start == D(2026, 3, 2)
    # On the ninth day of the spring absence only the autumn period qualifies so far...
    assert attendance_return(register, on=spring[8]) == attendance_return_periods(register)[0]
    # ...on the tenth, the current period does, counted up to that day only.
    current = attendance_return(register, on=spring[9])
    assert (current.start, current.end, current.length) == (D(2026, 3, 2), spring[9], 10)
    assert attendance_return(register, on=D(2025, 11, 13)) is None  # 9 school days into the autumn one
    assert ATTENDANCE_RETURN_DAYS == 10


def test_attendance_return_in_a_2006_register():
    pupil = PupilRegister(code_set="2006")
    mark_open_days(pupil, pupil.open_days(D(2026, 1, 5))[:10], "O")
    assert attendance_return(pupil.build()).length == 10


# ------------------------------------------------------------------ sickness return (000 para 7)

@pytest.mark.parametrize("total, due", [(14, False), (15, True), (16, True)])
def test_sickness_total_in_the_school_year(total, due):
    pupil = PupilRegister()
    mondays = [d for d in pupil.open_days(D(2025, 9, 8)) if d.weekday() == 0][:total]  # never two days in a row
    mark_open_days(pupil, mondays, "I")
    register = pupil.build()
    assert sickness_days(register, D(2026, 3, 27)) == (1, total)
    assert sickness_return_due(register, D(2026, 3, 27)) is due
    # Counted up to the date only: on the day of the 14th Monday the total is 14 whatever follows.
    assert sickness_days(register, mondays[13]) == (1, 14)
    assert sickness_return_due(register, mondays[13]) is False


@pytest.mark.parametrize("days, due", [(14, False), (15, True)])
def test_fifteen_consecutive_school_days_across_october_half_term(days, due):
    # 13-24 Oct is ten school days; half term (27-31 Oct, `#`) neither breaks nor counts; then 3 Nov on.
    pupil = PupilRegister()
    sick = pupil.open_days(D(2025, 10, 13))[:days]
    assert sick[9] == D(2025, 10, 24) and sick[10] == D(2025, 11, 3)
    mark_open_days(pupil, sick, "I")
    register = pupil.build()
    assert sickness_days(register, D(2025, 12, 19)) == (days, days)
    assert sickness_return_due(register, D(2025, 12, 19)) is due
    run = sickness_run(register, D(2025, 12, 19))
    assert (run.start, run.end, run.unit) == (D(2025, 10, 13), sick[-1], "days")


def test_consecutive_sickness_reaches_back_over_the_summer_but_the_total_is_this_years():
    # Ill for the last 7 school days of 2024/25 (14-22 July) and the first 8 of 2025/26 (3-12 Sep,
    # after the INSET days): 15 consecutive school days, 8 of them in this school year.
    pupil = PupilRegister(first=D(2025, 6, 2)).mark_days(D(2025, 7, 14), D(2025, 9, 12), "I")
    register = pupil.build()
    assert sickness_days(register, D(2025, 9, 12)) == (15, 8)
    assert sickness_return_due(register, D(2025, 9, 12))
    assert sickness_days(register, D(2025, 9, 11)) == (14, 7)
    assert not sickness_return_due(register, D(2025, 9, 11))
    assert sickness_days(register, D(2025, 7, 22)) == (7, 7)  # in 2024/25, from its own end


def test_sickness_in_a_previous_school_year_does_not_count():
    pupil = PupilRegister(first=D(2025, 6, 2)).mark_days(D(2025, 6, 2), D(2025, 7, 4), "I")  # 25 days in 2024/25
    register = pupil.build()
    assert sickness_days(register, D(2025, 7, 4)) == (25, 25) and sickness_return_due(register, D(2025, 7, 4))
    assert sickness_days(register, D(2025, 10, 1)) == (0, 0) and not sickness_return_due(register, D(2025, 10, 1))


def test_half_days_of_illness_are_not_sickness_days_and_break_the_run():
    pupil = PupilRegister()
    sick = pupil.open_days(D(2026, 1, 5))[:16]
    mark_open_days(pupil, sick, "I")
    register = pupil.build()
    assert sickness_days(register, D(2026, 3, 27)) == (16, 16)
    pupil.mark(sick[7], "N", ["PM"])          # one I and one N: not a sickness day
    assert sickness_days(pupil.build(), D(2026, 3, 27)) == (8, 15)
    pupil.mark(sick[8], "\\", ["PM"])          # ill in the morning, in school in the afternoon
    assert sickness_days(pupil.build(), D(2026, 3, 27)) == (7, 14)
    assert not sickness_return_due(pupil.build(), D(2026, 3, 27))
    pupil.marks[(sick[9], "PM")] = "#"         # closed in the afternoon: I is the only open session
    assert sickness_days(pupil.build(), D(2026, 3, 27)) == (7, 14)


def test_no_sickness():
    register = PupilRegister().build()
    assert sickness_days(register, D(2026, 3, 27)) == (0, 0)
    assert sickness_run(register, D(2026, 3, 27)) == Run(0, None, None, "days")


# ------------------------------------------------------------------ longest run of sessions

def test_longest_run_across_christmas():
    pupil = PupilRegister().mark_days(D(2025, 12, 15), D(2026, 1, 9), "N")  # 5 days before, 5 after
    pupil.mark(D(2025, 12, 12), "O", ["PM"])  # the Friday afternoon before joins it
    pupil.mark(D(2026, 1, 12), "U", ["AM"])   # and the Monday morning after
    run = longest_run(pupil.build(), {"N", "O", "U"})
    assert run == Run(22, s(D(2025, 12, 12), "PM", "O"), s(D(2026, 1, 12), "AM", "U"))
    assert longest_run(pupil.build(), "N") == Run(20, s(D(2025, 12, 15), "AM", "N"), s(D(2026, 1, 9), "PM", "N"))


def test_longest_run_over_half_term_and_inset_closures():
    pupil = PupilRegister().mark_days(D(2025, 10, 20), D(2025, 11, 7), "G")  # 2 weeks of term around half term
    assert longest_run(pupil.build(), "G").length == 20
    assert longest_run(pupil.build(), ["G", "#"]).length == 20  # closure sessions are never part of a run
    late = PupilRegister().mark(D(2025, 9, 3), "U", ["AM"])
    assert longest_run(late.build(), "U") == Run(1, s(D(2025, 9, 3), "AM", "U"), s(D(2025, 9, 3), "AM", "U"))


def test_one_present_session_breaks_a_run_and_the_earlier_of_equal_runs_wins():
    pupil = PupilRegister().mark_days(D(2026, 1, 5), D(2026, 1, 9), "N").mark(D(2026, 1, 7), "/", ["AM"])
    run = longest_run(pupil.build(), "N")
    assert run == Run(5, s(D(2026, 1, 7), "PM", "N"), s(D(2026, 1, 9), "PM", "N"))
    pupil.mark(D(2026, 1, 9), "\\", ["PM"])  # now 4 then 4: the earlier is returned
    assert longest_run(pupil.build(), "N") == Run(4, s(D(2026, 1, 5), "AM", "N"), s(D(2026, 1, 6), "PM", "N"))
    assert longest_run(pupil.build(), "C1") == NO_RUN and not NO_RUN


# ------------------------------------------------------------------ late marks (004, Knowsley)

@pytest.mark.parametrize("n", [13, 14, 15])
def test_late_marks_in_the_previous_ten_school_weeks(n):
    # 10 school weeks back from Friday 20 March 2026 reach Monday 5 January: the February half term
    # is skipped. The 11th school week back is 15-19 December, before Christmas.
    pupil = PupilRegister().mark_sessions(n, "U", D(2026, 1, 5), D(2026, 3, 20), seed=n)
    pupil.mark(D(2025, 12, 19), "U", ["AM"])   # 11 school weeks back: not counted
    pupil.mark_sessions(3, "L", D(2026, 1, 5), D(2026, 3, 20), seed=99)  # late before the register closed
    register = pupil.build()
    count, window = late_marks_in_window(register, D(2026, 3, 20), 10)
    assert window.start == D(2026, 1, 5) and len(window.weeks) == 10 and D(2026, 2, 16) not in window.weeks
    assert count == n
    assert (count >= LATE_MARKS_THRESHOLD) is (n >= 14)
    assert late_marks(register) == n + 1
    assert late_marks(register, ("L", "U")) == n + 4
    assert late_marks_in_window(register, D(2026, 3, 20)) == (count, window)  # 10 weeks by default
    assert LATE_MARKS_WEEKS == 10


def test_late_marks_at_the_edges_of_the_window():
    pupil = PupilRegister().mark(D(2026, 1, 5), "U", ["AM"]).mark(D(2025, 12, 19), "U", ["PM"])
    pupil.mark(D(2026, 3, 23), "U", ["AM"])   # after the date: not counted yet
    register = pupil.build()
    assert late_marks_in_window(register, D(2026, 3, 20))[0] == 1
    assert late_marks_in_window(register, D(2026, 3, 20), 11)[0] == 2  # 15-19 December joins at 11 weeks
    assert late_marks_in_window(register, D(2026, 3, 23))[0] == 1     # 5-9 January has dropped out...
    assert late_marks_in_window(register, D(2026, 3, 23), 11)[0] == 2  # ...and 23 March come in


# ------------------------------------------------------------------ absence band (001, 6.4)

@pytest.mark.parametrize("missed, band", [(0, None), (9, None), (10, "persistent"), (49, "persistent"),
                                          (50, "severe"), (100, "severe")])
def test_absence_band_at_its_edges(missed, band):
    # 100 possible sessions: ten weeks of term from 5 January (half term is `#`, not possible).
    register = PupilRegister(D(2026, 1, 5), D(2026, 3, 20)).mark_sessions(missed, "O", D(2026, 1, 5),
                                                                        D(2026, 3, 20)).build()
    assert possible_sessions(register) == 100
    assert absence_band(register) == band


def test_absence_band_counts_authorised_absence_and_not_approved_activity():
    pupil = PupilRegister(D(2026, 1, 5), D(2026, 1, 16)).mark_days(D(2026, 1, 5), D(2026, 1, 6), "V")  # a trip
    assert absence_band(pupil.build()) is None
    pupil.mark(D(2026, 1, 7), "I", ["AM"]).mark(D(2026, 1, 8), "M", ["PM"])  # 2 of 20: 10%
    assert absence_band(pupil.build()) == "persistent"
    assert absence_band([s(D(2026, 2, 16), "AM", "#")]) is None and absence_band([]) is None


# ------------------------------------------------------------------ code sets: what differs between 2006 and 2024

def test_j_is_approved_activity_in_2006_but_j1_is_authorised_absence_in_2024():
    old = PupilRegister(D(2025, 6, 2), D(2025, 6, 13), code_set="2006").mark_days(D(2025, 6, 2), D(2025, 6, 6), "J")       # interviews at a college: half the fortnight
    new = PupilRegister(D(2025, 6, 2), D(2025, 6, 13)).mark_days(D(2025, 6, 2), D(2025, 6, 6), "J1")
    old_register, new_register = old.build(), new.build()
    assert old_register.code_set == "2006"
    assert count_by_class(old_register)["approved_activity"] == 10 and attendance_pct(old_register) == 100
    assert absence_band(old_register) is None
    assert count_by_class(new_register)["authorised"] == 10 and attendance_pct(new_register) == 50
    assert absence_band(new_register) == "severe"
    with pytest.raises(RegisterError, match="code 'J' is not in the 2024 code set"):
        read_register_file(to_csv(old_register))


def test_h_is_refused_in_a_2024_file_and_accepted_in_a_2006_one():
    pupil = PupilRegister(D(2025, 6, 2), D(2025, 6, 13), code_set="2006").mark_days(D(2025, 6, 9), D(2025, 6, 10), "H")
    data = to_csv(pupil.build())
    register = read_register_file(data, code_set="2006")
    assert register == pupil.build() and count_by_class(register)["authorised"] == 4
    assert absence_band(register) == "persistent"  # 4 of 20
    with pytest.raises(RegisterError) as err:
        read_register_file(data)
    rows = [i for i, line in enumerate(data.splitlines(), start=1) if line.endswith(",H")]
    assert len(rows) == 4
    assert err.value.messages == [f"Row {r}: code 'H' is not in the 2024 code set" for r in rows]


TWO_CHARACTER = ["C1", "C2", "J1", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"]


def test_two_character_codes_are_accepted_as_written():
    pupil = PupilRegister(D(2026, 1, 5), D(2026, 1, 16))
    for day, code in zip(pupil.open_days(), TWO_CHARACTER):
        pupil.mark(day, code, ["AM"])
    data = to_csv(pupil.build())
    register = read_register_file(data)
    assert [x.code for x in register.sessions if x.session == "AM"] == TWO_CHARACTER
    codes = load_code_set("2024")
    assert [codes.classify(c) for c in TWO_CHARACTER] == ["authorised"] * 3 + ["not_counted"] * 7
    assert possible_sessions(register) == 20 - 7 and count_by_class(register)["authorised"] == 3
    assert absence_band(register) == "persistent"  # 3 of 13
    assert longest_run(register, ["C1", "C2", "J1"]).length == 1  # afternoons present between them
    assert f"{pupil.open_days()[5]},AM,Y3" in data.splitlines()
    with pytest.raises(RegisterError, match="did you mean 'Y3'"):
        read_register_file(data.replace(",Y3", ",y3"))
    with pytest.raises(RegisterError, match="code 'Y8' is not in the 2024 code set"):
        read_register_file(data.replace(",Y7", ",Y8"))


# ------------------------------------------------------------------ windows across half term, Christmas and years

def test_school_days_after_span_christmas_half_term_and_the_summer():
    register = PupilRegister(first=D(2025, 6, 2)).build()
    assert school_days_after(register, D(2025, 12, 18), until=D(2026, 1, 6)) == [D(2025, 12, 19), D(2026, 1, 5),
                                                                                  D(2026, 1, 6)]
    assert school_days_after(register, D(2025, 10, 24), until=D(2025, 11, 4)) == [D(2025, 11, 3), D(2025, 11, 4)]
    # The summer holiday and the INSET days (1-2 September) are not school days.
    assert school_days_after(register, D(2025, 7, 21), until=D(2025, 9, 4)) == [D(2025, 7, 22), D(2025, 9, 3),
                                                                                 D(2025, 9, 4)]
    assert school_days_after(register, D(2026, 7, 22)) == []


def test_previous_school_weeks_across_the_summer_and_inset_days():
    register = PupilRegister(first=D(2025, 6, 2)).build()
    window = previous_school_weeks(register, D(2025, 10, 10), 10)
    assert window.weeks == (D(2025, 6, 30), D(2025, 7, 7), D(2025, 7, 14), D(2025, 7, 21), D(2025, 9, 1),
                            D(2025, 9, 8), D(2025, 9, 15), D(2025, 9, 22), D(2025, 9, 29), D(2025, 10, 6))
    assert len(window.sessions) == 3 * 10 + 4 + 10 + 4 * 10 + 10
    assert possible_sessions(window) == len(window.sessions) - 4  # the INSET days' `#` sessions are not possible
    # On the second INSET day the week has only closure sessions so far, so it is not yet a school week.
    assert previous_school_weeks(register, D(2025, 9, 2), 2).weeks == (D(2025, 7, 14), D(2025, 7, 21))
    assert previous_school_weeks(register, D(2025, 9, 3), 2).weeks == (D(2025, 7, 21), D(2025, 9, 1))


def test_previous_school_weeks_from_a_holiday_date():
    register = PupilRegister().build()
    # Christmas Day, the summer holiday and a half-term Wednesday: the window ends with the last school week.
    assert previous_school_weeks(register, D(2025, 12, 25), 1).weeks == (D(2025, 12, 15),)
    assert previous_school_weeks(register, D(2026, 8, 10), 1).weeks == (D(2026, 7, 20),)
    assert previous_school_weeks(register, D(2026, 5, 27), 2).weeks == (D(2026, 5, 11), D(2026, 5, 18))
    assert previous_school_weeks(register, D(2026, 5, 27), 2).end == D(2026, 5, 27)
    # The Spring bank holiday week of 4 May (Monday closed) is still a school week.
    assert D(2026, 5, 4) in previous_school_weeks(register, D(2026, 5, 8), 1).weeks
