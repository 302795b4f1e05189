"""The scheduled jobs the workspace's "run now" control lists.

``scheduled_jobs`` is the one adapter to the scheduler: when the job registry replaces
bot/scheduler.py, point this function at it and the control lists whatever it declares.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot import deliveries, scheduler


def scheduled_jobs(engine: Engine) -> dict[str, Callable[[], object]]:
    """Job name -> run it once, now (as its schedule would)."""
    return {
        "prune": lambda: deliveries.prune(engine),
        "shadow_offer_expiry": lambda: scheduler.expire_shadow_offers(engine),
    }
