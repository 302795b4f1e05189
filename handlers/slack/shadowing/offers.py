"""Offers from a committed round: Accept / Decline on the offer (offer_blocks.py draws it)."""

from __future__ import annotations

from slack_bolt import App

from bot.db import transaction
from bot.outbox import PermanentDeliveryError
from bot.permissions import Actor
from bot.shadowing import placements, views
from handlers.slack.services import Services
from handlers.slack.shadowing.common import Work, on_click
from handlers.slack.shadowing.offer_blocks import OFFER_ACCEPT, OFFER_DECLINE, RENDERERS, offer

__all__ = ["OFFER_ACCEPT", "OFFER_DECLINE", "RENDERERS", "register"]


def _respond_to_offer(accept: bool) -> Work:
    def work(services: Services, placement_id: int, actor: Actor):
        placements.respond(
            services.engine, placement_id, actor=actor, accept=accept, now=services.now()
        )
        with transaction(services.engine) as s:
            p = views.placement_view(s, placement_id)
        if p is None:
            raise PermanentDeliveryError(f"placement {placement_id} no longer exists")
        return offer(p, p.side_of(actor.person_id))

    return work


def register(app: App, services: Services) -> None:
    on_click(app, services, OFFER_ACCEPT, _respond_to_offer(True))
    on_click(app, services, OFFER_DECLINE, _respond_to_offer(False))


# No `/shadow` subcommand: offers are answered with buttons.
SUBCOMMANDS = ()
