"""Benchmark: sixteen managers approving training leave at once, over HTTP, next to a bare Flask route.

Not a test: it prints figures. It makes a scratch database (a new PostgreSQL database beside the one of
``--database-url``, dropped afterwards; or a SQLite file with ``--sqlite``), writes one employer with 16 managers
and enough pending requests through the real services, starts the app under gunicorn (2 sync workers, as the
issue measured) and has each manager approve requests of their own (distinct ones) for ``--seconds``, through the
inbox's htmx POST. Then, in this process, it approves more of them one at a time with the test client and counts
the CPU and the SQL statements of each. Printed per row: p50 and p95 latency, decisions (or requests) per second,
worker CPU per request (gunicorn workers' own counters, plus the PostgreSQL backends' when this machine sees
them), in-process CPU and statements per approval, errors, and whether every request was decided exactly once;
the same figures for a bare Flask route under the same gunicorn settings; and the load average.

    .venv/bin/python scripts/bench_decisions.py                       # PostgreSQL on 127.0.0.1, 10 s
    .venv/bin/python scripts/bench_decisions.py --sqlite --seconds 5 --per-manager 20

``run(...)`` returns the rows (dicts) for scripts/bench_pages.py.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from ila_sme.audit.models import AuditEvent  # noqa: E402
from ila_sme.extensions import db  # noqa: E402
from ila_sme.factory import create_app  # noqa: E402
from ila_sme.leave import services as leave  # noqa: E402
from ila_sme.leave.jobs import allocate_for  # noqa: E402
from ila_sme.leave.models import EntryKind, LeaveRequest, LedgerEntry, RequestStatus  # noqa: E402
from ila_sme.schemes import services as schemes  # noqa: E402
from ila_sme.schemes.models import LeaveKind  # noqa: E402
from tests import factories  # noqa: E402
from tests.load.harness import weekdays  # noqa: E402
from tests.support.database import drop_worker_database, worker_database  # noqa: E402
from tests.support.processes import Process  # noqa: E402
from tests.support.statements import count_statements  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BIN = Path(sys.executable).parent
LISTENING = re.compile(r"Listening at: (http://\S+)")
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
PER_EMPLOYEE = 4  # requests of one day each: the 5 days of federal training right hold them
IN_PROCESS = 20  # approvals measured one at a time in this process
HX = {"HX-Request": "true"}


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


# The database ------------------------------------------------------------------------------------------


def build(app, managers: int, per_manager: int) -> dict[str, list[int]]:
    """One employer, ``managers`` managers, each with ``per_manager`` pending requests of their own staff."""
    today = date.today()
    with app.app_context():
        db.create_all()
        schemes.install_defaults()
        employer = factories.employer("Bench BV", average_fte=Decimal("25"))
        bosses = [factories.user(f"manager{n}@bench.test", roles={employer: "manager"}, name=f"Manager {n}",
                                 language="en") for n in range(managers)]
        staff = []
        for n in range(managers * -(-per_manager // PER_EMPLOYEE)):
            boss = bosses[n % managers]
            user = factories.user(f"employee{n}@bench.test", roles={employer: "employee"}, name=f"Emma {n}",
                                  language="en")
            staff.append((boss, user, factories.employee(employer, first_name="Emma", last_name=f"Staff{n}",
                                                         email=user.email, user_id=user.id, approver_id=boss.id)))
        for day in (today, date(today.year + 1, 1, 1)):
            allocate_for(employer, day)
        db.session.commit()
        guidance = next(t for t in schemes.leave_types(employer) if t.kind == LeaveKind.CAREER_GUIDANCE)
        waiting: dict[str, list[int]] = {boss.email: [] for boss in bosses}
        for boss, user, record in staff:
            days = weekdays(today + timedelta(days=7))
            for _ in range(PER_EMPLOYEE):
                if len(waiting[boss.email]) >= per_manager:
                    break
                day = next(days)
                request = leave.submit(actor=user, employee=record, today=today,
                                       data=leave.RequestInput(leave_type=guidance, start_date=day, end_date=day))
                waiting[boss.email].append(request.id)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return waiting


# The processes' CPU ------------------------------------------------------------------------------------


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postgres_backends(database: str | None) -> list[int]:
    """The PostgreSQL backends serving ``database``, when this machine's /proc shows them."""
    found = []
    if not database:
        return found
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if line.startswith("postgres:") and f" {database} " in line:
                found.append(int(entry.name))
    return found


def _cpu(master: int, database: str | None) -> tuple[float, float]:
    return (sum(_cpu_of(pid) for pid in _children(master)),
            sum(_cpu_of(pid) for pid in _postgres_backends(database)))


# The load ----------------------------------------------------------------------------------------------


def _start(target: list[str], env: dict, workers: int, health: str) -> tuple[Process, str]:
    args = [str(BIN / "gunicorn"), "--bind", "127.0.0.1:0", "--workers", str(workers), "--worker-class", "sync",
            "--timeout", "120", "--log-level", "info", *target]
    server = Process(args, env, cwd=PROJECT, new_session=True)
    url = server.wait_for(LISTENING).group(1)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(url + health, timeout=10).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"the server never answered:\n{server.output[-3000:]}")
        time.sleep(0.2)
    return server, url


def _figures(what: str, latencies: list[float], errors: int, seconds: float, cpu: tuple[float, float]) -> dict:
    done = len(latencies)
    ordered = sorted(latencies)
    return {
        "what": what, "count": done, "errors": errors, "seconds": seconds,
        "per_second": done / seconds if seconds else None,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else None,
        "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000 if ordered else None,
        "worker_cpu_ms": cpu[0] * 1000 / done if done else None,
        "postgres_cpu_ms": cpu[1] * 1000 / done if done and cpu[1] else None,
    }


def _sign_in(url: str, email: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=120, headers={"Accept-Language": "en"})
    token = CSRF_IN_PAGE.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})
    token = CSRF_IN_PAGE.search(client.get("/").text).group(1)
    return client, token


def approve_over_http(url: str, waiting: dict[str, list[int]], seconds: float, master: int,
                      database: str | None) -> tuple[dict, dict[int, int]]:
    """Every manager approves their own requests, one after the other, all managers at once."""
    sessions = {email: _sign_in(url, email) for email in waiting}
    latencies, statuses, lock = [], {}, threading.Lock()
    errors = [0]
    stop = time.monotonic() + seconds

    def manager(email: str) -> None:
        client, token = sessions[email]
        for request_id in waiting[email]:
            if time.monotonic() >= stop:
                return
            started = time.perf_counter()
            try:
                response = client.post(f"/approvals/{request_id}/approve", headers={**HX, "X-CSRFToken": token})
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            took = time.perf_counter() - started
            with lock:
                statuses[request_id] = status
                if status == 200:
                    latencies.append(took)
                else:
                    errors[0] += 1

    before = _cpu(master, database)
    started = time.monotonic()
    threads = [threading.Thread(target=manager, args=(email,)) for email in waiting]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after = _cpu(master, database)
    for client, _token in sessions.values():
        client.close()
    cpu = (after[0] - before[0], after[1] - before[1])
    return _figures("approve leave (HTTP)", latencies, errors[0], elapsed, cpu), statuses


def bare_over_http(url: str, clients: int, seconds: float, master: int) -> dict:
    latencies, lock, errors = [], threading.Lock(), [0]
    stop = time.monotonic() + seconds

    def browser() -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    ok = client.get("/").status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        latencies.append(time.perf_counter() - started)
                    else:
                        errors[0] += 1

    before = _cpu(master, None)
    started = time.monotonic()
    threads = [threading.Thread(target=browser) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu = (_cpu(master, None)[0] - before[0], 0.0)
    return _figures("bare Flask route (HTTP)", latencies, errors[0], elapsed, cpu)


def exactly_once(app, statuses: dict[int, int]) -> tuple[bool, str]:
    """Each request answered 200 is approved, with one consumption in the ledger and one audit event; none has
    two; a request refused was not approved."""
    with app.app_context():
        ids = list(statuses)
        consumed = dict(db.session.execute(
            select(LedgerEntry.request_id, func.count()).where(LedgerEntry.request_id.in_(ids),
                                                               LedgerEntry.kind == EntryKind.CONSUMPTION)
            .group_by(LedgerEntry.request_id)).all())
        audited = dict(db.session.execute(
            select(AuditEvent.object_id, func.count()).where(AuditEvent.action == "leave.approved",
                                                             AuditEvent.object_id.in_([str(i) for i in ids]))
            .group_by(AuditEvent.object_id)).all())
        status = dict(db.session.execute(select(LeaveRequest.id, LeaveRequest.status)
                                         .where(LeaveRequest.id.in_(ids))).all())
        db.session.remove()
    wrong = [i for i, code in statuses.items()
             if (code == 200) != (status[i] == RequestStatus.APPROVED and consumed.get(i) == 1
                                  and audited.get(str(i)) == 1)
             or consumed.get(i, 0) > 1 or audited.get(str(i), 0) > 1]
    return not wrong, f"{len(statuses) - len(wrong)}/{len(statuses)} as expected" + (
        f"; wrong: {wrong[:10]}" if wrong else "")


def in_process(app, email: str, left: list[int]) -> dict:
    """Approvals kept out of the HTTP load, one at a time with the test client: CPU and statements of each."""
    cpu, counts, errors = [], [], 0
    with app.app_context():
        engine = db.engine
    client = app.test_client()  # each request in its own app context, with an empty session: as in a worker
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = CSRF_IN_PAGE.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": email, "password": factories.PASSWORD, "csrf_token": token})
    token = CSRF_IN_PAGE.search(client.get("/").get_data(as_text=True)).group(1)
    for request_id in left:
        with count_statements(engine) as statements:
            started = time.process_time()
            response = client.post(f"/approvals/{request_id}/approve", headers={**HX, "X-CSRFToken": token})
            cpu.append(time.process_time() - started)
        counts.append(len(statements))
        errors += response.status_code != 200
    return {"what": "approve leave (in-process)", "count": len(left), "errors": errors,
            "cpu_ms": statistics.median(cpu) * 1000 if cpu else None,
            "statements": max(counts) if counts else None}


def run(database_url: str | None = DEFAULT_URL, *, seconds: float = 10.0, managers: int = 16,
        per_manager: int = 80, workers: int = 2) -> list[dict]:
    """The rows: approvals over HTTP, approvals in-process, the bare route; ``database_url`` None: SQLite."""
    with tempfile.TemporaryDirectory(prefix="bench-decisions-") as folder:
        folder = Path(folder)
        name = None
        if database_url:
            url = worker_database(database_url, f"bench_{uuid.uuid4().hex[:12]}")
            name = url.rsplit("/", 1)[1]
        else:
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ENV_NAME": "testing",
                              "PASSWORD_HASH_FAST": True, "MAIL_OUTBOX": str(folder / "outbox"),
                              "BABEL_DEFAULT_LOCALE": "en", "RATELIMIT_ENABLED": False,
                              "SESSION_COOKIE_SECURE": False})
            app.instance_path = str(folder / "instance")
            waiting = build(app, managers + 1, per_manager)  # the last manager's are approved in-process
            kept = list(waiting)[-1]
            reserved = waiting.pop(kept)[:IN_PROCESS]
            env = {**os.environ, "DATABASE_URL": url, "ILA_INSTANCE_PATH": str(folder / "instance"),
                   "SECRET_KEY": "bench-key", "ILA_ENV": "development", "BABEL_DEFAULT_LOCALE": "en",
                   "MAIL_OUTBOX": str(folder / "outbox"), "RATELIMIT_STORAGE_URI": "memory://",
                   "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute", "LOGIN_LIMIT_PER_PAIR": "100000 per minute",
                   "PYTHONUNBUFFERED": "1"}
            for unset in ("MAIL_SERVER", "TEST_DATABASE_URL", "TODAY", "MAIL_SEND_AFTER_RESPONSE"):
                env.pop(unset, None)
            server, base = _start(["app:app"], env, workers, "/healthz")
            try:
                decided, statuses = approve_over_http(base, waiting, seconds, server.popen.pid, name)
            finally:
                server.stop()
            decided["exactly_once"], decided["check"] = exactly_once(app, statuses)
            measured = in_process(app, kept, reserved)
            bare_server, bare_url = _start(["--pythonpath", "scripts", "bare_app:app"], env, workers, "/")
            try:
                bare = bare_over_http(bare_url, managers, seconds, bare_server.popen.pid)
            finally:
                bare_server.stop()
            with app.app_context():
                db.engine.dispose()
        finally:
            if name:
                drop_worker_database(url)
    decided.update(statements=measured["statements"], cpu_ms=measured["cpu_ms"])
    return [decided, measured, bare]


def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help=f"a PostgreSQL server's database to start from, left alone (default {DEFAULT_URL})")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument("--seconds", type=float, default=10.0, help="load per phase (default 10)")
    parser.add_argument("--managers", type=int, default=16, help="concurrent managers (default 16)")
    parser.add_argument("--per-manager", type=int, default=80,
                        help="pending requests per manager (default 80; a manager who runs out stops early)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    args = parser.parse_args()
    print(f"{args.managers} managers, {args.per_manager} requests each, {args.seconds:.0f} s, "
          f"{'SQLite' if args.sqlite else 'PostgreSQL'}; load average {loadavg()}", flush=True)
    rows = run(None if args.sqlite else args.database_url, seconds=args.seconds, managers=args.managers,
               per_manager=args.per_manager, workers=args.workers)
    print(f"{'':<28}{'count':>7}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'worker CPU ms':>15}{'PG CPU ms':>11}"
          f"{'CPU ms in-proc':>16}{'statements':>12}{'errors':>8}")
    for row in rows:
        print(f"{row['what']:<28}{row['count']:>7}{_ms(row.get('per_second')):>8}{_ms(row.get('p50_ms')):>9}"
              f"{_ms(row.get('p95_ms')):>9}{_ms(row.get('worker_cpu_ms')):>15}{_ms(row.get('postgres_cpu_ms')):>11}"
              f"{_ms(row.get('cpu_ms')):>16}{row.get('statements') or '-':>12}{row['errors']:>8}")
    print(f"approvals over HTTP for {rows[0]['seconds']:.1f} s (less than asked: the managers ran out of requests)"
          if rows[0]["seconds"] < args.seconds - 0.5 else f"approvals over HTTP for {rows[0]['seconds']:.1f} s")
    print(f"decided exactly once: {'yes' if rows[0]['exactly_once'] else 'NO'} ({rows[0]['check']}); "
          f"load average {loadavg()}")
    return 0 if rows[0]["exactly_once"] and not rows[0]["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
