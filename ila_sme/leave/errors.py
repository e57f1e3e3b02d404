"""The one exception of training leave: a rule refused the change. Raised by the ledger and the
services, and by the features that follow a leave decision (a receiver of ``leave_decided``), so that
every refusal reaches the page that shows it the same way."""

from __future__ import annotations


class LeaveError(Exception):
    """A leave rule refused the change; the message says which rule, and by how much."""
