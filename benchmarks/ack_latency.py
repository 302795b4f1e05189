"""Ack latency of `/complaint` and of a modal submission through the real HTTP server.

Runs msbot (`msbot serve`: gunicorn processes, waitress in each) on a fresh PostgreSQL database,
and in the same run a bare Bolt app whose listeners only ack, under the same server settings.
A local Slack Web API stand-in runs in its own process. 20 concurrent clients send 2,000
signed requests of each kind; prints p50 / p99 / max and checks the issue's targets.

It also checks what the ack does not show: that every modal opened within Slack's 3 s
trigger_id lifetime, and how long the DMs and triage cards took to go out. And because every
process shares the machine's cores, it prints the CPU each one spent per request, which is
what the closed-loop latency is made of.

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

from bot.complaints import catalog  # noqa: E402
from tests import databases, forms  # noqa: E402

SECRET = "45c48cce2e2d7fbdea1afc51c7c6ad26"  # made up, of the real shape
WORKERS, THREADS = "2", "8"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_stub(port_queue, requests, replies):
    """The Slack stand-in, in its own process; answers questions about the calls it saw."""
    from tests.slack_stub import SlackStub

    stub = SlackStub()
    port_queue.put(stub.url)
    while True:
        method = requests.get()
        # When each call arrived (monotonic clock: the same across processes on Linux).
        replies.put([(c.args.get("trigger_id"), c.at) for c in stub.of(method)])


def stub_calls(stub_queues, method: str) -> list[tuple[str | None, float]]:
    requests, replies = stub_queues
    requests.put(method)
    return replies.get(timeout=30)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (from /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [pid, *(p for c in children.stdout.split() for p in process_tree(int(c)))]


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


class CpuMeter:
    """CPU spent per request by the server, the Slack stand-in, PostgreSQL and this load
    generator, between start() and stop(n)."""

    def __init__(self, server_pid: int, stub_pid: int):
        self.groups = {
            "server": lambda: process_tree(server_pid),
            "slack stand-in": lambda: [stub_pid],
            "PostgreSQL": postgres_pids,
        }

    def _read(self) -> dict[str, float]:
        now = {name: cpu_seconds(pids()) for name, pids in self.groups.items()}
        now["load generator"] = time.process_time()
        return now

    def start(self) -> None:
        self.before = self._read()

    def stop(self, requests: int) -> dict[str, float]:
        after = self._read()
        return {k: (after[k] - self.before[k]) * 1000 / requests for k in after}


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
            "handlers.waitress_worker.WaitressWorker",
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


def command_body(i: int = 0) -> str:
    return urlencode(
        {
            "token": "t",
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": f"U{i % 500:04d}",
            "user_name": "u",
            "command": "/complaint",
            "text": "",
            "api_app_id": "A1",
            "response_url": "http://127.0.0.1:9/r",
            "trigger_id": f"trig-{uuid.uuid4().hex}",
        }
    )


AUTHORITIES = [
    ("Borsetshire County Council", "wider"),
    ("Department for Transport", "central"),
    ("Felpersham NHS Trust", "wider"),
    ("Home Office", "central"),
    ("Ambridge Parish Council", "wider"),
    ("Crown Commercial Service", "central"),
    ("Loxley Barrett College", "wider"),
    ("Ministry of Justice", "central"),
    ("Hollerton Borough Council", "wider"),
    ("Borchester Police", "wider"),
]
SUBJECTS = [
    "Community mental health support",
    "Youth services framework",
    "School meals",
    "Highways maintenance",
    "IT managed service",
    "Domiciliary care",
    "Legal services panel",
    "Office cleaning",
    "Translation services",
    "Fleet leasing",
]
WORDS = (
    "the tender gave nine days to respond over a bank holiday and the portal was down twice "
    "so we could not upload our bid and the clarification answers came late"
).split()


class Mix:
    """Complaint forms as a burst of real ones would vary: authorities and procurements
    (a few complaints share one), categories and stages, text lengths, some anonymous, some
    late payment. ``popular``: every complaint about the same procurement; ``own``: each
    about a procurement of its own (no related cases at all)."""

    def __init__(self, seed: int = 1, *, popular: bool = False, own: bool = False):
        self.seed, self.popular, self.own = seed, popular, own

    def form(self, i: int) -> dict:
        import random

        rnd = random.Random(self.seed * 1_000_003 + i)
        authority, kind = AUTHORITIES[0 if self.popular else rnd.randrange(len(AUTHORITIES))]
        # Realistic mix: about three complaints per procurement; popular: one for all.
        if self.popular:
            procurement = 0
        elif self.own:
            procurement = i * 1000 + self.seed
        else:
            procurement = rnd.randrange(max(1, i // 3 + 1)) * 7 + self.seed
        title = f"{SUBJECTS[procurement % len(SUBJECTS)]} {procurement}"
        late = not self.popular and rnd.random() < 0.15
        category = "late_payment" if late else rnd.choice(
            [v for v, _ in catalog.CATEGORIES if v != "late_payment"]
        )
        length = rnd.choice([8, 30, 120, 400])
        story = " ".join(rnd.choice(WORDS) for _ in range(length))[:2900]
        return forms.complaint(
            authority_name=forms.text(authority),
            authority_kind=forms.choice(kind),
            procurement_title=forms.text(title),
            procurement_reference=forms.text(f"REF-{procurement}" if procurement % 2 else ""),
            stage=forms.choice("payment" if late else rnd.choice(["tender", "evaluation", "award"])),
            category=forms.choice(category),
            procurement_date=forms.day(f"2026-{rnd.randrange(1, 11):02d}-{rnd.randrange(1, 28):02d}"),
            what_happened=forms.text(story),
            outcome_wanted=forms.text(" ".join(WORDS[: rnd.randrange(3, 20)])),
            organisation_name=forms.text(f"Supplier {i % 97} Ltd"),
            organisation_type=forms.choice(rnd.choice(["vcse", "sme", "social_enterprise"])),
            anonymous=forms.checked(rnd.random() < 0.2),
            invoice_amount=forms.text(f"{rnd.randrange(100, 90000)}.50" if late else ""),
            invoice_date=forms.day("2026-09-01" if late else None),
        )

    def submission_body(self, i: int) -> str:
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
                "state": {"values": self.form(i)},
            },
        }
        return urlencode({"payload": json.dumps(payload)})


def load(port: int, make_body, total: int, clients: int):
    """Send ``total`` signed requests from ``clients`` threads, each waiting for its answer
    before sending the next (a closed loop). Returns latencies, failures, and the time each
    /complaint trigger_id was sent."""
    verifier = SignatureVerifier(SECRET)
    bodies = [make_body(i) for i in range(total)]
    latencies: list[float] = []
    sent_at: dict[str, float] = {}
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
            if "trigger_id=trig-" in body:
                sent_at[body.split("trigger_id=", 1)[1].split("&", 1)[0]] = time.monotonic()
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
    return latencies, failures, sent_at


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
    stub_queues = (multiprocessing.Queue(), multiprocessing.Queue())
    stub = multiprocessing.Process(target=run_stub, args=(queue, *stub_queues), daemon=True)
    stub.start()
    stub_url = queue.get(timeout=10)

    results, cpu, after_ack = {}, {}, {}
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
            meter = CpuMeter(server.pid, stub.pid)
            try:
                load(port, lambda i: command_body(), 50, args.clients)  # warm-up
                if kind == "msbot":
                    wait_for_modals(stub_queues, 50)
                for name, make in (
                    ("/complaint", lambda i: command_body()),
                    ("submission", submission_body),
                ):
                    meter.start()
                    lat, failed, sent_at = load(port, make, args.requests, args.clients)
                    acked = time.monotonic()
                    if kind == "msbot" and name == "/complaint":
                        after_ack[name] = modal_delays(stub_queues, sent_at)
                    elif kind == "msbot":
                        after_ack[name] = wait_for_notifications(db_url) - acked
                    cpu[(kind, name)] = meter.stop(args.requests)
                    results[(kind, name)] = (pct(lat, 50), pct(lat, 99), max(lat) * 1000, failed)
            finally:
                server.send_signal(signal.SIGQUIT)  # gunicorn: quick shutdown
                server.wait(timeout=30)
    finally:
        stub.terminate()
        databases.drop_pg_database(db_name)
    return report(args, results, cpu, after_ack)


def wait_for_modals(stub_queues, count: int) -> list[tuple[str | None, float]]:
    deadline = time.monotonic() + 60
    while len(opened := stub_calls(stub_queues, "views.open")) < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return opened


def modal_delays(stub_queues, sent_at: dict[str, float]) -> tuple[int, float, int]:
    """(modals opened, worst delay in ms from sending /complaint to views.open reaching
    Slack, how many came after the trigger_id's 3 s lifetime)."""
    opened = dict(wait_for_modals(stub_queues, len(sent_at) + 50))
    delays = [opened[t] - sent for t, sent in sent_at.items() if t in opened]
    late = sum(d > 3 for d in delays)
    return len(delays), max(delays, default=float("nan")) * 1000, late


def wait_for_notifications(db_url: str) -> float:
    """When the outbox had sent everything (a DM and a triage card per new case)."""
    from sqlalchemy import func, select

    from bot.db import make_engine
    from models import OutboxMessage

    engine = make_engine(db_url)
    deadline = time.monotonic() + 300
    pending = select(func.count()).where(OutboxMessage.status != "sent")
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(pending.select_from(OutboxMessage)).scalar_one() == 0:
                    return time.monotonic()
            time.sleep(0.05)
        raise RuntimeError("notifications were still unsent after 5 minutes")
    finally:
        engine.dispose()


def report(args, results, cpu, after_ack) -> int:
    print(
        f"\nAck latency, {args.requests} requests per row from {args.clients} concurrent "
        f"clients, gunicorn+waitress {WORKERS}x{THREADS}, PostgreSQL\n"
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
        if name == "/complaint":
            opened, slowest, late = after_ack[name]
            checks.append(
                (
                    opened == args.requests and late == 0,
                    f"{opened}/{args.requests} modals opened, slowest {slowest:.0f} ms after "
                    f"the command, {late} past the 3 s trigger_id lifetime",
                )
            )
        for passed, text in checks:
            ok &= passed
            print(f"  {'PASS' if passed else 'MISS'}  {name}: {text}")
    print(
        f"\nAfter the submissions: every DM and triage card sent "
        f"{after_ack['submission']:.1f} s after the last ack."
    )
    print("\nCPU ms per request, by every process sharing the cores (after-ack work included)")
    parts = ["server", "slack stand-in", "PostgreSQL", "load generator"]
    print(f"{'request':<12}{'app':<8}" + "".join(f"{p:>16}" for p in parts) + f"{'total':>10}")
    for name in ("/complaint", "submission"):
        for kind in ("bare", "msbot"):
            row = cpu[(kind, name)]
            cells = "".join(f"{row[p]:>16.2f}" for p in parts)
            print(f"{name:<12}{kind:<8}{cells}{sum(row.values()):>10.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
