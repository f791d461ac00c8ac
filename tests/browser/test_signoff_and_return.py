"""After the office submits: the headteacher previews and signs, the pack is emailed to the LA (a
real SMTP server on loopback), the LA officer ticks the checklist and returns it with reasons, the
school sees the return, corrects and resubmits, and the headteacher signs version 2. In Chromium,
every page checked as it is shown (axe-core and structure)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from forms_service.formdefs import get_form

from .answers import (DECLARATION, LEAVE_EVIDENCE, LEAVE_FORM, LEAVE_TITLE, Pointer, box, group, h1,
                      submitted_leave_request, success)
from conftest import LA_INBOX, PASSWORD
from support.helpers import make_pdf

FORM = get_form(LEAVE_FORM)
HEAD = "Harriet Head"  # the signed-in account: the signature is its name (issue 17)
REASONS = ("The warning letter enclosed is not signed by the head teacher.\n"
           "Enclose the signed copy and send the request again.")


def mail_to(service, address: str) -> list:
    return [m for m in service.mail.messages() if m["To"] == address]


def sign(browse, answering, reference: str, *, version: int) -> None:
    """The headteacher signs from the review page: a refusal first when nothing is given, then (version
    1) a refusal of someone else's name (issue 17: the signature is the account), then the declaration
    ticked and her own name typed."""
    page = browse.page
    answering.press_button("Sign and send to the local authority", status=422)
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_count(2)
    summary.get_by_role("link", name=re.compile("declaration", re.I)).click()
    expect(box(page, DECLARATION)).to_be_focused()
    box(page, DECLARATION).check()
    if version == 1:
        box(page, "Your full name").fill("Mickey Mouse")
        answering.press_button("Sign and send to the local authority", status=422, screenshot="sign-refused-name")
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Type your own name as it is on your account (Harriet Head)")
        summary.get_by_role("link").first.click()
        expect(box(page, "Your full name")).to_be_focused()
        box(page, DECLARATION).check()
    box(page, "Your full name").fill(HEAD)
    answering.press_button("Sign and send to the local authority",
                           screenshot="signed-confirmation" if version == 1 else None)
    expect(h1(page)).to_have_text("Request signed")
    expect(page.locator("#reference")).to_have_text(reference)
    expect(page.get_by_role("table", name=f"Signed pack, version {version}")).to_be_visible()


def test_head_signs_la_returns_school_corrects_head_signs_again(browse, service):
    page = browse.page
    answering = Pointer(browse)
    referral = submitted_leave_request(service.app)
    reference = referral["reference"]

    # --- the headteacher: what awaits sign-off, the review, the preview (HTML and PDF), signing.
    browse.sign_in("head@demo.school", PASSWORD)
    expect(h1(page)).to_have_text("Awaiting your sign-off")
    browse.screenshot("sign-off-list")
    answering.follow(f"Review and sign {reference}", screenshot="sign-off-review")
    expect(h1(page)).to_have_text(LEAVE_TITLE)
    expect(page.locator("#declaration-text")).to_have_text(FORM.declaration)
    for label in LEAVE_EVIDENCE.values():
        expect(page.get_by_role("link", name=re.compile(re.escape(label)))).to_be_visible()

    with browse.context.expect_page() as opened:
        page.get_by_role("link", name="Preview the request (HTML, opens in a new tab)").click()
    with browse.switched_to(opened.value) as preview:
        preview.wait_for_load_state()
        browse.check_document(screenshot="sign-off-preview")
        expect(preview.get_by_text("Oliver Bennett").first).to_be_visible()
        expect(preview.get_by_text("Sarah Bennett").first).to_be_visible()
        preview.close()
    pdf = page.request.get(page.get_by_role("link", name="Preview the request (PDF)").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    sign(browse, answering, reference, version=1)
    browse.wait_for(lambda: len(mail_to(service, LA_INBOX)) == 1, "the pack to reach the LA's mail server")
    answering.follow("referral's page")
    expect(page.locator("#delivery-state")).to_have_text("Sent")
    browse.sign_out()

    # --- the LA officer: the inbox (a filter refused first), the referral, its checklist, the return.
    browse.sign_in("officer@demo.la", PASSWORD)
    expect(h1(page)).to_have_text("Referrals received")
    browse.screenshot("la-inbox")
    start = group(page, "From")
    box(start, "Day").fill("31")
    box(start, "Month").fill("2")
    box(start, "Year").fill("2026")
    answering.press_button("Apply filters", status=400)
    page.locator(".govuk-error-summary").get_by_role("link").first.click()
    expect(box(start, "Day")).to_be_focused()
    answering.follow("Clear filters")

    answering.follow(reference, screenshot="la-referral")
    expect(h1(page)).to_have_text(f"Referral {reference}")
    checklist = [c["label"] for c in FORM.checklist]
    unsigned = "Copy of warning letter issued by head teacher (attached)"
    for label in checklist:
        if label != unsigned:
            box(group(page, "Tick when checked"), label).check()
    answering.press_button("Save checks")
    expect(success(page)).to_contain_text("Your checks have been saved")
    expect(box(group(page, "Tick when checked"), checklist[0])).to_be_checked()
    expect(box(group(page, "Tick when checked"), unsigned)).not_to_be_checked()

    box(group(page, "Do you accept this request?"), "Return it to the school").check()
    answering.press_button("Record the decision", status=422)
    reasons = box(page, "Why are you returning it?")
    page.locator(".govuk-error-summary").get_by_role("link").first.click()
    expect(reasons).to_be_focused()
    reasons.fill(REASONS)
    box(group(page, "Checklist rows concerned (optional)"), unsigned).check()
    answering.press_button("Record the decision")
    expect(success(page)).to_contain_text(f"{reference} has been returned to Demo School")
    # The school (its headteacher: Demo School has no attendance contact) and the office user who submitted it.
    browse.wait_for(lambda: len(mail_to(service, "office@demo.school")) == 1, "the school to be emailed the reasons")
    [returned] = mail_to(service, "office@demo.school")
    assert "Enclose the signed copy" in returned.get_body(preferencelist=("plain",)).get_content()
    browse.sign_out()

    # --- the school: the return banner, the correction, submitted again.
    browse.sign_in("office@demo.school", PASSWORD)
    answering.follow(reference, screenshot="returned-referral")
    banner = page.get_by_role("region", name="Returned by the local authority")
    expect(banner).to_contain_text("Enclose the signed copy and send the request again.")
    expect(banner).to_contain_text(unsigned)
    answering.follow("Evidence to enclose")
    warning = LEAVE_EVIDENCE["warning_letter"]
    answering.press_button(f"Remove {warning.lower()}")
    expect(success(page)).to_contain_text("The file has been removed")
    answering.enclose(warning, "Bennett warning letter signed.pdf", make_pdf("Warning letter, signed by the head teacher"))
    answering.press_button("Continue to check your answers")
    answering.press_button("Submit for headteacher sign-off")
    expect(success(page)).to_contain_text("sent to the headteacher for sign-off")
    browse.sign_out()

    # --- the headteacher signs again: version 2, with the LA's reasons in front of them.
    browse.sign_in("head@demo.school", PASSWORD)
    answering.follow(f"Review and sign {reference}")
    expect(page.locator("#la-return")).to_contain_text("Your signature sends the corrected request as version 2")
    # What the correction changed, before she signs it (issue 17, point 5).
    changed = page.get_by_role("region", name="What changed since version 1")
    expect(changed).to_contain_text(f"{warning}: replaced with a new file")
    browse.screenshot("sign-off-what-changed")
    sign(browse, answering, reference, version=2)
    browse.wait_for(lambda: len(mail_to(service, LA_INBOX)) == 2, "version 2 to reach the LA's mail server")
    assert f"- Evidence replaced: {warning}" in mail_to(service, LA_INBOX)[-1].get_body(
        preferencelist=("plain",)).get_content()
    browse.sign_out()

    # --- and the LA sees version 2, with version 1 kept as it was.
    browse.sign_in("officer@demo.la", PASSWORD)
    answering.follow(reference)
    expect(page.get_by_text("version 2 (resubmitted after a return)")).to_be_visible()
    expect(page.get_by_role("region", name="What changed since version 1")).to_contain_text(
        f"{warning}: replaced with a new file")
    browse.screenshot("la-referral-what-changed")
    page.get_by_text("Earlier versions").click()  # folded below the decision (issue 17, point 3)
    expect(page.get_by_role("table", name="Signed pack, version 1")).to_be_visible()
    browse.assert_clean()
