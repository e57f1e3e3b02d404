"""Each employee's learning account as the national register reports it, cached in ``AccountSnapshot``.

``refresh`` asks the register (``GET /v1/persons/{id}/account``) and keeps what it answered, with when;
when the register cannot answer, the previous figures stay and the failure is kept beside them.
``refresh_all`` is the nightly job (``flask --app app learning-accounts refresh``): every employee with
a contract today, one employer at a time, each employer committed on its own.

The national number is the register's person id: only the register client sends it, in the request
path. It never appears in a stored error, a log line or a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from ila_sme.audit.services import record
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding import account_balance
from ila_sme.funding.models import Contribution, ContributionStatus
from ila_sme.learning_accounts.models import AccountSnapshot
from ila_sme.money import from_cents, to_cents
from ila_sme.people.models import EmployeeRecord
from ila_sme.register.client import RegisterClient, RegisterError
from ila_sme.web import moment_filter

ON_ITS_WAY = (ContributionStatus.PENDING.value, ContributionStatus.SENT.value)
FIGURES = ("balance_cents", "public_credit_cents", "employer_contributions_cents", "spent_cents")
_DIGIT_RUNS = re.compile(r"\d{9,}")  # anything long enough to be a national number


class LearningAccountError(Exception):
    """A refresh that failed, with a message fit for the employee. ``whole_employer``: the failure is not
    about this person (the register is down or refuses the employer's token), so asking again for the
    employer's other employees is pointless. ``note``: the plain note kept on the snapshot."""

    def __init__(self, message: str, *, note: str = "", whole_employer: bool = False):
        super().__init__(message)
        self.note = note
        self.whole_employer = whole_employer


# Reading -------------------------------------------------------------------------------------


def snapshot_of(employee: EmployeeRecord) -> AccountSnapshot | None:
    return db.session.scalar(select(AccountSnapshot).where(AccountSnapshot.employee_id == employee.id))


def balance_of(employee: EmployeeRecord) -> Decimal | None:
    """The balance funding's rules check an account share against: as last reported, None if never asked."""
    snapshot = snapshot_of(employee)
    return from_cents(snapshot.balance_cents) if snapshot else None


account_balance.provide(balance_of)


def pending_contributions(employee: EmployeeRecord) -> list[Contribution]:
    """This employer's contributions to the employee that the register has not booked yet."""
    return list(db.session.scalars(
        select(Contribution).where(
            Contribution.employer_id == employee.employer_id, Contribution.employee_id == employee.id,
            Contribution.status.in_(ON_ITS_WAY),
        ).order_by(Contribution.created_at, Contribution.id)
    ))


def register_time(snapshot: AccountSnapshot | None) -> datetime | None:
    """The register's own ``updated_at`` (RFC 3339) as a datetime, or None if it cannot be read."""
    if snapshot is None or not snapshot.register_updated_at:
        return None
    try:
        return datetime.fromisoformat(snapshot.register_updated_at.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Overview:
    """Everything the account page shows, in ``Decimal`` euros."""

    snapshot: AccountSnapshot | None
    register_updated_at: datetime | None
    on_its_way: list[Contribution]
    on_its_way_total: Decimal
    balance: Decimal | None = None
    public_credit: Decimal | None = None
    employer_contributions: Decimal | None = None
    spent: Decimal | None = None

    @property
    def balance_with_on_its_way(self) -> Decimal | None:
        return None if self.balance is None else self.balance + self.on_its_way_total

    @property
    def last_refresh_failed(self) -> bool:
        """The latest attempt failed after the figures were fetched (e.g. the nightly job)."""
        snapshot = self.snapshot
        return bool(snapshot and snapshot.last_error_at and snapshot.last_error_at >= snapshot.fetched_at)


def overview(employee: EmployeeRecord) -> Overview:
    """The snapshot and what is on its way (``snapshot_of``, ``pending_contributions``) in one statement: the
    employee's record, its snapshot and its pending contributions outer-joined, a row per contribution."""
    rows = db.session.execute(
        select(AccountSnapshot, Contribution).select_from(EmployeeRecord)
        .outerjoin(AccountSnapshot, AccountSnapshot.employee_id == EmployeeRecord.id)
        .outerjoin(Contribution, (Contribution.employee_id == EmployeeRecord.id)
                   & (Contribution.employer_id == EmployeeRecord.employer_id)
                   & Contribution.status.in_(ON_ITS_WAY))
        .where(EmployeeRecord.id == employee.id)
        .order_by(Contribution.created_at, Contribution.id)).all()
    snapshot = rows[0][0] if rows else None
    on_its_way = [contribution for _snapshot, contribution in rows if contribution is not None]
    result = Overview(snapshot=snapshot, register_updated_at=register_time(snapshot), on_its_way=on_its_way,
                      on_its_way_total=from_cents(sum(c.amount_cents for c in on_its_way)))
    if snapshot is not None:
        result.balance = from_cents(snapshot.balance_cents)
        result.public_credit = from_cents(snapshot.public_credit_cents)
        result.employer_contributions = from_cents(snapshot.employer_contributions_cents)
        result.spent = from_cents(snapshot.spent_cents)
    return result


# Refreshing ----------------------------------------------------------------------------------


def refresh(employee: EmployeeRecord, now: datetime, *, actor=None, client: RegisterClient | None = None,
            ) -> AccountSnapshot:
    """Ask the register for the employee's account and keep its answer (the caller commits).

    What the caller has pending is committed first (nothing, from a view or the nightly job): no transaction
    stays open while the register is asked, so SQLite's write lock (taken when a POST's or a job's transaction
    begins) is never held while waiting on the network.

    On failure the previous figures stay, the failure is noted on them (``last_error``, plain, without
    the person id) and ``LearningAccountError`` says what happened in the reader's language."""
    person = employee.national_number
    own_client = RegisterClient.for_employer(employee.employer) if client is None else None
    db.session.commit()
    try:
        try:
            account = (client or own_client).person_account(person)
        finally:
            if own_client is not None:
                own_client.close()
    except RegisterError as error:
        snapshot = snapshot_of(employee)
        stored = _stored_error(error, employee)
        current_app.logger.warning("learning account of employee %s not refreshed: %s", employee.id, stored)
        if snapshot is not None:
            snapshot.last_error = stored
            snapshot.last_error_at = now
            db.session.flush()
        raise LearningAccountError(_user_message(error, snapshot), note=stored,
                           whole_employer=_unavailable(error) or error.status == 401) from None

    snapshot = snapshot_of(employee)
    before = _figures(snapshot)
    if snapshot is None:
        snapshot = AccountSnapshot(employer_id=employee.employer_id, employee_id=employee.id)
        db.session.add(snapshot)
    snapshot.balance_cents = to_cents(account.balance)
    snapshot.public_credit_cents = to_cents(account.public_credit)
    snapshot.employer_contributions_cents = to_cents(account.employer_contributions)
    snapshot.spent_cents = to_cents(account.spent)
    snapshot.currency = account.currency
    snapshot.register_updated_at = str(account.updated_at)[:40]
    snapshot.fetched_at = now
    snapshot.last_error = None
    snapshot.last_error_at = None
    db.session.flush()
    after = _figures(snapshot)
    if before != after:  # a refresh that changes nothing is not an event
        record("learning_account.refreshed", actor=actor, employer_id=employee.employer_id, obj=snapshot,
               before=before, after=after)
    return snapshot


def _figures(snapshot: AccountSnapshot | None) -> dict | None:
    if snapshot is None:
        return None
    return {name.removesuffix("_cents"): str(from_cents(getattr(snapshot, name))) for name in FIGURES} | {
        "register_updated_at": snapshot.register_updated_at}


def _unavailable(error: RegisterError) -> bool:
    return error.status is None or error.status == 429 or error.status >= 500


def _stored_error(error: RegisterError, employee: EmployeeRecord) -> str:
    """A short plain note for the snapshot and the log: the status and the register's code. The
    register's own message is left out (it may repeat the request path, hence the person id); only
    messages the client wrote itself (no status) are kept, scrubbed all the same."""
    if error.status is None:
        text = str(error)
    else:
        text = f"the register answered {error.status}" + (f" ({error.code})" if error.code else "")
    text = text.replace(employee.national_number, "[person]")
    return _DIGIT_RUNS.sub("[number]", text)[:300]


def _user_message(error: RegisterError, snapshot: AccountSnapshot | None) -> str:
    when = moment_filter(snapshot.fetched_at, "short") if snapshot is not None else None
    if _unavailable(error):
        if when:
            return _("The register could not be reached; the figures are those of %(time)s.", time=when)
        return _("The register could not be reached, so there are no figures yet. Try again later.")
    if error.status == 403:
        reason = _("The register does not know this person as an employee of this employer, so it does not "
                   "show their account. An administrator should check the employee record.")
    elif error.status == 401:
        reason = _("The register refused this employer's access. An administrator should check the "
                   "register settings.")
    else:
        reason = _("The register's answer could not be read.")
    if when:
        return " ".join((reason, _("The figures are those of %(time)s.", time=when)))
    return reason


# The nightly job -----------------------------------------------------------------------------


@dataclass
class EmployerRefresh:
    employer_id: int
    name: str
    enterprise_number: str
    refreshed: int = 0
    failed: int = 0
    error: str | None = None  # why the run for this employer stopped early, if it did


@dataclass
class RefreshCounts:
    runs: list[EmployerRefresh] = field(default_factory=list)

    @property
    def refreshed(self) -> int:
        return sum(run.refreshed for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(run.failed for run in self.runs)

    @property
    def ok(self) -> bool:
        return self.failed == 0


def employees_under_contract(employer: Employer, today: date) -> list[EmployeeRecord]:
    return list(db.session.scalars(
        select(EmployeeRecord).where(
            EmployeeRecord.employer_id == employer.id, EmployeeRecord.contract_start <= today,
            or_(EmployeeRecord.contract_end.is_(None), EmployeeRecord.contract_end >= today),
        ).order_by(EmployeeRecord.id)
    ))


def refresh_all(now: datetime, employer: Employer | None = None, *, today: date | None = None) -> RefreshCounts:
    """Refresh every employee with a contract today (``now``'s date where the employers are), one employer
    at a time, committing after each. A person the register refuses is counted and the run goes on;
    when the register cannot be reached at all, that employer's remaining employees are counted as
    failed without asking (they stay for the next run) and the next employer is tried."""
    if today is None:
        today = now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    employers = [employer] if employer is not None else list(
        db.session.scalars(select(Employer).order_by(Employer.id)))
    counts = RefreshCounts([EmployerRefresh(e.id, e.name, e.enterprise_number) for e in employers])
    for run in counts.runs:
        one = db.session.get(Employer, run.employer_id)
        employees = employees_under_contract(one, today)
        try:
            with RegisterClient.for_employer(one) as client:
                for position, employee in enumerate(employees):
                    try:
                        refresh(employee, now, client=client)
                    except LearningAccountError as error:
                        run.failed += 1
                        if error.whole_employer:
                            run.failed += len(employees) - position - 1
                            run.error = error.note
                            break
                    else:
                        run.refreshed += 1
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - one employer's failure must leave the others done
            db.session.rollback()
            run.refreshed, run.failed, run.error = 0, len(employees), type(error).__name__
            # the type only: an unexpected error's text or traceback might carry a person id
            current_app.logger.error("learning-account refresh failed for employer %s: %s", run.employer_id,
                                     type(error).__name__)
    return counts
