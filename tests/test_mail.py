"""Mail goes through a real SMTP server when MAIL_SERVER is set, else to the outbox folder."""

from __future__ import annotations

import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from ila_sme.mail import send_mail


class Collect(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_smtp_delivery(app, smtp_server):
    controller, handler = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    with app.test_request_context():
        send_mail("nora@example.be", "Uitnodiging", "Klik hier: http://127.0.0.1:5000/x")
    for _ in range(50):
        if handler.messages:
            break
        time.sleep(0.05)
    assert len(handler.messages) == 1
    received = handler.messages[0]
    assert received["To"] == "nora@example.be" and received["Subject"] == "Uitnodiging"
    assert "http://127.0.0.1:5000/x" in received.get_payload(decode=True).decode()


def test_outbox_without_smtp(app, outbox):
    with app.test_request_context():
        send_mail("nora@example.be", "Reset", "Link: http://127.0.0.1:5000/reset")
    files = outbox()
    assert len(files) == 1
    assert b"Subject: Reset" in files[0].read_bytes()
