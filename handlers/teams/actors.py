"""The one place a Teams user becomes the core's Actor: the person their account is
(bot.people, platform "teams", workspace the tenant id, user id the AAD object id when Teams
gives one, which stays the same across the tenant's apps, else the channel account id), with
the roles the settings give that person. A person's 1:1 chat is remembered on the way
(bot.personal_chats), so msbot can write to them later."""

from __future__ import annotations

from dataclasses import dataclass

from bot import people, personal_chats
from bot.db import transaction
from bot.people import TEAMS, PersonRef
from bot.permissions import Actor


@dataclass(frozen=True)
class TeamsUser:
    id: str  # the channel account id ("29:…"), how Teams addresses them in a conversation
    name: str | None = None
    aad_object_id: str | None = None
    tenant_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.aad_object_id or self.id


def person(services, user: TeamsUser, *, chat=None) -> PersonRef:
    """The person this user is (made on first sight). ``chat`` = (service URL, 1:1
    conversation id or None): remember how to reach them in the same transaction."""
    with transaction(services.engine) as session:
        found = people.person_for(session, TEAMS, user.tenant_id, user.user_id, user.name)
        if chat is not None and user.id:
            service_url, conversation_id = chat
            personal_chats.remember(
                session,
                found.id,
                TEAMS,
                user.tenant_id or "",
                member_id=user.id,
                service_url=service_url,
                conversation_id=conversation_id,
                now=services.clock(),
            )
        return found


def actor_for(services, user: TeamsUser, *, chat=None) -> Actor:
    """The core's Actor for this Teams user; a request that names nobody acts as nobody."""
    if not user.user_id:
        return Actor(None, frozenset())
    return services.roles.actor_for(person(services, user, chat=chat))
