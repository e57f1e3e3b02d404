"""Benchmark: the bytes a visit takes, uncompressed (as before issue 15) and as served now, and what
compressing a page costs.

Not a test: it prints figures. In-process, against the seeded demo (``make seed`` first, or ``--instance``):
signs in as a demo user and fetches the pages and the static files they link without and with each
encoding (the bytes on the wire; 'browser' is what Chromium asks for), then times compressing each page's
HTML at the levels of ``config.py`` (COMPRESS_*), next to rendering it (the reference, in the same run).

    .venv/bin/python scripts/bench_transfer.py
    .venv/bin/python scripts/bench_transfer.py --email koen@boekhouding-maes.be --pages /,/statements
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import brotli  # noqa: E402
from backports import zstd  # noqa: E402

from ila_sme.factory import create_app  # noqa: E402

PASSWORD = "demo-password-2026"  # noqa: S105 - the demo's, printed by make run
BROWSER = "gzip, deflate, br, zstd"  # what Chromium asks for
ENCODINGS = ("identity", "gzip", "br", BROWSER)
HEADINGS = ("identity", "gzip", "br", "browser")
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _wire(client, path: str, encoding: str) -> tuple[int, str, int]:
    response = client.get(path, headers={"Accept-Encoding": encoding})
    size = len(response.get_data())
    response.close()
    return response.status_code, response.headers.get("Content-Encoding", "identity"), size


def _best_ms(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--email", default="tom@bakkerij-vandamme.be")
    parser.add_argument("--pages", default="/,/approvals,/calendar,/people,/funding/budget")
    parser.add_argument("--instance", help="the instance folder of the seeded demo (default: ILA_INSTANCE_PATH)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.instance:
        os.environ["ILA_INSTANCE_PATH"] = args.instance
    app = create_app({"RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    signed_in = client.post("/login", data={"email": args.email, "password": PASSWORD, "csrf_token": token})
    if signed_in.status_code != 302:
        sys.exit(f"could not sign in as {args.email}: is the demo seeded (make seed)?")
    config = app.config

    print(f"{'path':<52} " + " ".join(f"{name:>9}" for name in HEADINGS) + "   render  gzip   br  zstd (ms)")
    pages = [page for page in args.pages.split(",") if page]
    first_html, statics = {}, []
    for page in pages:
        sizes = [_wire(client, page, encoding) for encoding in ENCODINGS]
        if sizes[0][0] != 200:
            print(f"{page:<52} status {sizes[0][0]}, left out")
            continue
        body = client.get(page).get_data()
        render = _best_ms(lambda page=page: client.get(page).get_data(), max(3, args.repeat // 3))
        costs = [_best_ms(lambda compress=compress, body=body: compress(body), args.repeat) for compress in (
            lambda body: gzip.compress(body, config["COMPRESS_LEVEL"]),
            lambda body: brotli.compress(body, quality=config["COMPRESS_BR_LEVEL"], lgwin=config["COMPRESS_BR_WINDOW"]),
            lambda body: zstd.compress(body, config["COMPRESS_ZSTD_LEVEL"]))]
        first_html[page] = {encoding: size for encoding, (_, _, size) in zip(ENCODINGS, sizes, strict=True)}
        print(f"{page:<52} " + " ".join(f"{size:>9,}" for _, _, size in sizes)
              + f"   {render:6.1f} " + " ".join(f"{cost:4.2f}" for cost in costs))
        for link in STATIC_LINK.findall(body.decode()):
            if link not in statics:
                statics.append(link)
    static_sizes = {}
    for link in statics:
        sizes = [_wire(client, link, encoding) for encoding in ENCODINGS]
        static_sizes[link] = {encoding: size for encoding, (_, _, size) in zip(ENCODINGS, sizes, strict=True)}
        print(f"{link:<52} " + " ".join(f"{size:>9,}" for _, _, size in sizes))
    if first_html:
        home = next(iter(first_html))
        for encoding, heading in zip(ENCODINGS, HEADINGS, strict=True):
            total = first_html[home][encoding] + sum(sizes[encoding] for sizes in static_sizes.values())
            print(f"first visit of {home} ({heading}): {total:,} bytes")
        print(f"each later page: before, its HTML uncompressed and {len(statics)} revalidations of the static files"
              " (Cache-Control: no-cache); now its HTML compressed and no static request (immutable, a year)")


if __name__ == "__main__":
    main()
