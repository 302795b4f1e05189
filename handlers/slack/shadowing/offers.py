"""Offers from a committed round: the offer each side gets, and their Accept / Decline."""

from __future__ import annotations

from slack_bolt import App

from bot.db import transaction
from bot.shadowing import notices, placements
from handlers.slack.services import Services
from handlers.slack.shadowing.blocks import (
    CONFIRMED,
    LONG_TEXT,
    Parties,
    actions,
    applicant_fields,
    button,
    host_fields,
    other,
    parties,
    placement_renderer,
    side_of,
    uk_day,
)
from handlers.slack.shadowing.common import Work, on_click
from handlers.slack.slack_text import context, fields_section, safe, section

OFFER_ACCEPT = "shadow_offer_accept"
OFFER_DECLINE = "shadow_offer_decline"


def _offer_state(p: Parties, side: str) -> str:
    status = p.placement.status
    if status in CONFIRMED:
        return "Both sides accepted: the placement is confirmed."
    if status == "expired":
        return f"This offer expired on {uk_day(p.placement.expires_at)}."
    if status == "declined":
        return "This offer was declined."
    if status == "withdrawn":
        return "This offer was withdrawn."
    if p.response(side) == "declined":
        return "You declined this offer."
    return f"You accepted. Waiting for {other(side)} to reply."


def offer(p: Parties, side: str) -> tuple[str, list[dict]]:
    a, h, placement = p.applicant, p.host, p.placement
    reply_by = uk_day(placement.expires_at)
    if side == "applicant":
        text = f"You have a work-shadowing offer from {p.organisation}."
        blocks = [
            section(f"*You have a work-shadowing offer* from *{p.organisation}*."),
            fields_section([*host_fields(h), ("Reply by", reply_by)]),
            section(f"*What you would do*\n{safe(h.activities, LONG_TEXT)}"),
        ]
    else:
        text = f"A civil servant has been matched to {p.organisation}."
        blocks = [
            section(
                f"*A civil servant has been matched to {p.organisation}.* "
                "If you both accept, you will be put in touch."
            ),
            fields_section([*applicant_fields(a), ("Reply by", reply_by)]),
            section(f"*What they want to learn*\n{safe(a.learning_goals, LONG_TEXT)}"),
        ]
    if placement.status == "offered" and p.response(side) is None:
        blocks.append(
            actions(
                "shadow_offer",
                button("Accept", OFFER_ACCEPT, placement.id, style="primary"),
                button(
                    "Decline",
                    OFFER_DECLINE,
                    placement.id,
                    confirm=("Decline this offer?", "The offer cannot be taken back.", "Decline"),
                ),
            )
        )
    else:
        blocks.append(context(_offer_state(p, side)))
    return text, blocks


RENDERERS = {
    notices.OFFER: placement_renderer(lambda s, p, d, side: offer(p, side)),
}


def _respond_to_offer(accept: bool) -> Work:
    def work(services: Services, placement_id: int, user: str):
        placements.respond(
            services.engine, placement_id, user_id=user, accept=accept, now=services.now()
        )
        with transaction(services.engine) as s:
            p = parties(s, placement_id)
            return offer(p, side_of(p, user))

    return work


def register(app: App, services: Services) -> None:
    on_click(app, services, OFFER_ACCEPT, _respond_to_offer(True))
    on_click(app, services, OFFER_DECLINE, _respond_to_offer(False))


# No `/shadow` subcommand: offers are answered with buttons.
SUBCOMMANDS = ()
