"""The `forms-service` command as a newcomer meets it: `serve` on the embedded default (what
`make run` starts) answers /healthz and prints the URL and logins; accounts are made by the CLI."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

from click.testing import CliRunner

from forms_service.cli import main

from support.smtp_server import free_port


def test_serve_starts_on_the_embedded_default(tmp_path):
    port, sink_port = free_port(), free_port()
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "DEMO_MODE": "1", "PORT": str(port),
           "SMTP_SINK_PORT": str(sink_port), "DEMO_PASSWORD": "a-demo-password-for-tests"}
    env.pop("DATABASE_URL", None)
    env.pop("SMTP_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "forms_service.cli", "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "service did not become ready"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=5) as response:
            assert "Sign in" in response.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/assets/govuk-frontend.min.css", timeout=5) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output
    assert "office@demo.school" in output and "a-demo-password-for-tests" in output
    assert f"smtp://127.0.0.1:{sink_port}" in output
    assert (tmp_path / "var" / "forms.sqlite3").exists()


def test_accounts_from_the_command_line(tmp_path):
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
           "NEW_USER_PASSWORD": "a long enough password"}
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["db-upgrade"]).exit_code == 0
    result = runner.invoke(main, ["create-la", "--name", "Southend-on-Sea", "--inbox", "legal@la.test",
                                  "--profile", "southend"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["create-la", "--name", "X", "--inbox", "x@la.test", "--profile", "nowhere"]).exit_code != 0
    assert runner.invoke(main, ["create-school", "--name", "Example Primary", "--la", "Southend-on-Sea"]).exit_code == 0
    result = runner.invoke(main, ["create-user", "--email", "Head@Example.org", "--name", "A Head", "--role",
                                  "headteacher", "--school", "Example Primary"])
    assert result.exit_code == 0, result.output
    assert "head@example.org" in result.output
    result = runner.invoke(main, ["create-user", "--email", "admin@la.test", "--name", "An Admin", "--role", "admin"])
    assert result.exit_code != 0 and "belongs to a local authority" in result.output
