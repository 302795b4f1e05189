"""Read models for work-shadowing screens: what a person's status answer and App Home show,
as plain values built with a fixed number of queries however many places and placements
they have (no query per row).

People are opaque values (``manager``, the user's own id); the front end renders them.
Conflicts of interest never appear here: only the coordinators' list shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, func, select

from bot.shadowing import catalog, hosts, signup
from models import ShadowApplicant, ShadowHost, ShadowPlacement


@dataclass(frozen=True)
class SignupView:
    id: int
    status: str
    status_label: str
    department: str
    manager: str | None  # the person asked to approve it
    available_from: date | None
    available_to: date | None
    queue_position: int | None  # 1-based, while queued


@dataclass(frozen=True)
class HostPlaces:
    id: int
    organisation: str
    capacity: int
    taken: int  # held by an offer or a placement
    status: str  # "open" or "closed" to new offers

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


@dataclass(frozen=True)
class PlacementLine:
    """One offer or placement as the person on ``side`` ("applicant" or "host") reads it."""

    id: int
    side: str
    state: str  # catalog.placement_state's words for that side
    organisation: str  # the host's
    applicant_department: str
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class MyShadowing:
    signup: SignupView | None
    hosts: tuple[HostPlaces, ...] = ()
    placements: tuple[PlacementLine, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.signup is None and not self.hosts and not self.placements


def placement_words(placement: ShadowPlacement, side: str) -> str:
    return catalog.placement_state(
        placement.status, placement.applicant_response, placement.host_response, side
    )


def _signup_view(session: Session, user_id: str) -> SignupView | None:
    current = signup.active_signup(session, user_id)
    if current is None:
        return None
    return SignupView(
        id=current.id,
        status=current.status,
        status_label=catalog.status_label(current.status),
        department=current.department,
        manager=current.manager_user_id,
        available_from=current.available_from,
        available_to=current.available_to,
        queue_position=signup.queue_position(session, current),
    )


def _places_taken(session: Session, host_ids: list[int]) -> dict[int, int]:
    """Host id -> places taken, for all of them in one query."""
    if not host_ids:
        return {}
    rows = session.exec(
        select(ShadowPlacement.host_id, func.count())
        .where(
            ShadowPlacement.host_id.in_(host_ids),
            ShadowPlacement.status.in_(catalog.PLACE_TAKING_STATUSES),
        )
        .group_by(ShadowPlacement.host_id)
    ).all()
    return {host_id: count for host_id, count in rows}


def _placement_lines(session: Session, user_id: str) -> tuple[PlacementLine, ...]:
    """The user's offers and placements with both parties, newest first, in one query."""
    rows = session.exec(
        select(ShadowPlacement, ShadowApplicant, ShadowHost)
        .join(ShadowApplicant, ShadowApplicant.id == ShadowPlacement.applicant_id)
        .join(ShadowHost, ShadowHost.id == ShadowPlacement.host_id)
        .where(or_(ShadowApplicant.user_id == user_id, ShadowHost.user_id == user_id))
        .order_by(ShadowPlacement.offered_at.desc(), ShadowPlacement.id.desc())
    ).all()
    lines = []
    for placement, applicant, host in rows:
        # The applicant's side when somehow on both.
        side = "applicant" if applicant.user_id == user_id else "host"
        lines.append(
            PlacementLine(
                id=placement.id,
                side=side,
                state=placement_words(placement, side),
                organisation=host.organisation,
                applicant_department=applicant.department,
                start_date=placement.start_date,
                end_date=placement.end_date,
            )
        )
    return tuple(lines)


def my_shadowing(session: Session, user_id: str) -> MyShadowing:
    """The user's sign-up, the places they offer and their placements: at most five queries."""
    offered = hosts.hosts_for_user(session, user_id)
    taken = _places_taken(session, [h.id for h in offered])
    return MyShadowing(
        signup=_signup_view(session, user_id),
        hosts=tuple(
            HostPlaces(h.id, h.organisation, h.capacity, taken.get(h.id, 0), h.status)
            for h in offered
        ),
        placements=_placement_lines(session, user_id),
    )
