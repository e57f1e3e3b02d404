"""Benchmark: reconcile N contributions across E employers against the development register.

Not a test: it prints figures, each next to a reference measured in the same run. For each size it builds
a world (the app's database and the register's store, written in bulk: every contribution booked with its
entry, plus a few differences made on purpose), starts the development register as a real process on
loopback, and measures:

- the register itself: a bare pooled httpx client reading every employer's pages of entries (entries/s,
  and ms per employer: the round trips no reconciliation can avoid);
- the real ``flask --app app reconcile`` command, as a child process: with the same N contributions in ONE
  employer (the cost per contribution), then across E employers; its wall time, start-up (the command's
  ``--help``: importing the app), contributions/s without the start-up, per-employer overhead
  ((E employers - 1 employer) / (E - 1)) and peak memory (the child's maximum resident set size);
- the load average before and after (the machine is shared: figures taken under load are slower; each
  command runs twice and the faster run counts).

    .venv/bin/python scripts/bench_reconcile.py                      # 10,000/100 and 50,000/500, SQLite
    .venv/bin/python scripts/bench_reconcile.py --sizes 100000:1000 --database-url postgresql+psycopg://postgres@127.0.0.1/bench

With --database-url the database must exist; its tables are dropped and created.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import httpx  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from devregister.store import Store  # noqa: E402
from ila_sme.accounts.models import User  # noqa: E402
from ila_sme.employers.models import Employer  # noqa: E402
from ila_sme.extensions import db  # noqa: E402
from ila_sme.factory import create_app  # noqa: E402
from ila_sme.funding.models import Contribution, FundingRequest  # noqa: E402
from ila_sme.identifiers import make_insz, make_kbo  # noqa: E402
from ila_sme.people.models import EmployeeRecord  # noqa: E402
from ila_sme.schemes.services import install_defaults  # noqa: E402

FLASK = str(Path(sys.executable).with_name("flask"))
LISTENING = re.compile(r"listening on (http://\S+)")
STAFF = 10
DIFFERENCE_EVERY = 1000  # one amended amount and one portal booking per this many contributions


def periods(today: date, count: int = 3) -> list[str]:
    index = today.year * 12 + today.month - 1
    return [f"{(index - n) // 12:04d}-{(index - n) % 12 + 1:02d}" for n in range(count)]


def build(database_url: str, register_db: Path, employers: int, contributions: int) -> None:
    """The app's rows and the register's entries, in bulk, in step (same references and entry ids)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    today = datetime.now(UTC).date()
    open_periods = periods(today)
    per_employer = contributions // employers
    store = Store(register_db)
    with app.app_context():
        db.drop_all()
        db.create_all()
        install_defaults()
        db.session.execute(insert(User), [{"id": 1, "email": "bench@example.be", "name": "Bench"}])
        db.session.execute(insert(Employer), [
            {"id": e, "name": f"Bench employer {e}", "enterprise_number": make_kbo(2_000_000 + e),
             "register_token": f"bench-token-{e}"} for e in range(1, employers + 1)])
        people = []
        for e in range(1, employers + 1):
            for s in range(STAFF):
                n = (e - 1) * STAFF + s
                people.append({"id": n + 1, "employer_id": e, "first_name": "Staff", "last_name": f"{n}",
                               "national_number": make_insz(date(1960 + n % 40, 1 + n % 12, 1 + n % 28),
                                                            1 + n // 13440 % 997),
                               "employment_pct": 100, "hours_per_week": 38, "contract_start": date(2020, 1, 1)})
        db.session.execute(insert(EmployeeRecord), people)
        requests, rows, entries = [], [], []
        number = 0
        for e in range(1, employers + 1):
            kbo = make_kbo(2_000_000 + e)
            for k in range(per_employer):
                number += 1
                person = people[(e - 1) * STAFF + k % STAFF]
                cents = 1000 + (number * 7919) % 90000
                period = open_periods[k % len(open_periods)]
                entry_id = f"L-{secrets.token_hex(8).upper()}"
                reference = f"C-{today.year}-{number:07d}"
                requests.append({"id": number, "employer_id": e, "employee_id": person["id"], "year": today.year,
                                 "asked_on": today, "kind": "top-up", "cost_cents": cents, "employer_cents": cents,
                                 "status": "approved", "requested_by_id": 1})
                rows.append({"employer_id": e, "employee_id": person["id"], "funding_request_id": number,
                             "reference": reference, "idempotency_key": secrets.token_hex(16), "kind": "top-up",
                             "amount_cents": cents, "currency": "EUR", "period": period, "status": "booked",
                             "entry_id": entry_id, "booked_at": datetime.now(UTC)})
                register_cents = cents + 100 if number % DIFFERENCE_EVERY == 0 else cents  # amended there
                entries.append((entry_id, kbo, person["national_number"], register_cents, period, reference))
                if number % DIFFERENCE_EVERY == 1:  # booked through the register's portal
                    entries.append((f"L-{secrets.token_hex(8).upper()}", kbo, person["national_number"], 5000,
                                    period, f"PORTAL-{number}"))
            if len(rows) >= 20_000 or e == employers:
                db.session.execute(insert(FundingRequest), requests)
                db.session.execute(insert(Contribution), rows)
                _write_register(store, entries)
                requests, rows, entries = [], [], []
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # a live database has its statistics; a bulk load not yet
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        with store.transaction() as register:
            register.executemany("INSERT INTO employers (employer_id, name, token) VALUES (?, ?, ?)",
                                 [(make_kbo(2_000_000 + e), f"Bench employer {e}", f"bench-token-{e}")
                                  for e in range(1, employers + 1)])
            register.executemany("INSERT OR IGNORE INTO persons (person_id, public_credit_cents, updated_at) "
                                 "VALUES (?, 150000, '2026-01-01T00:00:00Z')",
                                 [(p["national_number"],) for p in people])
            register.executemany("INSERT OR IGNORE INTO employments (employer_id, person_id, start_date) "
                                 "VALUES (?, ?, '2020-01-01')",
                                 [(make_kbo(2_000_000 + p["employer_id"]), p["national_number"]) for p in people])
    store.close()


def _write_register(store: Store, entries: list[tuple]) -> None:
    with store.transaction() as register:
        register.executemany(
            "INSERT INTO entries (entry_id, employer_id, person_id, amount_cents, currency, period, reference, "
            "kind, registry_id, status, reverses, reason, booked_at) "
            "VALUES (?, ?, ?, ?, 'EUR', ?, ?, 'top-up', NULL, 'booked', NULL, NULL, '2026-01-01T00:00:00Z')",
            entries)


def start_register(register_db: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "devregister", "--port", "0", "--store", str(register_db), "--no-seed", "--faults", ""],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        match = LISTENING.search(line)
        if match:
            return process, match.group(1)
    raise SystemExit("the development register did not start")


def reconcile(database_url: str, register_url: str, instance: Path, log: Path) -> tuple[float, int, str, float]:
    """Run the real command; its wall time, its own peak RSS in KiB (os.wait4), its last line and the CPU
    seconds it used itself (user + system: what the machine's other work does not change much)."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [FLASK, "--app", "app", "reconcile"], cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "DATABASE_URL": database_url, "LEDGER_URL": register_url,
                 "ILA_INSTANCE_PATH": str(instance)})
        _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    lines = log.read_text().strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("reconcile failed:\n" + "\n".join(lines[-20:]))
    return elapsed, usage.ru_maxrss, lines[-1], usage.ru_utime + usage.ru_stime


def start_up(database_url: str, instance: Path) -> float:
    """The command's start (interpreter, imports, the app): ``flask --app app reconcile --help``, best of 3:
    (wall seconds, CPU seconds)."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        process = subprocess.Popen([FLASK, "--app", "app", "reconcile", "--help"], cwd=PROJECT,  # noqa: S603
                                   stdout=subprocess.DEVNULL, env={**os.environ, "DATABASE_URL": database_url,
                                                                   "ILA_INSTANCE_PATH": str(instance)})
        _, _, usage = os.wait4(process.pid, 0)
        times.append((time.perf_counter() - started, usage.ru_utime + usage.ru_stime))
    return min(times)


def raw_register(register_url: str, employers: int) -> tuple[int, float]:
    """A bare pooled httpx client reads every employer's entries, page by page: (entries, seconds)."""
    count = 0
    started = time.perf_counter()
    with httpx.Client(base_url=register_url, timeout=30) as client:
        for e in range(1, employers + 1):
            cursor = None
            while True:
                params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
                page = client.get(f"/v1/employers/{make_kbo(2_000_000 + e)}/entries", params=params,
                                  headers={"Authorization": f"Bearer bench-token-{e}"}).json()
                count += len(page["entries"])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
    return count, time.perf_counter() - started


def world(url: str, folder: Path, employers: int, contributions: int, *, raw: bool = False, runs: int = 2) -> dict:
    """Build the world, start its register, run the command (and the bare reading first when ``raw``). The
    command runs ``runs`` times (each a whole night's work again: every entry read and compared, its items
    written) and the fastest counts: the machine is shared, a slower run measures the others' work."""
    if url.startswith("sqlite"):
        url = f"sqlite:///{folder / f'app-{contributions}-{employers}.sqlite3'}"
    register_db = folder / f"register-{contributions}-{employers}.sqlite3"
    # Built in a process of its own: a child inherits its parent's peak RSS on Linux (ru_maxrss survives
    # fork and exec), so the world held here would be counted as the command's memory.
    builder = multiprocessing.get_context("spawn").Process(target=build,
                                                           args=(url, register_db, employers, contributions))
    builder.start()
    builder.join()
    if builder.exitcode != 0:
        raise SystemExit("building the world failed")
    process, register_url = start_register(register_db)
    try:
        figures = {}
        if raw:
            figures["raw"] = raw_register(register_url, employers)
        best = min((reconcile(url, register_url, folder / "instance", folder / f"log-{employers}")
                    for _ in range(runs)), key=lambda result: result[0])
        figures["seconds"], figures["peak_kib"], figures["last"], figures["cpu"] = best
    finally:
        process.terminate()
        process.wait(timeout=10)
    return figures


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000:100,50000:500",
                        help="contributions:employers pairs, comma-separated [%(default)s]")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a temporary folder")
    options = parser.parse_args(argv)
    database = "PostgreSQL" if options.database_url and options.database_url.startswith("postgresql") else "SQLite"
    print(f"{database}; load average before: {load()} (1, 5, 15 min; {os.cpu_count()} cores)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as folder:
        folder = Path(folder)
        url = options.database_url or f"sqlite:///{folder / 'app.sqlite3'}"
        os.environ["ILA_INSTANCE_PATH"] = str(folder / "instance")
        start, start_cpu = start_up(url, folder / "instance")
        print(f"command start-up (reference: `flask --app app reconcile --help`): {start:.2f} s, "
              f"{start_cpu:.2f} s CPU", flush=True)
        for size in options.sizes.split(","):
            contributions, employers = (int(part) for part in size.split(":"))
            one = world(url, folder, 1, contributions)
            many = world(url, folder, employers, contributions, raw=True)
            entries, raw_seconds = many["raw"]
            print(f"\n{contributions:,} contributions / {employers:,} employers", flush=True)
            print(f"  register, bare pooled httpx client: {entries:,} entries in {raw_seconds:.2f} s = "
                  f"{entries / raw_seconds:,.0f} entries/s, {raw_seconds / employers * 1000:.1f} ms per employer")
            for label, figures in (("1 employer", one), (f"{employers:,} employers", many)):
                work = figures["seconds"] - start
                cpu = figures["cpu"] - start_cpu
                print(f"  reconcile, {label:>15}: {figures['seconds']:6.2f} s ({work:6.2f} s after start-up) = "
                      f"{contributions / work:7,.0f} contributions/s; CPU {cpu:6.2f} s after start-up = "
                      f"{contributions / cpu:7,.0f} contributions per CPU second; peak "
                      f"{figures['peak_kib'] / 1024:4.0f} MiB  [{figures['last']}]")
            if employers > 1:
                overhead = (many["seconds"] - one["seconds"]) / (employers - 1)
                cpu_overhead = (many["cpu"] - one["cpu"]) / (employers - 1)
                print(f"  per-employer overhead: {overhead * 1000:.1f} ms "
                      f"(({many['seconds']:.2f} - {one['seconds']:.2f}) s / {employers - 1:,}), of which "
                      f"{cpu_overhead * 1000:.1f} ms the command's CPU; per contribution: "
                      f"{(one['seconds'] - start) / contributions * 1e6:.0f} µs, of which "
                      f"{(one['cpu'] - start_cpu) / contributions * 1e6:.0f} µs CPU", flush=True)
    print(f"\nload average after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
