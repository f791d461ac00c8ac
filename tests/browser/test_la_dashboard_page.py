"""The LA's dashboard in the browser (issue 25): the officer goes from the inbox to the dashboard, reads each chart
(one image named for what it shows) and its table beside it, filters by school and dates, meets an invalid date
(the error summary leading to the field), and downloads a table as CSV. Every page checked as it is shown
(axe-core with the charts on the page, and structure), with screenshots at desktop and mobile widths."""
from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect
from sqlalchemy import select

from forms_service.models import School, ScreenJob, User, db

from .answers import Pointer, h1
from conftest import PASSWORD
from support import records

CHARTS = ("Referrals received per week", "Time from signing to decision", "Returns by reason",
          "Notices issued, paid, not paid and withdrawn", "Threshold crossings per week")


def _world(app) -> None:
    """Two requests signed today: one the LA accepted and issued a penalty notice on, one it returned; and the LA's
    last screen, finished today, with this week's and last week's threshold crossings at Demo School."""
    with app.app_context():
        officer = db.session.scalar(select(User).filter_by(email="officer@demo.la"))
        school = db.session.scalar(select(School).filter_by(name="Demo School"))
        week, now = dt.date.today() - dt.timedelta(days=dt.date.today().weekday()), dt.datetime.now(dt.timezone.utc)
        db.session.add(ScreenJob(la_id=officer.la_id, created_by_id=officer.id, status="done", code_set="2024",
                                 summary={"on": dt.date.today().isoformat()}, finished_at=now,
                                 expires_at=now + dt.timedelta(days=30),
                                 crossings=[[(week - dt.timedelta(weeks=1)).isoformat(), school.id, 2],
                                            [week.isoformat(), school.id, 1]]))
        db.session.commit()
    client = app.test_client()
    office = records.office(client)
    accepted = records.create_referral(client, office, records.AMELIA, replace_one=False)
    records.sign(client, accepted, office)
    records.decide(client, accepted, "accept")
    records.issue_penalty_notice(client, accepted)
    returned = records.create_referral(client, office, records.TOBIAS, replace_one=False)
    records.sign(client, returned, office)
    records.decide(client, returned, "return")


def test_the_dashboard_its_charts_filters_and_csv(browse, service):
    page = browse.page
    going = Pointer(browse)
    _world(service.app)

    browse.sign_in("officer@demo.la", PASSWORD)
    browse.goto("/la/referrals")
    going.follow("the dashboard", screenshot="la-dashboard")
    expect(h1(page)).to_have_text("Dashboard")
    for title in CHARTS:
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.get_by_role("img", name=f"Chart: {title}")).to_be_visible()
        expect(page.get_by_role("table", name=f"{title}: the figures")).to_be_visible()
    expect(page.get_by_role("table", name="Returns by reason: the figures")).to_contain_text("Written reasons only")
    expect(page.locator("#crossings")).to_contain_text("From the local authority's last screen")
    expect(page.get_by_role("link", name="Screen the local authority's schools")).to_have_attribute(
        "href", "/la/screening")
    for name in (records.AMELIA.first, records.AMELIA.last, records.TOBIAS.last):
        expect(page.locator("main")).not_to_contain_text(name)

    page.get_by_label("School", exact=True).select_option(label="Demo School")
    page.locator("#to-day").fill("31")
    page.locator("#to-month").fill("2")
    page.locator("#to-year").fill("2026")
    going.press_button("Apply filters", status=400)
    expect(page.get_by_role("link", name="The end date must be a real date")).to_be_visible()

    going.follow("Clear filters")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download the table as CSV\W+Notices")).click()
    body = open(download.value.path(), encoding="utf-8").read()
    assert body.splitlines()[0] == ("Month,Penalty notices issued,Paid,Not paid,Withdrawn,Notices to Improve issued")
    assert len(body.splitlines()) == 2
    browse.sign_out()
