"""Study points count at the parameter's hours each (4 h in 2025-26): 3 study points are 12 VOV hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ila_sme.leave import services
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from tests import factories
from tests.leave.conftest import TODAY


def test_counted_vov_hours_4_per_study_point(app):
    values = schemes.values_on(Scheme.VOV, factories.employer(region="flanders"), date(2026, 1, 5))
    assert values["hours_per_study_point"] == "4"
    assert schemes.counted_vov_hours(values, attended=Decimal("0"), exams=0, evc_competences=0,
                                     study_points=Decimal("3")) == Decimal("12.00")
    # 2 days × 3 h + 1 exam × 8 h + 1.5 study points × 4 h
    assert schemes.counted_vov_hours(values, attended=Decimal("6"), exams=1, evc_competences=0,
                                     study_points=Decimal("1.5")) == Decimal("20.00")


def test_three_study_points_draw_12_hours_and_are_stored(world):
    data = world.hours(date(2026, 3, 12), date(2026, 3, 12), hours_per_day="0", study_points=Decimal("3"))
    data.hours_per_day = None  # only the study points: no contact hours that day
    request = world.submit(data)
    assert request.amount == Decimal("12.00")
    assert request.study_points == Decimal("3.0")
    assert services.preview(world.employee, world.employer, data, TODAY).amount == Decimal("12.00")


def test_study_points_add_to_the_hours_attended(world):
    data = world.hours(date(2026, 3, 12), date(2026, 3, 13), hours_per_day="3", study_points=Decimal("2"))
    assert world.submit(data).amount == Decimal("14.00")  # 2 days × 3 h + 2 × 4 h
