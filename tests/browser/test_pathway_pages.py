"""A Knowsley school and a Peterborough trust academy in the browser (issue 20): the demo LA under each
profile. The start page sets out the profile's pathway (Knowsley's Levels 1 to 4, the trust's Appendix B1),
each stage with its forms; the school answers its own paperwork page by page from the realistic sample (the
Attendance Improvement Meeting record, the trust's letter about a high level of absence) to the record's own
page, with its checks and documents. Every page checked as it is shown (axe-core and structure, at desktop and
mobile widths)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forms_service.formdefs import get_form
from forms_service.models import LocalAuthority, db

from .answers import Pointer, h1
from conftest import PASSWORD

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _under(service, profile: str) -> None:
    with service.app.app_context():
        for la in db.session.scalars(select(LocalAuthority)):
            la.policy_profile = profile
        db.session.commit()


@pytest.mark.parametrize("profile, stage, form_id", [
    ("knowsley", "Level 2: Early intervention", "attendance-improvement-meeting"),
    ("peterborough", "Attendance below 90%", "high-absence-letter"),
])
def test_a_school_follows_its_pathway_to_its_own_paperwork(browse, service, profile, stage, form_id):
    page = browse.page
    answering = Pointer(browse)
    form = get_form(form_id)
    sample = json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))
    _under(service, profile)
    browse.sign_in("office@demo.school", PASSWORD)
    browse.goto("/referrals/", screenshot=f"pathway-{profile}")
    expect(page.get_by_role("heading", name=stage, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=form.title, exact=True)).to_have_count(1)

    answering.follow(form.title)
    answering.press_button("Start now")
    for form_page in form.pages:
        expect(h1(page)).to_have_text(form_page.title)
        answering.answer_page(form_id, form_page.id, sample)
        answering.continue_()
    if h1(page).inner_text() == "Register marks (optional)":
        answering.follow("Skip: I typed the figures")
    # A letter or a meeting record is the school's own: its page, with the checks and its documents.
    expect(h1(page)).to_have_text(form.title)
    expect(page.get_by_role("heading", name="Checks", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^PDF for ")).first).to_be_visible()
    browse.assert_clean()
