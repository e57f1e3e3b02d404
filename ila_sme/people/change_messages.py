"""The changes of someone's working life that recalculate their rights, as messages (``ila_sme.messages``):
the ledger's recalculation rows and the notices name them in the reader's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from ila_sme.messages import day, message, number, register


def _end(value: str | None) -> str:
    return day(value) if value else _("open-ended")


register("people.regime_changed", lambda pct, hours, from_: _(
    "work regime %(pct)s %% (%(hours)s h a week) from %(day)s", pct=number(pct), hours=number(hours),
    day=day(from_)))
register("people.contract_corrected", lambda start, end, old_start, old_end: _(
    "contract from %(start)s to %(end)s (was %(old_start)s to %(old_end)s)", start=day(start), end=_end(end),
    old_start=day(old_start), old_end=_end(old_end)))
register("people.contract_added", lambda start, end: _(
    "contract from %(start)s to %(end)s", start=day(start), end=_end(end)))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def regime_changed(pct: Decimal, hours: Decimal, valid_from: date) -> dict:
    return message("people.regime_changed", pct=str(pct), hours=str(hours), from_=valid_from.isoformat())


def contract_corrected(starts_on: date, ends_on: date | None, old_start: date, old_end: date | None) -> dict:
    return message("people.contract_corrected", start=starts_on.isoformat(), end=_iso(ends_on),
                   old_start=old_start.isoformat(), old_end=_iso(old_end))


def contract_added(starts_on: date, ends_on: date | None) -> dict:
    return message("people.contract_added", start=starts_on.isoformat(), end=_iso(ends_on))
