"""structlog set-up: one JSON object per line in production, readable lines on a terminal.

**One writer.** Our events (structlog, `LineLogger`) and every library's records (slack-bolt,
slack-sdk, gunicorn, waitress, apscheduler, alembic, through `LineHandler`) go through the same
final processors to `write_line`, which writes each record whole with a single ``os.write``
under one lock. A JSON line longer than ``PIPE_BUF`` (4,096 bytes) has its longest values cut
until it fits (and says ``"truncated": true``), because only writes up to ``PIPE_BUF`` are
atomic on the pipe that gunicorn's processes share: two records can never share a line, in one
process or several.

**Anonymity at every level.** An anonymous case is never logged together with its filer:
- The request (or outbox delivery, or job run) is one *unit of work* with its own log context.
  When it touches an anonymous case (`touching_anonymous_case`, called whenever an anonymous
  case is loaded or stored: see bot/complaints/privacy.py), its context loses the user and gets
  a fresh ``request_id``, so its later lines cannot be joined to its earlier ones by request id.
- `forget_filer` then strips user and DM-channel identifiers (user, W, D and G ids wherever they
  appear, library messages and tracebacks included) from every later line of that unit.
- Libraries that dump request and response bodies (slack-sdk's Web API client, Bolt at DEBUG)
  are held at INFO, whatever ``LOG_LEVEL`` says, unless ``LOG_SLACK_BODIES`` is set: their bodies
  are DMs ("We have received your complaint MS-…") and user ids. SQLAlchemy's statement log,
  whose parameters would name a case and its filer together, is held at WARNING.

Context (request id, user, case reference) is bound with ``structlog.contextvars`` so every
line logged while handling a request carries it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import select
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

# Marks the handler this module installs, so configuring twice replaces it, not doubles it.
_HANDLER_NAME = "msbot"

# Writes up to PIPE_BUF bytes to a pipe are atomic (POSIX): a JSON line, its newline included,
# never exceeds it, so processes sharing one stderr pipe cannot interleave inside a record.
MAX_LINE_BYTES = getattr(select, "PIPE_BUF", 4096)

# The context key set once a unit of work has touched an anonymous case.
ANONYMOUS_CASE = "anonymous_case"
# Fields naming a person (the filer may be any of them) or a DM: dropped from an anonymous
# case's lines whatever their value. Other fields (a channel, an error) lose only the person and
# DM ids in them.
IDENTITY_KEYS = frozenset(
    {
        "user",
        "user_id",
        "person",
        "person_id",
        "actor",
        "actor_id",
        "assignee_id",
        "author_id",
        "manager_id",
        "by",
        "reporter",
        "reporter_id",
        "recipient_person_id",
        "assignee",
        "dm_channel",
        "dm_channel_id",
    }
)
# Slack ids of people (U…, W…) and of DMs and group DMs (D…, G…), with at least one digit as
# every Slack id has; public and private channels (C…) name no one and are kept.
_PERSON_OR_DM_ID = re.compile(r"\b[UWDG](?=[A-Z0-9]*[0-9])[A-Z0-9]{2,}\b")
REDACTED = "[redacted]"

# Library loggers and the least severe level they may log at (whatever LOG_LEVEL says).
_SLACK_BODY_LOGGERS = ("slack_sdk", "slack_sdk.web.base_client", "slack_bolt")
_QUIET_LOGGERS = {
    # SQL with its parameters: a case's reference and its filer in one INSERT.
    "sqlalchemy.engine": logging.WARNING,
    # Font and image-plugin chatter from the digest chart at DEBUG: noise, not news.
    "matplotlib": logging.INFO,
    "PIL": logging.INFO,
    # Microsoft's Teams SDK logs every activity at DEBUG, its sender, text and form answers.
    "microsoft_teams": logging.INFO,
    # Each request's URL, which names a Teams conversation (a supplier's 1:1 chat), at INFO;
    # the connection's trace at DEBUG.
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
}


# --- Units of work and the anonymous-case flag ------------------------------------------------


def touching_anonymous_case() -> None:
    """The current unit of work (request, outbox delivery, job run) has touched an anonymous
    case: from here on its lines name nobody, and they carry a request id of their own, so they
    cannot be joined by request id to its earlier lines (which may name the user)."""
    context = structlog.contextvars.get_contextvars()
    if context.get(ANONYMOUS_CASE):
        return
    structlog.contextvars.unbind_contextvars(*(k for k in context if k in IDENTITY_KEYS))
    fresh = {ANONYMOUS_CASE: True}
    if "request_id" in context:
        fresh["request_id"] = uuid.uuid4().hex[:16]
    structlog.contextvars.bind_contextvars(**fresh)


@contextmanager
def unit_of_work(**bindings) -> Iterator[None]:
    """A fresh log context for one unit of work on a reused thread (an outbox delivery, a job
    run): nothing bound before (a user, an anonymous case's flag) leaks in, and nothing bound
    inside leaks out to the next."""
    saved = structlog.contextvars.get_contextvars()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**bindings)
    try:
        yield
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**saved)


def forget_filer(_logger, _name, event_dict: dict) -> dict:
    """Processor: a line of a unit of work that touched an anonymous case (or that says it is
    about one) keeps no identity: identity fields go, and person and DM ids are redacted from
    every other value (a library's message, a traceback, an error text)."""
    if not (event_dict.get(ANONYMOUS_CASE) or event_dict.get("anonymous") is True):
        return event_dict
    return {key: _redact(value) for key, value in event_dict.items() if key not in IDENTITY_KEYS}


def _redact(value, depth: int = 0):
    if isinstance(value, str):
        return _PERSON_OR_DM_ID.sub(REDACTED, value)
    if isinstance(value, bool | int | float | type(None) | logging.LogRecord):
        return value  # a LogRecord is ProcessorFormatter's own reference, never rendered
    if depth > 8:
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, depth + 1) for v in value]
    if isinstance(value, BaseException):
        return _PERSON_OR_DM_ID.sub(REDACTED, f"{type(value).__name__}: {value}")
    return _PERSON_OR_DM_ID.sub(REDACTED, repr(value))


# --- Rendering ----------------------------------------------------------------------------------


def _fallback(value) -> str:
    return repr(value)


class JsonLine:
    """Renders an event as one JSON line of at most MAX_LINE_BYTES - 1 bytes (newline aside).

    Over that, the longest values are cut (a traceback keeps its start and its end, where the
    error is; other text keeps its start) and ``"truncated": true`` is added. ASCII-only JSON
    (the default escaping) makes characters and bytes the same count."""

    def __init__(self, limit: int = MAX_LINE_BYTES - 1):
        self.limit = limit

    def __call__(self, _logger, _name, event_dict: dict) -> str:
        line = json.dumps(event_dict, default=_fallback)
        if len(line) <= self.limit:
            return line
        return self._shrink(event_dict)

    def _shrink(self, event_dict: dict) -> str:
        event = {k: _as_text(v) for k, v in event_dict.items()}
        event["truncated"] = True
        for _ in range(len(event) + 10):
            line = json.dumps(event, default=_fallback)
            excess = len(line) - self.limit
            if excess <= 0:
                return line
            key = max(event, key=lambda k: len(json.dumps(event[k], default=_fallback)))
            text = event[key] if isinstance(event[key], str) else json.dumps(event[key])
            # Escaping makes the JSON longer than the text (a newline is 2, an é 6): cut in
            # proportion, and go round again if the escapes were not evenly spread.
            encoded = len(json.dumps(text))
            keep = max(0, (encoded - excess - 8) * len(text) // encoded)
            if key == "exception":  # a traceback's both ends: where it began and the error
                head = keep // 3
                event[key] = text[:head] + "..." + text[len(text) - (keep - head) :]
            else:
                event[key] = text[:keep] + "..."
        # Hundreds of small fields: keep what identifies the record.
        essentials = {
            k: str(event_dict[k])[:100]
            for k in ("timestamp", "level", "logger", "event", "request_id")
            if k in event_dict
        }
        return json.dumps({**essentials, "truncated": True})


def _as_text(value):
    if isinstance(value, str | bool | int | float | type(None)):
        return value
    return json.dumps(value, default=_fallback)


def _renderer(log_format: str):
    if log_format == "json":
        return JsonLine()
    return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def stdlib_formatter(log_format: str = "json") -> logging.Formatter:
    """Renders every library's records like our own events, anonymity rule included (also
    used by gunicorn's log configuration)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_final_processors(log_format),
        ],
    )


def _final_processors(log_format: str) -> list:
    """Last in both chains: the anonymity rule, then one line of text."""
    return [structlog.processors.format_exc_info, forget_filer, _renderer(log_format)]


# Every line, from structlog or from a library through the standard library, is written by
# write_line under this one lock. A child process gets a fresh one: the parent's could have been
# held, at the fork, by a thread the child does not have.
_write_lock = threading.Lock()


def _fresh_lock_after_fork() -> None:
    global _write_lock
    _write_lock = threading.Lock()


os.register_at_fork(after_in_child=_fresh_lock_after_fork)


def write_line(stream, text: str) -> None:
    """``text`` and its newline in one ``os.write`` (atomic on a pipe up to PIPE_BUF), under the
    process's one log lock. A stream with no file descriptor (a test's StringIO) gets one
    ``write``."""
    data = text + "\n"
    with _write_lock:
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            stream.write(data)
            stream.flush()
            return
        view = memoryview(data.encode("utf-8", "backslashreplace"))
        while view:  # one call, unless a console line is longer than the pipe takes at once
            view = view[os.write(fd, view) :]


class LineHandler(logging.Handler):
    """The standard library's records (every library's, and gunicorn's), formatted like our
    events and written by write_line."""

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream if stream is not None else sys.stderr
        self.addFilter(_above_library_floor)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            write_line(self.stream, self.format(record))
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


class LineLogger:
    """structlog's output: the rendered line, written by write_line (structlog's own
    PrintLogger writes the newline separately, under a lock of its own)."""

    def __init__(self, stream, name: str):
        self.stream, self.name = stream, name

    def msg(self, message: str) -> None:
        write_line(self.stream, message)

    log = debug = info = warn = warning = err = error = critical = exception = fatal = msg


class LineLoggerFactory:
    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr

    def __call__(self, *args) -> LineLogger:
        return LineLogger(self.stream, args[0] if args and isinstance(args[0], str) else "msbot")


# Set by configure_logging; LineHandler drops library records below them whatever level the
# library gave its own logger (Bolt copies the root logger's level onto its loggers).
_floors: dict[str, int] = {}


def _above_library_floor(record: logging.LogRecord) -> bool:
    name = record.name
    for prefix, floor in _floors.items():
        if record.levelno < floor and (name == prefix or name.startswith(prefix + ".")):
            return False
    return True


def library_levels(level: str, *, slack_bodies: bool = False) -> dict[str, int]:
    """The least severe level each body-dumping or noisy library logger may log at."""
    base = getattr(logging, level)
    floors = dict(_QUIET_LOGGERS)
    if not slack_bodies:
        floors.update(dict.fromkeys(_SLACK_BODY_LOGGERS, logging.INFO))
    return {name: max(base, floor) for name, floor in floors.items()}


def configure_logging(
    log_format: str = "json", level: str = "INFO", *, slack_bodies: bool = False, stream=None
) -> None:
    """Our events and every library's records: the same processors, one writer, one lock."""
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.add_logger_name,
            *_final_processors(log_format),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=LineLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    handler = LineHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(stdlib_formatter(log_format))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level))
    floors = library_levels(level, slack_bodies=slack_bodies)
    _floors.clear()
    _floors.update(floors)
    for name, floor in floors.items():
        # Also on the logger itself, so slack-sdk does not even build the body text.
        logging.getLogger(name).setLevel(floor)
    # Warnings and a thread's uncaught exception are records too, not raw text on stderr.
    logging.captureWarnings(True)
    threading.excepthook = _log_thread_exception


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    logging.getLogger("msbot.threads").error(
        "thread.failed: %s",
        getattr(args.thread, "name", "?"),
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


log = structlog.get_logger("msbot")
