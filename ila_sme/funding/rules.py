"""The funding rules of domain.md, as pure checks. Each refusal says which rule and by how much.

All sources together never exceed the training's cost; each source's own caps hold; vouchers never
together with employer payment or with the SME wallet on one training. The numbers come from the
employer's policy and from the versioned "funding" parameters (vouchers, SME wallet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from flask_babel import gettext as _

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
    problems: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.cost = amount(self.cost)


def _m(amount: Decimal, locale: str) -> str:
    return format_money(amount, locale)


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
    if split.total > ctx.cost:
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
        if split.employer > share_limit:
            problems.append(_("The employer pays at most %(pct)s %% of the cost (%(limit)s): %(over)s too much.",
                              pct=f"{Decimal(policy.max_share_pct).normalize():f}", limit=_m(share_limit, locale),
                              over=over(share_limit, split.employer)))
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
    if split.sme_wallet > share_limit:
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
