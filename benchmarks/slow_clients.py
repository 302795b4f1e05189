"""/healthz and a signed Slack request while 40 unauthenticated clients stall mid-body.

Starts `msbot serve` (SQLite, default WEB_CONCURRENCY/WEB_THREADS), measures /healthz latency
idle, then opens 40 connections that each send headers announcing a 2 KB body and half of it,
then nothing. Measures /healthz and a signed `/complaint status` again while they hang, and how
long the server takes to close the stalled connections.

    .venv/bin/python benchmarks/slow_clients.py [--slow 40] [--probes 50]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slack_client import FakeSlack  # noqa: E402
from tests.slack_stub import SlackStub  # noqa: E402

SECRET = "45c48cce2e2d7fbdea1afc51c7c6ad26"  # made up, of the real shape


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_get(port: int, timeout: float = 3.0) -> float | None:
    """Seconds for GET /healthz, or None if it did not answer within ``timeout``."""
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
    except OSError:
        return None
    return time.perf_counter() - start if ok else None


def stall(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2048\r\n\r\n"
        + b"a"
        * 1024
    )
    return sock


def wait_closed(socks: list[socket.socket], budget: float) -> tuple[int, float]:
    """How many of ``socks`` the server closed within ``budget`` seconds, and when the last
    one went."""
    start = time.perf_counter()
    closed = 0
    for sock in socks:
        try:
            while True:
                sock.settimeout(max(0.01, budget - (time.perf_counter() - start)))
                if sock.recv(4096) == b"":
                    closed += 1
                    break
        except OSError:
            pass  # still open when the budget ran out
        sock.close()
    return closed, time.perf_counter() - start


def summary(samples: list[float | None]) -> str:
    done = sorted(s * 1000 for s in samples if s is not None)
    lost = len(samples) - len(done)
    if not done:
        return f"no answer at all ({lost} timed out)"
    p95 = done[min(len(done) - 1, int(len(done) * 0.95))]
    return (
        f"p50 {statistics.median(done):.1f} ms, p95 {p95:.1f} ms, max {done[-1]:.1f} ms, "
        f"{lost} timed out"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=40)
    parser.add_argument("--probes", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    port = free_port()
    stub = SlackStub()  # Bolt asks the Web API (auth.test) before its first listener
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "TRIAGE_CHANNEL_ID": "CTRIAGE1",
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": f"sqlite:///{work}/msbot.db",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=work, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "handlers", "serve"], env=env, cwd=work, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while timed_get(port, 1) is None:
            assert time.monotonic() < deadline and server.poll() is None, "server did not start"
            time.sleep(0.1)
        slack = FakeSlack(f"http://127.0.0.1:{port}", SECRET)
        idle = [timed_get(port) for _ in range(args.probes)]
        stalled = [stall(port) for _ in range(args.slow)]
        time.sleep(0.5)  # let the server pick them all up before probing
        busy = [timed_get(port) for _ in range(args.probes)]
        start = time.perf_counter()
        signed = slack.command("/complaint", "status")
        signed_ms = (time.perf_counter() - start) * 1000
        closed, close_s = wait_closed(stalled, budget=60.0)
    finally:
        server.terminate()
        server.wait(timeout=30)
        stub.close()
    print(f"/healthz idle:                       {summary(idle)}")
    print(f"/healthz with {args.slow} stalled clients:     {summary(busy)}")
    print(f"signed /complaint status meanwhile:  HTTP {signed.status} in {signed_ms:.0f} ms")
    print(f"stalled connections closed by the server: {closed}/{args.slow} after {close_s:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
