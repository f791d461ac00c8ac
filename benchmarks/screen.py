"""How long the whole-school screen takes: a synthetic school of 1,500 pupils with about 380
sessions each (../shared/tools/make_school_register.py), read and screened in one process and
across the machine's cores, and eligibility for one pupil from a full-year register. Medians with
min-max over N runs; prints a table, then the same figures as JSON.

    .venv/bin/python benchmarks/screen.py [--runs 5] [--pupils 1500]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from forms_service import screening  # noqa: E402
from forms_service.formdefs import get_form  # noqa: E402
from forms_service.policies import load_profile  # noqa: E402
from forms_service.register import parse_register_csv  # noqa: E402
from forms_service.rules import evaluate  # noqa: E402
from registers import typical_pupil  # noqa: E402

GENERATOR = ROOT.parent / "shared" / "tools" / "make_school_register.py"
# 2025/26 from 3 September to 23 June: 380 rows a pupil (half-term weeks are rows coded #).
UNTIL = "2026-06-23"


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def row(name: str, seconds: list[float], anchor: str) -> dict:
    return {"name": name, "median_ms": round(statistics.median(seconds) * 1000, 2),
            "min_ms": round(min(seconds) * 1000, 2), "max_ms": round(max(seconds) * 1000, 2), "anchor": anchor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pupils", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "school.csv"
        subprocess.run([sys.executable, str(GENERATOR), "--pupils", str(args.pupils), "--until", UNTIL,
                        "--seed", "2026", "--out", str(path)], check=True)
        data = path.read_bytes()
    rows_in_file = data.count(b"\n") - 1
    profile = load_profile("national-2024")
    cores = os.cpu_count() or 1
    results = [
        row(f"screen, 1 process ({args.pupils} pupils, {rows_in_file:,} rows)",
            timed(lambda: screening.screen_file(data, profile, workers=1), args.runs), "target <= 2000 ms"),
        row(f"screen, {min(cores, screening.MAX_WORKERS)} processes",
            timed(lambda: screening.screen_file(data, profile), args.runs), "target <= 2000 ms"),
    ]
    # One pupil, a full school year: the penalty-notice panel's rules from the register.
    pupil = typical_pupil(last=dt.date(2026, 7, 22))
    pupil.mark_sessions(12, "N", dt.date(2026, 1, 5), dt.date(2026, 3, 10))  # before the sample's panel
    register = parse_register_csv(pupil.csv())
    form = get_form("penalty-notice-panel")
    sample = json.loads((ROOT / "tests" / "samples" / "penalty-notice-panel.json").read_text(encoding="utf-8"))
    data_ = form.schema(complete=True).load(sample)  # the realistic sample: every rule runs in full
    results.append(row(f"eligibility, one pupil ({len(register.sessions)} sessions), penalty-notice-panel rules",
                       timed(lambda: evaluate(form, data_, register=register, profile=load_profile("southend")),
                             args.runs * 20),
                       "interactive"))
    width = max(len(r["name"]) for r in results)
    print(f"{'measure'.ljust(width)}  median ms   min–max ms         anchor")
    for r in results:
        print(f"{r['name'].ljust(width)}  {r['median_ms']:9.2f}   {r['min_ms']:.2f}–{r['max_ms']:.2f}  {r['anchor']}")
    single, parallel = results[0]["median_ms"], results[1]["median_ms"]
    print(f"processes speed-up: {single / parallel:.2f}x on {cores} cores")
    print(json.dumps({"results": results, "cores": cores, "rows": rows_in_file}, indent=2))


if __name__ == "__main__":
    main()
