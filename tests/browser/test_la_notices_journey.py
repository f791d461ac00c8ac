"""The LA officer issues notices in the browser (issue 15): on an accepted panel request, a Notice to
Improve to each parent (a refusal first when nothing is chosen), then a penalty notice, recorded as
paid; the school sees the notices and downloads one. Every page checked as it is shown (axe-core and
structure)."""
from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from .answers import Pointer, box, group, h1, success
from conftest import PASSWORD
from support.helpers import api_token, bearer
from test_la_notices import accepted_panel


def fill_date(scope, legend: str, day: dt.date) -> None:
    date = group(scope, legend)
    box(date, "Day").fill(str(day.day))
    box(date, "Month").fill(str(day.month))
    box(date, "Year").fill(str(day.year))


def issue(answering, kind: str, parent: str, day: dt.date, screenshot: str | None = None) -> None:
    form = answering.browse.page.locator("#issue-notice")
    box(group(form, "Which notice"), kind).check()
    box(group(form, "To which parent or carer"), parent).check()
    fill_date(form, "Date of issue", day)
    answering.press_button("Issue the notice", screenshot=screenshot)
    expect(success(answering.browse.page)).to_contain_text(f"has been issued to {parent}")


def test_officer_issues_notices_and_the_school_sees_them(browse, service):
    page = browse.page
    answering = Pointer(browse)
    client = service.app.test_client()
    rid, data = accepted_panel(client)
    mother, father = (p["name"] for p in data["parents"])
    reference = client.get(f"/api/v1/referrals/{rid}", headers=bearer(api_token(client, "officer@demo.la"))
                           ).get_json()["reference"]
    today = dt.date.today()

    browse.sign_in("officer@demo.la", PASSWORD)
    answering.follow(reference, screenshot="la-issue-form")
    expect(h1(page)).to_have_text(f"Referral {reference}")
    # Nothing chosen: each question is named in the error summary, which takes focus.
    answering.press_button("Issue the notice", status=422)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose the notice")
    expect(summary).to_contain_text("Enter the date of issue")
    for parent in (mother, father):
        issue(answering, "Notice to Improve", parent, today, "la-notice-issued" if parent == father else None)
    table = page.locator("#notices-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("Improvement period")

    issue(answering, "Penalty notice", mother, today, "la-notices")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("£80 by")
    expect(table).to_contain_text("£160 by")

    # Paid today: within the 21 days, so at £80.
    status = page.locator("#record-notice-status")
    status.get_by_label("Notice", exact=True).select_option(index=1)
    box(group(status, "What happened"), "Paid").check()
    fill_date(status, "Date", today)
    answering.press_button("Record it")
    expect(page.locator("#notices-table")).to_contain_text("Paid (£80)")
    browse.sign_out()

    browse.sign_in("office@demo.school", PASSWORD)
    browse.goto(f"/referrals/{rid}", screenshot="school-notices")
    expect(page.locator("#notices-table tbody tr")).to_have_count(3)
    with page.expect_download() as download:
        page.locator("#notices-table").get_by_role("link", name="PDF").last.click()
    assert download.value.suggested_filename.startswith("penalty-notice-")
    browse.assert_clean()
