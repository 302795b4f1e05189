"""Every message Teams is told was received is done, or its author told: over real HTTP against
the fake Bot Connector, on both databases. A reply in a case thread (a note), a mention
command and a supplier's 1:1 reply are recorded before the 200 and run after it; with the
database down the author hears at once, privately, that nothing was saved (and nothing is);
a process that dies between the record and the run leaves it to the sweeper, which stores
it once; a redelivered activity and a burst of replies are each stored exactly once."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot import pending
from handlers import durable
from handlers.teams import durable_messages
from models import CaseNote, PendingCommand
from models.base import utcnow
from tests.teams_app import TENANT, TRIAGE
from tests.teams_case_support import (
    INV,
    SUPPLIER,
    card_id,
    file_case,
    say_in_thread,
    team_bot,
    wait_until,
)

# Later than any grace or lease a recorded message can be waiting out.
LATER = pending.LEASE + durable.SWEEP_GRACE + timedelta(seconds=5)
PAST_GRACE = durable.SWEEP_GRACE + timedelta(seconds=1)


class Outage:
    """The database down for everyone on this engine while ``down`` is set: every statement
    fails as a lost connection does (both backends, no proxy needed)."""

    def __init__(self, engine):
        self.engine = engine
        self.down = threading.Event()
        # Set: statements about recorded commands still pass (the outage begins just after
        # the runner has claimed its command).
        self.after_the_claim = False
        event.listen(engine, "before_cursor_execute", self._refuse)

    def _refuse(self, conn, cursor, statement, *args):
        spared = self.after_the_claim and (
            "pending_command" in statement or statement.startswith(("BEGIN", "SET LOCAL"))
        )
        if self.down.is_set() and not spared:
            raise OperationalError(statement, None, ConnectionError("database unreachable"))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)


@pytest.fixture
def outage(engine):
    found = Outage(engine)
    yield found
    found.close()


@pytest.fixture
def bot(engine):
    running = team_bot(engine)
    # Sweeps are run by the tests themselves here, with a clock past the grace.
    running.services._sweeper.stop()
    yield running
    running.close()


@pytest.fixture
def case_thread(bot, engine):
    case = file_case(bot, engine)
    return case, card_id(bot, engine, case)


def notes(engine, case_id: int) -> list[CaseNote]:
    with Session(engine) as s:
        return s.exec(select(CaseNote).where(CaseNote.complaint_id == case_id)).all()


def recorded(engine) -> list[PendingCommand]:
    with Session(engine) as s:
        return s.exec(select(PendingCommand).where(PendingCommand.kind == "teams.message")).all()


def told(bot, chat: str, words: str, count: int = 1) -> list[str]:
    found = wait_until(
        lambda: [c for c in bot.connector.sent(chat) if words in c.body.get("text", "")],
        f"{words!r} in the 1:1 chat",
    )
    texts = [c.body["text"] for c in found]
    assert len(texts) == count, texts
    return texts


def test_a_note_with_the_database_down_is_told_unsaved_and_stays_unsaved(
    bot, engine, case_thread, outage
):
    case, root = case_thread
    chat = bot.install(INV)
    outage.down.set()
    try:
        say_in_thread(bot, root, INV, "Council says 5 days.")
        [text] = told(bot, chat, "nothing was saved")
    finally:
        outage.down.clear()
    assert "your reply in a case's thread" in text and "send it again" in text
    assert durable.sweep(bot.services, utcnow() + LATER) == 0
    assert notes(engine, case.id) == [] and recorded(engine) == []
    assert "nothing was saved" not in str([c.body for c in bot.connector.sent(TRIAGE)])


@pytest.mark.parametrize("where", ["mention", "supplier"])
def test_a_command_or_a_supplier_reply_with_the_database_down_is_told(
    bot, engine, case_thread, outage, where
):
    user = INV if where == "mention" else SUPPLIER
    chat = bot.install(user)
    _, root = case_thread
    outage.down.set()
    try:
        if where == "mention":
            say_in_thread(bot, root, INV, "assign me", mention=True)
        else:
            assert bot.say("Lot 2, the youth services one.", user=user).status_code == 200
        [text] = told(bot, chat, "nothing was saved")
    finally:
        outage.down.clear()
    assert ("your command" if where == "mention" else "your reply to the team") in text
    assert recorded(engine) == []


def test_a_reply_with_a_very_long_activity_id_is_one_note(bot, engine, case_thread):
    """Teams' ids are opaque: one longer than the key's column is still one key per reply."""
    case, root = case_thread
    reply_id = "1" * 500
    for _ in range(2):
        say_in_thread(bot, root, INV, "Council says 5 days.", id=reply_id)
    wait_until(lambda: notes(engine, case.id), "the note")
    settle(bot, engine)
    assert len(notes(engine, case.id)) == 1 and len(recorded(engine)) == 1


def test_a_crash_between_the_record_and_the_run_is_resumed_by_the_sweeper_once(
    bot, engine, case_thread
):
    case, root = case_thread
    # The process "dies" after the 200: the work it would have run after the ack never runs.
    bot.services.after_ack = lambda *args: None
    say_in_thread(bot, root, INV, "Council says 5 days.")
    [row] = recorded(engine)
    assert row.status == "pending" and notes(engine, case.id) == []
    # Within the grace the sweeper leaves it to the process that acked it.
    assert durable.sweep(bot.services) == 0
    assert durable.sweep(bot.services, utcnow() + LATER) == 1
    [note] = notes(engine, case.id)
    assert note.text == "Council says 5 days."
    assert durable.sweep(bot.services, utcnow() + LATER) == 0
    assert len(notes(engine, case.id)) == 1
    assert [r.status for r in recorded(engine)] == ["done"]


def test_a_reply_deleted_before_its_recorded_run_is_a_deleted_note(bot, engine, case_thread):
    case, root = case_thread
    bot.services.after_ack = lambda *args: None  # its run has not happened yet
    reply_id = uuid.uuid4().hex
    say_in_thread(bot, root, INV, "My phone number is 07700 900123.", id=reply_id)
    deleted = {"eventType": "softDeleteMessage"}
    say_in_thread(bot, root, INV, "", id=reply_id, type="messageDelete", channelData=deleted)
    [note] = notes(engine, case.id)
    assert note.deleted_at is not None
    assert durable.sweep(bot.services, utcnow() + LATER) == 0
    assert [r.status for r in recorded(engine)] == ["done"]


def test_an_outage_after_the_record_is_told_kept_and_stored_when_it_is_back(
    bot, engine, case_thread, outage
):
    case, root = case_thread
    chat = bot.install(INV)
    runs = []
    bot.services.after_ack = lambda fn, *args: runs.append((fn, args))
    say_in_thread(bot, root, INV, "Council says 5 days.")
    [(fn, args)] = runs
    outage.after_the_claim = True
    outage.down.set()
    try:
        fn(*args)
    finally:
        outage.down.clear()
    [text] = told(bot, chat, "no need to send it again")
    assert "your reply in a case's thread" in text
    assert notes(engine, case.id) == []
    assert durable.sweep(bot.services, utcnow() + LATER) == 1
    assert [n.text for n in notes(engine, case.id)] == ["Council says 5 days."]
    # Told once: the resumed run does not tell it again.
    told(bot, chat, "no need to send it again")


def test_an_activity_delivered_again_while_it_runs_is_one_note(bot, engine, case_thread):
    case, root = case_thread
    reply_id = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(
            pool.map(
                lambda _: say_in_thread(bot, root, INV, "Council says 5 days.", id=reply_id),
                range(3),
            )
        )
    wait_until(lambda: notes(engine, case.id), "the note")
    wait_until(lambda: all(r.status == "done" for r in recorded(engine)), "the run")
    assert durable.sweep(bot.services, utcnow() + LATER) == 0
    assert len(notes(engine, case.id)) == 1 and len(recorded(engine)) == 1


def settle(bot, engine) -> list[PendingCommand]:
    """Every recorded message run, as the sweeper would see to: a database too busy to answer
    in time may have failed an after-ack run's claim (the row is still pending: swept past
    the grace; one still queued for its run is then run by whichever claims it first) or
    its run (deferred, its lease held: swept past the lease once nothing else is pending)."""

    def settled():
        rows = recorded(engine)
        if all(r.status == "done" for r in rows):
            return rows
        waiting = any(r.status == "pending" for r in rows)
        durable.sweep(bot.services, utcnow() + (PAST_GRACE if waiting else LATER))
        return None

    return wait_until(settled, "every recorded message run", timeout=60)


def unsaved(bot, chat: str) -> int:
    return sum("nothing was saved" in c.body["text"] for c in bot.connector.sent(chat))


def test_a_burst_of_50_replies_is_50_notes(bot, engine, case_thread):
    """50 replies at once, 10 in flight: each is a note exactly once, or (a record that found
    SQLite's write lock held past the request's budget on a crowded machine) its author was
    told it was not saved; one whose run was deferred is stored by the next sweep."""
    case, root = case_thread
    chat = bot.install(INV)
    texts = [f"Note {n}: council says {n} days." for n in range(50)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda text: say_in_thread(bot, root, INV, text), texts))
    rows = settle(bot, engine)
    stored = [n.text for n in notes(engine, case.id)]
    assert len(stored) == len(set(stored)) == len(rows) and set(stored) <= set(texts)
    assert len(stored) + unsaved(bot, chat) == 50, (len(stored), unsaved(bot, chat))


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(deliveries=st.lists(st.integers(0, 4), min_size=1, max_size=10))
def test_any_mix_of_deliveries_and_redeliveries_is_one_note_per_reply(
    bot, engine, case_thread, deliveries
):
    """Teams may deliver each reply any number of times, in any order, several at once: each
    distinct reply is one note (or its author was told it was not saved), never two."""
    case, root = case_thread
    chat = bot.install(INV)
    run = uuid.uuid4().hex[:8]
    told_before = unsaved(bot, chat)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(
            pool.map(
                lambda n: say_in_thread(bot, root, INV, f"{run} reply {n}", id=f"{run}-{n}"),
                deliveries,
            )
        )
    settle(bot, engine)
    stored = [n.text for n in notes(engine, case.id) if n.text.startswith(run)]
    assert len(stored) == len(set(stored))
    assert set(stored) <= {f"{run} reply {n}" for n in deliveries}
    told = unsaved(bot, chat) - told_before
    # Each reply stored or told (a redelivery that cannot be recorded is told too, not
    # knowing an earlier delivery was), and all of them stored when nobody was told.
    assert len(stored) + told >= len(set(deliveries))
    assert told or len(stored) == len(set(deliveries))


def test_another_front_ends_sweeper_leaves_teams_messages_alone(bot, engine, case_thread):
    case, root = case_thread
    bot.services.after_ack = lambda *args: None
    say_in_thread(bot, root, INV, "Council says 5 days.")
    slack_like = type("Slack", (), {"engine": engine, "runners": {"mention": print}})()
    assert durable.sweep(slack_like, utcnow() + LATER) == 0
    [row] = recorded(engine)
    assert row.status == "pending"
    durable.run(slack_like, row.id, 1.0)
    assert recorded(engine)[0].status == "pending" and notes(engine, case.id) == []
    assert durable.sweep(bot.services, utcnow() + LATER) == 1
    assert len(notes(engine, case.id)) == 1


def test_the_record_keeps_what_the_run_needs_and_nothing_of_the_services(bot):
    data = {
        "kind": "message",
        "conversation_id": "19:x@thread.tacv2;messageid=1",
        "conversation_type": "channel",
        "thread_id": "1",
        "activity_id": "2",
        "service_url": "http://127.0.0.1:1",
        "tenant_id": TENANT,
        "user": {"id": "29:a", "name": "A", "aad_object_id": "b", "tenant_id": TENANT},
        "text": "hello",
        "value": None,
        "invoke_name": None,
        "mentioned_ids": ("29:someone",),
        "reply_to_id": None,
        "mentioned": False,
    }
    req = durable_messages.request_of(bot.services, data)
    assert durable_messages.payload(req) == data
    # As the pending row stores it (JSON: the tuple comes back a list), the run sees the same.
    stored = json.loads(json.dumps(durable_messages.payload(req)))
    assert durable_messages.request_of(bot.services, stored).mentioned_ids == ("29:someone",)
    key = durable_messages.key(req)
    assert key.startswith("teams:") and key.endswith(":2") and "19:x" not in key
