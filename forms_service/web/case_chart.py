"""The case page's small chart (issue 22: "the register's attendance over time as a small chart, the thresholds
drawn in"): weekly attendance % as bars in an inline SVG drawn here, on the server (no script), with a line at
each threshold — persistent absence (below 90%: 001, 6.4, "miss 10% or more"; register/marks.PERSISTENT_PCT) and
the profile's own bands (policies.Band). The page gives the same figures in a table for screen-reader users; the
SVG is one image with a label saying what it shows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..formatting import format_date
from ..policies import Policy
from ..register.marks import PERSISTENT_PCT

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 12, 34
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
Y_TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Line:
    pct: float
    y: float
    labels: tuple[str, ...]  # what the line stands for, in words (more than one where two meet)


@dataclass(frozen=True)
class Chart:
    bars: tuple[dict, ...]  # {monday, pct, x, y, width, height}
    lines: tuple[Line, ...]
    y_ticks: tuple[tuple[int, float], ...]
    x_labels: tuple[tuple[str, float], ...]
    label: str
    weeks: tuple[tuple[dt.date, float], ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    base: float = TOP + PLOT_H


def _y(pct: float) -> float:
    return round(TOP + PLOT_H * (1 - pct / 100), 1)


def thresholds(profile: Policy) -> tuple[Line, ...]:
    """The lines to draw: persistent absence and each of the profile's bands, one line per percentage."""
    found: dict[float, list[str]] = {100 - PERSISTENT_PCT: [f"Persistently absent below {100 - PERSISTENT_PCT}% "
                                                            f"({PERSISTENT_PCT}% or more of sessions missed)"]}
    for band in profile.bands:
        found.setdefault(float(band.pct), []).append(band.label)
    return tuple(Line(pct, _y(pct), tuple(labels)) for pct, labels in sorted(found.items(), reverse=True))


def _pct(value: float) -> str:
    return f"{value:g}%"


def attendance_chart(weeks: list[tuple[dt.date, float]], profile: Policy) -> Chart | None:
    """The chart of `weeks` ([(Monday, %)], oldest first; cases/attendance.weekly_attendance), or None without."""
    if not weeks:
        return None
    step = PLOT_W / len(weeks)
    width = round(min(step * 0.7, 24), 1)
    bars = tuple({"monday": monday, "pct": pct, "x": round(LEFT + step * i + (step - width) / 2, 1),
                  "y": _y(pct), "width": width, "height": round(PLOT_H * pct / 100, 1)}
                 for i, (monday, pct) in enumerate(weeks))
    # Under the bars: each week's date where there are few, else the month where each month's first week falls.
    if len(weeks) <= 8:
        x_labels = tuple((f"{m.day} {m:%b}", b["x"] + width / 2) for (m, _), b in zip(weeks, bars))
    else:
        x_labels, month = [], None
        for (monday, _), bar in zip(weeks, bars):
            if (monday.year, monday.month) != month:
                month = (monday.year, monday.month)
                x_labels.append((f"{monday:%b}", bar["x"] + width / 2))
        x_labels = tuple(x_labels)
    lines = thresholds(profile)
    low = min(weeks, key=lambda w: (w[1], w[0]))
    label = (f"Attendance week by week, {len(weeks)} school week{'s' if len(weeks) != 1 else ''} from the week "
             f"beginning {format_date(weeks[0][0])} to the week beginning {format_date(weeks[-1][0])}: lowest "
             f"{_pct(low[1])} (week beginning {format_date(low[0])}), latest {_pct(weeks[-1][1])}. Lines drawn at "
             + ", ".join(_pct(line.pct) for line in lines) + ".")
    return Chart(bars, lines, tuple((t, _y(t)) for t in Y_TICKS), x_labels, label, tuple(weeks))
