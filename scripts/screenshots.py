"""The README's screenshots, made from the demo data in Chromium, in Dutch.

Seeds the demo into a temporary instance (``flask db upgrade``, ``flask demo seed`` with the development register
answering, then a reconciliation run for the bakery, as the accountant would start it), serves it on a free port,
signs in through the real form with Playwright and writes four PNGs:

    docs/screenshots/approvals-phone.png      Tom's approvals inbox on a phone (390 x 844)
    docs/screenshots/leave-request-phone.png  Sarah's training-leave request form on a phone (390 x 844)
    docs/screenshots/reconciliation.png       Koen's reconciliation of the bakery after a run (1280 wide, whole page)
    docs/screenshots/skills-matrix.png        Tom's skills matrix (1280 x 900)

    .venv/bin/python scripts/screenshots.py                        # a fresh demo, pictures in docs/screenshots
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:5000 --out /tmp/shots   # a running `make run`

With ``--url`` nothing is seeded: the pages are those of that instance (its data and its runs). Chromium is
``CHROMIUM_PATH`` or /usr/bin/chromium; Playwright never downloads a browser.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from ila_sme.demo.data import DEMO_PASSWORD, EMPLOYERS, REGISTER_DEV_TOKEN  # noqa: E402
from ila_sme.factory import create_app  # noqa: E402
from ila_sme.register import devprocess  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
BAKERY = next(spec for spec in EMPLOYERS if spec["key"] == "bakery")

# file, who, page, viewport, the whole page (not only the first screen)
SHOTS = [
    ("approvals-phone.png", "tom@bakkerij-vandamme.be", "/approvals", PHONE, False),
    ("leave-request-phone.png", "sarah@bakkerij-vandamme.be", "/leave/new", PHONE, False),
    ("reconciliation.png", "koen@boekhouding-maes.be", "/reconciliation/", DESKTOP, True),
    ("skills-matrix.png", "tom@bakkerij-vandamme.be", "/credentials/skills", DESKTOP, False),
]


def compile_catalogs() -> None:
    for po_path in sorted((PROJECT / "ila_sme" / "translations").glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        partial = po_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, po_path.with_suffix(".mo"))


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _cli(app, *args: str) -> None:
    with app.app_context():  # as the flask command line does
        result = app.test_cli_runner().invoke(args=list(args))
    if result.exit_code != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.output}{result.exception!r}")


@contextmanager
def demo_instance(folder: Path):
    """A freshly seeded demo with the bakery reconciled once, served on a free port: its URL."""
    os.environ["ILA_INSTANCE_PATH"] = str(folder / "instance")  # create_app reads it
    with devprocess.started(store=folder / "dev-register.sqlite3", dev_token=REGISTER_DEV_TOKEN) as register_url:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
            "SECRET_KEY": secrets.token_hex(32),
            "LEDGER_URL": register_url,
            "LEDGER_TOKEN": "demo-platform-token",
            "MAIL_SERVER": None,
            "MAIL_SEND_AFTER_RESPONSE": False,
        })
        _cli(app, "db", "upgrade")
        _cli(app, "demo", "seed")
        _cli(app, "reconcile", "--employer", BAKERY["enterprise_number"])
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()


def shoot(url: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        # --lang: Chromium draws a date field in its own language (dd/mm/jjjj), whatever the page's locale
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu", "--lang=nl-BE"])
        try:
            for name, email, path, viewport, full_page in SHOTS:
                phone = viewport is PHONE
                context = browser.new_context(viewport=viewport, device_scale_factor=2 if phone else 1,
                                              locale="nl-BE", is_mobile=phone, has_touch=phone)
                context.set_default_timeout(30_000)
                page = context.new_page()
                page.goto(f"{url}/login")
                page.fill("#email", email)
                page.fill("#password", DEMO_PASSWORD)
                page.locator("#main button[type=submit]").click()
                expect(page).to_have_url(f"{url}/")
                switch = page.locator("#employer-switch")
                if switch.count():  # Koen serves two employers: the bakery is the one reconciled
                    switch.locator("select").select_option(label=BAKERY["name"])
                    switch.locator("button[type=submit]").click()
                    expect(switch.locator("select option:checked")).to_have_text(BAKERY["name"])
                page.goto(url + path, wait_until="networkidle")
                target = out / name
                page.screenshot(path=target, full_page=full_page)
                written.append(target)
                context.close()
        finally:
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running instance to photograph (nothing is seeded)")
    parser.add_argument("--out", default=str(PROJECT / "docs" / "screenshots"), help="where the PNGs go")
    options = parser.parse_args()
    compile_catalogs()
    if options.url:
        written = shoot(options.url.rstrip("/"), Path(options.out))
    else:
        with tempfile.TemporaryDirectory(prefix="ila-screenshots-") as folder, demo_instance(Path(folder)) as url:
            written = shoot(url, Path(options.out))
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
