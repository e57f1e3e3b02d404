"""Hostile employee CSV files: an over-long field, control characters, numbers that are no numbers. Each gets
a message with its line, and nothing is imported."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.identifiers import make_insz
from ila_sme.people import csv_import
from ila_sme.people.models import EmployeeRecord
from tests import factories

HEADER = "first_name;last_name;national_number;employment_pct;hours_per_week;contract_start"
GOOD = f"Zoë;Peeters;{make_insz(date(1985, 7, 30), 33)};100;38;2024-09-01"
OTHER = f"Émile;Janssens;{make_insz(date(2001, 5, 21), 5)};100;38;2024-09-01"


@pytest.fixture
def admin(app):
    employer = factories.employer()
    user = factories.user(roles={employer: ["admin", "manager"]})
    db.session.commit()
    return user


@pytest.fixture
def ctx(app):
    with app.test_request_context("/people/import", method="POST", headers={"Accept-Language": "en"}):
        yield


def _file(*lines: str) -> bytes:
    return ("\n".join((HEADER, *lines)) + "\n").encode()


def test_a_field_over_the_csv_limit_is_refused_with_its_line(ctx):
    long_name = "a" * (csv.field_size_limit() + 1)
    with pytest.raises(csv_import.CsvFileError) as refused:
        csv_import.parse(_file(GOOD, f"{long_name};Peeters;x;100;38;2024-09-01", OTHER), {})
    assert str(refused.value) == "Line 3: a field is too long (at most 131.072 characters)."


def test_control_characters_in_a_row_are_reported_on_its_line(ctx):
    rows, errors = csv_import.parse(_file(GOOD, OTHER.replace("Émile", "Ém\x00ile"),
                                          '"Line\nbreak";' + OTHER.split(";", 1)[1].replace("Janssens", "Claes")), {})
    assert [line for line, _data in rows] == [2]
    assert errors[0] == (3, "first_name contains a line break or another control character")
    assert (5, "first_name contains a line break or another control character") in errors


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e308", "sNaN"])
def test_a_number_that_is_no_number_is_a_row_error(ctx, number):
    rows, errors = csv_import.parse(_file(GOOD.replace(";100;", f";{number};")), {})
    assert rows == []
    assert errors == [(2, "employment_pct must be a number from 1 to 100")]


def test_the_view_reports_the_long_field_and_imports_nothing(admin, auth):
    auth.login(admin)
    before = db.session.scalar(select(func.count()).select_from(EmployeeRecord))
    content = _file(GOOD, "b" * 200_000 + ";Peeters;x;100;38;2024-09-01")
    response = auth.post("/people/import", data={"file": (io.BytesIO(content), "staff.csv")},
                         content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Line 3: a field is too long (at most 131.072 characters)." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EmployeeRecord)) == before
