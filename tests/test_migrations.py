"""Migrations: one head, upgrade from empty on SQLite and PostgreSQL, and they agree with the models."""

from __future__ import annotations

import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from ila_sme.config import TestConfig
from ila_sme.extensions import db
from ila_sme.factory import create_app


def _databases():
    yield pytest.param("sqlite", id="sqlite")
    url = os.environ.get("TEST_DATABASE_URL", "")
    yield pytest.param(
        url, id="postgresql",
        marks=pytest.mark.skipif(not url.startswith("postgresql"), reason="TEST_DATABASE_URL is not PostgreSQL"),
    )


@pytest.fixture(params=list(_databases()))
def empty_app(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}" if request.param == "sqlite" else request.param
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _drop_everything()
        yield app
        _drop_everything()
        db.engine.dispose()


def _drop_everything():
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_there_is_exactly_one_head(empty_app):
    config = empty_app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_from_empty_agrees_with_the_models(empty_app):
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
    tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables
    result = empty_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_migrated_audit_log_is_append_only(empty_app):
    flask_migrate.upgrade()
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO audit_events (occurred_at, action) VALUES (CURRENT_TIMESTAMP, 'x')"))
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events"))


def test_downgrade_to_base_and_up_again(empty_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_migrate.upgrade()
    assert "employee_records" in inspect(db.engine).get_table_names()
