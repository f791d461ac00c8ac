"""MIS sub-codes and local marks read as the statutory code they stand for (issue 21).

A school's MIS may record a finer mark than the regulations' code: SIMS 8 and Arbor write I01 or
X03 for I and X, SIMS 7 writes I_F, and some schools used SIMS's local COVID-19 marks (7, 8, 9) in
2020-23. Each maps to exactly one statutory code by a documented rule, kept as data in
schemas/codesets/mis-marks.json with its sources. A mark that fits no rule is not guessed at: the
reader reports it as an error naming its row and column.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Container

from ..config import PROJECT_ROOT

MIS_MARKS_FILE = PROJECT_ROOT / "schemas" / "codesets" / "mis-marks.json"
LONGEST_MARK = 8  # I_ABCD is six characters: anything longer is not a mark


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[re.Pattern, ...], dict[str, dict[str, str]]]:
    raw = json.loads(MIS_MARKS_FILE.read_text(encoding="utf-8"))
    return tuple(re.compile(f["pattern"]) for f in raw["forms"]), raw["local_marks"]


def statutory(mark: str, code_set: str, codes: Container[str]) -> str | None:
    """The statutory code (one of `codes`, the code set `code_set`) that `mark` stands for, or None
    when no documented rule maps it. A code already in the set is returned as it is."""
    if mark in codes:
        return mark
    if not mark or len(mark) > LONGEST_MARK:
        return None
    forms, local = _table()
    if (code := local.get(code_set, {}).get(mark)) is not None:
        return code if code in codes else None
    for form in forms:
        if (m := form.match(mark)) and m.group("code") in codes:
            return m.group("code")
    return None
