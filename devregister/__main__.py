"""``python -m devregister``: run the development register (see the package's docstring)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import date

from .app import serve
from .dev import DEFAULT_TOKEN
from .faults import Faults, FaultSpecError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devregister",
                                     description="The development register (../shared/ledger-api.md).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055, help="0 picks a free port (printed on start)")
    parser.add_argument("--store", "--db", dest="store", default=os.path.join("instance", "dev-register.sqlite3"),
                        help="its SQLite file [default: instance/dev-register.sqlite3]")
    parser.add_argument("--faults", default=os.environ.get("LEDGER_FAULTS", ""),
                        help="e.g. latency=0.05,rate_limit=0.1,unavailable=0.05,drop_after_commit=0.1,slow=0.05,"
                             "slow_seconds=15,seed=42 (default: LEDGER_FAULTS)")
    parser.add_argument("--seed", action=argparse.BooleanOptionalAction, default=True,
                        help="insert the demo data that is missing")
    parser.add_argument("--today", type=_day, default=None,
                        help="pin the register's clock (YYYY-MM-DD) for the open periods and the seed")
    parser.add_argument("--dev-token", default=os.environ.get("DEVREGISTER_DEV_TOKEN", DEFAULT_TOKEN),
                        help="bearer token of the /_dev/… endpoints; empty turns them off "
                             "(default: DEVREGISTER_DEV_TOKEN or demo-dev-token)")
    options = parser.parse_args(argv)
    try:
        faults = Faults.parse(options.faults)
    except FaultSpecError as error:
        parser.error(str(error))
    signal.signal(signal.SIGTERM, _interrupt)  # a clean stop: the store is closed, its WAL checkpointed
    serve(host=options.host, port=options.port, db_path=options.store, faults=faults, seed=options.seed,
          today=options.today, dev_token=options.dev_token or None)
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from error


if __name__ == "__main__":
    sys.exit(main())
