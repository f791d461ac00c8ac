"""LA-wide screening in the browser (issue 25), with axe at desktop and mobile widths: an LA officer uploads a
generated file of two schools' marks (and a school the LA does not have), watches the screen's progress bar while
a worker screens it, reads the list with what the service holds for each pupil, and sorts it."""
from __future__ import annotations

from playwright.sync_api import expect
from test_la_screening import la_file, marks

from forms_service.background import runner
from forms_service.models import School, db

from .answers import Pointer, h1
from .pages import DESKTOP, MOBILE
from conftest import PASSWORD


def test_an_officer_screens_the_las_schools_and_reads_the_list(browse, service):
    with service.app.app_context():
        db.session.scalar(db.select(School).filter_by(name="Demo School")).urn = "100001"
        db.session.scalar(db.select(School).filter_by(name="Other School")).dfe_number = "8802002"
        db.session.commit()
    data = la_file({"100001": marks("A100000000002", "O") + marks("A100000000001", "/"),
                    "880/2002": marks("B100000000003", "N"), "999999": marks("C100000000004", "N")})
    page, answering = browse.page, Pointer(browse)
    browse.sign_in("officer@demo.la", PASSWORD)
    answering.follow("Screen the schools")
    expect(h1(page)).to_have_text("Screen the LA's schools")
    answering.press_button("Screen the schools", status=422, screenshot="la-screening-error")  # no file: the error
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the register files")
    answering.upload("Upload the schools' register files", "la.csv", "text/csv", data)
    # Workers run the screen (JOBS_IN_WEB off): the page shows its progress bar until one has, then the list.
    service.app.config["JOBS_IN_WEB"] = False
    try:
        answering.press_button("Screen the schools", screenshot="la-screening-progress")
        expect(h1(page)).to_have_text("Screening the LA's schools")
        expect(page.locator("progress#screen-progress")).to_be_visible()
        browse.check()  # axe on the progress page
        assert runner.run_due(service.app) == 1  # as a worker would
    finally:
        service.app.config["JOBS_IN_WEB"] = True
    expect(h1(page)).to_have_text("LA screening results", timeout=15_000)  # the page reloads itself when done
    browse.screenshot("la-screening-results")
    expect(page.locator("main")).to_contain_text("3 pupils at 2 schools screened as of 13 March 2026")
    expect(page.locator(".govuk-warning-text")).to_contain_text("School number 999999")
    pupils = page.locator("table.app-sortable")
    expect(pupils.locator("tbody tr")).to_have_count(2)
    expect(pupils.get_by_role("row").filter(has_text="B100000000003")).to_contain_text("No action recorded")
    expect(pupils.get_by_role("row").filter(has_text="B100000000003")).to_contain_text("Other School")
    expect(page.get_by_text("C100000000004")).to_have_count(0)
    page.set_viewport_size(MOBILE)
    browse.check()
    page.set_viewport_size(DESKTOP)
    browse.assert_clean()
