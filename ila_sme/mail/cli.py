"""``flask --app app mail send-outbox``: send the outbox's due messages now (what the scheduler does)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ila_sme.mail import outbox

mail_cli = AppGroup("mail", help="Outgoing mail.")


@mail_cli.command("send-outbox")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="At most this many messages in this run.")
def send_outbox_command(limit):
    """Send the due messages of the outbox; exit 1 when some could not be sent (they are retried later)."""
    result = outbox.send_outbox(limit=limit, echo=current_app.config.get("ENV_NAME") == "development")
    counts = result.counts()
    click.echo(f"mail: sent {counts['sent']}, to retry {counts['retrying']}, failed {counts['failed']}.")
    if result.retrying or result.failed:
        raise SystemExit(1)
