"""Posts outbox messages through the Slack Web API."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.outbox import PermanentDeliveryError, Sent
from models import OutboxMessage

# Errors that no retry will fix until someone changes the app's set-up.
PERMANENT_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "missing_scope",
    "user_not_found",
    "cannot_dm_bot",
    "invalid_blocks",
    "msg_too_long",
}

# (session, outbox row) -> (fallback text, blocks)
Renderer = Callable[[Session, OutboxMessage], tuple[str, list[dict]]]


class SlackTransport:
    def __init__(self, client: WebClient, renderers: dict[str, Renderer]):
        self.client = client
        self.renderers = renderers
        # user id -> DM channel id; conversations.open always returns the same channel for a
        # user, so asking once per process saves a Web API call on every later DM.
        self._dm_channels: dict[str, str] = {}

    def render(self, session: Session, msg: OutboxMessage) -> tuple[str, list[dict]]:
        renderer = self.renderers.get(msg.kind)
        if renderer is None:
            raise PermanentDeliveryError(f"no renderer for {msg.kind}")
        return renderer(session, msg)

    def _dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm_channels:
            opened = self.client.conversations_open(users=user_id)
            self._dm_channels[user_id] = opened["channel"]["id"]
        return self._dm_channels[user_id]

    def deliver(self, msg: OutboxMessage, rendered: tuple[str, list[dict]]) -> Sent:
        text, blocks = rendered
        try:
            channel = msg.recipient_channel_id
            if channel is None:
                channel = self._dm_channel(msg.recipient_user_id)
            # unfurl_links off: a message must never expand a link a user typed.
            resp = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
            return Sent(channel_id=resp["channel"], ts=resp["ts"])
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in PERMANENT_ERRORS:
                raise PermanentDeliveryError(error) from exc
            raise
