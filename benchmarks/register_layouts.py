"""How long reading a whole school's register export takes in each layout a school's MIS gives it
(issue 21): a synthetic school of 1,500 pupils to 23 June (forms_service/register/synthetic.py),
written by forms_service/register/mis_exports.py as the long layout (UTF-8 CSV: the layout the service
read before issue 21, the anchor), with SIMS sub-codes and UK dates, in UTF-16 and Windows-1252, as a
week grid and a day grid, and as Excel workbooks; each read by register/exports.read_school_file in one
process. Medians with min-max over N runs, and each layout's ratio to the long UTF-8 CSV.

    .venv/bin/python benchmarks/register_layouts.py [--runs 3] [--pupils 1500]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json

from forms_service.register import mis_exports, synthetic  # noqa: E402
from forms_service.register.exports import read_school_file  # noqa: E402

from common import print_table, ratio, row, timed  # noqa: E402

UNTIL = dt.date(2026, 6, 23)


def files(pupils: int) -> dict[str, bytes]:
    rows, _ = synthetic.generate(pupils, UNTIL, 2026)
    rows = list(rows)
    subbed = list(mis_exports.with_sub_codes(rows))
    grid = mis_exports.grid_rows
    return {
        "long CSV, UTF-8 (the anchor)": mis_exports.to_csv_bytes(*mis_exports.long_rows(rows)),
        "long CSV, UK dates, SIMS sub-codes": mis_exports.to_csv_bytes(*mis_exports.long_rows(subbed, "uk")),
        "long CSV, Windows-1252": mis_exports.to_csv_bytes(*mis_exports.long_rows(rows, "uk"), encoding="cp1252"),
        "long CSV, UTF-16 (tabs)": mis_exports.to_csv_bytes(*mis_exports.long_rows(rows), encoding="utf-16",
                                                            delimiter="\t"),
        "week grid CSV": mis_exports.to_csv_bytes(*grid(rows)),
        "day grid CSV": mis_exports.to_csv_bytes(*grid(rows, by="day")),
        "week grid XLSX": mis_exports.to_xlsx(*grid(rows, date_style="date")),
        "long XLSX": mis_exports.to_xlsx(*mis_exports.long_rows(rows, "date")),
    }


def layout_rows(runs: int, pupils: int) -> list[dict]:
    out = []
    anchor = None
    for name, data in files(pupils).items():
        result = row(f"read {pupils} pupils: {name} ({len(data) / 2**20:.1f} MB)",
                     timed(lambda: read_school_file(data, max_rows=1_500_000), runs, warm=0))
        if anchor is None:
            anchor = result
            result["anchor"] = "the long layout, as read before issue 21"
        else:
            result["anchor"] = f"{ratio(result, anchor)}x the long UTF-8 CSV"
        out.append(result)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = layout_rows(args.runs, args.pupils)
    print_table("Register exports, by layout", rows)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
