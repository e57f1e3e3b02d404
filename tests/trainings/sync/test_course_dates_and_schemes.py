"""The registry's optional course dates (``starts_on``/``ends_on``) and the schemes a training qualifies for
(``qualifies_for``): read by the sync and the file import alike, every bad value a clear row error."""

from __future__ import annotations

from datetime import date

import pytest

from ila_sme.trainings import importer, sync
from tests.trainings.sync.conftest import api_training, trainings
from tests.trainings.sync.test_import import csv_bytes


def test_a_training_without_them_says_nothing():
    item = sync.parse_training(api_training("ODB-300001"))
    assert (item.starts_on, item.ends_on, item.qualifies_for) == (None, None, None)


def test_course_dates_and_schemes_are_read():
    item = sync.parse_training(api_training("ODB-300002", starts_on="2026-03-02", ends_on="13/03/2026",
                                            qualifies_for=["VOV", "vouchers", "vov"]))
    assert (item.starts_on, item.ends_on) == (date(2026, 3, 2), date(2026, 3, 13))
    assert item.qualifies_for == ["vov", "vouchers"]  # lower case, each once
    assert sync.parse_training(api_training("ODB-300003", qualifies_for=[])).qualifies_for == []
    assert sync.parse_training(api_training("ODB-300004", qualifies_for="vov; vouchers")).qualifies_for == [
        "vov", "vouchers"]  # a CSV cell


@pytest.mark.parametrize("fields, reason", [
    ({"starts_on": "2026-02-30"}, "starts_on must be a date such as 2026-08-31, not “2026-02-30”"),
    ({"ends_on": "soon"}, "ends_on must be a date such as 2026-08-31, not “soon”"),
    ({"starts_on": "2026-03-13", "ends_on": "2026-03-02"}, "ends_on 2026-03-02 is before starts_on 2026-03-13"),
    ({"qualifies_for": {"vov": True}}, "qualifies_for must be a list of scheme names"),
    ({"qualifies_for": ["vov", 3]}, "qualifies_for must be a list of scheme names"),
    ({"qualifies_for": ["vov", "<b>"]}, "qualifies_for holds “<b>”, which is not a scheme name such as vov"),
])
def test_bad_values_are_row_errors(fields, reason):
    with pytest.raises(sync.RowError) as raised:
        sync.parse_training(api_training("ODB-300005", **fields))
    assert any(reason in text for text in raised.value.reasons), raised.value.reasons


def test_the_sync_mirrors_them_and_a_change_updates(ledger, client_of):
    ledger.write(trainings=[api_training("ODB-300010", starts_on="2026-03-02", ends_on="2026-03-13",
                                         qualifies_for=["vouchers"])])
    assert sync.sync_registry(client_of()).inserted == 1
    course = trainings()["ODB-300010"]
    assert (course.starts_on, course.ends_on, course.qualifies_for) == (date(2026, 3, 2), date(2026, 3, 13),
                                                                        ["vouchers"])
    ledger.write(trainings=[api_training("ODB-300010", "2026-02-01T08:00:00Z", starts_on="2026-04-06",
                                         ends_on="2026-04-17", qualifies_for=["vov", "vouchers"])])
    assert sync.sync_registry(client_of()).updated == 1
    course = trainings()["ODB-300010"]
    assert (course.starts_on, course.ends_on, course.qualifies_for) == (date(2026, 4, 6), date(2026, 4, 17),
                                                                        ["vov", "vouchers"])


def test_a_csv_file_carries_them_in_optional_columns(app):
    header = "registry_id;title;provider_name;hours;delivery;cost;starts_on;ends_on;qualifies_for"
    importer.import_file(csv_bytes("ODB-300020;Lassen;VDAB;40;onsite;0;2026-03-02;2026-03-13;vov|vouchers",
                                   "ODB-300021;Heftruck;VDAB;16;onsite;0;;;", header=header), "csv")
    mirrored = trainings()
    assert (mirrored["ODB-300020"].starts_on, mirrored["ODB-300020"].qualifies_for) == (
        date(2026, 3, 2), ["vov", "vouchers"])
    assert (mirrored["ODB-300021"].starts_on, mirrored["ODB-300021"].qualifies_for) == (None, None)
