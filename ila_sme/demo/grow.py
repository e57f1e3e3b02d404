"""``flask --app app demo grow --staff 250``: the demo employer grown to many staff, through the real services, so
that every page can be measured (scripts/bench_pages.py) and looked at with the data a larger employer has.

Each new employee is created by ``people.services.create_employee`` (their terms, history and this year's
entitlements, as for a person added on the People page) and, in turn, gets some of: a training-leave or
career-guidance request (pending, approved, rejected, withdrawn or cancelled, decided by their approver through
``leave.services``), a co-funding request (asked, approved or rejected through ``funding.services``), and a paper
micro-credential entered by their manager (``credentials.services.add_manual``). The mix repeats every few
people, so every page shows every state.

Idempotent: the grown staff are found by their national numbers (serials from ``FIRST_SERIAL`` on), so a second
run with the same ``--staff`` adds nothing, and a larger one adds only the difference. A service that refuses a
request (no balance left, a public holiday …) is simply skipped: the demo only needs realistic rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ila_sme.accounts.models import User
from ila_sme.accounts.services import find_user
from ila_sme.credentials import services as credentials
from ila_sme.credentials.errors import CredentialError
from ila_sme.demo.data import EMPLOYERS
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.funding import services as funding
from ila_sme.funding.rules import Split
from ila_sme.identifiers import make_insz
from ila_sme.leave import services as leave
from ila_sme.leave.errors import LeaveError
from ila_sme.mail import suppressed as mail_suppressed
from ila_sme.people import account_links
from ila_sme.people import services as people
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from ila_sme.trainings.models import Training

FIRST_SERIAL = 500  # the seed's staff use 100.. (bakery) and 300.. (installer)
FIRST_NAMES = ("Emma", "Noah", "Louise", "Arthur", "Olivia", "Jules", "Mila", "Lucas", "Elena", "Finn", "Lina",
               "Victor", "Nora", "Mohamed", "Ines", "Lars", "Sara", "Wout", "Amira", "Stijn")
LAST_NAMES = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
              "De Smet", "Dubois", "Lambert", "Dupont", "Hermans", "Aerts", "Vermeulen", "Van den Broeck", "Smets")
TEAMS = ("Productie", "Winkel", "Levering", "Administratie")
# Per employee, by position in a cycle of ten: the leave request's fate (None: no request).
LEAVE_FATES = ("pending", "approved", None, "rejected", "approved", "withdrawn", None, "cancelled", "pending", None)
ADMINS = {"bakery": "els@bakkerij-vandamme.be", "installer": "jan@peeters-installaties.be"}
APPROVERS = {"bakery": ("tom@bakkerij-vandamme.be", "els@bakkerij-vandamme.be"),
             "installer": ("jan@peeters-installaties.be",)}


@dataclass
class Grown:
    employer: str
    staff_before: int
    staff_after: int
    added: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def __str__(self) -> str:
        details = ", ".join(f"{what} {n}" for what, n in sorted(self.counts.items()))
        return (f"{self.employer}: {self.staff_before} -> {self.staff_after} staff ({self.added} added"
                + (f"; {details}" if details else "") + ")")


def staff_count(employer: Employer) -> int:
    return db.session.scalar(select(func.count()).select_from(EmployeeRecord)
                             .where(EmployeeRecord.employer_id == employer.id))


def demo_employer(key: str) -> Employer | None:
    number = next(spec["enterprise_number"] for spec in EMPLOYERS if spec["key"] == key)
    return db.session.scalar(select(Employer).where(Employer.enterprise_number == number))


def grow(staff: int, today: date, keys: tuple[str, ...] = ("bakery",)) -> list[Grown]:
    """Grow each demo employer of ``keys`` to ``staff`` employees (the caller commits)."""
    results = []
    for key in keys:
        employer = demo_employer(key)
        if employer is None:
            raise LookupError("The demo is not seeded: run `flask --app app demo seed` first.")
        results.append(_grow(employer, key, staff, today))
    return results


def _grow(employer: Employer, key: str, staff: int, today: date) -> Grown:
    before = staff_count(employer)
    result = Grown(employer.name, before, before)
    admin = find_user(ADMINS[key])
    approvers = [find_user(email) for email in APPROVERS[key]]
    trainings = _trainings(today)
    types = {leave_type.kind: leave_type for leave_type in schemes.leave_types(employer)}
    taken = set(db.session.scalars(select(EmployeeRecord.national_number)
                                   .where(EmployeeRecord.employer_id == employer.id)))
    serial = FIRST_SERIAL
    position = 0
    while result.staff_after < staff:
        born = date(1965 + position % 38, 1 + position % 12, 1 + position % 28)
        number = make_insz(born, serial)
        serial += 1
        if number in taken:
            position += 1
            continue
        approver = approvers[position % len(approvers)]
        employee = _employee(employer, admin, approver, number, position, today)
        if LEAVE_FATES[position % len(LEAVE_FATES)] is not None:
            _login(employee, employer, admin, serial)
        result.added += 1
        result.staff_after += 1
        _story(employee, approver, admin, position, types, trainings, today, result)
        position += 1
        db.session.flush()
    return result


def _employee(employer, admin, approver, number: str, position: int, today: date) -> EmployeeRecord:
    first, last = FIRST_NAMES[position % len(FIRST_NAMES)], LAST_NAMES[position // len(FIRST_NAMES) % len(LAST_NAMES)]
    full_time = position % 4 != 3
    data = {
        "first_name": first, "last_name": f"{last} {position + 1}", "national_number": number,
        "email": None, "team": TEAMS[position % len(TEAMS)],
        "employment_pct": Decimal("100") if full_time else Decimal("50"),
        "hours_per_week": Decimal("38") if full_time else Decimal("19"),
        "contract_start": date(today.year - 1 - position % 10, 1 + position % 12, 1), "contract_end": None,
        "approver_id": approver.id,
    }
    return people.create_employee(actor=admin, employer=employer, data=data, today=today)


def _login(employee: EmployeeRecord, employer, admin, serial: int) -> None:
    """An account for someone who asks for leave (one asks only for oneself), with the demo's password (the
    hash of the admin's, so growing stays fast), linked to the record as an admin links one."""
    email = f"staff{serial}@{employer.enterprise_number.replace('.', '')}.demo.example"
    user = find_user(email)
    if user is None:
        user = User(email=email, name=employee.full_name, language="nl", password_hash=admin.password_hash)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, employer_id=employer.id, role="employee"))
    account_links.link_account(actor=admin, employee=employee, user=user)


def _trainings(today: date) -> list[Training]:
    return list(db.session.scalars(
        select(Training).where(Training.employer_id.is_(None), Training.eligible_paid_leave.is_(True),
                               Training.withdrawn.is_(False), Training.starts_on > today,
                               Training.hours >= 32)
        .order_by(Training.starts_on, Training.id).limit(12)))


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _story(employee, approver, admin, position: int, types: dict, trainings: list[Training], today: date,
           result: Grown) -> None:
    fate = LEAVE_FATES[position % len(LEAVE_FATES)]
    if fate is not None:
        _leave(employee, approver, fate, position, types, trainings, today, result)
    if position % 3 == 0:
        _cofunding(employee, employee.user or approver, admin, position, today, result)
    if position % 4 == 1:
        _credential(employee, approver, position, today, result)


def _leave(employee, approver, fate: str, position: int, types: dict, trainings: list[Training], today: date,
           result: Grown) -> None:
    training = trainings[position % len(trainings)] if trainings and position % 2 == 0 else None
    if training is not None and LeaveKind.TRAINING in types:
        start = _weekday(max(training.starts_on, today + timedelta(days=1)))
        data = leave.RequestInput(leave_type=types[LeaveKind.TRAINING], start_date=start, end_date=start,
                                  training=training, hours_per_day=Decimal("7.6"))
    else:
        start = _weekday(today + timedelta(days=14 + position % 60))
        data = leave.RequestInput(leave_type=types[LeaveKind.CAREER_GUIDANCE], start_date=start, end_date=start)
    try:
        with mail_suppressed():
            request = leave.submit(actor=employee.user, employee=employee, data=data, today=today)
            if fate == "withdrawn":
                leave.withdraw(actor=employee.user, request=request, today=today)
            elif fate == "rejected":
                leave.reject(actor=approver, request=request, reason="Drukke periode in de winkel.", today=today)
            elif fate in ("approved", "cancelled"):
                leave.approve(actor=approver, request=request, today=today)
            if fate == "cancelled":
                leave.ask_cancellation(actor=employee.user, request=request, reason="Ziek.", today=today)
                leave.decide_cancellation(actor=approver, request=request, accept=True, today=today)
    except LeaveError:
        result.count("leave refused")
        return
    result.count(f"leave {fate}")


def _cofunding(employee, asker, admin, position: int, today: date, result: Grown) -> None:
    """Asked by the employee (or their manager for someone without an account), decided by the admin."""
    amount = Decimal(50 + 25 * (position % 5))
    try:
        with mail_suppressed():
            request = funding.ask(actor=asker, employee=employee, kind="top-up", cost=amount,
                                  split=Split(employer=amount), today=today)
            if position % 9 == 3:
                funding.approve(actor=admin, funding=request, today=today)
                result.count("co-funding approved")
                return
            if position % 9 == 6:
                funding.reject(actor=admin, funding=request, reason="Budget van dit jaar is op.")
                result.count("co-funding rejected")
                return
    except funding.FundingError:
        result.count("co-funding refused")
        return
    result.count("co-funding pending")


def _credential(employee, manager, position: int, today: date, result: Grown) -> None:
    issued = today - timedelta(days=30 + position % 300)
    values = {"title": ("Eerste hulp op de werkvloer", "Veilig werken met gas", "Klantvriendelijk verkopen",
                        "Hygiëne in de voedingssector")[position % 4],
              "awarding_body": "Syntra Midden-Vlaanderen", "issuer_country": "BE", "issued_on": issued.isoformat(),
              "valid_until": (issued + timedelta(days=365 * 3)).isoformat()}
    try:
        credentials.add_manual(actor=manager, employee=employee, values=values, today=today)
    except CredentialError:
        result.count("credential refused")
        return
    result.count("credential")
