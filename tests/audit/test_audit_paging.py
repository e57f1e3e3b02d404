"""The audit log reads a page of events and the objects they name in a few queries, whatever the staff."""

from __future__ import annotations

from ila_sme.audit.services import record
from ila_sme.extensions import db
from tests import factories
from tests.support.statements import count_statements


def _grow(employer, admin, count: int, start: int = 0) -> None:
    """``count`` more employees, each added by a different manager: an event naming each of them."""
    for n in range(start, start + count):
        manager = factories.user(f"manager{n}@example.be", name=f"Manager {n}", roles={employer: "manager"})
        person = factories.employee(employer, first_name=f"P{n:03d}", last_name=f"Staff{n:03d}")
        record("employee.created", actor=manager, employer_id=employer.id, obj=person, after={"n": n})
    db.session.commit()


def _statements(client) -> int:
    db.session.commit()
    with count_statements(db.engine) as statements:
        html = client.get("/audit").get_data(as_text=True)
    assert "Staff" in html
    return len(statements)


def test_the_statement_count_does_not_grow_with_the_events_shown(client, auth, app):
    employer = factories.employer("Veel BV")
    admin = factories.user("a@example.be", roles={employer: "admin"})
    _grow(employer, admin, 10)
    auth.login(admin)
    small = _statements(client)
    _grow(employer, admin, 50, start=10)
    assert _statements(client) == small
