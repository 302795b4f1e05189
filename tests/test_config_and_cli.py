"""Settings validation and the `msbot` command's refusals."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "TRIAGE_CHANNEL_ID": "C0123ABCD",
}


def test_defaults():
    s = load_settings(GOOD)
    assert s.database_url == "sqlite:///msbot.db" and s.port == 3000 and not s.socket_mode
    assert s.slack_api_url == "https://slack.com/api/"
    assert (s.sla_central_months, s.sla_wider_months) == (2, 3)


def test_postgres_urls_use_psycopg3():
    s = load_settings({**GOOD, "DATABASE_URL": "postgres://u@h/db"})
    assert s.database_url == "postgresql+psycopg://u@h/db"


def test_every_problem_is_named_at_once():
    with pytest.raises(ConfigError) as err:
        load_settings(
            {
                "PORT": "http",
                "LOG_FORMAT": "xml",
                "SLACK_APP_TOKEN": "xoxb-wrong",
                "SLA_CENTRAL_MONTHS": "0",
                "DATABASE_URL": "mysql://x",
            }
        )
    text = "\n".join(err.value.problems)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "TRIAGE_CHANNEL_ID",
        "PORT",
        "LOG_FORMAT",
        "SLACK_APP_TOKEN",
        "SLA_CENTRAL_MONTHS",
        "DATABASE_URL",
    ):
        assert name in text


def _msbot(args, env, cwd):
    clean_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "TRIAGE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean_env, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_settings_exits_naming_each(tmp_path):
    result = _msbot(["serve"], {}, tmp_path)
    assert result.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "TRIAGE_CHANNEL_ID"):
        assert name in result.stderr


def test_serve_refuses_an_unmigrated_database_then_migrate_fixes_it(tmp_path):
    env = {**GOOD, "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db", "LOG_FORMAT": "console"}
    refused = _msbot(["serve"], env, tmp_path)
    assert refused.returncode == 3 and "msbot migrate" in refused.stderr
    assert _msbot(["migrate"], {"DATABASE_URL": env["DATABASE_URL"]}, tmp_path).returncode == 0
    counts = _msbot(["outbox"], {"DATABASE_URL": env["DATABASE_URL"]}, tmp_path)
    assert counts.returncode == 0, counts.stderr
