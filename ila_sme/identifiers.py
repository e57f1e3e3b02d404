"""Belgian identifiers: enterprise number (KBO/BCE) and national number (INSZ/NISS).

Checks come from python-stdnum; this module only normalises, formats and masks.
A national number is sensitive: nothing here logs it, and ``mask_insz`` is what screens show.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import nn, vat


class InvalidIdentifier(ValueError):
    """Raised with a message fit to show the user."""


def normalise_kbo(value: str) -> str:
    """'0403.170.701', 'BE 0403170701' or '403170701' -> '0403170701'; raises InvalidIdentifier."""
    try:
        number = vat.validate(value or "")
    except stdnum_exceptions.ValidationError as error:
        raise InvalidIdentifier(_("Not a valid enterprise number (10 digits with a valid check).")) from error
    if number[0] not in "01":
        raise InvalidIdentifier(_("An enterprise number starts with 0 or 1."))
    return number


def format_kbo(number: str) -> str:
    """'0403170701' -> '0403.170.701'."""
    return f"{number[:4]}.{number[4:7]}.{number[7:]}" if number and len(number) == 10 else number or ""


def normalise_insz(value: str) -> str:
    """'85.07.30-033.28' -> '85073003328'; raises InvalidIdentifier (the message never repeats it)."""
    try:
        return nn.validate(value or "")
    except stdnum_exceptions.ValidationError as error:
        raise InvalidIdentifier(_("Not a valid national number (11 digits with a valid check).")) from error


def mask_insz(number: str | None) -> str:
    """Only the two check digits stay visible: '••.••.••-•••.28'."""
    if not number:
        return ""
    return f"••.••.••-•••.{number[-2:]}"


_INSZ_SEPARATORS = re.compile(r"[\s.\-/]")


def looks_like_insz(text: str | None) -> bool:
    """Eleven digits, with or without dots, dashes, slashes or spaces: treat it as a national number."""
    digits = _INSZ_SEPARATORS.sub("", text or "")
    return len(digits) == 11 and digits.isascii() and digits.isdigit()


def mask_typed_insz(text: str | None) -> str:
    """What someone typed as a national number, masked like a stored one (even when it is not valid)."""
    digits = re.sub(r"[^0-9]", "", text or "")
    return mask_insz(digits) if len(digits) >= 2 else "••.••.••-•••.••"


def make_kbo(base: int) -> str:
    """A valid enterprise number from up to 8 digits (check = 97 - base mod 97): demo and test data."""
    return f"{base:08d}{97 - base % 97:02d}"


def make_insz(born: date, serial: int) -> str:
    """A valid national number for a birth date and a serial (001-997): demo and test data."""
    first9 = f"{born:%y%m%d}{serial:03d}"
    base = int(("2" if born.year >= 2000 else "") + first9)
    return f"{first9}{97 - base % 97:02d}"
