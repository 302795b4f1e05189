"""What every Slack listener needs, built once at start-up and passed in explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import structlog
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot import outbox
from bot.clock import today_uk
from bot.config import Settings
from handlers.transport import SlackTransport

log = structlog.get_logger("msbot.handlers")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    client: WebClient
    transport: SlackTransport
    today: Callable[[], date] = field(default=today_uk)

    def send_now(self, ids) -> None:
        """Deliver just-queued messages straight away (after ack); anything that fails stays
        in the outbox for the worker to retry."""
        if not ids:
            return
        try:
            outbox.drain(self.engine, self.transport, ids=ids)
        except Exception:
            log.exception("outbox.send_now_failed", ids=list(ids))
