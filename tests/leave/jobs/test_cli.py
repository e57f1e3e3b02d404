"""``flask --app app leave allocate|close-periods`` and ``schemes install-defaults``: output and exit codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.identifiers import format_kbo
from ila_sme.leave import jobs, ledger
from ila_sme.leave.models import LedgerEntry
from ila_sme.schemes import services as schemes


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def test_allocate_prints_counts_and_a_second_run_adds_nothing(app, staff):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["leave", "allocate", "--date", "2026-03-02"])
    assert first.exit_code == 0, first.output
    kbo = format_kbo(staff["bakery"].enterprise_number)
    assert f"Bakkerij Jobs ({kbo}): 6 rows added (training_right 2026: allocation 3, vov 2025-26: allocation 3)" \
        in first.output
    assert "8 rows added for 2 employer(s); 0 failed." in first.output
    assert _count() == 8
    second = runner.invoke(args=["leave", "allocate", "--date", "2026-03-02"])
    assert second.exit_code == 0
    assert f"Bakkerij Jobs ({kbo}): nothing to add" in second.output
    assert "0 rows added for 2 employer(s); 0 failed." in second.output
    assert _count() == 8


def test_allocate_for_one_employer_by_its_number_in_any_format(app, staff):
    number = staff["installer"].enterprise_number
    result = app.test_cli_runner().invoke(args=["leave", "allocate", "--employer", f"BE {format_kbo(number)}",
                                                "--date", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "Installateur Jobs" in result.output and "Bakkerij Jobs" not in result.output
    assert "2 rows added for 1 employer(s)" in result.output


def test_allocate_without_a_date_uses_today(app, staff):
    app.config["TODAY"] = date(2027, 2, 1)
    result = app.test_cli_runner().invoke(args=["leave", "allocate"])
    assert result.exit_code == 0
    assert "Allocation for 2027-02-01:" in result.output and "training_right 2027: allocation 3" in result.output


def test_bad_arguments_exit_with_a_usage_error(app, staff):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["leave", "allocate", "--employer", "0403.170.701"])
    assert unknown.exit_code == 2 and "no employer with enterprise number 0403.170.701" in unknown.output
    invalid = runner.invoke(args=["leave", "close-periods", "--employer", "0403.170.702"])
    assert invalid.exit_code == 2 and "Not a valid enterprise number" in invalid.output
    bad_date = runner.invoke(args=["leave", "allocate", "--date", "2026-02-30"])
    assert bad_date.exit_code == 2
    assert _count() == 0


def test_a_failing_employer_gives_exit_code_1_and_the_others_are_done(app, staff, monkeypatch):
    real = jobs.ledger.ensure_allocation

    def failing(employee, employer, scheme, period):
        if employer.name == "Bakkerij Jobs":
            raise RuntimeError("database went away")
        return real(employee, employer, scheme, period)

    monkeypatch.setattr(jobs.ledger, "ensure_allocation", failing)
    result = app.test_cli_runner().invoke(args=["leave", "allocate", "--date", "2026-03-02"])
    assert result.exit_code == 1
    assert "Bakkerij Jobs" in result.output and "FAILED, nothing saved for this employer: RuntimeError: " \
        "database went away" in result.output
    assert "Installateur Jobs" in result.output and "2 rows added for 1 employer(s); 1 failed." in result.output
    assert _count() == 2


def test_close_periods_prints_what_was_carried_and_expired(app, staff):
    full, bakery = staff["full"], staff["bakery"]
    ledger.ensure_allocation(full, bakery, "training_right", schemes.period_by_label("training_right", "2025"))
    ledger.ensure_allocation(full, bakery, "vov", schemes.period_by_label("vov", "2024-25"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["leave", "close-periods", "--date", "2026-01-05"])
    assert result.exit_code == 0, result.output
    assert "Closing periods before 2026-01-05:" in result.output
    assert "3 rows added (training_right 2025: carry_over 2, vov 2024-25: expiry 1)" in result.output
    assert ledger.balance(full.id, "training_right", "2026").carried_over == Decimal("1.00")
    again = runner.invoke(args=["leave", "close-periods", "--date", "2026-01-05"])
    assert again.exit_code == 0 and "0 rows added for 2 employer(s)" in again.output


def test_install_defaults_adds_only_what_is_missing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["schemes", "install-defaults"])
    assert result.exit_code == 0 and "0 parameter version(s) added." in result.output
    from ila_sme.schemes.models import SchemeParameter

    db.session.execute(SchemeParameter.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["schemes", "install-defaults"])
    from ila_sme.schemes.defaults import DEFAULTS

    assert f"{len(DEFAULTS)} parameter version(s) added." in result.output
    assert db.session.scalar(select(func.count()).select_from(SchemeParameter)) == len(DEFAULTS) == 6
