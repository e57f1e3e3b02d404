"""The one client of the national learning-account register (../shared/ledger-api.md), over httpx.

Money crosses the wire as decimal strings and becomes ``Decimal`` here; never a float. Errors
become ``RegisterError`` with the register's code and a message fit for a stored status.

One retry policy for every request: a 429/503, a timeout or a dropped connection is retried with
exponential backoff and full jitter, never earlier than the register's ``Retry-After``, and only while
the run's time budget lasts. A retry sends the very same bytes (body and ``Idempotency-Key``), so a
booking whose answer was lost is answered ``200`` with the original entry, never booked twice. When
the next attempt would end past the budget, ``RegisterError(retryable=True)`` leaves the rest for the
next run. A client without a budget makes one attempt (the screens' reads: no one waits on a retry).

A run over many employers (the nightly reconciliation) opens one ``RegisterPool``: one httpx client, its
connections kept alive from one employer to the next, and a light ``RegisterClient`` per employer that
sends that employer's token. TLS settings are built once per process, not once per client.
"""

from __future__ import annotations

import json
import logging
import random
import re
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    import httpx

_PERSON_IN_PATH = re.compile(r"/v1/persons/[^/\s]+")
_LONG_NUMBER = re.compile(r"\d{9,}")


def scrub(text: str) -> str:
    """Remove national numbers from text that may be logged or stored: a person id is an INSZ."""
    return _LONG_NUMBER.sub("[number]", _PERSON_IN_PATH.sub("/v1/persons/[person]", text))


class _ScrubPersonIds(logging.Filter):
    """httpx logs every request line at INFO; the account path carries the person's INSZ."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        return True


for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_ScrubPersonIds())


class RegisterError(Exception):
    """``retryable``: the register could not answer now (429/503, timeout, dropped connection); the same
    request may be sent again later with the same key. ``entry_id``: the existing entry of a
    ``409 duplicate_reference``."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 retry_after: float | None = None, retryable: bool = False, entry_id: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.retryable = retryable
        self.entry_id = entry_id


RETRY_STATUSES = (429, 503)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: the n-th wait is uniform in [0, min(cap, base * 2**(n-1))],
    and never shorter than the register's Retry-After."""

    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        jittered = rng.uniform(0, ceiling)
        return max(retry_after or 0.0, jittered)


@dataclass
class PersonAccount:
    person_id: str
    balance: Decimal
    public_credit: Decimal
    employer_contributions: Decimal
    spent: Decimal
    currency: str
    updated_at: str


@cache
def _tls() -> ssl.SSLContext:
    """The certificate store, read once per process (httpx reads it for every client it makes: ~50 ms)."""
    import httpx  # with rich and pygments: loaded when the register is called, not at the app's start

    return httpx.create_ssl_context()


def _http_client(base_url: str, timeout: float, transport=None) -> httpx.Client:
    import httpx

    return httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport, verify=_tls(),
                        headers={"Accept": "application/json"})


class RegisterClient:
    """The register as one employer (or the platform) sees it: ``token`` goes with every request. ``http``: an
    httpx client shared with others (a ``RegisterPool``'s), which ``close()`` leaves open."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0, transport=None,
                 budget_seconds: float | None = None, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None, http: httpx.Client | None = None):
        self._own_http = http is None
        self._http = _http_client(base_url, timeout, transport) if http is None else http
        self._authorization = f"Bearer {token}"
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep, self._clock, self._rng = sleep, clock, rng or random.Random()
        self.deadline: float | None = None
        self.more = True  # entry_pages: another page follows the one just given
        if budget_seconds is not None:
            self.set_budget(budget_seconds)

    def set_budget(self, seconds: float | None) -> None:
        """From now on, retry only while ``seconds`` last (None: one attempt per request, no retry)."""
        self.deadline = None if seconds is None else self._clock() + seconds

    @classmethod
    def for_employer(cls, employer, **options) -> RegisterClient:
        token = employer.register_token or current_app.config.get("LEDGER_TOKEN") or ""
        return cls(current_app.config["LEDGER_URL"], token, timeout=current_app.config["LEDGER_TIMEOUT"], **options)

    @classmethod
    def for_registry(cls) -> RegisterClient:
        """The training registry is public data: the platform's own token reads it."""
        return cls(current_app.config["LEDGER_URL"], current_app.config.get("LEDGER_TOKEN") or "",
                   timeout=current_app.config["LEDGER_TIMEOUT"])

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _get(self, path: str, params: dict | None = None) -> dict:
        return self._request("GET", path, params={k: v for k, v in (params or {}).items() if v is not None})[1]

    def _request(self, method: str, path: str, *, params: dict | None = None, body: dict | None = None,
                 headers: dict | None = None) -> tuple[int, dict]:
        """One request under the retry policy; the body is encoded once, so every retry sends the same bytes."""
        import httpx

        content = None
        headers = {**(headers or {}), "Authorization": self._authorization}
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            attempt += 1
            timeout = self.timeout
            if self.deadline is not None:
                timeout = min(timeout, max(self.deadline - self._clock(), 0.001))
            try:
                response = self._http.request(method, path, params=params, content=content, headers=headers,
                                              timeout=timeout)
            except httpx.TimeoutException as error:
                failure, cause = RegisterError("the register did not answer in time", retryable=True), error
            except httpx.TransportError as error:
                failure = RegisterError(f"the register cannot be reached ({type(error).__name__})", retryable=True)
                cause = error
            else:
                if response.status_code < 400:
                    return response.status_code, self._json(response)
                failure, cause = _error(response), None
                if response.status_code not in RETRY_STATUSES:
                    raise failure
            wait = self.retry.delay(attempt, failure.retry_after, self._rng)
            if self.deadline is None or self._clock() + wait >= self.deadline:
                raise failure from cause  # retryable: the rest waits for the next run
            self._sleep(wait)

    @staticmethod
    def _json(response: httpx.Response) -> dict:
        try:
            return response.json()
        except ValueError as error:
            raise RegisterError("the register answered something that is not JSON",
                                status=response.status_code) from error

    def book_contribution(self, payload: dict, idempotency_key: str) -> dict:
        """POST /v1/contributions: the entry (201 booked now, 200 the replay of the same key and body).
        Raises RegisterError: 409 ``idempotency_conflict`` / ``duplicate_reference`` (with ``entry_id``), 422 …"""
        status, entry = self._request("POST", "/v1/contributions", body=payload,
                                      headers={"Idempotency-Key": idempotency_key})
        if not isinstance(entry, dict) or not entry.get("entry_id"):
            raise RegisterError("the register's booking answer lacks the entry id", status=status)
        return entry

    def entry_pages(self, employer_id: str, period: str | None = None, *,
                    page_size: int = 500) -> Iterator[list[dict]]:
        """The employer's entries (of one period) page by page, in booking order, reversals included:
        one page in memory at a time."""
        cursor = None
        while True:
            page = self._get(f"/v1/employers/{employer_id}/entries",
                             {"period": period, "cursor": cursor, "limit": page_size})
            entries = page.get("entries")
            if not isinstance(entries, list):
                raise RegisterError("the register's entries answer lacks its list of entries")
            cursor = page.get("next_cursor")
            self.more = bool(cursor)  # another page follows (known before the caller takes this one)
            yield entries
            if not cursor:
                return

    def entries(self, employer_id: str, period: str | None = None, *, page_size: int = 500) -> Iterator[dict]:
        """Every entry of the employer (of one period), reversals included, following ``next_cursor``."""
        for page in self.entry_pages(employer_id, period, page_size=page_size):
            yield from page

    def reverse(self, entry_id: str, reason: str, idempotency_key: str) -> dict:
        """POST /v1/contributions/{entry_id}/reversal: the reversal entry (201, or 200 for the same key
        replayed). Raises RegisterError: 409 ``already_reversed``, 404, 403 …"""
        status, entry = self._request("POST", f"/v1/contributions/{entry_id}/reversal", body={"reason": reason},
                                      headers={"Idempotency-Key": idempotency_key})
        if not isinstance(entry, dict) or not entry.get("entry_id"):
            raise RegisterError("the register's reversal answer lacks the entry id", status=status)
        return entry

    def entry(self, employer_id: str, *, entry_id: str | None = None, reference: str | None = None,
              period: str | None = None) -> dict | None:
        """The employer's original (not reversal) entry with this id or reference; None when there is none."""
        for found in self.entries(employer_id, period):
            if found.get("reverses"):
                continue
            if (entry_id and found.get("entry_id") == entry_id) or (reference and found.get("reference") == reference):
                return found
        return None

    def trainings(self, *, updated_since: str | None = None, page_size: int = 500) -> Iterator[dict]:
        """Every training changed since ``updated_since``, following ``next_cursor`` page by page."""
        cursor = None
        while True:
            page = self._get("/v1/trainings", {"updated_since": updated_since, "cursor": cursor, "limit": page_size})
            yield from page.get("trainings", [])
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def person_account(self, person_id: str) -> PersonAccount:
        data = self._get(f"/v1/persons/{person_id}/account")
        try:
            return PersonAccount(
                person_id=data["person_id"], balance=Decimal(data["balance"]),
                public_credit=Decimal(data["public_credit"]),
                employer_contributions=Decimal(data["employer_contributions"]), spent=Decimal(data["spent"]),
                currency=data.get("currency", "EUR"), updated_at=data["updated_at"],
            )
        except (KeyError, ArithmeticError, TypeError) as error:
            raise RegisterError("the register's account answer lacks a field") from error


class RegisterPool:
    """One connection pool to the register for a run over many employers (made once, closed at the end):
    ``for_employer`` gives each employer its client, which shares the pool's connections."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, transport=None, client_class=RegisterClient):
        self.base_url, self.timeout, self.client_class = base_url, timeout, client_class
        self._http = _http_client(base_url, timeout, transport)

    @classmethod
    def from_config(cls) -> RegisterPool:
        return cls(current_app.config["LEDGER_URL"], timeout=current_app.config["LEDGER_TIMEOUT"])

    def for_employer(self, employer, **options) -> RegisterClient:
        token = employer.register_token or current_app.config.get("LEDGER_TOKEN") or ""
        return self.client_class(self.base_url, token, timeout=self.timeout, http=self._http, **options)

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _error(response: httpx.Response) -> RegisterError:
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    body = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    retry_after = response.headers.get("Retry-After")
    entry_id = answer.get("entry_id")
    return RegisterError(
        scrub(body.get("message") or f"the register answered {response.status_code}"),
        status=response.status_code, code=body.get("code"),
        retry_after=float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None,
        retryable=response.status_code in RETRY_STATUSES,
        entry_id=entry_id if isinstance(entry_id, str) else None,
    )
