"""Running acknowledged commands that were recorded before their ack (bot/pending.py), for
every front end (Slack's mention commands, Teams' notes, thread commands and supplier replies).

A listener records the command, acks, and hands its id to ``run_after_ack``. Should the
process die before the command is done, a sweeper (at start-up and every few seconds, in every
process) finds it recorded but not done and runs it; the claim in the database makes sure one
runner does it, once. A process runs and resumes only the kinds in its ``services.runners``:
another front end's commands in the same database are left to that front end.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from bot import pending
from bot.db import REQUEST_BUDGET_SECONDS, deadline
from bot.errors import StoreUnavailable
from models.base import utcnow

log = structlog.get_logger("msbot.durable")

# runner(services, payload, attempt), one per kind of recorded command, listed by each front
# end (Slack's Services.runners from handlers/slack/app.py; TeamsServices.runners from
# handlers/teams/app.py). A runner raises StoreUnavailable to be resumed later; anything it
# lets through otherwise counts as done.
Runner = Callable[[Any, dict, int], None]


class Services(Protocol):
    """What a front end's services give the runner: the database and its runners by kind."""

    engine: Any
    runners: Mapping[str, Runner]


# Work found by the sweeper gets longer than a request (nobody is waiting on a 3 s clock),
# but is still bounded, so a silent database cannot hang the sweeper.
SWEEP_BUDGET_SECONDS = 10.0
# A command recorded this recently is presumably being run by the process that acked it.
SWEEP_GRACE = timedelta(seconds=2)
# Test-only: hold the after-ack work this long, so a test can kill the process in between.
DELAY_ENV = "MSBOT_TEST_AFTER_ACK_DELAY_SECONDS"


def run_after_ack(services: Services, command_id: int) -> None:
    delay = float(os.environ.get(DELAY_ENV) or 0)
    if delay > 0:
        time.sleep(delay)
    run(services, command_id, REQUEST_BUDGET_SECONDS)


def run(services: Services, command_id: int, budget: float, now: datetime | None = None) -> None:
    """Claim a recorded command and run it; a command done or held elsewhere is left alone."""
    # A budget of its own: the request that acked it may have used most of its 3 s.
    with deadline(budget, fresh=True):
        try:
            claimed = pending.claim(services.engine, command_id, now, kinds=services.runners.keys())
        except StoreUnavailable:
            log.warning("pending.claim_unavailable", command_id=command_id)
            return
        if claimed is None:
            return
        token, row = claimed
        fn = services.runners.get(row.kind)
        try:
            with pending.completing(services.engine, command_id, token):
                if fn is None:
                    log.error("pending.unknown_kind", kind=row.kind, command_id=command_id)
                else:
                    fn(services, row.payload, row.attempts)
        except StoreUnavailable:
            # Not done and not marked: the sweeper resumes it once its lease lapses.
            log.warning("pending.deferred", command_id=command_id, attempt=row.attempts)
        except pending.ClaimLost:
            log.warning("pending.claim_lost", command_id=command_id)
        except Exception:
            log.exception("pending.failed", command_id=command_id)
            # If even that fails, it is resumed later and fails the same way then.
            with contextlib.suppress(StoreUnavailable):
                pending.give_up(services.engine, command_id, token)


def sweep(services: Services, now: datetime | None = None) -> int:
    """Run every command (of this process's kinds) recorded but not done whose runner is
    gone; how many were found. ``now`` for tests, which cannot wait out the grace."""
    now = now or utcnow()
    try:
        with deadline(SWEEP_BUDGET_SECONDS, fresh=True):
            ids = pending.resumable(
                services.engine, now, SWEEP_GRACE, kinds=services.runners.keys()
            )
    except StoreUnavailable:
        return 0
    for command_id in ids:
        log.info("pending.resumed", command_id=command_id)
        run(services, command_id, SWEEP_BUDGET_SECONDS, now)
    return len(ids)


class Sweeper:
    """A thread that sweeps at start-up and then every ``interval`` seconds."""

    def __init__(self, services: Services, interval: float):
        self.services = services
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pending-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=SWEEP_BUDGET_SECONDS)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sweep(self.services)
            except Exception:
                log.exception("pending.sweep_failed")
            self._stop.wait(self.interval)
