"""Benchmark: export a co-funding statement of N lines with the real command and show that memory does
not grow with the line count.

Not a test: it prints figures. For each size it builds a temporary database in bulk (one employer, its
staff, N booked contributions spread over the months of one year, each with its funding request and
part), then runs ``flask --app app export statement --period YEAR --format FMT`` as a child process and
reports its wall time, lines per second, the file's size and the child's peak memory (maximum resident
set size, os.wait4), and the peak of Python's own allocations during the same export run in-process
(tracemalloc). The CSV streams (a server-side / yield_per query, chunks written as they come),
so its peak stays flat from 10,000 to 100,000 lines; XLSX is written in openpyxl's write-only mode.

    .venv/bin/python scripts/bench_statement_export.py                       # 10,000 and 100,000 lines, CSV
    .venv/bin/python scripts/bench_statement_export.py --sizes 1000 --formats csv,xlsx
    .venv/bin/python scripts/bench_statement_export.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

With --database-url the database must exist and be empty (its tables are dropped and created).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from sqlalchemy import insert  # noqa: E402

from ila_sme.accounts.models import User  # noqa: E402
from ila_sme.employers.models import Employer  # noqa: E402
from ila_sme.extensions import db  # noqa: E402
from ila_sme.factory import create_app  # noqa: E402
from ila_sme.funding.models import Contribution, FundingPart, FundingRequest  # noqa: E402
from ila_sme.identifiers import make_insz, make_kbo  # noqa: E402
from ila_sme.people.models import EmployeeRecord  # noqa: E402
from ila_sme.schemes.services import install_defaults  # noqa: E402

FLASK = str(Path(sys.executable).with_name("flask"))
YEAR = 2025
STAFF = 500
BATCH = 20_000
KBO = make_kbo(3_000_001)


def build(database_url: str, lines: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        install_defaults()
        db.session.execute(insert(User), [{"id": 1, "email": "bench@example.be", "name": "Bench"}])
        db.session.execute(insert(Employer), [{"id": 1, "name": "Bench employer", "enterprise_number": KBO}])
        db.session.execute(insert(EmployeeRecord), [
            {"id": n + 1, "employer_id": 1, "first_name": "Staff", "last_name": f"{n}",
             "national_number": make_insz(date(1960 + n % 40, 1 + n % 12, 1 + n % 28), 1 + n // 13440 % 997),
             "employment_pct": 100, "hours_per_week": 38, "contract_start": date(2020, 1, 1)} for n in range(STAFF)])
        requests, parts, rows = [], [], []
        start = datetime(YEAR, 1, 1, 8, tzinfo=UTC)
        for number in range(1, lines + 1):
            cents = 1000 + (number * 7919) % 90000
            booked = start + timedelta(minutes=number * 525_600 // (lines + 1))
            person = 1 + number % STAFF
            requests.append({"id": number, "employer_id": 1, "employee_id": person, "year": YEAR,
                             "asked_on": booked.date(), "kind": "top-up", "cost_cents": cents,
                             "employer_cents": cents, "status": "approved", "requested_by_id": 1})
            parts.append({"funding_request_id": number, "source": "employer", "amount_cents": cents})
            rows.append({"employer_id": 1, "employee_id": person, "funding_request_id": number,
                         "reference": f"C-{YEAR}-{number:07d}", "idempotency_key": secrets.token_hex(16),
                         "kind": "top-up", "amount_cents": cents, "currency": "EUR", "period": f"{booked:%Y-%m}",
                         "status": "booked", "entry_id": f"L-{number:010d}", "booked_at": booked})
            if len(rows) >= BATCH or number == lines:
                db.session.execute(insert(FundingRequest), requests)
                db.session.execute(insert(FundingPart), parts)
                db.session.execute(insert(Contribution), rows)
                requests, parts, rows = [], [], []
        db.session.commit()
    with app.app_context():
        db.engine.dispose()


def export(database_url: str, fmt: str, output: Path, instance: Path, log: Path) -> tuple[float, int, str]:
    """The real command: its wall time, its own peak RSS in KiB and its last line."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [FLASK, "--app", "app", "export", "statement", "--employer", KBO, "--period", str(YEAR),
             "--format", fmt, "--output", str(output)], cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "DATABASE_URL": database_url, "ILA_INSTANCE_PATH": str(instance)})
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    lines = log.read_text().strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("export failed:\n" + "\n".join(lines[-20:]))
    return elapsed, usage.ru_maxrss, lines[-1]


def traced(database_url: str, fmt: str, output: Path) -> int:
    """The same export in this process: the peak of Python's own allocations during it (tracemalloc), in bytes;
    this leaves out the database's sort buffers and page cache that the child's RSS includes."""
    import tracemalloc

    from ila_sme.statements import exports

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        employer = db.session.query(Employer).one()
        tracemalloc.start()
        with output.open("wb") as out:
            exports.export_statement(employer, out, actor=None, period=str(YEAR), fmt=fmt)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.rollback()
        db.engine.dispose()
    return peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="line counts, comma-separated [%(default)s]")
    parser.add_argument("--formats", default="csv", help="csv, xlsx, pdf, comma-separated [%(default)s]")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    options = parser.parse_args(argv)
    print(f"{'lines':>8} {'format':>6} {'seconds':>8} {'lines/s':>8} {'file MiB':>8} {'peak MiB':>8} "
          f"{'traced MiB':>10}")
    for size in (int(value) for value in options.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-statement-") as folder:
            folder = Path(folder)
            url = options.database_url or f"sqlite:///{folder / 'app.sqlite3'}"
            os.environ["ILA_INSTANCE_PATH"] = str(folder / "instance")
            build(url, size)
            for fmt in options.formats.split(","):
                output = folder / f"statement.{fmt}"
                elapsed, peak_kib, _last = export(url, fmt, output, folder / "instance", folder / "log")
                size_mib = output.stat().st_size / 2**20
                python_peak = traced(url, fmt, folder / f"traced.{fmt}")
                print(f"{size:>8,} {fmt:>6} {elapsed:>8.1f} {size / elapsed:>8,.0f} "
                      f"{size_mib:>8.1f} {peak_kib / 1024:>8.1f} {python_peak / 2**20:>10.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
