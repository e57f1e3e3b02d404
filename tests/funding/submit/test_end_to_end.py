"""End to end: the development register as a REAL process on loopback, with faults of every kind
(429 and 503 with Retry-After, bookings committed but answered with a dropped connection, answers
slower than the client's timeout; 10 % each, so 20 % of the requests are refused and 20 % of the
remaining ones lose their answer). About 100 contributions across three employers are submitted run
after run, each run with a short time budget, until nothing is left; then the register must hold
exactly one entry per reference and every contribution be booked locally with the register's entry id."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from click.testing import Result
from sqlalchemy import func, select

from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution
from ila_sme.funding.submit import TO_SUBMIT, payload, submit_pending
from ila_sme.register.client import RegisterClient
from tests.funding.submit.conftest import YEAR
from tests.support.register_world import build_world

FAULTS = "rate_limit=0.1,unavailable=0.1,drop_after_commit=0.1,slow=0.1,slow_seconds=0.8,retry_after=1,seed=7"
TIMEOUT = 0.3  # the client gives up on a slow answer (0.8 s) well before it comes
PER_EMPLOYER = (36, 32, 28)
PREBOOKED = 2  # per employer: booked earlier under another key (duplicate_reference on submit)


@pytest.fixture
def make_world(app, tmp_path):
    """make_world(per_employer) -> (register, employers, contributions), the register started with faults
    and stopped after the test (tests/support/register_world.py)."""
    started = []

    def make(per_employer=PER_EMPLOYER):
        world = build_world(app, tmp_path, per_employer, faults=FAULTS, timeout=TIMEOUT)
        started.append(world.register)
        return world.register, world.employers, world.contributions

    yield make
    for register in started:
        register.stop()


def registers_entries(register, employer) -> list[dict]:
    with RegisterClient(register.url, employer.register_token, timeout=TIMEOUT, budget_seconds=60) as client:
        return list(client.entries(employer.enterprise_number, page_size=25))


def test_every_contribution_is_booked_exactly_once(make_world):
    register, employers, contributions = make_world()
    # Some were booked before under another key (a lost key, a previous system): the register has them.
    prebooked = {}
    for employer in employers:
        mine = [c for c in contributions if c.employer_id == employer.id][:PREBOOKED]
        with RegisterClient(register.url, employer.register_token, timeout=TIMEOUT, budget_seconds=60) as client:
            for contribution in mine:
                entry = client.book_contribution(payload(contribution, employer), f"earlier-{contribution.id}")
                prebooked[contribution.reference] = entry["entry_id"]

    runs = 0
    left_behind = 0
    while db.session.scalar(select(func.count()).select_from(Contribution).where(Contribution.status.in_(TO_SUBMIT))):
        runs += 1
        assert runs <= 60, "the contributions never all got booked"
        for employer in employers:
            counts = submit_pending(employer, now=utcnow(), budget_seconds=2.5)
            assert counts.failed == 0
            left_behind += counts.left

    db.session.expire_all()
    assert runs > 1 and left_behind > 0  # the budget ran out at least once: the next run took over

    for employer in employers:
        entries = registers_entries(register, employer)
        mine = {c.reference: c for c in contributions if c.employer_id == employer.id}
        references = Counter(entry["reference"] for entry in entries)
        assert set(references) == set(mine)
        assert max(references.values()) == 1  # never a second booking
        for entry in entries:
            contribution = mine[entry["reference"]]
            assert contribution.status == "booked"
            assert contribution.entry_id == entry["entry_id"]
            assert entry["amount"] == f"{contribution.amount:.2f}"
            assert entry["person_id"] == contribution.employee.national_number
            assert entry["kind"] == contribution.kind and entry["registry_id"] == contribution.registry_id
        position = services.budget_position(employer, YEAR)
        assert position.reserved == Decimal("0.00")
        assert position.booked == sum((c.amount for c in mine.values()), Decimal("0.00"))
    for reference, entry_id in prebooked.items():
        assert db.session.scalar(select(Contribution.entry_id).where(Contribution.reference == reference)) == entry_id

    assert register.counts()["entries"] == len(contributions)
    consumptions = db.session.scalar(select(func.count()).select_from(BudgetEntry).where(
        BudgetEntry.kind == BudgetMove.CONSUMPTION))
    assert consumptions == len(contributions)  # each booked once locally too


def test_the_command_submits_and_reports(make_world, app):
    register, employers, contributions = make_world((8, 6))
    runner = app.test_cli_runner()
    result: Result | None = None
    for _ in range(40):
        result = runner.invoke(args=["contributions", "submit", "--budget-seconds", "2"])
        if result.exit_code == 0:
            break
        assert "left for the next run" in result.output
    assert result is not None and result.exit_code == 0, result.output
    assert result.output.strip().endswith("0 failed, 0 left for the next run.")
    db.session.expire_all()
    assert {c.status for c in contributions} == {"booked"}
    assert register.counts()["entries"] == len(contributions)
    for contribution in contributions:
        assert contribution.employee.national_number not in result.output
