"""Start the development register, the separate program ``devregister`` beside this package, as its own process.

The app never imports it: it runs ``python -m devregister`` (by module name, with the project folder on
``PYTHONPATH``) and talks to it over HTTP like to the national register.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
MODULE = "devregister"
_LISTENING = re.compile(r"listening on (http://\S+)")


class DevRegisterError(Exception):
    """The development register could not be started (its output says why)."""


def command(*, store: str | Path, port: int = 5055, host: str = "127.0.0.1", faults: str = "", seed: bool = True,
            today: date | None = None, dev_token: str | None = None) -> list[str]:
    """The command line of the development register."""
    argv = [sys.executable, "-m", MODULE, "--host", host, "--port", str(port), "--store", str(store),
            "--faults", faults, "--seed" if seed else "--no-seed"]
    if today is not None:
        argv += ["--today", today.isoformat()]
    if dev_token is not None:
        argv += ["--dev-token", dev_token]
    return argv


def environment() -> dict[str, str]:
    """This environment with the project folder first on PYTHONPATH, so ``-m devregister`` resolves anywhere."""
    paths = [str(PROJECT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def replace_this_process(argv: list[str]) -> None:
    """Become the development register (exec): signals, exit code and output are the register's own."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, argv, environment())  # noqa: S606 - our own interpreter and module, no shell


def answers(url: str, timeout: float = 2.0) -> bool:
    """Something answers ``GET /healthz`` at ``url`` with ``{"status": "ok"}``."""
    import httpx  # with rich and pygments: loaded when the register is called, not at the app's start

    try:
        response = httpx.get(url.rstrip("/") + "/healthz", timeout=timeout)
        return response.status_code == 200 and response.json() == {"status": "ok"}
    except (httpx.HTTPError, ValueError):
        return False


@contextmanager
def started(*, store: str | Path, today: date | None = None, dev_token: str | None = None) -> Iterator[str]:
    """A development register on a free loopback port for the duration of the block (no faults): its URL.
    Stopped on the way out, whatever happens in the block."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            command(store=store, port=0, today=today, dev_token=dev_token), env=environment(),
            stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            url = _url(process, errors)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()


def _url(process: subprocess.Popen, errors) -> str:
    output = []
    for line in process.stdout:
        output.append(line)
        match = _LISTENING.search(line)
        if match:
            return match.group(1)
    process.wait(timeout=10)
    errors.seek(0)
    raise DevRegisterError(f"the development register did not start: {''.join(output)}{errors.read()[-2000:]}")
