"""The LA's own notices (issue 15, part 2): a Notice to Improve and a penalty notice issued to a parent on
an accepted referral, rendered as PDF and DOCX from one context, frozen with their SHA-256, recorded as
the LA's outcome, shown to the school; their dates counted from receipt (the second working day after
first class posting, CrimPR 2020 r. 4.11(2)(a)); the amounts of SI 2024/210 (first £80 within 21 days /
£160 within 28, second £160 within 28, no third in three years); a Notice to Improve before a penalty
notice where the profile requires it (Stockport, 000 Stage 3A); paid, unpaid and withdrawn with grounds
as reg. 20 requires the LA to record them. SQLite and PostgreSQL.

The cases: Jayden Clarke's panel request (tests/samples/penalty-notice-panel.json, moved to this week)
and Oliver Bennett's leave requests (tests/support/helpers.json_data)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from forms_service import storage
from forms_service.la.notices import amounts_due, received_on
from forms_service.models import AuditEvent, LocalAuthority, NoticeFile, Outcome, Referral, db

from support.doctext import docx_text, pdf_text, squash
from support.helpers import (api_token, bearer, csrf, json_data, login, make_pdf, set_profile, signed_request, text,
                             today)
from support.snapshot import made_once
from test_form_penalty_notice_panel import EVIDENCE_KINDS, FORM_ID as PANEL_FORM, moved_to_this_week

API = "/api/v1"
D = dt.date


def _officer(client, email: str = "officer@demo.la") -> dict:
    return bearer(api_token(client, email))


def accepted_panel(client) -> tuple[int, dict]:
    """Jayden Clarke's panel request, made by the office, signed by the head, accepted by the LA."""
    office, head = bearer(api_token(client, "office@demo.school")), bearer(api_token(client, "head@demo.school"))
    data, register = moved_to_this_week()
    created = client.post(f"{API}/referrals", json={"form": PANEL_FORM, "data": data, "register": register},
                          headers=office)
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    for kind in EVIDENCE_KINDS:
        client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                    data={"kind": kind, "file": (io.BytesIO(make_pdf(kind)), f"{kind}.pdf")})
    assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    signed = client.post(f"{API}/referrals/{rid}/sign", headers=head, json={"name": "Harriet Head", "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    _accept(client, rid)
    return rid, data


@pytest.fixture
def panel(app, client, backend, setups_made_once) -> tuple[int, dict]:
    """`accepted_panel`, made once per backend (signing renders and seals the pack, about a second) and restored
    into each test's own database and storage, as every test here issues notices on it."""
    return made_once(setups_made_once, ("panel", backend), app, lambda: accepted_panel(client))


def _accept(client, rid: int) -> None:
    accepted = client.post(f"{API}/referrals/{rid}/decision", headers=_officer(client), json={"decision": "accept"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted", accepted.get_json()


def _leave(client, weeks_earlier: int = 0) -> int:
    """Oliver Bennett's leave request (another absence `weeks_earlier` weeks before), signed and accepted."""
    data = json_data()
    for key in ("start_date", "end_date", "return_date"):
        data["leave"][key] = (D.fromisoformat(data["leave"][key]) - dt.timedelta(weeks=weeks_earlier)).isoformat()
    rid = signed_request(client, data)[0]
    _accept(client, rid)
    return rid


def _back_date(app, rid: int, days: int) -> None:
    """The referral was signed and accepted `days` days ago (so a notice can carry a past date of issue)."""
    with app.app_context():
        referral = db.session.get(Referral, rid)
        for pack in referral.packs:
            pack.signed_at -= dt.timedelta(days=days)
        for decision in referral.decisions:
            decision.decided_at -= dt.timedelta(days=days)
        db.session.commit()


def _issue(client, rid: int, kind: str, parent: str, issued_on: dt.date | str | None = None, headers=None):
    # The day asked for when the notice is issued, not when this module was imported: a run may pass midnight.
    issued_on = issued_on or today()
    return client.post(f"{API}/referrals/{rid}/notices", headers=headers or _officer(client),
                       json={"kind": kind, "parent": parent,
                             "issued_on": issued_on if isinstance(issued_on, str) else issued_on.isoformat()})


def _status(client, rid: int, kind: str, reference: str, day: dt.date, **extra):
    return client.post(f"{API}/referrals/{rid}/outcomes", headers=_officer(client),
                       json={"kind": kind, "notice": reference, "date": day.isoformat(), **extra})


def _rules(response) -> dict:
    return {r["id"]: r["reason"] for r in response.get_json().get("rules", [])}


# --- receipt and amounts (no database) ----------------------------------------------------------------

@pytest.mark.parametrize("posted, received", [
    (D(2026, 3, 2), D(2026, 3, 4)),     # Monday: Wednesday
    (D(2026, 3, 5), D(2026, 3, 9)),     # Thursday: Friday is the first business day, Monday the second
    (D(2026, 3, 6), D(2026, 3, 10)),    # Friday: Tuesday
    (D(2026, 12, 5), D(2026, 12, 8)),   # Saturday: Tuesday
    (D(2026, 12, 23), D(2026, 12, 29)),  # Christmas: 25 Dec and the 28 Dec substitute Boxing Day are not business days
    (D(2026, 4, 2), D(2026, 4, 8)),     # Maundy Thursday: Good Friday and Easter Monday skipped (Tue, Wed)
])
def test_a_notice_posted_first_class_is_received_on_the_second_business_day(posted, received):
    assert received_on(posted) == received


def test_the_periods_to_pay_begin_with_the_day_of_receipt():
    # SI 2024/210: "the period of 21 days beginning with the date on which the notice is received".
    first = amounts_due(D(2026, 3, 5), D(2026, 3, 9), earlier=0)
    assert first == [{"pence": 8000, "within_days": 21, "pay_by": "2026-03-29"},
                     {"pence": 16000, "within_days": 28, "pay_by": "2026-04-05"}]
    assert amounts_due(D(2026, 3, 5), D(2026, 3, 9), earlier=1) == [
        {"pence": 16000, "within_days": 28, "pay_by": "2026-04-05"}]
    assert amounts_due(D(2026, 3, 5), D(2026, 3, 9), earlier=2) == []
    # Before 19 August 2024: £60 / £120, no limit.
    assert [a["pence"] for a in amounts_due(D(2024, 8, 18), D(2024, 8, 20), earlier=2)] == [6000, 12000]


# --- the LA journey through the API ------------------------------------------------------------------

def test_notices_to_improve_then_penalty_notices_paid_and_withdrawn(app, client, panel):
    rid, data = panel
    mother, father = (p["name"] for p in data["parents"])

    nti = _issue(client, rid, "notice_to_improve", mother.upper())  # named as on the referral, any case
    assert nti.status_code == 201, nti.get_json()
    body = nti.get_json()
    received = received_on(today())
    assert body["kind"] == "notice_to_improve" and body["parent"] == mother
    assert body["issued_on"] == today().isoformat() and body["received_on"] == received.isoformat()
    # The national profile: 6 weeks beginning the day after receipt.
    assert body["improvement_period_start"] == (received + dt.timedelta(days=1)).isoformat()
    assert body["improvement_period_end"] == (received + dt.timedelta(weeks=6)).isoformat()
    assert body["status"] == "running" and body["amounts"] == []
    assert body["reference"].endswith("/NTI1") and [d["format"] for d in body["documents"]] == ["pdf", "docx"]
    assert _issue(client, rid, "notice_to_improve", father).status_code == 201
    again = _issue(client, rid, "notice_to_improve", mother)
    assert again.status_code == 422 and "already runs until" in _rules(again)["notice_to_improve_served"]

    pn = _issue(client, rid, "penalty_notice", mother)
    assert pn.status_code == 201, pn.get_json()
    notice = pn.get_json()
    assert [(a["amount"], a["pay_by"]) for a in notice["amounts"]] == [
        (80, (received + dt.timedelta(days=20)).isoformat()), (160, (received + dt.timedelta(days=27)).isoformat())]
    twice = _issue(client, rid, "penalty_notice", mother)
    assert twice.status_code == 422 and "already issued on this referral" in twice.get_json()["errors"]["parent"][0]

    # One ledger: the notices are the LA's outcomes on the referral, for the LA and for the school.
    office = bearer(api_token(client, "office@demo.school"))
    outcomes = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["outcomes"]
    assert [(o["kind"], o["parent_name"], o["reference"]) for o in outcomes] == [
        ("notice_to_improve", mother, body["reference"]), ("notice_to_improve", father, f"{body['reference'][:-1]}2"),
        ("penalty_notice_issued", mother, notice["reference"])]
    shown = client.get(f"{API}/notices/{notice['id']}", headers=office)
    assert shown.status_code == 200 and shown.get_json()["reference"] == notice["reference"]

    # The documents as issued, for the school too: the same bytes as their SHA-256 says.
    pdf = client.get(f"{API}/notices/{notice['id']}/document?format=pdf", headers=office)
    word = client.get(f"{API}/notices/{notice['id']}/document?format=docx", headers=office)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert storage.sha256(pdf.data) == notice["documents"][0]["sha256"]
    for words in (squash(pdf_text(pdf.data)), squash(docx_text(word.data))):
        for expected in (mother, "Jayden Clarke", "Demo School", "Demo Local Authority", notice["reference"],
                         "Lena Officer", "section 444(1) of the Education Act 1996", "£80", "£160",
                         squash(f"by {(received + dt.timedelta(days=20)).strftime('%-d %B %Y')}"),
                         "ought not to have been issued", "material errors", "1 Civic Square"):
            assert squash(expected) in words, expected
    # Reg. 3(d): the period of the offence, from the first to the last unauthorised session relied on.
    relied = sorted(s["date"] for r in client.get(f"{API}/referrals/{rid}", headers=office).get_json()["eligibility"]["rules"]
                    if r["id"] == "unauthorised_sessions_threshold" for s in r["details"]["relied_on"])
    period = (f"The period the offence covers: {D.fromisoformat(relied[0]).strftime('%-d %B %Y')} to "
              f"{D.fromisoformat(relied[-1]).strftime('%-d %B %Y')}.")
    assert squash(period) in squash(pdf_text(pdf.data)) and squash(period) in squash(docx_text(word.data))
    assert client.get(f"{API}/notices/{notice['id']}/document?format=odt", headers=office).status_code == 422
    assert client.get(f"{API}/notices/{notice['id']}/document?format=pdf&x=1", headers=office).status_code == 422

    # Withdrawn: grounds are required for a notice the service issued, and recorded (reg. 20).
    no_grounds = _status(client, rid, "penalty_notice_withdrawn", notice["reference"], today())
    assert no_grounds.status_code == 422 and "grounds" in no_grounds.get_json()["errors"]
    withdrawn = _status(client, rid, "penalty_notice_withdrawn", notice["reference"], today(),
                        grounds="material_errors")
    assert withdrawn.status_code == 201, withdrawn.get_json()
    after = client.get(f"{API}/notices/{notice['id']}", headers=office).get_json()
    assert after["status"] == "withdrawn" and after["grounds"] == "material_errors"
    # Withdrawn, it no longer stands: a fresh notice may go to the same parent, still her first.
    fresh = _issue(client, rid, "penalty_notice", mother)
    assert fresh.status_code == 201 and [a["amount"] for a in fresh.get_json()["amounts"]] == [80, 160]

    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "notice_issued")).all()
        assert len(events) == 4 and events[2].detail["files"]["pdf"] == notice["documents"][0]["sha256"]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notice_downloaded")) is not None


def test_paid_at_each_rate_and_unpaid_only_after_the_last_day(app, client, panel):
    rid, data = panel
    mother, father = (p["name"] for p in data["parents"])
    _back_date(app, rid, 60)
    posted = today() - dt.timedelta(days=50)
    received = received_on(posted)
    first, second = (_issue(client, rid, "penalty_notice", p, posted).get_json() for p in (mother, father))
    lower_last, higher_last = received + dt.timedelta(days=20), received + dt.timedelta(days=27)

    # Paid on the last day of the 21: £80. Paid the day after: £160.
    paid = _status(client, rid, "penalty_notice_paid", first["reference"], lower_last)
    assert paid.status_code == 201, paid.get_json()
    assert client.get(f"{API}/notices/{first['id']}", headers=_officer(client)).get_json()["amount_paid"] == 8000
    # Not paid: only after the last day to pay (the 28th day from receipt).
    early = _status(client, rid, "penalty_notice_unpaid", second["reference"], higher_last)
    assert early.status_code == 422 and "can be paid until" in early.get_json()["errors"]["date"][0]
    late_payment = _status(client, rid, "penalty_notice_paid", second["reference"], higher_last + dt.timedelta(days=1))
    assert late_payment.status_code == 422 and "does not discharge" in late_payment.get_json()["errors"]["date"][0]
    paid_higher = _status(client, rid, "penalty_notice_paid", second["reference"], lower_last + dt.timedelta(days=1))
    assert paid_higher.status_code == 201
    assert client.get(f"{API}/notices/{second['id']}", headers=_officer(client)).get_json()["amount_paid"] == 16000


def test_unpaid_recorded_the_day_after_the_last_day(app, client, panel):
    rid, data = panel
    mother = data["parents"][0]["name"]
    _back_date(app, rid, 60)
    posted = today() - dt.timedelta(days=50)
    notice = _issue(client, rid, "penalty_notice", mother, posted).get_json()
    last = received_on(posted) + dt.timedelta(days=27)
    unpaid = _status(client, rid, "penalty_notice_unpaid", notice["reference"], last + dt.timedelta(days=1))
    assert unpaid.status_code == 201, unpaid.get_json()
    assert client.get(f"{API}/notices/{notice['id']}", headers=_officer(client)).get_json()["status"] == "unpaid"


def test_a_third_penalty_notice_in_three_years_is_refused_naming_the_two_earlier(app, client):
    # Three leave requests for the same child, each an offence of its own.
    rids = [_leave(client, weeks) for weeks in (0, 1, 2)]
    mother = "Sarah Bennett"
    first = _issue(client, rids[2], "penalty_notice", mother).get_json()
    second = _issue(client, rids[1], "penalty_notice", mother).get_json()
    assert [a["amount"] for a in first["amounts"]] == [80, 160]
    assert [(a["amount"], a["within_days"]) for a in second["amounts"]] == [(160, 28)]  # the second: £160 flat
    third = _issue(client, rids[0], "penalty_notice", mother)
    assert third.status_code == 422
    reason = _rules(third)["penalty_notice_limit"]
    assert first["reference"] in reason and second["reference"] in reason and "prosecution" in reason
    # The father has had none: his is a first notice.
    assert [a["amount"] for a in _issue(client, rids[0], "penalty_notice", "Daniel Bennett").get_json()["amounts"]] == [80, 160]
    # A withdrawn notice does not count: the third becomes a second.
    _status(client, rids[1], "penalty_notice_withdrawn", second["reference"], today(), grounds="wrong_recipient")
    now_second = _issue(client, rids[0], "penalty_notice", mother)
    assert now_second.status_code == 201 and [a["amount"] for a in now_second.get_json()["amounts"]] == [160]


def test_no_notice_to_improve_for_leave_of_absence(client):
    rid = _leave(client)
    refused = _issue(client, rid, "notice_to_improve", "Sarah Bennett")
    assert refused.status_code == 422 and "not used for leave" in _rules(refused)["notice_to_improve_served"]


def test_stockport_requires_a_notice_to_improve_whose_period_has_ended(app, client):
    set_profile(app, "stockport")
    rid, data = accepted_panel(client)
    mother = data["parents"][0]["name"]
    _back_date(app, rid, 70)
    refused = _issue(client, rid, "penalty_notice", mother)
    assert refused.status_code == 422 and "No Notice to Improve has been served" in _rules(refused)["notice_to_improve_served"]

    posted = today() - dt.timedelta(days=60)
    nti = _issue(client, rid, "notice_to_improve", mother, posted).get_json()
    # 000 Stage 3A: "the next 15 school days": 15 school days after receipt (3 weeks with no bank holiday, or more).
    end = D.fromisoformat(nti["improvement_period_end"])
    assert end - received_on(posted) >= dt.timedelta(days=21)
    during = _issue(client, rid, "penalty_notice", mother, end)
    assert during.status_code == 422 and "runs until" in _rules(during)["notice_to_improve_served"]
    after = _issue(client, rid, "penalty_notice", mother, end + dt.timedelta(days=1))
    assert after.status_code == 201, after.get_json()
    # Leave needs no Notice to Improve, even in Stockport.
    assert _issue(client, _leave(client), "penalty_notice", "Sarah Bennett").status_code == 201


def test_the_officer_sees_unauthorised_absence_during_the_improvement_period(app, client, panel):
    rid, data = panel
    mother = data["parents"][0]["name"]
    with app.app_context():
        referral = db.session.get(Referral, rid)
        sessions = referral.register["sessions"]
        last = D.fromisoformat(sessions[-1]["date"])
    # The register sent with the referral runs to this week: a notice posted four weeks before its end
    # has an improvement period the register partly covers.
    _back_date(app, rid, 40)
    posted = last - dt.timedelta(weeks=4)
    nti = _issue(client, rid, "notice_to_improve", mother, posted).get_json()
    start = D.fromisoformat(nti["improvement_period_start"])
    expected = [s for s in sessions if start <= D.fromisoformat(s["date"]) <= D.fromisoformat(nti["improvement_period_end"])
                and s["code"] in "GNOU"]
    shown = client.get(f"{API}/notices/{nti['id']}", headers=_officer(client)).get_json()
    assert shown["unauthorised_since"] == [{"date": s["date"], "session": s["session"], "code": s["code"]}
                                           for s in expected]
    assert expected, "the case has an unauthorised absence after the panel"


def test_who_may_issue_and_read_notices(app, client, panel):
    rid, data = panel
    mother = data["parents"][0]["name"]
    office = bearer(api_token(client, "office@demo.school"))
    assert _issue(client, rid, "penalty_notice", mother, headers=office).status_code == 403
    assert _issue(client, rid, "penalty_notice", mother, headers=bearer(api_token(client, "admin@demo.la"))).status_code == 403
    with app.app_context():
        from forms_service.access.accounts import create_user, get_or_create_la

        other = get_or_create_la("Other Council", "legal@other.invalid")
        create_user("officer@other.la", "correct horse battery", "la_officer", "Olga Other", la=other)
        db.session.commit()
    stranger = bearer(api_token(client, "officer@other.la", "correct horse battery"))
    assert _issue(client, rid, "penalty_notice", mother, headers=stranger).status_code == 404
    notice = _issue(client, rid, "penalty_notice", mother).get_json()
    for headers, status in ((stranger, 404), (bearer(api_token(client, "office@other.school")), 404), (office, 200)):
        assert client.get(f"{API}/notices/{notice['id']}", headers=headers).status_code == status
        assert client.get(f"{API}/notices/{notice['id']}/document", headers=headers).status_code == status
    assert client.get(f"{API}/notices/99999", headers=office).status_code == 404


def test_bad_requests_name_the_field(app, client, panel):
    rid, data = panel
    mother = data["parents"][0]["name"]
    cases = [({"kind": "fine", "parent": mother, "issued_on": today().isoformat()}, "kind"),
             ({"kind": "penalty_notice", "parent": "Someone Else", "issued_on": today().isoformat()}, "parent"),
             ({"kind": "penalty_notice", "parent": mother, "issued_on": "31/12/2026"}, "issued_on"),
             ({"kind": "penalty_notice", "parent": mother, "issued_on": (today() + dt.timedelta(days=1)).isoformat()},
              "issued_on"),
             ({"kind": "penalty_notice", "parent": mother, "issued_on": today().isoformat(), "amount": 1}, "amount")]
    for body, field in cases:
        response = client.post(f"{API}/referrals/{rid}/notices", headers=_officer(client), json=body)
        assert response.status_code == 422 and field in response.get_json()["errors"], (body, response.get_json())
    not_json = client.post(f"{API}/referrals/{rid}/notices", headers=_officer(client), data="[")
    assert not_json.status_code == 422 and "JSON object" in not_json.get_json()["message"]


def test_an_la_without_an_address_or_payment_methods_cannot_issue(app, client, panel):
    rid, data = panel
    with app.app_context():
        la = db.session.scalar(select(LocalAuthority))
        la.payment_methods = None
        db.session.commit()
    refused = _issue(client, rid, "penalty_notice", data["parents"][0]["name"])
    assert refused.status_code == 422 and "update-la" in " ".join(refused.get_json()["errors"]["kind"])
    assert _issue(client, rid, "notice_to_improve", data["parents"][0]["name"]).status_code == 201


def test_a_notice_on_a_referral_not_yet_accepted_is_refused(client):
    rid = signed_request(client)[0]
    refused = _issue(client, rid, "penalty_notice", "Sarah Bennett")
    assert refused.status_code == 409


def test_a_changed_file_is_never_served(app, client, panel):
    rid, data = panel
    notice = _issue(client, rid, "penalty_notice", data["parents"][0]["name"]).get_json()
    with app.app_context():
        item = db.session.scalar(select(NoticeFile).where(NoticeFile.format == "pdf"))
        storage.put(item.storage_key, b"%PDF-1.7 something else")
    assert client.get(f"{API}/notices/{notice['id']}/document", headers=_officer(client)).status_code == 409


# --- the web pages -------------------------------------------------------------------------------------

def test_the_officer_issues_from_the_referral_page_and_the_school_sees_it(app, client, panel):
    rid, data = panel
    mother = data["parents"][0]["name"]
    login(client, "officer@demo.la")
    page = client.get(f"/la/referrals/{rid}")
    assert page.status_code == 200 and "Issue a notice" in text(page)
    form = {"csrf_token": csrf(text(page)), "issue-kind": "penalty_notice", "issue-parent": mother,
            "issue-date-day": "", "issue-date-month": str(today().month), "issue-date-year": str(today().year)}
    bad = client.post(f"/la/referrals/{rid}/notices", data=form)
    assert bad.status_code == 422 and "The date of issue must include a day" in text(bad)
    form["issue-date-day"] = str(today().day)
    done = client.post(f"/la/referrals/{rid}/notices", data=form, follow_redirects=True)
    assert done.status_code == 200 and "has been issued to" in text(done)
    assert "£80 by" in text(done) and "Notices issued by the local authority" in text(done)
    again = client.post(f"/la/referrals/{rid}/notices", data=form)
    assert again.status_code == 422 and "already issued on this referral" in text(again)
    client.get("/sign-out")
    login(client, "office@demo.school")
    school = text(client.get(f"/referrals/{rid}"))
    assert "Notices issued by the local authority" in school and mother in school
    with app.app_context():
        notice_id = db.session.scalar(select(Outcome.id).where(Outcome.kind == "penalty_notice_issued"))
    download = client.get(f"/notices/{notice_id}/document.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_retention_takes_the_notices_with_their_referral(app, client, panel):
    from forms_service.records import retention

    rid, data = panel
    _issue(client, rid, "penalty_notice", data["parents"][0]["name"])
    with app.app_context():
        keys = set(db.session.scalars(select(NoticeFile.storage_key)))
        assert len(keys) == 2
        report = retention.purge(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365 * 30))
        assert keys <= set(report.files) and report.rows["notice_files"] == 2
        assert db.session.scalar(select(NoticeFile.id)) is None and db.session.scalar(select(Outcome.id)) is None
        for key in keys:
            with pytest.raises(storage.MissingFile):
                storage.get(key)


def test_a_subject_access_export_holds_the_notices_as_sent(app, client, panel):
    import json
    import zipfile

    from forms_service.records import subject_access

    rid, data = panel
    notice = _issue(client, rid, "penalty_notice", data["parents"][0]["name"]).get_json()
    with app.app_context():
        referral = db.session.get(Referral, rid)
        la = referral.school.la
        exported = subject_access.export(la, upn=data["pupil"]["upn"], actor="test")
        db.session.commit()
        archive = zipfile.ZipFile(io.BytesIO(exported.data))
        folder = referral.reference
        for item in db.session.scalars(select(NoticeFile)):
            assert archive.read(f"{folder}/la-notices/{item.name}") == storage.get(item.storage_key)
        [row] = [o for o in json.loads(archive.read(f"{folder}/la-outcomes.json")) if o["notice_reference"]]
        assert row["notice_reference"] == notice["reference"] and row["received_on"] == notice["received_on"]
        assert [a["pence"] for a in row["amounts"]] == [8000, 16000] and len(row["documents"]) == 2
