"""The funding rules of domain.md, as pure checks. Each refusal says which rule and by how much.

All sources together never exceed the training's cost; each source's own caps hold; vouchers never
together with employer payment or with the SME wallet on one training. The numbers come from the
employer's policy and from the versioned "funding" parameters (vouchers, SME wallet).

The law looks at one person's TRAINING, not at one request: what the other requests of the same person
for the same training still hold (pending or approved: ``Context.earlier``, read by the services) counts
with this split against the cost, against each source's share of the cost, and in the vouchers' bans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from babel.dates import format_date
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import ngettext

from ila_sme.employers.models import SizeBand
from ila_sme.funding.models import Kind, Source
from ila_sme.money import CENT, format_money, to_decimal

ZERO = Decimal("0.00")


def amount(value) -> Decimal:
    """An amount as given, as a Decimal: never a float, and NOT rounded, so that ``check`` can refuse
    more than two decimals instead of silently changing what was asked. Two decimals are added when
    there are fewer (``10`` -> ``10.00``)."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    if value is None or (isinstance(value, str) and not value.strip()):
        value = 0
    try:
        result = Decimal(str(value).strip())
        if not result.is_finite():
            raise InvalidOperation
        rounded = result.quantize(CENT)
    except InvalidOperation as error:  # not a number, infinite, or too large to hold in cents
        raise ValueError(f"not an amount: {value!r}") from error
    return rounded if result == rounded else result


def share_of(cost: Decimal, pct) -> Decimal:
    """``pct`` % of ``cost``, rounded DOWN to the cent: a share "at most 30 %" never exceeds 30 %."""
    return (cost * Decimal(str(pct)) / 100).quantize(CENT, rounding=ROUND_DOWN)


@dataclass
class Split:
    """How a cost is shared. Every amount is a Decimal in euros, two decimals, ≥ 0."""

    account: Decimal = ZERO
    employer: Decimal = ZERO
    vouchers: Decimal = ZERO
    sme_wallet: Decimal = ZERO
    other: Decimal = ZERO

    def __post_init__(self):
        for source in Source:
            setattr(self, source.value, amount(getattr(self, source.value)))

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, source.value) for source in Source), ZERO)

    def parts(self) -> dict[str, Decimal]:
        return {source.value: getattr(self, source.value) for source in Source if getattr(self, source.value) > 0}


@dataclass(frozen=True)
class Earlier:
    """Another request of the same person for the same training that still holds (pending, waiting for an
    admin, or approved): its number, the day it was asked and its parts (source -> Decimal euros)."""

    number: int
    asked_on: date
    parts: dict[str, Decimal]

    def part(self, source: str) -> Decimal:
        return self.parts.get(source, ZERO)

    @property
    def total(self) -> Decimal:
        return sum(self.parts.values(), ZERO)


@dataclass
class Context:
    """What the rules need to know besides the split itself."""

    kind: str
    cost: Decimal
    policy: object | None  # CofundingPolicy of the year, or None
    size_band: SizeBand
    training: object | None
    funding_values: dict | None  # the "funding" parameters in force, or None outside their region
    employer_this_year: Decimal = ZERO  # employer parts already granted or asked for this employee this year
    vouchers_this_school_year: Decimal = ZERO
    sme_wallet_this_year: Decimal = ZERO  # the employer's, across its staff
    account_balance: Decimal | None = None  # as last reported by the register; None: unknown
    budget_left: Decimal | None = None  # budget minus reserved and booked; None: not checked here
    earlier: list[Earlier] = field(default_factory=list)  # the same person's other requests for this training
    problems: list[str] = field(default_factory=list)

    def earlier_with(self, source: str) -> list[Earlier]:
        return [request for request in self.earlier if request.part(source) > 0]

    def earlier_part(self, source: str) -> Decimal:
        return sum((request.part(source) for request in self.earlier), ZERO)

    def __post_init__(self):
        self.cost = amount(self.cost)


def _m(amount: Decimal, locale: str) -> str:
    return format_money(amount, locale)


def _requests(earlier: list[Earlier], locale: str, source: str | None = None) -> str:
    """"#12 of 2 March 2026 (€750.00) and #13 of …": each request with what it holds in all (or of ``source``)."""
    return format_list([
        _("#%(number)s of %(date)s (%(amount)s)", number=request.number,
          date=format_date(request.asked_on, "long", locale=locale),
          amount=_m(request.total if source is None else request.part(source), locale))
        for request in earlier], locale=locale)


def check(split: Split, ctx: Context, locale: str = "en_BE") -> list[str]:
    """Every rule the split breaks, in plain language with the amount it is over."""
    problems: list[str] = []

    def over(limit: Decimal, asked: Decimal) -> str:
        return _m(asked - limit, locale)

    if ctx.cost < 0:
        return [_("The cost cannot be negative.")]
    given = [getattr(split, source.value) for source in Source]
    if any(value < 0 for value in given):
        return [_("Amounts cannot be negative.")]
    if any(value != value.quantize(CENT) for value in [*given, ctx.cost]):
        return [_("Amounts have at most two decimals.")]
    combined = split.total + sum((request.total for request in ctx.earlier), ZERO)
    if ctx.earlier and combined > ctx.cost:
        problems.append(ngettext(
            "With request %(requests)s this training would be funded %(total)s, %(over)s above its cost of "
            "%(cost)s.",
            "With requests %(requests)s this training would be funded %(total)s, %(over)s above its cost of "
            "%(cost)s.", len(ctx.earlier), requests=_requests(ctx.earlier, locale), total=_m(combined, locale),
            over=over(ctx.cost, combined), cost=_m(ctx.cost, locale)))
    elif split.total > ctx.cost:
        problems.append(_("All sources together (%(total)s) exceed the cost (%(cost)s) by %(over)s.",
                          total=_m(split.total, locale), cost=_m(ctx.cost, locale), over=over(ctx.cost, split.total)))
    if ctx.kind == Kind.TOP_UP and set(split.parts()) - {Source.EMPLOYER}:
        problems.append(_("A top-up is paid by the employer alone."))
    if ctx.kind == Kind.COURSE_FEE and ctx.training is None:
        problems.append(_("A course fee is for one training: choose it."))

    if split.employer > 0:
        problems += _employer_rules(split, ctx, locale, over)
    if split.vouchers > 0:
        problems += _voucher_rules(split, ctx, locale, over)
    if split.sme_wallet > 0:
        problems += _sme_wallet_rules(split, ctx, locale, over)
    problems += _bans_across_requests(split, ctx, locale)
    if split.account > 0:
        if ctx.training is None or not (ctx.training.from_registry and ctx.training.eligible_ila):
            problems.append(_("The learning account only pays trainings of the registry marked eligible for it."))
        if ctx.account_balance is None:
            problems.append(_("The learning account's balance is not known yet: refresh the account first."))
        elif split.account > ctx.account_balance:
            problems.append(_("The learning account holds %(balance)s; this asks %(over)s more.",
                              balance=_m(ctx.account_balance, locale), over=over(ctx.account_balance, split.account)))
    return problems


def _employer_rules(split: Split, ctx: Context, locale: str, over) -> list[str]:
    policy = ctx.policy
    if policy is None:
        return [_("Your employer has no co-funding policy for this year.")]
    problems = []
    if not policy.gives(ctx.kind):
        problems.append(_("Your employer does not give this kind of co-funding."))
    if ctx.kind == Kind.COURSE_FEE:
        share_limit = share_of(ctx.cost, policy.max_share_pct)
        pct = f"{Decimal(policy.max_share_pct).normalize():f}"
        earlier = ctx.earlier_with(Source.EMPLOYER)
        paid = split.employer + ctx.earlier_part(Source.EMPLOYER)
        if earlier and paid > share_limit:
            problems.append(ngettext(
                "The employer pays at most %(pct)s %% of the cost (%(limit)s); with request %(requests)s it would "
                "pay %(paid)s: %(over)s too much.",
                "The employer pays at most %(pct)s %% of the cost (%(limit)s); with requests %(requests)s it would "
                "pay %(paid)s: %(over)s too much.", len(earlier), pct=pct, limit=_m(share_limit, locale),
                requests=_requests(earlier, locale, Source.EMPLOYER), paid=_m(paid, locale),
                over=over(share_limit, paid)))
        elif split.employer > share_limit:
            problems.append(_("The employer pays at most %(pct)s %% of the cost (%(limit)s): %(over)s too much.",
                              pct=pct, limit=_m(share_limit, locale), over=over(share_limit, split.employer)))
    cap_left = policy.cap_per_employee - ctx.employer_this_year
    if split.employer > cap_left:
        problems.append(_("The cap per employee is %(cap)s a year and %(used)s is already granted or asked: "
                          "%(over)s too much.", cap=_m(policy.cap_per_employee, locale),
                          used=_m(ctx.employer_this_year, locale), over=over(cap_left, split.employer)))
    if ctx.budget_left is not None and split.employer > ctx.budget_left:
        problems.append(_("The co-funding budget has %(left)s left: %(over)s too much.",
                          left=_m(max(ctx.budget_left, ZERO), locale), over=over(ctx.budget_left, split.employer)))
    return problems


def _voucher_rules(split: Split, ctx: Context, locale: str, over) -> list[str]:
    if ctx.funding_values is None:
        return [_("Training vouchers do not apply to this employer's region.")]
    problems = []
    if split.employer > 0:
        problems.append(_("Training vouchers cannot be used when the employer pays the training."))
    if split.sme_wallet > 0:
        problems.append(_("Training vouchers and the SME wallet cannot meet on one training."))
    cap = to_decimal(ctx.funding_values["voucher_cap_per_school_year"])
    left = cap - ctx.vouchers_this_school_year
    if split.vouchers > left:
        problems.append(_("Training vouchers reach at most %(cap)s a school year (%(used)s used): %(over)s too much.",
                          cap=_m(cap, locale), used=_m(ctx.vouchers_this_school_year, locale),
                          over=over(left, split.vouchers)))
    return problems


def _sme_wallet_rules(split: Split, ctx: Context, locale: str, over) -> list[str]:
    values = ctx.funding_values
    if values is None:
        return [_("The SME wallet does not apply to this employer's region.")]
    if ctx.size_band == SizeBand.LARGE:
        return [_("The SME wallet is for small and medium-sized enterprises only.")]
    key = "sme_wallet_share_medium_pct" if ctx.size_band == SizeBand.MEDIUM else "sme_wallet_share_small_pct"
    share = Decimal(str(values[key]))
    share_limit = share_of(ctx.cost, share)
    problems = []
    earlier = ctx.earlier_with(Source.SME_WALLET)
    paid = split.sme_wallet + ctx.earlier_part(Source.SME_WALLET)
    if earlier and paid > share_limit:
        problems.append(ngettext(
            "The SME wallet pays at most %(pct)s %% of the cost (%(limit)s); with request %(requests)s it would "
            "pay %(paid)s: %(over)s too much.",
            "The SME wallet pays at most %(pct)s %% of the cost (%(limit)s); with requests %(requests)s it would "
            "pay %(paid)s: %(over)s too much.", len(earlier), pct=f"{share.normalize():f}",
            limit=_m(share_limit, locale), requests=_requests(earlier, locale, Source.SME_WALLET),
            paid=_m(paid, locale), over=over(share_limit, paid)))
    elif split.sme_wallet > share_limit:
        problems.append(_("The SME wallet pays at most %(pct)s %% of the cost (%(limit)s): %(over)s too much.",
                          pct=f"{share.normalize():f}", limit=_m(share_limit, locale),
                          over=over(share_limit, split.sme_wallet)))
    ceiling = to_decimal(values["sme_wallet_ceiling_per_year"])
    left = ceiling - ctx.sme_wallet_this_year
    if split.sme_wallet > left:
        problems.append(_("The SME wallet reaches at most %(cap)s a year per company (%(used)s used): "
                          "%(over)s too much.", cap=_m(ceiling, locale), used=_m(ctx.sme_wallet_this_year, locale),
                          over=over(left, split.sme_wallet)))
    return problems


def _bans_across_requests(split: Split, ctx: Context, locale: str) -> list[str]:
    """Vouchers never meet employer money or the SME wallet on one training, also when they are asked for in
    different requests (within one request: ``_voucher_rules``)."""
    problems = []
    if split.vouchers > 0:
        if earlier := ctx.earlier_with(Source.EMPLOYER):
            problems.append(ngettext(
                "Training vouchers cannot be used on this training: the employer pays it in request %(requests)s.",
                "Training vouchers cannot be used on this training: the employer pays it in requests %(requests)s.",
                len(earlier), requests=_requests(earlier, locale, Source.EMPLOYER)))
        if earlier := ctx.earlier_with(Source.SME_WALLET):
            problems.append(ngettext(
                "Training vouchers cannot be used on this training: request %(requests)s uses the SME wallet for it.",
                "Training vouchers cannot be used on this training: requests %(requests)s use the SME wallet for it.",
                len(earlier), requests=_requests(earlier, locale, Source.SME_WALLET)))
    if earlier := ctx.earlier_with(Source.VOUCHERS):
        if split.employer > 0:
            problems.append(ngettext(
                "The employer cannot pay this training: request %(requests)s uses training vouchers for it.",
                "The employer cannot pay this training: requests %(requests)s use training vouchers for it.",
                len(earlier), requests=_requests(earlier, locale, Source.VOUCHERS)))
        if split.sme_wallet > 0:
            problems.append(ngettext(
                "The SME wallet cannot be used on this training: request %(requests)s uses training vouchers for it.",
                "The SME wallet cannot be used on this training: requests %(requests)s use training vouchers for it.",
                len(earlier), requests=_requests(earlier, locale, Source.VOUCHERS)))
    return problems
