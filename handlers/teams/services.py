"""What every Teams handler needs, built once at start-up and passed in explicitly: the core
(bot.bootstrap), the Teams settings, the connector that sends, the clock, the outbox worker
that delivers what the core queued, and the work recorded before an ack (handlers/durable.py):
its runners, the pool it runs on after the ack, and the sweeper that resumes it after a crash."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime

import structlog
from sqlalchemy.engine import Engine

from bot.bootstrap import Core
from bot.clock import today_uk
from bot.config import Settings
from bot.outbox import OutboxWorker
from bot.permissions import RoleDirectory
from handlers import durable
from handlers.teams.connector import TeamsConnector
from handlers.teams.settings import TeamsSettings
from models.base import utcnow

log = structlog.get_logger("msbot.teams")


@dataclass
class TeamsServices:
    core: Core
    teams: TeamsSettings
    connector: TeamsConnector
    clock: Callable[[], datetime] = field(default=utcnow)
    today: Callable[[], date] = field(default=today_uk)
    # Set by the front end once its transport exists (handlers/teams/app.py).
    outbox: OutboxWorker | None = None
    # The roles the settings give (no platform user group in Teams: configured ids only).
    roles: RoleDirectory | None = None
    # The bot's own Teams id ("28:<app id>"), learnt from the first activity's recipient;
    # needed to open a 1:1 chat (createConversation).
    bot_id: str | None = None
    # The Bot Connector of the tenant's region: the settings', then the newest activity's.
    service_url: str = ""
    # Follow-up work nobody waits for (grouping a new case with related ones), in order, on
    # one thread; a crash loses it, and a sweep job (case_grouping) does it instead.
    serial: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="teams-after")
    )
    # kind of recorded message -> its runner (handlers/durable.py), set by the front end.
    runners: Mapping[str, Callable] = field(default_factory=dict)
    # Recorded messages run here once acked, so Teams' HTTP request never waits for them;
    # the queue is bounded by the database (each entry is a recorded row, resumed if lost).
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="teams-ack")
    )

    def __post_init__(self):
        self.service_url = self.service_url or self.teams.service_url
        if self.roles is None:
            self.roles = RoleDirectory(self.core.settings)
        if self.bot_id is None and self.teams.app_id:
            self.bot_id = f"28:{self.teams.app_id}"

    @property
    def engine(self) -> Engine:
        return self.core.engine

    @property
    def settings(self) -> Settings:
        """The core's settings."""
        return self.core.settings

    def after_commit(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` soon, after the answer; a failure is logged, not raised."""
        self.serial.submit(_logged, "teams.after_commit_failed", fn, args)

    def after_ack(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` once the activity is acknowledged; a failure is logged."""
        self.background.submit(_logged, "teams.after_ack_failed", fn, args)

    def start(self) -> None:
        if self.outbox is not None:
            self.outbox.start()
        # Messages acknowledged but not done when a process died are resumed from here.
        self._sweeper = durable.Sweeper(self, interval=self.settings.outbox_interval_seconds)
        self._sweeper.start()

    def stop(self) -> None:
        if sweeper := getattr(self, "_sweeper", None):
            sweeper.stop()
        self.background.shutdown(wait=True)
        self.serial.shutdown(wait=True)
        if self.outbox is not None:
            self.outbox.stop()

    def send_queued(self) -> None:
        """Messages were just queued in the outbox: wake the worker to send them now."""
        if self.outbox is not None:
            self.outbox.kick()


def _logged(event: str, fn: Callable, args: tuple) -> None:
    """``fn(*args)`` on a pool thread, its failure logged rather than lost in the pool."""
    try:
        fn(*args)
    except Exception:
        log.exception(event, task=getattr(fn, "__name__", "?"))
