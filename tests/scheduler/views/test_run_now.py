""""Run now" on /admin/jobs and "Sync now" on the catalogue: the run is queued for the scheduler process
(never run in the request), a second click queues nothing more, the progress polls itself until the run
has finished, and only admins may."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ila_sme.extensions import db
from ila_sme.scheduler import recorder
from ila_sme.scheduler.jobs import JOBS
from ila_sme.scheduler.models import JobRun, JobState
from tests.scheduler.views.conftest import text

HTMX = {"HX-Request": "true"}


def runs_of(job: str) -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


@pytest.fixture
def no_job_runs_here(monkeypatch):
    """A request that ran a job itself would fail loudly."""
    for name, job in list(JOBS.items()):
        def refuse(name=name):
            raise AssertionError(f"{name} ran inside the web request")
        monkeypatch.setitem(JOBS, name, job.__class__(**{**job.__dict__, "run": refuse}))


def test_run_now_queues_the_job_and_a_second_click_queues_nothing_more(client, auth, office, no_job_runs_here):
    auth.login(office.users["admin"])
    response = auth.post("/admin/jobs/leave-allocation/run", {"place": "jobs"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/jobs#job-leave-allocation")
    run, = runs_of("leave-allocation")
    assert (run.state, run.trigger, run.slot, run.finished_at) == (JobState.QUEUED, "web", "queued", None)
    page = text(client.get("/admin/jobs").get_data(as_text=True))
    assert "Queued: the scheduler starts it within seconds." in page
    assert "Queued · waiting for the scheduler" in page
    assert "The scheduler is not running now: the run starts as soon as it runs again." in page

    again = auth.post("/admin/jobs/leave-allocation/run", {"place": "jobs"}, headers=HTMX)
    assert len(runs_of("leave-allocation")) == 1  # the double click queued nothing more
    fragment = again.get_data(as_text=True)
    assert 'hx-get="/admin/jobs/leave-allocation/progress?place=jobs" hx-trigger="every 2s"' in fragment
    assert "Run now" not in fragment  # no button while it waits


def test_a_running_run_is_not_queued_again(client, auth, office, no_job_runs_here):
    from ila_sme import locks
    db.session.add(JobRun(job="reminders", slot="2026-03-02T07:00:00+00:00", trigger="scheduler",
                          holder=locks.holder_id(), state=JobState.RUNNING))
    db.session.commit()
    auth.login(office.users["admin"])
    response = auth.post("/admin/jobs/reminders/run", {"place": "jobs"}, headers=HTMX)
    assert [run.state for run in runs_of("reminders")] == [JobState.RUNNING]
    assert "Running · since" in text(response.get_data(as_text=True))
    assert 'hx-trigger="every 2s"' in response.get_data(as_text=True)


def test_the_progress_fragment_stops_polling_once_the_run_is_done(app, client, auth, office):
    auth.login(office.users["admin"])
    auth.post("/admin/jobs/registry-sync/run", {"place": "catalogue"})
    queued, = runs_of("registry-sync")
    db.session.execute(JobRun.__table__.update().where(JobRun.id == queued.id).values(
        state=JobState.DONE, finished_at=queued.started_at,
        counts={"inserted": 302, "updated": 0, "withdrawn": 0, "unchanged": 28}))
    db.session.commit()
    html = client.get("/admin/jobs/registry-sync/progress?place=catalogue", headers=HTMX).get_data(as_text=True)
    assert "every 2s" not in html  # finished: the polling stops
    assert "Done" in html and "302 new, 0 updated, 0 withdrawn, 28 unchanged." in text(html)
    assert "Sync now" in html  # the button is back


def test_a_failed_run_says_why(client, auth, office):
    db.session.add(JobRun(job="registry-sync", slot="now-1", trigger="web", state=JobState.FAILED,
                          error="The register could not be read: timeout. Nothing was changed."))
    db.session.commit()
    auth.login(office.users["admin"])
    html = text(client.get("/admin/jobs/registry-sync/progress", headers=HTMX).get_data(as_text=True))
    assert "Failed" in html and "The register could not be read: timeout. Nothing was changed." in html


def test_in_dutch_the_button_and_the_progress_read_dutch(client, auth, office):
    office.users["admin"].language = "nl"
    db.session.commit()
    auth.login(office.users["admin"])
    response = auth.post("/admin/jobs/registry-sync/run", {"place": "catalogue"}, headers=HTMX)
    assert "In de wachtrij" in text(response.get_data(as_text=True))
    catalogue = client.get("/trainings").get_data(as_text=True)
    assert "Nu synchroniseren" in catalogue and "flask --app" not in catalogue


def test_the_catalogue_button_queues_the_registry_sync_and_comes_back(client, auth, office):
    auth.login(office.users["admin"])
    catalogue = client.get("/trainings").get_data(as_text=True)
    assert 'hx-get="/admin/jobs/registry-sync/progress?place=catalogue"' in catalogue
    assert 'hx-trigger="load"' in catalogue
    response = auth.post("/admin/jobs/registry-sync/run", {"place": "catalogue"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/trainings")
    assert [run.state for run in runs_of("registry-sync")] == [JobState.QUEUED]


@pytest.mark.parametrize("role", ["employee", "manager", "accountant"])
def test_only_admins_may_run_a_job(client, auth, office, role):
    auth.login(office.users[role])
    assert auth.post("/admin/jobs/registry-sync/run", {"place": "catalogue"}).status_code == 403
    assert client.get("/admin/jobs/registry-sync/progress", headers=HTMX).status_code == 403
    assert runs_of("registry-sync") == []
    assert "Sync now" not in client.get("/trainings").get_data(as_text=True)


def test_an_unknown_job_is_not_found_and_a_missing_token_queues_nothing(client, auth, office):
    auth.login(office.users["admin"])
    assert auth.post("/admin/jobs/no-such-job/run").status_code == 404
    assert client.post("/admin/jobs/reminders/run", data={"place": "jobs"}).status_code == 400  # no CSRF token
    assert runs_of("reminders") == []


def test_a_click_racing_another_gets_the_queued_run(app, office):
    first, made = recorder.queue_run("reminders")
    db.session.commit()
    db.session.add(JobRun(job="reminders", slot=recorder.QUEUED_SLOT, trigger="web", state=JobState.QUEUED))
    with pytest.raises(Exception):  # the unique (job, "queued") slot: never two waiting
        db.session.flush()
    db.session.rollback()
    assert made and [run.id for run in runs_of("reminders")] == [first.id]
