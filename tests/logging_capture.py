"""Configuring msbot's real logging for a test, and putting everything back afterwards."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

import structlog

from bot import logs


@contextlib.contextmanager
def configured(log_format: str, level: str, stream, *, slack_bodies: bool = False) -> Iterator:
    """``logs.configure_logging`` writing to ``stream``; the previous set-up is restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    touched = ["py.warnings", *logs.library_levels(level, slack_bodies=False)]
    saved_levels = {name: logging.getLogger(name).level for name in touched}
    saved_hook = threading.excepthook
    logs.configure_logging(log_format, level, slack_bodies=slack_bodies, stream=stream)
    # A cached logger would keep this set-up after the test, unseen by later structlog.configure.
    structlog.configure(cache_logger_on_first_use=False)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in saved_handlers:
                root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, level_was in saved_levels.items():
            logging.getLogger(name).setLevel(level_was)
        logging.captureWarnings(False)
        threading.excepthook = saved_hook
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
