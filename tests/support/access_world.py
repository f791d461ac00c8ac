"""A world to test access in: the demo users' own school (Demo School), another school of the same
LA (Other School) and a school of another LA (Far Side Academy, Far Borough Council), each with
requests in every state — a draft, one awaiting sign-off, signed and sent, returned by the LA,
accepted with a penalty notice recorded — and a letter, with evidence and signed packs; made through
the API as schools and LAs make them. Every record is about its own child, with a name, UPN and
reference nothing else holds, so a response can be searched for any record's details.

Used by tests/test_access_matrix.py (every role × every route × every record) and
tests/test_security.py (CSRF on every web form)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import select

from forms_service.access.accounts import create_user, get_or_create_la, get_or_create_school, set_la_details
from forms_service.models import Base, Evidence, Referral, School, User, db
from forms_service.referrals import actions

from conftest import PASSWORD
from support.helpers import api_token, bearer, text
from support.records import Pupil, create_letter, create_referral, decide, office, sign

API = "/api/v1"
OWN, SIBLING, FOREIGN = "own", "sibling", "foreign"
SCHOOLS = (OWN, SIBLING, FOREIGN)
STATES = ("draft", "awaiting_signoff", "signed", "returned", "accepted", "letter")

FAR_LA, FAR_SCHOOL = "Far Borough Council", "Far Side Academy"
# Per school: its office, its headteacher, the officer of its LA, and its LA.
STAFF = {
    OWN: ("office@demo.school", "head@demo.school", "officer@demo.la", "demo"),
    SIBLING: ("office@other.school", "head@other.school", "officer@demo.la", "demo"),
    FOREIGN: ("office@far.test", "head@far.test", "officer@far.test", "far"),
}
SCHOOL_NAMES = {OWN: "Demo School", SIBLING: "Other School", FOREIGN: FAR_SCHOOL}
# The signed-in roles the matrix plays, all of the demo LA and (school roles) of Demo School.
ROLE_USERS = {"office": "office@demo.school", "headteacher": "head@demo.school",
              "la_officer": "officer@demo.la", "admin": "admin@demo.la"}


@dataclass
class Record:
    """One request or letter of the world, and what would give it away in a response."""
    school: str
    state: str
    id: int
    reference: str
    pupil: Pupil
    evidence_id: int | None = None
    pack_file: str | None = None  # a file of its signed pack (version 1)
    pdf_name: str | None = None  # its signed form's PDF (a name no other pack has)
    notice_id: int | None = None  # a notice the LA issued on it (accepted)

    @property
    def la(self) -> str:
        return STAFF[self.school][3]

    @property
    def school_name(self) -> str:
        return SCHOOL_NAMES[self.school]

    @property
    def status(self) -> str:
        return "draft" if self.state == "letter" else self.state

    @property
    def form_id(self) -> str:
        return "final-warning" if self.state == "letter" else "penalty-notice-leave"

    @property
    def key(self) -> str:
        return f"{self.school}:{self.state}"

    def details(self, *, with_school: bool = True) -> list[str]:
        """The child's first and last name, UPN and the reference (and the school's name)."""
        out = [self.pupil.first, self.pupil.last, self.pupil.upn, self.reference]
        return out + ([self.school_name] if with_school else [])


@dataclass
class World:
    records: list[Record]
    school_ids: dict[str, int]  # OWN/SIBLING/FOREIGN -> school id
    users: dict[str, int] = field(default_factory=dict)  # email -> id
    jobs: dict[str, int] = field(default_factory=dict)  # OWN/SIBLING/FOREIGN -> a finished bulk-letters job
    screens: dict[str, int] = field(default_factory=dict)  # "demo"/"far" -> each LA's finished LA-wide screen

    def get(self, school: str, state: str) -> Record | None:
        return next((r for r in self.records if r.school == school and r.state == state), None)


def _pupil(school: str, state: str) -> Pupil:
    """A child nobody else in the world shares: equal-length names, so none is part of another."""
    s, t = SCHOOLS.index(school), STATES.index(state)
    tag = "ABC"[s] + "abcdef"[t]
    return Pupil(f"Ysolde{tag}", f"Quarrendon{tag}", f"Z{800000000000 + 10 * s + t:012d}", f"2013-0{1 + t}-1{s}")


def add_far_la(app) -> None:
    """A second LA with one school, its office, headteacher, officer and admin."""
    with app.app_context():
        la = get_or_create_la(FAR_LA, "legal-interventions@far.test")
        set_la_details(la, address="Far Civic Centre\nFar Town FA1 1AA",
                       payment_methods="Online, quoting the notice reference")
        school = get_or_create_school(FAR_SCHOOL, la)
        create_user("office@far.test", PASSWORD, "office", "Fenella Office", school=school)
        create_user("head@far.test", PASSWORD, "headteacher", "Fergus Head", school=school)
        create_user("officer@far.test", PASSWORD, "la_officer", "Farida Officer", la=la)
        create_user("admin@far.test", PASSWORD, "admin", "Faisal Admin", la=la)
        db.session.commit()


def _remove_one_evidence(app, rid: int, email: str) -> None:
    """Take the warning letter away again: the request then cannot be submitted (so a test that presses
    Submit leaves it as it was). Not the registration certificate: the one made from the register marks
    stands for it (issue 21), so the request could still be submitted without it."""
    with app.app_context():
        referral = db.session.get(Referral, rid)
        user = db.session.scalar(select(User).filter_by(email=email))
        item = next(e for e in referral.evidence if e.kind == "warning_letter")
        actions.remove_evidence(user, referral, item.id)


def _make(client, app, school: str, state: str) -> Record:
    office_email, head_email, officer_email, _ = STAFF[school]
    pupil = _pupil(school, state)
    headers = office(client, office_email)
    notice_id = None
    if state == "letter":
        rid = create_letter(client, headers, pupil)
    else:
        rid = create_referral(client, headers, pupil, replace_one=False)
        if state == "draft":
            _remove_one_evidence(app, rid, office_email)
        elif state == "awaiting_signoff":
            submitted = client.post(f"{API}/referrals/{rid}/submit", headers=headers)
            assert submitted.status_code == 200, submitted.get_json()
        else:
            sign(client, rid, headers, head_email)
            if state == "returned":
                decide(client, rid, "return", officer_email)
                _remove_one_evidence(app, rid, office_email)
            elif state == "accepted":
                decide(client, rid, "accept", officer_email)
                parent = client.get(f"{API}/referrals/{rid}", headers=headers).get_json()
                officer = bearer(api_token(client, officer_email))
                noted = client.post(f"{API}/referrals/{rid}/outcomes", headers=officer, json={
                    "kind": "penalty_notice_issued", "date": dt.date.today().isoformat(),
                    "notices": [{"parent_name": parent["data"]["parents"][0]["name"],
                                 "reference": f"EPN/{pupil.last}/1"}]})
                assert noted.status_code == 201, noted.get_json()
                # And a notice the service made (issue 15): its own id, its documents.
                issued = client.post(f"{API}/referrals/{rid}/notices", headers=officer, json={
                    "kind": "penalty_notice", "parent": parent["data"]["parents"][1]["name"],
                    "issued_on": dt.date.today().isoformat()})
                assert issued.status_code == 201, issued.get_json()
                notice_id = issued.get_json()["id"]
    with app.app_context():
        referral = db.session.get(Referral, rid)
        assert referral.status == (state if state != "letter" else "draft"), (state, referral.status)
        evidence = db.session.scalars(select(Evidence.id).filter_by(referral_id=rid).order_by(Evidence.id)).first()
        files = [f.name for f in referral.latest_pack.files] if referral.latest_pack else []
        return Record(school=school, state=state, id=rid, reference=referral.reference, pupil=pupil,
                      notice_id=notice_id,
                      evidence_id=evidence, pack_file="manifest.json" if files else None,
                      pdf_name=next((n for n in files if n.endswith("-penalty-notice-leave.pdf")), None))


def job_marker(school: str) -> str:
    """What a school's finished bulk-letters zip holds that nothing else does (a child's name in it)."""
    return f"Letter to the family of Ysolde{'ABC'[SCHOOLS.index(school)]}z"


def _bulk_job(app, school: str) -> int:
    """A finished job of letters to many families for the school, its zip in storage (made as the
    job runner leaves it: forms_service/letters/jobs.py)."""
    from forms_service import storage
    from forms_service.models import BulkLetterJob, utcnow

    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=STAFF[school][0]))
        key = storage.new_key("bulk")
        # A zip as the runner stores it, stored uncompressed so the marker can be read in the
        # download; all the letters for printing (issue 18) hold it too.
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("README.txt", job_marker(school))
            archive.writestr("all-letters-for-printing.pdf", job_marker(school))
        data = out.getvalue()
        now = utcnow()
        job = BulkLetterJob(school_id=user.school_id, created_by_id=user.id, form_id="model-letter", status="done",
                            done=1, total=1, summary={"letters": 1, "pupils": 1}, storage_key=key, size=len(data),
                            sha256=storage.put(key, data), created_at=now, finished_at=now,
                            expires_at=now + dt.timedelta(days=7))
        db.session.add(job)
        db.session.commit()
        return job.id


def screen_marker(la: str) -> str:
    """The UPN listed in an LA's screen (a download or page showing it is that LA's list)."""
    return f"SCREEN{la.upper()}0000001"[:13]


def _screen_job(app, la: str, email: str) -> int:
    """A finished LA-wide screen of the LA's first school listing one pupil, its list in storage as the runner
    leaves it (forms_service/cases/screen_jobs.py)."""
    import gzip
    import json

    from forms_service import storage
    from forms_service.models import ScreenJob, utcnow

    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email=email))
        school = db.session.scalar(select(School).filter_by(la_id=user.la_id).order_by(School.id))
        row = {"upn": screen_marker(la), "possible": 100, "attendance_pct": 50.0, "absence_pct": 50.0,
               "unauthorised_10wk": 50, "weeks_counted": 10, "late_marks_10wk": 0, "sickness_days": 0,
               "flags": ["penalty_notice"], "bands": []}
        kept = {"on": "2026-03-13", "profile": "national-2024", "pupils": 1, "schools": [[school.id, 1, 1]],
                "unknown": [], "rows": [[school.id, row, {"stage": None, "open_referral": None, "last_letter": None}]]}
        key = storage.new_key(f"la-screens/{user.la_id}")
        storage.put(key, gzip.compress(json.dumps(kept).encode()))
        now = utcnow()
        job = ScreenJob(la_id=user.la_id, created_by_id=user.id, status="done", code_set="2024", done=2, total=2,
                        stage="Done", summary={"on": "2026-03-13", "pupils": 1, "listed": 1}, crossings=[],
                        result_key=key, created_at=now, finished_at=now, expires_at=now + dt.timedelta(days=7))
        db.session.add(job)
        db.session.commit()
        return job.id


def build(client, app, states=STATES, schools=SCHOOLS) -> World:
    add_far_la(app)
    records = [_make(client, app, school, state) for school in schools for state in states]
    with app.app_context():
        school_ids = {key: db.session.scalar(select(School.id).filter_by(name=name))
                      for key, name in SCHOOL_NAMES.items()}
        users = dict(db.session.execute(select(User.email, User.id)).all())
    return World(records=records, school_ids=school_ids, users=users,
                 jobs={school: _bulk_job(app, school) for school in SCHOOLS},
                 screens={"demo": _screen_job(app, "demo", "officer@demo.la"),
                          "far": _screen_job(app, "far", "admin@far.test")})


def fingerprint(app) -> str:
    """Every row of every table, and every file in storage: equal fingerprints, nothing changed."""
    import hashlib
    from pathlib import Path

    digest = hashlib.sha256()
    with app.app_context():
        with db.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                for row in conn.execute(table.select().order_by(*table.primary_key.columns)):
                    digest.update(repr(tuple(row)).encode())
    root = Path(app.config["STORAGE_DIR"])
    for path in sorted(root.rglob("*")) if root.exists() else ():
        digest.update(f"{path.relative_to(root)}:{path.stat().st_size}".encode())
    return digest.hexdigest()


# --- what a browser enforcing a page's CSP would block -----------------------------------------

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def csp_problems(response, what: str) -> list[str]:
    """What a browser enforcing the page's own CSP would block on it: a script neither from
    /assets/ nor carrying this response's nonce, an inline event handler, and (unless the policy
    allows inline style, as the document preview's does) a style attribute or <style> block."""
    page = text(response)
    csp = response.headers["Content-Security-Policy"]
    nonce = m.group(1) if (m := re.search(r"'nonce-([^']+)'", csp)) else None
    problems = []
    for attrs, _ in SCRIPT.findall(page):
        src = re.search(r'\bsrc="([^"]+)"', attrs)
        if src:
            if not src.group(1).startswith("/assets/"):
                problems.append(f"{what}: a script from elsewhere: {src.group(1)}")
        elif nonce is None or f'nonce="{nonce}"' not in attrs:
            problems.append(f"{what}: an inline script without this response's nonce")
    if HANDLER.search(page):
        problems.append(f"{what}: an inline event handler attribute ({HANDLER.search(page).group(0)[:80]})")
    if "'unsafe-inline'" not in csp:
        if STYLE_ATTR.search(page):
            problems.append(f"{what}: a style attribute ({STYLE_ATTR.search(page).group(0)[:80]})")
        if re.search(r"<style\b", page, re.I):
            problems.append(f"{what}: a <style> block")
    return problems
