"""The scheduled jobs the workspace's "run now" control lists: every job in the registry
(bot/jobs), each run as `msbot run-job` runs it (a claimed slot of its own, this second)."""

from __future__ import annotations

from collections.abc import Callable

from bot.jobs import runner
from handlers.slack.services import Services


def scheduled_jobs(services: Services) -> dict[str, Callable[[], object]]:
    """Job name -> run it once, now (as its schedule would)."""
    engine, settings = services.engine, services.settings
    return {
        job.name: (lambda job=job: runner.run_now(engine, settings, job, services.now()))
        for job in services.jobs.all()
    }
