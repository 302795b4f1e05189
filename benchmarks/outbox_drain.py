"""Benchmark of draining the outbox on PostgreSQL against a Slack stand-in that rate-limits.

Run from the repository root (needs the PostgreSQL that the tests use, or MSBOT_TEST_PG):

    .venv/bin/python benchmarks/outbox_drain.py                        # 10,000 over 50 channels
    .venv/bin/python benchmarks/outbox_drain.py --messages 2000 --workers 1

It creates a throwaway database, queues N messages round-robin over C channels, and drains
them with W workers (separate engines, as separate processes would have) of S senders each,
against the local Web API stand-in (tests/slack_stub.py) answering 429 with ``Retry-After: 1``
on 10% of chat.postMessage calls. The real Web API client and its retry handlers are used.

Printed: throughput, duplicates (posts per outbox id beyond the first: target 0), messages not
delivered, order violations per channel, and the fastest per-channel pace (the shortest gap
between two successful posts to one channel, and the most posts to one channel within any
one-second window: target at most about one per second). At one post per second per channel,
10,000 messages over 50 channels cannot take less than 200 s.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from bisect import bisect_left
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot import outbox  # noqa: E402
from bot.db import make_engine  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from handlers.slack.app import make_client  # noqa: E402
from handlers.slack.transport import SlackTransport  # noqa: E402
from models import OutboxMessage  # noqa: E402
from tests import databases  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.slack_stub import SlackStub  # noqa: E402

KIND = "bench.note"


def queue_notes(engine, messages: int, channels: int, kind: str = KIND) -> None:
    """Queue ``messages`` plain messages round-robin over ``channels`` destinations: one
    person each (a DM channel of their own, D + the id)."""
    with engine.begin() as conn:
        conn.execute(
            insert(OutboxMessage),
            [
                {
                    "kind": kind,
                    "recipient_user_id": f"U{i % channels:04d}",
                    "data": {"text": f"message {i}"},
                    "status": "pending",
                    "attempts": 0,
                }
                for i in range(messages)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--senders", type=int, default=outbox.SENDERS)
    parser.add_argument("--rate-429", type=float, default=0.10)
    args = parser.parse_args()
    configure_logging("console", "WARNING")

    name, url = databases.create_pg_database()
    stub = SlackStub()
    try:
        databases.migrated_engine(url).dispose()
        engines = [make_engine(url) for _ in range(args.workers)]
        queue_notes(engines[0], args.messages, args.channels)
        stub.chaos(rate_429=args.rate_429, retry_after=1, seed=1)
        print(
            f"{args.messages} messages over {args.channels} channels, {args.workers} worker(s)"
            f" x {args.senders} senders, {args.rate_429:.0%} of posts answered 429"
        )
        started = time.monotonic()
        threads = [
            threading.Thread(target=_work, args=(engine, stub, url, args.senders))
            for engine in engines
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - started
        _report(stub, args, took, outbox.counts(engines[0]))
        for engine in engines:
            engine.dispose()
    finally:
        stub.close()
        databases.drop_pg_database(name)


def _work(engine, stub, url, senders) -> None:
    client = make_client(make_settings(url, stub.url))
    transport = SlackTransport(client, {KIND: lambda s, m: (m.data["text"], [])})
    while outbox.drain(engine, transport, senders=senders):
        pass


def _report(stub: SlackStub, args, took: float, counts: dict) -> None:
    posts = stub.posts()
    ids = Counter(c.args["metadata"]["event_payload"]["outbox_id"] for c in posts)
    duplicates = sum(n - 1 for n in ids.values())
    calls = stub.of("chat.postMessage")
    limited = sum(c.status == 429 for c in calls)
    out_of_order = 0
    min_gap, max_in_window = float("inf"), 0
    for channel, times in stub.post_times_by_channel().items():
        order = [c.args["metadata"]["event_payload"]["outbox_id"] for c in stub.posts(channel)]
        out_of_order += order != sorted(order)
        for i, t in enumerate(times):
            if i:
                min_gap = min(min_gap, t - times[i - 1])
            max_in_window = max(max_in_window, bisect_left(times, t + 1.0) - i)
    print(f"drained in {took:.1f} s: {len(posts) / took:.1f} posts/s")
    print(f"calls: {len(calls)} chat.postMessage, {limited} answered 429")
    print(f"delivered: {len(ids)} of {args.messages}; duplicates: {duplicates}")
    print(f"outbox rows: {counts}")
    print(f"channels out of order: {out_of_order}")
    print(
        f"fastest pace: shortest gap between posts to one channel {min_gap:.3f} s;"
        f" most posts to one channel in any 1 s window: {max_in_window}"
    )


if __name__ == "__main__":
    main()
