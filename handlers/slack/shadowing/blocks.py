"""Pieces every work-shadowing message is built from: dates, labels, buttons, status words,
and the placement with both its parties.

Everything is rendered from the current database state, so a message sent late, or re-rendered
after a click, shows what is true now (for instance without buttons once a decision is made).

Privacy: conflicts of interest (and why they exist) are shown only by `conflicts.py`'s list,
which only coordinators can ask for. Nothing sent to applicants, hosts or managers mentions them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from bot.clock import UK
from bot.outbox import PermanentDeliveryError
from bot.shadowing import catalog
from handlers.slack.slack_text import SECTION_TEXT_MAX, escape, plain, safe, section
from handlers.slack.transport import Rendered
from models import ShadowApplicant, ShadowHost, ShadowPlacement

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


@dataclass(frozen=True)
class Parties:
    placement: ShadowPlacement
    applicant: ShadowApplicant
    host: ShadowHost

    @property
    def organisation(self) -> str:
        return safe(self.host.organisation, NAME)

    def response(self, side: str) -> str | None:
        if side == "applicant":
            return self.placement.applicant_response
        return self.placement.host_response


def find_parties(session: Session, placement_id: int | None) -> Parties | None:
    placement = session.get(ShadowPlacement, placement_id) if placement_id else None
    if placement is None:
        return None
    applicant = session.get(ShadowApplicant, placement.applicant_id)
    host = session.get(ShadowHost, placement.host_id)
    if applicant is None or host is None:
        return None
    return Parties(placement, applicant, host)


def parties(session: Session, placement_id: int | None) -> Parties:
    found = find_parties(session, placement_id)
    if found is None:
        raise PermanentDeliveryError(f"placement {placement_id} no longer exists")
    return found


def side_of(p: Parties, user_id: str) -> str:
    """Which side of a placement a user is on (the applicant, if somehow both)."""
    return "applicant" if p.applicant.user_id == user_id else "host"


def other(side: str) -> str:
    return "the host" if side == "applicant" else "the civil servant"


def applicant_fields(a: ShadowApplicant) -> list[tuple[str, str]]:
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


def host_fields(h: ShadowHost) -> list[tuple[str, str]]:
    return [
        ("Organisation", safe(h.organisation, NAME)),
        ("Areas", labels(catalog.INTEREST_AREAS, h.areas)),
        ("Region", label(catalog.REGIONS, h.region)),
        ("Way of working", label(catalog.MODES, h.mode)),
        ("Available", f"{day(h.available_from)} to {day(h.available_to)}"),
    ]


def applicant_renderer(render):
    def renderer(session: Session, msg):
        applicant = session.get(ShadowApplicant, msg.subject_id) if msg.subject_id else None
        if applicant is None:
            raise PermanentDeliveryError(f"applicant {msg.subject_id} no longer exists")
        return render(session, applicant, msg.data or {})

    return renderer


def placement_renderer(render):
    def renderer(session: Session, msg):
        p = parties(session, msg.subject_id)
        data = msg.data or {}
        # Older rows without a side: the recipient tells us which side they are on.
        side = data.get("side") or side_of(p, msg.recipient_user_id or "")
        text, blocks = render(session, p, data, side)
        if data.get("update_message"):
            # A refresh of a message sent earlier (in its own channel: the DM), not a new post.
            return Rendered(
                text,
                blocks,
                update_ts=str(data["update_message"]),
                channel_id=data.get("update_conversation"),
            )
        return text, blocks

    return renderer


def with_whom(p: Parties, side: str) -> str:
    if side == "applicant":
        return f"*{p.organisation}*"
    return f"a civil servant from *{safe(p.applicant.department, NAME)}*"
