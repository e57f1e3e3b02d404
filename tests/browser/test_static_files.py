"""In a real browser a page comes compressed, and is still styled and scripted by its fingerprinted static files."""

from __future__ import annotations

import re

from tests.browser._support import skip_without_chromium

skip_without_chromium()

FINGERPRINTED = re.compile(r"/static/.+\.[0-9a-f]{12}\.(css|js)$")


def test_the_sign_in_page_is_styled_and_scripted_from_compressed_fingerprinted_files(page, live_server):
    static = []
    page.on("response", lambda response: static.append(response) if "/static/" in response.url else None)
    document = page.goto(f"{live_server.url}/login")
    page.wait_for_load_state("load")
    assert document.headers["content-encoding"] in ("zstd", "br", "gzip")  # the HTML too

    assert len(static) == 3 and all(FINGERPRINTED.search(response.url) for response in static)
    for response in static:
        assert response.status == 200
        assert response.headers["content-encoding"] in ("br", "gzip")
        assert "immutable" in response.headers["cache-control"]
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--pico-font-family')")
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).left") == "-999px"  # app.css
    assert page.evaluate("typeof window.htmx === 'object' && window.htmx.version.startsWith('2.')")
