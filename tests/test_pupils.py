"""The school's pupils, entered once (issue 18): the office types a child and their parents once — or
imports the pupils file its MIS exports — and chooses the child when starting any later letter or
request, which opens with their details and parents filled in (and changeable). Only the school's own
pupils are ever listed, on the page and in GET /api/v1/pupils; POST /api/v1/referrals takes `pupil`.
The imported list goes RETENTION_ROLL after the import."""
from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import pytest

from forms_service.models import AuditEvent, Referral, RollPupil, db
from forms_service.records import retention

from support.helpers import api_token, bearer, csrf, login, text
from support.records import AMELIA, KIAN, TOBIAS, create_letter, office

API = "/api/v1"
SAMPLES = Path(__file__).resolve().parent / "samples"
HEADER = ["upn", "first_name", "last_name", "date_of_birth", "year_group", "address", "parent1_name",
          "parent1_relationship", "parent1_address", "parent2_name", "parent2_relationship", "parent2_address"]
ROWS = [
    ["H801200451127", "Amelia", "Hartwright", "02/03/2013", "Year 8", "4 Orchard Way\nReddish\nSK5 7AA",
     "Claire Hartwright", "mother", "", "Paul Hartwright", "father", "22 Station Road\nDenton\nM34 3JJ"],
    ["J801200451140", "Jayden", "Okafor-Smith", "2012-10-01", "Year 9", "9 Mill Street\nStockport\nSK1 2AB",
     "Grace Okafor", "mother", "", "", "", ""],
    ["K801200451141", "Zoë", "Brennan", "2014-01-15", "Year 7", "1 Hill Top\nMarple\nSK6 6AA",
     "Niamh Brennan", "grandmother", "", "", "", ""],
]


def pupils_csv(rows=None, header=None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(ROWS if rows is None else rows)
    return out.getvalue().encode()


def upload(client, data: bytes):
    page = client.get("/pupils/import")
    assert page.status_code == 200
    return client.post("/pupils/import", data={"csrf_token": csrf(text(page)), "file": (io.BytesIO(data), "pupils.csv")},
                       content_type="multipart/form-data")


def api_pupils(client, headers, q=""):
    response = client.get(f"{API}/pupils", headers=headers, query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["pupils"]


# --- from the school's own records ----------------------------------------------------------------

@pytest.mark.db
def test_a_child_written_about_once_is_found_by_name_or_upn_and_only_by_their_school(client):
    demo = office(client)
    create_letter(client, demo, AMELIA)
    create_letter(client, demo, TOBIAS)
    other = office(client, "office@other.school")
    create_letter(client, other, KIAN)

    names = lambda found: [f"{p['first_name']} {p['last_name']}" for p in found]  # noqa: E731
    assert names(api_pupils(client, demo)) == ["Amelia Hartwright", "Tobias Nkemelu"]  # by last name
    assert names(api_pupils(client, demo, "amel")) == ["Amelia Hartwright"]
    assert names(api_pupils(client, demo, "  NKEM  ")) == ["Tobias Nkemelu"]
    assert names(api_pupils(client, demo, "tobias nk")) == ["Tobias Nkemelu"]
    assert names(api_pupils(client, demo, "amelia nkemelu")) == []  # every word must match the same child
    assert names(api_pupils(client, demo, "okonjo")) == []  # another school's child: never
    assert names(api_pupils(client, other, "reyes")) == ["Kian Okonjo-Reyes"]  # a part of a double-barrelled name
    found = api_pupils(client, demo, "hartwright")[0]
    assert found["id"].startswith("R") and found["source"] == "records"
    assert found["date_of_birth"] == AMELIA.dob and found["parents"] and found["parents"][0]["name"]
    # Two letters about one child: listed once, from the newer.
    create_letter(client, demo, AMELIA)
    assert names(api_pupils(client, demo, "amelia")) == ["Amelia Hartwright"]


@pytest.mark.db
def test_the_api_refuses_a_search_it_cannot_run_and_anyone_but_school_staff(client):
    demo = office(client)
    long = client.get(f"{API}/pupils", headers=demo, query_string={"q": "x" * 101})
    assert long.status_code == 422 and "100 characters or fewer" in long.get_json()["errors"]["q"][0]
    assert client.get(f"{API}/pupils", headers=demo, query_string={"q": "x" * 100}).status_code == 200
    misspelt = client.get(f"{API}/pupils", headers=demo, query_string={"query": "amelia"})
    assert misspelt.status_code == 422 and "query" in misspelt.get_json()["errors"]["query"]
    control = client.get(f"{API}/pupils", headers=demo, query_string={"q": "ab\x07"})
    assert control.status_code == 422 and "control characters" in control.get_json()["errors"]["q"][0]
    for email in ("officer@demo.la", "admin@demo.la"):
        assert client.get(f"{API}/pupils", headers=bearer(api_token(client, email))).status_code == 403
    assert client.get(f"{API}/pupils").status_code == 401


# --- the MIS export ------------------------------------------------------------------------------

@pytest.mark.db
def test_an_imported_list_is_searched_first_and_replaces_the_one_before(app, client):
    login(client, "office@demo.school")
    done = upload(client, pupils_csv())
    assert done.status_code == 302, text(done)[:3000]
    assert "3 pupils imported" in text(client.get(done.location))
    demo = office(client)
    assert [p["first_name"] for p in api_pupils(client, demo, "zoe")] == ["Zoë"]  # accents aside
    zoe = api_pupils(client, demo, "ZOË brennan")[0]
    assert zoe["id"].startswith("P") and zoe["source"] == "import" and zoe["upn"] == "K801200451141"
    assert zoe["parents"] == [{"name": "Niamh Brennan", "relationship": "grandmother"}]
    assert api_pupils(client, demo, "jones")  == [] and api_pupils(client, demo, "smith")[0]["first_name"] == "Jayden"
    assert api_pupils(client, demo, "01/03/2013") == []  # the date of birth is not searched
    assert api_pupils(client, demo, "H801200451127")[0]["date_of_birth"] == "2013-03-02"  # 02/03/2013, UK style

    # The same child in a record and in the list: listed once, as the MIS has them.
    create_letter(client, demo, AMELIA)
    found = api_pupils(client, demo, "amelia")
    assert len(found) == 1 and found[0]["source"] == "import" and found[0]["year_group"] == "Year 8"

    assert upload(client, pupils_csv(ROWS[:1])).status_code == 302
    assert [p["last_name"] for p in api_pupils(client, demo) if p["source"] == "import"] == ["Hartwright"]
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="pupils_imported")).all()
        assert [e.detail["pupils"] for e in events] == [3, 1] and events[1].detail["replaced"] == 3
        assert "Hartwright" not in json.dumps([e.detail for e in events])


@pytest.mark.parametrize("rows, header, problem", [
    ([ROWS[0][:3] + ["31/02/2013"] + ROWS[0][4:]], None, "row 2, column date_of_birth"),
    ([ROWS[0], ROWS[0]], None, "row 3, column upn: UPN H801200451127 is already on row 2"),
    ([[""] + ROWS[0][1:]], None, "row 2, column upn: the UPN is empty"),
    ([ROWS[0]], [h if h != "first_name" else "forename" for h in HEADER], "the column 'forename' is not one"),
    ([], None, "has no pupils in it"),
])
def test_a_faulty_pupils_file_imports_nothing_and_names_the_row_and_column(app, client, rows, header, problem):
    login(client, "office@demo.school")
    assert upload(client, pupils_csv()).status_code == 302
    response = upload(client, pupils_csv(rows, header))
    assert response.status_code == 422
    page = html.unescape(text(response))
    assert "The pupils were not imported" in page and problem in page, page[:4000]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(RollPupil)) == 3  # the earlier list stays


def test_a_file_that_is_not_a_pupils_file_is_refused_in_words(client):
    login(client, "office@demo.school")
    for data, problem in ((b"", "Select the pupils file"), (b"\x89PNG\r\n\x1a\n\x00\x00", "The pupils file")):
        response = upload(client, data)
        assert response.status_code == 422 and problem in text(response)


# --- starting a document for a pupil --------------------------------------------------------------

def _start(client, form_id: str, pupil: str | None, query: dict | None = None):
    page = client.get(f"/referrals/new/{form_id}", query_string=query or {})
    assert page.status_code == 200
    return client.post(f"/referrals/new/{form_id}",
                       data={"csrf_token": csrf(text(page)), **({"pupil": pupil} if pupil is not None else {})})


@pytest.mark.db
def test_starting_a_stage_2_letter_for_an_imported_pupil_fills_the_child_and_both_parents(app, client):
    login(client, "office@demo.school")
    assert upload(client, pupils_csv()).status_code == 302
    page = text(client.get("/referrals/new/stage2-letter", query_string={"q": "hartw"}))
    ids = re.findall(r'name="pupil" type="radio" value="(P\d+)"', page)
    assert len(ids) == 1 and "Amelia Hartwright" in page and "born 2 March 2013, Year 8, UPN H801200451127" in page
    started = _start(client, "stage2-letter", ids[0])
    assert started.status_code == 302 and started.location.endswith("/pages/pupil")
    rid = int(started.location.split("/")[-3])
    with app.app_context():
        data = db.session.get(Referral, rid).data
    assert data["pupil"] == {"first_name": "Amelia", "last_name": "Hartwright", "date_of_birth": "2013-03-02",
                             "year_group": "Year 8", "address": "4 Orchard Way\nReddish\nSK5 7AA"}  # no UPN: not asked
    assert [p["name"] for p in data["parents"]] == ["Claire Hartwright", "Paul Hartwright"]
    assert data["parents"][1]["address"] == "22 Station Road\nDenton\nM34 3JJ"
    # The first page shows them, to be checked and changed.
    assert 'value="Amelia"' in text(client.get(started.location))


@pytest.mark.db
def test_a_request_from_a_pupil_of_a_letter_takes_the_upn_it_asks_for(app, client):
    demo = office(client)
    login(client, "office@demo.school")
    assert upload(client, pupils_csv()).status_code == 302
    jayden = api_pupils(client, demo, "jayden")[0]
    created = client.post(f"{API}/referrals", headers=demo, json={"form": "penalty-notice-leave", "pupil": jayden["id"],
                                                                  "data": {"pupil": {"year_group": "Year 10"}}})
    assert created.status_code == 201, created.get_json()
    data = created.get_json()["data"]
    assert data["pupil"]["upn"] == "J801200451140" and data["pupil"]["first_name"] == "Jayden"
    assert data["pupil"]["year_group"] == "Year 10"  # what the caller gave is laid over the pupil's
    assert data["parents"][0]["name"] == "Grace Okafor"


@pytest.mark.db
def test_a_pupil_that_is_not_the_schools_is_refused(app, client):
    other = office(client, "office@other.school")
    kian_record = create_letter(client, other, KIAN)
    demo = office(client)
    for bad in (f"R{kian_record}", "P999999", "X1", "R0", "1" * 21):
        response = client.post(f"{API}/referrals", headers=demo, json={"form": "stage2-letter", "pupil": bad})
        assert response.status_code == 422, (bad, response.get_json())
        errors = response.get_json()["errors"]
        assert "pupil" in errors.get("json", errors), bad  # the body's own check names it under "json"
    login(client, "office@demo.school")
    before = _count(app)
    response = _start(client, "stage2-letter", f"R{kian_record}")
    assert response.status_code == 422 and "Select a pupil from the list" in text(response)
    assert "Okonjo" not in text(response) and _count(app) == before


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Referral))


def test_a_blank_start_still_works_and_the_pupils_page_links_to_every_form(app, client):
    login(client, "office@demo.school")
    started = _start(client, "final-warning", "")
    assert started.status_code == 302
    with app.app_context():
        assert db.session.get(Referral, int(started.location.split("/")[-3])).data in ({}, None)
    demo = office(client)
    create_letter(client, demo, TOBIAS)
    tobias = api_pupils(client, demo, "tobias")[0]["id"]
    page = text(client.get("/pupils/", query_string={"q": "tobias"}))
    assert f"/referrals/?pupil={tobias}" in page
    index = text(client.get("/referrals/", query_string={"pupil": tobias}))
    assert "Choose what to start for Tobias Nkemelu" in index
    assert f"/referrals/new/penalty-notice-leave?pupil={tobias}" in index
    assert f"/referrals/new/stage2-letter?pupil={tobias}" in index
    start = text(client.get(f"/referrals/new/stage2-letter?pupil={tobias}"))
    assert re.search(rf'value="{tobias}" checked', start)


# --- retention ------------------------------------------------------------------------------------

@pytest.mark.parametrize("after, kept", [(-dt.timedelta(seconds=1), True), (dt.timedelta(0), True),
                                         (dt.timedelta(seconds=1), False)])
def test_an_import_goes_a_year_after_it_was_made(app, client, after, kept):
    login(client, "office@demo.school")
    assert upload(client, pupils_csv()).status_code == 302
    with app.app_context():
        imported = db.session.scalar(db.select(RollPupil.imported_at))
        # RETENTION_ROLL is 1y, in calendar years: the anniversary of the import, then a second either side.
        anniversary = retention.add_period(imported, "roll")
        assert anniversary.date() == imported.date().replace(year=imported.year + 1)
        report = retention.purge(now=anniversary + after)
        left = db.session.scalar(db.select(db.func.count()).select_from(RollPupil))
    assert left == (3 if kept else 0)
    assert report.rows.get("roll_pupils", 0) == (0 if kept else 3)
