"""Letters to many families fit for posting (issue 18), in Chromium at desktop and phone widths with
axe on every page: the school uploads the register export and the pupils file, sees the list of pupils
who will get a letter (year group, attendance, the parents written to, each family's meeting slot)
before anything is made, confirms, and downloads the zip with every letter in one PDF for printing."""
from __future__ import annotations

import io
import re
import zipfile

from playwright.sync_api import expect
from pypdf import PdfReader
from test_bulk_letters import details_csv, school_register

from forms_service.letters import bulk
from forms_service.models import BulkLetterJob, db
from forms_service.register.marks import to_csv

from .answers import Pointer, box, group, h1
from .pages import DESKTOP, MOBILE
from conftest import PASSWORD


def _date(page, legend: str, day: int, month: int, year: int) -> None:
    fieldset = group(page, legend)
    for part, value in (("Day", day), ("Month", month), ("Year", year)):
        box(fieldset, part).fill(str(value))


def test_the_school_checks_the_list_then_downloads_every_letter_in_one_pdf(browse, service):
    page, answering = browse.page, Pointer(browse)
    browse.sign_in("office@demo.school", PASSWORD)
    browse.goto("/bulk-letters/new/stage2-letter")
    answering.upload("The school's register export", "school.csv", "text/csv", to_csv(school_register()).encode())
    answering.upload("The pupils file", "pupils.csv", "text/csv", details_csv())
    box(page, "Attendance this school year below").fill("90")
    box(group(page, "What has happened so far"),
        "We discussed strategies to support the child at a previous meeting").check()
    box(group(page, "How attendance will be addressed next"), "A further School Attendance Meeting").check()
    _date(page, "Date of the School Attendance Meeting", 24, 3, 2026)
    box(page, "Time of the first meeting").fill("9am")
    box(page, "Minutes for each meeting").fill("15")
    _date(page, "Date of the letter", 13, 3, 2026)
    box(page, "Name of the person signing the letter").fill("Mrs Joanne Kelly")
    box(page, "Their role").fill("Attendance Lead")
    answering.press_button("Continue", screenshot="bulk-letters-check")

    # The list, before anything is made: each family's slot in the order the letters are printed.
    expect(h1(page)).to_have_text("Check the letters before they are made")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Amber Whitfield")
    expect(rows.nth(0)).to_contain_text("Year 7")
    expect(rows.nth(0)).to_contain_text("89.6%")
    expect(rows.nth(0)).to_contain_text("Leanne Whitfield")
    expect(rows.nth(0)).to_contain_text("Darren Whitfield")
    expect(rows.nth(0)).to_contain_text("9:00am")
    expect(rows.nth(1)).to_contain_text("Harvey Holmes")
    expect(rows.nth(1)).to_contain_text("9:15am")
    with service.app.app_context():
        assert db.session.scalar(db.select(BulkLetterJob.status)) == "pending"  # nothing made yet
    page.set_viewport_size(MOBILE)  # axe and the page's structure again on a phone
    browse.check()
    page.set_viewport_size(DESKTOP)

    answering.press_button("Make 3 letters")
    if page.locator("progress").count():  # the page reloads itself once the letters are made
        browse.navigate(lambda: None)
    expect(page.get_by_role("heading", name="3 letters ready")).to_be_visible()
    page.set_viewport_size(MOBILE)
    browse.check(screenshot="bulk-letters-ready")
    page.set_viewport_size(DESKTOP)

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"^Download the letters \(zip")).click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    letters = [n for n in archive.namelist() if n.endswith(".pdf") and n != bulk.PRINT_PDF]
    combined = PdfReader(io.BytesIO(archive.read(bulk.PRINT_PDF)))
    assert len(letters) == 3
    assert len(combined.pages) == sum(len(PdfReader(io.BytesIO(archive.read(n))).pages) for n in letters)
    assert "Leanne Whitfield" in combined.pages[0].extract_text()
    with page.expect_download() as printing:
        page.get_by_role("link", name="Download all the letters in one PDF for printing").click()
    assert printing.value.path().read_bytes() == archive.read(bulk.PRINT_PDF)
    browse.assert_clean()
