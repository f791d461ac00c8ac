"""The page checks themselves catch what they look for: a journey that passes them means something
only if they fail on a page with the faults in it."""
from __future__ import annotations

import pytest

from .pages import Browse, Report

FAULTY = """<!DOCTYPE html><html><head><title>Faulty</title>
<style>button:focus { outline: none; }</style></head>
<body><h1>One</h1><h3>Skipped a level</h3><h1>Two</h1>
<input type="text" name="unlabelled"><button type="button">Go</button></body></html>"""


@pytest.fixture
def faulty(chromium, service):
    # Its own report: these findings are made on purpose and belong in no page report.
    b = Browse(chromium, service.url, Report())
    b.page.set_content(FAULTY)
    yield b
    b.close()


def test_axe_finds_an_unlabelled_box(faulty):
    violations = {v["id"]: v for v in faulty.axe()}
    assert "label" in violations and violations["label"]["impact"] == "critical"
    assert violations["label"]["targets"] == ["input"]


def test_structure_checks_find_two_h1s_a_skipped_level_and_no_landmarks(faulty):
    with pytest.raises(AssertionError) as failed:
        faulty.check()
    message = str(failed.value)
    for problem in ("html lang", "2 h1 headings", "heading level skipped: h1 'One' then h3", "0 banner landmarks",
                    "0 main landmarks", "GOV.UK Frontend's script did not run", "does not name the page"):
        assert problem in message, problem


def test_focus_that_cannot_be_seen_is_caught(faulty):
    with pytest.raises(AssertionError, match="focus is not visible on button"):
        faulty.tab_to(faulty.page.get_by_role("button", name="Go"))


def test_a_script_the_page_policy_refuses_is_reported(browse):
    """The service's Content-Security-Policy admits only its own scripts and the one carrying the
    request's nonce: an inline script added to a page does not run, and the violation is caught."""
    browse.goto("/sign-in")
    browse.page.evaluate("""() => {
        const s = document.createElement('script')
        s.textContent = 'window.injected = true'
        document.body.append(s)
    }""")
    browse.wait_for(lambda: browse.csp_violations, "the violation to be reported")
    assert browse.page.evaluate("() => window.injected === undefined")
    assert browse.csp_violations[0].startswith("script-src")
    with pytest.raises(AssertionError, match="Content-Security-Policy violations"):
        browse.assert_clean()


def test_a_request_to_any_host_but_127_0_0_1_is_blocked(faulty, service):
    # "localhost" is still this machine, so nothing could leave it even if the block failed.
    url = service.url.replace("127.0.0.1", "localhost") + "/healthz"
    outcome = faulty.page.evaluate("(u) => fetch(u).then(() => 'loaded', () => 'refused')", url)
    assert outcome == "refused" and faulty.blocked == [url]
