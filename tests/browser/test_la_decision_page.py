"""The LA officer's referral page (issue 17, point 3), in Chromium: the questions for a return are
revealed by "Return it to the school" alone (GOV.UK's look of a conditional reveal, without the
aria-expanded that axe-core refuses on a radio), by pointer and keyboard; a return without reasons
comes back with them shown, the error summary leading to the box; the answers and the history are
folded below the decision; without JavaScript every question is shown. Every page checked as it is
shown (axe-core and structure), at desktop and phone widths where screenshotted."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from forms_service.models import Referral, db

from .answers import Pointer, box, group, h1
from .pages import DESKTOP
from conftest import PASSWORD
from support import totp
from support.helpers import signed_request

ANY = re.compile(".*")


def signed_reference(service) -> str:
    rid = signed_request(service.app.test_client())[0]
    with service.app.app_context():
        return db.session.get(Referral, rid).reference


def test_return_it_reveals_the_reasons_and_the_errors_lead_to_them(browse, service):
    page = browse.page
    answering = Pointer(browse)
    reference = signed_reference(service)

    browse.sign_in("officer@demo.la", PASSWORD)
    answering.follow(reference, screenshot="la-decision-page")
    expect(h1(page)).to_have_text(f"Referral {reference}")
    decision = group(page, "Do you accept this request?")
    accept, giving_back = box(decision, "Accept it"), box(decision, "Return it to the school")
    reasons = box(page, "Why are you returning it?")
    rules = group(page, "Rules concerned (optional)")
    expect(reasons).to_be_hidden()
    expect(rules).to_be_hidden()
    # app.js says what the radio controls; nothing claims it is expanded (not allowed on a radio).
    expect(giving_back).to_have_attribute("aria-controls", "return-fields")
    expect(accept).not_to_have_attribute("aria-controls", ANY)
    for radio in (accept, giving_back):
        expect(radio).not_to_have_attribute("aria-expanded", ANY)

    giving_back.check()
    expect(reasons).to_be_visible()
    expect(rules).to_be_visible()
    expect(page.locator("#return-fields")).to_have_class(re.compile(r"\bgovuk-radios__conditional\b"))
    expect(giving_back).not_to_have_attribute("aria-expanded", ANY)
    browse.check(screenshot="la-decision-return-chosen")  # axe with the questions shown
    accept.check()
    expect(reasons).to_be_hidden()
    expect(rules).to_be_hidden()

    # By keyboard: the arrow keys move the choice, and the questions follow it.
    accept.focus()
    page.keyboard.press("ArrowDown")
    expect(giving_back).to_be_checked()
    expect(reasons).to_be_visible()
    page.keyboard.press("ArrowUp")
    expect(accept).to_be_checked()
    expect(reasons).to_be_hidden()

    # A return without reasons: back with the questions shown, and the summary leads to the box.
    giving_back.check()
    answering.press_button("Record the decision", status=422, screenshot="la-decision-no-reasons")
    expect(giving_back).to_be_checked()
    expect(reasons).to_be_visible()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Say why the request is returned").click()
    expect(reasons).to_be_focused()
    expect(reasons).to_be_in_viewport()

    # The same on a phone.
    page.set_viewport_size({"width": 375, "height": 812})
    expect(reasons).to_be_visible()
    accept.check()
    expect(reasons).to_be_hidden()
    giving_back.check()
    expect(reasons).to_be_visible()
    page.set_viewport_size(DESKTOP)
    browse.assert_clean()


def test_the_answers_and_the_history_are_folded_below_the_decision(browse, service):
    page = browse.page
    answering = Pointer(browse)
    reference = signed_reference(service)

    browse.sign_in("officer@demo.la", PASSWORD)
    answering.follow(reference)
    answers = page.locator("details#answers")
    expect(answers).not_to_have_attribute("open", ANY)
    child = answers.get_by_text("Oliver", exact=True).first
    expect(child).to_be_hidden()
    answers.get_by_text("The answers as signed in version 1").click()
    expect(child).to_be_visible()
    browse.check(screenshot="la-decision-answers-open")

    # Once returned, the decision is folded below as well.
    box(group(page, "Do you accept this request?"), "Return it to the school").check()
    box(page, "Why are you returning it?").fill("The warning letter is not signed.")
    answering.press_button("Record the decision")
    history = page.locator("details#decisions-so-far")
    expect(history).not_to_have_attribute("open", ANY)
    expect(history.get_by_text("The warning letter is not signed.")).to_be_hidden()
    history.get_by_text("Decisions so far").click()
    expect(history.get_by_text("The warning letter is not signed.")).to_be_visible()
    browse.check()
    browse.assert_clean()


def test_without_javascript_every_question_is_shown(chromium, service):
    """Progressive enhancement: GOV.UK's CSS hides a conditional only under .govuk-frontend-supported,
    which its script sets; with JavaScript off the reasons and both groups are on the page."""
    reference = signed_reference(service)
    context = chromium.new_context(base_url=service.url, java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_label("Email address", exact=True).fill("officer@demo.la")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Code", exact=True).fill(totp.code_for(service.app, "officer@demo.la"))  # the second factor
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("link", name=reference).click()
        expect(h1(page)).to_have_text(f"Referral {reference}")
        expect(page.locator("body")).not_to_have_class(re.compile("govuk-frontend-supported"))
        expect(box(page, "Why are you returning it?")).to_be_visible()
        expect(group(page, "Rules concerned (optional)")).to_be_visible()
        expect(group(page, "Checklist rows concerned (optional)")).to_be_visible()
        expect(box(group(page, "Do you accept this request?"), "Return it to the school")).not_to_have_attribute(
            "aria-controls", ANY)
    finally:
        context.close()
