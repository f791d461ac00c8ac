"""Bulk letters fit for posting (issue 18): each family's meeting slot (or a line to write it in),
the list checked before anything is made, every letter in one PDF for printing, the screen and the
letters selecting the same pupils, and a filter that finds nobody saying why in plain words.

The school and its pupils are tests/test_bulk_letters.py's (letters dated Friday 13 March 2026)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from pypdf import PdfReader
from test_bulk_letters import (LA, NATIONAL, ON, SCHOOL, STAGE2, STAGE2_ANSWERS, confirm, details_csv, plan_for, start,
                               web_fields)

from forms_service.background import runner
from forms_service.csvfiles import write_csv
from forms_service.formatting import format_time, parse_time
from forms_service.letters import bulk, jobs
from forms_service.models import AuditEvent, BulkLetterJob, db, utcnow
from forms_service.records import retention
from forms_service.register import screening, synthetic

from support.doctext import pdf_text, squash
from support.helpers import csrf, login, text

D = dt.date


# --- meeting slots -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, kept", [("9:30", "09:30"), ("15.30", "15:30"), ("3pm", "15:00"),
                                         ("3.30pm", "15:30"), ("9am", "09:00")])
def test_a_first_meeting_is_taken_as_offices_write_it(typed, kept):
    assert parse_time(typed) == kept
    slots = bulk.Slots.read(typed, "15")
    assert (slots.at(0), slots.at(1), slots.at(2)) == (kept, bulk._hhmm(bulk._minutes(kept) + 15),
                                                      bulk._hhmm(bulk._minutes(kept) + 30))
    assert format_time(slots.at(0)) in slots.describe()


def slot_errors(first, minutes) -> dict[str, str]:
    with pytest.raises(bulk.BulkError) as caught:
        bulk.Slots.read(first, minutes)
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_slot_lengths_from_5_to_120_minutes_and_nothing_outside():
    assert bulk.Slots.read("9:00", "5").at(1) == "09:05"
    assert bulk.Slots.read("9:00", 120).at(1) == "11:00"
    assert bulk.Slots.read("9:00", "15 minutes").minutes == 15
    assert slot_errors("9:00", "4") == {"slot_minutes": "Minutes for each meeting must be between 5 and 120"}
    assert slot_errors("9:00", "121") == {"slot_minutes": "Minutes for each meeting must be between 5 and 120"}
    assert slot_errors("9:00", "7.5") == {"slot_minutes": "Minutes for each meeting must be a whole number, like 15"}
    assert slot_errors("9:00", "") == {"slot_minutes": "Enter the minutes for each meeting, from 5 to 120"}
    assert set(slot_errors("half nine", "15")) == {"meeting.time"}
    # No time: every letter leaves a line for it; the minutes are then not needed.
    assert bulk.Slots.read("", "") == bulk.Slots() and bulk.Slots().at(5) is None


def test_meetings_must_end_by_six_oclock():
    bulk.Slots.read("17:00", "15").check(4)  # 17:00, 17:15, 17:30, 17:45: the last ends at 18:00
    with pytest.raises(bulk.BulkError) as caught:
        bulk.Slots.read("17:00", "15").check(5)
    assert caught.value.errors[0]["field"] == "meeting.time"
    assert caught.value.messages[0].startswith("5 families need 15-minute meetings from 5:00pm: the last would "
                                               "start at 6:00pm, and every meeting must end by 6:00pm")
    with pytest.raises(bulk.BulkError, match="the last would start at the next day"):
        bulk.Slots.read("23:00", "120").check(2)


def test_each_family_has_the_next_slot_and_both_parents_the_same_one():
    plan = plan_for(bulk.Criteria(below=90), slots=bulk.Slots.read("9:00", "10"))
    assert [(f["pupil"], f["year_group"], f["meeting_time"], f["parents"]) for f in plan.families()] == [
        ("Amber Whitfield", "Year 7", "09:00", ["Leanne Whitfield", "Darren Whitfield"]),
        ("Harvey Holmes", "Year 9", "09:10", ['=HYPERLINK("http://x.invalid")'])]
    assert [letter["data"]["meeting"]["time"] for letter in plan.letters] == ["09:00", "09:00", "09:10"]
    assert plan.slots == {"first": "09:00", "minutes": 10}


def test_no_time_prints_a_line_to_write_it_in():
    plan = plan_for(bulk.Criteria(below=90))  # no slots: written in by hand
    assert all("time" not in letter["data"]["meeting"] for letter in plan.letters) and len(plan.letters) == 3
    out = io.BytesIO()
    bulk.write_zip(plan, out, workers=1)
    archive = zipfile.ZipFile(out)
    said = squash(pdf_text(archive.read(next(n for n in archive.namelist() if n.endswith("parent1.pdf")))))
    assert "The meeting has been arranged for Tuesday 24 March 2026 at __________ and it is important" in said


# --- one PDF for printing ------------------------------------------------------------------------

def test_every_letter_in_one_pdf_each_from_a_new_page_in_the_order_listed():
    plan = plan_for(bulk.Criteria(below=90, penalty_threshold=True, match="any"), slots=bulk.Slots.read("9:00", 15))
    out = io.BytesIO()
    result = bulk.write_zip(plan, out, workers=1)
    archive = zipfile.ZipFile(out)
    rows = [r for r in result.rows if r["status"] == "letter"]
    combined = PdfReader(io.BytesIO(archive.read(bulk.PRINT_PDF)))
    counts = [len(PdfReader(io.BytesIO(archive.read(r["pdf"]))).pages) for r in rows]
    assert len(combined.pages) == sum(counts) and len(rows) == 4
    # Each letter starts its own page: the first page of each is that letter's.
    starts = [sum(counts[:i]) for i in range(len(rows))]
    for row, start_page in zip(rows, starts):
        assert f"Our reference: {row['reference']}" in squash(combined.pages[start_page].extract_text())
    first, last = squash(combined.pages[0].extract_text()), squash(combined.pages[-1 - (counts[-1] - 1)].extract_text())
    assert "Leanne Whitfield" in first and rows[0]["parent"] == "Leanne Whitfield"
    assert rows[-1]["parent"] in last
    assert combined.metadata.title.startswith("Stage 2 Letter")


# --- the screen and the letters agree ------------------------------------------------------------

def _pupils_file(details: list[list[str]]) -> bytes:
    """The synthetic school's details as the pupils file the letters read (an address each)."""
    rows = [[upn, first, last, born, year, f"{n} Mill Lane\nStockport\nSK1 1AA", parent, "mother"]
            for n, (upn, first, last, born, year, parent) in enumerate(details, start=1)]
    header = ["upn", "first_name", "last_name", "date_of_birth", "year_group", "address", "parent1_name",
              "parent1_relationship"]
    return details_csv(rows, header)


@pytest.fixture(scope="module")
def synthetic_school():
    rows, details = synthetic.generate(160, D(2026, 3, 27), seed=18)
    export = write_csv(["upn", "date", "session", "code"], rows).encode()
    return export, bulk.parse_details(_pupils_file(details))


def selected_by_letters(plan: bulk.Plan) -> set[str]:
    return {r["row"]["upn"] for r in plan.letters} | {r["upn"] for r in plan.skipped if r["selected_because"]}


# A school day, a Monday after half-term, a day in the February half-term, a day in the Christmas
# holiday, and a day after the export's last marks (27 March 2026).
@pytest.mark.parametrize("on", [D(2025, 11, 14), D(2026, 2, 23), D(2026, 2, 18), D(2025, 12, 29), D(2026, 4, 2)])
@pytest.mark.parametrize("workers", [1, 2])
def test_the_screen_and_the_letters_select_the_same_pupils(synthetic_school, on, workers, monkeypatch):
    monkeypatch.setattr(screening, "PARALLEL_FROM_BYTES", 0)  # both read the file in shares with 2 workers
    export, details = synthetic_school
    screen = screening.screen_file(export, NATIONAL, on=on, workers=workers)
    answers = bulk.check_answers(STAGE2, {**STAGE2_ANSWERS, "next_step": "core_group", "meeting": {},
                                          "letter_date": on.isoformat()})
    checked = 0
    for criteria in (bulk.Criteria(penalty_threshold=True), bulk.Criteria(persistent=True),
                     bulk.Criteria(severe=True), bulk.Criteria(below=90), bulk.Criteria(below=85),
                     bulk.Criteria(below=95, penalty_threshold=True, match="any")):
        plan = bulk.plan_from_export(export, details, STAGE2, answers, criteria, NATIONAL, school=SCHOOL, la=LA,
                                     workers=workers)
        shown = {row.upn for row in screen.rows if criteria.met(row)}  # the pupils the screen lists
        if criteria.chosen() == ["below"] and criteria.below <= 90:
            # Below 90% is 10% or more missed: every such pupil is on the screen's list.
            assert shown == {row.upn for row in screen.rows if row.attendance_pct is not None
                             and row.attendance_pct < criteria.below}
        if criteria.below in (None, 90, 85):  # below 95 alone need not be on the screen's list
            assert selected_by_letters(plan) == shown, (on, criteria)
            checked += len(shown)
        assert plan.selected == len(selected_by_letters(plan))
    assert checked  # the comparison was not of empty sets


def test_a_percentage_is_compared_as_it_is_shown_and_printed():
    row = screening.PupilScreen("K1", 2500, screening.percent(2249, 2500), screening.percent(251, 2500), 0, 10, 0, 0)
    assert row.attendance_pct == 90.0  # 89.96%, shown and printed as 90.0%: not "below 90"
    assert not screening.meets(row, "below", 90) and screening.meets(row, "below", 90.1)


# --- a filter that finds nobody says why -------------------------------------------------------

def why(criteria: bulk.Criteria, **answers) -> str:
    plan = plan_for(criteria, answers={**STAGE2_ANSWERS, **answers})
    assert plan.selected == 0
    return plan.why_nobody()


def test_a_filter_that_finds_nobody_says_why_in_plain_words():
    assert why(bulk.Criteria(below=50)) == "No pupil's attendance is below 50% (the lowest is 87%)"
    assert why(bulk.Criteria(severe=True)) == ("No pupil is severely absent, 50% or more of sessions missed this "
                                               "school year (the most any pupil has missed is 13%)")
    # Each filter finds someone, but nobody meets both (figures as the selection counts them).
    stats = {**bulk._no_stats(), "first": "2025-09-08", "last": "2026-03-13", "counted": 9, "lowest": 87.0,
             "most_missed": 13.0, "most_unauthorised": 10, "each": {"below": 6, "penalty_threshold": 1}}
    assert bulk.nobody_reason(stats, bulk.Criteria(below=90, penalty_threshold=True), ON,
                              screening.thresholds_of(NATIONAL)) == (
        "No pupil meets all the filters together: of the 9 pupils with marks this school year, 6 have attendance "
        "below 90% and 1 meets the penalty-notice threshold")
    late = why(bulk.Criteria(below=50), letter_date="2026-03-20")
    assert late == ("The register export has no marks after 13 March 2026 (the letter is dated 20 March 2026), so "
                    "the figures are counted to then. No pupil's attendance is below 50% (the lowest is 87%)")
    # (The penalty-notice threshold may still find pupils then: its 10 school weeks reach back into
    # the last school year, for the screen as for the letters; they are left out for having no marks.)
    next_year = why(bulk.Criteria(below=90), letter_date="2026-09-10", next_step="core_group", meeting={})
    assert next_year.startswith("The register export has no marks after 13 March 2026, and none in the school year "
                                "2026 to 2027, which the letter's date (10 September 2026) is in")
    early = why(bulk.Criteria(below=90), letter_date="2025-09-01", next_step="core_group", meeting={})
    assert early.startswith("The register export has no marks on or before the letter's date, 1 September 2025 "
                            "(its first marks are on 8 September 2025)")
    for said in (late, next_year, early):
        assert not re.search(r"\b\w+\.\w+\b|_", said.replace("a.m", "")), said  # no field paths or ids


def test_the_penalty_threshold_reason_gives_the_profiles_threshold():
    stats = {**bulk._no_stats(), "first": "2025-09-08", "last": "2026-03-13", "counted": 9, "lowest": 87.0,
             "most_missed": 13.0, "most_unauthorised": 10}
    said = bulk.nobody_reason(stats, bulk.Criteria(penalty_threshold=True), ON,
                              screening.thresholds_of(bulk.load_profile("stockport")))
    assert said == ("No pupil meets the penalty-notice threshold of more than 10 unauthorised sessions in the last "
                    "10 school weeks (the most any pupil has is 10)")


# --- the list checked before anything is made -----------------------------------------------------

def test_nothing_is_made_before_the_school_confirms_the_list(client, app):
    login(client, "office@demo.school")
    listed = start(client, web_fields(meeting__time="3.30pm", slot_minutes="20"))
    assert listed.status_code == 302
    check_url = listed.headers["Location"]
    page = text(client.get(check_url))
    assert "Check the letters before they are made" in page and "Make 3 letters" in page
    assert "3:30pm" in page and "3:50pm" in page and "Leanne Whitfield" in page and "89.6%" in page
    with app.app_context():
        job = db.session.scalar(db.select(BulkLetterJob))
        assert job.status == "pending" and job.storage_key is None and job.plan is not None
        assert jobs.claim_next() is None  # no runner takes a list nobody has confirmed
        assert not db.session.scalar(db.select(AuditEvent).filter_by(action="bulk_letters_started"))
        job_id = job.id
    # The job's own page leads back to the list; "Change" asks the answers again, as given.
    assert client.get(f"/bulk-letters/{job_id}").headers["Location"].endswith("/check")
    again = text(client.get(f"/bulk-letters/new/stage2-letter?change={job_id}"))
    assert 'value="Mrs Joanne Kelly"' in again and 'value="20"' in again and "Choose the register export" in again

    # A confirmation of another list (an edited digest) is refused and nothing starts.
    tampered = confirm(client, check_url, digest="0" * 64)
    assert tampered.status_code == 409 and "not the one the service made" in text(tampered)
    with app.app_context():
        assert db.session.get(BulkLetterJob, job_id).status == "pending"
    assert confirm(client, check_url).status_code == 302
    assert runner.wait_idle(app, timeout=120)
    # Confirming again (a second tab, the back button) makes nothing twice.
    page = text(client.get(f"/bulk-letters/{job_id}"))
    twice = client.post(check_url, data={"csrf_token": csrf(page), "plan": "0" * 64})
    assert twice.status_code == 409 and "already been started" in text(twice)
    with app.app_context():
        assert db.session.get(BulkLetterJob, job_id).status == "done"
        assert len(db.session.scalars(db.select(AuditEvent).filter_by(action="bulk_letters_started")).all()) == 1
    printing = client.get(f"/bulk-letters/{job_id}/letters.pdf")
    assert printing.status_code == 200 and printing.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(printing.data)).pages) >= 3


def test_a_stale_list_cannot_be_confirmed_and_is_purged(client, app):
    login(client, "office@demo.school")
    check_url = start(client, web_fields()).headers["Location"]
    with app.app_context():
        job = db.session.scalar(db.select(BulkLetterJob))
        job.created_at = utcnow() - jobs.CONFIRM_WITHIN - dt.timedelta(minutes=1)
        db.session.commit()
    refused = client.post(check_url, data={"csrf_token": csrf(text(client.get("/bulk-letters/"))), "plan": "x"})
    assert refused.status_code == 409 and "Upload the files again" in text(refused)
    with app.app_context():
        assert db.session.scalar(db.select(BulkLetterJob)).status == "pending"
        assert retention.purge(utcnow()).rows["bulk_letter_jobs"] == 1  # its plan (names) does not wait 7 days
        assert db.session.scalar(db.select(BulkLetterJob)) is None


def test_a_new_list_replaces_the_users_unconfirmed_one_and_others_cannot_see_it(client, app):
    login(client, "office@demo.school")
    start(client, web_fields())
    second = start(client, web_fields(below="95")).headers["Location"]
    with app.app_context():
        kept = db.session.scalars(db.select(BulkLetterJob)).all()
        assert [job.plan["criteria"]["below"] for job in kept] == [95]
    assert client.get(second).status_code == 200
    login(client, "office@other.school")
    assert client.get(second).status_code == 404


def test_the_page_names_the_slot_fields_and_meetings_past_six(client):
    login(client, "office@demo.school")
    bad = start(client, web_fields(meeting__time="9am", slot_minutes="200"))
    assert bad.status_code == 422
    assert 'href="#slot_minutes"' in text(bad) and "Minutes for each meeting must be between 5 and 120" in text(bad)
    late = start(client, web_fields(meeting__time="17:50", slot_minutes="15"))
    assert late.status_code == 422 and 'href="#meeting__time"' in text(late)
    assert "2 families need 15-minute meetings from 5:50pm" in text(late)
    by_hand = start(client, web_fields(meeting__time="", slot_minutes=""))
    assert by_hand.status_code == 302
