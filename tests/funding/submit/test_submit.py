"""submit_pending against a fake register: each outcome of the contract and what it leaves in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, text

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding import services
from ila_sme.funding.models import BudgetEntry, BudgetMove, Contribution
from ila_sme.funding.submit import submit_pending
from tests.funding.submit.conftest import YEAR, Script, error, fake_client, make_contribution

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def entry_for(request, entry_id="L-NEW"):
    return (201, {"entry_id": entry_id, "status": "booked", "booked_at": "2026-11-28T02:00:03Z",
                  **json.loads(request.content)})


def two(shop):
    first = make_contribution(shop.employees[0], shop.requester, amount_cents=15000)
    second = make_contribution(shop.employees[1], shop.requester, amount_cents=2550)
    db.session.commit()
    return first, second


def test_booked_contributions_consume_the_reservation(shop, clock):
    first, second = two(shop)
    script = Script(lambda r: entry_for(r, "L-A"), lambda r: (200, entry_for(r, "L-B")[1]))
    counts = submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(script, clock))

    assert (counts.booked, counts.failed, counts.left, counts.ok) == (2, 0, 0, True)
    db.session.expire_all()
    assert [(c.status, c.entry_id) for c in (first, second)] == [("booked", "L-A"), ("booked", "L-B")]
    assert first.booked_at.replace(tzinfo=UTC) == datetime(2026, 11, 28, 2, 0, 3, tzinfo=UTC)
    sent = [json.loads(r.content) for r in script.posts]
    assert sent[0] == {"employer_id": shop.employer.enterprise_number,
                       "person_id": shop.employees[0].national_number, "amount": "150.00", "currency": "EUR",
                       "period": first.period, "reference": first.reference, "kind": "top-up"}
    assert sent[1]["amount"] == "25.50"
    assert [r.headers["Idempotency-Key"] for r in script.posts] == [first.idempotency_key, second.idempotency_key]
    position = services.budget_position(shop.employer, YEAR)
    assert (position.reserved, position.booked) == (Decimal("0.00"), Decimal("175.50"))
    assert db.session.scalar(select(db.func.count()).select_from(BudgetEntry).where(
        BudgetEntry.kind == BudgetMove.CONSUMPTION)) == 2


def test_it_is_marked_sent_and_committed_before_the_request(shop, clock, app):
    first, _ = two(shop)
    seen = []

    def look(request):
        with db.engine.connect() as other:  # another connection sees only what was committed
            seen.append(other.execute(text("SELECT status FROM contributions WHERE reference = :r"),
                                      {"r": json.loads(request.content)["reference"]}).scalar())
        return entry_for(request)

    submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(Script(look, look), clock))
    assert seen == ["sent", "sent"]


def test_a_course_fee_names_its_training(shop, clock):
    fee = make_contribution(shop.employees[0], shop.requester, kind="course-fee", registry_id="ODB-123456")
    db.session.commit()
    script = Script(entry_for)
    submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(script, clock))
    body = json.loads(script.posts[0].content)
    assert (body["kind"], body["registry_id"]) == ("course-fee", "ODB-123456")
    assert db.session.get(Contribution, fee.id).status == "booked"


def test_a_duplicate_reference_is_read_not_booked_again(shop, clock):
    first, second = two(shop)
    listing = {"entries": [
        {"entry_id": "L-OTHER", "reference": "C-elsewhere", "reverses": None, "booked_at": "2026-11-01T10:00:00Z"},
        {"entry_id": "L-OLD2", "reference": second.reference, "reverses": None, "booked_at": "2026-11-02T10:00:00Z"},
    ], "next_cursor": None}
    script = Script(error(409, "duplicate_reference", entry_id="L-OLD1"),
                    (200, {"entries": [{"entry_id": "L-OLD1", "reference": first.reference, "reverses": None,
                                        "booked_at": "2026-11-01T09:00:00Z"}], "next_cursor": None}),
                    error(409, "duplicate_reference"),  # no entry id: found by reference
                    (200, listing))

    counts = submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(script, clock))

    assert counts.booked == 2
    assert len(script.posts) == 2  # one each: never a second booking
    db.session.expire_all()
    assert (first.status, first.entry_id, second.entry_id) == ("booked", "L-OLD1", "L-OLD2")
    assert script.requests[1].url.path == f"/v1/employers/{shop.employer.enterprise_number}/entries"
    assert script.requests[1].url.params["period"] == first.period
    assert services.budget_position(shop.employer, YEAR).reserved == Decimal("0.00")


def test_refusals_fail_with_a_plain_stored_reason(shop, clock):
    first, second = two(shop)
    insz = shop.employees[0].national_number
    script = Script(error(422, "not_employed", f"Person {insz} is not employed by this employer in that period."),
                    error(409, "idempotency_conflict", "This Idempotency-Key was used before with another request."))

    counts = submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(script, clock))

    assert (counts.booked, counts.failed, counts.left) == (0, 2, 0)
    db.session.expire_all()
    assert first.status == "failed"
    assert first.last_error == ("not_employed: The register does not list this person as employed by us "
                                "in that period.")
    assert second.last_error.startswith("idempotency_conflict: ")
    for contribution in (first, second):
        assert insz not in contribution.last_error and "Traceback" not in contribution.last_error
    assert services.budget_position(shop.employer, YEAR).reserved == Decimal("175.50")  # still reserved
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contribution.failed")).all()
    assert len(events) == 2


def test_an_unknown_refusal_keeps_the_registers_sentence_scrubbed(shop, clock):
    first = make_contribution(shop.employees[0], shop.requester)
    db.session.commit()
    insz = shop.employees[0].national_number
    script = Script(error(422, "something_new", f"Cannot book for {insz} today."))
    submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(script, clock))
    db.session.expire_all()
    assert first.last_error == "something_new: Cannot book for [number] today."


def test_past_the_budget_the_rest_waits_for_the_next_run_with_the_same_key(shop, clock):
    first, second = two(shop)
    busy = error(503, "unavailable", "The register is in maintenance; retry later.", retry_after="5")
    script = Script(busy, busy, busy)

    counts = submit_pending(shop.employer, now=NOW, budget_seconds=12, client=fake_client(script, clock))

    assert (counts.booked, counts.failed, counts.left, counts.ok) == (0, 0, 2, False)
    assert counts.error == "unavailable: The register is in maintenance; retry later."
    db.session.expire_all()
    assert (first.status, second.status) == ("sent", "pending")
    assert first.last_error == counts.error

    script = Script(lambda r: (200, entry_for(r, "L-A")[1]), lambda r: entry_for(r, "L-B"))
    counts = submit_pending(shop.employer, now=NOW, budget_seconds=12, client=fake_client(script, clock))
    assert (counts.booked, counts.left) == (2, 0)
    assert script.posts[0].headers["Idempotency-Key"] == first.idempotency_key
    db.session.expire_all()
    assert (first.status, first.entry_id, second.entry_id) == ("booked", "L-A", "L-B")


def test_a_token_refused_stops_the_employer_without_failing_anything(shop, clock):
    first, second = two(shop)
    script = Script(error(401, "unauthorized", "A valid bearer token is required."))
    counts = submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(script, clock))
    assert (counts.failed, counts.left) == (0, 2)
    assert counts.error == "unauthorized: A valid bearer token is required."
    assert len(script.requests) == 1
    db.session.expire_all()
    assert (first.status, second.status) == ("sent", "pending")


def test_cancelled_and_booked_ones_are_not_sent(shop, clock):
    first, second = two(shop)
    first.status = "cancelled"
    db.session.commit()
    script = Script(entry_for)
    counts = submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(script, clock))
    assert counts.booked == 1
    assert [json.loads(r.content)["reference"] for r in script.posts] == [second.reference]
    assert db.session.get(Contribution, first.id).status == "cancelled"


def test_a_booking_clears_the_reason_of_an_earlier_run(shop, clock):
    first = make_contribution(shop.employees[0], shop.requester)
    first.status, first.last_error = "sent", "unavailable: The register is in maintenance; retry later."
    db.session.commit()
    submit_pending(shop.employer, now=NOW, budget_seconds=30, client=fake_client(Script(entry_for), clock))
    db.session.expire_all()
    assert (first.status, first.last_error) == ("booked", None)


def test_cancelled_while_on_its_way_is_not_consumed(shop, clock):
    first = make_contribution(shop.employees[0], shop.requester)
    first_id = first.id
    db.session.commit()

    def cancel_meanwhile(request):
        with db.engine.begin() as other:  # another process cancels it while the request is on its way
            other.execute(text("UPDATE contributions SET status = 'cancelled' WHERE id = :id"), {"id": first_id})
        return entry_for(request, "L-LATE")

    counts = submit_pending(shop.employer, now=NOW, budget_seconds=30,
                            client=fake_client(Script(cancel_meanwhile), clock))
    assert (counts.booked, counts.failed) == (0, 1)
    db.session.expire_all()
    assert first.status == "cancelled"
    assert first.last_error == "booked at the register as L-LATE after it was cancelled here: to reconcile"
    assert services.budget_position(shop.employer, YEAR).booked == Decimal("0.00")
