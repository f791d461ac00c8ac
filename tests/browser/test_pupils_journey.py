"""Pupils entered once (issue 18), in Chromium: the office imports the pupils file its MIS exports (a
faulty one first, its row and column named), finds a child by name, starts a Stage 2 letter for her and
finds her details and both parents filled in; then starts a Final Warning for the same child from the
Pupils page. Every page checked as it is shown (axe-core and structure), at desktop and phone widths
where screenshotted."""
from __future__ import annotations

from playwright.sync_api import expect
from test_pupils import ROWS, pupils_csv

from forms_service.formdefs import get_form

from .answers import Pointer, group, h1, success
from conftest import PASSWORD

STAGE2, WARNING = get_form("stage2-letter").title, get_form("final-warning").title


def test_a_child_imported_once_starts_two_letters_with_her_family_filled_in(browse):
    page, answering = browse.page, Pointer(browse)
    browse.sign_in("office@demo.school", PASSWORD)
    answering.follow("Pupils", screenshot="pupils-empty")
    answering.follow("Import the pupils file from your MIS", screenshot="pupils-import")
    faulty = pupils_csv([ROWS[0][:3] + ["31/02/2013"] + ROWS[0][4:]])
    answering.upload("Upload the pupils file", "pupils.csv", "text/csv", faulty)
    answering.press_button("Import the pupils", status=422, screenshot="pupils-import-errors")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Pupils file, row 2, column date_of_birth")
    answering.upload("Upload the pupils file", "pupils.csv", "text/csv", pupils_csv())
    answering.press_button("Import the pupils")
    expect(success(page)).to_contain_text("3 pupils imported")

    # A Stage 2 letter for Amelia: found by part of her surname, chosen, her family filled in.
    answering.follow("Referrals")
    answering.follow(STAGE2)
    page.get_by_label("Find a pupil by name or UPN").fill("hartw")
    answering.press_button("Search", screenshot="start-with-a-pupil")
    answering.choose(group(page, "Who is it about?"), "Amelia Hartwright")
    answering.press_button("Start now")
    expect(page.get_by_label("First name")).to_have_value("Amelia")
    expect(page.get_by_label("Year group")).to_have_value("Year 8")
    answering.continue_()
    expect(page.get_by_role("group", name="Parent or carer 1")).to_be_visible()
    expect(page.locator("input[value='Claire Hartwright']")).to_have_count(1)
    expect(page.locator("input[value='Paul Hartwright']")).to_have_count(1)

    # A Final Warning for her from the Pupils page: the same family, not typed again.
    answering.follow("Pupils")
    page.get_by_label("Find a pupil by name or UPN").fill("H801200451127")
    answering.press_button("Search")
    answering.follow("Start a letter or request for Amelia Hartwright", screenshot="start-for-a-pupil")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Choose what to start for Amelia Hartwright")
    answering.follow(WARNING)
    expect(h1(page)).to_have_text(WARNING)
    answering.press_button("Start now")
    expect(page.get_by_label("Last name")).to_have_value("Hartwright")
    browse.assert_clean()
