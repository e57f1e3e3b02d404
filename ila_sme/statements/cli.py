"""Commands of the accountants' statements:

    flask --app app export statement --employer KBO --period 2026-Q3 --format csv|xlsx|pdf --output FILE
    flask --app app export vov-claims --employer KBO --school-year 2025-26 --output FILE
    flask --app app export training-account --employer KBO --employee ID --year 2026 --format pdf --output FILE
    flask --app app export audit-log --employer KBO --from 2026-01-01 --to 2026-03-31 --output FILE
    flask --app app periods close --employer KBO --period 2026-Q3 --by accountant@example.be

Every export is logged (who: ``--by``, or the command line). Bad input: a clear message, exit 2, nothing
written or logged."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from ila_sme import dates
from ila_sme.accounts.services import find_user
from ila_sme.employers.cli_options import employer_by_number
from ila_sme.extensions import db
from ila_sme.funding import periods
from ila_sme.people.models import EmployeeRecord
from ila_sme.permissions import can_reconcile
from ila_sme.statements import exports, vov_account_audit

export_cli = click.Group("export", help="Export statements for accountants.")
periods_cli = click.Group("periods", help="Close accounting periods.")

_common = [
    click.option("--employer", "enterprise_number", required=True, help="Enterprise number (KBO)."),
    click.option("--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path)),
    click.option("--language", default="nl", type=click.Choice(exports.LANGUAGES), show_default=True),
    click.option("--separator", default=None, type=click.Choice(exports.csvout.SEPARATORS),
                 help="CSV separator; default ';' (decimal comma) for nl and fr, ',' for en."),
    click.option("--by", "by_email", default=None, help="E-mail of the user the export is logged for."),
]


def common(function):
    for option in reversed(_common):
        function = option(function)
    return function


def _actor(email: str | None):
    if not email:
        return None
    user = find_user(email)
    if user is None:
        raise click.UsageError(f"no user with e-mail {email}")
    return user


def _write(output: Path, make) -> None:
    """Write to a file next to ``output`` and move it in place only when the export worked."""
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("wb") as out:
            entry = make(out)
        partial.replace(output)
    except (exports.ExportError, periods.PeriodError) as error:
        partial.unlink(missing_ok=True)
        db.session.rollback()
        raise click.UsageError(str(error)) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        db.session.rollback()
        raise
    db.session.commit()
    click.echo(f"{output}: {entry.line_count} lines, sha256 {entry.sha256}")


@export_cli.command("statement")
@common
@click.option("--period", required=True, help="2026-07, 2026-Q3 or 2026.")
@click.option("--format", "fmt", default="csv", type=click.Choice(exports.FORMATS), show_default=True)
@click.option("--source", default=None, help="Only this funding source (account, employer, vouchers, …).")
def statement_command(enterprise_number, output, language, separator, by_email, period, fmt, source):
    """The co-funding statement of an employer and period."""
    employer, actor = employer_by_number(enterprise_number), _actor(by_email)
    _write(output, lambda out: exports.export_statement(employer, out, actor=actor, period=period, fmt=fmt,
                                                        source=source, separator=separator, language=language))


@export_cli.command("vov-claims")
@common
@click.option("--school-year", required=True, help="2025-26")
def vov_claims_command(enterprise_number, output, language, separator, by_email, school_year):
    """The Flemish training-leave refund claims of a school year, as CSV for bulk upload."""
    employer, actor = employer_by_number(enterprise_number), _actor(by_email)
    _write(output, lambda out: exports.export_report(
        vov_account_audit.vov_claims(employer, school_year, language=language), out, actor=actor, employer=employer,
        fmt="csv", separator=separator, language=language, parameters={"school_year": school_year}))


@export_cli.command("training-account")
@common
@click.option("--employee", "employee_id", required=True, type=int, help="The employee record's id.")
@click.option("--year", required=True, type=int)
@click.option("--format", "fmt", default="pdf", type=click.Choice(("csv", "pdf")), show_default=True)
def training_account_command(enterprise_number, output, language, separator, by_email, employee_id, year, fmt):
    """An employee's individual training account of a year."""
    employer, actor = employer_by_number(enterprise_number), _actor(by_email)
    employee = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.id == employee_id,
                                                              EmployeeRecord.employer_id == employer.id))
    if employee is None:
        raise click.UsageError(f"no employee {employee_id} at this employer")
    _write(output, lambda out: exports.export_report(
        vov_account_audit.training_account(employee, year, language=language), out, actor=actor, employer=employer,
        fmt=fmt, separator=separator, language=language, parameters={"employee_id": employee.id, "year": year}))


@export_cli.command("audit-log")
@common
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
def audit_log_command(enterprise_number, output, language, separator, by_email, start, end):
    """The audit log of an employer between two days (both included), as CSV."""
    employer, actor = employer_by_number(enterprise_number), _actor(by_email)
    first, last = start.date(), end.date()
    _write(output, lambda out: exports.export_report(
        vov_account_audit.audit_log(employer, start=first, end=last, language=language), out, actor=actor,
        employer=employer, fmt="csv", separator=separator, language=language,
        parameters={"from": first.isoformat(), "to": last.isoformat()}))


@periods_cli.command("close")
@click.option("--employer", "enterprise_number", required=True, help="Enterprise number (KBO).")
@click.option("--period", required=True, help="2026-07, 2026-Q3 or 2026.")
@click.option("--by", "by_email", required=True, help="E-mail of the accountant who closes it.")
def close_command(enterprise_number, period, by_email):
    """Close a period: nothing booked in it changes any more."""
    employer, actor = employer_by_number(enterprise_number), _actor(by_email)
    if not can_reconcile(actor, employer):
        raise click.UsageError(f"{by_email} is not an accountant or admin of this employer")
    try:
        rows = periods.close(actor=actor, employer=employer, period=period, today=dates.today())
    except periods.PeriodError as error:
        db.session.rollback()
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"closed: {', '.join(row.month for row in rows)}")



