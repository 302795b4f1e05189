"""Wires the investigation workflow's Slack listeners into the app (intake lives in
listeners.py; casework's `/complaint` subcommands are listed by handlers/slack/app.py)."""

from __future__ import annotations

from slack_bolt import App

from handlers.slack import home
from handlers.slack.complaints import (
    card_actions,
    case_card,
    casework,
    mentions,
    supplier_messages,
    thread,
)
from handlers.slack.services import Services


def renderers(assignable=None, handoff=None) -> dict:
    """The card's renderers (offering ``assignable()`` people to assign to; drawing a refresh
    from a view in ``handoff`` when one was handed over) and the supplier's."""
    return {**case_card.renderers(assignable, handoff), **supplier_messages.RENDERERS}


def register(app: App, services: Services) -> None:
    card_actions.register(app, services)
    casework.register(app, services)
    mentions.register(app, services)
    thread.register(app, services)
    home.register(app, services)
