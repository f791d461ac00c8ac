"""A real SMTP server on loopback for tests (aiosmtpd, via forms_service.smtp_sink).

    from smtp_server import running_sink, smtp_sink, free_port   # smtp_sink is a fixture
"""
from __future__ import annotations

import contextlib
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest

from forms_service.smtp_sink import SinkController, message_files, read_messages, start_sink, stop


def free_port() -> int:
    """A loopback port that nothing listens on (the OS picked it free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


@contextlib.contextmanager
def running_sink(directory: Path, port: int = 0, *, rcpt_reply: str | None = None):
    """A sink on 127.0.0.1:`port` (0: any free port) keeping messages in `directory`."""
    sink = RunningSink(start_sink("127.0.0.1", port, directory, rcpt_reply=rcpt_reply), Path(directory))
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink(tmp_path):
    with running_sink(tmp_path / "mail") as sink:
        yield sink


def attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    """[(filename, content type, bytes)] of a received message, in order."""
    return [(part.get_filename(), part.get_content_type(), part.get_content())
            for part in message.iter_attachments()]
