"""The headteacher sends a request back to the office (issue 17, point 1), in Chromium: the reason is
asked for (a refusal first), the office's list shows "Sent back by the headteacher", the request and
check pages carry a banner with the reason, and the office user who submitted it is emailed. Every page
checked as it is shown (axe-core and structure), at desktop and phone widths where screenshotted."""
from __future__ import annotations

from playwright.sync_api import expect

from .answers import Pointer, box, h1, submitted_leave_request
from conftest import PASSWORD

REASON = "Add the father's address: he has parental responsibility."


def test_head_sends_back_and_the_office_sees_why(browse, service):
    page = browse.page
    answering = Pointer(browse)
    referral = submitted_leave_request(service.app)
    reference = referral["reference"]

    browse.sign_in("head@demo.school", PASSWORD)
    answering.follow(f"Review and sign {reference}")
    page.get_by_text("Send it back to the office instead").click()
    answering.press_button("Send back to the office", status=422)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what needs changing")
    summary.get_by_role("link").first.click()  # the form stays open, and the link leads to the answer
    expect(box(page, "What needs changing?")).to_be_focused()
    box(page, "What needs changing?").fill(REASON)
    answering.press_button("Send back to the office")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("sent back to the office")
    browse.sign_out()

    browse.sign_in("office@demo.school", PASSWORD)
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Sent back by the headteacher")
    answering.follow(reference, screenshot="sent-back-referral")
    banner = page.get_by_role("region", name="Sent back by the headteacher")
    expect(banner).to_contain_text(REASON)
    expect(banner).to_contain_text("Harriet Head sent this request back on")
    def sent_back():
        return [m for m in service.mail.messages() if "Sent back by the headteacher" in m["Subject"]]

    browse.wait_for(lambda: sent_back(), "the office's email")
    [message] = sent_back()
    assert message["To"] == "office@demo.school"
    body = message.get_body(("plain",)).get_content()
    assert REASON in body and "Oliver" not in body
    browse.assert_clean()
