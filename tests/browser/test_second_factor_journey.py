"""The second factor (issue 23) in Chromium: a headteacher with no authenticator app signs in and is asked to set
one up (the QR code shown, the key as text; a wrong code first), sees their ten recovery codes once, signs out,
signs in with their password and a code from the app, then with a recovery code, which then no longer works.
Every page checked as it is shown (axe-core and structure), at desktop and phone widths where screenshotted."""
from __future__ import annotations

from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import expect

from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school
from forms_service.models import db

from .answers import box, h1
from conftest import LA_INBOX, PASSWORD
from support import totp

HEAD = "new.head@demo.school"


def _sign_in_to_code_page(browse, page) -> None:
    browse.goto("/sign-in")
    box(page, "Email address").fill(HEAD)
    box(page, "Password").fill(PASSWORD)
    browse.navigate(page.get_by_role("button", name="Sign in").click)


def test_a_head_sets_up_an_app_then_signs_in_with_a_code_and_with_a_recovery_code(browse, service):
    with service.app.app_context():
        school = get_or_create_school("Demo School", get_or_create_la("Demo Local Authority", LA_INBOX))
        create_user(HEAD, PASSWORD, "headteacher", "Nadia Head", school=school)
        db.session.commit()
    page = browse.page

    _sign_in_to_code_page(browse, page)
    assert urlsplit(page.url).path == "/sign-in/set-up"
    browse.check(screenshot="second-factor-set-up")
    expect(h1(page)).to_have_text("Set up your authenticator app")
    expect(page.locator("#qr-code svg[role=img]")).to_be_visible()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    assert len(secret) == 32

    box(page, "Code from your app").fill("12345")
    browse.navigate(page.get_by_role("button", name="Continue").click, status=422,
                    screenshot="second-factor-set-up-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the code your app shows now")
    expect(page.locator(".govuk-error-summary a")).to_have_attribute("href", "#code")
    box(page, "Code from your app").fill(pyotp.TOTP(secret).at(totp.clock()))
    browse.navigate(page.get_by_role("button", name="Continue").click, screenshot="recovery-codes")
    expect(h1(page)).to_have_text("Your recovery codes")
    codes = [c.strip() for c in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    browse.navigate(page.get_by_role("button", name="Continue").click)
    assert urlsplit(page.url).path == "/sign-off"  # a head's home
    browse.sign_out()

    # The password, then a code from the app.
    _sign_in_to_code_page(browse, page)
    assert urlsplit(page.url).path == "/sign-in/code"
    browse.check(screenshot="second-factor-code")
    box(page, "Code").fill(totp.code_for(service.app, HEAD))
    browse.navigate(page.get_by_role("button", name="Continue").click)
    assert urlsplit(page.url).path == "/sign-off"  # a head's home
    browse.goto("/account/second-factor", screenshot="second-factor-account")
    expect(page.locator("#second-factor-status")).to_contain_text("10 recovery codes left")
    browse.sign_out()

    # The password, then a recovery code: it works once.
    _sign_in_to_code_page(browse, page)
    box(page, "Code").fill(codes[0].upper())
    browse.navigate(page.get_by_role("button", name="Continue").click)
    assert urlsplit(page.url).path == "/sign-off"  # a head's home
    browse.sign_out()
    _sign_in_to_code_page(browse, page)
    box(page, "Code").fill(codes[0])
    browse.navigate(page.get_by_role("button", name="Continue").click, status=422,
                    screenshot="second-factor-code-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct code")
    expect(page.locator("#code-error")).to_contain_text("Enter a correct code")
