"""Subject access (issue 5): an admin exports everything held about one pupil in their LA as a zip —
every record, every signed version's files byte for byte, evidence (also replaced evidence), the LA's
decisions, emails and audit trail, with a README — and nothing about another pupil or another LA's
records; the export is audited; only an admin reaches it. Records made through the API."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school
from forms_service.models import AuditEvent, LocalAuthority, Referral, User, db
from forms_service.records import subject_access

from conftest import PASSWORD
from support.helpers import csrf, login, logout, text
from support.records import AMELIA, FREYA, create_letter, create_referral, decide, office, sign
from support.snapshot import made_once

URL = "/admin/subject-access/"


def _northshire(app) -> None:
    with app.app_context():
        la = get_or_create_la("Northshire County Council", "legal@northshire.test")
        school = get_or_create_school("Northshire High School", la)
        db.session.flush()
        create_user("office@northshire.test", PASSWORD, "office", "Nia North", school=school)
        db.session.commit()


def _records(app, client) -> dict:
    """Freya: a request signed, returned by the LA, corrected and signed again (v1 and v2), a letter at
    the other school of the same LA; Amelia (another pupil) at Demo School; and a request with Freya's
    very UPN, name and birth date at a school of another LA."""
    demo = office(client)
    freya = create_referral(client, demo, FREYA)
    sign(client, freya, demo)
    decide(client, freya, "return")
    corrected = client.patch(f"/api/v1/referrals/{freya}", headers=demo,
                             json={"data": {"pupil": {"year_group": "Year 9"}}})
    assert corrected.status_code == 200, corrected.get_json()
    sign(client, freya, demo)
    other_school = office(client, "office@other.school")
    letter = create_letter(client, other_school, FREYA)
    amelia = create_referral(client, demo, AMELIA)
    _northshire(app)
    elsewhere = create_referral(client, office(client, "office@northshire.test"), FREYA, replace_one=False)
    return {"freya": freya, "letter": letter, "amelia": amelia, "elsewhere": elsewhere}


@pytest.fixture
def pupils_records(app, client, backend, setups_made_once) -> dict:
    """`_records(app, client)`. Made once per backend (a request signed twice, and three more records) and
    restored into each test's own database and storage."""
    return made_once(setups_made_once, backend, app, lambda: _records(app, client))


def _download(client, data: dict):
    page = client.get(URL)
    assert page.status_code == 200
    assert "Export a pupil" in text(page)
    # A browser always sends the date's three inputs, blank or not.
    return client.post(URL, data={"csrf_token": csrf(text(page)), "date_of_birth": ["", "", ""], **data})


def _texts(zf: zipfile.ZipFile) -> str:
    return "\n".join(zf.read(n).decode() for n in zf.namelist() if n.endswith((".json", ".txt")))


def test_admin_exports_everything_about_the_pupil_and_nothing_else(app, client, pupils_records):
    ids = pupils_records
    login(client, "admin@demo.la")
    response = _download(client, {"upn": FREYA.upn})
    assert response.status_code == 200, text(response)[:2000]
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    names = zf.namelist()

    with app.app_context():
        freya = db.session.get(Referral, ids["freya"])
        letter = db.session.get(Referral, ids["letter"])
        folder = freya.reference
        # By UPN: the request (the letter's form has no UPN, so it is found by name, below).
        assert {n.split("/")[0] for n in names if "/" in n} == {folder}
        assert [p.version for p in freya.packs] == [1, 2]
        for pack in freya.packs:
            for item in pack.files:
                name = f"{folder}/signed-v{pack.version}/{item.name}"
                assert name in names, name
                assert zf.read(name) == (Path(app.config["STORAGE_DIR"]) / item.storage_key).read_bytes()
            signed = json.loads(zf.read(f"{folder}/signed-v{pack.version}/signed.json"))
            assert signed["answers_as_signed"]["pupil"]["last_name"] == FREYA.last
            assert signed["register_as_signed"] == pack.register  # the marks as signed (issue 17)
        for evidence in freya.evidence:
            assert zf.read(f"{folder}/evidence/{evidence.kind}-{evidence.filename}") == \
                (Path(app.config["STORAGE_DIR"]) / evidence.storage_key).read_bytes()
        replaced = [n for n in names if n.startswith(f"{folder}/evidence-replaced/")]
        assert len(replaced) == 1 and "leave_request" in replaced[0]
        record = json.loads(zf.read(f"{folder}/record.json"))
        assert record["answers"]["pupil"]["upn"] == FREYA.upn and record["status"] == "signed"
        assert record["answers"]["pupil"]["year_group"] == "Year 9"
        assert record["retention"]["record_type"] == "signed"
        decisions = json.loads(zf.read(f"{folder}/la-decisions.json"))
        assert [d["decision"] for d in decisions] == ["return"] and "not dated" in decisions[0]["reasons"]
        # Two packs to the LA, the return notice, and (issue 17) the head's two "waiting for your sign-off"
        # and the office's copy of the return.
        assert len(json.loads(zf.read(f"{folder}/emails.json"))) == 6
        actions = [e["action"] for e in json.loads(zf.read(f"{folder}/audit.json"))]
        for expected in ("created", "evidence_uploaded", "submitted", "signed", "returned_by_la"):
            assert expected in actions
        readme = zf.read("README.txt").decode()
        assert "signed-vN/" in readme and folder in readme and "1 record(s) found" in readme

        everything = _texts(zf)
        assert AMELIA.last not in everything and AMELIA.upn not in everything
        assert "Northshire" not in everything
        elsewhere = db.session.get(Referral, ids["elsewhere"])
        assert elsewhere.reference not in everything

        # The export is on the record's trail (with the criteria) and on the service's (without them).
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == subject_access.ACTION)
                                    .order_by(AuditEvent.id)).all()
        on_record = [e for e in events if e.referral_id == freya.id]
        assert len(on_record) == 1 and on_record[0].actor == "admin@demo.la"
        assert on_record[0].detail["criteria"] == {"upn": FREYA.upn}
        summary = next(e for e in events if e.referral_id is None)
        assert summary.role == "admin" and summary.detail["records"] == 1 and summary.detail["by"] == ["upn"]
        assert FREYA.upn not in json.dumps(summary.detail) and FREYA.last not in json.dumps(summary.detail)

        letter_ref = letter.reference

    # By name and date of birth: the request and the letter at the other school of the same LA.
    day, month, year = FREYA.dob[8:], FREYA.dob[5:7], FREYA.dob[:4]
    response = _download(client, {"first_name": " freya ", "last_name": FREYA.last.upper(),
                                  "date_of_birth": [day, month, year]})
    assert response.status_code == 200, text(response)[:2000]
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    assert {n.split("/")[0] for n in zf.namelist() if "/" in n} == {folder, letter_ref}
    letter_record = json.loads(zf.read(f"{letter_ref}/record.json"))
    assert letter_record["form"] == "final-warning" and letter_record["school"] == "Other School"
    assert AMELIA.last not in _texts(zf)


def test_search_needs_a_upn_or_the_whole_name_and_date_of_birth(app, client):
    login(client, "admin@demo.la")
    response = _download(client, {"first_name": "Freya", "last_name": FREYA.last})
    assert response.status_code == 422
    assert "Enter the pupil&#39;s date of birth" in text(response) or "Enter the pupil's date of birth" in text(response)
    response = _download(client, {})
    assert response.status_code == 422 and "UPN" in text(response)
    # No match is an empty export (with its README), not an error.
    response = _download(client, {"upn": "Z999999999999"})
    assert response.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(zf.namelist()) == ["README.txt", "search.json"]
    assert "0 record(s) found" in zf.read("README.txt").decode()


@pytest.mark.parametrize("email", ["office@demo.school", "head@demo.school", "officer@demo.la"])
def test_only_an_admin_reaches_the_export(app, client, email):
    login(client, email)
    assert client.get(URL).status_code == 403
    page = client.get("/sign-in")
    assert client.post(URL, data={"csrf_token": csrf(text(page)), "upn": FREYA.upn}).status_code == 403
    logout(client)
    assert client.get(URL).status_code == 302  # signed out: to the sign-in page


def test_admin_of_another_la_finds_nothing(app, client, pupils_records):
    ids = pupils_records
    with app.app_context():
        la = db.session.scalar(select(LocalAuthority).filter_by(name="Northshire County Council"))
        create_user("admin@northshire.test", PASSWORD, "admin", "Ned North", la=la)
        db.session.commit()
    login(client, "admin@northshire.test")
    response = _download(client, {"upn": FREYA.upn})
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    with app.app_context():
        elsewhere = db.session.get(Referral, ids["elsewhere"]).reference
        demo_refs = [db.session.get(Referral, ids[k]).reference for k in ("freya", "letter", "amelia")]
    assert {n.split("/")[0] for n in zf.namelist() if "/" in n} == {elsewhere}
    assert not any(ref in _texts(zf) for ref in demo_refs)
    with app.app_context():
        office_user = db.session.scalar(select(User).filter_by(email="office@demo.school"))
        with pytest.raises(PermissionError):
            subject_access.export(office_user, upn=FREYA.upn)


def test_export_pupil_command(app, client, tmp_path, pupils_records):
    ids = pupils_records
    out = tmp_path / "freya.zip"
    runner = CliRunner(env={"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                            "STORAGE_DIR": app.config["STORAGE_DIR"], "SECRET_KEY": "test"})
    from forms_service.cli import main

    with app.app_context():
        la_name = db.session.get(Referral, ids["freya"]).school.la.name
        freya_ref = db.session.get(Referral, ids["freya"]).reference
        letter_ref = db.session.get(Referral, ids["letter"]).reference
    result = runner.invoke(main, ["export-pupil", "--la", la_name, "--first-name", FREYA.first, "--last-name",
                                  FREYA.last, "--date-of-birth", FREYA.dob, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 record(s)" in result.output and FREYA.last not in result.output
    zf = zipfile.ZipFile(out)
    assert {n.split("/")[0] for n in zf.namelist() if "/" in n} == {freya_ref, letter_ref}
    bad = runner.invoke(main, ["export-pupil", "--la", la_name, "--first-name", "Freya", "--out", str(out)])
    assert bad.exit_code != 0 and "last name" in bad.output
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == subject_access.ACTION,
                                                           AuditEvent.referral_id.is_(None)))
        assert event.actor.startswith("forms-service export-pupil") and event.detail["records"] == 2
        assert re.fullmatch(r"\w+", event.detail["by"][0])


def test_the_export_holds_the_pupil_as_the_schools_imported_them(app, client):
    """Issue 18: a school's imported pupils list holds the child and their parents, so the export has
    them (`pupil-lists.json`): this LA's schools only, this child only."""
    from test_pupils import HEADER, pupils_csv, upload

    freya = [FREYA.upn, FREYA.first, FREYA.last, FREYA.dob, "Year 8", "3 Heath Row\nMarple\nSK6 7AB",
             "Ingrid Lindqvist", "mother", "", "", "", ""]
    amelia = [AMELIA.upn, AMELIA.first, AMELIA.last, AMELIA.dob, "Year 8", "4 Orchard Way\nReddish\nSK5 7AA",
              "Claire Hartwright", "mother", "", "", "", ""]
    login(client, "office@other.school")
    assert upload(client, pupils_csv([freya, amelia], HEADER)).status_code == 302
    _northshire(app)
    client.get("/sign-out")
    login(client, "office@northshire.test")
    assert upload(client, pupils_csv([freya], HEADER)).status_code == 302  # another LA's school
    client.get("/sign-out")
    login(client, "admin@demo.la")
    response = _download(client, {"upn": FREYA.upn})
    assert response.status_code == 200, text(response)[:2000]
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        listed = json.loads(zf.read("pupil-lists.json"))
        assert "pupil-lists.json" in zf.read("README.txt").decode()
    assert [(entry["school"], entry["pupil"]["last_name"]) for entry in listed] == [("Other School", "Lindqvist")]
    assert listed[0]["parents"] == [{"name": "Ingrid Lindqvist", "relationship": "mother"}]
