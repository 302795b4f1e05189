"""The text front end's transport: each outbox row becomes a line in a plain-text
conversation (a person's direct messages, or a team room such as the triage room).

It is bot.outbox's Transport protocol and nothing more: ``render`` draws the row from current
data inside the outbox's read transaction, ``deliver`` "posts" it and answers where it went
(``Sent``), which the core's after-sent hooks remember (a case's card, a relay's thread) in
bot.conversations. A row goes to a person (their room) or a team role (its room).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import outbox
from models import OutboxMessage


@dataclass(frozen=True)
class Rendered:
    """What to show for one row: its text, and where when the row's recipient is not enough."""

    text: str
    room: str | None = None  # post here rather than to the row's recipient
    thread: str | None = None  # as a reply to this message
    replaces: str | None = None  # rewrite this earlier message in place (a live card)


Renderer = Callable[[Session, OutboxMessage], Rendered]


@dataclass
class Line:
    id: str
    room: str
    text: str
    author: str | None = None  # a person id, or None for the bot
    thread: str | None = None  # the message this one replies to


@dataclass
class Conversations:
    """Every message the text front end has shown, by room. A person's direct messages are
    the room named after their person value (the outbox addresses people that way)."""

    lines: dict[str, Line] = field(default_factory=dict)
    _ids: count = field(default_factory=lambda: count(1))

    def post(self, room: str, text: str, *, author=None, thread=None) -> Line:
        line = Line(f"m{next(self._ids)}", room, text, author, thread)
        self.lines[line.id] = line
        return line

    def room(self, name: str) -> list[Line]:
        return [line for line in self.lines.values() if line.room == name]

    def thread(self, message_id: str) -> list[Line]:
        return [line for line in self.lines.values() if line.thread == message_id]

    def everything(self) -> str:
        return "\n".join(line.text for line in self.lines.values())


PLATFORM = "text"  # how the core's tables name this front end


class TextTransport:
    platform = PLATFORM

    def __init__(
        self,
        conversations: Conversations,
        renderers: dict[str, Renderer],
        roles: dict[str, str],
        *,
        after_sent: dict[str, outbox.AfterSent],
        threaded_kinds: frozenset[str],
    ):
        self.conversations = conversations
        self.renderers = renderers
        self.roles = roles  # team role (bot.outbox.ROLES) -> its room
        # What the core records once a row is sent (bot.bootstrap.after_sent_hooks).
        self.after_sent = after_sent
        self.threaded_kinds = threaded_kinds

    def render(self, session: Session, msg: OutboxMessage) -> Rendered:
        renderer = self.renderers.get(msg.kind)
        if renderer is None:
            raise outbox.PermanentDeliveryError(f"no text renderer for {msg.kind}")
        return renderer(session, msg)

    def deliver(self, msg: OutboxMessage, rendered: Rendered) -> outbox.Sent:
        # A person's direct messages: the room named by their person id.
        room = rendered.room
        if room is None and msg.recipient_person_id is not None:
            room = str(msg.recipient_person_id)
        if room is None:
            room = self.roles.get(msg.recipient_role or "")
            if room is None:
                raise outbox.PermanentDeliveryError(f"no room for {msg.recipient_role}")
        if rendered.replaces:
            self.conversations.lines[rendered.replaces].text = rendered.text
            return outbox.Sent(PLATFORM, room, rendered.replaces)
        line = self.conversations.post(room, rendered.text, thread=rendered.thread)
        return outbox.Sent(PLATFORM, room, line.id, rendered.thread)


def deliver_all(engine: Engine, transport: TextTransport) -> int:
    """Send everything queued, as the worker would. The outbox's pacing and back-off are for
    a real platform's limits: the clock handed to it is a day ahead, so a thread line that
    waited for its card (NotReady) is due again on the next pass, with no wall-clock wait."""
    sent = 0
    for days_ahead in count(1):
        later = datetime.now(UTC) + timedelta(days=days_ahead)
        batch = outbox.drain(engine, transport, now=later, pace=0)
        if not batch:
            return sent
        sent += batch
    raise AssertionError("unreachable")
