"""Small readers shared by the format mappers: values that may be a string, a language map, a list or a node."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

PREFERRED_LANGUAGES = ("en", "nl", "fr", "de")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]+)*|und")


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def types_of(node) -> set[str]:
    if not isinstance(node, dict):
        return set()
    return {t for t in as_list(node.get("type", node.get("@type"))) if isinstance(t, str)}


def node(value) -> dict:
    """The first object in ``value`` (an object, or a list of them), else an empty dict."""
    for item in as_list(value):
        if isinstance(item, dict):
            return item
    return {}


def text(value) -> str | None:
    """A plain string from a string, a language map ({"en": "…"} or {"en": ["…"]}), a JSON-LD value object,
    an ELM Note (noteLiteral), a Concept (prefLabel) or a list of those: the first non-empty one."""
    for item in as_list(value):
        found = None
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            found = str(item)
        elif isinstance(item, dict):
            if "@value" in item:
                found = text(item["@value"])
            elif "noteLiteral" in item:
                found = text(item["noteLiteral"])
            elif "prefLabel" in item:
                found = text(item["prefLabel"])
            elif "title" in item:
                found = text(item["title"])
            elif item and all(_LANGUAGE_TAG.fullmatch(key) and key not in ("id", "url") for key in item):
                for key in [key for key in PREFERRED_LANGUAGES if key in item] + sorted(item):
                    found = text(item[key])
                    if found:
                        break
        if found and found.strip():
            return found.strip()
    return None


def texts(value) -> list[str]:
    out = []
    for item in as_list(value):
        found = text(item)
        if found and found not in out:
            out.append(found)
    return out


def parse_datetime(value) -> datetime | None:
    """An ISO 8601 date-time (``Z`` or an offset; naive ones are read as UTC) or a date; None if unreadable."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(raw[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value) -> date | None:
    """The calendar date the issuer wrote (its own offset), not shifted to UTC."""
    parsed = parse_datetime(value)
    return parsed.date() if parsed else None


def decimal(value) -> Decimal | None:
    """A non-negative finite Decimal from a number or a string ("2,5" too); floats go through their repr."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, dict):
        return decimal(value.get("@value", value.get("point", value.get("value"))))
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0:
        return None
    return number.to_integral_value() if number == number.to_integral_value() else number


def eqf_level(value) -> int | None:
    """1–8 from 4, "4", "EQF level 4", "Level 6" or a URI like http://data.europa.eu/snb/eqf/4."""
    for item in as_list(value):
        if isinstance(item, dict):
            found = eqf_level(item.get("id")) or eqf_level(item.get("prefLabel")) or eqf_level(item.get("targetCode"))
        elif isinstance(item, bool):
            found = None
        elif isinstance(item, int):
            found = item
        elif isinstance(item, str):
            match = re.search(r"(?:^|/|level\s*|\b)([1-8])\s*$", item.strip(), flags=re.IGNORECASE)
            found = int(match.group(1)) if match else None
        else:
            found = None
        if found is not None and 1 <= found <= 8:
            return found
    return None


_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+(?:[.,]\d+)?)W|(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?)$"
)


def duration_hours(value) -> Decimal | None:
    """Hours in an ISO 8601 duration (PT45H, PT1H30M, P2DT12H; a day counts 24 hours, a week 168).
    Years and months have no fixed length: None."""
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT"):
        return None
    parts = {key: Decimal((raw or "0").replace(",", ".")) for key, raw in match.groupdict().items()}
    hours = (parts["weeks"] * 168 + parts["days"] * 24 + parts["hours"] + parts["minutes"] / 60
             + parts["seconds"] / 3600).quantize(Decimal("0.01"))
    return hours.to_integral_value() if hours == hours.to_integral_value() else hours.normalize()


def boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "ja", "oui", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "nee", "non", "0"):
        return False
    return None


def identifier(value) -> str | None:
    """The id of a node given as a string or as an object with an ``id``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        return identifier(value.get("id", value.get("@id")))
    return None


def country_code(value) -> str | None:
    """NL from "NL", or IRL from http://publications.europa.eu/resource/authority/country/IRL."""
    for item in as_list(value):
        raw = identifier(item) if isinstance(item, dict) else item
        if isinstance(raw, str) and raw.strip():
            code = raw.strip().rstrip("/").rsplit("/", 1)[-1]
            if re.fullmatch(r"[A-Za-z]{2,3}", code):
                return code.upper()
    return None
