"""The scheduled jobs the workspace's "run now" control lists.

``scheduled_jobs`` is the one adapter to the scheduler. With the job registry (bot/jobs, from
the scheduled-jobs work) present it lists every registered job and runs it as `msbot run-job`
does; until that lands, it lists bot/scheduler.py's housekeeping jobs.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import deliveries, scheduler
from handlers.services import Services

try:
    # The job registry (branch h/jobs). Guarded so this module works before and after it
    # merges; if its run_now signature changes, this is the one place to follow it.
    from bot.jobs import registry, runner
except ImportError:  # pragma: no cover - depends on which branches are merged
    registry = runner = None


def scheduled_jobs(services: Services) -> dict[str, Callable[[], object]]:
    """Job name -> run it once, now (as its schedule would)."""
    engine, settings = services.engine, services.settings
    if registry is not None:
        return {
            job.name: (lambda job=job: runner.run_now(engine, settings, job, services.now()))
            for job in registry.all_jobs()
        }
    return {
        "prune": lambda: deliveries.prune(engine),
        "shadow_offer_expiry": lambda: scheduler.expire_shadow_offers(engine),
    }
