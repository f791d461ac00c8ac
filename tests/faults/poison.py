"""A message whose sending kills the worker every time (tests/test_delivery.py): an SMTP server that
works for every message but one, and a supervisor that kills the worker sending that one and starts
another, as systemd would restart a worker that died of it (out of memory, a crash in a library).
"""
from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path

from faults.service import Process

from forms_service.delivery.smtp_sink import MailSink


class PoisonSink(MailSink):
    """Keeps and accepts every message except the one whose Message-ID is `poison_id`: when that one's
    DATA arrives, the server notes the sender's port and never answers, so the supervisor can kill the
    sender in the middle of sending it. `seen` lists the Message-IDs in the order their DATA arrived.
    Set `poison_id` to None to let it through (the cause fixed)."""

    STALL_SECONDS = 120  # longer than any test waits; a closed connection or a stopped server ends it

    def __init__(self, directory, poison_id: str):
        super().__init__(directory)
        self.poison_id: str | None = poison_id
        self.seen: list[str] = []
        self.poison_senders: queue.Queue[int] = queue.Queue()  # client ports sending the poison now
        self._seen_lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        message_id = BytesHeaderParser(policy=default).parsebytes(content)["Message-ID"]
        with self._seen_lock:
            self.seen.append(message_id)
        if message_id != self.poison_id:
            return await super().handle_DATA(server, session, envelope)
        self.poison_senders.put(session.peer[1])
        await asyncio.sleep(self.STALL_SECONDS)
        return "451 4.3.0 Try again later"


class Supervisor:
    """Runs one `forms-service worker` at a time with `env`; whenever the sink has the poison message in
    DATA, SIGKILLs the worker holding that connection and starts a new one. Use as a context manager:
    a worker still running at the end is stopped (or killed, if the test failed)."""

    def __init__(self, env: dict, logs: Path, sink: PoisonSink):
        self.env, self.logs, self.sink = env, logs, sink
        self.started = 0
        self.kills: list[float] = []  # seconds after run() began, one per kill
        self.worker: Process | None = None

    def _start(self) -> None:
        self.started += 1
        self.worker = Process(["worker"], self.env, self.logs / f"worker-{self.started}.log")

    def run(self, done: Callable[[], bool], timeout: float) -> float:
        """Supervise until `done()`; returns the seconds it took. Fails after `timeout` seconds."""
        begun = time.monotonic()
        self._start()
        while not done():
            assert time.monotonic() - begun < timeout, "timed out: " + self.worker.output()[-3000:]
            assert self.worker.alive, "the worker exited by itself:\n" + self.worker.output()[-3000:]
            try:
                port = self.sink.poison_senders.get(timeout=0.1)
            except queue.Empty:
                continue
            # The worker that is sending the poison message (one worker at a time: this one).
            assert port in self.worker.local_ports(), (port, self.worker.local_ports())
            assert self.worker.kill()
            self.kills.append(time.monotonic() - begun)
            self._start()
        return time.monotonic() - begun

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, exc_type, *_) -> None:
        if self.worker is not None:
            if exc_type is None:
                self.worker.stop()  # SIGTERM: it stops after the current message
                assert self.worker.proc.returncode == 0, self.worker.output()[-3000:]
            else:
                self.worker.kill()
