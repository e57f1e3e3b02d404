"""Money: integer cents in the database, Decimal in Python, Babel on screen. Never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

from ila_sme.locales import locale as babel_locale

CENT = Decimal("0.01")


def to_decimal(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {value!r}") from error


def to_cents(amount: Decimal) -> int:
    return int(to_decimal(amount) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_money(amount: Decimal, locale: str, currency: str = "EUR") -> str:
    """``Decimal('1234.56')`` in nl_BE -> '€ 1.234,56'."""
    return format_currency(to_decimal(amount), currency, locale=babel_locale(locale))
