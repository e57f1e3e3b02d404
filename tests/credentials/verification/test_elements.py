"""The EU elements: what counts as present, how values are read, and the learner's identifiers kept private."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from ila_sme.credentials.elements import Elements, Learner
from ila_sme.credentials.formats.common import decimal, duration_hours, eqf_level, parse_date, text
from tests.support.credentials import NATIONAL_ID, sample_elements


def missing_keys(elements: Elements) -> list[str]:
    return [item.key for item in elements.missing_mandatory()]


def test_any_one_identifier_identifies_the_learner():
    assert "learner" in missing_keys(Elements())
    assert "learner" not in missing_keys(Elements(learner=Learner(hashed_emails=(("sha256$ab", "salt"),))))
    assert "learner" not in missing_keys(Elements(learner=Learner(subject_id="did:key:z6Mk")))


def test_workload_in_hours_or_ects_and_level_in_eqf_or_nqf_count():
    elements = Elements(hours=Decimal("32"), nqf_level="VKS 4")

    assert "workload" not in missing_keys(elements)
    assert "level" not in missing_keys(elements)


def test_a_fully_described_credential_misses_nothing():
    assert sample_elements().missing_mandatory() == []


def test_the_national_id_stays_out_of_repr_and_stored_snapshots():
    elements = sample_elements()
    elements.learner.national_id = NATIONAL_ID

    snapshot = elements.as_dict()

    assert NATIONAL_ID not in repr(elements)
    assert NATIONAL_ID not in str(snapshot)
    assert snapshot["learner"]["has_national_id"] is True
    assert snapshot["ects"] == "3"
    assert snapshot["hours"] == "75.5"
    assert snapshot["issued_on"] == "2026-03-13"
    assert snapshot["valid_until"] == "2031-03-13T00:00:00+00:00"


def test_email_matching_in_clear_and_hashed_with_salt():
    salted = "sha256$" + hashlib.sha256(b"emma@example.besalt").hexdigest()
    learner = Learner(emails=("Emma@Example.be",), hashed_emails=((salted, "salt"),))

    assert learner.matches_email("emma@example.be")
    assert Learner(hashed_emails=((salted, "salt"),)).matches_email("emma@example.be")
    assert not learner.matches_email("eva@example.be")
    assert not learner.matches_email("")


def test_national_ids_compare_on_digits():
    learner = Learner(national_id="85.07.30-033.28")

    assert learner.matches_national_id(NATIONAL_ID)
    assert not learner.matches_national_id("85073003329")
    assert not Learner().matches_national_id(NATIONAL_ID)


@pytest.mark.parametrize("value, hours", [
    ("PT45H", Decimal("45")), ("PT1H30M", Decimal("1.5")), ("P2DT12H", Decimal("60")), ("P1W", Decimal("168")),
    ("PT0.5H", Decimal("0.5")), ("pt3h", Decimal("3")), ("P1M", None), ("P1Y", None), ("PT", None), ("45", None),
    (45, None),
])
def test_iso_8601_durations_in_hours(value, hours):
    assert duration_hours(value) == hours


@pytest.mark.parametrize("value, level", [
    (4, 4), ("4", 4), ("EQF level 6", 6), ("Level 7", 7), ("http://data.europa.eu/snb/eqf/4", 4),
    ({"id": "http://data.europa.eu/snb/eqf/8"}, 8), (9, None), ("14", None), (True, None), ("ext:EQF", None),
])
def test_eqf_levels(value, level):
    assert eqf_level(value) == level


@pytest.mark.parametrize("value, number", [
    (2.5, Decimal("2.5")), (3.0, Decimal("3")), ("2,5", Decimal("2.5")), (240, Decimal("240")),
    ("7.25", Decimal("7.25")),
    (-1, None), (True, None), ("many", None), ("NaN", None), (None, None),
])
def test_workload_numbers_are_decimals(value, number):
    result = decimal(value)

    assert result == number
    assert result is None or isinstance(result, Decimal)


def test_language_maps_prefer_english_and_skip_empty_values():
    assert text({"nl": ["Boekhouden"], "en": ["Bookkeeping"]}) == "Bookkeeping"
    assert text({"fr": ["Comptabilité"], "nl": [""]}) == "Comptabilité"
    assert text({"id": "http://example.org/concept", "type": "Concept"}) is None
    assert text({"type": "Note", "noteLiteral": {"en": ["A note"]}}) == "A note"


def test_dates_keep_the_issuers_own_calendar_day():
    assert parse_date("2024-05-27T00:30:00+02:00") == date(2024, 5, 27)
    assert parse_date("2024-05-27") == date(2024, 5, 27)
    assert parse_date("yesterday") is None
