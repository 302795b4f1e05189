"""A round's plan: the stable matching of the queued applicants to the free places, as things
stand, with why each unmatched applicant was left out. Reads only; rounds.py stores a plan as a
dry run or turns it into offers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from time import perf_counter

from sqlalchemy import func
from sqlmodel import Session, select

from bot.clock import UK
from bot.shadowing import catalog
from bot.shadowing.conflicts import banned_pairs
from bot.shadowing.matching import (
    REASON_CAPACITY,
    REASON_CONFLICT,
    REASON_NO_ACCEPTABLE_HOST,
    ensure_stable,
    solve,
    unmatched_reasons,
)
from bot.shadowing.scoring import ApplicantProfile, HostProfile, build_preferences, score
from models import ShadowApplicant, ShadowHost, ShadowPlacement

MAX_CHOICES = 20  # hosts each applicant ranks; more adds work but hardly changes matches
REASONS = (REASON_NO_ACCEPTABLE_HOST, REASON_CONFLICT, REASON_CAPACITY)


@dataclass
class RoundPlan:
    matches: list[tuple[int, int, int]]  # (applicant_id, host_id, score), in queue order
    unmatched: dict[int, str]  # applicant_id -> REASON_*
    queued: int  # applicants in the queue
    hosts: int  # open hosts with a free place
    places: int  # free places in all
    seconds: dict[str, float] = field(default_factory=dict, repr=False)  # time per phase

    def summary(self) -> dict:
        counts = dict.fromkeys(REASONS, 0)
        for reason in self.unmatched.values():
            counts[reason] += 1
        return {
            "queued": self.queued,
            "matched": len(self.matches),
            "unmatched": counts,
            "places": self.places,
            "hosts": self.hosts,
        }


@dataclass
class Loaded:
    """A plan with the people it offers places to, for the offers' notices."""

    plan: RoundPlan
    applicant_users: dict[int, str]
    host_users: dict[int, str]


def load_plan(session: Session, now: datetime) -> Loaded:
    started = perf_counter()
    today = now.astimezone(UK).date()
    A, H, P = ShadowApplicant, ShadowHost, ShadowPlacement
    # Column tuples, not ORM objects: a queue of 10,000 loads several times faster this way.
    queue = session.execute(
        select(
            A.id,
            A.user_id,
            A.department,
            A.region,
            A.mode,
            A.interests,
            A.available_from,
            A.available_to,
            A.length_days,
            A.queued_at,
            A.created_at,
        )
        .where(A.status == "queued")
        .order_by(A.queued_at, A.id)
    ).all()
    taken = (
        select(P.host_id, func.count().label("n"))
        .where(P.status.in_(catalog.PLACE_TAKING_STATUSES))
        .group_by(P.host_id)
        .subquery()
    )
    free = (H.capacity - func.coalesce(taken.c.n, 0)).label("free")
    open_hosts = session.execute(
        select(
            H.id,
            H.user_id,
            H.organisation,
            H.areas,
            H.region,
            H.mode,
            H.available_from,
            H.available_to,
            H.created_at,
            free,
        )
        .outerjoin(taken, taken.c.host_id == H.id)
        .where(H.status == "open", H.available_to >= today, free > 0)
    ).all()

    # Only the part of each window still ahead can be offered. An applicant whose whole
    # window has passed can't be matched; they stay queued until they withdraw.
    applicants: dict[int, ApplicantProfile] = {}
    past: list[int] = []
    for r in queue:
        start = max(r.available_from, today)
        if start > r.available_to:
            past.append(r.id)
            continue
        applicants[r.id] = ApplicantProfile(
            id=r.id,
            interests=frozenset(r.interests),
            region=r.region,
            mode=r.mode,
            available_from=start,
            available_to=r.available_to,
            length_days=r.length_days,
            queued_at=r.queued_at or r.created_at,
        )
    hosts = {
        r.id: HostProfile(
            id=r.id,
            areas=frozenset(r.areas),
            region=r.region,
            mode=r.mode,
            capacity=r.free,  # free places, not the total: earlier offers hold the rest
            available_from=max(r.available_from, today),
            available_to=r.available_to,
            created_at=r.created_at,
        )
        for r in open_hosts
    }
    banned = banned_pairs(session, queue, open_hosts)
    loaded = perf_counter()

    instance = build_preferences(applicants.values(), hosts.values(), banned, MAX_CHOICES)
    matching = solve(instance)
    ensure_stable(instance, matching)
    unmatched = unmatched_reasons(instance, matching)
    unmatched.update(dict.fromkeys(past, REASON_NO_ACCEPTABLE_HOST))
    matches = []
    for r in queue:
        host_id = matching.host_of(r.id) if r.id in applicants else None
        if host_id is not None:
            matches.append((r.id, host_id, score(applicants[r.id], hosts[host_id])))
    matched = perf_counter()

    plan = RoundPlan(
        matches=matches,
        unmatched=unmatched,
        queued=len(queue),
        hosts=len(open_hosts),
        places=sum(r.free for r in open_hosts),
        seconds={"load": loaded - started, "match": matched - loaded},
    )
    return Loaded(
        plan,
        applicant_users={r.id: r.user_id for r in queue},
        host_users={r.id: r.user_id for r in open_hosts},
    )


def plan(session: Session, *, now: datetime) -> RoundPlan:
    """The stable matching of the queued applicants to the free places, as things stand."""
    return load_plan(session, now).plan
