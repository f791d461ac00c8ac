"""The school office's journeys in Chromium: a leave-of-absence penalty-notice request and a Fast
Track referral, page by page, with validation errors on the way, the register and evidence uploads,
check your answers and submission. Every page is checked (axe-core and structure) as it is shown."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from test_form_fast_track_referral import EVIDENCE_KINDS as FAST_TRACK_EVIDENCE, data_now, register_now

from forms_service.formdefs import get_form
from forms_service.register.marks import to_csv
from forms_service.rules.titles import TITLES

from .answers import (LEAVE_EVIDENCE, LEAVE_FORM, LEAVE_TITLE, REFERENCE, Pointer, box, group, h1, leave_evidence_files,
                      success)
from conftest import PASSWORD
from support.helpers import json_data, make_pdf, register_csv_for, today

FAST_TRACK = get_form("fast-track-referral")


def test_leave_of_absence_request_from_start_to_submission(browse):
    page = browse.page
    answering = Pointer(browse)
    data = json_data()
    browse.sign_in("office@demo.school", PASSWORD)
    browse.screenshot("referrals")

    answering.follow(LEAVE_TITLE, screenshot="start-page")
    answering.press_button("Start now")
    expect(h1(page)).to_have_text("About the child")
    reference = REFERENCE.search(page.locator(".govuk-caption-l").inner_text()).group(0)

    # A first try with a UPN too short and a date that does not exist.
    answering.answer_page(LEAVE_FORM, "pupil", data)
    upn = box(page, "Unique pupil number (UPN)")
    upn.fill("K8205001")
    dob = group(page, "Date of birth")
    box(dob, "Day").fill("31")
    box(dob, "Month").fill("2")
    answering.continue_(422, screenshot="question-page-errors")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    # Each error links to its field, and following the link puts focus in that field.
    summary.get_by_role("link", name=re.compile("UPN", re.I)).click()
    expect(upn).to_be_focused()
    summary.get_by_role("link", name=re.compile("date of birth", re.I)).click()
    expect(box(dob, "Day")).to_be_focused()
    # The box announces its message, and keeps what was typed.
    expect(upn).to_have_attribute("aria-describedby", re.compile("error"))
    expect(upn).to_have_value("K8205001")
    answering.answer_page(LEAVE_FORM, "pupil", data)
    answering.continue_()

    expect(h1(page)).to_have_text("Parents or carers to be named on the Notice")
    answering.answer_page(LEAVE_FORM, "parents", data)  # adds the second parent's block on the way
    expect(box(group(page, "Parent or carer 2"), "Full name")).to_have_value(data["parents"][1]["name"])
    answering.continue_()

    expect(h1(page)).to_have_text("The leave taken in term time")
    # Filled in as the date input writes a day ("%d": 05 on the 5th; this failed on days 1 to 9 only).
    expect(box(group(page, "Date of this request"), "Day")).to_have_value(today().strftime("%d"))
    answering.answer_page(LEAVE_FORM, "leave", data)
    answering.continue_()

    expect(h1(page)).to_have_text("Previous penalty notices")
    answering.continue_()
    expect(h1(page)).to_have_text("School policies")
    answering.answer_page(LEAVE_FORM, "policies", data)
    answering.continue_(screenshot="register-page")

    # The register: a file with a date that does not exist is refused, naming its row.
    expect(h1(page)).to_have_text("Register marks (optional)")
    label = "Upload the pupil's register marks"
    bad = register_csv_for(data, extra_rows=[["2025-09-31", "AM", "/"]])  # 31 September
    answering.upload(label, "bennett-marks.csv", "text/csv", bad.encode())
    answering.press_button("Upload register", status=422)
    expect(page.locator(".govuk-error-summary")).to_contain_text(re.compile(r"Row \d+: .2025-09-31. is not a real date"))
    answering.upload(label, "bennett-marks.csv", "text/csv", register_csv_for(data).encode())
    answering.press_button("Upload register")

    # Evidence: asking to upload without saying what the document is, then each enclosure.
    expect(h1(page)).to_have_text("Evidence to enclose")
    expect(success(page)).to_contain_text("register marks uploaded")
    answering.press_button("Upload", status=422)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what the document is")
    for kind, (filename, content) in leave_evidence_files().items():
        answering.enclose(LEAVE_EVIDENCE[kind], filename, content)
    browse.screenshot("evidence-page")

    answering.press_button("Continue to check your answers", screenshot="check-answers")
    expect(h1(page)).to_have_text("Check your answers")
    eligibility = page.get_by_role("table", name="Eligibility rules and their results")
    results = eligibility.locator("tbody tr td:first-of-type")
    assert results.count() == len(get_form(LEAVE_FORM).rules)
    expect(results).to_have_text(["Pass"] * results.count())
    expect(page.get_by_text("Every rule passes")).to_be_visible()
    # Each rule by its title (issue 18), never its id.
    expect(eligibility.get_by_role("row", name=re.compile(re.escape(TITLES["leave_sessions_minimum"])))).to_contain_text(
        "10 sessions")
    expect(eligibility).not_to_contain_text("leave_sessions_minimum")
    expect(page.get_by_role("link", name=re.compile("Change.*last name", re.I))).to_be_visible()

    # The request as HTML, readable without opening a PDF.
    answering.follow("Preview the request (HTML)", document=True, screenshot="preview-leave-request")
    expect(page.get_by_text("Oliver Bennett").first).to_be_visible()
    browse.navigate(page.go_back)

    answering.press_button("Submit for headteacher sign-off", screenshot="referral-awaiting-signoff")
    expect(h1(page)).to_contain_text(f"Referral {reference}")
    expect(success(page)).to_contain_text("sent to the headteacher for sign-off")
    browse.assert_clean()


def test_fast_track_referral_over_its_stages(browse):
    """Filled in as the eight weeks go: as far as the Attendance Support Meeting, saved to come
    back to; the timeline says what is due; then the later stages, register, evidence and submit."""
    page = browse.page
    answering = Pointer(browse)
    data = data_now()
    ids = [p.id for p in FAST_TRACK.pages]
    browse.sign_in("office@demo.school", PASSWORD)
    answering.follow(FAST_TRACK.title)
    expect(page.get_by_text("have unauthorised absences of 10 sessions or more.")).to_be_visible()
    answering.press_button("Start now")

    for page_id in ids[:ids.index("week1")]:
        expect(h1(page)).to_have_text(FAST_TRACK.page(page_id).title)
        answering.answer_page(FAST_TRACK.id, page_id, data)
        answering.continue_()

    # Week 1: a percentage that is not a number is refused, naming the question; then the meeting
    # is recorded and the form saved to come back to.
    expect(h1(page)).to_have_text("Week 1: Attendance Support Meeting")
    answering.answer_page(FAST_TRACK.id, "week1", data)
    attendance = box(page, "Current attendance")
    attendance.fill("about 75")
    answering.continue_(422, screenshot="fast-track-week1-errors")
    page.locator(".govuk-error-summary").get_by_role("link", name=re.compile("attendance", re.I)).first.click()
    expect(attendance).to_be_focused()
    attendance.fill("75")
    answering.press_button("Save and come back later", screenshot="fast-track-timeline")

    expect(success(page)).to_contain_text("Your answers have been saved")
    expect(page.get_by_role("heading", name="Fast Track timeline")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Next: Week 4: Review Attendance Support Meeting, by"))).to_be_visible()

    # It cannot be sent yet: check your answers lists what the later stages still need.
    answering.follow("Check your answers and submit", screenshot="fast-track-not-ready")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Some answers are still needed")
    expect(summary.get_by_role("link", name=re.compile("Enter date of the review meeting"))).to_be_visible()
    expect(page.get_by_role("button", name="Submit for headteacher sign-off")).to_have_count(0)
    browse.navigate(page.go_back)

    # Weeks later: on from where it was left, through the list of the request's pages.
    answering.follow(page.get_by_role("link", name="School holidays and closures in the eight weeks").last)
    for page_id in ids[ids.index("closures"):]:
        expect(h1(page)).to_have_text(FAST_TRACK.page(page_id).title)
        answering.answer_page(FAST_TRACK.id, page_id, data)
        answering.continue_()

    expect(h1(page)).to_have_text("Register marks (optional)")
    answering.upload("Upload the pupil's register marks", "hammond-marks.csv", "text/csv",
                     to_csv(register_now()).encode())
    answering.press_button("Upload register")
    labels = {e["kind"]: e["label"] for e in FAST_TRACK.evidence}
    for kind in FAST_TRACK_EVIDENCE:
        answering.enclose(labels[kind], f"Hammond {kind}.pdf", make_pdf(f"Hammond {kind}"))

    answering.press_button("Continue to check your answers", screenshot="fast-track-check-answers")
    expect(h1(page)).to_have_text("Check your answers")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    results = page.get_by_role("table", name="Eligibility rules and their results").locator("tbody tr td:first-of-type")
    assert results.count() == len(FAST_TRACK.rules)
    assert {r.strip() for r in results.all_inner_texts()} <= {"Pass", "Advisory"}, results.all_inner_texts()
    expect(page.get_by_text("Every rule passes")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(re.escape(TITLES["unauthorised_sessions_threshold"])))).to_contain_text(
        "14")

    answering.press_button("Submit for headteacher sign-off")
    expect(success(page)).to_contain_text("sent to the headteacher for sign-off")
    expect(page.get_by_text("Awaiting sign-off", exact=True)).to_be_visible()
    browse.assert_clean()
