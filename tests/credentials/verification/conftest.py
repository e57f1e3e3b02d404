"""Reading and verifying a credential, without an app and with the network cut: any connection or name lookup
during a test fails it (parsing and verifying must never fetch a context, a badge or a key)."""

from __future__ import annotations

import socket

import pytest

from ila_sme.credentials import issuing


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def in_english():
    """Not here: tests/credentials' services read English through the app, and these tests make none."""


@pytest.fixture
def pinned_today():
    """Not here: tests/credentials pins the app's today, and these tests make no app."""


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every connection attempt is refused and recorded; a test that made one fails at teardown, even if the
    code under test caught the error."""
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args[1:] or kwargs))
        raise NetworkUsed(f"network used: {attempts[-1]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], f"the network was used: {attempts}"


@pytest.fixture(scope="session")
def issuer_key():
    return issuing.new_ed25519_key()


@pytest.fixture(scope="session")
def other_key():
    return issuing.new_ed25519_key()


@pytest.fixture(scope="session")
def p256_key():
    return issuing.new_p256_key()
