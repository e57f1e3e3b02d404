"""``flask --app app leave allocate`` and ``flask --app app leave close-periods``: the ledger's yearly jobs.

Each prints what it added per employer; an employer that failed is reported (nothing of it saved)
and the command exits with status 1, the other employers' work stands.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ila_sme import dates
from ila_sme.employers.cli_options import employer_by_number
from ila_sme.identifiers import format_kbo
from ila_sme.leave import jobs

leave_cli = AppGroup("leave", help="Jobs of the leave ledger: yearly allocation, closing periods.")

EMPLOYER_OPTION = click.option("--employer", "enterprise_number", default=None,
                               help="Only this employer (enterprise number, e.g. 0403.170.701).")
DATE_OPTION = click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                           help="Run as if today were this date (YYYY-MM-DD). Default: today.")


@leave_cli.command("allocate")
@EMPLOYER_OPTION
@DATE_OPTION
def allocate(enterprise_number, day):
    """Add the current period's entitlement rows for every active employee (idempotent)."""
    today = day.date() if day else dates.today()
    _report(jobs.allocate_year(today, employer_by_number(enterprise_number)), f"Allocation for {today.isoformat()}")


@leave_cli.command("close-periods")
@EMPLOYER_OPTION
@DATE_OPTION
def close_periods(enterprise_number, day):
    """Close the period before today's of each scheme: carry-over and expiry rows (idempotent)."""
    today = day.date() if day else dates.today()
    result = jobs.close_periods(today, employer_by_number(enterprise_number))
    _report(result, f"Closing periods before {today.isoformat()}")


def _report(result: jobs.JobResult, title: str) -> None:
    click.echo(f"{title}:")
    for run in result.runs:
        who = f"{run.name} ({format_kbo(run.enterprise_number)})"
        if run.error:
            click.echo(f"  {who}: FAILED, nothing saved for this employer: {run.error}", err=True)
        elif run.total:
            details = ", ".join(f"{key} {count}" for key, count in sorted(run.added.items()))
            click.echo(f"  {who}: {run.total} rows added ({details})")
        else:
            click.echo(f"  {who}: nothing to add")
    done = len(result.runs) - len(result.failures)
    click.echo(f"{result.total} rows added for {done} employer(s); {len(result.failures)} failed.")
    if not result.ok:
        raise SystemExit(1)
