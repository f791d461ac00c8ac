"""Figures a document prints, counted from the register marks (forms_service/register/figures.py).

The pupil below is present every open session of autumn 2025 except: ill (I) all day on Monday 3
and Tuesday 4 November, unauthorised (N) on the morning of Monday 10 November, and late before the
register closed (L) all day on Wednesday 12 November. Up to Friday 14 November 2025 the school was
open on 48 days (3–5 September after two INSET days, seven full weeks to 24 October, half-term
closed, then 3–14 November): 96 possible sessions, 5 missed, 91 attended.
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from forms_service.formdefs import FieldDef, get_form, load_forms
from forms_service.register.figures import FIGURES, apply, check_declarations, fill
from forms_service.register.marks import to_csv

from support.doctext import pdf_text, squash
from support.helpers import api_token, bearer, csrf, login, text
from support.registers import PupilRegister

D = dt.date
LETTER_DATE = D(2025, 11, 14)
STAGE2 = get_form("stage2-letter")
SAMPLE = json.loads((Path(__file__).resolve().parent / "samples" / "stage2-letter.json").read_text())


def autumn_pupil() -> PupilRegister:
    pupil = PupilRegister(D(2025, 9, 1), D(2025, 12, 19))
    pupil.mark_days(D(2025, 11, 3), D(2025, 11, 4), "I")
    pupil.mark(D(2025, 11, 10), "N", ["AM"])
    pupil.mark(D(2025, 11, 12), "L")
    return pupil


def test_every_declared_register_figure_names_a_known_figure_and_real_dates():
    assert check_declarations(load_forms().values()) == []


def test_the_stage2_letter_figures_are_counted_up_to_the_letter_date():
    register = autumn_pupil().build()
    data = {"letter_date": LETTER_DATE, "figures": {"attendance_pct": 90}}
    filled = {f.name: f for f in fill(STAGE2, data, register)}
    assert filled["figures.attendance_pct"].value == 94.8  # 91 / 96
    assert filled["figures.days_missed"].value == 2.5      # 5 sessions
    assert filled["figures.broken_weeks"].value == 2       # weeks of 3 and 10 November
    assert filled["figures.weeks"].value == 10             # the half-term week (only #) is not one
    pct = filled["figures.attendance_pct"]
    assert (pct.start, pct.end) == (D(2025, 9, 1), LETTER_DATE)
    assert pct.typed == 90 and pct.disagrees
    assert "(the form says 90, which does not match)" in pct.describe()
    assert not filled["figures.days_missed"].disagrees  # nothing typed is no disagreement
    merged = apply(data, list(filled.values()))
    assert merged["figures"] == {"attendance_pct": 94.8, "days_missed": 2.5, "broken_weeks": 2, "weeks": 10}
    assert data["figures"] == {"attendance_pct": 90}  # the data given is not changed


def test_marks_after_the_letter_date_do_not_count():
    pupil = autumn_pupil()
    pupil.mark_days(D(2025, 11, 17), D(2025, 11, 21), "G")
    filled = {f.name: f.value for f in fill(STAGE2, {"letter_date": LETTER_DATE}, pupil.build())}
    assert filled["figures.attendance_pct"] == 94.8 and filled["figures.days_missed"] == 2.5


def test_without_the_date_that_bounds_the_window_nothing_is_counted():
    assert fill(STAGE2, {"figures": {"attendance_pct": 84}}, autumn_pupil().build()) == []
    assert fill(STAGE2, {"letter_date": LETTER_DATE}, None) == []


def test_a_window_with_no_marks_leaves_the_typed_figure():
    assert fill(STAGE2, {"letter_date": D(2024, 11, 14)}, autumn_pupil().build()) == []


def _form(spec: dict, type_: str = "number") -> SimpleNamespace:
    field = FieldDef("figure", "Figure", type_, False, options={"from_register": spec, "places": 1})
    dates = [FieldDef(name, name, "date") for name in ("start", "end")]
    return SimpleNamespace(fields=[field, *dates])


@pytest.mark.parametrize("figure, expected", [
    ("possible_sessions", 20), ("attended_sessions", 17), ("unauthorised_sessions", 1), ("sessions_missed", 3),
    ("late_marks", 2), ("attendance_pct", 85.0), ("unauthorised_pct", 5.0), ("authorised_pct", 10.0),
])
def test_each_figure_over_a_window_between_two_answers(figure, expected):
    # 3 to 14 November: 10 open days, 20 possible sessions; 3 missed, 2 of them authorised.
    pupil = PupilRegister(D(2025, 9, 1), D(2025, 12, 19))
    pupil.mark(D(2025, 11, 3), "I")                 # 2 authorised
    pupil.mark(D(2025, 11, 10), "N", ["AM"])        # 1 unauthorised
    pupil.mark(D(2025, 11, 12), "L")                # 2 late, present
    form = _form({"figure": figure, "from": "start", "to": "end"}, "integer" if "pct" not in figure else "number")
    [filled] = fill(form, {"start": D(2025, 11, 3), "end": D(2025, 11, 14)}, pupil.build())
    assert filled.value == expected


def test_a_window_of_the_previous_school_weeks_skips_the_half_term():
    pupil = PupilRegister(D(2025, 9, 1), D(2025, 12, 19))
    pupil.mark(D(2025, 10, 20), "G")  # Monday of the last week before half-term
    form = _form({"figure": "sessions_missed", "to": "end", "weeks": 2}, "integer")
    [filled] = fill(form, {"end": D(2025, 11, 7)}, pupil.build())
    # The previous 2 school weeks from Friday 7 November: 3–7 November and 20–24 October.
    assert filled.value == 2 and filled.start == D(2025, 10, 20)


def test_figures_cover_every_name_the_declarations_may_use():
    assert set(FIGURES) >= {"attendance_pct", "authorised_pct", "unauthorised_pct", "possible_sessions",
                            "attended_sessions", "unauthorised_sessions", "sessions_missed", "days_missed",
                            "broken_weeks", "school_weeks", "late_marks"}


def test_a_stage2_letter_with_register_marks_states_the_counted_figures(client):
    """Through the service: the figures are not typed, the register is uploaded, and the letter
    page and the letter itself state what the marks give."""
    token = api_token(client, "office@demo.school")
    data = copy.deepcopy(SAMPLE)
    data["letter_date"] = LETTER_DATE.isoformat()
    data["meeting"]["date"] = "2025-11-25"
    data["figures"] = {"attendance_pct": 97}  # typed, and wrong: the register wins and the page says so
    register = {"code_set": "2024", "sessions": [
        {"date": s.date.isoformat(), "session": s.session, "code": s.code} for s in autumn_pupil().build().sessions]}
    created = client.post("/api/v1/referrals", json={"form": "stage2-letter", "data": data, "register": register},
                          headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]

    login(client, "office@demo.school")
    page = text(client.get(f"/referrals/{rid}/letter"))
    assert "Figures from the register" in page and "Some answers are still needed" not in page
    assert "94.8" in page and "Differs from the typed figure" in page
    assert "counted from the register marks 1 September 2025 to 14 November 2025" in page
    pdf = squash(pdf_text(client.get(f"/referrals/{rid}/letter/stage2-letter.pdf?to=1").data))
    assert "94.8%" in pdf and "2.5" in pdf and "2/10" in pdf.replace(" ", "")


def test_a_letter_with_register_figures_offers_the_register_upload_after_its_pages(client):
    login(client, "office@demo.school")
    token = api_token(client, "office@demo.school")
    created = client.post("/api/v1/referrals", json={"form": "stage2-letter", "data": {}}, headers=bearer(token))
    rid = created.get_json()["id"]
    show = text(client.get(f"/referrals/{rid}"))
    assert f"/referrals/{rid}/register" in show
    register_page = text(client.get(f"/referrals/{rid}/register"))
    assert "the letter states" in register_page and f"/referrals/{rid}/letter" in register_page
    csv_bytes = to_csv(autumn_pupil().build()).encode()
    upload = client.post(f"/referrals/{rid}/register", data={
        "csrf_token": csrf(register_page), "code_set": "2024", "file": (io.BytesIO(csv_bytes), "marks.csv")},
        content_type="multipart/form-data")
    assert upload.status_code == 302 and upload.location.endswith(f"/referrals/{rid}/letter")


def test_the_documents_api_counts_the_figures_from_a_register_given_with_the_data(client):
    token = api_token(client, "office@demo.school")
    data = copy.deepcopy(SAMPLE)
    data["parents"] = data["parents"][:1]
    data["letter_date"], data["meeting"]["date"] = LETTER_DATE.isoformat(), "2025-11-25"
    del data["figures"]["attendance_pct"]
    register = {"code_set": "2024", "sessions": [
        {"date": s.date.isoformat(), "session": s.session, "code": s.code} for s in autumn_pupil().build().sessions]}
    response = client.post("/api/v1/documents/stage2-letter", json={"data": data, "register": register, "format": "pdf"},
                           headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "94.8%" in squash(pdf_text(response.data))
    bad = client.post("/api/v1/documents/stage2-letter", json={"data": data, "register": {"sessions": [
        {"date": "2025-11-31", "session": "AM", "code": "/"}]}}, headers=bearer(token))
    assert bad.status_code == 422 and "2025-11-31" in json.dumps(bad.get_json())


def test_the_declaration_check_names_each_mistake():
    def form(**spec):
        figure = FieldDef("figure", "Figure", spec.pop("type", "integer"), options={"from_register": spec})
        return SimpleNamespace(id="demo", fields=[figure, FieldDef("end", "End", "date")])
    assert check_declarations([form(figure="possible_sessions", to="end")]) == []
    assert check_declarations([form(figure="attendance_pct", to="end")]) == [
        "demo: figure is a whole number, but attendance_pct can have decimals"]
    assert check_declarations([form(figure="lessons", to="end", type="number")]) == [
        "demo: figure asks for unknown figure 'lessons'"]
    assert check_declarations([form(figure="late_marks", to="start")]) == [
        "demo: figure counts to 'start', which the form does not ask"]
    assert check_declarations([form(figure="late_marks", type="text", to="end")]) == [
        "demo: figure is text, but a register figure is a number"]
