"""Wires the investigation workflow's Slack listeners into the app (intake lives in
listeners.py; casework's `/complaint` subcommands are listed by handlers/slack/app.py)."""

from __future__ import annotations

from functools import partial

from slack_bolt import App

from bot.complaints import delivery_views
from bot.complaints.intake import TRIAGE_CARD
from bot.complaints.notices import CARD_REFRESH
from handlers.slack import home
from handlers.slack.complaints import (
    card_actions,
    case_card,
    casework,
    mentions,
    supplier_messages,
    thread,
)
from handlers.slack.deliveries import Handoff, drawn
from handlers.slack.posted_lookup import PLATFORM
from handlers.slack.services import Services


def _with_menu(load, assignable):
    """The card's loader, with who "Assign to…" offers (``assignable(session)``, read in the
    same session: the card is drawn inside the outbox's transaction)."""

    def load_both(session, msg, **handed):
        loaded = load(session, msg, **handed)
        return loaded, (assignable(session) if assignable is not None else [])

    return load_both


def renderers(assignable=None, handoff: Handoff | None = None) -> dict:
    """The card's renderers (offering ``assignable`` people to assign to; drawing a refresh
    from a view in ``handoff`` when one was handed over) and the supplier's."""
    refresh = partial(delivery_views.card_refresh, platform=PLATFORM)
    return {
        TRIAGE_CARD: drawn(
            _with_menu(delivery_views.case_view, assignable),
            lambda loaded: case_card.card(*loaded),
        ),
        CARD_REFRESH: drawn(
            _with_menu(refresh, assignable),
            lambda loaded: case_card.refreshed_card(*loaded),
            handoff,
        ),
        **supplier_messages.RENDERERS,
    }


def register(app: App, services: Services) -> None:
    card_actions.register(app, services)
    casework.register(app, services)
    mentions.register(app, services)
    thread.register(app, services)
    home.register(app, services)
