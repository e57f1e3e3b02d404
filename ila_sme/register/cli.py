"""``flask --app app ledger devserver``: run the development register beside the app.

A thin launcher: the register is a separate program (``python -m devregister``, beside this package); this
command becomes that process, with its store in the app's instance folder by default.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ila_sme.register import devprocess

ledger_cli = AppGroup("ledger", help="The national learning-account register (development stand-in).")


@ledger_cli.command("devserver")
@click.option("--port", default=5055, show_default=True, help="0 picks a free port (printed on start).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--db", "db_path", default=None, help="SQLite file [default: <instance>/dev-register.sqlite3].")
@click.option("--faults", envvar="LEDGER_FAULTS", default="",
              help="e.g. latency=0.05,rate_limit=0.1,unavailable=0.05,drop_after_commit=0.1,slow=0.05,"
                   "slow_seconds=15,seed=42 (also from LEDGER_FAULTS).")
@click.option("--seed/--no-seed", default=True, show_default=True, help="Insert the demo data that is missing.")
def devserver(port: int, host: str, db_path: str | None, faults: str, seed: bool):
    """Serve the development register: runs `python -m devregister` (its own process and SQLite store)."""
    path = db_path or str(Path(current_app.instance_path) / "dev-register.sqlite3")
    devprocess.replace_this_process(devprocess.command(store=path, port=port, host=host, faults=faults, seed=seed))
