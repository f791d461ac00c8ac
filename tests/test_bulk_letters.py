"""Letters to many families (forms_service/letters/bulk.py, jobs.py, web/bulk.py, `forms-service
bulk-letters`): from a whole-school register export and a pupils file, the Stage 2 letter or a model
letter for every pupil a filter selects, one per parent as DOCX and PDF, zipped with a manifest.

The school is ten pupils on the 2025/26 calendar of tests/support/registers.py, who all joined on Monday
8 September 2025, letters dated Friday 13 March 2026. From 8 September to 13 March the school was
open for 230 sessions (115 days; the October half-term is closed), in 23 school weeks (14 in the
autumn from the week of 8 September, 9 in the spring without the February half-term). So 23 sessions
missed is exactly 90.0% attendance, 24 is 89.6% (206/230 = 89.565...) and 22 is 90.4%. The 10 school
weeks before 13 March run from 5 January.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile

import pytest
from click.testing import CliRunner

from forms_service.background import runner
from forms_service.cli import main as cli
from forms_service.formdefs import get_form
from forms_service.letters import bulk, jobs
from forms_service.models import AuditEvent, BulkLetterJob, School, User, db, utcnow
from forms_service.policies import load_profile
from forms_service.records import retention
from forms_service.register.marks import Register, to_csv

from support.doctext import docx_text, pdf_text, squash
from support.helpers import csrf, date_parts, login, text
from support.registers import PupilRegister

D = dt.date
ON = D(2026, 3, 13)
JOINED = D(2025, 9, 8)
TEN_WEEKS = (D(2026, 1, 5), ON)
NATIONAL, STOCKPORT = load_profile("national-2024"), load_profile("stockport")
STAGE2, MODEL = get_form("stage2-letter"), get_form("model-letter")
SCHOOL = {"name": "Brindley Park High School"}
LA = {"name": "Stockport Council", "inbox": "legal@la.test"}

UPN = {name: f"K82050011{n:04d}" for n, name in enumerate(
    ["amber", "exactly", "over", "threshold", "under_threshold", "no_details", "no_parent", "no_home", "no_marks",
     "too_old", "attends"], start=1)}


def pupil(name: str) -> PupilRegister:
    return PupilRegister(JOINED, ON, upn=UPN[name])


def school_register() -> Register:
    pupils = [
        # 12 school days of illness, Mon 12 to Tue 27 January: 24 sessions, 89.6%, 3 broken weeks.
        pupil("amber").mark_days(D(2026, 1, 12), D(2026, 1, 27), "I"),
        pupil("exactly").mark_sessions(23, "I", JOINED, ON, seed=2),                 # 90.0%: not below 90
        pupil("over").mark_sessions(22, "I", JOINED, ON, seed=3),                    # 90.4%
        pupil("threshold").mark_sessions(10, "N", *TEN_WEEKS, seed=4),               # 10 unauthorised: meets it
        pupil("under_threshold").mark_sessions(9, "N", *TEN_WEEKS, seed=5),          # 9: one under
        pupil("no_details").mark_sessions(30, "O", JOINED, ON, seed=6),
        pupil("no_parent").mark_sessions(30, "I", JOINED, ON, seed=7),
        pupil("no_home").mark_sessions(30, "I", JOINED, ON, seed=8),
        pupil("too_old").mark_sessions(30, "I", JOINED, ON, seed=9),
        pupil("attends"),
    ]
    return Register("2024", tuple(s for p in pupils for s in p.sessions()))


HEADER = ["upn", "first_name", "last_name", "date_of_birth", "year_group", "address", "parent1_name",
          "parent1_relationship", "parent1_address", "parent2_name", "parent2_relationship", "parent2_address",
          "lessons_missed"]
HOME = "18 Brindley Close\nReddish\nSK5 6QT"
FATHER_HOME = "Flat 3, 221 Gorton Road\nReddish\nSK5 6LH"


def details_rows() -> list[list[str]]:
    return [
        [UPN["amber"], "Amber", "Whitfield", "2013-11-21", "Year 7", HOME, "Leanne Whitfield", "mother", "",
         "Darren Whitfield", "father", FATHER_HOME, "40"],
        [UPN["exactly"], "Ethan", "Exley", "14/02/2013", "Year 7", HOME, "Jo Exley", "mother", "", "", "", "", ""],
        [UPN["over"], "Olly", "Overton", "2013-03-01", "Year 7", HOME, "Sam Overton", "father", "", "", "", "", ""],
        [UPN["threshold"], "Tia", "Thornton", "2012-06-30", "Year 8", HOME, "Kerry Thornton", "mother", "",
         "", "", "", ""],
        [UPN["under_threshold"], "Umar", "Usman", "2012-07-01", "Year 8", HOME, "Aisha Usman", "mother", "",
         "", "", "", ""],
        [UPN["no_parent"], "Nell", "Nobody", "2012-01-05", "Year 8", HOME, "", "", "", "", "", "", ""],
        # No home address for the child: the first parent (no address of their own) cannot be written to.
        [UPN["no_home"], "Harvey", "Holmes", "2011-10-10", "Year 9", "", "Dawn Holmes", "mother", "",
         "=HYPERLINK(\"http://x.invalid\")", "carer", "5 Mill Lane\nEdgeley\nSK3 9AA", ""],
        [UPN["no_marks"], "Mia", "Moved", "2013-05-05", "Year 7", HOME, "Pat Moved", "mother", "", "", "", "", ""],
        # 17 in March 2026: compulsory school age ended on the last Friday of June 2025.
        [UPN["too_old"], "Theo", "Older", "2008-12-01", "Year 12", HOME, "Rob Older", "father", "", "", "", "", ""],
        [UPN["attends"], "Ava", "Present", "2013-09-09", "Year 7", HOME, "Lou Present", "mother", "", "", "", "", ""],
    ]


def details_csv(rows: list[list[str]] | None = None, header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(details_rows() if rows is None else rows)
    return out.getvalue().encode()


STAGE2_ANSWERS = {"engagement": "previous_meeting", "next_step": "meeting",
                  "meeting": {"date": "2026-03-24", "time": "15:30", "child_invited": True},
                  "letter_date": ON.isoformat(), "signatory": {"name": "Mrs Joanne Kelly", "role": "Attendance Lead"}}


def plan_for(criteria: bulk.Criteria, *, form=STAGE2, answers=None, profile=NATIONAL, rows=None,
             slots: bulk.Slots | None = None) -> bulk.Plan:
    return bulk.make_plan(bulk.read_register(to_csv(school_register()).encode()),
                          bulk.parse_details(details_csv(rows)), form, bulk.check_answers(form, answers or STAGE2_ANSWERS),
                          criteria, profile, school=SCHOOL, la=LA, batch="T1", slots=slots)


def letters_by_upn(plan: bulk.Plan) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for letter in plan.letters:
        out.setdefault(letter["row"]["upn"], []).append(letter)
    return out


def skipped(plan: bulk.Plan) -> dict[tuple, str]:
    return {(row["upn"], row["parent_number"]): row["reason_code"] for row in plan.skipped}


# --- the filter ----------------------------------------------------------------------------------

def test_below_90_takes_the_pupil_just_under_and_leaves_exactly_90_and_over():
    plan = plan_for(bulk.Criteria(below=90))
    chosen = letters_by_upn(plan)
    assert set(chosen) == {UPN["amber"], UPN["no_home"]}  # the others below 90 are skipped, with reasons
    amber = chosen[UPN["amber"]]
    assert [letter["row"]["parent"] for letter in amber] == ["Leanne Whitfield", "Darren Whitfield"]
    assert amber[0]["row"]["figures"] == {"attendance_pct": 89.6, "days_missed": 12, "broken_weeks": 3,
                                          "school_weeks": 23, "unauthorised_sessions_10wk": 0}
    assert amber[0]["data"]["figures"] == {"attendance_pct": 89.6, "days_missed": 12, "broken_weeks": 3, "weeks": 23}
    listed = {row["upn"] for row in plan.skipped} | set(chosen)
    assert UPN["exactly"] not in listed and UPN["over"] not in listed and UPN["attends"] not in listed
    assert skipped(plan) == {(UPN["no_details"], ""): "no_details", (UPN["no_parent"], ""): "no_parent",
                             (UPN["no_home"], 1): "no_address", (UPN["too_old"], ""): "not_eligible",
                             (UPN["no_marks"], ""): "no_marks"}
    too_old = next(r for r in plan.skipped if r["upn"] == UPN["too_old"])
    assert "No longer of compulsory school age" in too_old["reason"]
    # Just over the line is selected when the line moves: 90.0% is below 90.1.
    assert UPN["exactly"] in letters_by_upn(plan_for(bulk.Criteria(below=90.1)))


def test_the_penalty_threshold_is_the_screens_and_follows_the_profile():
    national = letters_by_upn(plan_for(bulk.Criteria(penalty_threshold=True)))
    assert UPN["threshold"] in national and UPN["under_threshold"] not in national
    assert national[UPN["threshold"]][0]["row"]["figures"]["unauthorised_sessions_10wk"] == 10
    # Stockport's "more than 10": exactly 10 is not enough.
    assert UPN["threshold"] not in letters_by_upn(plan_for(bulk.Criteria(penalty_threshold=True), profile=STOCKPORT))


def test_several_filters_combine_with_all_or_any():
    both = bulk.Criteria(below=90, penalty_threshold=True)
    assert letters_by_upn(plan_for(both)) == {}
    either = letters_by_upn(plan_for(bulk.Criteria(below=90, penalty_threshold=True, match="any")))
    assert {UPN["amber"], UPN["threshold"]} <= set(either)
    assert either[UPN["amber"]][0]["row"]["selected_because"] == ["below"]
    persistent = letters_by_upn(plan_for(bulk.Criteria(persistent=True)))
    assert UPN["amber"] in persistent and UPN["exactly"] in persistent and UPN["over"] not in persistent
    with pytest.raises(bulk.BulkError, match="Choose at least one filter"):
        bulk.Criteria()


def test_a_model_letter_needs_the_lessons_missed_the_register_cannot_give():
    answers = {"letter_type": "general", "letter_date": ON.isoformat(),
               "sender": {"name": "Mr Daniel Hughes", "role": "Head Teacher"}}
    plan = plan_for(bulk.Criteria(below=90), form=MODEL, answers=answers)
    amber = letters_by_upn(plan)[UPN["amber"]][0]
    assert amber["data"]["figures"] == {"days_missed": 12, "lessons_missed": 40}
    reasons = {row["upn"]: row for row in plan.skipped}
    assert reasons[UPN["no_home"]]["reason_code"] == "incomplete"
    assert reasons[UPN["no_home"]]["reason"] == ("Lessons missed so far this school year: Enter lessons missed so far "
                                                 "this school year")


# --- the zip -------------------------------------------------------------------------------------

def test_the_zip_has_every_parents_letter_in_both_formats_with_its_figures_and_the_manifest(monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)  # three letters, still rendered by worker processes
    plan = plan_for(bulk.Criteria(below=90), slots=bulk.Slots.read("3.30pm", 20))
    seen = []
    out = io.BytesIO()
    result = bulk.write_zip(plan, out, progress=lambda done, total: seen.append((done, total)), workers=2)
    assert result.letters == 3 and result.pupils == 2 and result.skipped == 5
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    archive = zipfile.ZipFile(out)
    names = archive.namelist()
    assert names[-3:] == [bulk.PRINT_PDF, "manifest.csv", "README.txt"]
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    letters = [row for row in manifest if row["status"] == "letter"]
    # By year group, then surname (issue 18): Amber is in Year 7, Harvey in Year 9.
    assert [(r["pupil"], r["parent"], r["meeting_time"]) for r in letters] == [
        ("Amber Whitfield", "Leanne Whitfield", "15:30"), ("Amber Whitfield", "Darren Whitfield", "15:30"),
        ("Harvey Holmes", "'=HYPERLINK(\"http://x.invalid\")", "15:50")]  # kept as text: never a formula
    for row in letters:
        for fmt in ("docx", "pdf"):
            assert row[fmt] in names
            assert hashlib.sha256(archive.read(row[fmt])).hexdigest() == row[f"{fmt}_sha256"]
    leanne, darren = letters[0], letters[1]
    assert leanne["reference"] == darren["reference"] == "S2L-T1-0001"
    assert leanne["docx"] == "S2L-T1-0001-Whitfield-Amber-parent1.docx"
    assert (leanne["attendance_pct"], leanne["days_missed"], leanne["broken_weeks"], leanne["school_weeks"]) == \
        ("89.6", "12", "3", "23")
    figures = ("You will see that Amber's attendance remains concerning and now stands at 89.6% and they have missed "
               "12 days of school this academic year with 3/23 broken weeks.")
    for row, name, address in ((leanne, "Leanne Whitfield", HOME), (darren, "Darren Whitfield", FATHER_HOME)):
        for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
            said = squash(read(archive.read(row[fmt])))
            assert name in said and squash(address) in said and figures in said, fmt
            assert "Our reference: S2L-T1-0001" in said and "Brindley Park High School" in said
            assert "3:30pm on Tuesday 24 March 2026" in said
    skipped_rows = {(r["upn"], r["parent_number"]): r for r in manifest if r["status"] == "skipped"}
    assert skipped_rows[(UPN["no_details"], "")]["reason"] == "No row for this pupil in the pupils file"
    assert skipped_rows[(UPN["no_details"], "")]["attendance_pct"] == "87"  # 30 of 230 missed: its figures too
    assert skipped_rows[(UPN["no_home"], "1")]["parent"] == "Dawn Holmes"
    assert skipped_rows[(UPN["no_marks"], "")]["pupil"] == "Mia Moved"
    assert "Stage 2 Letter (Getting Help), dated 13 March 2026" in archive.read("README.txt").decode()


# --- bad input -----------------------------------------------------------------------------------

def errors_of(data: bytes) -> list[tuple[int, str, str]]:
    with pytest.raises(bulk.BulkError) as caught:
        bulk.parse_details(data)
    return [(e["row"], e["column"], e["message"]) for e in caught.value.errors]


def test_a_bad_pupils_file_is_refused_naming_each_row_and_column():
    rows = details_rows()
    rows[1][3] = "30/02/2013"              # row 3: not a real date
    rows[2][6:8] = ["", ""]                # row 4: a second parent named, but not the first: still fine
    rows[2][9:11] = ["Sam Overton", "father"]
    rows[3][7] = ""                        # row 5: no relationship for parent 1
    rows[4][1] = "x" * 101                 # row 6: a first name longer than the form allows
    rows.append(list(rows[0]))             # row 12: Amber again
    rows.append([""] + rows[5][1:])        # row 13: no UPN
    errors = errors_of(details_csv(rows))
    assert [(row, column) for row, column, _ in errors] == [
        (3, "date_of_birth"), (5, "parent1_relationship"), (6, "first_name"), (12, "upn"), (13, "upn")]
    assert errors[0][2] == "Pupils file, row 3, column date_of_birth: Date of birth must be a real date, written as YYYY-MM-DD"
    assert errors[2][2].endswith("First name must be 100 characters or fewer")
    assert errors[3][2].endswith(f"UPN {UPN['amber']} is already on row 2: one row per pupil")


def test_the_header_must_name_the_columns_it_needs_and_no_others():
    header = ["UPN", "First name", "last_name", "date_of_birth", "year_group", "adress", "Parent 1 name"]
    errors = errors_of(details_csv([["K1", "A", "B", "2013-01-01", "Year 7", "", "P"]], header))
    assert [(row, column) for row, column, _ in errors] == [(1, "adress"), (1, "parent1_relationship")]
    assert "the column 'adress' is not one the service reads" in errors[0][2]
    assert errors_of(b"") == [(1, "file", "The pupils file: The file is empty")]
    assert errors_of(b"\xff\xfe") == [(1, "file", "The pupils file: The file is empty")]  # UTF-16's mark alone
    assert errors_of(b"upn\n\x81\x8d\n")[0][2].startswith("The pupils file: The file is not text that can be read")


def test_the_letters_own_answers_are_checked_by_its_declaration():
    def problems(answers):
        with pytest.raises(bulk.BulkError) as caught:
            bulk.check_answers(STAGE2, answers)
        return {e["field"]: e["message"] for e in caught.value.errors}

    assert problems({**STAGE2_ANSWERS, "meeting": {"date": "2026-03-12", "time": "09:30"}}) == {
        "meeting.date": "Date of the School Attendance Meeting must be after date of the letter"}
    assert problems({**STAGE2_ANSWERS, "meeting": {"date": "2026-03-24", "time": "half nine"}}) == {
        "meeting.time": "Enter the time of the first meeting like 9:30am, 2pm or 14:30"}
    # Times as offices write them (issue 18), kept as HH:MM.
    assert bulk.check_answers(STAGE2, {**STAGE2_ANSWERS, "meeting": {"date": "2026-03-24", "time": "3.30pm"}})[
        "meeting"]["time"] == "15:30"
    # The time may be left empty: the school writes each family's in by hand (issue 18).
    assert problems({**STAGE2_ANSWERS, "meeting": {}}) == {
        "meeting.date": "Enter date of the School Attendance Meeting"}
    assert "signatory.nmae" in problems({**STAGE2_ANSWERS, "signatory": {"nmae": "x"}})
    assert bulk.check_answers(STAGE2, {**STAGE2_ANSWERS, "next_step": "core_group", "meeting": {}})["next_step"] == \
        "core_group"


# --- the command ---------------------------------------------------------------------------------

def test_the_command_writes_the_zip_and_says_what_it_left_out(tmp_path):
    (tmp_path / "school.csv").write_text(to_csv(school_register()))
    (tmp_path / "pupils.csv").write_bytes(details_csv())
    out = tmp_path / "letters.zip"
    args = ["bulk-letters", "--register", str(tmp_path / "school.csv"), "--pupils", str(tmp_path / "pupils.csv"),
            "--letter", "stage2-letter", "--meets-penalty-threshold", "--school", "Brindley Park High School",
            "--la", "Stockport Council", "--set", "engagement=unsuccessful_attempts",
            "--set", "next_step=team_around_the_family", "--set", f"letter_date={ON}",
            "--set", "signatory.name=Mrs Joanne Kelly", "--set", "signatory.role=Attendance Lead",
            "--out", str(out), "--workers", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "1 letter(s) for 1 pupil(s) (Stage 2 letter, dated 2026-03-13)" in result.output
    assert "Selected: meets the penalty-notice threshold (national-2024 thresholds)." in result.output
    assert "No register marks for this pupil in the school year up to the letter's date: 1" in result.output
    archive = zipfile.ZipFile(out)
    letter = next(n for n in archive.namelist() if n.endswith(".docx"))
    assert letter == "S2L-20260313-0001-Thornton-Tia-parent1.docx"
    said = squash(docx_text(archive.read(letter)))
    assert "Kerry Thornton" in said and "as part of the Team Around the Family" in said
    assert not (tmp_path / "letters.zip.part").exists()

    bad = CliRunner().invoke(cli, args[:-4] + ["--set", "signatory.name=", "--below", "120", "--out", str(tmp_path / "x.zip")])
    assert bad.exit_code == 2
    assert "signatory.name: Enter name of the person signing the letter" in bad.output
    assert "--below: Attendance below must be a percentage above 0 and up to 100, like 90" in bad.output
    assert not (tmp_path / "x.zip").exists()


# --- on the web ----------------------------------------------------------------------------------

def web_fields(**changes) -> dict:
    fields = {"code_set": "2024", "below": "90", "match": "all", "engagement": "previous_meeting",
              "next_step": "meeting", "meeting__date": date_parts("2026-03-24"), "meeting__time": "15:30",
              "meeting__child_invited": "yes", "letter_date": date_parts(ON.isoformat()),
              "signatory__name": "Mrs Joanne Kelly", "signatory__role": "Attendance Lead"}
    fields.update(changes)
    return fields


def start(client, fields: dict, register: bytes | None = None, pupils: bytes | None = None):
    page = client.get("/bulk-letters/new/stage2-letter")
    assert page.status_code == 200
    body = {"csrf_token": csrf(text(page)), **fields,
            "register": (io.BytesIO(to_csv(school_register()).encode() if register is None else register), "school.csv"),
            "pupils": (io.BytesIO(details_csv() if pupils is None else pupils), "pupils.csv")}
    return client.post("/bulk-letters/new/stage2-letter", data=body, content_type="multipart/form-data")


def confirm(client, check_url: str, digest: str | None = None):
    """Press "Make N letters" on the list (with the digest the page gave, unless another is given)."""
    page = text(client.get(check_url))
    shown = re.search(r'name="plan" type="hidden" value="([0-9a-f]+)"', page) or re.search(
        r'id="plan" name="plan" type="hidden" value="([0-9a-f]+)"', page)
    return client.post(check_url, data={"csrf_token": csrf(page), "plan": digest or shown.group(1)})


def test_the_school_makes_the_letters_in_the_background_and_downloads_them(client, app, monkeypatch):
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)  # rendered by worker processes of the web service
    login(client, "office@demo.school")
    listed = start(client, web_fields())
    assert listed.status_code == 302 and listed.headers["Location"].endswith("/check")
    started = confirm(client, listed.headers["Location"])
    assert started.status_code == 302
    job_url = started.headers["Location"]
    assert runner.wait_idle(app, timeout=120)
    progress = client.get(f"{job_url}/progress.json").get_json()
    assert progress["status"] == "done" and progress["done"] == progress["total"] == 3 and progress["finished"]
    page = text(client.get(job_url))
    assert "3 letters ready" in page and "for 2 pupils" in page and "<progress" not in page
    assert "Left out: no row for this pupil in the pupils file" in page
    download = client.get(progress["download"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    pdf = next(n for n in archive.namelist() if n.endswith("Whitfield-Amber-parent2.pdf"))
    said = squash(pdf_text(archive.read(pdf)))
    assert "Darren Whitfield" in said and "now stands at 89.6%" in said and "Brindley Park" not in said
    assert "Demo School" in said  # the school of the person who made them
    with app.app_context():
        job = db.session.scalar(db.select(BulkLetterJob))
        assert job.plan is None and job.summary["letters"] == 3 and job.summary["skipped"]["no_details"] == 1
        assert hashlib.sha256(download.data).hexdigest() == job.sha256
        events = {e.action: e for e in db.session.scalars(db.select(AuditEvent))}
        assert events["bulk_letters_started"].detail["letters"] == 3
        assert events["bulk_letters_downloaded"].detail == {"job": job.id, "form_id": "stage2-letter", "letters": 3,
                                                            "sha256": job.sha256}
        assert "Whitfield" not in str(events["bulk_letters_started"].detail)
    index = text(client.get("/bulk-letters/"))
    assert job_url in index and "Ready" in index

    login(client, "office@other.school")
    for url in (job_url, f"{job_url}/progress.json", progress["download"]):
        assert client.get(url).status_code == 404
    login(client, "officer@demo.la")
    assert client.get(job_url).status_code == 403


def test_the_job_page_shows_progress_with_and_without_javascript(client, app):
    login(client, "office@demo.school")
    plan = plan_for(bulk.Criteria(penalty_threshold=True))
    with app.app_context():
        school = db.session.scalar(db.select(School).filter_by(name="Demo School"))
        school_user = db.session.scalar(db.select(User).filter_by(email="office@demo.school"))
        now = utcnow()
        job = BulkLetterJob(school_id=school.id, created_by_id=school_user.id, form_id="stage2-letter",
                            status="queued", total=len(plan.letters), plan=plan.to_json(), summary=plan.summary(),
                            created_at=now, expires_at=now + dt.timedelta(days=7))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    # A queued job nobody is running: the page shows its progress bar and starts it in this process.
    page = text(client.get(f"/bulk-letters/{job_id}"))
    assert '<progress id="bulk-progress"' in page and 'max="1" value="0"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert 'src="/assets/job-progress.js"' in page
    # No inline script of ours: each is a file from /assets/ or GOV.UK Frontend's own, with the page's nonce.
    assert all('src="/assets/' in attrs or "nonce=" in attrs for attrs in re.findall(r"<script\b([^>]*)>", page))
    assert f'data-progress-url="/bulk-letters/{job_id}/progress.json"' in page
    assert runner.wait_idle(app, timeout=120)
    assert client.get(f"/bulk-letters/{job_id}/progress.json").get_json()["done"] == 1


def test_the_form_names_every_problem_in_its_error_summary(client):
    login(client, "office@demo.school")
    bad_pupils = details_csv([["", "A", "B", "2013-01-01", "Year 7", "", "P", "mother", "", "", "", "", ""]])
    response = start(client, web_fields(below="", signatory__name="", meeting__date=["", "", ""]),
                     register=b"upn,date,session,code\nK1,2026-02-30,AM,/\n", pupils=bad_pupils)
    assert response.status_code == 422
    page = text(response)
    assert 'class="govuk-error-summary"' in page
    for href, message in (("#flags", "Choose at least one filter"),
                          ("#signatory__name", "Enter name of the person signing the letter"),
                          ("#meeting__date", "Enter date of the School Attendance Meeting"),
                          ("#register", "Row 2: &#39;2026-02-30&#39; is not a real date"),
                          ("#pupils", "Pupils file, row 2, column upn: the UPN is empty")):
        assert f'href="{href}"' in page and message in page, (href, message)
    nobody = start(client, web_fields(below="50"))
    assert nobody.status_code == 422 and "No pupil&#39;s attendance is below 50% (the lowest is 87%)" in text(nobody)


def test_jobs_go_when_their_retention_ends_and_a_dead_runners_job_is_taken_over(app):
    plan = plan_for(bulk.Criteria(penalty_threshold=True))
    with app.app_context():
        school = db.session.scalar(db.select(School).filter_by(name="Demo School"))
        user = db.session.scalar(db.select(User).filter_by(email="office@demo.school"))
        now = utcnow()
        job = BulkLetterJob(school_id=school.id, created_by_id=user.id, form_id="stage2-letter", status="running",
                            total=1, plan=plan.to_json(), claim="gone", claimed_until=now - dt.timedelta(seconds=1),
                            created_at=now, expires_at=now + dt.timedelta(days=7))
        db.session.add(job)
        db.session.commit()
        claimed = jobs.claim_next()
        assert claimed is not None and claimed[0] == job.id
        assert jobs.claim_next() is None  # the claim is fresh now: nobody else takes it
        jobs.run(*claimed)
        db.session.refresh(job)
        assert job.status == "done" and job.plan is None
        key = job.storage_key

        def stored() -> bool:
            return key in {f.key for f in jobs.storage.list_files()}

        assert stored()
        assert retention.purge(now + dt.timedelta(days=6)).rows.get("bulk_letter_jobs", 0) == 0
        assert stored()  # not taken for a file nothing accounts for
        dry = retention.purge(now + dt.timedelta(days=8), dry_run=True)
        assert dry.rows["bulk_letter_jobs"] == 1 and stored()
        report = retention.purge(now + dt.timedelta(days=8))
        assert report.rows["bulk_letter_jobs"] == 1 and not stored()
        assert db.session.scalar(db.select(BulkLetterJob)) is None


def test_a_whole_school_file_is_read_and_selected_in_shares_across_processes(monkeypatch):
    monkeypatch.setattr(bulk.screening, "PARALLEL_FROM_BYTES", 0)
    export = to_csv(school_register()).encode()
    details = bulk.parse_details(details_csv())
    answers = bulk.check_answers(STAGE2, STAGE2_ANSWERS)
    args = (details, STAGE2, answers, bulk.Criteria(below=90, penalty_threshold=True, match="any"), NATIONAL)
    alone = bulk.plan_from_export(export, *args, school=SCHOOL, la=LA, batch="T1", workers=1)
    shared = bulk.plan_from_export(export, *args, school=SCHOOL, la=LA, batch="T1", workers=2)
    assert shared.to_json() == alone.to_json() and len(alone.letters) == 4 and alone.pupils_screened == 10
    bad = export.replace(b"2026-03-13,AM,/", b"2026-03-13,AM,H", 1)
    with pytest.raises(bulk.marks.RegisterError) as caught:
        bulk.plan_from_export(bad, *args, school=SCHOOL, la=LA, workers=2)
    assert caught.value.messages[0].endswith("code 'H' is not in the 2024 code set")
