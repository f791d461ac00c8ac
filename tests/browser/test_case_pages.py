"""The child's case and the due list in the browser (issue 22): the office goes from a record to the child's case
(the stage, what is due, the weekly attendance chart and its figures, the timeline), then to the due list, changes
its choices, and meets a value not offered; the LA officer goes from the LA's due list to the case of a child
whose request it accepted. Every page checked as it is shown (axe-core and structure), with screenshots at desktop
and mobile widths (the pages fit a phone's width)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .answers import Pointer, h1
from conftest import PASSWORD
from support import records

CASE_LINK = "See the child's case: their records, where they stand, what is due and their attendance"


def _world(app) -> tuple[int, dict]:
    """A signed leave request (with its register) the LA accepted and issued a penalty notice on, and a letter
    to the same child, made through the API as the school and the LA make them."""
    client = app.test_client()
    office = records.office(client)
    referral = records.create_referral(client, office, records.AMELIA, replace_one=False)
    records.create_letter(client, office, records.AMELIA)
    records.sign(client, referral, office)
    records.decide(client, referral, "accept")
    return referral, records.issue_penalty_notice(client, referral)


def test_the_case_and_the_due_list(browse, service):
    page = browse.page
    going = Pointer(browse)
    referral, notice = _world(service.app)
    # The notice's PDF as issued, one click away on the timeline ("PNL-2026-000001/EPN1": the file names the notice).
    notice_pdf = re.compile(rf"^penalty-notice-{re.escape(notice['reference'].replace('/', '-'))}\.pdf$")

    browse.sign_in("office@demo.school", PASSWORD)
    browse.goto(f"/referrals/{referral}")
    going.follow(CASE_LINK, screenshot="case-page")
    expect(h1(page)).to_have_text(records.AMELIA.name)
    for heading in ("Where the child stands", "Overdue", "Due next", "Attendance week by week", "Timeline"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # The chart is one image that says what it shows; its figures are in a table behind a details element.
    expect(page.get_by_role("img", name=re.compile(r"^Attendance week by week, \d+ school weeks"))).to_be_visible()
    page.get_by_text("The figures, week by week").click()
    expect(page.get_by_role("table", name="Attendance each school week")).to_be_visible()
    expect(page.get_by_role("link", name=notice_pdf)).to_be_visible()

    going.follow("Due and overdue", screenshot="due-list")
    expect(h1(page)).to_have_text("Due and overdue")
    page.get_by_label("28 days", exact=True).check()
    page.get_by_label("Sort by", exact=True).select_option("child")
    going.press_button("Show the list")
    assert "days=28" in page.url and "sort=child" in page.url
    expect(page.get_by_role("heading", name="Due in the next 28 days", exact=True)).to_be_visible()
    browse.goto("/due?days=9&sort=bogus", status=400)
    expect(page.get_by_role("link", name="Choose 7, 14 or 28 days")).to_be_visible()
    browse.sign_out()

    browse.sign_in("officer@demo.la", PASSWORD)
    going.follow("Due and overdue")
    browse.goto("/due?days=28", screenshot="due-list-la")  # the notice's days to pay: 21 and 28 days
    going.follow(re.compile(r"^AH\s*: the child.s case"), screenshot="case-page-la")
    expect(h1(page)).to_have_text("Pupil AH")
    expect(page.get_by_text(records.AMELIA.first)).to_have_count(0)
    expect(page.get_by_role("link", name=notice_pdf)).to_be_visible()
    browse.assert_clean()
