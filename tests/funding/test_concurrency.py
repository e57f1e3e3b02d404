"""Approvals at the same moment, on PostgreSQL with real concurrent connections: twenty managers
approving twenty requests against a budget for ten never overspend it; two requests for one person's
training asked at once never fund it beyond its cost, nor put vouchers beside employer money.

Each thread has its own app context, so its own session and its own database connection; a barrier
lets them call the service together. Every scenario runs three times, each on a fresh employer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import g, request_started
from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.factory import create_app
from ila_sme.funding import rules, services
from ila_sme.funding.models import (
    BudgetEntry,
    BudgetMove,
    CofundingPolicy,
    Contribution,
    ContributionStatus,
    FundingRequest,
    FundingStatus,
)
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes.services import install_defaults
from ila_sme.trainings.models import Training
from tests import factories
from tests.funding.conftest import TODAY, YEAR, eur, set_policy

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent approvals need PostgreSQL with real connections and row locks: run "
           "`.venv/bin/python scripts/with_fresh_postgres.py .venv/bin/pytest -q tests/funding`",
)

ROUNDS = 3
MANAGERS = 20
TIMEOUT = 60  # seconds; a thread that waits longer is a deadlock, and the test fails instead of hanging


@pytest.fixture
def app(tmp_path):
    """The shared app fixture, with a connection pool large enough for twenty threads at once
    (the default pool of 5 + 10 would starve five of them before the barrier)."""
    app = create_app({
        **{key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()},
        "SQLALCHEMY_DATABASE_URI": os.environ["TEST_DATABASE_URL"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": MANAGERS + 5, "max_overflow": 5},
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
    })
    app.instance_path = str(tmp_path / "instance")
    request_started.connect(lambda sender, **extra: g.__dict__.clear(), app, weak=False)
    with app.app_context():
        db.drop_all()
        db.create_all()
        install_defaults()
        db.session.commit()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def run_together(app, preparations: list[Callable[[], Callable[[], object]]]) -> list[object]:
    """Run each preparation in its own thread, app context and session; then, all at once after a
    barrier, the action it returns, and commit. Returns "committed" or the exception, per thread."""
    barrier = threading.Barrier(len(preparations), timeout=TIMEOUT)
    results: list[object] = [None] * len(preparations)

    def worker(index: int, prepare) -> None:
        with app.app_context():
            try:
                act = prepare()  # load everything in this thread's own session and connection
                barrier.wait()
                act()
                db.session.commit()
                results[index] = "committed"
            except Exception as error:  # noqa: BLE001 - reported to the test, which asserts on it
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(index, prepare), daemon=True)
               for index, prepare in enumerate(preparations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck: a deadlock?"
    db.session.expire_all()
    unexpected = [result for result in results
                  if result != "committed" and not isinstance(result, services.FundingError)]
    assert not unexpected, unexpected
    return results


def approve_as(user_id: int, funding_id: int):
    def prepare():
        actor = db.session.get(User, user_id)
        funding = db.session.get(FundingRequest, funding_id)
        assert funding.status == FundingStatus.PENDING and funding.employee is not None
        assert actor.roles_in(funding.employer_id)
        return lambda: services.approve(actor=actor, funding=funding, today=TODAY)
    return prepare


def employer_with_requests(n: int, *, budget: str, amount: str) -> tuple[object, list[int], list[int]]:
    """An employer with a budget, ``n`` employees each with a pending top-up of ``amount`` granted by
    the admin, and ``n`` managers. Returns the employer, the request ids and the manager ids."""
    employer = factories.employer(average_fte=Decimal("40"))
    admin = factories.user(roles={employer: "admin"})
    set_policy(employer, admin, budget=budget, cap_per_employee="5000.00", max_share_pct="100",
               admin_approval_above=None)
    managers = [factories.user(roles={employer: "manager"}) for _ in range(n)]
    requests = []
    for _ in range(n):
        person = factories.employee(employer)
        requests.append(services.ask(actor=admin, employee=person, kind="top-up", cost=Decimal(amount),
                                     split=rules.Split(employer=Decimal(amount)), today=TODAY))
    db.session.commit()
    return employer, [r.id for r in requests], [m.id for m in managers]


def reserved_cents(employer) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(BudgetEntry.amount_cents), 0)).where(
        BudgetEntry.employer_id == employer.id, BudgetEntry.kind == BudgetMove.RESERVATION))


def test_twenty_managers_approving_at_once_never_overspend_the_budget(app):
    for round_ in range(ROUNDS):
        employer, request_ids, manager_ids = employer_with_requests(MANAGERS, budget="1000.00", amount="100.00")

        results = run_together(app, [approve_as(manager_ids[i], request_ids[i]) for i in range(MANAGERS)])

        committed = [request_ids[i] for i, result in enumerate(results) if result == "committed"]
        refusals = [str(result) for result in results if result != "committed"]
        assert len(committed) == 10, (round_, results)
        assert refusals == [f"The co-funding budget has {eur('0.00')} left: {eur('100.00')} too much."] * 10

        statuses = dict(db.session.execute(select(FundingRequest.id, FundingRequest.status).where(
            FundingRequest.employer_id == employer.id)).all())
        assert sorted(i for i, status in statuses.items() if status == FundingStatus.APPROVED) == sorted(committed)
        assert sum(status == FundingStatus.PENDING for status in statuses.values()) == 10

        budget = db.session.scalar(select(CofundingPolicy.budget_cents).where(
            CofundingPolicy.employer_id == employer.id, CofundingPolicy.year == YEAR))
        assert reserved_cents(employer) == 100000 <= budget
        position = services.budget_position(employer, YEAR)
        assert (position.reserved, position.booked, position.remaining) == (
            Decimal("1000.00"), Decimal("0.00"), Decimal("0.00"))

        contributions = list(db.session.scalars(select(Contribution).where(
            Contribution.employer_id == employer.id).order_by(Contribution.id)))
        assert sorted(c.funding_request_id for c in contributions) == sorted(committed)
        assert [c.reference for c in contributions] == [f"C-2026-{n:06d}" for n in range(1, 11)]
        assert len({c.idempotency_key for c in contributions}) == 10
        assert {c.status for c in contributions} == {ContributionStatus.PENDING}


def test_two_managers_approving_the_same_request_at_once_exactly_one_stands(app):
    for _ in range(ROUNDS):
        employer, (request_id,), manager_ids = employer_with_requests(1, budget="1000.00", amount="100.00")
        second = factories.user(roles={employer: "manager"})
        db.session.commit()

        results = run_together(app, [approve_as(manager_ids[0], request_id), approve_as(second.id, request_id)])

        assert sorted(map(type, results), key=str) == sorted([str, services.FundingError], key=str), results
        loser = next(result for result in results if result != "committed")
        assert str(loser) == "Someone else already decided on this co-funding: Approved."
        winner = [manager_ids[0], second.id][results.index("committed")]
        funding = db.session.get(FundingRequest, request_id)
        assert (funding.status, funding.decided_by_id) == (FundingStatus.APPROVED, winner)
        assert reserved_cents(employer) == 10000
        assert db.session.scalar(select(func.count()).select_from(Contribution).where(
            Contribution.funding_request_id == request_id)) == 1


def test_lowering_the_budget_while_a_manager_approves_one_of_them_is_refused(app):
    for _ in range(ROUNDS):
        employer, request_ids, manager_ids = employer_with_requests(10, budget="1000.00", amount="100.00")
        admin = factories.user(roles={employer: "admin"})
        db.session.commit()
        for i in range(9):  # 900.00 reserved, 100.00 left
            services.approve(actor=db.session.get(User, manager_ids[i]),
                             funding=db.session.get(FundingRequest, request_ids[i]), today=TODAY)
        db.session.commit()

        def lower_budget(employer_id=employer.id, admin_id=admin.id):
            def prepare():
                actor, target = db.session.get(User, admin_id), db.session.get(type(employer), employer_id)
                return lambda: set_policy(target, actor, budget="900.00", cap_per_employee="5000.00",
                                          max_share_pct="100", admin_approval_above=None)
            return prepare

        results = run_together(app, [approve_as(manager_ids[9], request_ids[9]), lower_budget()])

        assert results.count("committed") == 1, results
        position = services.budget_position(employer, YEAR)
        assert position.reserved <= position.budget
        assert position.remaining >= 0
        if results[0] == "committed":  # the approval first: the budget stays 1,000.00, all of it reserved
            assert (position.budget, position.reserved) == (Decimal("1000.00"), Decimal("1000.00"))
            assert "is already reserved or booked this year" in str(results[1])
        else:  # the budget first: nothing left for the approval
            assert (position.budget, position.reserved) == (Decimal("900.00"), Decimal("900.00"))
            assert str(results[0]) == f"The co-funding budget has {eur('0.00')} left: {eur('100.00')} too much."


# One training, two requests asked at once --------------------------------------------------------


def ask_as(user_id: int, employee_id: int, training_id: int, **split):
    """Ask a course fee of the training (€1,000.00) in this thread's session; ``split`` in euros as strings."""
    def prepare():
        actor = db.session.get(User, user_id)
        employee = db.session.get(EmployeeRecord, employee_id)
        training = db.session.get(Training, training_id)
        assert employee is not None and training is not None
        parts = rules.Split(**{source: Decimal(amount) for source, amount in split.items()})
        return lambda: services.ask(actor=actor, employee=employee, kind="course-fee", cost=training.cost,
                                    split=parts, training=training, today=TODAY)
    return prepare


def person_with_a_training() -> tuple[object, object, object, object]:
    """A Flemish employer with a generous policy, an admin who asks, one employee and a €1,000.00 training."""
    employer = factories.employer(average_fte=Decimal("25"))
    admin = factories.user(roles={employer: "admin"})
    set_policy(employer, admin, budget="10000.00", cap_per_employee="5000.00", max_share_pct="100",
               admin_approval_above=None)
    person = factories.employee(employer)
    course = factories.training(title="Lassen", cost_cents=100000)
    db.session.commit()
    return employer, admin, person, course


def test_two_requests_for_one_training_asked_at_once_never_fund_more_than_its_cost(app):
    for _ in range(ROUNDS):
        employer, admin, person, course = person_with_a_training()

        results = run_together(app, [ask_as(admin.id, person.id, course.id, other="600.00"),
                                     ask_as(admin.id, person.id, course.id, employer="600.00")])

        assert results.count("committed") == 1, results
        stored = list(db.session.scalars(select(FundingRequest).where(FundingRequest.employee_id == person.id)))
        assert len(stored) == 1
        first = stored[0]
        assert str(next(result for result in results if result != "committed")) == (
            f"With request #{first.id} of 2 March 2026 ({eur('600.00')}) this training would be funded "
            f"{eur('1200.00')}, {eur('200.00')} above its cost of {eur('1000.00')}.")


def test_vouchers_and_employer_money_asked_at_once_for_one_training_one_is_refused(app):
    for _ in range(ROUNDS):
        employer, admin, person, course = person_with_a_training()

        results = run_together(app, [ask_as(admin.id, person.id, course.id, vouchers="250.00"),
                                     ask_as(admin.id, person.id, course.id, employer="300.00")])

        assert results.count("committed") == 1, results
        refusal = str(next(result for result in results if result != "committed"))
        if results[0] == "committed":
            assert refusal.startswith("The employer cannot pay this training: request #")
        else:
            assert refusal.startswith("Training vouchers cannot be used on this training: the employer pays it")
        assert db.session.scalar(select(func.count()).select_from(FundingRequest).where(
            FundingRequest.employee_id == person.id)) == 1
