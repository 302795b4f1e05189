"""The Slack app manifests declare exactly what the code handles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
SCOPES = {"commands", "chat:write", "im:write"}


def registered_commands() -> set[str]:
    from handlers.app import build_app, build_services

    settings = make_settings("sqlite://", "http://127.0.0.1:9/api/")
    app = build_app(build_services(settings, engine=None))
    commands = set()
    for listener in app._listeners:
        for matcher in listener.matchers:
            # Bolt's command matchers keep the command name in their closure.
            func = getattr(matcher, "func", None)
            for cell in getattr(func, "__closure__", None) or ():
                if isinstance(cell.cell_contents, str) and cell.cell_contents.startswith("/"):
                    commands.add(cell.cell_contents)
    return commands


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.socket-mode.yml"])
def test_manifest_matches_code(name):
    manifest = yaml.safe_load((ROOT / name).read_text())
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == registered_commands()
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "event_subscriptions" not in manifest["settings"]  # no events are handled
    assert manifest["settings"]["socket_mode_enabled"] is (name == "manifest.socket-mode.yml")
