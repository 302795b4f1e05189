"""Teams settings: JWT validation is always on in serve-teams; only `msbot local --teams` may
accept unauthenticated requests, and the SDK's own switch is refused everywhere else."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import ConfigError
from handlers.cli import main
from handlers.teams.settings import SDK_UNAUTHENTICATED_SWITCH, load_teams_settings
from tests.processes import msbot_env
from tests.teams_support import APP_ID

TENANT = "11111111-2222-4333-8444-555555555555"
SERVE = {"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "s3cret~value", "TEAMS_TENANT_ID": TENANT}


def problems(mode, env) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_teams_settings(mode, env)
    return caught.value.problems


def test_serve_validates_tokens_and_reads_its_settings():
    settings = load_teams_settings("serve", {**SERVE, "TEAMS_PORT": "4000"})
    assert settings.allow_unauthenticated is False
    assert (settings.app_id, settings.tenant_id, settings.port) == (APP_ID, TENANT, 4000)
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("switch", [SDK_UNAUTHENTICATED_SWITCH, "TEAMS_ALLOW_UNAUTHENTICATED"])
@pytest.mark.parametrize("value", ["true", "1", "YES", "on"])
def test_serve_refuses_the_unauthenticated_switch(switch, value):
    found = problems("serve", {**SERVE, switch: value})
    assert found == [
        f"{switch} is refused: serve-teams always validates the Bot Framework token "
        "(unauthenticated requests are for `msbot local --teams` only)"
    ]


def test_serve_accepts_the_switch_set_to_false():
    assert not load_teams_settings(
        "serve", {**SERVE, SDK_UNAUTHENTICATED_SWITCH: "false"}
    ).allow_unauthenticated


def test_serve_needs_the_app_registration_and_lists_every_problem():
    found = problems("serve", {"TEAMS_TENANT_ID": "contoso", "TEAMS_PORT": "99999"})
    assert found == [
        "TEAMS_PORT must be a port number (1-65535), not '99999'",
        "TEAMS_APP_ID is required (the bot's Microsoft app id)",
        "TEAMS_APP_PASSWORD is required (the bot's client secret)",
        "TEAMS_TENANT_ID must be the tenant's GUID (leave unset if multi-tenant)",
    ]
    assert problems("serve", {**SERVE, "TEAMS_APP_ID": "msbot"}) == [
        "TEAMS_APP_ID must be the app's GUID (Azure bot registration)"
    ]


def test_local_mode_alone_accepts_unauthenticated_requests():
    local = load_teams_settings("local", {SDK_UNAUTHENTICATED_SWITCH: "true"})
    assert local.allow_unauthenticated is True
    assert local.app_id is None


def test_serve_teams_command_refuses_to_start_with_the_switch(monkeypatch, capsys):
    for name, value in SERVE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(SDK_UNAUTHENTICATED_SWITCH, "true")
    assert main(["serve-teams"]) == 2
    err = capsys.readouterr().err
    assert "msbot serve-teams cannot start" in err
    assert f"{SDK_UNAUTHENTICATED_SWITCH} is refused" in err


def test_importing_the_sdk_reads_no_dotenv_from_the_working_directory(tmp_path):
    """The SDK would load a .env (here or in any parent) into the environment on import."""
    (tmp_path / ".env").write_text("TENANT_ID=from-a-stray-dotenv\n")
    probe = "import os, handlers.teams.app; print(os.environ.get('TENANT_ID'))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=msbot_env({}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"
