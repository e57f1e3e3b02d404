"""The concurrent-use mix, shared by tests/load/test_concurrent_use.py and scripts/bench_concurrency.py.

``build`` writes one employer's world into the app's database (SQLite file or PostgreSQL) through the real
services: managers with pending leave requests, an admin with pending co-funding requests, employees with a
signed Open Badges 3.0 file each, an accountant, and a reconciliation run queued over a few hundred pending
contributions, with the development register started as a REAL process (tests/support/register_world.py).
``Stack`` starts the app under gunicorn (threaded workers) and the real scheduler process on loopback;
``run_mix`` sends sixteen browsers at it at once: sign-ins, inbox views, approvals (every decision posted by
two sessions of the same person at the same moment), co-funding decisions, credential uploads (each posted
twice, as a double click), the accountant's pages. Every response is recorded with its time.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from ila_sme.credentials import issuing
from ila_sme.credentials.elements import Learner
from ila_sme.extensions import db
from ila_sme.funding import rules
from ila_sme.funding import services as funding
from ila_sme.leave import services as leave
from ila_sme.leave.jobs import allocate_for
from ila_sme.reconciliation.engine import queue_run
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from tests import factories
from tests.support.credentials import dumps, sample_elements, signed_ob3
from tests.support.processes import Process
from tests.support.register_world import World, build_world

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
LISTENING = re.compile(r"Listening at: (http://\S+)")
HOLDS = re.compile(r"^Scheduler (\S+) holds the lease", re.MULTILINE)
PASSWORD = factories.PASSWORD
MANAGERS = 4  # each signed in twice: 8 browsers
ADMIN_SESSIONS = 2
EMPLOYEE_SESSIONS = 5  # + 1 accountant = 16 browsers


@dataclass
class Mix:
    """What the browsers do: e-mails and ids only (the database is another process's)."""

    employer_id: int
    approvals: dict[str, list[int]]  # manager e-mail -> leave request ids waiting for them
    admin: str
    fundings: list[int]
    uploads: list[tuple[str, int, bytes]]  # employee e-mail, record id, credential file
    accountant: str
    run_id: int
    references: list[str]  # of the contributions the queued run books


def build(app, tmp_path: Path, *, employees: int = 8, leave_per_employee: int = 2, funding_per_employee: int = 1,
          contributions: int = 300) -> tuple[Mix, World]:
    """The world, committed; the register runs (stop it with ``world.register.stop()``)."""
    world = build_world(app, tmp_path, (contributions,), staff_per_employer=5)
    employer = world.employers[0]
    employer.average_fte = Decimal("25")  # 5 days of federal training right per full-time employee
    # The references in the app's own series (C-<year>-000001 …, one after the other), as approvals number
    # them: the approvals below continue the series (a test helper's counter would leave holes).
    for number, contribution in enumerate(sorted(world.contributions, key=lambda c: c.id), start=1):
        contribution.reference = f"C-{contribution.funding_request.year}-{number:06d}"
    today = date.today()
    managers = [factories.user(f"manager{n}@load.test", roles={employer: "manager"}, name=f"Manager {n}",
                               language="en") for n in range(MANAGERS)]
    admin = factories.user("admin@load.test", roles={employer: ["admin", "manager"]}, name="Ada Admin", language="en")
    accountant = factories.user("accountant@load.test", roles={employer: "accountant"}, name="Alex Accountant",
                                language="en")
    funding.set_policy(actor=admin, employer=employer, year=today.year, budget=Decimal("1000000.00"),
                       cap_per_employee=Decimal("100000.00"), max_share_pct=Decimal("100"), gives_top_up=True,
                       gives_course_fee=True, admin_approval_above=None)
    guidance = next(t for t in schemes.leave_types(employer) if t.kind == LeaveKind.CAREER_GUIDANCE)
    store = world.store()
    key = issuing.new_ed25519_key()
    approvals: dict[str, list[int]] = {m.email: [] for m in managers}
    fundings, uploads = [], []
    people = []
    for n in range(employees):
        user = factories.user(f"employee{n}@load.test", roles={employer: "employee"}, name=f"Emma Employee{n}",
                              language="en")
        record = factories.employee(employer, first_name="Emma", last_name=f"Employee{n}", email=user.email,
                                    user_id=user.id, approver_id=managers[n % MANAGERS].id)
        store.add_person(record.national_number, Decimal("1500.00"))
        store.add_employment(employer.enterprise_number, record.national_number, date(2020, 1, 1))
        people.append((user, record, managers[n % MANAGERS]))
    for day in (today, date(today.year + 1, 1, 1)):  # what set-up and the yearly job do (late in December,
        allocate_for(employer, day)                   # the days asked for may be next year's)
    db.session.commit()
    for user, record, manager in people:
        days = weekdays(today + timedelta(days=7))
        for _ in range(leave_per_employee):
            day = next(days)
            request = leave.submit(actor=user, employee=record, today=today,
                                   data=leave.RequestInput(leave_type=guidance, start_date=day, end_date=day))
            approvals[manager.email].append(request.id)
        for _ in range(funding_per_employee):
            split = rules.Split(employer=Decimal("25.00"))
            fundings.append(funding.ask(actor=user, employee=record, kind="top-up", cost=split.employer, split=split,
                                        today=today).id)
        elements = sample_elements()
        elements.learner = Learner(name=record.full_name, emails=(record.email,))
        uploads.append((user.email, record.id, dumps(signed_ob3(key, elements=elements))))
        db.session.commit()
    store.close()
    run = queue_run(employer, requested_by=accountant)
    db.session.commit()
    mix = Mix(employer.id, approvals, admin.email, fundings, uploads[:EMPLOYEE_SESSIONS], accountant.email, run.id,
              [c.reference for c in world.contributions])
    return mix, world


def weekdays(start: date):
    """Monday to Friday from ``start`` on, without end."""
    day = start
    while True:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


# The processes ------------------------------------------------------------------------------------------


@dataclass
class Stack:
    """The app served by gunicorn (2 workers x 8 threads) and the scheduler, on the given database."""

    database_url: str
    ledger_url: str
    instance: Path
    processes: list[Process] = field(default_factory=list)
    url: str = ""

    def env(self) -> dict:
        env = {**os.environ, "DATABASE_URL": self.database_url, "ILA_INSTANCE_PATH": str(self.instance),
               "SECRET_KEY": "load-test-key", "ILA_ENV": "development", "LEDGER_URL": self.ledger_url,
               "BABEL_DEFAULT_LOCALE": "en", "MAIL_OUTBOX": str(self.instance / "outbox"),
               "SCHEDULER_POLL_SECONDS": "0.5", "SCHEDULER_HEARTBEAT_SECONDS": "0.5",
               "SCHEDULER_LEASE_SECONDS": "30", "PYTHONUNBUFFERED": "1"}
        for name in ("MAIL_SERVER", "TEST_DATABASE_URL", "TODAY"):
            env.pop(name, None)
        return env

    def start(self) -> Stack:
        env = self.env()
        scheduler = Process([str(BIN / "flask"), "--app", "app", "scheduler", "run"], env, cwd=PROJECT,
                            new_session=True)
        self.processes.append(scheduler)
        scheduler.wait_for(HOLDS)
        server = Process([str(BIN / "gunicorn"), "--bind", "127.0.0.1:0", "--workers", "2", "--threads", "8",
                          "--worker-class", "gthread", "--timeout", "120", "--log-level", "info", "app:app"], env,
                         cwd=PROJECT, new_session=True)
        self.processes.append(server)
        self.url = server.wait_for(LISTENING).group(1)
        deadline = time.monotonic() + 120
        while not self._healthy():  # the workers boot after the master listens
            assert time.monotonic() < deadline, f"the server never answered:\n{server.output[-3000:]}"
            time.sleep(0.2)
        return self

    def _healthy(self) -> bool:
        try:
            return httpx.get(self.url + "/healthz", timeout=10).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def scheduler(self) -> Process:
        return self.processes[0]

    @property
    def server(self) -> Process:
        return self.processes[1]

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def tracebacks(self, lines_each: int = 4) -> str:
        """The last lines of every traceback the server and the scheduler wrote (for a failure message)."""
        found = []
        for process in self.processes:
            output = process.lines
            for index, line in enumerate(output):
                if line.startswith("Traceback"):
                    end = next((i for i in range(index + 1, len(output)) if not output[i].startswith(" ")), index)
                    found += output[max(index, end - lines_each + 1):end + 1]
        return "\n".join(found[-80:])


# The browsers -------------------------------------------------------------------------------------------


@dataclass
class Hit:
    label: str
    status: int  # 0: no answer (a transport error)
    seconds: float
    error: str | None = None


class Browser:
    def __init__(self, url: str, hits: list[Hit]):
        self.http = httpx.Client(base_url=url, timeout=120, headers={"Accept-Language": "en"})
        self.hits, self.token = hits, ""

    def _send(self, label: str, method: str, path: str, **kwargs) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self.hits.append(Hit(label, 0, time.perf_counter() - start, f"{type(error).__name__}: {error}"))
            return None
        self.hits.append(Hit(label, response.status_code, time.perf_counter() - start))
        match = CSRF_IN_PAGE.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if match:
            self.token = match.group(1)
        return response

    def get(self, label: str, path: str) -> httpx.Response | None:
        return self._send(label, "GET", path)

    def post(self, label: str, path: str, data: dict | None = None, **kwargs) -> httpx.Response | None:
        return self._send(label, "POST", path, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def sign_in(self, email: str) -> None:
        self.get("sign-in page", "/login")
        self.post("sign-in", "/login", {"email": email, "password": PASSWORD})
        self.get("home", "/")

    def close(self) -> None:
        self.http.close()


def _manager(browser: Browser, email: str, request_ids: list[int], rounds) -> None:
    browser.sign_in(email)
    for _ in rounds():
        browser.get("inbox", "/approvals")
        for request_id in request_ids:
            browser.post("approve leave", f"/approvals/{request_id}/approve")
        browser.get("inbox", "/approvals")


def _admin(browser: Browser, email: str, funding_ids: list[int], rounds) -> None:
    browser.sign_in(email)
    for _ in rounds():
        browser.get("co-funding list", "/funding/requests")
        for funding_id in funding_ids:
            browser.post("approve co-funding", f"/funding/{funding_id}/approve")


def _employee(browser: Browser, email: str, employee_id: int, document: bytes, rounds) -> None:
    browser.sign_in(email)
    for _ in rounds():
        browser.get("my credentials", f"/credentials/employees/{employee_id}")
        for _click in range(2):  # a double click: the second copy is refused with its message
            browser.post("upload credential", f"/credentials/employees/{employee_id}/upload",
                         files={"file": ("badge.json", document, "application/json")})
        browser.get("leave balances", "/leave/balances")


def _accountant(browser: Browser, email: str, rounds) -> None:
    browser.sign_in(email)
    for _ in rounds():
        browser.get("reconciliation", "/reconciliation/")
        browser.post("start reconciliation", "/reconciliation/runs")
        browser.get("runs", "/reconciliation/runs")


def run_mix(url: str, mix: Mix, *, seconds: float | None = None) -> list[Hit]:
    """Sixteen browsers at once (a barrier before the sign-ins); once through the mix, or again and again
    until ``seconds`` have passed. Returns every response."""
    hits: list[Hit] = []
    deadline = None if seconds is None else time.monotonic() + seconds

    def rounds():
        yield 0
        while deadline is not None and time.monotonic() < deadline:
            yield 1

    jobs = []
    for email, request_ids in mix.approvals.items():
        jobs += [(_manager, (email, request_ids))] * 2
    jobs += [(_admin, (mix.admin, mix.fundings))] * ADMIN_SESSIONS
    jobs += [(_employee, upload) for upload in mix.uploads]
    jobs.append((_accountant, (mix.accountant,)))
    barrier = threading.Barrier(len(jobs), timeout=60)
    failures: list[BaseException] = []

    def browse(work, args) -> None:
        browser = Browser(url, hits)
        try:
            barrier.wait()
            work(browser, *args, rounds)
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            failures.append(error)
        finally:
            browser.close()

    threads = [threading.Thread(target=browse, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    if failures:
        raise failures[0]
    return hits


def summary(hits: list[Hit], seconds: float) -> dict:
    times = sorted(hit.seconds for hit in hits)

    def quantile(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))] if times else 0.0

    return {"requests": len(hits), "per_second": len(hits) / seconds if seconds else 0.0,
            "p50_ms": quantile(0.50) * 1000, "p95_ms": quantile(0.95) * 1000,
            "errors_5xx": sum(1 for hit in hits if hit.status >= 500),
            "no_answer": sum(1 for hit in hits if not hit.status)}
