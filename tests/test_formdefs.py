"""Field types of the declarations (forms_service.formdefs), checked directly."""
from __future__ import annotations

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
