"""The core's settings, read once from the environment (and a `.env` file): the database,
logging, roles, service targets, jobs. No front end's tokens: the core runs without any.

Each front end adds its own settings beside its code (handlers/slack/settings.py; Teams'
will be handlers/teams/settings.py) by extending ``Settings`` and reading its variables with
``read_core`` first, so one ConfigError names every problem of a deployment at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bot.jobs.cron import cron_trigger

DEFAULT_SQLITE_PATH = "msbot.db"

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
# Who holds a role may be named by any of their accounts or their email: a Slack user id, a
# Teams user id (an Entra object id, a GUID, or a Bot Framework "29:" id) or an email address.
_PERSON_NAMES = (
    re.compile(r"^[UW][A-Z0-9]{2,}$"),
    re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"),
    re.compile(r"^29:[A-Za-z0-9_\-]{8,250}$"),
    re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$"),
)


class ConfigError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


T = TypeVar("T")


def settled(problems: list[str], settings: T) -> T:
    """``settings``, unless reading them found problems: then one ConfigError naming them all,
    so a misconfigured deployment learns about every one at once (each front end's too)."""
    if problems:
        raise ConfigError(problems)
    return settings


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    log_format: str = "json"
    log_level: str = "INFO"
    # Service targets for a first full response, in calendar months from receipt.
    sla_central_months: int = 2
    sla_wider_months: int = 3
    # How often the outbox worker retries messages that failed to post, in seconds.
    outbox_interval_seconds: int = 10
    # Shadowing (work-shadowing secondments)
    departments: tuple[str, ...] = ()
    coordinator_user_ids: frozenset[str] = field(default_factory=frozenset)
    offer_expiry_days: int = 7
    dry_run_keep_days: int = 30
    # Retention (bot/privacy/retention.py, docs/retention.md): when personal data is redacted.
    privacy_case_years: int = 6
    privacy_shadowing_days: int = 365
    privacy_outbox_days: int = 30
    # Complaint investigation: who may work cases.
    investigator_user_ids: frozenset[str] = field(default_factory=frozenset)
    lead_user_ids: frozenset[str] = field(default_factory=frozenset)
    # Scheduled jobs (bot/jobs): where the weekly digest goes (a destination the core's job
    # addresses, until destinations become team roles), per-job cron overrides
    # (JOB_<NAME>_CRON, name upper-cased; an unknown name is a settings error), how late a
    # job's newest missed run may still run at start-up.
    leads_channel_id: str | None = None
    # The leads' conversation in Teams (TEAMS_LEADS_CONVERSATION_ID), read here only so the
    # core knows whether the leads are anywhere; the Teams front end owns its meaning.
    teams_leads_conversation_id: str | None = None
    job_schedules: dict[str, str] = field(default_factory=dict)
    job_grace_minutes: int = 360
    # Scheduled shadowing rounds: "off", "dry_run" (figures to coordinators) or "commit".
    shadow_round_mode: str = "off"
    # Published breakdowns show any count below this as "fewer than N".
    report_min_count: int = 3

    @property
    def leads_destination(self) -> str | None:
        """The leads' conversation on whichever front end names one, as "SETTING=value" for
        messages (Slack's first: the outbox routes a role set on both platforms to Slack);
        None when no front end does, so the digest has nobody to go to."""
        if self.leads_channel_id:
            return f"LEADS_CHANNEL_ID={self.leads_channel_id}"
        if self.teams_leads_conversation_id:
            return f"TEAMS_LEADS_CONVERSATION_ID={self.teams_leads_conversation_id}"
        return None


def masked_url(url: str) -> str:
    """``url`` with any password replaced by ***, safe to print or log.

    SQLAlchemy renders a URL it can parse; one it cannot parse is masked by hand, since an
    unparsable URL may still carry a password between ``//user:`` and the last ``@``.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        if url.count("@") <= 1:  # several @: SQLAlchemy may split a password at the wrong one
            return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        pass
    return re.sub(r"^([^@]*?//[^/:@]*:|[^:/@]*:).*@", r"\1***@", url)


def int_setting(
    env: Mapping[str, str], name: str, default: int, lo: int, hi: int, problems: list[str]
):
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name}={raw!r} is not a whole number; set it to e.g. {default}.")
        return default
    if not lo <= value <= hi:
        problems.append(f"{name}={value} is out of range; use a value from {lo} to {hi}.")
    return value


def is_slack_user_id(value: str) -> bool:
    """Whether a role setting's entry is a Slack user id (rather than a Teams id or email)."""
    return bool(_PERSON_NAMES[0].match(value))


def person_name_key(value: str) -> str:
    """How a configured name is compared with a person's accounts and email: emails and
    GUIDs ignore case, Slack and "29:" ids do not."""
    value = value.strip()
    if "@" in value or _PERSON_NAMES[1].match(value):
        return value.lower()
    return value


def _user_ids(env: Mapping[str, str], name: str, problems: list[str]) -> frozenset[str]:
    """A role's holders: Slack user ids, Teams user ids or emails, comma-separated."""
    ids = frozenset(u.strip() for u in env.get(name, "").split(",") if u.strip())
    bad = sorted(u for u in ids if not any(p.match(u) for p in _PERSON_NAMES))
    if bad:
        problems.append(
            f"{name} has entries that are not user ids (Slack U…, Teams GUID or 29:…) "
            f"or emails: {bad}."
        )
    return frozenset(person_name_key(u) for u in ids)


DEFAULT_DEPARTMENTS = (
    "Cabinet Office",
    "Department for Education",
    "Department for Work and Pensions",
    "Department of Health and Social Care",
    "HM Treasury",
    "Home Office",
    "Ministry of Justice",
    "Ministry of Housing, Communities and Local Government",
)


_JOB_CRON = re.compile(r"^JOB_(.+)_CRON$", re.IGNORECASE)


def _job_schedules(
    env: Mapping[str, str], problems: list[str], job_names: Collection[str] | None
) -> dict[str, str]:
    """{job name: cron string} from every JOB_<NAME>_CRON set. A schedule that is not a
    working cron line, or (given the jobs' names) an unknown name, is a settings problem now,
    not a surprise later: a misspelt name would otherwise leave the job on its default."""
    overrides = {k: v.strip() for k, v in env.items() if _JOB_CRON.match(k) and v.strip()}
    found = []
    for variable, value in sorted(overrides.items()):
        name = _JOB_CRON.match(variable).group(1).lower()
        if job_names is not None and name not in job_names:
            names = ", ".join(f"JOB_{n.upper()}_CRON" for n in sorted(job_names))
            found.append(f"{variable} names no job. The jobs' schedule settings are: {names}.")
            continue
        try:
            cron_trigger(value)
        except ValueError as exc:
            found.append(f"{variable}={value!r} is not a cron schedule like '0 8 * * 1': {exc}")
    problems.extend(found)
    if found:
        return {}
    return {_JOB_CRON.match(k).group(1).lower(): v for k, v in overrides.items()}


def read_environment(env: Mapping[str, str] | None, dotenv_path: str | None) -> Mapping[str, str]:
    """``env``, or the process environment with ``.env`` loaded under it."""
    if env is not None:
        return env
    if dotenv_path and Path(dotenv_path).is_file():
        from dotenv import load_dotenv

        # Real environment variables win over the file, as in twelve-factor deployments.
        load_dotenv(dotenv_path, override=False)
    return os.environ


def read_core(
    env: Mapping[str, str], problems: list[str], job_names: Collection[str] | None = None
) -> dict:
    """The core's settings from ``env`` as Settings' keyword arguments; each problem found is
    added to ``problems``. ``job_names``: the jobs JOB_<NAME>_CRON may name (bot.bootstrap)."""
    db_url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if db_url.startswith(("postgres://", "postgresql://")):
        # Use psycopg 3, whatever driver-less form the platform hands us.
        db_url = "postgresql+psycopg://" + db_url.split("://", 1)[1]
    if not db_url.startswith(("sqlite", "postgresql+psycopg://")):
        problems.append(
            f"DATABASE_URL={masked_url(db_url)!r} is not supported; "
            "use sqlite:///path or postgresql://..."
        )
    log_format = env.get("LOG_FORMAT", "json").strip() or "json"
    if log_format not in ("json", "console"):
        problems.append(f"LOG_FORMAT={log_format!r} must be 'json' or 'console'.")
    log_level = (env.get("LOG_LEVEL", "INFO").strip() or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"LOG_LEVEL={log_level!r} must be DEBUG, INFO, WARNING or ERROR.")
    departments = (
        tuple(d.strip() for d in env.get("SHADOW_DEPARTMENTS", "").split(";") if d.strip())
        or DEFAULT_DEPARTMENTS
    )
    leads_channel = env.get("LEADS_CHANNEL_ID", "").strip() or None
    if leads_channel and not CHANNEL_ID.match(leads_channel):
        problems.append(f"LEADS_CHANNEL_ID={leads_channel!r} is not a channel id like C0123ABCD.")
    round_mode = env.get("SHADOW_ROUND_MODE", "off").strip().lower() or "off"
    if round_mode not in ("off", "dry_run", "commit"):
        problems.append(f"SHADOW_ROUND_MODE={round_mode!r} must be off, dry_run or commit.")
    return dict(
        database_url=db_url,
        log_format=log_format,
        log_level=log_level,
        sla_central_months=int_setting(env, "SLA_CENTRAL_MONTHS", 2, 1, 24, problems),
        sla_wider_months=int_setting(env, "SLA_WIDER_MONTHS", 3, 1, 24, problems),
        outbox_interval_seconds=int_setting(env, "OUTBOX_INTERVAL_SECONDS", 10, 1, 3600, problems),
        departments=departments,
        coordinator_user_ids=_user_ids(env, "SHADOW_COORDINATOR_IDS", problems),
        offer_expiry_days=int_setting(env, "SHADOW_OFFER_EXPIRY_DAYS", 7, 1, 90, problems),
        dry_run_keep_days=int_setting(env, "SHADOW_DRY_RUN_KEEP_DAYS", 30, 1, 3650, problems),
        privacy_case_years=int_setting(env, "PRIVACY_CASE_YEARS", 6, 1, 50, problems),
        privacy_shadowing_days=int_setting(env, "PRIVACY_SHADOWING_DAYS", 365, 30, 3650, problems),
        privacy_outbox_days=int_setting(env, "PRIVACY_OUTBOX_DAYS", 30, 1, 3650, problems),
        investigator_user_ids=_user_ids(env, "INVESTIGATOR_IDS", problems),
        lead_user_ids=_user_ids(env, "LEAD_IDS", problems),
        leads_channel_id=leads_channel,
        teams_leads_conversation_id=env.get("TEAMS_LEADS_CONVERSATION_ID", "").strip() or None,
        job_schedules=_job_schedules(env, problems, job_names),
        job_grace_minutes=int_setting(env, "JOB_GRACE_MINUTES", 360, 0, 60 * 24 * 31, problems),
        shadow_round_mode=round_mode,
        report_min_count=int_setting(env, "REPORT_MIN_COUNT", 3, 1, 100, problems),
    )


def load_settings(
    env: Mapping[str, str] | None = None,
    dotenv_path: str | None = ".env",
    *,
    job_names: Collection[str] | None = None,
) -> Settings:
    """The core's settings from ``env`` (default: the process environment plus ``.env``).

    bot.bootstrap.load_settings passes the jobs' names, so a misspelt JOB_<NAME>_CRON is
    refused; a front end's loader (handlers/slack/settings.py) adds its own settings.
    """
    problems: list[str] = []
    fields = read_core(read_environment(env, dotenv_path), problems, job_names)
    return settled(problems, Settings(**fields))
