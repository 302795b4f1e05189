"""The weekly digest job: figures and chart queued to the leads' channel with the claim."""

from __future__ import annotations

from sqlmodel import Session

from bot import outbox
from bot.jobs import notices
from bot.jobs.registry import Job, JobContext
from bot.permissions import SYSTEM_ACTOR
from bot.reports.digest import build_digest

NO_LEADS = "neither LEADS_CHANNEL_ID nor TEAMS_LEADS_CONVERSATION_ID is set"


def queue_digest(s: Session, figures: dict) -> None:
    """To the leads (each front end posts to the conversation it configures for them)."""
    outbox.enqueue(s, notices.DIGEST, role=outbox.LEADS_ROLE, data={"figures": figures})
    outbox.enqueue(
        s,
        notices.DIGEST_CHART,
        role=outbox.LEADS_ROLE,
        data={"chart": figures["chart"], "top_categories": figures["top_categories"]},
    )


def weekly_digest(ctx: JobContext, s: Session | None) -> str:
    where = ctx.settings.leads_destination
    if not where:
        return NO_LEADS + "; nothing posted"
    figures = build_digest(
        s,
        actor=SYSTEM_ACTOR,
        today=ctx.today,
        now=ctx.now,
        threshold=ctx.settings.report_min_count,
    )
    queue_digest(s, figures)
    return f"digest queued to {where}: {figures['new_cases']} new, {figures['overdue']} overdue"


# The reports' scheduled jobs, collected by bot.bootstrap.
JOBS = (
    Job(
        "weekly_digest",
        "0 8 * * 1",
        weekly_digest,
        "team digest and chart to the leads' conversation",
    ),
)
