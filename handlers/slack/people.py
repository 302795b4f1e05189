"""The Slack edge of people: who sent this request, as a person of ours.

Called once per request (by the request middleware) so the core receives a person; the result
is kept on the Bolt context, and a second call for the same request reads it from there. Which
person an account is, is remembered per process (bot.people_cache): no query once known.
The transport does the reverse: a person's Slack user id, to open a DM with them.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import people, people_cache
from bot.people import PersonRef

CONTEXT_KEY = "msbot_person"


def _str(value) -> str | None:
    return value if isinstance(value, str) and value else None


def slack_user(body: dict) -> tuple[str | None, str | None, str | None]:
    """(user id, team id, display name) of whoever a Slack request comes from, as far as the
    body says: a slash command, an interaction (button, form, shortcut) or an event."""
    if _str(body.get("command")) or _str(body.get("user_id")):
        return _str(body.get("user_id")), _str(body.get("team_id")), _str(body.get("user_name"))
    user = body.get("user")
    if isinstance(user, dict):
        team = body.get("team") if isinstance(body.get("team"), dict) else {}
        name = _str(user.get("name")) or _str(user.get("username"))
        return _str(user.get("id")), _str(user.get("team_id")) or _str(team.get("id")), name
    event = body.get("event")
    if isinstance(event, dict):
        team = _str(event.get("user_team")) or _str(event.get("team")) or _str(body.get("team_id"))
        return _str(event.get("user")), team, None
    return None, None, None


def person_of(
    engine: Engine, body: dict, context: MutableMapping | None = None
) -> PersonRef | None:
    """The person who sent this request (made on first sight), or None if nobody did."""
    if context is not None and CONTEXT_KEY in context:
        return context[CONTEXT_KEY]
    user_id, team_id, name = slack_user(body)
    found = people_cache.person(engine, people.SLACK, team_id, user_id, name) if user_id else None
    if context is not None:
        context[CONTEXT_KEY] = found
    return found


def slack_ids(session: Session, person_ids: Iterable[int | None]) -> dict[int, str]:
    """The Slack user id of each of these people who has one (one batch look-up)."""
    found = people.refs(session, person_ids)
    return {pid: uid for pid, ref in found.items() if (uid := ref.account(people.SLACK))}
