"""The jurisdiction foundation (issue 19): a profile says whose law applies, and the law follows it as data
(forms_service/rules/law.py). Cardiff (seed 002) is in Wales: penalty notices under The Education (Penalty
Notices) (Wales) Regulations 2013, £60 if paid within 28 days and £120 within 42, with no national
two-in-three-years limit, no national leave threshold and no Notice to Improve; every English profile keeps
the 2024 framework (£80/£160). SQLite and PostgreSQL where a database is used."""
from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from test_rules import LEAVE_FORM, leave_case, notices, run

from forms_service.la.notices import amounts_due
from forms_service.policies import Policy, list_profiles, load_profile
from forms_service.rules import evaluate
from forms_service.rules.law import LAWS, REGIME_WALES_2013, regime_for

from support.doctext import docx_text, pdf_text, squash
from support.form_case import FormCase
from support.helpers import api_token, bearer, json_data, login, set_profile
from test_la_notices import _issue, _rules, accepted_panel

ROOT = Path(__file__).resolve().parents[1]
API = "/api/v1"
D = dt.date
LA = {"name": "Demo Council", "inbox": "legal-interventions@la.invalid"}
WALES = FormCase("final-warning", school={"name": "Ysgol Demo"}, la={**LA, "jurisdiction": "wales"},
                 reference="FWL-2026-000008", today=D(2026, 3, 6), profile="cardiff")
ENGLAND = FormCase("final-warning", school={"name": "Westcliff Park Academy"}, la=LA,
                   reference="FWL-2026-000007", today=D(2026, 3, 6), profile="national-2024")


# --- profiles --------------------------------------------------------------------------------------

def test_cardiff_is_in_wales_and_every_other_profile_in_england():
    assert load_profile("cardiff").jurisdiction == "wales"
    assert load_profile("cardiff").name == "Cardiff"
    for name in list_profiles():
        if name != "cardiff":
            assert load_profile(name).jurisdiction == "england", name
    assert set(LAWS) == {"england", "wales"}


@pytest.mark.parametrize("jurisdiction", [None, "", "scotland", "Wales", 1])
def test_a_profile_without_a_valid_jurisdiction_is_refused(jurisdiction):
    raw = copy.deepcopy(json.loads((ROOT / "schemas/policies/cardiff.json").read_text()))
    if jurisdiction is None:
        del raw["jurisdiction"]
    else:
        raw["jurisdiction"] = jurisdiction
    with pytest.raises(ValueError, match="jurisdiction"):
        Policy.from_dict(raw)


def test_every_cardiff_value_cites_its_source():
    raw = json.loads((ROOT / "schemas/policies/cardiff.json").read_text())
    for rule_id, entry in raw["rules"].items():
        assert entry["source"], rule_id
        for key, param in entry["params"].items():
            assert "value" in param and param["source"], (rule_id, key)
    # 002 itself sets no number for a penalty notice: the threshold is Cardiff's code of conduct's.
    assert "Cardiff Council" in raw["rules"]["unauthorised_sessions_threshold"]["params"]["sessions"]["source"]


# --- amounts and the limit -------------------------------------------------------------------------

def test_welsh_amounts_are_60_within_28_days_and_120_within_42_on_every_notice():
    cardiff = load_profile("cardiff")
    for day in (D(2013, 9, 2), D(2024, 8, 19), D(2026, 3, 6)):
        regime = regime_for(cardiff, day)
        assert regime is not None and [(p.within_days, p.pence) for p in regime.first] == [(28, 6000), (42, 12000)]
        assert regime.repeat == regime.first and regime.limit is None
    assert [(a["pence"], a["pay_by"]) for a in amounts_due(D(2026, 3, 5), D(2026, 3, 9), 2, REGIME_WALES_2013)] == [
        (6000, "2026-04-05"), (12000, "2026-04-19")]  # 28 and 42 days beginning with receipt


def test_penalty_notice_limit_under_cardiff_states_the_welsh_amounts():
    result, _ = run("penalty_notice_limit", leave_case(), profile=load_profile("cardiff"))
    assert result.status == "pass"
    assert "£60 if paid within 28 days, £120 within 42 days" in result.reason
    assert "£80" not in result.reason and "£160" not in result.reason
    assert "The Education (Penalty Notices) (Wales) Regulations 2013" in result.reason
    assert "Wales" in result.source and "2024" not in result.source
    assert {(a["within_days"], a["pence"]) for a in result.details["amounts"]} == {(28, 6000), (42, 12000)}


@pytest.mark.parametrize("profile, status", [("national-2024", "fail"), ("cardiff", "pass")])
def test_a_third_notice_in_three_years_england_refuses_wales_does_not_by_that_rule(profile, status):
    # Two earlier notices to Zofia, the older on the first day of the three years to the request.
    data = leave_case(previous_penalty_notices=notices(("Zofia Nowak", D(2023, 2, 11)), ("Zofia Nowak", D(2025, 3, 3))))
    result, _ = run("penalty_notice_limit", data, profile=load_profile(profile))
    assert result.status == status
    if status == "fail":
        assert "Zofia Nowak: 2 earlier notices" in result.reason and "prosecution" in result.reason
    else:
        # Wales counts the LA code's twelve months (reg. 14(d)), and sets no national limit.
        assert "Zofia Nowak: 1 earlier notice in the twelve months to 10 February 2026" in result.reason
        assert "no national limit" in result.reason and "twelve months (reg. 14(d))" in result.reason
        assert result.details["parents"][0]["allowed"] is True
        assert result.details["parents"][0]["amounts"] == [{"within_days": 28, "pence": 6000},
                                                           {"within_days": 42, "pence": 12000}]


def test_a_limit_set_in_the_welsh_profile_applies_over_twelve_months():
    raw = json.loads((ROOT / "schemas/policies/cardiff.json").read_text())
    raw["rules"]["penalty_notice_limit"]["params"]["max_notices"]["value"] = 2
    coded = Policy.from_dict(raw)
    data = leave_case(previous_penalty_notices=notices(("Zofia Nowak", D(2025, 6, 2)), ("Zofia Nowak", D(2025, 9, 3))))
    result, _ = run("penalty_notice_limit", data, profile=coded)
    assert result.status == "fail" and "within a rolling twelve months" in result.reason


# --- leave: no national threshold in Wales ----------------------------------------------------------

def test_the_leave_path_in_wales_uses_the_las_minimum_not_englands_threshold():
    data = leave_case(figures={"leave_sessions": 10})
    cardiff = evaluate(LEAVE_FORM, data, profile=load_profile("cardiff"), today=D(2026, 2, 10))
    minimum = cardiff.rule("leave_sessions_minimum")
    assert minimum.status == "pass" and "at least 10 are needed" in minimum.reason
    assert "Working together" not in minimum.source and "2024" not in minimum.source
    threshold = cardiff.rule("unauthorised_sessions_threshold")
    assert threshold.status == "pass" and threshold.reason.startswith("Not applied: the law of Wales sets no national")
    assert "Wales) Regulations 2013" in threshold.source
    nine = evaluate(LEAVE_FORM, leave_case(figures={"leave_sessions": 9}), profile=load_profile("cardiff"),
                    today=D(2026, 2, 10))
    assert nine.rule("leave_sessions_minimum").status == "fail"
    england = evaluate(LEAVE_FORM, data, profile=load_profile("national-2024"), today=D(2026, 2, 10))
    assert "Working together" in england.rule("leave_sessions_minimum").source


@pytest.mark.parametrize("profile, jurisdiction", [("cardiff", "wales"), ("national-2024", "england")])
def test_the_leave_request_states_the_threshold_of_its_law_in_pdf_and_docx(profile, jurisdiction):
    case = FormCase("penalty-notice-leave", school={"name": "Ysgol Demo"}, la={**LA, "jurisdiction": jurisdiction},
                    reference="PNL-2026-000009", today=D(2026, 3, 24), profile=profile)
    rendered = case.render(case.form.documents[0], case.context())
    for words in (rendered["docx"], rendered["pdf"]):
        if jurisdiction == "wales":
            assert squash("National threshold for leave of absence (the law of Wales sets none)") in words
            assert squash("Not applied: the local authority's code of conduct decides") in words
            assert "19 August 2024" not in words and "national threshold from" not in words
        else:
            assert squash("(the national threshold from 19 August 2024: 10 sessions of codes G, N, O and U)") in words


# --- the Final Warning letter -----------------------------------------------------------------------

def _both(case: FormCase) -> dict:
    return case.render(case.form.documents[0], case.context(recipient=0))


def test_the_final_warning_under_cardiff_states_the_welsh_amounts_in_pdf_and_docx():
    both = _both(WALES)
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        assert "The Penalty Notice is £60 for each child" in text, fmt
        assert "to be paid within 28 days" in text and "increase to £120 per child" in text
        assert "If the higher penalty is not paid within 42 days" in text
        assert "£80" not in text and "£160" not in text and "A second Penalty Notice" not in text


def test_the_final_warning_under_national_2024_still_states_the_2024_amounts():
    both = _both(ENGLAND)
    for fmt in ("docx", "pdf"):
        text = both[fmt]
        assert "The Penalty Notice is £80 for each child" in text and "increase to £160 per child" in text
        assert "£60" not in text


# --- the API ----------------------------------------------------------------------------------------

def test_eligibility_with_profile_cardiff(client):
    office = bearer(api_token(client, "office@demo.school"))
    body = client.post(f"{API}/eligibility/penalty-notice-leave", json={"data": json_data(), "profile": "cardiff"},
                       headers=office)
    assert body.status_code == 200, body.get_json()
    rules = {r["id"]: r for r in body.get_json()["rules"]}
    assert "£60 if paid within 28 days, £120 within 42 days" in rules["penalty_notice_limit"]["reason"]
    assert "Cardiff" in rules["leave_sessions_minimum"]["source"]
    england = client.post(f"{API}/eligibility/penalty-notice-leave", json={"data": json_data()}, headers=office)
    assert "£80" in {r["id"]: r for r in england.get_json()["rules"]}["penalty_notice_limit"]["reason"]


def _first_file(response) -> bytes:
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return archive.read(sorted(archive.namelist())[0])
    return response.data


@pytest.mark.parametrize("fmt, read", [("pdf", pdf_text), ("docx", docx_text)])
def test_documents_with_profile_cardiff_state_the_welsh_amounts(client, fmt, read):
    office = bearer(api_token(client, "office@demo.school"))
    data = json.loads((ROOT / "tests/samples/final-warning.json").read_text())
    wales = client.post(f"{API}/documents/final-warning", json={"data": data, "format": fmt, "profile": "cardiff"},
                        headers=office)
    assert wales.status_code == 200, wales.get_data(as_text=True)[:500]
    words = squash(read(_first_file(wales)))
    assert squash("The Penalty Notice is £60 for each child") in words and squash("within 42 days") in words
    assert "£80" not in words and "£160" not in words
    england = client.post(f"{API}/documents/final-warning", json={"data": data, "format": fmt}, headers=office)
    assert squash("The Penalty Notice is £80") in squash(read(_first_file(england)))
    unknown = client.post(f"{API}/documents/final-warning", json={"data": data, "format": fmt, "profile": "../x"},
                          headers=office)
    assert unknown.status_code == 422 and "profile" in unknown.get_json()["errors"]


# --- what the LA issues -----------------------------------------------------------------------------

def test_no_notice_to_improve_in_wales_and_the_penalty_notice_is_60_and_120(app, client):
    set_profile(app, "cardiff")
    rid, data = accepted_panel(client)
    mother = data["parents"][0]["name"]
    refused = _issue(client, rid, "notice_to_improve", mother)
    assert refused.status_code == 422
    reason = _rules(refused)["notice_to_improve_served"]
    assert "Education (Penalty Notices) (Wales) Regulations 2013" in reason and "does not issue one" in reason
    notice = _issue(client, rid, "penalty_notice", mother)
    assert notice.status_code == 201, notice.get_json()
    body = notice.get_json()
    assert [(a["amount"], a["within_days"]) for a in body["amounts"]] == [(60, 28), (120, 42)]
    officer = bearer(api_token(client, "officer@demo.la"))
    pdf = client.get(f"{API}/notices/{body['id']}/document?format=pdf", headers=officer)
    words = squash(pdf_text(pdf.data))
    assert "£60" in words and "£120" in words and "£80" not in words and "£160" not in words
    assert squash("The Education (Penalty Notices) (Wales) Regulations 2013") in words
    assert squash("in the last twelve months") in words


def test_the_la_page_offers_a_notice_to_improve_in_england_only(app, client):
    rid, _ = accepted_panel(client)
    login(client, "officer@demo.la")
    radio = re.compile(r'name="issue-kind"[^>]*value="notice_to_improve"')
    assert radio.search(client.get(f"/la/referrals/{rid}").get_data(as_text=True))
    set_profile(app, "cardiff")
    page = client.get(f"/la/referrals/{rid}")
    assert page.status_code == 200 and not radio.search(page.get_data(as_text=True))
    assert re.search(r'name="issue-kind"[^>]*value="penalty_notice"', page.get_data(as_text=True))
