"""Run a command against a brand-new PostgreSQL database, dropped afterwards.

    python scripts/with_fresh_postgres.py pytest -rs

The server comes from POSTGRES_URL (default: postgresql://postgres@127.0.0.1:5432/test, the
maintenance database to connect to); the command gets TEST_DATABASE_URL pointing at the new one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
from psycopg import sql


def main() -> int:
    server = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"ila_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    env = {**os.environ, "TEST_DATABASE_URL": f"{base}/{name}"}
    print(f"PostgreSQL test database: {name}", flush=True)
    try:
        return subprocess.call(sys.argv[1:], env=env)  # noqa: S603 - the developer's own command line
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    sys.exit(main())
