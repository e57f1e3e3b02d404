"""The run the reconciliation page and the accountant's home card show (``overview.current_run``), in one query."""

from __future__ import annotations

from ila_sme.extensions import db
from ila_sme.reconciliation import overview
from ila_sme.reconciliation.models import ReconciliationRun, RunState
from tests import factories
from tests.support.statements import count_statements


def _runs(employer, *states):
    runs = [ReconciliationRun(employer_id=employer.id, state=state) for state in states]
    db.session.add_all(runs)
    db.session.flush()
    return runs


def test_the_running_run_comes_first_then_the_oldest_queued_then_the_latest(app):
    employer, other = factories.employer(), factories.employer()
    assert overview.current_run(employer) is None
    _done, failed = _runs(employer, RunState.DONE, RunState.FAILED)
    assert overview.current_run(employer) == failed  # the latest
    first_queued, second_queued = _runs(employer, RunState.QUEUED, RunState.QUEUED)
    assert overview.current_run(employer) == first_queued  # the oldest waiting, not the newest
    _older_running, running = _runs(employer, RunState.RUNNING, RunState.RUNNING)
    _runs(other, RunState.RUNNING)
    with count_statements(db.engine) as statements:
        assert overview.current_run(employer) == running  # the newest at work; another employer's never
    assert len(statements) == 1, statements.describe()
