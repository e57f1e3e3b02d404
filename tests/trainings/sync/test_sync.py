"""``sync.sync_registry`` against the register stub running as its own process: paging, inserts, updates,
withdrawals, the watermark, a register that is down, malformed rows, and amounts that never pass a float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import services as leave
from ila_sme.schemes import services as schemes
from ila_sme.schemes.models import LeaveKind
from ila_sme.trainings import sync
from tests import factories
from tests.trainings.sync.conftest import api_training, audit_count, catalogue_state, runs, trainings


class Spy:
    """The real client, noting every ``updated_since`` it is asked for."""

    def __init__(self, client):
        self.client, self.asked = client, []

    def trainings(self, *, updated_since=None):
        self.asked.append(updated_since)
        return self.client.trainings(updated_since=updated_since)


FIVE = [
    api_training("ODB-100001", "2026-01-10T08:00:00Z", title="Boekhouden voor KMO's", cost="450.10",
                 hours=40.5, ects=3.0, eqf_level=5, language="nl", delivery="onsite"),
    api_training("ODB-100002", "2026-01-11T08:00:00Z", title="Excel voor gevorderden", hours=36, ects=None,
                 eqf_level=None, delivery="online", eligible_paid_leave=False, leads_to_microcredential=True),
    api_training("ODB-100003", "2026-01-12T08:00:00Z", title="Français des affaires", language="fr",
                 delivery="blended", valid_until=None),
    api_training("ODB-100004", "2026-01-13T08:00:00Z", title="Heftruckchauffeur", cost="0.00", eqf_level=2),
    api_training("ODB-100005", "2026-01-14T09:30:00Z", title="Lassen", cost="1234.56"),
]


def test_first_sync_follows_every_page_and_inserts_each_training(ledger, client_of):
    ledger.write(trainings=FIVE, page_size=2)  # three pages: 2 + 2 + 1
    spy = Spy(client_of())

    run = sync.sync_registry(spy)

    assert (run.state, run.source, run.inserted, run.updated, run.withdrawn, run.unchanged) == (
        "done", "register", 5, 0, 0, 0)
    assert run.watermark == "2026-01-14T09:30:00Z" and run.error is None and run.finished_at is not None
    assert spy.asked == [None]  # no successful run before: everything
    mirrored = trainings()
    assert sorted(mirrored) == ["ODB-100001", "ODB-100002", "ODB-100003", "ODB-100004", "ODB-100005"]
    first = mirrored["ODB-100001"]
    assert (first.employer_id, first.title, first.provider_name, first.language, first.delivery) == (
        None, "Boekhouden voor KMO's", "Syntra West", "nl", "onsite")
    assert (first.eqf_level, first.eligible_ila, first.eligible_paid_leave, first.leads_to_microcredential) == (
        5, True, True, False)
    assert (first.valid_from, first.valid_until, first.withdrawn) == (date(2025, 9, 1), date(2027, 8, 31), False)
    excel = mirrored["ODB-100002"]
    assert (excel.delivery, excel.study_points, excel.eqf_level, excel.eligible_paid_leave) == (
        "online", None, None, False)
    assert excel.leads_to_microcredential is True
    assert mirrored["ODB-100003"].language == "fr" and mirrored["ODB-100003"].valid_until is None
    assert audit_count("training.registry_added") == 5
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registry.synced"))
    assert event.after == {"source": "register", "watermark": "2026-01-14T09:30:00Z", "inserted": 5, "updated": 0,
                           "withdrawn": 0, "unchanged": 0}


def test_amounts_and_hours_never_pass_through_a_float(ledger, client_of):
    ledger.write(trainings=FIVE, page_size=2)
    sync.sync_registry(client_of())
    db.session.expire_all()  # read back what the database holds
    mirrored = trainings()
    first = mirrored["ODB-100001"]
    assert first.cost_cents == 45010 and type(first.cost_cents) is int  # "450.10": exactly 45010 cents
    assert first.cost == Decimal("450.10")
    assert first.hours == Decimal("40.50") and isinstance(first.hours, Decimal)  # JSON 40.5 through str()
    assert first.study_points == Decimal("3.0") and isinstance(first.study_points, Decimal)
    assert mirrored["ODB-100004"].cost_cents == 0
    assert mirrored["ODB-100005"].cost_cents == 123456


def test_second_sync_updates_withdraws_and_counts_what_did_not_change(ledger, client_of):
    ledger.write(trainings=FIVE[:4], page_size=2)
    sync.sync_registry(client_of())
    before = trainings()["ODB-100004"].updated_at
    ledger.write(page_size=2, trainings=[
        {**FIVE[0], "title": "Boekhouden voor KMO's (2026)", "cost": "475.00", "updated_at": "2026-02-01T08:00:00Z"},
        {**FIVE[1], "withdrawn": True, "updated_at": "2026-02-02T08:00:00Z"},
        {**FIVE[2], "updated_at": "2026-02-03T08:00:00Z"},  # sent again, nothing changed
        FIVE[3],  # older than the watermark: not sent
        api_training("ODB-100006", "2026-02-04T08:00:00Z", title="Nieuw: veilig werken op hoogte"),
    ])
    spy = Spy(client_of())

    run = sync.sync_registry(spy)

    assert spy.asked == ["2026-01-13T08:00:00Z"]
    assert (run.inserted, run.updated, run.withdrawn, run.unchanged) == (1, 1, 1, 1)
    assert run.watermark == "2026-02-04T08:00:00Z"
    db.session.expire_all()
    mirrored = trainings()
    assert len(mirrored) == 5  # nothing deleted
    assert (mirrored["ODB-100001"].title, mirrored["ODB-100001"].cost_cents) == ("Boekhouden voor KMO's (2026)", 47500)
    assert mirrored["ODB-100002"].withdrawn is True and mirrored["ODB-100002"].title == "Excel voor gevorderden"
    assert mirrored["ODB-100003"].withdrawn is False
    assert mirrored["ODB-100004"].updated_at == before
    updated = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.registry_updated"))
    assert updated.before == {"title": "Boekhouden voor KMO's", "cost_cents": 45010}
    assert updated.after == {"title": "Boekhouden voor KMO's (2026)", "cost_cents": 47500}
    withdrawn = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.registry_withdrawn"))
    assert (withdrawn.object_id, withdrawn.before, withdrawn.after) == (
        str(mirrored["ODB-100002"].id), {"withdrawn": False}, {"withdrawn": True})


def test_a_sync_after_no_change_reads_nothing_new(ledger, client_of):
    ledger.write(trainings=FIVE, page_size=2)
    sync.sync_registry(client_of())
    spy = Spy(client_of())

    again = sync.sync_registry(spy)

    assert spy.asked == ["2026-01-14T09:30:00Z"]  # the watermark was sent ...
    assert (again.state, again.inserted, again.updated, again.withdrawn, again.unchanged) == ("done", 0, 0, 0, 0)
    assert again.watermark == "2026-01-14T09:30:00Z"  # ... and kept when nothing newer came
    assert audit_count("training.registry_added") == 5 and audit_count("training.registry_updated") == 0


def test_a_withdrawn_training_is_refused_by_leave_requests_and_flagged_in_the_catalogue(ledger, client_of, shop,
                                                                                      auth, client):
    employer = factories.employer("Drukkerij Register", average_fte=Decimal("25"), region="flanders")
    worker = factories.user("worker@example.be", roles={employer: "employee"})
    employee = factories.employee(employer, user_id=worker.id)
    vov = next(t for t in schemes.leave_types(employer) if t.kind == LeaveKind.TRAINING)
    ledger.write(trainings=[FIVE[0]])
    sync.sync_registry(client_of())
    course = trainings()["ODB-100001"]

    def problems() -> list[str]:
        data = leave.RequestInput(leave_type=vov, start_date=date(2026, 3, 16), end_date=date(2026, 3, 16),
                                  training=course, hours_per_day=Decimal("8"))
        return leave.preview(employee, employer, data, date(2026, 3, 2)).problems

    assert "This training was withdrawn from the registry." not in problems()
    ledger.write(trainings=[{**FIVE[0], "withdrawn": True, "updated_at": "2026-02-01T08:00:00Z"}])
    assert sync.sync_registry(client_of()).withdrawn == 1
    db.session.commit()
    assert "This training was withdrawn from the registry." in problems()

    auth.login(shop.users["employee"])
    assert "Boekhouden voor KMO" not in client.get("/trainings").get_data(as_text=True)  # hidden by default
    shown = client.get("/trainings?withdrawn=1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in shown
    assert shown.count("<mark>withdrawn</mark>") == 1 and "Boekhouden voor KMO" in shown


def test_register_down_records_a_failed_run_and_changes_nothing(ledger, client_of):
    ledger.write(trainings=FIVE[:2])
    sync.sync_registry(client_of())
    state, events = catalogue_state(), audit_count()
    ledger.write(trainings=[{**FIVE[0], "title": "Changed", "updated_at": "2026-03-01T00:00:00Z"}], fail_with=503)

    with pytest.raises(sync.SyncError) as raised:
        sync.sync_registry(client_of())

    assert str(raised.value) == "The register could not be read: maintenance (HTTP 503). Nothing was changed."
    failed = runs()[-1]
    assert (failed.state, failed.error, failed.inserted, failed.updated) == ("failed", str(raised.value), 0, 0)
    assert failed.finished_at is not None and failed.watermark is None
    db.session.expire_all()
    assert catalogue_state() == state and audit_count() == events

    ledger.write(trainings=[{**FIVE[0], "title": "Changed", "updated_at": "2026-03-01T00:00:00Z"}])
    spy = Spy(client_of())
    assert sync.sync_registry(spy).updated == 1
    assert spy.asked == ["2026-01-11T08:00:00Z"]  # the last successful run's watermark, not the failed one's


def test_a_malformed_training_on_a_later_page_rolls_back_the_whole_sync(ledger, client_of):
    bad = {**FIVE[4], "cost": 450.1}  # a JSON number: money is never a float
    ledger.write(trainings=[*FIVE[:4], bad], page_size=2)

    with pytest.raises(sync.SyncError) as raised:
        sync.sync_registry(client_of())

    message = str(raised.value)
    assert message.startswith("Training 5 of the register (ODB-100005) was refused: ")
    assert 'cost must be a decimal string such as "450.00", not the number 450.1' in message
    assert message.endswith("Nothing was changed.")
    db.session.expire_all()
    assert trainings() == {}  # the four good ones of the first pages were rolled back
    assert [(run.state, run.error) for run in runs()] == [("failed", message)]
    assert audit_count() == 0


def test_every_problem_of_a_row_is_named(ledger, client_of):
    ledger.write(trainings=[api_training("ODB-1", title="  ", delivery="by pigeon", eqf_level=9, hours=-1,
                                         provider={"name": None},
                                         valid_from="2026-02-30", updated_at=None)])
    with pytest.raises(sync.SyncError) as raised:
        sync.sync_registry(client_of())
    message = str(raised.value)
    for reason in ("title is missing", "provider.name is missing",
                   "delivery must be onsite, online or blended, not “by pigeon”",
                   "eqf_level must be a whole number from 1 to 8, not 9", "hours must be between 0 and",
                   "valid_from must be a date such as 2026-08-31, not “2026-02-30”", "updated_at is missing"):
        assert reason in message


def test_an_employers_own_training_is_never_hijacked(ledger, client_of, shop):
    own = factories.training(shop.employer, registry_id="ODB-100002", title="Onze eigen cursus")
    db.session.commit()
    ledger.write(trainings=FIVE[:2])

    with pytest.raises(sync.SyncError) as raised:
        sync.sync_registry(client_of())

    assert str(raised.value).startswith("Training 2 of the register (ODB-100002) was refused: registry_id ODB-100002 "
                                        "belongs to an employer's own training, which is not overwritten.")
    db.session.expire_all()
    assert (own.employer_id, own.title) == (shop.employer.id, "Onze eigen cursus")
    assert list(trainings()) == ["ODB-100002"]  # ODB-100001, upserted first, was rolled back with the rest
    assert runs()[-1].state == "failed"


def test_a_registry_training_entered_by_hand_is_taken_over_by_the_sync(ledger, client_of):
    by_hand = factories.training(None, registry_id="ODB-100001", title="Typed by an admin", cost_cents=0)
    db.session.commit()
    ledger.write(trainings=[FIVE[0]])
    run = sync.sync_registry(client_of())
    assert (run.inserted, run.updated) == (0, 1)
    db.session.expire_all()
    assert (by_hand.title, by_hand.cost_cents, by_hand.employer_id) == ("Boekhouden voor KMO's", 45010, None)
