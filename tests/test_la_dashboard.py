"""The LA dashboard (issue 25): its figures from records made through the API as schools and the LA make them
(then dated where the test needs a range's first and last day), on SQLite and PostgreSQL; the filters at their
boundaries and their errors; another LA's records never counted; each table's CSV; no child named."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from forms_service.formatting import LOCAL_TZ
from forms_service.formdefs import get_form
from forms_service.la import dashboard, decisions as la_decisions
from forms_service.models import Outcome, Referral, School, ScreenJob, User, db

from conftest import PASSWORD
from support import records
from support.access_world import FAR_SCHOOL, add_far_la
from support.helpers import api_token, bearer, login
from support.snapshot import made_once

API = "/api/v1"


def at(day: str, time: str = "00:00") -> dt.datetime:
    """A moment in England's time, as stored (UTC)."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time),
                               LOCAL_TZ).astimezone(dt.timezone.utc)


def _date(app, rid: int, signed: dt.datetime, decided: dt.datetime | None = None) -> None:
    with app.app_context():
        referral = db.session.get(Referral, rid)
        for pack in referral.packs:
            pack.signed_at = signed
        for decision in referral.decisions:
            decision.decided_at = decided
        db.session.commit()


def _return_naming_rule_and_check(client, app, rid: int, officer: str = "officer@demo.la") -> tuple[str, str]:
    with app.app_context():
        referral = db.session.get(Referral, rid)
        rule_id = next(iter(la_decisions.rule_labels(referral)))
        check_id = get_form(referral.form_id).checklist[0]["id"]
    answer = client.post(f"{API}/referrals/{rid}/decision", headers=bearer(api_token(client, officer)),
                         json={"decision": "return", "reasons": "Amelia's leave request is not dated.",
                               "rule_ids": [rule_id], "check_ids": [check_id]})
    assert answer.status_code == 200, answer.get_json()
    return rule_id, check_id


@pytest.fixture
def world(app, client, backend, setups_made_once):
    """Demo LA: A (Demo School) signed on the range's first day at midnight, accepted 2.5 days on, a penalty notice
    issued and paid; B (Other School) signed inside, returned naming a rule and a checklist row 5.5 days on; C (Demo
    School) signed in the last minute of the range's last day, waiting. Far LA: D, signed and returned inside.
    Made once per backend (four signed packs and a notice, several seconds) and restored into each test's own
    database and storage."""
    return made_once(setups_made_once, backend, app, lambda: _world(app, client))


def _world(app, client) -> dict:
    add_far_la(app)
    demo_office = records.office(client)
    a = records.create_referral(client, demo_office, records.AMELIA, replace_one=False)
    records.sign(client, a, demo_office)
    records.decide(client, a, "accept")
    notice = records.issue_penalty_notice(client, a)
    paid = client.post(f"{API}/referrals/{a}/outcomes", headers=bearer(api_token(client, "officer@demo.la")),
                       json={"kind": "penalty_notice_paid", "date": dt.date.today().isoformat(),
                             "notice": notice["reference"]})
    assert paid.status_code == 201, paid.get_json()
    other_office = records.office(client, "office@other.school")
    b = records.create_referral(client, other_office, records.TOBIAS, replace_one=False)
    records.sign(client, b, other_office, "head@other.school")
    rule_id, check_id = _return_naming_rule_and_check(client, app, b)
    c = records.create_referral(client, demo_office, records.FREYA, replace_one=False)
    records.sign(client, c, demo_office)
    far_office = records.office(client, "office@far.test")
    d = records.create_referral(client, far_office, records.KIAN, replace_one=False)
    records.sign(client, d, far_office, "head@far.test")
    _return_naming_rule_and_check(client, app, d, "officer@far.test")

    _date(app, a, at("2026-03-02"), at("2026-03-04", "12:00"))
    _date(app, b, at("2026-03-10", "09:00"), at("2026-03-15", "21:00"))
    _date(app, c, at("2026-03-15", "23:59"))
    _date(app, d, at("2026-03-05"), at("2026-03-06"))
    with app.app_context():
        for outcome in db.session.scalars(select(Outcome)):
            issued = outcome.kind == "penalty_notice_issued"
            outcome.occurred_on = dt.date(2026, 3, 5) if issued else dt.date(2026, 4, 1)
        db.session.commit()
        schools = {s.name: s.id for s in db.session.scalars(select(School))}
    return {"a": a, "b": b, "c": c, "d": d, "rule_id": rule_id, "check_id": check_id, "schools": schools}


def _tables(app, email: str, **args) -> dict:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        f = dashboard.parse(user, args)
        assert not f.errors, f.errors
        return {s.id: s.build(user, f) for s in dashboard.SECTIONS}


def _range(first: str, last: str) -> dict:
    f, t = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return {"from-day": str(f.day), "from-month": str(f.month), "from-year": str(f.year),
            "to-day": str(t.day), "to-month": str(t.month), "to-year": str(t.year)}


def test_the_figures_of_one_la_with_the_range_s_first_and_last_days(app, world, backend):
    for email in ("officer@demo.la", "admin@demo.la"):
        tables = _tables(app, email, **_range("2026-03-02", "2026-03-15"))
        received = tables["received"]
        assert received.rows == (
            (dt.date(2026, 3, 2), "Demo School", received.rows[0][2], "Accepted", 1),
            (dt.date(2026, 3, 9), "Demo School", received.rows[0][2], "Signed (waiting for the LA)", 1),
            (dt.date(2026, 3, 9), "Other School", received.rows[0][2], "Returned to the school", 1))
        assert received.x_labels == ("2 Mar 2026", "9 Mar 2026")
        assert dict(received.series) == {"Signed (waiting for the LA)": (0, 1), "Returned to the school": (0, 1),
                                         "Accepted": (1, 0)}
        # Time from signing to decision: 2.5 and 5.5 days, both decided in March.
        (row,) = tables["decision-time"].rows
        assert row[:3] == ("March 2026", 2, 4.0) and row[5:] == (2.5, 5.5)
        assert row[3] == pytest.approx(3.25, abs=0.06) and row[4] == pytest.approx(4.75, abs=0.06)
        returns = tables["returns"].rows
        assert returns[0] == ("All returns", "", "", 1)
        assert {(r[0], r[1], r[3]) for r in returns[1:]} == {("Rule", world["rule_id"], 1),
                                                              ("Checklist", world["check_id"], 1)}
        # The penalty notice was issued in March; paid in April, outside this range.
        assert tables["notices"].rows == (("March 2026", 1, 0, 0, 0, 0),)

    # A day less at either end leaves out what was signed on the first and on the last day.
    tables = _tables(app, "officer@demo.la", **_range("2026-03-03", "2026-03-14"))
    assert [r[1] for r in tables["received"].rows] == ["Other School"]
    assert tables["decision-time"].rows[0][1] == 1
    tables = _tables(app, "officer@demo.la", **_range("2026-03-01", "2026-04-30"))
    assert tables["notices"].rows == (("March 2026", 1, 0, 0, 0, 0), ("April 2026", 0, 1, 0, 0, 0))


def test_a_school_filter_and_another_la(app, world, backend):
    demo = world["schools"]["Demo School"]
    tables = _tables(app, "officer@demo.la", school=str(demo), **_range("2026-03-01", "2026-04-30"))
    assert {r[1] for r in tables["received"].rows} == {"Demo School"}
    assert tables["returns"].rows == (("All returns", "", "", 0),)
    assert [r[1] for r in tables["notices"].rows] == [1, 0]
    other = _tables(app, "officer@demo.la", school=str(world["schools"]["Other School"]),
                    **_range("2026-03-01", "2026-04-30"))
    assert other["notices"].rows == () and other["decision-time"].rows[0][1] == 1
    # Far LA's officer sees only D; Demo LA's never do.
    far = _tables(app, "officer@far.test", **_range("2026-03-01", "2026-04-30"))
    assert [r[1] for r in far["received"].rows] == [FAR_SCHOOL]
    assert far["notices"].rows == () and far["returns"].rows[0][3] == 1
    with app.app_context():
        officer = db.session.scalar(select(User).filter_by(email="officer@demo.la"))
        f = dashboard.parse(officer, {"school": str(world["schools"][FAR_SCHOOL])})
        assert f.errors == {"school": ["Choose a school from the list"]}


def test_the_page_its_errors_and_its_csv_files(app, client, world):
    login(client, "officer@demo.la", PASSWORD)
    page = client.get("/la/dashboard", query_string=_range("2026-03-01", "2026-04-30"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("Amelia", "Hartwright", "Tobias", "Nkemelu", "Freya", "Kian", "not dated"):
        assert name not in html
    assert html.count('role="img"') == 4 and "<style" not in html and "<script type=\"text/javascript\">" not in html
    assert 'aria-labelledby="chart-received-title chart-received-desc"' in html
    assert FAR_SCHOOL not in html and "received-table" in html

    bad = client.get("/la/dashboard", query_string={"school": "999999", "from-day": "31", "from-month": "2",
                                                    "from-year": "2026", "to-day": "x"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    for message, anchor in (("Choose a school from the list", "#school"),
                            ("The start date must be a real date", "#from-day"),
                            ("The end date must include a month and year", "#to-day")):
        assert message in text and anchor in text
    backwards = client.get("/la/dashboard", query_string=_range("2026-03-15", "2026-03-02"))
    assert backwards.status_code == 400 and "The end date must be the same as or after the start date" in \
        backwards.get_data(as_text=True)

    got = client.get("/la/dashboard/received.csv", query_string=_range("2026-03-02", "2026-03-15"))
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "dashboard-received-2026-03-02-to-2026-03-15.csv" in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True))))
    assert rows[0] == ["Week beginning", "School", "Form", "Status now", "Referrals"]
    assert [r[0] for r in rows[1:]] == ["2026-03-02", "2026-03-09", "2026-03-09"] and rows[1][4] == "1"
    got = client.get("/la/dashboard/returns.csv", query_string=_range("2026-03-02", "2026-03-15"))
    returns = list(csv.reader(io.StringIO(got.get_data(as_text=True))))
    assert returns[1] == ["All returns", "", "", "1"] and len(returns) == 4
    for section in dashboard.SECTIONS:
        assert client.get(f"/la/dashboard/{section.id}.csv").status_code == 200
    assert client.get("/la/dashboard/nothing.csv").status_code == 404
    refused = client.get("/la/dashboard/received.csv", query_string={"from-day": "40", "from-month": "1",
                                                                    "from-year": "2026"})
    assert refused.status_code == 400 and "from: The start date must be a real date" in refused.get_data(as_text=True)


def test_a_school_s_name_that_starts_a_formula_is_text_in_the_csv(app, client, world):
    with app.app_context():
        school = db.session.get(School, world["schools"]["Other School"])
        school.name = "=HYPERLINK(\"http://example.invalid\")"
        db.session.commit()
    login(client, "admin@demo.la", PASSWORD)
    got = client.get("/la/dashboard/received.csv", query_string=_range("2026-03-02", "2026-03-15"))
    body = got.get_data(as_text=True)
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


# --- threshold crossings per week, from the LA's last screen ---------------------------------------------------

def add_screen(app, email: str, crossings: list, *, status: str = "done", finished: str = "2026-03-14",
               on: str = "2026-03-13") -> None:
    """A screen of the LA of `email`'s user, as the background job leaves it (counts only)."""
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        db.session.add(ScreenJob(la_id=user.la_id, created_by_id=user.id, status=status, code_set="2024",
                                 summary={"on": on, "pupils": 40, "schools": 2}, crossings=crossings,
                                 finished_at=at(finished, "12:00"), expires_at=at("2026-12-31")))
        db.session.commit()


@pytest.fixture
def schools(app):
    """The demo LA's schools and the Far LA's, without referrals: the crossings come from screens alone."""
    add_far_la(app)
    with app.app_context():
        return {"schools": {s.name: s.id for s in db.session.scalars(select(School))}}


def _screens(app, world) -> None:
    """Demo LA: an older screen, a later one that failed, and the last one; Far LA: a later screen of its own."""
    demo, other, far = (world["schools"][n] for n in ("Demo School", "Other School", FAR_SCHOOL))
    add_screen(app, "officer@demo.la", [["2026-03-02", demo, 50]], finished="2026-03-01", on="2026-02-27")
    add_screen(app, "officer@demo.la", [["2026-03-02", demo, 60]], status="failed", finished="2026-03-20")
    add_screen(app, "admin@demo.la", [
        ["2026-03-02", demo, 2], ["2026-03-02", other, 1], ["2026-03-09", demo, 0], ["2026-03-09", other, 0],
        ["2026-03-16", demo, 1], ["2026-03-16", other, 0],
        ["2026-03-16", far, 9]])  # never this LA's school: left out
    add_screen(app, "officer@far.test", [["2026-03-02", far, 7], ["2026-03-09", far, 0]], finished="2026-03-21")


def test_threshold_crossings_come_from_the_las_last_screen(app, schools, backend):
    none = _tables(app, "officer@demo.la", **_range("2026-03-02", "2026-03-15"))["crossings"]
    assert none.rows == () and none.empty == dashboard.NO_SCREEN and "No screen has been run yet" in none.empty
    _screens(app, schools)
    table = _tables(app, "officer@demo.la", **_range("2026-03-02", "2026-03-15"))["crossings"]
    assert table.columns == ("Week beginning", "Pupils crossing the threshold")
    assert table.rows == ((dt.date(2026, 3, 2), 3), (dt.date(2026, 3, 9), 0))
    assert table.x_labels == ("2 Mar 2026", "9 Mar 2026")
    assert dict(table.series) == {"Demo School": (2, 0), "Other School": (1, 0)}  # a few schools: one series each
    assert table.note == "From the local authority's last screen, of the marks up to 13 March 2026."
    # The range: the weeks from its first day's Monday to its last day.
    later = _tables(app, "officer@demo.la", **_range("2026-03-10", "2026-03-16"))["crossings"]
    assert later.rows == ((dt.date(2026, 3, 9), 0), (dt.date(2026, 3, 16), 1))
    assert _tables(app, "officer@demo.la", **_range("2026-04-01", "2026-04-30"))["crossings"].rows == ()


def test_threshold_crossings_by_school_and_never_another_las(app, schools, backend, monkeypatch):
    _screens(app, schools)
    demo = schools["schools"]["Demo School"]
    table = _tables(app, "officer@demo.la", school=str(demo), **_range("2026-03-02", "2026-03-22"))["crossings"]
    assert table.columns == ("Week beginning", "School", "Pupils crossing the threshold")
    assert table.rows == ((dt.date(2026, 3, 2), "Demo School", 2), (dt.date(2026, 3, 9), "Demo School", 0),
                          (dt.date(2026, 3, 16), "Demo School", 1))
    assert dict(table.series) == {"Demo School": (2, 0, 1)}
    far = _tables(app, "officer@far.test", **_range("2026-03-02", "2026-03-22"))["crossings"]
    assert far.rows == ((dt.date(2026, 3, 2), 7), (dt.date(2026, 3, 9), 0))
    # Many schools crossing: one series of totals, not a legend of every school.
    monkeypatch.setattr(dashboard, "MAX_SCHOOL_SERIES", 1)
    totals = _tables(app, "officer@demo.la", **_range("2026-03-02", "2026-03-22"))["crossings"]
    assert dict(totals.series) == {"All schools": (3, 0, 1)}


def test_the_crossings_section_on_the_page_and_as_csv(app, client, schools):
    login(client, "officer@demo.la", PASSWORD)
    html = client.get("/la/dashboard", query_string=_range("2026-03-02", "2026-03-15")).get_data(as_text=True)
    assert "Threshold crossings per week" in html and "No screen has been run yet" in html
    charts = html.count('role="img"')  # the other sections' (without referrals: fewer)
    assert 'href="/la/screening"' in html and "crossings-table" not in html
    _screens(app, schools)
    html = client.get("/la/dashboard", query_string=_range("2026-03-02", "2026-03-15")).get_data(as_text=True)
    assert html.count('role="img"') == charts + 1 and "crossings-table" in html and "No screen has been run yet" not in html
    assert 'aria-labelledby="chart-crossings-title chart-crossings-desc"' in html
    assert "From the local authority&#39;s last screen, of the marks up to 13 March 2026." in html
    assert FAR_SCHOOL not in html
    got = client.get("/la/dashboard/crossings.csv", query_string=_range("2026-03-02", "2026-03-15"))
    assert got.status_code == 200 and "dashboard-crossings-2026-03-02-to-2026-03-15.csv" in \
        got.headers["Content-Disposition"]
    assert list(csv.reader(io.StringIO(got.get_data(as_text=True)))) == [
        ["Week beginning", "Pupils crossing the threshold"], ["2026-03-02", "3"], ["2026-03-09", "0"]]
    other = schools["schools"]["Other School"]
    got = client.get("/la/dashboard/crossings.csv",
                     query_string={"school": other, **_range("2026-03-02", "2026-03-15")})
    assert list(csv.reader(io.StringIO(got.get_data(as_text=True))))[1:] == [["2026-03-02", "Other School", "1"],
                                                                             ["2026-03-09", "Other School", "0"]]
