"""One LA's or trust's own paperwork and pathway (issue 20). A form may declare `profiles`: Knowsley's
Attendance Improvement Meeting (004) and the Peterborough trust's Appendix B1 letters (001) are offered
only to schools whose LA works under that profile, and the API refuses them elsewhere with a reason that
says where they are used. A profile may set out its pathway (Knowsley's Levels 1 to 4, the trust's
Appendix B1 and B2) as data: the start page lists the stages in the seed's words, each with its forms.
SQLite and PostgreSQL (the app fixture)."""
from __future__ import annotations

import json

import pytest

from forms_service import formdefs, policies
from forms_service.formdefs import load_forms
from forms_service.policies import list_profiles, load_profile

from support.helpers import api_token, bearer, login, set_profile

API = "/api/v1"
OWN = {"knowsley": ("attendance-improvement-meeting", "statutory-referral", "educational-neglect-referral",
                    "knowsley-attendance-letter"),
       "peterborough": ("attendance-concern-letter", "high-absence-letter", "formal-meeting-invitation")}


def test_each_profiles_own_forms_are_used_only_under_it():
    forms = load_forms()
    for profile_id, own in OWN.items():
        profile = load_profile(profile_id)
        for form_id in own:
            form = forms[form_id]
            assert form.profiles == (profile_id,) and form.raw["sample_profile"] == profile_id, form_id
            assert form.used_under(profile), form_id
            for other in set(list_profiles()) - {profile_id}:
                assert not form.used_under(load_profile(other)), (form_id, other)
    # A form without `profiles` is used under every profile of its law.
    assert forms["stage2-letter"].profiles == () and forms["stage2-letter"].used_under(load_profile("knowsley"))
    assert not forms["stage2-letter"].used_under(load_profile("cardiff"))


def test_a_form_naming_an_unknown_profile_is_refused(tmp_path, monkeypatch):
    raw = json.loads((formdefs.FORMS_DIR / "stage2-letter.json").read_text(encoding="utf-8"))
    for broken in ({**raw, "profiles": ["wigan"]}, {**raw, "profiles": "knowsley"}):
        (tmp_path / "stage2-letter.json").write_text(json.dumps(broken), encoding="utf-8")
        monkeypatch.setattr(formdefs, "FORMS_DIR", tmp_path)
        formdefs.load_forms.cache_clear()
        try:
            with pytest.raises(ValueError, match="profiles"):
                formdefs.load_forms()
        finally:
            monkeypatch.undo()
            formdefs.load_forms.cache_clear()


def test_every_pathway_stage_names_forms_used_under_its_profile():
    forms = load_forms()
    with_pathway = [p for p in map(load_profile, list_profiles()) if p.pathway]
    assert {p.id for p in with_pathway} >= {"knowsley", "peterborough", "cardiff"}
    for profile in with_pathway:
        assert profile.pathway.source and profile.pathway.stages
        for stage in profile.pathway.stages:
            assert stage.title and stage.when and stage.source[:3].isdigit(), (profile.id, stage.id)
            for form_id in stage.forms:
                assert form_id in forms and forms[form_id].used_under(profile), (profile.id, stage.id, form_id)
    knowsley = load_profile("knowsley").pathway
    assert [s.title for s in knowsley.stages] == ["Level 1: Universal", "Level 2: Early intervention",
                                                  "Level 3: Targeted intervention",
                                                  "Level 4: Statutory intervention and social care"]
    assert knowsley.stage_of("educational-neglect-referral").id == "level-4"
    assert knowsley.stage_of("attendance-improvement-meeting").id == "level-2"
    trust = load_profile("peterborough").pathway
    assert [s.id for s in trust.stages] == ["below-96", "below-90", "targets-not-met", "formal-support"]
    assert "6 weeks" in trust.stages[2].when and "parent-contract" in trust.stages[2].forms


@pytest.mark.parametrize("broken, message", [
    ({"title": "", "source": "004", "stages": []}, "needs a title, a source and at least one stage"),
    ({"title": "Levels", "source": "004", "stages": [{"id": "level-1", "title": "Level 1", "when": "Below 95%",
                                                      "forms": ["x"]}]}, "stage 1 needs exactly"),
    ({"title": "Levels", "source": "004", "stages": [
        {"id": "level-1", "title": "Level 1", "when": "Below 95%", "forms": [], "source": "004"},
        {"id": "level-1", "title": "Again", "when": "Below 90%", "forms": [], "source": "004"}]}, "unique id"),
    ({"title": "Levels", "source": "004", "stages": [
        {"id": "level-1", "title": "Level 1", "when": " ", "forms": [], "source": "004"}]}, "words for title"),
    ({"title": "Levels", "source": "004", "stages": [
        {"id": "level-1", "title": "Level 1", "when": "Below 95%", "forms": ["../x"], "source": "004"}]}, "form ids"),
])
def test_a_pathway_that_is_not_whole_is_refused(broken, message):
    raw = json.loads((policies.POLICIES_DIR / "knowsley.json").read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match=message):
        policies.Policy.from_dict({**raw, "pathway": broken})


def test_the_start_page_shows_knowsleys_levels_with_their_forms(app, client):
    set_profile(app, "knowsley")
    login(client, "office@demo.school")
    page = client.get("/referrals/").get_data(as_text=True)
    assert "Knowsley&#39;s graduated response (Levels 1 to 4)" in page
    order = [page.index(f'id="stage-level-{n}"') for n in (1, 2, 3, 4)]
    assert order == sorted(order)
    level2 = page[order[1]:order[2]]
    assert "/referrals/new/attendance-improvement-meeting" in level2 and "one half term" in level2
    assert "/referrals/new/educational-neglect-referral" in page[order[3]:]
    # The trust's letters are not Knowsley's.
    assert "/referrals/new/high-absence-letter" not in page
    assert client.get("/referrals/new/high-absence-letter").status_code == 404


def test_a_welsh_school_sees_cardiffs_five_steps(app, client):
    set_profile(app, "cardiff")
    login(client, "office@demo.school")
    page = client.get("/referrals/").get_data(as_text=True)
    steps = [page.index(f'id="stage-step-{n}"') for n in range(1, 6)]
    assert steps == sorted(steps) and "Cardiff&#39;s 5 Step Approach" in page
    assert "/referrals/new/ews-referral" in page[steps[2]:steps[3]]
    assert "These letters come from the local authority" in page[steps[3]:steps[4]]


def test_the_start_page_under_the_national_profile_has_no_pathway(client):
    login(client, "office@demo.school")
    page = client.get("/referrals/").get_data(as_text=True)
    assert 'id="pathway"' not in page and "Start a new request" in page
    assert "/referrals/new/attendance-improvement-meeting" not in page


def test_the_api_refuses_another_profiles_paperwork_and_says_where_it_is_used(app, client):
    office = bearer(api_token(client, "office@demo.school"))
    refused = client.post(f"{API}/referrals", json={"form": "high-absence-letter", "data": {}}, headers=office)
    assert refused.status_code == 422
    message = refused.get_json()["errors"]["form"][0]
    assert "is used in Peterborough Diocese Education Trust (England)" in message
    check = client.post(f"{API}/eligibility/attendance-improvement-meeting", json={"data": {}}, headers=office)
    assert check.status_code == 422
    assert "choose the profile knowsley" in check.get_json()["errors"]["profile"][0]
    set_profile(app, "peterborough")
    assert client.post(f"{API}/referrals", json={"form": "high-absence-letter", "data": {}},
                       headers=office).status_code == 201
    listed = {f["id"]: f for f in client.get(f"{API}/forms", headers=office).get_json()["forms"]}
    assert listed["high-absence-letter"]["profiles"] == ["peterborough"] and listed["stage2-letter"]["profiles"] == []
