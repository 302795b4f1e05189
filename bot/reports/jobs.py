"""The weekly digest job: figures and chart queued to the leads' channel with the claim."""

from __future__ import annotations

from sqlmodel import Session

from bot import outbox
from bot.jobs import notices
from bot.jobs.registry import Job, JobContext
from bot.reports.digest import build_digest


def queue_digest(s: Session, channel_id: str, figures: dict) -> None:
    outbox.enqueue(s, notices.DIGEST, channel_id=channel_id, data={"figures": figures})
    outbox.enqueue(
        s,
        notices.DIGEST_CHART,
        channel_id=channel_id,
        data={"chart": figures["chart"], "top_categories": figures["top_categories"]},
    )


def weekly_digest(ctx: JobContext, s: Session | None) -> str:
    channel = ctx.settings.leads_channel_id
    if not channel:
        return "LEADS_CHANNEL_ID is not set; nothing posted"
    figures = build_digest(s, today=ctx.today, now=ctx.now, threshold=ctx.settings.report_min_count)
    queue_digest(s, channel, figures)
    return f"digest queued to {channel}: {figures['new_cases']} new, {figures['overdue']} overdue"


# The reports' scheduled jobs, collected by bot.bootstrap.
JOBS = (
    Job("weekly_digest", "0 8 * * 1", weekly_digest, "team digest and chart to LEADS_CHANNEL_ID"),
)
