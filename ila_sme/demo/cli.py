"""``flask --app app demo seed``: a realistic Flemish bakery, an installer and their accountant.

Idempotent: every object is looked up by its natural key first, so a second run adds nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ila_sme.accounts.models import User
from ila_sme.accounts.services import find_user
from ila_sme.audit.services import record
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz as insz
from ila_sme.identifiers import make_kbo as kbo
from ila_sme.people.models import EmployeeRecord

demo_cli = AppGroup("demo", help="Demo data for development.")

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for the demo on purpose


EMPLOYERS = [
    {
        "key": "bakery", "serials": 100, "name": "Bakkerij Van Damme BV", "enterprise_number": kbo(7123456),
        "region": "flanders", "average_fte": Decimal("11.60"), "joint_committee": "118.03", "default_language": "nl",
    },
    {
        "key": "installer", "serials": 300, "name": "Peeters Installaties NV", "enterprise_number": kbo(8234567),
        "region": "flanders", "average_fte": Decimal("6.80"), "joint_committee": "149.01", "default_language": "nl",
    },
]

USERS = [
    # email, name, language, [(employer key, role)]
    ("els@bakkerij-vandamme.be", "Els Van Damme", "nl", [("bakery", "admin"), ("bakery", "manager")]),
    ("tom@bakkerij-vandamme.be", "Tom Claes", "nl", [("bakery", "manager"), ("bakery", "employee")]),
    ("sarah@bakkerij-vandamme.be", "Sarah Janssens", "nl", [("bakery", "employee")]),
    ("koen@boekhouding-maes.be", "Koen Maes", "nl", [("bakery", "accountant"), ("installer", "accountant")]),
    ("jan@peeters-installaties.be", "Jan Peeters", "nl", [("installer", "admin"), ("installer", "manager")]),
    ("lucas@peeters-installaties.be", "Lucas Wouters", "fr", [("installer", "employee")]),
]

# first, last, email (login if in USERS), born, pct, hours, start, end, team, approver email
STAFF = {
    "bakery": [
        ("Tom", "Claes", "tom@bakkerij-vandamme.be", date(1984, 3, 12), 100, 38, date(2015, 9, 1), None,
         "Productie", "els@bakkerij-vandamme.be"),
        ("Sarah", "Janssens", "sarah@bakkerij-vandamme.be", date(1996, 7, 30), 80, "30.4", date(2021, 2, 1), None,
         "Winkel", "tom@bakkerij-vandamme.be"),
        ("Mehmet", "Yilmaz", "mehmet.yilmaz@example.be", date(1990, 11, 2), 100, 38, date(2018, 4, 16), None,
         "Productie", "tom@bakkerij-vandamme.be"),
        ("Lotte", "Peeters", None, date(2001, 5, 21), 50, 19, date(2023, 9, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
        ("Bram", "De Smet", "bram.desmet@example.be", date(1978, 1, 9), 100, 38, date(2009, 1, 5), None,
         "Productie", "tom@bakkerij-vandamme.be"),
        ("Fatima", "El Amrani", None, date(1993, 8, 14), 80, "30.4", date(2020, 6, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
        ("Wim", "Verbeke", None, date(1969, 12, 3), 100, 38, date(2001, 3, 1), None, "Levering",
         "els@bakkerij-vandamme.be"),
        ("Nina", "Goossens", "nina.goossens@example.be", date(2003, 2, 27), 100, 38, date(2025, 9, 1),
         date(2026, 8, 31), "Productie", "tom@bakkerij-vandamme.be"),
        ("Jonas", "Willems", None, date(1988, 10, 19), 60, "22.8", date(2019, 10, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
        ("An", "Mertens", None, date(1975, 6, 6), 100, 38, date(2012, 5, 1), None, "Administratie",
         "els@bakkerij-vandamme.be"),
        ("Kevin", "Dubois", None, date(1998, 4, 1), 100, 38, date(2024, 1, 8), None, "Productie",
         "tom@bakkerij-vandamme.be"),
        ("Elif", "Kaya", None, date(2000, 9, 9), 80, "30.4", date(2022, 3, 1), None, "Winkel",
         "tom@bakkerij-vandamme.be"),
    ],
    "installer": [
        ("Lucas", "Wouters", "lucas@peeters-installaties.be", date(1994, 1, 23), 100, 40, date(2017, 8, 1), None,
         "Elektriciteit", "jan@peeters-installaties.be"),
        ("Ruben", "Hermans", None, date(1986, 7, 4), 100, 40, date(2012, 2, 1), None, "Sanitair",
         "jan@peeters-installaties.be"),
        ("Sofie", "Lambert", None, date(1991, 3, 18), 80, 32, date(2019, 9, 2), None, "Kantoor",
         "jan@peeters-installaties.be"),
        ("Dries", "Jacobs", None, date(2002, 12, 12), 100, 40, date(2024, 9, 1), None, "Elektriciteit",
         "jan@peeters-installaties.be"),
        ("Hanne", "Maes", None, date(1980, 5, 30), 50, 20, date(2016, 1, 4), None, "Kantoor",
         "jan@peeters-installaties.be"),
        ("Yusuf", "Demir", None, date(1997, 10, 7), 100, 40, date(2021, 5, 3), None, "Sanitair",
         "jan@peeters-installaties.be"),
    ],
}


@demo_cli.command("seed")
def seed():
    """Create the demo employers, users and staff (idempotent) and print the logins."""
    employers = {spec["key"]: _employer(spec) for spec in EMPLOYERS}
    users = {email: _user(email, name, language) for email, name, language, _roles in USERS}
    for email, _name, _language, roles in USERS:
        for key, role in roles:
            _membership(users[email], employers[key], role)
    serials = {spec["key"]: spec["serials"] for spec in EMPLOYERS}
    for key, staff in STAFF.items():
        for serial, row in enumerate(staff, start=serials[key]):
            _employee(employers[key], serial, row, users)
    db.session.commit()
    click.echo("Demo data is ready. Sign in at http://127.0.0.1:5000 with password " + DEMO_PASSWORD)
    for email, name, _language, roles in USERS:
        described = ", ".join(f"{role} at {employers[key].name}" for key, role in roles)
        click.echo(f"  {email:32} {name:16} {described}")


def _employer(spec: dict) -> Employer:
    employer = db.session.scalar(select(Employer).where(Employer.enterprise_number == spec["enterprise_number"]))
    if employer is None:
        employer = Employer(**{key: value for key, value in spec.items() if key not in ("key", "serials")})
        db.session.add(employer)
        db.session.flush()
        record("employer.created", employer_id=employer.id, obj=employer, after={"name": employer.name})
    return employer


def _user(email: str, name: str, language: str) -> User:
    user = find_user(email)
    if user is None:
        user = User(email=email, name=name, language=language)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    return user


def _membership(user: User, employer: Employer, role: str) -> None:
    if role not in user.roles_in(employer.id):
        db.session.add(Membership(user=user, employer=employer, role=role))
        db.session.flush()


def _employee(employer: Employer, serial: int, row: tuple, users: dict[str, User]) -> None:
    first, last, email, born, pct, hours, start, end, team, approver_email = row
    number = insz(born, serial)
    exists = db.session.scalar(
        select(EmployeeRecord.id).where(
            EmployeeRecord.employer_id == employer.id, EmployeeRecord.national_number == number
        )
    )
    if exists is not None:
        return
    login = users.get(email) if email else None
    employee = EmployeeRecord(
        employer_id=employer.id, user_id=login.id if login else None, first_name=first, last_name=last,
        email=email, national_number=number, team=team, employment_pct=Decimal(str(pct)),
        hours_per_week=Decimal(str(hours)), contract_start=start, contract_end=end,
        approver_id=users[approver_email].id,
    )
    db.session.add(employee)
    db.session.flush()
    record("employee.created", employer_id=employer.id, obj=employee, after=employee.audit_view())
