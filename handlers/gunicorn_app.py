"""Runs the WSGI app under gunicorn (threaded workers), with the scheduler in each worker."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from bot.config import Settings
from bot.db import make_engine
from bot.scheduler import start_scheduler


def create_wsgi_app(settings: Settings, *, with_scheduler: bool = True):
    from handlers.app import build_app, build_services
    from handlers.server import SlackWsgiApp

    services = build_services(settings, make_engine(settings.database_url)).start()
    if with_scheduler:
        start_scheduler(services.engine, settings, services.send_queued)
    return SlackWsgiApp(build_app(services), services.engine)


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict, with_scheduler: bool):
        self.settings = settings
        self.options = options
        self.with_scheduler = with_scheduler
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Runs in each worker after the fork, so no database connection is shared.
        return create_wsgi_app(self.settings, with_scheduler=self.with_scheduler)


def serve_http(settings: Settings, *, bind: str | None = None, with_scheduler: bool = True) -> None:
    options = {
        "bind": bind or f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        "worker_class": "gthread",
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
                    "class": "logging.StreamHandler",
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
                }
            },
        },
    }
    _Gunicorn(settings, options, with_scheduler).run()
