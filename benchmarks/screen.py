"""How long the whole-school screen takes: a synthetic school of 1,500 pupils with about 380
sessions each (forms_service/register/synthetic.py), read and screened in one process and
across the machine's cores, and eligibility for one pupil from a full-year register. Medians with
min-max over N runs; prints a table, then the same figures as JSON.

    .venv/bin/python benchmarks/screen.py [--runs 5] [--pupils 1500] [--profile peterborough]

A profile with attendance bands (peterborough, knowsley, southend) lists every pupil in a band too.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from forms_service.formdefs import get_form  # noqa: E402
from forms_service.policies import load_profile  # noqa: E402
from forms_service.register import screening, synthetic as synthetic_register  # noqa: E402
from forms_service.register.exports import read_register_file  # noqa: E402
from forms_service.rules import evaluate  # noqa: E402

from common import ROOT, print_table, ratio, row, timed  # noqa: E402 (also puts tests/ on the path)
from support.registers import typical_pupil  # noqa: E402

# 2025/26 from 3 September to 23 June: 380 rows a pupil (half-term weeks are rows coded #).
UNTIL = "2026-06-23"


def screen_rows(runs: int, pupils: int, profile_id: str = "national-2024") -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "school.csv"
        synthetic_register.write(path, pupils, dt.date.fromisoformat(UNTIL), 2026)
        data = path.read_bytes()
    rows_in_file = data.count(b"\n") - 1
    profile = load_profile(profile_id)
    cores = os.cpu_count() or 1
    single = row(f"screen, 1 process ({pupils} pupils, {rows_in_file:,} rows, {profile_id})",
                 timed(lambda: screening.screen_file(data, profile, workers=1), runs, warm=0), "target <= 2000 ms")
    parallel = row(f"screen, {min(cores, screening.MAX_WORKERS)} processes",
                   timed(lambda: screening.screen_file(data, profile), runs, warm=0), "target <= 2000 ms")
    parallel["anchor"] += f"; {ratio(single, parallel)}x faster than 1 process"
    # One pupil, a full school year: the penalty-notice panel's rules from the register.
    pupil = typical_pupil(last=dt.date(2026, 7, 22))
    pupil.mark_sessions(12, "N", dt.date(2026, 1, 5), dt.date(2026, 3, 10))  # before the sample's panel
    register = read_register_file(pupil.csv())
    form = get_form("penalty-notice-panel")
    sample = json.loads((ROOT / "tests" / "samples" / "penalty-notice-panel.json").read_text(encoding="utf-8"))
    data_ = form.schema(complete=True).load(sample)  # the realistic sample: every rule runs in full
    one = row(f"eligibility, one pupil ({len(register.sessions)} sessions), penalty-notice-panel rules",
              timed(lambda: evaluate(form, data_, register=register, profile=load_profile("southend")), runs * 20),
              "interactive")
    return [single, parallel, one]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--profile", default="national-2024", help="The policy profile screened against")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = screen_rows(args.runs, args.pupils, args.profile)
    print_table("Register", rows)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
