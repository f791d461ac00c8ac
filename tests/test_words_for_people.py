"""Words for people (issue 18): no page, email or document the service makes for a person shows its own
internals — a rule id (`penalty_notice_limit`), a policy profile's id (`national-2024`), a field's path
(`figures.leave`, `referral_date`, "figures, leave, referral_date") or a placeholder (`{parent_name,
reference}`). Rules are named by their titles; an LA officer's page may show a rule's id in a reveal
beside its title, which is the one place looked past.

How: a world of records in every state at three schools (tests/support/access_world.py) is crawled as
each role, following every link from the home page (GET, this service's pages only), and every question
page is also posted with answers that cannot be right, so its error messages are read too. Each page's
visible text is scanned (text nodes and alt, title and aria-label; not code, which shows a file's
column names on purpose, nor user text in text boxes); so is every email the world sent, and every
document of every form's sample, as Word and PDF."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from forms_service.formdefs import load_forms
from forms_service.models import OutboxMessage, db
from forms_service.policies import list_profiles
from forms_service.rules.engine import REGISTRY
from forms_service.rules.titles import TITLES

from conftest import PASSWORD
from support.access_world import ROLE_USERS, build
from support.form_case import FormCase
from support.helpers import api_token, bearer, csrf, login, set_profile, text

MAX_PAGES = 600  # per role: a bound, well above what the world has
READ_AT_LEAST = {"office": 100, "headteacher": 100, "la_officer": 15, "admin": 20}  # the crawl got somewhere


def _field_paths() -> set[str]:
    paths = set()
    for form in load_forms().values():
        for f in form.fields:
            paths.add(f.name)
            paths.update(part for part in f.name.split(".") if "_" in part)
            for item in f.item_fields:
                paths.add(f"{f.name}.{item.name}")
                if "_" in item.name:
                    paths.add(item.name)
    return {p for p in paths if "_" in p or "." in p}


RULE_IDS = set(REGISTRY)
PROFILE_IDS = set(list_profiles())
FIELD_PATHS = _field_paths()
# A word joined by underscores (snake_case) is a name in code, never in a sentence.
SNAKE = re.compile(r"(?<![\w@./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@-])")
DOTTED = re.compile(r"(?<![\w@/.-])(?:" + "|".join(re.escape(p) for p in sorted(FIELD_PATHS) if "." in p) + r")(?![\w-])")
PLACEHOLDER = re.compile(r"\{\s*[a-z_]+(?:\s*,\s*[a-z_]+)*\s*\}")
PROFILE = re.compile(r"(?<![\w@./-])(?:" + "|".join(re.escape(p) for p in sorted(PROFILE_IDS)) + r")(?![\w@-])")
# "figures, leave, referral_date": the parts of a path listed as marshmallow reports where an error is
# (three or more of the forms' own path parts in a row: two can be English, "the meeting, letter").
SEGMENTS = sorted({part for path in FIELD_PATHS for part in path.split(".")}, key=len, reverse=True)
_PART = "(?:" + "|".join(re.escape(s) for s in SEGMENTS) + ")"
PATH_LIST = re.compile(rf"(?<![\w-]){_PART}(?:\s*,\s*{_PART}){{2,}}(?![\w-])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def problems(words: str) -> list[str]:
    """Each internal name in `words` (a reader's text), as found."""
    words = EMAIL.sub(" ", words)  # an address may hold any of these (legal@southend.example)
    found = [m.group(0) for m in SNAKE.finditer(words)]
    found += [m.group(0) for m in DOTTED.finditer(words)]
    found += [m.group(0) for m in PLACEHOLDER.finditer(words)]
    found += [m.group(0) for m in PROFILE.finditer(words)]
    found += [m.group(0) for m in PATH_LIST.finditer(words)]
    return found


class VisibleText(HTMLParser):
    """The words a reader sees or hears: text nodes and alt, title and aria-label; not scripts, styles,
    code or what is in a text box; the LA officer's rule-id reveal (app-rule-id) left out."""
    SKIP = {"script", "style", "code", "textarea", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP or "app-rule-id" in (attrs.get("class") or "").split():
            self.skipping.append(tag)
        if not self.skipping:
            self.parts.extend(attrs[a] for a in ("alt", "title", "aria-label") if attrs.get(a))

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _links(page: str, base: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    out = []
    for href in parser.hrefs:
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or (parts.netloc and parts.netloc != "localhost"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(("/api/", "/sign-out", "/assets/")) or path.endswith((".pdf", ".docx", ".zip", ".csv")):
            continue
        out.append(path)
    return out


def _junk_answers(page: str) -> dict:
    """Every input and choice of a question page answered wrongly: dates that are not dates, numbers
    that are not numbers, choices that are not offered."""
    data = {"csrf_token": csrf(page)}
    for name in set(re.findall(r'name="([^"]+)"', page)):
        if name in ("csrf_token", "submit") or name.startswith("add-") or name.startswith("remove-"):
            continue
        data[name] = "31" if name.endswith(("-day", "__day")) else "13" if name.endswith(("-month", "__month")) \
            else "-1" if any(k in name for k in ("sessions", "weeks", "days", "pct", "number", "count")) else "not an answer"
    return data


def crawl(client, start: str = "/") -> tuple[dict[str, list[str]], set[str]]:
    """({url: problems}, the urls read) for every page reached from `start` (and each question page
    posted wrongly)."""
    seen, queue, found = set(), deque([start]), {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            queue.append(urlsplit(response.location).path)
            continue
        if not response.mimetype == "text/html":
            continue
        page = text(response)
        if bad := problems(visible(page)):
            found[url] = bad
        queue.extend(link for link in _links(page, url) if link not in seen)
        if "/pages/" in url and 'name="csrf_token"' in page:
            posted = client.post(url.split("?")[0], data=_junk_answers(page))
            if posted.mimetype == "text/html" and (bad := problems(visible(text(posted)))):
                found[f"POST {url}"] = bad
    return found, seen


@pytest.fixture(scope="module")
def world_app(tmp_path_factory):
    """One world for the module (building it is the slow part), on SQLite."""
    from forms_service import create_app
    from forms_service.access.accounts import create_demo_data
    from forms_service.database import upgrade

    from conftest import LA_INBOX

    path = tmp_path_factory.mktemp("words") / "words.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                      "STORAGE_DIR": str(path.parent / "storage"), "SECRET_KEY": "test-secret", "LA_INBOX": LA_INBOX,
                      "SMTP_URL": "smtp://127.0.0.1:1"})
    upgrade(app)
    with app.app_context():
        create_demo_data(PASSWORD, LA_INBOX)
    build(app.test_client(), app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_no_page_a_role_reaches_shows_an_internal_name(world_app, role):
    client = world_app.test_client()
    login(client, ROLE_USERS[role])
    found, seen = crawl(client)
    print(f"{role}: {len(seen)} pages read, {sum('/pages/' in u for u in seen)} question pages posted wrongly")
    assert len(seen) >= READ_AT_LEAST[role], sorted(seen)
    assert not found, "\n".join(f"{url}: {sorted(set(bad))}" for url, bad in sorted(found.items()))


@pytest.mark.parametrize("profile", ["knowsley", "peterborough"])
def test_a_profiles_own_paperwork_shows_no_internal_name(app, client, profile):
    """Issue 20: the forms only a profile's schools are offered (the world above is under the national
    profile): each started from its sample, then every page the office reaches crawled, question pages posted
    wrongly, as above."""
    set_profile(app, profile)
    office = bearer(api_token(client, ROLE_USERS["office"]))
    samples = Path(__file__).resolve().parent / "samples"
    own = [form for form in load_forms().values() if profile in form.profiles]
    assert own
    for form in own:
        data = json.loads((samples / f"{form.id}.json").read_text(encoding="utf-8"))
        created = client.post("/api/v1/referrals", json={"form": form.id, "data": data}, headers=office)
        assert created.status_code == 201, created.get_json()
    login(client, ROLE_USERS["office"])
    found, seen = crawl(client, "/referrals/")
    assert sum("/pages/" in url for url in seen) >= sum(len(form.pages) for form in own)
    assert not found, "\n".join(f"{url}: {sorted(set(bad))}" for url, bad in sorted(found.items()))


def test_no_email_the_world_sent_shows_an_internal_name(world_app):
    with world_app.app_context():
        messages = db.session.scalars(db.select(OutboxMessage)).all()
        assert len(messages) >= 6  # packs to the LA, turn emails, decisions, notices
        found = {f"{m.kind} {m.subject}": problems(f"{m.subject}\n{m.body}") for m in messages}
    assert not {k: v for k, v in found.items() if v}


def _samples():
    samples = Path(__file__).resolve().parent / "samples"
    for form in load_forms().values():
        if (samples / f"{form.id}.json").exists():
            for doc in form.documents:
                yield pytest.param(form.id, doc, id=f"{form.id}:{doc['id']}")


@pytest.mark.parametrize("form_id, doc", list(_samples()))
def test_no_document_shows_an_internal_name(form_id, doc):
    case = FormCase(form_id, school={"name": "Brindley Park High School", "telephone": "0161 496 0123"},
                    la={"name": "Demo Borough Council", "inbox": "legal-interventions@la.invalid"},
                    reference="REF-2026-000001", today=dt.date(2026, 3, 6))
    data = case.sample()
    if doc.get("when") and doc not in case.form.documents_for(data):
        pytest.skip(f"{doc['id']} needs {doc['when']}")
    both = case.render(doc, case.context(data, recipient=0 if doc.get("per") == "parent" else None))
    for fmt in ("docx", "pdf"):
        assert not problems(both[fmt]), (fmt, problems(both[fmt]))


def test_every_rule_has_a_title():
    assert RULE_IDS <= set(TITLES), sorted(RULE_IDS - set(TITLES))


@pytest.mark.parametrize("words, expected", [
    ("Check penalty_notice_limit first", ["penalty_notice_limit"]),
    ("with the national-2024 thresholds", ["national-2024"]),
    ("figures, leave, referral_date: Not a valid date", ["referral_date", "figures, leave, referral_date"]),
    ("A list of {parent_name, reference}", ["parent_name", "{parent_name, reference}"]),
    ("Missing: pupil.date_of_birth", ["pupil.date_of_birth"]),
    ("Southend-on-Sea Borough Council, email legal@southend.example", []),
    ("Attendance is 84% — 17 days missed; reference S2L-2026-000004", []),
])
def test_the_scan_finds_what_it_looks_for(words, expected):
    assert sorted(problems(words)) == sorted(expected)
