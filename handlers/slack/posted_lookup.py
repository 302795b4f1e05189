"""Finds an outbox row's message on Slack by the metadata every post carries: what the outbox
asks before posting a row in doubt again (bot.outbox_doubt).

A top-level message is looked for in ``conversations.history``; a thread reply only shows in
``conversations.replies`` of its thread. Both need the history scope of the conversation's
kind (channels:history, groups:history, im:history: see the manifests). Reading is bounded:
newest first from now back to ``oldest``, at most MAX_PAGES pages. Since one destination's
messages go out one at a time, a row in doubt is the newest of msbot's own posts in its
channel (or thread), so it is normally on the first page.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.outbox import Sent
from bot.outbox_doubt import LookupFailed

PLATFORM = "slack"  # how the core's tables name this front end
METADATA_EVENT_TYPE = "msbot_outbox"
PAGE_SIZE = 200
MAX_PAGES = 5
# Slack errors a retry may cure; any other (missing_scope, not_in_channel, channel_not_found,
# thread_not_found...) will not be cured by asking again.
_TRANSIENT_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


def tag(outbox_id: int) -> dict:
    """The metadata every post of an outbox row carries."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"outbox_id": outbox_id}}


def is_tagged(message: dict, outbox_id: int) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == METADATA_EVENT_TYPE and str(
        payload.get("outbox_id")
    ) == str(outbox_id)


def find_tagged(
    client: WebClient,
    channel: str,
    outbox_id: int,
    *,
    oldest: float,
    thread_ts: str | None = None,
) -> Sent | None:
    """The message posted to ``channel`` (or its thread ``thread_ts``) since ``oldest`` (a
    Unix time) that carries ``outbox_id``; None when there is none. Raises LookupFailed when
    it cannot tell."""
    cursor = None
    for _ in range(MAX_PAGES):
        args = {
            "channel": channel,
            "oldest": f"{oldest:.6f}",
            "limit": PAGE_SIZE,
            "include_all_metadata": True,
        }
        if cursor:
            args["cursor"] = cursor
        try:
            if thread_ts:
                page = client.conversations_replies(ts=thread_ts, **args)
            else:
                page = client.conversations_history(**args)
        except SlackApiError as exc:
            raise _failed(exc) from exc
        except (SlackClientError, OSError) as exc:  # unreachable after the client's retries
            # The type only: a GET's text can carry its URL, and with it a DM's channel.
            raise LookupFailed(type(exc).__name__, transient=True) from exc
        for message in page.get("messages") or []:
            if is_tagged(message, outbox_id):
                return Sent(PLATFORM, channel, str(message.get("ts")), thread_ts)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    raise LookupFailed(
        f"more than {MAX_PAGES} pages of history since the first claim", transient=False
    )


def _failed(exc: SlackApiError) -> LookupFailed:
    response = exc.response
    error = str(response.get("error") or "") if response is not None else ""
    status = response.status_code if response is not None else 0
    if status == 429 or status >= 500 or error in _TRANSIENT_ERRORS:
        wait = retry_after(response.headers) if status == 429 else None
        return LookupFailed(error or f"HTTP {status}", transient=True, retry_after=wait)
    return LookupFailed(error or f"HTTP {status}", transient=False)


def retry_after(headers: dict | None) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(1.0, float(value))
            except (TypeError, ValueError):
                break
    return 1.0
