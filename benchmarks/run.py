"""Every benchmark in one run, side by side with its anchor (a target, or the raw library it is
compared with): documents, the signed pack and its seal, the register (one pupil, the whole-school
screen), bulk letters, and HTTP under load with memory. Prints the tables, then writes all figures as JSON.

    .venv/bin/python benchmarks/run.py [--quick] [--json benchmarks/results.json]

--quick runs fewer repetitions (a smoke run; the README's figures come from a full run on an idle
machine). Tests never assert on time: these figures are for people to read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
from pathlib import Path

import documents
import http_load
import register_layouts
import screen
import sealing
from common import print_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", type=Path, default=Path(__file__).with_name("results.json"))
    args = ap.parse_args()
    runs = 5 if args.quick else 20
    sections = {}
    sections["documents"] = documents.letter_rows(runs, 2 if args.quick else 5) + documents.pack_rows(runs)
    print_table("Documents (one 1-page letter; the signed pack)", sections["documents"])
    sections["seal"] = sealing.seal_rows(runs)
    print_table("The seal on a signed pack (PAdES, issue 24)", sections["seal"])
    sections["register"] = screen.screen_rows(2 if args.quick else 5, 1500, skip_large=args.quick)
    print_table("Register", sections["register"])
    sections["register_layouts"] = register_layouts.layout_rows(1 if args.quick else 3, 1500)
    print_table("Register exports, by layout", sections["register_layouts"])
    try:
        import bulk_letters
    except ImportError:
        bulk_letters = None
    if bulk_letters is not None and hasattr(bulk_letters, "bulk_rows"):
        sections["bulk_letters"] = bulk_letters.bulk_rows(200 if args.quick else 1000)
        print_table("Bulk letters", sections["bulk_letters"])
    seconds = 3 if args.quick else 10
    sections["http"] = http_load.http_rows(seconds, 20, 3, "postgresql", 10)
    http_load.print_http(sections["http"], seconds, 20)
    report = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "quick": args.quick, "sections": sections}
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nAll figures as JSON: {args.json}")


if __name__ == "__main__":
    main()
