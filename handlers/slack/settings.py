"""The Slack front end's settings: the core's (bot/config.py) plus the app's tokens, its
channel, its user group and how its HTTP server runs.

Every problem, the core's and Slack's, is collected into one ConfigError, so a misconfigured
deployment learns about all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from bot.bootstrap import job_registry
from bot.config import (
    CHANNEL_ID,
    Settings,
    int_setting,
    read_core,
    read_environment,
    settled,
)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

# Slack signing secrets are 32 hexadecimal characters (the app's Basic Information page).
_SIGNING_SECRET = re.compile(r"^[0-9a-fA-F]{32}$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
# The values .env.example ships with: a deployment still using one was never configured, and
# a signing secret anyone can read in the repository would let anyone forge Slack requests.
EXAMPLE_VALUES = {
    "SLACK_BOT_TOKEN": "xoxb-your-bot-token",
    "SLACK_SIGNING_SECRET": "your-signing-secret",
    "TRIAGE_CHANNEL_ID": "C0123ABCD",
    "SLACK_APP_TOKEN": "xapp-your-app-token",
}


@dataclass(frozen=True, kw_only=True)
class SlackSettings(Settings):
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    triage_channel_id: str = ""
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Members of this Slack user group count as investigators too.
    investigator_group_id: str | None = None
    # Let slack-sdk and Bolt log whole request and response bodies at DEBUG. Unsafe: bodies
    # can tie an anonymous supplier to their case. For a test workspace only.
    log_slack_bodies: bool = False
    # The HTTP server for POST /slack/events and GET /healthz.
    port: int = 3000
    web_concurrency: int = 2
    web_threads: int = 8
    # Longest a client may take to send one whole request, and an idle connection may stay.
    web_read_timeout: int = 10

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


@dataclass(frozen=True)
class _Credential:
    """A setting that connects msbot to the Slack app: read, and checked for its shape."""

    variable: str
    field: str  # SlackSettings' field
    hint: str  # where to find the value
    fits: Callable[[str], object]
    wrong_shape: Callable[[str], str]  # the problem to report, given the value
    required: bool = True


_CREDENTIALS = (
    _Credential(
        "SLACK_BOT_TOKEN",
        "slack_bot_token",
        "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth page.",
        lambda v: v.startswith("xoxb-") and len(v) > len("xoxb-"),
        lambda v: "SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.",
    ),
    _Credential(
        "SLACK_SIGNING_SECRET",
        "slack_signing_secret",
        "copy the Signing Secret from the app's Basic Information page.",
        _SIGNING_SECRET.match,
        # Never echo the value: it is a secret, even when it is the wrong one.
        lambda v: (
            "SLACK_SIGNING_SECRET is not a Slack signing secret (32 hexadecimal "
            f"characters; this one has {len(v)} characters): copy the Signing Secret from the "
            "app's Basic Information page."
        ),
    ),
    _Credential(
        "TRIAGE_CHANNEL_ID",
        "triage_channel_id",
        "the id (e.g. C0123ABCD) of the channel where new cases are posted.",
        CHANNEL_ID.match,
        lambda v: f"TRIAGE_CHANNEL_ID={v!r} is not a channel id like C0123ABCD.",
    ),
    _Credential(
        "SLACK_APP_TOKEN",
        "slack_app_token",
        "create an app-level token (xapp-...) with connections:write, or leave it empty.",
        lambda v: v.startswith("xapp-") and len(v) > len("xapp-"),
        lambda v: "SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.",
        required=False,
    ),
)


def _credential(env: Mapping[str, str], c: _Credential, problems: list[str]) -> str | None:
    """The value of ``c`` (an optional one left empty: None); each problem with it is added to
    ``problems``. The example values .env.example ships with count as never configured."""
    value = env.get(c.variable, "").strip()
    if not value:
        if c.required:
            problems.append(f"{c.variable} is missing: {c.hint}")
            return ""
        return None
    if value == EXAMPLE_VALUES[c.variable]:
        problems.append(f"{c.variable} is still the example value from .env.example: {c.hint}")
    elif not c.fits(value):
        problems.append(c.wrong_shape(value))
    return value


def load_slack_settings(
    env: Mapping[str, str] | None = None,
    dotenv_path: str | None = ".env",
    *,
    job_names: Collection[str] | None = None,
) -> SlackSettings:
    """Read the core's and Slack's settings from ``env`` (default: the process environment
    plus ``.env``). ``job_names``: the jobs JOB_<NAME>_CRON may name; by default the
    composition root's (bot.bootstrap)."""
    if job_names is None:
        job_names = job_registry().names()
    env = read_environment(env, dotenv_path)
    problems: list[str] = []
    core = read_core(env, problems, job_names)

    credentials = {c.field: _credential(env, c, problems) for c in _CREDENTIALS}
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.startswith(("http://", "https://")):
        problems.append(f"SLACK_API_URL={api_url!r} must be an http(s) URL.")
    if not api_url.endswith("/"):
        api_url += "/"
    slack_bodies = env.get("LOG_SLACK_BODIES", "").strip().lower()
    if slack_bodies not in ("", "true", "false"):
        problems.append(f"LOG_SLACK_BODIES={slack_bodies!r} must be true or false.")
    group = env.get("INVESTIGATOR_GROUP_ID", "").strip() or None
    if group and not _USERGROUP_ID.match(group):
        problems.append(f"INVESTIGATOR_GROUP_ID={group!r} is not a user group id like S0123ABCD.")

    settings = SlackSettings(
        **core,
        **credentials,
        slack_api_url=api_url,
        investigator_group_id=group,
        log_slack_bodies=slack_bodies == "true",
        port=int_setting(env, "PORT", 3000, 1, 65535, problems),
        web_concurrency=int_setting(env, "WEB_CONCURRENCY", 2, 1, 64, problems),
        web_threads=int_setting(env, "WEB_THREADS", 8, 1, 256, problems),
        web_read_timeout=int_setting(env, "WEB_READ_TIMEOUT", 10, 1, 300, problems),
    )
    return settled(problems, settings)
