"""The API fuzzed from its own OpenAPI document (/api/v1/openapi.json) with schemathesis, in process
(WSGI) against a real database, on SQLite and PostgreSQL.

Every operation of the document gets a bounded number of generated requests, both valid by the
document (positive) and broken on purpose (negative: wrong types, out-of-range values, missing
fields, no token), each sent as one of four roles (office, headteacher, LA officer, admin). A share
point at real records (a draft, one awaiting sign-off, a signed and an accepted one, a letter,
another school's request, a signed one whose delivery failed) with real file names and realistic bodies, and each operation first gets
the request that succeeds (hypothesis' explicit phase), so the handlers past 401/403/404/422 are
reached: the test asserts every operation answered at least once with its success status.

Checks, on every response:
- not_a_server_error: no 5xx.
- status_code_conformance: the status is one the operation documents (there is no `default`).
- content_type_conformance, response_schema_conformance, response_headers_conformance: the body
  and headers are what the document says for that status (the JSON error bodies included).
- negative_data_rejection: a request the document calls invalid is refused with a 4xx.
- ignored_auth: an operation that succeeded refuses the same request without a token, or with a
  wrong one (401/403).
Left out: positive_data_acceptance (a request valid by the document is rightly refused by the
service's own rules: another school's record, the wrong role, a state that does not allow it, the
form's own questions inside `data`); max_response_time (no assertions on wall-clock time); the
stateful checks (use_after_free, ensure_resource_availability, object_level_authorization), which
need schemathesis' stateful phase (tests/test_access_matrix.py covers who may see what). The
unsupported-method probe is a test of its own below.

Reproducible in CI: hypothesis derandomized (the same requests every run), no example database,
no shrinking (each request changes the records, so a shrunk replay would not be the same run; a
failure is reported with the request that failed, as a curl command).
"""
from __future__ import annotations

import collections
import datetime as dt
import io
import json
import os
import re
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import Phase, example, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, ignored_auth, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance)

from forms_service.access.auth import issue_token
from forms_service.delivery.outbox import deliver_due
from forms_service.formdefs import load_forms
from forms_service.models import User, db

from conftest import PASSWORD
from support import records
from support.helpers import api_token, bearer, json_data, make_pdf, register_csv_for, register_json_for
from support.smtp_server import running_sink

API = "/api/v1"
OPENAPI = f"{API}/openapi.json"
ROLES = {"office": "office@demo.school", "headteacher": "head@demo.school", "la_officer": "officer@demo.la",
         "admin": "admin@demo.la"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, ignored_auth]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Bounded for CI (about 50 s for both backends); API_FUZZ_EXAMPLES=500 runs a deeper search locally.
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", 50))
REVOKE = "DELETE /api/v1/auth/token"

# Totals over the whole session (both backends), printed at the end for the README (`pytest -s`).
TOTALS: collections.Counter = collections.Counter()


def _fresh_token(app, email: str) -> str:
    """A new token as POST /auth/token issues it (without its sign-in, which the fuzzing throttles)."""
    with app.app_context():
        return issue_token(db.session.scalar(db.select(User).filter_by(email=email)))


def load_schema(app):
    return schemathesis.openapi.from_wsgi(OPENAPI, app)


def _records(client) -> dict:
    """Real records in each state the API treats differently, made through the API itself."""
    office = records.office(client)
    draft = records.create_referral(client, office, records.AMELIA, replace_one=False)
    awaiting = records.create_referral(client, office, records.TOBIAS, replace_one=False)
    assert client.post(f"{API}/referrals/{awaiting}/submit", headers=office).status_code == 200
    to_send_back = records.create_referral(client, office, records.Pupil("Nadia", "Okonkwo", "N801200451152",
                                                                         "2013-06-02"), replace_one=False)
    assert client.post(f"{API}/referrals/{to_send_back}/submit", headers=office).status_code == 200
    signed = records.create_referral(client, office, records.FREYA, replace_one=False)
    records.sign(client, signed, office)
    accepted = records.create_referral(client, office, records.KIAN, replace_one=False)
    records.sign(client, accepted, office)
    records.decide(client, accepted, "accept")
    officer = bearer(api_token(client, "officer@demo.la"))
    parents = client.get(f"{API}/referrals/{accepted}", headers=officer).get_json()["data"]["parents"]
    issued = client.post(f"{API}/referrals/{accepted}/notices", headers=officer, json={
        "kind": "penalty_notice", "parent": parents[0]["name"], "issued_on": dt.date.today().isoformat()})
    assert issued.status_code == 201, issued.get_json()
    notice = issued.get_json()["id"]
    letter = records.create_letter(client, office, records.AMELIA)
    other = records.create_referral(client, records.office(client, "office@other.school"), records.TOBIAS,
                                    replace_one=False)
    # A signed request whose email the LA's mail server refused (as the signed and accepted ones'
    # are too), so "send it again" has something to send.
    undelivered = records.create_referral(client, office, records.Pupil("Ivo", "Marchetti", "M801200451131",
                                                                        "2013-01-15"), replace_one=False)
    records.sign(client, undelivered, office)
    app = client.application
    with tempfile.TemporaryDirectory() as mail, app.app_context(), \
            running_sink(Path(mail), rcpt_reply="550 5.1.1 Mailbox unavailable") as refusing:
        usual, app.config["SMTP_URL"] = app.config["SMTP_URL"], refusing.url
        deliver_due()
        app.config["SMTP_URL"] = usual
    screen = client.post(f"{API}/la/screens", headers=officer, content_type="multipart/form-data",
                         data={"file": [(io.BytesIO(b"URN,upn,date,session,code\n1,A100000000001,2026-01-05,AM,N\n"),
                                         "la.csv")]})
    assert screen.status_code == 202, screen.get_json()
    return {"draft": draft, "awaiting": awaiting, "signed": signed, "accepted": accepted, "letter": letter,
            "other_school": other, "undelivered": undelivered, "notice": notice, "to_send_back": to_send_back,
            "screen": screen.get_json()["id"]}


def _real_values(client, ids: dict, tokens: dict) -> dict:
    """Path parameters and bodies that reach past the 404 and 422 a random value gets, and for each
    operation the request (role, path, body) that succeeds: run first, as an explicit example."""
    officer = bearer(tokens["la_officer"])
    pack = client.get(f"{API}/referrals/{ids['signed']}/documents", headers=officer).get_json()
    checklist = client.get(f"{API}/referrals/{ids['signed']}", headers=officer).get_json()["checks"]
    forms = load_forms()
    letter = json.loads((records.SAMPLES / f"{records.LETTER}.json").read_text(encoding="utf-8"))
    data = json_data()
    draft, signed = {"referral_id": ids["draft"]}, {"referral_id": ids["signed"]}
    parents = client.get(f"{API}/referrals/{ids['accepted']}", headers=officer).get_json()["data"]["parents"]
    bodies = {
        "POST /api/v1/auth/token": [{"email": ROLES["office"], "password": PASSWORD}],
        "POST /api/v1/eligibility/{form_id}": [{"data": data, "register": register_json_for(data)}],
        "POST /api/v1/documents/{document_id}": [{"data": letter, "format": fmt} for fmt in ("pdf", "docx", "html")],
        "POST /api/v1/referrals": [{"form": records.FORM, "data": data}],
        "PATCH /api/v1/referrals/{referral_id}": [{"data": {"pupil": {"year_group": "Year 9"}}}],
        "POST /api/v1/referrals/{referral_id}/evidence": [{"kind": "leave_request", "file": make_pdf("Leave")}],
        "POST /api/v1/registers/read": [{"file": register_csv_for(data).encode(), "code_set": "2024"}],
        "POST /api/v1/la/screen": [{"file": b"URN,upn,date,session,code\n100001,A100000000001,2026-01-05,AM,N\n",
                                    "code_set": "2024"}],
        "POST /api/v1/la/screens": [{"file": b"URN,upn,date,session,code\n100001,A100000000001,2026-01-05,AM,N\n",
                                     "code_set": "2024"}],
        "POST /api/v1/referrals/{referral_id}/sign": [{"name": "Harriet Head", "declaration": True}],
        "POST /api/v1/referrals/{referral_id}/checks": [{checklist[0]["id"]: True}],
        "POST /api/v1/referrals/{referral_id}/decision": [
            {"decision": "accept"}, {"decision": "return", "reasons": "The leave request is not dated."}],
        "POST /api/v1/referrals/{referral_id}/outcomes": [
            {"kind": "notice_to_improve", "date": dt.date.today().isoformat()}],
        "POST /api/v1/referrals/{referral_id}/send-back": [{"reason": "Add the father's address"}],
        "POST /api/v1/referrals/{referral_id}/notices": [
            {"kind": "penalty_notice", "parent": parents[1]["name"], "issued_on": dt.date.today().isoformat()}],
    }
    # Who succeeds where, for each operation; each is sent with every body listed for it above.
    happy = {
        "POST /api/v1/auth/token": [("office", {})],
        "DELETE /api/v1/auth/token": [("office", {})],
        "GET /api/v1/forms": [("office", {})],
        "POST /api/v1/eligibility/{form_id}": [("office", {"form_id": records.FORM})],
        "POST /api/v1/documents/{document_id}": [("office", {"document_id": forms[records.LETTER].documents[0]["id"]})],
        "GET /api/v1/referrals": [(role, {}) for role in ROLES],
        "GET /api/v1/pupils": [("office", {}), ("headteacher", {})],
        "POST /api/v1/registers/read": [(role, {}) for role in ROLES],
        "POST /api/v1/la/screen": [("la_officer", {}), ("admin", {})],
        "POST /api/v1/la/screens": [("la_officer", {}), ("admin", {})],
        "GET /api/v1/la/screens/{job_id}": [("la_officer", {"job_id": ids["screen"]})],
        "POST /api/v1/referrals": [("office", {})],
        "GET /api/v1/referrals/{referral_id}": [("office", draft), ("la_officer", signed)],
        "PATCH /api/v1/referrals/{referral_id}": [("office", draft)],
        "POST /api/v1/referrals/{referral_id}/evidence": [("office", draft)],
        "POST /api/v1/referrals/{referral_id}/submit": [("office", draft)],
        "POST /api/v1/referrals/{referral_id}/sign": [("headteacher", {"referral_id": ids["awaiting"]})],
        "POST /api/v1/referrals/{referral_id}/checks": [("la_officer", signed)],
        "POST /api/v1/referrals/{referral_id}/decision": [("la_officer", signed)],
        "POST /api/v1/referrals/{referral_id}/outcomes": [("la_officer", {"referral_id": ids["accepted"]})],
        "GET /api/v1/referrals/{referral_id}/documents": [("la_officer", signed)],
        "GET /api/v1/referrals/{referral_id}/documents/{name}": [
            ("la_officer", {**signed, "name": pack[0]["name"]}),
            ("office", {"referral_id": ids["letter"], "name": "draft.pdf"}),
            ("office", {"referral_id": ids["letter"], "name": "draft.html"})],
        "GET /api/v1/referrals/{referral_id}/audit": [("office", draft)],
        "POST /api/v1/referrals/{referral_id}/delivery": [("la_officer", {"referral_id": ids["undelivered"]})],
        "POST /api/v1/referrals/{referral_id}/notices": [("la_officer", {"referral_id": ids["accepted"]})],
        "POST /api/v1/referrals/{referral_id}/send-back": [("headteacher", {"referral_id": ids["to_send_back"]})],
        "GET /api/v1/notices/{notice_id}": [("office", {"notice_id": ids["notice"]}),
                                            ("la_officer", {"notice_id": ids["notice"]})],
        "GET /api/v1/notices/{notice_id}/document": [("la_officer", {"notice_id": ids["notice"]})],
        "GET /api/v1/referrals/{referral_id}/case": [("office", draft), ("la_officer", signed)],
        "GET /api/v1/due": [("office", {}), ("la_officer", {})],
        "GET /api/v1/signing-certificate": [(role, {}) for role in ROLES],  # public (issue 24)
    }
    return {
        "referral_id": sorted(v for k, v in ids.items() if k not in ("notice", "screen")),
        "notice_id": [ids["notice"], ids["notice"] + 1000],
        "job_id": [ids["screen"], ids["screen"] + 1000],
        "form_id": sorted(forms),
        "document_id": sorted(d["id"] for f in forms.values() for d in f.documents),
        "name": sorted({f["name"] for f in pack} | {"draft.pdf", "draft.html"}),
        "bodies": bodies,
        "happy": happy,
    }


def _explicit(operation, real: dict) -> list[tuple]:
    """The operation's succeeding requests as (case, role), for hypothesis' explicit phase."""
    out = []
    for role, path in real["happy"][operation.label]:
        for body in real["bodies"].get(operation.label, [None]):
            kwargs = {"body": body} if body is not None else {}
            if operation.label.endswith(("/evidence", "/registers/read", "/la/screen", "/la/screens")):
                kwargs["media_type"] = "multipart/form-data"
            out.append((operation.Case(path_parameters=path, **kwargs), role))
    return out


def _strategy(operation, real: dict):
    """Generated requests; a share with real path parameters, and a share also with a realistic body."""
    params = [p.name for p in operation.path_parameters]
    fixed = st.fixed_dictionaries({name: st.sampled_from(real[name]) for name in params})

    def with_real(mode, **kwargs):
        return fixed.flatmap(lambda path: operation.as_strategy(mode, path_parameters=path, **kwargs))

    strategies = [operation.as_strategy(mode) for mode in MODES]
    if params:
        strategies += [with_real(mode) for mode in MODES]
    strategies += [with_real(GenerationMode.POSITIVE, body=body) for body in real["bodies"].get(operation.label, ())]
    return st.one_of(strategies)


def test_api_fuzz(app, client, backend):
    ids = _records(client)
    tokens = {role: api_token(client, email) for role, email in ROLES.items()}
    real = _real_values(client, ids, tokens)
    schema = load_schema(app)
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate])
        @given(case=_strategy(operation, real), role=st.sampled_from(sorted(ROLES)))
        def fuzz(case, role):
            # Revoking the token sent would end the role's token for the operations after it: that
            # operation gets a token of its own each time.
            token = _fresh_token(app, ROLES[role]) if operation.label == REVOKE else tokens[role]
            response = case.call(headers=bearer(token))
            statuses[operation.label][response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=bearer(token))

        for case, role in _explicit(operation, real):
            fuzz = example(case=case, role=role)(fuzz)
        try:
            fuzz()
        except FailureGroup as exc:
            failures.append(f"{operation.label}: {exc}")
    examples = sum(sum(c.values()) for c in statuses.values())
    TOTALS.update({"examples": examples, "operations": len(operations)})
    print(f"\n[{backend}] schemathesis {schemathesis.__version__}: {examples} requests over {len(operations)} "
          f"operations; session total {TOTALS['examples']}")
    for label, counts in statuses.items():
        print(f"  {label}: {dict(sorted(counts.items()))}")
    assert not failures, "\n\n".join(failures)
    # The fuzzing got past the guard, the 404 and the validation: each operation succeeded at least once.
    unreached = [label for label, counts in statuses.items() if not any(200 <= code < 300 for code in counts)]
    assert not unreached, f"never answered with success: {unreached}"
    assert len(statuses) == len(operations)


def test_openapi_document_is_valid(app, client):
    """The document validates against the OpenAPI 3 meta-schema, every operation in it loads, and each
    lists the statuses it answers with (no catch-all `default`), errors with the ApiError body."""
    schema = load_schema(app)
    schema.validate()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    raw = client.get(OPENAPI).get_json()
    for path, item in raw["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            assert {"401", "503"} <= set(responses), (method, path)
            for code, response in responses.items():
                if int(code) >= 400:
                    assert response["$ref"].startswith("#/components/responses/"), (method, path, code)
    assert raw["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    error = raw["components"]["schemas"]["ApiError"]
    assert set(error["required"]) == {"code", "status", "message"}


def test_undocumented_methods_answer_405_with_allow(client):
    """A method a path of the document does not list is a JSON 405 whose Allow header names the
    methods it takes (RFC 9110), as schemathesis' unsupported_method check expects."""
    raw = client.get(OPENAPI).get_json()
    tried = 0
    for path, item in raw["paths"].items():
        documented = {method.upper() for method in item if method != "parameters"}
        url = re.sub(r"\{(referral_id|notice_id|job_id)\}", "1", re.sub(r"\{(form_id|document_id|name)\}", "x", path))
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - documented):
            response = client.open(url, method=method)
            assert response.status_code == 405, (method, url)
            assert documented <= set(response.headers["Allow"].split(", ")), (method, url)
            assert response.get_json()["code"] == 405
            tried += 1
    assert tried >= 40
