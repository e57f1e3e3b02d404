"""``flask --app app registry sync`` and ``flask --app app registry import FILE``: mirror the national
training registry into the catalogue, from the register's API or from a file.

Both print the counts; on failure they print why (every bad line, for a file), save nothing but the
failed run, and exit with status 1.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ila_sme.register.client import RegisterClient
from ila_sme.trainings import importer, sync

registry_cli = AppGroup("registry", help="The national registry of eligible training: sync or import.")


@registry_cli.command("sync")
def sync_command():
    """Fetch what changed in the register since the last successful sync (LEDGER_URL, LEDGER_TOKEN)."""
    try:
        with RegisterClient.for_registry() as client:
            run = sync.sync_registry(client)
    except sync.SyncError as error:
        click.echo(f"Registry sync failed: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(sync.Counts(run.inserted, run.updated, run.withdrawn, run.unchanged).summary())


@registry_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(importer.FORMATS), default=None,
              help="csv or json. Default: from the file's extension.")
def import_command(file: Path, fmt: str | None):
    """Import the registry from a CSV or JSON file (all or nothing; see ila_sme/trainings/importer.py)."""
    fmt = fmt or file.suffix.lower().lstrip(".")
    if fmt not in importer.FORMATS:
        raise click.UsageError(f"cannot tell the format of {file.name}: give --format csv or --format json")
    try:
        run = importer.import_file(file, fmt)
    except importer.RegistryImportError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} in {file.name}: nothing was imported.", err=True)
        raise SystemExit(1) from None
    click.echo(sync.Counts(run.inserted, run.updated, run.withdrawn, run.unchanged).summary())
