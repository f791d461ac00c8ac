"""The LA's dashboard (issue 25): what its referrals and notices add up to, as plain tables for the page, its
charts and its CSV files. Counts and references only, never a child's details.

Every query is scoped to the user's LA (referrals through `access/auth.visible_referrals`, notices by their
`la_id`) and narrowed by the filters: a school of the LA, and a date range read as whole days in England's
time. Counting is done in SQL where both SQLite and PostgreSQL can do it the same way (GROUP BY school, form
and status; notices by kind and day; returns by decision); what needs England's clock (which week a signing
falls in) or a median is done here, from one narrow row per record.

Each table is a `Section` in SECTIONS, in the order the page shows them: a further table is one more entry. The
fifth, threshold crossings per week, is not counted from referrals but read from the LA's last finished screen
(`ScreenJob.crossings`: counts per school and school week, never a pupil).
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..access.auth import visible_referrals
from ..formatting import LOCAL_TZ, format_date, local_today
from ..formdefs import get_form
from ..models import Decision, Outcome, Pack, Referral, School, ScreenJob, User, db
from ..rules.titles import title as rule_title
from .inbox import STATUS_LABELS, chosen_school, date_from_parts, form_title, school_choices

# Without dates the dashboard shows the last 26 weeks (half a year: long enough to see a trend).
DEFAULT_WEEKS = 26
# The longest range a page draws (about five years of weeks): more is refused, naming the field.
MAX_DAYS = 5 * 366


@dataclass
class Filters:
    school_id: int | None = None
    school_name: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    errors: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """One table: its columns, its rows (plain values: str, int, float, date) and a chart's series."""
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    # What the chart draws: x labels and {series name: values}, in the table's own figures.
    x_labels: tuple[str, ...] = ()
    series: tuple[tuple[str, tuple], ...] = ()
    # Box plots (time to decision): one (label, [values]) per box.
    boxes: tuple[tuple[str, tuple[float, ...]], ...] = ()
    note: str = ""  # where the figures come from, said above them (the screen they were read from)
    empty: str = ""  # what the page says without rows, where "None in these dates" would mislead


@dataclass(frozen=True)
class Section:
    id: str  # in the page's anchors and the CSV's address
    title: str
    summary: str  # what the chart shows, in words: the SVG's text alternative begins with it
    chart: str  # "stacked", "bars", "box" or "horizontal" (web/la_dashboard_charts.py)
    build: Callable[[User, Filters], Table]
    link: tuple[str, str] | None = None  # (words, path) of the page the figures come from


def parse(user: User, args) -> Filters:
    """The filters from the page's query string: `school` (one of the LA's schools) and the date range as a
    GOV.UK date input's boxes (`from-day`, `from-month`, `from-year`, and `to-...`). Each bad value is an error
    naming its field; without dates, the last DEFAULT_WEEKS weeks."""
    f = Filters()
    school = chosen_school(user, args, f.errors)
    if school is not None:
        f.school_id, f.school_name = school.id, school.name
    for name, label in (("from", "The start date"), ("to", "The end date")):
        value = date_from_parts(label, *(args.get(f"{name}-{part}", "") for part in ("day", "month", "year")))
        if isinstance(value, str):
            f.errors[name] = [value]
        elif value is not None and not dt.date(2000, 1, 1) <= value <= dt.date(2099, 12, 31):
            f.errors[name] = [f"{label} must be between 2000 and 2099"]
        else:
            setattr(f, "date_from" if name == "from" else "date_to", value)
    if f.errors.get("from") or f.errors.get("to"):
        return f
    if f.date_from is None and f.date_to is None:
        today = local_today()
        f.date_to = today
        f.date_from = monday(today) - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
    elif f.date_from is None:
        f.date_from = monday(f.date_to) - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
    elif f.date_to is None:
        f.date_to = max(local_today(), f.date_from)
    if f.date_to < f.date_from:
        f.errors["to"] = [f"The end date must be the same as or after the start date ({format_date(f.date_from)})"]
    elif (f.date_to - f.date_from).days > MAX_DAYS:
        f.errors["to"] = ["The end date must be within 5 years of the start date"]
    return f


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_day(moment: dt.datetime) -> dt.date:
    """The day in England of a stored UTC time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ).date()


def _utc_bounds(f: Filters) -> tuple[dt.datetime, dt.datetime]:
    """The range as UTC instants: from the first day's local midnight to the one after the last day."""
    start = dt.datetime.combine(f.date_from, dt.time(), LOCAL_TZ).astimezone(dt.timezone.utc)
    end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), LOCAL_TZ).astimezone(dt.timezone.utc)
    return start, end


def _weeks(f: Filters) -> list[dt.date]:
    first, out = monday(f.date_from), []
    while first <= f.date_to:
        out.append(first)
        first += dt.timedelta(weeks=1)
    return out


def _months(f: Filters) -> list[tuple[int, int]]:
    out, (y, m) = [], (f.date_from.year, f.date_from.month)
    while (y, m) <= (f.date_to.year, f.date_to.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_label(ym: tuple[int, int]) -> str:
    return dt.date(ym[0], ym[1], 1).strftime("%B %Y")


def _week_label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _scoped(user: User, f: Filters):
    """The ids of the referrals the user may see, of the chosen school (a SELECT to use with IN)."""
    q = visible_referrals(user).with_only_columns(Referral.id)
    if f.school_id is not None:
        q = q.where(Referral.school_id == f.school_id)
    return q


# --- referrals received per week ----------------------------------------------------------------------

def received(user: User, f: Filters) -> Table:
    """Referrals received, counted in the week their first version was signed (when the LA received them), by
    school, form and the status they have now."""
    first_signed = (select(Pack.referral_id, func.min(Pack.signed_at).label("signed_at"))
                    .group_by(Pack.referral_id).subquery())
    start, end = _utc_bounds(f)
    scoped = _scoped(user, f)
    rows = db.session.execute(
        select(first_signed.c.signed_at, School.name, Referral.form_id, Referral.status)
        .join(Referral, Referral.id == first_signed.c.referral_id)
        .join(School, School.id == Referral.school_id)
        .where(Referral.id.in_(scoped), first_signed.c.signed_at >= start,
               first_signed.c.signed_at < end)).all()
    counts: Counter = Counter()
    for signed_at, school, form_id, status in rows:
        counts[(monday(local_day(signed_at)), school, form_id, status)] += 1
    table_rows = tuple((week, school, form_title(form_id), STATUS_LABELS.get(status, status), n)
                       for (week, school, form_id, status), n in sorted(counts.items()))
    weeks = _weeks(f)
    statuses = sorted({status for (_, _, _, status) in counts}, key=lambda s: list(STATUS_LABELS).index(s)
                      if s in STATUS_LABELS else 99)
    by_week_status: Counter = Counter()
    for (week, _, _, status), n in counts.items():
        by_week_status[(week, status)] += n
    series = tuple((STATUS_LABELS.get(s, s), tuple(by_week_status[(week, s)] for week in weeks)) for s in statuses)
    return Table(columns=("Week beginning", "School", "Form", "Status now", "Referrals"), rows=table_rows,
                 x_labels=tuple(_week_label(w) for w in weeks), series=series)


# --- time from signing to decision --------------------------------------------------------------------

def decision_days(user: User, f: Filters) -> list[tuple[dt.date, float]]:
    """(day decided, days from the version's signing to its decision) for each decision in the range."""
    start, end = _utc_bounds(f)
    scoped = _scoped(user, f)
    rows = db.session.execute(
        select(Decision.decided_at, Pack.signed_at).join(Pack, Pack.id == Decision.pack_id)
        .where(Decision.referral_id.in_(scoped), Decision.decided_at >= start,
               Decision.decided_at < end)).all()
    out = []
    for decided_at, signed_at in rows:
        if signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=dt.timezone.utc)
        if decided_at.tzinfo is None:
            decided_at = decided_at.replace(tzinfo=dt.timezone.utc)
        out.append((local_day(decided_at), round(max((decided_at - signed_at).total_seconds(), 0) / 86400, 1)))
    return out


def _spread(values: list[float]) -> tuple[float, float, float, float, float]:
    """(shortest, lower quartile, median, upper quartile, longest), the quartiles as `statistics` takes them
    inclusive of the ends (so one decision is its own quartiles)."""
    values = sorted(values)
    if len(values) == 1:
        q1 = q3 = values[0]
    else:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return values[0], round(q1, 1), round(statistics.median(values), 1), round(q3, 1), values[-1]


def time_to_decision(user: User, f: Filters) -> Table:
    by_month: dict[tuple[int, int], list[float]] = defaultdict(list)
    for day, days in decision_days(user, f):
        by_month[(day.year, day.month)].append(days)
    rows, boxes = [], []
    for ym in _months(f):
        values = by_month.get(ym)
        if not values:
            continue
        low, q1, median, q3, high = _spread(values)
        rows.append((_month_label(ym), len(values), median, q1, q3, low, high))
        boxes.append((_month_label(ym), tuple(values)))
    return Table(columns=("Month decided", "Decisions", "Median days", "Lower quartile (days)",
                          "Upper quartile (days)", "Shortest (days)", "Longest (days)"),
                 rows=tuple(rows), boxes=tuple(boxes))


# --- returns by reason --------------------------------------------------------------------------------

def _check_label(form_id: str, check_id: str) -> str:
    form = get_form(form_id)
    for item in (form.checklist if form is not None else ()):
        if item["id"] == check_id:
            return item["label"]
    return check_id


def returns(user: User, f: Filters) -> Table:
    """Returns in the range by what they named: each rule and each checklist row (a return naming two counts
    for both), and those that named neither ("Written reasons only"). The written reasons themselves are not
    shown: they may name the child."""
    start, end = _utc_bounds(f)
    scoped = _scoped(user, f)
    rows = db.session.execute(
        select(Decision.rule_ids, Decision.check_ids, Referral.form_id)
        .join(Referral, Referral.id == Decision.referral_id)
        .where(Decision.decision == "return", Decision.referral_id.in_(scoped),
               Decision.decided_at >= start, Decision.decided_at < end)).all()
    counts: Counter = Counter()
    for rule_ids, check_ids, form_id in rows:
        rule_ids, check_ids = list(rule_ids or ()), list(check_ids or ())
        for rule_id in dict.fromkeys(rule_ids):
            counts[("Rule", rule_id, rule_title(rule_id))] += 1
        for check_id in dict.fromkeys(check_ids):
            counts[("Checklist", check_id, _check_label(form_id, check_id))] += 1
        if not rule_ids and not check_ids:
            counts[("Written reasons only", "", "Returned with written reasons only")] += 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    table_rows = tuple((kind, ident, label, n) for (kind, ident, label), n in ordered)
    return Table(columns=("Named", "Id", "Reason", "Returns"), rows=((("All returns", "", "", len(rows)),)
                                                                     + table_rows),
                 x_labels=tuple(label for (_, _, label), _ in ordered),
                 series=(("Returns", tuple(n for _, n in ordered)),))


# --- notices --------------------------------------------------------------------------------------

NOTICE_KINDS = {"penalty_notice_issued": "Penalty notices issued", "penalty_notice_paid": "Paid",
                "penalty_notice_unpaid": "Not paid", "penalty_notice_withdrawn": "Withdrawn",
                "notice_to_improve": "Notices to Improve issued"}


def notices(user: User, f: Filters) -> Table:
    """Penalty notices issued, paid, not paid and withdrawn (and Notices to Improve issued), per month of the
    day each happened, counted in SQL by kind and day."""
    q = (select(Outcome.kind, Outcome.occurred_on, func.count())
         .where(Outcome.la_id == user.la_id, Outcome.kind.in_(NOTICE_KINDS),
                Outcome.occurred_on >= f.date_from, Outcome.occurred_on <= f.date_to)
         .group_by(Outcome.kind, Outcome.occurred_on))
    if f.school_id is not None:
        q = q.join(Referral, Referral.id == Outcome.referral_id).where(Referral.school_id == f.school_id)
    counts: Counter = Counter()
    for kind, day, n in db.session.execute(q).all():
        counts[((day.year, day.month), kind)] += n
    months = _months(f)
    rows = tuple((_month_label(ym), *(counts[(ym, kind)] for kind in NOTICE_KINDS)) for ym in months
                 if any(counts[(ym, kind)] for kind in NOTICE_KINDS))
    series = tuple((label, tuple(counts[(ym, kind)] for ym in months)) for kind, label in NOTICE_KINDS.items())
    return Table(columns=("Month", *NOTICE_KINDS.values()), rows=rows,
                 x_labels=tuple(_month_label(ym) for ym in months), series=series)


# --- threshold crossings per week, from the LA's last screen ---------------------------------------------

# More schools than this with a pupil crossing in the range: one series of totals (a legend of every school in an LA
# would not read); this many or fewer: a series each, stacked to the week's total.
MAX_SCHOOL_SERIES = 6
NO_SCREEN = "No screen has been run yet: the figures come from the local authority's last screen of its schools."


def last_screen(user: User) -> ScreenJob | None:
    """The user's LA's latest finished screen (never another LA's)."""
    if user.la_id is None:
        return None
    return db.session.scalar(select(ScreenJob).where(ScreenJob.la_id == user.la_id, ScreenJob.status == "done")
                             .order_by(ScreenJob.finished_at.desc(), ScreenJob.id.desc()).limit(1))


def _crossings_of(job: ScreenJob) -> list[tuple[dt.date, int, int]]:
    """The job's stored crossings (cases/screen_jobs.crossings: [iso Monday, school id, pupils]) as
    (Monday, school id, pupils)."""
    return [(dt.date.fromisoformat(week), int(school_id), int(n)) for week, school_id, n in job.crossings or ()]


def crossings(user: User, f: Filters) -> Table:
    """Pupils whose unauthorised absence first met the penalty-notice threshold each school week
    (register/screening.crossing_weeks), as the LA's last screen counted them: the weeks from the range's first
    Monday to its last day; the chosen school's rows, or each week's total over the LA's schools. Only the
    school weeks the screen saw are rows (a holiday is none), each with its count, zeros too."""
    job = last_screen(user)
    columns = ("Week beginning", "School", "Pupils crossing the threshold") if f.school_id is not None else \
        ("Week beginning", "Pupils crossing the threshold")
    if job is None:
        return Table(columns=columns, rows=(), empty=NO_SCREEN)
    names = {s.id: s.name for s in school_choices(user)}  # the LA's own schools
    first = monday(f.date_from)
    found = [(week, school_id, n) for week, school_id, n in _crossings_of(job)
             if first <= week <= f.date_to and school_id in names]
    on = (job.summary or {}).get("on")
    try:
        note = f"From the local authority's last screen, of the marks up to {format_date(dt.date.fromisoformat(on))}."
    except (TypeError, ValueError):
        note = "From the local authority's last screen."
    if f.school_id is not None:
        mine = sorted((week, n) for week, school_id, n in found if school_id == f.school_id)
        return Table(columns=columns, rows=tuple((week, f.school_name, n) for week, n in mine),
                     x_labels=tuple(_week_label(w) for w, _ in mine),
                     series=((f.school_name, tuple(n for _, n in mine)),), note=note)
    totals: Counter = Counter()
    by_school: Counter = Counter()
    for week, school_id, n in found:
        totals[week] += n
        by_school[(school_id, week)] += n
    weeks = sorted(totals)
    crossing = sorted({school_id for (school_id, _), n in by_school.items() if n}, key=lambda i: (names[i], i))
    if crossing and len(crossing) <= MAX_SCHOOL_SERIES:
        series = tuple((names[i], tuple(by_school[(i, w)] for w in weeks)) for i in crossing)
    else:
        series = (("All schools", tuple(totals[w] for w in weeks)),)
    return Table(columns=columns, rows=tuple((week, totals[week]) for week in weeks),
                 x_labels=tuple(_week_label(w) for w in weeks), series=series, note=note)


SECTIONS: tuple[Section, ...] = (
    Section("received", "Referrals received per week",
            "Referrals received each week, by their status now", "stacked", received),
    Section("decision-time", "Time from signing to decision",
            "Days from the headteacher's signature to the local authority's decision, each month: the median, "
            "the quartiles and the range", "box", time_to_decision),
    Section("returns", "Returns by reason",
            "How many returns named each rule or checklist row", "horizontal", returns),
    Section("notices", "Notices issued, paid, not paid and withdrawn",
            "Penalty notices issued, paid, not paid and withdrawn, and Notices to Improve issued, each month",
            "bars", notices),
    Section("crossings", "Threshold crossings per week",
            "Pupils whose unauthorised absence first met the penalty-notice threshold each school week, from the "
            "local authority's last screen", "stacked", crossings, link=("Screen the local authority's schools",
                                                                          "/la/screening")),
)


def section(section_id: str) -> Section | None:
    return next((s for s in SECTIONS if s.id == section_id), None)
