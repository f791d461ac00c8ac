"""The synthetic whole-school register (forms_service/register/synthetic.py): the project's own, so
that tests, benchmarks and demonstrations need nothing beside the repository (issue 16). Its calendar
is an English school year's for any year, its file is one the register reader takes without a
complaint, and the same seed gives the same file."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner

from forms_service.cli import main
from forms_service.register.exports import read_register_file
from forms_service.register.marks import load_code_set, split_by_upn
from forms_service.register.synthetic import SchoolYear, generate, write

D = dt.date


def test_2025_26_is_the_calendar_the_tests_count_by_hand():
    year = SchoolYear(2025)
    assert year.terms == [(D(2025, 9, 3), D(2025, 12, 19)), (D(2026, 1, 5), D(2026, 3, 27)),
                          (D(2026, 4, 13), D(2026, 7, 22))]
    assert year.half_terms == [(D(2025, 10, 27), D(2025, 10, 31)), (D(2026, 2, 16), D(2026, 2, 20)),
                               (D(2026, 5, 25), D(2026, 5, 29))]
    days = dict(year.days())
    assert D(2026, 5, 4) not in days  # the May Day bank holiday has no sessions
    assert days[D(2026, 2, 17)] is True and days[D(2026, 2, 23)] is False  # half-term closed, then open
    assert D(2025, 9, 2) not in days and D(2025, 12, 22) not in days and D(2026, 4, 6) not in days


@pytest.mark.parametrize("year, terms, half_terms", [
    # Easter 2027 is 28 March: the fortnight around it from 22 March to 2 April.
    (2026, [(D(2026, 9, 2), D(2026, 12, 18)), (D(2027, 1, 4), D(2027, 3, 19)), (D(2027, 4, 5), D(2027, 7, 22))],
     [(D(2026, 10, 26), D(2026, 10, 30)), (D(2027, 2, 15), D(2027, 2, 19)), (D(2027, 5, 31), D(2027, 6, 4))]),
    # Easter 2024 is 31 March; 22 July 2024 is a Monday; 1 September 2023 a Friday; 20 December 2023
    # a Wednesday, so the autumn term ends on the Friday before.
    (2023, [(D(2023, 9, 6), D(2023, 12, 15)), (D(2024, 1, 8), D(2024, 3, 22)), (D(2024, 4, 8), D(2024, 7, 22))],
     [(D(2023, 10, 23), D(2023, 10, 27)), (D(2024, 2, 19), D(2024, 2, 23)), (D(2024, 5, 27), D(2024, 5, 31))]),
])
def test_any_school_year_has_its_terms_worked_out(year, terms, half_terms):
    school_year = SchoolYear(year)
    assert school_year.terms == terms and school_year.half_terms == half_terms
    assert all(start.weekday() < 5 and end.weekday() < 5 for start, end in terms)
    assert all(start.weekday() == 0 and end.weekday() == 4 for start, end in half_terms)


def test_the_file_is_one_the_register_reader_takes_and_the_same_seed_gives_the_same_file(tmp_path):
    write(tmp_path / "a.csv", 60, D(2026, 3, 13), 5)
    write(tmp_path / "b.csv", 60, D(2026, 3, 13), 5)
    write(tmp_path / "c.csv", 60, D(2026, 3, 13), 6)
    a = (tmp_path / "a.csv").read_bytes()
    assert a == (tmp_path / "b.csv").read_bytes() and a != (tmp_path / "c.csv").read_bytes()
    register = read_register_file(a)  # raises, naming the row, on anything it would not take
    pupils = split_by_upn(register)
    assert len(pupils) == 60
    days = [d for d, _ in SchoolYear(2025).days(D(2026, 3, 13))]
    assert all(len(p.sessions) == 2 * len(days) for p in pupils.values())
    assert max(s.date for s in register.sessions) == D(2026, 3, 13)
    codes = {s.code for s in register.sessions}
    assert codes <= set(load_code_set("2024").codes) and {"/", "\\", "#"} <= codes


def test_the_school_has_the_spread_of_a_real_one():
    rows, details = generate(600, D(2026, 7, 22), 2026)
    by_pupil: dict[str, list[str]] = {}
    for upn, _, _, code in rows:
        by_pupil.setdefault(upn, []).append(code)
    absent = {"N", "O", "U", "I", "M", "C", "R", "E", "G"}
    rates = [sum(c in absent for c in codes) / sum(c not in ("#", "D") for c in codes) for codes in by_pupil.values()]
    persistent = sum(r >= 0.10 for r in rates) / len(rates)
    assert 0.10 <= persistent <= 0.30  # England's rate of persistent absence is about one in five
    assert sum(r >= 0.50 for r in rates) >= 5  # a few severely absent
    assert sum("G" in codes for codes in by_pupil.values()) >= 20  # term-time holidays
    assert len(details) == 600 and all(row[4].startswith("Year ") for row in details)


def test_the_command_writes_the_register_and_the_pupils_details(tmp_path):
    result = CliRunner().invoke(main, ["make-register", "--pupils", "3", "--until", "2026-11-20", "--seed", "1",
                                       "--out", str(tmp_path / "school.csv"),
                                       "--pupil-details", str(tmp_path / "pupils.csv")])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 pupils' marks" in result.output
    register = read_register_file((tmp_path / "school.csv").read_bytes())
    assert min(s.date for s in register.sessions) == D(2026, 9, 2)  # the 2026/27 school year
    details = list(csv.DictReader(io.StringIO((tmp_path / "pupils.csv").read_text(encoding="utf-8"))))
    assert [d["upn"] for d in details] == sorted({s.upn for s in register.sessions})
    refused = CliRunner().invoke(main, ["make-register", "--pupils", "0", "--until", "2026-11-20",
                                        "--out", str(tmp_path / "x.csv")])
    assert refused.exit_code == 2 and "--pupils" in refused.output
