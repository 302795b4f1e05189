"""The offer each side of a committed round's match gets, with Accept / Decline while it is
open (their listeners are offers.py). A pure function of the placement's read model."""

from __future__ import annotations

from bot.shadowing import delivery_views, notices
from bot.shadowing.views import PlacementView
from bot.shadowing.wording import offer_state, uk_day
from handlers.slack.deliveries import drawn
from handlers.slack.shadowing.blocks import (
    LONG_TEXT,
    actions,
    applicant_fields,
    button,
    host_fields,
    organisation,
    placement_renderer,
)
from handlers.slack.slack_text import context, fields_section, safe, section

OFFER_ACCEPT = "shadow_offer_accept"
OFFER_DECLINE = "shadow_offer_decline"


def offer(p: PlacementView, side: str) -> tuple[str, list[dict]]:
    a, h = p.applicant, p.host
    reply_by = uk_day(p.expires_at)
    if side == "applicant":
        text = f"You have a work-shadowing offer from {organisation(p)}."
        blocks = [
            section(f"*You have a work-shadowing offer* from *{organisation(p)}*."),
            fields_section([*host_fields(h), ("Reply by", reply_by)]),
            section(f"*What you would do*\n{safe(h.activities, LONG_TEXT)}"),
        ]
    else:
        text = f"A civil servant has been matched to {organisation(p)}."
        blocks = [
            section(
                f"*A civil servant has been matched to {organisation(p)}.* "
                "If you both accept, you will be put in touch."
            ),
            fields_section([*applicant_fields(a), ("Reply by", reply_by)]),
            section(f"*What they want to learn*\n{safe(a.learning_goals, LONG_TEXT)}"),
        ]
    if p.status == "offered" and p.response(side) is None:
        blocks.append(
            actions(
                "shadow_offer",
                button("Accept", OFFER_ACCEPT, p.id, style="primary"),
                button(
                    "Decline",
                    OFFER_DECLINE,
                    p.id,
                    confirm=("Decline this offer?", "The offer cannot be taken back.", "Decline"),
                ),
            )
        )
    else:
        blocks.append(context(offer_state(p, side)))
    return text, blocks


RENDERERS = {
    notices.OFFER: drawn(
        delivery_views.placement_message, placement_renderer(lambda p, event, side: offer(p, side))
    ),
}
