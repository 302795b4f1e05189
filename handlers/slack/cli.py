"""The Slack front end's part of the `msbot` command: `serve`, and the transport the core's
`outbox --send` posts with."""

from __future__ import annotations

import signal
import sys
import threading

import structlog
from sqlalchemy.engine import Engine

from bot.cli import Command, exit_for_settings
from bot.config import ConfigError
from bot.db import make_engine
from bot.logs import configure_logging
from bot.migrate import startup_problem
from handlers.slack.settings import SlackSettings, load_slack_settings

log = structlog.get_logger("msbot")


def slack_settings() -> SlackSettings:
    """The core's and Slack's settings, with logging set up from them; exits naming every
    problem when they are wrong."""
    try:
        settings = load_slack_settings()
    except ConfigError as exc:
        raise exit_for_settings(exc) from None
    configure_logging(
        settings.log_format, settings.log_level, slack_bodies=settings.log_slack_bodies
    )
    return settings


def _check_schema(engine: Engine) -> None:
    problem = startup_problem(engine)
    if problem:
        print(f"msbot cannot start: {problem}", file=sys.stderr)
        raise SystemExit(3)


def cmd_serve(args) -> int:
    settings = slack_settings()
    _check_schema(make_engine(settings.database_url))
    if settings.socket_mode:
        return _serve_socket_mode(settings)
    from handlers.slack.gunicorn_app import serve_http

    serve_http(settings)
    return 0


def _serve_socket_mode(settings: SlackSettings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.scheduler import start_scheduler
    from handlers.slack.app import build_app, build_services

    services = build_services(settings, make_engine(settings.database_url)).start()
    scheduler = start_scheduler(services.engine, settings, services.send_queued, jobs=services.jobs)
    handler = SocketModeHandler(build_app(services), settings.slack_app_token)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    handler.connect()
    log.info("serve.socket_mode")
    stopping.wait()
    # Like gunicorn's graceful stop: take no more envelopes, finish the work already acked
    # (a modal to open, messages to post), then exit.
    log.info("serve.stopping")
    handler.close()
    scheduler.shutdown(wait=False)
    services.stop()
    return 0


def slack_transport(engine: Engine):
    """The transport `msbot outbox --send` posts with: Slack's, with every renderer."""
    from handlers.slack.app import build_services

    return build_services(slack_settings(), engine).transport


def slack_commands() -> list[Command]:
    return [
        Command("serve", "run the bot (HTTP, or Socket Mode if SLACK_APP_TOKEN is set)", cmd_serve)
    ]
