"""``flask --app app users create-admin``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ila_sme import dates
from ila_sme.accounts.models import User
from ila_sme.accounts.services import AccountError, deactivate_user, find_user
from ila_sme.audit.services import record
from ila_sme.employers.models import Employer, Membership, Region
from ila_sme.employers.services import create_employer
from ila_sme.extensions import db
from ila_sme.identifiers import InvalidIdentifier, normalise_kbo
from ila_sme.roles import Role

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--employer", "enterprise_number", prompt="Enterprise number (KBO/BCE)")
@click.option("--employer-name", default=None, help="Creates the employer when it does not exist yet.")
@click.option("--region", type=click.Choice([r.value for r in Region]), default=Region.FLANDERS.value)
def create_admin(email, name, password, enterprise_number, employer_name, region):
    """Create (or promote) a user as admin of an employer."""
    if len(password) < 10:
        raise click.UsageError("the password needs at least 10 characters")
    try:
        number = normalise_kbo(enterprise_number)
    except InvalidIdentifier as error:
        raise click.UsageError(str(error)) from error
    employer = db.session.scalar(select(Employer).where(Employer.enterprise_number == number))
    if employer is None:
        if not employer_name:
            raise click.UsageError("no employer with that number: give --employer-name to create it")
        employer = create_employer(actor=None, today=dates.today(), name=employer_name, enterprise_number=number,
                                   region=region)
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        record("user.created", employer_id=employer.id, obj=user, after={"email": user.email})
    if Role.ADMIN not in user.roles_in(employer.id):
        db.session.add(Membership(user_id=user.id, employer_id=employer.id, role=Role.ADMIN))
        record("membership.created", employer_id=employer.id, obj=user, after={"role": Role.ADMIN.value})
    db.session.commit()
    click.echo(f"{user.email} is admin of {employer.name} ({employer.enterprise_number_display}).")


@users_cli.command("deactivate")
@click.option("--email", required=True)
def deactivate(email):
    """Deactivate a user everywhere: no more sign-ins, and every open session ends now."""
    user = find_user(email)
    if user is None:
        raise click.UsageError("no user with that e-mail address")
    try:
        deactivate_user(user)
    except AccountError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} is deactivated; their sessions have ended.")
