"""Pieces every work-shadowing message is drawn with: dates, labels, buttons, sections, the
fields of a sign-up and of a host, and the wrappers that turn a queued row's read model
(bot.shadowing.delivery_views) into a message. Pure functions of the core's read models.

Everything is drawn from the current database state, so a message sent late, or re-rendered
after a click, shows what is true now (for instance without buttons once a decision is made).

Privacy: conflicts of interest (and why they exist) are shown only by the coordinators' list
(conflict_blocks.py). Nothing sent to applicants, hosts or managers mentions them.
"""

from __future__ import annotations

from bot.shadowing import catalog
from bot.shadowing.delivery_views import ApplicantMessage, PlacementMessage
from bot.shadowing.views import ApplicantView, HostView, PlacementView
from bot.shadowing.wording import day
from handlers.slack.slack_text import SECTION_TEXT_MAX, escape, plain, safe, section
from handlers.slack.transport import Rendered

LONG_TEXT = 1500
NAME = 200


def label(choices, value: str | None) -> str:
    return escape(dict(choices).get(value, value or ""))


def labels(choices, values) -> str:
    return ", ".join(label(choices, v) for v in values or ()) or "none given"


def button(text: str, action_id: str, value, *, style: str | None = None, confirm=None) -> dict:
    element = {
        "type": "button",
        "action_id": action_id,
        "text": plain(text, 75),
        "value": str(value),
    }
    if style:
        element["style"] = style
    if confirm:
        title, body, yes = confirm
        element["confirm"] = {
            "title": plain(title, 100),
            "text": plain(body, 300),
            "confirm": plain(yes, 30),
            "deny": plain("Cancel", 30),
        }
    return element


def actions(block_id: str, *buttons: dict) -> dict:
    return {"type": "actions", "block_id": block_id, "elements": list(buttons)}


def chunked_sections(lines: list[str]) -> list[dict]:
    """Lines joined into as few sections as Block Kit's 3,000-character limit allows."""
    blocks, current = [], ""
    for line in lines:
        line = line[:SECTION_TEXT_MAX]
        if current and len(current) + 1 + len(line) > SECTION_TEXT_MAX:
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    return blocks


def organisation(p: PlacementView) -> str:
    return safe(p.host.organisation, NAME)


def applicant_fields(a: ApplicantView) -> list[tuple[str, str]]:
    return [
        ("Department", safe(a.department, NAME)),
        ("Grade", label(catalog.GRADES, a.grade)),
        ("Role", safe(a.role, NAME)),
        ("Region", label(catalog.REGIONS, a.region)),
        ("Way of working", label(catalog.MODES, a.mode)),
        ("Available", f"{day(a.available_from)} to {day(a.available_to)}"),
        ("Length", label(catalog.LENGTHS, a.length)),
        ("Interests", labels(catalog.INTEREST_AREAS, a.interests)),
    ]


def host_fields(h: HostView) -> list[tuple[str, str]]:
    return [
        ("Organisation", safe(h.organisation, NAME)),
        ("Areas", labels(catalog.INTEREST_AREAS, h.areas)),
        ("Region", label(catalog.REGIONS, h.region)),
        ("Way of working", label(catalog.MODES, h.mode)),
        ("Available", f"{day(h.available_from)} to {day(h.available_to)}"),
    ]


def applicant_renderer(render):
    """A renderer for a sign-up's message: ``render(applicant view, message)``."""

    def renderer(message: ApplicantMessage):
        return render(message.applicant, message)

    return renderer


def placement_renderer(render):
    """A renderer for a placement's message: ``render(placement view, event, side)``; a
    refresh of a message sent earlier (in its own conversation: the DM) is an update, not a
    new post."""

    def renderer(message: PlacementMessage):
        text, blocks = render(message.placement, message.event, message.side)
        if message.update_ts:
            return Rendered(
                text, blocks, update_ts=message.update_ts, channel_id=message.update_conversation
            )
        return text, blocks

    return renderer


def with_whom(p: PlacementView, side: str) -> str:
    if side == "applicant":
        return f"*{organisation(p)}*"
    return f"a civil servant from *{safe(p.applicant.department, NAME)}*"
