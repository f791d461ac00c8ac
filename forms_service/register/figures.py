"""Figures a form's documents print, filled from the pupil's register marks where they are given.

A field declares where its figure comes from:

    {"name": "figures.attendance_pct", "type": "number",
     "from_register": {"figure": "attendance_pct", "to": "letter_date"}}

`to` names the answer holding the last date counted; `from` (optional) the first, otherwise the
window starts on 1 September of that school year; `weeks` (optional) takes instead the previous N
school weeks ending with `to` (DESIGN.md §4). A figure counted from the marks wins over a typed one
and a disagreement is shown (DESIGN.md §3), so a letter never states a number the register
contradicts. Where the answer naming the window is not given yet, or no marks fall in the window,
the typed figure stands.
"""
from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..dates import as_date
from ..formatting import format_date
from ..formdefs import get_path, set_path
from .marks import (ABSENT, Register, Session, academic_year, broken_weeks, count_by_class, previous_school_weeks,
                    school_weeks)

LATE_CODES = {"L", "U"}  # late before the register closed (L) and after it (U): 2024 and older sets alike


def _pct(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def _counts(sessions: Sequence[Session], code_set: str) -> dict[str, int]:
    return count_by_class(sessions, code_set)


def _possible(c: dict[str, int]) -> int:
    return sum(c.values()) - c["not_counted"]


def _missed(sessions: Sequence[Session], code_set: str) -> int:
    c = _counts(sessions, code_set)
    return sum(c[k] for k in ABSENT)


# Each figure: (sessions in the window, code set) -> value, or None when it cannot be worked out.
FIGURES: dict[str, Callable[[Sequence[Session], str], float | int | None]] = {
    "attendance_pct": lambda s, cs: _pct((c := _counts(s, cs))["present"] + c["approved_activity"], _possible(c)),
    "authorised_pct": lambda s, cs: _pct((c := _counts(s, cs))["authorised"], _possible(c)),
    "unauthorised_pct": lambda s, cs: _pct((c := _counts(s, cs))["unauthorised"], _possible(c)),
    "possible_sessions": lambda s, cs: _possible(_counts(s, cs)),
    "attended_sessions": lambda s, cs: (c := _counts(s, cs))["present"] + c["approved_activity"],
    "unauthorised_sessions": lambda s, cs: _counts(s, cs)["unauthorised"],
    "sessions_missed": _missed,
    # Two sessions make a school day (000, Appendix 7: "days missed"); an odd session is half a day.
    "days_missed": lambda s, cs: _missed(s, cs) / 2,
    "broken_weeks": lambda s, cs: len(broken_weeks(s, cs)),
    "school_weeks": lambda s, cs: len(school_weeks(s)),
    "late_marks": lambda s, cs: sum(1 for x in s if x.code in LATE_CODES),
}


@dataclass(frozen=True)
class Filled:
    """One figure counted from the marks: where it goes, its value, what was typed, and the window."""
    name: str
    label: str
    value: float | int
    typed: Any
    start: dt.date
    end: dt.date

    @property
    def disagrees(self) -> bool:
        return self.typed is not None and self.typed != self.value

    def to_dict(self) -> dict:
        return {"field": self.name, "label": self.label, "value": self.value, "typed": self.typed,
                "from": self.start.isoformat(), "to": self.end.isoformat(), "disagrees": self.disagrees}

    def describe(self) -> str:
        said = f"counted from the register marks {format_date(self.start)} to {format_date(self.end)}"
        if self.disagrees:
            said += f" (the form says {self.typed:g}, which does not match)"
        return said


def _window(spec: dict, data: dict, register: Register) -> tuple[dt.date, dt.date, tuple[Session, ...]] | None:
    end = as_date(get_path(data, spec["to"]))
    if end is None:
        return None
    if spec.get("weeks"):
        window = previous_school_weeks(register, end, int(spec["weeks"]))
        if window.start is None:
            return None
        return window.start, end, window.sessions
    if spec.get("from"):
        start = as_date(get_path(data, spec["from"]))
        if start is None:
            return None
    else:
        start = academic_year(end)[0]
    sessions = tuple(s for s in register.sessions if start <= s.date <= end)
    return (start, end, sessions) if sessions else None


FRACTIONAL = {"attendance_pct", "authorised_pct", "unauthorised_pct", "days_missed"}  # need a number field


def _value(field_def, raw: float | int) -> float | int:
    if field_def.type == "integer":
        return int(raw)  # counts only: check_declarations keeps fractional figures off integer fields
    return round(float(raw), field_def.options.get("places", 1))


def register_fields(form) -> list:
    return [f for f in form.fields if f.options.get("from_register")]


def fill(form, data: dict, register: Register | None) -> list[Filled]:
    """The figures the marks give for this data (data is not changed)."""
    if register is None or not register.sessions:
        return []
    out = []
    for f in register_fields(form):
        spec = f.options["from_register"]
        window = _window(spec, data, register)
        if window is None:
            continue
        start, end, sessions = window
        raw = FIGURES[spec["figure"]](sessions, register.code_set)
        if raw is None:
            continue
        out.append(Filled(f.name, f.label, _value(f, raw), get_path(data, f.name), start, end))
    return out


def apply(data: dict, filled: list[Filled]) -> dict:
    """A copy of data with each counted figure in place of what was typed."""
    if not filled:
        return data
    result = copy.deepcopy(data)
    for item in filled:
        set_path(result, item.name, item.value)
    return result


def check_declarations(forms) -> list[str]:
    """Problems in `from_register` declarations (tests run this over every form)."""
    problems = []
    for form in forms:
        names = {f.name for f in form.fields}
        for f in register_fields(form):
            spec = f.options["from_register"]
            if spec.get("figure") not in FIGURES:
                problems.append(f"{form.id}: {f.name} asks for unknown figure {spec.get('figure')!r}")
            if f.type not in ("integer", "number"):
                problems.append(f"{form.id}: {f.name} is {f.type}, but a register figure is a number")
            elif f.type == "integer" and spec.get("figure") in FRACTIONAL:
                problems.append(f"{form.id}: {f.name} is a whole number, but {spec['figure']} can have decimals")
            for key in ("to", "from"):
                if key in spec and spec[key] not in names:
                    problems.append(f"{form.id}: {f.name} counts {key} {spec[key]!r}, which the form does not ask")
            if "to" not in spec:
                problems.append(f"{form.id}: {f.name} needs a 'to' date")
    return problems
