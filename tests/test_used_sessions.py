"""Marks already used for a penalty notice do not count again towards another (issue 4: the LA must
not fine twice for the same absence).

Two sources of sessions already used: the penalty notice requests signed in this service for the
same pupil at the same school (their stored verdict lists the sessions they relied on), and the
sessions a form lists under `previous_penalty_notices[].sessions` for a notice issued elsewhere.

The rule-level tests use the English school calendar of 2025/26 (tests/support/registers.py). The
journeys go through the API with dates relative to today (tests/support/helpers.py), because signing
checks the 28-day deadline against the day the head signs.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from forms_service.delivery.outbox import deliver_due
from forms_service.formatting import local_today
from forms_service.formdefs import get_form
from forms_service.models import AuditEvent, Referral, User, db
from forms_service.pupils import same_pupil
from forms_service.referrals import signing
from forms_service.referrals.actions import ActionError, verdict
from forms_service.referrals.history import PENALTY_NOTICE_FORMS
from forms_service.rules import evaluate, sessions_relied_on

from support.helpers import EVIDENCE_KINDS, FORM_ID, api_token, bearer, json_data, make_pdf, register_json_for
from support.registers import D, typical_pupil
from support.smtp_server import smtp_sink  # noqa: F401  (fixture)

API = "/api/v1"
LEAVE_FORM = get_form("penalty-notice-leave")


# ================================================================== the rules, from realistic registers

WINDOW_20_JAN = (D(2025, 11, 3), D(2026, 1, 20))  # the 10 school weeks up to Tuesday 20 January 2026


def threshold_form():
    return SimpleNamespace(id="penalty-notice-panel", rules=["unauthorised_sessions_threshold"], evidence=[],
                           measure_from="referral_date")


def pupil_data(**extra) -> dict:
    data = {"pupil": {"first_name": "Ava", "last_name": "Nowak", "date_of_birth": D(2014, 3, 27)},
            "parents": [{"name": "Zofia Nowak"}], "referral_date": D(2026, 1, 20), "previous_penalty_notices": []}
    data.update(extra)
    return data


def truant(n=14):
    """An ordinary autumn (illness, an appointment, lateness, one N in September/October), then `n`
    unauthorised sessions (N, O and U in turn) in the 10 school weeks up to 20 January 2026."""
    pupil = typical_pupil(first=D(2025, 9, 1))
    for i, code in zip(range(n), ["N", "O", "U"] * n):
        pupil.mark_sessions(1, code, *WINDOW_20_JAN, seed=100 + i)
    return pupil


def unauthorised_in_window(register):
    return [s for s in register.sessions if WINDOW_20_JAN[0] <= s.date <= WINDOW_20_JAN[1] and s.code in "GNOU"]


def rows(sessions):
    return [{"date": s.date.isoformat(), "session": s.session} for s in sessions]


@pytest.mark.parametrize("used, remaining, status", [(5, 9, "fail"), (4, 10, "pass"), (3, 11, "pass")])
def test_the_threshold_counts_only_sessions_not_used_before(used, remaining, status):
    register = truant(14).build()
    window = unauthorised_in_window(register)
    assert len(window) == 14
    earlier = window[:used]
    # The earlier request also relied on a session in October, outside this window: it changes nothing.
    october = next(s for s in register.sessions if s.date == D(2025, 10, 14) and s.session == "AM")
    verdict = evaluate(threshold_form(), pupil_data(), register=register, today=D(2026, 1, 20),
                       used_sessions={"PNL-2026-000012": rows(earlier + [october])})
    result = verdict.rule("unauthorised_sessions_threshold")
    assert result.status == status
    mix = ", ".join(f"{n} {code} ({label})" for code, label in (("N", "reason not yet established"),
                                                               ("O", "other unauthorised absence"),
                                                               ("U", "late after the register closed"))
                    if (n := sum(1 for x in window if x.code == code)))
    assert result.reason == (
        "14 unauthorised sessions (codes G, N, O, U) in the 10 school weeks from 3 Nov 2025 to 20 Jan 2026 (the date of "
        f"the request): {mix}, counted from the register; {used} of them were counted for an earlier penalty notice "
        f"request (PNL-2026-000012) and are not counted again: {remaining} remain; at least 10 are needed.")
    # The register's figure is what the register holds; the check counted what remains.
    assert verdict.figures["unauthorised_sessions_10wk"] == 14 and result.details["counted"] == remaining
    relied = result.details["relied_on"]
    assert len(relied) == remaining
    assert {(r["date"], r["session"]) for r in relied} == {(s.date.isoformat(), s.session) for s in window[used:]}
    assert {r["code"] for r in relied} <= {"N", "O", "U"}
    assert [(r["date"], r["session"], r["counted_for"]) for r in result.details["already_counted"]] == \
        [(s.date.isoformat(), s.session, ["PNL-2026-000012"]) for s in earlier]
    json.dumps(verdict.to_dict())  # stored as JSON with the referral and its pack


def test_nothing_used_before_leaves_the_reason_as_it_was():
    result = evaluate(threshold_form(), pupil_data(), register=truant(10).build(), today=D(2026, 1, 20)).rule(
        "unauthorised_sessions_threshold")
    assert result.status == "pass" and "not counted again" not in result.reason
    assert result.details["counted"] == 10 and len(result.details["relied_on"]) == 10
    assert result.details["already_counted"] == []


def test_sessions_a_previous_notice_lists_on_the_form_are_not_counted_again():
    register = truant(14).build()
    window = unauthorised_in_window(register)
    notice = {"parent_name": "Zofia  Nowak", "issued_on": D(2025, 12, 1), "sessions": rows(window[:3])}
    data = pupil_data(previous_penalty_notices=[notice])
    verdict = evaluate(threshold_form(), data, register=register, today=D(2026, 1, 20),
                       used_sessions={"PNL-2026-000012": rows(window[2:5])})
    result = verdict.rule("unauthorised_sessions_threshold")
    assert result.status == "fail"
    assert ("; 5 of them were counted for an earlier penalty notice request (PNL-2026-000012) and an earlier penalty "
            "notice (issued to Zofia Nowak on 1 Dec 2025) and are not counted again: 9 remain; at least 10 are "
            "needed.") in result.reason
    both = next(r for r in result.details["already_counted"] if r["date"] == window[2].date.isoformat()
                and r["session"] == window[2].session)
    assert both["counted_for"] == ["PNL-2026-000012", "issued to Zofia Nowak on 1 Dec 2025"]


def test_a_typed_figure_cannot_show_that_used_sessions_are_left_out():
    data = pupil_data(figures={"unauthorised_sessions_10wk": 12})
    recent = [{"date": "2025-12-08", "session": "AM"}, {"date": "2025-12-09", "session": "PM"}]
    result = evaluate(threshold_form(), data, today=D(2026, 1, 20),
                      used_sessions={"PNL-2026-000012": recent}).rule("unauthorised_sessions_threshold")
    assert result.status == "missing"
    assert result.reason == ("12 unauthorised sessions in the previous 10 school weeks, as entered on the form; but 2 "
                             "sessions from 8 Dec 2025 to 9 Dec 2025 were counted for an earlier penalty notice "
                             "request (PNL-2026-000012), and a figure typed on the form cannot show that they are "
                             "left out: upload the register marks so that they are not counted again.")
    # Sessions used a year earlier cannot be in any 10-school-week window before 20 January 2026.
    old = [{"date": "2025-01-13", "session": "AM"}]
    result = evaluate(threshold_form(), data, today=D(2026, 1, 20),
                      used_sessions={"PNL-2025-000003": old}).rule("unauthorised_sessions_threshold")
    assert result.status == "pass" and "as entered on the form" in result.reason


def holiday(first=D(2026, 1, 14), last=D(2026, 1, 16)):
    """Ava's three days' holiday in January 2026 (6 sessions of G), in an ordinary year."""
    return typical_pupil().mark_days(first, last, "G")


def leave_data(**extra):
    return pupil_data(**{"referral_date": D(2026, 2, 10),
                         "leave": {"start_date": D(2026, 1, 14), "end_date": D(2026, 1, 16),
                                   "return_date": D(2026, 1, 19)}, **extra})


def leave_rule(data, register, used=None):
    verdict = evaluate(SimpleNamespace(id="penalty-notice-leave", rules=["leave_sessions_minimum"], evidence=[],
                                       measure_from="referral_date"),
                       data, register=register, today=D(2026, 2, 10), used_sessions=used)
    return verdict.rule("leave_sessions_minimum"), verdict


def test_leave_already_fined_is_not_counted_again_but_a_new_holiday_is():
    register = holiday().build()
    g = [s for s in register.sessions if s.code == "G"]
    assert len(g) == 6
    result, _ = leave_rule(leave_data(), register, {"PNL-2026-000040": rows(g)})
    assert result.status == "fail"
    assert result.reason == ("6 sessions of unauthorised leave (code G) from 14 Jan 2026 to 16 Jan 2026, counted from "
                             "the register; 6 of them were counted for an earlier penalty notice request "
                             "(PNL-2026-000040) and are not counted again: 0 remain; so none is left for this request.")
    assert result.details["relied_on"] == []
    # Another three days in February (9 to 11 February 2026): 6 new sessions of G, the stated leave.
    register = holiday().mark_days(D(2026, 2, 9), D(2026, 2, 11), "G").build()
    data = leave_data(referral_date=D(2026, 3, 2), leave={"start_date": D(2026, 2, 9), "end_date": D(2026, 2, 11),
                                                          "return_date": D(2026, 2, 12)})
    result, verdict = leave_rule(data, register, {"PNL-2026-000040": rows(g)})
    assert result.status == "pass" and verdict.figures["leave_sessions"] == 6
    assert "not counted again" not in result.reason
    assert [r["date"] for r in result.details["relied_on"]] == \
        ["2026-02-09", "2026-02-09", "2026-02-10", "2026-02-10", "2026-02-11", "2026-02-11"]
    # What a stored verdict relied on: the passing rules' sessions, each once, in date order.
    assert sessions_relied_on(verdict.to_dict()) == result.details["relied_on"]
    failed = leave_rule(leave_data(), holiday().build(), {"PNL-2026-000040": rows(g)})[1]
    assert sessions_relied_on(failed.to_dict()) == []


def test_typed_leave_sessions_need_the_register_when_sessions_of_the_year_were_used():
    data = leave_data(figures={"leave_sessions": 6})
    g = rows(s for s in holiday().build().sessions if s.code == "G")
    result, _ = leave_rule(data, None, {"PNL-2026-000040": g})
    assert result.status == "missing" and "upload the register marks" in result.reason
    # Leave in the previous academic year is not in this one's count.
    result, _ = leave_rule(data, None, {"PNL-2025-000007": [{"date": "2025-06-09", "session": "AM"}]})
    assert result.status == "pass"


def test_the_same_child_is_the_same_upn_or_else_the_same_names_and_date_of_birth():
    ava = {"pupil": {"first_name": "Ava", "last_name": "Nowak", "date_of_birth": "2014-03-27", "upn": "A123456789012"}}
    assert same_pupil(ava, {"pupil": {"first_name": "Eva", "last_name": "Novak", "date_of_birth": "2014-03-28",
                                      "upn": "a123456789012 "}})
    assert not same_pupil(ava, {"pupil": {**ava["pupil"], "upn": "B123456789012"}})
    assert same_pupil(ava, {"pupil": {"first_name": " AVA", "last_name": "nowak", "date_of_birth": "2014-03-27"}})
    assert not same_pupil(ava, {"pupil": {"first_name": "Ava", "last_name": "Nowak", "date_of_birth": "2014-03-28"}})
    assert not same_pupil({"pupil": {"first_name": "Ava", "last_name": "Nowak"}},
                          {"pupil": {"first_name": "Ava", "last_name": "Nowak"}})  # no date of birth: not known
    assert set(PENALTY_NOTICE_FORMS) == {"penalty-notice-leave", "penalty-notice-panel", "fast-track-referral"}


# ================================================================== journeys through the API

@pytest.fixture
def office(client):
    return bearer(api_token(client, "office@demo.school"))


@pytest.fixture
def head(client):
    return bearer(api_token(client, "head@demo.school"))


def leave_sessions(data) -> list[tuple[dt.date, str]]:
    start, end = (dt.date.fromisoformat(data["leave"][k]) for k in ("start_date", "end_date"))
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [(d, s) for d in days if d.weekday() < 5 for s in ("AM", "PM")]


def second_holiday(data) -> dict:
    """The same child, away again: Wednesday to Friday of the week after the first holiday (6 new
    sessions), back on the Monday after (today at the latest)."""
    first_start = dt.date.fromisoformat(data["leave"]["start_date"])
    start = first_start + dt.timedelta(days=9)
    again = json.loads(json.dumps(data))
    again["leave"] = {"start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=2)).isoformat(),
                      "return_date": (start + dt.timedelta(days=5)).isoformat()}
    assert start.weekday() == 2 and start + dt.timedelta(days=5) <= dt.date.today()
    return again


def late_before(second: dict) -> list[tuple[dt.date, str]]:
    """The Monday and Tuesday before the second holiday: 4 sessions late after the register closed (U)."""
    start = dt.date.fromisoformat(second["leave"]["start_date"])
    return [(start - dt.timedelta(days=n), s) for n in (2, 1) for s in ("AM", "PM")]


def both_holidays_register(first: dict, second: dict) -> dict:
    """The second holiday's marks, with the first holiday's G and 4 U marks just before the second:
    6 G + 4 U that no earlier request counted, so the second request meets the national threshold."""
    return register_json_for(second, marks={**{key: "G" for key in leave_sessions(first)},
                                            **{key: "U" for key in late_before(second)}})


def create(client, headers, data, register) -> dict:
    response = client.post(f"{API}/referrals", headers=headers,
                           json={"form": FORM_ID, "data": data, "register": register})
    assert response.status_code == 201, response.get_json()
    referral = response.get_json()
    for kind in EVIDENCE_KINDS:
        up = client.post(f"{API}/referrals/{referral['id']}/evidence", headers=headers,
                         data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")},
                         content_type="multipart/form-data")
        assert up.status_code == 201, up.get_json()
    return client.get(f"{API}/referrals/{referral['id']}", headers=headers).get_json()


def submit_and_sign(client, office, head, referral, name: str = "Harriet Head") -> dict:
    submitted = client.post(f"{API}/referrals/{referral['id']}/submit", headers=office)
    assert submitted.status_code == 200, submitted.get_json()
    signed = client.post(f"{API}/referrals/{referral['id']}/sign", headers=head,
                         json={"name": name, "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    return signed.get_json()


def leave_rule_of(referral: dict) -> dict:
    return next(r for r in referral["eligibility"]["rules"] if r["id"] == "leave_sessions_minimum")


def test_a_second_request_for_the_same_leave_fails_and_one_for_new_leave_passes(app, client, office, head, smtp_sink):
    app.config["SMTP_URL"] = smtp_sink.url
    data = json_data()
    first = create(client, office, data, register_json_for(data))
    assert leave_rule_of(first)["status"] == "pass" and first["eligibility"]["eligible"]
    signed = submit_and_sign(client, office, head, first)
    assert signed["status"] == "signed"
    with app.app_context():
        assert deliver_due() == 2  # the head's "waiting for your sign-off" (issue 17), then the pack
    assert client.get(f"{API}/referrals/{first['id']}", headers=office).get_json()["delivery"]["state"] == "sent"
    with app.app_context():
        stored = db.session.get(Referral, first["id"])
        relied = sessions_relied_on(stored.latest_pack.verdict)
        assert [(r["date"], r["session"], r["code"]) for r in relied] == \
            [(d.isoformat(), s, "G") for d, s in leave_sessions(data)]
        assert sessions_relied_on(stored.eligibility) == relied
        audit = db.session.query(AuditEvent).filter_by(referral_id=stored.id, action="signed").one()
        assert audit.detail["sessions_relied_on"] == 10

    # The same holiday again: all 10 sessions were counted for the first request.
    again = create(client, office, data, register_json_for(data))
    rule = leave_rule_of(again)
    assert rule["status"] == "fail" and not again["eligibility"]["eligible"]
    assert (f"10 of them were counted for an earlier penalty notice request ({first['reference']}) and are not "
            "counted again: 0 remain; so none is left for this request.") in rule["reason"]
    refused = client.post(f"{API}/referrals/{again['id']}/submit", headers=office)
    assert refused.status_code == 422
    assert "leave_sessions_minimum" in {r["id"] for r in refused.get_json()["rules"]}

    # A new holiday, three days the week after, and 4 late marks (U) before it: 6 G + 4 U besides the
    # 10 already counted meet the national threshold again.
    data2 = second_holiday(data)
    second = create(client, office, data2, both_holidays_register(data, data2))
    rule = leave_rule_of(second)
    assert second["eligibility"]["figures"]["leave_sessions"] == 6
    assert rule["status"] == "pass" and "not counted again" not in rule["reason"], rule
    threshold = next(r for r in second["eligibility"]["rules"] if r["id"] == "unauthorised_sessions_threshold")
    assert threshold["status"] == "pass", threshold
    assert (f"10 of them were counted for an earlier penalty notice request ({first['reference']}) and are not "
            "counted again: 10 remain") in threshold["reason"]
    submit_and_sign(client, office, head, second)
    with app.app_context():
        relied = sessions_relied_on(db.session.get(Referral, second["id"]).latest_pack.verdict)
        assert [(r["date"], r["session"]) for r in relied] == \
            sorted((d.isoformat(), s) for d, s in leave_sessions(data2) + late_before(data2))
    # Both holidays are now used: the stale draft of the same leave still fails, naming both requests.
    rule = leave_rule_of(client.get(f"{API}/referrals/{again['id']}", headers=office).get_json())
    assert rule["status"] == "fail" and first["reference"] in rule["reason"]


def test_only_a_request_that_reached_the_la_uses_its_sessions(app, client, office, head):
    data = json_data()
    first = create(client, office, data, register_json_for(data))
    assert client.post(f"{API}/referrals/{first['id']}/submit", headers=office).status_code == 200
    # Awaiting sign-off: not sent, so another request may still count the same sessions.
    other = create(client, office, data, register_json_for(data))
    assert leave_rule_of(other)["status"] == "pass"
    signed = client.post(f"{API}/referrals/{first['id']}/sign", headers=head,
                         json={"name": "Harriet Head", "declaration": True})
    assert signed.status_code == 200
    assert leave_rule_of(client.get(f"{API}/referrals/{other['id']}", headers=office).get_json())["status"] == "fail"
    # Returned by the LA (its decision, issue 5): the LA did not act on it, so its sessions are free again.
    with app.app_context():
        referral = db.session.get(Referral, first["id"])
        referral.status = "returned"
        db.session.commit()
    assert leave_rule_of(client.get(f"{API}/referrals/{other['id']}", headers=office).get_json())["status"] == "pass"


def test_a_different_child_with_the_same_name_is_unaffected(client, office, head):
    data = json_data()
    submit_and_sign(client, office, head, create(client, office, data, register_json_for(data)))
    # No UPN on the new request, so the child is matched by name and date of birth.
    namesake = json.loads(json.dumps(data))
    del namesake["pupil"]["upn"]
    namesake["pupil"]["date_of_birth"] = dt.date.fromisoformat(data["pupil"]["date_of_birth"]).replace(
        month=9, day=2).isoformat()
    assert leave_rule_of(create(client, office, namesake, register_json_for(namesake)))["status"] == "pass"
    # The same name and date of birth, typed in another case: the same child.
    same = json.loads(json.dumps(data))
    del same["pupil"]["upn"]
    same["pupil"]["first_name"] = same["pupil"]["first_name"].upper()
    assert leave_rule_of(create(client, office, same, register_json_for(same)))["status"] == "fail"


def test_another_schools_request_never_affects_this_one(client, office):
    data = json_data()
    other_office = bearer(api_token(client, "office@other.school"))
    other_head = bearer(api_token(client, "head@other.school"))
    # The same child (same UPN, name and date of birth) at Other School, signed there first.
    submit_and_sign(client, other_office, other_head, create(client, other_office, data, register_json_for(data)),
                    name="Hugo Head")
    ours = create(client, office, data, register_json_for(data))
    rule = leave_rule_of(ours)
    assert rule["status"] == "pass" and "not counted again" not in rule["reason"]
    assert ours["eligibility"]["eligible"]


def test_two_signings_at_once_cannot_both_use_the_same_sessions(app, client, office, head):
    """The second head's verdict was worked out before the first signing was written (two tabs):
    once the second signing is written, the overlap is found and nothing is signed."""
    data = json_data()
    first = create(client, office, data, register_json_for(data))
    second = create(client, office, data, register_json_for(data))
    for referral in (first, second):
        assert client.post(f"{API}/referrals/{referral['id']}/submit", headers=office).status_code == 200
    with app.app_context():
        stale = verdict(db.session.get(Referral, second["id"]), request_date=local_today())
        assert stale.eligible
    assert client.post(f"{API}/referrals/{first['id']}/sign", headers=head,
                       json={"name": "Harriet Head", "declaration": True}).status_code == 200
    with app.app_context():
        referral = db.session.get(Referral, second["id"])
        user = db.session.scalar(select(User).where(User.email == "head@demo.school"))
        original = signing.verdict
        signing.verdict = lambda *args, **kwargs: stale
        try:
            with pytest.raises(ActionError) as refused:
                signing.sign(user, referral, name="Harriet Head", declaration=True)
        finally:
            signing.verdict = original
        assert refused.value.status == 409 and "sign again" in refused.value.message
    assert client.get(f"{API}/referrals/{second['id']}", headers=office).get_json()["status"] == "awaiting_signoff"
    with app.app_context():
        with pytest.raises(ActionError) as again:  # signing again checks the rules afresh, and they refuse
            signing.sign(db.session.scalar(select(User).where(User.email == "head@demo.school")),
                         db.session.get(Referral, second["id"]), name="Harriet Head", declaration=True)
        assert "leave_sessions_minimum" in {r["id"] for r in again.value.rules}
        assert db.session.get(Referral, second["id"]).packs == []


def test_the_eligibility_endpoint_honours_the_sessions_of_previous_notices(client, office):
    data = json_data()
    register = register_json_for(data)
    g = [{"date": d.isoformat(), "session": s} for d, s in leave_sessions(data)]
    issued = (dt.date.fromisoformat(data["leave"]["return_date"]) + dt.timedelta(days=1))
    data["previous_penalty_notices"] = [{"parent_name": "Sarah Bennett", "issued_on": issued.isoformat(),
                                         "sessions": g[:6]}]
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office, json={"data": data, "register": register})
    assert response.status_code == 200, response.get_json()
    rule = next(r for r in response.get_json()["rules"] if r["id"] == "unauthorised_sessions_threshold")
    day = f"{issued.day} {issued:%b %Y}"
    assert rule["status"] == "fail"
    assert (f"6 of them were counted for an earlier penalty notice (issued to Sarah Bennett on {day}) and are not "
            "counted again: 4 remain; at least 10 are needed.") in rule["reason"]
    assert [(r["date"], r["session"]) for r in rule["details"]["relied_on"]] == \
        [(x["date"], x["session"]) for x in g[6:]]
    # A session that is not one is refused with the field named.
    data["previous_penalty_notices"][0]["sessions"] = [{"date": g[0]["date"], "session": "EVENING"}]
    response = client.post(f"{API}/eligibility/{FORM_ID}", headers=office, json={"data": data, "register": register})
    assert response.status_code == 422
    assert "session" in json.dumps(response.get_json()["errors"]["data"]["previous_penalty_notices"])



def test_two_heads_signing_at_the_same_moment_sign_only_one(app, client, office):
    """Two requests for the same holiday signed at once, from two threads with their own
    connections: one is signed; the other is refused (by the rules, when it waited for the first,
    or by the check once it is written), and nothing of it is kept."""
    data = json_data()
    referrals = [create(client, office, data, register_json_for(data)) for _ in range(2)]
    for referral in referrals:
        assert client.post(f"{API}/referrals/{referral['id']}/submit", headers=office).status_code == 200
    token = bearer(api_token(client, "head@demo.school"))
    barrier = threading.Barrier(2)
    answers = {}

    def sign(referral_id):
        own = app.test_client()
        barrier.wait()
        answers[referral_id] = own.post(f"{API}/referrals/{referral_id}/sign", headers=token,
                                        json={"name": "Harriet Head", "declaration": True}).status_code

    threads = [threading.Thread(target=sign, args=(r["id"],)) for r in referrals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers.values()) in ([200, 409], [200, 422]), answers
    with app.app_context():
        rows = [db.session.get(Referral, r["id"]) for r in referrals]
        assert sorted(r.status for r in rows) == ["awaiting_signoff", "signed"]
        assert sum(len(r.packs) for r in rows) == 1


def test_the_web_page_keeps_a_notices_sessions_given_through_the_api(client, app):
    """The sessions a previous notice used are given through the API; the question page carries
    them along unchanged (also when another notice is added), and check your answers lists them."""
    import re

    from support.helpers import api_token, bearer, csrf, login, text
    token = bearer(api_token(client, "office@demo.school"))
    notice = {"issued_on": "2025-12-01", "parent_name": "Zofia Nowak",
              "sessions": [{"date": "2025-11-03", "session": "AM"}, {"date": "2025-11-03", "session": "PM"}]}
    created = client.post("/api/v1/referrals", headers=token,
                          json={"form": "penalty-notice-leave", "data": {"previous_penalty_notices": [notice]}})
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    login(client, "office@demo.school")
    from forms_service.formdefs import get_form
    page_id = next(p.id for p in get_form("penalty-notice-leave").pages
                   if any(f.name == "previous_penalty_notices" for f in p.fields))
    url = f"/referrals/{rid}/pages/{page_id}"
    page = text(client.get(url))
    assert "recorded through the API, and kept as it is" in page
    fields = dict(re.findall(r'name="(previous_penalty_notices-0-[a-z_]+)"[^>]*value="([^"]*)"', page))
    body = {"csrf_token": csrf(page), "version": re.search(r'name="version" value="(\d+)"', page).group(1),
            "add-previous_penalty_notices": "1", **{k: v.replace("&#34;", '"') for k, v in fields.items()}}
    body["previous_penalty_notices-0-issued_on"] = ["1", "12", "2025"]
    assert client.post(url, data=body).status_code == 200  # "Add another": re-shown with a second block
    with app.app_context():
        from forms_service.models import Referral, db
        saved = db.session.get(Referral, rid).data["previous_penalty_notices"]
    assert saved[0]["sessions"] == notice["sessions"]
    check = text(client.get(f"/referrals/{rid}/check"))
    assert "3 November 2025 Morning (AM), 3 November 2025 Afternoon (PM)" in check


def test_the_documents_say_which_sessions_were_not_counted_again():
    """The printed request states the sessions the check counted, and that the others in the register
    were already counted for an earlier notice, in the words both formats print."""
    from forms_service.documents.context import build_context
    verdict = {"rules": [{"id": "leave_sessions_minimum", "status": "pass", "details": {
        "counted": 6, "already_counted": [
            {"date": "2026-03-02", "session": s, "code": "G", "counted_for": ["PNL-2026-000012"]}
            for s in ("AM", "PM")]}}], "figures": {"leave_sessions": 8}}
    form = get_form("penalty-notice-leave")
    context = build_context(form.raw, {"leave": {}}, school={"name": "Demo School"}, la={}, reference=None,
                            signature=None, verdict=verdict)
    assert context["leave"]["sessions"] == ("6 sessions (2 more in the register were already counted for an earlier "
                                            "penalty notice (PNL-2026-000012) and are not counted again)")
    plain = build_context(form.raw, {"leave": {}}, school={"name": "Demo School"}, la={}, reference=None,
                          signature=None, verdict={"figures": {"leave_sessions": 8}})
    assert plain["leave"]["sessions"] == "8 sessions"
