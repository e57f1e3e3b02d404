"""What the export log says about one export, in the reader's language: each parameter and each total as
"label: value", amounts with their currency, days and hours with their unit (the log stores codes and plain
numbers, ``exports.log``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ila_sme.funding.models import SOURCE_LABELS
from ila_sme.messages import number as plain_number
from ila_sme.money import format_money
from ila_sme.web import babel_locale

PARAMETER_LABELS = {
    "period": _l("Period"), "source": _l("Source"), "format": _l("Format"), "language": _l("Language"),
    "separator": _l("Separator"), "school_year": _l("School year"), "employee_id": _l("Employee number"),
    "year": _l("Year"), "from": _l("From"), "to": _l("To"),
}
LANGUAGE_LABELS = {"nl": _l("Dutch"), "fr": _l("French"), "en": _l("English")}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "XLSX (Excel)", "pdf": "PDF"}
# The totals each kind of export logs, and how each is said.
MONEY, DAYS, HOURS, COUNT = "money", "days", "hours", "count"
TOTALS = {
    "overall": (_l("Total"), MONEY), "employees": (_l("Employees"), COUNT),
    "expected_refund": (_l("Expected refund"), MONEY), "hours": (_l("Hours"), HOURS),
    "entitlement": (_l("Entitlement"), DAYS), "used": (_l("Days followed"), DAYS),
    "carried_over": (_l("Carried over"), DAYS), "remaining": (_l("Remaining"), DAYS),
    "events": (_l("Events"), COUNT),
}
BUDGET = {"budget": _l("Granted"), "reserved": _l("Reserved"), "booked": _l("Booked"), "remaining": _l("Remaining")}


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def amount(value, how: str) -> str:
    """A logged number said with its unit; a value that is no number is shown as it was stored."""
    number = _number(value)
    if number is None:
        return str(value)
    if how == MONEY:
        return format_money(number, babel_locale())
    if how == DAYS:
        return _("%(amount)s days", amount=plain_number(number))
    if how == HOURS:
        return _("%(amount)s hours", amount=plain_number(number))
    return plain_number(number)


def parameters(entry) -> list[str]:
    lines = []
    for key, value in sorted((entry.parameters or {}).items()):
        if value in (None, ""):
            continue
        if key == "language":
            value = LANGUAGE_LABELS.get(value, value)
        elif key == "format":
            value = FORMAT_LABELS.get(value, value)
        elif key == "source":
            value = SOURCE_LABELS.get(value, value)
        lines.append(f"{PARAMETER_LABELS.get(key, key)}: {value}")
    return lines


def totals(entry) -> list[str]:
    lines = []
    stored = entry.totals or {}
    for key, (label, how) in TOTALS.items():
        if key in stored:
            lines.append(f"{label}: {amount(stored[key], how)}")
    for source, value in sorted((stored.get("per_source") or {}).items()):
        lines.append(f"{SOURCE_LABELS.get(source, source)}: {amount(value, MONEY)}")
    budget = stored.get("budget") or {}
    if budget:
        lines.append(_("Budget: %(position)s", position=", ".join(
            f"{label} {amount(budget[key], MONEY)}" for key, label in BUDGET.items() if key in budget)))
    return lines
