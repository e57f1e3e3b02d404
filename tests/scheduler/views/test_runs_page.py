"""/admin/jobs: the scheduler's status, its jobs and every job run, for admins; filter, pages, htmx."""

from __future__ import annotations

import pytest

from ila_sme import locks
from ila_sme.extensions import db
from ila_sme.scheduler.jobs import JOBS
from ila_sme.scheduler.models import JobState
from tests.scheduler.views.conftest import job_run, run_ids, text
from tests.support.statements import count_statements
from tests.support.world import ROLES

URL = "/admin/jobs"
HTMX = {"HX-Request": "true"}


def test_the_page_says_the_scheduler_is_not_running_and_gives_a_button_per_job(client, auth, office):
    auth.login(office.users["admin"])
    html = client.get(URL).get_data(as_text=True)
    page = text(html)
    assert "The scheduler is not running: no job runs on its schedule." in page
    assert "flask --app" not in html  # no command on the screen: a button per job
    for job in JOBS.values():
        assert f'action="/admin/jobs/{job.name}/run"' in html
    for job in JOBS.values():
        assert f"{job.name} {job.description}" in page
    assert "nightly-reconcile Submits the pending contributions" in page
    assert "every day at 02:00" in page and "Monday to Friday at 08:00" in page
    assert "Schedules are in Europe/Brussels time." in page
    assert "0 runs." in page and "No job has run yet." in page


def test_the_page_shows_the_running_scheduler_and_the_runs_newest_first(client, auth, office):
    assert locks.acquire("scheduler", holder=locks.holder_id())
    done = job_run("leave-allocation", 0)
    failed = job_run("registry-sync", 60, JobState.FAILED, counts=None,
                     error="The register could not be read: timeout. Nothing was changed.")
    by_hand = job_run("reminders", 120, trigger="cli", slot="now-3f0c", counts={"notifications": 2})
    running = job_run("nightly-reconcile", 180, JobState.RUNNING, counts=None)
    db.session.commit()
    auth.login(office.users["admin"])
    html = client.get(URL).get_data(as_text=True)
    page = text(html)
    assert f"Running: {locks.holder_id()} holds the scheduler's lease; last heartbeat" in page
    assert "not running" not in page
    assert run_ids(html) == [running.id, by_hand.id, failed.id, done.id]
    assert "4 runs." in page
    assert "registry-sync" in page and "Failed" in page
    assert "The register could not be read: timeout. Nothing was changed." in page
    assert "now, by hand command Done" in page and "notifications: 2" in page
    assert "rows added: 0" in page and "scheduled Done" in page
    assert "nightly-reconcile" in page and "Running" in page
    assert f'<tr id="job-run-{failed.id}" class="job-run-failed">' in html


def test_the_counts_of_a_run_are_named_in_dutch(client, auth, office):
    job_run("nightly-reconcile", 0, counts={"done": 1, "incomplete": 0, "failed": 0, "busy": 0})
    db.session.commit()
    auth.login(office.users["admin"])
    page = text(client.get(URL, headers={"Accept-Language": "nl"}).get_data(as_text=True))
    assert "klaar: 1 onvolledig: 0 mislukt: 0 elders bezig: 0" in page
    assert "done: 1" not in page and "incomplete: 0" not in page


def test_filter_by_job_and_25_at_a_time(client, auth, office):
    syncs = [job_run("registry-sync", minutes) for minutes in range(30)]
    job_run("reminders", 999)
    db.session.commit()
    auth.login(office.users["admin"])

    first = client.get(URL, query_string={"job": "registry-sync"}).get_data(as_text=True)
    assert run_ids(first) == [run.id for run in reversed(syncs)][:25]
    assert "30 runs." in text(first)
    assert ('href="/admin/jobs?job=registry-sync&amp;from=25" rel="next" '
            'hx-get="/admin/jobs?job=registry-sync&amp;from=25" hx-target="closest tr"') in first
    # "Older" with htmx: the five older runs alone, appended under the others.
    second = client.get(URL, query_string={"job": "registry-sync", "from": 25}, headers=HTMX).get_data(as_text=True)
    assert second.lstrip().startswith("<tr id=\"job-run-") and "<table" not in second
    assert run_ids(second) == [run.id for run in reversed(syncs)][25:]
    assert 'rel="next"' not in second
    without_js = client.get(URL, query_string={"job": "registry-sync", "from": 25}).get_data(as_text=True)
    assert "<html" in without_js and run_ids(without_js) == run_ids(second)

    everything = client.get(URL).get_data(as_text=True)
    assert "31 runs." in text(everything)
    assert client.get(URL, query_string={"job": "no-such-job"}).get_data(as_text=True).count("job-run-") == \
        everything.count("job-run-")  # an unknown job is ignored, not an error
    assert '<option selected value="registry-sync">' in first


def test_htmx_gets_only_the_runs(client, auth, office):
    run = job_run("reminders", 5)
    db.session.commit()
    auth.login(office.users["admin"])
    response = client.get(URL, query_string={"job": "reminders"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="job-runs"')
    assert "<html" not in html and "scheduler-status" not in html and "scheduler-jobs" not in html
    assert run_ids(html) == [run.id]
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_the_page_and_its_link(client, auth, office, role):
    job_run("reminders", 5)
    db.session.commit()
    auth.login(office.users[role])
    response = client.get(URL)
    assert response.status_code == (200 if role == "admin" else 403)
    home = client.get("/").get_data(as_text=True)
    assert ('href="/admin/jobs"' in home) == (role == "admin")


def test_signed_out_visitors_are_sent_to_sign_in(client, office):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_job_runs_are_the_platforms_an_admin_of_any_employer_sees_them(client, auth, office):
    run = job_run("leave-allocation", 5)
    db.session.commit()
    auth.login(office.other_admin)
    assert run_ids(client.get(URL).get_data(as_text=True)) == [run.id]


def test_the_statement_count_does_not_grow_with_the_runs(client, auth, office):
    auth.login(office.users["admin"])

    def statements() -> int:
        db.session.commit()
        with count_statements(db.engine) as sent:
            assert client.get(URL).status_code == 200
        return len(sent)

    for minutes in range(10):
        job_run("registry-sync", minutes)
    small = statements()
    for minutes in range(50):
        job_run("reminders", 100 + minutes, counts={"sent": minutes})
    assert statements() == small
