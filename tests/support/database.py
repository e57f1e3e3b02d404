"""The test database: the schema is built once per test session (per xdist worker), not per test.

* SQLite: a template file is made once (schema + the national parameter versions); each test gets
  a copy of it in its own ``tmp_path``, so a test can never see another one's rows, files or locks.
* PostgreSQL (``TEST_DATABASE_URL``): each xdist worker gets a database of its own next to the one
  ``scripts/with_fresh_postgres.py`` made (``…_gw0``, ``…_gw1``), created and dropped here; before
  each test every table is emptied (``TRUNCATE … RESTART IDENTITY``, so ids start at 1 as on a fresh
  schema) and the defaults are installed again. A test that dropped tables (the migration tests, the
  concurrency harness) leaves a schema that is rebuilt before the next test.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import inspect, text

from ila_sme.extensions import db
from ila_sme.schemes.services import install_defaults


def is_postgresql(url: str | None) -> bool:
    return bool(url) and url.startswith("postgresql")


# PostgreSQL: one database per xdist worker --------------------------------------------------------


def _server_url(url: str) -> str:
    """The same server's maintenance connection, for CREATE/DROP DATABASE (psycopg's URL form)."""
    return url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://", 1) + "/postgres"


def worker_database(url: str, worker: str) -> str:
    """Create ``<database>_<worker>`` on the same server and return its SQLAlchemy URL."""
    name = f"{url.rsplit('/', 1)[1]}_{worker}"
    with psycopg.connect(_server_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{url.rsplit('/', 1)[0]}/{name}"


def drop_worker_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_server_url(url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def reset_postgresql() -> None:
    """Inside an app context: the whole schema present and empty, with the defaults installed."""
    db.session.remove()
    expected = {table.name for table in db.metadata.sorted_tables}
    present = set(inspect(db.engine).get_table_names())
    if not expected <= present:
        db.drop_all()
        db.create_all()
    else:
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    install_defaults()
    db.session.commit()


# SQLite: a template file copied per test ----------------------------------------------------------


def build_sqlite_template(app, path: Path) -> None:
    """Inside ``app``'s context (whose database is the file ``path``): schema and defaults, then
    closed, so that the file alone is the whole database (WAL checkpointed on close)."""
    with app.app_context():
        db.create_all()
        install_defaults()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    for suffix in ("-wal", "-shm"):
        leftover = Path(f"{path}{suffix}")
        if leftover.exists() and leftover.stat().st_size:
            raise RuntimeError(f"the template database was not checkpointed: {leftover}")


def copy_sqlite_template(template: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)


def current_worker() -> str | None:
    return os.environ.get("PYTEST_XDIST_WORKER")
