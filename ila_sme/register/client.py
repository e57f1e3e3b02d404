"""The one client of the national learning-account register (../shared/ledger-api.md), over httpx.

Money crosses the wire as decimal strings and becomes ``Decimal`` here; never a float. Errors
become ``RegisterError`` with the register's code and a message fit for a stored status.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
from flask import current_app

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
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass
class PersonAccount:
    person_id: str
    balance: Decimal
    public_credit: Decimal
    employer_contributions: Decimal
    spent: Decimal
    currency: str
    updated_at: str


class RegisterClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0, transport=None):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
                                  headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})

    @classmethod
    def for_employer(cls, employer) -> RegisterClient:
        token = employer.register_token or current_app.config.get("LEDGER_TOKEN") or ""
        return cls(current_app.config["LEDGER_URL"], token, timeout=current_app.config["LEDGER_TIMEOUT"])

    @classmethod
    def for_registry(cls) -> RegisterClient:
        """The training registry is public data: the platform's own token reads it."""
        return cls(current_app.config["LEDGER_URL"], current_app.config.get("LEDGER_TOKEN") or "",
                   timeout=current_app.config["LEDGER_TIMEOUT"])

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _get(self, path: str, params: dict | None = None) -> dict:
        try:
            response = self._http.get(path, params={k: v for k, v in (params or {}).items() if v is not None})
        except httpx.TimeoutException as error:
            raise RegisterError("the register did not answer in time") from error
        except httpx.TransportError as error:
            raise RegisterError(f"the register cannot be reached ({type(error).__name__})") from error
        if response.status_code >= 400:
            raise _error(response)
        try:
            return response.json()
        except ValueError as error:
            raise RegisterError("the register answered something that is not JSON",
                                status=response.status_code) from error

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


def _error(response: httpx.Response) -> RegisterError:
    try:
        body = response.json().get("error", {})
    except ValueError:
        body = {}
    retry_after = response.headers.get("Retry-After")
    return RegisterError(
        scrub(body.get("message") or f"the register answered {response.status_code}"),
        status=response.status_code, code=body.get("code"),
        retry_after=float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None,
    )
