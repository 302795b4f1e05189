"""Where the front ends' messages about the core's things live (models.conversations).

A front end that posts a case's card or relays a DM records it here (through the outbox's
after-sent hooks, atomically with the row being marked sent). A message it receives is mapped
back to what it is about with :func:`subject_of`, and the core is called with that.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from bot.db import dialect_insert
from bot.outbox.delivery import Sent
from models import OutboxMessage, PostedMessage

# What a posted message is about (PostedMessage.about).
CASE_CARD = "case_card"  # a case's card; its thread is the case's room
SUPPLIER_RELAY = "supplier_relay"  # a message relayed to the supplier; replies come back


def remember(
    session: Session, sent: Sent, about: str, row: OutboxMessage, *, first_only: bool = False
) -> None:
    """Record that ``row`` was posted as ``sent``, about ``row``'s subject, in one statement.
    A message already recorded is left as it was. ``first_only``: record nothing if that
    platform has a message about the subject already (a card update posts no new card, even
    where the platform answers an update with a new id)."""
    table = PostedMessage.__table__
    values = {
        "platform": sent.platform,
        "conversation_id": sent.conversation_id,
        "message_id": sent.message_id,
        "thread_id": sent.thread_id,
        "about": about,
        "subject_id": row.subject_id,
        "outbox_message_id": row.id,
        "created_at": row.sent_at or row.created_at,
    }
    rows = sa_select(*(literal(v, type_=table.c[k].type) for k, v in values.items()))
    if first_only:
        earlier = sa_select(table.c.id).where(
            table.c.about == about,
            table.c.subject_id == row.subject_id,
            table.c.platform == sent.platform,
        )
        rows = rows.where(~exists(earlier))
    session.execute(
        dialect_insert(session.get_bind(), table)
        .from_select(list(values), rows)
        .on_conflict_do_nothing(
            index_elements=[table.c.platform, table.c.conversation_id, table.c.message_id]
        )
    )


def message_of(
    session: Session, platform: str, about: str, subject_id: int
) -> PostedMessage | None:
    """The first message posted on ``platform`` about that subject (e.g. a case's card)."""
    return session.exec(
        select(PostedMessage)
        .where(
            PostedMessage.about == about,
            PostedMessage.subject_id == subject_id,
            PostedMessage.platform == platform,
        )
        .order_by(PostedMessage.id)
        .limit(1)
    ).first()


def subject_of(platform: str, conversation_id: str, message_id: str | None, about: str) -> Select:
    """The subject a message is about, as a one-column SELECT (not yet run): the core runs it
    inside its own statement, so a reply in a case thread is stored in one round trip. Yields
    no row when the message is not about such a thing (or ``message_id`` is None)."""
    return sa_select(PostedMessage.subject_id).where(
        PostedMessage.platform == platform,
        PostedMessage.conversation_id == conversation_id,
        PostedMessage.message_id == (message_id or ""),
        PostedMessage.about == about,
    )


def latest_subject(platform: str, conversation_id: str, about: str) -> Select:
    """The subject of the newest message about such a thing in a conversation, as a
    one-column SELECT (not yet run): where a platform has no threads in a 1:1 chat (Teams),
    a reply there answers the newest message msbot relayed in it."""
    return (
        sa_select(PostedMessage.subject_id)
        .where(
            PostedMessage.platform == platform,
            PostedMessage.conversation_id == conversation_id,
            PostedMessage.about == about,
        )
        .order_by(PostedMessage.id.desc())
    )


def card_platform_column(subject_id_column):
    """The platform a subject's card was first posted on, as a correlated SQL expression (NULL
    while none is posted)."""
    return (
        sa_select(PostedMessage.platform)
        .where(PostedMessage.about == CASE_CARD, PostedMessage.subject_id == subject_id_column)
        .order_by(PostedMessage.id)
        .limit(1)
        .scalar_subquery()
    )
