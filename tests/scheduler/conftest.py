"""Fixtures for the scheduler: English output, a pinned today, staff whose leave allocation the
``leave-allocation`` job adds, a dead process's holder id, and a probe job that counts its calls."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.extensions import db
from ila_sme.outcomes import Outcome
from ila_sme.scheduler.jobs import JOBS, Job, daily
from ila_sme.scheduler.models import JobRun
from ila_sme.trainings import models as _trainings  # noqa: F401 - LeaveRequest.training needs it mapped
from tests import factories

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def in_english(english):
    """Every test of this folder reads English (``english``: tests/conftest.py)."""


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["TODAY"] = TODAY
    return TODAY


@pytest.fixture
def staff(app):
    """A 12-FTE bakery with two people in service: the 2026 allocation adds 4 rows (2 schemes each)."""
    bakery = factories.employer("Bakkerij Planning", average_fte=Decimal("12"))
    people = [factories.employee(bakery, first_name="Fien"), factories.employee(bakery, first_name="Vera")]
    db.session.commit()
    return bakery, people


def dead_holder() -> str:
    """The holder id of a process of this host that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}"


def job_runs(job: str | None = None) -> list[JobRun]:
    db.session.expire_all()
    query = select(JobRun).order_by(JobRun.id)
    if job:
        query = query.where(JobRun.job == job)
    return list(db.session.scalars(query))


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@dataclass
class Probe:
    """A job that does what a test tells it: return counts, report a problem, or raise."""

    calls: int = 0
    counts: dict = field(default_factory=lambda: {"seen": 3})
    problem: str | None = None
    error: Exception | None = None

    def __call__(self) -> Outcome:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return Outcome(dict(self.counts), self.problem)


@pytest.fixture
def probe(monkeypatch) -> Probe:
    made = Probe()
    monkeypatch.setitem(JOBS, "probe", Job("probe", made, daily(4, 0), lambda config: "every day at 04:00",
                                           "A test's probe.", "flask --app app scheduler run-job probe"))
    return made
