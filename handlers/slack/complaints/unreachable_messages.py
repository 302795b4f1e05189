"""The case thread's notice that a message to the supplier could not be delivered at all
(bot.complaints.unreachable), drawn at send time. It names the staff member who wrote the
message, never the supplier."""

from __future__ import annotations

from functools import partial

from bot.complaints import unreachable
from bot.complaints.unreachable import SUPPLIER_UNREACHABLE, UnreachableNotice
from handlers.slack.deliveries import drawn
from handlers.slack.posted_lookup import PLATFORM
from handlers.slack.slack_text import MESSAGE_TEXT_MAX, escape, mention, section
from handlers.slack.transport import Rendered


def thread_notice(notice: UnreachableNotice) -> Rendered:
    # The sentences are msbot's own; escaped all the same, so no wording can ever ping or link.
    who = f"{mention(notice.asker)}: " if notice.asker else ""
    text = f":warning: {who}{escape(notice.what)}: {escape(notice.why)}. {escape(notice.advice)}"
    return Rendered(
        text[:MESSAGE_TEXT_MAX],
        [section(text)],
        thread_ts=notice.card.message_id,
        channel_id=notice.card.conversation_id,
    )


RENDERERS = {
    SUPPLIER_UNREACHABLE: drawn(partial(unreachable.notice, platform=PLATFORM), thread_notice),
}
