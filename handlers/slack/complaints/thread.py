"""A case's room is its triage card's thread: each human reply there is an internal note.

Edits update the note (the core keeps the earlier text), deletions mark it deleted. Bot
messages (ours included) and other threads are ignored. A supplier's reply in the thread of a
relayed DM goes back to its case. Slack's retries of one event are dropped by the
drop_repeated_deliveries middleware (same event_id), and the core is idempotent on the
message (channel and ts) besides.

The work is a short database write done before the HTTP response, so a note Slack was told
we received has been stored. When the database fails, the delivery is not acknowledged and
Slack retries it; after Slack's last retry the author is told privately that it was not
saved (or not confirmed). A note is never dropped without a word.
"""

from __future__ import annotations

import re

import structlog
from slack_bolt import Ack, App, BoltRequest, BoltResponse

from bot.complaints import investigation
from bot.complaints.thread_commands import COMMANDS_BY_NAME
from bot.db import CommitUncertain
from bot.errors import DomainError, NotPermitted, StoreUnavailable
from bot.permissions import Actor
from handlers.slack import actors
from handlers.slack.complaints.anchors import case_of_relay, case_of_thread, note_key
from handlers.slack.complaints.replies import tell_privately
from handlers.slack.errors import explain
from handlers.slack.services import Services

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
    return found.group(2).lower() in COMMANDS_BY_NAME


def _bot_user_id(body: dict) -> str | None:
    for auth in body.get("authorizations") or ():
        if isinstance(auth, dict) and auth.get("is_bot"):
            return auth.get("user_id")
    return None


def _actor(services: Services, body: dict, user) -> Actor:
    """The actor a message's Slack author is (no person when Slack names nobody). Resolved
    here, only for a human's reply in a thread, not for every message the app hears; which
    person an account is, is remembered by the process (bot.people_cache)."""
    return actors.actor_for(services, user if isinstance(user, str) else "", body.get("team_id"))


def handle(services: Services, body: dict, event: dict) -> None:
    subtype = event.get("subtype")
    channel = event.get("channel") or ""
    now = services.now()
    engine = services.engine
    if subtype in (None, "thread_broadcast", "file_share"):
        if _from_bot(event):
            return
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        if not thread_ts or thread_ts == ts:
            return  # not a reply in a thread
        key, user, text = note_key(channel, ts), event.get("user"), event.get("text")
        if event.get("channel_type") == "im":
            relayed = case_of_relay(channel, thread_ts)
            actor = _actor(services, body, user)
            investigation.supplier_reply(engine, relayed, key, text, now, actor=actor)
            services.send_queued()  # the reply is posted in the case thread
        elif not _is_mention_command(text, _bot_user_id(body)):
            case = case_of_thread(channel, thread_ts)
            actor = _actor(services, body, user)
            investigation.record_note(engine, case, key, text, now, actor=actor)
    elif subtype == "message_changed":
        message = event.get("message") or {}
        if _from_bot(message) or not message.get("thread_ts"):
            return
        if message.get("thread_ts") == message.get("ts") or event.get("channel_type") == "im":
            return
        investigation.edit_note(
            engine,
            case_of_thread(channel, message["thread_ts"]),
            note_key(channel, message.get("ts")),
            message.get("text"),
            now,
            actor=_actor(services, body, message.get("user")),
        )
    elif subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if _from_bot(previous) or not previous.get("thread_ts"):
            return
        if event.get("channel_type") == "im":
            return
        deleted = event.get("deleted_ts") or previous.get("ts")
        author = _actor(services, body, previous.get("user"))
        investigation.delete_note(engine, note_key(channel, deleted), now, actor=author)


# Slack retries a failed event delivery up to this many times (X-Slack-Retry-Num 1..3).
SLACK_RETRIES = 3

NOT_SAVED = {
    "note": "Your reply in this thread was not saved as a case note: our database is "
    "unavailable. Please post it again in a few minutes.",
    "edit": "Your edit was not saved to the case note: our database is unavailable. Please "
    "edit the message again in a few minutes.",
    "delete": "Your deletion was not recorded: the case note is still kept. Our database is "
    "unavailable; please delete it again in a few minutes.",
    "reply": "Your reply was not passed to the team: our service is unavailable. Please send "
    "it again in a few minutes.",
}
# What a refusal is prefixed with (the reason is the core's, worded by handlers/slack/errors.py).
REFUSED = {
    "note": "Your reply in this thread was not saved as a case note. ",
    "edit": "Your edit was not saved to the case note. ",
    "delete": "Your deletion was not recorded: the case note is still kept. ",
    "reply": "Your reply was not passed to the team. ",
}
NOT_CONFIRMED = (
    "Our database did not confirm that your last message in this thread was saved. "
    "If it is missing from the case's timeline, please send it again."
)


def _author_and_what(event: dict) -> tuple[str | None, str | None, str]:
    """Who wrote what this event carries, the thread it is in, and what it was."""
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = event.get("message") or {}
        return message.get("user"), message.get("thread_ts"), "edit"
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        return previous.get("user"), previous.get("thread_ts"), "delete"
    what = "reply" if event.get("channel_type") == "im" else "note"
    return event.get("user"), event.get("thread_ts"), what


def _retry_number(request: BoltRequest) -> int:
    try:
        return int(request.headers.get("x-slack-retry-num", ["0"])[0])
    except (TypeError, ValueError):
        return 0


# Nothing claims these deliveries: each write is idempotent on the message's ts, and a
# delivery that failed must stay unclaimed for Slack's retry to store it
# (handlers/slack/middleware.py drop_repeated_deliveries).
CLAIMS_ITS_OWN_DELIVERY = frozenset({"message"})


def register(app: App, services: Services) -> None:
    @app.event("message")
    def on_message(ack: Ack, body: dict, event: dict, request: BoltRequest):
        try:
            handle(services, body, event)
        except StoreUnavailable as exc:
            retry = _retry_number(request)
            if retry < SLACK_RETRIES:
                # Not acknowledged: Slack delivers it again (1 min, then 5 min later).
                log.warning("thread.store_unavailable", retry=retry, will_retry=True)
                return BoltResponse(status=503, body="")
            log.error("thread.store_unavailable", retry=retry, will_retry=False)
            user, thread_ts, what = _author_and_what(event)
            if user:
                answer = NOT_CONFIRMED if isinstance(exc, CommitUncertain) else NOT_SAVED[what]
                services.after_ack(
                    tell_privately, services, event.get("channel"), user, answer, thread_ts
                )
        except NotPermitted as exc:
            # Told to the author alone, in the thread they wrote in.
            log.info("thread.refused", code=exc.code)
            user, thread_ts, what = _author_and_what(event)
            if user:
                answer = explain(exc, prefix=REFUSED[what])
                services.after_ack(
                    tell_privately, services, event.get("channel"), user, answer, thread_ts
                )
        except DomainError as exc:
            # Not a case thread, or a case gone: nothing to tell anyone.
            log.info("thread.ignored", reason=type(exc).__name__)
        ack()
        return None
