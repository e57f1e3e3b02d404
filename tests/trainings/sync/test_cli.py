"""``flask --app app registry sync`` and ``registry import FILE``: counts, clear failures, exit codes."""

from __future__ import annotations

import json
import socket

from ila_sme.extensions import db
from tests.trainings.sync.conftest import api_training, catalogue_state, runs, trainings
from tests.trainings.sync.test_import import GOOD_CSV, _bad_csv


def test_sync_prints_the_counts(app, ledger):
    runner = app.test_cli_runner()
    ledger.write(trainings=[api_training(f"ODB-{n}", f"2026-01-0{n}T00:00:00Z") for n in (1, 2, 3)], page_size=2)
    first = runner.invoke(args=["registry", "sync"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "inserted 3, updated 0, withdrawn 0, unchanged 0"

    ledger.write(trainings=[api_training("ODB-1", "2026-02-01T00:00:00Z", withdrawn=True),
                            api_training("ODB-2", "2026-02-01T00:00:00Z", title="New title"),
                            api_training("ODB-3", "2026-02-01T00:00:00Z")])
    second = runner.invoke(args=["registry", "sync"])
    assert second.output.strip() == "inserted 0, updated 1, withdrawn 1, unchanged 1"
    assert [run.state for run in runs()] == ["done", "done"]


def test_sync_exits_non_zero_when_the_register_is_in_maintenance(app, ledger):
    ledger.write(trainings=[api_training("ODB-1")], fail_with=503)
    result = app.test_cli_runner().invoke(args=["registry", "sync"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Registry sync failed: The register could not be read: maintenance (HTTP 503). "
                                     "Nothing was changed.")
    assert "inserted" not in result.stdout
    assert trainings() == {} and runs()[-1].state == "failed"


def test_sync_exits_non_zero_when_the_register_cannot_be_reached(app, ledger):
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config["LEDGER_URL"] = f"http://127.0.0.1:{port}"
    result = app.test_cli_runner().invoke(args=["registry", "sync"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Registry sync failed: The register could not be read: the register cannot be "
                                    "reached (ConnectError). Nothing was changed.")
    assert runs()[-1].error.startswith("The register could not be read: the register cannot be reached")


def test_import_prints_the_counts_and_takes_the_format_from_the_extension(app, tmp_path):
    runner = app.test_cli_runner()
    csv_file = tmp_path / "registry.csv"
    csv_file.write_bytes(GOOD_CSV)
    result = runner.invoke(args=["registry", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "inserted 3, updated 0, withdrawn 0, unchanged 0"

    json_file = tmp_path / "export.data"
    json_file.write_text(json.dumps({"trainings": [api_training("ODB-200001", title="Boekhouden (JSON)"),
                                                   api_training("ODB-900001")]}))
    result = runner.invoke(args=["registry", "import", str(json_file), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "inserted 1, updated 1, withdrawn 0, unchanged 0"
    assert trainings()["ODB-200001"].title == "Boekhouden (JSON)"

    unknown = runner.invoke(args=["registry", "import", str(json_file)])
    assert unknown.exit_code == 2 and "give --format csv or --format json" in unknown.output


def test_import_of_a_bad_file_prints_every_bad_line_and_exits_1(app, shop, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_bytes(_bad_csv(shop))
    state = catalogue_state()
    result = app.test_cli_runner().invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8, 10, 11)]
    assert lines[0] == "line 3: title is missing"
    assert lines[-1] == "8 problems in registry.csv: nothing was imported."
    assert result.stdout == ""
    db.session.expire_all()
    assert catalogue_state() == state
