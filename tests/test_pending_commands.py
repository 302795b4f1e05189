"""bot/pending.py: a recorded command is claimed by one runner, marked done in the
transaction of its effect, and resumed if its runner died; never done twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot import pending
from bot.db import transaction
from models import PendingCommand, ProcessedDelivery
from models.base import utcnow
from tests.conftest import rows


def _effect(engine, key: str) -> None:
    with transaction(engine) as s:
        s.add(ProcessedDelivery(key=key))


def _effects(session) -> list[str]:
    return [r.key for r in rows(session, ProcessedDelivery)]


def _status(session, command_id: int) -> str:
    return next(r.status for r in rows(session, PendingCommand) if r.id == command_id)


def test_a_delivery_is_recorded_once_and_claimed_by_one_runner(engine, session):
    command_id = pending.record(engine, "event:Ev1", "mention", {"event": {"text": "hi"}})
    assert pending.record(engine, "event:Ev1", "mention", {"event": {"text": "hi"}}) is None
    _, row = pending.claim(engine, command_id)
    assert row.payload == {"event": {"text": "hi"}} and row.attempts == 1
    assert pending.claim(engine, command_id) is None  # held by the first runner
    assert pending.resumable(engine) == []


def test_the_effect_and_done_commit_together_and_later_transactions_are_ordinary(engine, session):
    command_id = pending.record(engine, "event:Ev2", "mention", {})
    token, _ = pending.claim(engine, command_id)
    with pending.completing(engine, command_id, token):
        with transaction(engine) as s:  # a read: does not mark
            s.exec(select(PendingCommand)).all()
        assert _status(session, command_id) == "running"
        _effect(engine, "effect-2")
        assert _status(session, command_id) == "done"
        _effect(engine, "after-2")  # the mark is made once only
    assert _effects(session) == ["after-2", "effect-2"]
    assert pending.claim(engine, command_id) is None


def test_a_command_that_writes_nothing_is_marked_done_at_the_end(engine, session):
    command_id = pending.record(engine, "event:Ev3", "mention", {})
    token, _ = pending.claim(engine, command_id)
    with pending.completing(engine, command_id, token):
        pass
    assert _status(session, command_id) == "done"


def test_a_runner_that_died_is_resumed_once_and_its_late_effect_rolls_back(engine, session):
    command_id = pending.record(engine, "event:Ev4", "mention", {})
    # The first runner claimed it a minute ago and went silent: its lease has lapsed.
    stale, _ = pending.claim(engine, command_id, now=utcnow() - timedelta(minutes=1))
    assert pending.resumable(engine) == [command_id]
    fresh, row = pending.claim(engine, command_id)
    assert row.attempts == 2
    with pending.completing(engine, command_id, fresh):
        _effect(engine, "effect-4")
    # The first runner wakes up and tries to apply the same effect: refused, rolled back.
    with pytest.raises(pending.ClaimLost), pending.completing(engine, command_id, stale):
        _effect(engine, "effect-4-again")
    assert _effects(session) == ["effect-4"]
    assert _status(session, command_id) == "done"


def test_a_failed_run_stays_recorded_and_is_resumed_after_its_lease(engine, session):
    command_id = pending.record(engine, "event:Ev5", "mention", {})
    token, _ = pending.claim(engine, command_id)
    with pytest.raises(RuntimeError), pending.completing(engine, command_id, token):
        raise RuntimeError("the process is going down")
    assert pending.resumable(engine) == []  # its lease still runs
    later = utcnow() + pending.LEASE + timedelta(seconds=1)
    assert pending.resumable(engine, now=later) == [command_id]


def test_old_done_commands_are_pruned(engine, session):
    command_id = pending.record(engine, "event:Ev6", "mention", {})
    token, _ = pending.claim(engine, command_id)
    with pending.completing(engine, command_id, token):
        pass
    assert pending.prune(engine, now=utcnow() + pending.KEPT + timedelta(hours=1)) == 1
    assert rows(session, PendingCommand) == []
