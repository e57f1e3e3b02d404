"""The learning account's balance, which a co-funding's account share may not exceed (``rules``).

The learning accounts sit above funding (they read its contributions), so funding cannot ask them: they
hand funding their reader when they are imported (``learning_accounts.services``). Until one is given the
balance is unknown, which the rules refuse as "refresh the account first"."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

Reader = Callable[[object], Decimal | None]  # employee -> balance as last reported by the register, or None
_reader: list[Reader] = []


def provide(reader: Reader) -> None:
    """Called once by the learning accounts at import: the reader funding asks from then on."""
    _reader[:] = [reader]


def balance_of(employee) -> Decimal | None:
    return _reader[0](employee) if _reader else None
