"""The composition root of the core: settings, the database engine, the scheduled jobs and
the outbox's kinds (what is recorded once a message of a kind is sent, which kinds keep order
within a thread), built explicitly in one place.

Nothing in the core registers itself when imported: each feature declares its jobs (``JOBS``),
its after-sent and after-dead hooks (``AFTER_SENT``, ``AFTER_DEAD``) and its threaded kinds
beside its code, and this module collects them. A front end builds on ``build()``: it adds
its renderers, its transport and its listeners (handlers/slack/app.py for Slack).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot import config, conversations
from bot.complaints import jobs as complaint_jobs
from bot.complaints import notes, relay, unreachable
from bot.complaints import notices as complaint_notices
from bot.config import Settings
from bot.db import make_engine
from bot.jobs import housekeeping
from bot.jobs.registry import JobRegistry
from bot.outbox import AfterSent
from bot.outbox.kinds import AfterDead
from bot.privacy import retention
from bot.reports import jobs as report_jobs
from bot.shadowing import jobs as shadowing_jobs


def job_registry() -> JobRegistry:
    """Every scheduled job, from each feature's list."""
    return JobRegistry(
        [
            *housekeeping.JOBS,
            *complaint_jobs.JOBS,
            *shadowing_jobs.JOBS,
            *report_jobs.JOBS,
            *retention.JOBS,
        ]
    )


def after_sent_hooks() -> dict[str, AfterSent]:
    """Outbox kind -> what the core records in the transaction that marks it sent."""
    hooks: dict[str, AfterSent] = {}
    tables = (notes.AFTER_SENT, relay.AFTER_SENT, complaint_notices.AFTER_SENT)
    for table in (*tables, conversations.AFTER_SENT):
        clash = hooks.keys() & table.keys()
        if clash:
            raise ValueError(f"two after-sent hooks for {sorted(clash)}")
        hooks.update(table)
    return hooks


def after_dead_hooks() -> dict[str, AfterDead]:
    """Outbox kind -> what the core does in the transaction that marks it dead (it cannot be
    delivered at all): a supplier's lost message is told to the case's team."""
    return dict(unreachable.AFTER_DEAD)


def threaded_kinds() -> frozenset[str]:
    """Outbox kinds kept in order within their subject's thread, not their whole channel."""
    return complaint_notices.THREADED | unreachable.THREADED


def load_settings(env: Mapping[str, str] | None = None, dotenv_path: str | None = ".env"):
    """The core's settings, with JOB_<NAME>_CRON checked against the jobs that exist."""
    return config.load_settings(env, dotenv_path, job_names=job_registry().names())


@dataclass(frozen=True)
class Core:
    """What every entry point (a command, a front end's server) starts from."""

    settings: Settings
    engine: Engine
    jobs: JobRegistry
    after_sent: Mapping[str, AfterSent]
    threaded_kinds: frozenset[str]
    after_dead: Mapping[str, AfterDead] = field(default_factory=dict)


def build(settings: Settings | None = None, engine: Engine | None = None) -> Core:
    """The core, from ``settings`` (default: read from the environment) and ``engine``
    (default: one for settings.database_url)."""
    settings = settings if settings is not None else load_settings()
    return Core(
        settings=settings,
        engine=engine if engine is not None else make_engine(settings.database_url),
        jobs=job_registry(),
        after_sent=after_sent_hooks(),
        threaded_kinds=threaded_kinds(),
        after_dead=after_dead_hooks(),
    )
