"""The browser journey through the Flask test client: office fills the request in over the GOV.UK
question pages, the headteacher reviews and signs, the LA officer downloads the pack.

CSRF is on, as in production: every POST carries the token read from the page it came from.
Every response is checked for a 500 (`fetch` and `send` below).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import io
import re

import pytest

from forms_service.formdefs import get_form
from forms_service.models import Referral, User, db
from forms_service.referrals import actions
from forms_service.referrals.signing import sign as sign_referral

from conftest import PASSWORD
from support.helpers import (EVIDENCE_KINDS, FORM_ID, csrf, data_dates, json_data, login, logout, make_pdf,
                             register_csv_for, text)

DECLARATION = get_form(FORM_ID)
HOSTILE = "{{ 7*7 }} <script>alert(1)</script>"
HOSTILE_ESCAPED = "{{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt;"


# --- helpers ----------------------------------------------------------------------------------

def fetch(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code != 500, f"GET {url} gave a 500"
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    return response


def send(client, url: str, data: dict, status: int | None = 302, *, page: str | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token (and the referral's version) of the page."""
    page = page if page is not None else text(fetch(client, url))
    body = {"csrf_token": csrf(page)}
    version = hidden(page, "version")
    if version is not None:
        body["version"] = version
    body.update(data)
    response = client.post(url, data=body, **kwargs)
    assert response.status_code != 500, f"POST {url} gave a 500"
    if status is not None:
        assert response.status_code == status, f"POST {url}: {response.status_code}\n{text(response)[:3000]}"
    return response


def hidden(page: str, name: str) -> str | None:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    return html_lib.unescape(match.group(1)) if match else None


def date_parts(day: dt.date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def input_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"', page)
    return html_lib.unescape(match.group(1)) if match else None


def date_values(page: str, name: str) -> list[str]:
    return [html_lib.unescape(v) for v in
            re.findall(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"', page)]


def error_summary(page: str) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert match, "no GOV.UK error summary on the page"
    return match.group(0)


def field_errors(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", m).replace("Error:", "").strip()
            for m in re.findall(r'<p[^>]*class="govuk-error-message"[^>]*>(.*?)</p>', page, re.S)]


def upload_file(client, url: str, fields: dict, filename: str, content: bytes, status: int | None = 302):
    page = text(fetch(client, url))
    data = {"csrf_token": csrf(page), **fields, "file": (io.BytesIO(content), filename)}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code != 500, f"POST {url} gave a 500"
    if status is not None:
        assert response.status_code == status, f"POST {url}: {response.status_code}\n{text(response)[:3000]}"
    return response


def referral_id_from(location: str) -> int:
    return int(re.search(r"/referrals/(\d+)/", location).group(1))


def pupil_page_data(**overrides) -> dict:
    dates = data_dates()
    data = {
        "pupil__first_name": "Oliver", "pupil__last_name": "Bennett",
        "pupil__date_of_birth": date_parts(dates["pupil.date_of_birth"]),
        "pupil__upn": "K820500112237", "pupil__year_group": "Year 8",
        "pupil__address": "17 Marlowe Road\r\nWestcliff-on-Sea\r\nSS0 7QT", "pupil__looked_after": "no",
    }
    data.update(overrides)
    return data


def start_request(client) -> int:
    fetch(client, "/referrals/")
    response = send(client, f"/referrals/new/{FORM_ID}", {})
    assert response.location.endswith("/pages/pupil")
    return referral_id_from(response.location)


def late_data() -> dict:
    """Leave six weeks earlier than json_data's, with the request dated 20 days after the return:
    within the deadline as typed, long past it today."""
    data = json_data()
    data["leave"] = {k: (dt.date.fromisoformat(v) - dt.timedelta(weeks=6)).isoformat() for k, v in data["leave"].items()}
    back = dt.date.fromisoformat(data["leave"]["return_date"])
    data["referral_date"] = (back + dt.timedelta(days=20)).isoformat()
    return data


def make_referral(app, *, first_name="Oliver", submit=False, sign=False, late=False) -> int:
    """A complete referral made through the shared actions (what the pages call), for tests about
    what the pages show rather than how they are filled in."""
    with app.app_context():
        office = db.session.scalar(db.select(User).filter_by(email="office@demo.school"))
        data = late_data() if late else json_data()
        data["pupil"]["first_name"] = first_name
        referral = actions.create(office, FORM_ID, data)
        for kind in EVIDENCE_KINDS:
            actions.attach_evidence(office, referral, kind, f"{kind}.pdf", make_pdf(kind))
        if submit or sign:
            actions.submit(office, referral)
        if sign:
            head = db.session.scalar(db.select(User).filter_by(email="head@demo.school"))
            sign_referral(head, referral, name="Harriet Head", declaration=True)
        return referral.id


# --- the whole journey ------------------------------------------------------------------------

def test_office_to_head_to_la_officer(client, app):
    dates = data_dates()

    # Office staff start a request.
    login(client, "office@demo.school")
    rid = start_request(client)
    base = f"/referrals/{rid}"

    # The child: first with an impossible date of birth. The error is in the summary and next to
    # the field, and everything typed is still there.
    typed = pupil_page_data(pupil__date_of_birth=["30", "2", "2013"])
    response = send(client, f"{base}/pages/pupil", typed, status=422)
    page = text(response)
    summary = error_summary(page)
    assert "Date of birth must be a real date" in summary
    assert 'href="#pupil__date_of_birth' in summary
    assert any("Date of birth must be a real date" in e for e in field_errors(page))
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert input_value(page, "pupil__first_name") == "Oliver"
    assert input_value(page, "pupil__upn") == "K820500112237"
    assert date_values(page, "pupil__date_of_birth") == ["30", "2", "2013"]
    address = re.search(r'<textarea[^>]*name="pupil__address"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert html_lib.unescape(address).strip().splitlines() == ["17 Marlowe Road", "Westcliff-on-Sea", "SS0 7QT"]
    assert re.search(r'value="no" checked|checked[^>]*value="no"', page)
    # Nothing was saved from the bad page.
    with app.app_context():
        assert not (db.session.get(Referral, rid).data or {}).get("pupil")

    response = send(client, f"{base}/pages/pupil", pupil_page_data(), page=page)
    assert response.location.endswith(f"{base}/pages/parents")

    # Parents: the first, then "Add another" for the second; the first is kept.
    page = text(fetch(client, f"{base}/pages/parents"))
    assert 'name="parents-0-name"' in page and 'name="parents-1-name"' not in page
    first = {"parents-0-name": "Sarah Bennett", "parents-0-date_of_birth": ["3", "6", "1984"],
             "parents-0-relationship": "mother", "parents-0-address": ""}
    response = send(client, f"{base}/pages/parents", {**first, "add-parents": "1"}, status=200, page=page)
    page = text(response)
    assert input_value(page, "parents-0-name") == "Sarah Bennett"
    assert 'name="parents-1-name"' in page
    second = {"parents-1-name": "Daniel Bennett", "parents-1-date_of_birth": ["22", "11", "1981"],
              "parents-1-relationship": "father",
              "parents-1-address": "Flat 2, 88 Hamlet Court Road\r\nWestcliff-on-Sea\r\nSS0 7LX"}
    response = send(client, f"{base}/pages/parents", {**first, **second}, page=page)
    assert response.location.endswith(f"{base}/pages/leave")

    # The leave; the date of the request is filled in with today.
    page = text(fetch(client, f"{base}/pages/leave"))
    assert date_values(page, "referral_date") == [f"{dates['referral_date']:%d}", f"{dates['referral_date']:%m}",
                                                  f"{dates['referral_date']:%Y}"]
    response = send(client, f"{base}/pages/leave", {
        "leave__start_date": date_parts(dates["leave.start_date"]),
        "leave__end_date": date_parts(dates["leave.end_date"]),
        "leave__return_date": date_parts(dates["leave.return_date"]),
        "figures__leave_sessions": "",  # the register will count them
        "referral_date": date_parts(dates["referral_date"]),
    }, page=page)
    assert response.location.endswith(f"{base}/pages/previous")

    # No previous penalty notices.
    page = text(fetch(client, f"{base}/pages/previous"))
    assert "None added." in page
    response = send(client, f"{base}/pages/previous", {}, page=page)
    assert response.location.endswith(f"{base}/pages/policies")

    response = send(client, f"{base}/pages/policies", {"policies_confirmed": "yes"})
    assert response.location.endswith(f"{base}/register")

    # The register: a file with an unknown code is refused, naming the row; then the real one.
    data = json_data()
    good_csv = register_csv_for(data)
    bad_csv = good_csv.rstrip("\n").split("\n")
    bad_csv[5] = bad_csv[5].rsplit(",", 1)[0] + ",Q9"
    response = upload_file(client, f"{base}/register", {"code_set": "2024"}, "marks.csv",
                           "\n".join(bad_csv).encode(), status=422)
    page = text(response)
    assert "Row 6: code &#39;Q9&#39; is not in the 2024 code set" in error_summary(page)
    response = upload_file(client, f"{base}/register", {"code_set": "2024"}, "marks.csv", good_csv.encode())
    assert response.location.endswith(f"{base}/evidence")
    page = text(fetch(client, response.location))
    assert "register marks uploaded" in page

    # Evidence: an executable called .pdf is refused; then the three real files.
    response = upload_file(client, f"{base}/evidence", {"kind": "leave_request"}, "leave.pdf",
                           b"MZ\x90\x00" + b"\x00" * 300, status=422)
    page = text(response)
    assert "must be a PDF, JPG or PNG" in error_summary(page)
    for kind in EVIDENCE_KINDS:
        upload_file(client, f"{base}/evidence", {"kind": kind}, f"{kind}.pdf", make_pdf(kind))
    page = text(fetch(client, f"{base}/evidence"))
    assert len(re.findall(r'govuk-tag--green">\s*Uploaded\s*</strong>', page)) == 3

    # Check your answers: every rule, with its result and reason.
    page = text(fetch(client, f"{base}/check"))
    with app.app_context():
        verdict = actions.verdict(db.session.get(Referral, rid)).to_dict()
    assert verdict["eligible"] and verdict["figures"]["leave_sessions"] == 10
    for r in verdict["rules"]:
        row = re.search(rf'<tr class="govuk-table__row" id="rule-{r["id"]}">.*?</tr>', page, re.S)
        assert row, f"rule {r['id']} is not on the check page"
        assert "Pass" in row.group(0)
        assert html_lib.escape(r["reason"], quote=True) in row.group(0) or r["reason"] in html_lib.unescape(row.group(0))
    assert [r["id"] for r in verdict["rules"]] == list(DECLARATION.rules)
    for answer in ("Oliver", "Sarah Bennett", "Daniel Bennett", "Year 8", "10 sessions"):
        assert answer in page
    assert "Some answers are still needed" not in page
    response = send(client, f"{base}/submit", {}, page=page)
    assert response.location.endswith(base)
    page = text(fetch(client, base))
    assert "Awaiting sign-off" in page
    # Submitted: the pages no longer change it.
    assert fetch(client, f"{base}/pages/pupil", status=302).location.endswith(base)
    logout(client)

    # The headteacher reviews, previews and signs.
    login(client, "head@demo.school")
    page = text(fetch(client, "/sign-off"))
    with app.app_context():
        reference = db.session.get(Referral, rid).reference
    assert reference in page and "Oliver Bennett" in page
    page = text(fetch(client, f"{base}/sign"))
    declaration = re.search(r'<div class="govuk-inset-text" id="declaration-text">(.*?)</div>', page, re.S)
    assert declaration and html_lib.unescape(declaration.group(1)).strip() == DECLARATION.declaration
    assert "Every rule passes" in page
    preview = fetch(client, f"{base}/preview")
    assert preview.mimetype == "text/html" and "Oliver" in text(preview) and "Bennett" in text(preview)
    pdf = fetch(client, f"{base}/preview.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    # A name with control characters in it (a crafted request) is refused.
    response = send(client, f"{base}/sign", {"name": "Harriet\x00Head", "declaration": "y"}, status=422, page=page)
    assert "Remove the control characters from your name" in error_summary(text(response))
    # Without ticking the declaration: an error, and the name typed is kept.
    response = send(client, f"{base}/sign", {"name": "Harriet Head"}, status=422, page=page)
    failed = text(response)
    assert "Confirm the declaration to sign the request" in error_summary(failed)
    assert input_value(failed, "name") == "Harriet Head"
    response = send(client, f"{base}/sign", {"name": "Harriet Head", "declaration": "y"}, page=failed)
    assert response.location.endswith(f"{base}/signed")
    page = text(fetch(client, response.location))
    panel = re.search(r'<div class="govuk-panel govuk-panel--confirmation">.*?</div>\s*</div>', page, re.S)
    assert panel and f'<strong id="reference">{reference}</strong>' in panel.group(0)
    assert "Request signed" in panel.group(0) and "&lt;strong" not in panel.group(0)
    pack_links = re.findall(r'href="(/referrals/\d+/packs/1/[^"]+)"', page)
    assert pack_links
    logout(client)

    # Other people: office staff of the school cannot use the head's pages; another school sees nothing.
    login(client, "office@demo.school")
    assert fetch(client, f"{base}/signed", status=403)
    assert "Signed and sent" in text(fetch(client, base))
    logout(client)
    for email in ("office@other.school", "head@other.school"):
        login(client, email)
        for url in (base, f"{base}/check", f"{base}/preview", f"{base}/preview.pdf", pack_links[0]):
            fetch(client, url, status=404)
        if email.startswith("head"):
            fetch(client, f"{base}/signed", status=404)
            fetch(client, f"{base}/sign", status=404)
        assert reference not in text(fetch(client, "/referrals/"))
        logout(client)

    # The LA officer sees it and downloads the PDF of the request from the pack.
    login(client, "officer@demo.la")
    page = text(fetch(client, "/la/referrals"))
    assert reference in page and "Demo School" in page
    page = text(fetch(client, f"/la/referrals/{rid}"))
    links = re.findall(r'href="(/referrals/\d+/packs/1/([^"]+))"', page)
    names = [name for _, name in links]
    assert f"{reference}-penalty-notice-leave.pdf" in names and "manifest.json" in names
    url = next(u for u, name in links if name == f"{reference}-penalty-notice-leave.pdf")
    download = fetch(client, url)
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    assert f'filename="{reference}-penalty-notice-leave.pdf"' in download.headers["Content-Disposition"]
    with app.app_context():
        referral = db.session.get(Referral, rid)
        item = next(f for f in referral.latest_pack.files if f.name == f"{reference}-penalty-notice-leave.pdf")
        assert hashlib.sha256(download.data).hexdigest() == item.sha256
        assert referral.status == "signed"
        assert referral.data["pupil"]["first_name"] == "Oliver"
        assert [p["name"] for p in referral.data["parents"]] == ["Sarah Bennett", "Daniel Bennett"]
        assert referral.register["filename"] == "marks.csv"
    # The LA has no business on the school's pages.
    fetch(client, base, status=403)
    fetch(client, f"{base}/preview", status=403)


# --- bad input on the pages -------------------------------------------------------------------

def test_save_and_come_back_later(client):
    login(client, "office@demo.school")
    rid = start_request(client)
    response = send(client, f"/referrals/{rid}/pages/pupil", {**pupil_page_data(), "then": "later"})
    assert response.location.endswith(f"/referrals/{rid}")
    assert "Your answers have been saved" in text(fetch(client, response.location))
    logout(client)
    login(client, "office@demo.school")
    page = text(fetch(client, f"/referrals/{rid}/pages/pupil"))
    assert input_value(page, "pupil__first_name") == "Oliver"
    assert date_values(page, "pupil__date_of_birth") == [f"{data_dates()['pupil.date_of_birth']:%d}", "01",
                                                         str(data_dates()["pupil.date_of_birth"].year)]
    assert "Oliver" in text(fetch(client, "/referrals/"))


def test_two_people_editing_one_draft_lose_nothing(client, app):
    """Optimistic locking: the second save of a stale page is refused with a clear message, and
    what that person typed is shown again (not lost); saving again is then a deliberate choice."""
    login(client, "office@demo.school")
    rid = start_request(client)
    url = f"/referrals/{rid}/pages/pupil"
    stale = text(fetch(client, url))  # the first person opens the page ...
    send(client, url, pupil_page_data(pupil__first_name="Olly"))  # ... while someone else saves it
    response = send(client, url, pupil_page_data(pupil__first_name="Oliver", pupil__year_group="Year 9"),
                    status=409, page=stale)
    page = text(response)
    assert "Someone else changed this referral" in error_summary(page)
    assert input_value(page, "pupil__first_name") == "Oliver"
    assert input_value(page, "pupil__year_group") == "Year 9"
    with app.app_context():
        assert db.session.get(Referral, rid).data["pupil"]["first_name"] == "Olly"
    send(client, url, pupil_page_data(pupil__first_name="Oliver", pupil__year_group="Year 9"), page=page)
    with app.app_context():
        assert db.session.get(Referral, rid).data["pupil"]["first_name"] == "Oliver"


def test_a_crafted_post_without_the_date_inputs_gets_a_form_error(client, app):
    login(client, "office@demo.school")
    rid = start_request(client)
    url = f"/referrals/{rid}/pages/pupil"
    send(client, url, pupil_page_data())  # a saved date of birth
    crafted = pupil_page_data(pupil__first_name="Olly")
    del crafted["pupil__date_of_birth"]
    response = send(client, url, crafted, status=422)
    page = text(response)
    assert "Date of birth must include a day, month and year" in error_summary(page)
    assert input_value(page, "pupil__first_name") == "Olly"
    with app.app_context():  # a malformed request changes nothing
        pupil = db.session.get(Referral, rid).data["pupil"]
        assert pupil["first_name"] == "Oliver" and pupil["date_of_birth"] == data_dates()["pupil.date_of_birth"].isoformat()

    # Only some of the three inputs, or too many.
    for parts in (["14"], ["14", "1"]):
        response = send(client, url, pupil_page_data(pupil__date_of_birth=parts), status=422)
        assert "Date of birth" in error_summary(text(response))
    # A fourth box (not one the page has) is not read: the day, month and year are.
    send(client, url, pupil_page_data(pupil__date_of_birth=["14", "1", "2013", "9"]), status=302)
    with app.app_context():
        assert db.session.get(Referral, rid).data["pupil"]["date_of_birth"] == "2013-01-14"

    # The same inside a list item.
    page = text(fetch(client, f"/referrals/{rid}/pages/parents"))
    response = send(client, f"/referrals/{rid}/pages/parents",
                    {"parents-0-name": "Sarah Bennett", "parents-0-relationship": "mother"}, status=422, page=page)
    assert "Date of birth must include a day, month and year" in error_summary(text(response))


@pytest.mark.parametrize("field, value, message", [
    ("pupil__upn", "12345", "Enter a UPN of 13 characters"),
    ("pupil__first_name", "x" * 101, "First name must be 100 characters or fewer"),
    ("pupil__date_of_birth", ["1", "1", "2099"], "Date of birth must be in the past"),
    ("pupil__date_of_birth", ["a", "b", "c"], "Date of birth must be a real date"),
    ("pupil__date_of_birth", ["1", "1", "26"], "4-digit year"),
    ("pupil__year_group", "Year\x008", "control characters"),
])
def test_each_bad_answer_is_named_next_to_the_field_and_in_the_summary(client, field, value, message):
    login(client, "office@demo.school")
    rid = start_request(client)
    response = send(client, f"/referrals/{rid}/pages/pupil", pupil_page_data(**{field: value}), status=422)
    page = text(response)
    assert message in html_lib.unescape(error_summary(page))
    assert any(message in html_lib.unescape(e) for e in field_errors(page))
    assert input_value(page, "pupil__last_name") == "Bennett"  # the rest is kept


def test_a_bad_date_in_a_list_item_is_in_the_error_summary(client):
    login(client, "office@demo.school")
    rid = start_request(client)
    url = f"/referrals/{rid}/pages/parents"
    response = send(client, url, {"parents-0-name": "Sarah Bennett", "parents-0-date_of_birth": ["3", "6", "2099"],
                                  "parents-0-relationship": "mother"}, status=422)
    page = text(response)
    assert "Date of birth must be in the past" in error_summary(page)
    assert "Date of birth must be in the past" in field_errors(page)
    assert input_value(page, "parents-0-name") == "Sarah Bennett"
    assert date_values(page, "parents-0-date_of_birth") == ["3", "6", "2099"]


def test_cross_field_dates_on_the_leave_page(client):
    login(client, "office@demo.school")
    rid = start_request(client)
    dates = data_dates()
    answers = {
        "leave__start_date": date_parts(dates["leave.start_date"]),
        "leave__end_date": date_parts(dates["leave.end_date"]),
        "leave__return_date": date_parts(dates["leave.start_date"]),
        "figures__leave_sessions": "ten",
        "referral_date": date_parts(dates["referral_date"]),
    }
    response = send(client, f"/referrals/{rid}/pages/leave", answers, status=422)
    page = html_lib.unescape(text(response))
    assert "must be a whole number" in error_summary(page)
    assert input_value(page, "figures__leave_sessions") == "ten"
    assert date_values(page, "leave__return_date") == date_parts(dates["leave.start_date"])
    # The dates are compared once each answer can be read (the schema checks across fields last).
    response = send(client, f"/referrals/{rid}/pages/leave", {**answers, "figures__leave_sessions": "10"}, status=422)
    page = html_lib.unescape(text(response))
    assert "Date the child returned to school must be after last day of the leave" in error_summary(page)
    assert "Date the child returned to school must be after last day of the leave" in field_errors(page)


def test_a_register_with_a_duplicate_session_names_the_rows(client):
    login(client, "office@demo.school")
    rid = start_request(client)
    lines = register_csv_for(json_data()).rstrip("\n").split("\n")
    lines.append(lines[3])
    response = upload_file(client, f"/referrals/{rid}/register", {"code_set": "2024"}, "marks.csv",
                           "\n".join(lines).encode(), status=422)
    summary = html_lib.unescape(error_summary(text(response)))
    assert f"Row {len(lines)}: a second mark for" in summary and "(the first is in row 4)" in summary
    # Not a CSV at all, and no file.
    response = upload_file(client, f"/referrals/{rid}/register", {"code_set": "2024"}, "marks.csv",
                           make_pdf("not a register"), status=422)
    assert "This is a PDF, not a register export" in error_summary(text(response))  # issue 21: named for what it is
    page = text(fetch(client, f"/referrals/{rid}/register"))
    response = client.post(f"/referrals/{rid}/register", data={"csrf_token": csrf(page), "code_set": "2024"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Select the register file" in text(response)


def test_a_register_over_the_size_limit_is_refused(client, app):
    login(client, "office@demo.school")
    rid = start_request(client)
    csv_text = register_csv_for(json_data())
    app.config["MAX_REGISTER_BYTES"] = len(csv_text) - 1
    response = upload_file(client, f"/referrals/{rid}/register", {"code_set": "2024"}, "marks.csv",
                           csv_text.encode(), status=422)
    assert "The file must be smaller than" in error_summary(text(response))
    with app.app_context():
        assert db.session.get(Referral, rid).register is None


def test_evidence_errors_on_the_page(client):
    login(client, "office@demo.school")
    rid = start_request(client)
    url = f"/referrals/{rid}/evidence"
    response = upload_file(client, url, {"kind": "leave_request"}, "empty.pdf", b"", status=422)
    assert "The selected file is empty" in error_summary(text(response))
    page = text(fetch(client, url))
    response = client.post(url, data={"csrf_token": csrf(page), "file": (io.BytesIO(make_pdf()), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Select what the document is" in error_summary(text(response))
    response = client.post(url, data={"csrf_token": csrf(page), "kind": "passport",
                                      "file": (io.BytesIO(make_pdf()), "a.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_submitting_an_incomplete_request_shows_what_is_missing(client):
    login(client, "office@demo.school")
    rid = start_request(client)
    send(client, f"/referrals/{rid}/pages/pupil", pupil_page_data())
    page = text(fetch(client, f"/referrals/{rid}/check"))
    assert "Some answers are still needed" in page
    assert "Submit for headteacher sign-off" not in page
    for rule_id in DECLARATION.rules:
        assert f'id="rule-{rule_id}"' in page
    response = send(client, f"/referrals/{rid}/submit", {}, status=422, page=page)
    assert "Some answers are still needed" in text(response)


def test_a_post_without_the_csrf_token_is_refused(client, app):
    login(client, "office@demo.school")
    rid = start_request(client)
    url = f"/referrals/{rid}/pages/pupil"
    response = client.post(url, data=pupil_page_data())
    assert response.status_code == 400
    assert "<html" in text(response).lower() and "session has expired" in text(response)
    with app.app_context():
        assert not (db.session.get(Referral, rid).data or {}).get("pupil")
    response = client.post(f"/referrals/new/{FORM_ID}", data={})
    assert response.status_code == 400
    response = client.post("/sign-in", data={"email": "office@demo.school", "password": "x"})
    assert response.status_code == 400


def test_sign_in_with_a_wrong_password_shows_the_error_summary(client):
    page = text(fetch(client, "/sign-in"))
    response = client.post("/sign-in", data={"csrf_token": csrf(page), "email": "office@demo.school",
                                             "password": "not the password"})
    assert response.status_code == 200
    page = text(response)
    assert "Enter a correct email address and password" in error_summary(page)
    assert input_value(page, "email") == "office@demo.school"
    assert fetch(client, "/referrals/", status=302).location.startswith("/sign-in")
    response = client.post("/sign-in", data={"csrf_token": csrf(page), "email": "", "password": ""})
    summary = error_summary(text(response))
    assert "Enter your email address" in summary and "Enter your password" in summary
    # A NUL byte is a format error, not a database error (PostgreSQL refuses it in a query).
    response = client.post("/sign-in", data={"csrf_token": csrf(page), "email": "office\x00@demo.school",
                                             "password": "not the password"})
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in error_summary(text(response))


def test_an_email_address_with_spaces_round_it_still_signs_in(client):
    # Pasted from an email or a spreadsheet, with a trailing space and in capitals (issue 18).
    page = text(fetch(client, "/sign-in"))
    response = client.post("/sign-in", data={"csrf_token": csrf(page), "email": " Office@Demo.School  ",
                                             "password": PASSWORD})
    assert response.status_code == 302, error_summary(text(response))
    assert fetch(client, "/referrals/").status_code == 200


def test_sign_in_does_not_redirect_off_site(client):
    page = text(fetch(client, "/sign-in?next=https://evil.example/"))
    response = client.post("/sign-in?next=https://evil.example/",
                           data={"csrf_token": csrf(page), "email": "office@demo.school", "password": PASSWORD})
    assert response.status_code == 302 and "evil.example" not in response.location


# --- what the pages show ----------------------------------------------------------------------

def test_a_hostile_pupil_name_is_shown_literally_everywhere(client, app):
    rid = make_referral(app, first_name=HOSTILE, sign=True)
    draft = make_referral(app, first_name=HOSTILE)
    waiting = make_referral(app, first_name=HOSTILE, submit=True)

    def check(page: str, url: str):
        assert HOSTILE_ESCAPED in page, f"{url}: the name is not shown escaped"
        assert "<script>alert(1)" not in page, f"{url}: the name is not escaped"
        assert "49 &lt;script" not in page and ">49<" not in page, f"{url}: the name was evaluated"

    login(client, "office@demo.school")
    for url in ("/referrals/", f"/referrals/{draft}/check", f"/referrals/{draft}/pages/pupil", f"/referrals/{rid}/check"):
        check(text(fetch(client, url)), url)
    for url in (f"/referrals/{draft}", f"/referrals/{rid}"):  # these pages do not show the name
        assert "<script>alert(1)" not in text(fetch(client, url))
    page = text(fetch(client, f"/referrals/{draft}/pages/pupil"))
    assert input_value(page, "pupil__first_name") == HOSTILE
    for url in (f"/referrals/{draft}/preview",):
        preview = text(fetch(client, url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview and "<script>alert" not in preview
        assert "{{ 7*7 }}" in preview and "49 &lt;" not in preview
    logout(client)

    login(client, "head@demo.school")
    for url in ("/sign-off", f"/referrals/{waiting}/sign"):
        check(text(fetch(client, url)), url)
    logout(client)

    login(client, "officer@demo.la")
    check(text(fetch(client, f"/la/referrals/{rid}")), "LA view")


def test_a_request_that_went_late_cannot_be_signed(client, app):
    """Eligible when submitted, but by the day the head opens it more than 28 days have passed
    since the child's return: the review says so and a signature is refused."""
    rid = make_referral(app, late=True, submit=True)
    login(client, "head@demo.school")
    page = text(fetch(client, f"/referrals/{rid}/sign"))
    assert "This request no longer meets every rule" in page
    assert 'name="declaration"' not in page
    row = re.search(r'id="rule-leave_request_within_deadline">.*?</tr>', page, re.S).group(0)
    assert "Fails" in row
    response = send(client, f"/referrals/{rid}/sign", {"name": "Harriet Head", "declaration": "y"}, status=422,
                    page=page)
    assert "no longer meets the rules" in text(response)
    with app.app_context():
        referral = db.session.get(Referral, rid)
        assert referral.status == "awaiting_signoff" and referral.packs == []


def test_the_head_can_send_a_request_back(client, app):
    rid = make_referral(app, submit=True)
    login(client, "head@demo.school")
    page = text(fetch(client, f"/referrals/{rid}/sign"))
    response = send(client, f"/referrals/{rid}/send-back", {"reason": ""}, status=422, page=page)
    assert "Enter what needs changing" in text(response)
    response = send(client, f"/referrals/{rid}/send-back", {"reason": "Add the <b>father's</b> address"}, page=page)
    assert response.location.endswith("/sign-off")
    logout(client)
    login(client, "office@demo.school")
    page = text(fetch(client, f"/referrals/{rid}"))
    assert "Add the &lt;b&gt;father&#39;s&lt;/b&gt; address" in page
    assert "Sent back by the headteacher" in page


def test_pages_need_sign_in_and_the_right_role(client, app):
    rid = make_referral(app, sign=True)
    for url in ("/", "/referrals/", f"/referrals/{rid}", "/sign-off", "/la/referrals", f"/la/referrals/{rid}"):
        assert fetch(client, url, status=302).location.startswith("/sign-in")
    login(client, "office@demo.school")
    assert fetch(client, "/", status=302).location.endswith("/referrals/")
    fetch(client, "/sign-off", status=403)
    fetch(client, "/la/referrals", status=403)
    fetch(client, f"/la/referrals/{rid}", status=403)
    fetch(client, f"/referrals/{rid}/pages/nope", status=302)  # signed: back to the referral
    fetch(client, "/referrals/999999", status=404)
    fetch(client, "/referrals/new/no-such-form", status=404)
    logout(client)
    login(client, "officer@demo.la")
    assert fetch(client, "/", status=302).location.endswith("/la/referrals")
    fetch(client, "/referrals/", status=403)
    fetch(client, "/la/referrals/999999", status=404)
