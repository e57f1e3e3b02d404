"""What a scheduled job did: its counts, and what failed if part of it did.

Each feature's ``jobs.py`` returns one from its job functions; the scheduler, above every feature, fires
them and records the outcome (``scheduler.recorder``). It lives in the core so that a feature never
imports the scheduler."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    counts: dict = field(default_factory=dict)
    problem: str | None = None  # part of the work failed: the run is recorded as failed, with this error
