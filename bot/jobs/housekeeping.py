"""Housekeeping jobs: pruning old records, lapsing shadowing offers, grouping cases a crash
left ungrouped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session

from bot import deliveries, pending
from bot.complaints.related import group_pending
from bot.db import transaction
from bot.jobs.registry import JobContext, job
from bot.shadowing.endings import expire_offers
from bot.shadowing.rounds import prune_dry_runs
from models import JobRun, Nudge

# Job history and nudges kept for `msbot jobs` and the once-a-day rule; a quarter is plenty.
HISTORY_KEPT = timedelta(days=92)


@job(
    "pruning",
    "17 * * * *",
    "forget old delivery keys, job history, nudges and matching dry runs",
    transactional=False,
)
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


@job(
    "shadow_offer_expiry",
    "*/5 * * * *",
    "lapse shadowing offers whose time is up",
    transactional=False,
)
def shadow_offer_expiry(ctx: JobContext, _: Session | None) -> str:
    # expire_offers is a conditional UPDATE in its own transaction: each offer lapses once.
    return f"offers lapsed {expire_offers(ctx.engine, now=ctx.now)}"


@job(
    "case_grouping",
    "*/5 * * * *",
    "group new cases with related ones where a crash left that undone",
    transactional=False,
)
def case_grouping(ctx: JobContext, _: Session | None) -> str:
    # Each case is claimed by a conditional UPDATE in the transaction that groups it, so a
    # case the request already grouped, or another process is grouping, is left alone.
    return f"cases grouped {group_pending(ctx.engine, now=ctx.now)}"
