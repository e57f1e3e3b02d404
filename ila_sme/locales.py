"""Babel's locales and number patterns, parsed once per process instead of once per formatted value.

A page formats hundreds of amounts, dates and quantities; each Babel call given a locale *name* parses it again
(``Locale.parse``: ~20 µs, the largest part of formatting one amount). A ``Locale`` is immutable once loaded, so
one per name serves every request and thread. The same holds for a number pattern such as ``#,##0.##``.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern


@lru_cache(maxsize=32)
def _parsed(name: str) -> Locale:
    return Locale.parse(name)


def locale(name: str | Locale) -> Locale:
    """The Babel ``Locale`` of ``name`` ('nl_BE', 'fr', 'en-BE'); a ``Locale`` is returned as it is."""
    return name if isinstance(name, Locale) else _parsed(str(name))


@lru_cache(maxsize=32)
def number_pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def format_number(value, pattern: str, name: str | Locale) -> str:
    """``babel.numbers.format_decimal(value, format=pattern, locale=name)``, without parsing either again."""
    return number_pattern(pattern).apply(value, locale(name))
