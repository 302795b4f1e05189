"""Microsoft's Teams client emulator (the M365 Agents Playground), started beside the Teams
front end for ``msbot local --teams`` and the browser tests.

It is installed from npm into tools/teams-playground/ (``npm ci`` there; `.ci/run` does it). It
listens on all interfaces and has no option against it, so it runs with
tools/teams-playground/loopback.cjs preloaded, which binds every listener to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import re
import signal
import socket
import subprocess
import threading
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[2] / "tools" / "teams-playground"
EXECUTABLE = FOLDER / "node_modules" / ".bin" / "agentsplayground"
PRELOAD = FOLDER / "loopback.cjs"
PAGE_PORT = 56150
INSTALL_HINT = "(cd tools/teams-playground && npm ci)"


def installed() -> bool:
    return EXECUTABLE.exists()


def free_port(preferred: int = PAGE_PORT) -> int:
    """``preferred`` if nothing on this machine listens there, else any free loopback port.

    Chosen here rather than by the playground: its own "fall back to a random port" check
    missed a second playground on the same port (both said "Listening on 56150")."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port for the playground")


def _die_with_parent() -> None:
    """In the child before exec (Linux): stop when msbot does, even if msbot is killed, so a
    killed test run leaves no playground holding its port."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Playground:
    """One playground process pointed at a bot's /api/messages; ``url`` is its page."""

    def __init__(
        self, bot_messages_url: str, workdir: Path, timeout: float = 30.0, port: int | None = None
    ):
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",
            "NODE_OPTIONS": f"--require {PRELOAD}",
        }
        command = [
            str(EXECUTABLE),
            "-e",
            bot_messages_url,
            "-c",
            "msteams",
            "-p",
            str(port or free_port()),
            "--disable-telemetry",
        ]
        # Its working directory collects the playground's own log folder (devTools/).
        self.process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_die_with_parent,
        )
        self.output: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(lines,), daemon=True).start()
        self.port = self._wait_listening(lines, timeout)
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self, lines: queue.Queue) -> None:
        for line in self.process.stdout:
            self.output.append(line.rstrip())
            lines.put(line)
        lines.put(None)

    def _wait_listening(self, lines: queue.Queue, timeout: float) -> int:
        # Port 56150 unless taken (another run of these tests): then it says which one it got.
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                break
            if line is None:
                break
            found = re.search(r"Listening on (\d+)", line)
            if found:
                return int(found.group(1))
        self.close()
        raise RuntimeError("the playground did not start:\n" + "\n".join(self.output))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
