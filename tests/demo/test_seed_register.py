"""The demo seed and the development register agree, whatever the register's store holds: a fresh app database
seeded beside a store left from an earlier one works, and a second run changes nothing in either. The seed talks
to the register over HTTP only; with none answering at LEDGER_URL (here), it starts one on the instance
folder's store for its run."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from devregister.store import Store
from ila_sme.demo.data import EMPLOYERS
from ila_sme.employers.models import Employer
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution, ContributionStatus
from ila_sme.schemes.services import install_defaults
from tests.devregister.conftest import start_register

TODAY = date(2026, 11, 27)
OUTSIDER = "0999999958"  # not a demo employer: the seed never touches its entries


@pytest.fixture
def seeded(app):
    app.config.update(TODAY=TODAY, LEDGER_URL="http://127.0.0.1:9")  # nothing listens there
    return app


def _seed(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def _store_path(app) -> Path:
    return Path(app.instance_path) / "dev-register.sqlite3"


def _fresh_app_database() -> None:
    """What deleting the app's SQLite file (or switching DATABASE_URL) and upgrading leaves: an empty schema."""
    db.session.remove()
    db.drop_all()
    db.create_all()
    install_defaults()
    db.session.commit()


def _app_rows() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _store_dump(path: Path) -> list[str]:
    """Every row of every table of the store, as SQL text: equal dumps mean nothing changed."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def _entries(path: Path, employer_id: str) -> dict[str, str]:
    """entry_id -> reference of one employer's entries in the store."""
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT entry_id, reference FROM entries WHERE employer_id = ?",
                                       (employer_id,)).fetchall())
    finally:
        connection.close()


def _booked() -> dict[str, dict[str, str]]:
    """enterprise number -> {entry_id: reference} of the app's booked contributions."""
    rows = db.session.execute(select(Employer.enterprise_number, Contribution.entry_id, Contribution.reference)
                              .join(Employer, Employer.id == Contribution.employer_id)
                              .where(Contribution.status == ContributionStatus.BOOKED)).all()
    booked: dict[str, dict[str, str]] = {spec["enterprise_number"]: {} for spec in EMPLOYERS}
    for number, entry_id, reference in rows:
        booked[number][entry_id] = reference
    return booked


def _assert_agree(path: Path) -> None:
    """Each demo employer's entries in the store are its booked contributions (the bakery: plus the one
    portal top-up the demo books on purpose), with the same references."""
    for number, booked in _booked().items():
        entries = _entries(path, number)
        assert booked, "the demo books contributions for every employer"
        assert {entry_id: entries.get(entry_id) for entry_id in booked} == booked
        extra = [reference for entry_id, reference in entries.items() if entry_id not in booked]
        assert [reference[:7] for reference in extra] == (["PORTAL-"] if number == EMPLOYERS[0]["enterprise_number"]
                                                          else [])


def test_a_fresh_app_database_beside_an_old_register_store_seeds_and_agrees(seeded):
    _seed(seeded)
    path = _store_path(seeded)
    first_entries = {number: set(_entries(path, number)) for number in _booked()}
    store = Store(path)
    store.add_entry(employer_id=OUTSIDER, person_id="85073003328", amount_cents=5000, period="2026-10",
                    reference="C-2026-000001")
    store.close()
    first_rows = _app_rows()

    _fresh_app_database()
    output = _seed(seeded)  # the references C-<year>-000001 … are booked again: they used to collide

    for spec in EMPLOYERS:
        assert f"Development register: removed {len(first_entries[spec['enterprise_number']])} entries of " \
               f"{spec['name']} left from an earlier app database" in output
    _assert_agree(path)
    for number, entry_ids in first_entries.items():
        assert not entry_ids & set(_entries(path, number)), "nothing left from the earlier database"
    assert list(_entries(path, OUTSIDER).values()) == ["C-2026-000001"]
    assert _app_rows() == first_rows, "the same demo as the first time"

    app_rows, store_rows = _app_rows(), _store_dump(path)
    again = _seed(seeded)
    assert _app_rows() == app_rows and _store_dump(path) == store_rows, "a second run changes nothing"
    assert "Development register" not in again


def test_seeding_twice_changes_nothing_in_either_database(seeded):
    _seed(seeded)
    path = _store_path(seeded)
    _assert_agree(path)
    app_rows, store_rows = _app_rows(), _store_dump(path)

    output = _seed(seeded)

    assert _app_rows() == app_rows
    assert _store_dump(path) == store_rows
    assert "Development register" not in output


def test_a_register_store_replaced_after_seeding_is_reported_with_what_to_do(seeded):
    _seed(seeded)
    path = _store_path(seeded)
    booked = _booked()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    app_rows = _app_rows()

    output = _seed(seeded)

    for spec in EMPLOYERS:
        count = len(booked[spec["enterprise_number"]])
        assert f"Development register: {count} of the {count} contributions {spec['name']} booked are not in " \
               f"the register at http://127.0.0.1:" in output
    assert "delete the app database and the register's store" in output
    assert _app_rows() == app_rows, "nothing half-repaired in the app database"
    assert all(not _entries(path, spec["enterprise_number"]) for spec in EMPLOYERS)


def test_a_register_without_dev_endpoints_is_reported_and_nothing_is_seeded(seeded, tmp_path):
    register = start_register(tmp_path / "no-dev.sqlite3", "--dev-token", "")
    try:
        seeded.config["LEDGER_URL"] = register.url
        app_rows = _app_rows()
        result = seeded.test_cli_runner().invoke(args=["demo", "seed"])
        db.session.rollback()
        assert result.exit_code == 1
        assert f"The register at {register.url} has no dev endpoints" in result.output
        assert _app_rows() == app_rows, "one transaction: nothing half-seeded"
        assert register.counts()["entries"] == 0
    finally:
        register.stop()
