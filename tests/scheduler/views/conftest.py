"""Fixtures for the scheduler's admin page: an employer with a user of each role, an admin of another
employer, and job runs written as the recorder writes them. Requests ask for English."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ila_sme.extensions import db
from ila_sme.scheduler.models import JobRun, JobState
from tests import factories
from tests.support.world import one_user_per_role

START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


@pytest.fixture
def pinned_today():
    """Not here: tests/scheduler pins today for its jobs; the scheduler's pages are tested on the real date."""


@dataclass
class Office:
    employer: object
    users: dict  # role -> user
    other_admin: object  # the admin of another employer


@pytest.fixture
def office(app) -> Office:
    employer = factories.employer("Bakkerij Planning")
    users = one_user_per_role(employer)
    other = factories.employer("Elders BV")
    other_admin = factories.user("elders@example.be", roles={other: "admin"}, name="Elsa Elders")
    db.session.commit()
    return Office(employer, users, other_admin)


def job_run(job: str, minutes: int, state: str = JobState.DONE, **fields) -> JobRun:
    """A run of ``job`` due ``minutes`` after 00:30 UTC on 2 March 2026, started then, finished a minute later."""
    due = START + timedelta(minutes=minutes)
    values = {"job": job, "slot": due.isoformat(), "trigger": "scheduler", "holder": "worker-1:4242",
              "state": state, "started_at": due, "counts": {"rows_added": minutes}}
    if state != JobState.RUNNING:
        values["finished_at"] = due + timedelta(minutes=1)
    values.update(fields)
    run = JobRun(**values)
    db.session.add(run)
    db.session.flush()
    return run


def text(html: str) -> str:
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\xa0", " "))).strip()
    return plain.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def run_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="job-run-(\d+)"', html)]
