"""Every parameter version that applies to one employer, read in one query, and kept for the rest of a safe request.

A page asks about parameters many times: the leave settings per scheme and per leave type, a list of requests
or refund claims per row (``services.values_on``), the balances per scheme. The versions of one employer are a
handful of rows, and a GET never writes (ila_sme/readonly.py), so they cannot change while it runs: during a GET
(or HEAD) ``for_employer`` reads them once and every later question is answered from memory. Anywhere else (a
POST that may add a version, a job, a command) each question reads the table again, as before.
"""

from __future__ import annotations

from datetime import date

from flask import g, has_request_context
from sqlalchemy import or_, select

from ila_sme.extensions import db
from ila_sme.readonly import request_may_write
from ila_sme.schemes.models import SchemeParameter

LEVELS = {"national": 0, "region": 1, "employer": 2}


def by_level(rows) -> list[SchemeParameter]:
    """National first, then regional, then the employer's own: the order in which they overlay."""
    return sorted(rows, key=lambda row: (LEVELS[row.level], row.valid_from, row.id))


def versions_query(employer, scheme: str | None = None):
    """National, this region's and this employer's versions (of ``scheme``, or of every scheme); never another
    employer's."""
    query = (
        select(SchemeParameter)
        .where(SchemeParameter.country == (employer.country or "BE"))
        .where(or_(SchemeParameter.employer_id.is_(None), SchemeParameter.employer_id == employer.id))
        .where(or_(SchemeParameter.region.is_(None), SchemeParameter.region == employer.region))
    )
    return query if scheme is None else query.where(SchemeParameter.scheme == str(scheme))


class EmployerParameters:
    """The versions of every scheme for one employer, in overlay order."""

    def __init__(self, employer):
        self._versions: dict[str, list[SchemeParameter]] = {}
        for row in by_level(db.session.scalars(versions_query(employer))):
            self._versions.setdefault(row.scheme, []).append(row)

    def versions(self, scheme: str) -> list[SchemeParameter]:
        return list(self._versions.get(str(scheme), []))

    def rows_on(self, scheme: str, day: date) -> list[SchemeParameter]:
        return [row for row in self.versions(scheme)
                if row.valid_from <= day and (row.valid_until is None or row.valid_until >= day)]


def for_employer(employer) -> EmployerParameters | None:
    """The employer's versions kept for this safe request; None where they may change (see the module)."""
    if not has_request_context() or request_may_write():
        return None
    kept = g.setdefault("_scheme_parameters", {})
    if employer.id not in kept:
        kept[employer.id] = EmployerParameters(employer)
    return kept[employer.id]
