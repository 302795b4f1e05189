"""`@msbot <command>` in a case thread, from the core's one list (bot/complaints/
thread_commands.py, shared with Teams) so `@msbot help` lists exactly what exists. Answers are
private (chat.postEphemeral in the thread); changes show on the card and in the thread through
the outbox. A mention carries no trigger_id, so a command that needs a form answers with a
button that opens it.
"""

from __future__ import annotations

import re

import structlog
from slack_bolt import Ack, App

from bot import pending
from bot.complaints import investigation
from bot.complaints import thread_commands as commands
from bot.db import CommitUncertain, transaction
from bot.errors import StoreUnavailable
from handlers import durable
from handlers.slack import actors, middleware
from handlers.slack.complaints import case_card
from handlers.slack.complaints.anchors import case_of_thread
from handlers.slack.complaints.replies import tell_privately
from handlers.slack.complaints.timeline_blocks import timeline_text
from handlers.slack.errors import UNAVAILABLE, explain
from handlers.slack.services import Services
from handlers.slack.slack_text import escape, mention, safe

log = structlog.get_logger("msbot.complaints.mentions")

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# The record of a command sent its COMMIT and heard nothing back: it may run, or may not.
UNCONFIRMED = (
    "Sorry, the database did not confirm your command. It may still run; if nothing shows "
    "in the thread in a minute, send it again."
)


def _form_blocks(offer: commands.FormOffered) -> list[dict]:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": offer.label},
        "action_id": case_card.OPEN_FORM,
        "value": f"{offer.reference}|{offer.form}",
        "style": "primary",
    }
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(offer.why)}},
        {"type": "actions", "elements": [button]},
    ]


MARKUP = commands.Markup(code=lambda s: f"`{s}`", strong=lambda s: f"*{s}*", bullet="•")


def help_text() -> str:
    return commands.help_text(MARKUP)


def wording(answer: commands.Answer) -> str | None:
    """What the asker is told of a command's answer (None: nothing, the card shows it)."""
    match answer:
        case commands.Told():
            return commands.describe(answer, MARKUP)
        case commands.Timeline(reference, entries, named):
            return timeline_text(reference, list(entries), named)
        case commands.Revealed(reference, raised_by):
            return (
                f"{reference} was raised by {mention(raised_by)}. "
                "Only you can see this; the reveal is recorded."
            )
    return None


def _named(services: Services, args: str):
    """The person a Slack mention in the arguments names, as an Actor."""
    found = _MENTION.search(args)
    return actors.actor_for(services, found.group(1)) if found else None


def parse(text: str | None) -> tuple[str, str]:
    """('command', 'arguments') from '<@UBOT> command arguments'."""
    # Parsed before the ack now: a body of the wrong shape must not become a 500.
    return commands.parse(_MENTION.sub("", text if isinstance(text, str) else "", count=1))


def _answered_without_the_database(services: Services, event: dict) -> bool:
    """Help, an unknown word, or a mention outside a thread: answered here, nothing recorded."""
    user, channel, thread_ts = event.get("user") or "", event.get("channel") or "", None
    word, _ = parse(event.get("text"))
    if word in ("", "help"):
        text = help_text()
    elif word not in commands.COMMANDS_BY_NAME:
        text = f"I don't know `{safe(word, 30)}`.\n\n{help_text()}"
    elif not event.get("thread_ts"):
        text = "Mention me in a case's thread (reply to its card in the triage channel)."
    else:
        return False
    thread_ts = event.get("thread_ts")
    services.after_ack(tell_privately, services, channel, user, text, thread_ts)
    return True


def handle(services: Services, event: dict) -> None:
    """Run one recorded command. StoreUnavailable passes through: the command is then resumed
    when the database is back (handlers/durable.py), so it must not be told as a failure."""
    user = event.get("user") or ""
    channel = event.get("channel") or ""
    thread_ts = event.get("thread_ts")
    word, args = parse(event.get("text"))
    command = commands.COMMANDS_BY_NAME[word]

    def tell(text: str, blocks: list[dict] | None = None) -> None:
        try:
            services.client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread_ts, text=text, blocks=blocks
            )
        except Exception as exc:
            log.warning("mention.reply_failed", error=str(exc)[:200])

    try:
        with transaction(services.engine) as s:
            case = investigation.case_for(s, case_of_thread(channel, thread_ts))
            reference = case.reference if case is not None else None
        if reference is None:
            tell("This thread is not a case. Mention me in the thread of a case's card.")
            return
        asked = commands.Asked(
            services.engine,
            services.now(),
            actors.actor_for(services, user),
            reference,
            args,
            lambda words: _named(services, words),
        )
        answer = command.run(asked)
        if isinstance(answer, commands.Changed) and answer.view is not None:
            services.handoff.give(answer.view.card_refresh_id, answer.view)
        services.send_queued()
        if isinstance(answer, commands.FormOffered):
            tell(escape(answer.why), _form_blocks(answer))
        elif (text := wording(answer)) is not None:
            tell(text)
    except (StoreUnavailable, pending.ClaimLost):
        raise  # not done: resumed later, or done by the runner that holds it
    except Exception as exc:  # a refusal (DomainError), or a fault: nothing was changed
        tell(explain(exc, services.engine))


def run_recorded(services: Services, payload: dict, attempt: int) -> None:
    event = payload.get("event") or {}
    try:
        handle(services, event)
    except StoreUnavailable:
        if attempt == 1:
            word, _ = parse(event.get("text"))
            tell_privately(
                services,
                event.get("channel"),
                event.get("user") or "",
                f"The database is not answering, so `{safe(word, 30)}` has not run yet. "
                "It will run as soon as the database is back; no need to send it again.",
                event.get("thread_ts"),
            )
        raise


def _recorded_event(event: dict) -> dict:
    return {k: event.get(k) for k in ("user", "channel", "thread_ts", "ts", "text")}


# The command is recorded with its delivery key before the ack: that is its claim
# (handlers/slack/middleware.py drop_repeated_deliveries).
CLAIMS_ITS_OWN_DELIVERY = frozenset({"app_mention"})


def register(app: App, services: Services) -> None:
    @app.event("app_mention")
    def on_mention(ack: Ack, body: dict, event: dict) -> None:
        if _answered_without_the_database(services, event):
            ack()
            return
        key = middleware.delivery_key(body) or f"mention:{event.get('channel')}/{event.get('ts')}"
        try:
            command_id = pending.record(
                services.engine, key, "mention", {"event": _recorded_event(event)}
            )
        except StoreUnavailable as exc:
            ack()
            answer = UNCONFIRMED if isinstance(exc, CommitUncertain) else UNAVAILABLE
            services.after_ack(
                tell_privately,
                services,
                event.get("channel"),
                event.get("user") or "",
                answer,
                event.get("thread_ts"),
            )
            return
        ack()
        if command_id is not None:  # None: a retry of a command already recorded
            services.after_ack(durable.run_after_ack, services, command_id)
