"""Offers and placements the service ends on the sides' behalf: offers whose time is up, the
open ones of an applicant who withdraws their sign-up, and those a new conflict of interest
bans. Each frees the place and tells both sides, in the caller's transaction or its own.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import transaction
from bot.shadowing import catalog, events, notices
from bot.shadowing.catalog import check_transition
from bot.shadowing.placement_steps import load_locked, move, notify, record
from models import ShadowApplicant, ShadowHost, ShadowPlacement

log = structlog.get_logger("msbot.shadowing")


def expire_offers(engine: Engine, *, now: datetime) -> int:
    """Lapse every offer whose time is up: the place is freed, the applicant goes back to the
    queue in their original position, and both sides are told. Returns how many lapsed.

    Safe to run in every process at once: the status change is a conditional UPDATE, so each
    offer lapses exactly once, and an offer answered meanwhile is left alone.
    """
    # The bulk statements below skip the per-row check, so confirm the moves once here.
    check_transition("placement", "offered", "expired")
    check_transition("sign-up", "offered", "queued")
    P, A = ShadowPlacement, ShadowApplicant
    with transaction(engine) as s:
        due = s.execute(
            select(P.id, P.applicant_id).where(P.status == "offered", P.expires_at <= now)
        ).all()
        if not due:
            return 0
        applicant_ids = sorted({row.applicant_id for row in due})
        # Applicants first, as everywhere else (see placement_steps).
        s.execute(select(A.id).where(A.id.in_(applicant_ids)).order_by(A.id).with_for_update())
        expired = s.execute(
            update(P)
            .where(P.id.in_([row.id for row in due]), P.status == "offered", P.expires_at <= now)
            .values(status="expired", updated_at=now)
            .returning(P.id, P.applicant_id, P.host_id)
            .execution_options(synchronize_session=False)
        ).all()
        if not expired:
            return 0
        requeue = [row.applicant_id for row in expired]
        s.execute(
            update(A)
            .where(A.id.in_(requeue), A.status == "offered")
            .values(status="queued", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        applicant_users = dict(s.execute(select(A.id, A.user_id).where(A.id.in_(requeue))).all())
        host_ids = {row.host_id for row in expired}
        host_users = dict(
            s.execute(
                select(ShadowHost.id, ShadowHost.user_id).where(ShadowHost.id.in_(host_ids))
            ).all()
        )
        events.record_many(
            s,
            [
                {
                    "at": now,
                    "actor_user_id": None,
                    "kind": "offer_expired",
                    "applicant_id": row.applicant_id,
                    "host_id": row.host_id,
                    "placement_id": row.id,
                    "data": {},
                }
                for row in expired
            ],
        )
        notices.queue_many(
            s,
            [
                (notices.OFFER_UPDATE, user, row.id, {"event": "expired", "side": side})
                for row in expired
                for side, user in (
                    ("applicant", applicant_users[row.applicant_id]),
                    ("host", host_users[row.host_id]),
                )
            ],
        )
    log.info("shadow.offers_expired", count=len(expired))
    return len(expired)


def end_open_placements(
    s: Session, applicant: ShadowApplicant, *, actor: str, reason: str | None, now: datetime
) -> int:
    """Withdraw the applicant's offers and placements in progress, telling each host; used when
    the applicant withdraws their sign-up (the caller has moved and locked the applicant)."""
    open_ones = s.exec(
        select(ShadowPlacement)
        .where(
            ShadowPlacement.applicant_id == applicant.id,
            ShadowPlacement.status.in_(catalog.OPEN_PLACEMENT_STATUSES),
        )
        .with_for_update()
    ).all()
    for p in open_ones:
        move("placement", p, "withdrawn", now)
        p.ended_by, p.end_reason = actor, reason
        h = s.get(ShadowHost, p.host_id)
        record(
            s,
            "placement_withdrawn",
            p,
            actor=actor,
            at=now,
            side="applicant",
            applicant_status=applicant.status,
        )
        notify(s, notices.OFFER_UPDATE, p, applicant, h, ("host",), event="withdrawn")
    return len(open_ones)


def end_offers_between(
    s: Session, pairs: list[tuple[int, int]], *, actor: str, now: datetime
) -> list[int]:
    """Withdraw the open offers (not yet confirmed) for these (applicant_id, host_id) pairs,
    sending the applicants back to the queue in their places; both sides get the neutral
    "withdrawn" notice. Used when a conflict of interest is recorded: no reason is stored on
    the placement or sent, because the reason is for coordinators only. Returns their ids."""
    ended = []
    for applicant_id, host_id in sorted(set(pairs)):
        offered = s.exec(
            select(ShadowPlacement.id).where(
                ShadowPlacement.applicant_id == applicant_id,
                ShadowPlacement.host_id == host_id,
                ShadowPlacement.status == "offered",
            )
        ).all()
        for placement_id in offered:
            p, a, h = load_locked(s, placement_id)
            if p.status != "offered":
                continue
            move("placement", p, "withdrawn", now)
            p.ended_by = actor
            move("sign-up", a, "queued", now)  # queued_at kept: same place in the queue
            record(s, "placement_withdrawn", p, actor=actor, at=now, side="coordinator")
            notify(s, notices.OFFER_UPDATE, p, a, h, ("applicant", "host"), event="withdrawn")
            ended.append(p.id)
    return ended
