"""Field types of the declarations (forms_service.formdefs), checked directly."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from marshmallow import ValidationError

from forms_service.formdefs import FieldDef, _nested_schema

CHOICE = FieldDef("variant", "Which letter", "choice", True,
                  options={"choices": [{"value": "meeting", "label": "After a meeting"},
                                       {"value": "attempts", "label": "After 6 weeks of attempts"}]})


def test_a_choice_accepts_only_its_options_and_names_the_field():
    schema = _nested_schema("T", [CHOICE], True)()
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
