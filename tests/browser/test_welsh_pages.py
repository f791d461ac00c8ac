"""A Cardiff school and its Education Welfare Officer in the browser (issue 19): the demo LA under the
`cardiff` profile (Wales). The school is offered the Welsh forms and not England's; it answers Cardiff's
third-day letter page by page from its realistic sample (a parent choosing Welsh for their letters), with
an error state first; the EWO issues the Initial Warning on an accepted request and records the year-end
review of a referral still open (002). Every page checked as it is shown (axe-core and structure, at desktop
and mobile widths)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from forms_service.models import Decision, LocalAuthority, db

from .answers import Pointer, box, group, h1, success
from .test_la_notices_journey import fill_date
from conftest import PASSWORD
from test_la_notices import accepted_panel

FORM = "sao-concern-letter"
SAMPLE = json.loads((Path(__file__).resolve().parents[1] / "samples" / f"{FORM}.json").read_text(encoding="utf-8"))


def _cardiff(service) -> None:
    with service.app.app_context():
        for la in db.session.scalars(select(LocalAuthority)):
            la.policy_profile = "cardiff"
        db.session.commit()


def test_a_cardiff_school_answers_the_third_day_letter(browse, service):
    page = browse.page
    answering = Pointer(browse)
    _cardiff(service)
    browse.sign_in("office@demo.school", PASSWORD)
    browse.goto("/referrals/", screenshot="welsh-referrals")
    expect(page.get_by_role("link", name="Referral to the Education Welfare Service")).to_be_visible()
    expect(page.get_by_role("link", name="Stage 3 school attendance enforcement referral")).to_have_count(0)

    answering.follow("Letter to parents on the third day of absence, or a letter of concern")
    answering.press_button("Start now")
    expect(h1(page)).to_have_text("About the child")
    answering.answer_page(FORM, "pupil", SAMPLE)
    box(group(page, "Date of birth"), "Month").fill("13")  # a date that does not exist
    answering.continue_(422, screenshot="welsh-letter-errors")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    answering.answer_page(FORM, "pupil", SAMPLE)
    answering.continue_()
    expect(h1(page)).to_have_text("Parents or carers to receive the letter")
    answering.answer_page(FORM, "parents", SAMPLE)  # the first parent's letters in Welsh
    first = group(page, "Parent or carer 1")
    expect(box(group(first, "Language for letters"), "Welsh (Cymraeg)")).to_be_checked()
    answering.continue_(screenshot="welsh-letter-parents-saved")
    expect(h1(page)).to_have_text("The absence")
    browse.assert_clean()


def test_the_ewo_issues_the_initial_warning_and_records_the_year_end_review(browse, service):
    page = browse.page
    answering = Pointer(browse)
    _cardiff(service)
    client = service.app.test_client()
    rid, data = accepted_panel(client)
    mother = data["parents"][0]["name"]
    with service.app.app_context():  # accepted last school year: still open, so due for its review
        decision = db.session.scalar(select(Decision).where(Decision.referral_id == rid, Decision.decision == "accept"))
        decision.decided_at -= dt.timedelta(days=380)
        db.session.commit()
        reference = decision.referral.reference
    today = dt.date.today()

    browse.sign_in("officer@demo.la", PASSWORD)
    answering.follow(reference, screenshot="welsh-la-referral")
    expect(page.locator("#year-end-review-due")).to_contain_text("Year-end review due")
    expect(page.locator("#record-nti")).to_have_count(0)
    form = page.locator("#issue-notice")
    box(group(form, "Which notice"), "Initial Warning").check()
    box(group(form, "To which parent or carer"), mother).check()
    fill_date(form, "Date of issue", today)
    answering.press_button("Issue the notice or letter", screenshot="welsh-initial-warning-issued")
    expect(success(page)).to_contain_text(mother)
    expect(page.locator("#notices-table")).to_contain_text("Initial Warning")

    review = page.locator("#record-yer")
    fill_date(review, "Date of the review", today)
    answering.press_button("Record the review", status=422)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what the review decided")
    review = page.locator("#record-yer")
    fill_date(review, "Date of the review", today)
    review.get_by_label("What the review decided").fill("Attendance still low: stays open with a new plan")
    answering.press_button("Record the review")
    expect(success(page)).to_contain_text("Year-end review held has been recorded")
    expect(page.locator("#year-end-review-due")).to_have_count(0)
    browse.assert_clean()
