"""The case thread's notice, in the Teams card's reply chain, that a message to the supplier
could not be delivered at all (bot.complaints.unreachable). Plain text: Teams makes no
markdown, link or mention of it. It names the staff member who wrote the message, never the
supplier. A pure renderer."""

from __future__ import annotations

from functools import partial

from bot.complaints import unreachable
from bot.complaints.unreachable import SUPPLIER_UNREACHABLE, UnreachableNotice
from handlers.teams.outgoing import TeamsOut, drawn
from handlers.teams.transport import PLATFORM


def thread_notice(notice: UnreachableNotice) -> TeamsOut:
    who = f"{notice.asker.name}: " if notice.asker and notice.asker.name else ""
    return TeamsOut(
        f"⚠ {who}{notice.what}: {notice.why}. {notice.advice}",
        conversation_id=notice.card.conversation_id,
        reply_to=notice.card.message_id,
    )


RENDERERS = {
    SUPPLIER_UNREACHABLE: drawn(partial(unreachable.notice, platform=PLATFORM), thread_notice),
}
