"""The Teams playground for the browser tests: required in CI, and where it listens.

Outside CI a missing playground skips the tests; with CI=true it fails them, so they cannot
pass by not running.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from handlers.local.teams_playground import INSTALL_HINT, installed


def require_playground() -> None:
    if installed():
        return
    problem = f"the Agents Playground is not installed: {INSTALL_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"The Teams browser tests need the playground in CI: {problem}")
    pytest.skip(problem)


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (Linux's /proc/net tables)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port or len(address) != width:
                continue
            found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # IPv6 is stored as four little-endian 32-bit words.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)
