"""Sign-in limits that count failed attempts only, and that an attacker cannot turn against a user.

Three counters, each a ``limits`` rate limit on the storage of ``RATELIMIT_STORAGE_URI`` (Redis in
production, so every gunicorn worker counts together; memory otherwise):

- per account and address together (``LOGIN_LIMIT_PER_PAIR``, tight): guessing from one address
  stops quickly, and the owner signing in from another address is not refused;
- per address (``LOGIN_LIMIT_PER_ADDRESS``): one address trying many accounts;
- per account from every address (``LOGIN_LIMIT_PER_ACCOUNT``, slow): distributed guessing.

Only a real failed attempt counts (a password that was checked and refused): a malformed form, a
refusal because a limit is reached, or a server error never does. The account is identified by a
hash of its normalised e-mail, whether the account exists or not.
"""

from __future__ import annotations

import hashlib
import logging

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES

from ila_sme.accounts.models import normalise_email

log = logging.getLogger(__name__)

_EXTENSION = "ila_login_throttle"


class _Throttle:
    """The counters' storage and strategy of one app (created when the accounts blueprint is registered)."""

    def __init__(self, app) -> None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        self.storage = storage_from_string(uri, **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}))
        self.strategy = STRATEGIES[app.config.get("RATELIMIT_STRATEGY") or "fixed-window"](self.storage)
        self.prefix = (app.config.get("RATELIMIT_KEY_PREFIX") or "") + "ila-sign-in"


def init_app(app) -> None:
    app.extensions[_EXTENSION] = _Throttle(app)


class SignInAttempt:
    """One sign-in attempt: ``blocked()`` before checking the password, then ``failed()`` or ``succeeded()``."""

    def __init__(self, email: str, address: str | None) -> None:
        account = hashlib.sha256(normalise_email(email).encode()).hexdigest()
        address = address or "unknown"
        throttle: _Throttle = current_app.extensions[_EXTENSION]
        self._strategy = throttle.strategy
        config = current_app.config
        self._counters = [
            (parse(config["LOGIN_LIMIT_PER_PAIR"]), (throttle.prefix, "pair", account, address)),
            (parse(config["LOGIN_LIMIT_PER_ADDRESS"]), (throttle.prefix, "address", address)),
            (parse(config["LOGIN_LIMIT_PER_ACCOUNT"]), (throttle.prefix, "account", account)),
        ]
        self._enabled = bool(config.get("RATELIMIT_ENABLED", True))

    def blocked(self) -> bool:
        """True when any counter is used up: the password is then not even checked."""
        if not self._enabled:
            return False
        try:
            return not all(self._strategy.test(limit, *key) for limit, key in self._counters)
        except Exception:  # noqa: BLE001 - the storage is down: sign-ins go on (argon2 still slows guessing)
            log.exception("sign-in limits: the rate-limit storage cannot be read")
            return False

    def failed(self) -> None:
        """A password was checked and refused: every counter takes one."""
        if not self._enabled:
            return
        try:
            for limit, key in self._counters:
                self._strategy.hit(limit, *key)
        except Exception:  # noqa: BLE001 - as in blocked()
            log.exception("sign-in limits: the rate-limit storage cannot be written")

    def succeeded(self) -> None:
        """The owner signed in from this address: the failures of this pair are forgotten."""
        if not self._enabled:
            return
        limit, key = self._counters[0]
        try:
            self._strategy.clear(limit, *key)
        except Exception:  # noqa: BLE001 - as in blocked()
            log.exception("sign-in limits: the rate-limit storage cannot be written")
