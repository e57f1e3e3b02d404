"""How an allocation was computed, kept as a message (``ila_sme.messages``) and said in the reader's language:
"5 d × 80 % × 10/12" becomes "5 d. × 80 % × 10/12" in Dutch and "5 j × 80 % × 10/12" in French when read."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from ila_sme.messages import day, message, number, register


def _plain(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _pro_rata(days, regimes):
    if len(regimes) == 1:
        pct, months = regimes[0]
        return _("%(days)s d × %(pct)s %% × %(months)s/12", days=number(days), pct=number(pct), months=months)
    parts = " + ".join(_("%(months)s × %(pct)s %%", months=months, pct=number(pct)) for pct, months in regimes)
    return _("%(days)s d × (%(parts)s) / 12", days=number(days), parts=parts)


register("schemes.pro_rata", _pro_rata)
register("schemes.vov_hours", lambda hours, pct, day_: _(
    "%(hours)s h × %(pct)s %% (%(day)s)", hours=number(hours), pct=number(pct), day=day(day_)))
register("schemes.vov_suggested", lambda hours, pct, day_: _(
    "%(hours)s h × %(pct)s %% (%(day)s), training the employer suggests", hours=number(hours), pct=number(pct),
    day=day(day_)))
register("schemes.vov_no_contract", lambda: _("no contract in this school year"))
register("schemes.vov_not_eligible", lambda pct, hours, day_, min_pct, min_hours: _(
    "not eligible: %(pct)s %%, %(hours)s h/week on %(day)s (minimum %(min_pct)s %%, %(min_hours)s h/week)",
    pct=number(pct), hours=number(hours), day=day(day_), min_pct=number(min_pct), min_hours=number(min_hours)))


def pro_rata(days: Decimal, regimes: list[Decimal]) -> dict:
    """days × (the sum of each month's regime) ÷ 12 in words: "5 d × 80 % × 10/12",
    "5 d × (6 × 100 % + 6 × 50 %) / 12" (months of one regime counted together, in their order)."""
    counted: dict[Decimal, int] = {}
    for pct in regimes:
        counted[pct] = counted.get(pct, 0) + 1
    if len(counted) <= 1:
        pct = next(iter(counted), Decimal("100"))
        pairs = [[_plain(pct), len(regimes)]]
    else:
        pairs = [[_plain(pct), months] for pct, months in counted.items()]
    return message("schemes.pro_rata", days=_plain(days), regimes=pairs)


def vov_hours(hours, pct, reference_day) -> dict:
    return message("schemes.vov_hours", hours=_plain(hours), pct=_plain(pct), day_=reference_day.isoformat())


def vov_suggested(hours, pct, reference_day) -> dict:
    return message("schemes.vov_suggested", hours=_plain(hours), pct=_plain(pct), day_=reference_day.isoformat())


def vov_no_contract() -> dict:
    return message("schemes.vov_no_contract")


def vov_not_eligible(terms, reference_day, values: dict) -> dict:
    return message("schemes.vov_not_eligible", pct=_plain(terms.employment_pct), hours=_plain(terms.hours_per_week),
                   day_=reference_day.isoformat(), min_pct=str(values["min_employment_pct"]),
                   min_hours=str(values["min_hours_per_week"]))
