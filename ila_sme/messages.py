"""Texts kept as a message id and its parameters, said in the reader's language when read (the reason of a
leave-ledger row, the change that recalculated a right): the database never freezes the language of whoever
wrote the row.

A feature registers the texts of its messages when it is imported (``register("leave.carried_over_to",
lambda period: _("carried over to %(period)s", period=period))``); ``message`` makes the stored form (JSON:
numbers as strings, dates in ISO form, a nested message as its own stored form); ``say`` says it now. A plain
string passes through as it is (text a person typed, or a row written before messages existed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from ila_sme.web import babel_locale

_TEXTS: dict[str, Callable[..., str]] = {}


def register(code: str, text: Callable[..., str]) -> None:
    _TEXTS[code] = text


def message(code: str, **args) -> dict:
    """The stored form of a message; ``code`` must be registered (a typo fails when the row is written)."""
    if code not in _TEXTS:
        raise KeyError(f"no message {code!r} is registered")
    return {"id": code, "args": args}


def is_message(value) -> bool:
    return isinstance(value, dict) and "id" in value


def say(value) -> str:
    """A stored message in the current locale; a string as it is; None as ''. An id no longer registered
    shows the id rather than fail."""
    if value is None:
        return ""
    if not is_message(value):
        return str(value)
    text = _TEXTS.get(value["id"])
    return str(text(**(value.get("args") or {}))) if text is not None else str(value["id"])


def number(value) -> str:
    """A stored number ("12.50", 80) in the reader's notation: 12,5 in Dutch."""
    return format_decimal(Decimal(str(value)), format="#,##0.##", locale=babel_locale())


def day(value) -> str:
    """A stored ISO date in the reader's notation."""
    return format_date(date.fromisoformat(value), "medium", locale=babel_locale()) if value else ""
