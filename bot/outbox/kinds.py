"""What the core declares about its kinds of message: what to remember once one is sent, and
which are kept in order within their subject's thread rather than their whole destination."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.outbox.delivery import Sent
from models import OutboxMessage

# kind -> fn(session, row, sent) run in the transaction that records a row as sent, so the core
# can remember where a message went (a case's card, a relay DM) atomically with it.
AfterSent = Callable[[Session, OutboxMessage, Sent], None]
after_sent: dict[str, AfterSent] = {}

# Kinds posted into a thread of their subject (a case's card thread): they are kept in order
# within that thread only, so one waiting for its thread to exist (NotReady) never holds back
# the rest of the destination, such as the very card that would start the thread.
threaded_kinds: set[str] = set()


def on_sent(kind: str) -> Callable[[AfterSent], AfterSent]:
    """Register ``fn(session, row, sent)`` to run when a row of ``kind`` is recorded as sent."""

    def register(fn: AfterSent) -> AfterSent:
        after_sent[kind] = fn
        return fn

    return register


def ordered_within_subject(kind: str) -> None:
    """Declare that rows of ``kind`` go into a thread of their subject (see pacing.head_ids)."""
    threaded_kinds.add(kind)
