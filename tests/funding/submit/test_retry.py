"""The client's one retry policy, against a fake transport and a fake clock: nothing sleeps."""

from __future__ import annotations

import random

import httpx
import pytest

from ila_sme.register.client import RegisterError, RetryPolicy
from tests.funding.submit.conftest import FakeClock, Script, error, fake_client

BODY = {"employer_id": "0403170701", "person_id": "85073003328", "amount": "150.00", "currency": "EUR",
        "period": "2026-11", "reference": "C-2026-000001", "kind": "top-up"}
ENTRY = {"entry_id": "L-1", "status": "booked", "booked_at": "2026-11-28T02:00:03Z", **BODY}


class Highest(random.Random):
    """Full jitter at its upper bound: shows the ceiling of every wait."""

    def uniform(self, a, b):
        return b


def test_retry_after_is_never_cut_short(clock):
    script = Script(error(429, "rate_limited", retry_after="2"), error(503, "unavailable", retry_after="3"),
                    (201, ENTRY))
    client = fake_client(script, clock, retry=RetryPolicy(base=0.1, cap=1.0))

    assert client.book_contribution(BODY, "key-1")["entry_id"] == "L-1"
    assert clock.sleeps == [2.0, 3.0]  # the jitter (at most 0.1, 0.2) never shortens Retry-After
    assert len(script.requests) == 3


def test_backoff_doubles_up_to_the_cap_with_full_jitter(clock):
    answers = [error(503, "unavailable")] * 6 + [(201, ENTRY)]
    client = fake_client(Script(*answers), clock, rng=Highest(), retry=RetryPolicy(base=1.0, cap=8.0))
    client.book_contribution(BODY, "key-1")
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]

    jittered = FakeClock()
    client = fake_client(Script(*answers), jittered, rng=random.Random(42), retry=RetryPolicy(base=1.0, cap=8.0))
    client.book_contribution(BODY, "key-1")
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert len(jittered.sleeps) == 6
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(jittered.sleeps, ceilings, strict=True))
    assert len(set(jittered.sleeps)) == 6  # jittered, not a fixed schedule


def test_every_retry_sends_the_same_key_and_body(clock):
    def dropped(request):
        return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)

    def timed_out(request):
        return httpx.ReadTimeout("timed out", request=request)

    script = Script(timed_out, dropped, error(429, "rate_limited", retry_after="1"), (200, ENTRY))
    client = fake_client(script, clock)

    entry = client.book_contribution(BODY, "key-same")

    assert entry == ENTRY
    assert len(script.requests) == 4
    assert {r.headers["Idempotency-Key"] for r in script.requests} == {"key-same"}
    assert len({r.content for r in script.requests}) == 1
    assert script.requests[0].url.path == "/v1/contributions"
    assert script.requests[0].headers["Authorization"] == "Bearer token-shop"
    assert script.requests[0].headers["Content-Type"] == "application/json"
    assert b'"amount":"150.00"' in script.requests[0].content


@pytest.mark.parametrize("status, code", [(422, "not_employed"), (409, "idempotency_conflict"),
                                          (400, "invalid_request"), (401, "unauthorized")])
def test_other_client_errors_are_not_retried(clock, status, code):
    script = Script(error(status, code, "The person is not employed by this employer in that period."))
    client = fake_client(script, clock)

    with pytest.raises(RegisterError) as raised:
        client.book_contribution(BODY, "key-1")

    assert (raised.value.status, raised.value.code, raised.value.retryable) == (status, code, False)
    assert len(script.requests) == 1
    assert clock.sleeps == []


def test_duplicate_reference_carries_the_existing_entry(clock):
    client = fake_client(Script(error(409, "duplicate_reference", entry_id="L-OLD")), clock)
    with pytest.raises(RegisterError) as raised:
        client.book_contribution(BODY, "key-new")
    assert (raised.value.code, raised.value.entry_id, raised.value.retryable) == ("duplicate_reference", "L-OLD",
                                                                                  False)


def test_the_budget_ends_the_retries_with_a_retryable_error(clock):
    script = Script(*[error(503, "unavailable", "The register is in maintenance; retry later.", retry_after="5")] * 10)
    client = fake_client(script, clock, budget=12.0)

    with pytest.raises(RegisterError) as raised:
        client.book_contribution(BODY, "key-1")

    assert raised.value.retryable is True
    assert raised.value.status == 503
    assert clock.sleeps == [5.0, 5.0]  # a third wait would end past the budget: not even started
    assert len(script.requests) == 3
    assert clock.now - 1000.0 <= 12.0


def test_the_budget_also_bounds_timeouts(clock):
    def timed_out(request):
        clock.now += 4  # each attempt waits its (bounded) timeout
        return httpx.ReadTimeout("timed out", request=request)

    script = Script(*[timed_out] * 10)
    client = fake_client(script, clock, budget=10.0, retry=RetryPolicy(base=0.5, cap=1.0))
    with pytest.raises(RegisterError) as raised:
        client.book_contribution(BODY, "key-1")
    assert raised.value.retryable is True
    assert str(raised.value) == "the register did not answer in time"
    assert len(script.requests) == 3


def test_without_a_budget_one_attempt(clock):
    script = Script(error(429, "rate_limited", retry_after="1"), (201, ENTRY))
    client = fake_client(script, clock, budget=None)
    with pytest.raises(RegisterError) as raised:
        client.book_contribution(BODY, "key-1")
    assert raised.value.retryable is True
    assert len(script.requests) == 1
    assert clock.sleeps == []


def test_reads_follow_the_cursor_and_are_retried(clock):
    script = Script(
        (200, {"entries": [{"entry_id": "L-1", "reference": "C-1", "reverses": None}], "next_cursor": "abc"}),
        error(429, "rate_limited", retry_after="1"),
        (200, {"entries": [{"entry_id": "L-2", "reference": "C-2", "reverses": None}], "next_cursor": None}))
    client = fake_client(script, clock)

    found = client.entry("0403170701", reference="C-2", period="2026-11")

    assert found["entry_id"] == "L-2"
    assert script.requests[0].url.params["period"] == "2026-11"
    assert "cursor" not in script.requests[0].url.params
    assert script.requests[2].url.params["cursor"] == "abc"
    assert clock.sleeps == [1.0]
