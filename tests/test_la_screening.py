"""LA-wide screening (issue 25): a whole LA's file (a school column) or a folder of files screened with the LA's
profile, each school mapped by URN or DfE number, each pupil joined to what the service holds for them, on the
web, through the API and on the command line, on SQLite and PostgreSQL. Scoped: an LA screens only its own
schools; school staff cannot reach it, and their own screen never shows another school's pupils."""
import csv
import datetime as dt
import io
import re

from click.testing import CliRunner

from forms_service import storage
from forms_service.background import runner
from forms_service.cases.la_screen import screen_la
from forms_service.cli import main as cli
from forms_service.models import AuditEvent, LocalAuthority, School, ScreenJob, db, utcnow
from forms_service.policies import load_profile
from forms_service.records import retention

from support.helpers import api_token, bearer, csrf, json_data, login, signed_request, text

HELD_UPN = json_data()["pupil"]["upn"]  # the pupil of support.helpers' signed request
DAYS = [d for d in (dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(68)) if d.weekday() < 5]


def marks(upn: str, code: str) -> list[tuple]:
    return [(upn, d.isoformat(), s, code) for d in DAYS for s in ("AM", "PM")]


def la_file(schools: dict[str, list[tuple]], heading: str = "URN") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([heading, "upn", "date", "session", "code"])
    for number, rows in schools.items():
        writer.writerows([number, *row] for row in rows)
    return out.getvalue().encode()


def the_la_file() -> bytes:
    """Demo School (URN 100001): a pupil always absent, held by the service, one never absent, one absent with
    nothing recorded; Other School (DfE number 880/2002): one absent; 999999: a school the LA does not have."""
    return la_file({"100001": marks(HELD_UPN, "N") + marks("A100000000001", "/") + marks("A100000000002", "O"),
                    "880/2002": marks("B100000000003", "N"), "999999": marks("C100000000004", "N")})


def number_the_schools(app) -> None:
    with app.app_context():
        db.session.scalar(db.select(School).filter_by(name="Demo School")).urn = "100001"
        db.session.scalar(db.select(School).filter_by(name="Other School")).dfe_number = "8802002"
        db.session.commit()


def _post(client, data: bytes, name: str = "la.csv"):
    """Upload the file: the screen is queued (303 to its page) and run by this process's runner; its page."""
    page = text(client.get("/la/screening"))
    queued = client.post("/la/screening", data={"csrf_token": csrf(page), "code_set": "2024",
                                                "files": [(io.BytesIO(data), name)]}, content_type="multipart/form-data")
    assert queued.status_code == 303, text(queued)
    assert runner.wait_idle(client.application, timeout=120)
    return client.get(queued.headers["Location"])


def test_the_la_screens_every_school_and_says_what_the_service_holds(client, app, backend):
    number_the_schools(app)
    signed_request(client)  # the service holds a signed request for HELD_UPN
    login(client, "officer@demo.la")
    page = _post(client, the_la_file())
    assert page.status_code == 200, text(page)
    body = text(page)
    assert "4 pupils at 2 schools screened as of 13 March 2026: 3 need attention, 2 with no action recorded" in body
    assert "A100000000002" in body and "B100000000003" in body and "A100000000001" not in body
    assert "School number 999999" in body and "C100000000004" not in body  # reported, never guessed
    assert "No action recorded" in body and 'data-module="app-sortable-table"' in body
    row = body[body.index(HELD_UPN):]
    assert "signed" in row[:row.index("</tr>")]  # the open request, not "no action"
    download = client.get(re.search(r'href="(/la/screening/\d+/list.csv)"', body).group(1))
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert {r["upn"]: r["action"] for r in rows} == {HELD_UPN: "", "A100000000002": "No action recorded",
                                                      "B100000000003": "No action recorded"}
    assert {r["school"] for r in rows} == {"Demo School", "Other School"}
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter(AuditEvent.action.like("la_screen%"))).all()
        assert [e.action for e in events] == ["la_screened", "la_screen_downloaded"]
        assert events[0].detail["pupils"] == 4 and events[0].detail["unknown_schools"] == 1
        assert HELD_UPN not in str([e.detail for e in events])  # counts only, never a pupil
        job = db.session.scalar(db.select(ScreenJob))
        assert job.inputs is None and job.summary["listed"] == 3 and job.summary["no_action"] == 2
        demo = db.session.scalar(db.select(School).filter_by(name="Demo School"))
        assert ["2026-01-05", demo.id, 2] in job.crossings  # kept for the dashboard: counts, no pupil
        assert [f.key for f in storage.list_files("la-screens/")] == [job.result_key]  # the file is gone


def test_a_bad_row_is_named_with_its_file_row_and_field(client, app, backend):
    login(client, "admin@demo.la")
    bad = b"URN,upn,date,session,code\n100001,A1,2026-02-30,AM,N\n"
    page = _post(client, bad, name="autumn.csv")
    body = text(page)
    assert "The files could not be screened" in body and "autumn.csv: Row 2" in body and "not a real date" in body
    with app.app_context():
        assert storage.list_files("la-screens/") == []  # the file is deleted when it cannot be screened
    missing = client.post("/la/screening", data={"csrf_token": csrf(text(client.get("/la/screening"))),
                                                 "code_set": "2024"})
    assert missing.status_code == 422 and "Select the register files" in text(missing)


def test_the_api_screens_and_answers_json_or_csv(client, app, backend):
    number_the_schools(app)
    officer = bearer(api_token(client, "officer@demo.la"))
    answer = client.post("/api/v1/la/screen", headers=officer, content_type="multipart/form-data",
                         data={"file": [(io.BytesIO(the_la_file()), "la.csv")]})
    assert answer.status_code == 200, answer.get_json()
    got = answer.get_json()
    assert got["pupils"] == 4 and [u["number"] for u in got["unknown_schools"]] == ["999999"]
    assert {r["upn"]: r["held"]["no_action_recorded"] for r in got["rows"]} == {
        HELD_UPN: True, "A100000000002": True, "B100000000003": True}  # nothing sent to the LA yet
    as_csv = client.post("/api/v1/la/screen", headers=officer, content_type="multipart/form-data",
                         data={"file": [(io.BytesIO(the_la_file()), "la.csv")], "format": "csv"})
    assert as_csv.mimetype == "text/csv" and b"B100000000003" in as_csv.data
    wrong = b"URN,upn,date,session,code\n100001,A1,2026-01-05,AM,Q9\n"
    bad = client.post("/api/v1/la/screen", headers=officer, content_type="multipart/form-data",
                      data={"file": [(io.BytesIO(wrong), "x.csv")]})
    assert bad.status_code == 422 and "x.csv: Row 2" in bad.get_json()["errors"]["file"][0]
    assert client.post("/api/v1/la/screen", headers=officer).status_code == 422
    for school_staff in ("office@demo.school", "head@other.school"):
        headers = bearer(api_token(client, school_staff))
        refused = client.post("/api/v1/la/screen", headers=headers, content_type="multipart/form-data",
                              data={"file": [(io.BytesIO(the_la_file()), "la.csv")]})
        assert refused.status_code == 403


def test_an_la_screens_only_its_own_schools(client, app, backend):
    """Another LA's school with the same URN is not this LA's: its pupils are reported as an unknown school."""
    with app.app_context():
        far = LocalAuthority(name="Far LA", inbox_email="far@la.example.org", policy_profile="national-2024")
        db.session.add(far)
        db.session.add(School(name="Far School", la=far, urn="100001"))
        db.session.commit()
    login(client, "officer@demo.la")
    body = text(_post(client, the_la_file()))
    assert "School number 100001" in body and HELD_UPN not in body and "Far School" not in body


def test_school_staff_cannot_screen_the_la_and_see_only_their_own_pupils(client, app, backend):
    number_the_schools(app)
    login(client, "office@demo.school")
    assert client.get("/la/screening").status_code == 403
    # Their own screen of the same LA file is theirs: it lists what the file holds, named only from their roll.
    page = text(client.get("/screening/"))
    own = client.post("/screening/", data={"csrf_token": csrf(page), "code_set": "2024", "output": "page",
                                           "file": (io.BytesIO(la_file({"100001": marks("A100000000002", "O")})),
                                                    "school.csv")}, content_type="multipart/form-data")
    assert own.status_code == 200 and "B100000000003" not in text(own)


def test_the_command_screens_a_folder_for_an_la(tmp_path, app, backend, monkeypatch):
    number_the_schools(app)
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    folder = tmp_path / "la"
    folder.mkdir()
    # One file a school named by its number, without a school column; and a school the LA does not have.
    (folder / "100001.csv").write_bytes(b"upn,date,session,code\n" + b"".join(
        ",".join(r).encode() + b"\n" for r in marks("A100000000002", "O")))
    (folder / "880-2002.csv").write_bytes(la_file({"8802002": marks("B100000000003", "N")}))
    (folder / "123456.csv").write_bytes(b"upn,date,session,code\n" + b"".join(
        ",".join(r).encode() + b"\n" for r in marks("C100000000004", "N")))
    out = tmp_path / "list.csv"
    result = CliRunner().invoke(cli, ["screen", str(folder), "--la", "Demo Local Authority", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 pupils at 2 schools screened as of 13 March 2026" in result.output
    assert "School number 123456" in result.output and "No action recorded" in result.output
    assert "C100000000004" not in out.read_text() and "B100000000003" in out.read_text()
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="la_screened"))
        assert event.detail["files"] == 3 and event.actor.startswith("forms-service screen")
    unknown = CliRunner().invoke(cli, ["screen", str(folder), "--la", "Nowhere"])
    assert unknown.exit_code == 2 and "no local authority called Nowhere" in unknown.output


def test_the_screens_page_shows_its_progress_with_and_without_javascript(client, app, backend):
    """While no runner has the screen (workers run jobs: JOBS_IN_WEB off), its page shows a progress bar that
    refreshes itself without JavaScript, and progress.json says how far it has got; another LA's officer gets 404."""
    number_the_schools(app)
    app.config["JOBS_IN_WEB"] = False
    login(client, "officer@demo.la")
    page = text(client.get("/la/screening"))
    queued = client.post("/la/screening", data={"csrf_token": csrf(page), "code_set": "2024",
                                                "files": [(io.BytesIO(the_la_file()), "la.csv")]},
                         content_type="multipart/form-data")
    job_url = queued.headers["Location"]
    body = text(client.get(job_url))
    assert '<progress id="screen-progress"' in body and 'max="2" value="0"' in body and "Waiting to start" in body
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in body
    assert 'src="/assets/job-progress.js"' in body and f'data-progress-url="{job_url}/progress.json"' in body
    assert client.get(f"{job_url}/list.csv").status_code == 404  # nothing to download yet
    assert client.get(f"{job_url}/progress.json").get_json() == {
        "id": int(job_url.rsplit("/", 1)[1]), "status": "queued", "done": 0, "total": 2, "percent": 0,
        "stage": "Waiting to start", "text": "Waiting to start", "error": None, "finished": False}
    assert "Screening" in text(client.get("/la/screening"))  # listed among the recent screens
    assert runner.run_due(app) == 1
    done = client.get(f"{job_url}/progress.json").get_json()
    assert done["finished"] and done["percent"] == 100 and done["text"] == "Done"
    body = text(client.get(job_url))
    assert "LA screening results" in body and "noscript" not in body and "B100000000003" in body


def test_screens_go_when_their_retention_ends_but_the_las_latest_counts_stay(client, app, backend):
    number_the_schools(app)
    login(client, "officer@demo.la")
    first, latest = _post(client, the_la_file()), _post(client, the_la_file())
    assert "LA screening results" in text(first) and "LA screening results" in text(latest)
    with app.app_context():
        older, newer = db.session.scalars(db.select(ScreenJob).order_by(ScreenJob.id)).all()
        kept_files = {older.result_key, newer.result_key}
        assert {f.key for f in storage.list_files("la-screens/")} == kept_files
        now = utcnow()
        assert retention.purge(now + dt.timedelta(days=6)).rows.get("la_screens", 0) == 0
        assert retention.purge(now + dt.timedelta(days=8), dry_run=True).rows["la_screens"] == 2
        assert len(storage.list_files("la-screens/")) == 2
        report = retention.purge(now + dt.timedelta(days=8))
        assert report.rows["la_screens"] == 2 and storage.list_files("la-screens/") == []
        left = db.session.scalars(db.select(ScreenJob)).all()
        assert [job.id for job in left] == [newer.id]  # the LA's latest: its counts, no list
        assert left[0].result_key is None and left[0].summary["listed"] == 3
        newer_id = newer.id
    page = text(client.get(f"/la/screening/{newer_id}"))
    assert "This list was deleted on" in page and "A100000000002" not in page
    assert client.get(f"/la/screening/{newer_id}/list.csv").status_code == 404


def test_the_api_screens_in_the_background_and_answers_how_far_it_has_got(client, app, backend):
    number_the_schools(app)
    app.config["JOBS_IN_WEB"] = False  # a worker's: the job waits until the test runs it
    officer = bearer(api_token(client, "officer@demo.la"))
    queued = client.post("/api/v1/la/screens", headers=officer, content_type="multipart/form-data",
                         data={"file": [(io.BytesIO(the_la_file()), "la.csv")]})
    assert queued.status_code == 202, queued.get_json()
    body = queued.get_json()
    assert body["status"] == "queued" and body["finished"] is False and queued.headers["Location"] == body["links"]["self"]
    assert "result" not in client.get(body["links"]["self"], headers=officer).get_json()
    assert runner.run_due(app) == 1
    done = client.get(body["links"]["self"], headers=officer).get_json()
    assert done["status"] == "done" and done["summary"]["listed"] == 3 and done["result"]["pupils"] == 4
    assert {r["upn"] for r in done["result"]["rows"]} == {HELD_UPN, "A100000000002", "B100000000003"}
    as_csv = client.get(body["links"]["self"] + "?format=csv", headers=officer)
    assert as_csv.mimetype == "text/csv" and b"B100000000003" in as_csv.data
    bad = client.post("/api/v1/la/screens", headers=officer, content_type="multipart/form-data",
                      data={"file": [(io.BytesIO(b"URN,upn,date,session,code\n100001,A1,2026-01-05,AM,Q9\n"), "x.csv")]})
    assert runner.run_due(app) == 1
    failed = client.get(bad.get_json()["links"]["self"], headers=officer).get_json()
    assert failed["status"] == "failed" and "x.csv: Row 2" in failed["error"]
    assert client.post("/api/v1/la/screens", headers=officer).status_code == 422
    head = bearer(api_token(client, "head@demo.school"))
    assert client.get(body["links"]["self"], headers=head).status_code == 403


def test_the_screen_counts_threshold_crossings_per_week_for_each_of_the_las_schools(app, backend):
    """Each pupil absent without authority from 5 January meets the threshold in that week (10 sessions); the
    school the LA does not have is left out; every school week of each school is there, zeros too."""
    number_the_schools(app)
    with app.app_context():
        la = db.session.scalar(db.select(LocalAuthority).filter_by(name="Demo Local Authority"))
        result = screen_la([("la.csv", the_la_file())], la, load_profile(la.policy_profile))
        mondays = sorted({d - dt.timedelta(days=d.weekday()) for d in DAYS})
        assert [(week, school.name, n) for week, school, n in result.crossings] == [
            (week, name, {"Demo School": 2, "Other School": 1}[name] if week == mondays[0] else 0)
            for week in mondays for name in ("Demo School", "Other School")]
