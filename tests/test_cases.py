"""The child's case and the due list through the API (issue 22): records made as the school and the LA make
them, scoped as every record is (another school's child is a 404; an LA officer sees what was sent to their LA
only), no child's name in either answer, and `days` checked."""
from __future__ import annotations

import datetime as dt

from support import records
from support.access_world import add_far_la
from support.helpers import api_token, bearer

API = records.API


def test_the_case_and_the_due_list_are_scoped_and_name_no_child(app, client):
    add_far_la(app)
    office = records.office(client)
    referral = records.create_referral(client, office, records.AMELIA, replace_one=False)
    letter = records.create_letter(client, office, records.AMELIA)
    someone_else = records.create_referral(client, office, records.TOBIAS, replace_one=False)
    # The same child at another school of the LA, and at a school of another LA.
    other_school = records.create_referral(client, records.office(client, "office@other.school"), records.AMELIA,
                                           replace_one=False)
    far = records.create_referral(client, records.office(client, "office@far.test"), records.AMELIA,
                                  replace_one=False)

    case = client.get(f"{API}/referrals/{referral}/case", headers=office)
    assert case.status_code == 200, case.get_json()
    body = case.get_json()
    assert body["pupil"] == {"initials": "AH", "year_group": body["pupil"]["year_group"], "upn": records.AMELIA.upn}
    assert {e["record_id"] for e in body["records"]} == {referral, letter}
    assert body["stage"] is None  # the national profile has no pathway
    returned = dt.date.fromisoformat(client.get(f"{API}/referrals/{referral}", headers=office)
                                     .get_json()["data"]["leave"]["return_date"])
    leave = [i for i in body["due"] + body["overdue"] if i["kind"] == "leave_deadline"]
    assert [(i["record_id"], i["due_on"]) for i in leave] == [(referral, (returned + dt.timedelta(days=28)).isoformat())]
    assert "003, Appendix 8" in leave[0]["source"]
    assert all(e["documents"] for e in body["records"] if e["kind"] in ("referral", "letter"))
    text = case.get_data(as_text=True)
    assert records.AMELIA.first not in text and records.AMELIA.last not in text
    # The letter finds the same child (name and date of birth: a letter has no UPN).
    assert {e["record_id"] for e in client.get(f"{API}/referrals/{letter}/case", headers=office)
            .get_json()["records"]} == {referral, letter}
    assert {e["record_id"] for e in client.get(f"{API}/referrals/{someone_else}/case", headers=office)
            .get_json()["records"]} == {someone_else}

    # Another school's child is a 404, as every record is; so is another LA's.
    for email, rid in (("office@other.school", referral), ("office@demo.school", other_school),
                       ("officer@demo.la", far), ("officer@far.test", referral), ("officer@demo.la", letter)):
        assert client.get(f"{API}/referrals/{rid}/case", headers=bearer(api_token(client, email))).status_code == 404

    # The school's list: the leave deadline, by the record's reference and the child's initials.
    listed = client.get(f"{API}/due?days=366", headers=office)
    assert listed.status_code == 200, listed.get_json()
    rows = listed.get_json()["due"] + listed.get_json()["overdue"]
    assert {r["record_id"] for r in rows if r["kind"] == "leave_deadline"} == {referral, someone_else}
    assert {r["initials"] for r in rows} <= {"AH", "TN"} and other_school not in {r["record_id"] for r in rows}
    assert records.AMELIA.last not in listed.get_data(as_text=True)

    # Signed, accepted and a penalty notice issued: the LA officer sees the request (not the school's letter,
    # nor the other school's draft) and the notice's days to pay; the school's deadline is met.
    records.sign(client, referral, office)
    records.decide(client, referral, "accept")
    issued = records.issue_penalty_notice(client, referral)
    officer = bearer(api_token(client, "officer@demo.la"))
    seen = client.get(f"{API}/referrals/{referral}/case", headers=officer).get_json()
    assert {e["record_id"] for e in seen["records"]} == {referral}
    assert {e["kind"] for e in seen["records"]} >= {"referral", "signed", "decision", "notice"}
    payments = [i for i in seen["due"] if i["kind"] == "penalty_payment"]
    assert [p["due_on"] for p in payments] == [a["pay_by"] for a in issued["amounts"]]
    assert payments[0]["notice_id"] == issued["id"]
    la_rows = client.get(f"{API}/due?days=40", headers=officer).get_json()
    assert [r["kind"] for r in la_rows["due"]] == ["penalty_payment"] * len(payments)
    assert not [i for i in client.get(f"{API}/referrals/{referral}/case", headers=office).get_json()["due"]
                if i["kind"] == "leave_deadline"]
    assert client.get(f"{API}/due", headers=bearer(api_token(client, "officer@far.test"))).get_json() == {
        "due": [], "overdue": []}


def test_due_days_is_checked_and_only_staff_and_officers_have_a_list(client):
    office = records.office(client)
    for query in ("days=0", "days=367", "days=seven", "days=", "dayz=7"):
        answer = client.get(f"{API}/due?{query}", headers=office)
        assert answer.status_code == 422, (query, answer.get_json())
        assert ("days" if "dayz" not in query else "dayz") in str(answer.get_json()["errors"]), query
    assert client.get(f"{API}/due?days=1", headers=office).status_code == 200
    assert client.get(f"{API}/due?days=366", headers=office).status_code == 200
    assert client.get(f"{API}/due", headers=bearer(api_token(client, "admin@demo.la"))).status_code == 403
    assert client.get(f"{API}/due").status_code == 401
    assert client.get(f"{API}/referrals/999999/case", headers=office).status_code == 404
