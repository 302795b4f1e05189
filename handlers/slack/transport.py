"""Posts outbox messages through the Slack Web API.

A row goes to a person (their DM, opened with conversations.open) or to a team role (the
channel configured for it: ``roles``); a renderer may name another channel (the channel of the
case card whose thread it posts in, or of the message it updates)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.outbox import LEADS_ROLE, TRIAGE_ROLE, AfterSent, PermanentDeliveryError, RateLimited, Sent
from bot.outbox.delivery import ACCOUNT_GONE, CANNOT_DM, NO_ACCOUNT
from bot.outbox.kinds import AfterDead
from bot.outbox_doubt import LookupFailed
from handlers.slack.people import slack_ids
from handlers.slack.posted_lookup import PLATFORM, find_tagged, tag
from handlers.slack.posted_lookup import retry_after as _retry_after
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
# conversations.open's answers when the person, not msbot, is why a DM cannot be opened.
RECIPIENT_ERRORS = {
    "user_not_found": ACCOUNT_GONE,
    "user_disabled": ACCOUNT_GONE,
    "account_inactive": ACCOUNT_GONE,
    "cannot_dm_bot": CANNOT_DM,
    "user_not_visible": CANNOT_DM,
}


@dataclass(frozen=True)
class RenderedFile:
    """A file to upload with files_upload_v2 (e.g. a digest chart)."""

    filename: str
    content: bytes
    title: str
    alt_text: str = ""


@dataclass(frozen=True)
class Rendered:
    """What to post for one outbox row, when a plain (text, blocks) is not enough."""

    text: str
    blocks: list[dict]
    # Post as a reply in this thread (a message ts in the same channel).
    thread_ts: str | None = None
    # Replace this earlier message (chat.update) instead of posting a new one.
    update_ts: str | None = None
    # Post here instead of the row's recipient (e.g. the channel of the card being updated).
    channel_id: str | None = None
    # Upload this file to the channel (files_upload_v2), with ``text`` as its comment.
    file: RenderedFile | None = None
    # Slack message metadata ({"event_type": ..., "event_payload": {...}}).
    metadata: dict | None = None
    # The Slack user a DM goes to: the recipient person's Slack account, found at render time.
    dm_user_id: str | None = None


# (session, outbox row) -> (fallback text, blocks) or Rendered; may raise NotReady or Skip
# (bot.outbox) or PermanentDeliveryError.
Renderer = Callable[[Session, OutboxMessage], "tuple[str, list[dict]] | Rendered"]


def role_channels(settings) -> dict[str, str]:
    """Each team role's channel, as the settings name them (a role without one is unset)."""
    channels = {TRIAGE_ROLE: settings.triage_channel_id, LEADS_ROLE: settings.leads_channel_id}
    return {role: channel for role, channel in channels.items() if channel}


class SlackTransport:
    platform = PLATFORM

    def __init__(
        self,
        client: WebClient,
        renderers: dict[str, Renderer],
        roles: dict[str, str] | None = None,
        *,
        after_sent: Mapping[str, AfterSent] | None = None,
        threaded_kinds: frozenset[str] = frozenset(),
        after_dead: Mapping[str, AfterDead] | None = None,
    ):
        self.client = client
        self.renderers = renderers
        # team role -> its channel id (bot.outbox.ROLES)
        self.roles = dict(roles or {})
        # The core's hooks per kind (bot.bootstrap.after_sent_hooks), run by the outbox in
        # the transaction that records a row as sent.
        self.after_sent = dict(after_sent or {})
        # ... and in the one that records a row dead (bot.bootstrap.after_dead_hooks).
        self.after_dead = dict(after_dead or {})
        # Kinds kept in order within their subject's thread (bot.bootstrap.threaded_kinds).
        self.threaded_kinds = threaded_kinds
        # user id -> DM channel id; conversations.open always returns the same channel for a
        # user, so asking once per process saves a Web API call on every later DM.
        self._dm_channels: dict[str, str] = {}

    def render(self, session: Session, msg: OutboxMessage) -> Rendered:
        renderer = self.renderers.get(msg.kind)
        if renderer is None:
            raise PermanentDeliveryError(f"no renderer for {msg.kind}")
        out = renderer(session, msg)
        rendered = out if isinstance(out, Rendered) else Rendered(*out)
        # A person's DM: the transport finds their Slack account (with the row, in its session).
        if msg.recipient_person_id and not (rendered.channel_id or msg.recipient_role):
            slack_id = slack_ids(session, [msg.recipient_person_id]).get(msg.recipient_person_id)
            if slack_id is None:
                raise PermanentDeliveryError(
                    "the person has no Slack account", unreachable=NO_ACCOUNT
                )
            rendered = replace(rendered, dm_user_id=slack_id)
        return rendered

    def _dm_channel(self, user_id: str | None) -> str:
        if user_id is None:
            raise PermanentDeliveryError("a DM rendered without its Slack user")
        if user_id not in self._dm_channels:
            try:
                opened = self.client.conversations_open(users=user_id)
            except SlackApiError as exc:
                error = exc.response.get("error") if exc.response is not None else None
                if error in RECIPIENT_ERRORS:
                    # The person cannot be reached: their team is told (bot.outbox after_dead).
                    raise PermanentDeliveryError(
                        error, unreachable=RECIPIENT_ERRORS[error]
                    ) from exc
                raise
            self._dm_channels[user_id] = opened["channel"]["id"]
        return self._dm_channels[user_id]

    def _channel(self, msg: OutboxMessage, rendered: Rendered) -> str:
        """Where to post: the renderer's channel, the role's channel, or the person's DM."""
        if rendered.channel_id:
            return rendered.channel_id
        if msg.recipient_role:
            channel = self.roles.get(msg.recipient_role)
            if not channel:
                raise PermanentDeliveryError(f"no channel is set for the {msg.recipient_role} role")
            return channel
        return self._dm_channel(rendered.dm_user_id)

    def deliver(self, msg: OutboxMessage, rendered: Rendered) -> Sent:
        try:
            channel = self._channel(msg, rendered)
            if rendered.metadata is None:
                # Every post is tagged with its row, so a row in doubt can be found on Slack.
                rendered = replace(rendered, metadata=tag(msg.id))
            return self._send(channel, rendered)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in PERMANENT_ERRORS:
                raise PermanentDeliveryError(error) from exc
            if exc.response is not None and exc.response.status_code == 429:
                # Still limited after the client's own retries: the outbox holds this message
                # and its channel back for at least Retry-After.
                raise RateLimited(
                    _retry_after(exc.response.headers), error or "ratelimited"
                ) from exc
            raise

    def find_posted(self, msg: OutboxMessage, rendered: Rendered, since: datetime) -> Sent | None:
        """For a row in doubt: its message if it was posted since ``since`` (see
        handlers.slack.posted_lookup). An update (chat.update) is idempotent, so it is answered None
        and simply made again. A file upload carries no metadata, so it cannot be found."""
        if rendered.update_ts:
            return None
        if rendered.file is not None:
            raise LookupFailed("a file upload carries no metadata", transient=False)
        if rendered.metadata is not None:  # a renderer's own metadata replaces the tag
            raise LookupFailed("the message carries no outbox tag", transient=False)
        try:
            channel = self._channel(msg, rendered)  # a DM's channel, as deliver() posts to it
        except PermanentDeliveryError as exc:
            raise LookupFailed(str(exc), transient=False) from exc
        except SlackApiError as exc:
            raise LookupFailed(str(exc.response.get("error")), transient=True) from exc
        return find_tagged(
            self.client,
            channel,
            msg.id,
            oldest=since.timestamp(),
            thread_ts=rendered.thread_ts,
        )

    def _send(self, channel: str, r: Rendered) -> Sent:
        if r.file is not None:
            resp = self.client.files_upload_v2(
                channel=channel,
                content=r.file.content,
                filename=r.file.filename,
                title=r.file.title,
                alt_txt=r.file.alt_text or None,
                initial_comment=r.text,
                thread_ts=r.thread_ts,
            )
            file = resp.get("file") or {}
            return Sent(PLATFORM, channel, str(file.get("id", "")), r.thread_ts)
        extra = {"metadata": r.metadata} if r.metadata else {}
        if r.update_ts:
            resp = self.client.chat_update(
                channel=channel, ts=r.update_ts, text=r.text, blocks=r.blocks, **extra
            )
            return Sent(PLATFORM, resp["channel"], resp["ts"])
        # unfurl_links off: a message must never expand a link a user typed.
        resp = self.client.chat_postMessage(
            channel=channel,
            text=r.text,
            blocks=r.blocks,
            thread_ts=r.thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        return Sent(PLATFORM, resp["channel"], resp["ts"], r.thread_ts)
