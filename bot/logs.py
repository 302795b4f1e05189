"""structlog set-up: JSON lines in production, readable lines on a terminal.

Context (request id, user, case reference) is bound with ``structlog.contextvars`` so every
event logged while handling a request carries it. Libraries (slack-bolt, slack-sdk, gunicorn,
alembic, apscheduler) log through the standard library; their records go through the same
processors, so production logs are one JSON object per line whoever wrote them.
"""

from __future__ import annotations

import logging
import sys

import structlog

# Marks the handler this module installs, so configuring twice replaces it, not doubles it.
_HANDLER_NAME = "msbot"


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _renderer(log_format: str):
    if log_format == "json":
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())


def stdlib_formatter(log_format: str = "json") -> logging.Formatter:
    """A logging.Formatter rendering standard-library records like our own events (also
    used by gunicorn's log configuration)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(log_format),
        ],
    )


def configure_logging(log_format: str = "json", level: str = "INFO") -> None:
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.processors.format_exc_info,
            _renderer(log_format),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(stdlib_formatter(log_format))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))


log = structlog.get_logger("msbot")
