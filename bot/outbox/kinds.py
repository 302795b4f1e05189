"""What the core declares about its kinds of message: what to remember once one is sent, and
which are kept in order within their subject's thread rather than their whole destination.

Each feature declares its own beside its code (``AFTER_SENT`` in bot/complaints/notes.py and
relay.py, ``AFTER_DEAD`` in bot/complaints/unreachable.py, ``THREADED`` in
bot/complaints/notices.py); the composition root
(bot/bootstrap.py) collects them and a front end hands them to its transport as
``after_sent`` and ``threaded_kinds``. Nothing here is filled in by importing a module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session

from bot.outbox.delivery import Sent
from models import OutboxMessage

# kind -> fn(session, row, sent) run in the transaction that records a row as sent, so the core
# can remember where a message went (a case's card, a relay DM) atomically with it. A
# transport without any records rows as sent and nothing more.
AfterSent = Callable[[Session, OutboxMessage, Sent], None]
# kind -> fn(session, row, unreachable) run in the transaction that records a row as dead (it
# cannot be delivered at all), so the core can tell someone atomically with it: once per row,
# since only a pending row is recorded dead. ``unreachable`` is the transport's reason
# (bot.outbox.delivery NOT_OPENED...), or None.
AfterDead = Callable[[Session, OutboxMessage, str | None], None]
# A hook under this key runs for every kind, after the kind's own (bot.conversations records
# every direct message so that an erasure can find it).
EVERY_KIND = "*"


def checked_data(
    feature: str, kind: str, data: dict, kinds: frozenset[str], allowed: frozenset[str]
) -> dict:
    """``data`` for a message of ``kind``, which must be one of ``feature``'s ``kinds`` and
    carry only ``allowed`` keys: what a feature may store in the outbox is listed, so a
    careless caller cannot put, say, a supplier's identity there. A refusal is a bug
    (ValueError); each feature checks its values further."""
    if kind not in kinds:
        raise ValueError(f"unknown {feature} notice {kind!r}")
    extra = set(data) - allowed
    if extra:
        raise ValueError(f"notice data may not carry {sorted(extra)}")
    return data


def after_sent_of(transport: Any) -> Mapping[str, AfterSent]:
    return getattr(transport, "after_sent", None) or {}


def after_sent_for(transport: Any, kind: str) -> list[AfterSent]:
    """The hooks to run once a row of ``kind`` is sent: its kind's, then every kind's."""
    hooks = after_sent_of(transport)
    return [hook for key in (kind, EVERY_KIND) if (hook := hooks.get(key)) is not None]


def after_dead_of(transport: Any) -> Mapping[str, AfterDead]:
    return getattr(transport, "after_dead", None) or {}


def after_dead_for(transport: Any, kind: str) -> AfterDead | None:
    """The hook to run once a row of ``kind`` is recorded dead, if any."""
    return after_dead_of(transport).get(kind)


def threaded_kinds_of(transport: Any) -> frozenset[str]:
    """Kinds posted into a thread of their subject (a case's card thread): they are kept in
    order within that thread only, so one waiting for its thread to exist (NotReady) never
    holds back the rest of the destination, such as the very card that would start the
    thread. A transport without them keeps every row in order within its destination: slower,
    never wrong."""
    return frozenset(getattr(transport, "threaded_kinds", None) or ())


def claimable_of(transport: Any, session: Session):
    """The SQL condition on outbox rows this transport sends, or None for every row: a
    process serving some platforms only (msbot serve, msbot serve-teams) claims its own, so
    it never holds back, nor wakes up for, the other's."""
    claimable = getattr(transport, "claimable", None)
    return claimable(session) if claimable is not None else None
