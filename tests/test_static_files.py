"""Static files as a product serves them (ila_sme/static_files.py): pages link fingerprinted names, served by
WhiteNoise cached a year as immutable, gzip or brotli as the client asks; HTML is compressed when asked."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from whitenoise import WhiteNoise

from ila_sme.extensions import db
from ila_sme.factory import PROJECT_ROOT
from ila_sme.static_files import StaticFiles
from tests import factories

STATIC = PROJECT_ROOT / "static"
LINKED = ("vendor/pico-2.1.1.min.css", "app.css", "vendor/htmx-2.0.11.min.js")
FINGERPRINTED = re.compile(r'(?:href|src)="/static/([^"]+)\.([0-9a-f]{12})\.(css|js)"')


def _cache_directives(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}


def _linked(client) -> dict[str, str]:
    """The static files the sign-in page links: original name → the URL it links."""
    html = client.get("/login").get_data(as_text=True)
    return {f"{stem}.{ext}": f"/static/{stem}.{digest}.{ext}" for stem, digest, ext in FINGERPRINTED.findall(html)}


def test_a_page_links_its_css_and_javascript_by_fingerprint(client):
    links = _linked(client)
    assert sorted(links) == sorted(LINKED)
    assert len(set(links.values())) == len(LINKED)


@pytest.mark.parametrize("filename", LINKED)
def test_a_fingerprinted_file_is_cached_a_year_as_immutable_and_compressed_as_asked(client, filename):
    url, original = _linked(client)[filename], (STATIC / filename).read_bytes()
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    brotlied = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    try:
        assert plain.status_code == zipped.status_code == brotlied.status_code == 200
        assert plain.get_data() == original and "Content-Encoding" not in plain.headers
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.get_data()) == original
        assert brotlied.headers["Content-Encoding"] == "br"
        assert brotli.decompress(brotlied.get_data()) == original
        assert len(brotlied.get_data()) < len(zipped.get_data()) < len(original) / 2
        for response in (plain, zipped, brotlied):
            assert _cache_directives(response) == {"public", "max-age=31536000", "immutable"}
            assert "Accept-Encoding" in response.headers["Vary"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            assert "Access-Control-Allow-Origin" not in response.headers
    finally:
        for response in (plain, zipped, brotlied):
            response.close()


def test_an_unknown_fingerprint_is_not_found(client):
    known = _linked(client)["app.css"]
    response = client.get(re.sub(r"\.[0-9a-f]{12}\.", ".000000000000.", known))
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_the_name_without_fingerprint_is_revalidated_each_time(client):
    response = client.get("/static/app.css")
    assert response.get_data() == (STATIC / "app.css").read_bytes()
    assert "immutable" not in _cache_directives(response)
    response.close()


def test_an_html_page_is_compressed_when_asked(client):
    plain = client.get("/login")
    zipped = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"] and "HX-Request" in zipped.headers["Vary"]
    html = gzip.decompress(zipped.get_data()).decode()
    assert '<form' in html and 'name="password"' in html
    assert len(zipped.get_data()) < len(plain.get_data()) / 2
    assert "script-src 'self'" in zipped.headers["Content-Security-Policy"]


def test_an_htmx_fragment_is_compressed_and_still_a_fragment(client, auth):
    employer = factories.employer()
    factories.user("m@example.be", roles={employer: "manager"})
    for number in range(12):
        factories.employee(employer, first_name=f"Xander{number}")
    db.session.commit()
    auth.login("m@example.be")
    response = client.get("/people?q=Xander", headers={"HX-Request": "true", "Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.get_data()).decode()
    assert 'id="people-results"' in html and "Xander11" in html
    assert "<html" not in html


def test_files_are_built_once_into_an_empty_folder_and_an_edit_gets_a_new_name(tmp_path):
    source, target = tmp_path / "static", tmp_path / "build"
    (source / "vendor").mkdir(parents=True)
    (source / "site.css").write_text("body { color: black; }\n" * 100)
    (source / "vendor" / "lib.js").write_text("var x = 1;\n" * 100)
    server = WhiteNoise(None)
    files = StaticFiles(source, target, "/static", server)

    first = files.name("site.css")
    assert re.fullmatch(r"site\.[0-9a-f]{12}\.css", first)
    assert re.fullmatch(r"vendor/lib\.[0-9a-f]{12}\.js", files.name("vendor/lib.js"))
    assert gzip.decompress((target / f"{first}.gz").read_bytes()) == (source / "site.css").read_bytes()
    assert f"/static/{first}" in server.files
    built = {path: path.stat().st_mtime_ns for path in target.rglob("*")}
    assert len(built) == 7  # two files with their .gz and .br, and the vendor folder

    StaticFiles(source, target, "/static", WhiteNoise(None))  # a second worker: nothing written again
    assert {path: path.stat().st_mtime_ns for path in target.rglob("*")} == built

    (source / "site.css").write_text("body { color: navy; }\n" * 100)
    second = files.name("site.css")
    assert second != first and (target / second).read_text().startswith("body { color: navy; }")
    assert f"/static/{second}" in server.files and f"/static/{first}" in server.files
    assert files.name("unknown.css") == "unknown.css"
