"""``flask --app app reconcile``: a summary line per employer and the totals; exit 0 when every run is
done, 1 when the register cannot be reached (the run recorded ``incomplete``) or another process holds an
employer; clear messages for a wrong --period, --employer or --page-size."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ila_sme import dates, locks
from ila_sme.db_types import utcnow
from ila_sme.extensions import db
from ila_sme.funding.submit import TO_SUBMIT
from ila_sme.identifiers import format_kbo, make_kbo
from ila_sme.locks import Lease
from ila_sme.reconciliation.engine import lock_name, open_window
from ila_sme.reconciliation.models import ReconciliationRun, RunState
from tests.funding.submit.conftest import this_period
from tests.reconciliation.support import closed_port
from tests.support.register_world import build_world


@pytest.fixture
def pair(app, tmp_path):
    world = build_world(app, tmp_path, (3, 2))
    yield world
    world.register.stop()


def reconcile_command(app, *args):
    return app.test_cli_runner().invoke(args=["reconcile", *args])


def runs(employer) -> list[ReconciliationRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(ReconciliationRun).where(ReconciliationRun.employer_id == employer.id)
                                   .order_by(ReconciliationRun.id)))


def label(employer) -> str:
    return f"  {employer.name} ({format_kbo(employer.enterprise_number)}): "


def test_a_summary_per_employer_and_exit_0_when_every_run_is_done(app, pair):
    result = reconcile_command(app)
    assert result.exit_code == 0, result.output
    for employer, count in zip(pair.employers, (3, 2), strict=True):
        assert (f"{label(employer)}done: {count} booked now, 0 refused, 0 left for the next run; {count} entries "
                f"read, {count} matched, 0 amount_mismatch, 0 missing_in_register, 0 unknown_in_register, "
                f"0 reversed\n") in result.stdout
        assert [run.state for run in runs(employer)] == [RunState.DONE]
    assert result.stdout.endswith("2 employers: 5 matched, 0 differences, 5 booked now, 0 left for the next run, "
                                  "0 incomplete, 0 busy, 0 failed.\n")
    assert result.stderr == ""
    for contribution in pair.contributions:
        assert contribution.employee.national_number not in result.output

    again = reconcile_command(app, "--employer", format_kbo(pair.employers[1].enterprise_number))
    assert again.exit_code == 0 and label(pair.employers[0]) not in again.output
    assert f"{label(pair.employers[1])}done: 0 booked now" in again.stdout


def test_an_unreachable_register_exits_1_with_a_clear_message_and_an_incomplete_run(app, pair):
    employer = pair.employers[0]
    url = f"http://127.0.0.1:{closed_port()}"
    app.config["LEDGER_URL"] = url
    result = reconcile_command(app, "--employer", employer.enterprise_number, "--budget-seconds", "1")
    assert result.exit_code == 1
    assert f"{label(employer)}incomplete: 0 booked now, 0 refused, 3 left for the next run; 0 entries read" \
        in result.stderr
    assert "the register cannot be reached (ConnectError)" in result.stderr
    assert (f"The register ({url}) could not be reached or did not answer within the time budget for 1 "
            f"employer(s): nothing was settled for them; run the command again later.") in result.stderr
    run, = runs(employer)
    assert (run.state, run.left, run.entries_read) == (RunState.INCOMPLETE, 3, 0)
    assert "the register cannot be reached (ConnectError)" in run.error
    assert {c.status for c in pair.of(employer)} <= set(TO_SUBMIT)

    app.config["LEDGER_URL"] = pair.register.url  # back: everything is booked, once
    assert reconcile_command(app, "--employer", employer.enterprise_number).exit_code == 0
    app.config["LEDGER_URL"] = url  # and gone again while nothing waits: the read is what fails
    result = reconcile_command(app, "--employer", employer.enterprise_number, "--budget-seconds", "0.5")
    assert result.exit_code == 1
    assert runs(employer)[-1].error == "The register could not be read: the register cannot be reached (ConnectError)"


def test_a_period_run_and_the_periods_the_command_refuses(app, pair):
    first, last = open_window(dates.today())
    for period, message in (("2026-13", "Invalid value for --period: use YYYY-MM, e.g. 2026-11"),
                            ("26-01", "Invalid value for --period: use YYYY-MM, e.g. 2026-11"),
                            ("2019-01", f"Invalid value for --period: the register reconciles the periods "
                                        f"{first} to {last}")):
        result = reconcile_command(app, "--period", period)
        assert result.exit_code == 2 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0

    result = reconcile_command(app, "--period", this_period(1))
    assert result.exit_code == 0, result.output
    employer = pair.employers[0]
    run, = runs(employer)
    in_period = [c for c in pair.of(employer) if c.period == this_period(1)]
    assert (run.period, run.entries_read, run.matched) == (this_period(1), len(in_period), len(in_period))


def test_an_unknown_employer_or_page_size_is_refused(app, pair):
    unknown = make_kbo(9_999_999)
    for args, message in ((["--employer", unknown], f"no employer with enterprise number {format_kbo(unknown)}"),
                          (["--employer", "123"], "Not a valid enterprise number (10 digits with a valid check)."),
                          (["--page-size", "0"], "Invalid value for '--page-size'")):
        result = reconcile_command(app, *args)
        assert result.exit_code == 2 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0


def test_shards_share_the_employers_without_overlap_and_a_wrong_shard_is_refused(app, pair):
    by_shard = {}
    for k in (1, 2):
        result = reconcile_command(app, "--shard", f"{k}/2")
        assert result.exit_code == 0, result.output
        by_shard[k] = {e.id for e in pair.employers if label(e) in result.stdout}
        assert all(employer_id % 2 == k - 1 for employer_id in by_shard[k])
        count = sum(len(pair.of(e)) for e in pair.employers if e.id in by_shard[k])
        assert result.stdout.endswith(f"{len(by_shard[k])} employers: {count} matched, 0 differences, {count} booked "
                                      f"now, 0 left for the next run, 0 incomplete, 0 busy, 0 failed.\n")
    assert by_shard[1] and by_shard[2]  # the two employers have consecutive ids: one in each shard
    assert by_shard[1] | by_shard[2] == {e.id for e in pair.employers} and not by_shard[1] & by_shard[2]
    assert all(len(runs(employer)) == 1 for employer in pair.employers)  # each reconciled once, by its shard

    for wrong in ("0/2", "3/2", "2", "a/b"):
        result = reconcile_command(app, "--shard", wrong)
        assert result.exit_code == 2 and "Invalid value for --shard: use K/N with 1 <= K <= N" in result.output


def test_an_employer_another_process_reconciles_is_left_alone_and_exits_1(app, pair):
    busy, free = pair.employers
    assert locks.acquire(lock_name(busy), holder="elsewhere:4242")
    result = reconcile_command(app)
    assert result.exit_code == 1
    assert f"{label(busy)}another process is reconciling this employer now; nothing done." in result.stderr
    assert f"{label(free)}done: 2 booked now" in result.stdout
    assert runs(busy) == [] and {c.status for c in pair.of(busy)} == {"pending"}
    db.session.execute(update(Lease).where(Lease.name == lock_name(busy)).values(
        expires_at=utcnow() - timedelta(seconds=1)))  # its lease expired: the next command takes over
    db.session.commit()
    assert reconcile_command(app).exit_code == 0 and runs(busy)[0].state == RunState.DONE
