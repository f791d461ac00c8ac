"""Filtering the referrals a user sees (the LA inbox, and GET /api/v1/referrals): by school, form,
status and a date range on the signed or decided date. Shared by the web page and the API, so the
same query string is validated the same way: an unknown value or a bad date is an error naming the
field, never a 500 and never a silent "no results". Every filter narrows `visible_referrals`, so it
cannot reach outside the user's scope (an officer's own LA, a school's own referrals).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..access.auth import LA_VISIBLE_STATUSES, visible_referrals
from ..formatting import LOCAL_TZ, format_date
from ..formdefs import get_form, load_forms
from ..models import STATUSES, Decision, Pack, Referral, School, User, db

DATE_FIELDS = {"signed": "Signed", "decided": "Decided by the LA"}
STATUS_LABELS = {"draft": "Draft", "awaiting_signoff": "Awaiting sign-off", "sent_back": "Sent back by the headteacher",
                 "signed": "Signed (waiting for the LA)",
                 "returned": "Returned to the school", "accepted": "Accepted"}
# Query-string names (the API and the page use the same ones; the page sends dates as three boxes).
PARAMS = ("school", "form", "status", "date_field", "from", "to")


@dataclass
class Filters:
    school_id: int | None = None
    form_id: str | None = None
    status: str | None = None
    date_field: str = "signed"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    errors: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any((self.school_id, self.form_id, self.status, self.date_from, self.date_to))


def school_choices(user: User) -> list[School]:
    if user.role in ("la_officer", "admin"):
        return list(db.session.scalars(select(School).where(School.la_id == user.la_id).order_by(School.name)))
    return [user.school] if user.school is not None else []


def chosen_school(user: User, args, errors: dict) -> School | None:
    """The school a filter form's `school` names, one of `user`'s choices; another is an error on the field."""
    school = (args.get("school") or "").strip()
    if not school:
        return None
    allowed = {str(s.id): s for s in school_choices(user)}
    if school not in allowed:
        errors["school"] = ["Choose a school from the list"]
        return None
    return allowed[school]


def form_choices(user: User) -> list:
    forms = sorted(load_forms().values(), key=lambda f: f.title)
    if user.role in ("la_officer", "admin"):
        return [f for f in forms if f.sends_to_la]
    return forms


def status_choices(user: User) -> tuple[str, ...]:
    return LA_VISIBLE_STATUSES if user.role == "la_officer" else STATUSES


def parse(user: User, args, *, dates: dict | None = None) -> Filters:
    """Filters from a query string (`args`: a mapping of str). `dates` gives the dates already put
    together by the page ({"from": value or error text}); otherwise `from`/`to` are YYYY-MM-DD."""
    f = Filters()
    school = chosen_school(user, args, f.errors)
    f.school_id = school.id if school is not None else None
    form_id = (args.get("form") or "").strip()
    if form_id:
        if form_id not in {x.id for x in form_choices(user)}:
            f.errors["form"] = ["Choose a form from the list"]
        else:
            f.form_id = form_id
    status = (args.get("status") or "").strip()
    if status:
        # Any status the service knows is a valid filter (one outside the user's sight simply matches
        # nothing, as before); the page offers only those the user can see.
        if status not in STATUSES:
            f.errors["status"] = ["Choose one of: " + ", ".join(status_choices(user))]
        else:
            f.status = status
    date_field = (args.get("date_field") or "signed").strip()
    if date_field not in DATE_FIELDS:
        f.errors["date_field"] = ["Choose signed or decided"]
    else:
        f.date_field = date_field
    for name, attr in (("from", "date_from"), ("to", "date_to")):
        value = dates[name] if dates is not None else (args.get(name) or "").strip() or None
        if isinstance(value, dt.date) or value is None:
            setattr(f, attr, value)
        elif dates is not None:  # the page's own message about the three boxes
            f.errors[name] = [value]
        else:
            try:
                setattr(f, attr, dt.date.fromisoformat(value))
            except ValueError:
                f.errors[name] = [f"Enter the {'start' if name == 'from' else 'end'} date as YYYY-MM-DD "
                                  "(a real date)"]
    if f.date_from and f.date_to and f.date_to < f.date_from:
        f.errors["to"] = [f"The end date must be the same as or after the start date ({format_date(f.date_from)})"]
    return f


def date_from_parts(label: str, day: str, month: str, year: str) -> dt.date | str | None:
    """A GOV.UK date input's three boxes: the date, None when all are empty, or the error text."""
    parts = {"day": (day or "").strip(), "month": (month or "").strip(), "year": (year or "").strip()}
    if not any(parts.values()):
        return None
    missing = [k for k, v in parts.items() if not v]
    if missing:
        return f"{label} must include a {' and '.join(missing)}"
    if not all(v.isdigit() for v in parts.values()) or len(parts["year"]) != 4:
        return f"{label} must be a real date, with a 4-digit year"
    try:
        return dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return f"{label} must be a real date"


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ).astimezone(dt.timezone.utc)


def query(user: User, f: Filters):
    """`visible_referrals(user)` narrowed by the filters that are valid (erroneous ones are ignored)."""
    q = visible_referrals(user)
    if f.school_id is not None:
        q = q.where(Referral.school_id == f.school_id)
    if f.form_id is not None:
        q = q.where(Referral.form_id == f.form_id)
    if f.status is not None:
        q = q.where(Referral.status == f.status)
    if f.date_from or f.date_to:
        if f.date_field == "decided":
            when = select(func.max(Decision.decided_at)).where(Decision.referral_id == Referral.id).scalar_subquery()
        else:  # the latest signed version's signing time
            when = select(func.max(Pack.signed_at)).where(Pack.referral_id == Referral.id).scalar_subquery()
        if f.date_from:
            q = q.where(when >= _local_midnight_utc(f.date_from))
        if f.date_to:  # the whole of the last day, in England's time
            q = q.where(when < _local_midnight_utc(f.date_to + dt.timedelta(days=1)))
    return q


def form_title(form_id: str) -> str:
    form = get_form(form_id)
    return form.short_title if form is not None else form_id
