"""Bulk letters: Stage 2 letters for a synthetic school, one per parent as DOCX and PDF, zipped with
the manifest, the way `forms-service bulk-letters` makes them (the register export read, the
pupils file read, the filter, the plan, then the letters rendered across the machine's cores).

620 pupils with one or two parents (two thirds have two) and attendance below 100% give about 1,000
letters. Target: 1,000 letters (DOCX + PDF each) in 50 s or less on a 2-core machine. Prints a
table, then the same figures as JSON.

    .venv/bin/python benchmarks/bulk_letters.py [--letters 1000] [--below 100] [--workers N] [--runs 1]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT, print_table

from forms_service.formdefs import get_form
from forms_service.letters import bulk
from forms_service.policies import load_profile
from forms_service.register import synthetic as synthetic_register

LETTER_DATE = "2026-03-13"  # a Friday in the spring term of the generator's 2025/26 year
STREETS = ["Station Road", "Church Lane", "Brindley Close", "Gorton Road", "Victoria Street", "Park Avenue",
           "Mill Lane", "The Crescent", "Kingsway", "Windsor Drive"]
TOWNS = [("Reddish", "SK5"), ("Heaton Moor", "SK4"), ("Edgeley", "SK3"), ("Brinnington", "SK5"), ("Cheadle", "SK8")]
PARENT_FIRST = ["Leanne", "Darren", "Sarah", "Mohammed", "Joanne", "Paul", "Agnieszka", "Tomasz", "Chloe", "Jamal",
                "Emma", "Lee", "Fatima", "Gareth", "Ngozi", "Kevin"]
RELATIONSHIPS = [("mother", "father"), ("mother", "stepfather"), ("father", "stepmother"), ("mother", "grandmother"),
                 ("carer", "carer")]


def school_files(directory: Path, pupils: int, seed: int = 2026) -> tuple[bytes, bytes]:
    """(register export, pupils file): a synthetic school (forms_service/register/synthetic.py) up to
    the letter's date, and a pupils file for it with each child's address and one or two parents (the
    second, a third of the time, at their own address)."""
    register, details = directory / "school.csv", directory / "details.csv"
    synthetic_register.write(register, pupils, dt.date.fromisoformat(LETTER_DATE), seed, details_out=details)
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["upn", "first_name", "last_name", "date_of_birth", "year_group", "address",
                     "parent1_name", "parent1_relationship", "parent1_address",
                     "parent2_name", "parent2_relationship", "parent2_address"])
    with details.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            town, district = rng.choice(TOWNS)
            home = f"{rng.randint(1, 240)} {rng.choice(STREETS)}\n{town}\n{district} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRTUW')}"
            first, second = rng.choice(RELATIONSHIPS)
            parents = [row["parent_name"], first, ""]
            if rng.random() < 2 / 3:
                other = f"{rng.choice(PARENT_FIRST)} {row['last_name']}"
                away = "" if rng.random() < 2 / 3 else f"Flat {rng.randint(1, 30)}, {rng.randint(1, 300)} {rng.choice(STREETS)}\nStockport\nSK1 {rng.randint(1, 9)}AA"
                parents += [other, second, away]
            else:
                parents += ["", "", ""]
            writer.writerow([row["upn"], row["first_name"], row["last_name"], row["date_of_birth"], row["year_group"],
                             home, *parents])
    return register.read_bytes(), out.getvalue().encode()


ANSWERS = {"engagement": "unsuccessful_attempts", "next_step": "meeting",
           "meeting": {"date": "2026-03-24", "time": "15:30", "child_invited": True},
           "letter_date": LETTER_DATE, "signatory": {"name": "Mrs Joanne Kelly", "role": "Attendance Lead"}}


def run(register: bytes, details: bytes, below: float, workers: int | None) -> dict:
    form = get_form("stage2-letter")
    times = {}
    start = time.perf_counter()
    people = bulk.parse_details(details)
    answers = bulk.check_answers(form, ANSWERS)
    plan = bulk.plan_from_export(register, people, form, answers, bulk.Criteria(below=below),
                                 load_profile("stockport"), school={"name": "Brindley Park High School"},
                                 la={"name": "Stockport Council", "inbox": "legal@la.invalid"}, batch="B1",
                                 workers=workers)
    times["read and plan"] = time.perf_counter() - start
    with tempfile.TemporaryFile() as out:
        rendering = time.perf_counter()
        cpu = _cpu()
        result = bulk.write_zip(plan, out, workers=workers)
        cpu = _cpu() - cpu
        times["render and zip"] = time.perf_counter() - rendering
        size = out.tell()
    times["total"] = time.perf_counter() - start
    return {"letters": result.letters, "pupils": result.pupils, "skipped": result.skipped, "zip_bytes": size,
            "seconds": {k: round(v, 2) for k, v in times.items()},
            # CPU time of this process and its workers while rendering: what the letters cost whatever else
            # the machine is doing (on an idle machine the wall time is about this divided by the cores).
            "render_cpu_s": round(cpu, 2), "cpu_ms_per_letter": round(cpu * 1000 / result.letters, 1) if result.letters else None}


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bulk_rows(letters: int = 1000, *, workers: int | None = None, runs: int = 1, below: float = 100.0) -> list[dict]:
    """The benchmark as rows for benchmarks/run.py: a school sized to give about `letters` letters
    (0.62 pupils a letter: two thirds of pupils have two parents, and a few attend every session)."""
    pupils = max(1, round(letters * 0.62))
    with tempfile.TemporaryDirectory() as tmp:
        register, details = school_files(Path(tmp), pupils)
    results = [run(register, details, below, workers) for _ in range(runs)]
    totals = [r["seconds"]["total"] for r in results]
    made = results[0]["letters"]
    median = statistics.median(totals)
    processes = workers or min(os.cpu_count() or 1, bulk.MAX_WORKERS)
    cpu_per_letter = statistics.median(r["cpu_ms_per_letter"] for r in results) if made else 0
    stages = ", ".join(f"{k} {statistics.median(r['seconds'][k] for r in results):.1f} s"
                       for k in ("read and plan", "render and zip")) + f"; {cpu_per_letter:.0f} ms CPU a letter"
    return [{"name": f"bulk letters: {made} Stage 2 letters (DOCX + PDF), {results[0]['pupils']} pupils, "
                     f"{processes} processes on {os.cpu_count()} cores",
             "median_ms": round(median * 1000, 1), "min_ms": round(min(totals) * 1000, 1),
             "max_ms": round(max(totals) * 1000, 1), "runs": len(results),
             "letters": made, "letters_per_s": round(made / median, 1),
             "seconds_per_1000": round(median * 1000 / made, 1) if made else None, "stages": stages,
             "skipped": results[0]["skipped"], "zip_bytes": results[0]["zip_bytes"], "cpu_ms_per_letter": cpu_per_letter,
             "anchor": f"{made / median:.1f} letters/s, {median * 1000 / made:.1f} s per 1,000 "
                       f"(target <= 50 s on 2 cores); {stages}"}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000, help="about this many letters (0.62 pupils a letter)")
    parser.add_argument("--below", type=float, default=100.0, help="select pupils with attendance below this")
    parser.add_argument("--workers", type=int, help="processes (default: one per core, up to 4)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    rows = bulk_rows(args.letters, workers=args.workers, runs=args.runs, below=args.below)
    print_table("Bulk letters", rows)
    print(json.dumps({"results": rows, "cores": os.cpu_count(), "letter_date": LETTER_DATE,
                      "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}, indent=2))


if __name__ == "__main__":
    main()
