"""The training catalogue: what an employer sees, and adding trainings by hand.

Until the registry sync exists, an admin can also enter a registry training (a registry id such as
ODB-123456); it is then shared by every employer, like a synced one would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from ila_sme.audit.services import record
from ila_sme.extensions import db
from ila_sme.money import to_cents
from ila_sme.trainings.models import Training

PER_PAGE = 20


class TrainingError(Exception):
    """A catalogue rule refused the change; ``field`` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class CatalogueFilter:
    search: str = ""
    language: str | None = None
    delivery: str | None = None
    eqf_level: int | None = None
    eligible_ila: bool = False
    eligible_paid_leave: bool = False
    microcredential: bool = False
    include_withdrawn: bool = False


def visible(employer) -> Select:
    """Registry trainings (shared by everyone) and the employer's own."""
    return select(Training).where(or_(Training.employer_id.is_(None), Training.employer_id == employer.id))


def catalogue(employer, wanted: CatalogueFilter) -> Select:
    query = visible(employer)
    search = (wanted.search or "").strip().lower()
    if search:
        query = query.where(or_(func.lower(Training.title).contains(search, autoescape=True),
                                func.lower(Training.provider_name).contains(search, autoescape=True)))
    if wanted.language:
        query = query.where(Training.language == wanted.language)
    if wanted.delivery:
        query = query.where(Training.delivery == wanted.delivery)
    if wanted.eqf_level:
        query = query.where(Training.eqf_level == wanted.eqf_level)
    if wanted.eligible_ila:
        query = query.where(Training.eligible_ila.is_(True))
    if wanted.eligible_paid_leave:
        query = query.where(Training.eligible_paid_leave.is_(True))
    if wanted.microcredential:
        query = query.where(Training.leads_to_microcredential.is_(True))
    if not wanted.include_withdrawn:
        query = query.where(Training.withdrawn.is_(False))
    return query.order_by(func.lower(Training.title), Training.id)


@dataclass
class TrainingInput:
    title: str
    provider_name: str
    language: str = "nl"
    delivery: str = "onsite"
    hours: Decimal = Decimal("0")
    study_points: Decimal | None = None
    eqf_level: int | None = None
    cost: Decimal = Decimal("0")  # euros
    starts_on: date | None = None
    ends_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    leads_to_microcredential: bool = False
    registry_id: str | None = None
    eligible_ila: bool = False
    eligible_paid_leave: bool = False


def audit_view(training: Training) -> dict:
    return {
        "title": training.title, "provider_name": training.provider_name, "registry_id": training.registry_id,
        "employer_id": training.employer_id, "language": training.language, "delivery": training.delivery,
        "hours": str(training.hours), "study_points": str(training.study_points) if training.study_points else None,
        "eqf_level": training.eqf_level, "cost_cents": training.cost_cents,
        "eligible_ila": training.eligible_ila, "eligible_paid_leave": training.eligible_paid_leave,
        "leads_to_microcredential": training.leads_to_microcredential,
        "starts_on": training.starts_on.isoformat() if training.starts_on else None,
        "ends_on": training.ends_on.isoformat() if training.ends_on else None,
        "valid_from": training.valid_from.isoformat() if training.valid_from else None,
        "valid_until": training.valid_until.isoformat() if training.valid_until else None,
        "qualifies_for": training.qualifies_for,
    }


def create_training(*, actor, employer, data: TrainingInput) -> Training:
    """The employer's own training; or, given a registry id, a registry training shared by all employers.
    Only a registry training can be eligible for the learning account or paid training leave."""
    registry_id = (data.registry_id or "").strip().upper() or None
    if data.ends_on and data.starts_on and data.ends_on < data.starts_on:
        raise TrainingError(_("The course cannot end before it starts."), "ends_on")
    if data.valid_until and data.valid_from and data.valid_until < data.valid_from:
        raise TrainingError(_("The until date is before the from date."), "valid_until")
    if registry_id and db.session.scalar(select(Training.id).where(Training.registry_id == registry_id)):
        raise TrainingError(_("A training with registry id %(id)s is already in the catalogue.", id=registry_id),
                            "registry_id")
    training = Training(
        employer_id=None if registry_id else employer.id, registry_id=registry_id,
        title=data.title.strip(), provider_name=data.provider_name.strip(), language=data.language,
        delivery=data.delivery, hours=data.hours, study_points=data.study_points, eqf_level=data.eqf_level,
        cost_cents=to_cents(data.cost), starts_on=data.starts_on, ends_on=data.ends_on,
        valid_from=data.valid_from, valid_until=data.valid_until,
        leads_to_microcredential=bool(data.leads_to_microcredential),
        eligible_ila=bool(registry_id and data.eligible_ila),
        eligible_paid_leave=bool(registry_id and data.eligible_paid_leave),
    )
    try:
        with db.session.begin_nested():  # two admins entering the same registry id at once
            db.session.add(training)
            db.session.flush()
    except IntegrityError as error:
        raise TrainingError(_("A training with registry id %(id)s is already in the catalogue.", id=registry_id),
                            "registry_id") from error
    record("training.created", actor=actor, employer_id=employer.id, obj=training, after=audit_view(training))
    return training
