"""Driving Chromium through the service as a person would, and checking every page on the way.

`Browse` opens a browser profile that may reach 127.0.0.1 only (anything else is blocked and
recorded, and the test fails), records console errors, Content-Security-Policy violations and any
asset that did not load, and `Browse.check()` runs on each page: axe-core (WCAG 2.0/2.1/2.2 A and AA
rules) and the structure a screen reader relies on (title, one h1, heading levels, landmarks,
lang). Screenshots go to build/screenshots/ at 1280 and 375 pixels wide.
"""
from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from support import totp

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
SCREENSHOTS = BUILD / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# DESIGN.md §8: Playwright's own browser download does not work here; Debian's Chromium does.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS = {"serious", "critical"}
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}

# Where focus is visible by GOV.UK Frontend's focus styles: an outline that is not transparent, a
# box-shadow (links, buttons, inputs), or on a radio's or checkbox's label (the input itself is
# hidden and its label's ::before draws the ring).
_FOCUS_VISIBLE = """
() => {
  const el = document.activeElement
  if (!el || el === document.body) return {visible: false, what: 'nothing focused'}
  const seen = (style) => {
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 &&
      !/rgba\\(0, 0, 0, 0\\)|transparent/.test(style.outlineColor)
    return outline || (style.boxShadow && style.boxShadow !== 'none')
  }
  let visible = seen(getComputedStyle(el))
  if (!visible && (el.type === 'radio' || el.type === 'checkbox')) {
    const label = el.labels && el.labels[0]
    visible = !!label && seen(getComputedStyle(label, '::before'))
  }
  const name = (el.labels && el.labels[0] && el.labels[0].textContent) || el.getAttribute('aria-label') ||
    el.textContent || el.value || ''
  return {visible: !!visible, what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${name.trim().slice(0, 60)}"`}
}
"""

# Follow each link of the error summary (GOV.UK Frontend's own click handler runs): each must put
# focus in the box it names. Links to another page (what "check your answers" still needs) are left.
_SUMMARY_LINKS = """
() => [...document.querySelectorAll('.govuk-error-summary__list a')]
  .filter((a) => a.getAttribute('href').startsWith('#'))
  .map((a) => {
    a.click()
    const id = decodeURIComponent(a.getAttribute('href').slice(1))
    const el = document.activeElement
    const ok = el && el.id === id && el.matches('input, select, textarea, button')
    return ok ? null : `"${a.textContent.trim()}" (#${id}) left focus on ${el ? el.tagName.toLowerCase() + '#' + el.id : 'nothing'}`
  })
  .filter(Boolean)
  .concat((() => {  // then focus back on the summary (GOV.UK Frontend's way), as the page was shown
    const summary = document.querySelector('.govuk-error-summary')
    summary.setAttribute('tabindex', '-1')
    summary.focus()
    return []
  })())
"""

_STRUCTURE = """
() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length) ||
    el.classList.contains('govuk-visually-hidden')
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible)
    .map((h) => ({level: Number(h.tagName[1]), text: h.textContent.trim().replace(/\\s+/g, ' ').slice(0, 80)}))
  const count = (selector) => document.querySelectorAll(selector).length
  return {
    title: document.title,
    lang: document.documentElement.getAttribute('lang'),
    headings,
    banner: count('header, [role=banner]') - count('main header, footer header, article header, section header'),
    main: count('main, [role=main]'),
    contentinfo: count('body > footer, [role=contentinfo]'),
    errorSummary: count('.govuk-error-summary'),
    bodyClass: document.body.className,
    font: getComputedStyle(document.querySelector('.govuk-body, .govuk-heading-l') || document.body).fontFamily,
    focused: document.activeElement ? (document.activeElement.className || document.activeElement.tagName) : null,
  }
}
"""


def _kind(url: str) -> str:
    """A page's path with the record numbers taken out, for the report."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", urlsplit(url).path)


@dataclass
class Report:
    """What every page check found, kept for the end of the session (build/accessibility.json)."""
    pages: list[dict] = field(default_factory=list)

    def add(self, entry: dict) -> None:
        self.pages.append(entry)

    @property
    def axe_runs(self) -> int:
        return sum(1 for p in self.pages if p.get("axe"))

    def write(self) -> None:
        if not self.pages:
            return
        BUILD.mkdir(exist_ok=True)
        violations = [v for p in self.pages for v in p.get("violations", [])]
        summary = {"pages_checked": len(self.pages), "axe_runs": self.axe_runs,
                   "violations": len(violations),
                   "serious_or_critical": sum(1 for v in violations if v["impact"] in SERIOUS),
                   "pages": self.pages}
        (BUILD / "accessibility.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


class Browse:
    """One browser profile (cookies, sign-in) on the service, with its page and what it noticed."""

    def __init__(self, browser, base_url: str, report: Report):
        self.base_url = base_url
        self.report = report
        self.app = None  # the service's Flask app (the browse fixture sets it): for a second factor's codes
        self.blocked: list[str] = []
        self.console_errors: list[tuple[str, str]] = []  # (message, the URL it came from)
        # Pages asked for that answer 4xx on purpose (a form with errors is a 422): Chromium logs
        # each as "Failed to load resource", which is then no error of the page's.
        self.expected_statuses: set[tuple[str, int]] = set()
        self.csp_violations: list[str] = []
        self.failed_assets: list[str] = []
        self.responses: dict[str, set[int]] = {}  # path -> every status it answered
        self.titles: dict[str, str] = {}  # title -> the h1 of the page that has it
        self.context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-GB",
                                           timezone_id="Europe/London", accept_downloads=True)
        self.context.set_default_timeout(20_000)
        self.context.route("**/*", self._route)
        # Reported straight to Python: a violation on a page that navigates away is not lost.
        self.context.expose_function("reportCspViolation", lambda v: self.csp_violations.append(v))
        self.context.add_init_script("""
          document.addEventListener('securitypolicyviolation', (e) =>
            window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI} on ${document.location.pathname}`))
        """)
        # On the context, so that a page opened in a new tab is watched as well.
        self.context.on("console", self._console)
        self.context.on("weberror", lambda error: self.console_errors.append((f"uncaught: {error.error}", "")))
        self.context.on("response", self._response)
        self.page = self._main = self.context.new_page()
        # Every page this tab loads must be checked before the next one loads (see check()).
        self.unchecked: list[str] = []
        self._shown: str | None = None  # the page now shown, until it is checked
        self.page.on("domcontentloaded", self._loaded)

    # --- what the browser does -------------------------------------------------------------------

    def _route(self, route):
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def _loaded(self, page):
        if self._shown:
            self.unchecked.append(self._shown)
        self._shown = _kind(page.url) if page.url.startswith("http") else None

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def _response(self, response):
        path = urlsplit(response.url).path
        self.responses.setdefault(path, set()).add(response.status)
        if path.startswith("/assets/") and response.status != 200 and response.status != 304:
            self.failed_assets.append(f"{response.status} {path}")

    def close(self) -> None:
        self.context.close()

    def assert_clean(self) -> None:
        """GOV.UK Frontend's styles, fonts and scripts were served; nothing left the machine,
        nothing failed to load, no errors or CSP violations."""
        for asset in ("/assets/govuk-frontend.min.css", "/assets/app.css", "/assets/govuk-frontend.min.js",
                      "/assets/app.js"):
            assert 200 in self.responses.get(asset, ()), f"{asset} was not served: {self.responses.get(asset)}"
        fonts = {path for path, statuses in self.responses.items()
                 if path.startswith("/assets/fonts/") and path.endswith(".woff2") and 200 in statuses}
        assert len(fonts) >= 2, f"GOV.UK Frontend's fonts (regular and bold) were not both served: {fonts}"
        assert not self.blocked, f"requests to other hosts were blocked: {self.blocked}"
        unchecked = self.unchecked + ([self._shown] if self._shown else [])
        assert not unchecked, f"pages shown but not checked (axe and structure): {unchecked}"
        assert not self.failed_assets, f"assets that did not load: {self.failed_assets}"
        assert not self.csp_violations, f"Content-Security-Policy violations: {self.csp_violations}"
        expected = {(f"Failed to load resource: the server responded with a status of {status}", url)
                    for url, status in self.expected_statuses}
        errors = [f"{text} ({url})" for text, url in self.console_errors
                  if not any(text.startswith(prefix) and url == where for prefix, where in expected)]
        assert not errors, f"console errors: {errors}"

    # --- going places ---------------------------------------------------------------------------
    # Every page load goes through goto() or navigate(), which check the page it lands on.

    def goto(self, path: str, *, status: int = 200, screenshot: str | None = None, document: bool = False):
        response = self.page.goto(path)
        self._landed(response, status, f"GET {path}", screenshot, document)
        return response

    def navigate(self, action, *, status: int = 200, screenshot: str | None = None, document: bool = False):
        """Run `action` (a click or a key press that loads a page), assert the status the page
        answered, and check it (an error summary is expected with a 400 or 422). `document`:
        the page is a document shown as HTML (a preview), checked as one."""
        with self.page.expect_navigation() as nav:
            action()
        self._landed(nav.value, status, self.page.url, screenshot, document)
        return nav.value

    def _landed(self, response, status: int, what: str, screenshot: str | None, document: bool) -> None:
        assert response is not None and response.status == status, f"{what}: {response and response.status}"
        self.expected_statuses.add((response.url, status))
        if document:
            self.check_document(screenshot=screenshot)
        else:
            # A form sent back with errors (422, or 400 for the inbox's filters) shows its summary.
            self.check(screenshot=screenshot, errors=True if status in (400, 422) else None)

    def sign_in(self, email: str, password: str) -> None:
        self.titles.clear()  # titles are told apart among the pages one person uses
        self.goto("/sign-in")
        self.page.get_by_label("Email address", exact=True).fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.navigate(self.page.get_by_role("button", name="Sign in").click)
        if urlsplit(self.page.url).path == "/sign-in/code":  # an account with a second factor: its app's code
            self.page.get_by_label("Code", exact=True).fill(totp.code_for(self.app, email))
            self.navigate(self.page.get_by_role("button", name="Continue").click)
        assert "/sign-in" not in self.page.url, f"sign-in as {email} failed"

    def sign_out(self) -> None:
        self.navigate(self.page.get_by_role("button", name="Sign out").click)
        assert self.page.url.endswith("/sign-in")

    def elsewhere(self) -> None:
        """The page now shown is not the service's (an OpenID provider's own sign-in form, tests/browser/
        test_sso_journey.py): none of the service's checks apply to it."""
        self._checked(self.page)

    @contextlib.contextmanager
    def switched_to(self, page):
        """Work in another tab (a link that opens one) for a while."""
        previous, self.page = self.page, page
        try:
            yield page
        finally:
            self.page = previous

    def wait_for(self, condition, what: str, timeout: float = 30.0) -> None:
        """Wait for something the service does in the background (the worker sending mail); the
        timeout only stops a hang."""
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"still waiting after {timeout:g} s for {what}"
            self.page.wait_for_timeout(100)  # not time.sleep: the browser's events are taken in meanwhile

    # --- checking a page --------------------------------------------------------------------------

    def check(self, *, screenshot: str | None = None, errors: bool | None = None) -> dict:
        """Check the page now shown: structure, then axe; `screenshot` names the pictures to take
        of it. `errors` says whether it should show an error summary (None: either)."""
        page, name, s, where = self._read(screenshot)
        problems = []
        if s["lang"] != "en-GB":
            problems.append(f"html lang is {s['lang']!r}")
        if "govuk-frontend-supported" not in s["bodyClass"] or "js-enabled" not in s["bodyClass"]:
            problems.append(f"body class {s['bodyClass']!r}: GOV.UK Frontend's script did not run")
        if "GDS Transport" not in s["font"]:
            problems.append(f"text is set in {s['font']!r}: GOV.UK Frontend's stylesheet did not apply")
        h1 = [h for h in s["headings"] if h["level"] == 1]
        problems += _heading_problems(s["headings"])
        if s["headings"] and s["headings"][0]["level"] > 2:
            problems.append(f"first heading is h{s['headings'][0]['level']}")
        for landmark in ("banner", "main", "contentinfo"):
            if s[landmark] != 1:
                problems.append(f"{s[landmark]} {landmark} landmarks")
        title = s["title"]
        if not re.fullmatch(r"(Error: )?\S.{2,} - Attendance legal-intervention forms", title):
            problems.append(f"title {title!r} does not name the page and the service")
        has_errors = s["errorSummary"] > 0
        if has_errors != title.startswith("Error: "):
            problems.append(f"error summary shown: {has_errors}, but the title is {title!r}")
        if errors is not None and has_errors != errors:
            problems.append(f"expected {'an' if errors else 'no'} error summary")
        if has_errors and "govuk-error-summary" not in (s["focused"] or ""):
            problems.append(f"the error summary is not focused (focus on {s['focused']!r})")
        # Pages with different headings are different pages, and must be told apart by their titles
        # (a form shown again with its errors, even from the URL it posted to, is the same page).
        heading = h1[0]["text"] if h1 else ""
        bare = title.removeprefix("Error: ")
        if self.titles.setdefault(bare, heading) != heading:
            problems.append(f"title {bare!r} is also the title of the page headed {self.titles[bare]!r}")
        self._conclude(page, name, s, where, problems, screenshot)
        if has_errors:
            broken = page.evaluate(_SUMMARY_LINKS)
            assert not broken, f"{where}: error summary links that do not move focus to their field: {broken}"
        return s

    def check_document(self, *, screenshot: str | None = None) -> dict:
        """Check a document shown as HTML (a preview): not a service page, so no navigation or
        landmarks, but a title, its language, one h1, headings in order, and axe's WCAG rules."""
        page, name, s, where = self._read(screenshot)
        problems = []
        if not s["lang"]:
            problems.append("no html lang")
        if len(s["title"].strip()) < 10:
            problems.append("no title naming the document")
        problems += _heading_problems(s["headings"])
        self._conclude(page, name, s, where, problems, screenshot)
        return s

    def _read(self, screenshot: str | None):
        """The page now shown, once loaded: (page, its name, its structure, how messages name it)."""
        page = self.page
        name = screenshot or _kind(page.url)
        page.wait_for_load_state("load")
        self._checked(page)
        s = page.evaluate(_STRUCTURE)
        return page, name, s, f"{name} ({_kind(page.url)}, title {s['title']!r})"

    def _conclude(self, page, name: str, s: dict, where: str, problems: list[str], screenshot: str | None) -> None:
        """axe on the page, everything found into the report, then fail on any problem or serious
        violation; the screenshot once the page has passed."""
        violations = self.axe()
        self.report.add({"name": name, "url": _kind(page.url), "title": s["title"], "axe": True,
                         "violations": violations, "problems": problems})
        for v in violations:
            print(f"axe [{v['impact']}] {v['id']} on {where}: {v['help']} — {v['targets']}")
        serious = [v for v in violations if v["impact"] in SERIOUS]
        assert not problems, f"{where}: " + "; ".join(problems)
        assert not serious, f"{where}: axe found serious or critical violations: {json.dumps(serious, indent=1)}"
        if screenshot:
            self.screenshot(screenshot)

    def _checked(self, page) -> None:
        if page is self._main:
            self._shown = None

    def axe(self) -> list[dict]:
        """axe-core's WCAG A/AA violations on the page now shown. Its source is evaluated through
        the DevTools protocol, which the page's Content-Security-Policy does not govern (a <script>
        tag would be refused, rightly)."""
        page = self.page
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(_axe_source())
        result = page.evaluate("""async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
            return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
              targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 10)}))
        }""", AXE_TAGS)
        return result

    def screenshot(self, name: str) -> list[Path]:
        """The whole page at 1280 and at 375 pixels wide."""
        assert re.fullmatch(r"[a-z0-9-]+", name), f"screenshot name {name!r}: lower case, digits and hyphens"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        paths = []
        for label, size in (("desktop", DESKTOP), ("mobile", MOBILE)):
            self.page.set_viewport_size(size)
            path = SCREENSHOTS / f"{name}-{label}.png"
            # The web fonts must have loaded before the picture is taken.
            self.page.evaluate("() => document.fonts.ready.then(() => true)")
            self.page.screenshot(path=str(path), full_page=True)
            paths.append(path)
            # WCAG 1.4.10 (reflow): on a phone the page fits its width, with no sideways scrolling.
            wide = self.page.evaluate("() => document.documentElement.scrollWidth")
            assert wide <= size["width"], f"{name}: {wide} px wide on a {size['width']} px screen ({path})"
        self.page.set_viewport_size(DESKTOP)
        return paths

    # --- the keyboard -----------------------------------------------------------------------------

    def focus_state(self) -> dict:
        return self.page.evaluate(_FOCUS_VISIBLE)

    def is_focused(self, locator) -> bool:
        return locator.evaluate("(el) => el === document.activeElement")

    def tab_to(self, locator, *, backwards: bool = False, limit: int = 120) -> None:
        """Press Tab (Shift+Tab) until `locator` has focus, checking that every element focused on
        the way shows it."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            state = self.focus_state()
            if state["what"] != "nothing focused":
                assert state["visible"], f"focus is not visible on {state['what']} ({self.page.url})"
            if self.is_focused(locator):
                return
        raise AssertionError(f"{limit} presses of {key} never reached {locator} on {self.page.url}")


_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        assert AXE.exists(), f"{AXE} is missing: `make test` installs it from npm (package.json devDependencies)"
        _AXE_SOURCE = AXE.read_text(encoding="utf-8")
    return _AXE_SOURCE


def _heading_problems(headings: list[dict]) -> list[str]:
    """Exactly one h1, and no level skipped going down."""
    h1 = [h for h in headings if h["level"] == 1]
    problems = [f"{len(h1)} h1 headings: {h1}"] if len(h1) != 1 else []
    for before, after in zip(headings, headings[1:]):
        if after["level"] > before["level"] + 1:
            problems.append(f"heading level skipped: h{before['level']} {before['text']!r} then "
                            f"h{after['level']} {after['text']!r}")
    return problems
