"""Ack latency of `/complaint` and of a modal submission through the real HTTP server.

Runs msbot (`msbot serve`: gunicorn, threaded workers) on a fresh PostgreSQL database, and in
the same run a bare Bolt app whose listeners only ack, under the same gunicorn settings.
A local Slack Web API stand-in runs in its own process. 20 concurrent clients send 2,000
signed requests of each kind; prints p50 / p99 / max and checks the issue's targets.

    .venv/bin/python benchmarks/ack_latency.py [--requests 2000] [--clients 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from tests import databases, forms  # noqa: E402

SECRET = "bench-secret"
WORKERS, THREADS = "2", "8"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_stub(port_queue):
    from tests.slack_stub import SlackStub

    stub = SlackStub()
    port_queue.put(stub.url)
    threading.Event().wait()


def wait_listening(port: int, proc: subprocess.Popen, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def start_server(kind: str, port: int, env: dict) -> subprocess.Popen:
    if kind == "msbot":
        cmd = [sys.executable, "-m", "bot", "serve"]
    else:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "benchmarks.bare_app:app",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "gthread",
            "-w",
            WORKERS,
            "--threads",
            THREADS,
            "--log-level",
            "warning",
        ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wait_listening(port, proc)
    return proc


def command_body() -> str:
    return urlencode(
        {
            "token": "t",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "U100",
            "user_name": "u",
            "command": "/complaint",
            "text": "",
            "api_app_id": "A1",
            "response_url": "http://127.0.0.1:9/r",
            "trigger_id": f"trig-{uuid.uuid4().hex}",
        }
    )


def submission_body(i: int) -> str:
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "user": {"id": f"U{i % 500:04d}", "team_id": "T1"},
        "trigger_id": f"t{uuid.uuid4().hex}",
        "view": {
            "id": f"V{uuid.uuid4().hex}",
            "type": "modal",
            "callback_id": "complaint_form",
            "private_metadata": "",
            "hash": "h",
            "state": {"values": forms.complaint()},
        },
    }
    return urlencode({"payload": json.dumps(payload)})


def load(port: int, make_body, total: int, clients: int) -> tuple[list[float], int]:
    verifier = SignatureVerifier(SECRET)
    bodies = [make_body(i) for i in range(total)]
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def client():
        nonlocal failures
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            body = bodies[i]
            ts = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": verifier.generate_signature(timestamp=ts, body=body),
            }
            start = time.perf_counter()
            try:
                conn.request("POST", "/slack/events", body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                failures += not ok
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, failures


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(p * 10) - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()

    reason = databases.pg_available()
    if reason:
        print(f"PostgreSQL is needed: {reason}")
        return 2
    db_name, db_url = databases.create_pg_database()
    databases.migrated_engine(db_url).dispose()
    queue = multiprocessing.Queue()
    stub = multiprocessing.Process(target=run_stub, args=(queue,), daemon=True)
    stub.start()
    stub_url = queue.get(timeout=10)

    results = {}
    try:
        for kind in ("bare", "msbot"):
            port = free_port()
            env = {
                **os.environ,
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "TRIAGE_CHANNEL_ID": "CTRIAGE1",
                "SLACK_API_URL": stub_url,
                "DATABASE_URL": db_url,
                "PORT": str(port),
                "WEB_CONCURRENCY": WORKERS,
                "WEB_THREADS": THREADS,
                "LOG_LEVEL": "WARNING",
            }
            server = start_server(kind, port, env)
            try:
                load(port, lambda i: command_body(), 50, args.clients)  # warm-up
                for name, make in (
                    ("/complaint", lambda i: command_body()),
                    ("submission", submission_body),
                ):
                    lat, failed = load(port, make, args.requests, args.clients)
                    results[(kind, name)] = (pct(lat, 50), pct(lat, 99), max(lat) * 1000, failed)
            finally:
                server.send_signal(signal.SIGQUIT)  # gunicorn: quick shutdown
                server.wait(timeout=30)
    finally:
        stub.terminate()
        databases.drop_pg_database(db_name)

    print(
        f"\nAck latency, {args.requests} requests per row from {args.clients} concurrent "
        f"clients, gunicorn gthread {WORKERS}x{THREADS}, PostgreSQL\n"
    )
    print(f"{'request':<12}{'server':<8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    ok = True
    for name in ("/complaint", "submission"):
        for kind in ("bare", "msbot"):
            p50, p99, worst, failed = results[(kind, name)]
            print(f"{name:<12}{kind:<8}{p50:>9.1f}{p99:>9.1f}{worst:>9.1f}{failed:>8}")
        p99, bare99 = results[("msbot", name)][1], results[("bare", name)][1]
        worst = results[("msbot", name)][2]
        checks = [
            (p99 < 250, f"p99 {p99:.1f} ms < 250 ms"),
            (p99 <= 2 * bare99, f"p99 {p99:.1f} ms <= 2 x bare p99 ({2 * bare99:.1f} ms)"),
            (worst < 3000, f"max {worst:.1f} ms < 3000 ms"),
            (results[("msbot", name)][3] == 0, "no errors"),
        ]
        for passed, text in checks:
            ok &= passed
            print(f"  {'PASS' if passed else 'MISS'}  {name}: {text}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
