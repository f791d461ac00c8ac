#!/usr/bin/env python3
"""Write a realistic, synthetic whole-school attendance register as CSV (upn,date,session,code).

A copy of the generator the project's design came with, kept in the repository so that the tests
and benchmarks run on a fresh clone with nothing beside it.

For tests, screening and benchmarks. Deterministic for a given --seed. Nobody in it is real.

  python3 tools/make_school_register.py --pupils 1500 --out school.csv
  python3 tools/make_school_register.py --pupils 30 --pupil-details pupils.csv --out small.csv

The school year is 2025/26 in England (terms and half terms below). Pupils differ: most attend well,
about one in five is persistently absent, a few are severely absent, some take term-time holidays
(G), some arrive after the register closes (U), a few are dual registered (D) one day a week.
Codes are from the 2024 set. Half-term weeks are marked '#' (planned closure).
"""
import argparse
import csv
import datetime as dt
import random

TERMS = [(dt.date(2025, 9, 3), dt.date(2025, 12, 19)), (dt.date(2026, 1, 5), dt.date(2026, 3, 27)),
         (dt.date(2026, 4, 13), dt.date(2026, 7, 22))]
HALF_TERMS = [(dt.date(2025, 10, 27), dt.date(2025, 10, 31)), (dt.date(2026, 2, 16), dt.date(2026, 2, 20)),
              (dt.date(2026, 5, 25), dt.date(2026, 5, 29))]
FIRST = ["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Mia", "Arthur", "Ivy", "Muhammad", "Freya",
         "Theo", "Zofia", "Kacper", "Aisha", "Rhys", "Siân", "Chidi", "Priya", "Mateo"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Khan", "Patel", "Nowak", "Okafor",
        "Evans", "Murphy", "O'Brien", "Hughes", "Ali", "Kowalski", "Davies", "Singh", "Clarke", "Walker"]


def school_days(until):
    d = TERMS[0][0]
    while d <= until:
        if d.weekday() < 5 and any(a <= d <= b for a, b in TERMS):
            yield d, any(a <= d <= b for a, b in HALF_TERMS)
        d += dt.timedelta(days=1)


def pupil_profile(rng):
    r = rng.random()
    if r < 0.03:
        return {"absence": 0.55, "unauth_share": 0.7}   # severely absent
    if r < 0.20:
        return {"absence": rng.uniform(0.10, 0.25), "unauth_share": rng.uniform(0.3, 0.8)}  # persistent
    return {"absence": rng.uniform(0.0, 0.07), "unauth_share": rng.uniform(0.0, 0.3)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pupils", type=int, default=1500)
    ap.add_argument("--until", default="2026-07-22", help="last date (ISO) to write")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pupil-details", help="also write upn,first_name,last_name,date_of_birth,year_group,parent_name")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    until = dt.date.fromisoformat(args.until)
    days = list(school_days(until))
    details = []
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["upn", "date", "session", "code"])
        for i in range(args.pupils):
            upn = f"Z{820000000000 + i:012d}"
            p = pupil_profile(rng)
            year = rng.randint(7, 11)
            born = dt.date(2025 - year - 5, 9, 1) + dt.timedelta(days=rng.randint(0, 364))
            first, last = rng.choice(FIRST), rng.choice(LAST)
            details.append([upn, first, last, born.isoformat(), f"Year {year}", f"{rng.choice(FIRST)} {last}"])
            holiday = None
            if rng.random() < 0.08:
                start = rng.choice([d for d, closed in days if not closed and d.weekday() == 0])
                holiday = (start, start + dt.timedelta(days=rng.choice([2, 4, 9])))
            dual_day = rng.choice([2, 3]) if rng.random() < 0.02 else None
            late_habit = rng.random() < 0.05
            for d, closed in days:
                for s in ("AM", "PM"):
                    if closed:
                        code = "#"
                    elif dual_day is not None and d.weekday() == dual_day:
                        code = "D"
                    elif holiday and holiday[0] <= d <= holiday[1]:
                        code = "G"
                    elif rng.random() < p["absence"]:
                        code = rng.choice("NOOU") if rng.random() < p["unauth_share"] else rng.choice("IIIIMCRE")
                    elif s == "AM" and late_habit and rng.random() < 0.15:
                        code = rng.choice("LLU")
                    else:
                        code = "/" if s == "AM" else "\\"
                    w.writerow([upn, d.isoformat(), s, code])
    if args.pupil_details:
        with open(args.pupil_details, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["upn", "first_name", "last_name", "date_of_birth", "year_group", "parent_name"])
            w.writerows(details)


if __name__ == "__main__":
    main()
