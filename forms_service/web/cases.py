"""The child's case and the due list on the web (issue 22; forms_service/cases): one child's records and what the
LA did with them on one timeline, where they stand in the profile's pathway, what is due and overdue, and their
weekly attendance as a small chart; and the list of what falls due across the school (or, for an LA officer,
across the LA's accepted referrals). Scoped as every record is: another school's or LA's child is a 404."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..access.auth import get_visible_referral, require_roles
from ..cases import lists, records
from ..cases.attendance import weekly_attendance
from ..cases.kept import kept
from ..formatting import local_today
from ..models import Referral, data_as_signed, db
from .case_chart import attendance_chart

bp = Blueprint("cases", __name__)
SCHOOL = ("office", "headteacher")
# Whoever may read the record may read the case, with only the records they may read (as the API: api/cases.py).
READERS = SCHOOL + ("la_officer", "admin")

# The due list's choices (GET parameters, checked against these lists: anything else is an error on its field).
DAYS = (7, 14, 28)
SORTS = {"date": "Date", "child": "Child", "record": "Record", "what": "What is due"}


def _school_view() -> bool:
    return current_user.role in SCHOOL


def record_url(referral_id: int) -> str:
    """A record's own page: the school's, or the LA's for its officers and administrators."""
    return url_for("referrals.show" if _school_view() else "la.show", referral_id=referral_id)


def child_name(referral: Referral) -> str:
    """The child's name, as the school's own pages show it (never in an email or a log)."""
    pupil = (data_as_signed(referral) or {}).get("pupil") or {}
    pupil = pupil if isinstance(pupil, dict) else {}
    return " ".join(str(pupil.get(k) or "").strip() for k in ("first_name", "last_name")).strip()


def _documents(entry: records.Entry, referral: Referral) -> list[dict]:
    """The entry's documents as links to the service's own routes: a record's signed files, a draft's preview
    (the school's), a notice's files as issued."""
    if entry.notice_id is not None:
        outcome = next((o for o in referral.outcomes if o.id == entry.notice_id), None)
        return [{"name": f.name, "url": url_for("notices.document", notice_id=outcome.id, fmt=f.format)}
                for f in outcome.files] if outcome is not None else []
    if entry.order != 0:
        return []
    pack = referral.latest_pack
    if pack is not None:
        return [{"name": f.name, "url": url_for("la.pack_file", referral_id=referral.id, version=pack.version,
                                                name=f.name)}
                for f in pack.files if f.role in records.DOCUMENT_ROLES]
    if _school_view():
        return [{"name": f"Draft {referral.reference or ''} (PDF)".replace("  ", " "),
                 "url": url_for("referrals.preview_pdf", referral_id=referral.id)}]
    return []


@bp.get("/referrals/<id:referral_id>/case")
@require_roles(*READERS)
def case(referral_id: int):
    user = current_user.user
    referral = get_visible_referral(user, referral_id)
    today = local_today()
    view = kept("page", user, referral, today, lambda: _case_view(user, referral, today))
    case = view["case"]
    body = view.get("html")
    if body is None:
        # Rendered once while the case is kept (issue 22's page budget): the body depends on nothing but what the
        # kept case's key holds (the records' fingerprint, the user, the day, the profile); a page shown at the
        # same moment by another thread renders the same words.
        body = view["html"] = Markup(render_template(
            "cases/_case_body.html", referral=referral, profile=records.profile_of(referral),
            school_view=_school_view(), name=child_name(referral) if _school_view() else "", record_url=record_url,
            **{k: v for k, v in view.items() if k != "html"}))
    return render_template(
        "cases/case.html", title=f"Case of {case.pupil['initials'] or 'a child'}, from {referral.reference}",
        referral=referral, record_url=record_url, body_html=body)


def _case_view(user, referral: Referral, today) -> dict:
    """What the case page shows of the child's records, as plain data (cases/kept.py keeps it while they stand):
    the case without its marks, each entry with its documents' links, the records' references and the chart."""
    found = records.child_records(user, referral)
    case = records.case_of(user, referral, today, referrals=found)
    by_id = {r.id: r for r in found}
    chart = attendance_chart(weekly_attendance(case.register), records.profile_of(referral))
    return {"case": replace(case, register=None), "chart": chart,
            "entries": [{"entry": e, "documents": _documents(e, by_id[e.record_id])} for e in case.entries],
            "references": {i: r.reference for i, r in by_id.items()}}


@bp.get("/due")
@require_roles("office", "headteacher", "la_officer")
def due():
    """The due list, as a GET form (GOV.UK pattern): how many days ahead and the order. A value not offered is an
    error on its field (400), and the list is shown with the defaults meanwhile: never a 500."""
    user = current_user.user
    if not lists.may_list(user):
        abort(403)
    errors = {}
    days_arg, sort = request.args.get("days", "7"), request.args.get("sort", "date")
    days = int(days_arg) if days_arg.isdigit() and int(days_arg) in DAYS else None
    if days is None:
        errors["days"] = "Choose 7, 14 or 28 days"
        days = DAYS[0]
    if sort not in SORTS:
        errors["sort"] = "Choose how to sort the list: by date, child, record or what is due"
        sort = "date"
    upcoming, overdue = lists.due_list(user, local_today(), days)
    rows = [_row(r) for r in upcoming], [_row(r) for r in overdue]
    key = {"date": lambda r: (r["due_on"], r["child"]), "child": lambda r: (r["child"].lower(), r["due_on"]),
           "record": lambda r: (r["reference"], r["due_on"]), "what": lambda r: (r["what"].lower(), r["due_on"])}[sort]
    anchors = {"days": "days", "sort": "sort"}
    return render_template(
        "cases/due.html", title="Due and overdue", upcoming=sorted(rows[0], key=key), overdue=sorted(rows[1], key=key),
        days=days, sort=sort, sorts=SORTS, errors=errors, school_view=_school_view(),
        page_errors=[{"text": message, "href": f"#{anchors[name]}"} for name, message in errors.items()],
        days_items=[{"value": str(d), "text": f"{d} days", "checked": d == days} for d in DAYS],
        sort_items=[{"value": k, "text": v, "selected": k == sort} for k, v in SORTS.items()]), \
        (400 if errors else 200)


def _row(row: lists.Row) -> dict:
    """A row of the list: the school's staff see the child's name (their own page), an LA officer initials."""
    referral = db.session.get(Referral, row.item.record_id)  # in the session already: due_list read it
    child = (child_name(referral) if _school_view() and referral is not None else "") or row.initials
    return {"due_on": row.item.due_on, "what": row.item.what, "source": row.item.source, "child": child,
            "reference": row.reference or "", "case_url": url_for("cases.case", referral_id=row.item.record_id),
            "record_url": record_url(row.item.record_id)}
