"""The outbox's Teams renderers for a case's card and thread: the card posted in the triage
channel, its refresh (an updateActivity of that same message, for everyone), and the lines in
its reply chain. Each joins a core loader (bot/complaints/delivery_views.py, which raises
NotReady / Skip / PermanentDeliveryError) to a pure renderer (case_card.py, case_lines.py).
"""

from __future__ import annotations

from bot.complaints import delivery_views
from bot.complaints.intake import TRIAGE_CARD
from bot.complaints.notices import CARD_REFRESH, THREAD_POST
from bot.people import TEAMS
from bot.permissions import RoleDirectory
from handlers.teams import case_card, case_lines, case_support
from handlers.teams.card_text import plain_text
from handlers.teams.outgoing import TeamsOut

SUMMARY_MAX = 300


def renderers(directory: RoleDirectory | None = None) -> dict:
    """``directory``: who may take a case, offered by the card's "Assign to…" (none without)."""

    def offered(session) -> list[tuple[str, str]]:
        return case_support.staff(session, directory) if directory is not None else []

    def posted(session, msg) -> TeamsOut:
        view = delivery_views.case_view(session, msg)
        card = case_card.card(view, offered(session))
        return TeamsOut(plain_text(case_card.summary(view), SUMMARY_MAX), card)

    def refreshed(session, msg) -> TeamsOut:
        refresh = delivery_views.card_refresh(session, msg, TEAMS)
        view = refresh.case
        return TeamsOut(
            plain_text(case_card.summary(view), SUMMARY_MAX),
            case_card.card(view, offered(session)),
            conversation_id=refresh.card.conversation_id,
            update_id=refresh.card.message_id,
        )

    def line(session, msg) -> TeamsOut:
        drawn = delivery_views.thread_line(session, msg, TEAMS)
        text, card = case_lines.thread_card(drawn)
        return TeamsOut(
            text, card, conversation_id=drawn.card.conversation_id, reply_to=drawn.card.message_id
        )

    return {TRIAGE_CARD: posted, CARD_REFRESH: refreshed, THREAD_POST: line}


RENDERERS = renderers()
