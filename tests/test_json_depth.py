"""JSON nested too deeply (issue 14, finding 2): every JSON body is measured before anything parses it,
so `{"a":` × 5,000, `[` × 100,000 or 990 levels inside `data` are a 400 in the API's error format that
says how deep JSON may go — on the token route without a token too — logged as one line with no
traceback; a document exactly at the limit still reaches the route's own checks."""
from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings, strategies as st

from forms_service.jsonlimits import MAX_DEPTH, MESSAGE, depth_exceeds

from support.helpers import api_token, bearer, json_data

API = "/api/v1"
FORM = "penalty-notice-leave"


def levels_in_data(levels: int) -> str:
    """A request object whose `data` holds arrays, `levels` deep in all (the outer object counts)."""
    inner = levels - 2  # the request object and `data` itself
    return '{"form": "%s", "data": {"a": %s%s}}' % (FORM, "[" * inner, "]" * inner)


# The three bodies the security review sent.
REVIEW_PAYLOADS = {
    "objects": '{"a":' * 5000,
    "arrays": "[" * 100_000,
    "990 levels inside data": levels_in_data(990),
}


def routes(client) -> list[tuple[str, dict]]:
    """(path, headers): the unauthenticated token route, an eligibility route, and the referral route."""
    office = bearer(api_token(client, "office@demo.school"))
    return [(f"{API}/auth/token", {}), (f"{API}/eligibility/{FORM}", office), (f"{API}/referrals", office)]


def post_json(client, path: str, headers: dict, body: str):
    return client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})


def tracebacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


@pytest.mark.db
def test_the_reviews_deep_payloads_are_a_400_saying_how_deep_json_may_go(client, caplog):
    caplog.set_level(logging.INFO)
    for path, headers in routes(client):
        for name, body in REVIEW_PAYLOADS.items():
            caplog.clear()
            response = post_json(client, path, headers, body)
            assert response.status_code == 400, (path, name, response.get_data(as_text=True)[:300])
            assert response.get_json() == {"code": 400, "status": "Bad request", "message": MESSAGE}, (path, name)
            assert tracebacks(caplog) == [], (path, name)
            refused = [r for r in caplog.records if "nested deeper" in r.getMessage()]
            assert len(refused) == 1 and path in refused[0].getMessage(), (path, name)


@pytest.mark.db
def test_json_exactly_at_the_limit_reaches_the_routes_own_checks_and_one_level_more_is_refused(client, caplog):
    caplog.set_level(logging.INFO)
    for path, headers in routes(client):
        at_limit = post_json(client, path, headers, levels_in_data(MAX_DEPTH))
        # The route's own validation answers (an unknown or wrong field: 422), never the depth refusal.
        assert at_limit.status_code == 422, (path, at_limit.get_json())
        assert at_limit.get_json()["message"] != MESSAGE
        over = post_json(client, path, headers, levels_in_data(MAX_DEPTH + 1))
        assert over.status_code == 400 and over.get_json()["message"] == MESSAGE, path
    assert tracebacks(caplog) == []


@pytest.mark.db
def test_an_ordinary_referral_is_unaffected_by_the_depth_check(client):
    office = bearer(api_token(client, "office@demo.school"))
    created = client.post(f"{API}/referrals", headers=office, json={"form": FORM, "data": json_data()})
    assert created.status_code == 201, created.get_json()


def test_brackets_inside_strings_do_not_count_and_the_count_is_exact():
    assert not depth_exceeds("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert depth_exceeds("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert depth_exceeds("[" * (MAX_DEPTH + 1))  # unclosed: measured all the same
    text = '["%s", "\\"%s"]' % ("[{" * 100, "[" * 100)  # brackets in text, one after an escaped quote
    assert not depth_exceeds(text)
    assert not depth_exceeds('"' + "[" * 100)  # an unterminated string: the parser reports it, not this check
    assert not depth_exceeds('{"a": "%s", "b": "", "c": "%s"}' % ("[" * 40, "]" * 40))  # strings side by side
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert depth_exceeds('["\\\\", %s]' % deep[1:-1])  # a string ending in an escaped backslash ends there...
    assert depth_exceeds('["a\\\\", "", %s]' % deep[1:-1])
    assert not depth_exceeds('["\\"%s"]' % deep)  # ...and one with an escaped quote does not
    assert depth_exceeds(b'{"\xc3\xa9": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}")  # UTF-8 bytes


@pytest.mark.db
def test_a_deep_json_hidden_field_on_a_question_page_is_refused_against_its_field_not_a_500(client, caplog):
    """The sessions a previous notice used ride on the page as JSON in a hidden field: a tampered value
    nested 5,000 deep is refused by the form's schema like any other bad value (422, the page again)."""
    import re

    from forms_service.formdefs import get_form

    from support.helpers import csrf, login, text
    caplog.set_level(logging.INFO)
    office = bearer(api_token(client, "office@demo.school"))
    created = client.post(f"{API}/referrals", headers=office, json={"form": FORM, "data": {}})
    rid = created.get_json()["id"]
    login(client, "office@demo.school")
    page_id = next(p.id for p in get_form(FORM).pages if any(f.name == "previous_penalty_notices" for f in p.fields))
    url = f"/referrals/{rid}/pages/{page_id}"
    page = text(client.get(url))
    body = {"csrf_token": csrf(page), "version": re.search(r'name="version" value="(\d+)"', page).group(1),
            "previous_penalty_notices-0-issued_on": ["1", "12", "2025"],
            "previous_penalty_notices-0-parent_name": "Zofia Nowak",
            "previous_penalty_notices-0-sessions": "[" * 5000 + "]" * 5000}
    response = client.post(url, data=body)
    assert response.status_code == 422, response.status_code
    assert "govuk-error-summary" in text(response)
    assert tracebacks(caplog) == []


def depth(value) -> int:
    """Levels of objects and arrays in a parsed document (a scalar: 0)."""
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


# Text full of what could mislead a scanner: brackets, quotes, backslashes, and characters beyond ASCII.
TRICKY_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\/,:ab é\u2028\U0001F600'), max_size=8)
DOCUMENTS = st.recursive(st.none() | st.booleans() | st.integers() | TRICKY_TEXT,
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY_TEXT, inner, max_size=3),
                         max_leaves=40)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(document=DOCUMENTS, limit=st.integers(min_value=0, max_value=8), ascii_only=st.booleans())
def test_the_scanner_measures_what_the_parser_reads(document, limit, ascii_only):
    text = json.dumps(document, ensure_ascii=ascii_only)
    assert depth_exceeds(text, limit) == (depth(document) > limit)
