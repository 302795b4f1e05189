"""What every Slack listener needs, built once at start-up and passed in explicitly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime

import structlog
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.clock import today_uk
from bot.db import REQUEST_BUDGET_SECONDS, deadline, deadline_at, deadline_until
from bot.jobs.registry import JobRegistry
from bot.outbox import OutboxWorker
from handlers.slack.deliveries import Handoff
from handlers.slack.settings import SlackSettings
from handlers.slack.transport import SlackTransport
from models.base import utcnow

log = structlog.get_logger("msbot.handlers")


@dataclass
class Services:
    settings: SlackSettings
    engine: Engine
    client: WebClient
    transport: SlackTransport
    outbox: OutboxWorker
    jobs: JobRegistry  # the scheduled jobs (bot.bootstrap), for the local "run now"
    # kind of recorded command -> its runner (handlers/durable.py), from the app factory
    runners: Mapping[str, Callable] = field(default_factory=dict)
    today: Callable[[], date] = field(default=today_uk)
    # Aware UTC "now" for the core's timestamps and offer expiry; replaceable so tests can
    # keep it consistent with their fixed today().
    now: Callable[[], datetime] = field(default=utcnow)
    # Work that follows an ack (opening a modal, posting) runs here, so the HTTP response
    # never waits for it. Listeners run with process_before_response=True and hand off.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="after-ack")
    )
    # At most this much deferred work may be waiting or running; see after_ack.
    max_deferred: int = 32
    # Follow-up work nobody waits for (grouping a new case with related ones): one thread,
    # so a burst about one procurement queues here rather than filling the after-ack pool,
    # where modals wait with Slack's 3-second trigger_id running.
    serial: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="after-commit")
    )
    # Slow work after the ack (a report, a dry run) has no 3 s clock, but a silent database
    # must not hold it (and the person waiting for its answer) for ever.
    background_budget: float = 60.0
    # Read models a listener got back from the core, for the outbox renderers to draw the
    # messages that change queued (the same object the transport's renderers were given).
    handoff: Handoff = field(default_factory=Handoff)

    def __post_init__(self):
        self._deferred_slots = threading.BoundedSemaphore(self.max_deferred)

    def after_ack(self, fn: Callable, *args, **kwargs) -> None:
        """Run ``fn`` after the ack, or now if too much deferred work is already waiting.

        Deferred work mostly has Slack's own 3-second clock running (a trigger_id to open a
        modal with). Under overload an unbounded queue would ack quickly and then open the
        modals too late; running the overflow on the request thread instead slows the acks
        down to the pace the work can really be done at.
        """
        run = _logged(fn, args, kwargs)
        if not self._deferred_slots.acquire(blocking=False):
            run()
            return
        # The user waits for this answer on the same 3-second clock: if the database has
        # already failed this request, the work fails at once too; otherwise it gets a
        # request's budget from when it starts (it may have queued behind other work).
        budget = deadline_at()
        failed = budget is not None and budget.failed

        def deferred():
            try:
                with (
                    deadline_until(budget)
                    if failed
                    else deadline(REQUEST_BUDGET_SECONDS, fresh=True)
                ):
                    run()
            finally:
                self._deferred_slots.release()

        self.background.submit(deferred)

    def in_background(self, fn: Callable, *args, **kwargs) -> None:
        """Run slow work with no Slack deadline (a matching dry run, a report) after the ack,
        however long the queue: on the request thread it could make the ack miss its 3 s."""
        run = _logged(fn, args, kwargs)

        def bounded() -> None:
            with deadline(self.background_budget, fresh=True):
                run()

        self.background.submit(bounded)

    def after_commit(self, fn: Callable, *args, **kwargs) -> None:
        """Run ``fn`` soon, on the one after-commit thread, in the order asked. A crash loses
        what is queued here: use it only for work a sweep finds and redoes (bot/jobs)."""
        self.serial.submit(_logged(fn, args, kwargs))

    def send_queued(self) -> None:
        """Messages were just queued in the outbox: wake the worker to send them now."""
        self.outbox.kick()

    def start(self) -> Services:
        from handlers import durable

        self.outbox.start()
        # Commands acknowledged but not done when a process died are resumed from here.
        self._sweeper = durable.Sweeper(self, interval=self.settings.outbox_interval_seconds)
        self._sweeper.start()
        return self

    def stop(self) -> None:
        self.serial.shutdown(wait=True, cancel_futures=False)
        self.outbox.stop()
        if sweeper := getattr(self, "_sweeper", None):
            sweeper.stop()
        self.background.shutdown(wait=True, cancel_futures=False)


def _logged(fn: Callable, args: tuple, kwargs: dict) -> Callable[[], None]:
    """``fn(*args, **kwargs)`` to run on another thread, with this request's log context, its
    failure logged rather than lost in a thread pool."""
    context = structlog.contextvars.get_contextvars()

    def run() -> None:
        # Pool threads are reused: only this request's context, nothing left by the last task
        # (a user, or an anonymous case's flag that the next task must not rely on).
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**context)
        try:
            fn(*args, **kwargs)
        except Exception:
            log.exception("after_ack.failed", task=getattr(fn, "__name__", repr(fn)))

    return run
