"""What the people feature tells the features above it, and how it refuses: kept apart from the services so
that ``people.employment`` and ``people.services`` both use them (``people.services`` re-exports them)."""

from __future__ import annotations

from blinker import Namespace

# Features above this one add what a new employee, or one whose contract changed, needs (the
# period's leave allocation) in the same transaction: ``receiver(employee, today=...)`` adds and flushes.
employee_set_up = Namespace().signal("employee-set-up")
# A fact an entitlement is computed from changed (work terms, a contract period): features above
# recompute what it touches, in the same transaction. ``receiver(employee, since=date, change=message,
# actor=User, today=date)``; ``change`` names it for the ledger, a message (``people.change_messages``) said in
# the reader's language ("work regime 50 % from 1 Jul 2026").
employment_changed = Namespace().signal("employment-changed")


class PeopleError(Exception):
    """A business rule refused the change; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
