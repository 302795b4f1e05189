"""One validated settings object, read once from the environment (and a `.env` file).

Every problem is collected, so a misconfigured deployment learns about all of them at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_SQLITE_PATH = "msbot.db"

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# Slack signing secrets are 32 hexadecimal characters (the app's Basic Information page).
_SIGNING_SECRET = re.compile(r"^[0-9a-fA-F]{32}$")
# The values .env.example ships with: a deployment still using one was never configured, and
# a signing secret anyone can read in the repository would let anyone forge Slack requests.
EXAMPLE_VALUES = {
    "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    "SLACK_SIGNING_SECRET": "your-signing-secret",
    "TRIAGE_CHANNEL_ID": "C0123ABCD",
    "SLACK_APP_TOKEN": "xapp-your-app-token",
}
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


class ConfigError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str
    slack_signing_secret: str
    triage_channel_id: str
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    port: int = 3000
    log_format: str = "json"
    log_level: str = "INFO"
    # Let slack-sdk and Bolt log whole request and response bodies at DEBUG. Unsafe: bodies
    # can tie an anonymous supplier to their case. For a test workspace only.
    log_slack_bodies: bool = False
    # Service targets for a first full response, in calendar months from receipt.
    sla_central_months: int = 2
    sla_wider_months: int = 3
    # How often the outbox worker retries messages that failed to post, in seconds.
    outbox_interval_seconds: int = 10
    web_concurrency: int = 2
    web_threads: int = 8
    # Longest a client may take to send one whole request, and an idle connection may stay.
    web_read_timeout: int = 10
    # Shadowing (work-shadowing secondments)
    departments: tuple[str, ...] = ()
    coordinator_user_ids: frozenset[str] = field(default_factory=frozenset)
    offer_expiry_days: int = 7
    dry_run_keep_days: int = 30
    # Retention (bot/privacy/retention.py, docs/retention.md): when personal data is redacted.
    privacy_case_years: int = 6
    privacy_shadowing_days: int = 365
    privacy_outbox_days: int = 30
    # Complaint investigation: who may work cases (ids, plus an optional Slack user group).
    investigator_user_ids: frozenset[str] = field(default_factory=frozenset)
    lead_user_ids: frozenset[str] = field(default_factory=frozenset)
    investigator_group_id: str | None = None
    # Scheduled jobs (bot/jobs): where the weekly digest goes, per-job cron overrides
    # (JOB_<NAME>_CRON, name upper-cased; an unknown name is a settings error), how late a
    # job's newest missed run may still run at start-up.
    leads_channel_id: str | None = None
    job_schedules: dict[str, str] = field(default_factory=dict)
    job_grace_minutes: int = 360
    # Scheduled shadowing rounds: "off", "dry_run" (figures to coordinators) or "commit".
    shadow_round_mode: str = "off"
    # Published breakdowns show any count below this as "fewer than N".
    report_min_count: int = 3

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


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


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int, problems: list[str]):
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


def _user_ids(env: Mapping[str, str], name: str, problems: list[str]) -> frozenset[str]:
    ids = frozenset(u.strip() for u in env.get(name, "").split(",") if u.strip())
    bad = sorted(u for u in ids if not _USER_ID.match(u))
    if bad:
        problems.append(f"{name} has entries that are not user ids: {bad}.")
    return ids


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


def _job_schedules(env: Mapping[str, str], problems: list[str]) -> dict[str, str]:
    """{job name: cron string} from every JOB_<NAME>_CRON set. An unknown name or a schedule
    that is not a working cron line is a settings problem now, not a surprise later."""
    from bot.jobs.registry import check_overrides  # the registry imports this module

    overrides = {k: v.strip() for k, v in env.items() if _JOB_CRON.match(k) and v.strip()}
    found = check_overrides(overrides)
    problems.extend(found)
    if found:
        return {}
    return {_JOB_CRON.match(k).group(1).lower(): v for k, v in overrides.items()}


def load_settings(
    env: Mapping[str, str] | None = None,
    dotenv_path: str | None = ".env",
    *,
    require_slack: bool = True,
) -> Settings:
    """Read settings from ``env`` (default: the process environment plus ``.env``).

    ``require_slack=False`` is for commands that only touch the database (`msbot migrate`).
    """
    if env is None:
        if dotenv_path and Path(dotenv_path).is_file():
            from dotenv import load_dotenv

            # Real environment variables win over the file, as in twelve-factor deployments.
            load_dotenv(dotenv_path, override=False)
        env = os.environ
    problems: list[str] = []

    def required(name: str, hint: str) -> str:
        value = env.get(name, "").strip()
        if not value and require_slack:
            problems.append(f"{name} is missing: {hint}")
        return value

    def check(name: str, value: str | None, hint: str, fits, wrong_shape: str) -> None:
        if not value:
            return
        if value == EXAMPLE_VALUES[name]:
            problems.append(f"{name} is still the example value from .env.example: {hint}")
        elif not fits(value):
            problems.append(wrong_shape)

    bot_hint = "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth page."
    bot_token = required("SLACK_BOT_TOKEN", bot_hint)
    check(
        "SLACK_BOT_TOKEN",
        bot_token,
        bot_hint,
        lambda v: v.startswith("xoxb-") and len(v) > len("xoxb-"),
        "SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.",
    )
    secret_hint = "copy the Signing Secret from the app's Basic Information page."
    secret = required("SLACK_SIGNING_SECRET", secret_hint)
    check(
        "SLACK_SIGNING_SECRET",
        secret,
        secret_hint,
        _SIGNING_SECRET.match,
        # Never echo the value: it is a secret, even when it is the wrong one.
        f"SLACK_SIGNING_SECRET is not a Slack signing secret (32 hexadecimal characters; this "
        f"one has {len(secret)} characters): {secret_hint}",
    )
    triage_hint = "the id (e.g. C0123ABCD) of the channel where new cases are posted."
    triage = required("TRIAGE_CHANNEL_ID", triage_hint)
    check(
        "TRIAGE_CHANNEL_ID",
        triage,
        triage_hint,
        _CHANNEL_ID.match,
        f"TRIAGE_CHANNEL_ID={triage!r} is not a channel id like C0123ABCD.",
    )
    app_token = env.get("SLACK_APP_TOKEN", "").strip() or None
    check(
        "SLACK_APP_TOKEN",
        app_token,
        "create an app-level token (xapp-...) with connections:write, or leave it empty.",
        lambda v: v.startswith("xapp-") and len(v) > len("xapp-"),
        "SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.",
    )
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.startswith(("http://", "https://")):
        problems.append(f"SLACK_API_URL={api_url!r} must be an http(s) URL.")
    if not api_url.endswith("/"):
        api_url += "/"
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
    slack_bodies = env.get("LOG_SLACK_BODIES", "").strip().lower()
    if slack_bodies not in ("", "true", "false"):
        problems.append(f"LOG_SLACK_BODIES={slack_bodies!r} must be true or false.")
    coordinators = frozenset(
        u.strip() for u in env.get("SHADOW_COORDINATOR_IDS", "").split(",") if u.strip()
    )
    bad = sorted(u for u in coordinators if not _USER_ID.match(u))
    if bad:
        problems.append(f"SHADOW_COORDINATOR_IDS has entries that are not user ids: {bad}.")
    investigators = _user_ids(env, "INVESTIGATOR_IDS", problems)
    leads = _user_ids(env, "LEAD_IDS", problems)
    group = env.get("INVESTIGATOR_GROUP_ID", "").strip() or None
    if group and not _USERGROUP_ID.match(group):
        problems.append(f"INVESTIGATOR_GROUP_ID={group!r} is not a user group id like S0123ABCD.")
    departments = (
        tuple(d.strip() for d in env.get("SHADOW_DEPARTMENTS", "").split(";") if d.strip())
        or DEFAULT_DEPARTMENTS
    )

    leads_channel = env.get("LEADS_CHANNEL_ID", "").strip() or None
    if leads_channel and not _CHANNEL_ID.match(leads_channel):
        problems.append(f"LEADS_CHANNEL_ID={leads_channel!r} is not a channel id like C0123ABCD.")
    job_schedules = _job_schedules(env, problems)
    round_mode = env.get("SHADOW_ROUND_MODE", "off").strip().lower() or "off"
    if round_mode not in ("off", "dry_run", "commit"):
        problems.append(f"SHADOW_ROUND_MODE={round_mode!r} must be off, dry_run or commit.")

    settings = Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=secret,
        triage_channel_id=triage,
        slack_app_token=app_token,
        slack_api_url=api_url,
        database_url=db_url,
        port=_int(env, "PORT", 3000, 1, 65535, problems),
        log_format=log_format,
        log_level=log_level,
        log_slack_bodies=slack_bodies == "true",
        sla_central_months=_int(env, "SLA_CENTRAL_MONTHS", 2, 1, 24, problems),
        sla_wider_months=_int(env, "SLA_WIDER_MONTHS", 3, 1, 24, problems),
        outbox_interval_seconds=_int(env, "OUTBOX_INTERVAL_SECONDS", 10, 1, 3600, problems),
        web_concurrency=_int(env, "WEB_CONCURRENCY", 2, 1, 64, problems),
        web_threads=_int(env, "WEB_THREADS", 8, 1, 256, problems),
        web_read_timeout=_int(env, "WEB_READ_TIMEOUT", 10, 1, 300, problems),
        departments=departments,
        coordinator_user_ids=coordinators,
        offer_expiry_days=_int(env, "SHADOW_OFFER_EXPIRY_DAYS", 7, 1, 90, problems),
        dry_run_keep_days=_int(env, "SHADOW_DRY_RUN_KEEP_DAYS", 30, 1, 3650, problems),
        privacy_case_years=_int(env, "PRIVACY_CASE_YEARS", 6, 1, 50, problems),
        privacy_shadowing_days=_int(env, "PRIVACY_SHADOWING_DAYS", 365, 30, 3650, problems),
        privacy_outbox_days=_int(env, "PRIVACY_OUTBOX_DAYS", 30, 1, 3650, problems),
        investigator_user_ids=investigators,
        lead_user_ids=leads,
        investigator_group_id=group,
        leads_channel_id=leads_channel,
        job_schedules=job_schedules,
        job_grace_minutes=_int(env, "JOB_GRACE_MINUTES", 360, 0, 60 * 24 * 31, problems),
        shadow_round_mode=round_mode,
        report_min_count=_int(env, "REPORT_MIN_COUNT", 3, 1, 100, problems),
    )
    if problems:
        raise ConfigError(problems)
    return settings
