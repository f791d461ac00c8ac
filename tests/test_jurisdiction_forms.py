"""Where each form is used (issue 19): a form declares its jurisdictions, and a school is offered only the
forms of its LA's law. A Cardiff school (profile `cardiff`, Wales) never starts Stockport's Stage 3 or
Southend's Fast Track, whose words stand on England's process; an English school never starts a Welsh
form. The penalty notice requests and the Penalty Notice Warning letter are used in both: their amounts
follow the law of the LA's profile. SQLite and PostgreSQL (the app fixture)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from forms_service import formdefs
from forms_service.formdefs import load_forms

from support.helpers import api_token, bearer, json_data, login, set_profile

API = "/api/v1"
ENGLISH_ONLY = "stage2-letter"  # Stockport's (000), England's process
BOTH = "penalty-notice-leave"


def test_every_form_says_where_it_is_used():
    for form in load_forms().values():
        assert form.jurisdictions and set(form.jurisdictions) <= {"england", "wales"}, form.id
    assert load_forms()[ENGLISH_ONLY].jurisdictions == ("england",)
    assert set(load_forms()[BOTH].jurisdictions) == {"england", "wales"}


def test_a_form_that_does_not_say_is_refused(tmp_path, monkeypatch):
    raw = json.loads((formdefs.FORMS_DIR / f"{BOTH}.json").read_text(encoding="utf-8"))
    for broken in ({k: v for k, v in raw.items() if k != "jurisdictions"}, {**raw, "jurisdictions": ["scotland"]},
                   {**raw, "jurisdictions": []}):
        (tmp_path / f"{BOTH}.json").write_text(json.dumps(broken), encoding="utf-8")
        monkeypatch.setattr(formdefs, "FORMS_DIR", tmp_path)
        formdefs.load_forms.cache_clear()
        try:
            with pytest.raises(ValueError, match="jurisdictions"):
                formdefs.load_forms()
        finally:
            monkeypatch.undo()
            formdefs.load_forms.cache_clear()
    assert ENGLISH_ONLY in formdefs.load_forms()


def test_a_welsh_school_is_offered_only_the_forms_of_welsh_law(app, client):
    login(client, "office@demo.school")
    england = client.get("/referrals/").get_data(as_text=True)
    assert f"/referrals/new/{ENGLISH_ONLY}" in england and f"/referrals/new/{BOTH}" in england
    assert client.get(f"/referrals/new/{ENGLISH_ONLY}").status_code == 200
    set_profile(app, "cardiff")
    wales = client.get("/referrals/").get_data(as_text=True)
    assert f"/referrals/new/{ENGLISH_ONLY}" not in wales and f"/referrals/new/{BOTH}" in wales
    assert client.get(f"/referrals/new/{ENGLISH_ONLY}").status_code == 404
    assert client.get(f"/referrals/new/{BOTH}").status_code == 200
    # Letters to many families: Stockport's letters are England's.
    bulk = client.get("/bulk-letters/").get_data(as_text=True)
    assert f"/bulk-letters/new/{ENGLISH_ONLY}" not in bulk and "None of the letters made in bulk" in bulk
    assert client.get(f"/bulk-letters/new/{ENGLISH_ONLY}").status_code == 404


def test_the_api_refuses_to_start_a_form_of_the_other_law(app, client):
    set_profile(app, "cardiff")
    office = bearer(api_token(client, "office@demo.school"))
    refused = client.post(f"{API}/referrals", json={"form": ENGLISH_ONLY, "data": {}}, headers=office)
    assert refused.status_code == 422
    message = refused.get_json()["errors"]["form"][0]
    assert "used in England" in message and "law of Wales" in message
    assert client.post(f"{API}/referrals", json={"form": BOTH, "data": {}}, headers=office).status_code == 201


def test_eligibility_and_documents_refuse_a_profile_of_the_other_law(client):
    office = bearer(api_token(client, "office@demo.school"))
    for path, body in ((f"{API}/eligibility/fast-track-referral", {"data": {}, "profile": "cardiff"}),
                       (f"{API}/documents/stage2-letter", {"data": {}, "profile": "cardiff", "format": "pdf"})):
        response = client.post(path, json=body, headers=office)
        assert response.status_code == 422, path
        assert "the cardiff profile is the law of Wales" in response.get_json()["errors"]["profile"][0]
    # The same request under England's law is answered.
    ok = client.post(f"{API}/eligibility/{BOTH}", json={"data": json_data(), "profile": "cardiff"}, headers=office)
    assert ok.status_code == 200


def test_the_catalogue_says_where_each_form_is_used(client):
    office = bearer(api_token(client, "office@demo.school"))
    forms = {f["id"]: f for f in client.get(f"{API}/forms", headers=office).get_json()["forms"]}
    assert forms[ENGLISH_ONLY]["jurisdictions"] == ["england"]
    assert sorted(forms[BOTH]["jurisdictions"]) == ["england", "wales"]


def test_a_record_about_several_pupils_is_listed_by_how_many(app, client):
    """The Linkwork record (002, Appendix 5) is about the pupils discussed at the link meeting: the school's
    list says how many rather than one child's name."""
    set_profile(app, "cardiff")
    office = bearer(api_token(client, "office@demo.school"))
    sample = json.loads((Path(__file__).resolve().parent / "samples" / "linkwork-record.json").read_text(encoding="utf-8"))
    created = client.post(f"{API}/referrals", json={"form": "linkwork-record", "data": sample}, headers=office)
    assert created.status_code == 201, created.get_json()
    login(client, "office@demo.school")
    listing = client.get("/referrals/").get_data(as_text=True)
    assert created.get_json()["reference"] in listing and f"{len(sample['pupils'])} pupils" in listing
