"""What the privacy work posts on Slack: a message redacted in place after an erasure, and
a lead's subject-access export uploaded to their DM. Pure functions of the core's loaders
(bot.conversations.redaction, bot.privacy.requests.export_file)."""

from __future__ import annotations

import re

from bot import conversations
from bot.outbox import Skip
from bot.privacy import requests
from handlers.slack.deliveries import drawn
from handlers.slack.posted_lookup import PLATFORM
from handlers.slack.slack_text import escape, section
from handlers.slack.transport import Rendered, RenderedFile

# A message's ts; a file upload is recorded by its file id (F...), which chat.update cannot
# edit.
_TS = re.compile(r"\d+\.\d+")


def redacted(target: conversations.Redaction) -> Rendered:
    """The bot's own message, its text replaced (chat.update): Slack lets an app edit only
    the messages it posted, which every recorded one is."""
    if target.platform != PLATFORM:
        raise Skip("another platform's message")
    if not _TS.fullmatch(target.message_id):
        raise Skip("not a message chat.update can edit")
    text = conversations.REDACTED
    return Rendered(
        text=text,
        blocks=[section(escape(text))],
        update_ts=target.message_id,
        channel_id=target.conversation_id,
    )


def export_upload(file: requests.ExportFile) -> Rendered:
    return Rendered(
        text="The subject-access export you asked for. It holds personal data: keep it only "
        "as long as the request needs it.",
        blocks=[],
        file=RenderedFile(filename=file.filename, content=file.content.encode(), title=file.title),
    )


RENDERERS = {
    conversations.REDACT: drawn(conversations.redaction, redacted),
    requests.EXPORT_FILE: drawn(requests.export_file, export_upload),
}
