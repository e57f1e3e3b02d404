"""The sync-runs page (/trainings/sync-runs): admins only, newest first, with its htmx fragment."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ila_sme.extensions import db
from ila_sme.trainings import importer
from ila_sme.trainings.sync_models import RegistrySyncRun
from tests.support.statements import count_statements
from tests.support.world import ROLES
from tests.trainings.sync.test_import import GOOD_CSV

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="sync-run-(\d+)"', html)


@pytest.fixture
def history(shop):
    """A done sync, a failed sync, a done import and a failed import, oldest first."""
    db.session.add_all([
        RegistrySyncRun(source="register", state="done", started_at=START, finished_at=START + timedelta(seconds=4),
                        watermark="2026-03-01T23:00:00Z", inserted=12, updated=3, withdrawn=1, unchanged=0),
        RegistrySyncRun(source="register", state="failed", started_at=START + timedelta(days=1),
                        finished_at=START + timedelta(days=1, seconds=1),
                        error="The register could not be read: maintenance (HTTP 503). Nothing was changed."),
    ])
    db.session.commit()
    importer.import_file(GOOD_CSV, "csv", now=START + timedelta(days=2))
    with pytest.raises(importer.RegistryImportError):
        importer.import_file(b"[{}]", "json", now=START + timedelta(days=3))
    return shop


def test_admins_see_every_run_newest_first(history, auth, client):
    auth.login(history.users["admin"])
    response = client.get("/trainings/sync-runs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and "<h1>Registry sync runs</h1>" in html
    assert "4 runs." in html
    ids = [run.id for run in db.session.scalars(db.select(RegistrySyncRun).order_by(RegistrySyncRun.id.desc()))]
    assert _rows(html) == [str(i) for i in ids]
    rows = dict(zip(_rows(html), re.findall(r'<tr id="sync-run-\d+"(.*?)</tr>', html, re.S), strict=True))
    done_sync = re.sub(r"\s+", " ", re.sub(r' data-label="[^"]*"', "", rows[str(ids[3])]))
    assert 'class="sync-run-done"' in done_sync and "register" in done_sync
    assert "<td>12</td> <td>3</td> <td>1</td> <td>0</td> <td>—</td>" in done_sync
    assert "changes up to 2026-03-01T23:00:00Z" in done_sync
    assert '<time datetime="2026-03-02T01:00:00+00:00">Mar 2, 2026, 2:00' in done_sync  # shown in Brussels time
    failed_sync = rows[str(ids[2])]
    assert "<mark>failed</mark>" in failed_sync and "maintenance (HTTP 503). Nothing was changed." in failed_sync
    done_import = re.sub(r"\s+", " ", re.sub(r' data-label="[^"]*"', "", rows[str(ids[1])]))
    assert "file import" in done_import and "<td>3</td> <td>0</td> <td>0</td> <td>0</td>" in done_import
    failed_import = rows[str(ids[0])]
    assert "file import" in failed_import
    assert "1 bad row, nothing imported: line 1: registry_id is missing" in failed_import


def test_the_runs_come_as_an_htmx_fragment_with_pages(shop, auth, client):
    db.session.add_all([RegistrySyncRun(source="register", state="done", started_at=START + timedelta(hours=n),
                                        inserted=n) for n in range(30)])
    db.session.commit()
    auth.login(shop.users["admin"])

    first = client.get("/trainings/sync-runs", headers={"HX-Request": "true"})
    html = first.get_data(as_text=True)
    assert "<html" not in html and "<h1>" not in html
    assert html.lstrip().startswith('<div id="sync-runs"')
    assert "HX-Request" in first.headers["Vary"]
    assert len(_rows(html)) == 25 and "30 runs." in html
    assert re.search(r'<a href="/trainings/sync-runs\?from=25" rel="next" hx-get="/trainings/sync-runs\?from=25" '
                     r'hx-target="closest tr" hx-swap="outerHTML">Older', html)

    # "Older": the five older runs alone, to append under the others.
    second = client.get("/trainings/sync-runs?from=25", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.lstrip().startswith("<tr id=\"sync-run-") and "<table" not in second
    assert len(_rows(second)) == 5 and 'rel="next"' not in second
    assert not set(_rows(second)) & set(_rows(html))


def test_the_statement_count_does_not_grow_with_the_runs(shop, auth, client):
    auth.login(shop.users["admin"])

    def statements() -> int:
        db.session.commit()
        with count_statements(db.engine) as sent:
            assert client.get("/trainings/sync-runs").status_code == 200
        return len(sent)

    db.session.add_all([RegistrySyncRun(source="register", state="done", started_at=START + timedelta(hours=n),
                                        inserted=n) for n in range(10)])
    small = statements()
    db.session.add_all([RegistrySyncRun(source="file", state="failed", started_at=START + timedelta(days=n),
                                        error="broken") for n in range(50)])
    assert statements() == small


def test_an_empty_history_says_how_to_fill_it(shop, auth, client):
    auth.login(shop.users["admin"])
    html = client.get("/trainings/sync-runs", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "0 runs." in html and "The catalogue was never synced with the registry." in html
    assert "<table>" not in html


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_open_the_page_and_see_its_link(history, auth, client, role):
    auth.login(history.users[role])
    response = client.get("/trainings/sync-runs", headers={"HX-Request": "true"})
    catalogue = client.get("/trainings").get_data(as_text=True)
    link = 'href="/trainings/sync-runs"'
    if role == "admin":
        assert response.status_code == 200 and "maintenance" in response.get_data(as_text=True)
        assert link in catalogue and "Registry sync runs" in catalogue
    else:
        assert response.status_code == 403
        assert "maintenance" not in response.get_data(as_text=True)
        assert link not in catalogue


def test_signed_out_visitors_are_sent_to_sign_in(history, client):
    response = client.get("/trainings/sync-runs")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
