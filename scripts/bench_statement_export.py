"""Benchmark: export a co-funding statement of N lines, next to a reference measured in the same run.

Not a test: it prints figures. It prints the load average first and last (this machine is shared: read the
figures with it), then the start of the app, then for each size, on a temporary database built in bulk (one
employer, its staff, N booked contributions spread over the months of one year, each with its funding request
and part):

- ``reference``: the raw driver (sqlite3 / psycopg, a server-side cursor) running the statement's own join
  (``cofunding.part_query``, the same SQL) and ``csv.writer`` writing its rows as they come: what any export
  of these lines costs at least;
- ``in-process``: ``exports.export_statement`` in this process (the lines, their formatting, the totals, the
  log entry), best of ``--repeat`` runs, and the peak of Python's own allocations in one more run
  (tracemalloc);
- ``command``: the real ``flask --app app export statement`` as a child process: its wall time including the
  app's start, its peak resident memory (``VmHWM``, which counts the pages of the SQLite file that SQLite maps
  into memory) and its peak anonymous memory (``RssAnon``, without those file pages), both read from /proc
  every 10 ms. (Not ``ru_maxrss``: a child's counts the parent's pages it was forked with.)

The app's start is timed as ``python -c "import app"`` and ``flask --app app --help`` (median of three), and a
small command: the export of a period without lines. Child processes run with their bytecode cached (in a
temporary ``PYTHONPYCACHEPREFIX``, warmed first), as a deployed app runs; the start is also timed without the
project's bytecode (``PYTHONDONTWRITEBYTECODE=1``: each of its modules compiled at every start).

    .venv/bin/python scripts/bench_statement_export.py                       # 10,000 and 100,000 lines, SQLite
    .venv/bin/python scripts/bench_statement_export.py --sizes 1000 --formats csv,xlsx
    .venv/bin/python scripts/bench_statement_export.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

With --database-url the database must exist and be empty (its tables are dropped and created).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from sqlalchemy import insert  # noqa: E402

from ila_sme.accounts.models import User  # noqa: E402
from ila_sme.employers.models import Employer  # noqa: E402
from ila_sme.extensions import db  # noqa: E402
from ila_sme.factory import create_app  # noqa: E402
from ila_sme.funding import periods  # noqa: E402
from ila_sme.funding.models import Contribution, FundingPart, FundingRequest  # noqa: E402
from ila_sme.identifiers import make_insz, make_kbo  # noqa: E402
from ila_sme.people.models import EmployeeRecord  # noqa: E402
from ila_sme.schemes.services import install_defaults  # noqa: E402
from ila_sme.statements import cofunding, exports  # noqa: E402

FLASK = str(Path(sys.executable).with_name("flask"))
YEAR = 2025
STAFF = 500
BATCH = 20_000
KBO = make_kbo(3_000_001)
GENERATED_AT = datetime(YEAR + 1, 1, 5, 9, tzinfo=UTC)
MIB = 2**20
BYTECODE = tempfile.mkdtemp(prefix="bench-statement-pycache-")
CACHED = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
CACHED["PYTHONPYCACHEPREFIX"] = BYTECODE
UNCACHED = {name: value for name, value in os.environ.items() if name != "PYTHONPYCACHEPREFIX"}
UNCACHED["PYTHONDONTWRITEBYTECODE"] = "1"


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
        db.engine.dispose()


def reference(app, output: Path) -> tuple[float, int]:
    """The raw driver and csv.writer on the statement's join: (seconds, rows)."""
    with app.app_context():
        employer = db.session.query(Employer).one()
        query = cofunding.part_query(employer.id, list(periods.parse(str(YEAR)).months))
        sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        db.session.rollback()
        raw = db.engine.raw_connection()
        try:
            started = time.perf_counter()
            server_side = db.engine.dialect.name == "postgresql"
            cursor = raw.cursor(name="reference") if server_side else raw.cursor()
            cursor.execute(sql)
            buffer, count = io.StringIO(), 0
            writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
            with output.open("wb") as out:
                while rows := cursor.fetchmany(1000):
                    writer.writerows(rows)
                    count += len(rows)
                    out.write(buffer.getvalue().encode("utf-8"))
                    buffer.seek(0)
                    buffer.truncate()
            elapsed = time.perf_counter() - started
            cursor.close()
            raw.rollback()
        finally:
            raw.close()
        db.engine.dispose()
    return elapsed, count


def in_process(app, output: Path, *, traced: bool = False) -> tuple[float, int, int]:
    """The export as the command and the page run it: (seconds, lines, Python heap peak in bytes when traced)."""
    with app.app_context():
        employer = db.session.query(Employer).one()
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        with output.open("wb") as out:
            entry = exports.export_statement(employer, out, actor=None, period=str(YEAR), fmt="csv",
                                             generated_at=GENERATED_AT)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
        db.session.rollback()  # the log entry is not kept: every run exports the same
        db.engine.dispose()
    return elapsed, entry.line_count, peak


def _memory_kib(pid: int) -> dict[str, int]:
    """The process's peak resident memory so far (VmHWM) and its anonymous resident memory now (RssAnon)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {line.split(":")[0]: int(line.split()[1]) for line in lines if line.startswith(("VmHWM:", "RssAnon:"))}


def run(argv: list[str], env: dict, log: Path) -> tuple[float, int, int, str, float]:
    """A child process: (wall seconds, peak RSS KiB, peak anonymous RSS KiB, last line of its output, CPU seconds
    (user and system: what the process itself used, less dependent on the machine's load than the wall time))."""
    started = time.perf_counter()
    peak = anonymous = 0
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT, env=env)  # noqa: S603
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            memory = _memory_kib(process.pid)
            peak, anonymous = max(peak, memory.get("VmHWM", 0)), max(anonymous, memory.get("RssAnon", 0))
            time.sleep(0.01)
    elapsed = time.perf_counter() - started
    lines = log.read_text().strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n" + "\n".join(lines[-20:]))
    return elapsed, peak, anonymous, lines[-1] if lines else "", usage.ru_utime + usage.ru_stime


def command(url: str, fmt: str, output: Path, instance: Path, log: Path, period: str = str(YEAR)):
    env = {**CACHED, "DATABASE_URL": url, "ILA_INSTANCE_PATH": str(instance)}
    return run([FLASK, "--app", "app", "export", "statement", "--employer", KBO, "--period", period,
                "--format", fmt, "--output", str(output)], env, log)


def start_times(environment: dict, instance: Path, log: Path) -> str:
    """``import app`` and ``flask --help``: median wall and CPU seconds of three runs each."""
    env = {**environment, "ILA_INSTANCE_PATH": str(instance)}
    run([FLASK, "--app", "app", "--help"], env, log)  # warms the bytecode cache (when there is one)
    texts = []
    for label, argv in (("python -c 'import app'", [sys.executable, "-c", "import app"]),
                        ("flask --app app --help", [FLASK, "--app", "app", "--help"])):
        runs = [run(argv, env, log) for _ in range(3)]
        texts.append(f"{label} {statistics.median(r[0] for r in runs):.2f} s "
                     f"(CPU {statistics.median(r[4] for r in runs):.2f} s)")
    return ", ".join(texts)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="line counts, comma-separated [%(default)s]")
    parser.add_argument("--formats", default="csv", help="the command's formats: csv, xlsx, pdf [%(default)s]")
    parser.add_argument("--repeat", type=int, default=2, help="runs of the reference and in-process [%(default)s]")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    options = parser.parse_args(argv)
    print(f"load average at start: {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-statement-") as folder:
        folder = Path(folder)
        os.environ["ILA_INSTANCE_PATH"] = str(folder / "instance")
        for label, environment in (("bytecode cached", CACHED), ("no bytecode of the project", UNCACHED)):
            print(f"app start, {label} (median of 3): {start_times(environment, folder / 'instance', folder / 'log')}",
                  flush=True)
    database = options.database_url.split("://")[0] if options.database_url else "sqlite (a temporary file)"
    print(f"database: {database}")
    print(f"{'lines':>8} {'format':>6} | {'reference':>9} | {'in-process':>10} {'heap MiB':>8} | "
          f"{'command s':>9} {'lines/s':>8} {'RSS MiB':>7} {'anon MiB':>8} {'file MiB':>8}")
    print(f"{'':>8} {'':>6} | {'lines/s':>9} | {'lines/s':>10} {'':>8} |")
    small = None
    for size in (int(value) for value in options.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-statement-") as folder:
            folder = Path(folder)
            url = options.database_url or f"sqlite:///{folder / 'app.sqlite3'}"
            os.environ["ILA_INSTANCE_PATH"] = str(folder / "instance")
            build(url, size)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url})
            raw_s = own_s = float("inf")
            for _ in range(options.repeat):
                raw_s = min(raw_s, reference(app, folder / "reference.csv")[0])
                seconds, lines, _peak = in_process(app, folder / "in-process.csv")
                own_s = min(own_s, seconds)
            heap = in_process(app, folder / "traced.csv", traced=True)[2]
            if small is None:
                small = command(url, "csv", folder / "empty.csv", folder / "instance", folder / "log",
                                period=str(YEAR - 1))
            for fmt in options.formats.split(","):
                output = folder / f"statement.{fmt}"
                seconds, rss, anonymous, _last, _cpu = command(url, fmt, output, folder / "instance", folder / "log")
                own = f"{lines / own_s:>10,.0f} {heap / MIB:>8.1f}" if fmt == "csv" else f"{'':>10} {'':>8}"
                raw = f"{lines / raw_s:>9,.0f}" if fmt == "csv" else f"{'':>9}"
                print(f"{size:>8,} {fmt:>6} | {raw} | {own} | {seconds:>9.2f} {size / seconds:>8,.0f} "
                      f"{rss / 1024:>7.1f} {anonymous / 1024:>8.1f} {output.stat().st_size / MIB:>8.1f}",
                      flush=True)
    print(f"small command (export of a period without lines, start included): {small[0]:.2f} s "
          f"(CPU {small[4]:.2f} s)")
    print(f"load average at end: {load()}")
    shutil.rmtree(BYTECODE, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
