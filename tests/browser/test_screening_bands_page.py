"""A profile's attendance bands on the pages (issue 20), in Chromium with axe: under the Peterborough trust's
profile the screening results count the pupils in each of the trust's bands and tag each row with the
band's name; the bulk letters' form offers the bands as a choice."""
from __future__ import annotations

from playwright.sync_api import expect
from test_screening_bands import school_csv

from .answers import Pointer, group, h1
from .pages import DESKTOP, MOBILE
from conftest import PASSWORD
from support.helpers import set_profile


def test_the_trusts_bands_on_the_screening_results_and_the_letters_filter(browse, service):
    set_profile(service.app, "peterborough")
    page, answering = browse.page, Pointer(browse)
    browse.sign_in("head@demo.school", PASSWORD)
    answering.follow("Screen the school")
    # tests/test_screening_bands.py's school: 6 of its 9 pupils under 96%, 3 of them for the band alone.
    answering.upload("Upload the school's register export", "school.csv", "text/csv", school_csv())
    answering.press_button("Screen the register", screenshot="screening-results-bands")
    expect(h1(page)).to_have_text("Screening results")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(7)  # the header and 6 pupils
    only_band = page.get_by_role("row").filter(has_text="UPN P100000000013")
    expect(only_band).to_contain_text("95.7%")
    expect(only_band.locator(".govuk-tag")).to_have_text(["Below 96% (trust Appendix B1)"])
    expect(page.locator(".govuk-summary-list__row").filter(has_text="Below 96% (trust Appendix B1)")).to_contain_text("6")
    page.set_viewport_size(MOBILE)
    browse.check()
    page.set_viewport_size(DESKTOP)

    answering.follow("Letters to many families")
    answering.follow("Stage 2 Letter (Getting Help)")
    bands = group(page, "Or by your attendance policy's band")
    expect(bands.get_by_role("radio")).to_have_count(3)  # not by a band, and the trust's two
    expect(bands).to_contain_text("Below 90% (trust Appendix B1: letter and meeting)")
    browse.assert_clean()
