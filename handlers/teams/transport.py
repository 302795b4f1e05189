"""Posts outbox messages to Teams through the Bot Connector (handlers/teams/connector.py).

A row goes to a person (their 1:1 chat with msbot: the conversation remembered when they
installed msbot or wrote to it, else one opened with createConversation, which Teams allows only
once msbot is installed for them) or to a team role (the channel the settings name); a renderer
may name another conversation, a reply chain to post in, or an activity to update in place.
Where each message went is recorded by the core's after-sent hooks (bot.conversations), with
platform "teams".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import personal_chats
from bot.db import transaction
from bot.outbox import (
    LEADS_ROLE,
    TRIAGE_ROLE,
    AfterSent,
    PermanentDeliveryError,
    RateLimited,
    Sent,
)
from bot.outbox.delivery import NOT_OPENED
from bot.outbox.kinds import AfterDead
from bot.people import TEAMS
from handlers.teams.connector import ConnectorError, StillThrottled, TeamsConnector
from handlers.teams.outgoing import Renderer, TeamsOut
from models import OutboxMessage

PLATFORM = TEAMS
NOT_INSTALLED = (
    "msbot is not installed for this person in Teams, so it cannot write to them: they (or an "
    "administrator's app setup policy) must add msbot, then the message can be sent again"
)


def role_conversations(settings) -> dict[str, str]:
    """Each team role's Teams channel, as the Teams settings name them."""
    channels = {
        TRIAGE_ROLE: settings.triage_conversation_id,
        LEADS_ROLE: settings.leads_conversation_id,
    }
    return {role: channel for role, channel in channels.items() if channel}


@dataclass(frozen=True)
class Addressed:
    """A rendered message and where it goes."""

    out: TeamsOut
    conversation_id: str | None
    service_url: str
    # To open the person's 1:1 chat first (no conversation remembered yet).
    person_id: int | None = None
    member_id: str | None = None
    tenant_id: str | None = None


@dataclass
class TeamsTransport:
    connector: TeamsConnector
    renderers: Mapping[str, Renderer]
    roles: Mapping[str, str] = field(default_factory=dict)  # team role -> its channel
    # The connector for channels: a string, or a callable giving the newest one known.
    service_url_of: str | Callable[[], str] = ""
    # The bot's own id, or a callable giving it (learnt from the first activity).
    bot_id_of: str | Callable[[], str | None] | None = None
    # To remember a 1:1 chat opened here, so the next message needs no createConversation.
    engine: Engine | None = None
    # The core's kinds (bot.bootstrap): what to record once sent, which keep thread order.
    after_sent: Mapping[str, AfterSent] = field(default_factory=dict)
    threaded_kinds: frozenset[str] = frozenset()
    # What the core does once a row is recorded dead (a supplier msbot cannot reach).
    after_dead: Mapping[str, AfterDead] = field(default_factory=dict)
    platform: str = PLATFORM

    def bot_id(self) -> str | None:
        return self.bot_id_of() if callable(self.bot_id_of) else self.bot_id_of

    @property
    def service_url(self) -> str:
        return self.service_url_of() if callable(self.service_url_of) else self.service_url_of

    def render(self, session: Session, msg: OutboxMessage) -> Addressed:
        renderer = self.renderers.get(msg.kind)
        if renderer is None:
            raise PermanentDeliveryError(f"no Teams renderer for {msg.kind}")
        out = renderer(session, msg)
        if out.conversation_id:
            return Addressed(out, out.conversation_id, out.service_url or self.service_url)
        if msg.recipient_role:
            channel = self.roles.get(msg.recipient_role)
            if not channel:
                raise PermanentDeliveryError(
                    f"no Teams channel is set for the {msg.recipient_role} role"
                )
            return Addressed(out, channel, out.service_url or self.service_url)
        if msg.recipient_person_id is None:
            raise PermanentDeliveryError("a message with no recipient")
        chat = personal_chats.chat_of(session, msg.recipient_person_id, PLATFORM)
        if chat is None:
            raise PermanentDeliveryError(NOT_INSTALLED, unreachable=NOT_OPENED)
        return Addressed(
            out,
            chat.conversation_id,
            chat.service_url,
            person_id=chat.person_id,
            member_id=chat.member_id,
            tenant_id=chat.workspace or None,
        )

    def deliver(self, msg: OutboxMessage, rendered: Addressed) -> Sent:
        out = rendered.out
        try:
            conversation = rendered.conversation_id or self._open_chat(rendered)
            activity = out.activity()
            if out.update_id:
                self.connector.update(rendered.service_url, conversation, out.update_id, activity)
                return Sent(PLATFORM, conversation, out.update_id, out.reply_to)
            if out.reply_to:
                posted = self.connector.reply(
                    rendered.service_url,
                    _in_chain(conversation, out.reply_to),
                    out.reply_to,
                    activity,
                )
                return Sent(PLATFORM, conversation, posted.activity_id, out.reply_to)
            posted = self.connector.post(rendered.service_url, conversation, activity)
            return Sent(PLATFORM, conversation, posted.activity_id)
        except StillThrottled as exc:
            raise RateLimited(exc.retry_after, exc.code) from exc
        except ConnectorError as exc:
            if exc.permanent:
                raise PermanentDeliveryError(f"{exc.status} {exc.code}") from exc
            raise

    def _open_chat(self, rendered: Addressed) -> str:
        """The person's 1:1 chat, opened now (Teams answers the same one every time) and
        remembered; refused by Teams when msbot is not installed for them."""
        bot_id = self.bot_id()
        if not (bot_id and rendered.member_id):
            raise PermanentDeliveryError("no bot id or member id to open a 1:1 chat with")
        try:
            conversation = self.connector.open_personal_chat(
                rendered.service_url, bot_id, rendered.member_id, rendered.tenant_id
            )
        except ConnectorError as exc:
            if exc.status in (403, 404):
                raise PermanentDeliveryError(NOT_INSTALLED, unreachable=NOT_OPENED) from exc
            raise
        if self.engine is not None and rendered.person_id is not None:
            with transaction(self.engine) as session:
                personal_chats.remember_conversation(
                    session, rendered.person_id, PLATFORM, rendered.member_id, conversation
                )
        return conversation


def _in_chain(conversation_id: str, root: str) -> str:
    """A reply goes to the channel's conversation (the reply chain is named by the root)."""
    return conversation_id.partition(";messageid=")[0] if root else conversation_id
