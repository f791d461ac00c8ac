"""Field types of the declarations (forms_service.formdefs), checked directly."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from marshmallow import ValidationError

from forms_service.formdefs import FieldDef, get_form, nested_schema

CHOICE = FieldDef("variant", "Which letter", "choice", True,
                  options={"choices": [{"value": "meeting", "label": "After a meeting"},
                                       {"value": "attempts", "label": "After 6 weeks of attempts"}]})


def test_a_choice_accepts_only_its_options_and_names_the_field():
    schema = nested_schema("T", [CHOICE], True)()
    assert schema.load({"variant": "attempts"}) == {"variant": "attempts"}
    with pytest.raises(ValidationError) as bad:
        schema.load({"variant": "other"})
    assert bad.value.messages == {"variant": ["Select which letter"]}
    with pytest.raises(ValidationError) as missing:
        schema.load({})
    assert missing.value.messages == {"variant": ["Select which letter"]}


def test_required_when_makes_an_answer_required_only_for_the_variant_that_prints_it():
    from forms_service.formdefs import get_form

    form = get_form("stage2-letter")
    sample = json.loads((Path(__file__).resolve().parent / "samples" / "stage2-letter.json").read_text())
    sample.pop("meeting", None)
    with pytest.raises(ValidationError) as missing:
        form.schema(complete=True).load({**sample, "next_step": "meeting"})
    assert set(missing.value.messages["meeting"]) == {"date", "time"}
    loaded = form.schema(complete=True).load({**sample, "next_step": "core_group"})
    assert "meeting" not in loaded or not loaded["meeting"]
    form.schema(complete=False).load({**sample, "next_step": "meeting"})  # a draft may wait


def _number_form():
    from forms_service.formdefs import FieldDef, _ma_field
    return _ma_field(FieldDef("figures.attendance_pct", "Attendance", "number", True,
                              options={"min": 0, "max": 100, "places": 1}), complete=True)


@pytest.mark.parametrize("given, expected", [(0, 0.0), (87.5, 87.5), (100, 100.0), ("89.9", 89.9), (" 90 ", 90.0)])
def test_a_number_field_takes_a_figure_with_one_decimal_place(given, expected):
    assert _number_form().deserialize(given) == expected


@pytest.mark.parametrize("given, message", [
    (-0.1, "between 0 and 100"), (100.1, "between 0 and 100"), (87.55, "at most 1 decimal place"),
    (True, "must be a number"), ("87,5", "must be a number"), ("nan", "must be a number"), ("1e2", "must be a number"),
    (float("inf"), "must be a number"),
])
def test_a_number_field_refuses_what_is_not_a_figure_and_says_which_field(given, message):
    from marshmallow import ValidationError
    with pytest.raises(ValidationError) as caught:
        _number_form().deserialize(given)
    text = " ".join(caught.value.messages)
    assert message in text and "Attendance" in text


# --- times of day (issue 18: "times accept 9:30, 15.30, 3pm, 3.30pm") ---------------------------

STAGE2_TIME = {"letter_date": "2026-03-10"}


@pytest.mark.parametrize("typed, stored, printed", [
    ("9:30", "09:30", "9:30am"), ("09.30", "09:30", "9:30am"), ("15.30", "15:30", "3:30pm"),
    ("3pm", "15:00", "3:00pm"), ("3.30pm", "15:30", "3:30pm"), ("3.30 P.M.", "15:30", "3:30pm"),
    ("11:15 AM", "11:15", "11:15am"), (" 9 am ", "09:00", "9:00am"),
    # the edges of the clock
    ("0:00", "00:00", "12:00am"), ("12am", "00:00", "12:00am"), ("12:00", "12:00", "12 noon"),
    ("12pm", "12:00", "12 noon"), ("12.59pm", "12:59", "12:59pm"), ("23:59", "23:59", "11:59pm"),
])
def test_a_time_is_read_as_offices_write_it_and_kept_on_the_24_hour_clock(typed, stored, printed):
    data = dict(STAGE2_TIME, meeting={"date": "2026-03-17", "time": typed})
    loaded = get_form("stage2-letter").schema(complete=False).load(data)
    assert loaded["meeting"]["time"] == stored
    field = next(f for f in get_form("stage2-letter").fields if f.name == "meeting.time")
    assert field.display(stored) == printed


@pytest.mark.parametrize("typed", ["24:00", "23:60", "13pm", "0am", "930", "9:3", "noon", "half nine", "9:30:00",
                                   "9:30 pm pm"])
def test_a_time_that_is_not_one_is_refused_naming_the_field(typed):
    data = dict(STAGE2_TIME, meeting={"date": "2026-03-17", "time": typed})
    with pytest.raises(ValidationError) as refused:
        get_form("stage2-letter").schema(complete=False).load(data)
    assert refused.value.messages == {"meeting": {"time": [
        "Enter the time of the School Attendance Meeting like 9:30am, 2pm or 14:30"]}}

