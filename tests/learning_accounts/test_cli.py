"""``flask --app app learning-accounts refresh [--employer KBO]``: counts, and exit 1 when some failed."""

from __future__ import annotations

from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.identifiers import format_kbo
from ila_sme.learning_accounts import services
from ila_sme.learning_accounts.models import AccountSnapshot
from tests import factories
from tests.learning_accounts.conftest import account


def _snapshots() -> int:
    return db.session.scalar(select(func.count()).select_from(AccountSnapshot))


def test_refresh_prints_the_counts_and_succeeds_when_all_are_refreshed(app, world, ledger):
    ledger.write(accounts={e.national_number: account() for e in (world.employee, world.colleague)})

    result = app.test_cli_runner().invoke(args=["learning-accounts", "refresh"])

    assert result.exit_code == 0, result.output
    kbo = format_kbo(world.employer.enterprise_number)
    assert f"  Drukkerij Rekening ({kbo}): 2 refreshed, 0 failed" in result.output
    assert result.output.rstrip().endswith("2 refreshed, 0 failed.")
    assert _snapshots() == 2
    assert services.snapshot_of(world.employee).balance_cents == 15010


def test_refresh_exits_1_when_some_failed_and_names_no_person(app, world, ledger):
    ledger.write(accounts={world.employee.national_number: account()})  # Cora is unknown: 403

    result = app.test_cli_runner().invoke(args=["learning-accounts", "refresh"])

    assert result.exit_code == 1
    assert "Drukkerij Rekening" in result.output and "1 refreshed, 1 failed" in result.output
    assert result.output.rstrip().endswith("1 refreshed, 1 failed.")
    for insz in (world.employee.national_number, world.colleague.national_number):
        assert insz not in result.output
    assert _snapshots() == 1  # Wim's refresh was committed


def test_refresh_with_the_register_down_reports_why(app, world, ledger):
    ledger.write(fail_with=503)
    result = app.test_cli_runner().invoke(args=["learning-accounts", "refresh"])
    assert result.exit_code == 1
    assert "0 refreshed, 2 failed (the register answered 503 (unavailable))" in result.output
    assert _snapshots() == 0


def test_refresh_of_one_employer(app, world, ledger):
    other = factories.employer("Ander BV", register_token=ledger.token)
    unknown = factories.employee(other)  # the register does not know this one: would fail
    db.session.commit()
    ledger.write(accounts={e.national_number: account() for e in (world.employee, world.colleague)})

    result = app.test_cli_runner().invoke(
        args=["learning-accounts", "refresh", "--employer", format_kbo(world.employer.enterprise_number)])

    assert result.exit_code == 0, result.output
    assert "Ander BV" not in result.output and "2 refreshed, 0 failed." in result.output
    assert services.snapshot_of(unknown) is None


def test_refresh_refuses_an_unknown_or_invalid_enterprise_number(app, world, ledger):
    runner = app.test_cli_runner()
    invalid = runner.invoke(args=["learning-accounts", "refresh", "--employer", "0123456789"])
    assert invalid.exit_code == 2 and "Error" in invalid.output
    unknown = runner.invoke(args=["learning-accounts", "refresh", "--employer", "0403.170.701"])
    assert unknown.exit_code == 2 and "no employer with enterprise number 0403.170.701" in unknown.output
    assert _snapshots() == 0
