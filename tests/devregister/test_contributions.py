"""POST /v1/contributions: every status of the contract table, against the register as a real process."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from tests.devregister.conftest import (
    BAKERS,
    BAKERY,
    INSTALLER,
    INSTALLERS,
    PLATFORM_TOKEN,
    book,
    contribution,
    key,
    period,
    reference,
)

ENTRY_FIELDS = {"entry_id", "status", "booked_at", "employer_id", "person_id", "amount", "currency", "period",
                "reference", "kind", "registry_id"}


def test_a_booking_is_201_with_every_request_field(register):
    body = contribution(amount="150.5")
    with register.client() as client:
        response = book(client, body)
    assert response.status_code == 201
    entry = response.json()
    assert ENTRY_FIELDS <= entry.keys()
    assert entry["entry_id"].startswith("L-")
    assert entry["status"] == "booked"
    assert entry["amount"] == "150.50"  # always a string with two decimals, never a float
    assert {name: entry[name] for name in ("person_id", "reference", "period", "kind", "currency")} == {
        name: body[name] for name in ("person_id", "reference", "period", "kind", "currency")}
    assert entry["registry_id"] is None
    assert entry["booked_at"].endswith("Z") and "T" in entry["booked_at"]
    assert response.headers["Content-Type"] == "application/json"


def test_a_course_fee_names_a_known_training(register):
    with register.client() as client:
        response = book(client, contribution(kind="course-fee", registry_id="ODB-104211", amount="420.00"))
    assert response.status_code == 201
    assert response.json()["registry_id"] == "ODB-104211"


def test_a_replay_with_the_same_key_and_body_is_200_with_the_first_body(register):
    body, idempotency_key = contribution(), key()
    with register.client() as client:
        first = book(client, body, idempotency_key)
        replay = book(client, dict(reversed(list(body.items()))), idempotency_key)  # same body, other key order
        entries = client.get(f"/v1/employers/{BAKERY}/entries", params={"period": body["period"]}).json()
    assert first.status_code == 201
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert [e["reference"] for e in entries["entries"]].count(body["reference"]) == 1


def test_the_same_key_with_another_body_is_409_idempotency_conflict(register):
    body, idempotency_key = contribution(), key()
    with register.client() as client:
        assert book(client, body, idempotency_key).status_code == 201
        response = book(client, {**body, "amount": "151.00"}, idempotency_key)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert response.json()["error"]["message"]


def test_a_new_key_for_a_booked_reference_is_409_duplicate_reference_with_the_entry(register):
    body = contribution()
    with register.client() as client:
        first = book(client, body)
        again = book(client, body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_reference"
    assert again.json()["entry_id"] == first.json()["entry_id"]


def test_the_same_reference_at_another_employer_is_its_own_booking(register):
    shared = reference()
    with register.client(BAKERY) as bakery, register.client(INSTALLER) as installer:
        one = book(bakery, contribution(reference=shared))
        two = book(installer, contribution(reference=shared, employer_id=INSTALLER,
                                           person_id=INSTALLERS["Lucas Wouters"]))
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["entry_id"] != two.json()["entry_id"]


def _not_employed_period() -> str:
    """Nina Goossens' contract ended on 2026-08-31: the month after, if it is still an open period."""
    for months_ago in range(0, 14):
        if period(months_ago) == "2026-09":
            return "2026-09"
    pytest.skip("2026-09 is no longer an open period")


@pytest.mark.parametrize(("fields", "code"), [
    ({"person_id": "85073003328"}, "unknown_person"),  # valid INSZ, not in the register
    ({"person_id": "85073003329"}, "unknown_person"),  # fails the mod-97 check
    ({"person_id": INSTALLERS["Lucas Wouters"]}, "not_employed"),  # employed, but by the other employer
    ({"person_id": BAKERS["Nina Goossens"], "period": "not_employed_period"}, "not_employed"),
    ({"amount": "0.00"}, "invalid_amount"),
    ({"amount": "-5.00"}, "invalid_amount"),
    ({"amount": "1.005"}, "invalid_amount"),
    ({"amount": "10000.01"}, "invalid_amount"),
    ({"amount": 150.0}, "invalid_amount"),  # a float is never money
    ({"amount": 150}, "invalid_amount"),
    ({"amount": "abc"}, "invalid_amount"),
    ({"period": period(14)}, "closed_period"),
    ({"period": period(-1)}, "closed_period"),
    ({"kind": "course-fee"}, "unknown_training"),
    ({"kind": "course-fee", "registry_id": "ODB-999999"}, "unknown_training"),
])
def test_refusals_are_422_and_book_nothing(register, fields, code):
    if fields.get("period") == "not_employed_period":
        fields = {**fields, "period": _not_employed_period()}
    body = contribution(**fields)
    idempotency_key = key()
    before = register.counts()
    with register.client() as client:
        response = book(client, body, idempotency_key)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert register.counts()["entries"] == before["entries"]
    assert register.counts()["idempotency"] == before["idempotency"]


def test_the_boundaries_of_amount_and_period_are_accepted(register):
    with register.client() as client:
        top = book(client, contribution(amount="10000.00", period=period(13)))
        cent = book(client, contribution(amount="0.01"))
    assert (top.status_code, cent.status_code) == (201, 201)
    assert (top.json()["amount"], cent.json()["amount"]) == ("10000.00", "0.01")


def test_a_refused_key_can_be_used_again_once_the_body_is_fixed(register):
    idempotency_key, body = key(), contribution()
    with register.client() as client:
        assert book(client, {**body, "amount": "0"}, idempotency_key).status_code == 422
        assert book(client, body, idempotency_key).status_code == 201


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_missing_or_wrong_token_is_401(register, token):
    with register.client(token=token or "") as client:
        if token is None:
            client.headers.pop("Authorization", None)
        response = book(client, contribution())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_booking_for_another_employer_is_403(register):
    with register.client(INSTALLER) as client:
        response = book(client, contribution())  # employer_id is the bakery's
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_the_platform_token_cannot_book(register):
    with register.client(token=PLATFORM_TOKEN) as client:
        assert book(client, contribution()).status_code == 403


@pytest.mark.parametrize("header", [None, "", "k" * 65])
def test_the_idempotency_key_is_required_and_1_to_64_characters(register, header):
    headers = {} if header is None else {"Idempotency-Key": header}
    with register.client() as client:
        response = client.post("/v1/contributions", json=contribution(), headers=headers)
        assert book(client, contribution(), key() + key()).status_code == 201  # 64 characters
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("missing_idempotency_key", "invalid_idempotency_key")


def test_a_body_that_is_not_json_is_400(register):
    with register.client() as client:
        response = client.post("/v1/contributions", content=b"{nope", headers={"Idempotency-Key": key()})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_concurrent_requests_with_one_key_book_once(register):
    body, idempotency_key, statuses, ids = contribution(), key(), [], []

    def send():
        with register.client() as client:
            response = book(client, body, idempotency_key)
            statuses.append(response.status_code)
            ids.append(response.json()["entry_id"])

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [201]
    assert len(set(ids)) == 1


def test_money_adds_up_exactly(register):
    amounts = ["0.10", "0.20", "33.33"]
    person = BAKERS["Jonas Willems"]
    with register.client() as client:
        for amount in amounts:
            assert book(client, contribution(person_id=person, amount=amount)).status_code == 201
        account = client.get(f"/v1/persons/{person}/account").json()
    assert Decimal(account["employer_contributions"]) == sum(map(Decimal, amounts))
    assert account["employer_contributions"] == "33.63"
