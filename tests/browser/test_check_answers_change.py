"""Check your answers in Chromium (issue 18): from check your answers, Change the child's date of
birth; the page opens at the day box (`location.hash`), and once saved it comes back to check your
answers with the new date. Then Save and come back later with one answer wrong: the others are
saved, and the page says which was not. Every page checked as shown (axe-core and structure), at
desktop and phone widths where screenshotted."""
from __future__ import annotations

import datetime as dt
import io

from playwright.sync_api import expect

from forms_service.formatting import format_date
from forms_service.models import Referral, db

from .answers import LEAVE_FORM, Pointer, box, group, h1, leave_evidence_files
from conftest import PASSWORD
from support.helpers import api_token, bearer, data_dates, json_data, register_json_for


def draft_leave_request(app) -> int:
    """A complete leave-of-absence request, with its register and evidence, not yet submitted."""
    client = app.test_client()
    office = bearer(api_token(client, "office@demo.school"))
    data = json_data()
    created = client.post("/api/v1/referrals", headers=office,
                          json={"form": LEAVE_FORM, "data": data, "register": register_json_for(data)})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    for kind, (filename, content) in leave_evidence_files().items():
        up = client.post(f"/api/v1/referrals/{rid}/evidence", headers=office,
                         data={"kind": kind, "file": (io.BytesIO(content), filename)},
                         content_type="multipart/form-data")
        assert up.status_code == 201, up.get_json()
    return rid


def test_change_the_date_of_birth_from_check_your_answers(browse, service):
    page = browse.page
    answering = Pointer(browse)
    rid = draft_leave_request(service.app)
    browse.sign_in("office@demo.school", PASSWORD)
    browse.goto(f"/referrals/{rid}/check", screenshot="check-answers")
    expect(h1(page)).to_have_text("Check your answers")

    browse.navigate(lambda: page.get_by_role("link", name="Change date of birth", exact=True).click(),
                    screenshot="change-date-of-birth")
    assert "return=check" in page.url
    assert page.evaluate("() => location.hash") == "#pupil__date_of_birth-day"
    assert page.evaluate("() => document.getElementById(location.hash.slice(1)) !== null")
    day = box(group(page, "Date of birth"), "Day")
    expect(day).to_have_attribute("id", "pupil__date_of_birth-day")
    expect(day).to_be_in_viewport()

    new_birthday = data_dates()["pupil.date_of_birth"] + dt.timedelta(days=2)
    dob = group(page, "Date of birth")
    box(dob, "Day").fill(str(new_birthday.day))
    box(dob, "Month").fill(str(new_birthday.month))
    box(dob, "Year").fill(str(new_birthday.year))
    answering.press_button("Save and continue")
    # Back at the page's answers, where the Change link was (issue 18).
    assert page.url.endswith(f"/referrals/{rid}/check#answers-pupil")
    expect(page.locator("#answers-pupil")).to_be_in_viewport()
    row = page.locator(".govuk-summary-list__row").filter(has=page.get_by_text("Date of birth", exact=True)).first
    expect(row).to_contain_text(format_date(new_birthday))


def test_save_and_come_back_later_keeps_the_valid_answers(browse, service):
    page = browse.page
    answering = Pointer(browse)
    rid = draft_leave_request(service.app)
    browse.sign_in("office@demo.school", PASSWORD)
    browse.goto(f"/referrals/{rid}/check")
    browse.navigate(lambda: page.get_by_role("link", name="Change first name", exact=True).click())
    assert page.evaluate("() => location.hash") == "#pupil__first_name"
    box(page, "First name").fill("Olly")
    box(group(page, "Date of birth"), "Day").fill("30")
    box(group(page, "Date of birth"), "Month").fill("2")
    answering.press_button("Save and come back later", status=422, screenshot="save-later-partly")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("These answers were not saved")
    expect(summary).to_contain_text("Date of birth must be a real date")
    expect(box(page, "First name")).to_have_value("Olly")
    expect(box(group(page, "Date of birth"), "Day")).to_have_value("30")
    # The summary's link leads to the day box.
    summary.get_by_role("link", name="Date of birth must be a real date").click()
    expect(box(group(page, "Date of birth"), "Day")).to_be_focused()
    with service.app.app_context():
        pupil = db.session.get(Referral, rid).data["pupil"]
    assert pupil["first_name"] == "Olly"
    assert pupil["date_of_birth"] == data_dates()["pupil.date_of_birth"].isoformat()
