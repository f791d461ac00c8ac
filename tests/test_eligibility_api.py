"""`POST /api/v1/eligibility/<form_id>` (DESIGN.md §6) for the four referral forms and the
leave-of-absence request: `{data, register?, profile?}` → `{eligible, rules, figures}` without saving,
with the data dictionary's figure names; invalid data or register → 422 naming the field or row;
malformed JSON → 400; never a 500."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from forms_service.formdefs import load_forms
from forms_service.models import Referral, db

from support.helpers import api_token, bearer

API = "/api/v1"
SAMPLES = Path(__file__).resolve().parent / "samples"
REFERRALS = [f.id for f in load_forms().values() if f.sends_to_la]


@pytest.fixture
def token(client):
    return bearer(api_token(client, "office@demo.school"))


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def test_every_referral_form_is_checked(client, token, app):
    assert set(REFERRALS) == {"penalty-notice-leave", "penalty-notice-panel", "ppm-request", "fast-track-referral",
                              "enforcement-referral",
                              "ews-referral", "cme-checklist",  # issue 19: 002, Step 3 and Appendix 6, to the EWS
                              "statutory-referral",  # issue 20: 004, Level 3, Knowsley's step up to the Statutory Officer
                              "educational-neglect-referral"}  # issue 20: 004, Appendix D, through the MARF to MASH
    for form_id in REFERRALS:
        form = load_forms()[form_id]
        response = client.post(f"{API}/eligibility/{form_id}", headers=token,
                               json={"data": sample(form_id), "profile": form.raw.get("sample_profile")})
        assert response.status_code == 200, (form_id, response.get_json())
        verdict = response.get_json()
        assert set(verdict) >= {"eligible", "rules", "figures"}
        assert [r["id"] for r in verdict["rules"]] == list(form.rules)
        for r in verdict["rules"]:
            assert r["status"] in ("pass", "fail", "missing", "advisory") and r["reason"] and r["source"]
    with app.app_context():  # nothing is saved
        assert db.session.query(Referral).count() == 0


@pytest.mark.parametrize("form_id, figure", [
    ("ppm-request", "unauthorised_sessions_10wk"),
    ("penalty-notice-panel", "unauthorised_sessions_10wk"),
    ("penalty-notice-panel", "attendance_pct_10wk"),
    ("fast-track-referral", "attendance_pct_10wk"),
    ("enforcement-referral", "unauthorised_sessions_10wk"),
])
def test_typed_figures_come_back_under_the_data_dictionary_names(client, token, form_id, figure):
    data = sample(form_id)
    data.setdefault("figures", {})
    data["figures"][figure] = 12 if figure.startswith("unauthorised") else 84.5
    verdict = client.post(f"{API}/eligibility/{form_id}", headers=token, json={"data": data}).get_json()
    assert verdict["figures"][figure] == data["figures"][figure]


@pytest.mark.parametrize("body, status", [(b"{not json", 400), (b"[1, 2]", 422), (b'"text"', 422), (b"null", 422),
                                          (b"", 422)])
def test_a_body_that_is_not_a_json_object_is_refused_clearly(client, token, body, status):
    """Not JSON at all: 400. JSON, but not an object: 422."""
    response = client.post(f"{API}/eligibility/ppm-request", headers={**token, "Content-Type": "application/json"},
                           data=body)
    assert response.status_code == status
    assert response.is_json and response.get_json().get("message")


@pytest.mark.parametrize("change, where", [
    ({"pupil": {"date_of_birth": "2012-02-30"}}, "date_of_birth"),
    ({"pupil": "Ada"}, "pupil"),
    ({"parents": {"name": "x"}}, "parents"),
    ({"letters_sent": "four"}, "letters_sent"),
    ({"letters_sent": True}, "letters_sent"),
    ({"figures": {"unauthorised_sessions_10wk": -1}}, "unauthorised_sessions_10wk"),
    ({"surprise": 1}, "surprise"),
])
def test_invalid_data_is_a_422_naming_the_field(client, token, change, where):
    data = {**sample("ppm-request"), **change}
    response = client.post(f"{API}/eligibility/ppm-request", headers=token, json={"data": data})
    assert response.status_code == 422
    assert where in json.dumps(response.get_json())


@pytest.mark.parametrize("register, where", [
    ({"code_set": "2024", "sessions": [{"date": "2026-02-30", "session": "AM", "code": "/"}]}, "2026-02-30"),
    ({"code_set": "2024", "sessions": [{"date": "2026-03-02", "session": "AM", "code": "H"}]}, "H"),
    ({"code_set": "2024", "sessions": [{"date": "2026-03-02", "session": "AM", "code": "/"},
                                       {"date": "2026-03-02", "session": "AM", "code": "N"}]}, "2026-03-02"),
    ({"code_set": "1999", "sessions": []}, "Unknown code set"),
    ({"code_set": "2024", "sessions": "all of them"}, "sessions"),
    ({"code_set": "2024", "sessions": [["2026-03-02", "AM", "/"]]}, "1"),
])
def test_an_invalid_register_is_a_422_naming_the_row(client, token, register, where):
    response = client.post(f"{API}/eligibility/ppm-request", headers=token,
                           json={"data": sample("ppm-request"), "register": register})
    assert response.status_code == 422, response.get_json()
    assert where in json.dumps(response.get_json())


def test_an_unknown_form_or_profile_is_a_422(client, token):
    assert client.post(f"{API}/eligibility/no-such-form", headers=token, json={"data": {}}).status_code == 422
    response = client.post(f"{API}/eligibility/ppm-request", headers=token, json={"data": {}, "profile": "atlantis"})
    assert response.status_code == 422 and "profile" in response.get_json()["errors"]
