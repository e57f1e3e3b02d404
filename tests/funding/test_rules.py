"""Every funding rule at its edge: exactly the limit is accepted, one cent more is refused with a
message that names the rule and the amount over, and a refusal saves nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.employers.models import SizeBand
from ila_sme.extensions import db
from ila_sme.funding import rules, services
from ila_sme.funding.models import FundingPart, FundingRequest, FundingStatus
from ila_sme.learning_accounts.models import AccountSnapshot
from tests import factories
from tests.funding.conftest import TODAY, YEAR, account, counts, eur, refused, training


def parts_of(funding: FundingRequest) -> dict[str, Decimal]:
    return {part.source: part.amount for part in db.session.scalars(
        select(FundingPart).where(FundingPart.funding_request_id == funding.id).order_by(FundingPart.id))}


def test_an_accepted_request_is_stored_pending_with_its_parts_in_cents(world):
    funding = world.ask(cost="1000.00", employer="500.00", account="300.00", other="200.00")
    db.session.commit()
    db.session.expire_all()

    stored = db.session.get(FundingRequest, funding.id)
    assert (stored.status, stored.kind, stored.year, stored.cost_cents, stored.employer_cents) == (
        FundingStatus.PENDING, "course-fee", YEAR, 100000, 50000)
    assert (stored.employee_id, stored.training_id, stored.requested_by_id) == (
        world.employee.id, world.course.id, world.worker.id)
    assert parts_of(stored) == {"account": Decimal("300.00"), "employer": Decimal("500.00"),
                                "other": Decimal("200.00")}


# All sources together never exceed the cost ----------------------------------------------------


def test_all_sources_together_may_reach_the_cost_exactly(world):
    funding = world.ask(cost="1000.00", account="400.00", other="600.00")
    assert sum(parts_of(funding).values()) == Decimal("1000.00")


def test_one_cent_above_the_cost_is_refused(world):
    message = refused(lambda: world.ask(cost="1000.00", account="400.00", other="600.01"))
    assert message == (f"All sources together ({eur('1000.01')}) exceed the cost ({eur('1000.00')}) "
                       f"by {eur('0.01')}.")
    assert eur("0.01") == "0,01\xa0€"  # en_BE, as Babel writes it


def test_a_request_without_any_amount_is_refused(world):
    refused(lambda: world.ask(cost="1000.00"), "Ask for an amount from at least one source.")


# The employer's largest share of the cost -----------------------------------------------------


def test_the_employer_may_pay_exactly_its_largest_share(world):
    funding = world.ask(cost="1000.00", employer="500.00")  # the policy: at most 50 %
    assert funding.employer_amount == Decimal("500.00")


def test_one_cent_above_the_employers_share_is_refused(world):
    message = refused(lambda: world.ask(cost="1000.00", employer="500.01"))
    assert message == f"The employer pays at most 50 % of the cost ({eur('500.00')}): {eur('0.01')} too much."


def test_the_share_is_rounded_down_to_the_cent_so_it_never_exceeds_the_percentage(world):
    # 50 % of 333.33 is 166.665: 166.66 is the most the employer pays, 166.67 would be 50.0015 %.
    world.ask(cost="333.33", employer="166.66")
    refused(lambda: world.ask(world.colleague, cost="333.33", employer="166.67"),
            f"at most 50 % of the cost ({eur('166.66')}): {eur('0.01')} too much.")


def test_a_top_up_has_no_share_limit_only_the_cap(world):
    funding = world.top_up("1500.00")  # 100 % of itself; the cap per employee is 1,500.00
    assert (funding.cost, funding.employer_amount) == (Decimal("1500.00"), Decimal("1500.00"))


# The cap per employee per year ----------------------------------------------------------------


def _bring(world, funding, status: str):
    if status == FundingStatus.SECOND_STEP:
        services.approve(actor=world.manager, funding=funding, today=TODAY)
    elif status == FundingStatus.APPROVED:
        services.approve(actor=world.admin, funding=funding, today=TODAY)
    elif status == FundingStatus.REJECTED:
        services.reject(actor=world.manager, funding=funding, reason="Not this year")
    elif status == FundingStatus.CANCELLED:
        services.cancel(actor=world.other_manager, funding=funding)
    assert funding.status == status
    db.session.commit()


@pytest.mark.parametrize("status", [FundingStatus.PENDING, FundingStatus.SECOND_STEP, FundingStatus.APPROVED])
def test_the_cap_per_employee_counts_pending_second_step_and_approved_requests(world, status):
    world.policy_with(admin_approval_above="500.00")  # so that a manager's approval of 1,000.00 is a first step
    _bring(world, world.top_up("1000.00"), status)

    message = refused(lambda: world.ask(cost="2000.00", employer="500.01"))
    assert message == (f"The cap per employee is {eur('1500.00')} a year and {eur('1000.00')} is already granted "
                       f"or asked: {eur('0.01')} too much.")
    assert world.ask(cost="2000.00", employer="500.00").employer_amount == Decimal("500.00")


@pytest.mark.parametrize("status", [FundingStatus.REJECTED, FundingStatus.CANCELLED])
def test_rejected_and_cancelled_requests_do_not_count_against_the_cap(world, status):
    _bring(world, world.top_up("1000.00"), status)

    refused(lambda: world.top_up("1500.01"),
            f"{eur('1500.00')} a year and {eur('0.00')} is already granted or asked: {eur('0.01')} too much.")
    assert world.top_up("1500.00").status == FundingStatus.PENDING


def test_the_cap_counts_only_this_employee_and_this_year(world):
    world.policy_with(year=2027)
    world.top_up("1500.00", world.colleague)  # a colleague's
    world.top_up("1500.00", today=date(2027, 1, 4))  # Wim's, drawing on 2027
    db.session.commit()

    assert world.top_up("1500.00").year == YEAR
    refused(lambda: world.top_up("0.01"), f"{eur('1500.00')} is already granted or asked: {eur('0.01')} too much.")


# The budget left ------------------------------------------------------------------------------


def test_the_employer_part_may_use_exactly_the_budget_left(world):
    world.policy_with(budget="1000.00", cap_per_employee="5000.00", admin_approval_above=None)
    world.approved_top_up("600.00", world.colleague)
    db.session.commit()

    message = refused(lambda: world.top_up("400.01"))
    assert message == f"The co-funding budget has {eur('400.00')} left: {eur('0.01')} too much."
    assert world.top_up("400.00").employer_amount == Decimal("400.00")


def test_the_budget_is_checked_again_at_approval(world):
    world.policy_with(budget="1000.00", cap_per_employee="5000.00", admin_approval_above=None)
    first, second = world.top_up("600.00"), world.top_up("400.01", world.colleague)  # pending: nothing reserved
    db.session.commit()
    services.approve(actor=world.manager, funding=first, today=TODAY)

    refused(lambda: services.approve(actor=world.manager, funding=second, today=TODAY),
            f"The co-funding budget has {eur('400.00')} left: {eur('0.01')} too much.")
    assert db.session.get(FundingRequest, second.id).status == FundingStatus.PENDING


# Flemish training vouchers --------------------------------------------------------------------


def test_vouchers_reach_exactly_250_a_school_year(world):
    assert world.ask(cost="1000.00", vouchers="250.00").part("vouchers") == Decimal("250.00")


def test_one_cent_above_250_of_vouchers_is_refused(world):
    message = refused(lambda: world.ask(cost="1000.00", vouchers="250.01"))
    assert message == (f"Training vouchers reach at most {eur('250.00')} a school year ({eur('0.00')} used): "
                       f"{eur('0.01')} too much.")


def test_a_previous_requests_vouchers_count_in_the_same_school_year(world):
    # Requests are dated by when they were made: ask them "today" for real, as the screens do.
    today = date.today()
    world.ask(cost="1000.00", vouchers="200.00", today=today)
    world.ask(cost="1000.00", vouchers="50.00", today=today)
    db.session.commit()

    message = refused(lambda: world.ask(cost="1000.00", vouchers="0.01", today=today))
    assert message == (f"Training vouchers reach at most {eur('250.00')} a school year ({eur('250.00')} used): "
                       f"{eur('0.01')} too much.")
    world.ask(world.colleague, cost="1000.00", vouchers="250.00", today=today)  # another person's vouchers


def test_a_previous_requests_vouchers_count_when_today_is_pinned(world):
    world.ask(cost="1000.00", vouchers="250.00")  # TODAY: school year 2025-26
    with pytest.raises(services.FundingError, match="250,00\xa0€ used"):
        world.ask(cost="1000.00", vouchers="0.01")


def test_vouchers_are_refused_when_the_employer_pays(world):
    refused(lambda: world.ask(cost="1000.00", vouchers="100.00", employer="100.00"),
            "Training vouchers cannot be used when the employer pays the training.")


def test_vouchers_and_the_sme_wallet_never_meet_on_one_training(world):
    refused(lambda: world.ask(cost="1000.00", vouchers="100.00", sme_wallet="100.00"),
            "Training vouchers and the SME wallet cannot meet on one training.")


# The SME wallet -------------------------------------------------------------------------------


@pytest.mark.parametrize(("fte", "band", "limit"), [
    ("5", SizeBand.MICRO, "300.00"), ("49.99", SizeBand.SMALL, "300.00"),
    ("50", SizeBand.MEDIUM, "200.00"), ("249.99", SizeBand.MEDIUM, "200.00"),
])
def test_the_sme_wallet_pays_30_percent_for_small_and_20_percent_for_medium(world, fte, band, limit):
    world.employer.average_fte = Decimal(fte)
    db.session.commit()
    assert world.employer.size_band == band
    pct = "30" if limit == "300.00" else "20"
    over = str(Decimal(limit) + Decimal("0.01"))

    message = refused(lambda: world.ask(cost="1000.00", sme_wallet=over))
    assert message == f"The SME wallet pays at most {pct} % of the cost ({eur(limit)}): {eur('0.01')} too much."
    assert world.ask(cost="1000.00", sme_wallet=limit).part("sme_wallet") == Decimal(limit)


def test_the_sme_wallet_share_is_rounded_down(world):
    # 30 % of 333.33 is 99.999: 99.99 at most.
    world.ask(cost="333.33", sme_wallet="99.99")
    refused(lambda: world.ask(world.colleague, cost="333.33", sme_wallet="100.00"),
            f"({eur('99.99')}): {eur('0.01')} too much.")


def test_the_sme_wallet_is_refused_for_a_large_enterprise(world):
    world.employer.average_fte = Decimal("250")
    db.session.commit()
    assert world.employer.size_band == SizeBand.LARGE
    message = refused(lambda: world.ask(cost="1000.00", sme_wallet="0.01"))
    assert message == "The SME wallet is for small and medium-sized enterprises only."


def test_the_sme_wallet_ceiling_holds_per_company_and_year_across_employees(world):
    world.ask(cost="30000.00", sme_wallet="7000.00")  # Wim's; 30 % of 30,000 would be 9,000
    db.session.commit()

    message = refused(lambda: world.ask(world.colleague, cost="30000.00", sme_wallet="500.01"))
    assert message == (f"The SME wallet reaches at most {eur('7500.00')} a year per company ({eur('7000.00')} "
                       f"used): {eur('0.01')} too much.")
    assert world.ask(world.colleague, cost="30000.00", sme_wallet="500.00").part("sme_wallet") == Decimal("500.00")
    refused(lambda: world.ask(world.colleague, cost="30000.00", sme_wallet="0.01"),
            f"({eur('7500.00')} used): {eur('0.01')} too much.")


def test_a_rejected_requests_sme_wallet_does_not_count(world):
    first = world.ask(cost="30000.00", sme_wallet="7500.00")
    services.reject(actor=world.manager, funding=first, reason="The wallet is for someone else")
    assert world.ask(world.colleague, cost="30000.00", sme_wallet="7500.00").status == FundingStatus.PENDING


@pytest.mark.parametrize("region", ["brussels", "wallonia"])
@pytest.mark.parametrize(("source", "message"), [
    ("vouchers", "Training vouchers do not apply to this employer's region."),
    ("sme_wallet", "The SME wallet does not apply to this employer's region."),
])
def test_vouchers_and_the_sme_wallet_are_flemish_only(world, region, source, message):
    world.employer.region = region
    db.session.commit()
    assert refused(lambda: world.ask(cost="1000.00", **{source: "0.01"})) == message


# The learning account -------------------------------------------------------------------------


def test_the_account_pays_at_most_its_balance_for_an_eligible_registry_training(world):
    assert world.ask(cost="1000.00", account="500.00").part("account") == Decimal("500.00")

    message = refused(lambda: world.ask(world.colleague, cost="1000.00", account="500.01"))
    assert message == f"The learning account holds {eur('500.00')}; this asks {eur('0.01')} more."


@pytest.mark.parametrize("which", ["registry_not_eligible", "own_training"])
def test_the_account_pays_only_registry_trainings_marked_eligible(world, which):
    course = training(eligible_ila=False) if which == "registry_not_eligible" else world.own_course
    message = refused(lambda: world.ask(cost="400.00", account="0.01", training=course))
    assert message == "The learning account only pays trainings of the registry marked eligible for it."


def test_the_account_is_refused_while_its_balance_is_unknown(world):
    snapshot = db.session.scalar(select(AccountSnapshot).where(AccountSnapshot.employee_id == world.employee.id))
    db.session.delete(snapshot)
    db.session.commit()
    message = refused(lambda: world.ask(cost="1000.00", account="0.01"))
    assert message == "The learning account's balance is not known yet: refresh the account first."


def test_the_balance_is_the_last_one_the_register_reported(world):
    account(world.employee, "120.00")
    refused(lambda: world.ask(cost="1000.00", account="120.01"),
            f"holds {eur('120.00')}; this asks {eur('0.01')} more.")


# Kinds, trainings, policies -------------------------------------------------------------------


def test_a_top_up_is_paid_by_the_employer_alone(world):
    message = refused(lambda: world.ask(kind="top-up", cost="100.00", employer="100.00", other="50.00"))
    assert "A top-up is paid by the employer alone." in message


def test_a_course_fee_needs_a_training(world):
    message = refused(lambda: world.ask(training=None, cost="1000.00", employer="100.00"))
    assert message == "A course fee is for one training: choose it."


@pytest.mark.parametrize(("kind", "field"), [("top-up", "gives_top_up"), ("course-fee", "gives_course_fee")])
def test_a_kind_the_policy_does_not_give_is_refused(world, kind, field):
    world.policy_with(**{field: False})
    db.session.commit()
    message = refused(lambda: world.ask(kind=kind, cost="100.00", employer="100.00" if kind == "top-up" else "50.00"))
    assert message == "Your employer does not give this kind of co-funding."


def test_a_course_fee_without_employer_money_needs_no_policy_kind(world):
    world.policy_with(gives_course_fee=False)
    assert world.ask(cost="1000.00", account="100.00").status == FundingStatus.PENDING


def test_no_policy_for_the_year_is_refused(world):
    other = factories.employer("Zonder Beleid")
    person = factories.employee(other)
    db.session.commit()
    message = refused(lambda: world.ask(person, kind="top-up", cost="10.00", employer="10.00", actor=world.manager))
    assert message == "Your employer has no co-funding policy for this year."
    # The policy of 2026 does not stretch into 2027.
    refused(lambda: world.top_up("10.00", today=date(2027, 1, 4)),
            "Your employer has no co-funding policy for this year.")


# Amounts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("split", [{"employer": "100.005"}, {"account": "0.001"}, {"other": "1.999"}])
def test_amounts_with_more_than_two_decimals_are_refused_not_rounded(world, split):
    assert refused(lambda: world.ask(cost="1000.00", **split)) == "Amounts have at most two decimals."


def test_a_cost_with_more_than_two_decimals_is_refused(world):
    assert refused(lambda: world.ask(cost="1000.005", employer="100.00")) == "Amounts have at most two decimals."


def test_negative_amounts_are_refused(world):
    # Unchecked, -500.00 of account would hide 600.00 of "other" on a cost of 100.00 (and store only the 600.00).
    assert refused(lambda: world.ask(cost="100.00", other="600.00", account="-500.00")) == (
        "Amounts cannot be negative.")
    assert refused(lambda: world.ask(cost="-1.00", other="1.00")) == "The cost cannot be negative."


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        rules.Split(employer=100.0)
    with pytest.raises(ValueError, match="not an amount"):
        rules.Split(employer="ten")


def test_a_refusal_lists_every_rule_it_breaks(world):
    message = refused(lambda: world.ask(cost="1000.00", employer="600.00", vouchers="300.00", sme_wallet="200.00"))
    assert "The employer pays at most 50 %" in message
    assert "Training vouchers cannot be used when the employer pays the training." in message
    assert "Training vouchers and the SME wallet cannot meet on one training." in message
    assert f"Training vouchers reach at most {eur('250.00')}" in message
    assert f"exceed the cost ({eur('1000.00')}) by {eur('100.00')}" in message


def test_preview_shows_the_problems_and_writes_nothing(world):
    before = counts()
    problems = services.preview(world.employee, kind="course-fee", cost=Decimal("1000.00"),
                                split=rules.Split(employer=Decimal("500.01")), training=world.course, today=TODAY)
    assert problems == [f"The employer pays at most 50 % of the cost ({eur('500.00')}): {eur('0.01')} too much."]
    assert services.preview(world.employee, kind="course-fee", cost=Decimal("1000.00"),
                            split=rules.Split(employer=Decimal("500.00")), training=world.course, today=TODAY) == []
    assert counts() == before


def test_messages_follow_the_locale(world):
    problems = rules.check(rules.Split(employer=Decimal("500.01")),
                           services._context(world.employee, "course-fee", Decimal("1000.00"), world.course, TODAY),
                           locale="nl_BE")
    assert "(€\xa0500,00): €\xa00,01 too much." in problems[0]


# Asking on a leave request --------------------------------------------------------------------


def test_a_leave_request_takes_one_co_funding_of_its_own_employee(world):
    leave = factories.leave_request(world.employee, world.worker)
    db.session.commit()
    world.ask(cost="1000.00", employer="100.00", leave_request=leave)

    refused(lambda: world.ask(cost="1000.00", employer="100.00", leave_request=leave),
            "This leave request already has a co-funding request.")
    refused(lambda: world.ask(world.colleague, cost="1000.00", employer="100.00", leave_request=leave),
            "This leave request is someone else's.")
