"""The screen's fast engine (issue 25): a long-layout CSV in UTF-8 (the common case: Wonde's, Groupcall's
and the MIS's exports, and the LA's daily data) read straight into columns with polars and screened with the
same rules as register/screening.py, which stays the reference (tests/test_screening_engine.py runs both on
generated registers and they agree pupil for pupil).

Why polars: measured on this 2-core machine (benchmarks/screen.py), it reads a 1,500-pupil school's year
(564,000 rows) in about 0.05 s where DuckDB takes 0.25 s, and its expressions say the screen's runs of school
days plainly; DuckDB reads a 30,000-pupil file a little faster, but both are well inside the target there.

What it reads itself: a CSV, UTF-8 (with or without a byte-order mark), comma-separated, the long layout
(a header naming date, session, code and upn as register/longform.py's aliases do, any other columns
ignored), optionally a school column (URN or DfE number) for a whole LA's file. Dates, sessions and codes are
judged value by value through the reader's own Collector (a register repeats a few hundred dates and a dozen
codes millions of times), so every date format, session name and MIS sub-code the reader accepts is accepted
here too. Anything else (a grid, a workbook, UTF-16, Windows-1252, semicolons, a file polars cannot parse)
returns None and the caller falls back to register/exports.py; so does a small file with a bad row, so its
errors are the reader's, word for word. A file too large for the reader gets the first MAX_ERRORS bad rows.
"""
from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from . import marks
from .longform import HEADER_NAMES, cell_name
from .marks import (ATTENDANCE_RETURN_DAYS, CLOSED, LATE_CODE, MAX_ERRORS, RETURN_CODES, SICKNESS_CODE,
                    SICKNESS_RETURN_DAYS, Collector, RegisterError)

# The school column of a whole LA's file: the school's URN or its DfE number (LA code and establishment
# number, "LAESTAB"), under the names the DfE's daily attendance data and MIS exports use.
SCHOOL_NAMES = ("urn", "school urn", "unique reference number", "dfe number", "dfe no", "dfe", "laestab",
                "la estab", "establishment number", "school")
_ALIASES = {alias: name for name, aliases in HEADER_NAMES.items() for alias in aliases if name != "adno"}
_ALIASES.update({alias: "school" for alias in SCHOOL_NAMES})


@dataclass
class Columns:
    """The columns the engine reads, by index in the file's header, and the school column's heading."""
    at: dict[str, int]
    width: int  # how many columns the header has
    school_heading: str | None = None
    headings: dict[str, str] = field(default_factory=dict)  # each column's heading as the file writes it

    def named(self, errors: list[dict]) -> list[dict]:
        """Errors with the heading of the column each is in, as the reader gives them."""
        return [{**e, "column": self.headings[e["field"]]} if e.get("field") in self.headings else e for e in errors]


def _first_line(source: bytes | Path) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        end = bytes(source[:65536]).find(b"\n")
        return bytes(source[:65536] if end < 0 else source[:end])
    with open(source, "rb") as handle:
        return handle.readline(65536)


def columns_of(source: bytes | Path) -> Columns | None:
    """The long layout's columns from a UTF-8, comma-separated header; None when the engine should leave
    the file to the reader (another encoding or separator, a grid, a quoted or repeated heading)."""
    line = _first_line(source).removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # A quoted heading, tabs, semicolons, or lines ended by a bare CR (an old Mac export: polars reads only LF
    # and CRLF) are the reader's.
    if '"' in text or "\t" in text or "\r" in text or ";" in text and "," not in text:
        return None
    names = [_ALIASES.get(cell_name(c)) for c in text.split(",")]
    at = {}
    for name in ("date", "session", "code", "upn", "school"):
        if names.count(name) > 1 or (name != "school" and names.count(name) != 1):
            return None
        if name in names:
            at[name] = names.index(name)
    cells = [c.strip() for c in text.split(",")]
    return Columns(at, len(cells), cells[at["school"]] if "school" in at else None,
                   {name: cells[i] for name, i in at.items()})


def _renamed(header: list[str]) -> list[str]:
    # Columns named by position, whatever the header calls them (a byte-order mark, a heading twice).
    return [f"c{n}" for n in range(len(header))]


def _in_order(columns: Columns) -> list[tuple[str, int]]:
    """The wanted columns' names and places, in the file's order."""
    return sorted(columns.at.items(), key=lambda item: item[1])


def _wanted(columns: Columns) -> list[pl.Expr]:
    return [pl.col(f"c{at}").alias(name) for name, at in _in_order(columns)]


def _categorical() -> pl.Categorical:
    # Categories of this frame's own (not the process-wide ones): each column's values numbered from 0, and
    # nothing of the file kept in a web process after the screen.
    return pl.Categorical(pl.Categories.random())


def _read(source: bytes | Path, columns: Columns) -> pl.DataFrame | None:
    """The wanted columns as categoricals (a register repeats its few hundred dates, two sessions and a dozen
    codes millions of times: each is stored once and a row holds small numbers), with each row's place in the
    file (`i`, 0 for the first after the header: a blank line counts, as the reader counts it); None when polars
    cannot parse the file (an unclosed quote, a ragged row), which the reader then explains."""
    src = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        frame = pl.read_csv(src, has_header=True, columns=sorted(columns.at.values()), infer_schema=False,
                            encoding="utf8", raise_if_empty=False, row_index_name="i",
                            schema_overrides=[_categorical() for _ in range(columns.width)])
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    if frame.width != len(columns.at) + 1:
        return None
    return frame.rename(dict(zip(frame.columns[1:], [name for name, _ in _in_order(columns)])))


# A file up to WHOLE_BYTES is read whole: it peaks at about 2.7 times its size in memory (1.1 GB for a 30,000-pupil
# LA's year, 398 MB), and reading it whole is faster. A larger one is screened in parts of about PART_BYTES, each
# holding every mark of some of its pupils, so memory holds a part's marks and not the file's, whatever its size
# (benchmarks/screen.py: 200,000 pupils x 120 sessions, 847 MB, in 7 parts, peaks at 694 MB against 2,369 MB read
# whole, taking about 1.4 times as long; twice that file, 735 MB). WHOLE_BYTES is the web's and API's largest
# upload (config MAX_LA_REGISTER_BYTES): parts are for the command line's larger files.
WHOLE_BYTES = 512 * 2**20
PART_BYTES = 128 * 2**20


def parts_for(source: bytes | Path) -> int:
    """How many parts a file is screened in: one up to WHOLE_BYTES, one for each PART_BYTES past that."""
    size = len(source) if isinstance(source, (bytes, bytearray)) else Path(source).stat().st_size
    return 1 if size <= WHOLE_BYTES else -(-size // PART_BYTES)


def _split(source: bytes | Path, columns: Columns, parts: int, folder: Path) -> list[Path] | None:
    """The file's wanted columns written to `parts` Parquet files in `folder` by polars' streaming engine (a few
    thousand rows at a time, never the whole file), every mark of a pupil in the same part (by a hash of the UPN as
    the engine reads it); the rows' places in the file (`i`) kept for their errors. None when polars cannot parse
    the file."""
    part = pl.col("upn").str.strip_chars().hash(seed=0) % parts
    try:
        pl.scan_csv(source, has_header=True, infer_schema=False, encoding="utf8", raise_if_empty=False,
                    row_index_name="i", with_column_names=_renamed).select(["i", *_wanted(columns)]).sink_parquet(
            pl.PartitionBy(folder, key=part.alias("part"), include_key=False), compression="lz4", mkdir=True,
            # (The rows' order within a part is not needed: each keeps its place in the file, `i`.)
            maintain_order=False, statistics=False)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    return sorted(folder.rglob("*.parquet"))


def _read_part(path: Path) -> pl.DataFrame:
    """One part of a split file (_split), its text columns as categoricals of the part's own, as _read gives them."""
    frame = pl.scan_parquet(path)
    return frame.with_columns(pl.col(name).cast(_categorical()) for name in frame.collect_schema().names()
                              if name != "i").collect(engine="streaming")


def _distinct(column: pl.Series) -> list:
    return column.unique().cast(pl.Utf8).to_list()


def _mapping(values: list, judge) -> tuple[dict, list]:
    """Each distinct value judged once: {value: meaning} for the good ones, and the bad ones."""
    good, bad = {}, []
    for value in values:
        meaning = judge(value)
        if meaning is None:
            bad.append(value)
        else:
            good[value] = meaning
    return good, bad


class _Judge(Collector):
    """The reader's judgement of one cell without keeping an error (the engine finds the rows later)."""

    def error(self, row, field_name, message):
        self.errors.append({"row": row, "field": field_name, "message": message})


# What the rules ask of a mark, as bits of one number (a lookup per row, not one per question).
POSSIBLE, ATTENDED, MISSED, UNAUTH, LATE, CLOSED_BIT, RET, SICK = (1 << i for i in range(8))


def _looked_up(column: pl.Series, meaning: dict, dtype) -> pl.Expr:
    """Each categorical value's meaning, looked up by the value's number in a table (many times faster than
    replacing by value: a whole LA's 11 million marks in a few hundredths of a second); null where it has none."""
    distinct = column.unique()
    ids, values = distinct.to_physical().to_list(), distinct.cast(pl.Utf8).to_list()
    size = max((i for i in ids if i is not None), default=0) + 1
    if size > 16_000_000:  # a process that has seen very many distinct values: replace by value instead
        return pl.col(column.name).replace_strict(meaning, default=None, return_dtype=dtype)
    table = [None] * size
    for i, value in zip(ids, values):
        if i is not None:
            table[i] = meaning.get(value)
    return pl.lit(pl.Series(table, dtype=dtype)).gather(pl.col(column.name).to_physical())


def _judged(frame: pl.DataFrame, code_set: str) -> tuple[pl.DataFrame, bool]:
    """The frame as the screen needs it, and whether any row is bad (an empty or unknown value, an empty UPN):
    the date as a date, the session as 0 (AM) or 1 (PM), the code's class (an index in marks.CLASSES) and
    what the rules ask of a code (a planned closure, a return code, illness, a late mark), each worked out
    once per distinct value as the reader would (an MIS sub-code read as its code); the pupil and the school
    as numbers (`pid`, `sid`: grouping by a number is twice as fast as by text)."""
    judge = _Judge(code_set, "Row")
    codes = judge.code_set

    def date_of(text):
        return None if text is None else judge.date_of(0, text)

    def session_of(text):
        return None if text is None else judge._session(0, text)

    def code_of(text):
        return None if text is None else judge._code(0, text)[0]

    dates, bad_dates = _mapping(_distinct(frame["date"]), date_of)
    sessions, bad_sessions = _mapping(_distinct(frame["session"]), session_of)
    code_map, bad_codes = _mapping(_distinct(frame["code"]), code_of)
    klass = {c: codes.classify(c) for c in set(code_map.values())}

    def bits(c: str) -> int:
        """What the rules ask of a code, as the bits of one number (BITS)."""
        k = klass[c]
        return sum(bit for bit, yes in ((POSSIBLE, k != "not_counted"),
                                        (ATTENDED, k in ("present", "approved_activity")),
                                        (MISSED, k in marks.ABSENT), (UNAUTH, k == "unauthorised"),
                                        (LATE, c == LATE_CODE),
                                        (CLOSED_BIT, c == CLOSED), (RET, c in RETURN_CODES or c == CLOSED),
                                        (SICK, c in (SICKNESS_CODE, CLOSED))) if yes)

    for name in ("upn", "school"):
        if name in frame.columns and any(u is None or u != u.strip() or not u for u in _distinct(frame[name])):
            frame = frame.with_columns(pl.col(name).cast(pl.Utf8).str.strip_chars().replace("", None)
                                       .cast(pl.Categorical))
    out = frame.with_columns(
        _looked_up(frame["date"], dates, pl.Date).alias("date"),
        _looked_up(frame["session"], {k: int(v == "PM") for k, v in sessions.items()}, pl.UInt8).alias("session"),
        _looked_up(frame["code"], {value: bits(c) for value, c in code_map.items()}, pl.UInt8).alias("bits"),
    )
    if "school" in out.columns:
        # One number for the pupil at their school: grouping by one number is much faster than by two.
        out = out.with_columns((pl.col("school").to_physical().cast(pl.UInt64) * _u64(2**32)
                                + pl.col("upn").to_physical().cast(pl.UInt64)).alias("key"))
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Utf8).alias("school"),
                               pl.col("upn").to_physical().cast(pl.UInt64).alias("key"))
    bad = bool(bad_dates or bad_sessions or bad_codes) or out.select(pl.col("upn").is_null().any()).item()
    return out, bad


def _errors(raw: pl.DataFrame, judged: pl.DataFrame, code_set: str) -> list[dict]:
    """The first MAX_ERRORS bad rows, each as the reader words it (row 1 is the header)."""
    collector = Collector(code_set, "Row", by_upn=True)
    bad = judged.filter(pl.any_horizontal(pl.col("date", "session", "bits").is_null()) | pl.col("upn").is_null()
                        ).sort("i")["i"].head(MAX_ERRORS).to_list()
    rows = raw.filter(pl.col("i").is_in(bad)).sort("i")
    try:
        for row in rows.iter_rows(named=True):
            collector.add(row["i"] + 2, row["date"] or "", row["session"] or "", row["code"] or "", row["upn"] or "")
            if not (row["upn"] or "").strip():
                collector.error(row["i"] + 2, "upn", "the UPN is empty: a whole-school file needs every pupil's UPN")
    except RegisterError as exc:
        return exc.errors
    return collector.errors


def _marks(raw: pl.DataFrame, code_set: str) -> tuple[pl.DataFrame, list[dict]]:
    """_read's (or _read_part's) rows as the screen needs them (_judged), with no blank row; and the bad rows'
    errors (_errors), none when every row is good."""
    raw = raw.filter(~pl.all_horizontal(pl.exclude("i").is_null()))  # blank rows, as the reader skips them
    judged, bad = _judged(raw, code_set)
    if bad:
        return judged, _errors(raw, judged, code_set) or [
            {"row": 1, "field": "file", "message": "The file has rows that cannot be read"}]
    return judged.drop("code"), []


def _no_marks() -> RegisterError:
    return RegisterError([{"row": 1, "field": "file", "message": "The register has no marks in it"}])


def read_marks(source: bytes | Path, columns: Columns, code_set: str, *,
               max_fallback_rows: int) -> pl.DataFrame | None:
    """The file's marks as columns (_judged), read whole; None to leave the file to the reader. A bad row in a
    file the reader can take (at most `max_fallback_rows` rows) is left to it too."""
    raw = _read(source, columns)
    if raw is None:
        return None
    frame, errors = _marks(raw, code_set)
    if errors and raw.height <= max_fallback_rows:
        return None
    if errors:
        raise RegisterError(errors)
    if frame.height == 0:
        raise _no_marks()
    return frame


def _u64(n: int) -> pl.Expr:
    """A whole number as polars' unsigned 64 bits: a plain int would make UInt64 arithmetic Int64 or Float64,
    and a float loses a packed key's low bits."""
    return pl.lit(n, dtype=pl.UInt64)


KEY = ["key"]  # a pupil: their school (where the file has a school column) and UPN, as one number


def _duplicates(frame: pl.DataFrame, days: pl.DataFrame) -> list[dict]:
    """A second mark for the same pupil, day and session (the reader refuses it): the first few, looked for
    only where a day of `days` has more marks than sessions."""
    twice = days.filter((pl.col("marks") > 2) | ((pl.col("marks") == 2) & (pl.col("pm") != 1))).select(KEY + ["date"])
    if twice.height == 0:
        return []
    keyed = frame.join(twice, on=KEY + ["date"]).group_by(KEY + ["date", "session"]).agg(
        pl.col("upn").first(), pl.col("i").min().alias("first"), pl.col("i").max().alias("second"),
        pl.len().alias("n")).filter(pl.col("n") > 1)
    errors = []
    for row in keyed.sort("second").head(MAX_ERRORS).iter_rows(named=True):
        second, first = row["second"] + 2, row["first"] + 2
        errors.append({"row": second, "field": "session",
                       "message": f"Row {second}: a second mark for UPN {row['upn']} for {row['date'].isoformat()} "
                                  f"{marks.SESSIONS[row['session']]} (the first is in row {first})"})
    return errors


def days_of(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per pupil and day: how many marks and how many of them PM (a second mark for a session shows here),
    whether the school was open (a session that is not a planned closure), whether every open session has a return
    code (G, N, O, U) or is illness (I), and the day's counts by class and of late marks. Every figure after this is
    worked out from these rows, half as many as the marks. Grouped by one number, the pupil and the day packed
    together (`kd`: the pupil's key times 65,536 plus the day's number since 1970), which polars groups six times
    faster than the two columns; its order is the pupil's days in order, which the runs need."""
    kd = (pl.col("key") * _u64(65536) + pl.col("date").cast(pl.Int32).cast(pl.UInt64)).alias("kd")
    def count(bit):
        return (pl.col("bits") & bit > 0).cast(pl.UInt32).sum()

    def every(bit):
        return (pl.col("bits") & bit > 0).min()

    days = frame.lazy().group_by(kd).agg(
        pl.len().alias("marks"), pl.col("session").cast(pl.UInt32).sum().alias("pm"),
        (~every(CLOSED_BIT)).alias("open"), every(RET).alias("ret"), every(SICK).alias("sick"),
        count(POSSIBLE).alias("possible"), count(ATTENDED).alias("attended"), count(MISSED).alias("missed"),
        count(UNAUTH).alias("unauth"), count(LATE).alias("late"))
    return days.with_columns((pl.col("kd") // _u64(65536)).alias("key"),
                             (pl.col("kd") % _u64(65536)).cast(pl.Int32).cast(pl.Date).alias("date")
                             ).collect(engine="streaming")


def meets(count: pl.Expr, thresholds: dict) -> pl.Expr:
    """screening.meets_threshold: more than the threshold's sessions, or as many where it is inclusive."""
    needed = thresholds["sessions"]
    return (count > needed) | ((count == needed) if thresholds["inclusive"] else pl.lit(False))


def crossings(weekly: pl.LazyFrame, thresholds: dict) -> pl.LazyFrame:
    """Each school (`sid`) and school week (`week`, its number since 1970) of `weekly` (figures': each pupil's school
    weeks, newest first, pupil by pupil, `i` their row), with how many pupils first met the penalty-notice threshold
    in it (`crossed`, screening.crossing_weeks): their unauthorised sessions over the `weeks` school weeks ending
    that week meet it, over those ending the school week before do not. Both sums come from one running total
    taken from the end (`r`: this row's and every later, older, row's), less the total from the first row past the
    window, or past the pupil's oldest week (`base`, filled back from it): no window function, no second sort."""
    n = thresholds["weeks"]
    r, i, base = pl.col("r"), pl.col("i"), pl.col("base")
    oldest = pl.col("key") != pl.col("key").shift(-1, fill_value=_u64(2**64 - 1))  # the pupil's oldest school week
    weekly = weekly.with_columns(pl.col("unauth").cast(pl.Int64).cum_sum(reverse=True).alias("r")).with_columns(
        pl.when(oldest).then(r - pl.col("unauth")).backward_fill().alias("base"),
        pl.when(oldest).then(i).backward_fill().alias("oldest"))
    now = r - pl.when(i + n <= pl.col("oldest")).then(r.shift(-n)).otherwise(base)
    before = r - pl.col("unauth") - pl.when(i + n + 1 <= pl.col("oldest")).then(r.shift(-n - 1)).otherwise(base)
    # (Worked out along the whole frame before grouping: in the aggregation the shifts would be each group's.)
    crossed = (meets(now, thresholds) & ~meets(before, thresholds)).cast(pl.UInt32).alias("crossed")
    return weekly.select((pl.col("key") // _u64(2**32)).alias("sid"), (pl.col("kw") % _u64(8192)).alias("week"),
                         crossed).group_by("sid", "week").agg(pl.col("crossed").sum())


def figures(days: pl.DataFrame, on: dt.date, thresholds: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every pupil's figures as screening.screen_pupil works them out, one row per (school, upn): possible,
    attended, missed (this school year up to `on`), unauthorised and late marks in the last school weeks, weeks
    counted, whether an attendance return is due, and the sickness days (consecutive, total); and each school's
    threshold crossings per school week (crossings)."""
    key = KEY
    year_start = marks.academic_year(on)[0]
    weeks, late_weeks = thresholds["weeks"], thresholds["late_weeks"] or thresholds["weeks"]
    pupils = days.lazy().select(key).unique()
    upto = days.lazy().filter(pl.col("date") <= on)
    year = upto.filter(pl.col("date") >= year_start).group_by(key).agg(pl.col("possible", "attended", "missed").sum())
    # A school week: a week (Monday on) with a session that is not a planned closure; the window is the pupil's
    # own last `weeks` of them up to `on`, every session in those weeks counted. Grouped by one number (the pupil's
    # key times 8,192 plus the week's number since 1970), and each week's place back from the pupil's last counted
    # along the sorted rows (the row's number less the number of the pupil's first row), with no window function:
    # both several times faster than grouping by two columns.
    week_no = ((pl.col("date").cast(pl.Int32) + 3) // 7).cast(pl.UInt64)  # 1 January 1970 was a Thursday
    weekly = upto.group_by((pl.col("key") * _u64(8192) + week_no).alias("kw")).agg(
        pl.col("open").max().alias("school_week"), pl.col("unauth", "late").sum()).filter(
        pl.col("school_week")).sort("kw", descending=True).with_columns(
        (pl.col("kw") // _u64(8192)).alias("key"), pl.int_range(pl.len(), dtype=pl.UInt32).alias("i"))
    weekly = weekly.with_columns(
        (pl.col("i") - pl.when(pl.col("key") != pl.col("key").shift(1, fill_value=_u64(2**64 - 1)))
         .then(pl.col("i")).forward_fill() + 1).alias("back"))
    window = weekly.group_by(key).agg(
        pl.col("unauth").filter(pl.col("back") <= weeks).sum().alias("unauthorised_10wk"),
        (pl.col("back") <= weeks).sum().alias("weeks_counted"),
        pl.col("late").filter(pl.col("back") <= late_weeks).sum().alias("late_marks_10wk"))
    # Runs are counted over the pupil's school days in order (closures, weekends and holidays neither break nor
    # extend them): along the days sorted by pupil and date, a run's number counts the days that end one (another
    # mark) and the pupils' first days, so a run never joins two pupils.
    first = pl.col("key") != pl.col("key").shift(1, fill_value=_u64(2**64 - 1))
    # (Only the packed number and the two answers are sorted: moving every column costs twice as long.)
    runs = upto.filter(pl.col("open")).select("kd", "ret", "sick").sort("kd").with_columns(
        (pl.col("kd") // _u64(65536)).alias("key"),
        (pl.col("kd") % _u64(65536)).cast(pl.Int32).cast(pl.Date).alias("date")).select(
        key + ["date", "ret", "sick", (~pl.col("ret") | first).cum_sum().alias("ret_run"),
               (~pl.col("sick") | first).cum_sum().alias("sick_run")])
    returns = runs.filter(pl.col("ret")).group_by("ret_run").agg(pl.col("key").first(), pl.len().alias("n")).filter(
        pl.col("n") >= ATTENDANCE_RETURN_DAYS).group_by(key).agg(pl.lit(True).alias("attendance_return"))
    sickness = runs.filter(pl.col("sick")).group_by("sick_run").agg(
        pl.col("key").first(), pl.len().alias("n"), pl.col("date").max().alias("last"),
        (pl.col("date") >= year_start).sum().alias("year")
    ).group_by(key).agg(pl.col("n").filter(pl.col("last") >= year_start).max().fill_null(0).alias("consecutive"),
                        pl.col("year").sum().alias("sickness_days"))
    out = pupils
    for part in (year, window, returns, sickness):
        out = out.join(part, on=key, how="left")
    zero = ["possible", "attended", "missed", "unauthorised_10wk", "weeks_counted", "late_marks_10wk", "consecutive",
            "sickness_days"]
    table, crossed = pl.collect_all([
        out.with_columns(pl.col(zero).fill_null(0), pl.col("attendance_return").fill_null(False)),
        crossings(weekly, thresholds)])
    return table, crossed


@dataclass
class Figures:
    """What the engine found: the date screened as of, and for each school (None without a school column) how many
    pupils its file has and the figures of those who may need attention (flags as booleans: penalty, severe,
    persistent, attendance_return, sick, late), for register/screening.py to make its rows from."""
    on: dt.date
    schools: dict[str | None, tuple[int, list[dict]]]
    # Each school's school weeks up to `on` (Mondays) with how many pupils crossed the threshold in each.
    crossings: dict[str | None, list[tuple[dt.date, int]]] = field(default_factory=dict)


def screen_frame(frame: pl.DataFrame, thresholds: dict, on: dt.date | None = None) -> Figures:
    """Screen every pupil in `frame` (read_marks) with screening.thresholds_of's `thresholds`; `on` defaults to the
    last date in the whole file."""
    days = days_of(frame)
    if errors := _duplicates(frame, days):
        raise RegisterError(errors)
    on = on or frame["date"].max()
    table, crossed = figures(days, on, thresholds)
    late_marks = thresholds["late_marks"]
    penalty = meets(pl.col("unauthorised_10wk"), thresholds)
    # marks.band_of's whole-number comparisons.
    severe = (pl.col("possible") > 0) & (pl.col("missed") * 100 >= marks.SEVERE_PCT * pl.col("possible"))
    persistent = (pl.col("possible") > 0) & (pl.col("missed") * 100 >= marks.PERSISTENT_PCT * pl.col("possible"))
    sick = pl.max_horizontal("consecutive", "sickness_days") >= SICKNESS_RETURN_DAYS
    late = (pl.col("late_marks_10wk") >= late_marks) if late_marks is not None else pl.lit(False)
    # Bands are judged exactly by the caller (policies.at_level); here only a generous sieve, so Python sees few.
    top = max((b.pct for b in thresholds["bands"]), default=None)
    in_band = (pl.col("possible") > 0) & (pl.col("attended") * 100 <= (top + 1) * pl.col("possible")) \
        if top is not None else pl.lit(False)
    table = table.with_columns(penalty.alias("penalty"), severe.alias("severe"), persistent.alias("persistent"),
                               sick.alias("sick"), late.alias("late"))
    schools = frame.select("key", "school", "upn").unique("key").join(table.select(KEY), on=KEY)
    schools = schools.with_columns((pl.col("key") // _u64(2**32)).alias("sid"))
    counts = schools.group_by("sid").agg(pl.len().alias("n"), pl.col("school").first())
    chosen = table.filter(pl.col("penalty") | pl.col("persistent") | pl.col("attendance_return") | pl.col("sick")
                          | pl.col("late") | in_band)
    who = {key: (sid, upn) for key, sid, upn in schools.join(chosen.select(KEY), on=KEY).select(
        "key", "sid", "upn").iter_rows()}
    rows: dict = {}
    for r in chosen.iter_rows(named=True):
        sid, r["upn"] = who[r["key"]]
        rows.setdefault(sid, []).append(r)
    weeks: dict = {}
    monday = (pl.col("week").cast(pl.Int32) * 7 - 3).cast(pl.Date)  # week 0 began on Monday 29 December 1969
    for sid, week, n in crossed.sort("sid", "week").select("sid", monday, "crossed").iter_rows():
        weeks.setdefault(sid, []).append((week, n))
    sids = counts.sort("sid").iter_rows()
    return Figures(on, {school: (n, rows.get(sid, [])) for sid, n, school in sids},
                   {school: weeks.get(sid, []) for sid, _, school in counts.iter_rows()})


def screen_source(source: bytes | Path, thresholds: dict, *, code_set: str = marks.DEFAULT_CODE_SET,
                  on: dt.date | None = None, max_fallback_rows: int = 0, parts: int | None = None) -> Figures | None:
    """Read and screen a file (its bytes, or a path, which polars maps rather than copies), or None to leave the
    file to the reader (register/exports.py). A file over WHOLE_BYTES is screened in parts (_screen_parts), or in
    `parts` parts when that is given."""
    columns = columns_of(source)
    if columns is None:
        return None
    parts = parts or parts_for(source)
    try:
        if parts > 1:
            return _screen_parts(source, columns, parts, thresholds, code_set=code_set, on=on,
                                 max_fallback_rows=max_fallback_rows)
        frame = read_marks(source, columns, code_set, max_fallback_rows=max_fallback_rows)
        return None if frame is None else screen_frame(frame, thresholds, on)
    except RegisterError as exc:
        raise RegisterError(columns.named(exc.errors), exc.stopped) from None


def _screen_parts(source: bytes | Path, columns: Columns, parts: int, thresholds: dict, *, code_set: str,
                  on: dt.date | None, max_fallback_rows: int) -> Figures | None:
    """A large file screened a part at a time (_split: every mark of a pupil in one part), in a temporary folder
    deleted after: memory holds one part's marks, not the file's. What each part finds is added up (_merged) to
    what the whole file read at once gives (tests/test_screening_engine.py checks both against the reference).
    The day screened as of, unless given, is the last in the whole file, settled before any part is screened."""
    with tempfile.TemporaryDirectory(prefix="screen-") as folder:
        files = _split(source, columns, parts, Path(folder))
        if files is None:
            return None
        rows = pl.scan_parquet(files).select(pl.len()).collect().item() if files else 0
        if on is None:
            dates = pl.scan_parquet(files).select(pl.col("date").unique().drop_nulls()).collect()["date"] \
                if files else []
            judge = _Judge(code_set, "Row")
            on = max((d for d in (judge.date_of(0, text) for text in dates) if d is not None), default=None)
        found, bad, errors = [], [], []
        for path in files:
            frame, wrong = _marks(_read_part(path), code_set)
            bad += wrong
            if bad or not frame.height:  # once a row is bad only bad rows are reported, as for a file read whole
                continue
            try:
                found.append(screen_frame(frame, thresholds, on))
            except RegisterError as exc:  # a second mark for a session: each part's, reported together
                errors += exc.errors
    if bad and rows <= max_fallback_rows:
        return None
    errors = bad or errors
    if errors:
        raise RegisterError(sorted(errors, key=lambda e: e["row"])[:MAX_ERRORS])
    if not found:
        raise _no_marks()
    return _merged(found)


def _merged(found: list[Figures]) -> Figures:
    """Several parts' figures as one: each school's pupils counted and listed across the parts (a pupil is in one
    part only), its crossings summed week by week."""
    schools: dict = {}
    weeks: dict = {}
    for figures in found:
        for school, (n, rows) in figures.schools.items():
            counted = schools.setdefault(school, [0, []])
            counted[0] += n
            counted[1] += rows
        for school, crossed in figures.crossings.items():
            summed = weeks.setdefault(school, {})
            for week, n in crossed:
                summed[week] = summed.get(week, 0) + n
    return Figures(found[0].on, {school: (n, rows) for school, (n, rows) in schools.items()},
                   {school: sorted(summed.items()) for school, summed in weeks.items()})
