"""Benchmark: what each main page costs per request, at demo size and with the demo employer grown to 250 staff.

Not a test: it prints figures. It seeds the demo into a fresh database (a SQLite file in a temporary folder, or a new
PostgreSQL database on the server of ``--database-url``, dropped afterwards) with the development register beside
it, signs in as the README's logins (employee Sarah, manager Tom, accountant Koen, admin Els, all at the bakery)
and, for every page their menu reaches (plus the leave form and the employee's credentials), measures in-process
with Flask's test client:

* CPU per request: ``time.process_time`` over ``--repeat`` GETs after ``--warmup`` ones (the database's CPU is in
  it on SQLite, which runs in this process; on PostgreSQL the server's CPU is not);
* SQL statements per request (a SQLAlchemy event counts what is sent), and
* the HTML's size.

Then it grows the bakery to ``--staff`` employees through the services (``flask demo grow``) and measures the same
pages again. A bare Flask route and ``/healthz`` are measured in the same app, in the same run, as the reference.
A figure that misses its target is marked ``!``: ≤ 10 ms CPU at demo size, ≤ 20 ms at the grown size,
≤ 12 statements and the same count at both sizes, HTML ≤ 60 KB. The load average is printed at the start and end:
the machine is shared, so CPU figures from a busy moment read high; statements and sizes do not vary.

    .venv/bin/python scripts/bench_pages.py                       # demo, then 250 staff, 20 GETs per page
    .venv/bin/python scripts/bench_pages.py --staff 60 --repeat 5 # quicker, while developing
    .venv/bin/python scripts/bench_pages.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import httpx  # noqa: E402

from ila_sme.demo.data import REGISTER_DEV_TOKEN  # noqa: E402
from ila_sme.demo.grow import demo_employer, staff_count  # noqa: E402
from ila_sme.extensions import babel, db  # noqa: E402
from ila_sme.factory import create_app  # noqa: E402
from ila_sme.register import devprocess  # noqa: E402
from tests.support.crawl import DEMO_TODAY, Login, demo_settings, links_in, signed_in_client  # noqa: E402
from tests.support.database import drop_worker_database, worker_database  # noqa: E402
from tests.support.statements import count_statements  # noqa: E402

TARGET_MS_DEMO, TARGET_MS_GROWN, TARGET_STATEMENTS, TARGET_KB = 10.0, 20.0, 12, 60.0
ROLES = [("employee", Login("sarah@bakkerij-vandamme.be", "bakery")),
         ("manager", Login("tom@bakkerij-vandamme.be", "bakery")),
         ("accountant", Login("koen@boekhouding-maes.be", "bakery")),
         ("admin", Login("els@bakkerij-vandamme.be", "bakery"))]
EXTRA_PAGES = {"employee": ["/leave/new", "/leave/balances", "/credentials/mine"], "manager": ["/leave/new"]}
NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


@dataclass
class Figures:
    cpu_ms: float
    statements: int
    kb: float
    status: int
    register_calls: int = 0
    writes: list[str] = field(default_factory=list)


class _RegisterCalls:
    """Counts the HTTP requests the app sends (to the register) while a page is measured."""

    def __init__(self):
        self.count = 0
        self._send = httpx.Client.send

    def __enter__(self):
        outer = self

        def send(client, request, *args, **kwargs):
            outer.count += 1
            return outer._send(client, request, *args, **kwargs)

        httpx.Client.send = send
        return self

    def __exit__(self, *exc):
        httpx.Client.send = self._send


def measure(app, client, url: str, repeat: int, warmup: int) -> Figures:
    for _ in range(warmup):
        client.get(url)
    with _RegisterCalls() as calls, count_statements(engine(app)) as statements:
        response = client.get(url)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    started = time.process_time()
    for _ in range(repeat):
        client.get(url)
    cpu_ms = (time.process_time() - started) * 1000 / repeat
    return Figures(cpu_ms, len(statements), len(response.data) / 1024, response.status_code, calls.count, writes)


def engine(app):
    with app.app_context():
        return db.engine


def menu_pages(client, role: str) -> list[tuple[str, str]]:
    """(label, url) of every page the menu links to, then the role's extra pages; redirects followed once."""
    html = client.get("/").get_data(as_text=True)
    nav = NAV.search(html)
    urls = ["/"] + (links_in(nav.group(1), "/") if nav else [])
    urls += EXTRA_PAGES.get(role, [])
    pages, seen = [], set()
    for url in urls:
        response = client.get(url, follow_redirects=True)
        final = response.request.path + (f"?{response.request.query_string.decode()}"
                                         if response.request.query_string else "")
        if final in seen or response.mimetype != "text/html":
            continue
        seen.add(final)
        pages.append((url if url == final else f"{url} -> {final}", final))
    return pages


def bare_app_routes(app) -> None:
    app.add_url_rule("/_bench/bare", "bench_bare", lambda: "ok")


def run_size(app, clients, pages, repeat: int, warmup: int) -> dict:
    results = {}
    with app.test_client() as anonymous:
        results[("reference", "bare Flask route")] = measure(app, anonymous, "/_bench/bare", repeat, warmup)
        results[("reference", "/healthz")] = measure(app, anonymous, "/healthz", repeat, warmup)
    for role, _login in ROLES:
        for label, url in pages[role]:
            results[(role, label)] = measure(app, clients[role], url, repeat, warmup)
    return results


def mark(text: str, missed: bool) -> str:
    return f"{text}{'!' if missed else ' '}"


def print_table(demo: dict, grown: dict, staff_demo: int, staff_grown: int) -> int:
    missed = 0
    header = (f"{'role':<10} {'page':<44} {'CPU ms':>8} {'CPU ms':>8} {'SQL':>5} {'SQL':>5} {'HTML KB':>8}"
              f"\n{'':<10} {'':<44} {f'{staff_demo} st.':>8} {f'{staff_grown} st.':>8} {f'{staff_demo}':>5}"
              f" {f'{staff_grown}':>5} {f'{staff_grown} st.':>8}")
    print(header)
    print("-" * 96)
    for key, small in demo.items():
        role, label = key
        big = grown[key]
        reference = role == "reference"
        miss_cpu_small = not reference and small.cpu_ms > TARGET_MS_DEMO
        miss_cpu_big = not reference and big.cpu_ms > TARGET_MS_GROWN
        miss_sql_small = not reference and small.statements > TARGET_STATEMENTS
        miss_sql_big = not reference and (big.statements > TARGET_STATEMENTS or big.statements != small.statements)
        miss_kb = not reference and big.kb > TARGET_KB
        missed += sum((miss_cpu_small, miss_cpu_big, miss_sql_small, miss_sql_big, miss_kb))
        status = "" if small.status == big.status == 200 else f"  (status {small.status}/{big.status})"
        notes = []
        if small.register_calls or big.register_calls:
            notes.append(f"register calls {small.register_calls}/{big.register_calls}")
        if small.writes or big.writes:
            notes.append(f"writes {len(small.writes)}/{len(big.writes)}")
        print(f"{role:<10} {label[:44]:<44} {mark(f'{small.cpu_ms:7.1f}', miss_cpu_small):>8} "
              f"{mark(f'{big.cpu_ms:7.1f}', miss_cpu_big):>8} {mark(f'{small.statements:4d}', miss_sql_small):>5} "
              f"{mark(f'{big.statements:4d}', miss_sql_big):>5} {mark(f'{big.kb:7.1f}', miss_kb):>8}"
              + status + (f"  [{'; '.join(notes)}]" if notes else ""))
    return missed


@contextmanager
def database(url: str | None, folder: Path):
    """The SQLAlchemy URL of a fresh database: a SQLite file in ``folder``, or a new PostgreSQL database."""
    if not url:
        yield f"sqlite:///{folder / 'bench-pages.sqlite3'}"
        return
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    scratch = worker_database(url, f"bench_pages_{uuid.uuid4().hex[:10]}")
    try:
        yield scratch
    finally:
        drop_worker_database(scratch)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=250, help="staff of the bakery after growing (default 250)")
    parser.add_argument("--repeat", type=int, default=20, help="measured GETs per page (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="GETs per page before measuring (default 2)")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (postgresql://…/db): a fresh database is made there and dropped")
    args = parser.parse_args()
    print(f"load average at start: {loadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        folder = Path(tmp)
        with database(args.database_url, folder) as url, devprocess.started(
                store=folder / "dev-register.sqlite3", today=DEMO_TODAY, dev_token=REGISTER_DEV_TOKEN) as register:
            app = create_app(demo_settings(folder, SQLALCHEMY_DATABASE_URI=url, LEDGER_URL=register,
                                           LEDGER_TOKEN=""))
            app.instance_path = str(folder / "instance")
            Path(app.instance_path).mkdir(exist_ok=True)
            bare_app_routes(app)
            with app.app_context():
                babel.domain_instance.cache.clear()
                db.create_all()
                started = time.monotonic()
                result = app.test_cli_runner().invoke(args=["demo", "seed"])
                assert result.exit_code == 0, result.output
                print(f"demo seeded in {time.monotonic() - started:.0f} s ({db.engine.dialect.name})", flush=True)
                db.session.remove()
            clients = {role: signed_in_client(app, login) for role, login in ROLES}
            pages = {role: menu_pages(clients[role], role) for role, _login in ROLES}
            with app.app_context():
                staff_demo = _staff(app)
            demo = run_size(app, clients, pages, args.repeat, args.warmup)
            with app.app_context():
                started = time.monotonic()
                result = app.test_cli_runner().invoke(args=["demo", "grow", "--staff", str(args.staff)])
                assert result.exit_code == 0, result.output
                print(f"grown in {time.monotonic() - started:.0f} s: {result.output.strip()}", flush=True)
                staff_grown = _staff(app)
                db.session.remove()
            grown = run_size(app, clients, pages, args.repeat, args.warmup)
            print(f"\nper request, in-process, {args.repeat} GETs after {args.warmup} ({db_name(url)}); "
                  f"! = misses its target (CPU <= {TARGET_MS_DEMO:.0f}/{TARGET_MS_GROWN:.0f} ms, "
                  f"<= {TARGET_STATEMENTS} statements and the same at both sizes, HTML <= {TARGET_KB:.0f} KB)\n")
            missed = print_table(demo, grown, staff_demo, staff_grown)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    print(f"\n{missed} figure(s) miss their target. load average at end: {loadavg()}", flush=True)
    return 0


def db_name(url: str) -> str:
    return url.split(":", 1)[0]


def _staff(app) -> int:
    return staff_count(demo_employer("bakery"))


if __name__ == "__main__":
    sys.exit(main())
