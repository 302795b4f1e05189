"""Which rows may be sent next: one at a time per destination (or per subject's thread for
threaded kinds), in id order, and at most one post per pace per destination."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, any_, bindparam, case, cast, func, literal_column, or_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, select

from models import OutboxMessage

# Slack's documented limit for chat.postMessage: about one message per second per channel.
PACE_SECONDS = 1.0
# A claim first looks among this many of the oldest heads (see claims.Claims.claim).
HEADS_PER_CLAIM = 32
RETRY_BASE_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 3600


def aware(at: datetime) -> datetime:
    """SQLite hands datetimes back without their zone (all are stored as UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1)))


def destination(model):
    """Where a row goes: its role's conversation, or its person's direct messages
    ("person:<id>", which no role name can be)."""
    # Written inline, not as a parameter: PostgreSQL must see the same expression where it
    # is grouped by as where it is selected.
    person = literal_column("'person:'") + cast(model.recipient_person_id, String)
    return func.coalesce(model.recipient_role, person)


def _order_key(threaded_kinds: frozenset[str]):
    """Rows sharing this key are sent strictly in id order: a destination, or a destination's
    thread for threaded kinds."""
    if not threaded_kinds:
        return (destination(OutboxMessage),)
    thread = case(
        (OutboxMessage.kind.in_(sorted(threaded_kinds)), OutboxMessage.subject_id),
        else_=None,
    )
    return (destination(OutboxMessage), thread)


def head_ids(
    session: Session,
    threaded_kinds: frozenset[str],
    *,
    skip: list[str] | None = None,
    limit: int | None = None,
) -> list[int]:
    """The oldest pending row of each destination (or thread): the only ones that may be sent
    next. Leaving out destinations in ``skip``; the ``limit`` oldest, if given.

    Read as a list first, then used as one: combined into a single statement, planners were
    seen to re-run the grouping once per row on a freshly filled table (30 s for 10,000 rows).
    """
    heads = _heads_statement(threaded_kinds)
    if skip:
        heads = heads.where(~among(session, destination(OutboxMessage), skip, String))
    if limit is not None:
        heads = heads.order_by(func.min(OutboxMessage.id)).limit(limit)
    return list(session.execute(heads).scalars())


@functools.cache
def _heads_statement(threaded: frozenset[str]):
    # Built once per set of threaded kinds (one per transport): building a statement
    # costs more CPU than the database takes to run this one.
    return (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.status == "pending")
        .group_by(*_order_key(threaded))
    )


def among(session: Session, column, values: list, type_) -> Any:
    """``column IN values``. On PostgreSQL one array parameter (``= ANY(:values)``): an IN
    list is rendered afresh, one bind per value, on every execution, which with hundreds of
    head rows cost more CPU than the rest of sending a message."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(type_)))
    return column.in_(values)


def recently_sent(session: Session, since: datetime) -> dict[str, datetime]:
    """Destinations posted to after ``since`` (not to be posted to again yet), with when."""
    return dict(session.execute(_RECENTLY_SENT, {"since": since}).all())


_RECENTLY_SENT = (
    select(destination(OutboxMessage), func.max(OutboxMessage.sent_at))
    .where(OutboxMessage.status == "sent", OutboxMessage.sent_at > bindparam("since"))
    .group_by(destination(OutboxMessage))
)


def free(now: datetime, dead_claimers: Iterable[str] = ()):
    """Not under a live claim: never claimed, lapsed, or held by a dead process of this host."""
    unclaimed = [OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now]
    if dead_claimers:
        unclaimed.append(OutboxMessage.claimed_by.in_(list(dead_claimers)))
    return or_(*unclaimed)
