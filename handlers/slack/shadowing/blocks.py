"""Pieces every work-shadowing message is built from: dates, labels, buttons, status words,
and the placement with both its parties.

Everything is rendered from the current database state, so a message sent late, or re-rendered
after a click, shows what is true now (for instance without buttons once a decision is made).

Privacy: conflicts of interest (and why they exist) are shown only by `conflicts.py`'s list,
which only coordinators can ask for. Nothing sent to applicants, hosts or managers mentions them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.outbox import PermanentDeliveryError
from bot.shadowing import catalog
from handlers.slack.shadowing.pieces import (  # noqa: F401 (the pieces, as every module imports them)
    CONFIRMED,
    LONG_TEXT,
    NAME,
    actions,
    button,
    chunked_sections,
    day,
    label,
    labels,
    other,
    uk_day,
)
from handlers.slack.slack_text import safe
from handlers.slack.transport import Rendered
from models import ShadowApplicant, ShadowHost, ShadowPlacement


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
        if data.get("update_ts"):
            # A refresh of a message sent earlier (in the row's channel), not a new post.
            return Rendered(text, blocks, update_ts=str(data["update_ts"]))
        return text, blocks

    return renderer


def with_whom(p: Parties, side: str) -> str:
    if side == "applicant":
        return f"*{p.organisation}*"
    return f"a civil servant from *{safe(p.applicant.department, NAME)}*"
