"""Placement messages once both sides accept: the news each side gets (with "Set dates" and
"Mark completed") and the feedback request. Pure functions of the placement's read model;
placements.py holds their listeners."""

from __future__ import annotations

from bot.shadowing import delivery_views, notices
from bot.shadowing.views import PlacementView
from bot.shadowing.wording import offer_news
from handlers.slack.deliveries import drawn
from handlers.slack.shadowing.blocks import (
    NAME,
    actions,
    button,
    organisation,
    placement_renderer,
    with_whom,
)
from handlers.slack.slack_text import context, fields_section, mention, safe, section

SCHEDULE_OPEN = "shadow_schedule_open"
COMPLETE = "shadow_complete"
FEEDBACK_OPEN = "shadow_feedback_open"


def _contacts(p: PlacementView, side: str) -> dict:
    if side == "applicant":
        h = p.host
        contact = safe(h.contact_name, NAME)
        if h.contact_email:
            contact += f"\n{safe(h.contact_email, NAME)}"
        return fields_section(
            [("Host", organisation(p)), ("Contact", contact), ("On Slack", mention(h.user))]
        )
    a = p.applicant
    return fields_section(
        [
            ("Civil servant", mention(a.user)),
            ("Department", safe(a.department, NAME)),
            ("Role", safe(a.role, NAME)),
        ]
    )


def _placement_buttons(p: PlacementView) -> dict | None:
    """The confirmed placement's controls. Both stay on the confirmation: it is the message
    people come back to once the dates are set (the core refuses completing before then)."""
    status, pid = p.status, p.id
    if status == "accepted":
        return actions(
            "shadow_placement",
            button("Set dates", SCHEDULE_OPEN, pid, style="primary"),
            button("Mark completed", COMPLETE, pid),
        )
    if status == "scheduled":
        return actions("shadow_placement", button("Mark completed", COMPLETE, pid, style="primary"))
    return None


def offer_update(p: PlacementView, event: str, side: str) -> tuple[str, list[dict]]:
    department = f"*{safe(p.applicant.department, NAME)}*"
    news = offer_news(p, event, side, with_whom(p, side), department)
    text = news.text
    blocks = [section(f"{text} {news.more}".strip())]
    if event == "confirmed":
        blocks.append(_contacts(p, side))
    if news.aside:
        blocks.append(context(news.aside))
    if event in ("confirmed", "scheduled"):
        buttons = _placement_buttons(p)
        if buttons:
            blocks.append(buttons)
        elif p.status == "completed":
            blocks.append(context("This placement is completed."))
    return text, blocks


def feedback_request(p: PlacementView, side: str) -> tuple[str, list[dict]]:
    text = f"How did your placement with {with_whom(p, side)} go?"
    blocks = [section(f"{text} Three quick questions help us improve the scheme.")]
    if side in p.feedback_from:
        blocks.append(context("Thank you for your feedback."))
    else:
        blocks.append(
            actions(
                "shadow_feedback",
                button("Give feedback", FEEDBACK_OPEN, p.id, style="primary"),
            )
        )
    return text, blocks


RENDERERS = {
    notices.OFFER_UPDATE: drawn(delivery_views.placement_message, placement_renderer(offer_update)),
    notices.FEEDBACK_REQUEST: drawn(
        delivery_views.placement_message,
        placement_renderer(lambda p, event, side: feedback_request(p, side)),
    ),
}
