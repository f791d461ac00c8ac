"""The data dictionary on every form (issue 21; DESIGN.md §6, schemas/data-dictionary.json): an MIS sends the
same pupil record to every endpoint. Every form accepts the dictionary's names; one it does not use is checked
against its type, ignored, and named in `warnings` (on a rendered document, the `Ignored-Fields` header); a name
nobody declared is still a 422 naming it; the form's own answers are validated as before.

Through the Flask test client, on SQLite and PostgreSQL; no PDF is rendered (eligibility and the HTML preview)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from forms_service import dictionary
from forms_service.formdefs import load_forms

from support.helpers import FORM_ID, api_token, bearer, json_data, profile_used_for

API = "/api/v1"
SAMPLES = Path(__file__).resolve().parent / "samples"
FORMS = sorted(load_forms())

# A pupil record as an MIS holds it: every name of the dictionary, each value of its type.
RECORD = {
    "pupil": {"first_name": "Tyler", "last_name": "Hughes", "date_of_birth": "2013-11-21", "upn": "A123456789012",
              "year_group": "Year 7", "address": "18 Brindley Close\nReddish\nSK5 6QT", "looked_after": False},
    "parents": [{"name": "Leanne Hughes", "date_of_birth": "1988-04-02", "address": "18 Brindley Close",
                 "relationship": "mother"}],
    "school": {"name": "Demo School"},
    "referral_date": "2026-03-02",
    "final_warning_date": "2026-01-12",
    "support_meeting_date": "2026-01-26",
    "parents_attended_meeting": True,
    "parent_contract_agreed": True,
    "barriers_identified": False,
    "barriers": "None raised",
    "panel_date": "2026-02-09",
    "new_barriers_at_panel": False,
    "leave": {"start_date": "2026-02-02", "end_date": "2026-02-06", "return_date": "2026-02-09"},
    "previous_penalty_notices": [{"issued_on": "2025-05-01", "parent_name": "Leanne Hughes"}],
    "policies_confirmed": True,
    "evidence": ["registration_certificate", "leave_request", "warning_letter", "parent_contract", "letters"],
    "figures": {"unauthorised_sessions_10wk": 14, "attendance_pct_10wk": 86.0, "leave_sessions": 10},
}


@pytest.fixture
def office(client):
    return bearer(api_token(client, "office@demo.school"))


def sample(form_id: str) -> dict:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def laid_over(base, top):
    """`top` laid over `base`: objects merge, lists merge item by item (the record's first parent gains the
    sample's answers), anything else from `top`."""
    if isinstance(base, dict) and isinstance(top, dict):
        return {**base, **{k: laid_over(base[k], v) if k in base else v for k, v in top.items()}}
    if isinstance(base, list) and isinstance(top, list) and all(isinstance(i, dict) for i in base + top):
        return [laid_over(base[i], t) if i < len(base) else t for i, t in enumerate(top)] + base[len(top):]
    return copy.deepcopy(top)


def unused_names(form) -> set[str]:
    """What the warnings should name for RECORD laid under the form's sample, read from the form's
    declaration (not from the code under test): a dictionary name the form does not declare; inside a list
    the form declares, each of the record's item keys it does not ask for; `evidence` where the form takes
    none of it, or not all of it."""
    declared = {f.name: f for f in form.fields}
    taken = {e["kind"] for e in form.evidence}
    out = set()
    for entry in dictionary.entries():
        if entry.name == "evidence":
            if not set(RECORD["evidence"]) <= taken:
                out.add("evidence")
        elif entry.name not in declared:
            out.add(entry.name)
        elif entry.type == "list":
            asked = {i.name for i in declared[entry.name].item_fields}
            out |= {f"{entry.name}[0].{key}" for key in RECORD[entry.name][0] if key not in asked}
    return out


def post(client, headers, path, body, expect):
    if path.startswith("eligibility/"):
        body = {k: v for k, v in body.items() if k != "format"}
    response = client.post(f"{API}/{path}", json=body, headers=headers)
    assert response.status_code == expect, (response.status_code, response.get_data(as_text=True)[:2000])
    return response


# --- every form takes the whole record ----------------------------------------------------------

@pytest.mark.parametrize("form_id", FORMS)
def test_every_form_takes_the_whole_record_and_names_what_it_ignored(client, office, form_id):
    form = load_forms()[form_id]
    data = laid_over(RECORD, sample(form_id))
    profile = profile_used_for(form)
    expected = unused_names(form)
    assert expected, "the record holds names no form uses (school.name at least)"

    verdict = post(client, office, f"eligibility/{form_id}", {"data": data, "profile": profile}, 200).get_json()
    assert {w["field"] for w in verdict["warnings"]} == expected
    assert all(w["message"].startswith(w["field"]) and form_id in w["message"] for w in verdict["warnings"])
    assert "rules" in verdict and "eligible" in verdict  # the verdict keeps its shape

    document = form.documents_for(dictionary.load(form, data)[0])[0]["id"]
    response = post(client, office, f"documents/{document}", {"data": data, "profile": profile, "format": "html"}, 200)
    assert set(response.headers["Ignored-Fields"].split(", ")) == expected


# --- the issue's example ------------------------------------------------------------------------

def issue_example() -> dict:
    data = sample("stage2-letter")
    data["pupil"].update(upn="A123456789012", looked_after=True)
    data["parents"][0]["date_of_birth"] = "1988-04-02"
    data["referral_date"] = "2026-03-02"
    data["school"] = {"name": "Demo School"}
    return data


ISSUE_FIELDS = {"pupil.upn", "pupil.looked_after", "parents[0].date_of_birth", "referral_date", "school.name"}


def test_the_stage2_letter_takes_the_names_it_refused(client, office):
    response = post(client, office, "documents/stage2-letter", {"data": issue_example(), "format": "docx"}, 200)
    assert response.mimetype == "application/zip"  # one letter per parent
    assert set(response.headers["Ignored-Fields"].split(", ")) == ISSUE_FIELDS
    verdict = post(client, office, "eligibility/stage2-letter", {"data": issue_example()}, 200).get_json()
    looked_after = "pupil.looked_after is not used by the stage2-letter form and was ignored"
    assert {"field": "pupil.looked_after", "message": looked_after} in verdict["warnings"]
    assert {w["field"] for w in verdict["warnings"]} == ISSUE_FIELDS


def test_a_document_without_dictionary_extras_has_no_ignored_fields_header(client, office):
    response = post(client, office, "documents/stage2-letter", {"data": sample("stage2-letter"), "format": "html"}, 200)
    assert "Ignored-Fields" not in response.headers
    verdict = post(client, office, "eligibility/stage2-letter", {"data": sample("stage2-letter")}, 200).get_json()
    assert verdict["warnings"] == []


# --- what is still refused ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["eligibility/stage2-letter", "documents/stage2-letter"])
def test_a_name_nobody_declared_is_still_refused_naming_it(client, office, path):
    data = issue_example()
    data["pupil"]["shoe_size"] = 5
    data["school"]["motto"] = "Onwards"  # inside a group the form does not use
    data["parents"][1]["shoe_size"] = 9  # inside a list item
    errors = post(client, office, path, {"data": data, "format": "html"}, 422).get_json()["errors"]["data"]
    assert errors["pupil"]["shoe_size"] == ["Unknown field."]
    assert errors["school"]["motto"] == ["Unknown field."]
    assert errors["parents"]["1"]["shoe_size"] == ["Unknown field."]
    assert set(errors) == {"pupil", "school", "parents"}


def test_an_unused_name_of_the_wrong_type_is_refused_naming_it(client, office):
    """The dictionary's types hold on every form: the same record gets the same answer everywhere."""
    data = issue_example()
    data["pupil"]["looked_after"] = "sometimes"
    data["parents"][1]["date_of_birth"] = "1988-02-30"
    data["referral_date"] = 20260302
    data["figures"]["leave_sessions"] = "ten"
    data["leave"] = ["2026-02-02"]
    errors = post(client, office, "eligibility/stage2-letter", {"data": data}, 422).get_json()["errors"]["data"]
    assert errors["pupil"] == {"looked_after": ["pupil.looked_after must be true or false"]}
    assert errors["parents"] == {"1": {"date_of_birth": ["parents[].date_of_birth must be a real date, written as "
                                                         "YYYY-MM-DD"]}}
    assert errors["referral_date"] == ["referral_date must be a real date, written as YYYY-MM-DD"]
    assert errors["figures"] == {"leave_sessions": ["figures.leave_sessions must be a number"]}
    assert errors["leave"] == {"_schema": ["Give the answers in leave as a set of answers"]}


def test_the_forms_own_answers_validate_as_before_beside_the_record(client, office):
    data = laid_over(RECORD, sample("stage2-letter"))
    data["meeting"]["date"] = "2026-02-30"
    data["pupil"]["looked_after"] = "sometimes"
    for path in ("eligibility/stage2-letter", "documents/stage2-letter"):
        errors = post(client, office, path, {"data": data, "format": "html"}, 422).get_json()["errors"]["data"]
        assert errors["meeting"]["date"] == ["Date of the School Attendance Meeting must be a real date, written as "
                                             "YYYY-MM-DD"]
        assert errors["pupil"]["looked_after"] == ["pupil.looked_after must be true or false"]  # both, at once


def test_a_used_dictionary_name_is_the_forms_to_validate(client, office):
    data = json_data()  # penalty-notice-leave uses the leave's dates
    data["leave"]["start_date"] = "2026-13-01"
    errors = post(client, office, f"eligibility/{FORM_ID}", {"data": data}, 422).get_json()["errors"]["data"]
    assert list(errors) == ["leave"] and list(errors["leave"]) == ["start_date"]


def test_evidence_the_form_does_not_take_is_ignored_and_an_unknown_kind_refused(client, office):
    data = json_data()
    data["evidence"] = ["leave_request", "letters", "parent_contract"]
    verdict = post(client, office, f"eligibility/{FORM_ID}", {"data": data}, 200).get_json()
    message = f"evidence: letters, parent_contract is not evidence the {FORM_ID} form takes and was ignored"
    assert verdict["warnings"] == [{"field": "evidence", "message": message}]
    data["evidence"] = ["leave_request", "selfie"]
    errors = post(client, office, f"eligibility/{FORM_ID}", {"data": data}, 422).get_json()["errors"]["data"]
    assert list(errors) == ["evidence"]
    data = sample("stage2-letter")  # a letter takes no evidence: an unknown kind is still refused
    data["evidence"] = ["selfie"]
    errors = post(client, office, "eligibility/stage2-letter", {"data": data}, 422).get_json()["errors"]["data"]
    assert list(errors) == ["evidence"]


# --- referrals: created and changed with the record ---------------------------------------------

def test_a_referral_is_created_and_changed_with_the_record_and_keeps_only_its_own_names(client, office):
    data = laid_over(RECORD, json_data())
    response = post(client, office, "referrals", {"form": FORM_ID, "data": data}, 201).get_json()
    form = load_forms()[FORM_ID]
    assert {w["field"] for w in response["warnings"]} == unused_names(form)
    assert "school" not in response["data"]  # set aside, never stored
    assert "final_warning_date" not in response["data"]
    assert response["data"]["pupil"]["looked_after"] is False  # a name it uses is kept

    patched = client.patch(f"{API}/referrals/{response['id']}", headers=office,
                           json={"data": {"school": {"name": "Demo School"}, "panel_date": "2026-02-09",
                                          "pupil": {"year_group": "Year 8"}}})
    assert patched.status_code == 200, patched.get_json()
    body = patched.get_json()
    assert {w["field"] for w in body["warnings"]} == {"school.name", "panel_date"}
    assert body["data"]["pupil"]["year_group"] == "Year 8" and "panel_date" not in body["data"]

    refused = client.patch(f"{API}/referrals/{response['id']}", headers=office,
                           json={"data": {"pupil": {"shoe_size": 5}, "panel_date": "soon"}})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"pupil": {"shoe_size": ["Unknown field."]},
                                            "panel_date": ["panel_date must be a real date, written as YYYY-MM-DD"]}


# --- the contract, described --------------------------------------------------------------------

def test_the_openapi_document_describes_the_warnings(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert set(schemas["DataWarning"]["properties"]) == {"field", "message"}
    assert schemas["Verdict"]["properties"]["warnings"]["items"]["$ref"].endswith("/DataWarning")
    assert schemas["Referral"]["properties"]["warnings"]["items"]["$ref"].endswith("/DataWarning")
    ok = spec["paths"]["/api/v1/documents/{document_id}"]["post"]["responses"]["200"]
    assert "Ignored-Fields" in ok["headers"]


def test_forms_keep_the_dictionarys_meaning():
    """A form that asks for a dictionary name asks for it as the dictionary's type (DESIGN.md §6: "these keep
    their names and meaning everywhere")."""
    alike = {"text": {"text", "textarea", "choice"}, "date": {"date"}, "boolean": {"boolean"},
             "number": {"number", "integer"}, "list": {"list"}}
    by_name = {e.name: e for e in dictionary.entries()}
    for form in load_forms().values():
        for f in form.fields:
            entry = by_name.get(f.name)
            if entry is None:
                continue
            assert f.type in alike[entry.type], (form.id, f.name, f.type)
            items = {i.name: i for i in entry.items}
            for item in f.item_fields:
                if item.name in items:
                    assert item.type in alike[items[item.name].type], (form.id, f.name, item.name, item.type)
