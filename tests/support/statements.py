"""Count the SQL statements a block of code sends, to guard a page's or a decision's cost.

    with count_statements(db.engine) as statements:
        client.get("/approvals")
    assert len(statements) <= 12, statements.describe()

Only statements sent to the database are counted (SAVEPOINT and the connection's own set-up too), so a
query that grows with the data shows up as a count that grows with the data. Times are never asserted.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from ila_sme.extensions import db


class Statements(list):
    """The statements sent, in order, as SQL text."""

    def describe(self) -> str:
        lines = (f"  {i + 1}. {' '.join(s.split())[:200]}" for i, s in enumerate(self))
        return f"{len(self)} statements:\n" + "\n".join(lines)

    def matching(self, fragment: str) -> list[str]:
        return [s for s in self if fragment.lower() in s.lower()]


@contextmanager
def count_statements(engine):
    statements = Statements()

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_of_get(client, url: str) -> Statements:
    """The statements one GET of ``url`` sends, from a clean start: what the test wrote is committed first, so
    nothing is left in the session for the page to find (as in a worker's fresh request)."""
    db.session.commit()
    with count_statements(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements
