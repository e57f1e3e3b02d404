"""Every action on a difference through the page, against a REAL development register: each difference
is made on purpose at the register (an entry booked through its portal, an amount amended there, a
reversal, a contribution it refuses) and found by a real run. Each action resolves the difference,
moves the budget as the register's figures say, and is audited; every bad input says why and changes
nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.funding.models import Contribution, FundingRequest
from ila_sme.identifiers import make_insz
from ila_sme.reconciliation.models import Difference
from tests import factories
from tests.funding.submit.conftest import make_contribution, this_period
from tests.reconciliation.views.conftest import audit_actions, htmx, row, snapshot, text, token

PAGE = "/reconciliation/"


def _only(kind: str) -> Difference:
    db.session.expire_all()
    found = list(db.session.scalars(select(Difference).where(Difference.kind == kind,
                                                              Difference.state == "open")))
    assert len(found) == 1, f"{len(found)} open {kind} differences"
    return found[0]


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _unknown(desk, person=None, cents: int = 12345) -> tuple[Difference, dict]:
    """An entry booked through the register's portal for ``person`` (default: a member of staff)."""
    store = desk.store()
    try:
        entry = store.portal_book(employer_id=desk.employer.enterprise_number, amount_cents=cents,
                                  person_id=person or desk.staff()[0].national_number, period=this_period())
    finally:
        store.close()
    desk.reconcile()
    difference = db.session.scalar(select(Difference).where(Difference.entry_id == entry["entry_id"]))
    assert (difference.kind, difference.state) == ("unknown_in_register", "open")
    return difference, entry


def _mismatch(desk) -> tuple[Difference, Contribution]:
    contribution = desk.contributions()[1]
    store = desk.store()
    try:
        store.amend_amount(_fresh(contribution).entry_id, contribution.amount_cents + 500)
    finally:
        store.close()
    assert desk.reconcile().amount_mismatch == 1
    return _only("amount_mismatch"), _fresh(contribution)


def _missing(desk) -> tuple[Difference, Contribution, object]:
    """A new colleague the register knows, but not yet as employed by us: it refuses their contribution."""
    colleague = factories.employee(desk.employer, first_name="Nora", last_name="Nieuw")
    store = desk.store()
    try:
        store.add_person(colleague.national_number, Decimal("1500.00"))
    finally:
        store.close()
    contribution = make_contribution(colleague, desk.users["manager"], amount_cents=20000)
    db.session.commit()
    run = desk.reconcile()
    assert (run.failed, run.missing_in_register) == (1, 1)
    return _only("missing_in_register"), _fresh(contribution), colleague


def _post(auth, difference, action: str, data: dict | None = None, **kwargs):
    return auth.post(f"/reconciliation/differences/{difference.id}/{action}", data or {}, **kwargs)


def _audited(difference, action: str) -> AuditEvent:
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.object_type == "Difference",
                                                       AuditEvent.object_id == str(difference.id)))
    assert event is not None, f"no {action} event"
    return event


def _assert_resolved(difference, desk, resolution: str) -> Difference:
    difference = _fresh(difference)
    assert (difference.state, difference.resolution) == ("resolved", resolution)
    assert difference.resolved_by_id == desk.accountant.id and difference.resolved_at is not None
    assert _audited(difference, f"reconciliation.{resolution}").actor_id == desk.accountant.id
    return difference


# Other amount at the register: accept ---------------------------------------------------------


def test_accepting_the_registers_amount_moves_the_budget(desk, auth, client):
    difference, contribution = _mismatch(desk)
    was = contribution.amount_cents
    before = desk.position()
    auth.login(desk.accountant)
    html = client.get(PAGE).get_data(as_text=True)
    line = text(row(html, difference.id))
    assert "Other amount at the register" in line and "Accept the register's amount" in line
    response = _post(auth, difference, "accept", headers=htmx())
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.lstrip().startswith(f'<tr id="difference-{difference.id}"')
    assert "Register's figure accepted" in text(fragment) and "Alex Accountant" in fragment
    assert "<form" not in row(fragment, difference.id)
    assert f"{contribution.reference} now counts for" in text(fragment)
    assert 'hx-swap-oob="true"' in fragment and "<template>" in fragment  # the message, out of band
    _assert_resolved(difference, desk, "accepted")
    assert _fresh(contribution).amount_cents == was + 500
    after = desk.position()
    assert after.booked - before.booked == Decimal("5.00") and after.reserved == before.reserved
    # the next run agrees with the register: nothing is open any more
    again = desk.reconcile()
    assert (again.matched, again.differences) == (3, 0)

    # the same action again: already resolved, nothing changes
    token(client)
    kept = snapshot()
    response = _post(auth, difference, "accept", headers=htmx())
    assert response.status_code == 409
    assert "This difference was already resolved." in text(response.get_data(as_text=True))
    assert snapshot() == kept


def test_acknowledging_a_reversal(desk, auth, client):
    contribution = desk.contributions()[2]
    with desk.world.client(desk.employer) as register:
        register.reverse(_fresh(contribution).entry_id, "booked twice by mistake", "reversal-key-views")
    before = desk.position()
    assert desk.reconcile().reversed == 1
    difference = _only("reversed")
    reflected = desk.position()
    assert before.booked - reflected.booked == contribution.amount  # the run gave the budget back
    assert _fresh(contribution).status == "reversed"
    auth.login(desk.accountant)
    assert "Acknowledge the reversal" in text(row(client.get(PAGE).get_data(as_text=True), difference.id))
    response = _post(auth, difference, "accept")  # without JavaScript: a redirect and a message
    assert response.status_code == 302 and response.headers["Location"] == "/reconciliation/differences?show=open"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The register's reversal of {contribution.reference} is acknowledged." in text(page)
    _assert_resolved(difference, desk, "accepted")
    assert desk.position().booked == reflected.booked  # acknowledged, not counted twice


# Missing at the register: resubmit, or write off ----------------------------------------------


def test_resubmitting_after_the_register_learned_the_employment(desk, auth, client):
    difference, contribution, colleague = _missing(desk)
    assert contribution.status == "failed" and "not_employed" in difference.detail
    auth.login(desk.accountant)
    line = row(client.get(PAGE).get_data(as_text=True), difference.id)
    assert "Nora Nieuw" in line and "Submit again" in line and colleague.national_number not in line

    # still refused: the register's reason, and nothing changed
    token(client)
    kept = snapshot()
    response = _post(auth, difference, "resubmit", headers=htmx())
    assert response.status_code == 409
    message = text(response.get_data(as_text=True))
    assert "The register did not take it:" in message and "(not_employed)" in message
    assert colleague.national_number not in response.get_data(as_text=True)
    assert snapshot() == kept and _fresh(difference).state == "open"

    store = desk.store()
    try:
        store.add_employment(desk.employer.enterprise_number, colleague.national_number, date(2020, 1, 1))
    finally:
        store.close()
    before = desk.position()
    response = _post(auth, difference, "resubmit", headers=htmx())
    assert response.status_code == 200
    contribution = _fresh(contribution)
    assert contribution.status == "booked" and contribution.entry_id
    assert f"{contribution.reference} is booked at the register (entry {contribution.entry_id})." in text(
        response.get_data(as_text=True))
    resolved = _assert_resolved(difference, desk, "resubmitted")
    assert resolved.entry_id == contribution.entry_id
    after = desk.position()
    assert after.booked - before.booked == Decimal("200.00") and before.reserved - after.reserved == Decimal("200.00")
    at_register = [e for e in desk.world.entries(desk.employer) if e["reference"] == contribution.reference]
    assert [(e["entry_id"], e["amount"]) for e in at_register] == [(contribution.entry_id, "200.00")]


def test_writing_off_a_missing_contribution_releases_its_reservation(desk, auth, client):
    difference, contribution, _colleague = _missing(desk)
    auth.login(desk.accountant)
    token(client)
    kept = snapshot()
    for reason, message in (("", "Give a reason."), ("   ", "Give a reason."),
                            ("x" * 501, "The reason is too long (500 characters at most).")):
        response = _post(auth, difference, "write-off", {"reason": reason}, headers=htmx())
        assert response.status_code == 422
        fragment = response.get_data(as_text=True)
        assert message in text(fragment)
        assert '<details class="difference-action" open>' in fragment and 'aria-invalid="true"' in fragment
        assert snapshot() == kept
    before = desk.position()
    response = _post(auth, difference, "write-off", {"reason": "Nora left before her start"}, headers=htmx())
    assert response.status_code == 200
    assert "The difference is written off." in text(response.get_data(as_text=True))
    resolved = _assert_resolved(difference, desk, "written_off")
    assert resolved.note == "Nora left before her start"
    assert _fresh(contribution).status == "cancelled"
    after = desk.position()
    assert before.reserved - after.reserved == Decimal("200.00") and after.booked == before.booked


# Unknown here: link, record as booked outside, ask for a reversal, write off --------------------


def test_linking_an_unknown_entry_to_a_local_contribution(desk, auth, client):
    difference, entry = _unknown(desk)
    person, other = desk.staff()[0], desk.staff()[1]
    # recorded here after the person booked it at the portal: the same person, €100 here, €123.45 there
    mine = make_contribution(person, desk.users["manager"], amount_cents=10000)
    theirs = make_contribution(other, desk.users["manager"], amount_cents=5000)
    elsewhere = factories.employer("Elders")
    foreign = make_contribution(factories.employee(elsewhere), factories.user(roles={elsewhere: "manager"}))
    db.session.commit()
    auth.login(desk.accountant)
    line = row(client.get(PAGE).get_data(as_text=True), difference.id)
    assert f'<option value="{mine.id}">{mine.reference} · {person.full_name}' in line
    assert f'value="{theirs.id}"' not in line and f'value="{foreign.id}"' not in line

    token(client)
    kept = snapshot()
    for chosen, status, message in (
            ("", 422, "Choose the contribution this entry is."),
            (str(foreign.id), 422, "Choose one of the contributions listed."),
            ("999999", 422, "Choose one of the contributions listed."),
            (str(theirs.id), 409, "The entry is for another employee than this contribution.")):
        response = _post(auth, difference, "link", {"contribution_id": chosen}, headers=htmx())
        assert response.status_code == status, chosen
        assert message in text(response.get_data(as_text=True))
        assert snapshot() == kept

    before = desk.position()
    response = _post(auth, difference, "link", {"contribution_id": str(mine.id)}, headers=htmx())
    assert response.status_code == 200
    assert f"The register's entry {entry['entry_id']} is linked to {mine.reference}." in text(
        response.get_data(as_text=True))
    _assert_resolved(difference, desk, "linked")
    linked = _fresh(mine)
    assert (linked.status, linked.entry_id, linked.amount_cents) == ("booked", entry["entry_id"], 12345)
    after = desk.position()
    assert after.booked - before.booked == Decimal("123.45") and before.reserved - after.reserved == Decimal("100.00")
    # the next run books Cora's own contribution and finds the portal entry matched: nothing new
    again = desk.reconcile()
    assert (again.booked, again.differences) == (1, 0) and again.matched == 5


def test_recording_an_unknown_entry_as_booked_outside_the_app(desk, auth, client):
    difference, entry = _unknown(desk)
    stranger, _ = _unknown(desk, person=make_insz(date(1970, 5, 5), 321), cents=4000)
    auth.login(desk.accountant)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Not on your staff list" in text(row(html, stranger.id))

    token(client)
    kept = snapshot()
    response = _post(auth, stranger, "record-outside", {"note": "portal"}, headers=htmx())
    assert response.status_code == 409
    assert "The person of this entry is not on your staff list: add them first" in text(
        response.get_data(as_text=True))
    response = _post(auth, difference, "record-outside", {"note": "n" * 501}, headers=htmx())
    assert response.status_code == 422 and "Field cannot be longer than 500 characters." in text(
        response.get_data(as_text=True))
    assert snapshot() == kept

    before = desk.position()
    response = _post(auth, difference, "record-outside", {"note": "Booked by Jan at the portal"}, headers=htmx())
    assert response.status_code == 200
    assert f"The register's entry {entry['entry_id']} is recorded as co-funding booked outside the app" in text(
        response.get_data(as_text=True))
    resolved = _assert_resolved(difference, desk, "booked_outside")
    recorded = db.session.get(Contribution, resolved.contribution_id)
    assert (recorded.status, recorded.entry_id, recorded.amount_cents, recorded.employee_id) == (
        "booked", entry["entry_id"], 12345, desk.staff()[0].id)
    request = db.session.get(FundingRequest, recorded.funding_request_id)
    assert (request.status, request.note) == ("approved", "Booked by Jan at the portal")
    after = desk.position()
    assert after.booked - before.booked == Decimal("123.45") and after.reserved == before.reserved
    assert desk.reconcile().unknown_in_register == 1  # only the stranger's entry is still unknown


def test_asking_the_register_to_reverse_an_unknown_entry(desk, auth, client):
    difference, entry = _unknown(desk)
    auth.login(desk.accountant)
    token(client)
    kept = snapshot()
    response = _post(auth, difference, "ask-reversal", {"reason": ""}, headers=htmx())
    assert response.status_code == 422 and "Give a reason." in text(response.get_data(as_text=True))
    assert snapshot() == kept
    before = desk.position()
    response = _post(auth, difference, "ask-reversal", {"reason": "Booked for the wrong person"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The register reversed its entry {entry['entry_id']}." in text(page)
    resolved = _assert_resolved(difference, desk, "written_off")
    assert resolved.note == "Booked for the wrong person" and resolved.reversal_key
    assert _audited(resolved, "reconciliation.written_off").after["reversal"]
    entries = {e["entry_id"]: e for e in desk.world.entries(desk.employer)}
    assert entries[entry["entry_id"]]["status"] == "reversed"
    assert [e["amount"] for e in entries.values() if e["reverses"] == entry["entry_id"]] == ["-123.45"]
    assert desk.position().booked == before.booked
    assert desk.reconcile().differences == 1  # reversed there: counted, but nothing left to resolve
    assert db.session.scalar(select(Difference.state).where(Difference.id == difference.id)) == "resolved"


def test_writing_off_an_unknown_entry_and_actions_that_do_not_apply(desk, auth, client):
    difference, _entry = _unknown(desk)
    auth.login(desk.accountant)
    token(client)
    kept = snapshot()
    for action in ("resubmit", "accept"):
        response = _post(auth, difference, action, headers=htmx())
        assert response.status_code == 409
        assert "This action does not apply to this difference." in text(response.get_data(as_text=True))
    response = _post(auth, difference, "resubmit")  # without JavaScript: the message on the page
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<p class="flash flash-error">This action does not apply to this difference.</p>' in page
    assert snapshot() == kept
    before = desk.position()
    response = _post(auth, difference, "write-off", {"reason": "A test booking at the portal"}, headers=htmx())
    assert response.status_code == 200
    assert "A test booking at the portal" in row(response.get_data(as_text=True), difference.id)
    _assert_resolved(difference, desk, "written_off")
    after = desk.position()
    assert (after.booked, after.reserved) == (before.booked, before.reserved)
    assert audit_actions(AuditEvent.object_type == "Difference") == ["reconciliation.written_off"]
