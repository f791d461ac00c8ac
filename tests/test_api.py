"""The JSON API of DESIGN.md §6, through the Flask test client, on SQLite and PostgreSQL.

Dates in the data are relative to today (tests/support/helpers.py), so a request made today is within the
28-day deadline when the headteacher signs it today.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from PIL import Image
from pypdf import PdfReader

from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school
from forms_service.formdefs import get_form
from forms_service.models import Evidence, Referral, db

from conftest import PASSWORD
from support.helpers import EVIDENCE_KINDS, FORM_ID, api_token, bearer, json_data, make_pdf, register_json_for

API = "/api/v1"
DECLARATION = get_form(FORM_ID)


# --- fixtures and small helpers ---------------------------------------------------------------

@pytest.fixture
def office(client):
    return bearer(api_token(client, "office@demo.school"))


@pytest.fixture
def head(client):
    return bearer(api_token(client, "head@demo.school"))


@pytest.fixture
def officer(client):
    return bearer(api_token(client, "officer@demo.la"))


def create(client, headers, data=None, register=None, expect=201) -> dict:
    body = {"form": FORM_ID, "data": json_data() if data is None else data}
    if register is not None:
        body["register"] = register
    response = client.post(f"{API}/referrals", json=body, headers=headers)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def upload(client, headers, referral_id, kind, content: bytes, filename="scan.pdf"):
    form = {"file": (io.BytesIO(content), filename)}
    if kind is not None:
        form["kind"] = kind
    return client.post(f"{API}/referrals/{referral_id}/evidence", data=form, headers=headers,
                       content_type="multipart/form-data")


def upload_all(client, headers, referral_id) -> None:
    for kind in EVIDENCE_KINDS:
        response = upload(client, headers, referral_id, kind, make_pdf(kind.replace("_", " ")), f"{kind}.pdf")
        assert response.status_code == 201, response.get_json()


def eligible_referral(client, headers, **kwargs) -> dict:
    referral = create(client, headers, **kwargs)
    upload_all(client, headers, referral["id"])
    return referral


def submitted_referral(client, headers) -> dict:
    referral = eligible_referral(client, headers)
    response = client.post(f"{API}/referrals/{referral['id']}/submit", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def signed_referral(client, office_headers, head_headers) -> dict:
    referral = submitted_referral(client, office_headers)
    response = client.post(f"{API}/referrals/{referral['id']}/sign",
                           json={"name": "Harriet Head", "declaration": True}, headers=head_headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def eligibility(client, headers, body, expect=200) -> dict:
    response = client.post(f"{API}/eligibility/{FORM_ID}", json=body, headers=headers)
    assert response.status_code == expect, response.get_json()
    assert response.is_json
    return response.get_json()


def rule(verdict: dict, rule_id: str) -> dict:
    return next(r for r in verdict["rules"] if r["id"] == rule_id)


def with_evidence(data: dict) -> dict:
    return {**data, "evidence": list(EVIDENCE_KINDS)}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "navy").save(out, "PNG")
    return out.getvalue()


# --- tokens -----------------------------------------------------------------------------------

def test_token_for_a_good_login_opens_the_api(client):
    response = client.post(f"{API}/auth/token", json={"email": "Office@Demo.School ", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["token"]) >= 32 and body["expires_in"] > 0
    assert client.get(f"{API}/forms", headers=bearer(body["token"])).status_code == 200


@pytest.mark.parametrize("email, password", [
    ("office@demo.school", "not the password"),
    ("nobody@demo.school", PASSWORD),
])
def test_token_refused_for_a_wrong_password_or_an_unknown_email(client, email, password):
    response = client.post(f"{API}/auth/token", json={"email": email, "password": password})
    assert response.status_code == 401
    body = response.get_json()
    assert "token" not in body
    assert body["message"] == "Email address or password is not correct"  # the same for both: no user enumeration


def test_token_request_without_fields_names_each_field(client):
    response = client.post(f"{API}/auth/token", json={})
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"email", "password"}
    assert all(messages for messages in errors.values())


def test_token_request_with_wrong_types_is_a_422(client):
    response = client.post(f"{API}/auth/token", json={"email": ["office@demo.school"], "password": 123})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"email", "password"}


@pytest.mark.parametrize("path", ["/auth/token", f"/eligibility/{FORM_ID}", "/referrals"])
def test_malformed_json_is_a_400_in_json_not_html(client, office, path):
    response = client.post(f"{API}{path}", data='{"email": "office@demo.school", ', headers=office,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.is_json and "<html" not in response.get_data(as_text=True).lower()
    assert response.get_json()["errors"]


def test_control_characters_in_the_email_are_a_422_not_a_database_error(client):
    # PostgreSQL refuses NUL in text: it must never get that far (nor look like an outage, 503).
    response = client.post(f"{API}/auth/token", data=json.dumps({"email": "office\u0000@demo.school",
                                                                  "password": PASSWORD}),
                           content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"]["json"]["email"]


def test_a_json_array_instead_of_an_object_is_a_422(client, office):
    response = client.post(f"{API}/referrals", json=[FORM_ID], headers=office)
    assert response.status_code == 422 and response.is_json


# --- authentication and the catalogue ---------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", "/forms"), ("post", f"/eligibility/{FORM_ID}"), ("get", "/referrals"), ("post", "/referrals"),
    ("get", "/referrals/1"), ("patch", "/referrals/1"), ("post", "/referrals/1/evidence"),
    ("post", "/referrals/1/submit"), ("post", "/referrals/1/sign"), ("get", "/referrals/1/documents"),
    ("get", "/referrals/1/documents/draft.pdf"), ("get", "/referrals/1/audit"),
])
def test_no_token_is_a_401(client, method, path):
    response = getattr(client, method)(f"{API}{path}", json={})
    assert response.status_code == 401
    assert response.is_json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Basic b2ZmaWNlOnB3", "Bearer ", "Token abc"])
def test_a_bad_authorization_header_is_a_401(client, header):
    response = client.get(f"{API}/forms", headers={"Authorization": header})
    assert response.status_code == 401 and response.is_json


def test_forms_catalogue_lists_the_form_with_its_fields(client, office):
    response = client.get(f"{API}/forms", headers=office)
    assert response.status_code == 200
    entry = next(f for f in response.get_json()["forms"] if f["id"] == FORM_ID)
    assert entry["title"] == DECLARATION.title
    assert entry["rules"] == list(DECLARATION.rules)
    names = {f["name"] for f in entry["fields"]}
    # The data dictionary's names (DESIGN.md §6).
    assert {"pupil.first_name", "pupil.last_name", "pupil.date_of_birth", "pupil.looked_after", "parents",
            "leave.start_date", "leave.end_date", "leave.return_date", "referral_date",
            "previous_penalty_notices", "policies_confirmed", "figures.leave_sessions"} <= names
    parents = next(f for f in entry["fields"] if f["name"] == "parents")
    assert {i["name"] for i in parents["item_fields"]} == {"name", "date_of_birth", "relationship", "address"}
    assert [e["kind"] for e in entry["evidence"]] == list(EVIDENCE_KINDS)


def test_openapi_document_lists_the_contract_paths(client):
    response = client.get(f"{API}/openapi.json")  # public: no token
    assert response.status_code == 200
    spec = json.loads(response.get_data(as_text=True))
    paths = spec["paths"]
    expected = {
        "/api/v1/auth/token": {"post"},
        "/api/v1/forms": {"get"},
        "/api/v1/eligibility/{form_id}": {"post"},
        "/api/v1/referrals": {"get", "post"},
        "/api/v1/referrals/{referral_id}": {"get", "patch"},
        "/api/v1/referrals/{referral_id}/evidence": {"post"},
        "/api/v1/referrals/{referral_id}/submit": {"post"},
        "/api/v1/referrals/{referral_id}/sign": {"post"},
        "/api/v1/referrals/{referral_id}/documents": {"get"},
        "/api/v1/referrals/{referral_id}/documents/{name}": {"get"},
        "/api/v1/documents/{document_id}": {"post"},
        "/api/v1/referrals/{referral_id}/audit": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, f"{path} missing from the OpenAPI document"
        assert methods <= set(paths[path]), f"{path}: {set(paths[path])}"
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_openapi_document_lists_the_la_decision_paths(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    assert "/api/v1/referrals/{referral_id}/checks" in paths
    assert "/api/v1/referrals/{referral_id}/decision" in paths


# --- eligibility without saving ---------------------------------------------------------------

def test_eligible_data_passes_every_rule_of_the_declaration(client, office):
    verdict = eligibility(client, office, {"data": with_evidence(json_data())})
    assert verdict["eligible"] is True
    assert [r["id"] for r in verdict["rules"]] == list(DECLARATION.rules)
    for r in verdict["rules"]:
        # Without marks the leave dates cannot be checked against them: said, never passed.
        assert r["status"] == ("advisory" if r["id"] == "leave_dates_match_register" else "pass"), r
        assert r["reason"] and r["source"]
    assert verdict["figures"]["leave_sessions"] == 10
    assert verdict["disagreements"] == []
    assert "10 sessions" in rule(verdict, "leave_sessions_minimum")["reason"]


def test_eligibility_without_evidence_is_missing_not_eligible(client, office):
    verdict = eligibility(client, office, {"data": json_data()})
    assert verdict["eligible"] is False
    assert rule(verdict, "evidence_attached")["status"] == "missing"
    assert {r["id"] for r in verdict["rules"] if r["status"] != "pass"} == {"evidence_attached",
                                                                        "leave_dates_match_register"}


@pytest.mark.parametrize("g_sessions, u_marks, status", [(9, 0, "fail"), (10, 0, "pass"), (10, 1, "pass")])
def test_the_national_threshold_at_its_boundary_from_the_register(client, office, g_sessions, u_marks, status):
    """A leave request from 19 August 2024: 10 sessions of unauthorised absence in the 10 school weeks
    to the request (Working together to improve school attendance, 2024), here the week's leave and
    a late mark (U) on the Friday before it."""
    data = with_evidence(json_data())
    del data["figures"]  # nothing typed: the register decides
    friday = dt.date.fromisoformat(data["leave"]["start_date"]) - dt.timedelta(days=3)
    register = register_json_for(data, g_sessions=g_sessions, marks={(friday, "AM"): "U"} if u_marks else None)
    verdict = eligibility(client, office, {"data": data, "register": register})
    result = rule(verdict, "unauthorised_sessions_threshold")
    assert result["status"] == status
    assert result["reason"].startswith(f"{g_sessions + u_marks} unauthorised sessions") and "register" in result["reason"]
    assert verdict["figures"]["unauthorised_sessions_10wk"] == g_sessions + u_marks
    assert verdict["figures"]["leave_sessions"] == g_sessions
    assert verdict["eligible"] is (status == "pass")


def test_a_register_figure_wins_over_a_typed_one_and_the_disagreement_is_reported(client, office):
    data = with_evidence(json_data())
    assert data["figures"]["leave_sessions"] == 10
    verdict = eligibility(client, office, {"data": data, "register": register_json_for(data, g_sessions=5)})
    assert verdict["disagreements"] == [{"figure": "leave_sessions", "typed": 10, "computed": 5},
                                        {"figure": "unauthorised_sessions_10wk", "typed": 10, "computed": 5}]
    assert verdict["figures"]["leave_sessions"] == 5
    result = rule(verdict, "unauthorised_sessions_threshold")
    assert result["status"] == "fail"
    assert "does not match" in result["reason"]
    assert verdict["eligible"] is False


def test_a_late_request_fails_the_deadline(client, office):
    data = with_evidence(json_data())
    # The same week of leave, six weeks earlier: the child came back more than 28 days ago.
    data["leave"] = {k: (dt.date.fromisoformat(v) - dt.timedelta(weeks=6)).isoformat() for k, v in data["leave"].items()}
    verdict = eligibility(client, office, {"data": data})
    result = rule(verdict, "leave_request_within_deadline")
    assert result["status"] == "fail" and "28 days" in result["reason"]
    assert verdict["eligible"] is False


@pytest.mark.parametrize("bad", ["2013-02-30", "2013-13-01", "14/01/2013", "not a date", ""])
def test_an_impossible_date_is_a_422_naming_the_field(client, office, bad):
    data = json_data()
    data["pupil"]["date_of_birth"] = bad
    body = eligibility(client, office, {"data": data}, expect=422)
    messages = body["errors"]["data"]["pupil"]["date_of_birth"]
    assert messages and "Date of birth" in messages[0]
    assert set(body["errors"]["data"]) == {"pupil"} and set(body["errors"]["data"]["pupil"]) == {"date_of_birth"}


def test_an_impossible_date_in_a_list_item_names_the_item(client, office):
    data = json_data()
    data["parents"][1]["date_of_birth"] = "1981-02-29"
    body = eligibility(client, office, {"data": data}, expect=422)
    assert body["errors"]["data"]["parents"]["1"]["date_of_birth"]


def test_wrong_types_are_named_field_by_field(client, office):
    data = json_data()
    data["pupil"]["first_name"] = 42
    data["pupil"]["looked_after"] = "perhaps"
    data["figures"]["leave_sessions"] = "ten"
    data["previous_penalty_notices"] = "none"
    data["referral_date"] = 20260101
    errors = eligibility(client, office, {"data": data}, expect=422)["errors"]["data"]
    assert errors["pupil"]["first_name"] == ["First name must be text"]
    assert errors["pupil"]["looked_after"] == ["Select yes if the child is looked after by the local authority"]
    assert "whole number" in errors["figures"]["leave_sessions"][0]
    assert errors["previous_penalty_notices"] == ["Give the answers for previous penalty notice as a list"]
    assert "real date" in errors["referral_date"][0]


@pytest.mark.parametrize("value", [6.5, True, -1, 401])
def test_a_figure_must_be_a_whole_number_in_range(client, office, value):
    data = json_data()
    data["figures"]["leave_sessions"] = value
    errors = eligibility(client, office, {"data": data}, expect=422)["errors"]["data"]
    assert errors["figures"]["leave_sessions"]


def test_data_that_is_not_an_object_is_a_422(client, office):
    response = client.post(f"{API}/eligibility/{FORM_ID}", json={"data": "Oliver Bennett"}, headers=office)
    assert response.status_code == 422
    assert "data" in response.get_json()["errors"]["json"]


@pytest.mark.parametrize("bad", ["Oli\u0000ver", "Oli\u001bver", "Oli\ud800ver", "Oliver\nBennett"])
def test_text_that_no_document_could_hold_is_a_422(client, office, bad):
    data = json_data()
    data["pupil"]["first_name"] = bad
    body = json.dumps({"form": FORM_ID, "data": data})  # "\ud800" stays an escape in the JSON text
    response = client.post(f"{API}/referrals", data=body, headers=office, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"]["pupil"]["first_name"]
    response = client.post(f"{API}/eligibility/{FORM_ID}", data=json.dumps({"data": data}), headers=office,
                           content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["errors"]["data"]["pupil"]["first_name"]


def test_unknown_fields_are_named(client, office):
    data = json_data()
    data["pupil"]["nickname"] = "Ollie"
    data["favourite_colour"] = "blue"
    errors = eligibility(client, office, {"data": data}, expect=422)["errors"]["data"]
    assert errors["pupil"]["nickname"] == ["Unknown field."]
    assert errors["favourite_colour"] == ["Unknown field."]


def test_cross_field_dates_are_checked(client, office):
    data = json_data()
    data["leave"]["return_date"] = data["leave"]["start_date"]
    errors = eligibility(client, office, {"data": data}, expect=422)["errors"]["data"]
    assert "must be after" in errors["leave"]["return_date"][0]


def test_a_register_with_an_unknown_code_names_the_row(client, office):
    data = json_data()
    register = register_json_for(data)
    register["sessions"][6]["code"] = "Q9"
    body = eligibility(client, office, {"data": data, "register": register}, expect=422)
    assert body["errors"]["register"] == ["Item 7: code 'Q9' is not in the 2024 code set"]


def test_a_register_with_a_duplicate_session_names_both_rows(client, office):
    data = json_data()
    register = register_json_for(data)
    first = register["sessions"][10]
    register["sessions"].append({**first, "code": "G"})
    body = eligibility(client, office, {"data": data, "register": register}, expect=422)
    [message] = body["errors"]["register"]
    n = len(register["sessions"])
    assert message.startswith(f"Item {n}: a second mark for {first['date']} {first['session']}")
    assert "item 11" in message


def test_a_register_with_an_impossible_date_or_bad_shape_is_a_422(client, office):
    data = json_data()
    register = register_json_for(data)
    register["sessions"][2]["date"] = "2026-02-30"
    register["sessions"][3]["session"] = "EVENING"
    messages = eligibility(client, office, {"data": data, "register": register}, expect=422)["errors"]["register"]
    assert messages[0].startswith("Item 3:") and "not a real date" in messages[0]
    assert messages[1].startswith("Item 4:") and "AM or PM" in messages[1]
    for bad in ({"sessions": "every day"}, {"code_set": "1999", "sessions": []}, {"sessions": [7, None]}):
        body = eligibility(client, office, {"data": data, "register": bad}, expect=422)
        assert body["errors"]["register"]


def test_an_unknown_profile_is_a_422_and_a_known_one_applies(client, office):
    data = with_evidence(json_data())
    body = eligibility(client, office, {"data": data, "profile": "atlantis"}, expect=422)
    assert "national-2024" in body["errors"]["profile"][0]
    verdict = eligibility(client, office, {"data": data, "profile": "southend"})
    assert rule(verdict, "leave_sessions_minimum")["source"].endswith("; Southend-on-Sea")  # by name, not id


def test_an_unknown_form_is_a_422(client, office):
    response = client.post(f"{API}/eligibility/no-such-form", json={"data": {}}, headers=office)
    assert response.status_code == 422
    assert response.get_json()["errors"]["form_id"]


# --- referrals: create, read, change ----------------------------------------------------------

def test_create_a_referral(client, office):
    data = json_data()
    body = create(client, office, data, register=register_json_for(data))
    assert body["status"] == "draft"
    assert body["form"] == FORM_ID and body["school"] == "Demo School"
    assert body["reference"].startswith("PNL-")
    assert body["data"]["pupil"]["first_name"] == "Oliver"
    assert body["data"]["leave"] == data["leave"]
    assert body["register"]["sessions"] == len(register_json_for(data)["sessions"])
    verdict = body["eligibility"]
    assert [r["id"] for r in verdict["rules"]] == list(DECLARATION.rules)
    assert rule(verdict, "evidence_attached")["status"] == "missing"  # nothing uploaded yet
    assert verdict["figures"]["leave_sessions"] == 10
    assert body["delivery"] is None


def test_create_with_bad_data_or_an_unknown_form_is_a_422(client, office):
    data = json_data()
    data["pupil"]["date_of_birth"] = "2013-02-30"
    body = create(client, office, data, expect=422)
    assert body["errors"]["pupil"]["date_of_birth"]
    response = client.post(f"{API}/referrals", json={"form": "no-such-form", "data": {}}, headers=office)
    assert response.status_code == 422 and response.get_json()["errors"]["form"]
    response = client.post(f"{API}/referrals", json={"data": {}}, headers=office)
    assert response.status_code == 422 and response.get_json()["errors"]["json"]["form"]
    register = register_json_for(json_data())
    register["sessions"][0]["code"] = "?"
    body = create(client, office, json_data(), register=register, expect=422)
    assert body["errors"]["register"][0].startswith("Item 1:")
    # Nothing half-made was saved.
    assert client.get(f"{API}/referrals", headers=office).get_json()["referrals"] == []


def test_an_la_officer_cannot_create_a_referral(client, officer):
    response = client.post(f"{API}/referrals", json={"form": FORM_ID, "data": {}}, headers=officer)
    assert response.status_code == 403 and response.is_json


def test_a_draft_may_be_incomplete(client, office):
    body = create(client, office, {"pupil": {"first_name": "Oliver"}})
    assert body["status"] == "draft"
    assert not body["eligibility"]["eligible"]


def test_read_a_referral(client, office, head):
    created = create(client, office)
    for headers in (office, head):  # both staff of the school
        response = client.get(f"{API}/referrals/{created['id']}", headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert body["id"] == created["id"] and body["data"] == created["data"]
        assert body["eligibility"]["rules"]


def test_patch_merges_and_a_stale_version_is_a_409(client, office):
    created = create(client, office)
    url = f"{API}/referrals/{created['id']}"
    response = client.patch(url, json={"data": {"pupil": {"first_name": "Olly"}}, "version": created["version"]},
                            headers=office)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["data"]["pupil"]["first_name"] == "Olly"
    assert body["data"]["pupil"]["last_name"] == "Bennett"  # merged, not replaced
    assert body["data"]["parents"] == created["data"]["parents"]
    assert body["version"] > created["version"]

    stale = client.patch(url, json={"data": {"pupil": {"first_name": "Lost"}}, "version": created["version"]},
                         headers=office)
    assert stale.status_code == 409 and stale.is_json
    assert client.get(url, headers=office).get_json()["data"]["pupil"]["first_name"] == "Olly"

    # A list replaces the list; null clears a field.
    response = client.patch(url, json={"data": {"parents": created["data"]["parents"][:1], "pupil": {"upn": None}}},
                            headers=office)
    body = response.get_json()
    assert [p["name"] for p in body["data"]["parents"]] == ["Sarah Bennett"]
    assert "upn" not in body["data"]["pupil"]


def test_a_bad_patch_changes_nothing(client, office):
    created = create(client, office)
    url = f"{API}/referrals/{created['id']}"
    response = client.patch(url, json={"data": {"pupil": {"date_of_birth": "2013-02-30", "first_name": "Olly"}}},
                            headers=office)
    assert response.status_code == 422
    assert response.get_json()["errors"]["pupil"]["date_of_birth"]
    after = client.get(url, headers=office).get_json()
    assert after["data"] == created["data"] and after["version"] == created["version"]
    response = client.patch(url, json={"data": {}, "version": "one"}, headers=office)
    assert response.status_code == 422 and response.get_json()["errors"]["json"]["version"]


def test_patch_can_add_and_remove_the_register(client, office):
    created = create(client, office)
    url = f"{API}/referrals/{created['id']}"
    data = json_data()
    body = client.patch(url, json={"data": {}, "register": register_json_for(data, g_sessions=7)},
                        headers=office).get_json()
    assert body["register"]["code_set"] == "2024"
    assert body["eligibility"]["figures"]["leave_sessions"] == 7
    assert body["eligibility"]["disagreements"] == [{"figure": "leave_sessions", "typed": 10, "computed": 7},
                                                    {"figure": "unauthorised_sessions_10wk", "typed": 10, "computed": 7}]
    body = client.patch(url, json={"data": {}, "register": None}, headers=office).get_json()
    assert body["register"] is None
    assert body["eligibility"]["figures"]["leave_sessions"] == 10


# --- evidence ---------------------------------------------------------------------------------

def test_upload_a_pdf(client, app, office):
    referral = create(client, office)
    pdf = make_pdf("Leave request from Mrs Bennett")
    response = upload(client, office, referral["id"], "leave_request", pdf, "Leave request.pdf")
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "leave_request" and body["filename"] == "Leave request.pdf"
    assert body["size"] == len(pdf) and body["sha256"] == hashlib.sha256(pdf).hexdigest()
    after = client.get(f"{API}/referrals/{referral['id']}", headers=office).get_json()
    assert [e["kind"] for e in after["evidence"]] == ["leave_request"]
    assert "Copy of leave request" not in rule(after["eligibility"], "evidence_attached")["reason"]


def test_a_png_named_pdf_is_taken_as_the_png_it_is(client, app, office):
    referral = create(client, office)
    response = upload(client, office, referral["id"], "warning_letter", png_bytes(), "warning letter.pdf")
    assert response.status_code == 201
    with app.app_context():
        item = db.session.get(Evidence, response.get_json()["id"])
        assert item.content_type == "image/png"


@pytest.mark.parametrize("content, message", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500, "must be a PDF, JPG or PNG"),  # a Windows executable
    (b"", "empty"),
    (b"%PDF-1.7\n" + bytes(range(256)) * 8, None),  # looks like a PDF, is not one
])
def test_bad_evidence_is_a_422_naming_the_file(client, office, content, message):
    referral = create(client, office)
    response = upload(client, office, referral["id"], "leave_request", content, "letter.pdf")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["file"]
    if message:
        assert message in errors["file"][0]
    assert client.get(f"{API}/referrals/{referral['id']}", headers=office).get_json()["evidence"] == []


def test_oversized_evidence_is_a_422_and_an_oversized_request_a_413(client, app, office):
    referral = create(client, office)
    pdf = make_pdf("Registration certificate")
    app.config["MAX_EVIDENCE_BYTES"] = len(pdf) - 1
    response = upload(client, office, referral["id"], "registration_certificate", pdf)
    assert response.status_code == 422
    assert "smaller" in response.get_json()["errors"]["file"][0].lower() or "MB" in response.get_json()["errors"]["file"][0] \
        or "KB" in response.get_json()["errors"]["file"][0]
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = upload(client, office, referral["id"], "registration_certificate", pdf)
    assert response.status_code == 413 and response.is_json


def test_evidence_without_kind_or_file_names_what_is_missing(client, office):
    referral = create(client, office)
    response = upload(client, office, referral["id"], None, make_pdf())
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["kind"]
    response = upload(client, office, referral["id"], "passport", make_pdf())
    assert response.status_code == 422 and "leave_request" in response.get_json()["errors"]["kind"][0]
    response = client.post(f"{API}/referrals/{referral['id']}/evidence", data={"kind": "leave_request"},
                           headers=office, content_type="multipart/form-data")
    assert response.status_code == 422 and list(response.get_json()["errors"]) == ["file"]


# --- submit and sign --------------------------------------------------------------------------

def test_submit_when_not_eligible_is_a_422_with_the_failing_rules(client, office):
    referral = create(client, office)
    upload(client, office, referral["id"], "leave_request", make_pdf("Leave request"))
    response = client.post(f"{API}/referrals/{referral['id']}/submit", headers=office)
    assert response.status_code == 422
    body = response.get_json()
    assert [r["id"] for r in body["rules"]] == ["evidence_attached"]
    assert body["rules"][0]["status"] == "missing"
    assert "Copy of warning letter" in body["rules"][0]["reason"]
    assert client.get(f"{API}/referrals/{referral['id']}", headers=office).get_json()["status"] == "draft"


def test_submit_an_incomplete_draft_names_the_missing_answers(client, office):
    referral = create(client, office, {"pupil": {"first_name": "Oliver"}})
    response = client.post(f"{API}/referrals/{referral['id']}/submit", headers=office)
    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"]["pupil"]["last_name"] == ["Enter the child's last name"]
    assert "parents" in body["errors"] and "policies_confirmed" in body["errors"]
    assert {"compulsory_school_age", "evidence_attached"} <= {r["id"] for r in body["rules"]}


def test_submit_when_eligible_awaits_signoff_and_freezes_the_draft(client, office):
    referral = submitted_referral(client, office)
    assert referral["status"] == "awaiting_signoff"
    assert referral["submitted_at"]
    assert referral["eligibility"]["eligible"] is True
    url = f"{API}/referrals/{referral['id']}"
    assert client.patch(url, json={"data": {"pupil": {"first_name": "X"}}}, headers=office).status_code == 409
    assert upload(client, office, referral["id"], "leave_request", make_pdf()).status_code == 409
    assert client.post(f"{url}/submit", headers=office).status_code == 409


def test_sign_is_for_the_school_headteacher_only(client, app, office, head):
    referral = submitted_referral(client, office)
    url = f"{API}/referrals/{referral['id']}/sign"
    good = {"name": "Harriet Head", "declaration": True}

    assert client.post(url, json=good, headers=office).status_code == 403
    other_head = bearer(api_token(client, "head@other.school"))
    assert client.post(url, json=good, headers=other_head).status_code == 404

    response = client.post(url, json={"name": "Harriet Head", "declaration": False}, headers=head)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["declaration"]
    response = client.post(url, json={"declaration": True}, headers=head)
    assert response.status_code == 422 and "name" in response.get_json()["errors"]["json"]
    for name in ("   ", "Harriet\u0000Head", "Harriet\nHead", "Harriet \ud800 Head"):
        response = client.post(url, data=json.dumps({"name": name, "declaration": True}), headers=head,
                               content_type="application/json")
        assert response.status_code == 422, name
        assert response.get_json()["errors"]["json"]["name"]
    response = client.post(url, json={"name": "Harriet Head", "declaration": "maybe"}, headers=head)
    assert response.status_code == 422
    assert client.get(f"{API}/referrals/{referral['id']}", headers=head).get_json()["status"] == "awaiting_signoff"

    response = client.post(url, json=good, headers=head)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "signed"
    assert body["delivery"]["state"] == "queued" and body["delivery"]["attempts"] == 0
    # Signed once: a second signature is refused, and nothing changes.
    assert client.post(url, json=good, headers=head).status_code == 409
    with app.app_context():
        assert len(db.session.get(Referral, referral["id"]).packs) == 1


def test_signing_measures_the_deadline_from_today(client, app, office, head):
    """Within 28 days of the return by the date typed, but not by the day the head signs."""
    data = json_data()
    data["leave"] = {k: (dt.date.fromisoformat(v) - dt.timedelta(weeks=6)).isoformat() for k, v in data["leave"].items()}
    data["referral_date"] = (dt.date.fromisoformat(data["leave"]["return_date"]) + dt.timedelta(days=20)).isoformat()
    referral = eligible_referral(client, office, data=data)
    response = client.post(f"{API}/referrals/{referral['id']}/submit", headers=office)
    assert response.status_code == 200, response.get_json()
    response = client.post(f"{API}/referrals/{referral['id']}/sign", json={"name": "Harriet Head", "declaration": True},
                           headers=head)
    assert response.status_code == 422
    body = response.get_json()
    assert [r["id"] for r in body["rules"]] == ["leave_request_within_deadline"]
    assert body["rules"][0]["status"] == "fail"
    after = client.get(f"{API}/referrals/{referral['id']}", headers=head).get_json()
    assert after["status"] == "awaiting_signoff" and after["delivery"] is None
    assert client.get(f"{API}/referrals/{referral['id']}/documents", headers=head).get_json() == []


def test_documents_before_and_after_signing(client, office, head):
    referral = eligible_referral(client, office)
    url = f"{API}/referrals/{referral['id']}/documents"
    assert client.get(url, headers=office).get_json() == []
    draft = client.get(f"{url}/draft.pdf", headers=office)
    assert draft.status_code == 200 and draft.data.startswith(b"%PDF")
    preview = client.get(f"{url}/draft.html", headers=office)
    assert preview.status_code == 200 and "Bennett" in preview.get_data(as_text=True)
    assert client.get(f"{url}/anything.pdf", headers=office).status_code == 404

    client.post(f"{API}/referrals/{referral['id']}/submit", headers=office)
    signed = client.post(f"{API}/referrals/{referral['id']}/sign", json={"name": "Harriet Head", "declaration": True},
                         headers=head)
    assert signed.status_code == 200
    files = client.get(url, headers=office).get_json()
    names = [f["name"] for f in files]
    reference = referral["reference"]
    assert f"{reference}-penalty-notice-leave.pdf" in names
    assert f"{reference}-penalty-notice-leave.docx" in names
    assert "manifest.json" in names
    assert sum(1 for f in files if f["role"] == "evidence") == 3
    for item in files:
        response = client.get(f"{url}/{item['name']}", headers=office)
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == item["sha256"]
        assert len(response.data) == item["size"]
        if item["content_type"] == "application/pdf":
            assert response.data.startswith(b"%PDF")
    manifest = json.loads(client.get(f"{url}/manifest.json", headers=office).data)
    assert manifest  # a real JSON manifest
    assert client.get(f"{url}/nothing-here.pdf", headers=office).status_code == 404
    assert client.get(f"{url}/manifest.json?version=7", headers=office).status_code == 404


def test_audit_lists_every_event(client, office, head):
    referral = signed_referral(client, office, head)
    response = client.get(f"{API}/referrals/{referral['id']}/audit", headers=office)
    assert response.status_code == 200
    events = response.get_json()
    actions = [e["action"] for e in events]
    assert actions[0] == "created"
    assert actions.count("evidence_uploaded") == 3
    assert actions.index("submitted") < actions.index("signed") < actions.index("delivery_queued")
    signed = next(e for e in events if e["action"] == "signed")
    assert signed["actor"] == "Harriet Head" and signed["role"] == "headteacher"  # a school sees names (issue 14)
    assert signed["detail"]["signed_name"] == "Harriet Head"
    assert all(e["at"] and e["actor"] for e in events)


def test_render_a_document_on_demand(client, office):
    data = json_data()
    data["pupil"]["first_name"] = "{{ 7*7 }} <b>Bold</b>"
    response = client.post(f"{API}/documents/{FORM_ID}", json={"data": data, "format": "html"}, headers=office)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "{{ 7*7 }} &lt;b&gt;Bold&lt;/b&gt;" in page and "<b>Bold</b>" not in page and "49" not in page
    response = client.post(f"{API}/documents/{FORM_ID}", json={"data": json_data(), "format": "pdf"}, headers=office)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    response = client.post(f"{API}/documents/{FORM_ID}", json={"data": json_data(), "format": "docx"}, headers=office)
    assert response.status_code == 200 and response.data.startswith(b"PK")
    response = client.post(f"{API}/documents/no-such-letter", json={"data": {}}, headers=office)
    assert response.status_code == 422
    response = client.post(f"{API}/documents/{FORM_ID}", json={"data": {}, "format": "rtf"}, headers=office)
    assert response.status_code == 422 and response.get_json()["errors"]["json"]["format"]


def test_hostile_text_is_kept_literally(client, office):
    data = json_data()
    hostile = "{{ 7*7 }} {% if 1 %}x{% endif %} <script>alert(1)</script> http://169.254.169.254/"
    data["pupil"]["first_name"] = hostile
    referral = create(client, office, data)
    assert referral["data"]["pupil"]["first_name"] == hostile
    page = client.get(f"{API}/referrals/{referral['id']}/documents/draft.html", headers=office).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "{{ 7*7 }}" in page and "{% if 1 %}x{% endif %}" in page and "49" not in page
    pdf = client.get(f"{API}/referrals/{referral['id']}/documents/draft.pdf", headers=office).data
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "{{ 7*7 }} {% if 1 %}x{% endif %} <script>alert(1)</script> http://" in words
    assert "Name of child 49" not in words


# --- who sees what ----------------------------------------------------------------------------

def test_other_schools_referrals_are_not_found(client, office, head):
    referral = eligible_referral(client, office)
    rid = referral["id"]
    for email in ("office@other.school", "head@other.school"):
        other = bearer(api_token(client, email))
        assert client.get(f"{API}/referrals", headers=other).get_json()["referrals"] == []
        for method, path, kwargs in [
            ("get", f"/referrals/{rid}", {}),
            ("patch", f"/referrals/{rid}", {"json": {"data": {"pupil": {"first_name": "X"}}}}),
            ("post", f"/referrals/{rid}/submit", {}),
            ("post", f"/referrals/{rid}/sign", {"json": {"name": "Hugo Head", "declaration": True}}),
            ("get", f"/referrals/{rid}/documents", {}),
            ("get", f"/referrals/{rid}/documents/draft.pdf", {}),
            ("get", f"/referrals/{rid}/audit", {}),
        ]:
            response = getattr(client, method)(f"{API}{path}", headers=other, **kwargs)
            assert response.status_code == 404, (email, method, path, response.status_code)
        response = upload(client, other, rid, "leave_request", make_pdf())
        assert response.status_code == 404
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["data"]["pupil"]["first_name"] == "Oliver"


def test_an_la_officer_sees_only_signed_referrals_of_their_la(client, app, office, head, officer):
    draft = create(client, office)
    waiting = submitted_referral(client, office)
    signed = signed_referral(client, office, head)

    listed = client.get(f"{API}/referrals", headers=officer).get_json()["referrals"]
    assert [r["id"] for r in listed] == [signed["id"]]
    assert client.get(f"{API}/referrals?status=signed", headers=officer).get_json()["referrals"] == listed
    assert client.get(f"{API}/referrals?status=draft", headers=officer).get_json()["referrals"] == []
    response = client.get(f"{API}/referrals?status=sig\u0000ned", headers=officer)
    assert response.status_code == 422 and response.get_json()["errors"]["status"]
    assert listed[0]["status"] == "signed" and listed[0]["delivery"]["state"] == "queued"
    for hidden in (draft, waiting):
        assert client.get(f"{API}/referrals/{hidden['id']}", headers=officer).status_code == 404
        assert client.get(f"{API}/referrals/{hidden['id']}/documents", headers=officer).status_code == 404
    response = client.get(f"{API}/referrals/{signed['id']}", headers=officer)
    assert response.status_code == 200
    files = client.get(f"{API}/referrals/{signed['id']}/documents", headers=officer).get_json()
    pdf = next(f for f in files if f["role"] == "form_pdf")
    download = client.get(f"{API}/referrals/{signed['id']}/documents/{pdf['name']}", headers=officer)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    audit = client.get(f"{API}/referrals/{signed['id']}/audit", headers=officer).get_json()
    assert audit[-1]["action"] == "pack_file_downloaded" and audit[-1]["actor"] == "officer@demo.la"
    # The officer reads; they do not change the school's request.
    assert client.patch(f"{API}/referrals/{signed['id']}", json={"data": {}}, headers=officer).status_code == 403
    assert upload(client, officer, signed["id"], "leave_request", make_pdf()).status_code == 403

    # An officer of another LA sees none of it.
    with app.app_context():
        la = get_or_create_la("Other Borough Council", "legal@other-la.test")
        get_or_create_school("Far Away School", la)
        create_user("officer@other.la", PASSWORD, "la_officer", "Otto Officer", la=la)
        db.session.commit()
    stranger = bearer(api_token(client, "officer@other.la"))
    assert client.get(f"{API}/referrals", headers=stranger).get_json()["referrals"] == []
    for path in (f"/referrals/{signed['id']}", f"/referrals/{signed['id']}/documents",
                 f"/referrals/{signed['id']}/documents/{pdf['name']}", f"/referrals/{signed['id']}/audit"):
        assert client.get(f"{API}{path}", headers=stranger).status_code == 404, path
