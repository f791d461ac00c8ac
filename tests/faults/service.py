"""The service as it runs in production, as separate processes (`forms-service worker` and
`forms-service serve`), and a small HTTP client with cookies to talk to it over loopback."""
from __future__ import annotations

import http.cookiejar
import json as json_lib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from conftest import LA_INBOX
from support.helpers import csrf

_SCRIPT = Path(sys.executable).with_name("forms-service")
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "forms_service.cli"]


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll `condition` (reading the database afresh each time) until true; fail after `timeout`."""
    from forms_service.models import db

    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # a new transaction: see what the other processes committed
        if condition():
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def service_env(app, **settings) -> dict:
    """The environment of a process working on the same database and storage as the test's `app`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEMO_MODE", "SMTP_URL", "DATABASE_URL")}
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "STORAGE_DIR": app.config["STORAGE_DIR"],
        "VAR_DIR": str(Path(app.config["STORAGE_DIR"]).parent / "var"),
        "SECRET_KEY": app.config["SECRET_KEY"],
        "LA_INBOX": LA_INBOX,
        "MAIL_FROM": app.config["MAIL_FROM"],
        "PYTHONUNBUFFERED": "1",
        # No daily digests from these workers (tests/test_reminders.py tests them): they would add emails to
        # what a fault test counts, and their first round would load the cases.
        "DIGEST_HOUR": "off",
    })
    env.update({k: str(v) for k, v in settings.items()})
    return env


class Process:
    """One `forms-service …` process; its output goes to a file (a pipe nobody reads could block it)."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(COMMAND + args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.alive, f"{self.proc.args} exited:\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"no {text!r} from {self.proc.args}:\n{self.output()[-3000:]}"
            time.sleep(0.05)

    def local_ports(self) -> set[int]:
        """The local ports of the process's TCP connections (Linux /proc): which worker holds which
        connection to a test's SMTP server."""
        inodes = set()
        try:
            for fd in os.listdir(f"/proc/{self.proc.pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{self.proc.pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:  # gone
            return set()
        ports = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as fh:
                for line in fh.readlines()[1:]:
                    fields = line.split()
                    if fields[9] in inodes:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        return ports

    def kill(self) -> bool:
        """SIGKILL: no handler runs, nothing is cleaned up. True if it was still running."""
        was_alive = self.alive
        if was_alive:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        return was_alive

    def stop(self) -> None:
        """SIGTERM (the worker finishes its message, waitress closes), then SIGKILL if it lingers."""
        if self.alive:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@dataclass
class Response:
    status: int
    body: str
    headers: dict
    seconds: float  # how long the answer took

    def json(self):
        return json_lib.loads(self.body)


class Http:
    """A browser-like client over real HTTP: keeps cookies, follows redirects, never raises on 4xx/5xx."""

    def __init__(self, base: str, timeout: float = 60):
        self.base = base.rstrip("/")
        self.timeout = timeout  # only so that a hang fails the test instead of stalling the run
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, method: str, path: str, *, form: dict | None = None, json: dict | None = None,
                headers: dict | None = None) -> Response:
        data, headers = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json is not None:
            data = json_lib.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        start = time.monotonic()
        try:
            with self.opener.open(request, timeout=self.timeout) as reply:
                return Response(reply.status, reply.read().decode(errors="replace"), dict(reply.headers),
                                time.monotonic() - start)
        except urllib.error.HTTPError as reply:
            return Response(reply.code, reply.read().decode(errors="replace"), dict(reply.headers),
                            time.monotonic() - start)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Response:
        return self.request("POST", path, **kwargs)

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/sign-in")
        assert page.status == 200, page.status
        done = self.post("/sign-in", form={"csrf_token": csrf(page.body), "email": email, "password": password})
        assert done.status == 200 and "Sign out" in done.body, (done.status, done.body[:500])

    def token(self, email: str, password: str) -> dict:
        reply = self.post("/api/v1/auth/token", json={"email": email, "password": password})
        assert reply.status == 200, reply.body
        return {"Authorization": f"Bearer {reply.json()['token']}"}


def start_service(env: dict, log: Path, port: int) -> tuple[Process, Http]:
    """`forms-service serve` (waitress, worker in-process) on `port`, once /healthz answers 200."""
    service = Process(["serve", "--port", str(port)], env, log)
    http = Http(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            if http.get("/healthz").status == 200:
                return service, http
        except OSError:
            pass
        assert service.alive, service.output()[-3000:]
        assert time.monotonic() < deadline, "the service did not start:\n" + service.output()[-3000:]
        time.sleep(0.1)
