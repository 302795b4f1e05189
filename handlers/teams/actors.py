"""The one place a Teams user becomes the core's Actor: the person their account is
(bot.people, platform "teams", workspace the tenant id, user id the AAD object id when Teams
gives one, which stays the same across the tenant's apps, else the channel account id), with
the roles the settings give that person. A person's 1:1 chat is remembered on the way
(bot.personal_chats), so msbot can write to them later."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from bot import people_cache, personal_chats
from bot.db import transaction
from bot.people import TEAMS, PersonRef
from bot.permissions import Actor

# How to reach a person, remembered lately by this process: personal_chats.remember writes at
# most once an hour for the same chat, so within that hour the same request needs no
# transaction at all (bounded; a changed chat or service URL is another key, so it is stored).
_SEEN_CHATS: OrderedDict[tuple, float] = OrderedDict()
_SEEN_LOCK = threading.Lock()
SEEN_CHATS_MAX = 20_000
SEEN_CHAT_SECONDS = personal_chats.TOUCH_EVERY.total_seconds()


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
    """The person this user is (made on first sight; remembered per process by
    bot.people_cache, which erasure clears). ``chat`` = (service URL, 1:1 conversation id or
    None): remember how to reach them, unless this process did so within the hour."""
    engine = services.engine
    found = people_cache.person(engine, TEAMS, user.tenant_id, user.user_id, user.name)
    if chat is None or not user.id:
        return found
    service_url, conversation_id = chat
    # The cache's generation moves on when anything is forgotten (an erasure): then every
    # chat is remembered afresh.
    generation = people_cache.ACCOUNTS.generation()
    key = (engine.url, generation, found.id, user.tenant_id, user.id, service_url, conversation_id)
    if _seen_lately(key):
        return found
    with transaction(engine) as session:
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
    _saw(key)
    return found


def _seen_lately(key: tuple) -> bool:
    with _SEEN_LOCK:
        until = _SEEN_CHATS.get(key)
        if until is None or until <= time.monotonic():
            _SEEN_CHATS.pop(key, None)
            return False
        return True


def _saw(key: tuple) -> None:
    with _SEEN_LOCK:
        _SEEN_CHATS[key] = time.monotonic() + SEEN_CHAT_SECONDS
        _SEEN_CHATS.move_to_end(key)
        while len(_SEEN_CHATS) > SEEN_CHATS_MAX:
            _SEEN_CHATS.popitem(last=False)


def actor_for(services, user: TeamsUser, *, chat=None) -> Actor:
    """The core's Actor for this Teams user; a request that names nobody acts as nobody."""
    if not user.user_id:
        return Actor(None, frozenset())
    return services.roles.actor_for(person(services, user, chat=chat))
