"""Runs the WSGI app under gunicorn (waitress in each worker), with the scheduler in each.

See handlers/slack/waitress_worker.py for why the worker is not gunicorn's own gthread.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from bot.db import make_engine
from bot.scheduler import start_scheduler
from handlers.slack.settings import SlackSettings


def create_wsgi_app(settings: SlackSettings, *, with_scheduler: bool = True):
    """(services, WSGI app): the services so the worker can stop them when it exits."""
    from handlers.slack.app import build_app, build_services
    from handlers.slack.server import SlackWsgiApp

    services = build_services(settings, make_engine(settings.database_url)).start()
    if with_scheduler:
        start_scheduler(services.engine, settings, services.send_queued, jobs=services.jobs)
    wsgi = SlackWsgiApp(build_app(services), services.engine, settings.slack_signing_secret)
    return services, wsgi


class _Gunicorn(BaseApplication):
    def __init__(self, settings: SlackSettings, options: dict, with_scheduler: bool):
        self.settings = settings
        self.options = options
        self.with_scheduler = with_scheduler
        self.services = None
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Runs in each worker after the fork, so no database connection is shared.
        self.services, wsgi = create_wsgi_app(self.settings, with_scheduler=self.with_scheduler)
        return wsgi


def serve_http(
    settings: SlackSettings, *, bind: str | None = None, with_scheduler: bool = True
) -> None:
    options = {
        "bind": bind or f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        "worker_class": "handlers.slack.waitress_worker.WaitressWorker",
        "threads": settings.web_threads,
        "timeout": 30,
        "graceful_timeout": 20,
        "accesslog": None,
        "errorlog": "-",
        # gunicorn's own messages rendered like every other log line (JSON in production).
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "msbot": {"()": "bot.logs.stdlib_formatter", "log_format": settings.log_format}
            },
            "handlers": {
                "stderr": {
                    # One os.write per record, under one lock (see bot/logs.py).
                    "class": "bot.logs.LineHandler",
                    "formatter": "msbot",
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"level": settings.log_level, "handlers": ["stderr"]},
            "loggers": {
                "gunicorn.error": {
                    "level": settings.log_level,
                    "handlers": ["stderr"],
                    "propagate": False,
                },
                # waitress warns "Task queue depth is N" whenever requests wait for a thread,
                # which under ordinary load is most requests: a log flood, not news.
                "waitress.queue": {"level": "ERROR"},
            },
        },
    }
    _Gunicorn(settings, options, with_scheduler).run()
