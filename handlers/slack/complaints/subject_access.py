"""`/complaint privacy export <@person | email | person number>`: a lead asks for everything
msbot holds about a person. The core checks the lead may, queues the export (durably, before
this answer) and its files reach the lead by DM through the outbox (bot.privacy.requests).
Every answer here is the command's own, which only the lead sees."""

from __future__ import annotations

import re

from slack_bolt import Ack

from bot.errors import DomainError, NotPermitted, StoreUnavailable
from bot.permissions import Actor
from bot.privacy import requests
from handlers.slack.commands import Subcommand
from handlers.slack.errors import explain
from handlers.slack.middleware import delivery_key
from handlers.slack.services import Services
from handlers.slack.slack_text import escape, mention

USAGE = (
    "Use `/complaint privacy export @person` (or their email, or their person number): "
    "everything msbot holds about them comes to you by DM, as JSON and as a web page."
)
ONLY_LEADS = "Only the team's leads can export a person's data. Ask a lead if it is needed."
QUEUED = (
    "Queued: the export for {who} is on its way to you by DM (two files). It holds "
    "personal data: keep it only as long as the request needs it."
)
REVEALS = (
    " {n} of their cases are anonymous: naming them to you is recorded as a reveal, as "
    "`reveal` would be."
)
AGAIN = "That request is queued already: the files are on their way to you by DM."

# How Slack sends a mention or an email in a command's text: <@U123|name>, <mailto:a@b|a@b>.
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")


def target(word: str) -> str:
    """The user id, email or person number a lead typed, without Slack's markup."""
    for pattern in (_MENTION, _MAILTO):
        found = pattern.fullmatch(word.strip())
        if found:
            return found.group(1)
    return word.strip()


def _privacy(services: Services, ack: Ack, body: dict, args: list[str], actor: Actor) -> None:
    if len(args) != 2 or args[0].lower() != "export":
        ack(text=USAGE)
        return
    who = target(args[1])
    try:
        queued = requests.queue_export(
            services.engine,
            actor,
            who,
            requests.staff_names(services.settings),
            services.now(),
            request_key=delivery_key(body),
        )
    except NotPermitted:
        ack(text=ONLY_LEADS)
        return
    except (DomainError, StoreUnavailable) as exc:
        ack(text=explain(exc, services.engine))
        return
    if not queued.rows:
        ack(text=AGAIN)
        return
    named = _MENTION.fullmatch(args[1].strip())
    answer = QUEUED.format(who=mention(named.group(1)) if named else escape(who[:120]))
    if queued.anonymous_cases:
        answer += REVEALS.format(n=queued.anonymous_cases)
    ack(text=answer)
    services.send_queued()


# Its `/complaint` subcommand; the app factory builds the router from it.
SUBCOMMANDS = (
    Subcommand(
        "privacy",
        "privacy export <@person | email | person number>",
        "leads: everything msbot holds about a person, sent to you by DM",
        _privacy,
    ),
)
