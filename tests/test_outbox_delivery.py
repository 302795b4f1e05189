"""The outbox against a Slack that rate-limits and fails: every message once, in order per
channel, about one post per second per channel, Retry-After honoured, dead rows kept."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import date, timedelta
from itertools import pairwise

from bot import bootstrap, outbox
from bot.complaints import intake
from bot.db import transaction
from bot.permissions import Actor
from handlers.slack.app import make_client, renderers
from handlers.slack.transport import SlackTransport, role_channels
from models import OutboxMessage
from models.base import utcnow
from tests.conftest import SIGNING_SECRET, make_settings, rows
from tests.forms import complaint_form
from tests.people_ids import pid
from tests.processes import msbot_env

NOTE = "test.note"


def _transport(engine, stub) -> SlackTransport:
    url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(url, stub.url)
    return SlackTransport(
        make_client(settings),
        {**renderers(), NOTE: lambda s, m: (m.data["text"], [])},
        role_channels(settings),
        after_sent=bootstrap.after_sent_hooks(),
        threaded_kinds=bootstrap.threaded_kinds(),
    )


def _queue(engine, channels: int, per_channel: int) -> list[int]:
    """Queue notes round-robin to ``channels`` people (each a DM channel of their own);
    returns their ids in order."""
    with transaction(engine) as s:
        queued = [
            outbox.enqueue(s, NOTE, person_id=pid(f"U{c:03d}"), data={"text": f"note {i} to {c}"})
            for i in range(per_channel)
            for c in range(channels)
        ]
        s.flush()
        return [m.id for m in queued]


def _posted_ids(stub, channel: str | None = None) -> list[int]:
    return [c.args["metadata"]["event_payload"]["outbox_id"] for c in stub.posts(channel)]


def _assert_in_order_per_channel(stub) -> None:
    for channel in stub.post_times_by_channel():
        ids = _posted_ids(stub, channel)
        assert ids == sorted(ids), f"{channel} out of order: {ids}"


def test_two_workers_at_30_percent_429_post_every_message_once(engine, stub, session):
    ids = _queue(engine, channels=12, per_channel=2)
    stub.chaos(rate_429=0.3, retry_after=1, seed=7)
    transport = _transport(engine, stub)
    # Claims far shorter than a rate-limited post (the client sleeps out Retry-After twice):
    # without the heartbeat they would lapse mid-post and the other worker would post again.
    sent = []

    def worker():
        sent.append(outbox.drain(engine, transport, senders=3, claim_seconds=0.8, retry_base=0.2))

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not any(w.is_alive() for w in workers)
    assert any(c.status == 429 for c in stub.of("chat.postMessage"))  # the situation happened
    assert Counter(_posted_ids(stub)) == Counter(ids)  # each exactly once
    assert sum(sent) == len(ids)
    assert {m.status for m in rows(session, OutboxMessage)} == {"sent"}
    _assert_in_order_per_channel(stub)


def test_429_and_500_deliver_once_in_order_paced_and_retry_after_honoured(engine, stub, session):
    ids = _queue(engine, channels=3, per_channel=4)
    stub.chaos(rate_429=0.25, rate_500=0.15, retry_after=1, seed=3)
    outbox.drain(engine, _transport(engine, stub), senders=3, retry_base=0.2)

    assert Counter(_posted_ids(stub)) == Counter(ids)
    _assert_in_order_per_channel(stub)
    for channel, times in stub.post_times_by_channel().items():
        gaps = [b - a for a, b in pairwise(times)]
        assert min(gaps) >= 0.95, f"{channel} posted faster than once a second: {gaps}"
    # After a 429, nothing more goes to that channel before Retry-After has passed.
    calls = stub.of("chat.postMessage")
    for i, call in enumerate(calls):
        if call.status == 429:
            later = [c for c in calls[i + 1 :] if c.args["channel"] == call.args["channel"]]
            if later:
                assert later[0].at - call.at >= 1.0
    assert any(c.status == 429 for c in calls) and any(c.status == 500 for c in calls)
    assert {m.status for m in rows(session, OutboxMessage)} == {"sent"}


def test_rate_limited_after_client_retries_holds_the_row_and_its_channel(engine, stub, session):
    first, second = _queue(engine, channels=1, per_channel=2)
    # The client retries a 429 twice itself; the third 429 reaches the outbox.
    stub.fail("chat.postMessage", times=3, status=429, headers={"Retry-After": "1"})
    transport = _transport(engine, stub)
    assert outbox.drain(engine, transport, limit=1) == 0
    held = {m.id: m for m in rows(session, OutboxMessage)}
    assert held[first].status == "pending" and "Retry-After" in held[first].last_error
    assert held[first].next_attempt_at >= utcnow() + timedelta(seconds=0.5)
    # The second message is due, but its channel is held behind the first.
    assert outbox.drain(engine, transport, now=utcnow()) == 0
    assert outbox.drain(engine, transport) == 2
    assert _posted_ids(stub) == [first, second]


def test_dead_messages_are_listed_without_tying_an_anonymous_filer_to_their_case(
    engine, stub, tmp_path, backend
):
    policy = intake.IntakePolicy()
    for user, anonymous in (("UANON1", True), ("UNAMED1", False)):
        intake.submit(
            engine,
            complaint_form(anonymous=anonymous),
            actor=Actor(pid(user)),
            submission_key=f"V{user}",
            today=date(2026, 11, 20),
            policy=policy,
        )
    stub.fail("chat.postMessage", times=2, error="channel_not_found", channel="DUANON1")
    stub.fail("chat.postMessage", times=2, error="channel_not_found", channel="DUNAMED1")
    outbox.drain(engine, _transport(engine, stub))
    dead = outbox.dead_messages(engine)
    assert len(dead) == 2
    env = {"DATABASE_URL": backend[1], "LOG_FORMAT": "console"}
    listing = subprocess.run(
        [sys.executable, "-m", "bot", "outbox"],
        env=msbot_env(env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listing.returncode == 0, listing.stderr
    out = listing.stdout
    assert "dead: 2" in out and "channel_not_found" in out
    assert "UANON1" not in out and "recipient withheld" in out
    assert "UNAMED1" in out


def test_a_worker_killed_mid_batch_repeats_nothing(engine, stub, session, tmp_path, backend):
    """kill -9 a real `msbot outbox --send` process while it posts, then drain again: the one
    in flight is looked up on Slack before being posted again (tests/test_outbox_kill.py
    kills at the worst moment on purpose)."""
    for n in range(8):  # a DM and a triage card each, 9 destinations
        # Different authorities, so no case is linked to another (no card refreshes).
        intake.submit(
            engine,
            complaint_form(authority_name=f"Authority {n}"),
            actor=Actor(pid(f"U{n:03d}")),
            submission_key=f"VKILL{n}",
            today=date(2026, 11, 20),
            policy=intake.IntakePolicy(),
        )
    ids = [m.id for m in rows(session, OutboxMessage)]
    stub.chaos(rate_429=0.3, retry_after=1, seed=11)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "TRIAGE_CHANNEL_ID": "CTRIAGE1",
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": backend[1],
        "LOG_FORMAT": "console",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "handlers", "outbox", "--send", "--senders", "1"],
        env=msbot_env(env),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Kill it the moment a post has been answered: the likeliest point for a resend.
        stub.wait_until(lambda calls: sum(c.ok for c in calls) >= 4, 30, "4 posts")
        proc.kill()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = Counter(_posted_ids(stub))
    assert sum(before.values()) < len(ids)  # killed mid-batch
    # A new worker, once the dead one's claim has lapsed.
    stub.chaos()
    outbox.drain(engine, _transport(engine, stub), now=utcnow() + timedelta(minutes=5))
    posted = Counter(_posted_ids(stub))
    assert set(posted) == set(ids)
    assert sum(posted.values()) == len(ids), posted  # zero duplicates
    assert {m.status for m in rows(session, OutboxMessage)} == {"sent"}
