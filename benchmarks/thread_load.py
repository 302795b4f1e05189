"""Thread work under load: replies in case threads stored as notes, through the HTTP server.

Runs msbot (`msbot serve`, as benchmarks/ack_latency.py does) on a fresh PostgreSQL database
holding 500 cases whose triage cards are posted, and in the same run a bare Bolt app whose
message listener only acks. 20 concurrent senders deliver 5,000 thread replies spread over the
500 cases; 10% of them are delivered a second time as Slack retries (same event_id,
X-Slack-Retry-Num). Prints events/s, p50/p99 handling time and the server's CPU per event, and
checks that notes stored == distinct replies sent (none lost, none doubled) and p99 < 100 ms.

    .venv/bin/python benchmarks/thread_load.py [--replies 5000] [--cases 500] [--senders 20]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import signal
import sys
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack_latency import (  # noqa: E402
    THREADS,
    WORKERS,
    CpuMeter,
    closed_loop,
    free_port,
    pct,
    run_stub,
    server_env,
    start_server,
)
from tests import databases  # noqa: E402

TRIAGE = "CTRIAGE1"
RETRY_SHARE = 0.10
TARGET_P99_MS = 100.0


def seed_cases(db_url: str, count: int) -> list[str]:
    """``count`` cases with posted cards; returns their card ts (the thread of each)."""
    from sqlmodel import Session

    from bot.db import make_engine
    from models import Complaint, PostedMessage

    engine = make_engine(db_url)
    card_ts = [f"1700000000.{i:06d}" for i in range(count)]
    with Session(engine) as s:
        for i in range(count):
            s.add(
                Complaint(
                    reference=f"MS-2026-{i + 1:04d}",
                    year=2026,
                    seq=i + 1,
                    status="investigating",
                    reporter_id=None,  # no supplier needed to load threads
                    authority_name="Borsetshire County Council",
                    authority_kind="wider",
                    procurement_title=f"Procurement {i}",
                    stage="tender",
                    category="evaluation",
                    procurement_date=date(2026, 9, 1),
                    what_happened="Scored unfairly.",
                    outcome_wanted="A fair re-score.",
                    organisation_name="Ambridge Trust",
                    organisation_type="vcse",
                    received_on=date(2026, 10, 1),
                    due_date=date(2027, 1, 4),
                )
            )
        s.flush()
        for case_id, ts in enumerate(card_ts, start=1):
            s.add(
                PostedMessage(
                    platform="slack",
                    conversation_id=TRIAGE,
                    message_id=ts,
                    about="case_card",
                    subject_id=case_id,
                )
            )
        s.commit()
    engine.dispose()
    return card_ts


def deliveries(card_ts: list[str], replies: int, seed: int = 8) -> tuple[list[str], int]:
    """Event bodies to send: every reply once, and RETRY_SHARE of them again later (a Slack
    retry: same body, so same event_id). Returns (bodies, distinct replies)."""
    rng = random.Random(seed)
    firsts = []
    for i in range(replies):
        event = {
            "type": "message",
            "channel": TRIAGE,
            "channel_type": "channel",
            "user": f"UINV{i % 7}",
            "text": f"Note {i}: called the authority, they will reply by Friday.",
            "ts": f"1800000000.{i:06d}",
            "thread_ts": card_ts[i % len(card_ts)],
        }
        body = {
            "token": "t",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{uuid.uuid4().hex[:16].upper()}",
            "event_time": 1800000000,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            "event": event,
        }
        firsts.append(json.dumps(body))
    bodies = [(b, None) for b in firsts]
    for original in rng.sample(range(replies), int(replies * RETRY_SHARE)):
        # A retry arrives after the first delivery (Slack waits for it to time out).
        at = rng.randrange(original + 1, len(bodies) + 1)
        bodies.insert(at, (firsts[original], 1))
    return bodies, replies


def warm_up(count: int = 100) -> list:
    """Replies in a thread that is no case: they reach the database but store no note."""
    bodies, _ = deliveries(["1699999999.000001"], count, seed=1)
    return [(b.replace("Note ", "Warm-up "), r) for b, r in bodies if r is None]


def load(port: int, bodies: list, senders: int):
    """Closed loop: each sender waits for its answer before sending the next delivery.
    Returns the latencies, how many were not answered 200, and the wall time."""

    def request_for(i: int):
        body, retry = bodies[i]
        retried = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return body, "application/json", retried if retry else {}

    started = time.perf_counter()
    results = closed_loop(port, len(bodies), senders, request_for)
    failures = sum(status != 200 for _, status, _ in results)
    return [elapsed for elapsed, _, _ in results], failures, time.perf_counter() - started


def notes_stored(db_url: str) -> tuple[int, int]:
    """(notes, distinct source ts among them)."""
    from sqlalchemy import distinct, func, select

    from bot.db import make_engine
    from models import CaseNote

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(CaseNote)).scalar_one()
            unique = conn.execute(select(func.count(distinct(CaseNote.source_key)))).scalar_one()
        return total, unique
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--senders", type=int, default=20)
    args = parser.parse_args()

    reason = databases.pg_available()
    if reason:
        print(f"PostgreSQL is needed: {reason}")
        return 2
    db_name, db_url = databases.create_pg_database()
    databases.migrated_engine(db_url).dispose()
    card_ts = seed_cases(db_url, args.cases)
    bodies, distinct_replies = deliveries(card_ts, args.replies)
    queue = multiprocessing.Queue()
    stub_queues = (multiprocessing.Queue(), multiprocessing.Queue())
    stub = multiprocessing.Process(target=run_stub, args=(queue, *stub_queues), daemon=True)
    stub.start()
    stub_url = queue.get(timeout=10)

    results, cpu = {}, {}
    try:
        for kind in ("bare", "msbot"):
            port = free_port()
            env = server_env(db_url, stub_url, port, TRIAGE)
            # The repliers are the team: only investigators and leads may write case notes.
            env["INVESTIGATOR_IDS"] = ",".join(f"UINV{i}" for i in range(7))
            server = start_server(kind, port, env)
            meter = CpuMeter(server.pid, stub.pid)
            try:
                load(port, warm_up(), args.senders)  # connections, imports, pools
                meter.start()
                lat, failed, wall = load(port, bodies, args.senders)
                cpu[kind] = meter.stop(len(bodies))
                results[kind] = (len(bodies) / wall, pct(lat, 50), pct(lat, 99), failed)
            finally:
                server.send_signal(signal.SIGQUIT)
                server.wait(timeout=30)
        notes, unique = notes_stored(db_url)
    finally:
        stub.terminate()
        databases.drop_pg_database(db_name)
    return report(args, len(bodies), distinct_replies, results, cpu, notes, unique)


def report(args, deliveries_sent, distinct_replies, results, cpu, notes, unique) -> int:
    print(
        f"\nThread replies: {distinct_replies} replies over {args.cases} cases from "
        f"{args.senders} senders, {deliveries_sent - distinct_replies} of them delivered again "
        f"as retries ({deliveries_sent} deliveries); gunicorn gthread {WORKERS}x{THREADS}, "
        "PostgreSQL\n"
    )
    print(
        f"{'server':<8}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'server CPU ms/event':>22}"
    )
    for kind in ("bare", "msbot"):
        rate, p50, p99, failed = results[kind]
        print(
            f"{kind:<8}{rate:>10.0f}{p50:>9.1f}{p99:>9.1f}{failed:>8}{cpu[kind]['server']:>22.2f}"
        )
    p99 = results["msbot"][2]
    checks = [
        (p99 < TARGET_P99_MS, f"p99 {p99:.1f} ms < {TARGET_P99_MS:.0f} ms"),
        (results["msbot"][3] == 0, "no errors"),
        (
            notes == unique == distinct_replies,
            f"notes stored {notes} (distinct {unique}) == distinct replies sent {distinct_replies}",
        ),
    ]
    ok = True
    for passed, text in checks:
        ok &= passed
        print(f"  {'PASS' if passed else 'MISS'}  {text}")
    print("\nCPU ms per delivery, every process sharing the cores")
    parts = ["server", "slack stand-in", "PostgreSQL", "load generator"]
    print(f"{'server':<8}" + "".join(f"{p:>16}" for p in parts))
    for kind in ("bare", "msbot"):
        print(f"{kind:<8}" + "".join(f"{cpu[kind][p]:>16.2f}" for p in parts))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
