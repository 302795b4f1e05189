"""The one map from the core's structured errors to what a Slack user is told.

The core raises a DomainError with a code and the people and cases involved, and a plain
message that names nobody (bot/errors.py). Here a code whose sentence names a person is worded
with that person as a mention (built by us, so not escaped); any other refusal shows the core's
message, escaped; an outage or a bug gets a sentence of its own. Refusals are always told to
the person who asked alone (an ephemeral reply, a command's answer, or the form's errors).
"""

from __future__ import annotations

import structlog

from bot.complaints.investigation import ALREADY_ASSIGNED, NOT_ON_TEAM
from bot.errors import DomainError, StoreUnavailable, ValidationFailed
from handlers.slack.slack_text import escape, mention

log = structlog.get_logger("msbot.errors")

UNAVAILABLE = (
    "Sorry, our database is unavailable right now, so nothing was changed. "
    "Please try again in a few minutes."
)
SHADOW_UNAVAILABLE = (
    "Sorry, work-shadowing is unavailable right now because our database cannot be reached. "
    "Nothing was changed; please try again in a few minutes."
)
FAILED = "Sorry, something went wrong on our side and nothing was changed. Please try again."

# Refusals naming a person: the core's own message for them names nobody.
NAMING = {
    ALREADY_ASSIGNED: "{person} already has this case; nothing was changed.",
    NOT_ON_TEAM: "{person} is not an investigator or lead, so they can't take this case.",
}


def explain(exc: Exception, *, unavailable: str = UNAVAILABLE, prefix: str = "") -> str:
    """Plain words for a refusal or a fault, after ``prefix``; ``unavailable`` is what an
    outage is called in the feature asked."""
    if isinstance(exc, StoreUnavailable):
        return unavailable
    people = getattr(exc, "people", ())
    wording = NAMING.get(getattr(exc, "code", ""))
    if wording and people:
        return prefix + wording.format(person=mention(people[0]))
    if isinstance(exc, ValidationFailed):
        return prefix + escape(" ".join(str(m) for m in exc.errors.values()))
    if isinstance(exc, DomainError):
        return prefix + escape(str(exc))
    log.error("listener.unexpected", error=repr(exc))
    return FAILED


def form_errors(exc: Exception, first_field: str, *, unavailable: str = UNAVAILABLE) -> dict:
    """A refusal shown in a modal: by field where the core names one, else on ``first_field``.
    Modal errors are plain text, so the core's message is not mrkdwn-escaped."""
    if isinstance(exc, ValidationFailed):
        return dict(exc.errors)
    if isinstance(exc, StoreUnavailable):
        return {first_field: unavailable}
    if isinstance(exc, DomainError):
        return {first_field: str(exc)}
    log.error("listener.unexpected", error=repr(exc))
    return {first_field: FAILED}
