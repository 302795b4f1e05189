"""Settings validation and the `msbot` command's refusals."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from bot.config import ConfigError
from handlers.slack.settings import load_slack_settings
from tests.processes import msbot_env

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "c9f0f895fb98ab9159f51fd0297e236d",
    "TRIAGE_CHANNEL_ID": "C0TRIAGE1",
}


def test_defaults():
    s = load_slack_settings(GOOD)
    assert s.database_url == "sqlite:///msbot.db" and s.port == 3000 and not s.socket_mode
    assert s.slack_api_url == "https://slack.com/api/"
    assert (s.sla_central_months, s.sla_wider_months) == (2, 3)


def test_postgres_urls_use_psycopg3():
    s = load_slack_settings({**GOOD, "DATABASE_URL": "postgres://u@h/db"})
    assert s.database_url == "postgresql+psycopg://u@h/db"


def test_every_problem_is_named_at_once():
    with pytest.raises(ConfigError) as err:
        load_slack_settings(
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
    return subprocess.run(
        [sys.executable, "-m", "handlers", *args],
        env=msbot_env(env),
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


def test_serve_runs_the_production_server_answers_healthz_and_logs_json(tmp_path):
    db = f"sqlite:///{tmp_path}/msbot.db"
    assert _msbot(["migrate"], {"DATABASE_URL": db}, tmp_path).returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**GOOD, "DATABASE_URL": db, "PORT": str(port), "LOG_FORMAT": "json"}
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "handlers", "serve"],
            env=msbot_env(env),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status, body = r.status, json.loads(r.read())
                break
            except OSError:
                assert time.monotonic() < deadline, "msbot serve never answered /healthz"
                time.sleep(0.1)
    finally:
        proc.terminate()  # gunicorn: graceful stop
        proc.wait(timeout=30)
    assert (status, body) == (200, {"database": "ok"})
    # Every line is one JSON object, gunicorn's own messages included.
    events = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    server = [e for e in events if e.get("logger") == "gunicorn.error"]
    assert any("Listening at" in e["event"] for e in server), events
    assert all({"event", "level", "timestamp"} <= e.keys() for e in events)


def test_the_core_runs_its_commands_with_no_slack_setting(tmp_path):
    """`python -m bot` is the core alone: DATABASE_URL is all it needs, and it says where the
    front ends' commands are rather than asking for Slack tokens."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/core.db", "LOG_FORMAT": "console"}

    def core(*args):
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=msbot_env(env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert core("migrate").returncode == 0
    listed = core("outbox")
    assert listed.returncode == 0 and "SLACK" not in listed.stderr, listed.stderr
    serve = core("serve")
    assert serve.returncode == 2 and "msbot serve" in serve.stderr
    send = core("outbox", "--send")
    assert send.returncode == 2 and "msbot outbox --send" in send.stderr


def test_core_settings_hold_no_front_end_setting():
    from bot.config import Settings, load_settings

    settings = load_settings({"DATABASE_URL": "postgres://u@h/db"}, dotenv_path=None)
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    names = set(Settings.__dataclass_fields__)
    assert not {n for n in names if "slack" in n or n in ("triage_channel_id", "port")}


def test_the_composition_root_lists_every_job_and_after_sent_hook():
    from bot import bootstrap
    from bot.complaints import intake, notices

    jobs = bootstrap.job_registry().names()
    assert {"pruning", "weekly_digest", "shadow_round", "case_reminders", "case_grouping"} <= jobs
    assert len(jobs) == 10
    hooks = bootstrap.after_sent_hooks()
    assert {intake.TRIAGE_CARD, notices.CARD_REFRESH, notices.SUPPLIER_RELAY} <= hooks.keys()
    with pytest.raises(ConfigError, match="JOB_NO_SUCH_CRON names no job"):
        bootstrap.load_settings({"JOB_NO_SUCH_CRON": "0 8 * * 1"}, dotenv_path=None)
