"""The commands: export a statement in each format, close a period, and clear messages for bad input."""

from __future__ import annotations

import hashlib

import pytest

from ila_sme.funding.models import ClosedPeriod
from ila_sme.statements.models import StatementExport
from tests.statements.helpers import csv_lines, csv_rows, pdf_text, workbook


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_export_statement_command(app, books, tmp_path, fmt):
    output = tmp_path / f"statement.{fmt}"
    result = _run(app, "export", "statement", "--employer", books.employer.enterprise_number, "--period", "2026-Q3",
                  "--format", fmt, "--output", str(output), "--language", "en", "--by", "accountant@example.be")
    assert result.exit_code == 0, result.output
    data = output.read_bytes()
    entry = StatementExport.query.one()
    assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.created_by_id == books.accountant.id
    assert f"5 lines, sha256 {entry.sha256}" in result.output
    if fmt == "csv":
        assert len(csv_lines(csv_rows(data))[1]) == 5
    elif fmt == "xlsx":
        assert workbook(data)["A1"].value == "Co-funding statement"
    else:
        assert "1.523,94 €" in pdf_text(data)[0]  # English as written in Belgium (en_BE)


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-Q9"], "Not a period"),
    (["--period", "2026", "--source", "lottery"], "Not a funding source"),
    (["--period", "2026", "--employer", "0123456789"], "enterprise number"),
])
def test_bad_input_writes_nothing(app, books, tmp_path, args, message):
    output = tmp_path / "exports" / "out.csv"
    output.parent.mkdir()
    base = ["export", "statement", "--employer", books.employer.enterprise_number, "--output", str(output),
            "--language", "en"]
    result = _run(app, *base, *args)
    assert result.exit_code == 2 and message in result.output
    assert not list(output.parent.iterdir())  # neither the file nor a partial one
    assert StatementExport.query.count() == 0


def test_periods_close_command(app, books):
    kbo = books.employer.enterprise_number
    result = _run(app, "periods", "close", "--employer", kbo, "--period", "2026-07", "--by", "accountant@example.be")
    assert result.exit_code == 0 and "closed: 2026-07" in result.output
    assert [row.month for row in ClosedPeriod.query.all()] == ["2026-07"]
    again = _run(app, "periods", "close", "--employer", kbo, "--period", "2026-07", "--by", "accountant@example.be")
    assert again.exit_code == 2 and "already closed" in again.output


def test_only_an_accountant_or_admin_closes(app, books):
    from tests import factories

    factories.user("manager@example.be", roles={books.employer: "manager"})
    result = _run(app, "periods", "close", "--employer", books.employer.enterprise_number, "--period", "2026-07",
                  "--by", "manager@example.be")
    assert result.exit_code == 2 and "not an accountant or admin" in result.output
    assert ClosedPeriod.query.count() == 0
