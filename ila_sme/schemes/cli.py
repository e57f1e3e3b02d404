"""``flask --app app schemes install-defaults``: the national and regional parameter versions."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ila_sme.extensions import db
from ila_sme.schemes import services

schemes_cli = AppGroup("schemes", help="Parameters of the entitlement schemes.")


@schemes_cli.command("install-defaults")
def install_defaults():
    """Add the national and regional versions of ila_sme/schemes/defaults.py that are missing (idempotent)."""
    added = services.install_defaults()
    db.session.commit()
    click.echo(f"{added} parameter version(s) added.")
