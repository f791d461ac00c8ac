"""The service's other pages, reached as each role reaches them (its navigation and links), with an
error state each where a form can be sent empty: every one checked like the journeys' (axe-core,
title, headings, landmarks), so that no page of the service goes unchecked for lack of a journey."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from test_screening import school_csv

from forms_service.models import OutboxMessage, Referral, db
from forms_service.referrals.notify import SWITCHES

from .answers import Pointer, box, group, h1, success
from conftest import PASSWORD
from support.helpers import signed_request


def test_school_pages_beyond_the_referral_journeys(browse):
    page = browse.page
    answering = Pointer(browse)
    browse.sign_in("head@demo.school", PASSWORD)

    answering.follow("Screen the school", screenshot="screening")
    answering.press_button("Screen the register", status=422)
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    # A whole-school register (tests/test_screening.py's pupils at and around each threshold): the
    # list of pupils who need attention, a wide table, is checked like every other page.
    answering.upload("Upload the school's register export", "school.csv", "text/csv", school_csv())
    answering.press_button("Screen the register", screenshot="screening-results")
    expect(h1(page)).to_have_text("Screening results")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(5)  # the header and 4 pupils

    answering.follow("Letters to many families")
    answering.follow("Stage 2 Letter (Getting Help)")
    answering.press_button("Continue", status=422, screenshot="bulk-letters-errors")

    # A letter to parents: started, left, then its check-and-download page lists what is missing.
    answering.follow("Referrals")
    answering.follow("Penalty Notice Warning Letter (Final Warning)")
    answering.press_button("Start now")
    answering.press_button("Save and come back later")
    answering.follow(re.compile("^Check and download the"))
    expect(page.get_by_text("Some answers are still needed")).to_be_visible()

    browse.goto("/referrals/999999", status=404)
    expect(h1(page)).to_be_visible()
    browse.assert_clean()


# A 4 by 2 pixel PNG: enough for Pillow to check, as an administrator's crest would be.
LOGO_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000004000000020802000000f0caea340000001249444154"
                         "789c63942dd8c100034c0c4800001e2b0149982692310000000049454e44ae426082")


def test_administration_pages(browse):
    page = browse.page
    answering = Pointer(browse)
    browse.sign_in("admin@demo.la", PASSWORD)
    answering.follow("Administration", screenshot="administration")
    navigation = page.get_by_role("navigation", name="Menu")
    answering.follow("Change the legal-interventions inbox")
    answering.follow(navigation.get_by_role("link", name="Administration"))
    answering.follow("Schools")
    # Which "it is your turn" emails the school sends (issue 17, point 4): all ticked until switched off.
    answering.follow("Change Demo School", screenshot="change-school")
    emails = group(page, "Emails when it is someone's turn")
    head_email = box(emails, SWITCHES["email_head_awaiting_signoff"])
    expect(head_email).to_be_checked()
    head_email.uncheck()
    answering.press_button("Save school")
    expect(success(page)).to_contain_text("Demo School is saved.")
    answering.follow("Change Demo School")
    expect(box(group(page, "Emails when it is someone's turn"), SWITCHES["email_head_awaiting_signoff"])).not_to_be_checked()
    expect(box(group(page, "Emails when it is someone's turn"), SWITCHES["email_office_sent_back"])).to_be_checked()
    # The letterhead (issue 18): Demo School's example details, a telephone refused in words, a logo added.
    expect(page.get_by_label("Telephone (optional)")).to_have_value("01632 960123")
    page.get_by_label("Telephone (optional)").fill("call the office")
    answering.press_button("Save school", status=422, screenshot="change-school-letterhead-error")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a telephone number")
    page.get_by_label("Telephone (optional)").fill("01632 960 555")
    page.get_by_label("Logo (optional)").set_input_files(files=[{"name": "crest.png", "mimeType": "image/png",
                                                                  "buffer": LOGO_PNG}])
    answering.press_button("Save school")
    expect(success(page)).to_contain_text("Demo School is saved.")
    answering.follow("Change Demo School", screenshot="change-school-with-logo")
    expect(page.locator("#current-logo")).to_contain_text("The school has a logo (PNG)")
    answering.follow("Add a user")
    answering.press_button("Add user", status=422, screenshot="add-user-errors")
    answering.follow(navigation.get_by_role("link", name="Administration"))
    answering.follow("Users")
    answering.follow(page.get_by_role("link", name="Olivia Office"))  # with the account's history
    answering.follow("Change your password")
    answering.press_button("Save password", status=422, screenshot="change-password-errors")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    answering.follow("Subject access")
    answering.press_button("Download the pupil's records", status=422)
    browse.assert_clean()


def test_la_officer_sends_a_pack_the_mail_server_refused_again(browse, service):
    """The LA's page when delivery has failed for good (the mail server refused the pack: 550), with
    its "Send the pack again" button, checked like every other page; pressing it sends the pack."""
    handler = service.mail.controller.sink
    handler.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    rid = signed_request(service.app.test_client())[0]

    def state() -> str | None:
        with service.app.app_context():
            row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.referral_id == rid,
                                                                    OutboxMessage.kind == "la_pack"))
            return row.status if row else None

    browse.wait_for(lambda: state() == "failed", "the LA's mail server to refuse the pack")
    handler.rcpt_reply = None  # the mailbox is fixed: the next send goes through
    with service.app.app_context():
        reference = db.session.get(Referral, rid).reference

    page, answering = browse.page, Pointer(browse)
    browse.sign_in("officer@demo.la", PASSWORD)
    answering.follow(reference, screenshot="la-referral-delivery-failed")
    expect(page.locator("#delivery-state")).to_have_text("Failed")
    expect(page.get_by_text("550 5.1.1 Mailbox unavailable")).to_be_visible()
    answering.press_button("Send the pack again")
    expect(success(page)).to_contain_text("will be sent to")
    browse.wait_for(lambda: service.mail.count == 1, "the pack to reach the LA's mail server")
    page.reload()
    expect(page.locator("#delivery-state")).to_have_text("Sent")
    expect(page.get_by_role("button", name="Send the pack again")).to_have_count(0)
