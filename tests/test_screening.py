"""Whole-school screening (forms_service/register/screening.py): from a school's register export, every pupil
who meets the penalty-notice threshold, is persistently or severely absent, or is due an attendance
or sickness return, with the figures; on the web, as a CSV and with `forms-service screen`.

The school below is six pupils on the 2025/26 calendar of tests/support/registers.py, screened as of Friday
13 March 2026. The 10 school weeks before it run from 5 January (the February half-term is closed,
so it is skipped) to 13 March.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from click.testing import CliRunner

from forms_service.cli import main as cli
from forms_service.models import AuditEvent, db
from forms_service.policies import load_profile
from forms_service.register import screening
from forms_service.register.marks import Register, RegisterError, to_csv

from support.helpers import csrf, login, text
from support.registers import PupilRegister

D = dt.date
ON = D(2026, 3, 13)
TEN_WEEKS = (D(2026, 1, 5), ON)
NATIONAL = load_profile("national-2024")


def pupil(upn: str) -> PupilRegister:
    return PupilRegister(D(2025, 9, 1), ON, upn=upn)


def school() -> Register:
    pupils = {
        "A100000000001": pupil("A100000000001"),                                     # attends: not listed
        "A100000000009": pupil("A100000000009").mark_sessions(9, "N", *TEN_WEEKS),   # 9: one under
        "A100000000010": pupil("A100000000010").mark_sessions(10, "N", *TEN_WEEKS),  # 10: at the threshold
        "A100000000011": pupil("A100000000011").mark_sessions(11, "O", *TEN_WEEKS),  # 11: over
        # 10 school days of N in a row (Mon 16 - Fri 27 Feb would span half-term; 2-13 Mar is 10 days).
        "A100000000020": pupil("A100000000020").mark_days(D(2026, 3, 2), ON, "N"),
        # 15 school days of illness, spread through the year: a sickness return.
        "A100000000030": pupil("A100000000030").mark_days(D(2025, 11, 3), D(2025, 11, 7), "I")
                                               .mark_days(D(2026, 1, 12), D(2026, 1, 23), "I"),
    }
    sessions = tuple(s for p in pupils.values() for s in p.sessions())
    return Register("2024", sessions)


def school_csv() -> bytes:
    return to_csv(school()).encode()


def by_upn(result: screening.Screen) -> dict:
    return {row.upn: row for row in result.rows}


def flags_of(result: screening.Screen, upn: str) -> list[str]:
    """What a pupil is listed for; [] when the pupil is not listed at all."""
    row = by_upn(result).get(upn)
    return row.flags if row else []


def test_each_pupil_is_listed_for_what_the_marks_show():
    result = screening.screen(school(), NATIONAL, ON)
    rows = by_upn(result)
    assert result.pupils == 6 and result.on == ON
    assert "A100000000001" not in rows
    assert "penalty_notice" not in flags_of(result, "A100000000009")
    assert rows["A100000000010"].unauthorised_10wk == 10 and "penalty_notice" in rows["A100000000010"].flags
    assert rows["A100000000011"].unauthorised_10wk == 11 and "penalty_notice" in rows["A100000000011"].flags
    assert rows["A100000000010"].weeks_counted == 10
    assert "attendance_return" in rows["A100000000020"].flags
    assert rows["A100000000030"].sickness_days == 15 and "sickness_return" in rows["A100000000030"].flags
    # The most serious first: penalty-notice threshold before the returns.
    ranks = [min(screening.ORDER.index(f) for f in r.flags) for r in result.rows]
    assert ranks == sorted(ranks) and result.rows[0].flags[0] == "penalty_notice"


def test_stockports_strict_threshold_leaves_out_exactly_ten():
    result = screening.screen(school(), load_profile("stockport"), ON)
    assert "penalty_notice" not in flags_of(result, "A100000000010")
    assert "penalty_notice" in flags_of(result, "A100000000011")


def test_absence_bands_at_their_edges():
    # Possible sessions from 3 Sep 2025 to 13 Mar 2026, from the calendar.
    base = pupil("B100000000001")
    possible = len([1 for (d, s), c in base.marks.items() if c != "#"])
    tenth = -(-possible // 10)  # the fewest missed sessions that make 10%
    persistent = pupil("B100000000002").mark_sessions(tenth, "I", D(2025, 9, 3), ON)
    under = pupil("B100000000003").mark_sessions(tenth - 1, "I", D(2025, 9, 3), ON)
    register = Register("2024", tuple(s for p in (persistent, under) for s in p.sessions()))
    result = screening.screen(register, NATIONAL, ON)
    assert "persistent" in flags_of(result, "B100000000002")
    assert flags_of(result, "B100000000003") == []


def test_the_file_in_several_processes_gives_the_same_list(monkeypatch):
    monkeypatch.setattr(screening, "PARALLEL_FROM_BYTES", 0)
    alone = screening.screen_file(school_csv(), NATIONAL, workers=1)
    shared = screening.screen_file(school_csv(), NATIONAL, workers=2)
    assert shared.to_dict() == alone.to_dict()
    assert alone.on == ON  # the last date in the file


def test_bad_rows_are_named_and_a_file_without_upns_is_refused(monkeypatch):
    bad = school_csv().replace(b"2026-03-13,AM,/", b"2026-03-13,AM,H", 1)
    for workers in (1, 2):
        monkeypatch.setattr(screening, "PARALLEL_FROM_BYTES", 0)
        with pytest.raises(RegisterError) as caught:
            screening.screen_file(bad, NATIONAL, workers=workers)
        assert any("code 'H' is not in the 2024 code set" in m for m in caught.value.messages)
    single = to_csv(PupilRegister(D(2026, 1, 5), ON).build()).encode()  # no upn column
    with pytest.raises(RegisterError) as caught:
        screening.screen_file(single, NATIONAL, workers=1)
    assert "upn column" in caught.value.messages[0]


def test_the_csv_lists_the_figures():
    rows = list(csv.DictReader(io.StringIO(screening.to_csv(screening.screen(school(), NATIONAL, ON)))))
    eleven = next(r for r in rows if r["upn"] == "A100000000011")
    assert eleven["unauthorised_10wk"] == "11" and "Meets the penalty-notice threshold" in eleven["flags"]


def screen_command(tmp_path, export: bytes):
    """`forms-service screen <export> --csv list.csv` in one process: (the result, the CSV's path)."""
    path = tmp_path / "school.csv"
    path.write_bytes(export)
    out = tmp_path / "list.csv"
    result = CliRunner().invoke(cli, ["screen", str(path), "--csv", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return result, out


def test_the_command_prints_the_list_and_writes_the_csv(tmp_path):
    result, out = screen_command(tmp_path, school_csv())
    assert "6 pupils screened as of 13 March 2026" in result.output and "A100000000011" in result.output
    assert "A100000000011" in out.read_text()
    broken = tmp_path / "broken.csv"
    broken.write_text("upn,date,session,code\nA1,2026-02-30,AM,/\n")
    failed = CliRunner().invoke(cli, ["screen", str(broken)])
    assert failed.exit_code == 2 and "Row 2" in failed.output and "not a real date" in failed.output


def _upload(client, output: str, data: bytes):
    page = text(client.get("/screening/"))
    return client.post("/screening/", data={"csrf_token": csrf(page), "code_set": "2024", "output": output,
                                            "file": (io.BytesIO(data), "school.csv")},
                       content_type="multipart/form-data")


def test_the_school_screens_its_register_on_the_web(client, app):
    login(client, "office@demo.school")
    page = _upload(client, "page", school_csv())
    assert page.status_code == 200
    body = text(page)
    assert "6 pupils screened as of 13 March 2026" in body and "A100000000011" in body
    assert 'data-module="app-sortable-table"' in body and "penalty-notice threshold" in body
    download = _upload(client, "csv", school_csv())
    assert download.mimetype == "text/csv" and b"A100000000011" in download.data
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="school_screened")).all()
        assert len(events) == 2 and events[0].detail["pupils"] == 6


def test_the_web_page_names_what_is_wrong_with_a_file(client):
    login(client, "office@demo.school")
    missing = _upload(client, "page", b"")
    assert missing.status_code == 422 and "Select the register export" in text(missing)
    bad = _upload(client, "page", b"upn,date,session,code\nA1,2026-02-30,AM,/\n")
    assert bad.status_code == 422 and "Row 2" in text(bad)


def test_only_school_staff_screen(client):
    login(client, "officer@demo.la")
    assert client.get("/screening/").status_code == 403


def test_the_results_name_the_schools_own_pupils_and_link_to_starting_a_letter(client):
    """Issue 18: a row whose UPN is on the school's pupils list shows the name (to this school's staff)
    and leads to starting a letter or request for them; another school's list names nobody here."""
    from test_pupils import pupils_csv, upload

    listed = ["A100000000011", "Penny", "Threshold", "2013-01-01", "Year 7", "1 Lane\nTown\nAB1 2CD", "Jo Threshold",
              "mother", "", "", "", ""]
    login(client, "office@other.school")
    assert upload(client, pupils_csv([listed])).status_code == 302  # the same UPN, at another school
    other = text(_upload(client, "page", school_csv()))
    assert "Penny Threshold" in other
    client.get("/sign-out")
    login(client, "office@demo.school")
    body = text(_upload(client, "page", school_csv()))
    assert "Penny Threshold" not in body and "UPN A100000000011" in body  # not this school's pupil
    assert upload(client, pupils_csv([listed])).status_code == 302
    body = text(_upload(client, "page", school_csv()))
    link = re.search(r'<a class="govuk-link" href="(/referrals/\?pupil=P\d+)">Penny Threshold', body)
    assert link, body[:3000]
    assert "Choose what to start for Penny Threshold" in text(client.get(link.group(1).replace("&amp;", "&")))
