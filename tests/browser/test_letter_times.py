"""A Stage 2 letter's meeting time typed as an office writes it (issue 18: "times accept 9:30, 15.30,
3pm, 3.30pm"): a time that is not one is refused, naming the field; "3.30pm" is kept as 15:30 and the
letter says "3:30pm". In Chromium, every page checked as it is shown (axe-core and structure)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from forms_service.formdefs import get_form

from .answers import Pointer, box, h1
from conftest import PASSWORD

FORM = get_form("stage2-letter")
SAMPLE = json.loads((Path(__file__).resolve().parents[1] / "samples" / "stage2-letter.json").read_text())
TIME = "Time of the School Attendance Meeting"


def test_the_meeting_time_is_taken_as_the_office_writes_it(browse):
    page, answering = browse.page, Pointer(browse)
    browse.sign_in("office@demo.school", PASSWORD)
    answering.follow(FORM.title)
    answering.press_button("Start now")
    for page_id in ("pupil", "parents", "attendance"):
        answering.answer_page(FORM.id, page_id, SAMPLE)
        answering.continue_()

    expect(h1(page)).to_have_text("The letter")
    answering.answer_page(FORM.id, "letter", {**SAMPLE, "meeting": {**SAMPLE["meeting"], "time": "half three"}})
    answering.continue_(422, screenshot="letter-time-refused")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(f"Enter the {TIME[0].lower()}{TIME[1:]} like 9:30am, 2pm or 14:30")
    summary.get_by_role("link").first.click()
    expect(box(page, TIME)).to_be_focused()
    box(page, TIME).fill("3.30pm")
    answering.continue_()

    letter = re.sub(r"/referrals/(\d+)/.*", r"/referrals/\1/letter", page.url)
    browse.goto(letter[letter.index("/referrals/"):])
    expect(h1(page)).to_have_text(FORM.title)
    answering.follow(f"Preview the {FORM.noun} (HTML)", document=True)
    expect(page.get_by_text(re.compile(r"has been arranged for 3:30pm on Tuesday 17 March 2026"))).to_be_visible()
    browse.navigate(page.go_back)
    browse.goto(letter[letter.index("/referrals/"):].replace("/letter", "/pages/letter"))
    expect(box(page, TIME)).to_have_value("15:30")  # kept on the 24-hour clock
    browse.assert_clean()
