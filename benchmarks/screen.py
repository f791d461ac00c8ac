"""How long screening takes (issue 25), today's reader and rules (register/screening.py, engine="python") side by side
with the columnar engine (register/columnar.py, polars) in one run, and how close each is to reading the file alone
(the floor: polars reading the four columns, in a process of its own like the command):

- one school, 1,500 pupils x about 380 sessions (register/synthetic.py): the screen itself, in this process; and
  `forms-service screen` as a whole command (a process each), today's as it was (the application imported first,
  the reader and rules) and now (lazy imports, the columnar engine);
- an LA of 30,000 pupils x 380 sessions (11.4 million rows): the whole command (today refused: more than 1,500,000
  rows);
- 200,000 pupils x 120 sessions (24 million rows, the last 12 weeks of a large LA): the whole command, with its peak
  memory (resident set) beside the file's size; the command screens a file this large in parts
  (register/columnar.py, WHOLE_BYTES), and beside it the same file read whole (one part), its time and peak;
- twice that LA (400,000 pupils, 48 million rows): the command's peak memory, which parts keep where the 200,000's
  is (bounded), with --largest-pupils 0 to skip it.

The LA files are written by a fast writer of this benchmark's own (polars, codes drawn by hashing; half terms as
`#`), in a temporary folder, deleted after. Medians with min-max over N runs; prints a table, then JSON with --json.

    .venv/bin/python benchmarks/screen.py [--runs 3] [--pupils 1500] [--la-pupils 30000] [--large-pupils 200000]
                                          [--largest-pupils 400000] [--profile national-2024] [--skip-large]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's code, not an installed copy

from forms_service.formdefs import get_form  # noqa: E402
from forms_service.policies import load_profile  # noqa: E402
from forms_service.register import columnar, screening, synthetic as synthetic_register  # noqa: E402
from forms_service.register.exports import read_register_file  # noqa: E402
from forms_service.rules import evaluate  # noqa: E402

from common import ROOT, print_table, ratio, row, timed  # noqa: E402 (also puts tests/ on the path)
from support.registers import typical_pupil  # noqa: E402

# 2025/26 from 3 September to 23 June: 380 rows a pupil (half-term weeks are rows coded #).
UNTIL = "2026-06-23"
PYTHON = sys.executable
# Today's command as it was before issue 25: the application's modules imported at the top of cli.py, then the
# reader and the rules.
TODAY = ("import flask, forms_service.models, forms_service.access.accounts, forms_service.database, "
         "forms_service.register.synthetic, forms_service.storage; from forms_service.cli import main; main()")
FLOOR = ("import sys, polars as pl; n = open(sys.argv[1]).readline().count(',') + 1; "
         "pl.read_csv(sys.argv[1], infer_schema=False, schema_overrides=[pl.Categorical] * n)")
# The same screen as the command, the file read whole (one part) whatever its size: the baseline for parts.
WHOLE = ("import sys; from pathlib import Path; from forms_service.policies import load_profile; "
         "from forms_service.register import screening; "
         "screening.screen_schools(Path(sys.argv[1]), load_profile(sys.argv[2]), parts=1)")
# A child's peak resident set: run in a wrapper of its own, so RUSAGE_CHILDREN is that one command's.
PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")


def write_la(path: Path, pupils: int, sessions: int | None = None, schools: int = 1, seed: int = 7) -> int:
    """A whole LA's long-layout CSV (a URN column when `schools` > 1): every pupil the school year's sessions up to
    UNTIL (the last `sessions` of them), codes drawn by hashing the pupil and session (about one pupil in six often
    absent). Returns the rows written."""
    import polars as pl

    days = list(synthetic_register.SchoolYear(2025).days(dt.date.fromisoformat(UNTIL)))
    calendar = [(d.isoformat(), s, closed) for d, closed in days for s in ("AM", "PM")]
    calendar = calendar[-sessions:] if sessions else calendar
    cal = pl.DataFrame({"date": [c[0] for c in calendar], "session": [c[1] for c in calendar],
                        "closed": [c[2] for c in calendar]}).with_row_index("k")
    frame = pl.DataFrame({"i": pl.int_range(0, pupils, eager=True)}).join(cal, how="cross")
    palette = pl.Series(list("/" * 40 + "\\" * 40 + "NOUIMCLGRD"))
    drawn = (pl.col("i") * 1_000_003 + pl.col("k")).hash(seed) % len(palette)
    often_absent = (pl.col("i").hash(seed + 1) % 6 == 0) & ((pl.col("i") * 7 + pl.col("k")).hash(seed + 2) % 10 < 3)
    code = pl.when(pl.col("closed")).then(pl.lit("#")).when(often_absent).then(pl.lit("N")).otherwise(
        pl.lit(palette).gather(drawn))
    columns = [pl.format("Z{}", (pl.col("i") + 820000000000).cast(pl.Utf8)).alias("upn"), "date", "session",
               code.alias("code")]
    if schools > 1:
        columns.insert(0, (pl.col("i") * schools // pupils + 100001).cast(pl.Utf8).alias("URN"))
    frame.select(columns).write_csv(path)
    return frame.height


def _argv(args: list[str], code: str | None = None) -> list[str]:
    """The command with `args`, or `code` (a Python snippet) run with them instead."""
    return [PYTHON, "-c", code, *args] if code else [PYTHON, "-m", "forms_service.cli", *args]


def command(args: list[str], runs: int, *, today: bool = False, code: str | None = None) -> list[float]:
    """Seconds for each run of a command in a process of its own (as a person runs it); `code`: a Python snippet
    run with `args` instead of the command."""
    argv = _argv(args, TODAY if today else code)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        out.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return out


def floor(path: Path, runs: int) -> list[float]:
    return timed(lambda: subprocess.run([PYTHON, "-c", FLOOR, str(path)], check=True), runs, warm=0)


def peak_mb(args: list[str], code: str | None = None) -> float:
    done = subprocess.run([PYTHON, "-c", PEAK, *_argv(args, code)], cwd=ROOT, capture_output=True, text=True, check=True)
    kilobytes, code = done.stdout.split()
    assert code == "0", done.stderr
    return round(int(kilobytes) / 1024, 1)


def school_rows(runs: int, pupils: int, profile_id: str, tmp: Path) -> list[dict]:
    path = tmp / "school.csv"
    synthetic_register.write(path, pupils, dt.date.fromisoformat(UNTIL), 2026)
    data = path.read_bytes()
    rows_in_file = data.count(b"\n") - 1
    profile = load_profile(profile_id)
    what = f"{pupils} pupils, {rows_in_file:,} rows, {profile_id}"
    today = row(f"one school: screen, today's reader and rules ({what})",
                timed(lambda: screening.screen_file(data, profile, engine="python"), runs, warm=0), "today")
    now = row("one school: screen, columnar engine", timed(lambda: screening.screen_file(data, profile), runs, warm=1),
              "target: 10x faster than today")
    now["anchor"] += f"; {ratio(today, now)}x"
    args = ["screen", str(path), "--profile", profile_id]
    today_cmd = row("one school: forms-service screen, today (eager imports, reader and rules)",
                    command(args + ["--engine", "python"], runs, today=True), "today")
    now_cmd = row("one school: forms-service screen, now (lazy imports, columnar)", command(args, runs),
                  "target: 4x faster than today")
    now_cmd["anchor"] += f"; {ratio(today_cmd, now_cmd)}x"
    base = row("one school: the floor (a process reading the file's columns)", floor(path, runs), "floor")
    now_cmd["anchor"] += f"; {ratio(now_cmd, base)}x the floor"
    return [today, now, today_cmd, now_cmd, base]


def _la_file(tmp: Path, pupils: int, sessions: int | None, profile_id: str) -> tuple[Path, float, list[str], str]:
    """An LA's file (write_la, a school a thousand pupils), its size in MB, the command's arguments to screen it,
    and the words that describe it."""
    path = tmp / f"la-{pupils}.csv"
    rows_in_file = write_la(path, pupils, sessions, schools=max(1, pupils // 1000))
    size_mb = path.stat().st_size / 2**20
    words = f"{pupils:,} pupils, {rows_in_file:,} rows, {size_mb:,.0f} MB, {columnar.parts_for(path)} part(s)"
    return path, size_mb, ["screen", str(path), "--profile", profile_id], words


def la_rows(runs: int, pupils: int, profile_id: str, tmp: Path, sessions: int | None = None, *,
            label: str, target: str, whole_too: bool = False) -> list[dict]:
    path, size_mb, args, words = _la_file(tmp, pupils, sessions, profile_id)
    now = row(f"{label}: forms-service screen ({words})", command(args, runs), target)
    out = [now]
    if whole_too:
        whole = row(f"{label}: the same screen, the file read whole (one part)",
                    command([str(path), profile_id], runs, code=WHOLE), "baseline for parts")
        whole["peak_mb"] = peak_mb([str(path), profile_id], WHOLE)
        whole["anchor"] += f"; peak {whole['peak_mb']:,.0f} MB resident"
        now["anchor"] += f"; {ratio(now, whole)}x the time read whole"
        out.append(whole)
    base = row(f"{label}: the floor (a process reading the file's columns)", floor(path, runs), "floor")
    now["anchor"] += f"; {ratio(now, base)}x the floor"
    peak = peak_mb(args)
    now["peak_mb"] = peak
    now["anchor"] += f"; peak {peak:,.0f} MB resident for a {size_mb:,.0f} MB file"
    path.unlink()
    return out + [base]


def largest_row(pupils: int, profile_id: str, tmp: Path) -> dict:
    """The command's peak memory on a file twice the large LA's: parts keep it where the smaller file's is."""
    path, size_mb, args, words = _la_file(tmp, pupils, 120, profile_id)
    start = time.perf_counter()
    peak = peak_mb(args)
    now = row(f"the largest LA, 12 weeks: forms-service screen ({words})", [time.perf_counter() - start],
              "memory bounded", peak_mb=peak)
    now["anchor"] += f"; peak {peak:,.0f} MB resident for a {size_mb:,.0f} MB file"
    path.unlink()
    return now


def one_pupil_row(runs: int) -> dict:
    # One pupil, a full school year: the penalty-notice panel's rules from the register.
    pupil = typical_pupil(last=dt.date(2026, 7, 22))
    pupil.mark_sessions(12, "N", dt.date(2026, 1, 5), dt.date(2026, 3, 10))  # before the sample's panel
    register = read_register_file(pupil.csv())
    form = get_form("penalty-notice-panel")
    sample = json.loads((ROOT / "tests" / "samples" / "penalty-notice-panel.json").read_text(encoding="utf-8"))
    data_ = form.schema(complete=True).load(sample)  # the realistic sample: every rule runs in full
    return row(f"eligibility, one pupil ({len(register.sessions)} sessions), penalty-notice-panel rules",
               timed(lambda: evaluate(form, data_, register=register, profile=load_profile("southend")), runs * 20),
               "interactive")


def screen_rows(runs: int, pupils: int, profile_id: str = "national-2024", *, la_pupils: int = 30000,
                large_pupils: int = 200000, largest_pupils: int = 400000, skip_large: bool = False) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = school_rows(runs, pupils, profile_id, Path(tmp))
        if not skip_large:
            out += la_rows(runs, la_pupils, profile_id, Path(tmp), label="an LA", target="target: under 5 s")
            out += la_rows(max(1, runs // 2), large_pupils, profile_id, Path(tmp), 120, label="a large LA, 12 weeks",
                           target="target: under 30 s, memory bounded", whole_too=True)
            if largest_pupils:
                out.append(largest_row(largest_pupils, profile_id, Path(tmp)))
    return out + [one_pupil_row(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pupils", type=int, default=1500)
    parser.add_argument("--la-pupils", type=int, default=30000)
    parser.add_argument("--large-pupils", type=int, default=200000)
    parser.add_argument("--largest-pupils", type=int, default=400000, help="0: not the largest file")
    parser.add_argument("--profile", default="national-2024", help="The policy profile screened against")
    parser.add_argument("--skip-large", action="store_true", help="Only the one school")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT)  # the commands run this checkout's code
    rows = screen_rows(args.runs, args.pupils, args.profile, la_pupils=args.la_pupils,
                       large_pupils=args.large_pupils, largest_pupils=args.largest_pupils,
                       skip_large=args.skip_large)
    print_table("Screening", rows)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
