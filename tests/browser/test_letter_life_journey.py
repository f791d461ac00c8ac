"""A letter's life (issue 18), in Chromium: the office writes a Stage 2 letter, records that it was
posted to the mother (a refusal first, each error leading to its field), and the school's list shows it
as sent; then it starts a draft it does not need and deletes it after "Are you sure?". Every page checked
as it is shown (axe-core and structure), at desktop and phone widths where screenshotted."""
from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from forms_service.formatting import format_date, local_today
from forms_service.formdefs import get_form

from .answers import Pointer, box, group, h1, success
from conftest import PASSWORD

FORM = get_form("stage2-letter")
SAMPLE = json.loads((Path(__file__).resolve().parents[1] / "samples" / "stage2-letter.json").read_text())
MOTHER = SAMPLE["parents"][0]["name"]


def test_a_stage2_letter_is_marked_posted_and_an_unneeded_draft_deleted(browse):
    page, answering = browse.page, Pointer(browse)
    browse.sign_in("office@demo.school", PASSWORD)
    answering.follow(FORM.title)
    answering.press_button("Start now")
    for page_id in ("pupil", "parents", "attendance", "letter"):
        answering.answer_page(FORM.id, page_id, SAMPLE)
        answering.continue_()
    base = re.sub(r"(/referrals/\d+)/.*", r"\1", page.url[page.url.index("/referrals/"):])
    browse.goto(f"{base}/letter")
    expect(h1(page)).to_have_text(FORM.title)
    expect(page.locator("#sent")).to_have_text("Sent")
    expect(page.get_by_text("Not sent yet")).to_be_visible()

    answering.follow("Record that the letter was sent", screenshot="letter-mark-sent")
    expect(h1(page)).to_have_text("Record that the letter was sent")
    answering.press_button("Record that it was sent", status=422, screenshot="letter-mark-sent-errors")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select how the letter was sent")
    expect(summary).to_contain_text("Enter the date the letter was sent")
    expect(summary).to_contain_text("Select who the letter was sent to")
    summary.get_by_role("link", name="Select how the letter was sent").click()
    expect(box(page, "Posted")).to_be_focused()

    answering.choose(group(page, "How was it sent?"), "Posted")
    today = local_today()
    when = group(page, "When was it sent?")
    for part, value in (("Day", today.day), ("Month", today.month), ("Year", today.year)):
        box(when, part).fill(str(value))
    box(page, MOTHER).check()
    answering.press_button("Record that it was sent")
    expect(success(page)).to_contain_text(f"posted to {MOTHER} on {format_date(today)}")
    expect(page.locator("#sendings")).to_contain_text(f"Posted to {MOTHER} on {format_date(today)} (recorded by "
                                                      "Olivia Office")
    reference = page.locator(".govuk-caption-l").first.inner_text().split(" ·")[0]

    browse.goto("/referrals/", screenshot="referrals-with-a-sent-letter")
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Sent")
    expect(row).not_to_contain_text("Not sent yet")

    # A draft started by mistake: deleted after "Are you sure?".
    answering.follow(FORM.title)
    answering.press_button("Start now")
    draft = re.sub(r"(/referrals/\d+)/.*", r"\1", page.url[page.url.index("/referrals/"):])
    browse.goto(draft)
    draft_reference = h1(page).inner_text().split()[-1]
    answering.follow(re.compile(r"^Delete this draft"), screenshot="delete-draft")
    expect(h1(page)).to_have_text("Are you sure you want to delete this draft letter?")
    answering.press_button("Continue", status=422)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select yes if you want to delete this draft letter")
    answering.choose(group(page, "Are you sure you want to delete this draft letter?"), "Yes, delete it")
    answering.press_button("Continue")
    expect(success(page)).to_contain_text(f"The draft letter {draft_reference} has been deleted.")
    expect(page.get_by_role("row").filter(has_text=draft_reference)).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text=reference)).to_have_count(1)
    browse.assert_clean()
