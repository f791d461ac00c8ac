"""What changed between versions (issue 17, point 5): the answers, the evidence files added, replaced or
removed, and the register marks, from realistic data; shown to the headteacher before signing version 2,
to the LA officer on version 2, in the API, and by name only in the emails. SQLite and PostgreSQL."""
from __future__ import annotations

import copy
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from forms_service.formdefs import get_form
from forms_service.models import OutboxMessage, Pack, db
from forms_service.referrals.changes import MARKS_LISTED, Snapshot, between

from support.helpers import (FORM_ID, api_token, bearer, json_data, login, logout, make_pdf, register_json_for,
                             signed_request, submit_and_sign, text)
from support.snapshot import made_once

API = "/api/v1"
FORM = get_form(FORM_ID)
CORRECTED_ADDRESS = "14 Marsh Lane, Westcliff-on-Sea, <SS0 7PQ>"


def snapshot(version, data, evidence=None, register=None) -> Snapshot:
    return Snapshot(version, data, evidence or {}, register)


def test_nothing_changed_is_said_as_such():
    data = json_data()
    register = register_json_for(data)
    same = between(FORM, snapshot(1, data, {"leave_request": "a" * 64}, register),
                   snapshot(None, copy.deepcopy(data), {"leave_request": "a" * 64}, copy.deepcopy(register)))
    assert not same and same.headlines() == []
    assert same.to_dict() == {"since_version": 1, "answers": [], "evidence": [], "register": None}


def test_answers_are_compared_as_a_reader_sees_them_in_page_order():
    before = json_data()
    after = copy.deepcopy(before)
    after["pupil"]["address"] = CORRECTED_ADDRESS
    after["pupil"]["year_group"] = "Year 9"
    after["parents"][1]["address"] = "2 Station Road, Leigh-on-Sea, SS9 1AA"
    after["leave"]["return_date"] = (dt.date.fromisoformat(before["leave"]["return_date"])
                                     + dt.timedelta(days=7)).isoformat()
    changes = between(FORM, snapshot(1, before), snapshot(None, after))
    assert [a["label"] for a in changes.answers] == ["Year group", "Child's home address", "Parent or carer",
                                                     "Date the child returned to school"]
    address = changes.answers[1]
    assert (address["page"], address["before"], address["after"]) == (
        "About the child", before["pupil"]["address"], CORRECTED_ADDRESS)
    returned = changes.answers[3]
    assert returned["before"] == dt.date.fromisoformat(before["leave"]["return_date"]).strftime("%-d %B %Y")
    assert "2 Station Road, Leigh-on-Sea, SS9 1AA" in changes.answers[2]["after"]
    # By name only: an email never carries the answers themselves.
    assert changes.headlines() == ["Answer changed: Year group", "Answer changed: Child's home address",
                                   "Answer changed: Parent or carer", "Answer changed: Date the child returned to school"]


def test_an_answer_stored_differently_but_reading_the_same_is_not_a_change():
    before = json_data()
    after = copy.deepcopy(before)
    before["pupil"]["upn"] = ""
    after["pupil"].pop("upn", None)
    assert not between(FORM, snapshot(1, before), snapshot(None, after)).answers
    # A parent's blank address as saved through the API ("") and from the page (left out) reads
    # "Not given" both times: not a change. A real address is one.
    typed = json_data()
    paged = copy.deepcopy(typed)
    typed["parents"][0]["address"] = ""
    paged["parents"][0].pop("address", None)
    assert typed != paged and not between(FORM, snapshot(1, typed), snapshot(None, paged)).answers
    paged["parents"][0]["address"] = "2 Station Road, Leigh-on-Sea, SS9 1AA"
    assert [a["label"] for a in between(FORM, snapshot(1, typed), snapshot(None, paged)).answers] == ["Parent or carer"]


def test_evidence_added_replaced_and_removed():
    before = {"leave_request": "1" * 64, "warning_letter": "2" * 64}
    after = {"leave_request": "3" * 64, "registration_certificate": "4" * 64}
    changes = between(FORM, snapshot(1, json_data(), before), snapshot(None, json_data(), after))
    assert [(e["kind"], e["change"]) for e in changes.evidence] == [
        ("leave_request", "replaced"), ("warning_letter", "removed"), ("registration_certificate", "added")]
    assert changes.headlines() == ["Evidence replaced: Copy of leave request from parent",
                                   "Evidence removed: Copy of warning letter issued by head teacher",
                                   "Evidence added: Registration certificate detailing current attendance"]


def _marks(register: dict) -> dict:
    return {(s["date"], s["session"]): s["code"] for s in register["sessions"]}


def test_register_marks_changed_added_and_removed_across_a_half_term():
    data = json_data()
    # Version 1's marks end a fortnight before version 2's: the register was run again later.
    end = dt.date.fromisoformat(data["referral_date"])
    before = register_json_for(data, until=end - dt.timedelta(days=14))
    after = register_json_for(data, until=end)
    first_g = next(s for s in after["sessions"] if s["code"] == "G")
    first_g["code"] = "C"  # one leave session authorised after all
    added = len(after["sessions"]) - len(before["sessions"])
    assert added > 0
    register = between(FORM, snapshot(1, data, register=before), snapshot(None, data, register=after)).register
    assert (register["added"], register["removed"], register["changed"]) == (added, 0, 1)
    assert register["summary"].startswith(f"{added} sessions added; 1 mark changed; now {len(after['sessions'])} sessions")
    changed = [m for m in register["marks"] if m["before"] == "G"]
    assert changed == [{"date": dt.date.fromisoformat(first_g["date"]).strftime("%-d %B %Y"),
                        "session": {"AM": "morning", "PM": "afternoon"}[first_g["session"]], "before": "G", "after": "C"}]
    assert len(register["marks"]) == min(added + 1, MARKS_LISTED)
    assert register["more"] == max(added + 1 - MARKS_LISTED, 0)


def test_register_added_or_removed_whole():
    data = json_data()
    register = register_json_for(data)
    added = between(FORM, snapshot(1, data), snapshot(None, data, register=register)).register
    assert added["summary"].startswith(f"added ({len(register['sessions'])} sessions, ")
    removed = between(FORM, snapshot(1, data, register=register), snapshot(None, data)).register
    assert removed["summary"] == f"removed (there were {len(register['sessions'])} sessions)"


@pytest.fixture
def signed(app, client, backend, setups_made_once) -> tuple[int, dict, dict]:
    """`signed_request(client)`: (id, the office's headers, the head's headers) of a request signed by the head.
    Made once per backend (signing renders and seals the pack, about a second) and restored into each test's own
    database and storage, as every test here returns and signs it again."""
    return made_once(setups_made_once, backend, app, lambda: signed_request(client))


def test_the_head_and_the_la_see_what_version_2_changes(app, client, signed):
    rid, office, head = signed
    officer = bearer(api_token(client, "officer@demo.la"))
    assert client.get(f"{API}/referrals/{rid}", headers=office).get_json()["versions"][0]["changes"] is None
    assert client.post(f"{API}/referrals/{rid}/decision", headers=officer,
                       json={"decision": "return", "reasons": "The address is out of date."}).status_code == 200
    unchanged = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["changes_since_signed"]
    assert unchanged == {"since_version": 1, "answers": [], "evidence": [], "register": None}

    data = json_data()
    marks = register_json_for(data)
    illness = next(s for s in marks["sessions"] if s["code"] == "I")
    illness["code"] = "M"
    patched = client.patch(f"{API}/referrals/{rid}", headers=office,
                           json={"data": {"pupil": {"address": CORRECTED_ADDRESS}}, "register": marks})
    assert patched.status_code == 200, patched.get_json()
    replaced = client.post(f"{API}/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                           data={"kind": "leave_request",
                                 "file": (io.BytesIO(make_pdf("Signed leave request")), "signed.pdf")})
    assert replaced.status_code == 201
    login(client, "officer@demo.la")  # meanwhile the LA reads version 1's answers, as signed
    assert "Marsh Lane" not in text(client.get(f"/la/referrals/{rid}"))
    logout(client)
    pending = client.get(f"{API}/referrals/{rid}", headers=office).get_json()["changes_since_signed"]
    assert [(a["label"], a["after"]) for a in pending["answers"]] == [("Child's home address", CORRECTED_ADDRESS)]
    assert pending["evidence"] == [{"kind": "leave_request", "label": "Copy of leave request from parent",
                                    "change": "replaced"}]
    assert pending["register"]["changed"] == 1 and pending["register"]["marks"][0]["after"] == "M"

    # The head sees it before signing, the new address escaped.
    assert client.post(f"{API}/referrals/{rid}/submit", headers=office).status_code == 200
    login(client, "head@demo.school")
    page = text(client.get(f"/referrals/{rid}/sign"))
    assert "What changed since version 1" in page
    assert "14 Marsh Lane, Westcliff-on-Sea, &lt;SS0 7PQ&gt;" in page and "<SS0" not in page
    assert "Copy of leave request from parent: replaced with a new file" in page
    assert "1 mark changed" in page
    # The summary keeps its months' capitals ("now 380 sessions, 1 September 2026 to ...").
    assert re.search(r'id="changed-register">1 mark changed; now \d+ sessions, \d+ [A-Z][a-z]+ \d{4} to \d+ [A-Z][a-z]+ \d{4}\.', page)
    head_signed = client.post(f"{API}/referrals/{rid}/sign", headers=head,
                              json={"name": "Harriet Head", "declaration": True})
    assert head_signed.status_code == 200, head_signed.get_json()

    # Version 2 keeps what it changed; version 1's marks are kept as signed.
    seen = client.get(f"{API}/referrals/{rid}", headers=officer).get_json()
    assert seen["versions"][1]["changes"] == pending
    assert seen["changes_since_signed"] == unchanged | {"since_version": 2}
    with app.app_context():
        v1, v2 = db.session.scalars(select(Pack).filter_by(referral_id=rid).order_by(Pack.version)).all()
        assert v1.register["sessions"] != v2.register["sessions"] and v2.register["sessions"] == marks["sessions"]
        email = db.session.scalar(select(OutboxMessage.body).filter_by(pack_id=v2.id))
    assert ("Changed since version 1:\n- Answer changed: Child's home address\n- Evidence replaced: Copy of leave request from "
            "parent\n- Register marks: 1 mark changed") in email
    assert "Marsh Lane" not in email

    # The LA officer's page says the same.
    login(client, "officer@demo.la")
    page = text(client.get(f"/la/referrals/{rid}"))
    assert "What changed since version 1" in page and "Version 1:" in page and "Version 2:" in page
    assert "14 Marsh Lane, Westcliff-on-Sea, &lt;SS0 7PQ&gt;" in page


def test_a_version_resubmitted_unchanged_says_so(app, client, signed):
    rid, office, head = signed
    officer = bearer(api_token(client, "officer@demo.la"))
    client.post(f"{API}/referrals/{rid}/decision", headers=officer, json={"decision": "return", "reasons": "Sign it again."})
    submit_and_sign(client, rid, office, head)
    with app.app_context():
        email = db.session.scalar(select(OutboxMessage.body).filter_by(referral_id=rid, kind="la_pack")
                                  .order_by(OutboxMessage.id.desc()).limit(1))
    assert "(version 2)" in email and "Nothing has changed since version 1." in email
    login(client, "officer@demo.la")
    assert "Nothing: the answers, the evidence and the register marks are as they were in version 1." in \
        text(client.get(f"/la/referrals/{rid}"))
