"""The child's attendance week by week (issue 22: the case page's small chart): from the register's marks,
each school week's attendance as the figures count it (register/marks.attendance_pct)."""
from __future__ import annotations

import datetime as dt
from itertools import groupby

from ..register.marks import Register, attendance_pct, week_of


def weekly_attendance(register: Register | None) -> list[tuple[dt.date, float]]:
    """[(Monday, attendance %)] for each week with a possible session, oldest first; a week of closures or
    holidays has no figure and is left out (nothing was possible). Empty without marks."""
    if register is None:
        return []
    out = []
    for monday, sessions in groupby(register.sessions, key=lambda s: week_of(s.date)):
        pct = attendance_pct(tuple(sessions), register.code_set)
        if pct is not None:
            out.append((monday, round(pct, 1)))
    return out
