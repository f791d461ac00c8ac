"""What every benchmark shares: timing, one result row, the table and the JSON.

A row is a median with min–max over its runs, an anchor (the target or the floor it is compared
with), and an optional ratio to another row measured in the same run.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (str(ROOT), str(ROOT / "tests")):
    if extra not in sys.path:
        sys.path.insert(0, extra)


def timed(fn, runs: int, *, warm: int = 1) -> list[float]:
    """Seconds for each of `runs` calls, after `warm` untimed calls (fonts and templates load once)."""
    for _ in range(warm):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def row(name: str, seconds: list[float], anchor: str = "", **extra) -> dict:
    return {"name": name, "median_ms": round(statistics.median(seconds) * 1000, 2),
            "min_ms": round(min(seconds) * 1000, 2), "max_ms": round(max(seconds) * 1000, 2),
            "runs": len(seconds), "anchor": anchor, **extra}


def ratio(numerator: dict, denominator: dict) -> float:
    return round(numerator["median_ms"] / denominator["median_ms"], 2)


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    width = max(len(r["name"]) for r in rows)
    print(f"  {'measure'.ljust(width)}  {'median ms':>10}  {'min–max ms':>19}  anchor")
    for r in rows:
        spread = f"{r['min_ms']:.1f}–{r['max_ms']:.1f}" if "min_ms" in r else ""
        median = f"{r['median_ms']:.1f}" if "median_ms" in r else ""
        print(f"  {r['name'].ljust(width)}  {median:>10}  {spread:>19}  {r.get('anchor', '')}")
