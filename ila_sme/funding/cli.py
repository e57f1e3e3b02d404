"""``flask --app app contributions submit``: send the contributions waiting for the national register.

Prints what it did per employer and the totals; exits with status 1 when some were left for the next
run (the register could not answer within the time budget) or the register refused an employer's token.
"""

from __future__ import annotations

import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ila_sme.db_types import utcnow
from ila_sme.employers.cli_options import employer_by_number
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution
from ila_sme.funding.register_lease import AlreadyRunning, employer_lock
from ila_sme.funding.submit import TO_SUBMIT, submit_pending
from ila_sme.identifiers import format_kbo

contributions_cli = AppGroup("contributions", help="Employer contributions booked on the national register.")


@contributions_cli.command("submit")
@click.option("--employer", "enterprise_number", default=None,
              help="Only this employer (enterprise number, e.g. 0403.170.701).")
@click.option("--budget-seconds", default=600.0, show_default=True, type=click.FloatRange(min=0),
              help="Time budget of the whole run; what is not booked by then waits for the next run.")
def submit(enterprise_number, budget_seconds):
    """Book every pending (or sent, answer lost) contribution on the register, exactly once."""
    only = employer_by_number(enterprise_number)
    employers = [only] if only else list(db.session.scalars(
        select(Employer).where(Employer.id.in_(
            select(Contribution.employer_id).where(Contribution.status.in_(TO_SUBMIT)))).order_by(Employer.id)))
    deadline = time.monotonic() + budget_seconds
    booked = failed = left = 0
    ok = True
    for employer in employers:
        remaining = max(deadline - time.monotonic(), 0.0)
        try:
            ttl = timedelta(seconds=remaining + 2 * current_app.config["LEDGER_TIMEOUT"] + 60)
            with employer_lock(employer, ttl):  # outlives the budget: never taken over while it works
                counts = submit_pending(employer, now=utcnow(), budget_seconds=remaining)
        except AlreadyRunning:
            click.echo(f"  {employer.name} ({format_kbo(employer.enterprise_number)}): another process is "
                       f"submitting or reconciling for this employer now; nothing done.", err=True)
            ok = False
            continue
        booked, failed, left = booked + counts.booked, failed + counts.failed, left + counts.left
        line = (f"  {employer.name} ({format_kbo(employer.enterprise_number)}): {counts.booked} booked, "
                f"{counts.failed} failed, {counts.left} left for the next run")
        if counts.error:
            line += f" ({counts.error})"
        click.echo(line, err=not counts.ok)
        ok = ok and counts.ok
    click.echo(f"{booked} booked, {failed} failed, {left} left for the next run.")
    if not ok:
        raise SystemExit(1)
