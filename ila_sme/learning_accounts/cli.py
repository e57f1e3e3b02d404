"""``flask --app app learning-accounts refresh``: the nightly refresh of every learning account.

Prints what it did per employer and the totals; exits with status 1 when some accounts could not be
refreshed (their previous figures stay, with the failure noted beside them).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ila_sme import dates
from ila_sme.db_types import utcnow
from ila_sme.employers.cli_options import employer_by_number
from ila_sme.identifiers import format_kbo
from ila_sme.learning_accounts import services

learning_accounts_cli = AppGroup("learning-accounts", help="Learning accounts as the national register reports them.")


@learning_accounts_cli.command("refresh")
@click.option("--employer", "enterprise_number", default=None,
              help="Only this employer (enterprise number, e.g. 0403.170.701).")
def refresh(enterprise_number):
    """Ask the register again for the account of every employee with a contract today."""
    counts = services.refresh_all(utcnow(), employer_by_number(enterprise_number), today=dates.today())
    for run in counts.runs:
        who = f"{run.name} ({format_kbo(run.enterprise_number)})"
        line = f"  {who}: {run.refreshed} refreshed, {run.failed} failed"
        if run.error:
            line += f" ({run.error})"
        click.echo(line, err=bool(run.failed))
    click.echo(f"{counts.refreshed} refreshed, {counts.failed} failed.")
    if not counts.ok:
        raise SystemExit(1)
