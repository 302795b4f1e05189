"""structlog set-up: JSON lines in production, readable lines on a terminal.

Context (request id, user, case reference) is bound with ``structlog.contextvars`` so every
event logged while handling a request carries it.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(log_format: str = "json", level: str = "INFO") -> None:
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Libraries (slack-bolt, gunicorn, alembic) log through the standard library.
    logging.basicConfig(level=getattr(logging, level), stream=sys.stderr, format="%(message)s")


log = structlog.get_logger("msbot")
