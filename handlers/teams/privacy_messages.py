"""What the privacy work changes in Teams: a message msbot posted, its text replaced in place
(updateActivity) after an erasure. A pure function of the core's loader
(bot.conversations.redaction)."""

from __future__ import annotations

from bot import conversations
from bot.outbox import Skip
from bot.people import TEAMS
from handlers.teams.outgoing import TeamsOut, drawn


def redacted(target: conversations.Redaction) -> TeamsOut:
    if target.platform != TEAMS:
        raise Skip("another platform's message")
    return TeamsOut(
        conversations.REDACTED,
        conversation_id=target.conversation_id,
        update_id=target.message_id,
    )


RENDERERS = {conversations.REDACT: drawn(conversations.redaction, redacted)}
