"""Nothing resent after a crash (issue 13 item 7): a row whose sender died after posting it but
before recording it is looked up on Slack by its metadata and recorded, not posted again; a dead
sender of this host does not hold its channel until its claim lapses."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date, timedelta

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlmodel import select

from bot import bootstrap, conversations, outbox
from bot.complaints import intake
from bot.db import transaction
from bot.outbox_doubt import HOST_KEY, claimer
from bot.permissions import Actor
from handlers.slack.app import make_client, renderers
from handlers.slack.transport import Rendered, SlackTransport
from models import Complaint, OutboxMessage, PostedMessage
from models.base import utcnow
from tests.conftest import make_settings, rows
from tests.forms import complaint_form
from tests.people_ids import pid

NOTE, THREAD_NOTE = "test.note", "test.thread_note"
LATER = timedelta(seconds=outbox.CLAIM_SECONDS + 5)  # once a live claim has lapsed


class Crash(BaseException):
    """The process dying right after Slack answered a post (not caught like an error)."""


class CrashAfterPosting:
    """The dying process: posts through the real transport, then dies before recording."""

    def __init__(self, inner: SlackTransport):
        self.inner = inner
        self.after_sent, self.threaded_kinds = inner.after_sent, inner.threaded_kinds

    def render(self, session, msg):
        return self.inner.render(session, msg)

    def deliver(self, msg, rendered):
        self.inner.deliver(msg, rendered)
        raise Crash


TRIAGE, CASES = {"role": outbox.TRIAGE_ROLE}, {"role": outbox.LEADS_ROLE}


def _remember(session, row, sent) -> None:
    """Where each test message went, recorded as the outbox records it as sent (the way the
    core records a card or a relay): what the checks below compare with the post itself."""
    session.add(
        PostedMessage(
            platform=sent.platform,
            conversation_id=sent.conversation_id,
            message_id=sent.message_id,
            thread_id=sent.thread_id,
            about="test",
            subject_id=row.id,
            outbox_message_id=row.id,
        )
    )


# The test kinds' after-sent hooks, given to the transport beside the core's.
TEST_HOOKS = {NOTE: _remember, THREAD_NOTE: _remember}


def _transport(engine, stub) -> SlackTransport:
    client = make_client(make_settings(engine.url.render_as_string(False), stub.url))
    return SlackTransport(
        client,
        {
            **renderers(),
            NOTE: lambda s, m: (m.data["text"], []),
            THREAD_NOTE: lambda s, m: Rendered(m.data["text"], [], thread_ts=m.data["thread"]),
        },
        {outbox.TRIAGE_ROLE: "CTRIAGE1", outbox.LEADS_ROLE: "CCASES"},
        after_sent={**bootstrap.after_sent_hooks(), **TEST_HOOKS},
        threaded_kinds=bootstrap.threaded_kinds(),
    )


def _posted(engine, msg_id: int) -> tuple[str, str] | None:
    """(ts, channel) of the message recorded for this row, None if none was."""
    with transaction(engine) as s:
        found = s.exec(select(PostedMessage).where(PostedMessage.outbox_message_id == msg_id))
        posted = found.first()
        return (posted.message_id, posted.conversation_id) if posted else None


def _queue(engine, kind=NOTE, **to) -> int:
    with transaction(engine) as s:
        row = outbox.enqueue(s, kind, data={"text": "hello", **to.pop("data", {})}, **to)
        s.flush()
        return row.id


def _row(engine, msg_id: int) -> OutboxMessage:
    with transaction(engine) as s:
        return s.get(OutboxMessage, msg_id)


def _crash_while_sending(engine, stub, msg_id: int) -> None:
    with pytest.raises(Crash):
        outbox.drain(engine, CrashAfterPosting(_transport(engine, stub)), ids=[msg_id])


def _posts_of(stub, msg_id: int) -> list:
    return [c for c in stub.posts() if c.values["metadata"]["event_payload"]["outbox_id"] == msg_id]


def test_posted_rows_whose_sender_died_are_found_on_slack_not_posted_again(engine, stub, session):
    """A channel post, a DM (its channel opened with conversations.open) and a thread reply
    (only conversations.replies lists it), each posted and never recorded."""
    parent = _queue(engine, **CASES)
    assert outbox.drain(engine, _transport(engine, stub)) == 1
    parent_ts, _ = _posted(engine, parent)
    in_doubt = [
        _queue(engine, **TRIAGE),
        _queue(engine, person_id=pid("USUPPLIER1")),
        _queue(engine, THREAD_NOTE, **CASES, data={"thread": parent_ts}),
    ]
    for msg_id in in_doubt:
        _crash_while_sending(engine, stub, msg_id)
    for msg_id in in_doubt:
        assert len(_posts_of(stub, msg_id)) == 1  # the situation: out, but unrecorded
        held = _row(engine, msg_id)
        assert held.status == "pending" and held.claimed_by == claimer()

    assert outbox.drain(engine, _transport(engine, stub), now=utcnow() + LATER) == 3
    for msg_id in in_doubt:
        (post,) = _posts_of(stub, msg_id)  # still exactly one
        row = _row(engine, msg_id)
        assert row.status == "sent" and row.claimed_by is None
        assert _posted(engine, msg_id) == (post.response["ts"], post.values["channel"])
    looked = stub.of("conversations.history") + stub.of("conversations.replies")
    assert {c.args["channel"] for c in looked} == {"CTRIAGE1", "DUSUPPLIER1", "CCASES"}
    assert all(c.args["include_all_metadata"] == "1" for c in looked)
    assert stub.of("conversations.replies")[0].args["ts"] == parent_ts


def test_a_row_claimed_but_never_posted_is_looked_up_then_posted_once(engine, stub, session):
    msg_id = _queue(engine, **TRIAGE)
    with transaction(engine) as s:  # claimed by a sender that died before posting
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == msg_id)
            .values(claimed_until=utcnow(), claimed_by="elsewhere~1/1/x", first_claimed_at=utcnow())
        )
    assert outbox.drain(engine, _transport(engine, stub), now=utcnow() + LATER) == 1
    assert len(stub.of("conversations.history")) == 1
    assert len(_posts_of(stub, msg_id)) == 1


def test_a_found_triage_card_is_remembered_so_its_updates_and_thread_follow(engine, stub, session):
    intake.submit(
        engine,
        complaint_form(),
        actor=Actor(pid("UFILER1")),
        submission_key="VCARD1",
        today=date(2026, 11, 20),
        policy=intake.IntakePolicy(),
    )
    (card,) = [m for m in rows(session, OutboxMessage) if m.kind == intake.TRIAGE_CARD]
    _crash_while_sending(engine, stub, card.id)
    outbox.drain(engine, _transport(engine, stub), now=utcnow() + LATER)
    (post,) = _posts_of(stub, card.id)
    case = rows(session, Complaint)[0]
    with transaction(engine) as s:
        card = conversations.message_of(s, "slack", conversations.CASE_CARD, case.id)
        assert (card.conversation_id, card.message_id) == ("CTRIAGE1", post.response["ts"])


def test_a_dead_process_of_this_host_frees_its_claims_at_once(engine, stub, session):
    """Restarted after kill -9 on the same host: its rows are taken now, not in 10 s; a claim
    from another host, or from a live process here, is left until it lapses."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        holders = {  # by each row's person, whose DM channel is "D" + their id
            "UDEAD": f"{HOST_KEY}/{gone.pid}/oldboot",
            "UPIDREUSED": claimer().rsplit("/", 1)[0] + "/previousboot",  # our pid, not us
            "UREMOTE": f"otherhost~abc/{gone.pid}/boot",
            "ULIVE": f"{HOST_KEY}/{live.pid}/boot",
        }
        ids = {}
        for channel, holder in holders.items():
            ids[channel] = _queue(engine, person_id=pid(channel))
            with transaction(engine) as s:
                s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == ids[channel])
                    .values(
                        claimed_until=utcnow() + timedelta(seconds=outbox.CLAIM_SECONDS),
                        claimed_by=holder,
                        first_claimed_at=utcnow(),
                    )
                )
        assert outbox.drain(engine, _transport(engine, stub)) == 2
        sent = {c.values["channel"] for c in stub.posts()}
        assert sent == {"DUDEAD", "DUPIDREUSED"}
        assert outbox.drain(engine, _transport(engine, stub), now=utcnow() + LATER) == 2
        assert Counter(c.values["channel"] for c in stub.posts()) == Counter(
            "D" + user for user in holders
        )
    finally:
        live.kill()
        live.wait()


def test_a_history_lookup_that_fails_for_good_posts_again_and_says_so(engine, stub, session):
    """missing_scope (an install without the history scopes): waiting cannot help, and holding
    the row would hold its channel for ever, so it is posted again, with an error logged."""
    msg_id = _queue(engine, **TRIAGE)
    _crash_while_sending(engine, stub, msg_id)
    stub.fail("conversations.history", error="missing_scope")
    with structlog.testing.capture_logs() as logs:
        assert outbox.drain(engine, _transport(engine, stub), now=utcnow() + LATER) == 1
    assert len(_posts_of(stub, msg_id)) == 2  # the documented price: one possible duplicate
    (warned,) = [e for e in logs if e["event"] == "outbox.resend_unverified"]
    assert warned["log_level"] == "error" and "missing_scope" in warned["error"]
    assert _row(engine, msg_id).status == "sent"


def test_a_ratelimited_lookup_holds_the_row_then_finds_it(engine, stub, session):
    msg_id = _queue(engine, **TRIAGE)
    _crash_while_sending(engine, stub, msg_id)
    # The client retries a 429 twice itself; the third reaches the outbox.
    stub.fail(
        "conversations.history",
        times=3,
        status=429,
        error="ratelimited",
        headers={"Retry-After": "1"},
    )
    first = utcnow() + LATER
    assert outbox.drain(engine, _transport(engine, stub), now=first) == 0
    held = _row(engine, msg_id)
    assert held.status == "pending" and held.lookup_failures == 1 and held.claimed_by
    assert "ratelimited" in held.last_error
    assert len(_posts_of(stub, msg_id)) == 1  # nothing posted while it could not tell
    assert outbox.drain(engine, _transport(engine, stub), now=first + timedelta(seconds=2)) == 1
    held = _row(engine, msg_id)
    (post,) = _posts_of(stub, msg_id)
    assert held.status == "sent" and _posted(engine, msg_id)[0] == post.response["ts"]


def test_an_update_in_doubt_is_simply_made_again(engine, stub, session):
    """chat.update is idempotent: no look-up, the same update again."""
    parent = _queue(engine, **TRIAGE)
    outbox.drain(engine, _transport(engine, stub))
    ts, _ = _posted(engine, parent)
    transport = _transport(engine, stub)
    transport.renderers["test.edit"] = lambda s, m: Rendered("edited", [], update_ts=ts)
    edit = _queue(engine, "test.edit", **TRIAGE)
    with transaction(engine) as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == edit)
            .values(claimed_until=utcnow(), claimed_by="elsewhere~1/1/x", first_claimed_at=utcnow())
        )
    assert outbox.drain(engine, transport, now=utcnow() + LATER) == 1
    assert not stub.of("conversations.history")
    assert [c.values["ts"] for c in stub.of("chat.update")] == [ts]


def test_a_post_answered_500_is_in_doubt_and_looked_up_before_its_retry(engine, stub, session):
    """A 5xx (after the client's own retries) does not say the post did not happen."""
    msg_id = _queue(engine, **TRIAGE)
    stub.fail("chat.postMessage", times=3, status=500)
    assert outbox.drain(engine, _transport(engine, stub)) == 0
    held = _row(engine, msg_id)
    assert held.status == "pending" and held.claimed_by == claimer()
    assert outbox.drain(engine, _transport(engine, stub), now=utcnow() + timedelta(minutes=1)) == 1
    (history,) = stub.of("conversations.history")
    (post,) = _posts_of(stub, msg_id)
    assert history.at < post.at
    assert _row(engine, msg_id).claimed_by is None


class Fated:
    """A transport whose posts meet the given fates, in turn (then all go well)."""

    def __init__(self, inner: SlackTransport, fates):
        self.inner, self.fates = inner, iter(fates)
        self.after_sent, self.threaded_kinds = inner.after_sent, inner.threaded_kinds

    def render(self, session, msg):
        return self.inner.render(session, msg)

    def find_posted(self, msg, rendered, since):
        return self.inner.find_posted(msg, rendered, since)

    def deliver(self, msg, rendered):
        fate = next(self.fates, "ok")
        if fate == "dies_before_posting":
            raise Crash
        sent = self.inner.deliver(msg, rendered)
        if fate == "dies_after_posting":
            raise Crash
        if fate == "answer_lost":
            raise TimeoutError("read timed out")  # posted, but the sender cannot know
        return sent


@pytest.fixture(scope="module")
def dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


_examples = iter(range(10**6))
FATES = st.sampled_from(["ok", "dies_before_posting", "dies_after_posting", "answer_lost"])


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fates=st.lists(FATES, min_size=1, max_size=6), channels=st.integers(1, 3))
def test_any_pattern_of_crashes_posts_each_message_exactly_once(
    engine, stub, dead_pid, fates, channels
):
    """Property: whatever the senders die of, and when, each message is posted exactly once
    and recorded with its own post's ts (each crash restarted as a new process on this host)."""
    n = next(_examples)
    ids = [_queue(engine, person_id=pid(f"UP{n}X{i % channels}")) for i in range(4)]
    transport = Fated(_transport(engine, stub), fates)
    for _ in range(len(fates) + 4):
        try:
            outbox.drain(engine, transport, ids=ids, pace=0.0, retry_base=0.0)
        except Crash:  # the process is gone: its claims now belong to a dead pid of this host
            with transaction(engine) as s:
                s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == claimer())
                    .values(claimed_by=f"{HOST_KEY}/{dead_pid}/gone")
                )
        if all(_row(engine, i).status == "sent" for i in ids):
            break
    for msg_id in ids:
        (post,) = _posts_of(stub, msg_id)
        row = _row(engine, msg_id)
        assert row.status == "sent" and _posted(engine, msg_id)[0] == post.response["ts"]
