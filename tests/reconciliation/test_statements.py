"""A reconciliation run's cost per employer is a fixed number of statements: it does not grow with the
employer's contributions (one page of entries is read with one query and written with one insert), and
a run over many employers shares one pooled register client."""

from __future__ import annotations

import pytest

from ila_sme.extensions import db
from ila_sme.reconciliation.cli import run_all
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import RunState
from ila_sme.register import client as register_client
from tests.reconciliation.support import first_run
from tests.support.register_world import build_world
from tests.support.statements import count_statements


@pytest.fixture
def small_and_large(app, tmp_path):
    world = build_world(app, tmp_path, (2, 12))
    yield world
    world.register.stop()


def test_a_run_sends_the_same_statements_for_2_or_12_contributions(small_and_large):
    counts = []
    for employer in small_and_large.employers:
        first_run(small_and_large, employer)  # booked: the next run only reads and compares
        db.session.commit()
        with count_statements(db.engine) as statements:
            run = reconcile(employer)
        assert run.state == RunState.DONE and run.matched == len(small_and_large.of(employer))
        counts.append(len(statements))
        assert len(statements.matching("INSERT INTO reconciliation_items")) == 1, statements.describe()
        assert len(statements.matching("COMMIT")) + len(statements.matching("BEGIN")) <= 4, statements.describe()
    assert counts[0] == counts[1] and counts[0] <= 22, counts


def test_one_register_connection_pool_serves_every_employer_of_a_run(small_and_large, monkeypatch):
    made = []
    real = register_client._http_client
    monkeypatch.setattr(register_client, "_http_client", lambda *args, **kwargs: made.append(args) or real(*args,
                                                                                                         **kwargs))
    totals = run_all(echo=lambda *args, **kwargs: None)
    assert totals["employers"] == 2 and totals["matched"] == 14 and totals["failed"] == 0
    assert len(made) == 1
