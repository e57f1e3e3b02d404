"""Funding is checked per training, across requests: what the person's other requests for the same
training still hold (pending, second step or approved) counts with a new request against the cost, against
the employer's and the SME wallet's share of it, and in the vouchers' bans. Rejected, withdrawn and
cancelled requests hold nothing. Every refusal names the earlier request(s) and saves nothing.

The training here costs €1,000.00; the policy: at most 50 % of a training, €1,500.00 per employee a year,
an admin above €1,000.00; the employer is small (25 FTE): the SME wallet pays at most 30 %."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import flask_babel
import pytest

from ila_sme.extensions import db
from ila_sme.funding import rules, services
from ila_sme.funding.models import FundingPart, FundingRequest, FundingStatus
from ila_sme.money import to_cents
from tests.funding.conftest import TODAY, YEAR, eur, refused, training


@pytest.fixture
def course(world):
    """A registry training of €1,000.00, eligible for the learning account."""
    obj = training(title="Lassen", cost_cents=100000)
    db.session.commit()
    return obj


def ask(world, course, employee=None, *, today: date = TODAY, **split) -> FundingRequest:
    return world.ask(employee, cost="1000.00", training=course, today=today, **split)


def earlier(funding: FundingRequest, amount: str, day: str = "2 March 2026") -> str:
    return f"#{funding.id} of {day} ({eur(amount)})"


# All funding together never exceeds the training's cost ---------------------------------------


def test_two_requests_over_the_cost_are_refused_with_the_earlier_request_named(world, course):
    first = ask(world, course, employer="500.00", account="250.00")

    message = refused(lambda: ask(world, course, other="500.00"))

    assert message == (f"With request {earlier(first, '750.00')} this training would be funded {eur('1250.00')}, "
                       f"{eur('250.00')} above its cost of {eur('1000.00')}.")


def test_the_second_request_within_the_cost_passes_and_one_cent_more_does_not(world, course):
    first = ask(world, course, employer="500.00", account="250.00")

    refused(lambda: ask(world, course, other="250.01"),
            f"With request {earlier(first, '750.00')} this training would be funded {eur('1000.01')}, "
            f"{eur('0.01')} above its cost of {eur('1000.00')}.")
    second = ask(world, course, other="250.00")

    assert (second.status, second.part("other")) == (FundingStatus.PENDING, Decimal("250.00"))


def test_an_approved_earlier_request_counts_and_is_named_with_its_day(world, course):
    first = ask(world, course, employer="400.00", today=date(2026, 2, 16))
    services.approve(actor=world.manager, funding=first, today=date(2026, 2, 17))
    db.session.commit()
    assert first.status == FundingStatus.APPROVED

    refused(lambda: ask(world, course, other="600.01"),
            f"With request {earlier(first, '400.00', '16 February 2026')} this training would be funded "
            f"{eur('1000.01')}, {eur('0.01')} above its cost of {eur('1000.00')}.")


def test_several_earlier_requests_are_all_named(world, course):
    first = ask(world, course, employer="300.00")
    second = ask(world, course, other="500.00", today=date(2026, 3, 3))

    message = refused(lambda: ask(world, course, account="300.00", today=date(2026, 3, 4)))

    assert message == (f"With requests {earlier(first, '300.00')} and {earlier(second, '500.00', '3 March 2026')} "
                       f"this training would be funded {eur('1100.00')}, {eur('100.00')} above its cost of "
                       f"{eur('1000.00')}.")


@pytest.mark.parametrize("ending", ["rejected", "withdrawn", "cancelled after approval"])
def test_an_earlier_request_that_no_longer_holds_does_not_count(world, course, ending):
    first = ask(world, course, employer="500.00", account="250.00")
    if ending == "rejected":
        services.reject(actor=world.manager, funding=first, reason="Not this year")
    elif ending == "withdrawn":
        services.cancel(actor=world.worker, funding=first)
    else:
        services.approve(actor=world.manager, funding=first, today=TODAY)
        services.cancel(actor=world.admin, funding=first, reason="Course moved")
    db.session.commit()
    assert first.status in (FundingStatus.REJECTED, FundingStatus.CANCELLED)

    second = ask(world, course, employer="500.00", account="500.00")

    assert second.status == FundingStatus.PENDING
    assert services.preview(world.employee, kind="course-fee", cost=Decimal("1000.00"),
                            split=rules.Split(other=Decimal("0.01")), training=course, today=TODAY) == [
        f"With request {earlier(second, '1000.00')} this training would be funded {eur('1000.01')}, "
        f"{eur('0.01')} above its cost of {eur('1000.00')}."]


def test_another_persons_request_and_another_training_do_not_count(world, course):
    ask(world, course, world.colleague, employer="500.00", account="500.00")  # Cora: the whole cost
    ask(world, training(title="Excel", cost_cents=100000), employer="500.00", other="500.00")  # Wim, elsewhere

    funding = ask(world, course, other="1000.00")

    assert funding.status == FundingStatus.PENDING


def test_a_top_up_is_no_training_and_counts_nothing_here(world, course):
    world.top_up("500.00")

    assert ask(world, course, employer="500.00", other="500.00").status == FundingStatus.PENDING


# Each source's share of the cost holds across requests ---------------------------------------


def test_the_employers_share_counts_its_earlier_parts_for_the_training(world, course):
    first = ask(world, course, employer="300.00", account="100.00")

    message = refused(lambda: ask(world, course, employer="200.01"))

    assert message == (f"The employer pays at most 50 % of the cost ({eur('500.00')}); with request "
                       f"{earlier(first, '300.00')} it would pay {eur('500.01')}: {eur('0.01')} too much.")
    assert ask(world, course, employer="200.00").employer_amount == Decimal("200.00")


def test_the_sme_wallets_share_counts_its_earlier_parts_for_the_training(world, course):
    first = ask(world, course, sme_wallet="200.00")  # small employer: at most 30 %, €300.00

    message = refused(lambda: ask(world, course, sme_wallet="100.01"))

    assert message == (f"The SME wallet pays at most 30 % of the cost ({eur('300.00')}); with request "
                       f"{earlier(first, '200.00')} it would pay {eur('300.01')}: {eur('0.01')} too much.")
    assert ask(world, course, sme_wallet="100.00").part("sme_wallet") == Decimal("100.00")


# Vouchers never meet employer money or the SME wallet on one training --------------------------


def test_vouchers_after_an_employer_paid_request_are_refused(world, course):
    first = ask(world, course, employer="300.00")
    services.approve(actor=world.manager, funding=first, today=TODAY)
    db.session.commit()

    message = refused(lambda: ask(world, course, vouchers="100.00"))

    assert message == (f"Training vouchers cannot be used on this training: the employer pays it in request "
                       f"{earlier(first, '300.00')}.")


def test_employer_money_after_a_voucher_request_is_refused(world, course):
    first = ask(world, course, vouchers="250.00")

    message = refused(lambda: ask(world, course, employer="100.00"))

    assert message == (f"The employer cannot pay this training: request {earlier(first, '250.00')} uses training "
                       f"vouchers for it.")


def test_the_sme_wallet_and_vouchers_never_meet_across_requests(world, course):
    vouchers = ask(world, course, vouchers="250.00")
    refused(lambda: ask(world, course, sme_wallet="100.00"),
            f"The SME wallet cannot be used on this training: request {earlier(vouchers, '250.00')} uses training "
            f"vouchers for it.")

    other = training(title="Excel", cost_cents=100000)
    wallet = ask(world, other, sme_wallet="300.00")
    refused(lambda: ask(world, other, vouchers="100.00"),
            f"Training vouchers cannot be used on this training: request {earlier(wallet, '300.00')} uses the SME "
            f"wallet for it.")


def test_vouchers_beside_an_earlier_request_without_employer_money_pass(world, course):
    ask(world, course, account="500.00", other="200.00")

    assert ask(world, course, vouchers="250.00").part("vouchers") == Decimal("250.00")


def test_vouchers_after_a_refused_employer_request_pass(world, course):
    first = ask(world, course, employer="300.00")
    services.reject(actor=world.manager, funding=first, reason="No budget")
    db.session.commit()

    assert ask(world, course, vouchers="250.00").part("vouchers") == Decimal("250.00")


# Approving checks the training again ----------------------------------------------------------


def test_approving_counts_the_other_pending_requests_for_the_training(world, course):
    """Two requests over the cost that are both waiting (asked before this rule, or imported): neither can be
    approved while the other holds; once one is refused, the other is approved."""
    first = ask(world, course, employer="500.00", other="200.00")
    second = FundingRequest(employer_id=world.employer.id, employee_id=world.employee.id, year=YEAR, asked_on=TODAY,
                            kind="course-fee", training_id=course.id, cost_cents=100000, employer_cents=0,
                            status=FundingStatus.PENDING, requested_by_id=world.worker.id)
    db.session.add(second)
    db.session.flush()
    db.session.add(FundingPart(funding_request_id=second.id, source="other", amount_cents=to_cents(Decimal("500"))))
    db.session.commit()

    refused(lambda: services.approve(actor=world.manager, funding=first, today=TODAY),
            f"With request {earlier(second, '500.00')} this training would be funded {eur('1200.00')}, "
            f"{eur('200.00')} above its cost of {eur('1000.00')}.")
    refused(lambda: services.approve(actor=world.manager, funding=second, today=TODAY),
            f"With request {earlier(first, '700.00')} this training would be funded")

    services.reject(actor=world.manager, funding=second, reason="Asked twice")
    services.approve(actor=world.manager, funding=first, today=TODAY)
    db.session.commit()
    assert (first.status, second.status) == (FundingStatus.APPROVED, FundingStatus.REJECTED)


# Translations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("locale", "expected"), [
    ("nl_BE", "Met aanvraag #{id} van 2 maart 2026 (€\xa0750,00) zou deze opleiding voor €\xa01.250,00 "
              "gefinancierd worden, €\xa0250,00 boven de kostprijs van €\xa01.000,00."),
    ("fr_BE", "Avec la demande n° {id} du 2 mars 2026 (750,00\xa0€), cette formation serait financée à hauteur "
              "de 1\u202f250,00\xa0€, soit 250,00\xa0€ de plus que son coût de 1\u202f000,00\xa0€."),
])
def test_the_message_in_dutch_and_french(app, world, course, locale, expected):
    first = ask(world, course, employer="500.00", account="250.00")
    ctx = services._context(world.employee, "course-fee", Decimal("1000.00"), course, TODAY)
    with app.test_request_context(), flask_babel.force_locale(locale[:2]):
        problems = rules.check(rules.Split(other=Decimal("500.00")), ctx, locale=locale)

    assert problems == [expected.format(id=first.id)]
