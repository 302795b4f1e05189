"""Settings refuse the values .env.example ships with and secrets of the wrong shape, and never
print a database password."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, masked_url
from handlers.slack.settings import load_slack_settings
from tests.processes import msbot_env

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "c9f0f895fb98ab9159f51fd0297e236d",
    "TRIAGE_CHANNEL_ID": "C0TRIAGE1",
}


def problems(env: dict) -> str:
    with pytest.raises(ConfigError) as err:
        load_slack_settings(env)
    return "\n".join(err.value.problems)


def test_a_copied_env_example_is_refused_naming_every_placeholder(tmp_path):
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [sys.executable, "-m", "handlers", "serve"],
        env=msbot_env({}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "TRIAGE_CHANNEL_ID"):
        assert f"{name} is still the example value" in result.stderr
    assert "your-signing-secret" not in result.stderr.replace("example value", "")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SLACK_SIGNING_SECRET", "test-signing-secret"),
        ("SLACK_SIGNING_SECRET", "c9f0f895fb98ab9159f51fd0297e236"),  # 31 characters
        ("SLACK_SIGNING_SECRET", "z9f0f895fb98ab9159f51fd0297e236d"),  # not hexadecimal
        ("SLACK_BOT_TOKEN", "xoxp-1-2-user-token"),
        ("SLACK_BOT_TOKEN", "xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-1-2-abc"),
        ("SLACK_APP_TOKEN", "xapp-your-app-token"),
    ],
)
def test_secrets_of_the_wrong_shape_are_refused(name, value):
    text = problems({**GOOD, name: value})
    assert name in text
    if name == "SLACK_SIGNING_SECRET":
        assert value not in text  # a secret is never echoed, even a wrong one


def test_a_real_shaped_configuration_is_accepted():
    settings = load_slack_settings({**GOOD, "SLACK_APP_TOKEN": "xapp-1-A1-2-abc"})
    assert settings.socket_mode and settings.slack_signing_secret == GOOD["SLACK_SIGNING_SECRET"]


def test_a_rejected_database_url_is_printed_without_its_password(tmp_path):
    env = {**GOOD, "DATABASE_URL": "mysql://admin:hunter2-Secret@db.internal:3306/msbot"}
    result = subprocess.run(
        [sys.executable, "-m", "handlers", "serve"],
        env=msbot_env(env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "admin:***@db.internal" in result.stderr
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "mysql://u:hunter2@h/db",
        "mysql://u:hun/ter2@h/db",  # a slash in the password
        "mysql://u:hun@ter2@h/db",  # an @ in the password
        "oracle://u:hunter2@[::1",  # unparsable
        "u:hunter2@host/db",  # no scheme at all
    ],
)
def test_masking_hides_the_password_even_in_urls_sqlalchemy_cannot_parse(url):
    masked = masked_url(url)
    assert "hunter2" not in masked and "ter2" not in masked and "***" in masked


def test_masking_leaves_urls_without_a_password_alone():
    assert masked_url("sqlite:///msbot.db") == "sqlite:///msbot.db"
