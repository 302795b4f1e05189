"""What every Slack listener needs, built once at start-up and passed in explicitly."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime

import structlog
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.clock import today_uk
from bot.config import Settings
from bot.outbox import OutboxWorker
from handlers.transport import SlackTransport
from models.base import utcnow

log = structlog.get_logger("msbot.handlers")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    client: WebClient
    transport: SlackTransport
    outbox: OutboxWorker
    today: Callable[[], date] = field(default=today_uk)
    # Aware UTC "now" for the core's timestamps and offer expiry; replaceable so tests can
    # keep it consistent with their fixed today().
    now: Callable[[], datetime] = field(default=utcnow)
    # Work that follows an ack (opening a modal, posting) runs here, so the HTTP response
    # never waits for it. Listeners run with process_before_response=True and hand off.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="after-ack")
    )

    def after_ack(self, fn: Callable, *args, **kwargs) -> None:
        context = structlog.contextvars.get_contextvars()

        def run():
            structlog.contextvars.bind_contextvars(**context)
            try:
                fn(*args, **kwargs)
            except Exception:
                log.exception("after_ack.failed", task=getattr(fn, "__name__", repr(fn)))

        self.background.submit(run)

    def send_queued(self) -> None:
        """Messages were just queued in the outbox: wake the worker to send them now."""
        self.outbox.kick()

    def start(self) -> Services:
        self.outbox.start()
        return self

    def stop(self) -> None:
        self.outbox.stop()
        self.background.shutdown(wait=True, cancel_futures=False)
