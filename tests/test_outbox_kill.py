"""kill -9 of a real `msbot outbox --send` mid-burst, at the worst moment (Slack has posted a
triage card, the process has not recorded it), then a restart on the same host: zero
duplicates, and the triage channel resumes at once instead of waiting out the dead claim."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import pytest
from sqlmodel import select

from bot import conversations, outbox
from bot.complaints import intake
from bot.permissions import Actor
from handlers.local.fake_slack import Call, SlackStub
from models import OutboxMessage, PostedMessage
from tests.conftest import SIGNING_SECRET, rows
from tests.forms import complaint_form
from tests.people_ids import pid
from tests.processes import msbot_env

TRIAGE = "CTRIAGEKILL"
KILL_AT = 3  # the triage card whose post is answered to a process already dead


class KillAfterPosting:
    """An observer of the fake Slack: SIGKILLs the sender the moment Slack has stored its
    ``KILL_AT``-th triage card, before the answer leaves (so it can never be recorded)."""

    def __init__(self):
        self.pid: int | None = None
        self.cards = 0
        self.killed_at: float | None = None

    def observe(self, call: Call, body: dict) -> dict:
        posted = call.method == "chat.postMessage" and body.get("ok")
        if posted and self.pid and call.values.get("channel") == TRIAGE:
            self.cards += 1
            if self.cards == KILL_AT:
                os.kill(self.pid, signal.SIGKILL)
                self.killed_at, self.pid = time.monotonic(), None
        return body


@pytest.fixture
def killer_stub():
    killer = KillAfterPosting()
    stub = SlackStub(observer=killer)
    yield stub, killer
    stub.close()


def _send(stub: SlackStub, backend, tmp_path) -> subprocess.Popen:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "TRIAGE_CHANNEL_ID": TRIAGE,
        "SLACK_API_URL": stub.url,
        "DATABASE_URL": backend[1],
        "LOG_FORMAT": "console",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "handlers", "outbox", "--send", "--senders", "4"],
        env=msbot_env(env),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_burst_killed_mid_way_resends_nothing_and_resumes_at_once(
    engine, session, killer_stub, tmp_path, backend
):
    stub, killer = killer_stub
    for n in range(8):  # 8 triage cards to one channel (one a second) and 8 DMs
        intake.submit(
            engine,
            complaint_form(authority_name=f"Authority {n}"),
            actor=Actor(pid(f"UK{n:03d}")),
            submission_key=f"VKILL9{n}",
            today=date(2026, 11, 20),
            policy=intake.IntakePolicy(),
        )
    ids = [m.id for m in rows(session, OutboxMessage)]
    first = _send(stub, backend, tmp_path)
    killer.pid = first.pid
    try:
        assert first.wait(60) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    in_doubt = [m for m in rows(session, OutboxMessage) if m.status == "pending" and m.claimed_by]
    session.expire_all()
    posted_before = Counter(_posted_ids(stub))
    # The situation: the killed card is on Slack, its row unrecorded and still claimed.
    doubtful_card = [m for m in in_doubt if m.recipient_role == outbox.TRIAGE_ROLE]
    assert len(doubtful_card) == 1 and posted_before[doubtful_card[0].id] == 1

    restarted_at = time.monotonic()
    second = _send(stub, backend, tmp_path)
    assert second.wait(120) == 0
    resumed = next(c.at for c in stub.posts(TRIAGE) if c.at > killer.killed_at)
    # The restarted process's first Slack call: when it was up (Python's start-up is seconds
    # on a loaded machine, and no part of the stall the outbox causes).
    up = next(c.at for c in list(stub.calls) if c.at > restarted_at)
    print(
        f"triage channel: next post {resumed - killer.killed_at:.2f} s after the kill,"
        f" {resumed - restarted_at:.2f} s after the restart, {resumed - up:.2f} s after"
        " the restarted process's first Slack call"
    )

    posted = Counter(_posted_ids(stub))
    assert posted == Counter(ids)  # every message exactly once: zero duplicates
    assert {m.status for m in rows(session, OutboxMessage)} == {"sent"}
    card = session.get(OutboxMessage, doubtful_card[0].id)
    (card_post,) = [c for c in stub.posts(TRIAGE) if _outbox_id(c) == card.id]
    (posted,) = session.exec(
        select(PostedMessage).where(PostedMessage.subject_id == card.subject_id)
    ).all()
    assert (posted.outbox_message_id, posted.about) == (card.id, conversations.CASE_CARD)
    assert (posted.conversation_id, posted.message_id) == (TRIAGE, card_post.response["ts"])
    # Resumed without waiting out the dead process's claim: the restart took it at once
    # (a claim it had to wait for would have left the drain with rows unsent, failing above).
    assert resumed - up < 5, resumed - up


def _outbox_id(call: Call) -> int:
    return call.values["metadata"]["event_payload"]["outbox_id"]


def _posted_ids(stub: SlackStub) -> list[int]:
    return [_outbox_id(c) for c in stub.posts()]
