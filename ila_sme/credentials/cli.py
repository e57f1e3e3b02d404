"""``flask --app app credentials check [--date YYYY-MM-DD]``: the nightly check of held credentials now.

Re-verifies every credential whose state can change with time and tells of those expiring within 60 days
(once per credential); the scheduler's "credentials-check" job runs the same. It prints the counts and exits
with status 1 when some credential could not be checked (the others' work stands).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ila_sme import dates
from ila_sme.credentials import notices

credentials_cli = AppGroup("credentials", help="Micro-credentials: the nightly re-check and expiry notices.")


@credentials_cli.command("check")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if today were this date (YYYY-MM-DD). Default: today.")
def check(day):
    """Re-check every credential whose state can change with time; tell of those expiring soon."""
    today = day.date() if day else dates.today()
    counts = notices.nightly_check(today)
    click.echo(f"Credentials checked on {today.isoformat()}: {counts['checked']} checked, {counts['changed']} "
               f"changed state ({counts['expired']} expired), {counts['notified']} expiring soon told "
               f"({counts['notifications']} notifications), {counts['failed']} failed.")
    if counts["failed"]:
        raise SystemExit(1)
