"""Requesting training leave: what is counted, and every refusal with its message, saving nothing."""

from __future__ import annotations

import email
import email.policy
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ila_sme.audit.models import AuditEvent
from ila_sme.extensions import db
from ila_sme.leave import ledger, services
from ila_sme.leave.errors import LeaveError
from ila_sme.leave.models import EntryKind, LeaveRequest, RequestStatus
from ila_sme.notifications.models import Notification
from ila_sme.people import employment
from ila_sme.people.history import History
from ila_sme.schemes.models import Scheme
from tests import factories
from tests.leave.conftest import TODAY, bring_to, counts, rows_of, training
from tests.support.history import change_terms


def _everything() -> tuple[int, ...]:
    """Requests, ledger rows, audit events and notifications."""
    return (*counts(), db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(Notification)))


def refused(world, data, match: str, **kwargs) -> str:
    """Submit as a view would, expect the refusal, roll back as the view does: nothing was saved."""
    db.session.commit()
    before = _everything()
    with pytest.raises(LeaveError, match=match) as info:
        world.submit(data, **kwargs)
    db.session.rollback()
    assert _everything() == before
    return str(info.value)


def accepted(world, data, **kwargs) -> LeaveRequest:
    request = world.submit(data, **kwargs)
    db.session.commit()
    assert request.status == RequestStatus.PENDING
    return request


# A request that is accepted ------------------------------------------------------------------


def test_submit_creates_the_request_and_its_reservation(world, outbox):
    before = counts()
    request = world.submit(world.hours(date(2026, 3, 3), date(2026, 3, 5), hours_per_day="7.6", note=" exam week "))
    db.session.commit()

    assert counts() == (before[0] + 1, before[1] + 2)  # the request; the allocation and the reservation
    assert (request.status, request.scheme, request.period, request.amount) == (
        RequestStatus.PENDING, Scheme.VOV, "2025-26", Decimal("22.80"))
    assert request.note == "exam week"
    assert request.requested_by_id == world.worker.id
    assert rows_of(request) == [(EntryKind.RESERVATION, Decimal("-22.80"))]
    balance = ledger.balance(world.employee.id, Scheme.VOV, "2025-26")
    assert (balance.entitlement, balance.reserved, balance.used, balance.remaining) == (
        Decimal("125.00"), Decimal("22.80"), Decimal("0"), Decimal("102.20"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "leave.requested"))
    assert event.object_id == str(request.id) and event.after["amount"] == "22.80"
    # The approver is told in the app and by mail; the deputy is not active on TODAY.
    assert [n.user_id for n in db.session.scalars(select(Notification))] == [world.manager.id]
    mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in outbox()]
    assert [mail["To"] for mail in mails] == [world.manager.email]
    assert "/approvals" in mails[0].get_body().get_content()


def test_the_deputy_is_told_too_while_the_range_runs(world):
    world.submit(world.days(date(2026, 3, 2), date(2026, 3, 2)), today=date(2026, 2, 15))
    assert {n.user_id for n in db.session.scalars(select(Notification))} == {world.manager.id, world.deputy.id}


def test_preview_shows_what_the_request_leaves_and_saves_no_request(world):
    result = services.preview(world.employee, world.employer, world.days(date(2026, 3, 2), date(2026, 3, 4)), TODAY)
    assert result.ok
    assert (result.amount, result.remaining_before, result.remaining_after, result.period.label) == (
        Decimal("3.00"), Decimal("5.00"), Decimal("2.00"), "2026")
    assert counts()[0] == 0

    too_much = services.preview(world.employee, world.employer,
                                world.days(date(2026, 3, 2), date(2026, 3, 9)), TODAY)
    assert not too_much.ok
    assert too_much.remaining_after == Decimal("-1.00")
    assert too_much.problems == ["This asks 6.00 days, but only 5.00 days remain in 2026."]


def test_nobody_requests_leave_for_someone_else(world):
    message = refused(world, world.days(date(2026, 3, 2), date(2026, 3, 2)), "only request leave for yourself",
                      actor=world.manager)
    assert message == "You can only request leave for yourself."


# The VOV window ------------------------------------------------------------------------------

# The course runs from Wednesday 4 to Monday 9 March 2026: leave from Tuesday 3 to Wednesday 11.
WINDOW_COURSE = {"starts_on": date(2026, 3, 4), "ends_on": date(2026, 3, 9)}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 3, 3), date(2026, 3, 3)),  # the day before the course: the first day allowed
        (date(2026, 3, 11), date(2026, 3, 11)),  # two days after it ends: the last day allowed
        (date(2026, 3, 3), date(2026, 3, 11)),  # the whole window
    ],
)
def test_vov_window_edges_are_accepted(world, start, end):
    course = training(**WINDOW_COURSE)
    request = accepted(world, world.hours(start, end, training=course))
    assert request.training_id == course.id


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),  # two days before the course
        (date(2026, 3, 2), date(2026, 3, 5)),  # starts one day too early
        (date(2026, 3, 12), date(2026, 3, 12)),  # three days after it ends
        (date(2026, 3, 10), date(2026, 3, 12)),  # ends one day too late
    ],
)
def test_vov_window_one_day_outside_is_refused(world, start, end):
    course = training(**WINDOW_COURSE)
    message = refused(world, world.hours(start, end, training=course), "can be taken from")
    assert message == "Flemish training leave can be taken from 2026-03-03 to 2026-03-11 for this training."


# Overlaps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "approved", "cancellation_requested"])
def test_an_overlap_with_a_request_that_holds_the_dates_is_refused(world, status):
    first = accepted(world, world.days(date(2026, 3, 2), date(2026, 3, 4)))
    bring_to(world, first, status)
    db.session.commit()
    assert first.status == status

    message = refused(world, world.days(date(2026, 3, 4), date(2026, 3, 5)), "already have a request")
    assert message == "You already have a request from 2026-03-02 to 2026-03-04 on these dates."
    # Also from another scheme: a person is on one leave at a time.
    refused(world, world.hours(date(2026, 3, 3), date(2026, 3, 3)), "already have a request from 2026-03-02")
    # Touching is not overlapping.
    accepted(world, world.days(date(2026, 3, 5), date(2026, 3, 5)))


@pytest.mark.parametrize("status", ["rejected", "withdrawn", "cancelled"])
def test_a_request_that_no_longer_holds_its_dates_does_not_block(world, status):
    first = accepted(world, world.days(date(2026, 3, 2), date(2026, 3, 4)))
    bring_to(world, first, status)
    db.session.commit()
    assert first.status == status

    second = accepted(world, world.days(date(2026, 3, 2), date(2026, 3, 4)))
    assert second.amount == Decimal("3.00")


def test_a_morning_and_an_afternoon_of_the_same_date_do_not_overlap(world):
    monday, wednesday = date(2026, 3, 2), date(2026, 3, 4)
    morning = accepted(world, world.days(monday, monday, end_half=True))
    afternoon = accepted(world, world.days(monday, monday, start_half=True))
    assert (morning.amount, afternoon.amount) == (Decimal("0.50"), Decimal("0.50"))
    refused(world, world.days(monday, monday, end_half=True), "already have a request from 2026-03-02 to 2026-03-02")
    refused(world, world.days(monday, monday), "already have a request from 2026-03-02")

    # Over several days: until Wednesday morning, then from Wednesday afternoon.
    accepted(world, world.days(date(2026, 3, 3), wednesday, end_half=True))
    accepted(world, world.days(wednesday, date(2026, 3, 5), start_half=True))
    refused(world, world.days(wednesday, wednesday, start_half=True), "already have a request from 2026-03-04")


def test_a_single_date_ticked_both_ways_holds_the_whole_date(world):
    monday = date(2026, 3, 2)
    accepted(world, world.days(monday, monday, start_half=True, end_half=True))
    refused(world, world.days(monday, monday, start_half=True), "already have a request from 2026-03-02")
    refused(world, world.days(monday, monday, end_half=True), "already have a request from 2026-03-02")


def test_a_colleague_on_the_same_dates_does_not_block(world):
    accepted(world, world.days(date(2026, 3, 2), date(2026, 3, 4)))
    colleague_user = factories.user(roles={world.employer: "employee"})
    colleague = factories.employee(world.employer, user_id=colleague_user.id, approver_id=world.manager.id)
    request = accepted(world, world.days(date(2026, 3, 2), date(2026, 3, 4)), employee=colleague)
    assert request.employee_id == colleague.id


# Half days, hours, exams, EVC ----------------------------------------------------------------

MONDAY, FRIDAY = date(2026, 3, 2), date(2026, 3, 6)


def test_half_days_draw_half_a_day_from_the_training_right(world):
    request = accepted(world, world.days(MONDAY, FRIDAY, start_half=True, end_half=True))
    assert (request.amount, request.start_half, request.end_half) == (Decimal("4.00"), True, True)
    single = accepted(world, world.days(date(2026, 3, 9), date(2026, 3, 9), start_half=True))
    assert single.amount == Decimal("0.50")
    assert ledger.balance(world.employee.id, Scheme.TRAINING_RIGHT, "2026").remaining == Decimal("0.50")


def test_vov_hours_are_days_times_hours_per_day(world):
    request = accepted(world, world.hours(MONDAY, FRIDAY, hours_per_day="7.6", start_half=True, end_half=True))
    assert request.amount == Decimal("30.40")  # 4 days × 7.6 h
    assert request.hours_per_day == Decimal("7.60")
    single = accepted(world, world.hours(date(2026, 3, 9), date(2026, 3, 9), hours_per_day="8", end_half=True))
    assert single.amount == Decimal("4.00")


def test_each_exam_counts_8_hours(world):
    request = accepted(world, world.hours(date(2026, 3, 12), date(2026, 3, 13), hours_per_day="3", exams=2))
    assert request.amount == Decimal("22.00")  # 2 days × 3 h + 2 exams × 8 h
    assert request.exams == 2


def test_each_evc_competence_counts_16_hours(world):
    data = services.RequestInput(leave_type=world.evc, start_date=MONDAY, end_date=MONDAY, evc_competences=3)
    request = accepted(world, data)
    assert (request.amount, request.scheme, request.training_id) == (Decimal("48.00"), Scheme.VOV, None)


def test_evc_needs_the_number_of_competences(world):
    data = services.RequestInput(leave_type=world.evc, start_date=MONDAY, end_date=MONDAY,
                                 hours_per_day=Decimal("8"))
    refused(world, data, "Give the number of competences to be recognised.")


def test_vov_without_hours_per_day_counts_the_patterns_hours(world):
    data = world.hours(MONDAY, MONDAY)
    data.hours_per_day = None
    assert accepted(world, data).amount == Decimal("7.60")  # 38 h a week, Monday to Friday


def test_dates_without_a_working_day_are_refused(world):
    refused(world, world.days(date(2026, 3, 7), date(2026, 3, 8)), "These dates hold no working day.")


def test_the_last_day_before_the_first_is_refused(world):
    message = refused(world, world.days(FRIDAY, MONDAY), "The last day is before the first day.")
    assert message == "The last day is before the first day."


@pytest.mark.parametrize(
    ("make", "start", "end"),
    [
        ("days", date(2026, 12, 31), date(2027, 1, 4)),  # two calendar years
        ("hours", date(2026, 8, 31), date(2026, 9, 1)),  # two school years
    ],
)
def test_a_request_stays_within_one_year_of_its_scheme(world, make, start, end):
    world.employee.contract_start = date(2020, 1, 1)
    course = training(starts_on=date(2026, 8, 31), ends_on=date(2026, 9, 1), valid_until=date(2027, 8, 31))
    data = world.days(start, end) if make == "days" else world.hours(start, end, training=course)
    refused(world, data, "within one year of the scheme; split it in two")


# The balance ---------------------------------------------------------------------------------


def test_more_than_the_remaining_balance_is_refused_and_says_how_much_remains(world):
    message = refused(world, world.days(MONDAY, date(2026, 3, 9)), "only 5.00 days remain")
    assert message == "This asks 6.00 days, but only 5.00 days remain in 2026."

    accepted(world, world.days(date(2026, 4, 7), date(2026, 4, 8)))  # after Easter Monday
    message = refused(world, world.days(MONDAY, FRIDAY), "only 3.00 days remain")
    assert message == "This asks 5.00 days, but only 3.00 days remain in 2026."
    accepted(world, world.days(MONDAY, date(2026, 3, 4)))  # exactly what remains


def test_more_vov_hours_than_remain_is_refused(world):
    course = training(starts_on=date(2026, 3, 2), ends_on=date(2026, 4, 30))
    message = refused(world, world.hours(MONDAY, date(2026, 3, 18), hours_per_day="10", training=course),
                      "only 125.00 hours remain")
    assert message == "This asks 130.00 hours, but only 125.00 hours remain in 2025-26."


@pytest.mark.parametrize(
    ("pending", "fourth"),
    [
        # Days of the federal training right (5): 2 + 1 + 2 fit, one more day does not.
        ([(date(2026, 3, 2), date(2026, 3, 3)), (date(2026, 3, 4), date(2026, 3, 4)),
          (date(2026, 3, 5), date(2026, 3, 6))], (date(2026, 3, 9), date(2026, 3, 9))),
        # Half days: 2.5 + 1.5 + 1 = 5, half a day more does not fit.
        ([(date(2026, 3, 2), date(2026, 3, 4), True), (date(2026, 3, 5), date(2026, 3, 6), True),
          (date(2026, 3, 9), date(2026, 3, 9), False)], (date(2026, 3, 10), date(2026, 3, 10), True)),
    ],
)
def test_the_balance_never_goes_negative_with_several_pending_requests(world, pending, fourth):
    for spec in pending:
        accepted(world, world.days(spec[0], spec[1], start_half=spec[2] if len(spec) > 2 else False))
    balance = ledger.balance(world.employee.id, Scheme.TRAINING_RIGHT, "2026")
    assert (balance.reserved, balance.remaining) == (Decimal("5.00"), Decimal("0.00"))

    message = refused(world, world.days(fourth[0], fourth[1], start_half=fourth[2] if len(fourth) > 2 else False),
                      "only 0.00 days remain")
    assert message.endswith("but only 0.00 days remain in 2026.")

    balance = ledger.balance(world.employee.id, Scheme.TRAINING_RIGHT, "2026")
    assert balance.remaining >= 0
    assert balance.remaining == sum(row.amount for row in balance.rows)
    assert balance.remaining == balance.entitlement - balance.used - balance.reserved
    assert counts()[0] == 3


def test_vov_hours_never_go_negative_with_several_pending_requests(world):
    course = training(starts_on=date(2026, 3, 2), ends_on=date(2026, 4, 30))
    for start, end in [(date(2026, 3, 2), date(2026, 3, 6)), (date(2026, 3, 9), date(2026, 3, 13)),
                       (date(2026, 3, 16), date(2026, 3, 20))]:
        accepted(world, world.hours(start, end, hours_per_day="8", training=course))  # 40 h each
    approved = db.session.scalars(select(LeaveRequest).order_by(LeaveRequest.id)).first()
    services.approve(actor=world.manager, request=approved, today=TODAY)
    db.session.commit()

    refused(world, world.hours(date(2026, 3, 23), date(2026, 3, 23), hours_per_day="6", training=course),
            "This asks 6.00 hours, but only 5.00 hours remain in 2025-26.")
    accepted(world, world.hours(date(2026, 3, 23), date(2026, 3, 23), hours_per_day="5", training=course))
    balance = ledger.balance(world.employee.id, Scheme.VOV, "2025-26")
    assert (balance.entitlement, balance.used, balance.reserved, balance.remaining) == (
        Decimal("125.00"), Decimal("40.00"), Decimal("85.00"), Decimal("0.00"))


# The scheme's conditions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employee_fields", "message"),
    [
        ({"employment_pct": Decimal("79")}, "Flemish training leave needs a work regime of at least 80 %."),
        ({"hours_per_week": Decimal("27.9")}, "Flemish training leave needs at least 28 hours of work a week."),
    ],
)
def test_vov_needs_80_percent_and_28_hours_a_week(world, employee_fields, message):
    change_terms(world.employee, world.employee.contract_start, **employee_fields, today=TODAY)
    refused(world, world.hours(MONDAY, MONDAY), message)
    # The federal training right has no such condition.
    accepted(world, world.days(MONDAY, MONDAY))


def test_vov_at_exactly_80_percent_and_28_hours_is_accepted(world):
    change_terms(world.employee, world.employee.contract_start, employment_pct="80", hours_per_week="28", today=TODAY)
    accepted(world, world.hours(MONDAY, MONDAY))


@pytest.mark.parametrize(
    ("hours", "points", "ok"),
    [
        ("31", None, False),
        ("31", "2.5", False),
        ("31", "3", True),
        ("32", None, True),
        ("0", "3", True),
    ],
)
def test_vov_needs_32_contact_hours_or_3_study_points(world, hours, points, ok):
    course = training(hours=Decimal(hours), study_points=Decimal(points) if points else None)
    data = world.hours(MONDAY, MONDAY, training=course)
    if ok:
        accepted(world, data)
    else:
        refused(world, data, "The training must have at least 32 contact hours or 3 study points.")


def test_an_employers_own_training_gives_no_vov(world):
    own = training(employer_id=world.employer.id, registry_id=None)
    refused(world, world.hours(MONDAY, MONDAY, training=own),
            "This training is not in the Flemish training database for paid training leave.")


def test_a_registry_training_not_eligible_for_paid_leave_gives_no_vov(world):
    course = training(eligible_paid_leave=False)
    refused(world, world.hours(MONDAY, MONDAY, training=course), "not in the Flemish training database")


def test_a_training_of_another_employer_is_not_in_the_catalogue(world):
    other = factories.employer()
    theirs = training(employer_id=other.id, registry_id=None)
    refused(world, world.hours(MONDAY, MONDAY, training=theirs), "This training is not in the catalogue.")


def test_a_training_is_needed_for_training_leave(world):
    data = world.hours(MONDAY, MONDAY)
    data.training = None
    refused(world, data, "Choose the training this leave is for.")


def test_a_withdrawn_training_is_refused(world):
    world.course.withdrawn = True
    refused(world, world.hours(MONDAY, MONDAY), "This training was withdrawn from the registry.")


@pytest.mark.parametrize(
    "listing", [{"valid_until": date(2026, 3, 1)}, {"valid_from": date(2026, 3, 3)}], ids=["expired", "not-yet"])
def test_a_training_outside_its_listing_period_is_refused(world, listing):
    course = training(**listing)
    refused(world, world.hours(MONDAY, MONDAY, training=course),
            "This training is not offered on these dates \\(expired or not yet valid\\).")


@pytest.mark.parametrize(
    ("contract", "start", "end"),
    [
        ({"ends_on": date(2026, 3, 3)}, date(2026, 3, 3), date(2026, 3, 4)),
        ({"starts_on": date(2026, 3, 3)}, date(2026, 3, 2), date(2026, 3, 3)),
    ],
    ids=["after-the-end", "before-the-start"],
)
def test_dates_outside_the_contract_are_refused(world, contract, start, end):
    """The contract periods in force decide (a correction is a new row), not the record's summary."""
    period = History.of(world.employee).contracts[-1]
    employment.correct_contract(actor=world.admin, employee=world.employee, period=period,
                                **{"starts_on": period.starts_on, "ends_on": period.ends_on, **contract},
                                reason="test", today=TODAY)
    refused(world, world.days(start, end), "These dates fall outside the employment contract.")
    refused(world, world.hours(start, end), "These dates fall outside the employment contract.")


def test_several_problems_are_told_at_once(world):
    change_terms(world.employee, world.employee.contract_start, employment_pct="50", today=TODAY)
    world.course.withdrawn = True
    message = refused(world, world.hours(MONDAY, MONDAY), "withdrawn")
    assert "This training was withdrawn from the registry." in message
    assert "at least 80 %" in message
