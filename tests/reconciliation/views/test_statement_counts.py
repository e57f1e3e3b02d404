"""The reconciliation page reads one page of runs and of differences: its statement count does not grow with
the runs or the differences (both lists keep their numbered pages)."""

from __future__ import annotations

from ila_sme.extensions import db
from tests import factories
from tests.support.statements import count_statements


def _statements(client) -> int:
    db.session.commit()
    with count_statements(db.engine) as statements:
        assert client.get("/reconciliation/").status_code == 200
    return len(statements)


def _grow(office, count: int) -> None:
    for n in range(count):
        user = factories.user(roles={office.employer: "accountant"})
        factories.reconciliation_run(office.employer, state="done", matched=n, booked=1, left=n % 2,
                                     requested_by_id=user.id)
        factories.difference(office.employer)
    db.session.commit()


def test_the_statement_count_does_not_grow_with_the_runs_and_differences(office, auth, client):
    _grow(office, 10)
    auth.login(office.accountant)
    small = _statements(client)
    _grow(office, 50)
    assert _statements(client) == small
