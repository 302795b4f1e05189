"""One map from the core's refusals and faults to what the user is told, and private replies."""

from __future__ import annotations

import structlog
from sqlalchemy.engine import Engine

from bot import people
from bot.complaints.investigation import ALREADY_ASSIGNED, NOT_ON_TEAM
from bot.db import transaction
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from handlers.slack.services import Services
from handlers.slack.slack_text import escape, mention

log = structlog.get_logger("msbot.complaints")

UNAVAILABLE = (
    "Sorry, our database is unavailable right now, so nothing was changed. "
    "Please try again in a few minutes."
)
FAILED = "Sorry, something went wrong on our side and nothing was changed. Please try again."


# Refusals naming a person, worded here so the person is a mention (built by us, so not
# escaped); the core's own message for them names nobody.
NAMING = {
    ALREADY_ASSIGNED: "{person} already has this case; nothing was changed.",
    NOT_ON_TEAM: "{person} is not an investigator or lead, so they can't take this case.",
}


def explain(exc: Exception, engine: Engine | None = None) -> str:
    """Plain words for a refusal or a fault; the core's text is escaped, mentions are ours.
    A refusal naming a person shows them from ``engine`` (else as "Someone")."""
    if isinstance(exc, StoreUnavailable):
        return UNAVAILABLE
    named = getattr(exc, "people", ())
    wording = NAMING.get(getattr(exc, "code", ""))
    if wording and named:
        return wording.format(person=_person(engine, named[0]))
    if isinstance(exc, ValidationFailed):
        return escape(" ".join(str(m) for m in exc.errors.values()))
    if isinstance(exc, DomainError):
        return escape(str(exc))
    log.error("complaints.unexpected", error=repr(exc))
    return FAILED


def _person(engine: Engine | None, person_id) -> str:
    if engine is None or not isinstance(person_id, int):
        return "Someone"
    try:
        with transaction(engine) as s:
            return mention(people.ref(s, person_id)) if person_id else "Someone"
    except StoreUnavailable:
        return "Someone"


def tell_privately(
    services: Services, channel: str | None, user: str, text: str, thread_ts: str | None = None
) -> None:
    """An ephemeral message to ``user`` (in a thread when given); a failure is only logged."""
    if not channel:
        return
    try:
        services.client.chat_postEphemeral(
            channel=channel, user=user, text=text, thread_ts=thread_ts
        )
    except Exception as exc:
        log.warning("complaints.ephemeral_failed", error=str(exc)[:200])
