"""Whole-school screening: from a school's register export (one row per pupil per session, with a
`upn` column), every pupil who meets the penalty-notice threshold, is persistently or severely
absent, or is due an attendance or sickness return, or whose attendance this school year is in one of
the profile's own bands (policies.Band, e.g. the trust's "below 96%"), with the figures.

Each figure comes from the same register calculations the rules use (forms_service.register.marks), so a
pupil the screen lists is measured exactly as a referral for them would be. The file is read,
screened and reported; nothing in it is stored.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from dataclasses import asdict, dataclass, field

from ..csvfiles import write_csv
from ..formatting import format_date
from ..policies import Band, Policy
from . import exports, marks

# Whole-school files are large: a 1,500-pupil school's year is about 570,000 rows.
MAX_SCHOOL_ROWS = 1_500_000
MAX_WORKERS = 4
PARALLEL_FROM_BYTES = 2_000_000  # below about 100,000 rows starting processes costs more than it saves

FLAGS = {
    "penalty_notice": "Meets the penalty-notice threshold",
    "severe": "Severely absent (50% or more missed)",
    "persistent": "Persistently absent (10% or more missed)",
    "attendance_return": "Attendance return due (10 school days' unexplained absence)",
    "sickness_return": "Sickness return due (15 school days of illness)",
    "lateness": "Meets the lateness threshold",
}


@dataclass
class PupilScreen:
    upn: str
    possible: int
    attendance_pct: float | None
    absence_pct: float | None
    unauthorised_10wk: int
    weeks_counted: int
    late_marks_10wk: int
    sickness_days: int
    flags: list[str] = field(default_factory=list)
    bands: list[str] = field(default_factory=list)  # the profile's band ids, most serious first

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Screen:
    on: dt.date
    pupils: int
    rows: list[PupilScreen]  # the pupils with at least one flag or band, most serious first
    thresholds: dict
    # Every school week up to `on` (its Monday; a week with a mark that is not a planned closure), with how many
    # pupils first met the penalty-notice threshold in it (crossing_weeks), zeros included.
    crossings: tuple[tuple[dt.date, int], ...] = ()

    @property
    def bands(self) -> tuple[Band, ...]:
        return self.thresholds.get("bands", ())

    def band_labels(self) -> dict[str, str]:
        return {b.id: b.label for b in self.bands}

    def to_dict(self) -> dict:
        return {"on": self.on.isoformat(), "pupils": self.pupils,
                "thresholds": {**self.thresholds, "bands": [asdict(b) for b in self.bands]},
                "rows": [r.to_dict() for r in self.rows],
                "crossings": [[week.isoformat(), n] for week, n in self.crossings]}


def percent(part: int, whole: int) -> float | None:
    """A percentage as the screen shows it and a letter prints it (one decimal place, as
    register.figures rounds a letter's figure): the one rounding every filter compares, so a pupil
    shown at 90.0% is never "below 90" in one place and not in another."""
    return round(part * 100 / whole, 1) if whole else None


# What a pupil can be selected by (bulk letters' filter), each judged from the screen's own row; and
# "band:<id>", one of the profile's bands.
CRITERIA = ("below", "penalty_notice", "persistent", "severe")
BAND = "band:"


def meets(row: "PupilScreen", criterion: str, below: float | None = None) -> bool:
    """Whether the screen's row meets one criterion: attendance (as shown, one decimal place) below
    `below`, a flag, or a profile's band ("band:<id>", judged exactly in sessions by the screen).
    Persistent absence includes severe (50% missed is also 10% missed)."""
    if criterion == "below":
        return below is not None and row.attendance_pct is not None and row.attendance_pct < below
    if criterion.startswith(BAND):
        return criterion[len(BAND):] in row.bands
    if criterion == "persistent":
        return "persistent" in row.flags or "severe" in row.flags
    return criterion in row.flags


def screen_pupil(upn: str, register: marks.Register, on: dt.date, thresholds: dict) -> PupilScreen:
    year_start = marks.academic_year(on)[0]
    counts = marks.count_by_class([s for s in register.sessions if year_start <= s.date <= on], register.code_set)
    possible = sum(counts.values()) - counts["not_counted"]
    attended = counts["present"] + counts["approved_activity"]
    missed = counts["authorised"] + counts["unauthorised"]
    window = marks.previous_school_weeks(register, on, thresholds["weeks"])
    unauthorised = marks.count_by_class(window)["unauthorised"]
    late_weeks = thresholds["late_weeks"] or thresholds["weeks"]
    late = (marks.late_marks(window) if late_weeks == thresholds["weeks"]
            else marks.late_marks_in_window(register, on, late_weeks)[0])
    consecutive, total_sick = marks.sickness_days(register, on)
    row = PupilScreen(upn, possible, percent(attended, possible), percent(missed, possible), unauthorised,
                      len(window.weeks), late, total_sick)
    if meets_threshold(unauthorised, thresholds):
        row.flags.append("penalty_notice")
    band = marks.band_of(missed, possible)
    if band:
        row.flags.append(band)
    if marks.attendance_return(register, on) is not None:
        row.flags.append("attendance_return")
    if max(consecutive, total_sick) >= marks.SICKNESS_RETURN_DAYS:  # as marks.sickness_return_due, counted once
        row.flags.append("sickness_return")
    if thresholds["late_marks"] is not None and late >= thresholds["late_marks"]:
        row.flags.append("lateness")
    # The profile's bands from the same count, exactly in sessions (the figure shown is rounded).
    row.bands = [b.id for b in thresholds["bands"] if b.contains(attended, possible)]
    return row


def meets_threshold(unauthorised: int, thresholds: dict) -> bool:
    """Whether a count of unauthorised sessions meets the penalty-notice threshold (the profile's
    `unauthorised_sessions_threshold`: more than `sessions`, or as many where it is `inclusive`)."""
    needed = thresholds["sessions"]
    return unauthorised > needed or (thresholds["inclusive"] and unauthorised == needed)


def crossing_weeks(register: marks.Register, on: dt.date, thresholds: dict) -> tuple[list[dt.date], list[dt.date]]:
    """The pupil's school weeks up to `on` (Mondays, marks.school_weeks), and those in which they first met the
    penalty-notice threshold: their unauthorised sessions over the `weeks` school weeks ending that week (as
    marks.previous_school_weeks counts them as of that week's Sunday, or `on` in its last week) meet it, and over
    those ending the school week before did not. A pupil who falls back below can cross again; a week that is not
    one of theirs changes nothing, so they never cross in it."""
    upto = [s for s in register.sessions if s.date <= on]
    weeks = marks.school_weeks(upto)
    per_week = dict.fromkeys(weeks, 0)
    unauthorised = set(marks.load_code_set(register.code_set).codes_in("unauthorised"))
    for s in upto:
        if s.code in unauthorised:
            # Only a school week has unauthorised marks: a week of planned closures (#) has none.
            per_week[marks.week_of(s.date)] += 1
    counts, n = [per_week[w] for w in weeks], thresholds["weeks"]
    crossed = [week for k, week in enumerate(weeks)
               if meets_threshold(sum(counts[max(0, k - n + 1):k + 1]), thresholds)
               and not meets_threshold(sum(counts[max(0, k - n):k]), thresholds)]
    return weeks, crossed


def crossings_of(pupils: dict, on: dt.date, thresholds: dict) -> dict[dt.date, int]:
    """{Monday: pupils crossing the threshold that week} for every school week of any of the pupils up to `on`."""
    found: dict[dt.date, int] = {}
    for register in pupils.values():
        weeks, crossed = crossing_weeks(register, on, thresholds)
        for week in weeks:
            found.setdefault(week, 0)
        for week in crossed:
            found[week] += 1
    return found


def thresholds_of(profile: Policy) -> dict:
    rule = "unauthorised_sessions_threshold"
    try:
        late_marks, late_weeks = profile.param("late_marks_threshold", "marks"), \
            profile.param("late_marks_threshold", "weeks")
    except KeyError:  # a profile without a lateness threshold (only Knowsley's sets one)
        late_marks = late_weeks = None
    return {"sessions": profile.param(rule, "sessions"), "weeks": profile.param(rule, "weeks"),
            "inclusive": profile.param(rule, "inclusive"), "late_marks": late_marks, "late_weeks": late_weeks,
            "profile": profile.id, "bands": profile.bands}


ORDER = list(FLAGS)


def _seriousness(row: PupilScreen, bands: list[str]) -> tuple:
    """A flag first (in ORDER), then the most serious band (the profile's order: the lowest level
    first), then the most absence."""
    return (min((ORDER.index(f) for f in row.flags), default=len(ORDER)),
            min((bands.index(b) for b in row.bands), default=len(bands)), -(row.absence_pct or 0), row.upn)


def _screen_all(pupils: dict, on: dt.date, thresholds: dict) -> list[PupilScreen]:
    return [screen_pupil(upn, pupil, on, thresholds) for upn, pupil in pupils.items()]


def require_upns(pupils: dict) -> dict:
    """The pupils of a whole-school file, refused if a row has no UPN (a pupil could not be told apart)."""
    if None in pupils:
        raise marks.RegisterError([{"row": 1, "field": "upn", "message": "A whole-school file needs a upn column "
                                                                       "with every pupil's UPN"}])
    return pupils


def _result(rows: list[PupilScreen], pupils: int, on: dt.date, thresholds: dict, crossings: dict) -> Screen:
    bands = [b.id for b in thresholds["bands"]]
    return Screen(on, pupils, sorted((r for r in rows if r.flags or r.bands), key=lambda r: _seriousness(r, bands)),
                  thresholds, tuple(sorted(crossings.items())))


def _summed(crossings: list) -> dict[dt.date, int]:
    """Several lists of (Monday, pupils crossing) pairs as one, summed by week."""
    found: dict[dt.date, int] = {}
    for part in crossings:
        for week, n in part:
            found[week] = found.get(week, 0) + n
    return found


def screen(register: marks.Register, profile: Policy, on: dt.date | None = None) -> Screen:
    """Screen every pupil of a whole-school register as of `on` (default: the last date in it)."""
    if not register.sessions:
        raise marks.RegisterError([{"row": 1, "field": "file", "message": "The register has no marks in it"}])
    on = on or register.sessions[-1].date
    thresholds = thresholds_of(profile)
    pupils = require_upns(marks.split_by_upn(register))
    return _result(_screen_all(pupils, on, thresholds), len(pupils), on, thresholds,
                   crossings_of(pupils, on, thresholds))


def _shard(conn, text: str, code_set: str, shard: tuple[int, int], on: dt.date | None, thresholds: dict) -> None:
    """One process's share of the pupils: read them, say how far the marks go, screen them as of
    the date the parent settles (the last date in the whole file unless one was given)."""
    try:
        pupils = require_upns(exports.read_school_file(text, code_set, max_rows=MAX_SCHOOL_ROWS, shard=shard))
        last = max((p.sessions[-1].date for p in pupils.values()), default=None)
        conn.send(("parsed", last, len(pupils)))
        on = conn.recv()
        if on is not None:
            conn.send(("rows", _screen_all(pupils, on, thresholds), crossings_of(pupils, on, thresholds)))
    except marks.RegisterError as exc:
        conn.send(("error", exc.errors))
    finally:
        conn.close()


def process_context():
    """fork where it is safe (a single-threaded command: the children share the file's text without
    copying it); a fork server otherwise (never fork a threaded web server), importing this module
    once so each screen does not pay for it again."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def screen_schools(source: bytes | os.PathLike, profile: Policy, *, code_set: str = marks.DEFAULT_CODE_SET,
                   on: dt.date | None = None, max_fallback_rows: int = MAX_SCHOOL_ROWS,
                   parts: int | None = None) -> dict[str | None, Screen] | None:
    """A long-layout UTF-8 CSV (its bytes or its path) screened by the columnar engine (register/columnar.py):
    {the file's school column's value (None without one): Screen}; None when the file is one for the reader
    (another layout or encoding, or a bad row in a file the reader can take, so its errors are the reader's).
    A file over columnar.WHOLE_BYTES is screened in parts, bounding memory; `parts` sets how many."""
    from . import columnar  # polars is loaded only by a screen

    thresholds = thresholds_of(profile)
    found = columnar.screen_source(source, thresholds, code_set=code_set, on=on, max_fallback_rows=max_fallback_rows,
                                   parts=parts)
    if found is None:
        return None
    return {school: _result([_row_of(f, thresholds) for f in rows], n, found.on, thresholds,
                            dict(found.crossings.get(school, ())))
            for school, (n, rows) in found.schools.items()}


def _row_of(f: dict, thresholds: dict) -> PupilScreen:
    """A pupil's row from the engine's figures, flagged in screen_pupil's order."""
    row = PupilScreen(f["upn"], f["possible"], percent(f["attended"], f["possible"]),
                      percent(f["missed"], f["possible"]),
                      f["unauthorised_10wk"], f["weeks_counted"], f["late_marks_10wk"], f["sickness_days"])
    for flag, found in (("penalty_notice", f["penalty"]), ("severe", f["severe"]),
                        ("persistent", f["persistent"] and not f["severe"]),
                        ("attendance_return", f["attendance_return"]),
                        ("sickness_return", f["sick"]), ("lateness", f["late"])):
        if found:
            row.flags.append(flag)
    row.bands = [b.id for b in thresholds["bands"] if b.contains(f["attended"], f["possible"])]
    return row


def merged(screens: list[Screen]) -> Screen:
    """Several schools' screens (a file with a school column) as one list, most serious first; their threshold
    crossings summed by week."""
    first = screens[0]
    return _result([r for s in screens for r in s.rows], sum(s.pupils for s in screens), first.on, first.thresholds,
                   _summed([s.crossings for s in screens]))


def screen_file(data: bytes | str | os.PathLike, profile: Policy, *, code_set: str = marks.DEFAULT_CODE_SET,
                on: dt.date | None = None, workers: int | None = None, engine: str = "columnar") -> Screen:
    """Read and screen a whole-school export (register/exports.py: any layout, CSV or workbook); `data` may be
    a path. The columnar engine (register/columnar.py) takes a long-layout CSV in UTF-8; anything else, or
    engine="python" (the reference), is read here: with several workers each process reads a CSV's text and
    takes its own share of the pupils (by UPN), so parsing, the slow part, is shared between cores; a small
    file or a workbook is done in this process."""
    if engine == "columnar":
        found = screen_schools(data.encode("utf-8") if isinstance(data, str) else data, profile, code_set=code_set,
                               on=on)
        if found is not None:
            return merged(list(found.values()))
    if isinstance(data, os.PathLike):
        data = open(data, "rb").read()
    text = exports.prepared(data)
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or not exports.is_text(text) or len(text) < PARALLEL_FROM_BYTES:
        pupils = require_upns(exports.read_school_file(text, code_set, max_rows=MAX_SCHOOL_ROWS))
        on = on or max(p.sessions[-1].date for p in pupils.values())
        thresholds = thresholds_of(profile)
        return _result(_screen_all(pupils, on, thresholds), len(pupils), on, thresholds,
                       crossings_of(pupils, on, thresholds))
    thresholds = thresholds_of(profile)
    context = process_context()
    links, processes = [], []
    for k in range(workers):
        parent, child = context.Pipe()
        process = context.Process(target=_shard, args=(child, text, code_set, (k, workers), on, thresholds),
                                  daemon=True)
        process.start()
        child.close()
        links.append(parent)
        processes.append(process)
    try:
        replies = [link.recv() for link in links]
        errors = [e for kind, *rest in replies if kind == "error" for e in rest[0]]
        if errors:
            raise marks.RegisterError(sorted(errors, key=lambda e: e["row"])[:marks.MAX_ERRORS])
        lasts = [last for _, last, _ in replies if last is not None]
        if not lasts:
            raise marks.RegisterError([{"row": 1, "field": "file", "message": "The register has no marks in it"}])
        on = on or max(lasts)
        for link in links:
            link.send(on)
        shares = [link.recv() for link in links]
        rows = [row for _, share, _ in shares for row in share]
        return _result(rows, sum(count for _, _, count in replies), on, thresholds,
                       _summed([crossings.items() for _, _, crossings in shares]))
    finally:
        for link in links:
            link.close()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


CSV_COLUMNS = ["upn", "flags", "bands", "attendance_pct", "absence_pct", "possible", "unauthorised_10wk", "weeks_counted",
               "late_marks_10wk", "sickness_days"]


def to_csv(result: Screen) -> str:
    """The list as CSV; a UPN from the school's file that would start a formula is kept as text."""
    rows, labels = [], result.band_labels()
    for row in result.rows:
        values = row.to_dict()
        values["flags"] = "; ".join(FLAGS[f] for f in row.flags)
        values["bands"] = "; ".join(labels[b] for b in row.bands)
        rows.append([values[c] for c in CSV_COLUMNS])
    return write_csv(CSV_COLUMNS, rows)


def flag_counts(result: Screen) -> dict[str, int]:
    return {flag: sum(flag in r.flags for r in result.rows) for flag in FLAGS}


def band_counts(result: Screen) -> list[tuple[Band, int]]:
    """Each of the profile's bands, most serious first, with how many pupils are in it."""
    return [(b, sum(b.id in r.bands for r in result.rows)) for b in result.bands]


def summary(result: Screen) -> str:
    lines = [f"{result.pupils} pupils screened as of {format_date(result.on)} ({result.thresholds['profile']} "
             f"profile); {len(result.rows)} need attention."]
    lines += [f"  {FLAGS[f]}: {n}" for f, n in flag_counts(result).items() if n or f != "lateness"]
    lines += [f"  {band.label}: {n}" for band, n in band_counts(result)]
    return "\n".join(lines)


def table(result: Screen, limit: int | None = None) -> str:
    """The list as aligned text for a terminal, most serious first."""
    head = ("UPN", "Attendance", "Unauth. 10 wk", "Late 10 wk", "Sick days", "Why")
    lines, labels = [head], result.band_labels()
    for row in result.rows[:limit]:
        lines.append((row.upn, "" if row.attendance_pct is None else f"{row.attendance_pct:g}%",
                      str(row.unauthorised_10wk), str(row.late_marks_10wk), str(row.sickness_days),
                      "; ".join([SHORT[f] for f in row.flags] + [labels[b] for b in row.bands])))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head) - 1)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)) + "  " + line[-1] for line in lines)


SHORT = {"penalty_notice": "penalty-notice threshold", "severe": "severe absence", "persistent": "persistent absence",
         "attendance_return": "attendance return", "sickness_return": "sickness return", "lateness": "lateness"}
