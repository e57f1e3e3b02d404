"""``flask --app app demo seed``: a realistic Flemish bakery, an installer and their accountant,
the training registry (the development register's whole registry, mirrored as the nightly sync does), a
year of training-leave and co-funding history and the staff's micro-credentials, built through the real
services.

Idempotent: every object is looked up by its natural key first (the history: once per employer),
so a second run adds nothing. Dates are relative to ``dates.today()`` so every screen has a past
and a near future to show.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ila_sme import dates
from ila_sme.accounts.models import User
from ila_sme.accounts.services import find_user
from ila_sme.audit.services import record
from ila_sme.demo import cofunding, grow, working_lives
from ila_sme.demo import credentials as demo_credentials
from ila_sme.demo.cofunding import at as _at
from ila_sme.demo.data import (
    DEMO_PASSWORD,
    EMPLOYERS,
    EVC_COMPETENCES,
    HISTORY,
    OWN_VERSIONS,
    STAFF,
    TRAININGS,
    USERS,
)
from ila_sme.employers import services as employer_services
from ila_sme.employers.models import Employer, Membership
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz as insz
from ila_sme.leave import jobs, services
from ila_sme.leave.models import LeaveRequest, LedgerEntry
from ila_sme.mail import suppressed as mail_suppressed
from ila_sme.money import to_cents
from ila_sme.notifications.models import Notification
from ila_sme.people.history import start_history
from ila_sme.people.models import EmployeeRecord
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme, SchemeParameter
from ila_sme.trainings.models import Training
from ila_sme.trainings.sync import last_watermark
from ila_sme.worktime import services as worktime

demo_cli = AppGroup("demo", help="Demo data for development.")


@demo_cli.command("seed")
def seed():
    """Create the demo employers, users, staff, trainings and leave history (idempotent); print the logins."""
    today = dates.today()
    schemes.install_defaults()
    employers = {spec["key"]: _employer(spec, today) for spec in EMPLOYERS}
    users = _users()
    for email, _name, _language, roles in USERS:
        for key, role in roles:
            _membership(users[email], employers[key], role)
    serials = {spec["key"]: spec["serials"] for spec in EMPLOYERS}
    for key, staff in STAFF.items():
        for serial, row in enumerate(staff, start=serials[key]):
            _employee(employers[key], serial, row, users)
    trainings = {spec[0]: _training(spec, today) for spec in TRAININGS}
    register_notes: list[str | None] = []
    for key, employer in employers.items():
        _own_version(employer, users, key, today)
        employer_services.set_up(employer, today)  # an employer from an older seed gets what it lacks
        if not _has_history(employer):
            jobs.allocate_for(employer, today - timedelta(days=365))  # last year's entitlements
            _history(employer, key, users, trainings, today)
            working_lives.holiday_request(employer, key, users, today, _on)
            jobs.close_for(employer, today)  # carry-over and expiry into this year's balances
        jobs.allocate_for(employer, today)
        working_lives.regime_change(employer, key, users, today)
        working_lives.closures(employer, key, users, today)
        working_lives.final_assessments(employer, key, users, trainings, today)
        cofunding.register_token(employer)
        cofunding.policies(employer, key, users, today)
        with cofunding.demo_register() as register:
            if cofunding.has_history(employer):
                register_notes.append(cofunding.check_register(employer, register))
            else:
                register_notes.append(cofunding.reset_register(employer, register))
                cofunding.history(employer, key, users, trainings, today, register)
                if key == "bakery":
                    cofunding.register_differences(employer, register, today)
        demo_credentials.seed(employer, key, trainings, today)
    db.session.commit()
    if last_watermark() is None:  # the whole registry, once; then the nightly registry-sync keeps it current
        with cofunding.demo_register() as register:
            register_notes.append(register.mirror_registry())
    for note in filter(None, register_notes):
        click.echo(note)
    click.echo("Demo data is ready. Sign in at http://127.0.0.1:5000 with password " + DEMO_PASSWORD)
    for email, name, _language, roles in USERS:
        described = ", ".join(f"{role} at {employers[key].name}" for key, role in roles)
        click.echo(f"  {email:32} {name:16} {described}")
    click.echo(_summary())
    click.echo(cofunding.summary())
    click.echo(demo_credentials.summary())


def _employer(spec: dict, today: date) -> Employer:
    employer = db.session.scalar(select(Employer).where(Employer.enterprise_number == spec["enterprise_number"]))
    if employer is None:
        fields = {key: value for key, value in spec.items() if key not in ("key", "serials")}
        employer = employer_services.create_employer(actor=None, today=today, **fields)
    return employer


def _users() -> dict[str, User]:
    """The demo logins. They share one password, so one (slow) hash serves them all: the seed stays fast."""
    users, password_hash = {}, None
    for email, name, language, _roles in USERS:
        user = find_user(email)
        if user is None:
            user = User(email=email, name=name, language=language)
            if password_hash is None:
                user.set_password(DEMO_PASSWORD)
                password_hash = user.password_hash
            user.password_hash = password_hash
            db.session.add(user)
            db.session.flush()
        users[email] = user
    return users


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
    login = users.get(email) if email else None
    if exists is not None:
        _link_login(exists, login)
        return
    employee = EmployeeRecord(
        employer_id=employer.id, user_id=login.id if login else None, first_name=first, last_name=last,
        email=email, national_number=number, team=team, employment_pct=Decimal(str(pct)),
        hours_per_week=Decimal(str(hours)), contract_start=start, contract_end=end,
        approver_id=users[approver_email].id,
    )
    db.session.add(employee)
    db.session.flush()
    start_history(employee, pattern=working_lives.pattern_of(first, last))
    record("employee.created", employer_id=employer.id, obj=employee, after=employee.audit_view())


def _link_login(employee_id: int, login: User | None) -> None:
    """A login added to the demo after the employee was first seeded."""
    employee = db.session.get(EmployeeRecord, employee_id)
    if login is not None and employee.user_id is None:
        before = employee.audit_view()
        employee.user_id = login.id
        employee.email = employee.email or login.email
        record("employee.updated", employer_id=employee.employer_id, obj=employee, before=before,
               after=employee.audit_view())


# Trainings, the employer's own values, the leave history ---------------------------------------


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _training(spec: tuple, today: date) -> Training:
    (_key, registry_id, title, provider, language, delivery, hours, points, eqf, cost, ila, paid_leave, micro,
     start, length, withdrawn) = spec
    training = db.session.scalar(select(Training).where(Training.registry_id == registry_id))
    if training is None:
        starts_on = _monday_on_or_after(today + timedelta(days=start))
        ends_on = starts_on + timedelta(days=max(length - 3, 0))
        training = Training(
            employer_id=None, registry_id=registry_id, title=title, provider_name=provider, language=language,
            delivery=delivery, hours=Decimal(hours), study_points=Decimal(points) if points else None,
            eqf_level=eqf, cost_cents=to_cents(Decimal(cost)), eligible_ila=ila, eligible_paid_leave=paid_leave,
            leads_to_microcredential=micro, valid_from=starts_on - timedelta(days=120),
            valid_until=ends_on + timedelta(days=90), starts_on=starts_on, ends_on=ends_on, withdrawn=withdrawn,
        )
        db.session.add(training)
        db.session.flush()
    return training


def _own_version(employer: Employer, users: dict[str, User], key: str, today: date) -> None:
    admin_email, extra_days, note = OWN_VERSIONS[key]
    exists = db.session.scalar(select(SchemeParameter.id).where(
        SchemeParameter.employer_id == employer.id, SchemeParameter.scheme == Scheme.TRAINING_RIGHT.value))
    if exists is None:
        schemes.add_employer_version(
            actor=users[admin_email], employer=employer, scheme=Scheme.TRAINING_RIGHT,
            valid_from=date(today.year - 1, 1, 1), valid_until=None,
            values={"employer_extra_days_per_fte": extra_days}, note=note)


def _has_history(employer: Employer) -> bool:
    first = select(LeaveRequest.id).where(LeaveRequest.employer_id == employer.id).limit(1)
    return db.session.scalar(first) is not None


def _working(day: date, holidays: dict[date, str]) -> bool:
    return day.weekday() < 5 and day not in holidays


def _workdays_from(first: date, count: int, holidays: dict[date, str]) -> date:
    day = first
    while count > 1:
        day += timedelta(days=1)
        if _working(day, holidays):
            count -= 1
    return day


def _dates(employer: Employer, scheme: str, first: date, workdays: int) -> tuple[date, date]:
    """A working start (a weekday, no public holiday), and an end inside the same period of the scheme (a
    request may not cross one)."""
    holidays = worktime.public_holidays(employer, first - timedelta(days=7), first + timedelta(days=400))

    def start_on_or_after(day: date) -> date:
        while not _working(day, holidays):
            day += timedelta(days=1)
        return day

    start = start_on_or_after(first)
    end = _workdays_from(start, workdays, holidays)
    if schemes.period_of(scheme, start) != schemes.period_of(scheme, end):
        start = start_on_or_after(schemes.period_of(scheme, end).start)
        end = _workdays_from(start, workdays, holidays)
    return start, end


def _history(employer: Employer, key: str, users: dict[str, User], trainings: dict[str, Training],
             today: date) -> None:
    """Requests and decisions through the real services, each on its own past day."""
    types = {leave_type.kind: leave_type for leave_type in schemes.leave_types(employer)}
    for employer_key, email, kind, training_key, when, workdays, hours, outcome, reason in HISTORY:
        if employer_key != key:
            continue
        employee = db.session.scalar(select(EmployeeRecord).where(
            EmployeeRecord.employer_id == employer.id, EmployeeRecord.user_id == users[email].id))
        leave_type, training = types[kind], trainings.get(training_key)
        first = training.starts_on + timedelta(days=when) if training else today + timedelta(days=when)
        start, end = _dates(employer, leave_type.scheme, first, 1 if workdays == "half" else workdays)
        data = services.RequestInput(
            leave_type=leave_type, start_date=start, end_date=end, training=training,
            start_half=workdays == "half", hours_per_day=Decimal(hours) if hours else None,
            evc_competences=EVC_COMPETENCES if kind == "evc" else 0)
        asked = min(start - timedelta(days=21), today - timedelta(days=2))
        request = _on(asked, today, services.submit, actor=users[email], employee=employee, data=data)
        request.created_at = _at(asked)
        db.session.flush()
        _decide(request, employee, outcome, reason, asked, today)


def _decide(request: LeaveRequest, employee: EmployeeRecord, outcome: str, reason: str | None, asked: date,
            today: date) -> None:
    approver, decided = employee.approver, min(asked + timedelta(days=2), today - timedelta(days=1))
    if outcome == "withdrawn":
        services.withdraw(actor=employee.user, request=request)  # sends no mail
    elif outcome == "rejected":
        _on(decided, today, services.reject, actor=approver, request=request, reason=reason)
        request.decided_at = _at(decided)
    elif outcome != "pending":
        _on(decided, today, services.approve, actor=approver, request=request)
        request.decided_at = _at(decided)
    if outcome in ("cancelled", "cancel_asked"):
        asked_to_cancel = min(decided + timedelta(days=10), today - timedelta(days=1))
        _on(asked_to_cancel, today, services.ask_cancellation, actor=employee.user, request=request, reason=reason)
    if outcome == "cancelled":
        _on(asked_to_cancel + timedelta(days=1), today, services.decide_cancellation, actor=approver,
            request=request, accept=True)
        request.decided_at = _at(asked_to_cancel + timedelta(days=1))
    db.session.flush()


def _on(day: date, today: date, service, **arguments):
    """Call a leave service as on a past ``day``. It queues no mail (that mail would describe the past). Its
    in-app notifications carry that day, and count as read when more than a week old (the badges show what
    is open)."""
    with mail_suppressed():
        result = service(**arguments, today=day)
    for notification in [obj for obj in db.session.new if isinstance(obj, Notification)]:
        notification.created_at = _at(day)
        if day < today - timedelta(days=7):
            notification.read_at = _at(day + timedelta(days=1))
    db.session.flush()
    return result


def _summary() -> str:
    statuses = dict(db.session.execute(
        select(LeaveRequest.status, func.count()).group_by(LeaveRequest.status)).all())
    total = sum(statuses.values())
    details = ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))
    ledger_rows = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    registry = db.session.scalar(select(func.count()).select_from(Training).where(Training.employer_id.is_(None)))
    return (f"{total} leave requests exist ({details}); {ledger_rows} ledger rows; "
            f"{registry} registry trainings.")


@demo_cli.command("grow")
@click.option("--staff", default=250, show_default=True, type=click.IntRange(1, 490),
              help="How many employees the demo employer has afterwards.")
@click.option("--employer", "keys", multiple=True, type=click.Choice(["bakery", "installer"]), default=("bakery",),
              show_default=True, help="Which demo employer to grow (repeat for both).")
def grow_command(staff, keys):
    """Grow the seeded demo employer to STAFF employees through the services (idempotent): leave requests in every
    state, co-funding, credentials and ledger rows, so the pages can be measured at that size."""
    try:
        results = grow.grow(staff, dates.today(), tuple(keys))
    except LookupError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for result in results:
        click.echo(str(result))
