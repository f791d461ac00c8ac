"""HTTP under load, served as the README says to deploy: gunicorn in front of the app, PostgreSQL
(SQLite with --database sqlite), and `forms-service worker` for delivery. wrk (Debian's package)
drives 20 concurrent connections on loopback for a bounded time at a form page, the check-your-
answers page (which runs the eligibility rules), the eligibility API with a full-year register and
the child's case page for a child with 20 records (issue 22: every record, what is due, the weekly chart);
it reports requests/s and p50/p95/p99. Then the peak RSS of each gunicorn worker and of a delivery
worker that has sent the signed packs.

    .venv/bin/python benchmarks/http_load.py [--seconds 10] [--connections 20] [--workers 3] [--only case] [--json]

Load generator and server share this machine's cores, so the figures are a floor for a real
deployment where they do not.
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from forms_service import create_app
from forms_service.access.accounts import create_demo_data
from forms_service.database import upgrade
from forms_service.formatting import local_today

from common import ROOT, print_table
from support.helpers import json_data, make_pdf, register_json_for
from support.records import LETTER, SAMPLES, Pupil, for_pupil

BIN = Path(sys.executable).parent
PASSWORD = "benchmark-password-2026"
POSTGRES_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

WRK_REPORT = r"""
wrk.method = os.getenv("WRK_METHOD") or "GET"
wrk.body = os.getenv("WRK_BODY_FILE") and io.open(os.getenv("WRK_BODY_FILE")):read("*a") or nil
for name, value in string.gmatch(os.getenv("WRK_HEADERS") or "", "([^\n:]+): ([^\n]+)") do
  wrk.headers[name] = value
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the service did not answer on port {port}")


def database(kind: str) -> tuple[str, callable]:
    """A fresh database URL, and how to drop it afterwards."""
    if kind == "sqlite":
        tmp = tempfile.mkdtemp(prefix="bench-db-")
        return f"sqlite:///{tmp}/forms.sqlite3", lambda: shutil.rmtree(tmp, ignore_errors=True)
    name = f"forms_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def seed(env: dict, packs: int) -> dict:
    """Demo users, one draft request to load pages of, and `packs` signed requests for the worker."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "STORAGE_DIR": env["STORAGE_DIR"],
                      "SECRET_KEY": env["SECRET_KEY"], "SMTP_URL": env["SMTP_URL"], "TESTING": True,
                      "MFA_KEY": (env["MFA_KEY"],)})
    upgrade(app)
    with app.app_context():
        create_demo_data(PASSWORD, "legal-interventions@la.invalid")
    client = app.test_client()

    def token(email):
        body = {"email": email, "password": PASSWORD}
        if email in ("head@demo.school", "officer@demo.la"):  # MFA_REQUIRED_ROLES: the demo's authenticator code
            body["totp"] = pyotp.TOTP(app.config["DEMO_TOTP_SECRET"]).now()
        got = client.post("/api/v1/auth/token", json=body)
        return {"Authorization": f"Bearer {got.get_json()['token']}"}
    office, head = token("office@demo.school"), token("head@demo.school")
    data = json_data()
    body = {"form": "penalty-notice-leave", "data": data, "register": register_json_for(data)}
    draft = client.post("/api/v1/referrals", headers=office, json=body).get_json()["id"]
    for n in range(packs):
        # A child of their own each: sessions a signed request relied on are not counted again.
        pupil = Pupil("Bench", f"Pupil{n:04d}", f"B{80120045000 + n:011d}7", "2013-03-02")
        child = for_pupil(data, pupil)
        rid = client.post("/api/v1/referrals", headers=office, json={
            "form": "penalty-notice-leave", "data": child, "register": register_json_for(child)}).get_json()["id"]
        for kind in ("leave_request", "warning_letter", "registration_certificate"):
            client.post(f"/api/v1/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                        data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")})
        submitted = client.post(f"/api/v1/referrals/{rid}/submit", headers=office)
        assert submitted.status_code == 200, submitted.get_json()
        signed = client.post(f"/api/v1/referrals/{rid}/sign", headers=head,
                             json={"name": "Harriet Head", "declaration": True})
        assert signed.status_code == 200, signed.get_json()
    case = child_with_records(client, office, head, token("officer@demo.la"), CASE_RECORDS)
    with app.app_context():
        from forms_service.models import db
        db.engine.dispose()
    return {"draft": draft, "case": case, "office_token": office["Authorization"], "eligibility_body": {
        "data": data, "register": register_json_for(data)}}


CASE_RECORDS = 20
CASE_CHILD = Pupil("Casey", "Benchmark", "C801200450997", "2013-03-02")


def child_with_records(client, office: dict, head: dict, officer: dict, count: int) -> int:
    """One child with `count` records at the school, as a case builds up (issue 22's budget: "a child with 20
    records"): a leave request with a full-year register, signed, accepted by the LA and a penalty notice issued on
    it; more leave requests with their registers left as drafts; and Final Warning letters (the same child by name
    and date of birth). Returns the signed request's id, whose case page is loaded."""
    data = for_pupil(json_data(), CASE_CHILD)
    created = []
    for n in range(count):
        if n % 2 == 0:  # every other record a request with its register, the rest letters
            body = {"form": "penalty-notice-leave", "data": data, "register": register_json_for(data)}
        else:
            letter = for_pupil(json.loads((SAMPLES / f"{LETTER}.json").read_text(encoding="utf-8")), CASE_CHILD,
                               original=("Maisie", "Turner"))
            body = {"form": LETTER, "data": letter}
        answer = client.post("/api/v1/referrals", headers=office, json=body)
        assert answer.status_code == 201, answer.get_json()
        created.append(answer.get_json()["id"])
    rid = created[0]
    for kind in ("leave_request", "warning_letter", "registration_certificate"):
        client.post(f"/api/v1/referrals/{rid}/evidence", headers=office, content_type="multipart/form-data",
                    data={"kind": kind, "file": (io.BytesIO(make_pdf(f"Evidence: {kind}")), f"{kind}.pdf")})
    assert client.post(f"/api/v1/referrals/{rid}/submit", headers=office).status_code == 200
    signed = client.post(f"/api/v1/referrals/{rid}/sign", headers=head, json={"name": "Harriet Head",
                                                                             "declaration": True})
    assert signed.status_code == 200, signed.get_json()
    assert client.post(f"/api/v1/referrals/{rid}/decision", headers=officer, json={"decision": "accept"}) \
        .status_code == 200
    parent = data["parents"][0]["name"]
    issued = client.post(f"/api/v1/referrals/{rid}/notices", headers=officer,
                         json={"kind": "penalty_notice", "parent": parent, "issued_on": local_today().isoformat()})
    assert issued.status_code == 201, issued.get_json()
    return rid


def sign_in(port: int, email: str) -> str:
    """A browser's sign-in: the form's CSRF token and cookie, then the credentials; returns the Cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/sign-in")
    page = conn.getresponse()
    html = page.read().decode()
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    form = urllib.parse.urlencode({"csrf_token": token.group(1) or token.group(2), "email": email,
                                   "password": PASSWORD})
    conn.request("POST", "/sign-in", body=form, headers={"Cookie": cookie,
                                                         "Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    answer.read()
    if answer.status != 302:
        raise SystemExit(f"sign-in failed: {answer.status}")
    return answer.getheader("Set-Cookie").split(";", 1)[0]


def wrk(port: int, path: str, seconds: int, connections: int, script: Path, *, headers: dict,
        body: bytes | None = None) -> dict:
    env = {**os.environ, "WRK_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items())}
    if body is not None:
        body_file = script.with_suffix(".body")
        body_file.write_bytes(body)
        env.update(WRK_METHOD="POST", WRK_BODY_FILE=str(body_file))
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                          "-s", str(script), f"http://127.0.0.1:{port}{path}"],
                         env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.split("WRK_JSON ", 1)[1].splitlines()[0])
    result["requests_per_s"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    return result


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024, 1)


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def http_rows(seconds: int, connections: int, workers: int, kind: str, packs: int,
              only: str | None = None) -> list[dict]:
    """`only`: load just the targets whose name contains it (the case page alone: --only case)."""
    if shutil.which("wrk") is None:
        return [{"name": "HTTP load", "anchor": "skipped: wrk not found (apt-get install wrk)"}]
    url, drop = database(kind)
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    smtp_port, port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": url, "STORAGE_DIR": str(tmp / "storage"), "SECRET_KEY": uuid.uuid4().hex,
           "MFA_KEY": Fernet.generate_key().decode(),
           "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "WORKER_POLL_SECONDS": "0.5"}
    procs = []
    try:
        seeded = seed(env, packs)
        gunicorn = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                     "--log-level", "warning", "forms_service.wsgi:app"], env=env)
        procs.append(gunicorn)
        wait_for(port)
        cookie = sign_in(port, "office@demo.school")
        script = tmp / "report.lua"
        script.write_text(WRK_REPORT)
        draft = seeded["draft"]
        targets = [
            ("page: a form page (GET /referrals/<id>/pages/pupil)", f"/referrals/{draft}/pages/pupil",
             {"Cookie": cookie}, None, "pages p95 <= 100 ms"),
            ("page: check your answers, rules run (GET /referrals/<id>/check)", f"/referrals/{draft}/check",
             {"Cookie": cookie}, None, "pages p95 <= 100 ms"),
            ("API: eligibility, full-year register (POST /api/v1/eligibility/…)",
             "/api/v1/eligibility/penalty-notice-leave",
             {"Authorization": seeded["office_token"], "Content-Type": "application/json"},
             json.dumps(seeded["eligibility_body"]).encode(), "interactive"),
            (f"page: the child's case, {CASE_RECORDS} records (GET /referrals/<id>/case)",
             f"/referrals/{seeded['case']}/case", {"Cookie": cookie}, None, "pages p95 <= 100 ms"),
        ]
        rows = []
        for name, path, headers, body, anchor in [t for t in targets if not only or only in t[0]]:
            got = wrk(port, path, seconds, connections, script, headers=headers, body=body)
            rows.append({"name": name, "requests_per_s": got["requests_per_s"], "p50_ms": got["p50_us"] / 1000,
                         "p95_ms": got["p95_us"] / 1000, "p99_ms": got["p99_us"] / 1000,
                         "errors": got["errors"], "non_2xx": got["non_2xx"], "anchor": anchor})
        web_rss = [peak_rss_mb(pid) for pid in children(gunicorn.pid)]

        # The delivery worker: start an SMTP sink, let one worker send every signed pack, read its peak.
        sink = subprocess.Popen([str(BIN / "forms-service"), "smtp-sink", "--port", str(smtp_port),
                                 "--dir", str(tmp / "mail")], env=env)
        procs.append(sink)
        worker = subprocess.Popen([str(BIN / "forms-service"), "worker"], env=env)
        procs.append(worker)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list((tmp / "mail").glob("*.eml"))) < packs:
            time.sleep(0.2)
        sent = len(list((tmp / "mail").glob("*.eml")))
        worker_rss = peak_rss_mb(worker.pid)
        rows.append({"name": f"peak RSS: each gunicorn worker after the load ({workers} workers)",
                     "value": f"{min(web_rss)}–{max(web_rss)} MB", "rss_mb": web_rss, "anchor": ""})
        rows.append({"name": f"peak RSS: delivery worker after sending {sent} of {packs} packs",
                     "value": f"{worker_rss} MB", "rss_mb": worker_rss, "anchor": ""})
        return rows
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


def print_http(rows: list[dict], seconds: int, connections: int) -> None:
    print(f"\nHTTP ({connections} concurrent connections, {seconds} s each, wrk and server on this machine)")
    width = max(len(r["name"]) for r in rows)
    print(f"  {'measure'.ljust(width)}  {'req/s':>7}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}  anchor")
    for r in rows:
        if "requests_per_s" in r:
            errors = f"; {r['errors']} errors, {r['non_2xx']} non-2xx" if r["errors"] or r["non_2xx"] else ""
            print(f"  {r['name'].ljust(width)}  {r['requests_per_s']:>7}  {r['p50_ms']:>7.1f}  {r['p95_ms']:>7.1f}"
                  f"  {r['p99_ms']:>7.1f}  {r['anchor']}{errors}")
        else:
            print(f"  {r['name'].ljust(width)}  {r.get('value', '')}  {r['anchor']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--packs", type=int, default=10)
    ap.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--only", help="load only the targets whose name contains this (e.g. case)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = http_rows(args.seconds, args.connections, args.workers, args.database, args.packs, args.only)
    print_http(rows, args.seconds, args.connections)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
