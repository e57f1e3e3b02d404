"""``flask --app app reconcile [--employer KBO] [--period YYYY-MM] [--shard K/N]``: submit what is pending,
then reconcile with the register; print a summary per employer; exit 1 when the register could not be
reached (a run is incomplete), when a run failed, or when another process was reconciling.

``--shard K/N``: only the employers whose id is K-1 modulo N, so that N processes started together share
the night's employers without overlap (the employers' leases would keep them apart all the same)."""

from __future__ import annotations

import re

import click
from flask import current_app
from sqlalchemy import or_, select

from ila_sme import dates
from ila_sme.employers.cli_options import employer_by_number
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution
from ila_sme.identifiers import format_kbo
from ila_sme.reconciliation.engine import AlreadyRunning, open_window, reconcile
from ila_sme.reconciliation.models import DIFFERENCE_KINDS, RunState
from ila_sme.register.client import RegisterPool

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


_SHARD = re.compile(r"^(\d{1,4})/(\d{1,4})$")


def employers_to_reconcile(shard: tuple[int, int] | None = None) -> list[int]:
    """The ids of every employer with a register token or with contributions (of shard K of N: id % N == K-1)."""
    query = select(Employer.id).where(or_(Employer.register_token.is_not(None),
                                          Employer.id.in_(select(Contribution.employer_id))))
    if shard is not None:
        query = query.where(Employer.id % shard[1] == shard[0] - 1)
    return list(db.session.scalars(query.order_by(Employer.id)))


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """"K/N" (1 <= K <= N) as (K, N); ValueError with the reason otherwise."""
    if value is None:
        return None
    match = _SHARD.match(value.strip())
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError("use K/N with 1 <= K <= N, e.g. 2/4 (the second of four processes)")
    return int(match.group(1)), int(match.group(2))


def summary(run) -> str:
    differences = ", ".join(f"{run.count(kind)} {kind.value}" for kind in DIFFERENCE_KINDS)
    line = (f"{run.state}: {run.booked} booked now, {run.failed} refused, {run.left} left for the next run; "
            f"{run.entries_read} entries read, {run.matched} matched, {differences}")
    return line + (f" ({run.error})" if run.error else "")


def run_all(enterprise_number: str | None = None, period: str | None = None, *, trigger: str = "cli",
            budget_seconds: float | None = None, echo=click.echo, page_size: int = 500,
            shard: tuple[int, int] | None = None) -> dict:
    """Reconcile one or every employer; returns the counts (the scheduler records them). One pooled register
    connection serves every employer; employers are held by id, one loaded at a time, so a commit never
    expires the whole list."""
    only = employer_by_number(enterprise_number)
    employer_ids = [only.id] if only else employers_to_reconcile(shard)
    totals = {"employers": 0, "incomplete": 0, "busy": 0, "failed": 0, "matched": 0, "differences": 0,
              "booked": 0, "left": 0}
    with RegisterPool.from_config() as pool:
        for employer_id in employer_ids:
            _one(db.session.get(Employer, employer_id), pool, totals, period=period, trigger=trigger,
                 budget_seconds=budget_seconds, echo=echo, page_size=page_size)
    return totals


def _one(employer: Employer, pool: RegisterPool, totals: dict, *, echo, **options) -> None:
    label = f"{employer.name} ({format_kbo(employer.enterprise_number)})"
    totals["employers"] += 1
    try:
        run = reconcile(employer, client=pool.for_employer(employer), **options)
    except AlreadyRunning:
        totals["busy"] += 1
        echo(f"  {label}: another process is reconciling this employer now; nothing done.", err=True)
        return
    except Exception as error:  # noqa: BLE001 - one employer's failure never stops the others
        totals["failed"] += 1
        echo(f"  {label}: failed ({type(error).__name__}); see its run on the reconciliation page.", err=True)
        return
    totals["matched"] += run.matched
    totals["differences"] += run.differences
    totals["booked"] += run.booked
    totals["left"] += run.left
    if run.state == RunState.INCOMPLETE:
        totals["incomplete"] += 1
    echo(f"  {label}: {summary(run)}", err=run.state != RunState.DONE)


@click.command("reconcile")
@click.option("--employer", "enterprise_number", default=None,
              help="Only this employer (enterprise number, e.g. 0403.170.701).")
@click.option("--period", default=None, help="Only this period (YYYY-MM) [default: every open period].")
@click.option("--budget-seconds", default=None, type=click.FloatRange(min=0),
              help="Time budget per employer [default: RECONCILE_BUDGET_SECONDS, 600].")
@click.option("--page-size", default=500, show_default=True, type=click.IntRange(1, 1000),
              help="Register entries read per request.")
@click.option("--shard", default=None, metavar="K/N",
              help="Only the employers of shard K of N (employer id modulo N), to share a night between N "
                   "processes.")
def reconcile_command(enterprise_number, period, budget_seconds, page_size, shard):
    """Submit pending contributions, then compare every register entry with the app's contributions."""
    if period is not None:
        first, last = open_window(dates.today())
        if not _PERIOD.match(period):
            raise click.BadParameter("use YYYY-MM, e.g. 2026-11", param_hint="--period")
        if not first <= period <= last:
            raise click.BadParameter(f"the register reconciles the periods {first} to {last}",
                                     param_hint="--period")
    try:
        shard = parse_shard(shard)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--shard") from None
    budget = budget_seconds if budget_seconds is not None else current_app.config["RECONCILE_BUDGET_SECONDS"]
    totals = run_all(enterprise_number, period, budget_seconds=budget, page_size=page_size, shard=shard)
    click.echo(f"{totals['employers']} employers: {totals['matched']} matched, {totals['differences']} differences, "
               f"{totals['booked']} booked now, {totals['left']} left for the next run, "
               f"{totals['incomplete']} incomplete, {totals['busy']} busy, {totals['failed']} failed.")
    if totals["incomplete"]:
        click.echo(f"The register ({current_app.config['LEDGER_URL']}) could not be reached or did not answer "
                   f"within the time budget for {totals['incomplete']} employer(s): nothing was settled for them; "
                   f"run the command again later.", err=True)
    if totals["incomplete"] or totals["busy"] or totals["failed"]:
        raise SystemExit(1)
