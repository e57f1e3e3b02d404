"""A real SMTP server on loopback (aiosmtpd) that can refuse a recipient and counts its sessions.

Use the ``smtp`` fixture by importing it: ``from tests.support.smtp import smtp  # noqa: F401``."""

from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message


class Collect(Message):
    """Keeps every message; refuses a recipient listed in ``refuse`` with 550; counts the SMTP sessions."""

    def __init__(self):
        super().__init__()
        self.messages = []
        self.refuse: set[str] = set()
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.handler = Collect()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int) -> list:
        for _ in range(100):
            if len(self.handler.messages) >= count:
                break
            time.sleep(0.05)
        return self.handler.messages


@pytest.fixture
def smtp(app):
    """A server on a free port, not started yet; the app sends to it (plain SMTP, no sign-in)."""
    server = SmtpServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_USERNAME=None)
    yield server
    server.stop()

