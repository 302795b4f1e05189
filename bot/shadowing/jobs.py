"""Shadowing jobs: scheduled matching rounds, lapsing offers whose time is up, and feedback
once a placement's dates end."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session

from bot import outbox
from bot.db import transaction
from bot.jobs import notices
from bot.jobs.registry import Job, JobContext, counted
from bot.permissions import COORDINATOR, SYSTEM_ACTOR, Actor, RoleDirectory
from bot.shadowing import events
from bot.shadowing import notices as shadow_notices
from bot.shadowing.endings import expire_offers
from bot.shadowing.rounds import run_round
from models import ShadowApplicant, ShadowHost, ShadowPlacement


def shadow_round(ctx: JobContext, _: Session | None) -> str:
    """A round plans and writes in transactions of its own (it locks the hosts it offers), so
    this job is claimed first: a crash mid-round loses that slot rather than repeating it."""
    mode = ctx.settings.shadow_round_mode
    if mode == "off":
        return "SHADOW_ROUND_MODE is off"
    with Session(ctx.engine) as s:
        coordinators = RoleDirectory(ctx.settings).holders(s, COORDINATOR)
    rnd = run_round(
        ctx.engine,
        commit=mode == "commit",
        # The scheduler commits for the coordinators who turned scheduled rounds on.
        actor=(
            Actor(min(coordinators), frozenset({COORDINATOR}))
            if mode == "commit" and coordinators
            else SYSTEM_ACTOR
        ),
        now=ctx.now,
        expiry_days=ctx.settings.offer_expiry_days,
    )
    with transaction(ctx.engine) as s:
        for user in sorted(coordinators):
            outbox.enqueue(
                s,
                notices.ROUND_SUMMARY,
                person_id=user,
                subject_id=rnd.id,
                data={"committed": mode == "commit"},
            )
    return f"round {rnd.id} ({mode}): {rnd.summary.get('matched', 0)} matched"


def placement_feedback(ctx: JobContext, s: Session | None) -> str:
    """A scheduled placement whose end date has passed is over: mark it completed (once: a
    conditional UPDATE) and ask both sides for feedback, as /shadow complete would."""
    P, A = ShadowPlacement, ShadowApplicant
    ended = s.execute(
        update(P)
        .where(P.status == "scheduled", P.end_date < ctx.today)
        .values(status="completed", updated_at=ctx.now)
        .returning(P.id, P.applicant_id, P.host_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not ended:
        return "no placements ended"
    applicant_ids = [row.applicant_id for row in ended]
    s.execute(
        update(A)
        .where(A.id.in_(applicant_ids), A.status == "placed")
        .values(status="completed", active_person_id=None, updated_at=ctx.now)
        .execution_options(synchronize_session=False)
    )
    applicant_users = dict(
        s.execute(select(A.id, A.person_id).where(A.id.in_(applicant_ids))).all()
    )
    host_users = dict(
        s.execute(
            select(ShadowHost.id, ShadowHost.person_id).where(
                ShadowHost.id.in_({row.host_id for row in ended})
            )
        ).all()
    )
    events.record_many(
        s,
        [
            {
                "at": ctx.now,
                "actor_id": None,
                "kind": "completed",
                "applicant_id": row.applicant_id,
                "host_id": row.host_id,
                "placement_id": row.id,
                "data": {"by": "schedule"},
            }
            for row in ended
        ],
    )
    shadow_notices.queue_many(
        s,
        [
            (shadow_notices.FEEDBACK_REQUEST, user, row.id, {"side": side})
            for row in ended
            for side, user in (
                ("applicant", applicant_users[row.applicant_id]),
                ("host", host_users[row.host_id]),
            )
        ],
    )
    return f"{len(ended)} placement(s) completed, feedback requested"


# The shadowing feature's scheduled jobs, collected by bot.bootstrap.
JOBS = (
    Job(
        "shadow_round",
        "0 9 * * 3",
        shadow_round,
        "matching round by SHADOW_ROUND_MODE (off, dry_run to coordinators, commit)",
        transactional=False,
    ),
    # Each offer lapses once, whoever else (a late answer, another process) lapses it too.
    Job(
        "shadow_offer_expiry",
        "*/5 * * * *",
        counted("offers lapsed", expire_offers),
        "lapse shadowing offers whose time is up",
        transactional=False,
    ),
    Job(
        "placement_feedback",
        "0 10 * * *",
        placement_feedback,
        "complete placements whose dates ended; ask both sides",
    ),
)
