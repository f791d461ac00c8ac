"""A local SMTP server that keeps every message it receives as a .eml file.

`make run` starts it so that sent packs can be opened and checked without a real mail server;
the tests use it as the real SMTP server on loopback. With `rcpt_reply` it refuses every
recipient with that answer (e.g. "550 5.1.1 Mailbox unavailable") to test failures.

    python -m forms_service.delivery.smtp_sink --port 8025 --dir var/mail
"""
from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import os
import secrets
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

DATA_SIZE_LIMIT = 200 * 1024 * 1024  # packs carry several 10 MB files; aiosmtpd's default is 32 MiB


class MailSink:
    """aiosmtpd handler: writes each message to `directory` as `<UTC timestamp>-<n>.eml`."""

    def __init__(self, directory: str | os.PathLike, rcpt_reply: str | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.rcpt_reply = rcpt_reply
        self.count = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.count += 1
            n = self.count
        # Trace headers as a delivering MTA adds them: the envelope is not in the message itself.
        trace = f"Return-Path: <{envelope.mail_from or ''}>\r\n"
        trace += "".join(f"Delivered-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos)
        content = envelope.original_content if envelope.original_content is not None else envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{n}.eml"
        # Written whole then renamed: a reader never sees half a message.
        tmp = self.directory / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            with open(tmp, "wb") as fh:
                fh.write(trace.encode("ascii", "replace") + content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            with self._lock:
                self.count -= 1
            return f"451 4.3.0 Could not store the message: {exc.strerror or exc}"
        return "250 Message accepted for delivery"


class SinkController(Controller):
    """A Controller that also accepts port 0 (the OS picks a free port; read `.port` after start)."""

    def _trigger_server(self):
        if self.port == 0 and self.server is not None and self.server.sockets:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

    @property
    def sink(self) -> MailSink:
        return self.handler

    @property
    def url(self) -> str:
        return f"smtp://{self.hostname}:{self.port}"


def start_sink(host: str = "127.0.0.1", port: int = 8025, directory: str | os.PathLike = "var/mail",
               *, rcpt_reply: str | None = None) -> SinkController:
    """Start the sink in a background thread; returns the running controller (stop it with `stop`)."""
    # A fixed server_hostname: the default looks up this machine's FQDN, which can stall on bad DNS.
    controller = SinkController(MailSink(directory, rcpt_reply), hostname=host, port=port,
                                server_hostname="forms-service-sink.localhost",
                                data_size_limit=DATA_SIZE_LIMIT)
    controller.start()
    return controller


def stop(controller: SinkController) -> None:
    controller.stop()


stop_sink = stop


def message_files(directory: str | os.PathLike) -> list[Path]:
    """The stored messages, oldest first (temporary files being written are not listed)."""
    return sorted(p for p in Path(directory).glob("*.eml") if not p.name.startswith("."))


def read_messages(directory: str | os.PathLike) -> list[EmailMessage]:
    """Every stored message, oldest first, parsed with the modern `email` policy.

    Files keep the wire format (CRLF line ends); they are parsed with LF ends so text parts read
    as they were written. Attachments are base64, so their bytes are not affected.
    """
    return [email.message_from_bytes(p.read_bytes().replace(b"\r\n", b"\n"), policy=email.policy.default)
            for p in message_files(directory)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local SMTP sink: keeps each message as a .eml file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", default="var/mail")
    args = parser.parse_args(argv)
    controller = start_sink(args.host, args.port, args.dir)
    print(f"SMTP sink listening on {controller.url}, writing to {Path(args.dir).resolve()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        stop(controller)


if __name__ == "__main__":
    main()
