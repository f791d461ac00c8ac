"""The LA's dashboard (issue 25): referrals received per week, time from signing to decision, returns by reason,
notices issued, paid, not paid and withdrawn, threshold crossings per week from the LA's last screen; each as a chart with its table beside it, filtered by school and
dates (a GET form: a bad value is an error on its field, 400, never a 500), and each table as a CSV file. The
figures come from la/dashboard.py, scoped to the user's LA; the charts from web/dashboard_charts.py."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from ..access.auth import require_roles
from ..csvfiles import write_csv
from ..formatting import format_date
from ..la import dashboard
from ..la.inbox import school_choices
from .dashboard_charts import chart_svg
from .la import date_input_items

bp = Blueprint("la_dashboard", __name__)
# The filter form's fields in the order the error summary lists them (ids of the inputs they link to).
FILTER_FIELDS = (("school", "school"), ("from", "from-day"), ("to", "to-day"))
DATE_PARTS = tuple(f"{n}-{p}" for n in ("from", "to") for p in ("day", "month", "year"))


def _cell(value) -> str | int | float:
    """A table's value as the page and the CSV write it (dates as words; weeks by their Monday)."""
    return format_date(value) if isinstance(value, dt.date) else value


def _query(filters: dashboard.Filters) -> dict:
    """The query string that gives these filters again (the CSV links): dates as the boxes take them."""
    out = {"school": filters.school_id} if filters.school_id else {}
    for name, day in (("from", filters.date_from), ("to", filters.date_to)):
        out.update({f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year})
    return out


@bp.get("/la/dashboard")
@require_roles("la_officer", "admin")
def index():
    user = current_user.user
    args = request.args
    filters = dashboard.parse(user, args)
    errors = filters.errors
    error_list = [{"text": errors[name][0], "href": f"#{anchor}"} for name, anchor in FILTER_FIELDS if errors.get(name)]
    values = {"school": args.get("school", ""), **{k: args.get(k, "") for k in DATE_PARTS}}
    sections = []
    if not errors:
        for section in dashboard.SECTIONS:
            table = section.build(user, filters)
            sections.append({"section": section, "table": table, "chart": chart_svg(section, table),
                             "rows": [[_cell(v) for v in row] for row in table.rows]})
    return render_template(
        "la/dashboard.html", title="Dashboard", sections=sections, filters=filters, errors=errors,
        error_list=error_list, values=values, query=_query(filters) if not errors else {},
        school_items=[{"value": "", "text": "All schools"}] + [
            {"value": str(s.id), "text": s.name, "selected": values["school"] == str(s.id)}
            for s in school_choices(user)],
        date_items={n: date_input_items(values, n, bool(errors.get(n))) for n in ("from", "to")}), \
        (400 if errors else 200)


@bp.get("/la/dashboard/<section_id>.csv")
@require_roles("la_officer", "admin")
def csv_file(section_id: str):
    """One table as CSV, with the page's filters (a bad one: 400 naming the field, as text)."""
    section = dashboard.section(section_id)
    if section is None:
        abort(404)
    filters = dashboard.parse(current_user.user, request.args)
    if filters.errors:
        return Response("\n".join(f"{name}: {messages[0]}" for name, messages in filters.errors.items()) + "\n",
                        status=400, mimetype="text/plain")
    table = section.build(current_user.user, filters)
    body = write_csv(table.columns, ([v.isoformat() if isinstance(v, dt.date) else v for v in row]
                                     for row in table.rows))
    name = f"dashboard-{section.id}-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
