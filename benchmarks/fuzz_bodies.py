"""Throws 2,000+ generated request bodies, signed and unsigned, at a real `msbot serve`, then
1,000 signed Events API bodies (thread replies in channels and DMs, edits, deletions, mentions,
App Home, bot messages, odd subtypes; as Slack sends them and with fields of any shape).

Runs the server on PostgreSQL (SQLite with --sqlite) with a local Slack Web API stand-in, and
prints for each phase how many answers were 5xx (target 0) and the statuses seen, and how many
tracebacks the server logged (target 0: unsigned garbage must not flood the log). The bodies
are the same generators the suite's property tests use (tests/edge_bodies.py), here with
integers of any size in command text (`/shadow places 99999999999999999999 2`).

    .venv/bin/python benchmarks/fuzz_bodies.py [--bodies 2200] [--events 1000] [--sqlite]
"""

from __future__ import annotations

import argparse
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests import databases  # noqa: E402
from tests.edge_bodies import cases, event_callbacks, send, signed  # noqa: E402
from tests.slack_stub import SlackStub  # noqa: E402

SECRET = "45c48cce2e2d7fbdea1afc51c7c6ad26"  # made up, of the real shape
# Half the numbers in command text beyond a database integer: `/shadow places 99999999999999999999`.
INTS = st.integers(-(2**31), 2**31) | st.sampled_from([2**31, 2**63, 10**20, -(10**20)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, "msbot serve exited"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "msbot serve never answered /healthz"
            time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=2200)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the logged tracebacks")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    pg_name = None
    if args.sqlite or databases.pg_available():
        db_url = f"sqlite:///{work}/msbot.db"
        databases.migrated_engine(db_url).dispose()
    else:
        pg_name, db_url = databases.create_pg_database()
        databases.migrated_engine(db_url).dispose()
    stub = SlackStub()
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "TRIAGE_CHANNEL_ID": "CTRIAGE1",
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "LOG_FORMAT": "json",
    }
    log_path = work / "serve.log"
    statuses: collections.Counter[int] = collections.Counter()
    event_statuses: collections.Counter[int] = collections.Counter()
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "handlers", "serve"], env=env, cwd=work, stdout=log, stderr=log
        )
    try:
        wait_healthy(port, server)

        @settings(
            max_examples=args.bodies,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=cases(SECRET, ints=INTS))
        def throw(case):
            statuses[send(f"http://127.0.0.1:{port}", *case)] += 1

        @settings(
            max_examples=args.events,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(body=event_callbacks())
        def throw_events(body):
            event_statuses[send(f"http://127.0.0.1:{port}", *signed(body, SECRET))] += 1

        start = time.monotonic()
        throw()
        took = time.monotonic() - start
        start = time.monotonic()
        throw_events()
        events_took = time.monotonic() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
        stub.close()
        if pg_name:
            databases.drop_pg_database(pg_name)
    lines = log_path.read_text(errors="replace").splitlines()
    tracebacks = sum('"exception"' in line or "Traceback" in line for line in lines)
    sent = sum(statuses.values())
    print(f"database: {'SQLite' if pg_name is None else 'PostgreSQL'}")
    print(f"bodies sent: {sent} in {took:.0f} s")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"5xx answers: {sum(n for s, n in statuses.items() if s >= 500)} (target 0)")
    print(f"signed Events API bodies sent: {sum(event_statuses.values())} in {events_took:.0f} s")
    print(f"statuses: {dict(sorted(event_statuses.items()))}")
    print(f"5xx answers: {sum(n for s, n in event_statuses.items() if s >= 500)} (target 0)")
    print(f"tracebacks in the server log: {tracebacks} (target 0)")
    if tracebacks and args.show:
        for line in lines:
            if '"exception"' in line or "Traceback" in line:
                print(line[:300], "...", line[-300:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
