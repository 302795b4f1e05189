"""Pieces every work-shadowing message is drawn with: dates, labels, buttons and sections.
Pure text and Block Kit, no data access (blocks.py holds the placement with its parties)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.clock import UK
from handlers.slack.slack_text import SECTION_TEXT_MAX, escape, plain, section

LONG_TEXT = 1500
NAME = 200
CONFIRMED = ("accepted", "scheduled", "completed")


def day(d: date | None) -> str:
    return f"{d:%-d %b %Y}" if d else "not set"


def uk_day(moment: datetime | None) -> str:
    """The UK date of a stored timestamp (SQLite hands timestamps back without a zone)."""
    if moment is None:
        return "not set"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return day(moment.astimezone(UK).date())


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


def other(side: str) -> str:
    return "the host" if side == "applicant" else "the civil servant"
