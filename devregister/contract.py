"""The contract's data shapes, as this register reads them (../shared/ledger-api.md).

Written here on purpose rather than shared with the app: the development register is an independent
implementation of the contract, like the national register it stands in for, so a disagreement between
the app's client and the contract shows up in the tests instead of being hidden by shared code.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from stdnum.be import nn, vat

MAX_AMOUNT = Decimal("10000.00")
OPEN_MONTHS = 13
KINDS = ("top-up", "course-fee")
AMOUNT = re.compile(r"^\d+(\.\d+)?$")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_PERSON_IN_PATH = re.compile(r"/v1/persons/[^/\s]+")
_LONG_NUMBER = re.compile(r"\d{9,}")


class Refused(Exception):
    """A request the register refuses: becomes ``{"error": {"code", "message"}, **extra}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def valid_kbo(value) -> bool:
    return isinstance(value, str) and len(value) == 10 and value.isdigit() and value[0] in "01" and vat.is_valid(value)


def valid_insz(value) -> bool:
    """11 digits under the mod-97 check, the pre-2000 rule or the 2000+ one (python-stdnum checks both)."""
    return isinstance(value, str) and len(value) == 11 and value.isdigit() and nn.is_valid(value)


def to_cents(amount: Decimal) -> int:
    return int(amount * 100)


def money(cents: int) -> str:
    """Integer cents -> '150.00' / '-150.00' (exact: no float on the way)."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def amount(value) -> Decimal:
    """A contract amount: a positive decimal string with at most two decimals, at most 10000.00."""
    if not isinstance(value, str) or not AMOUNT.match(value):
        raise Refused(422, "invalid_amount", "amount is a positive decimal string such as \"150.00\".")
    try:
        parsed = Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the pattern already rules it out
        raise Refused(422, "invalid_amount", "amount is not a number.") from error
    if "." in value and len(value.split(".")[1]) > 2:
        raise Refused(422, "invalid_amount", "amount has at most two decimals.")
    if parsed <= 0:
        raise Refused(422, "invalid_amount", "amount must be more than 0.00.")
    if parsed > MAX_AMOUNT:
        raise Refused(422, "invalid_amount", "amount cannot exceed 10000.00.")
    return parsed


def utc(value: str) -> str:
    """RFC 3339 -> the register's own 'YYYY-MM-DDTHH:MM:SSZ' in UTC (comparable as text)."""
    if not STAMP.match(value):
        raise Refused(400, "invalid_request", "updated_since is an RFC 3339 time such as 2026-01-01T00:00:00Z.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise Refused(400, "invalid_request", "updated_since is not a valid time.") from error
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_shape(row) -> dict:
    """A stored entry as the contract shows it (money as a decimal string)."""
    return {
        "entry_id": row["entry_id"], "person_id": row["person_id"], "amount": money(row["amount_cents"]),
        "currency": row["currency"], "period": row["period"], "reference": row["reference"], "kind": row["kind"],
        "registry_id": row["registry_id"], "status": row["status"], "reverses": row["reverses"],
        "booked_at": row["booked_at"],
    }


def scrub(text: str) -> str:
    """The contract puts person ids (national numbers) in paths: text that is logged never shows them."""
    return _LONG_NUMBER.sub("[number]", _PERSON_IN_PATH.sub("/v1/persons/[person]", text))
