"""Housekeeping: pruning old records the features and the outbox leave behind."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session

from bot import deliveries, pending
from bot.db import transaction
from bot.jobs.registry import Job, JobContext
from bot.shadowing.rounds import prune_dry_runs
from models import JobRun, Nudge

# Job history and nudges kept for `msbot jobs` and the once-a-day rule; a quarter is plenty.
HISTORY_KEPT = timedelta(days=92)


def pruning(ctx: JobContext, _: Session | None) -> str:
    """Each pruning step commits on its own: pruning is idempotent, so no claim is needed to
    make a repeat harmless (other helpers add their own steps here)."""
    keys = deliveries.prune(ctx.engine) + pending.prune(ctx.engine, ctx.now)
    cutoff = ctx.now - HISTORY_KEPT
    with transaction(ctx.engine) as s:
        # Erasure audit rows (bot.privacy.erase) are the record that an erasure happened: kept.
        old_runs = delete(JobRun).where(JobRun.slot < cutoff, JobRun.job != "privacy_erase")
        runs = s.execute(old_runs).rowcount
        nudges = s.execute(delete(Nudge).where(Nudge.day < cutoff.date())).rowcount
    dry_runs = prune_dry_runs(ctx.engine, now=ctx.now, keep_days=ctx.settings.dry_run_keep_days)
    return f"delivery keys {keys}, job runs {runs}, nudges {nudges}, dry runs {dry_runs}"


JOBS = (
    Job(
        "pruning",
        "17 * * * *",
        pruning,
        "forget old delivery keys, job history, nudges and matching dry runs",
        transactional=False,
    ),
)
