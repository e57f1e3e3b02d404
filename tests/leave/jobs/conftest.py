"""Fixtures for the ledger's yearly jobs: two Flemish employers and their staff. Job output is
plain English (the CLI is for operators); service messages are read in English too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ila_sme.extensions import db
from ila_sme.trainings import models as _trainings  # noqa: F401 - LeaveRequest.training needs it mapped
from tests import factories


@pytest.fixture
def staff(app):
    """A 12-FTE bakery (1 legal day per FTE) with three people in service and one who left, and a
    second employer with one person."""
    bakery = factories.employer("Bakkerij Jobs", average_fte=Decimal("12"))
    installer = factories.employer("Installateur Jobs", average_fte=Decimal("25"))
    people = {
        "full": factories.employee(bakery, first_name="Fien", employment_pct=Decimal("100")),
        "four_fifths": factories.employee(bakery, first_name="Vera", employment_pct=Decimal("80"),
                                          hours_per_week=Decimal("30.4")),
        "half": factories.employee(bakery, first_name="Hans", employment_pct=Decimal("50"),
                                   hours_per_week=Decimal("19")),
        "left": factories.employee(bakery, first_name="Lien", contract_end=date(2025, 6, 30)),
        "ivo": factories.employee(installer, first_name="Ivo"),
    }
    db.session.commit()
    return {"bakery": bakery, "installer": installer, **people}
