"""What a Teams renderer returns for an outbox row (the Teams form of Slack's ``Rendered``).

A renderer is ``fn(session, OutboxMessage) -> TeamsOut``; it may raise bot.outbox's NotReady,
Skip or PermanentDeliveryError as Slack's do. Each feature module exposes
``RENDERERS: dict[kind, renderer]``; the front end collects them (handlers/teams/app.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from handlers.teams.cards import attachment
from models import OutboxMessage


@dataclass(frozen=True)
class TeamsOut:
    # Plain text: the whole message when there is no card, else the notification's summary.
    text: str
    card: dict | None = None
    # None: the row's recipient (the person's 1:1 chat, or the role's channel).
    conversation_id: str | None = None
    # Post in this channel reply chain (its root activity id), e.g. a case card's thread.
    reply_to: str | None = None
    # Replace this activity (updateActivity), e.g. a card refreshed in place.
    update_id: str | None = None
    # The Bot Connector to use for ``conversation_id`` (default: the transport's).
    service_url: str | None = None
    # An attachment that is no Adaptive Card, sent as given (a file consent or file info card).
    attachment: dict | None = None

    def activity(self) -> dict:
        """The message activity to send. Text goes as plain text: nothing a person typed can
        become markdown, a link or a mention (cards escape with card_text)."""
        if self.attachment is not None:
            return {"type": "message", "summary": self.text, "attachments": [self.attachment]}
        if self.card is None:
            return {"type": "message", "text": self.text, "textFormat": "plain"}
        return {"type": "message", "summary": self.text, "attachments": [attachment(self.card)]}


Renderer = Callable[[Session, OutboxMessage], TeamsOut]


def drawn(load: Callable, render: Callable[..., TeamsOut]) -> Renderer:
    """An outbox renderer from a core loader (``load(session, row)`` -> a read model, e.g.
    bot.complaints.delivery_views) and a pure card function of that read model."""

    def renderer(session: Session, msg: OutboxMessage) -> TeamsOut:
        return render(load(session, msg))

    return renderer
