"""Small helpers shared by the web and API tests: signing in (CSRF included), bearer tokens,
realistic referral data with dates relative to today, small real PDFs, and register files.

Dates are relative to today so that a referral made today meets the 28-day deadline when the
headteacher signs it today: the leave is a Monday-to-Friday week that ended 10 to 16 days ago,
the child was back the Monday after, and the request is dated today.
"""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re

from weasyprint import HTML

from conftest import PASSWORD
from support import totp
from support.sample_data import referral_data

FORM_ID = "penalty-notice-leave"
EVIDENCE_KINDS = ("leave_request", "warning_letter", "registration_certificate")

_CSRF = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"|value="([^"]+)"[^>]*\bname="csrf_token"')


# --- web ----------------------------------------------------------------------------------------

DROP = object()  # with_changes: remove the answer at this path


def with_changes(data: dict, changes: dict, *, drop=DROP) -> dict:
    """`data` with `changes` applied in place and returned: a key "a__b" is the path a.b; the value
    `drop` removes the answer there."""
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        if value is drop:
            node.pop(last, None)
        else:
            node[last] = value
    return data


def date_parts(iso: str) -> list[str]:
    """A date as the three inputs of a GOV.UK date field: day, month, year."""
    day = dt.date.fromisoformat(iso)
    return [str(day.day), str(day.month), str(day.year)]


def post_page(client, url: str, data: dict):
    """Answer a question page as a browser does: fetch it, then post with its CSRF token and the
    version of the draft it shows."""
    page = client.get(url)
    assert page.status_code == 200, url
    body = {"csrf_token": csrf(text(page))}
    version = re.search(r'name="version" value="(\d+)"', text(page))
    if version:
        body["version"] = version.group(1)
    body.update(data)
    return client.post(url, data=body)


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf(html: str) -> str:
    """The CSRF token from the first `csrf_token` hidden input of a page."""
    match = _CSRF.search(html)
    assert match, "no csrf_token input on the page"
    return html_lib.unescape(match.group(1) or match.group(2))


def login(client, email: str, password: str = PASSWORD, *, follow: bool = False):
    """Sign in through the sign-in page, as a browser would (reads the page's CSRF token); for an account with
    a second factor, then the code page with a code its app would show (support/totp.py)."""
    totp.needs_code(client.application, email)  # an account a test added has its app set up
    page = client.get("/sign-in")
    assert page.status_code == 200
    response = client.post("/sign-in", data={"csrf_token": csrf(text(page)), "email": email, "password": password})
    if response.status_code == 302 and response.location.startswith("/sign-in/code"):
        response = enter_code(client, totp.code_for(client.application, email), follow=follow)
    elif follow and response.status_code == 302:
        response = client.get(response.location, follow_redirects=True)
    if password == PASSWORD and not follow:
        assert response.status_code == 302, f"sign-in as {email} failed: {response.status_code}"
    return response


def enter_code(client, code: str, *, follow: bool = False):
    """Fill in "Enter the code from your authenticator app" (/sign-in/code) as a browser would."""
    page = client.get("/sign-in/code")
    assert page.status_code == 200, page.status_code
    return client.post("/sign-in/code", data={"csrf_token": csrf(text(page)), "code": code}, follow_redirects=follow)


def set_own_password(client, current: str, new: str, confirm: str | None = None):
    """Fill in "Set your password" (/account/password) as a browser would."""
    page = client.get("/account/password")
    assert page.status_code == 200
    return client.post("/account/password", data={"csrf_token": csrf(text(page)), "current": current, "new": new,
                                                  "confirm": new if confirm is None else confirm})


def logout(client) -> None:
    page = client.get("/sign-in")
    client.post("/sign-out", data={"csrf_token": csrf(text(page))})
    client.delete_cookie("session")


# --- API ----------------------------------------------------------------------------------------

def api_token(client, email: str, password: str = PASSWORD) -> str:
    """A bearer token, with the code of the account's authenticator app where it has one (support/totp.py)."""
    body = {"email": email, "password": password}
    if totp.needs_code(client.application, email):
        body["totp"] = totp.code_for(client.application, email)
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- data ---------------------------------------------------------------------------------------

def today() -> dt.date:
    return dt.date.today()


def leave_dates(on: dt.date | None = None) -> tuple[dt.date, dt.date, dt.date]:
    """(start, end, return): a Monday-to-Friday week ending 10 to 16 days before `on`, back the Monday after."""
    on = on or today()
    end = on - dt.timedelta(days=10)
    end -= dt.timedelta(days=(end.weekday() - 4) % 7)  # back to a Friday
    return end - dt.timedelta(days=4), end, end + dt.timedelta(days=3)


def _iso(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def data_dates() -> dict:
    """The referral's dates as date objects (for tests that type them into the web pages)."""
    start, end, back = leave_dates()
    t = today()
    return {"pupil.date_of_birth": dt.date(t.year - 13, 1, 14), "leave.start_date": start, "leave.end_date": end,
            "leave.return_date": back, "referral_date": t}


def json_data() -> dict:
    """tests.sample_data.REFERRAL_DATA as JSON-ready data, with its dates moved relative to today."""
    data = referral_data()
    dates = data_dates()
    data["pupil"]["date_of_birth"] = dates["pupil.date_of_birth"]
    data["leave"] = {"start_date": dates["leave.start_date"], "end_date": dates["leave.end_date"],
                     "return_date": dates["leave.return_date"]}
    data["referral_date"] = dates["referral_date"]
    return _iso(data)


# --- files --------------------------------------------------------------------------------------

def shift_dates(value, days: int):
    """A sample's JSON with every ISO date in it moved by `days` (to keep a realistic case current)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    if isinstance(value, dict):
        return {k: shift_dates(v, days) for k, v in value.items()}
    if isinstance(value, list):
        return [shift_dates(v, days) for v in value]
    return value


def set_profile(app, name: str) -> None:
    """Every LA under the profile `name` (the demo's LA under Cardiff's, say: Welsh law, issue 19)."""
    from forms_service.models import LocalAuthority, db

    with app.app_context():
        for la in db.session.query(LocalAuthority):
            la.policy_profile = name
        db.session.commit()


def profile_used_for(form) -> str:
    """A profile the form is used under: its own where it is one profile's paperwork (issue 20), else
    England's default, else Cardiff's (Wales)."""
    if form.profiles:
        return form.profiles[0]
    return "national-2024" if "england" in form.jurisdictions else "cardiff"


def make_pdf(text_: str = "Evidence") -> bytes:
    """A small, real, one-page PDF with `text_` on it."""
    body = html_lib.escape(text_)
    return HTML(string=f"<html><body><h1>{body}</h1><p>Scanned copy.</p></body></html>").write_pdf()


def _academic_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def _week_containing(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=4)


def _calendar(first: dt.date, last: dt.date, keep_open: set[dt.date]) -> list[tuple[dt.date, bool]]:
    """School weekdays from `first` to `last` with whether the school is open: no sessions in the
    Christmas, Easter and summer holidays, planned closure (`#`) on the first two days (INSET) and
    over the half-term weeks. Days in `keep_open` (the leave) are always open school days."""
    y = first.year
    holidays = [(dt.date(y, 12, 22), dt.date(y + 1, 1, 2)), (dt.date(y + 1, 3, 30), dt.date(y + 1, 4, 10)),
                (dt.date(y + 1, 7, 22), dt.date(y + 1, 8, 31))]
    half_terms = [_week_containing(dt.date(y, 10, 27)), _week_containing(dt.date(y + 1, 2, 16)),
                  _week_containing(dt.date(y + 1, 5, 27))]
    days, d, inset = [], first, 0
    while d <= last:
        if d.weekday() < 5:
            if d in keep_open:
                days.append((d, True))
            elif not any(a <= d <= b for a, b in holidays):
                closed = inset < 2 or any(a <= d <= b for a, b in half_terms)
                inset += 1
                days.append((d, not closed))
        d += dt.timedelta(days=1)
    return days


def register_rows(data: dict | None = None, *, g_sessions: int | None = None, until: dt.date | None = None,
                  marks: dict | None = None) -> list[tuple[str, str, str]]:
    """(date, session, code) for the pupil's academic year up to `until` (default today).

    The leave's sessions (weekdays from leave.start_date to leave.end_date, AM then PM) are coded G
    (all of them, or the first `g_sessions`; the rest present). Two days of illness and an
    appointment in the autumn make the rest of the register ordinary. `marks` overrides
    {(date, "AM"|"PM"): code}."""
    data = data or json_data()
    start = dt.date.fromisoformat(data["leave"]["start_date"])
    end = dt.date.fromisoformat(data["leave"]["end_date"])
    until = until or today()
    leave_days = {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
    leave_days = {d for d in leave_days if d.weekday() < 5}
    leave_sessions = [(d, s) for d in sorted(leave_days) for s in ("AM", "PM")]
    n = len(leave_sessions) if g_sessions is None else g_sessions
    if n > len(leave_sessions):
        raise ValueError(f"the leave has only {len(leave_sessions)} sessions")
    g = set(leave_sessions[:n])
    first = min(_academic_year_start(start), _academic_year_start(until))
    rows = {}
    open_days = []
    for day, open_ in _calendar(first, until, leave_days):
        for s in ("AM", "PM"):
            rows[(day, s)] = ("/" if s == "AM" else "\\") if open_ else "#"
        if open_ and day not in leave_days:
            open_days.append(day)
    for day in open_days[3:5]:  # two days of illness early in the year
        rows[(day, "AM")] = rows[(day, "PM")] = "I"
    if len(open_days) > 8:
        rows[(open_days[8], "PM")] = "M"  # a medical appointment
    for key in g:
        rows[key] = "G"
    for key, code in (marks or {}).items():
        rows[key] = code
    return [(d.isoformat(), s, c) for (d, s), c in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1]))]


def register_csv_for(data: dict | None = None, *, g_sessions: int | None = None, until: dt.date | None = None,
                     marks: dict | None = None, upn: str | None = None, extra_rows: list | None = None) -> str:
    """A realistic CSV (header date,session,code[,upn]) of the pupil's marks for the current academic
    year, with the leave coded G (10 sessions for the default data). `extra_rows` are appended as
    written (to make a bad file)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "session", "code"] + (["upn"] if upn else []))
    for row in register_rows(data, g_sessions=g_sessions, until=until, marks=marks):
        writer.writerow(list(row) + ([upn] if upn else []))
    for row in extra_rows or []:
        writer.writerow(row)
    return out.getvalue()


def register_json_for(data: dict | None = None, **kwargs) -> dict:
    """The same marks in the API's shape: {code_set, sessions: [{date, session, code}]}."""
    return {"code_set": "2024",
            "sessions": [{"date": d, "session": s, "code": c} for d, s, c in register_rows(data, **kwargs)]}


EVIDENCE_KINDS = ("leave_request", "warning_letter", "registration_certificate")


def submitted_request(client, data: dict | None = None, school: str = "demo", *, register: dict | None = None,
                      kinds: tuple[str, ...] = EVIDENCE_KINDS) -> tuple[int, dict, dict]:
    """A complete leave-of-absence request made through the API as a school makes it: the office
    creates it with its register (`register`, default register_json_for(data)) and the evidence (`kinds`,
    default all three) and submits it, for the head to sign. Returns (id, the office's headers, the head's
    headers)."""
    office = bearer(api_token(client, f"office@{school}.school"))
    head = bearer(api_token(client, f"head@{school}.school"))
    data = data or json_data()
    created = client.post("/api/v1/referrals", headers=office,
                          json={"form": FORM_ID, "data": data, "register": register or register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    for kind in kinds:
        up = client.post(f"/api/v1/referrals/{rid}/evidence", headers=office,
                         data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")},
                         content_type="multipart/form-data")
        assert up.status_code == 201, up.get_json()
    submitted = client.post(f"/api/v1/referrals/{rid}/submit", headers=office)
    assert submitted.status_code == 200, submitted.get_json()
    return rid, office, head


def signed_request(client, data: dict | None = None, school: str = "demo") -> tuple[int, dict, dict]:
    """The same request, signed by the school's head (v1)."""
    rid, office, head = submitted_request(client, data, school)
    sign_as_head(client, rid, head, HEAD_NAMES[school])
    return rid, office, head


# The demo heads' account names: a head signs as their account (issue 17).
HEAD_NAMES = {"demo": "Harriet Head", "other": "Hugo Head"}


def submit_and_sign(client, rid: int, office: dict, head: dict, name: str = HEAD_NAMES["demo"]) -> dict:
    """Submit as the office and sign as the head; the signed referral's JSON."""
    submitted = client.post(f"/api/v1/referrals/{rid}/submit", headers=office)
    assert submitted.status_code == 200, submitted.get_json()
    return sign_as_head(client, rid, head, name)


def sign_as_head(client, rid: int, head: dict, name: str = HEAD_NAMES["demo"]) -> dict:
    """The head signs a submitted request as their own account; the signed referral's JSON."""
    signed = client.post(f"/api/v1/referrals/{rid}/sign", headers=head, json={"name": name, "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["status"] == "signed"
    return signed.get_json()
