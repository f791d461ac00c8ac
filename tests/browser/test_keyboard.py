"""Keyboard only: the office's leave-of-absence request from signing in to submission, and the
headteacher's sign-off, with Tab and Shift+Tab to move, typing into the box that has focus, Space
to tick, choose or open the file chooser, and Enter to press buttons and follow links (the arrow
keys only inside a group of radios, which is how a browser moves between them). Focus must be
visible on everything Tab reaches; the error summary takes focus and its links move it to the field.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from .answers import (DECLARATION, LEAVE_EVIDENCE, LEAVE_FORM, LEAVE_TITLE, REFERENCE, Keyboard, box, group, h1,
                      leave_evidence_files, success)
from conftest import PASSWORD
from support import totp
from support.helpers import json_data, register_csv_for


def sign_in(browse, keys: Keyboard, email: str) -> None:
    browse.titles.clear()
    browse.goto("/sign-in")
    keys.type(box(browse.page, "Email address"), email)
    keys.type(box(browse.page, "Password"), PASSWORD)
    keys.press_button("Sign in")
    if urlsplit(browse.page.url).path == "/sign-in/code":  # the second factor, by keyboard too
        keys.type(box(browse.page, "Code"), totp.code_for(browse.app, email))
        keys.press_button("Continue")


def test_request_and_sign_off_by_keyboard_alone(browse):
    page = browse.page
    keys = Keyboard(browse)
    data = json_data()

    sign_in(browse, keys, "office@demo.school")
    expect(h1(page)).to_have_text("Referrals")
    keys.follow(LEAVE_TITLE)
    keys.press_button("Start now")
    expect(h1(page)).to_have_text("About the child")

    # A date that does not exist: the error summary takes focus, and its link takes focus to the
    # day box, where the answer is corrected.
    wrong = {**data, "pupil": {**data["pupil"], "date_of_birth": None}}
    keys.answer_page(LEAVE_FORM, "pupil", wrong)
    dob = group(page, "Date of birth")
    keys.type(box(dob, "Day"), "31")
    keys.type(box(dob, "Month"), "2")
    keys.type(box(dob, "Year"), "2013")
    keys.continue_(422, screenshot="keyboard-errors")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert browse.focus_state()["visible"]
    keys.follow_in_page("Date of birth must be a real date")
    expect(box(dob, "Day")).to_be_focused()
    keys.retype(box(dob, "Day"), "14")
    keys.retype(box(dob, "Month"), "1")
    keys.continue_()

    expect(h1(page)).to_have_text("Parents or carers to be named on the Notice")
    keys.answer_page(LEAVE_FORM, "parents", data)
    keys.continue_()
    expect(h1(page)).to_have_text("The leave taken in term time")
    keys.answer_page(LEAVE_FORM, "leave", data)
    keys.continue_()
    keys.continue_()  # no previous penalty notices
    expect(h1(page)).to_have_text("School policies")
    keys.answer_page(LEAVE_FORM, "policies", data)
    keys.continue_()

    expect(h1(page)).to_have_text("Register marks (optional)")
    keys.upload("Upload the pupil's register marks", "bennett-marks.csv", "text/csv",
                register_csv_for(data).encode())
    keys.press_button("Upload register")
    expect(success(page)).to_contain_text("register marks uploaded")
    for kind, (filename, content) in leave_evidence_files().items():
        keys.enclose(LEAVE_EVIDENCE[kind], filename, content)
    keys.press_button("Continue to check your answers")
    expect(h1(page)).to_have_text("Check your answers")
    keys.press_button("Submit for headteacher sign-off")
    expect(success(page)).to_contain_text("sent to the headteacher for sign-off")
    reference = REFERENCE.search(h1(page).inner_text()).group(0)
    keys.press_button("Sign out")

    sign_in(browse, keys, "head@demo.school")
    expect(h1(page)).to_have_text("Awaiting your sign-off")
    keys.follow(f"Review and sign {reference}")
    expect(h1(page)).to_have_text(LEAVE_TITLE)
    keys.tick(DECLARATION)
    keys.type(box(page, "Your full name"), "Harriet Head")
    keys.press_button("Sign and send to the local authority")
    expect(h1(page)).to_have_text("Request signed")
    expect(page.locator("#reference")).to_have_text(reference)
    browse.assert_clean()
