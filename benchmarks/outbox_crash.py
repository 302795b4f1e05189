"""Benchmark of the outbox through repeated kill -9: duplicates and the stall after each kill.

Run from the repository root (needs the PostgreSQL that the tests use, or MSBOT_TEST_PG):

    .venv/bin/python benchmarks/outbox_crash.py                  # 600 over 6 channels, 5 kills
    .venv/bin/python benchmarks/outbox_crash.py --kills 10 --every 40

It queues N messages round-robin over C channels in a throwaway database and drains them with
a real process of 4 senders (the same drain as `msbot outbox --send --senders 4` and the worker
in `msbot serve`) against the fake Slack over HTTP. The fake kills that process with SIGKILL at
the worst moment, each ``--every`` posts: when it has stored a post and before its answer
leaves, so the post can never be recorded. A new process is started at once, K times; the last
one drains to the end.

Printed: duplicates (posts per outbox id beyond the first: target 0), messages not delivered,
and per kill the stall of the channel whose post was in doubt: from the kill, and from the
restarted process's first Slack call (Python's own start-up is not the outbox's doing), to that
channel's next post.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KIND = "bench.note"


def child(database_url: str, api_url: str) -> None:
    """The process that gets killed: drains with 4 senders until nothing is left."""
    from datetime import UTC

    from bot import outbox
    from bot.db import make_engine
    from bot.logs import configure_logging
    from handlers.slack.app import make_client
    from handlers.slack.transport import SlackTransport
    from models.base import utcnow
    from tests.conftest import make_settings

    configure_logging("console", "WARNING")
    engine = make_engine(database_url)
    client = make_client(make_settings(database_url, api_url))
    transport = SlackTransport(client, {KIND: lambda s, m: (m.data["text"], [])})
    # As the worker in `msbot serve` does: drain, then sleep until the next row comes due
    # (a retry, or a claim that lapses).
    while True:
        outbox.drain(engine, transport, senders=4)
        if not outbox.counts(engine).get("pending"):
            return
        due = outbox.next_due(engine)
        wait = (due.replace(tzinfo=UTC) - utcnow()).total_seconds() if due else 1.0
        time.sleep(min(1.0, max(0.05, wait)))


class Killer:
    """Fake Slack observer: SIGKILLs the sender after every ``every`` stored posts."""

    def __init__(self, every: int):
        self.every, self.pid, self.count = every, None, 0
        self.kills: list[tuple[float, str]] = []  # (when, channel of the post in doubt)

    def observe(self, call, body: dict) -> dict:
        if call.method == "chat.postMessage" and body.get("ok") and self.pid:
            self.count += 1
            if self.count % self.every == 0:
                os.kill(self.pid, signal.SIGKILL)
                self.kills.append((time.monotonic(), call.values.get("channel")))
                self.pid = None
        return body


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--every", type=int, default=80)
    parser.add_argument(
        "--other-host",
        action="store_true",
        help="restart as if on another host: the dead claims are not recognised, only lapse",
    )
    args = parser.parse_args()

    from sqlalchemy import update

    from benchmarks.outbox_drain import queue_notes
    from bot import outbox
    from handlers.local.fake_slack import SlackStub
    from models import OutboxMessage
    from tests import databases

    name, url = databases.create_pg_database()
    killer = Killer(args.every)
    stub = SlackStub(observer=killer)
    try:
        engine = databases.migrated_engine(url)
        queue_notes(engine, args.messages, args.channels, kind=KIND)
        print(
            f"{args.messages} messages over {args.channels} channels; the sender (4 senders) "
            f"killed with SIGKILL after every {args.every} posts, {args.kills} times"
            + (", restarted as if on another host" if args.other_host else "")
        )
        started, restarts = time.monotonic(), []
        for round_ in range(args.kills + 1):
            restarts.append(time.monotonic())
            proc = subprocess.Popen(
                [sys.executable, __file__, "--child", url, stub.url],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            killer.pid = proc.pid if round_ < args.kills else None
            proc.wait()
            if args.other_host:  # the dead process's claims now look like another host's
                with engine.begin() as conn:
                    conn.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.claimed_until.is_not(None))
                        .values(claimed_by="another-host~0/1/boot")
                    )
        took = time.monotonic() - started
        _report(stub, killer, restarts, args, took, outbox.counts(engine))
        engine.dispose()
    finally:
        stub.close()
        databases.drop_pg_database(name)


def _report(stub, killer: Killer, restarts: list[float], args, took: float, counts) -> None:
    posts = stub.posts()
    ids = Counter(c.values["metadata"]["event_payload"]["outbox_id"] for c in posts)
    print(f"finished in {took:.1f} s; outbox rows: {counts}")
    print(
        f"delivered {len(ids)} of {args.messages}; duplicates: {sum(n - 1 for n in ids.values())}"
    )
    calls = list(stub.calls)
    for n, (killed_at, channel) in enumerate(killer.kills, 1):
        restarted = restarts[n]
        up = next((c.at for c in calls if c.at > restarted), None)
        nxt = next((c.at for c in stub.posts(channel) if c.at > killed_at), None)
        if nxt is None or up is None:
            print(f"kill {n}: {channel} never posted to again")
            continue
        print(
            f"kill {n}: {channel} next post {nxt - killed_at:.2f} s after the kill,"
            f" {nxt - up:.2f} s after the restarted process's first Slack call"
        )
    lookups = stub.of("conversations.history")
    print(f"history look-ups: {len(lookups)}")


if __name__ == "__main__":
    main()
