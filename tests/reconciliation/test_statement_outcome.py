"""The statement tells what the accountant did: a booking made at the register's portal, recorded here,
reads "Recorded as booked outside the app" on the statement of its period (not "Not reconciled yet"), and
"Matched" once a later run has found it in order."""

from __future__ import annotations

from datetime import date

from ila_sme.extensions import db
from ila_sme.funding.models import Contribution
from ila_sme.reconciliation import actions
from ila_sme.reconciliation.engine import reconcile
from ila_sme.reconciliation.models import Outcome
from ila_sme.statements import cofunding
from tests.funding.submit.conftest import this_period
from tests.reconciliation.support import first_run, only
from tests.reconciliation.test_actions_local import amend, portal

REFERENCE, OUTCOME = 1, 10  # the statement line's columns


def _outcome(employer, reference: str, period: str | None = None) -> str:
    statement = cofunding.build(employer, period or this_period(), language="en")
    lines = [line for line in statement.report.rows() if line[REFERENCE] == reference]
    assert len(lines) == 1
    return lines[0][OUTCOME]


def test_a_recorded_portal_booking_is_not_shown_as_not_reconciled(world, accountant):
    employer = world.employers[0]
    first_run(world, employer)
    entry = portal(world, employer, staff=1)
    reconcile(employer)
    unknown = only(Outcome.UNKNOWN_IN_REGISTER)

    actions.record_outside(actor=accountant, difference=unknown, note=None, today=date.today())
    db.session.commit()
    recorded = db.session.get(Contribution, unknown.contribution_id)
    assert recorded.reference == entry["reference"]
    assert _outcome(employer, recorded.reference) == "Recorded as booked outside the app"

    reconcile(employer)  # the next run finds it in order
    assert _outcome(employer, recorded.reference) == "Matched"


def test_an_accepted_amount_reads_as_accepted_until_the_next_run(world, accountant):
    employer = world.employers[0]
    mine = first_run(world, employer)[1]
    amend(world, mine, mine.amount_cents + 500)
    reconcile(employer)
    assert _outcome(employer, mine.reference, mine.period) == "Other amount at the register (open difference)"

    actions.accept(actor=accountant, difference=only(Outcome.AMOUNT_MISMATCH))
    db.session.commit()
    assert _outcome(employer, mine.reference, mine.period) == "Register's figure accepted"

    reconcile(employer)
    assert _outcome(employer, mine.reference, mine.period) == "Matched"
