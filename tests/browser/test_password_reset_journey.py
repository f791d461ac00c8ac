""""Forgot your password?" (issue 18) in Chromium: from the sign-in page to the request form (an error
first), "Check your email", the email the worker sends to the real SMTP sink, its link, a new password
(errors first), the success banner on the sign-in page and signing in with it; the used link then shows
its own page. Every page checked as it is shown (axe-core and structure), at desktop and phone widths
where screenshotted."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from .answers import Pointer, box, h1, success

NEW_PASSWORD = "my own new passphrase 2026"
LINK = re.compile(r"https?://\S+/reset-password/\S+")


def test_forgot_password_by_email_then_sign_in(browse, service):
    page = browse.page
    answering = Pointer(browse)

    browse.goto("/sign-in")
    answering.follow("Forgot your password?", screenshot="forgot-password")
    answering.press_button("Send the link", status=422, screenshot="forgot-password-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    box(page, "Email address").fill("office@demo.school")
    answering.press_button("Send the link", screenshot="reset-link-sent")
    expect(h1(page)).to_have_text("Check your email")

    browse.wait_for(lambda: service.mail.count >= 1, "the password-reset email")
    [message] = service.mail.messages()
    assert message["To"] == "office@demo.school"
    text = message.get_body(preferencelist=("plain",)).get_content()
    path = urlsplit(LINK.search(text).group(0)).path

    browse.goto(path, screenshot="choose-new-password")  # the link, then its form without the token
    assert urlsplit(page.url).path == "/reset-password"
    expect(h1(page)).to_have_text("Choose a new password")
    box(page, "New password").fill("too short")
    box(page, "Confirm new password").fill("too short")
    answering.press_button("Save password", status=422, screenshot="choose-new-password-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("between 12 and 200 characters")
    box(page, "New password").fill(NEW_PASSWORD)
    box(page, "Confirm new password").fill(NEW_PASSWORD)
    answering.press_button("Save password")
    assert urlsplit(page.url).path == "/sign-in"
    expect(success(page)).to_contain_text("Your password has been changed. Sign in with your new password.")

    browse.sign_in("office@demo.school", NEW_PASSWORD)
    browse.sign_out()
    browse.goto(path, status=404, screenshot="reset-link-expired")  # once only
    expect(h1(page)).to_have_text("This link has expired or has already been used")
    answering.follow("Ask for a new link")
    expect(h1(page)).to_have_text("Reset your password")
    browse.assert_clean()
