"""The calendar feed's page (issue 22, "Reminders"; web/calendar_feed.py), reached from the account bar as an
office user reaches it: no address yet, an address made (shown once, in a read-only field), and the feed
stopped; each page checked like every other (axe-core, title, headings, landmarks) and screenshotted."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .answers import Pointer, h1
from conftest import PASSWORD


def test_the_calendar_feed_page(browse):
    page = browse.page
    answering = Pointer(browse)
    browse.sign_in("office@demo.school", PASSWORD)
    answering.follow("Calendar feed", screenshot="calendar-feed")
    expect(h1(page)).to_have_text("Calendar feed")
    expect(page.get_by_text("You have no calendar address")).to_be_visible()
    answering.press_button("Make a calendar address", screenshot="calendar-feed-made")
    field = page.get_by_label("Copy this address into your calendar")
    expect(field).to_have_value(re.compile(r"^https?://.+/calendar/[A-Za-z0-9_-]{43}\.ics$"))
    expect(field).to_have_attribute("readonly", "readonly")
    answering.press_button("Stop the calendar feed", screenshot="calendar-feed-stopped")
    expect(page.get_by_text("Your calendar feed is stopped")).to_be_visible()
    browse.assert_clean()
