"""Faults on demand for the development register: latency, 429/503 with Retry-After, a booking
committed but answered with a dropped connection, an answer slower than the client's timeout.

The spec is a comma-separated list, from ``--faults`` or ``LEDGER_FAULTS``::

    latency=0.05,rate_limit=0.1,unavailable=0.05,drop_after_commit=0.1,slow=0.05,slow_seconds=15,seed=42

Shares are between 0 and 1. Every request draws the same two numbers from one seeded
``random.Random`` (one for 429/503, one for drop/slow), so a run with one client is reproducible.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

SHARES = ("rate_limit", "unavailable", "drop_after_commit", "slow")
SECONDS = ("latency", "slow_seconds", "retry_after")


class FaultSpecError(ValueError):
    pass


@dataclass
class Faults:
    latency: float = 0.0
    rate_limit: float = 0.0
    unavailable: float = 0.0
    drop_after_commit: float = 0.0
    slow: float = 0.0
    slow_seconds: float = 15.0
    retry_after: float = 1.0
    seed: int = 0
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self):
        self._random = random.Random(self.seed)

    @classmethod
    def parse(cls, spec: str | None) -> Faults:
        values: dict = {}
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, raw = part.partition("=")
            name = name.strip()
            if not sep or name not in (*SHARES, *SECONDS, "seed"):
                raise FaultSpecError(f"unknown fault {part!r}: use {', '.join((*SHARES, *SECONDS, 'seed'))}")
            try:
                value = int(raw) if name == "seed" else float(raw)
            except ValueError as error:
                raise FaultSpecError(f"{name} needs a number, not {raw!r}") from error
            if name in SHARES and not 0 <= value <= 1:
                raise FaultSpecError(f"{name} is a share between 0 and 1")
            if name in SECONDS and value < 0:
                raise FaultSpecError(f"{name} cannot be negative")
            values[name] = value
        if values.get("rate_limit", 0) + values.get("unavailable", 0) > 1:
            raise FaultSpecError("rate_limit + unavailable cannot exceed 1")
        if values.get("drop_after_commit", 0) + values.get("slow", 0) > 1:
            raise FaultSpecError("drop_after_commit + slow cannot exceed 1")
        return cls(**values)

    @property
    def active(self) -> bool:
        return any((self.latency, self.rate_limit, self.unavailable, self.drop_after_commit, self.slow))

    def describe(self) -> str:
        if not self.active:
            return "none"
        return ",".join(f"{name}={getattr(self, name)}" for name in (*SHARES, *SECONDS, "seed")
                        if getattr(self, name) or name == "seed")

    def draw(self) -> Draw:
        """What happens to one request: decided before it is handled, from two seeded numbers."""
        with self._lock:
            before, after = self._random.random(), self._random.random()
        refuse = None
        if before < self.rate_limit:
            refuse = 429
        elif before < self.rate_limit + self.unavailable:
            refuse = 503
        late = None
        if after < self.drop_after_commit:
            late = "drop"
        elif after < self.drop_after_commit + self.slow:
            late = "slow"
        return Draw(refuse=refuse, late=late)


@dataclass(frozen=True)
class Draw:
    refuse: int | None  # 429 or 503, answered before doing anything
    late: str | None  # "drop" (after a committed booking) or "slow" (sleep past the client's timeout)
