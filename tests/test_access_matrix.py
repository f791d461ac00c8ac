"""The access matrix (issue 6, "Access"): every role — office, headteacher, LA officer, admin, and
someone not signed in — against every route of the service (read from `app.url_map`, so a route
added later fails `test_every_route_is_classified` until it is given a rule here) and every method
it takes, for records of the role's own school, of another school of the same LA and of another LA,
in every state (draft, awaiting sign-off, signed and sent, returned, accepted with outcomes; letters),
with their evidence, signed packs and letters; the admin's schools and users of both LAs; subject
access for another LA's pupil; screening.

Each cell expects exactly what README "Roles" and the code allow:
- allowed: anything but 401/403/404/405/5xx (a 409 or 422 is the route refusing the *action*, after
  letting the user in); pages about a record show the child's name;
- refused: 403 or 404 when signed in; 401 (API) or a redirect to sign-in when not. The refusal's
  body names nothing of the record (child's names, UPN, reference, school), and refused requests —
  GETs and state-changing ones (POST with a valid CSRF token, API calls with a valid bearer token) —
  change nothing in the database or storage.
Every HTML answer (the pages each role sees, and the refusals) is also checked against its own
Content-Security-Policy: no script but from /assets/ or with the response's nonce, no inline handler
or style (tests/support/access_world.py `csp_problems`).
Lists (the school's referrals, the head's sign-off list, the LA inbox, GET /api/v1/referrals, the
admin's schools and users) are a cell per record: a record the role may not see is not in it.

State-changing requests that are allowed are sent so that the action is refused after the access
check (no name to sign with, an unknown evidence kind, a stale version), so the world stays as built.

The full matrix runs on SQLite; on PostgreSQL a slice of it (drafts and signed requests of each
school, every route and role): scoping is the same Python on both, and the slice checks that the
queries it builds scope the same way there. `pytest tests/test_access_matrix.py -s` prints the count.
"""
from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text

from forms_service import create_app
from forms_service.access.accounts import create_demo_data
from forms_service.formdefs import get_form
from forms_service.models import Base, db

from conftest import LA_INBOX, PASSWORD
from support.access_world import (FOREIGN, OWN, ROLE_USERS, SCHOOL_NAMES, SIBLING, STATES, Record, World, build,
                                  csp_problems, fingerprint, job_marker, screen_marker)
from support.helpers import api_token, bearer, csrf, date_parts, login, make_pdf, text as body_text

ANON = "anonymous"
ROLES = ("office", "headteacher", "la_officer", "admin", ANON)
SCHOOL = frozenset({"office", "headteacher"})
HEAD = frozenset({"headteacher"})
LA = frozenset({"la_officer", "admin"})
OFFICER = frozenset({"la_officer"})
ADMIN = frozenset({"admin"})
SIGNED_IN = frozenset({"office", "headteacher", "la_officer", "admin"})
LA_VISIBLE = ("signed", "returned", "accepted")


# --- who may see what (README "Roles"; forms_service/access/auth.py visible_referrals) --------------------

def sees(role: str, record: Record) -> bool:
    """Office and headteacher: their school's records. LA officer: their LA's requests once signed and
    sent. Admin: everything of their LA. (All roles here are Demo School's or the demo LA's.)"""
    if role in SCHOOL:
        return record.school == OWN
    if role == "la_officer":
        return record.la == "demo" and record.status in LA_VISIBLE
    if role == "admin":
        return record.la == "demo"
    return False


# --- targets: what a route's URL points at -------------------------------------------------------

@dataclass
class Target:
    label: str
    kwargs: dict
    record: Record | None = None
    la: str | None = None  # for schools and users: their LA
    details: tuple[str, ...] = ()  # what must not appear in a refusal (schools and users)
    mixed: bool = False  # ids of two different records in one URL: nobody may
    own_school: bool = False  # Demo School itself (its name is on every page its staff see)
    school: str | None = None  # a school's own thing (a bulk-letters job): OWN, SIBLING or FOREIGN
    query: str = ""


def _record_targets(world: World, want: Callable[[Record], bool] = lambda r: True) -> list[Target]:
    return [Target(r.key, {"referral_id": r.id}, record=r) for r in world.records if want(r)]


def referral_targets(world):
    return _record_targets(world)


def page_targets(world):
    return [Target(r.key, {"referral_id": r.id, "page_id": get_form(r.form_id).pages[0].id}, record=r)
            for r in world.records]


def evidence_targets(world):
    out = [Target(r.key, {"referral_id": r.id, "evidence_id": r.evidence_id}, record=r)
           for r in world.records if r.evidence_id]
    own = world.get(OWN, "draft")
    for other in (world.get(SIBLING, "draft"), world.get(FOREIGN, "draft")):
        if own and other:  # our own request's id with someone else's file
            out.append(Target(f"own:draft+{other.key}:evidence", {"referral_id": own.id, "evidence_id": other.evidence_id},
                              record=other, mixed=True))
    return out


def pack_targets(world):
    out = [Target(r.key, {"referral_id": r.id, "version": 1, "name": r.pack_file}, record=r)
           for r in world.records if r.pack_file]
    own = world.get(OWN, "signed")
    for other in (world.get(SIBLING, "signed"), world.get(FOREIGN, "signed")):
        if own and other:
            out.append(Target(f"own:signed+{other.key}:pack", {"referral_id": own.id, "version": 1,
                                                               "name": other.pdf_name}, record=other, mixed=True))
    return out


def api_document_targets(world):
    out = [Target(r.key, {"referral_id": r.id, "name": r.pack_file or "draft.html"}, record=r) for r in world.records]
    own = world.get(OWN, "signed")
    for other in (world.get(SIBLING, "signed"), world.get(FOREIGN, "signed")):
        if own and other:
            out.append(Target(f"own:signed+{other.key}:document", {"referral_id": own.id, "name": other.pdf_name},
                              record=other, mixed=True))
    return out


def notice_targets(world):
    """Each notice the LA issued (on an accepted request), by its own id."""
    return [Target(r.key, {"notice_id": r.notice_id}, record=r) for r in world.records if r.notice_id]


def notice_file_targets(world):
    return [Target(f"{r.key}.pdf", {"notice_id": r.notice_id, "fmt": "pdf"}, record=r)
            for r in world.records if r.notice_id]


def letter_file_targets(world):
    return [Target(f"{r.key}.{fmt}", {"referral_id": r.id, "doc_id": "final-warning", "fmt": fmt}, record=r,
                   query="?to=1") for r in world.records if r.state == "letter" for fmt in ("pdf", "docx")]


def school_targets(world):
    la_of = {OWN: "demo", SIBLING: "demo", FOREIGN: "far"}
    return [Target(f"school:{key}", {"school_id": world.school_ids[key]}, la=la_of[key], details=(SCHOOL_NAMES[key],),
                   own_school=key == OWN) for key in (OWN, SIBLING, FOREIGN)]


TARGET_USERS = {  # email: (LA, name)
    "office@other.school": ("demo", "Omar Office"),
    "office@far.test": ("far", "Fenella Office"),
    "admin@far.test": ("far", "Faisal Admin"),
}


def user_targets(world):
    return [Target(f"user:{email}", {"user_id": world.users[email]}, la=la, details=(email, name))
            for email, (la, name) in TARGET_USERS.items()]


def job_targets(world):
    """Each school's finished bulk-letters job (letters to many families)."""
    return [Target(f"job:{key}", {"job_id": job_id}, school=key,
                   details=(job_marker(key),) + ((SCHOOL_NAMES[key],) if key != OWN else ()))
            for key, job_id in world.jobs.items()]


def screen_targets(world):
    """Each LA's finished LA-wide screen (issue 25)."""
    return [Target(f"screen:{la}", {"job_id": job_id}, la=la, details=(screen_marker(la),))
            for la, job_id in world.screens.items()]


def subject_targets(world):
    """Subject access: a search for each record's child by UPN."""
    return [Target(f"pupil:{r.key}", {}, record=r) for r in world.records]


def no_target(world):
    return [Target("-", {})]


# --- the routes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    """Who may use a route, on what. `roles`: the roles let in at all; `scoped`: also only on records
    the role sees (or, for schools and users, of the admin's LA). `body`: what a state-changing
    request sends (chosen so an allowed one is refused after the access check, changing nothing)."""
    targets: Callable
    roles: frozenset
    scoped: bool = True
    body: object = None
    shows: bool = False  # an allowed GET shows the record's child
    lists: bool = False  # a list: one cell per record
    post_targets: Callable | None = None  # POST points at other things than GET (subject access)


PUBLIC = "public"  # anyone, signed in or not
SESSION = "session"  # signing in and out, tokens: tests/test_security.py

ROUTES: dict[str, Route | str] = {
    # signing in and out: tested in tests/test_security.py (a matrix cell would end its own session)
    "auth.login": SESSION, "auth.logout": SESSION, "api_tokens.token": SESSION, "api_tokens.revoke": SESSION,
    # "Forgot your password?": anyone's, signed in or not (tests/test_password_reset.py; CSRF in test_security.py)
    "auth.forgot_password": SESSION, "auth.reset_link_sent": SESSION, "auth.reset_link": SESSION,
    "auth.reset_password": SESSION,
    # the second factor while signing in (issue 23): only a browser a right password left pending reaches them
    # (tests/test_second_factor.py; CSRF in test_security.py); anyone else is sent to sign in
    "second_factor.code": SESSION, "second_factor.set_up": SESSION,
    "static": PUBLIC, "healthz": PUBLIC, "api-docs.openapi_json": PUBLIC,
    # single sign-on (issue 23): anyone's, signed in or not; 404 unless configured (tests/test_sso.py, where a
    # callback with anything in its query is a 400, never a 500)
    "sso.start": PUBLIC, "sso.callback": PUBLIC,
    # the certificate that seals signed packs (issue 24): anyone holding a pack may check it (tests/test_seal.py)
    "api_signing.certificate": PUBLIC,
    # the calendar feed (issue 22): its secret address is its credential, no session (tests/test_calendar_feed.py:
    # scoped as the due list, a 404 for any token that does not open a feed)
    "calendar_feed.feed_ics": SESSION,
    "home.index": Route(no_target, SIGNED_IN, scoped=False),
    "auth.change_password": Route(no_target, SIGNED_IN, scoped=False, body={}),  # one's own: nothing to scope
    # one's own second factor (issue 23): its page, setting up an app (a post with no code is refused, 422);
    # turning it off is only for a role that does not require one and has one: no user of the world has (404)
    "second_factor.account": Route(no_target, SIGNED_IN, scoped=False),
    "second_factor.set_up_signed_in": Route(no_target, SIGNED_IN, scoped=False, body={}),
    "second_factor.turn_off": Route(no_target, frozenset(), scoped=False, body={}),
    # one's own calendar feed (issue 22): whoever has a due list; a post choosing nothing is refused (400)
    "calendar_feed.account": Route(no_target, SCHOOL | OFFICER, scoped=False, body={}),
    # the school's pages
    "referrals.index": Route(referral_targets, SCHOOL, lists=True),
    "referrals.new": Route(no_target, SCHOOL, scoped=False, body={}),
    "referrals.show": Route(referral_targets, SCHOOL, shows=True),
    "referrals.check": Route(referral_targets, SCHOOL),
    "referrals.evidence": Route(referral_targets, SCHOOL, body={}),
    "referrals.evidence_file": Route(evidence_targets, SCHOOL),
    "referrals.letter": Route(referral_targets, SCHOOL),
    "referrals.letter_file": Route(letter_file_targets, SCHOOL),
    "referrals.page": Route(page_targets, SCHOOL, body={"version": "0"}),
    "referrals.preview": Route(referral_targets, SCHOOL, shows=True),
    "referrals.preview_pdf": Route(referral_targets, SCHOOL),
    "referrals.register": Route(referral_targets, SCHOOL, body={}),
    "referrals.submit": Route(referral_targets, SCHOOL, body={}),
    "screening.index": Route(no_target, SCHOOL, scoped=False, body={}),
    # the school's pupils (issue 18): its own records' children listed, never another school's; an
    # import with no file is refused and changes nothing
    "pupils.index": Route(referral_targets, SCHOOL, lists=True),
    "pupils.import_file": Route(no_target, SCHOOL, scoped=False, body={}),
    # a record's life (issue 18): mark a letter sent, delete a draft. The bodies answer nothing (no method,
    # date or recipient; no "yes"), so an allowed POST is refused by the page and changes nothing.
    "letter_life.mark_sent": Route(referral_targets, SCHOOL, body={}),
    "letter_life.delete": Route(referral_targets, SCHOOL, body={}),
    # letters to many families
    "bulk.index": Route(job_targets, SCHOOL, lists=True),
    "bulk.new": Route(no_target, SCHOOL, scoped=False, body={}),
    "bulk.job": Route(job_targets, SCHOOL),
    "bulk.progress": Route(job_targets, SCHOOL),
    "bulk.download": Route(job_targets, SCHOOL),
    "bulk.print_pdf": Route(job_targets, SCHOOL),
    # The list checked before the letters are made: a finished job's shows the job (GET), and a
    # confirmation of it is refused (409): nothing is made twice.
    "bulk.check": Route(job_targets, SCHOOL, body={"plan": "0" * 64}),
    # the headteacher's
    "signoff.index": Route(referral_targets, HEAD, lists=True),
    "signoff.review": Route(referral_targets, HEAD),
    "signoff.confirmation": Route(referral_targets, HEAD),
    "signoff.sign": Route(referral_targets, HEAD, body={}),
    "signoff.send_back": Route(referral_targets, HEAD, body={"reason": ""}),
    # the LA's
    "la.index": Route(referral_targets, LA, lists=True),
    "la.show": Route(referral_targets, LA, shows=True),
    "la.checks": Route(referral_targets, OFFICER, body={}),
    "la.decision": Route(referral_targets, OFFICER, body={}),
    "la.outcomes": Route(referral_targets, OFFICER, body={}),
    "la.resend": Route(referral_targets, LA, body={}),
    "la.pack_file": Route(pack_targets, SIGNED_IN),
    # the LA's dashboard (issue 25): counts of the user's own LA only (tests/test_la_dashboard.py: another LA's
    # records never counted), and each table as CSV
    "la_dashboard.index": Route(no_target, LA, scoped=False),
    "la_dashboard.csv_file": Route(no_target, LA, scoped=False),
    # the LA's notices (issue 15): issued by its officers, read by whoever may read the referral
    "notices.issue": Route(referral_targets, OFFICER, body={}),
    "notices.document": Route(notice_file_targets, SIGNED_IN),
    # the admin's
    "admin.index": Route(no_target, ADMIN, scoped=False),
    "admin.edit_la": Route(no_target, ADMIN, scoped=False, body={}),
    "admin.schools": Route(school_targets, ADMIN, lists=True),
    "admin.new_school": Route(no_target, ADMIN, scoped=False, body={}),
    "admin.edit_school": Route(school_targets, ADMIN, body={}),
    "admin.users": Route(user_targets, ADMIN, lists=True),
    "admin.new_user": Route(no_target, ADMIN, scoped=False, body={}),
    "admin.show_user": Route(user_targets, ADMIN),
    "admin.change_role": Route(user_targets, ADMIN, body={}),
    "admin.set_active": Route(user_targets, ADMIN, body={}),
    "admin.reset_password": Route(user_targets, ADMIN, body={"password": "too short"}),
    # resetting a user's second factor (issue 23): the admin's LA's users; none of the targets has one, so an
    # allowed post says so and changes nothing
    "admin.reset_second_factor": Route(user_targets, ADMIN, body={}),
    "admin_export.index": Route(no_target, ADMIN, scoped=False, post_targets=subject_targets),
    # the API
    "api_catalogue.forms": Route(no_target, SIGNED_IN, scoped=False),
    "api_catalogue.eligibility": Route(no_target, SIGNED_IN, scoped=False, body={"data": {}}),
    "api_catalogue.document": Route(no_target, SIGNED_IN, scoped=False, body={"data": {}, "format": "html"}),
    "api_referrals.list_referrals": Route(referral_targets, SIGNED_IN, lists=True),
    "api_referrals.create": Route(no_target, SCHOOL, scoped=False, body={"form": "no-such-form", "data": {}}),
    "api_pupils.pupils": Route(referral_targets, SCHOOL, lists=True),  # the school's own records' children only
    "api_referrals.read": Route(referral_targets, SIGNED_IN, shows=True),
    "api_referrals.patch": Route(referral_targets, SCHOOL, body={"data": {}, "version": 0}),
    "api_referrals.upload_evidence": Route(referral_targets, SCHOOL, body="evidence"),
    "api_referrals.submit": Route(referral_targets, SCHOOL, body={}),
    "api_referrals.sign": Route(referral_targets, HEAD, body={"name": "Nobody Signs", "declaration": False}),
    "api_referrals.checks": Route(referral_targets, OFFICER, body={}),
    "api_referrals.decision": Route(referral_targets, OFFICER, body={}),
    "api_referrals.outcomes": Route(referral_targets, OFFICER, body={}),
    "api_referrals.resend_delivery": Route(referral_targets, LA, body={}),
    "api_referrals.documents": Route(referral_targets, SIGNED_IN),
    "api_referrals.document": Route(api_document_targets, SIGNED_IN),
    "api_referrals.audit": Route(referral_targets, SIGNED_IN),
    "api_referrals.send_back": Route(referral_targets, HEAD, body={"reason": ""}),
    "api_notices.issue": Route(referral_targets, OFFICER, body={}),
    "api_notices.show": Route(notice_targets, SIGNED_IN),
    # the child's case (issue 22): whoever may read the record, with only the records they may read; the due
    # list is the school's (its staff) or the LA's accepted referrals' (its officers), never a record's by id
    "api_cases.case": Route(referral_targets, SIGNED_IN),
    # its pages: the case for whoever may read the record (the school's staff see the child's name, as on the
    # record's page; an LA officer initials, as on the LA's: not `shows`), and the due list of the school or LA
    "cases.case": Route(referral_targets, SIGNED_IN),
    "cases.due": Route(no_target, SCHOOL | OFFICER, scoped=False),
    # reading a register file (what the reader understood): anyone signed in; no record, and nothing kept
    "api_registers.read": Route(no_target, SIGNED_IN, scoped=False, body={}),
    # LA-wide screening (issue 25): the LA's officers and admins, for their own LA's schools only (the files name
    # the schools; tests/test_la_screening.py: another LA's school number is reported, its pupils never listed)
    "la_screening.index": Route(no_target, LA, scoped=False, body={}),
    # A screen's page, progress and list: the LA's own screens only (another LA's: 404)
    "la_screening.job": Route(screen_targets, LA),
    "la_screening.progress": Route(screen_targets, LA),
    "la_screening.download": Route(screen_targets, LA),
    "api_la_screening.screen": Route(no_target, LA, scoped=False, body={}),
    "api_la_screening.queue": Route(no_target, LA, scoped=False, body={}),
    "api_la_screening.job": Route(screen_targets, LA),
    "api_cases.due": Route(no_target, SCHOOL | OFFICER, scoped=False),
    "api_notices.document": Route(notice_targets, SIGNED_IN),
}
# Path arguments of routes that take no record (a form to start, a document to render).
FIXED_ARGS = {"referrals.new": {"form_id": "penalty-notice-leave"}, "bulk.new": {"form_id": "model-letter"},
              "la_dashboard.csv_file": {"section_id": "received"},
              "api_catalogue.eligibility": {"form_id": "penalty-notice-leave"},
              "api_catalogue.document": {"document_id": "final-warning"},
              "static": {"filename": "app.css"}}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def rules(app) -> list[tuple[str, str, list[str]]]:
    return [(rule.endpoint, rule.rule, sorted(m for m in rule.methods if m in METHODS))
            for rule in app.url_map.iter_rules()]


def test_every_route_is_classified():
    """A route the matrix does not know about fails here: give it a rule in ROUTES."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    endpoints = {endpoint for endpoint, _, _ in rules(app)}
    assert not endpoints - set(ROUTES), f"routes with no access rule in the matrix: {sorted(endpoints - set(ROUTES))}"
    assert not set(ROUTES) - endpoints, f"rules for routes that no longer exist: {sorted(set(ROUTES) - endpoints)}"
    print(f"\naccess matrix: {len(endpoints)} routes classified "
          f"({sum(1 for e in endpoints if isinstance(ROUTES[e], Route))} in the matrix, "
          f"{sum(1 for e in endpoints if ROUTES[e] == PUBLIC)} public, "
          f"{sum(1 for e in endpoints if ROUTES[e] == SESSION)} sign-in/out in test_security.py)")


# --- the world, once per backend -------------------------------------------------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world_app(request, tmp_path_factory):
    """An app and its world for the whole module: full on SQLite, a slice on PostgreSQL."""
    tmp = tmp_path_factory.mktemp(f"access-{request.param}")
    if request.param == "sqlite":
        path = tmp / "forms.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("migrated_postgres")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": str(tmp / "storage"),
                      "SECRET_KEY": "test-secret", "LA_INBOX": LA_INBOX, "SMTP_URL": "smtp://127.0.0.1:1"})
    with app.app_context():
        create_demo_data(PASSWORD, LA_INBOX)
    states = STATES if request.param == "sqlite" else ("draft", "signed")
    world = build(app.test_client(), app, states=states)
    yield app, world, request.param
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if request.param == "postgresql":  # leave the shared test database empty for the next test
        engine = create_engine(url)
        with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()


# --- cells ---------------------------------------------------------------------------------------

@dataclass
class Cell:
    endpoint: str
    method: str
    url: str
    target: Target
    allowed: bool
    route: Route

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.url} [{self.endpoint}, {self.target.label}]"


def _allowed(role: str, route: Route, target: Target) -> bool:
    if role not in route.roles or target.mixed:
        return False
    if not route.scoped or route.lists:
        return True
    if target.record is not None:
        return sees(role, target.record)
    if target.school is not None:
        return role in SCHOOL and target.school == OWN
    if target.la is not None:
        return target.la == "demo"
    return True


def cells(app, world: World, role: str) -> list[Cell]:
    out = []
    with app.test_request_context():
        from flask import url_for
        for endpoint, _, methods in rules(app):
            route = ROUTES[endpoint]
            if not isinstance(route, Route):
                continue
            for method in methods:
                make = route.post_targets if (method == "POST" and route.post_targets) else route.targets
                if route.lists and method != "GET":
                    make = no_target
                targets = no_target(world) if (route.lists and method == "GET") else make(world)
                for target in targets:
                    url = url_for(endpoint, **FIXED_ARGS.get(endpoint, {}), **target.kwargs) + target.query
                    out.append(Cell(endpoint, method, url, target, _allowed(role, route, target), route))
    return out


class Player:
    """A role's browser (session cookie, CSRF token) and its API token."""

    def __init__(self, app, role: str):
        self.role = role
        self.csp: list[str] = []  # what a browser enforcing the CSP would block on the pages it was sent
        self.client = app.test_client()
        self.token = None
        if role != ANON:
            login(self.client, ROLE_USERS[role])
            self.token = api_token(self.client, ROLE_USERS[role])
        self.csrf = csrf(body_text(self.client.get("/sign-in")))

    _pdf = None

    @property
    def pdf(self) -> bytes:
        if Player._pdf is None:
            Player._pdf = make_pdf("Evidence")
        return Player._pdf

    def send(self, cell: Cell, data: dict | None = None):
        """The cell's request; every HTML answer is also checked against its own CSP (`self.csp`)."""
        response = self._send(cell, data)
        if response.mimetype == "text/html":
            self.csp += csp_problems(response, f"{self.role} {cell}")
        return response

    def _send(self, cell: Cell, data: dict | None = None):
        body = data if data is not None else cell.route.body
        if cell.api:
            headers = bearer(self.token) if self.token else {}
            if cell.method == "GET":
                return self.client.get(cell.url, headers=headers)
            if body == "evidence":
                return self.client.open(cell.url, method=cell.method, headers=headers, content_type="multipart/form-data",
                                        data={"kind": "not-a-kind", "file": (io.BytesIO(self.pdf), "scan.pdf")})
            return self.client.open(cell.url, method=cell.method, headers=headers, json=body or {})
        if cell.method == "GET":
            return self.client.get(cell.url)
        return self.client.open(cell.url, method=cell.method, data={"csrf_token": self.csrf, **(body or {})})


def _secrets(role: str, target: Target) -> list[str]:
    """What would give the target away to this role: the record's child and reference, and its school
    unless the role's own (an LA role's filter lists its LA's schools); a school's or user's names."""
    if target.record is not None:
        record = target.record
        own_school = record.school == OWN if role in SCHOOL else record.la == "demo" if role in LA else False
        return record.details(with_school=not own_school)
    return [] if target.own_school and role in SCHOOL else list(target.details)


def _leaks(response, secrets: list[str], url: str = "") -> list[str]:
    """The secrets in the response, except any the request itself sent (a redirect to sign-in names
    the address asked for: a file name with a reference in it, typed by the asker)."""
    content = response.get_data().decode("utf-8", "replace") + response.headers.get("Location", "")
    return [s for s in secrets if s and s in content and s not in url]


def _zip_text(response) -> str:
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def check_refused(player: Player, cell: Cell, response) -> list[str]:
    problems = []
    status = response.status_code
    if player.role == ANON:
        to_sign_in = status == 302 and response.headers.get("Location", "").startswith("/sign-in")
        if not (to_sign_in or status == 401):
            problems.append(f"expected 401 or a redirect to sign-in, got {status}")
    elif status not in (403, 404):
        problems.append(f"expected 403 or 404, got {status}")
    if leaked := _leaks(response, _secrets(player.role, cell.target), cell.url):
        problems.append(f"the refusal shows {leaked}")
    return problems


def check_allowed(player: Player, cell: Cell, response) -> list[str]:
    status = response.status_code
    if status in (401, 403, 404, 405) or status >= 500:
        return [f"expected to be let in, got {status}"]
    if status == 302 and response.headers.get("Location", "").startswith("/sign-in"):
        return ["expected to be let in, was sent to sign in"]
    if cell.route.shows and cell.method == "GET" and status == 200 and cell.target.record is not None:
        if cell.target.record.pupil.last not in response.get_data(as_text=True):
            return ["the page does not show the record's child"]
    if cell.endpoint in ("bulk.download", "bulk.print_pdf") and job_marker(OWN).encode() not in response.get_data():
        return ["the download is not the school's letters"]
    if cell.endpoint in ("la_screening.job", "la_screening.download", "api_la_screening.job") and cell.method == "GET" \
            and screen_marker("demo").encode() not in response.get_data():
        return ["the page or download is not the LA's own screen"]
    return []


def search(record: Record) -> dict:
    """The subject-access form filled in for the record's child: by UPN, or (a letter has no UPN) by
    name and date of birth."""
    if record.state != "letter":
        return {"upn": record.pupil.upn}
    return {"first_name": record.pupil.first, "last_name": record.pupil.last,
            "date_of_birth": date_parts(record.pupil.dob)}


def check_subject_access(player: Player, cell: Cell, response) -> list[str]:
    """The admin's export for a child: only their LA's records are in the zip; another LA's child's
    records are not, whatever was searched for."""
    record = cell.target.record
    if response.status_code != 200 or response.mimetype != "application/zip":
        return [f"expected the zip, got {response.status_code} {response.mimetype}"]
    content = _zip_text(response)
    if record.la == "demo":
        return [] if record.reference in content else ["the LA's own child's record is missing from the export"]
    typed = set(search(record).values()) if record.state != "letter" else {record.pupil.first, record.pupil.last}
    leaked = [s for s in record.details() if s not in typed and s in content]
    return [f"another LA's child's records are in the export: {leaked}"] if leaked else []


def check_list(player: Player, endpoint: str, route: Route, response, world: World) -> tuple[int, list[str]]:
    """A list page or answer: one cell per record (or school, or user) — absent unless the role may see it."""
    problems, count = [], 0
    if player.role not in route.roles:
        return 1, [f"{endpoint}: {p}" for p in check_refused(player, Cell(endpoint, "GET", "", Target("-", {}), False,
                                                                            route), response)]
    if response.status_code != 200:
        return 1, [f"{endpoint}: expected the list, got {response.status_code}"]
    content = response.get_data(as_text=True)
    for target in route.targets(world):
        count += 1
        visible = _allowed(player.role, Route(route.targets, route.roles), target)
        secrets = _secrets(player.role, target)
        if not visible and (leaked := [s for s in secrets if s in content]):
            problems.append(f"{endpoint} lists {target.label}, which {player.role} may not see: {leaked}")
        if visible and endpoint == "api_referrals.list_referrals" and target.record.reference not in content:
            problems.append(f"{endpoint} leaves out {target.label}, which {player.role} sees")
    return count, problems


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(world_app, role):
    app, world, backend = world_app
    player = Player(app, role)
    all_cells = cells(app, world, role)
    problems: list[str] = []
    checked = 0

    # Lists first (read-only), then every refused cell with the database fingerprinted around them.
    for cell in [c for c in all_cells if c.route.lists and c.method == "GET"]:
        count, found = check_list(player, cell.endpoint, cell.route, player.send(cell), world)
        checked += count
        problems += found
    rest = [c for c in all_cells if not (c.route.lists and c.method == "GET")]
    refused = [c for c in rest if not c.allowed]
    before = fingerprint(app)
    for cell in refused:
        problems += [f"{cell}: {p}" for p in check_refused(player, cell, player.send(cell))]
    checked += len(refused)
    if fingerprint(app) != before:
        problems.append(f"{role}: a refused request changed the database or storage")

    for cell in [c for c in rest if c.allowed]:
        if cell.endpoint == "admin_export.index" and cell.method == "POST":
            found = check_subject_access(player, cell, player.send(cell, search(cell.target.record)))
        else:
            found = check_allowed(player, cell, player.send(cell))
        problems += [f"{cell}: {p}" for p in found]
        checked += 1

    problems += player.csp
    print(f"\naccess matrix ({backend}): {role}: {checked} cells")
    assert not problems, f"{len(problems)} of {checked} cells wrong for {role}:\n" + "\n".join(problems[:60])
    assert checked > 100
