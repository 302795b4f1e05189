"""Who is asking, and about which case: resolved once per request, before the listener runs.

``actor_for`` is the one place a Slack user becomes the core's Actor: the person their account
is (handlers/slack/people.py) with the roles the directory gives that person. The middleware
puts the result in Bolt's context, where listeners take it as ``context["actor"]``; work
resumed later (a recorded mention, run by the sweeper) calls ``actor_for`` itself.

The case a request is about is carried by the payload (a card button's value or block id, a
form's metadata) and put in the context as ``context["case_reference"]``; the core looks it
up in the transaction that acts on it, so no row is read twice.
"""

from __future__ import annotations

import structlog
from slack_bolt import BoltContext, BoltRequest, BoltResponse

from bot.errors import StoreUnavailable
from bot.permissions import Actor
from handlers.slack.commands import ACTOR_UNAVAILABLE
from handlers.slack.complaints import team
from handlers.slack.middleware import opens_a_form
from handlers.slack.people import slack_user
from handlers.slack.services import Services

log = structlog.get_logger("msbot.requests")

ACTOR = "actor"
CASE_REFERENCE = "case_reference"
# Event types whose listeners act for a person. Plain messages (notes in a case thread, a
# supplier's reply) need no roles, so they are not resolved: the busiest traffic stays cheap.
EVENTS_WITH_AN_ACTOR = frozenset({"app_mention", "app_home_opened"})


class UnknownRoles(frozenset):
    """The roles of a requester who could not be looked up: asking about them is the outage."""

    def _unknown(self, *_):
        raise StoreUnavailable("who is asking could not be looked up")

    __contains__ = __and__ = __rand__ = __iter__ = __len__ = __bool__ = _unknown


def actor_for(services: Services, user_id: str, team_id: str | None = None) -> Actor:
    """The core's Actor for this Slack user: the one function that makes one. The user is
    the person that account is (made on first sight), with the roles the settings give any
    of their accounts or their email; a request that names nobody gets no person, no roles."""
    if not user_id:
        return Actor(None, frozenset())
    return team.directory(services).actor_for(team.person(services, user_id, team_id))


def requester(body: dict) -> str | None:
    """The Slack user a request comes from: a command's user_id, an action's or a form's
    user, an event's user ("" when a request that acts for someone names nobody, so its
    listener still finds an actor, one with no roles); None for events that act for nobody."""
    if body.get("type") == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or event.get("type") not in EVENTS_WITH_AN_ACTOR:
            return None
        user = event.get("user")
        return user if isinstance(user, str) else ""
    if isinstance(body.get("user_id"), str):
        return body["user_id"]
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return user["id"]
    return ""


def case_reference(body: dict) -> str | None:
    """The case a triage-card control or investigation form is about, or None.

    Card buttons carry "REF" or "REF|what" as their value; the assign menu carries the
    reference in its block id ("case|REF"); the investigation forms in private_metadata.
    """
    if body.get("type") == "block_actions":
        action = (body.get("actions") or [{}])[0]
        if not isinstance(action, dict) or not str(action.get("action_id", "")).startswith(
            "complaint_"
        ):
            return None
        block = action.get("block_id")
        if isinstance(block, str) and block.startswith("case|"):
            return block.removeprefix("case|") or None
        value = action.get("value")
        return value.partition("|")[0] or None if isinstance(value, str) else None
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        if str(view.get("callback_id", "")).startswith("complaint_"):
            metadata = view.get("private_metadata")
            return metadata or None if isinstance(metadata, str) else None
    return None


def resolve(services: Services, *, form_openers: frozenset[tuple[str, str]] = frozenset()):
    """Global middleware: the actor and the case of every request that has them.
    ``form_openers`` (command, first word) only open a form and act for nobody: no actor is
    looked up for them, so the busiest command does no database work before its ack."""

    def middleware(req: BoltRequest, resp: BoltResponse, next):
        body = req.body if isinstance(req.body, dict) else {}
        context: BoltContext = req.context
        user = requester(body)
        if user is not None and not opens_a_form(body, form_openers):
            try:
                context[ACTOR] = actor_for(services, user, slack_user(body)[1])
            except StoreUnavailable:
                # Who is asking could not be looked up: they act as nobody whose roles are
                # unknown, so any check of them raises the outage again, and the listener
                # says the database is unavailable (not that they may not): a command at
                # once (handlers/slack/commands.py), anything else where it meets the core.
                log.warning("requests.actor_unavailable")
                context[ACTOR] = Actor(None, UnknownRoles())
                context[ACTOR_UNAVAILABLE] = True
        if reference := case_reference(body):
            context[CASE_REFERENCE] = reference
        return next()

    return middleware
