"""A case's room is its triage card's thread: each human reply there is an internal note.

Edits update the note (the core keeps the earlier text), deletions mark it deleted. Bot
messages (ours included) and other threads are ignored. A supplier's reply in the thread of a
relayed DM goes back to its case. Slack's retries of one event are dropped by the
drop_repeated_deliveries middleware (same event_id), and the core is idempotent on the
message ts besides.

The work is a short database write done before the HTTP response, so a note Slack was told
we received has been stored.
"""

from __future__ import annotations

import re

import structlog
from slack_bolt import Ack, App

from bot.complaints import investigation
from bot.errors import DomainError, StoreUnavailable
from handlers.complaints import mentions
from handlers.services import Services

log = structlog.get_logger("msbot.complaints.thread")

# "<@U123> word": a mention command, handled by the app_mention listener, not a note.
_LEADING_MENTION = re.compile(r"^\s*<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*(\S*)")


def _from_bot(message: dict) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


def _is_mention_command(text: str | None, bot_user_id: str | None) -> bool:
    found = _LEADING_MENTION.match(text or "")
    if not found:
        return False
    if bot_user_id:
        return found.group(1) == bot_user_id
    return found.group(2).lower() in mentions.registry.commands


def _bot_user_id(body: dict) -> str | None:
    for auth in body.get("authorizations") or ():
        if isinstance(auth, dict) and auth.get("is_bot"):
            return auth.get("user_id")
    return None


def handle(services: Services, body: dict, event: dict) -> None:
    subtype = event.get("subtype")
    channel = event.get("channel") or ""
    now = services.now()
    if subtype in (None, "thread_broadcast", "file_share"):
        if _from_bot(event):
            return
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        if not thread_ts or thread_ts == ts:
            return  # not a reply in a thread
        if event.get("channel_type") == "im":
            investigation.supplier_reply(
                services.engine, channel, thread_ts, ts, event.get("user"), event.get("text"), now
            )
            services.send_queued()  # the reply is posted in the case thread
        elif not _is_mention_command(event.get("text"), _bot_user_id(body)):
            investigation.record_note(
                services.engine, channel, thread_ts, ts, event.get("user"), event.get("text"), now
            )
    elif subtype == "message_changed":
        message = event.get("message") or {}
        if _from_bot(message) or not message.get("thread_ts"):
            return
        if message.get("thread_ts") == message.get("ts") or event.get("channel_type") == "im":
            return
        investigation.edit_note(
            services.engine,
            channel,
            message["thread_ts"],
            message.get("ts"),
            message.get("user"),
            message.get("text"),
            now,
        )
    elif subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if _from_bot(previous) or not previous.get("thread_ts"):
            return
        if event.get("channel_type") == "im":
            return
        investigation.delete_note(
            services.engine,
            channel,
            previous["thread_ts"],
            event.get("deleted_ts") or previous.get("ts"),
            previous.get("user"),
            None,
            now,
        )


def register(app: App, services: Services) -> None:
    @app.event("message")
    def on_message(ack: Ack, body: dict, event: dict) -> None:
        ack()
        try:
            handle(services, body, event)
        except StoreUnavailable:
            log.error("thread.store_unavailable")
        except DomainError as exc:
            # Not a case thread, or a note the core refuses: nothing to tell anyone.
            log.info("thread.ignored", reason=type(exc).__name__)
