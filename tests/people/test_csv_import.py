"""Importing employees from CSV: all rows or none, every error with its line number."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.identifiers import make_insz, mask_insz
from ila_sme.people import csv_import, services
from ila_sme.people.models import EmployeeRecord
from tests import factories

HEADER = ";".join(
    ["first_name", "last_name", "national_number", "employment_pct", "hours_per_week", "contract_start",
     "contract_end", "email", "team", "approver_email"]
)
INSZ_A = make_insz(date(1985, 7, 30), 33)  # 85073003328
INSZ_B = make_insz(date(2001, 5, 21), 5)
INSZ_C = make_insz(date(1990, 2, 14), 120)
INSZ_EXISTING = make_insz(date(1975, 11, 3), 77)


def _dotted(insz: str) -> str:
    return f"{insz[:2]}.{insz[2:4]}.{insz[4:6]}-{insz[6:9]}.{insz[9:]}"


@pytest.fixture
def setup(app):
    employer = factories.employer("Bakkerij Peeters")
    other = factories.employer("Other BV")
    admin = factories.user("admin@example.be", roles={employer: ["admin", "manager"]}, name="Ada Admin")
    boss = factories.user("boss@example.be", roles={employer: "manager"}, name="Bert Boss")
    factories.user("outsider@example.be", roles={other: "manager"}, name="Olga Other")
    factories.employee(employer, national_number=INSZ_EXISTING, first_name="Eva", last_name="Existing")
    db.session.commit()
    return {"employer": employer, "admin": admin, "boss": boss}


@pytest.fixture
def ctx(app):
    """Services translate their messages: they run inside a request, as in the app (the import is a POST)."""
    with app.test_request_context("/people/import", method="POST", headers={"Accept-Language": "en"}):
        yield


def _employee_count() -> int:
    return db.session.scalar(select(func.count()).select_from(EmployeeRecord))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _approvers(employer) -> dict[str, int]:
    return {user.email: user.id for user in services.approvers(employer)}


def _import(setup, content: bytes):
    rows, errors = csv_import.parse(content, _approvers(setup["employer"]))
    return rows, errors


GOOD_SEMICOLON = (
    "\ufeff" + HEADER + "\r\n"
    f"Zoë;Peeters;{_dotted(INSZ_A)};80,5;30,4;2024-09-01;;zoe@example.be;Bakery;boss@example.be\r\n"
    f"Émile;Janssens;{INSZ_B};100;38;01/09/2024;31/12/2025;;;\r\n"
    "\r\n"
    f"Chris;Claes;{INSZ_C};50;19;2023-01-15;;CHRIS@Example.be;Shop;Boss@Example.be\r\n"
).encode("utf-8")

GOOD_COMMA = (
    "\ufeff" + HEADER.replace(";", ",") + "\n"
    f'Zoë,Peeters,{_dotted(INSZ_A)},"80,5","30,4",2024-09-01,,zoe@example.be,Bakery,boss@example.be\n'
    f"Émile,Janssens,{INSZ_B},100,38,01/09/2024,31/12/2025,,,\n"
    f"Chris,Claes,{INSZ_C},50,19,2023-01-15,,chris@example.be,Shop,\n"
).encode("utf-8")


# Parsing and importing (services) ------------------------------------------------------------


@pytest.mark.parametrize("content", [GOOD_SEMICOLON, GOOD_COMMA], ids=["semicolon", "comma"])
def test_good_file_imports_every_row(setup, ctx, content):
    before = _employee_count()
    rows, errors = _import(setup, content)
    assert errors == []
    assert [line for line, _data in rows] == ([2, 3, 5] if content is GOOD_SEMICOLON else [2, 3, 4])

    result = services.import_employees(actor=setup["admin"], employer=setup["employer"], rows=rows)
    db.session.commit()
    assert result.ok
    assert len(result.created) == 3
    assert _employee_count() == before + 3

    zoe = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.national_number == INSZ_A))
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Peeters")
    assert zoe.employment_pct == Decimal("80.5")
    assert zoe.hours_per_week == Decimal("30.4")
    assert zoe.contract_start == date(2024, 9, 1)
    assert zoe.contract_end is None
    assert zoe.email == "zoe@example.be"
    assert zoe.team == "Bakery"
    assert zoe.approver_id == setup["boss"].id
    assert zoe.employer_id == setup["employer"].id

    emile = db.session.scalar(select(EmployeeRecord).where(EmployeeRecord.national_number == INSZ_B))
    assert emile.first_name == "Émile"
    assert emile.contract_start == date(2024, 9, 1)  # 01/09/2024 is day/month
    assert emile.contract_end == date(2025, 12, 31)
    assert emile.email is None and emile.team is None and emile.approver_id is None

    imported = _events("employees.imported")
    assert len(imported) == 1
    assert imported[0].after == {"count": 3}
    assert imported[0].actor_id == setup["admin"].id
    assert imported[0].employer_id == setup["employer"].id
    created = _events("employee.created")
    assert len(created) == 3
    assert {event.object_id for event in created} == {str(employee.id) for employee in result.created}
    for event in created:
        assert event.after["national_number"].startswith("••")
        assert event.after["national_number"] in {mask_insz(INSZ_A), mask_insz(INSZ_B), mask_insz(INSZ_C)}


def test_email_and_approver_are_matched_case_insensitively(setup, ctx):
    rows, errors = _import(setup, GOOD_SEMICOLON)
    assert errors == []
    chris = next(data for line, data in rows if line == 5)
    assert chris["email"] == "chris@example.be"
    assert chris["approver_id"] == setup["boss"].id


def test_windows_1252_file_is_read(setup, ctx):
    content = (HEADER + "\r\n" + f"Zoë;Peeters;{INSZ_A};100;38;2024-09-01;;;;\r\n").encode("cp1252")
    rows, errors = _import(setup, content)
    assert errors == []
    assert rows[0][1]["first_name"] == "Zoë"


def test_headers_are_case_and_space_insensitive(setup, ctx):
    header = " First_Name ; LAST_NAME;national_number;employment_pct;hours_per_week;contract_start"
    content = (header + "\n" + f"An;Aerts;{INSZ_A};100;38;2024-09-01\n").encode()
    rows, errors = _import(setup, content)
    assert errors == []
    assert rows[0][1]["last_name"] == "Aerts"


BAD_ROWS = [
    # line 2: a good row, which must not be imported either
    f"Good;Row;{INSZ_A};100;38;2024-09-01;;;;",
    # line 3: bad INSZ (check digits)
    "Bad;Insz;85.07.30-033.27;100;38;2024-09-01;;;;",
    # line 4: empty last name
    f"Empty;;{make_insz(date(1991, 1, 1), 1)};100;38;2024-09-01;;;;",
    # line 5: percent 120
    f"Too;Much;{make_insz(date(1991, 1, 2), 2)};120;38;2024-09-01;;;;",
    # line 6: bad date
    f"Bad;Date;{make_insz(date(1991, 1, 3), 3)};100;38;2024-13-45;;;;",
    # line 7: end before start
    f"End;Early;{make_insz(date(1991, 1, 4), 4)};100;38;2024-09-01;2024-08-31;;;",
    # line 8: unknown approver (a manager of another employer)
    f"Unknown;Approver;{make_insz(date(1991, 1, 5), 5)};100;38;2024-09-01;;;;outsider@example.be",
    # line 9 and 10: the same INSZ twice (written differently)
    f"Twin;One;{INSZ_B};100;38;2024-09-01;;;;",
    f"Twin;Two;{_dotted(INSZ_B)};100;38;2024-09-01;;;;",
    # line 11: an employee on file whose regime changes, without the day it changes (valid_from)
    f"Already;Here;{_dotted(INSZ_EXISTING)};50;19;2024-09-01;;;;",
]
BAD_FILE = ("\ufeff" + HEADER + "\n" + "\n".join(BAD_ROWS) + "\n").encode("utf-8")
EXPECTED_ERRORS = {
    3: "not a valid national number",
    4: "last_name is empty",
    5: "employment_pct must be a number from 1 to 100",
    6: "contract_start is not a date",
    7: "contract_end is before contract_start",
    8: "approver_email is not a manager of this employer",
    10: "the same national number as line 9",
    11: "valid_from is required",
}
SENSITIVE = [
    "85.07.30-033.27", "85073003327", INSZ_A, INSZ_B, _dotted(INSZ_B), INSZ_EXISTING, _dotted(INSZ_EXISTING),
    *(make_insz(date(1991, 1, day), day) for day in range(1, 6)),
]


def _all_errors(setup, content):
    """What the import screen reports: shape errors, then the rules over the remaining rows."""
    result = services.import_file(actor=setup["admin"], employer=setup["employer"], upload=io.BytesIO(content))
    assert not result.ok and result.created == []
    return result.errors


def test_a_whole_good_upload_is_imported(setup, ctx):
    before = _employee_count()
    result = services.import_file(actor=setup["admin"], employer=setup["employer"],
                                  upload=io.BytesIO(GOOD_SEMICOLON))
    db.session.commit()
    assert result.ok and len(result.created) == 3
    assert _employee_count() == before + 3


def test_an_upload_over_the_limit_is_refused_before_it_is_read(app, setup, ctx):
    limit = app.config["CSV_IMPORT_MAX_BYTES"]
    upload = io.BytesIO(GOOD_SEMICOLON + b" " * limit)
    with pytest.raises(csv_import.CsvFileError, match="larger than 2 MB"):
        services.import_file(actor=setup["admin"], employer=setup["employer"], upload=upload)
    assert upload.tell() == limit + 1


def test_bad_file_reports_every_error_with_its_line(setup, ctx):
    errors = _all_errors(setup, BAD_FILE)
    by_line: dict[int, list[str]] = {}
    for line, message in errors:
        by_line.setdefault(line, []).append(message)
    assert set(by_line) == set(EXPECTED_ERRORS), errors
    for line, expected in EXPECTED_ERRORS.items():
        assert any(expected in message for message in by_line[line]), (line, by_line[line])
    assert 2 not in by_line and 9 not in by_line


def test_bad_file_imports_nothing(setup, ctx):
    before = _employee_count()
    rows, errors = _import(setup, BAD_FILE)
    assert errors
    result = services.import_employees(actor=setup["admin"], employer=setup["employer"], rows=rows)
    assert not result.ok
    assert result.created == []
    db.session.rollback()
    assert _employee_count() == before
    assert _events("employees.imported") == []
    assert _events("employee.created") == []


def test_import_reports_duplicates_and_existing_numbers_together(setup, ctx):
    content = (
        HEADER + "\n"
        f"One;A;{INSZ_B};100;38;2024-09-01;;;;\n"
        f"Two;B;{INSZ_B};100;38;2024-09-01;;;;\n"
        f"Three;C;{INSZ_EXISTING};50;19;2024-09-01;;;;\n"
    ).encode()
    rows, errors = _import(setup, content)
    assert errors == []
    before = _employee_count()
    result = services.import_employees(actor=setup["admin"], employer=setup["employer"], rows=rows)
    assert [line for line, _message in result.errors] == [3, 4]
    assert "line 2" in result.errors[0][1]
    assert "valid_from is required" in result.errors[1][1]
    db.session.rollback()
    assert _employee_count() == before


def test_an_insz_used_at_another_employer_is_fine(setup, ctx):
    other = factories.employer("Elsewhere")
    factories.employee(other, national_number=INSZ_A)
    db.session.commit()
    rows, errors = _import(setup, (HEADER + "\n" + f"Zoë;Peeters;{INSZ_A};100;38;2024-09-01;;;;\n").encode())
    result = services.import_employees(actor=setup["admin"], employer=setup["employer"], rows=rows)
    db.session.commit()
    assert errors == [] and result.ok and len(result.created) == 1


def test_error_messages_never_contain_a_national_number(setup, ctx):
    errors = _all_errors(setup, BAD_FILE)
    assert errors
    for _line, message in errors:
        for number in SENSITIVE:
            assert number not in message
        assert "850730" not in message


def test_several_problems_on_one_line_are_all_reported(setup, ctx):
    content = (HEADER + "\n" + ";;nonsense;0;99;yesterday;;not-an-email;;\n").encode()
    rows, errors = _import(setup, content)
    assert rows == []
    messages = [message for line, message in errors]
    assert {line for line, _message in errors} == {2}
    for expected in ("first_name is empty", "last_name is empty", "not a valid national number",
                     "employment_pct must be", "hours_per_week must be", "contract_start is not a date",
                     "email is not an e-mail address"):
        assert any(expected in message for message in messages), (expected, messages)


def test_missing_columns_is_a_file_level_error(setup, ctx):
    content = b"first_name;last_name;email\nAn;Aerts;an@example.be\n"
    with pytest.raises(csv_import.CsvFileError) as caught:
        _import(setup, content)
    message = str(caught.value)
    assert message.startswith("Missing columns:")
    for column in ("national_number", "employment_pct", "hours_per_week", "contract_start"):
        assert column in message
    assert "first_name" not in message


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom-only"])
def test_empty_file_is_refused(setup, ctx, content):
    with pytest.raises(csv_import.CsvFileError, match="empty"):
        _import(setup, content)


def test_header_only_file_is_refused(setup, ctx):
    with pytest.raises(csv_import.CsvFileError, match="no employees"):
        _import(setup, (HEADER + "\n;;;;;;;;;\n").encode())


def test_binary_file_is_refused(setup, ctx):
    with pytest.raises(csv_import.CsvFileError):
        _import(setup, b"\x81\x8d\x8f\x90\x9d" * 10)


# The view ------------------------------------------------------------------------------------


def _upload(auth, content: bytes, filename: str = "staff.csv"):
    return auth.post(
        "/people/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def test_view_imports_a_good_file(setup, auth, client):
    auth.login("admin@example.be")
    before = _employee_count()
    response = _upload(auth, GOOD_SEMICOLON)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/people")
    assert _employee_count() == before + 3
    page = client.get("/people", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3 employees were imported." in page
    assert "Zoë Peeters" in page
    assert len(_events("employees.imported")) == 1
    assert len(_events("employee.created")) == 3


def test_view_shows_every_error_and_imports_nothing(setup, auth):
    auth.login("admin@example.be")
    before = _employee_count()
    response = _upload(auth, BAD_FILE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    for line, expected in EXPECTED_ERRORS.items():
        assert f"Line {line}: " in page
        assert expected in page
    assert "Line 2:" not in page and "Line 9:" not in page
    for number in SENSITIVE:
        assert number not in page
    assert _employee_count() == before
    assert _events("employee.created") == []
    assert _events("employees.imported") == []


def test_view_reports_rule_errors_of_an_otherwise_well_formed_file(setup, auth):
    auth.login("admin@example.be")
    before = _employee_count()
    content = (HEADER + "\n" + f"Already;Here;{INSZ_EXISTING};50;19;2024-09-01;;;;\n").encode()
    page = _upload(auth, content).get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Line 2: valid_from is required: the terms of this person on file change" in page
    assert INSZ_EXISTING not in page
    assert _employee_count() == before


def test_view_shows_missing_columns(setup, auth):
    auth.login("admin@example.be")
    page = _upload(auth, b"first_name;last_name\nAn;Aerts\n").get_data(as_text=True)
    assert "Missing columns: national_number, employment_pct, hours_per_week, contract_start." in page
    assert 'class="field-error"' in page


def test_view_refuses_an_empty_file(setup, auth):
    auth.login("admin@example.be")
    before = _employee_count()
    page = _upload(auth, b"").get_data(as_text=True)
    assert "The file is empty." in page or "This field is required." in page
    assert _employee_count() == before


def test_view_refuses_a_file_over_2_mb(setup, auth):
    auth.login("admin@example.be")
    before = _employee_count()
    row = f"An;Aerts;{INSZ_A};100;38;2024-09-01;;;;\n"
    content = (HEADER + "\n").encode() + row.encode() + b" " * (2 * 1024 * 1024)
    assert len(content) > 2 * 1024 * 1024
    response = _upload(auth, content)
    assert response.status_code == 200
    assert "The file is larger than 2 MB." in response.get_data(as_text=True)
    assert _employee_count() == before


def test_view_accepts_a_file_just_under_the_limit(setup, auth):
    auth.login("admin@example.be")
    before = _employee_count()
    row = f"An;Aerts;{INSZ_A};100;38;2024-09-01;;;;\n".encode()
    head = (HEADER + "\n").encode()
    content = head + row
    content += b"\n" * (2 * 1024 * 1024 - len(content))
    assert len(content) == 2 * 1024 * 1024
    response = _upload(auth, content)
    assert response.status_code == 302
    assert _employee_count() == before + 1


def test_view_without_csrf_token_is_refused(setup, auth, client):
    auth.login("admin@example.be")
    before = _employee_count()
    response = client.post("/people/import", data={"file": (io.BytesIO(GOOD_SEMICOLON), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert _employee_count() == before


def test_manager_cannot_import(setup, auth):
    auth.login("boss@example.be")
    before = _employee_count()
    response = _upload(auth, GOOD_SEMICOLON)
    assert response.status_code == 403
    assert _employee_count() == before


def test_import_page_lists_the_columns(setup, auth, client):
    auth.login("admin@example.be")
    page = client.get("/people/import", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for name, _required, _help in csv_import.COLUMNS:
        assert f"<code>{name}</code>" in page
    assert 'enctype="multipart/form-data"' in page
