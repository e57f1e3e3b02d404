"""Every parameter version that applies to one employer, read in one query: for a page that shows several schemes
(the leave settings), instead of one query per scheme and question (``services.applicable``, ``values_on`` and
``versions`` each read the table again). Same answers as those functions, from the rows already loaded."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ila_sme.extensions import db
from ila_sme.schemes.models import Scheme, SchemeParameter
from ila_sme.schemes.services import SchemeError, _by_level


class EmployerParameters:
    def __init__(self, employer):
        rows = db.session.scalars(
            select(SchemeParameter)
            .where(SchemeParameter.country == (employer.country or "BE"))
            .where(or_(SchemeParameter.employer_id.is_(None), SchemeParameter.employer_id == employer.id))
            .where(or_(SchemeParameter.region.is_(None), SchemeParameter.region == employer.region)))
        self._versions: dict[str, list[SchemeParameter]] = {}
        for row in _by_level(rows):
            self._versions.setdefault(row.scheme, []).append(row)

    def versions(self, scheme: str) -> list[SchemeParameter]:
        """As ``services.versions``: in force or not, in the order they overlay."""
        return list(self._versions.get(str(scheme), []))

    def rows_on(self, scheme: str, day: date) -> list[SchemeParameter]:
        return [row for row in self.versions(scheme)
                if row.valid_from <= day and (row.valid_until is None or row.valid_until >= day)]

    def values_on(self, scheme: str, day: date) -> dict:
        """As ``services.values_on``: national, overlaid by the region's, then the employer's; SchemeError if none."""
        rows = self.rows_on(scheme, day)
        if not any(row.employer_id is None for row in rows):
            raise SchemeError(
                _("No parameters of %(scheme)s apply to this employer on %(day)s.", scheme=scheme, day=day.isoformat())
            )
        merged: dict = {}
        for row in rows:
            merged.update(row.values)
        return merged

    def applicable(self, day: date) -> list[Scheme]:
        """As ``services.applicable``."""
        return [scheme for scheme in Scheme
                if any(row.employer_id is None for row in self.rows_on(scheme.value, day))]
