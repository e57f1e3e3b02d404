"""Benchmark: sixteen people at once on SQLite and on PostgreSQL, with the scheduler and a reconciliation going.

Not a test: it prints figures. For each database it makes a fresh one (a SQLite file in a temporary folder; a
new PostgreSQL database, dropped afterwards), writes the world of the load test (tests/load/harness.py: four
managers with leave requests, an admin with co-funding requests, employees with a credential each, an
accountant, a reconciliation of 300 contributions queued), starts the development register, the real scheduler
process and the app under gunicorn (2 workers x 8 threads) on loopback, and runs the load test's mix with 16
browsers again and again for a fixed time. Printed per database: requests per second, p50 and p95 latency,
the count of responses >= 500 and of requests without an answer, and the load average before and after.

    .venv/bin/python scripts/bench_concurrency.py                     # 20 s on each database
    .venv/bin/python scripts/bench_concurrency.py --seconds 10 --databases sqlite
    POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python scripts/bench_concurrency.py

Passwords are hashed with the production cost (argon2id defaults), so the sign-ins weigh what they weigh.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from ila_sme.extensions import db  # noqa: E402
from ila_sme.factory import create_app  # noqa: E402
from ila_sme.schemes.services import install_defaults  # noqa: E402
from tests.load.harness import Stack, build, run_mix, summary  # noqa: E402


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


def bench(database_url: str, folder: Path, seconds: float, employees: int) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "ENV_NAME": "testing",
                      "MAIL_OUTBOX": str(folder / "outbox")})
    app.instance_path = str(folder / "build-instance")
    with app.app_context():
        db.create_all()
        install_defaults()
        db.session.commit()
        mix, world = build(app, folder, employees=employees, leave_per_employee=4, funding_per_employee=3)
        db.session.remove()
        db.engine.dispose()
    stack = Stack(database_url, world.register.url, folder / "instance")
    try:
        stack.start()
        before = loadavg()
        started = time.monotonic()
        hits = run_mix(stack.url, mix, seconds=seconds)
        elapsed = time.monotonic() - started
        figures = summary(hits, elapsed)
        figures.update(seconds=elapsed, loadavg_before=before, loadavg_after=loadavg(),
                       locked="database is locked" in stack.server.output + stack.scheduler.output,
                       failed=Counter(f"{h.label} {h.status}" for h in hits if h.status >= 500 or not h.status),
                       tracebacks=stack.tracebacks())
        return figures
    finally:
        stack.stop()
        world.register.stop()


def fresh_postgres(server: str) -> tuple[str, str]:
    name = f"ila_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def drop_postgres(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="load per database (default 20)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--employees", type=int, default=12, help="employees with requests (default 12)")
    parser.add_argument("--postgres-url", default=None,
                        help="maintenance database to connect to (default $POSTGRES_URL or "
                             "postgresql://postgres@127.0.0.1:5432/test)")
    args = parser.parse_args()
    server = args.postgres_url or os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print(f"16 browsers for {args.seconds:.0f} s per database; load average {loadavg()}", flush=True)
    results = {}
    for kind in [part.strip() for part in args.databases.split(",") if part.strip()]:
        with tempfile.TemporaryDirectory(prefix=f"bench-concurrency-{kind}-") as folder:
            if kind == "sqlite":
                results[kind] = bench(f"sqlite:///{Path(folder) / 'ila_sme.sqlite3'}", Path(folder), args.seconds,
                                      args.employees)
            elif kind == "postgresql":
                name, url = fresh_postgres(server)
                try:
                    results[kind] = bench(url, Path(folder), args.seconds, args.employees)
                finally:
                    drop_postgres(server, name)
            else:
                parser.error(f"unknown database {kind!r}")
        figures = results[kind]
        print(f"{kind:<10} {figures['requests']:>6} requests in {figures['seconds']:.1f} s: "
              f"{figures['per_second']:.1f} requests/s, p50 {figures['p50_ms']:.0f} ms, "
              f"p95 {figures['p95_ms']:.0f} ms, "
              f">=500: {figures['errors_5xx']}, no answer: {figures['no_answer']}, "
              f"'database is locked' logged: {'yes' if figures['locked'] else 'no'}; "
              f"load average {figures['loadavg_before']} -> {figures['loadavg_after']}", flush=True)
        if figures["failed"]:
            print(f"  failed: {dict(figures['failed'])}\n  tracebacks (last lines):\n{figures['tracebacks']}",
                  flush=True)
    return 1 if any(f["errors_5xx"] or f["no_answer"] for f in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
