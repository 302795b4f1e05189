"""Who can be chosen as a line manager in Teams, and the person a choice names.

The sign-up form offers the people msbot knows in Teams (by name); in Teams itself the same
input also searches the directory, whose answer is a Microsoft Entra object id. A known account
is that person; an object id msbot has never seen becomes a person on first sight (as someone
who messages msbot does), so their approval request waits for them in the outbox until msbot
can reach them (the sign-up's answer says so). Anything else names nobody, and the core asks
for a line manager.
"""

from __future__ import annotations

from sqlmodel import select

from bot import people, personal_chats
from bot.db import transaction
from handlers.teams.requests import TeamsRequest
from handlers.teams.shadow_forms import is_object_id
from models import Person, PlatformAccount

# An Input.ChoiceSet lists at most this many without a search; the directory has the rest.
COLLEAGUES_MAX = 100


def colleagues(req: TeamsRequest) -> list[tuple[str, str]]:
    """(Teams user id, name) of the people msbot knows in Teams, by name, without the asker."""
    me = req.actor().person_id
    with transaction(req.services.engine) as s:
        rows = s.exec(
            select(PlatformAccount.user_id, Person.display_name, Person.id)
            .join(Person, Person.id == PlatformAccount.person_id)
            .where(PlatformAccount.platform == people.TEAMS, Person.id != me)
            .order_by(Person.display_name, PlatformAccount.id)
            .limit(COLLEAGUES_MAX)
        ).all()
    seen: set[int] = set()
    listed = []
    for user_id, name, person_id in rows:
        if person_id in seen:
            continue
        seen.add(person_id)
        listed.append((user_id, name or "Someone without a display name"))
    return listed


def manager_person(req: TeamsRequest, chosen: str) -> int | None:
    """The person chosen (see the module's note), or None."""
    chosen = chosen.strip()
    if not chosen or len(chosen) > people.USER_ID_MAX:
        return None
    with transaction(req.services.engine) as s:
        known = people.person_ids_for_accounts(s, people.TEAMS, [chosen]).get(chosen)
        if known is not None:
            return known
        if not is_object_id(chosen):
            return None
        return people.person_for(s, people.TEAMS, req.tenant_id, chosen).id


def unreachable(req: TeamsRequest, person_id: int | None) -> bool:
    """Whether msbot cannot write to this person yet: their messages would go to Teams, where
    msbot has no chat with them (they never added it, nor did an administrator for them)."""
    if person_id is None:
        return False
    with transaction(req.services.engine) as s:
        if personal_chats.platform_of(s, person_id) not in (None, people.TEAMS):
            return False
        return personal_chats.chat_of(s, person_id, people.TEAMS) is None
