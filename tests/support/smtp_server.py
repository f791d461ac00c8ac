"""A real SMTP server on loopback for tests (aiosmtpd, via forms_service.delivery.smtp_sink).

    from support.smtp_server import running_sink, smtp_sink, free_port   # smtp_sink is a fixture

`running_sink(..., handler=StallingSink(...))` is a server that never answers DATA, so that a test
can kill a sender in the middle of sending (tests/test_faults.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from forms_service.delivery.outbox import deliver_due
from forms_service.delivery.smtp_sink import (DATA_SIZE_LIMIT, MailSink, SinkController, message_files, read_messages,
                                              start_sink, stop)


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _port_block() -> range:
    """This test process's own ports: below the kernel's ephemeral range (so no `bind(port 0)`, and no
    client socket, anywhere on the machine is given one), split between pytest-xdist workers so
    that two workers never pick the same one."""
    high = _ephemeral_low()
    low = 20000 if high > 21000 else 10000
    workers = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1), 1)
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    size = (high - low) // workers
    if size < 50:  # an unusual kernel setting: no room below the ephemeral range
        raise RuntimeError(f"ip_local_port_range starts at {high}: the tests need ports below it")
    return range(low + index * size, low + (index + 1) * size)


_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port that nothing listens on, never handed out before in this run.

    An OS-picked free port is not enough: once released it is back in the ephemeral pool, and under
    pytest-xdist another worker's sink (bound to port 0) could take it while this test still means
    it to be dead, or about to be its own (seen in CI: a stalling sink received another test's mail).
    """
    block = _port_block()
    for port in block:
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use by something else on the machine
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port left in {block}")


class RunningSink:
    def __init__(self, controller: SinkController, directory: Path):
        self.controller = controller
        self.directory = directory

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        """Messages accepted so far (each was on disk before the server said 250)."""
        return self.controller.sink.count

    def files(self) -> list[Path]:
        return message_files(self.directory)

    def messages(self) -> list[EmailMessage]:
        return read_messages(self.directory)

    def stop(self) -> None:
        if self.controller is not None:
            stop(self.controller)
            self.controller = None


class StallingSink(MailSink):
    """Takes the message, then never answers DATA: the sender sits waiting for the reply, as it
    would on a slow or hung server, until it is killed or gives up (its handler is cancelled when
    the connection goes). `decide(n)` picks, for the n-th message (from 1):
      "hold": stall without keeping the message (the server never got it);
      "keep": keep it on disk, then stall (the server has it, the sender never hears so);
      "accept": keep it and answer 250 at once, as a working server does.
    """

    STALL_SECONDS = 120  # longer than any test waits; a stopped server cancels the wait

    def __init__(self, directory, decide: Callable[[int], str] = lambda n: "hold"):
        super().__init__(directory)
        self.decide = decide
        self.entered = 0  # DATA commands begun
        self.peers_in_data: set[int] = set()  # the client ports of senders waiting for the reply now
        self._data_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._released: asyncio.Event | None = None
        self.release_reply = "451 4.3.0 Try again later"

    def release(self, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer every stalled DATA, and every one after, with `reply` (from any thread)."""
        self.release_reply = reply
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._released.set)

    @property
    def in_data(self) -> int:
        return len(self.peers_in_data)

    async def handle_DATA(self, server, session, envelope):
        peer = session.peer[1]
        with self._data_lock:
            self.entered += 1
            self.peers_in_data.add(peer)
            n = self.entered
        try:
            action = self.decide(n)
            if action in ("keep", "accept"):
                reply = await super().handle_DATA(server, session, envelope)
                if action == "accept" or not reply.startswith("250"):
                    return reply
            if self._loop is None:
                self._loop, self._released = asyncio.get_running_loop(), asyncio.Event()
            try:
                await asyncio.wait_for(self._released.wait(), self.STALL_SECONDS)
            except asyncio.TimeoutError:
                pass
            return self.release_reply
        finally:
            with self._data_lock:
                self.peers_in_data.discard(peer)


def _start(directory: Path, port: int, rcpt_reply: str | None, handler: MailSink | None) -> SinkController:
    if handler is None:
        return start_sink("127.0.0.1", port, directory, rcpt_reply=rcpt_reply)
    controller = SinkController(handler, hostname="127.0.0.1", port=port,
                                server_hostname="forms-service-sink.localhost", data_size_limit=DATA_SIZE_LIMIT)
    controller.start()
    return controller


@contextlib.contextmanager
def running_sink(directory: Path, port: int = 0, *, rcpt_reply: str | None = None, handler: MailSink | None = None):
    """A sink on 127.0.0.1:`port` (0: any free port) keeping messages in `directory`; with `handler`
    (e.g. a StallingSink) that handler answers, and keeps messages in its own directory."""
    directory = Path(handler.directory if handler is not None else directory)
    sink = RunningSink(_start(directory, port, rcpt_reply, handler), directory)
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink(tmp_path):
    with running_sink(tmp_path / "mail") as sink:
        yield sink


class Mailbox:
    """What the sink received since the last look, after the outbox worker's round (the journeys
    that read each email as it is sent: tests/test_turn_emails.py, test_password_reset.py)."""

    def __init__(self, app, sink):
        self.app, self.sink, self.seen = app, sink, 0

    def new(self) -> list:
        with self.app.app_context():
            deliver_due()
        messages = self.sink.messages()
        fresh, self.seen = messages[self.seen:], len(messages)
        return fresh


def attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    """[(filename, content type, bytes)] of a received message, in order."""
    return [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in message.iter_attachments()]
