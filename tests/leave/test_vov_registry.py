"""VOV training leave needs an ODB number, a training the registry lists for VOV, and the course's own dates
(the listing period is not the course)."""

from __future__ import annotations

from datetime import date

import pytest

from ila_sme.leave import services
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import Scheme
from tests.leave.conftest import TODAY, training

DAY = date(2026, 3, 4)  # inside the course of tests/leave/conftest.py (3–13 March 2026)


def problems(world, course) -> list[str]:
    return services.preview(world.employee, world.employer, world.hours(DAY, DAY, training=course), TODAY).problems


@pytest.mark.parametrize("registry_id, ok", [
    ("ODB-123456", True), ("ODB-1234", True), ("ODB-12345678", True),
    ("ODB-123", False), ("ODB-123456789", False), ("odb-123456", False), ("KMO-123456", False),
    ("ODB-12A456", False), ("123456", False),
])
def test_the_registry_id_must_be_an_odb_number(world, registry_id, ok):
    values = schemes.values_on(Scheme.VOV, world.employer, DAY)
    assert values["odb_number_pattern"] == "^ODB-[0-9]{4,8}$"
    assert schemes.is_odb_number(values, registry_id) is ok
    found = problems(world, training(registry_id=registry_id))
    message = f"The registry id {registry_id} is not an ODB number of the Flemish training database."
    assert (message in found) is (not ok)
    assert (found == []) is ok


def test_a_version_without_the_pattern_reads_the_default(world):
    assert schemes.vov_value({}, "odb_number_pattern") == "^ODB-[0-9]{4,8}$"
    assert schemes.vov_value({"odb_number_pattern": "^X$"}, "odb_number_pattern") == "^X$"


def test_qualifies_for_without_vov_is_refused_even_if_flagged_for_paid_leave(world):
    found = problems(world, training(qualifies_for=["vouchers"], eligible_paid_leave=True))
    assert found == ["The registry lists this training for vouchers, not for Flemish training leave."]
    assert problems(world, training(qualifies_for=[], eligible_paid_leave=True)) == [
        "The registry lists this training for —, not for Flemish training leave."]


def test_qualifies_for_with_vov_is_taken_over_the_old_flag(world):
    assert problems(world, training(qualifies_for=["vouchers", "vov"], eligible_paid_leave=False)) == []


def test_no_qualifies_for_falls_back_on_eligible_paid_leave(world):
    assert problems(world, training(qualifies_for=None, eligible_paid_leave=True)) == []
    assert problems(world, training(qualifies_for=None, eligible_paid_leave=False)) == [
        "This training is not in the Flemish training database for paid training leave."]


def test_the_window_follows_the_course_not_the_listing_period(world):
    course = training(valid_from=date(2025, 9, 1), valid_until=date(2026, 8, 31),
                      starts_on=date(2026, 3, 4), ends_on=date(2026, 3, 9))
    assert schemes.vov_window(world.employer, course, DAY) == (date(2026, 3, 3), date(2026, 3, 11))
    data = world.hours(date(2026, 4, 7), date(2026, 4, 7), training=course)  # listed, but after the course
    assert services.preview(world.employee, world.employer, data, TODAY).problems == [
        "Flemish training leave can be taken from 2026-03-03 to 2026-03-11 for this training."]


@pytest.mark.parametrize("dates", [{"starts_on": None, "ends_on": None}, {"ends_on": None}, {"starts_on": None}])
def test_without_course_dates_the_request_is_refused(world, dates):
    course = training(**dates)
    assert schemes.vov_window(world.employer, course, DAY) is None
    assert problems(world, course) == [
        "The registry gives no course dates for this training: Flemish training leave follows the course, not "
        "the period the training is listed."]
