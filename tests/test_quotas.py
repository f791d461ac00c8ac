"""Limits on uploads (issue 14, finding 9): a school's evidence files, replaced and removed ones
included, may not take it past SCHOOL_STORAGE_QUOTA; a user may make UPLOADS_PER_HOUR uploads (evidence,
register marks) and HEAVY_JOBS_PER_HOUR heavy jobs (a whole-school screen, a bulk-letter run) in a clock
hour, counted in the database with one conditional UPDATE so that processes agree and requests at once
cannot both take the last place. Each refusal names the field and says what to do: 422 for the quota,
429 with Retry-After for a rate, on the page (GOV.UK error summary, the answers kept) and in the API."""
from __future__ import annotations

import datetime as dt
import io
import threading

import lxml.html
import pytest
from test_bulk_letters import start as start_letters, web_fields
from test_screening import _upload as screen, school_csv

from forms_service.access import quotas
from forms_service.config import Config, parse_size
from forms_service.models import RateCount, User, db
from forms_service.records import retention

from support.helpers import (api_token, bearer, csrf, json_data, login, make_pdf, register_csv_for, register_json_for,
                             text)

API = "/api/v1"
FORM = "penalty-notice-leave"
OFFICE = "office@demo.school"


def new_referral(client, office: dict) -> int:
    created = client.post(f"{API}/referrals", headers=office, json={"form": FORM, "data": json_data()})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def api_upload(client, office: dict, rid: int, data: bytes, kind: str = "leave_request"):
    return client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                       data={"kind": kind, "file": (io.BytesIO(data), "letter.pdf")})


def web_upload(client, rid: int, data: bytes, kind: str = "warning_letter"):
    url = f"/referrals/{rid}/evidence"
    return client.post(url, content_type="multipart/form-data",
                       data={"csrf_token": csrf(text(client.get(url))), "kind": kind,
                             "file": (io.BytesIO(data), "letter.pdf")})


def summary_links(response) -> dict[str, list[str]]:
    """{href: [message]} of the page's GOV.UK error summary."""
    page = lxml.html.document_fromstring(text(response))
    out: dict[str, list[str]] = {}
    for summary in page.find_class("govuk-error-summary"):
        for a in summary.iter("a"):
            out.setdefault(a.get("href"), []).append(a.text_content().strip())
    return out


def retry_after(response) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 3600
    return seconds


# --- storage quota -------------------------------------------------------------------------------

@pytest.mark.db
def test_the_schools_storage_quota_counts_replaced_files_and_holds_at_its_boundary(app, client):
    office = bearer(api_token(client, OFFICE))
    rid = new_referral(client, office)
    first, second, third = make_pdf("Leave request"), make_pdf("Leave request, signed"), make_pdf("Warning letter")
    assert api_upload(client, office, rid, first).status_code == 201
    used = len(first)
    with app.app_context():
        assert quotas.school_bytes(1) == used

    # Replacing the leave request: the first file is kept, so it still counts.
    app.config["SCHOOL_STORAGE_QUOTA"] = used + len(second) - 1  # one byte short
    refused = api_upload(client, office, rid, second)
    assert refused.status_code == 422
    message = refused.get_json()["errors"]["file"][0]
    assert message.startswith("The file cannot be stored: your school's files take up") and \
        "Ask your local authority or the service administrator to raise the school's allowance" in message
    app.config["SCHOOL_STORAGE_QUOTA"] = used + len(second)  # exactly enough
    assert api_upload(client, office, rid, second).status_code == 201
    used += len(second)

    # On the page: the message on the file's answer, in the error summary; one byte more is allowed.
    login(client, OFFICE)
    app.config["SCHOOL_STORAGE_QUOTA"] = used + len(third) - 1
    page = web_upload(client, rid, third)
    assert page.status_code == 422 and summary_links(page)["#file"][0].startswith("The file cannot be stored")
    app.config["SCHOOL_STORAGE_QUOTA"] = used + len(third)
    assert web_upload(client, rid, third).status_code == 302
    evidence = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["evidence"]
    assert sorted(e["kind"] for e in evidence) == ["leave_request", "warning_letter"]

    # Another school's files are its own: its office may still upload.
    other = bearer(api_token(client, "office@other.school"))
    assert api_upload(client, other, new_referral(client, other), third).status_code == 201


@pytest.mark.db
def test_two_uploads_at_once_cannot_both_fit_in_the_last_room(app, client):
    """Room for one more file and two uploads at the same moment (two clients, two kinds): exactly one
    is stored, on either database, because a school's uploads take turns from the quota check to commit."""
    office = bearer(api_token(client, OFFICE))
    rid = new_referral(client, office)
    files = {"leave_request": make_pdf("Leave request"), "warning_letter": make_pdf("Warning letter")}
    app.config["SCHOOL_STORAGE_QUOTA"] = max(len(f) for f in files.values())
    statuses, barrier = [], threading.Barrier(len(files))

    def upload(kind: str):
        own = app.test_client()
        barrier.wait()
        statuses.append(api_upload(own, office, rid, files[kind], kind).status_code)

    threads = [threading.Thread(target=upload, args=(kind,)) for kind in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 422]
    assert len(client.get(f"{API}/referrals/{rid}", headers=office).get_json()["evidence"]) == 1


def test_sizes_are_read_as_people_write_them():
    assert parse_size("5GB") == 5 * 1024 ** 3 and parse_size("500 mb") == 500 * 1024 ** 2
    assert parse_size("1024") == 1024 and parse_size("64KB") == 65536
    for bad in ("0", "5 GiB", "-1GB", "lots"):
        with pytest.raises(ValueError, match="SCHOOL_STORAGE_QUOTA"):
            Config({"SCHOOL_STORAGE_QUOTA": bad})
    assert Config({}).SCHOOL_STORAGE_QUOTA == 5 * 1024 ** 3
    with pytest.raises(ValueError, match="UPLOADS_PER_HOUR"):
        Config({"UPLOADS_PER_HOUR": "0"})


# --- uploads per hour ----------------------------------------------------------------------------

@pytest.mark.db
def test_uploads_per_hour_at_the_boundary_on_the_api_and_per_user(app, client):
    app.config["UPLOADS_PER_HOUR"] = 3
    office = bearer(api_token(client, OFFICE))
    rid = new_referral(client, office)  # no register: not an upload
    pdf = make_pdf("Leave request")
    assert api_upload(client, office, rid, pdf).status_code == 201  # 1
    patched = client.patch(f"{API}/referrals/{rid}", headers=office,  # 2: register marks are an upload
                           json={"data": {}, "register": register_json_for(json_data())})
    assert patched.status_code == 200, patched.get_json()
    assert api_upload(client, office, rid, pdf, "warning_letter").status_code == 201  # 3: at the limit
    over = api_upload(client, office, rid, pdf, "registration_certificate")  # 4: one over
    assert over.status_code == 429
    body = over.get_json()
    assert body["code"] == 429 and body["errors"] == {"file": [body["message"]]}
    assert body["message"].startswith("You have reached the limit of 3 uploads an hour. Wait ")
    retry_after(over)
    again = client.patch(f"{API}/referrals/{rid}", headers=office,
                         json={"data": {}, "register": register_json_for(json_data())})
    assert again.status_code == 429 and list(again.get_json()["errors"]) == ["register"]
    assert client.patch(f"{API}/referrals/{rid}", headers=office, json={"data": {}}).status_code == 200  # no upload
    assert "registration_certificate" not in {e["kind"] for e in
                                              client.get(f"{API}/referrals/{rid}", headers=office).get_json()["evidence"]}
    # The headteacher of the same school has an hour of their own.
    head = bearer(api_token(client, "head@demo.school"))
    assert api_upload(client, head, rid, pdf, "registration_certificate").status_code == 201


@pytest.mark.db
def test_the_evidence_and_register_pages_say_when_to_try_again_and_keep_the_answers(app, client):
    app.config["UPLOADS_PER_HOUR"] = 1
    office = bearer(api_token(client, OFFICE))
    rid = new_referral(client, office)
    login(client, OFFICE)
    assert web_upload(client, rid, make_pdf("Warning letter")).status_code == 302  # the one allowed
    refused = web_upload(client, rid, make_pdf("Certificate"), kind="registration_certificate")
    assert refused.status_code == 429
    retry_after(refused)
    assert summary_links(refused)["#file"][0].startswith("You have reached the limit of 1 upload an hour")
    kept = lxml.html.document_fromstring(text(refused)).xpath('//input[@name="kind"][@checked]')
    assert [i.get("value") for i in kept] == ["registration_certificate"]  # what was chosen stays chosen

    url = f"/referrals/{rid}/register"
    page = client.post(url, content_type="multipart/form-data",
                       data={"csrf_token": csrf(text(client.get(url))), "code_set": "2006",
                             "file": (io.BytesIO(register_csv_for(json_data()).encode()), "marks.csv")})
    assert page.status_code == 429
    retry_after(page)
    assert summary_links(page)["#file"][0].startswith("You have reached the limit")
    assert lxml.html.document_fromstring(text(page)).xpath('//input[@name="code_set"][@checked]/@value') == ["2006"]


@pytest.mark.db
def test_taking_a_place_is_atomic_when_requests_come_at_once(app):
    """Eight requests at once for five places: exactly five get one, on either database."""
    app.config["UPLOADS_PER_HOUR"] = 5
    outcomes, barrier = [], threading.Barrier(8)

    def one():
        with app.app_context():
            user = db.session.scalar(db.select(User).filter_by(email=OFFICE))
            barrier.wait()
            try:
                quotas.take(user, quotas.UPLOAD, field="file")
                outcomes.append("taken")
            except quotas.LimitReached:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["taken"] * 5
    with app.app_context():
        assert db.session.scalar(db.select(RateCount.count)) == 5


@pytest.mark.db
def test_a_new_hour_starts_a_new_count_and_past_hours_are_purged(app):
    app.config["UPLOADS_PER_HOUR"] = 2
    ten = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=OFFICE))
        head = db.session.scalar(db.select(User).filter_by(email="head@demo.school"))
        quotas.take(user, quotas.UPLOAD, field="file", now=ten)
        quotas.take(user, quotas.UPLOAD, field="file", now=ten + dt.timedelta(minutes=59, seconds=58))
        with pytest.raises(quotas.LimitReached) as refused:
            quotas.take(user, quotas.UPLOAD, field="file", now=ten + dt.timedelta(minutes=59, seconds=59))
        assert refused.value.retry_after == 1 and "Wait 1 minute and" in refused.value.message
        quotas.take(user, quotas.UPLOAD, field="file", now=ten + dt.timedelta(hours=1))  # 11:00, a new hour
        quotas.take(head, quotas.UPLOAD, field="file", now=ten)
        # The user's own past hour went when they took a place; the purge removes everyone's.
        assert len(db.session.scalars(db.select(RateCount)).all()) == 2
        report = retention.purge(now=ten + dt.timedelta(hours=1, minutes=5))
        assert report.rows["rate_counts"] == 1
        assert [r.window_start for r in db.session.scalars(db.select(RateCount))] == [ten + dt.timedelta(hours=1)]


# --- heavy jobs per hour -------------------------------------------------------------------------

@pytest.mark.db
def test_heavy_jobs_per_hour_cover_screening_and_bulk_letters(app, client):
    app.config["HEAVY_JOBS_PER_HOUR"] = 1
    login(client, OFFICE)
    assert screen(client, "page", school_csv()).status_code == 200  # the one allowed
    refused = screen(client, "csv", school_csv())
    assert refused.status_code == 429
    retry_after(refused)
    message = summary_links(refused)["#file"][0]
    assert message.startswith("You have reached the limit of 1 whole-school screen or letter run an hour")
    assert lxml.html.document_fromstring(text(refused)).xpath('//input[@name="output"][@checked]/@value') == ["csv"]

    letters = start_letters(client, web_fields(below="85"))
    assert letters.status_code == 429
    retry_after(letters)
    assert [m[:60] for m in summary_links(letters)["#register"]] == [message[:60]]
    assert lxml.html.document_fromstring(text(letters)).xpath('//input[@name="below"]/@value') == ["85"]
    # Another user of the school has their own hour.
    login(client, "head@demo.school")
    assert screen(client, "page", school_csv()).status_code == 200
