"""Shared by the commands that take ``--employer KBO``."""

from __future__ import annotations

import click
from sqlalchemy import select

from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.identifiers import InvalidIdentifier, format_kbo, normalise_kbo


def employer_by_number(enterprise_number: str | None) -> Employer | None:
    """The employer of an enterprise number given on the command line; None when none was given."""
    if not enterprise_number:
        return None
    try:
        number = normalise_kbo(enterprise_number)
    except InvalidIdentifier as error:
        raise click.UsageError(str(error)) from error
    employer = db.session.scalar(select(Employer).where(Employer.enterprise_number == number))
    if employer is None:
        raise click.UsageError(f"no employer with enterprise number {format_kbo(number)}")
    return employer
