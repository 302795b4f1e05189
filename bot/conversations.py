"""Where the front ends' messages about the core's things live (models.conversations).

A front end that posts a case's card, relays a DM, posts a thread line carrying someone's
text or sends anyone a direct message records it here (through the outbox's after-sent hooks,
atomically with the row being marked sent). A message it receives is mapped back to what it
is about with :func:`subject_of`, and the core is called with that. A recorded message that
an erasure reaches is replaced by :data:`REDACTED` through the outbox (:func:`redact`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, literal
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, select

from bot import outbox
from bot.db import dialect_insert
from bot.outbox.delivery import Sent, Skip
from bot.outbox.kinds import EVERY_KIND
from models import OutboxMessage, PostedMessage

# What a posted message is about (PostedMessage.about), and what subject_id then names.
CASE_CARD = "case_card"  # a case's card; its thread is the case's room
SUPPLIER_RELAY = "supplier_relay"  # a message relayed to the supplier; replies come back
THREAD_LINE = "thread_line"  # a line in a case's thread carrying someone's text (the case)
DIRECT_MESSAGE = "direct_message"  # any other direct message (subject_id: the person)

# Replace a posted message's text (data: its platform, conversation and message ids). Its
# own after-sent hook empties ``data``: the ids of a person's DM do not outlive the edit.
REDACT = "conversation.redact"
REDACTED = "[removed at the person's request]"


def remember(
    session: Session,
    sent: Sent,
    about: str,
    row: OutboxMessage,
    *,
    first_only: bool = False,
    subject_id: int | None = None,
) -> None:
    """Record that ``row`` was posted as ``sent``, about ``row``'s subject (or ``subject_id``),
    in one statement. A message already recorded is left as it was. ``first_only``: record
    nothing if that platform has a message about the subject already (a card update posts no
    new card, even where the platform answers an update with a new id)."""
    table = PostedMessage.__table__
    subject_id = row.subject_id if subject_id is None else subject_id
    values = {
        "platform": sent.platform,
        "conversation_id": sent.conversation_id,
        "message_id": sent.message_id,
        "thread_id": sent.thread_id,
        "about": about,
        "subject_id": subject_id,
        "outbox_message_id": row.id,
        "created_at": row.sent_at or row.created_at,
    }
    rows = sa_select(*(literal(v, type_=table.c[k].type) for k, v in values.items()))
    if first_only:
        earlier = sa_select(table.c.id).where(
            table.c.about == about,
            table.c.subject_id == subject_id,
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


def remember_direct(session: Session, row: OutboxMessage, sent: Sent) -> None:
    """Every direct message, whatever its kind, so an erasure of its recipient can redact it.
    One its kind recorded already (a relay) is left as that kind recorded it; an edit of a
    message (a redaction, an update in place) is the same message, not a new one."""
    if row.recipient_person_id is None or row.recipient_role or row.kind == REDACT:
        return
    remember(session, sent, DIRECT_MESSAGE, row, subject_id=row.recipient_person_id)


def redact(session: Session, posted: dict, *, person_id: int | None) -> None:
    """Queue the replacement of a recorded message's text (``posted``: its posted_message
    row as it was before an erasure emptied it). A DM goes in its recipient's order
    (``person_id``), a thread line in the triage channel's. A card is redrawn instead. The
    row names no case: a relay's edit must not tie an anonymous case to its filer's DM."""
    if posted["about"] == CASE_CARD:
        return
    address = {"person_id": person_id} if person_id else {"role": outbox.TRIAGE_ROLE}
    outbox.enqueue(
        session,
        REDACT,
        data={
            "platform": posted["platform"],
            "conversation": posted["conversation_id"],
            "message": posted["message_id"],
        },
        **address,
    )


@dataclass(frozen=True)
class Redaction:
    """A message to replace with REDACTED, in its platform's own ids."""

    platform: str
    conversation_id: str
    message_id: str


def redaction(session: Session, msg: OutboxMessage) -> Redaction:
    """The outbox's loader for a REDACT row (Skip once its ids are gone)."""
    data = msg.data or {}
    if not (data.get("conversation") and data.get("message")):
        raise Skip("nothing left to redact")
    return Redaction(str(data.get("platform")), data["conversation"], data["message"])


def forget_redacted(session: Session, row: OutboxMessage, sent: Sent) -> None:
    """A redaction once made needs none of its ids: the row keeps only that it was made."""
    session.execute(
        sa_update(OutboxMessage.__table__)
        .where(OutboxMessage.__table__.c.id == row.id)
        .values(data={})
    )


# Run once a message is sent (bot.bootstrap collects them): every DM is recorded.
AFTER_SENT = {EVERY_KIND: remember_direct, REDACT: forget_redacted}
