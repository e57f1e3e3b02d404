"""``python -m ila_sme.register.devserver``: the development register without loading the main app."""

from __future__ import annotations

import argparse
import os
import sys

from .app import serve
from .faults import Faults, FaultSpecError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ila_sme.register.devserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--db", default=os.path.join("instance", "dev-register.sqlite3"))
    parser.add_argument("--faults", default=os.environ.get("LEDGER_FAULTS", ""))
    parser.add_argument("--seed", action=argparse.BooleanOptionalAction, default=True)
    options = parser.parse_args(argv)
    try:
        faults = Faults.parse(options.faults)
    except FaultSpecError as error:
        parser.error(str(error))
    serve(host=options.host, port=options.port, db_path=options.db, faults=faults, seed=options.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
