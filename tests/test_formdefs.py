"""Field types of the declarations (forms_service.formdefs), checked directly."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from marshmallow import ValidationError

from forms_service.formdefs import FieldDef, nested_schema

CHOICE = FieldDef("variant", "Which letter", "choice", True,
                  options={"choices": [{"value": "meeting", "label": "After a meeting"},
                                       {"value": "attempts", "label": "After 6 weeks of attempts"}]})


def test_a_choice_accepts_only_its_options_and_names_the_field():
    schema = nested_schema("T", [CHOICE], True)()
    assert schema.load({"variant": "attempts"}) == {"variant": "attempts"}
    with pytest.raises(ValidationError) as bad:
        schema.load({"variant": "other"})
    assert bad.value.messages == {"variant": ["Which letter: choose one of the options"]}
    with pytest.raises(ValidationError) as missing:
        schema.load({})
    assert missing.value.messages == {"variant": ["Select an option: Which letter"]}


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
