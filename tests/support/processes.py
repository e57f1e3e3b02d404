"""A real child process (a scheduler, a server) whose output a test waits on: a thread reads the pipe as
lines come, so the child never blocks on a full pipe and the test never blocks on a read."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from pathlib import Path


class Process:
    """A child process whose output (stdout and stderr) is kept line by line as it comes."""

    def __init__(self, args: list[str], env: dict, *, cwd: Path, new_session: bool = False):
        self.popen = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, start_new_session=new_session)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def wait_for(self, pattern: re.Pattern, timeout: float = 60.0) -> re.Match:
        """The first match of ``pattern`` in the output; fails if the process ends or ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = pattern.search(self.output)
            if match:
                return match
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.popen.args[:3]} did not say {pattern.pattern!r}:\n{self.output[-3000:]}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not ended within 30 s; the reader ends with the pipe."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.reader.join(timeout=5)
