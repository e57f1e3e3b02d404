"""Changing an employer's profile (the enterprise number itself never changes)."""

from __future__ import annotations

from decimal import Decimal

from ila_sme.audit.services import changes, record
from ila_sme.employers.models import Employer

EDITABLE = ("name", "region", "country", "average_fte", "joint_committee", "default_language")


def _view(employer: Employer) -> dict:
    view = {key: getattr(employer, key) for key in EDITABLE}
    view["average_fte"] = f"{Decimal(employer.average_fte):.2f}"
    return view


def update_employer(*, actor, employer: Employer, data: dict) -> Employer:
    before = _view(employer)
    for key in EDITABLE:
        setattr(employer, key, data[key])
    old, new = changes(before, _view(employer))
    if new:
        record("employer.updated", actor=actor, employer_id=employer.id, obj=employer, before=old, after=new)
    return employer
